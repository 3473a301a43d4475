/**
 * The flood of issue #13 against a running four-validator gas-free cluster, and what it measures (no Hardhat runtime:
 * used by test/node/gasfree-flood.test.ts and by `npm run bench:gas-free`).
 *
 *   abusers   100 keys — 50 fresh (unsponsored) and 50 members of the "abusive DApp" sponsor — each in its own loop
 *             sending 0-value transfers at a fixed pace, nonces kept here (advanced on acceptance only), every send to
 *             the next node round-robin so that every validator sees its refusals; a refusal is counted by rule and
 *             the loop goes on (an abuser does not stop when refused);
 *   honest    20 members of the "honest DApp" sponsor, 1 transaction per second each, each to a fixed node, recording
 *             the head of that node at submission (eth_blockNumber in the same batch as the transaction): inclusion
 *             delay = inclusion block − head at submission (1 = the next block).
 *
 * After the window (and a drain: honest transactions included, abusers' backlog in the pools gone) everything is
 * measured from the chain: the blocks with their transactions, the flood's receipts, and the gas policy's
 * `AbuserReported` / `Blacklisted` logs. Keys are derived from a label (keccak256("luniverse-flood/<group>/<i>")), so a
 * genesis registering the sponsors' accounts ({@link floodSystemConfig}) can be built once and cached. The flood
 * keys hold no balance: gas price 0, value 0.
 */
import { Interface } from "ethers";
import type { GasPolicyParams } from "../../deploy/config";
import { keccak256 } from "../../node/execution/common";
import { BlockTracker, percentile, sleep } from "../node/measure";
import { hexQuantity, parseBatch, RpcClient, type RpcAnswer } from "../node/rpc";
import { addressOf, Signer, type Account, type Hex } from "../node/workload";

/** Gas of one value transfer: every flood transaction's gas limit and gas used. */
export const TRANSFER_GAS = 21_000n;

export const HONEST_SPONSOR = "honest DApp";
export const ABUSIVE_SPONSOR = "abusive DApp";

export type FloodGroup = "fresh" | "sponsored" | "honest";

export interface FloodKeys {
  /** Abusers in no sponsor: their transactions are unsponsored. */
  fresh: Account[];
  /** Abusers registered as accounts of the "abusive DApp" sponsor. */
  sponsored: Account[];
  /** Honest users registered as accounts of the "honest DApp" sponsor. */
  honest: Account[];
}

/** The flood's keys: keccak256("luniverse-flood/<group>/<i>") — the same on every run, never a dev or bench key. */
export function floodKeys(counts: { fresh: number; sponsored: number; honest: number } = { fresh: 50, sponsored: 50, honest: 20 }): FloodKeys {
  const make = (group: FloodGroup, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const key = keccak256(Buffer.from(`luniverse-flood/${group}/${i}`));
      return { key, address: addressOf(key) };
    });
  return { fresh: make("fresh", counts.fresh), sponsored: make("sponsored", counts.sponsored), honest: make("honest", counts.honest) };
}

/** Default rates of the flood, transactions per second per key. */
export const FLOOD_RATES = { fresh: 7, sponsored: 4, honest: 1 } as const;

/**
 * Gas-policy parameters for a flood of `durationS` seconds: the run stays in one window (a day), a transaction may use
 * up to 1M gas, unsponsored traffic gets 10 % of a block; the abuse threshold on executed gas is 1.8M — or, on a long
 * run, twice what an honest user spends in it at `honestRate` (so that honest users stay far below it) — and the
 * default quota is 10/9 of it; an account refused 50 times on a node is throttled there and reported; a blacklisting
 * lasts an hour (past the run and its checks).
 */
export function floodPolicy(durationS: number, honestRate: number = FLOOD_RATES.honest): GasPolicyParams {
  const honestGas = durationS * honestRate * Number(TRANSFER_GAS);
  const abuseGasPerWindow = Math.max(1_800_000, Math.ceil((2 * honestGas) / 100_000) * 100_000);
  return {
    windowSeconds: 86_400,
    maxTxGas: 1_000_000,
    defaultAccountQuota: Math.ceil((abuseGasPerWindow * 10) / 9 / 100_000) * 100_000,
    unsponsoredShareBps: 1_000,
    abuseGasPerWindow,
    abuseRevertsPerWindow: 20,
    abuseRejectionsPerWindow: 50,
    reportBlacklistSeconds: 3_600,
  };
}

/**
 * The `gasPolicy` section of a genesis system config (`node:genesis --system-config`) for the flood: the parameters
 * and the two sponsors with their accounts (budgets far above what the run uses: per-account quotas are the limit).
 */
export function floodSystemConfig(keys: FloodKeys, params: GasPolicyParams, admin: string): { gasPolicy: Record<string, unknown> } {
  const budget = "1000000000000";
  return {
    gasPolicy: {
      ...params,
      sponsors: [
        { name: HONEST_SPONSOR, admin, budgetPerWindow: budget, accounts: keys.honest.map((k) => k.address) },
        { name: ABUSIVE_SPONSOR, admin, budgetPerWindow: budget, accounts: keys.sponsored.map((k) => k.address) },
      ],
    },
  };
}

export interface FloodOptions {
  /** RPC URLs of the validators (4 for the issue's flood). */
  urls: string[];
  chainId: bigint;
  keys: FloodKeys;
  /** The policy in force (the genesis' `gasPolicy` parameters). */
  params: GasPolicyParams;
  /** The GasPolicy contract (genesis `luniverse.systemContracts.GasPolicy`). */
  policyAddress: string;
  /** How long the keys send. */
  durationMs: number;
  /** Transactions per second per key (default {@link FLOOD_RATES}). */
  rates?: { fresh: number; sponsored: number; honest: number };
  /** After the window, at most this long for honest transactions to be included and the pools to drain (default 20 s). */
  drainMs?: number;
  /** The validators' builder gas limit (`consensus.blockGasLimit`) when below the header's; the share is of the lower. */
  builderGasLimit?: bigint;
  /** A status line every 5 s, and progress. */
  log?: (line: string) => void;
}

/** One abuser as the chain saw it. */
export interface AbuserRecord {
  account: Hex;
  group: "fresh" | "sponsored";
  sent: number;
  accepted: number;
  /** Gas included in the window it used most of. */
  includedGas: bigint;
  /** includedGas − quota (≤ 0 when within the quota). */
  overQuota: bigint;
  /** First block whose transactions took its executed gas in a window to abuseGasPerWindow or more. */
  crossBlock: number | null;
  /** First AbuserReported for it (any validator) after the run started. */
  firstReport: { block: number; reason: string; reporter: Hex } | null;
  /** Distinct validators that reported it at or before its blacklisting (or by the end). */
  reporters: number;
  /** Its Blacklisted event (by reports). */
  blacklisted: { block: number; until: number; reason: string; reportersBefore: number; needed: number } | null;
  /** Blocks and seconds from crossing to the first report and to the blacklisting (null: not applicable). */
  blocksToReport: number | null;
  secondsToReport: number | null;
  blocksToBlacklist: number | null;
  secondsToBlacklist: number | null;
}

export interface FloodResult {
  params: GasPolicyParams;
  rates: { fresh: number; sponsored: number; honest: number };
  durationMs: number;
  /** Head of node 0 when the keys started and the last block measured. */
  startHeight: number;
  endHeight: number;
  blocks: number;
  /** Median and longest interval between blocks seen during the window, ms. */
  blockIntervalP50Ms: number | null;
  blockIntervalMaxMs: number | null;
  /** Every measured block: when node 0 first saw it (s after the start), its round, its transactions and the flood's. */
  timeline: { number: number; seenS: number | null; round: number; txs: number; honest: number; abusive: number; reports: number; blacklistings: number }[];
  /** Blocks seen during the window without an honest transaction (20 arrive per second: a stalled proposer). */
  emptyInWindow: number;
  sent: { abusive: number; honest: number };
  accepted: { abusive: number; honest: number };
  /** Refusals by rule (a gas policy rule, or "other: <message>", "transport"), per group and per node. */
  refusals: { abusive: Record<string, number>; honest: Record<string, number>; byNode: Record<string, number>[] };
  honest: {
    accepted: number;
    included: number;
    notIncluded: number;
    refused: number;
    /** Inclusion delays in blocks (inclusion block − head of the node at submission), sorted. */
    delays: number[];
    p50: number | null;
    p95: number | null;
    max: number | null;
    /** Most gas an honest account used in a window. */
    maxGas: bigint;
    /** Honest transactions included more than 2 blocks after their submission: per inclusion block, how many. */
    late: { block: number; count: number; maxDelay: number }[];
  };
  quota: {
    quota: bigint;
    /** Max over abusive accounts of (gas included in a window − quota); ≤ TRANSFER_GAS is the requirement. */
    maxOver: bigint;
    /** Abusive accounts whose included gas reached at least quota − one transaction. */
    atQuota: number;
    accounts: number;
  };
  unsponsored: {
    /** Per block with flood transactions: unsponsored gas and the share it is held to. */
    perBlock: { number: number; gas: bigint; share: bigint; gasLimit: bigint }[];
    maxGas: bigint;
    /** Largest unsponsored gas / share over the blocks (≤ 1 is the requirement). */
    maxFraction: number;
    /** Blocks over their share (0 is the requirement). */
    over: number;
    /** Blocks at ≥ 90 % of their share (the share was binding). */
    atShare: number;
  };
  abusers: AbuserRecord[];
  reports: {
    /** AbuserReported events in the run, and by reason. */
    events: number;
    byReason: Record<string, number>;
    /** Accounts reported, blacklisted (by reports). */
    accountsReported: number;
    accountsBlacklisted: number;
    /** The validators' reportAbusers transactions in the blocks, and the gas they used together. */
    transactions: number;
    gas: bigint;
    /** Accounts that crossed the executed-gas threshold, and those of them reported. */
    crossed: number;
    crossedReported: number;
    blocksToReport: number[];
    secondsToReport: number[];
    blocksToBlacklist: number[];
    secondsToBlacklist: number[];
  };
  /** One transaction of each blacklisted abuser, sent to every node: the answers (rule: the refusal's, or null = accepted). */
  blacklistCheck: { account: Hex; answers: { node: number; rule: string | null; message: string }[] }[];
  /** Flood transactions whose receipt is missing or failed. */
  receiptProblems: number;
  /** `luniverse_gasfree_*` lines of each node's /metrics after the run. */
  metrics: Record<string, number>[];
}

const POLICY_EVENTS = new Interface([
  "event AbuserReported(address indexed account, uint64 indexed window, address indexed reporter, uint8 reason, uint256 reports, uint256 needed)",
  "event Blacklisted(address indexed account, uint64 until, bool byReports, string reason)",
]);
const REASONS = ["executed-gas", "reverts", "rejections"];

interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** The rule of a refusal: the gas policy's `data.rule`, else a short form of the message. */
export function refusalRule(e: RpcErrorObject): string {
  const data = e.data as { rule?: unknown } | undefined;
  if (data !== undefined && data !== null && typeof data.rule === "string") return data.rule;
  const m = /^gas policy \(([a-z-]+)\)/.exec(e.message);
  if (m) return m[1]!;
  return `other: ${e.message.replace(/0x[0-9a-fA-F]{8,}/g, "0x…").replace(/\d{3,}/g, "N").slice(0, 80)}`;
}

/** A few keep-alive connections per node (each RpcClient holds one): the loops' single sends share them. */
class NodeSenders {
  private readonly clients: RpcClient[][];
  private next = 0;
  private id = 1;
  constructor(urls: string[], perNode: number) {
    this.clients = urls.map((u) => Array.from({ length: perNode }, () => new RpcClient(u, 30_000)));
  }
  async sendRaw(node: number, raw: Hex): Promise<{ hash?: Hex; error?: RpcErrorObject; transport?: string }> {
    const list = this.clients[node]!;
    const client = list[this.next++ % list.length]!;
    try {
      const text = await client.post(`{"jsonrpc":"2.0","id":${this.id++},"method":"eth_sendRawTransaction","params":["${raw}"]}`);
      const a = JSON.parse(text) as RpcAnswer;
      return a.error ? { error: a.error } : { hash: a.result as Hex };
    } catch (e) {
      return { transport: (e as Error).message };
    }
  }
  /**
   * The same in one batch after `eth_blockNumber`: the node's head as it admits the transaction (the node starts a
   * batch's calls in order, and the head is read synchronously), not a poll's possibly older answer.
   */
  async sendRawWithHead(node: number, raw: Hex): Promise<{ hash?: Hex; error?: RpcErrorObject; transport?: string; head?: number }> {
    const list = this.clients[node]!;
    const client = list[this.next++ % list.length]!;
    const id = this.id;
    this.id += 2;
    try {
      const text = await client.post(
        `[{"jsonrpc":"2.0","id":${id},"method":"eth_blockNumber","params":[]},{"jsonrpc":"2.0","id":${id + 1},"method":"eth_sendRawTransaction","params":["${raw}"]}]`,
      );
      const answers = parseBatch(text);
      const h = answers.find((a) => a.id === id);
      const a = answers.find((x) => x.id === id + 1);
      const head = typeof h?.result === "string" ? Number(BigInt(h.result)) : undefined;
      if (a === undefined) return { transport: `no answer to eth_sendRawTransaction in ${text.slice(0, 200)}`, head };
      return a.error ? { error: a.error, head } : { hash: a.result as Hex, head };
    } catch (e) {
      return { transport: (e as Error).message };
    }
  }
  async call<T>(node: number, method: string, params: unknown[]): Promise<T> {
    return this.clients[node]![0]!.call<T>(method, params);
  }
  close(): void {
    for (const l of this.clients) for (const c of l) c.close();
  }
}

/** Polls one node's head (eth_blockNumber every `pollMs`). */
class HeadPoller {
  head = 0;
  private running = true;
  private readonly loop: Promise<void>;
  private readonly rpc: RpcClient;
  constructor(url: string, pollMs = 20) {
    const rpc = new RpcClient(url, 30_000);
    this.rpc = rpc;
    this.loop = (async () => {
      while (this.running) {
        try {
          this.head = Math.max(this.head, Number(BigInt(await rpc.call<string>("eth_blockNumber"))));
        } catch {
          // retried at the next poll
        }
        await sleep(pollMs);
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.rpc.close();
  }
}

interface KeyState {
  index: number;
  account: Account;
  group: FloodGroup;
  nonce: bigint;
  sent: number;
  accepted: number;
  /** Node the next transaction goes to. */
  node: number;
}

interface SentTx {
  key: KeyState;
  node: number;
  head: number;
  at: number;
}

interface FullTx {
  hash: Hex;
  from: Hex;
  to: Hex | null;
}
interface FullBlock {
  number: string;
  timestamp: string;
  extraData: Hex;
  gasLimit: string;
  gasUsed: string;
  transactions: FullTx[];
}
interface Receipt {
  transactionHash: Hex;
  status: string;
  gasUsed: string;
  blockNumber: string;
}
interface Log {
  topics: Hex[];
  data: Hex;
  blockNumber: string;
  transactionHash: Hex;
}

const inc = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);
const lower = (a: string) => a.toLowerCase() as Hex;

/**
 * Runs the flood for `durationMs` against the cluster, drains, and measures it from the chain (see the module
 * comment). Never throws on a refusal or a slow node: everything is counted in the result.
 */
export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const log = o.log ?? (() => undefined);
  const rates = o.rates ?? { ...FLOOD_RATES };
  const n = o.urls.length;
  const signer = new Signer(o.chainId, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  const senders = new NodeSenders(o.urls, 8);
  const tracker = new BlockTracker(o.urls[0]!, 20);
  await tracker.start();
  const pollers = o.urls.map((u, i) => (i === 0 ? null : new HeadPoller(u)));
  const headOf = (node: number) => (node === 0 ? tracker.height : pollers[node]!.head);
  const sink = (group: FloodGroup, i: number) => addressOf(keccak256(Buffer.from(`luniverse-flood/sink/${group}/${i}`)));

  const keys: KeyState[] = [];
  // abusers start on different nodes (then go round-robin); honest user i always sends to node i mod n
  const add = (group: FloodGroup, list: Account[]) => list.forEach((account, i) => keys.push({ index: i, account, group, nonce: 0n, sent: 0, accepted: 0, node: (group === "honest" ? i : keys.length) % n }));
  add("fresh", o.keys.fresh);
  add("sponsored", o.keys.sponsored);
  add("honest", o.keys.honest);
  const groupOf = new Map<Hex, KeyState>(keys.map((k) => [lower(k.account.address), k]));

  const refusals = { abusive: {} as Record<string, number>, honest: {} as Record<string, number>, byNode: o.urls.map(() => ({}) as Record<string, number>) };
  const acceptedTxs = new Map<Hex, SentTx>();
  const includedAt = new Map<Hex, number>();
  let lastFloodInclusion = 0;
  const offBlocks = tracker.on((num, _t, hashes) => {
    let mine = false;
    for (const h of hashes) {
      if (acceptedTxs.has(h)) {
        includedAt.set(h, num);
        mine = true;
      }
    }
    if (mine) lastFloodInclusion = num;
  });

  const startHeight = tracker.height;
  const t0 = performance.now();
  const tEnd = t0 + o.durationMs;
  let stopped = false;

  async function send(k: KeyState, node: number): Promise<void> {
    const to = sink(k.group, k.index);
    const tx = signer.sign(k.account.key, { nonce: k.nonce, to, value: 0n, gasLimit: TRANSFER_GAS });
    let head = headOf(node);
    const at = performance.now();
    k.sent++;
    // honest users: the head as the node admits the transaction (inclusion delay 1 = the next block)
    const answer: { hash?: Hex; error?: RpcErrorObject; transport?: string; head?: number } =
      k.group === "honest" ? await senders.sendRawWithHead(node, tx.raw) : await senders.sendRaw(node, tx.raw);
    if (answer.head !== undefined) head = answer.head;
    const counts = k.group === "honest" ? refusals.honest : refusals.abusive;
    if (answer.hash !== undefined || answer.error?.message === "already known") {
      acceptedTxs.set(tx.hash, { key: k, node, head, at });
      k.nonce++;
      k.accepted++;
      return;
    }
    const rule = answer.error ? refusalRule(answer.error) : "transport";
    inc(counts, rule);
    inc(refusals.byNode[node]!, rule);
    if (answer.error && /^nonce too low/.test(answer.error.message)) {
      // accepted earlier after all (an answer lost in transport): continue from the chain's nonce
      try {
        const next = BigInt(await senders.call<string>(node, "eth_getTransactionCount", [k.account.address, "pending"]));
        if (next > k.nonce) k.nonce = next;
      } catch {
        k.nonce++;
      }
    }
  }

  async function loop(k: KeyState): Promise<void> {
    const rate = rates[k.group];
    if (rate <= 0) return;
    const interval = 1000 / rate;
    // spread the keys' first sends over one interval
    let next = t0 + ((k.index * 7919) % 1000) * (interval / 1000);
    while (!stopped) {
      const now = performance.now();
      if (next > now) await sleep(next - now);
      if (stopped || performance.now() >= tEnd) return;
      next = Math.max(next + interval, performance.now() - interval);
      if (k.group === "honest") await send(k, k.node);
      else {
        const node = k.node;
        k.node = (k.node + 1) % n;
        await send(k, node);
      }
    }
  }

  const status = setInterval(() => {
    const s = (pred: (k: KeyState) => boolean) => keys.filter(pred).reduce((a, k) => [a[0]! + k.sent, a[1]! + k.accepted], [0, 0]);
    const [as, aa] = s((k) => k.group !== "honest");
    const [hs, ha] = s((k) => k.group === "honest");
    const top = Object.entries(refusals.abusive)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([r, c]) => `${r} ${c}`)
      .join(", ");
    log(`${((performance.now() - t0) / 1000).toFixed(0)} s: height ${tracker.height}; abusers ${aa}/${as} accepted (refused: ${top || "none"}); honest ${ha}/${hs} accepted, ${[...acceptedTxs.keys()].filter((h) => includedAt.has(h)).length} flood txs included`);
  }, 5000);

  const loops = keys.map((k) => loop(k));
  await sleep(o.durationMs);
  stopped = true;
  await Promise.all(loops);
  clearInterval(status);
  const sendEnd = performance.now();

  // drain: honest transactions included, and the abusers' backlog gone (3 blocks in a row without a flood tx)
  const drainMs = o.drainMs ?? 20_000;
  const honestAccepted = [...acceptedTxs].filter(([, s]) => s.key.group === "honest").map(([h]) => h);
  while (performance.now() - sendEnd < drainMs) {
    const honestDone = honestAccepted.every((h) => includedAt.has(h));
    if (honestDone && tracker.height >= Math.max(lastFloodInclusion, startHeight) + 3) break;
    await sleep(100);
  }
  offBlocks();
  const endHeight = tracker.height;
  log(`window over; drained in ${((performance.now() - sendEnd) / 1000).toFixed(1)} s; measuring blocks ${startHeight + 1}..${endHeight}`);

  // one transaction of each blacklisted abuser to every node, before anything else can change: refused with "blacklisted"?
  const fetcher = new RpcClient(o.urls[0]!, 120_000);
  const topicReported = POLICY_EVENTS.getEvent("AbuserReported")!.topicHash;
  const topicBlacklisted = POLICY_EVENTS.getEvent("Blacklisted")!.topicHash;
  const getLogs = (topic: string) =>
    fetcher.call<Log[]>("eth_getLogs", [{ fromBlock: hexQuantity(startHeight + 1), toBlock: hexQuantity(endHeight), address: o.policyAddress, topics: [topic] }]);
  const [reportedLogs, blacklistedLogs] = [await getLogs(topicReported), await getLogs(topicBlacklisted)];
  const blacklistedSet = new Set(blacklistedLogs.map((l) => lower(`0x${l.topics[1]!.slice(26)}`)));
  const blacklistCheck: FloodResult["blacklistCheck"] = [];
  for (const a of blacklistedSet) {
    const k = groupOf.get(a);
    if (k === undefined || k.group === "honest") continue;
    const tx = signer.sign(k.account.key, { nonce: k.nonce, to: sink(k.group, k.index), value: 0n, gasLimit: TRANSFER_GAS });
    const answers = await Promise.all(
      o.urls.map(async (_, node) => {
        const r = await senders.sendRaw(node, tx.raw);
        return { node, rule: r.error ? refusalRule(r.error) : r.transport !== undefined ? "transport" : null, message: r.error?.message ?? r.transport ?? `accepted ${r.hash}` };
      }),
    );
    blacklistCheck.push({ account: a, answers });
  }

  // the chain: blocks with their transactions, the flood's receipts
  const blocks: FullBlock[] = [];
  for (let from = startHeight + 1; from <= endHeight; from += 4) {
    const nums = Array.from({ length: Math.min(4, endHeight - from + 1) }, (_, i) => from + i);
    const answers = await fetcher.batch(nums.map((b) => ({ method: "eth_getBlockByNumber", params: [hexQuantity(b), true] })));
    for (const a of answers) {
      if (a.error || !a.result) throw new Error(`eth_getBlockByNumber: ${a.error?.message ?? "no block"}`);
      blocks.push(a.result as FullBlock);
    }
  }
  const floodHashes: Hex[] = [];
  const reportTxs: Hex[] = [];
  const policy = lower(o.policyAddress);
  for (const b of blocks) {
    for (const t of b.transactions) {
      if (groupOf.has(lower(t.from))) floodHashes.push(t.hash);
      else if (t.to !== null && lower(t.to) === policy) reportTxs.push(t.hash);
    }
  }
  const receipts = new Map<Hex, Receipt>();
  const wanted = [...floodHashes, ...reportTxs];
  for (let i = 0; i < wanted.length; i += 500) {
    const body = JSON.stringify(wanted.slice(i, i + 500).map((h, j) => ({ jsonrpc: "2.0", id: j, method: "eth_getTransactionReceipt", params: [h] })));
    for (const a of parseBatch(await fetcher.post(body))) {
      const r = a.result as Receipt | null;
      if (r) receipts.set(r.transactionHash, r);
    }
  }
  let receiptProblems = 0;
  const gasOf = (h: Hex): bigint => {
    const r = receipts.get(h);
    if (r === undefined || r.status !== "0x1") {
      receiptProblems++;
      return r === undefined ? TRANSFER_GAS : BigInt(r.gasUsed);
    }
    return BigInt(r.gasUsed);
  };

  // per account and window: gas included; the block where an abuser's executed gas crossed the threshold
  const W = BigInt(o.params.windowSeconds);
  const used = new Map<Hex, Map<bigint, bigint>>();
  const cross = new Map<Hex, { block: number; window: bigint }>();
  const builder = o.builderGasLimit;
  const perBlock: FloodResult["unsponsored"]["perBlock"] = [];
  const inBlock = new Map<Hex, number>();
  const timeline: FloodResult["timeline"] = [];
  for (const b of blocks) {
    const num = Number(BigInt(b.number));
    const row = { number: num, seenS: null as number | null, round: Number(BigInt(b.extraData.slice(0, 18))), txs: b.transactions.length, honest: 0, abusive: 0, reports: 0, blacklistings: 0 };
    const seenAt = tracker.seenAt.get(num);
    if (seenAt !== undefined) row.seenS = (seenAt - t0) / 1000;
    timeline.push(row);
    const window = BigInt(b.timestamp) / W;
    const gasLimit = BigInt(b.gasLimit);
    const limit = builder !== undefined && builder < gasLimit ? builder : gasLimit;
    let unsponsored = 0n;
    let flood = false;
    for (const t of b.transactions) {
      const from = lower(t.from);
      const k = groupOf.get(from);
      if (k === undefined) continue;
      flood = true;
      if (k.group === "honest") row.honest++;
      else row.abusive++;
      inBlock.set(t.hash, num);
      const gas = gasOf(t.hash);
      if (k.group === "fresh") unsponsored += gas;
      let w = used.get(from);
      if (w === undefined) used.set(from, (w = new Map()));
      const total = (w.get(window) ?? 0n) + gas;
      w.set(window, total);
      if (k.group !== "honest" && o.params.abuseGasPerWindow > 0 && total >= BigInt(o.params.abuseGasPerWindow) && !cross.has(from)) cross.set(from, { block: num, window });
    }
    if (flood) perBlock.push({ number: num, gas: unsponsored, share: (limit * BigInt(o.params.unsponsoredShareBps)) / 10_000n, gasLimit });
  }
  const maxGasOf = (a: Hex) => [...(used.get(a)?.values() ?? [])].reduce((m, g) => (g > m ? g : m), 0n);

  // honest inclusion delays
  const delays: number[] = [];
  const late = new Map<number, { block: number; count: number; maxDelay: number }>();
  let honestIncluded = 0;
  for (const [h, s] of acceptedTxs) {
    if (s.key.group !== "honest") continue;
    const b = inBlock.get(h) ?? includedAt.get(h);
    if (b === undefined) continue;
    honestIncluded++;
    const d = b - s.head;
    delays.push(d);
    if (d > 2) {
      const l = late.get(b) ?? { block: b, count: 0, maxDelay: 0 };
      l.count++;
      l.maxDelay = Math.max(l.maxDelay, d);
      late.set(b, l);
    }
  }
  delays.sort((a, b) => a - b);

  // reports and blacklistings
  const reports = reportedLogs.map((l) => {
    const ev = POLICY_EVENTS.parseLog({ topics: l.topics, data: l.data })!;
    return {
      account: lower(ev.args.account as string),
      window: ev.args.window as bigint,
      reporter: lower(ev.args.reporter as string),
      reason: REASONS[Number(ev.args.reason)] ?? `reason ${ev.args.reason}`,
      needed: Number(ev.args.needed),
      block: Number(BigInt(l.blockNumber)),
    };
  });
  const blacklistings = blacklistedLogs.map((l) => {
    const ev = POLICY_EVENTS.parseLog({ topics: l.topics, data: l.data })!;
    return { account: lower(ev.args.account as string), until: Number(ev.args.until), byReports: ev.args.byReports as boolean, reason: ev.args.reason as string, block: Number(BigInt(l.blockNumber)) };
  });
  const rowOf = new Map(timeline.map((t) => [t.number, t]));
  for (const r of reports) rowOf.get(r.block)!.reports++;
  for (const b of blacklistings) rowOf.get(b.block)!.blacklistings++;
  const seen = (b: number) => tracker.seenAt.get(b);
  const secondsBetween = (b1: number, b2: number): number | null => {
    const s1 = seen(b1);
    const s2 = seen(b2);
    return s1 !== undefined && s2 !== undefined ? (s2 - s1) / 1000 : null;
  };

  const quota = BigInt(o.params.defaultAccountQuota);
  const abusers: AbuserRecord[] = keys
    .filter((k) => k.group !== "honest")
    .map((k) => {
      const a = lower(k.account.address);
      const c = cross.get(a) ?? null;
      const mine = reports.filter((r) => r.account === a).sort((x, y) => x.block - y.block);
      const first = mine[0] ?? null;
      const bl = blacklistings.find((x) => x.account === a && x.byReports) ?? null;
      const upTo = bl?.block ?? Infinity;
      const reportersBefore = new Set(mine.filter((r) => r.block <= upTo).map((r) => r.reporter));
      const includedGas = maxGasOf(a);
      return {
        account: a,
        group: k.group as "fresh" | "sponsored",
        sent: k.sent,
        accepted: k.accepted,
        includedGas,
        overQuota: includedGas - quota,
        crossBlock: c?.block ?? null,
        firstReport: first && { block: first.block, reason: first.reason, reporter: first.reporter },
        reporters: new Set(mine.map((r) => r.reporter)).size,
        blacklisted: bl && { block: bl.block, until: bl.until, reason: bl.reason, reportersBefore: reportersBefore.size, needed: mine.find((r) => r.block <= upTo)?.needed ?? 0 },
        blocksToReport: c && first ? first.block - c.block : null,
        secondsToReport: c && first ? secondsBetween(c.block, first.block) : null,
        blocksToBlacklist: c && bl ? bl.block - c.block : null,
        secondsToBlacklist: c && bl ? secondsBetween(c.block, bl.block) : null,
      };
    });

  const byReason: Record<string, number> = {};
  for (const r of reports) inc(byReason, r.reason);
  const crossed = abusers.filter((x) => x.crossBlock !== null);
  const nums = (f: (x: AbuserRecord) => number | null) => crossed.map(f).filter((v): v is number => v !== null).sort((a, b) => a - b);

  // the nodes' own counters
  const metrics = await Promise.all(
    o.urls.map(async (u) => {
      const out: Record<string, number> = {};
      try {
        const text = await (await fetch(`${u}/metrics`)).text();
        for (const line of text.split("\n")) {
          const m = /^luniverse_gasfree_([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
          if (m) out[`${m[1]}${m[2] ?? ""}`] = Number(m[3]);
        }
      } catch {
        // reported as empty
      }
      return out;
    }),
  );

  // block interval during the window (node 0's first-seen times)
  const intervals: number[] = [];
  for (let b = startHeight + 2; b <= endHeight; b++) {
    const s1 = seen(b - 1);
    const s2 = seen(b);
    if (s1 !== undefined && s2 !== undefined && s2 <= tEnd) intervals.push(s2 - s1);
  }
  intervals.sort((a, b) => a - b);

  await tracker.stop();
  await Promise.all(pollers.map((p) => p?.stop()));
  senders.close();
  fetcher.close();

  const sum = (pred: (k: KeyState) => boolean, f: (k: KeyState) => number) => keys.filter(pred).reduce((a, k) => a + f(k), 0);
  const abusive = (k: KeyState) => k.group !== "honest";
  const honest = (k: KeyState) => k.group === "honest";
  const share = perBlock.map((b) => (b.share === 0n ? 0 : Number(b.gas) / Number(b.share)));
  return {
    params: o.params,
    rates,
    durationMs: o.durationMs,
    startHeight,
    endHeight,
    blocks: blocks.length,
    blockIntervalP50Ms: percentile(intervals, 50),
    blockIntervalMaxMs: intervals.length > 0 ? intervals[intervals.length - 1]! : null,
    timeline,
    emptyInWindow: timeline.filter((t) => t.seenS !== null && t.seenS > 2 && t.seenS * 1000 <= o.durationMs && t.honest === 0).length,
    sent: { abusive: sum(abusive, (k) => k.sent), honest: sum(honest, (k) => k.sent) },
    accepted: { abusive: sum(abusive, (k) => k.accepted), honest: sum(honest, (k) => k.accepted) },
    refusals,
    honest: {
      accepted: honestAccepted.length,
      included: honestIncluded,
      notIncluded: honestAccepted.length - honestIncluded,
      refused: Object.values(refusals.honest).reduce((a, b) => a + b, 0),
      delays,
      p50: percentile(delays, 50),
      p95: percentile(delays, 95),
      max: delays.length > 0 ? delays[delays.length - 1]! : null,
      maxGas: keys.filter(honest).reduce((m, k) => {
        const g = maxGasOf(lower(k.account.address));
        return g > m ? g : m;
      }, 0n),
      late: [...late.values()].sort((a, b) => a.block - b.block),
    },
    quota: {
      quota,
      maxOver: abusers.reduce((m, x) => (x.overQuota > m ? x.overQuota : m), -quota),
      atQuota: abusers.filter((x) => x.includedGas + TRANSFER_GAS >= quota).length,
      accounts: abusers.length,
    },
    unsponsored: {
      perBlock,
      maxGas: perBlock.reduce((m, b) => (b.gas > m ? b.gas : m), 0n),
      maxFraction: share.reduce((m, f) => Math.max(m, f), 0),
      over: perBlock.filter((b) => b.gas > b.share).length,
      atShare: share.filter((f) => f >= 0.9).length,
    },
    abusers,
    reports: {
      transactions: reportTxs.length,
      gas: reportTxs.reduce((a, h) => a + BigInt(receipts.get(h)?.gasUsed ?? "0x0"), 0n),
      events: reports.length,
      byReason,
      accountsReported: new Set(reports.map((r) => r.account)).size,
      accountsBlacklisted: new Set(blacklistings.filter((b) => b.byReports).map((b) => b.account)).size,
      crossed: crossed.length,
      crossedReported: crossed.filter((x) => x.firstReport !== null).length,
      blocksToReport: nums((x) => x.blocksToReport),
      secondsToReport: nums((x) => x.secondsToReport),
      blocksToBlacklist: nums((x) => x.blocksToBlacklist),
      secondsToBlacklist: nums((x) => x.secondsToBlacklist),
    },
    blacklistCheck,
    receiptProblems,
    metrics,
  };
}

const f0 = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
const g = (x: bigint) => Number(x).toLocaleString("en-US");
const sec = (ms: number | null) => (ms === null ? "–" : (ms / 1000).toFixed(2));
const dist = (xs: number[], digits = 0) =>
  xs.length === 0 ? "–" : `p50 ${percentile(xs, 50)!.toFixed(digits)}, p95 ${percentile(xs, 95)!.toFixed(digits)}, max ${xs[xs.length - 1]!.toFixed(digits)}`;
const rules = (m: Record<string, number>) =>
  Object.keys(m).length === 0
    ? "none"
    : Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([r, c]) => `${r} ${f0(c)}`)
        .join(", ");

/** Intervals (s, as node 0 saw them) between the blocks before `block` and it, e.g. "0.98/1.02/2.71"; "r1" marks a round > 0. */
function gaps(r: FloodResult, block: number): string {
  const row = (n: number) => r.timeline.find((t) => t.number === n);
  const out: string[] = [];
  for (let n = block - 2; n <= block; n++) {
    const a = row(n - 1)?.seenS;
    const b = row(n);
    out.push(`${a == null || b?.seenS == null ? "?" : (b.seenS - a).toFixed(2)}${b && b.round > 0 ? `r${b.round}` : ""}`);
  }
  return out.join("/");
}

/** The result as printable lines (the bench prints them; a test may log them). */
export function formatFlood(r: FloodResult): string[] {
  const p = r.params;
  const checked = r.blacklistCheck.flatMap((c) => c.answers);
  const refusedBl = checked.filter((a) => a.rule === "blacklisted").length;
  const reportedIn2 = r.reports.blocksToReport.filter((b) => b <= 2).length;
  const notBlacklisted = r.abusers.filter((a) => a.crossBlock !== null && a.blacklisted === null).length;
  const atCross = r.abusers.filter((a) => a.blacklisted !== null && a.blacklisted.reportersBefore < a.blacklisted.needed).length;
  return [
    `policy: window ${p.windowSeconds} s, maxTxGas ${f0(p.maxTxGas)}, quota ${f0(p.defaultAccountQuota)}, unsponsored share ${p.unsponsoredShareBps / 100} %, abuse at ${f0(p.abuseGasPerWindow)} gas or ${p.abuseRejectionsPerWindow} refusals (or ${p.abuseRevertsPerWindow} reverts) per window`,
    `load: ${r.rates.fresh}/s x fresh, ${r.rates.sponsored}/s x sponsored abusers, ${r.rates.honest}/s x honest, for ${(r.durationMs / 1000).toFixed(0)} s; blocks ${r.startHeight + 1}..${r.endHeight} (${r.blocks}), interval p50 ${sec(r.blockIntervalP50Ms)} s, max ${sec(r.blockIntervalMaxMs)} s; ${r.emptyInWindow} blocks in the window without an honest transaction${r.timeline.some((t) => t.round > 0) ? `; ${r.timeline.filter((t) => t.round > 0).length} blocks after a round timeout` : ""}`,
    `abusers: ${f0(r.sent.abusive)} sent (${f0(r.sent.abusive / (r.durationMs / 1000))}/s), ${f0(r.accepted.abusive)} accepted; refused by rule: ${rules(r.refusals.abusive)}`,
    `honest: ${f0(r.sent.honest)} sent, ${f0(r.honest.accepted)} accepted, ${f0(r.honest.included)} included, ${r.honest.refused} refused${r.honest.refused > 0 ? ` (${rules(r.refusals.honest)})` : ""}; inclusion delay in blocks ${dist(r.honest.delays)}; most gas per honest account ${g(r.honest.maxGas)}`,
    ...(r.honest.late.length > 0
      ? [`  included > 2 blocks late (inclusion block: count, worst delay, intervals of the 3 blocks before it in s): ${r.honest.late.map((l) => `${l.block}: ${l.count}, ≤ ${l.maxDelay}, ${gaps(r, l.block)}`).join("; ")}`]
      : []),
    `quota: most gas included for an abusive account in a window − quota = ${g(r.quota.maxOver)} (one transaction = ${g(TRANSFER_GAS)}); ${r.quota.atQuota} of ${r.quota.accounts} abusers reached their quota`,
    `unsponsored share: max ${g(r.unsponsored.maxGas)} gas in a block = ${(100 * r.unsponsored.maxFraction).toFixed(1)} % of the share (${g(r.unsponsored.perBlock[0]?.share ?? 0n)}); ${r.unsponsored.over} blocks over it, ${r.unsponsored.atShare} of ${r.unsponsored.perBlock.length} at ≥ 90 %`,
    `abuse: ${r.reports.crossed} abusers crossed ${f0(p.abuseGasPerWindow)} executed gas, ${r.reports.crossedReported} reported (${reportedIn2} within 2 blocks); ${r.reports.accountsReported} accounts reported in ${r.reports.events} AbuserReported events (${rules(r.reports.byReason)}), ${r.reports.accountsBlacklisted} blacklisted${notBlacklisted > 0 ? `, ${notBlacklisted} crossed but not blacklisted by the end` : ""}${atCross > 0 ? `, ${atCross} blacklisted with fewer reports than needed` : ""}`,
    `  the validators' reportAbusers transactions: ${r.reports.transactions}, ${g(r.reports.gas)} gas together (${r.reports.events > 0 ? g(r.reports.gas / BigInt(r.reports.events)) : "–"} per AbuserReported)`,
    `  crossing → first report: blocks ${dist(r.reports.blocksToReport)}; seconds ${dist(r.reports.secondsToReport, 2)}`,
    `  crossing → blacklisted:  blocks ${dist(r.reports.blocksToBlacklist)}; seconds ${dist(r.reports.secondsToBlacklist, 2)}`,
    `blacklisted accounts re-sent to every node: ${refusedBl} of ${checked.length} answers refused with "blacklisted"${checked.length > refusedBl ? ` (others: ${rules(Object.fromEntries(Object.entries(checked.reduce((m, a) => (inc(m, a.rule ?? "accepted"), m), {} as Record<string, number>)).filter(([k]) => k !== "blacklisted")))})` : ""}`,
    `nodes' counters (luniverse_gasfree_*): ${r.metrics.map((m, i) => `node ${i + 1}: ${Object.entries(m).filter(([, v]) => v !== 0).map(([k, v]) => `${k.replace("rejections_total", "rejected").replace(/\{rule="([^"]+)"\}/, "[$1]")} ${f0(v)}`).join(" ")}`).join("; ")}`,
    ...(r.receiptProblems > 0 ? [`WARNING: ${r.receiptProblems} flood transactions in blocks without a successful receipt`] : []),
  ];
}
