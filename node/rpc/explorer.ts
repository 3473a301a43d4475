/**
 * The node's answers for explorers and debuggers (the {@link ExplorerBackend} of rpc/types.ts): Otterscan's `ots_*`
 * (API level 8), `debug_traceTransaction` / `debug_traceCall` (callTracer and the struct logger), `txpool_*` and
 * `luniverse_nodeInfo`. Traces re-execute on a scratch VM (execution/trace.ts), one at a time; the address search
 * reads the chain's address index (chain/chain.ts); the nonce and creator look-ups binary-search the state history
 * (every state root stays readable: no pruning).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { createBlock, type Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, toChecksumAddress } from "@ethereumjs/util";
import type { Chain } from "../chain/chain";
import { roundOf } from "../consensus/engine";
import { missedProposalCalls } from "../consensus/slashing";
import { callOnVm } from "../execution/call";
import type { SystemCall } from "../execution/executor";
import { replayBlock, traceTransaction, TraceError, type Tracer } from "../execution/trace";
import { CallTracer, internalOperations, otsTrace, type CallFrame, type InternalOperation, type OtsTraceEntry } from "../execution/traceCall";
import { StructLogger, type StructLoggerResult } from "../execution/traceStruct";
import { RpcError, SERVER_ERROR } from "./errors";
import { formatBlock, formatLogs, formatReceipt, formatTransaction, q } from "./format";
import type { BlockRef, CallRequest, ExplorerBackend, Hex, NodeInfo, OtsBlockDetails, OtsBlockTransactions, OtsSearchResult, PeerInfo, RpcBlock, RpcReceipt, TraceOptions, TxPoolContent } from "./types";

/** What the explorer needs from the node around it. */
export interface ExplorerHost {
  chain: Chain;
  chainId: bigint;
  /** This node's validator address (null on a full node). */
  validator: Hex | null;
  validatorsAt(number: bigint): Promise<Hex[]>;
  /** The Slashing system contract (the downtime system calls a block carries); undefined: none (no system calls). */
  slashing?: Hex;
  poolContent(): { pending: Map<Hex, TypedTransaction[]>; queued: Map<Hex, TypedTransaction[]> };
  isSyncing(): boolean;
  peers(): PeerInfo[];
}

/** The project's version (package.json), read once. */
let version: string | undefined;
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
    } catch {
      version = "unknown";
    }
  }
  return version;
}

const txNotFound = (hash: Hex) => new RpcError(SERVER_ERROR, `transaction ${hash} not found`);

export class NodeExplorer implements ExplorerBackend {
  /** Traces run one at a time (each builds a VM and re-executes a block). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: ExplorerHost) {}

  private get chain(): Chain {
    return this.host.chain;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async systemCalls(block: Block): Promise<SystemCall[]> {
    if (this.host.slashing === undefined || block.header.number === 0n) return [];
    const validators = await this.host.validatorsAt(block.header.number);
    return missedProposalCalls(this.host.slashing, validators, block.header.number, roundOf(block));
  }

  private async locate(hash: Hex) {
    const loc = await this.chain.getTxLocation(hash);
    if (loc === null) throw txNotFound(hash);
    const parent = await this.chain.getBlockByHash(bytesToHex(loc.block.header.parentHash) as Hex);
    if (parent === null) throw new RpcError(SERVER_ERROR, `parent of block ${loc.block.header.number} not found`);
    return { ...loc, parent };
  }

  /** Runs transaction `hash` again with `tracer` attached; returns the gas the transaction used. */
  private async trace(hash: Hex, tracer: Tracer): Promise<bigint> {
    const loc = await this.locate(hash);
    return this.serial(async () => {
      try {
        const r = await traceTransaction({ executor: this.chain.executor, parent: loc.parent, block: loc.block, systemCalls: await this.systemCalls(loc.block) }, loc.index, tracer);
        return r.totalGasSpent;
      } catch (err) {
        throw asRpcError(err);
      }
    });
  }

  private async callTree(hash: Hex, config: { onlyTopCall?: boolean; withLog?: boolean } = {}): Promise<CallFrame> {
    const tracer = new CallTracer(config);
    const gasUsed = await this.trace(hash, tracer);
    return tracer.result(gasUsed);
  }

  async traceTransaction(hash: Hex, options: TraceOptions): Promise<CallFrame | StructLoggerResult> {
    if (options.tracer === "callTracer") return this.callTree(hash, options.tracerConfig);
    const logger = new StructLogger(options);
    const gasUsed = await this.trace(hash, logger);
    try {
      return logger.result(gasUsed);
    } catch (err) {
      throw asRpcError(err);
    }
  }

  async traceCall(request: CallRequest, ref: BlockRef, options: TraceOptions): Promise<CallFrame | StructLoggerResult> {
    const head = ref === "pending" || ref === this.chain.height;
    const block = ref === "pending" ? this.chain.head : await this.chain.getBlockByNumber(ref);
    if (block === null) throw new RpcError(SERVER_ERROR, "header not found");
    const h = block.header;
    const context = createBlock(
      {
        header: {
          number: head ? h.number + 1n : h.number,
          timestamp: head ? BigInt(Math.max(Number(h.timestamp) + 1, Math.floor(Date.now() / 1000))) : h.timestamp,
          gasLimit: h.gasLimit,
          baseFeePerGas: h.baseFeePerGas,
          coinbase: h.coinbase,
          difficulty: 0n,
          excessBlobGas: 0n,
        },
      },
      { common: this.chain.common, skipConsensusFormatValidation: true },
    );
    return this.serial(async () => {
      const vm = await this.chain.executor.vmAt(h.stateRoot);
      const tracer = options.tracer === "callTracer" ? new CallTracer(options.tracerConfig) : new StructLogger(options);
      tracer.attach(vm.evm as never);
      // as a transaction: the intrinsic gas is paid first, and counted in the gas used (as geth and anvil report it)
      const cap = request.gas ?? h.gasLimit;
      const intrinsic = intrinsicGas(request);
      if (cap < intrinsic) throw new RpcError(SERVER_ERROR, `intrinsic gas too low: have ${cap}, want ${intrinsic}`);
      let gasUsed: bigint;
      try {
        gasUsed = (await callOnVm(vm, request, cap - intrinsic, context)).gasUsed + intrinsic;
      } catch (err) {
        throw asRpcError(err);
      } finally {
        tracer.detach();
      }
      try {
        return tracer.result(gasUsed);
      } catch (err) {
        throw asRpcError(err);
      }
    });
  }

  async otsTraceTransaction(hash: Hex): Promise<OtsTraceEntry[]> {
    return otsTrace(await this.callTree(hash));
  }

  async otsInternalOperations(hash: Hex): Promise<InternalOperation[]> {
    return internalOperations(await this.callTree(hash));
  }

  async otsTransactionError(hash: Hex): Promise<Hex> {
    const loc = await this.chain.getTxLocation(hash);
    if (loc === null) throw txNotFound(hash);
    if (loc.receipts[loc.index]!.status === 1) return "0x";
    const top = await this.callTree(hash, { onlyTopCall: true });
    return top.output ?? "0x";
  }

  private async blockOf(ref: bigint | Hex): Promise<Block | null> {
    return typeof ref === "bigint" ? this.chain.getBlockByNumber(ref) : this.chain.getBlockByHash(ref);
  }

  async otsBlockDetails(ref: bigint | Hex): Promise<OtsBlockDetails | null> {
    const block = await this.blockOf(ref);
    if (block === null) return null;
    const receipts = await this.chain.getReceipts(bytesToHex(block.hash()) as Hex);
    const { transactions: _omitted, ...rest } = formatBlock(block, null, false);
    let totalFees = 0n;
    block.transactions.forEach((tx, i) => {
      totalFees += BigInt(receipts[i]?.gasUsed ?? "0x0") * effectiveGasPrice(tx, block);
    });
    return {
      block: { ...rest, logsBloom: null, transactionCount: block.transactions.length },
      issuance: { blockReward: "0x0", uncleReward: "0x0", issuance: "0x0" },
      totalFees: q(totalFees),
    };
  }

  async otsBlockTransactions(number: bigint, page: number, pageSize: number): Promise<OtsBlockTransactions | null> {
    const block = await this.chain.getBlockByNumber(number);
    if (block === null) return null;
    const hash = bytesToHex(block.hash()) as Hex;
    const receipts = await this.chain.getReceipts(hash);
    // Erigon's paging, which Otterscan expects: page 0 holds the block's LAST pageSize transactions (in block order).
    const n = block.transactions.length;
    const end = Math.max(0, n - page * pageSize);
    const start = Math.max(0, end - pageSize);
    const logs = formatLogs(block, receipts);
    const { transactions: _all, ...rest } = formatBlock(block, null, false);
    const txs = [];
    const rcpts = [];
    for (let i = start; i < end; i++) {
      const tx = formatTransaction(block.transactions[i]!, receipts[i]!.from, block, i);
      if (tx.input.length > 10) tx.input = tx.input.slice(0, 10) as Hex;
      txs.push(tx);
      rcpts.push({ ...formatReceipt(block, receipts, i, logs), logs: null, logsBloom: null, timestamp: q(block.header.timestamp) });
    }
    return { fullblock: { ...rest, transactions: txs, transactionCount: n }, receipts: rcpts };
  }

  async otsSearch(address: Hex, direction: "before" | "after", blockNumber: bigint, pageSize: number): Promise<OtsSearchResult> {
    const fromTip = direction === "before" && blockNumber === 0n;
    const from = fromTip ? this.chain.height + 1n : blockNumber;
    const history = await this.chain.addressHistory(address, direction, from, pageSize);
    const txs = [];
    const receipts: (RpcReceipt & { timestamp: Hex })[] = [];
    const blocks = direction === "before" ? history.blocks : [...history.blocks].reverse(); // results newest first
    for (const { number, indices } of blocks) {
      const block = await this.chain.getBlockByNumber(number);
      if (block === null) continue;
      const hash = bytesToHex(block.hash()) as Hex;
      const rs = await this.chain.getReceipts(hash);
      const logs = formatLogs(block, rs);
      for (const i of [...indices].reverse()) {
        txs.push(formatTransaction(block.transactions[i]!, rs[i]!.from, block, i));
        receipts.push({ ...formatReceipt(block, rs, i, logs), timestamp: q(block.header.timestamp) });
      }
    }
    if (direction === "before") return { txs, receipts, firstPage: fromTip, lastPage: !history.more };
    return { txs, receipts, firstPage: !history.more, lastPage: blockNumber === 0n };
  }

  private async stateAt(number: bigint) {
    const block = await this.chain.getBlockByNumber(number);
    if (block === null) throw new RpcError(SERVER_ERROR, `block ${number} not found`);
    return this.chain.executor.stateAt(block.header.stateRoot, false);
  }

  /** The lowest height in [lo, hi] where `holds` is true, given it is false at lo - 1 and true at hi (monotone). */
  private async firstHeight(lo: bigint, hi: bigint, holds: (n: bigint) => Promise<boolean>): Promise<bigint> {
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (await holds(mid)) hi = mid;
      else lo = mid + 1n;
    }
    return lo;
  }

  async otsTransactionBySenderAndNonce(sender: Hex, nonce: bigint): Promise<Hex | null> {
    const address = createAddressFromString(sender);
    const nonceAt = async (n: bigint) => (await (await this.stateAt(n)).getAccount(address))?.nonce ?? 0n;
    const head = this.chain.height;
    if ((await nonceAt(head)) <= nonce) return null;
    const height = await this.firstHeight(1n, head, async (n) => (await nonceAt(n)) > nonce);
    const block = await this.chain.getBlockByNumber(height);
    if (block === null) return null;
    const receipts = await this.chain.getReceipts(bytesToHex(block.hash()) as Hex);
    const i = block.transactions.findIndex((tx, k) => tx.nonce === nonce && receipts[k]?.from.toLowerCase() === sender.toLowerCase());
    return i < 0 ? null : (bytesToHex(block.transactions[i]!.hash()) as Hex);
  }

  async otsContractCreator(contract: Hex): Promise<{ hash: Hex; creator: Hex } | null> {
    const address = createAddressFromString(contract);
    const hasCode = async (n: bigint) => (await (await this.stateAt(n)).getCode(address)).length > 0;
    const head = this.chain.height;
    if (!(await hasCode(head))) return null;
    if (await hasCode(0n)) return null; // in genesis: created by no transaction
    const height = await this.firstHeight(1n, head, hasCode);
    const block = await this.chain.getBlockByNumber(height);
    const parent = block === null ? null : await this.chain.getBlockByHash(bytesToHex(block.header.parentHash) as Hex);
    if (block === null || parent === null) return null;
    const receipts = await this.chain.getReceipts(bytesToHex(block.hash()) as Hex);
    const target = contract.toLowerCase();
    const direct = receipts.findIndex((r) => r.contractAddress?.toLowerCase() === target);
    if (direct >= 0) return { hash: bytesToHex(block.transactions[direct]!.hash()) as Hex, creator: receipts[direct]!.from.toLowerCase() as Hex };
    // created inside a transaction: trace the block's transactions until a CREATE/CREATE2 frame made it
    let found: { hash: Hex; creator: Hex } | null = null;
    const systemCalls = await this.systemCalls(block);
    await this.serial(() =>
      replayBlock(
        { executor: this.chain.executor, parent, block, systemCalls },
        () => new CallTracer(),
        (i, result, tracer) => {
          const creator = findCreator((tracer as CallTracer).result(result.totalGasSpent), target);
          if (creator === null) return true;
          found = { hash: bytesToHex(block.transactions[i]!.hash()) as Hex, creator };
          return false;
        },
      ).catch((err: unknown) => {
        throw asRpcError(err);
      }),
    );
    return found;
  }

  txpoolContent(): TxPoolContent {
    const { pending, queued } = this.host.poolContent();
    const shape = (m: Map<Hex, TypedTransaction[]>) => {
      const out: Record<string, Record<string, ReturnType<typeof formatTransaction>>> = {};
      for (const [sender, txs] of m) {
        const byNonce: Record<string, ReturnType<typeof formatTransaction>> = {};
        for (const tx of txs) byNonce[tx.nonce.toString(10)] = formatTransaction(tx, sender, null, null);
        out[toChecksumAddress(sender)] = byNonce;
      }
      return out;
    };
    return { pending: shape(pending), queued: shape(queued) };
  }

  async nodeInfo(clientVersion: string): Promise<NodeInfo> {
    const head = this.chain.head;
    return {
      version: packageVersion(),
      clientVersion,
      chainId: q(this.host.chainId),
      genesisHash: this.chain.genesisHash,
      address: this.host.validator,
      head: { number: q(head.header.number), hash: bytesToHex(head.hash()) as Hex, timestamp: q(head.header.timestamp) },
      peers: this.host.peers().map((p) => ({ id: p.id, address: p.address, url: p.url, head: p.height })),
      syncing: this.host.isSyncing(),
      validators: head.header.number === 0n ? await this.host.validatorsAt(1n) : await this.host.validatorsAt(head.header.number),
    };
  }

  async headerByNumber(number: bigint): Promise<RpcBlock | null> {
    const block = await this.chain.getBlockByNumber(number);
    return block === null ? null : formatBlock(block, null, false);
  }
}

/** The gas a transaction pays before it runs: 21,000, its calldata, and a creation's charge (EIP-2028, EIP-3860). */
function intrinsicGas(request: CallRequest): bigint {
  const data = request.data ? Buffer.from(request.data.slice(2), "hex") : Buffer.alloc(0);
  let gas = 21_000n;
  for (const b of data) gas += b === 0 ? 4n : 16n;
  if (!request.to) gas += 32_000n + 2n * BigInt(Math.ceil(data.length / 32));
  return gas;
}

function findCreator(root: CallFrame, target: string): Hex | null {
  if ((root.type === "CREATE" || root.type === "CREATE2") && root.to === target && root.error === undefined) return root.from;
  for (const c of root.calls ?? []) {
    const found = findCreator(c, target);
    if (found !== null) return found;
  }
  return null;
}

function effectiveGasPrice(tx: TypedTransaction, block: Block): bigint {
  const t = tx as TypedTransaction & { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };
  const baseFee = block.header.baseFeePerGas ?? 0n;
  if (t.maxFeePerGas === undefined) return t.gasPrice ?? 0n;
  const tip = t.maxPriorityFeePerGas ?? 0n;
  return t.maxFeePerGas < baseFee + tip ? t.maxFeePerGas : baseFee + tip;
}

/** A trace that cannot be made is an answer (-32000 with the reason), not an internal error. */
function asRpcError(err: unknown): unknown {
  if (err instanceof TraceError) return new RpcError(SERVER_ERROR, err.message);
  return err;
}
