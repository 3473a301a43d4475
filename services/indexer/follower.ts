/**
 * One chain's follower: asks the node for its head (on our chains `latest` is final; a chain with `confirmations`
 * stays that many blocks behind), fetches the next `batchBlocks` blocks with their transactions, receipts and
 * finality signatures in JSON-RPC batches, reads the name/symbol/decimals of tokens it has not seen, and writes the
 * batch with the cursor in one store transaction ({@link IndexerStore.ingest}). It resumes from the store's cursor
 * after a restart and catches up from any height; a failed step is logged and retried after a back-off.
 */
import { getAddress, Interface } from "ethers";
import type { Logger } from "../../lib/log";
import { backoffDelay, sleep } from "../../lib/retry";
import type { IndexerChainConfig } from "./config";
import { decodeDomainEvent, decodeTransfer, roundOf } from "./decode";
import type { IndexerMetrics } from "./metrics";
import { IndexerRpcError, isMethodMissing, rpc, rpcBatch, type RpcRequest } from "./rpc";
import type { IngestBlock, IngestTx, IndexerStore, TokenMeta } from "./store";

const hexNum = (v: unknown): number => Number(BigInt(v as string));
const hexBig = (v: unknown): bigint => BigInt(v as string);
const optBig = (v: unknown): bigint | null => (v === undefined || v === null ? null : BigInt(v as string));
const addr = (v: unknown): string => getAddress(v as string);
const optAddr = (v: unknown): string | null => (v === undefined || v === null ? null : getAddress(v as string));

/** The rpcCode marking a chain-id mismatch (not a JSON-RPC code: ours). */
const WRONG_CHAIN = -1;

const ERC20_META = new Interface(["function name() view returns (string)", "function symbol() view returns (string)", "function decimals() view returns (uint8)"]);

interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  miner: string;
  gasUsed: string;
  gasLimit: string;
  baseFeePerGas?: string;
  extraData: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  size?: string;
  transactions: Record<string, unknown>[];
}

export interface FollowerOptions {
  batchBlocks: number;
  pollMs: number;
  logger: Logger;
  metrics: IndexerMetrics;
  /** Called after a step that reached the head (catch-up done or a new block written). */
  onCaughtUp?: (chainId: number, height: number) => void;
}

export class Follower {
  /** null until the first batch tells whether the node serves `luniverse_getFinality`. */
  finalitySupported: boolean | null;
  /** Whether the node serves eth_getBlockReceipts (one request per block instead of one per transaction); null until asked. */
  blockReceiptsSupported: boolean | null = null;
  private readonly seenTokens = new Set<string>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: AbortController | null = null;
  private readonly labels: { chain: string };

  constructor(
    readonly chain: IndexerChainConfig,
    private readonly store: IndexerStore,
    private readonly options: FollowerOptions,
  ) {
    this.finalitySupported = chain.role === "ethereum" ? false : null;
    this.labels = { chain: chain.name };
  }

  /**
   * Registers the chain in the store and checks that the RPC serves the configured chain: a wrong chain id is an
   * error; an unreachable node is only logged (the loop retries, so one chain down does not stop the others).
   */
  async init(): Promise<void> {
    await this.store.registerChain(this.chain.id, this.chain.name, this.chain.role, this.chain.startHeight);
    try {
      await this.checkChainId();
    } catch (e) {
      if (e instanceof IndexerRpcError && e.rpcCode === WRONG_CHAIN) throw e;
      this.options.logger.warn("chain not reachable yet; will retry", { chain: this.chain.name, error: e });
    }
  }

  private chainChecked = false;

  private async checkChainId(): Promise<void> {
    if (this.chainChecked) return;
    let id: number;
    try {
      id = hexNum(await rpc(this.chain.rpcUrl, "eth_chainId", [], 10_000));
    } catch (e) {
      throw new IndexerRpcError(`chain ${this.chain.name}: cannot reach its RPC at ${this.chain.rpcUrl} (${(e as Error).message}); check chains[].rpcUrl and that the node runs`);
    }
    if (id !== this.chain.id) throw new IndexerRpcError(`chain ${this.chain.name}: the RPC at ${this.chain.rpcUrl} serves chain ${id}, not ${this.chain.id}; fix chains[].id or chains[].rpcUrl`, WRONG_CHAIN);
    this.chainChecked = true;
  }

  /** The height the follower may index up to (the head minus confirmations). */
  async target(): Promise<number> {
    const head = hexNum(await rpc(this.chain.rpcUrl, "eth_blockNumber", []));
    await this.store.setHead(this.chain.id, head);
    this.options.metrics.headHeight.set(this.labels, head);
    return head - this.chain.confirmations;
  }

  /** Indexes one batch; returns the blocks written (0 when caught up). */
  async step(): Promise<number> {
    await this.checkChainId();
    const info = await this.store.chain(this.chain.id);
    if (!info) throw new IndexerRpcError(`chain ${this.chain.id} is not registered; call init() first`);
    const target = await this.target();
    const from = info.indexedHeight + 1;
    if (from > target) {
      this.options.onCaughtUp?.(this.chain.id, info.indexedHeight);
      return 0;
    }
    const to = Math.min(target, from + this.options.batchBlocks - 1);
    const started = process.hrtime.bigint();
    const blocks = await this.fetchBlocks(from, to);
    const tokens = await this.newTokens(blocks, to);
    await this.store.ingest(this.chain.id, blocks, tokens);
    for (const t of tokens) this.seenTokens.add(t.address);
    const txs = blocks.reduce((n, b) => n + b.txs.length, 0);
    this.options.metrics.blocks.inc(this.labels, blocks.length);
    this.options.metrics.txs.inc(this.labels, txs);
    this.options.metrics.indexedHeight.set(this.labels, to);
    this.options.metrics.batchSeconds.observe(this.labels, Number(process.hrtime.bigint() - started) / 1e9);
    this.options.logger.debug("batch indexed", { chain: this.chain.name, from, to, txs });
    if (to === target) this.options.onCaughtUp?.(this.chain.id, to);
    return blocks.length;
  }

  /** Runs until {@link stop}: steps back to back while behind, polls every `pollMs` once caught up. */
  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      let failures = 0;
      while (!this.stopped) {
        let wrote = 0;
        try {
          wrote = await this.step();
          failures = 0;
        } catch (e) {
          failures++;
          this.options.metrics.errors.inc(this.labels);
          this.options.logger.warn("indexing step failed; retrying", { chain: this.chain.name, error: e, attempt: failures });
        }
        if (this.stopped) break;
        if (wrote > 0 && failures === 0) continue;
        this.wake = new AbortController();
        const delay = failures > 0 ? backoffDelay(failures, { initialDelayMs: this.options.pollMs, maxDelayMs: 30_000 }) : this.options.pollMs;
        await sleep(delay, this.wake.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.abort();
    await this.loop;
  }

  /**
   * The receipts of `blocks` by transaction hash: `eth_getBlockReceipts` per block when the node serves it (our node,
   * geth, anvil), else `eth_getTransactionReceipt` per transaction.
   */
  private async fetchReceipts(blocks: RpcBlock[]): Promise<Map<string, Record<string, unknown>>> {
    const byHash = new Map<string, Record<string, unknown>>();
    const withTxs = blocks.filter((b) => b.transactions.length > 0);
    if (withTxs.length === 0) return byHash;
    if (this.blockReceiptsSupported !== false) {
      const outs = await rpcBatch(this.chain.rpcUrl, withTxs.map((b) => ({ method: "eth_getBlockReceipts", params: [b.number] })));
      if (this.blockReceiptsSupported === null) this.blockReceiptsSupported = !outs.some((o) => !o.ok && isMethodMissing(o));
      if (this.blockReceiptsSupported) {
        outs.forEach((o, i) => {
          const b = withTxs[i]!;
          const list = o.ok ? (o.result as Record<string, unknown>[] | null) : null;
          if (list === null || list.length !== b.transactions.length)
            throw new IndexerRpcError(`eth_getBlockReceipts(${hexNum(b.number)}) on chain ${this.chain.name}: ${o.ok ? `${list?.length ?? "no"} receipts for ${b.transactions.length} transactions` : o.message}`);
          for (const r of list) byHash.set(r.transactionHash as string, r);
        });
        return byHash;
      }
    }
    const hashes = withTxs.flatMap((b) => b.transactions.map((t) => t.hash as string));
    const receipts = await rpcBatch(this.chain.rpcUrl, hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
    receipts.forEach((o, i) => {
      if (!o.ok || o.result === null) throw new IndexerRpcError(`eth_getTransactionReceipt(${hashes[i]}) on chain ${this.chain.name}: ${o.ok ? "no receipt" : o.message}`);
      byHash.set(hashes[i]!, o.result as Record<string, unknown>);
    });
    return byHash;
  }

  private async fetchBlocks(from: number, to: number): Promise<IngestBlock[]> {
    const ours = this.chain.role !== "ethereum";
    const reqs: RpcRequest[] = [];
    for (let n = from; n <= to; n++) reqs.push({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, true] });
    const withFinality = this.finalitySupported !== false;
    if (withFinality) for (let n = from; n <= to; n++) reqs.push({ method: "luniverse_getFinality", params: [`0x${n.toString(16)}`] });
    const outs = await rpcBatch(this.chain.rpcUrl, reqs);
    const count = to - from + 1;
    const raw: RpcBlock[] = outs.slice(0, count).map((o, i) => {
      if (!o.ok) throw new IndexerRpcError(`eth_getBlockByNumber(${from + i}) on chain ${this.chain.name}: ${o.message}`, o.code);
      if (o.result === null) throw new IndexerRpcError(`block ${from + i} of chain ${this.chain.name} is not available yet`);
      return o.result as RpcBlock;
    });
    let finality: (string[] | null)[] = raw.map(() => null);
    if (withFinality) {
      const fo = outs.slice(count);
      if (this.finalitySupported === null) this.finalitySupported = !fo.some((o) => !o.ok && isMethodMissing(o));
      if (this.finalitySupported) {
        finality = fo.map((o) => (o.ok && o.result ? ((o.result as { signatures?: { validator: string }[] }).signatures ?? []).map((s) => getAddress(s.validator)) : null));
      }
    }
    const byHash = await this.fetchReceipts(raw);
    return raw.map((b, i): IngestBlock => ({
      number: hexNum(b.number),
      hash: b.hash,
      parentHash: b.parentHash,
      timestamp: hexNum(b.timestamp),
      miner: addr(b.miner),
      round: ours ? roundOf(b.extraData) : null,
      gasUsed: hexNum(b.gasUsed),
      gasLimit: hexNum(b.gasLimit),
      baseFeePerGas: optBig(b.baseFeePerGas),
      extraData: b.extraData,
      stateRoot: b.stateRoot,
      transactionsRoot: b.transactionsRoot,
      receiptsRoot: b.receiptsRoot,
      size: b.size === undefined ? null : hexNum(b.size),
      finality: finality[i] ?? null,
      txs: b.transactions.map((t): IngestTx => {
        const r = byHash.get(t.hash as string)!;
        const logs = (r.logs as { address: string; topics: string[]; data: string; logIndex: string }[]).map((l) => {
          const raw = { address: addr(l.address), topics: l.topics.map((x) => x.toLowerCase()), data: l.data.toLowerCase() };
          return { index: hexNum(l.logIndex), ...raw, transfer: decodeTransfer(raw), domain: decodeDomainEvent(raw) };
        });
        return {
          hash: t.hash as string,
          index: hexNum(t.transactionIndex),
          from: addr(t.from),
          to: optAddr(t.to),
          contractAddress: optAddr(r.contractAddress),
          value: hexBig(t.value),
          status: r.status === undefined || r.status === null ? 1 : hexNum(r.status),
          gasUsed: hexBig(r.gasUsed),
          gas: hexBig(t.gas),
          gasPrice: optBig(t.gasPrice),
          maxFeePerGas: optBig(t.maxFeePerGas),
          maxPriorityFeePerGas: optBig(t.maxPriorityFeePerGas),
          effectiveGasPrice: optBig(r.effectiveGasPrice),
          type: t.type === undefined ? 0 : hexNum(t.type),
          nonce: hexNum(t.nonce),
          input: ((t.input ?? t.data ?? "0x") as string).toLowerCase(),
          cumulativeGasUsed: hexBig(r.cumulativeGasUsed),
          logs,
        };
      }),
    }));
  }

  /** Tokens that first appear in these blocks, with their metadata read at block `at`. */
  private async newTokens(blocks: IngestBlock[], at: number): Promise<TokenMeta[]> {
    const kinds = new Map<string, "erc20" | "erc721">();
    for (const b of blocks) {
      for (const t of b.txs) {
        for (const l of t.logs) {
          if (l.transfer && !this.seenTokens.has(l.address) && !kinds.has(l.address)) kinds.set(l.address, l.transfer.kind);
          if (l.domain?.type === "tokenIssued" && !this.seenTokens.has(l.domain.token) && !kinds.has(l.domain.token)) kinds.set(l.domain.token, "erc20");
        }
      }
    }
    if (kinds.size === 0) return [];
    const known = await this.store.knownTokens(this.chain.id, [...kinds.keys()]);
    for (const k of known) {
      this.seenTokens.add(k);
      kinds.delete(k);
    }
    const list = [...kinds];
    const fns = ["name", "symbol", "decimals"] as const;
    const reqs = list.flatMap(([a]) => fns.map((f) => ({ method: "eth_call", params: [{ to: a, data: ERC20_META.encodeFunctionData(f) }, `0x${at.toString(16)}`] })));
    const outs = reqs.length ? await rpcBatch(this.chain.rpcUrl, reqs) : [];
    return list.map(([address, kind], i) => {
      const read = (j: number): unknown => {
        const o = outs[i * 3 + j]!;
        if (!o.ok) return null;
        try {
          return ERC20_META.decodeFunctionResult(fns[j]!, o.result as string)[0];
        } catch {
          return null;
        }
      };
      const name = read(0);
      const symbol = read(1);
      const decimals = read(2);
      return { address, kind, name: typeof name === "string" ? name : null, symbol: typeof symbol === "string" ? symbol : null, decimals: kind === "erc721" ? 0 : typeof decimals === "bigint" ? Number(decimals) : null };
    });
  }
}
