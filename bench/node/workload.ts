/**
 * The workload: sender accounts, fast native signing (ethereumjs + the node's native secp256k1/keccak), and the
 * measurement transactions pre-signed and pre-serialised into JSON-RPC batch bodies, one list per HTTP client.
 */
import secp256k1 from "secp256k1";
import { RLP } from "@ethereumjs/rlp";
import { createTx } from "@ethereumjs/tx";
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { HDNodeWallet, Interface } from "ethers";
import { keccak256, makeCommon } from "../../node/execution/common";
import { DEV_MNEMONIC } from "../../lib/accounts";

export type Hex = `0x${string}`;
export type Workload = "value" | "erc20";

export interface Account {
  key: Uint8Array;
  address: Hex;
}

const GWEI = 1_000_000_000n;
/** Fee cap high enough for anvil's EIP-1559 base fee to move; our node's base fee is constant (1 gwei). */
export const MAX_FEE = 20n * GWEI;
export const TIP = GWEI;
export const GAS = { value: 21_000n, erc20: 60_000n, mint: 100_000n, deploy: 3_000_000n } as const;

export function addressOf(key: Uint8Array): Hex {
  const pub = secp256k1.publicKeyCreate(key, false);
  return bytesToHex(keccak256(pub.slice(1)).slice(12)) as Hex;
}

/** `n` deterministic bench accounts (keccak("luniverse-bench/" + i) as key): cheap to derive, never the dev keys. */
export function benchAccounts(n: number): Account[] {
  return Array.from({ length: n }, (_, i) => {
    const key = keccak256(Buffer.from(`luniverse-bench/${i}`));
    return { key, address: addressOf(key) };
  });
}

/** Development accounts 0..n-1 of the Hardhat mnemonic (funded in our genesis and in anvil). */
export function devAccounts(n: number): Account[] {
  const root = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
  return Array.from({ length: n }, (_, i) => {
    const w = root.deriveChild(i);
    return { key: hexToBytes(w.privateKey as Hex), address: w.address.toLowerCase() as Hex };
  });
}

export interface SignedTx {
  raw: Hex;
  hash: Hex;
}

export interface TxFields {
  nonce: bigint;
  to: Hex | null;
  value?: bigint;
  data?: Hex;
  gasLimit: bigint;
}

/**
 * EIP-1559 signing by hand (RLP of the fields, native secp256k1): ~10x faster than building an ethereumjs
 * transaction object per call, which matters when a run pre-signs hundreds of thousands. `signChecked` signs the
 * same fields through @ethereumjs/tx, and the bench compares the two once per run.
 */
export class Signer {
  private readonly chainIdBytes: Uint8Array;
  private readonly maxFee: Uint8Array;
  private readonly tip: Uint8Array;
  private readonly common;
  /** `fees`: the fee cap and tip of every transaction (default {@link MAX_FEE} / {@link TIP}; 0 / 0 on a gas-free chain). */
  constructor(
    readonly chainId: bigint,
    readonly fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } = { maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP },
  ) {
    this.chainIdBytes = bigIntToUnpaddedBytes(chainId);
    this.maxFee = bigIntToUnpaddedBytes(fees.maxFeePerGas);
    this.tip = bigIntToUnpaddedBytes(fees.maxPriorityFeePerGas);
    this.common = makeCommon(chainId);
  }

  sign(key: Uint8Array, f: TxFields): SignedTx {
    const fields: Uint8Array[] | (Uint8Array | Uint8Array[])[] = [
      this.chainIdBytes,
      bigIntToUnpaddedBytes(f.nonce),
      this.tip,
      this.maxFee,
      bigIntToUnpaddedBytes(f.gasLimit),
      f.to ? hexToBytes(f.to) : new Uint8Array(0),
      bigIntToUnpaddedBytes(f.value ?? 0n),
      f.data ? hexToBytes(f.data) : new Uint8Array(0),
      [],
    ];
    const toSign = concat2(RLP.encode(fields));
    const { signature, recid } = secp256k1.ecdsaSign(keccak256(toSign), key);
    fields.push(bigIntToUnpaddedBytes(BigInt(recid)), stripZeros(signature.subarray(0, 32)), stripZeros(signature.subarray(32, 64)));
    const raw = concat2(RLP.encode(fields));
    return { raw: bytesToHex(raw) as Hex, hash: bytesToHex(keccak256(raw)) as Hex };
  }

  /** The same transaction built and signed through @ethereumjs/tx (the reference `sign` is checked against). */
  signChecked(key: Uint8Array, f: TxFields): SignedTx {
    const unsigned = createTx(
      {
        type: 2,
        chainId: this.chainId,
        nonce: f.nonce,
        gasLimit: f.gasLimit,
        to: f.to ?? undefined,
        value: f.value ?? 0n,
        data: f.data ? hexToBytes(f.data) : undefined,
        maxFeePerGas: this.fees.maxFeePerGas,
        maxPriorityFeePerGas: this.fees.maxPriorityFeePerGas,
      },
      { common: this.common },
    );
    const signed = unsigned.sign(key);
    return { raw: bytesToHex(signed.serialize()) as Hex, hash: bytesToHex(signed.hash()) as Hex };
  }
}

/** 0x02 ‖ payload: the EIP-2718 envelope of a type-2 transaction. */
function concat2(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = 2;
  out.set(payload, 1);
  return out;
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

export const erc20 = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function mint(address to, uint256 amount)",
  "function balanceOf(address) view returns (uint256)",
]);

/** transfer(to, amount) calldata without ethers' per-call overhead (selector + two words). */
export function transferData(to: Hex, amount: bigint): Hex {
  return `0xa9059cbb${to.slice(2).padStart(64, "0")}${amount.toString(16).padStart(64, "0")}` as Hex;
}

/** One JSON-RPC batch of eth_sendRawTransaction, serialised before the timed window. */
export interface Batch {
  body: string;
  hashes: Hex[];
  /** performance.now() when the request went out (set by the driver). */
  sentAt: number;
}

export interface PlanOptions {
  signer: Signer;
  workload: Workload;
  senders: Account[];
  /** First nonce of each sender (erc20: after its mint). */
  firstNonce: bigint;
  perSender: number;
  clients: number;
  batchSize: number;
  token: Hex | null;
  onProgress?: (signed: number, total: number) => void;
}

/**
 * Client c owns senders s ≡ c (mod clients) and sends them nonce by nonce (all its senders' nonce n, then n+1), so
 * a sender's transactions always arrive in nonce order. Recipients are other bench senders (existing accounts /
 * non-zero token balances, as in steady-state traffic).
 */
export function planBatches(o: PlanOptions): Batch[][] {
  const S = o.senders.length;
  const total = S * o.perSender;
  let signed = 0;
  const plans: Batch[][] = [];
  for (let c = 0; c < o.clients; c++) {
    const mine: number[] = [];
    for (let s = c; s < S; s += o.clients) mine.push(s);
    const batches: Batch[] = [];
    let parts: string[] = [];
    let hashes: Hex[] = [];
    const flush = () => {
      if (hashes.length === 0) return;
      batches.push({ body: `[${parts.join(",")}]`, hashes, sentAt: 0 });
      parts = [];
      hashes = [];
    };
    for (let n = 0; n < o.perSender; n++) {
      for (const s of mine) {
        const to = o.senders[(s + 1) % S]!.address;
        const tx =
          o.workload === "value"
            ? o.signer.sign(o.senders[s]!.key, { nonce: o.firstNonce + BigInt(n), to, value: 1n, gasLimit: GAS.value })
            : o.signer.sign(o.senders[s]!.key, { nonce: o.firstNonce + BigInt(n), to: o.token, data: transferData(to, 1n), gasLimit: GAS.erc20 });
        parts.push(`{"jsonrpc":"2.0","id":${hashes.length},"method":"eth_sendRawTransaction","params":["${tx.raw}"]}`);
        hashes.push(tx.hash);
        if (hashes.length >= o.batchSize) flush();
        if (++signed % 20_000 === 0) o.onProgress?.(signed, total);
      }
    }
    flush();
    plans.push(batches);
  }
  return plans;
}
