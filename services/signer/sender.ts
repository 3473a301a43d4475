/**
 * Gets signed transactions into blocks and tracks them there. A row is written (with its signed bytes) before it is
 * first sent, so after a crash the sender resends exactly those bytes: a node that has them answers "already known",
 * a chain that included them answers "nonce too low" and the receipt is found — nothing is sent twice, nothing lost.
 *
 * Per chain, every `pollMs`: new blocks are read (hashes only) and matched against the open transactions, whose
 * receipts are then fetched; a transaction still refused by the node is resent with backoff; one accepted but missing
 * from the node's pool after `rebroadcastMs` is resent; one stuck longer than `replaceAfterMs` (refused for good, or
 * gone) is replaced at its nonce by a zero-value transfer to itself, so the key's later nonces are not held up.
 */
import type { Logger } from "../../lib/log";
import { JsonRpcError, rpc, rpcBatch } from "../../lib/jsonRpc";
import type { SignerChainConfig, SignerConfig } from "./config";
import type { SignerMetrics } from "./metrics";
import type { SignerStore, TxRow } from "./store";

const ALREADY_KNOWN = /already known|known transaction|already imported|alreadyknown/i;
const NONCE_TOO_LOW = /nonce too low|nonce has already been used|noncetoolow/i;

export interface Receipt {
  blockNumber: string;
  blockHash: string;
  status: string;
  gasUsed: string;
  logs: unknown[];
  transactionHash: string;
}

/** Builds and signs the replacement of a stuck transaction (the service owns keys and nonces). */
export type Replacer = (stuck: TxRow, reason: string) => TxRow | null;

interface Open {
  row: TxRow;
  lastTry: number;
  tries: number;
  /** The node answered the last send with a refusal (not: could not be reached). Only a refused row is replaced. */
  refused: boolean;
}

/** A message with the chains' RPC URLs (which may carry a gateway API key) replaced by the chains' names. */
export function redactUrls(message: string, chains: Iterable<SignerChainConfig>): string {
  let m = message;
  for (const c of chains) m = m.split(c.rpcUrl).join(`<${c.name} RPC>`);
  return m;
}

export class Sender {
  private readonly open = new Map<number, Map<string, Open>>(); // chain → hash → open tx
  private readonly lastBlock = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  replacer: Replacer | null = null;

  constructor(
    private readonly store: SignerStore,
    private readonly chains: Map<number, SignerChainConfig>,
    private readonly cfg: SignerConfig["sender"],
    private readonly log: Logger,
    private readonly metrics: SignerMetrics,
  ) {}

  /** Loads the open transactions of the store (after a restart) and starts the loop. */
  async start(): Promise<void> {
    for (const row of this.store.openTxs()) this.track(row);
    for (const chain of this.chains.values()) {
      try {
        this.lastBlock.set(chain.id, Number(BigInt(await rpc<string>(chain.rpcUrl, "eth_blockNumber", [], 10_000))));
      } catch (e) {
        this.log.warn("chain not reachable at start; will retry", { chain: chain.name, error: (e as Error).message });
      }
    }
    // what was open before a restart: receipts first (it may be in a block by now), then resend the rest as it was
    await Promise.all([...this.chains.values()].map((c) => this.checkReceipts(c, [...(this.open.get(c.id)?.values() ?? [])].map((o) => o.row))));
    for (const c of this.chains.values()) for (const o of [...(this.open.get(c.id)?.values() ?? [])]) await this.send(o);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.cfg.pollMs);
  }

  openCount(): number {
    let n = 0;
    for (const m of this.open.values()) n += m.size;
    return n;
  }

  track(row: TxRow): void {
    let m = this.open.get(row.chain_id);
    if (!m) this.open.set(row.chain_id, (m = new Map()));
    m.set(row.hash, { row, lastTry: 0, tries: 0, refused: false });
  }

  private untrack(row: TxRow): void {
    this.open.get(row.chain_id)?.delete(row.hash);
  }

  /** Sends a newly signed transaction now (the API awaits this first attempt). */
  async submit(row: TxRow): Promise<TxRow> {
    this.track(row);
    const o = this.open.get(row.chain_id)!.get(row.hash)!;
    await this.send(o);
    return o.row;
  }

  private setStatus(o: Open, fields: Partial<Pick<TxRow, "status" | "error" | "block" | "receipt" | "sent_at" | "replaced_by">>): void {
    this.store.updateTx(o.row.id, fields);
    o.row = { ...o.row, ...fields, updated_at: Date.now() };
  }

  /** One attempt to get `o` into the node's pool; the outcome is written to the store. */
  private async send(o: Open): Promise<void> {
    const chain = this.chains.get(o.row.chain_id);
    if (!chain) return;
    o.lastTry = Date.now();
    o.tries++;
    try {
      await rpc(chain.rpcUrl, "eth_sendRawTransaction", [o.row.raw], 15_000);
      o.refused = false;
      if (o.row.status === "signed" || o.row.error !== null) this.setStatus(o, { status: "pending", sent_at: Date.now(), error: null });
      this.metrics.sent.inc({ chain: chain.name });
    } catch (e) {
      const msg = (e as Error).message;
      if (ALREADY_KNOWN.test(msg)) {
        if (o.row.status === "signed") this.setStatus(o, { status: "pending", sent_at: Date.now(), error: null });
        return;
      }
      if (NONCE_TOO_LOW.test(msg)) {
        // included already (or the nonce was taken by the transaction it replaced, mined after all): receipts decide
        await this.checkReceipts(chain, [o.row]);
        if (this.open.get(chain.id)?.has(o.row.hash) && o.row.template === "replacement") await this.settleReplaced(chain, o);
        return;
      }
      o.refused = e instanceof JsonRpcError && e.rpcCode !== null;
      const clean = redactUrls(msg.replace(/^eth_sendRawTransaction on \S+: /, ""), this.chains.values());
      if (o.row.error !== clean) this.setStatus(o, { error: clean });
      this.metrics.sendErrors.inc({ chain: chain.name });
      if (!(e instanceof JsonRpcError) || e.rpcCode === null) this.log.warn("node unreachable; the transaction will be resent", { chain: chain.name, id: o.row.id, error: msg });
    }
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return this.schedule();
    this.running = true;
    try {
      for (const chain of this.chains.values()) {
        try {
          await this.followBlocks(chain);
          await this.retry(chain);
        } catch (e) {
          this.log.warn("sender round failed; retrying", { chain: chain.name, error: (e as Error).message });
        }
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** Reads the blocks since the last round and settles the open transactions found in them. */
  private async followBlocks(chain: SignerChainConfig): Promise<void> {
    const head = Number(BigInt(await rpc<string>(chain.rpcUrl, "eth_blockNumber", [], 10_000)));
    const from = (this.lastBlock.get(chain.id) ?? head - 1) + 1;
    if (head < from) return;
    const to = Math.min(head, from + 99);
    const open = this.open.get(chain.id);
    if (!open || open.size === 0) {
      this.lastBlock.set(chain.id, to);
      return;
    }
    const blocks = await rpcBatch(
      chain.rpcUrl,
      Array.from({ length: to - from + 1 }, (_, i) => ({ method: "eth_getBlockByNumber", params: ["0x" + (from + i).toString(16), false] })),
      { timeoutMs: 20_000 },
    );
    const found: TxRow[] = [];
    for (const b of blocks) {
      if (!b.ok) throw new Error(`eth_getBlockByNumber: ${b.message}`);
      const block = b.result as { transactions: string[] } | null;
      if (block === null) throw new Error("a block below the head is missing");
      for (const h of block.transactions) {
        const o = open.get(h.toLowerCase());
        if (o) found.push(o.row);
      }
    }
    // a block whose receipts could not be read is read again next round
    if (await this.checkReceipts(chain, found)) this.lastBlock.set(chain.id, to);
  }

  /**
   * A replacement the chain refuses with "nonce too low" and no receipt of its own: the transaction it replaced was
   * mined after all. That one's receipt is recorded and the replacement dropped.
   */
  private async settleReplaced(chain: SignerChainConfig, filler: Open): Promise<void> {
    const original = this.store.txReplacedBy(filler.row.id);
    if (!original) return;
    await this.checkReceipts(chain, [original]);
    const now = this.store.txById(original.id)!;
    if (now.status === "included" || now.status === "reverted") {
      this.setStatus(filler, { status: "dropped", error: `not needed: the transaction it replaced (${original.id}) was included at nonce ${original.nonce}` });
      this.untrack(filler.row);
      this.log.info("a replaced transaction was mined after all; its replacement is dropped", { original: original.id, replacement: filler.row.id });
    }
  }

  /** Fetches the receipts of `rows`; those in a block become included or reverted. False when the node could not be read. */
  private async checkReceipts(chain: SignerChainConfig, rows: TxRow[]): Promise<boolean> {
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      let outcomes;
      try {
        outcomes = await rpcBatch(
          chain.rpcUrl,
          chunk.map((r) => ({ method: "eth_getTransactionReceipt", params: [r.hash] })),
          { timeoutMs: 20_000 },
        );
      } catch (e) {
        this.log.warn("cannot read receipts now", { chain: chain.name, error: (e as Error).message });
        return false;
      }
      chunk.forEach((row, j) => {
        const out = outcomes[j]!;
        if (!out.ok || out.result === null) return;
        const r = out.result as Receipt;
        const o = this.open.get(chain.id)?.get(row.hash) ?? { row, lastTry: 0, tries: 0, refused: false };
        const ok = BigInt(r.status) === 1n;
        this.setStatus(o, {
          status: ok ? "included" : "reverted",
          block: Number(BigInt(r.blockNumber)),
          receipt: JSON.stringify({ blockNumber: Number(BigInt(r.blockNumber)), blockHash: r.blockHash, status: Number(BigInt(r.status)), gasUsed: BigInt(r.gasUsed).toString(), logs: r.logs.length }),
          error: ok ? null : "the transaction reverted on chain (see its receipt)",
        });
        this.untrack(row);
        this.metrics.included.inc({ chain: chain.name, status: ok ? "included" : "reverted" });
        this.metrics.latency.observe({ chain: chain.name }, (Date.now() - row.created_at) / 1000);
      });
    }
    return true;
  }

  /** Resends what the node has not taken, resends what it lost, replaces what is stuck for good. */
  private async retry(chain: SignerChainConfig): Promise<void> {
    const open = this.open.get(chain.id);
    if (!open || open.size === 0) return;
    const now = Date.now();
    const lost: Open[] = [];
    for (const o of [...open.values()]) {
      if (o.row.status === "signed") {
        const backoff = Math.min(30_000, 500 * 2 ** Math.min(o.tries, 6));
        if (o.refused && now - o.row.created_at > this.cfg.replaceAfterMs && this.replacer) {
          this.replace(o, o.row.error ?? "refused by the node");
          continue;
        }
        if (now - o.lastTry >= backoff) await this.send(o);
      } else if (now - (o.row.sent_at ?? o.row.created_at) > this.cfg.rebroadcastMs && now - o.lastTry > this.cfg.rebroadcastMs) {
        lost.push(o);
      }
    }
    if (lost.length === 0) return;
    await this.checkReceipts(chain, lost.map((o) => o.row));
    const still = lost.filter((o) => open.has(o.row.hash));
    if (still.length === 0) return;
    const inPool = await rpcBatch(chain.rpcUrl, still.map((o) => ({ method: "eth_getTransactionByHash", params: [o.row.hash] })), { timeoutMs: 20_000 });
    for (let i = 0; i < still.length; i++) {
      const o = still[i]!;
      const r = inPool[i]!;
      if (r.ok && r.result !== null) {
        o.lastTry = Date.now(); // still in the pool: wait
        continue;
      }
      if (now - o.row.created_at > this.cfg.replaceAfterMs && this.replacer) {
        this.replace(o, "dropped by the node");
        continue;
      }
      this.log.info("transaction missing from the node's pool; resending", { chain: chain.name, id: o.row.id, nonce: o.row.nonce });
      this.metrics.rebroadcasts.inc({ chain: chain.name });
      await this.send(o);
    }
  }

  private replace(o: Open, reason: string): void {
    const filler = this.replacer!(o.row, reason);
    if (filler === null) return;
    this.untrack(o.row);
    o.row = this.store.txById(o.row.id)!;
    this.track(filler);
    this.metrics.replaced.inc({ chain: this.chains.get(o.row.chain_id)?.name ?? String(o.row.chain_id) });
    this.log.warn("stuck transaction replaced at its nonce", { id: o.row.id, nonce: o.row.nonce, by: filler.id, reason });
  }
}
