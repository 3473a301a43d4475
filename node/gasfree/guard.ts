/**
 * A gas-free chain defending itself (issue #13): the node's side of the gas policy (contracts/gas/GasPolicy.sol).
 *
 *   admission   a transaction is refused — with the rule, the account's usage and when its window resets — when its
 *               sender or target is blacklisted, its sender is throttled here, its gas limit is above the policy's
 *               maximum per transaction, its sender's quota (gas used this window + its pooled transactions' gas
 *               limits + this one) or its sponsor's budget would be exceeded, or, unsponsored, it could never fit in
 *               the unsponsored share of a block;
 *   building    the proposer takes the pool's senders round-robin, grouped by sponsor (an unsponsored sender is its own
 *               group), one transaction per turn, so that one sender or DApp cannot take the block while others wait;
 *               each transaction must fit its sender's quota, its sponsor's budget and — unsponsored — what is left of
 *               the block's unsponsored share (counted with its gas limit before it runs and the gas it used after);
 *   commit      the block's receipts are counted (ledger.ts), the policy's events refresh what is cached (policy.ts),
 *               and accounts past the abuse thresholds (executed gas, reverts, refused submissions in one window —
 *               the policy's parameters) are throttled here at once and, on a validator, reported to the policy in
 *               one `reportAbusers` transaction (as double-sign evidence is submitted), which blacklists them on chain
 *               once more than 2/3 of the validators did.
 * The chain's validators' own transactions (their reports, their governance votes) pass every rule and go first.
 * Once the chain decides on an account in a window (blacklisted, or removed by governance), this node stops
 * throttling it for that window: the chain's decision — its expiry, its removal — governs from then on.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { signNodeTransaction, type ValidatorKey } from "../consensus/crypto";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { HeaderFields, StoredReceipt, TxFilter } from "../execution/executor";
import type { AdmissionRefusal } from "../txpool/pool";
import { UsageLedger, SAVE_EVERY, type CountedTx } from "./ledger";
import { ABUSE_REASONS, GAS_POLICY_ABI, GasPolicyView, blacklistedAt, type AbuseReason, type AccountPolicy, type GasPolicyParams } from "./policy";

/** What the guard needs of the pool. */
export interface GuardPool {
  pendingLists(maxPerSender?: number): { sender: Hex; txs: TypedTransaction[] }[];
  pooledGas(address: string): bigint;
  nextNonce(address: Hex): Promise<bigint>;
  submitLocal(tx: TypedTransaction): Promise<void>;
}

/** What the guard needs of the chain (the committed blocks). */
export interface GuardChain {
  readonly head: Block;
  readonly height: bigint;
  getBlockByNumber(n: bigint): Promise<Block | null>;
  getReceipts(hash: Hex): Promise<StoredReceipt[]>;
}

export interface GasFreeGuardOptions {
  policy: GasPolicyView;
  ledger: UsageLedger;
  pool: GuardPool;
  chain: GuardChain;
  /** The validators in force now (lower case). */
  validators: () => readonly Hex[];
  /** This node's validator key and address (null: a full node, which never reports). */
  key: ValidatorKey | null;
  address: Hex | null;
  chainId: bigint;
  common: Common;
  /** This node's builder gas limit: the unsponsored share is a share of it. */
  blockGasLimit: bigint;
  log: Logger;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** The rules a refusal names (the JSON-RPC error's `data.rule`, and the metric's label). */
export type GasRule = "blacklisted" | "target-blacklisted" | "throttled" | "max-tx-gas" | "quota" | "sponsor-budget" | "unsponsored-share";
export const GAS_RULES: readonly GasRule[] = ["blacklisted", "target-blacklisted", "throttled", "max-tx-gas", "quota", "sponsor-budget", "unsponsored-share"];

/** Accounts a report transaction names at most. */
const REPORT_BATCH = 50;
const REPORT_GAS_BASE = 100_000n;
const REPORT_GAS_EACH = 150_000n;

/** The answer of luniverse_gasUsage. */
export interface GasUsage {
  account: Hex;
  window: string;
  windowSeconds: number;
  resetsAt: number;
  used: string;
  reserved: string;
  quota: string;
  sponsor: { id: string; used: string; budget: string } | null;
  blacklistedUntil: number;
  throttled: { until: number; reason: AbuseReason } | null;
  counters: { gas: string; reverts: number; rejections: number };
}

export class GasFreeGuard {
  /** Refusals by rule since start. */
  readonly rejections = new Map<GasRule, number>(GAS_RULES.map((r) => [r, 0]));
  reportsSent = 0;
  accountsReported = 0;
  private rejectWindow = -1n;
  private rejected = new Map<Hex, number>();
  private throttled = new Map<Hex, AbuseReason>();
  private reported = new Set<Hex>();
  /** Accounts the chain blacklisted or un-blacklisted in this window: no longer this node's to throttle. */
  private decided = new Set<Hex>();
  private queue = new Map<Hex, AbuseReason>();
  private readonly now: () => number;
  private readonly policy: GasPolicyView;
  private readonly ledger: UsageLedger;

  constructor(private readonly o: GasFreeGuardOptions) {
    this.policy = o.policy;
    this.ledger = o.ledger;
    this.now = o.now ?? Date.now;
  }

  /** Loads the checkpoint and counts the blocks after it (or the head's whole window). */
  async start(): Promise<void> {
    const params = await this.policy.params();
    const head = this.o.chain.height;
    let from = (await this.ledger.load()) + 1n;
    if (this.ledger.windowSeconds !== params.windowSeconds || from > head + 1n) {
      this.ledger.reset();
      from = -1n;
    }
    if (from < 0n) {
      // no usable checkpoint: every block of the head's window, found walking back from the head
      const window = this.o.chain.head.header.timestamp / params.windowSeconds;
      from = head + 1n;
      while (from > 1n) {
        const b = await this.o.chain.getBlockByNumber(from - 1n);
        if (b === null || b.header.timestamp / params.windowSeconds !== window) break;
        from--;
      }
    }
    for (let n = from; n <= head; n++) {
      const b = await this.o.chain.getBlockByNumber(n);
      if (b === null) break;
      await this.countBlock(b, await this.o.chain.getReceipts(bytesToHex(b.hash()) as Hex), params);
    }
    this.o.log.info("gas policy in force", {
      policy: this.policy.address,
      window: this.ledger.window.toString(),
      accounts: this.ledger.size,
      countedFrom: from.toString(),
    });
  }

  async stop(): Promise<void> {
    await this.committing;
    await this.ledger.save();
  }

  private committing: Promise<unknown> = Promise.resolve();

  /** Queues a committed block (the chain's "block" event): counted in commit order, one at a time. */
  enqueueCommitted(block: Block, receipts: readonly StoredReceipt[]): void {
    this.committing = this.committing
      .then(() => this.onCommitted(block, receipts))
      .catch((err: unknown) => this.o.log.error("gas policy: could not count a committed block", { number: block.header.number.toString(), error: (err as Error).stack ?? String(err) }));
  }

  // ---------------------------------------------------------------- admission

  /** The pool's admission hook: null admits, a refusal says which rule and why. */
  admission(tx: TypedTransaction, sender: Hex): Promise<AdmissionRefusal | null> | AdmissionRefusal | null {
    if (this.isExempt(sender)) return null;
    const to = toOf(tx);
    const params = this.policy.loadedParams;
    // the common case, everything cached: answered without a promise
    if (params !== null && this.policy.has(sender) && (to === null || this.policy.has(to))) return this.check(tx, sender, to, params);
    return this.loadAndCheck(tx, sender, to);
  }

  private async loadAndCheck(tx: TypedTransaction, sender: Hex, to: Hex | null): Promise<AdmissionRefusal | null> {
    const params = await this.policy.params();
    await this.policy.ensure(to === null ? [sender] : [sender, to]);
    return this.check(tx, sender, to, params);
  }

  /** The admission rules on the cached policy; the refusal's message and data are built only for a refusal. */
  private check(tx: TypedTransaction, sender: Hex, to: Hex | null, params: GasPolicyParams): AdmissionRefusal | null {
    const sp = this.policy.peek(sender) as AccountPolicy;
    const tp = to === null ? undefined : this.policy.peek(to);
    const nowS = this.nowSeconds();
    const window = nowS / params.windowSeconds;
    const gasLimit = tx.gasLimit;
    const used = this.ledger.account(sender, window).gas;
    const refuse = (rule: GasRule, message: () => string, extra: () => Record<string, unknown> = () => ({})): AdmissionRefusal => {
      this.noteRefusal(sender, rule, window);
      const resetsAt = (window + 1n) * params.windowSeconds;
      return {
        message: `gas policy (${rule}): ${message()}`,
        data: { rule, account: sender, window: window.toString(), resetsAt: Number(resetsAt), used: used.toString(), ...extra() },
      };
    };
    const resets = () => iso((window + 1n) * params.windowSeconds);
    if (blacklistedAt(sp, nowS)) {
      return refuse("blacklisted", () => `sender ${sender} is blacklisted until ${iso(sp.blacklistedUntil)}`, () => ({ blacklistedUntil: Number(sp.blacklistedUntil) }));
    }
    if (tp !== undefined && blacklistedAt(tp, nowS)) {
      return refuse("target-blacklisted", () => `target ${to} is blacklisted until ${iso(tp.blacklistedUntil)}`, () => ({ blacklistedUntil: Number(tp.blacklistedUntil) }));
    }
    const throttled = this.rejectWindow === window ? this.throttled.get(sender) : undefined;
    if (throttled !== undefined) {
      return refuse("throttled", () => `sender ${sender} is throttled by this node for abuse (${throttled}) until the window resets at ${resets()}`, () => ({ reason: throttled }));
    }
    if (gasLimit > params.maxTxGas) {
      return refuse("max-tx-gas", () => `gas limit ${gasLimit} is above the policy's maximum of ${params.maxTxGas} per transaction`, () => ({ gasLimit: gasLimit.toString(), maxTxGas: params.maxTxGas.toString() }));
    }
    const pooled = this.o.pool.pooledGas(sender);
    if (used + pooled + gasLimit > sp.quota) {
      return refuse(
        "quota",
        () => `sender ${sender} used ${used} gas of its quota of ${sp.quota} per ${params.windowSeconds} s window (${pooled} more pooled, this transaction's gas limit ${gasLimit}); the window resets at ${resets()}`,
        () => ({ pooled: pooled.toString(), quota: sp.quota.toString(), gasLimit: gasLimit.toString() }),
      );
    }
    const sponsor = sponsorOf(sp, tp);
    if (sponsor !== 0n) {
      const sUsed = this.ledger.sponsor(sponsor, window);
      const budget = this.policy.sponsorBudget(sponsor);
      if (sUsed + gasLimit > budget) {
        return refuse("sponsor-budget", () => `sponsor ${sponsor} used ${sUsed} gas of its budget of ${budget} per window; the window resets at ${resets()}`, () => ({
          sponsor: sponsor.toString(),
          sponsorUsed: sUsed.toString(),
          budget: budget.toString(),
        }));
      }
    } else {
      const share = this.share(params);
      if (gasLimit > share) {
        return refuse("unsponsored-share", () => `unsponsored transactions share ${share} gas per block (${params.unsponsoredShareBps} bps); a gas limit of ${gasLimit} never fits — ask a DApp to sponsor the account or contract`, () => ({
          share: share.toString(),
        }));
      }
    }
    return null;
  }

  /** A submission this node refused for another reason (the pool's rate limit): counted for abuse detection. */
  noteRejection(sender: Hex): void {
    const params = this.policy.loadedParams;
    if (params === null) return;
    this.countRejection(sender, this.nowSeconds() / params.windowSeconds, params);
  }

  private noteRefusal(sender: Hex, rule: GasRule, window: bigint): void {
    this.rejections.set(rule, (this.rejections.get(rule) ?? 0) + 1);
    const params = this.policy.loadedParams;
    if (params !== null && rule !== "blacklisted") this.countRejection(sender, window, params);
  }

  private countRejection(sender: Hex, window: bigint, params: GasPolicyParams): void {
    this.rollWindow(window);
    const n = (this.rejected.get(sender) ?? 0) + 1;
    this.rejected.set(sender, n);
    if (params.abuseRejectionsPerWindow > 0 && n >= params.abuseRejectionsPerWindow) this.flag(sender, "rejections");
  }

  // ---------------------------------------------------------------- building

  /** The candidates of a block, fair across senders and sponsors, and the filter that holds them to the policy. */
  async select(fields: HeaderFields, maxTxs: number): Promise<{ candidates: Iterable<TypedTransaction>; filter: TxFilter; dropped(): string[] }> {
    await this.committing; // the parent's usage is counted before its child is built
    const params = await this.policy.params();
    const lists = this.o.pool.pendingLists(maxTxs);
    // Every pooled sender and target was loaded at admission; what a policy event dropped since is loaded in the
    // background and its senders wait for the next block, rather than spend this block's build budget on calls.
    const missing = new Set<Hex>();
    for (const l of lists) {
      if (!this.policy.has(l.sender)) missing.add(l.sender);
      for (const tx of l.txs) {
        const to = toOf(tx);
        if (to !== null && !this.policy.has(to)) missing.add(to);
      }
    }
    if (missing.size > 0) void this.policy.ensure(missing).catch((err: unknown) => this.o.log.warn("gas policy: could not load accounts' policies", { error: (err as Error).message }));
    const ts = fields.timestamp;
    const window = ts / params.windowSeconds;
    const share = (fields.gasLimit < this.o.blockGasLimit ? fields.gasLimit : this.o.blockGasLimit) * params.unsponsoredShareBps / 10_000n;

    const cut = new Set<Hex>();
    const dropped: string[] = [];
    const blockUsed = new Map<Hex, bigint>();
    const sponsorUsed = new Map<bigint, bigint>();
    let unsponsored = 0n;
    const attribution = new WeakMap<TypedTransaction, bigint>();

    // groups: validators' reports first, then sponsors and unsponsored senders, by their first transaction's arrival
    const groups = new Map<string, { sender: Hex; txs: TypedTransaction[]; i: number }[]>();
    for (const l of lists) {
      const to = toOf(l.txs[0] as TypedTransaction);
      const sponsor = sponsorOf(this.policy.peek(l.sender), to === null ? undefined : this.policy.peek(to));
      const key = this.isExempt(l.sender) ? "!" : sponsor !== 0n ? `s${sponsor}` : `u${l.sender}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = []));
      g.push({ sender: l.sender, txs: l.txs, i: 0 });
    }
    const order = [...groups.keys()].sort((a, b) => (a === "!" ? -1 : b === "!" ? 1 : 0));
    function* candidates(): Generator<TypedTransaction> {
      const rings = order.map((k) => ({ members: groups.get(k) as { sender: Hex; txs: TypedTransaction[]; i: number }[], next: 0 }));
      while (rings.length > 0) {
        for (let r = 0; r < rings.length; ) {
          const ring = rings[r]!;
          let yielded = false;
          while (ring.members.length > 0 && !yielded) {
            const at = ring.next % ring.members.length;
            const m = ring.members[at]!;
            if (cut.has(m.sender) || m.i >= m.txs.length) {
              ring.members.splice(at, 1);
              continue;
            }
            ring.next = at + 1;
            yielded = true;
            yield m.txs[m.i++] as TypedTransaction;
          }
          if (ring.members.length === 0) rings.splice(r, 1);
          else r++;
        }
      }
    }

    const filter: TxFilter = {
      accept: (tx) => {
        const sender = senderOf(tx);
        if (cut.has(sender)) return false;
        const to = toOf(tx);
        if (this.isExempt(sender)) {
          attribution.set(tx, -1n);
          return true;
        }
        const sp = this.policy.peek(sender);
        const tp = to === null ? undefined : this.policy.peek(to);
        if (sp === undefined || (to !== null && tp === undefined)) {
          cut.add(sender); // not loaded (see above): waits for the next block
          return false;
        }
        if (blacklistedAt(sp, ts) || blacklistedAt(tp, ts) || this.isThrottled(sender, window) || tx.gasLimit > params.maxTxGas) {
          cut.add(sender);
          dropped.push(bytesToHex(tx.hash())); // never includable: out of the pool (its later nonces follow as stale)
          return false;
        }
        const used = this.ledger.account(sender, window).gas + (blockUsed.get(sender) ?? 0n);
        const sponsor = sponsorOf(sp, tp);
        let fits = used + tx.gasLimit <= (sp as AccountPolicy).quota;
        if (fits && sponsor !== 0n) fits = this.ledger.sponsor(sponsor, window) + (sponsorUsed.get(sponsor) ?? 0n) + tx.gasLimit <= this.policy.sponsorBudget(sponsor);
        if (fits && sponsor === 0n) fits = unsponsored + tx.gasLimit <= share;
        if (!fits) {
          cut.add(sender); // its later nonces wait with it, in the pool, for room (next block or next window)
          return false;
        }
        attribution.set(tx, sponsor);
        return true;
      },
      leftOut: (tx) => void cut.add(senderOf(tx)),
      included: (tx, gasSpent) => {
        const sponsor = attribution.get(tx) ?? 0n;
        if (sponsor < 0n) return;
        const sender = senderOf(tx);
        blockUsed.set(sender, (blockUsed.get(sender) ?? 0n) + gasSpent);
        if (sponsor !== 0n) sponsorUsed.set(sponsor, (sponsorUsed.get(sponsor) ?? 0n) + gasSpent);
        else unsponsored += gasSpent;
      },
    };
    return { candidates: candidates(), filter, dropped: () => dropped };
  }

  // ---------------------------------------------------------------- commit

  /** A block was committed (by consensus or sync): count it, refresh the policy, detect and report abuse. */
  async onCommitted(block: Block, receipts: readonly StoredReceipt[]): Promise<void> {
    const decided = await this.policy.onBlock(receipts);
    const params = await this.policy.params();
    const touched = await this.countBlock(block, receipts, params);
    const window = this.ledger.window;
    this.rollWindow(window);
    for (const a of decided) {
      this.throttled.delete(a);
      this.queue.delete(a);
      this.decided.add(a);
    }
    for (const s of touched) {
      const u = this.ledger.account(s, window);
      if (params.abuseGasPerWindow > 0n && u.gas >= params.abuseGasPerWindow) this.flag(s, "executed-gas");
      else if (params.abuseRevertsPerWindow > 0 && u.reverts >= params.abuseRevertsPerWindow) this.flag(s, "reverts");
    }
    if (block.header.number % SAVE_EVERY === 0n) await this.ledger.save();
    await this.sendReports(window);
  }

  private async countBlock(block: Block, receipts: readonly StoredReceipt[], params: GasPolicyParams): Promise<Set<Hex>> {
    const addresses = new Set<Hex>();
    for (const tx of block.transactions) {
      const from = senderOf(tx);
      if (!this.policy.has(from)) addresses.add(from);
      const to = toOf(tx);
      if (to !== null && !this.policy.has(to)) addresses.add(to);
    }
    if (addresses.size > 0) await this.policy.ensure(addresses);
    const counted: CountedTx[] = [];
    block.transactions.forEach((tx, i) => {
      const r = receipts[i] as StoredReceipt;
      const sender = r.from.toLowerCase() as Hex;
      const to = toOf(tx);
      if (this.isExempt(sender)) return;
      const sponsor = sponsorOf(this.policy.peek(sender), to === null ? undefined : this.policy.peek(to));
      counted.push({ sender, sponsor, gasUsed: BigInt(r.gasUsed), status: r.status });
    });
    return this.ledger.count(block.header.number, block.header.timestamp, params.windowSeconds, counted);
  }

  /**
   * An abuse report from a trusted process outside the chain (the gateway, admitted by `gasFree.abuseReportsFrom`):
   * handled as this node's own detection — throttled here for the rest of the window and, on a validator, reported
   * to the policy, which blacklists only when > 2/3 of the validators report. The chain's validators and accounts the
   * chain already decided on this window are left alone.
   */
  reportExternal(account: Hex, reason: AbuseReason): { throttled: boolean; reporting: boolean } {
    const a = account.toLowerCase() as Hex;
    this.flag(a, reason);
    const throttled = this.throttled.has(a);
    return { throttled, reporting: throttled && this.o.key !== null && (this.queue.has(a) || this.reported.has(a)) };
  }

  /** Throttles `account` here for the rest of the window and queues its report (once per window). */
  private flag(account: Hex, reason: AbuseReason): void {
    if (this.o.validators().includes(account) || this.decided.has(account)) return;
    if (!this.throttled.has(account)) {
      this.throttled.set(account, reason);
      this.o.log.warn("account throttled for abuse", { account, reason, window: this.rejectWindow.toString() });
    }
    if (this.o.key !== null && !this.reported.has(account)) this.queue.set(account, reason);
  }

  private async sendReports(window: bigint): Promise<void> {
    const { key, address } = this.o;
    if (key === null || address === null || this.queue.size === 0) return;
    if (!this.o.validators().includes(address)) return;
    const entries = [...this.queue];
    this.queue.clear();
    for (let i = 0; i < entries.length; i += REPORT_BATCH) {
      const batch = entries.slice(i, i + REPORT_BATCH);
      const accounts = batch.map(([a]) => a);
      const reasons = batch.map(([, r]) => ABUSE_REASONS.indexOf(r));
      try {
        const tx = signNodeTransaction(
          createFeeMarket1559Tx(
          {
            chainId: this.o.chainId,
            nonce: await this.o.pool.nextNonce(address),
            to: this.policy.address,
            data: hexToBytes(GAS_POLICY_ABI.encodeFunctionData("reportAbusers", [accounts, window, reasons]) as Hex),
            gasLimit: REPORT_GAS_BASE + REPORT_GAS_EACH * BigInt(batch.length),
            maxFeePerGas: 0n,
            maxPriorityFeePerGas: 0n,
          },
          { common: this.o.common },
          ),
          key,
        );
        await this.o.pool.submitLocal(tx);
        for (const a of accounts) this.reported.add(a);
        this.reportsSent++;
        this.accountsReported += accounts.length;
        this.o.log.warn("abusers reported to the gas policy", { accounts, window: window.toString(), tx: bytesToHex(tx.hash()) });
      } catch (err) {
        this.o.log.error("could not report abusers", { error: (err as Error).message });
      }
    }
  }

  // ---------------------------------------------------------------- reads

  /** luniverse_gasUsage: an account's usage, quota, sponsor, blacklisting and throttling now. */
  async usage(account: Hex): Promise<GasUsage> {
    const params = await this.policy.params();
    await this.policy.ensure([account]);
    const p = this.policy.peek(account) as AccountPolicy;
    const window = this.nowSeconds() / params.windowSeconds;
    const u = this.ledger.account(account, window);
    const sponsor = p.senderSponsor;
    const resetsAt = Number((window + 1n) * params.windowSeconds);
    return {
      account,
      window: window.toString(),
      windowSeconds: Number(params.windowSeconds),
      resetsAt,
      used: u.gas.toString(),
      reserved: this.o.pool.pooledGas(account).toString(),
      quota: p.quota.toString(),
      sponsor: sponsor === 0n ? null : { id: sponsor.toString(), used: this.ledger.sponsor(sponsor, window).toString(), budget: this.policy.sponsorBudget(sponsor).toString() },
      blacklistedUntil: blacklistedAt(p, this.nowSeconds()) ? Number(p.blacklistedUntil) : 0,
      throttled: this.isThrottled(account, window) ? { until: resetsAt, reason: this.throttled.get(account) as AbuseReason } : null,
      counters: { gas: u.gas.toString(), reverts: u.reverts, rejections: this.rejectWindow === window ? (this.rejected.get(account) ?? 0) : 0 },
    };
  }

  /** luniverse_gasSponsorUsage: a sponsor's gas used this window against its budget. */
  async sponsorUsage(id: bigint): Promise<{ id: string; window: string; used: string; budget: string; active: boolean; resetsAt: number }> {
    const params = await this.policy.params();
    const info = await this.policy.sponsorInfo(id);
    const window = this.nowSeconds() / params.windowSeconds;
    return { id: id.toString(), window: window.toString(), used: this.ledger.sponsor(id, window).toString(), budget: info.budget.toString(), active: info.active, resetsAt: Number((window + 1n) * params.windowSeconds) };
  }

  /** Accounts throttled here in the current window. */
  get throttledCount(): number {
    return this.throttled.size;
  }

  /** The accounts blacklisted on chain now. */
  blacklistSize(): Promise<number> {
    return this.policy.blacklistSize();
  }

  // ---------------------------------------------------------------- helpers

  private share(params: GasPolicyParams): bigint {
    return (this.o.blockGasLimit * params.unsponsoredShareBps) / 10_000n;
  }

  /**
   * A transaction of one of the chain's validators (its abuse reports, its governance votes): the node owners run the
   * chain, so their own transactions are held to no quota, budget or share.
   */
  private isExempt(sender: Hex): boolean {
    return this.o.validators().includes(sender);
  }

  private isThrottled(account: Hex, window: bigint): boolean {
    return this.rejectWindow === window && this.throttled.has(account);
  }

  /** A new window forgets refusals, throttling and what was reported. */
  private rollWindow(window: bigint): void {
    if (window <= this.rejectWindow) return;
    this.rejectWindow = window;
    this.rejected = new Map();
    this.throttled = new Map();
    this.reported = new Set();
    this.decided = new Set();
    this.queue = new Map();
  }

  private nowSeconds(): bigint {
    const clock = BigInt(Math.floor(this.now() / 1000));
    const head = this.o.chain.head.header.timestamp;
    return clock > head ? clock : head;
  }
}

/** The sponsor paying for a transaction: its target's (a sponsored contract), else its sender's, else 0. */
export function sponsorOf(sender: AccountPolicy | undefined, target: AccountPolicy | undefined): bigint {
  if (target !== undefined && target.contractSponsor !== 0n) return target.contractSponsor;
  return sender?.senderSponsor ?? 0n;
}

/** A transaction's target as lower-case hex (null: a creation), computed once per transaction object. */
const targets = new WeakMap<TypedTransaction, Hex | null>();
export function toOf(tx: TypedTransaction): Hex | null {
  let to = targets.get(tx);
  if (to === undefined) {
    to = tx.to === undefined ? null : (tx.to.toString() as Hex);
    targets.set(tx, to);
  }
  return to;
}

/** A transaction's sender as lower-case hex, computed once per transaction object. */
const senders = new WeakMap<TypedTransaction, Hex>();
export function senderOf(tx: TypedTransaction): Hex {
  let from = senders.get(tx);
  if (from === undefined) {
    from = tx.getSenderAddress().toString() as Hex;
    senders.set(tx, from);
  }
  return from;
}

function iso(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
