/**
 * Genesis: the file format and the genesis block it gives.
 *
 * The file is geth-style (`config.chainId`, `alloc`, `timestamp`, `gasLimit`, `extraData`, `baseFeePerGas`) plus a
 * `luniverse` section naming the system contracts, the genesis validators and the deployment manifest. `alloc`
 * carries the system contracts' code and storage, produced by `node:genesis` from the compiled artifacts (see
 * builder.ts). The same file always gives the same genesis block and hash: nothing in it depends on time or
 * on the machine.
 */
import { readFileSync } from "node:fs";
import { Block, createBlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { Account, KECCAK256_RLP, bigIntToUnpaddedBytes, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { LuniverseError } from "../../lib/errors";

export interface GenesisAccount {
  balance?: string;
  nonce?: string;
  code?: string;
  storage?: Record<string, string>;
}

export interface GenesisFile {
  config: {
    chainId: number;
    /** Product chains: gas price 0 accepted (base fee 0), admission by rate limits and the gas contracts. */
    gasFree?: boolean;
  };
  timestamp: string;
  gasLimit: string;
  /** Constant base fee of this PoA chain (wei, hex). 0 on gas-free chains. */
  baseFeePerGas: string;
  extraData?: string;
  alloc: Record<string, GenesisAccount>;
  luniverse: {
    /** System contract addresses by name (ValidatorSet, Slashing, …); fixed for the life of the chain. */
    systemContracts: Record<string, string>;
    validators: string[];
    /** The deployment manifest (deploy/manifest.ts) of the system contracts, so tasks find them. */
    deployment?: unknown;
  };
}

export type GenesisErrorCode = "GENESIS_FILE" | "GENESIS_INVALID" | "GENESIS_BUILD";

/**
 * A genesis file that cannot be read (GENESIS_FILE) or used (GENESIS_INVALID; the message names the field), or a
 * build whose written alloc does not give back the deployed state (GENESIS_BUILD).
 */
export class GenesisError extends LuniverseError<GenesisErrorCode> {
  override name = "GenesisError";
  constructor(code: GenesisErrorCode, message: string) {
    super(code, message);
  }
}

const HEX = /^0x[0-9a-fA-F]*$/;

function quantity(path: string, v: unknown): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== "string" || !HEX.test(v) || v.length < 3) throw new GenesisError("GENESIS_INVALID", `genesis: ${path} must be a 0x-prefixed hex quantity, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

export function readGenesisFile(path: string): GenesisFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new GenesisError("GENESIS_FILE", `cannot read the genesis file ${path}: ${(err as Error).message} (create one with \`npx hardhat node:genesis --out ${path}\`)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GenesisError("GENESIS_FILE", `the genesis file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return validateGenesis(parsed);
}

export function validateGenesis(g: unknown): GenesisFile {
  if (typeof g !== "object" || g === null) throw new GenesisError("GENESIS_INVALID", "genesis: expected a JSON object");
  const f = g as GenesisFile;
  if (typeof f.config !== "object" || f.config === null || !Number.isSafeInteger(f.config.chainId) || f.config.chainId <= 0) {
    throw new GenesisError("GENESIS_INVALID", "genesis: config.chainId must be a positive integer");
  }
  quantity("timestamp", f.timestamp);
  quantity("gasLimit", f.gasLimit);
  quantity("baseFeePerGas", f.baseFeePerGas);
  if (typeof f.alloc !== "object" || f.alloc === null) throw new GenesisError("GENESIS_INVALID", "genesis: alloc must be an object of address → account");
  for (const [addr, acct] of Object.entries(f.alloc)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new GenesisError("GENESIS_INVALID", `genesis: alloc key ${addr} is not an address`);
    if (acct.balance !== undefined) quantity(`alloc.${addr}.balance`, acct.balance);
    if (acct.nonce !== undefined) quantity(`alloc.${addr}.nonce`, acct.nonce);
    if (acct.code !== undefined && !HEX.test(acct.code)) throw new GenesisError("GENESIS_INVALID", `genesis: alloc.${addr}.code must be hex`);
  }
  if (typeof f.luniverse !== "object" || f.luniverse === null || !Array.isArray(f.luniverse.validators) || f.luniverse.validators.length === 0) {
    throw new GenesisError("GENESIS_INVALID", "genesis: luniverse.validators must list at least one validator");
  }
  if (typeof f.luniverse.systemContracts !== "object" || typeof f.luniverse.systemContracts.ValidatorSet !== "string") {
    throw new GenesisError("GENESIS_INVALID", "genesis: luniverse.systemContracts.ValidatorSet is missing (build the file with `npx hardhat node:genesis`)");
  }
  return f;
}

/** Writes the alloc into `state` and returns the state root. */
export async function applyAlloc(state: MerkleStateManager, alloc: GenesisFile["alloc"]): Promise<Uint8Array> {
  // sorted, so the order of keys in the file cannot matter
  for (const addr of Object.keys(alloc).sort()) {
    const a = alloc[addr]!;
    const address = createAddressFromString(addr);
    await state.putAccount(address, new Account(a.nonce ? BigInt(a.nonce) : 0n, a.balance ? BigInt(a.balance) : 0n));
    if (a.code && a.code !== "0x") await state.putCode(address, hexToBytes(a.code as `0x${string}`));
    for (const slot of Object.keys(a.storage ?? {}).sort()) {
      const value = BigInt(a.storage![slot]!);
      if (value === 0n) continue;
      await state.putStorage(address, setLengthLeft(hexToBytes(slot as `0x${string}`), 32), bigIntToUnpaddedBytes(value));
    }
  }
  await state.checkpoint();
  await state.commit();
  return state.getStateRoot();
}

export function genesisBlock(g: GenesisFile, stateRoot: Uint8Array, common: Common): Block {
  const header = createBlockHeader(
    {
      number: 0n,
      parentHash: new Uint8Array(32),
      timestamp: BigInt(g.timestamp),
      gasLimit: BigInt(g.gasLimit),
      baseFeePerGas: BigInt(g.baseFeePerGas),
      extraData: g.extraData ? hexToBytes(g.extraData as `0x${string}`) : new Uint8Array(0),
      stateRoot,
      difficulty: 0n,
      excessBlobGas: 0n,
      blobGasUsed: 0n,
      parentBeaconBlockRoot: new Uint8Array(32),
      withdrawalsRoot: KECCAK256_RLP,
    },
    { common, skipConsensusFormatValidation: true },
  );
  return new Block(header, [], [], [], { common });
}

export { bytesToHex };
