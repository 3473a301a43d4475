/**
 * Builds a genesis file with the system contracts predeployed and initialised.
 *
 * The contracts are deployed by the project's own deployment (the caller's `deploy` callback: `ops/chain/buildGenesis.ts`
 * runs `deploySystem` in the same process) against a scratch state served over JSON-RPC by this module. Every
 * transaction there executes in the context of block 0
 * at the genesis timestamp, so the contracts record the genesis as their deployment block (the validator set's
 * first version, epoch anchor and checkpoints are at block 0, exactly as if they had always been there). The state
 * is then written out as a standard `alloc` (code, storage, balances, nonces) and checked: rebuilding a state from
 * the alloc must give the very same state root.
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createBlock, type Block } from "@ethereumjs/block";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { Account, KECCAK256_RLP, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft, type Address } from "@ethereumjs/util";
import { runTx, type VM } from "@ethereumjs/vm";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { callFailure, callOnVm, estimateWithSearch, type ExecResult } from "../execution/call";
import { makeCommon } from "../execution/common";
import { Executor } from "../execution/executor";
import { RpcError, SERVER_ERROR } from "../rpc/errors";
import { formatTransaction, q } from "../rpc/format";
import { startRpcServer } from "../rpc/server";
import type { BlockFinality, CallRequest, FeeHistory, Hex, LogFilter, NodeStatus, PeerInfo, RpcBackend, RpcBlock, RpcLog, RpcReceipt, RpcTransaction } from "../rpc/types";
import { openLevel, OverlayDB } from "../storage/db";
import { applyAlloc, GenesisError, type GenesisAccount, type GenesisFile } from "./genesis";

export interface BuildGenesisOptions {
  chainId: number;
  gasFree: boolean;
  /** Genesis timestamp (seconds); fixed so the same inputs give the same file. */
  timestamp: number;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  /** Accounts funded in genesis (dev accounts, the deployer). */
  fund: { address: string; balance: bigint }[];
  /** Deploys the system against `rpcUrl`; returns the manifest, the system contract addresses and the validators. */
  deploy: (rpcUrl: string) => Promise<{ deployment: unknown; systemContracts: Record<string, string>; validators: string[] }>;
  log?: (msg: string) => void;
}

interface Mined {
  tx: TypedTransaction;
  from: string;
  index: number;
  status: 0 | 1;
  gasUsed: bigint;
  contractAddress: string | null;
  logs: RpcLog[];
}

/** A scratch chain for the deployment: every transaction runs at once, in block 0. */
class GenesisScratch extends EventEmitter implements RpcBackend {
  readonly clientVersion = "luniverse-ts/genesis-builder";
  private mined = new Map<string, Mined>();
  private order: Mined[] = [];
  readonly touched = new Map<string, Set<string>>();
  private context: Block;

  constructor(
    readonly chainId: bigint,
    private readonly vm: VM,
    timestamp: number,
    gasLimit: bigint,
  ) {
    super();
    this.context = createBlock(
      { header: { number: 0n, timestamp: BigInt(timestamp), gasLimit, baseFeePerGas: 0n, difficulty: 0n, excessBlobGas: 0n } },
      { common: vm.common, skipConsensusFormatValidation: true },
    );
    this.record(vm.stateManager as MerkleStateManager);
  }

  /** Remembers every account and storage slot written, so the state can be written out as an alloc. */
  private record(sm: MerkleStateManager): void {
    const note = (a: Address, key?: Uint8Array) => {
      const k = a.toString();
      let s = this.touched.get(k);
      if (!s) this.touched.set(k, (s = new Set()));
      if (key) s.add(bytesToHex(setLengthLeft(key, 32)));
    };
    const putAccount = sm.putAccount.bind(sm);
    const putCode = sm.putCode.bind(sm);
    const putStorage = sm.putStorage.bind(sm);
    const modify = sm.modifyAccountFields.bind(sm);
    sm.putAccount = async (a, acct) => (note(a), putAccount(a, acct));
    sm.putCode = async (a, c) => (note(a), putCode(a, c));
    sm.putStorage = async (a, k, v) => (note(a, k), putStorage(a, k, v));
    sm.modifyAccountFields = async (a, f) => (note(a), modify(a, f));
  }

  blockNumber(): bigint {
    return 0n;
  }
  finalizedNumber(): bigint {
    return 0n;
  }
  private get sm(): MerkleStateManager {
    return this.vm.stateManager as MerkleStateManager;
  }
  async getBalance(address: Hex): Promise<bigint> {
    return this.exclusive(async () => (await this.sm.getAccount(createAddressFromString(address)))?.balance ?? 0n);
  }
  async getCode(address: Hex): Promise<Hex> {
    return this.exclusive(async () => bytesToHex(await this.sm.getCode(createAddressFromString(address))) as Hex);
  }
  async getStorageAt(address: Hex, slot: Hex): Promise<Hex> {
    return this.exclusive(async () => bytesToHex(setLengthLeft(await this.sm.getStorage(createAddressFromString(address), setLengthLeft(hexToBytes(slot), 32)), 32)) as Hex);
  }
  async getTransactionCount(address: Hex): Promise<bigint> {
    return this.exclusive(async () => (await this.sm.getAccount(createAddressFromString(address)))?.nonce ?? 0n);
  }
  /** One VM for everything: calls, estimates and transactions run one at a time (see NodeBackend.exclusive). */
  private lock: Promise<unknown> = Promise.resolve();
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private exec(request: CallRequest, gasLimit: bigint): Promise<ExecResult> {
    return this.exclusive(() => callOnVm(this.vm, request, gasLimit, this.context));
  }
  async call(request: CallRequest): Promise<Hex> {
    const r = await this.exec(request, request.gas ?? this.context.header.gasLimit);
    if (!r.ok) throw callFailure(r.returnValue, r.error);
    return r.returnValue;
  }
  async estimateGas(request: CallRequest): Promise<bigint> {
    const g = await estimateWithSearch(request, request.gas ?? this.context.header.gasLimit, (gas) => this.exec(request, gas));
    if (process.env.LUNIVERSE_GENESIS_DEBUG) this.emit("reverted", `estimate ${request.to} ${request.data?.slice(0, 10)} -> ${g}`);
    return g;
  }
  async gasPrice(): Promise<bigint> {
    return 0n;
  }
  async maxPriorityFeePerGas(): Promise<bigint> {
    return 0n;
  }
  async feeHistory(): Promise<FeeHistory> {
    return { oldestBlock: "0x0", baseFeePerGas: ["0x0", "0x0"], gasUsedRatio: [0] };
  }
  async sendRawTransaction(raw: Uint8Array): Promise<Hex> {
    return this.exclusive(() => this.mine(raw));
  }

  private async mine(raw: Uint8Array): Promise<Hex> {
    let tx: TypedTransaction;
    try {
      tx = createTxFromRLP(raw, { common: this.vm.common });
    } catch (err) {
      throw new RpcError(SERVER_ERROR, `invalid transaction: ${(err as Error).message}`);
    }
    let result;
    try {
      result = await runTx(this.vm, { tx, block: this.context, skipBlockGasLimitValidation: true, skipHardForkValidation: true });
    } catch (err) {
      throw new RpcError(SERVER_ERROR, (err as Error).message.split("\n")[0]!);
    }
    const hash = bytesToHex(tx.hash()) as Hex;
    const m: Mined = {
      tx,
      from: tx.getSenderAddress().toString(),
      index: this.order.length,
      status: (result.receipt as { status: 0 | 1 }).status,
      gasUsed: result.totalGasSpent,
      contractAddress: result.createdAddress?.toString() ?? null,
      logs: [],
    };
    m.logs = result.receipt.logs.map((l, i) => ({
      address: bytesToHex(l[0]) as Hex,
      topics: l[1].map((t) => bytesToHex(t) as Hex),
      data: bytesToHex(l[2]) as Hex,
      blockNumber: "0x0",
      blockHash: this.pseudoHash(m.index),
      transactionHash: hash,
      transactionIndex: "0x0",
      logIndex: q(i),
      removed: false as const,
    }));
    if (m.status === 0) {
      const data = bytesToHex(result.execResult.returnValue);
      this.emit("reverted", `transaction ${hash} to ${m.tx.to?.toString() ?? "(create)"} reverted: ${result.execResult.exceptionError?.error ?? "?"} ${data} (gas limit ${m.tx.gasLimit}, used ${result.totalGasSpent}, data ${bytesToHex(m.tx.data).slice(0, 10)})`);
    }
    this.mined.set(hash, m);
    this.order.push(m);
    return hash;
  }
  private pseudoHash(i: number): Hex {
    return `0x${(i + 1).toString(16).padStart(64, "0")}`;
  }
  async getTransactionByHash(hash: Hex): Promise<RpcTransaction | null> {
    const m = this.mined.get(hash.toLowerCase());
    if (!m) return null;
    return { ...formatTransaction(m.tx, m.from, null, null), blockHash: this.pseudoHash(m.index), blockNumber: "0x0", transactionIndex: "0x0" };
  }
  /** The scratch chain's receipts are per transaction (each its own pseudo-block): a deployment never asks for a block's. */
  async getBlockReceipts(): Promise<RpcReceipt[] | null> {
    return null;
  }
  async getTransactionReceipt(hash: Hex): Promise<RpcReceipt | null> {
    const m = this.mined.get(hash.toLowerCase());
    if (!m) return null;
    return {
      transactionHash: hash.toLowerCase() as Hex,
      transactionIndex: "0x0",
      blockHash: this.pseudoHash(m.index),
      blockNumber: "0x0",
      from: m.from as Hex,
      to: m.tx.to ? (m.tx.to.toString() as Hex) : null,
      cumulativeGasUsed: q(m.gasUsed),
      gasUsed: q(m.gasUsed),
      effectiveGasPrice: "0x0",
      contractAddress: m.contractAddress as Hex | null,
      logs: m.logs,
      logsBloom: `0x${"0".repeat(512)}`,
      type: q(m.tx.type),
      status: q(m.status),
    };
  }
  async getBlockByNumber(number: bigint): Promise<RpcBlock | null> {
    if (number !== 0n) return null;
    const h = this.context.header;
    return {
      number: "0x0",
      hash: this.pseudoHash(this.order.length),
      parentHash: `0x${"0".repeat(64)}`,
      nonce: "0x0000000000000000",
      sha3Uncles: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
      logsBloom: `0x${"0".repeat(512)}`,
      transactionsRoot: bytesToHex(KECCAK256_RLP) as Hex,
      stateRoot: bytesToHex(KECCAK256_RLP) as Hex,
      receiptsRoot: bytesToHex(KECCAK256_RLP) as Hex,
      miner: `0x${"0".repeat(40)}`,
      difficulty: "0x0",
      totalDifficulty: "0x0",
      extraData: "0x",
      size: "0x0",
      gasLimit: q(h.gasLimit),
      gasUsed: "0x0",
      timestamp: q(h.timestamp),
      mixHash: `0x${"0".repeat(64)}`,
      baseFeePerGas: "0x0",
      transactions: [],
      uncles: [],
    };
  }
  async getBlockByHash(): Promise<RpcBlock | null> {
    return this.getBlockByNumber(0n);
  }
  async getLogs(filter: LogFilter): Promise<RpcLog[]> {
    const want = filter.address?.map((a) => a.toLowerCase());
    return this.order.flatMap((m) => m.logs).filter((l) => !want || want.includes(l.address.toLowerCase()));
  }
  async validators(): Promise<Hex[]> {
    return [];
  }
  async finality(): Promise<BlockFinality | null> {
    return null;
  }
  status(): NodeStatus {
    return { chainId: q(this.chainId), genesisHash: "0x", height: "0x0", finalizedHeight: "0x0", validator: null, syncing: false, peers: 0, txPool: { pending: 0, queued: 0 }, gasFree: false };
  }
  peers(): PeerInfo[] {
    return [];
  }
  metrics(): string {
    return "";
  }

  failed(): Mined[] {
    return this.order.filter((m) => m.status === 0);
  }
}

export async function buildGenesis(opts: BuildGenesisOptions): Promise<GenesisFile> {
  const log = opts.log ?? (() => undefined);
  const common = makeCommon(BigInt(opts.chainId));
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-genesis-"));
  const level = await openLevel(dir);
  try {
    const overlay = new OverlayDB(level);
    const executor = new Executor(common, overlay, { getBlock: async () => ({ hash: () => new Uint8Array(32) }), putBlock: async () => undefined, shallowCopy() { return this; } });
    const vm = await executor.vmAt(KECCAK256_RLP);
    const scratch = new GenesisScratch(BigInt(opts.chainId), vm, opts.timestamp, opts.gasLimit);
    for (const f of opts.fund) {
      await vm.stateManager.putAccount(createAddressFromString(f.address), new Account(0n, f.balance));
    }
    scratch.on("reverted", (m: string) => log(m));
    const server = await startRpcServer(scratch, { host: "127.0.0.1", port: 0 });
    let deployed: Awaited<ReturnType<BuildGenesisOptions["deploy"]>>;
    try {
      log(`deploying the system contracts into the genesis state (scratch RPC ${server.url})`);
      deployed = await opts.deploy(server.url);
    } finally {
      await server.close();
    }
    const failed = scratch.failed();
    if (failed.length > 0) log(`note: ${failed.length} deployment transaction(s) reverted (the deployment decided it could continue)`);

    // write the state out as an alloc
    const sm = vm.stateManager as MerkleStateManager;
    const alloc: Record<string, GenesisAccount> = {};
    for (const addr of [...scratch.touched.keys()].sort()) {
      const a = createAddressFromString(addr);
      const acct = await sm.getAccount(a);
      if (!acct) continue;
      const entry: GenesisAccount = {};
      if (acct.balance > 0n) entry.balance = q(acct.balance);
      if (acct.nonce > 0n) entry.nonce = q(acct.nonce);
      const code = await sm.getCode(a);
      if (code.length > 0) entry.code = bytesToHex(code);
      const storage: Record<string, string> = {};
      for (const key of [...scratch.touched.get(addr)!].sort()) {
        const v = await sm.getStorage(a, hexToBytes(key as Hex));
        if (v.length > 0 && v.some((b) => b !== 0)) storage[key] = bytesToHex(setLengthLeft(v, 32));
      }
      if (Object.keys(storage).length > 0) entry.storage = storage;
      if (Object.keys(entry).length === 0 && acct.nonce === 0n) continue;
      alloc[addr] = entry;
    }
    const built = await sm.getStateRoot();
    const check = executor.stateAt(KECCAK256_RLP, false);
    const rebuilt = await applyAlloc(check, alloc);
    if (bytesToHex(rebuilt) !== bytesToHex(built)) {
      throw new GenesisError("GENESIS_BUILD", `genesis: the written alloc gives state root ${bytesToHex(rebuilt)}, the deployment left ${bytesToHex(built)} — an account or slot was missed`);
    }
    return {
      config: { chainId: opts.chainId, gasFree: opts.gasFree },
      timestamp: q(opts.timestamp),
      gasLimit: q(opts.gasLimit),
      baseFeePerGas: q(opts.baseFeePerGas),
      extraData: "0x",
      alloc,
      luniverse: { systemContracts: deployed.systemContracts, validators: deployed.validators, deployment: deployed.deployment },
    };
  } finally {
    await level.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
