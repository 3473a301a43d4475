/**
 * Disaster-recovery benchmark: backups, restore (RTO) and a new node reaching the head by snapshot sync against full
 * replay, on a long chain, with anvil's state dump/load beside it. Prints figures and decides nothing (exit 0 unless
 * something actually fails: a backup or restore refused, a node that never reaches the head, a hash that differs).
 *
 *   npm run bench:dr                                                        # 20,000 blocks × 5 transfers (~15 min)
 *   npx ts-node --transpile-only bench/dr/bench.ts --blocks 2000 --txs-per-block 5 --anvil-txs 1000   # smoke run
 *   npx ts-node --transpile-only bench/dr/bench.ts --parts backup,restore,sync --genesis-dir .luniverse/bench-genesis
 *
 * Everything runs in a temp folder on 127.0.0.1 free ports (Ctrl-C stops every process and removes it; `--keep`
 * keeps it: configs, node logs, data dirs, the snapshot, anvil's dump). The genesis is `npx hardhat node:genesis`, one
 * validator (dev account 1), gas limit 60,000,000, base fee 1 gwei (`--genesis-dir` reuses it between runs).
 *
 * 0. history: `buildHistory` (bench/dr/history.ts) commits `--blocks` blocks of `--txs-per-block` 1-wei transfers
 *    (dev accounts 10..19 round-robin) into the validator's data dir with the node's own code, timestamps one second
 *    apart: its time and the data dir's size (sum of the file sizes).
 * 1. backup: the validator (node/cli.ts on that data dir, block period `--block-period-ms`, `snapshots.serve` on)
 *    under a light load — `--load-tps` signed 1-wei transfers per second from dev accounts 2..9 (nonces from
 *    eth_getTransactionCount "pending"), JSON-RPC batches every 100 ms — takes a snapshot on `luniverse_backup`:
 *    the snapshot's own time (`ms` of the answer) and the call's wall time, its size compressed (the files) and raw
 *    (the records), its files. Meanwhile this process polls the validator's eth_blockNumber every 50 ms and records
 *    when each new height first appeared; printed: the longest interval between consecutive new heights that overlaps
 *    the backup (from the last block before the call to the first after its answer) beside the longest in a window as
 *    long as the backup (at least 10 s) right after it, same load. "A backup never blocks block production for more
 *    than one block period" = that longest interval ≤ 2 block periods (the period itself + at most one more). The
 *    poll goes through the validator's RPC, so a stalled event loop shows as a longer interval too (conservative).
 * 2. restore (RTO): `restoreSnapshot` (node/backup/restore.ts) of that snapshot folder into an empty data dir, in this
 *    process, proving it as snapshot sync does (the genesis validators as trusted validators): hashes of the files,
 *    load, whole history and state trie, finality signatures, then the swap. Then a full node (no peers) is started
 *    on the restored dir: the time until its ready line, and its head (height, hash, state root) checked against the
 *    manifest's and the validator's block at that height. RTO = restore + start. Target: restore ≤ 60 s.
 * 3. snapshot sync: a new full node, empty data dir, `snapshots.syncFrom` = the validator's RPC URL (downloads the
 *    latest snapshot: the one of part 1), `p2p.peers` = the validator: wall time from spawn until its eth_blockNumber
 *    reaches the validator's height at spawn time (polled every 250 ms), then the block hash at that height compared
 *    with the validator's. Split into download + restore (the node's log), start, and the p2p sync of the blocks after
 *    the snapshot.
 * 4. full replay: the same with no syncFrom: the node replays every block from genesis through p2p sync (batches of
 *    32 blocks, each block's signatures checked and its transactions executed). Progress every 15 s. After
 *    `--replay-timeout` seconds it is stopped and the time is extrapolated from the rate so far (said so in the
 *    output). Target: snapshot sync ≥ 10× faster than full replay. The load is off during parts 2–4 (the validator
 *    makes empty blocks), and each new node is stopped before the next starts.
 * 5. peer: anvil (the npm package's binary): `--anvil-txs` pre-signed 1-wei transfers from its dev accounts 0..9 in
 *    blocks of `--txs-per-block` like our history (automine off: one JSON-RPC batch, then evm_mine; anvil 1.7.1's
 *    automine left thousands of batched transfers in its pool, and evm_mine racing it lost some); `anvil_dumpState`
 *    timed (it answers the gzipped JSON as hex); the bench unzips it into a file (timed apart: `--load-state` reads
 *    plain JSON only); a fresh anvil `--load-state FILE` timed from spawn until eth_blockNumber answers the same head,
 *    and the head's hash compared.
 *    anvil 1.7.1's dump is JSON of its accounts (balance, nonce, code, storage as plain maps), its blocks and its
 *    mined transactions with their receipts — no trie nodes, no finality signatures, and nothing is checked on load;
 *    ours is the whole database (every block, receipt, trie node, commit signature), proven on restore. Ratios are
 *    printed raw and per 1,000 transactions of each chain.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { PrefixedHexString } from "@ethereumjs/util";
import { parseCommandLine } from "../../lib/args";
import { ArgumentError } from "../../lib/errors";
import { rpc, rpcBatch } from "../../lib/jsonRpc";
import { restoreSnapshot, type Restored } from "../../node/backup/restore";
import { makeCommon } from "../../node/execution/common";
import type { GenesisFile } from "../../node/genesis/genesis";
import { machine } from "../machine";
import { REPO, genesisFile, logProblems } from "../node/chains";
import { freePort, installCleanup, peakRssKiB, registerTempDir, removeTempDirs, spawnProc, stopAll, stopProc, tail, waitForLine, type Proc } from "../node/procs";
import { GAS, MAX_FEE, Signer, TIP, devAccounts, type Account, type SignedTx } from "../node/workload";
import { buildHistory, type History } from "./history";

const PARTS = ["backup", "restore", "sync", "replay", "anvil"] as const;
type Part = (typeof PARTS)[number];

const USAGE = `usage: npm run bench:dr -- [options]
  --parts A,B             any of ${PARTS.join(", ")} (default: all; restore and sync take the backup's snapshot, so
                          they run the backup part too)
  --blocks N              height of the history built before the node starts (default 20000)
  --txs-per-block N       1-wei transfers per history block (default 5)
  --block-period-ms N     the validator's block period (default 1000)
  --load-tps N            transfers per second sent to the validator around the backup (default 50; 0: none)
  --sync-timeout S        seconds a snapshot-synced node may take to reach the head before it counts as failed (default 600)
  --replay-timeout S      seconds of full replay before the rest is extrapolated from its rate (default 1800)
  --anvil-txs N           transfers sent to anvil before its dump (default 10000)
  --genesis-dir DIR       reuse/keep the genesis file in DIR (default: built in the run's temp folder)
  --keep                  keep the temp folder (configs, logs, data dirs, snapshot, anvil dump) and print its path
  --help, -h              this text`;

interface Options {
  parts: Part[];
  blocks: number;
  txsPerBlock: number;
  blockPeriodMs: number;
  loadTps: number;
  syncTimeoutS: number;
  replayTimeoutS: number;
  anvilTxs: number;
  genesisDir: string | null;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseCommandLine(
    argv,
    {
      parts: { type: "string" },
      blocks: { type: "string" },
      "txs-per-block": { type: "string" },
      "block-period-ms": { type: "string" },
      "load-tps": { type: "string" },
      "sync-timeout": { type: "string" },
      "replay-timeout": { type: "string" },
      "anvil-txs": { type: "string" },
      "genesis-dir": { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (flag: "blocks" | "txs-per-block" | "block-period-ms" | "load-tps" | "sync-timeout" | "replay-timeout" | "anvil-txs", min: number, max: number, otherwise: number): number => {
    const value = v[flag];
    if (value === undefined) return otherwise;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new ArgumentError("ARG_INVALID", flag, `--${flag}: expected an integer ${min}..${max}, got "${value}"`);
    return n;
  };
  const parts = v.parts === undefined ? [...PARTS] : v.parts.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new ArgumentError("ARG_INVALID", "parts", `--parts: unknown part "${p}" (known: ${PARTS.join(", ")})`);
  if ((parts.includes("restore") || parts.includes("sync")) && !parts.includes("backup")) parts.unshift("backup");
  return {
    parts: parts as Part[],
    blocks: int("blocks", 10, 10_000_000, 20_000),
    txsPerBlock: int("txs-per-block", 0, 10_000, 5),
    blockPeriodMs: int("block-period-ms", 50, 60_000, 1000),
    loadTps: int("load-tps", 0, 5000, 50),
    syncTimeoutS: int("sync-timeout", 10, 86_400, 600),
    replayTimeoutS: int("replay-timeout", 10, 86_400, 1800),
    anvilTxs: int("anvil-txs", 10, 10_000_000, 10_000),
    genesisDir: v["genesis-dir"] === undefined ? null : path.resolve(v["genesis-dir"]),
    keep: v.keep === true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// printing

const out = (line = ""): void => void process.stdout.write(`${line}\n`);
const progress = (msg: string): void => void process.stderr.write(`[bench:dr] ${msg}\n`);
const loadAvg = (): string => `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;
const f0 = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : "–");
const secs = (msv: number): string => (Number.isFinite(msv) ? `${(msv / 1000).toFixed(msv < 10_000 ? 2 : 1)} s` : "–");
const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 2 : 1)} MiB` : "–");
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–");
const sleep = (msv: number) => new Promise<void>((r) => setTimeout(r, msv));

/** A table with the first `left` columns left-aligned, the others right-aligned. */
function table(rows: string[][], left = 1): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string => `  ${r.map((x, c) => (c < left ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join("  ")}`.trimEnd();
  return [line(rows[0]!), `  ${w.map((x) => "-".repeat(x)).join("  ")}`, ...rows.slice(1).map(line)];
}

/** Sum of the sizes of the files under `dir` (0 when it does not exist). */
function dirBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) continue;
    total += s.isDirectory() ? dirBytes(p) : s.size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// nodes

const READY = (l: string): boolean => l.includes('"event":"ready"');

interface NodeSpec {
  name: string;
  dir: string;
  genesis: string;
  dataDir: string;
  p2pPort: number;
  peers: string[];
  validator: boolean;
  blockPeriodMs: number;
  syncFrom?: string;
}

/** Spawns node/cli.ts with a config written into `dir` (rpc on a free port, read back from the ready line). */
function spawnNode(s: NodeSpec): Proc {
  mkdirSync(s.dir, { recursive: true });
  const config = {
    genesis: s.genesis,
    dataDir: s.dataDir,
    rpc: { port: 0, maxBatch: 5000, maxRequestBytes: 50_000_000 },
    p2p: { port: s.p2pPort, peers: s.peers },
    validator: s.validator ? { privateKeyEnv: "LUNIVERSE_BENCH_VKEY" } : null,
    consensus: { blockPeriodMs: s.blockPeriodMs },
    snapshots: { dir: `${s.dataDir}.snapshots`, interval: 0, keep: 2, serve: true, syncFrom: s.syncFrom ?? null },
    log: { level: "info" },
  };
  const cfgFile = path.join(s.dir, "config.json");
  writeFileSync(cfgFile, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") };
  if (s.validator) env.LUNIVERSE_BENCH_VKEY = `0x${Buffer.from(devAccounts(2)[1]!.key).toString("hex")}`; // dev account 1
  return spawnProc(s.name, process.execPath, ["-r", "ts-node/register/transpile-only", "node/cli.ts", "--config", cfgFile], { cwd: REPO, logFile: path.join(s.dir, "node.log"), env });
}

async function readyUrl(proc: Proc, timeoutMs: number): Promise<{ rpc: string; at: number }> {
  const line = await waitForLine(proc, READY, timeoutMs);
  return { rpc: (JSON.parse(line) as { rpc: string }).rpc, at: Date.now() };
}

async function heightOf(url: string, timeoutMs = 10_000): Promise<number> {
  return Number(await rpc<string>(url, "eth_blockNumber", [], timeoutMs));
}

/** Block `n`'s hash and state root (lower case), or null when the node has no such block. */
async function blockAt(url: string, n: number): Promise<{ hash: string; stateRoot: string } | null> {
  const b = await rpc<{ hash: string; stateRoot: string } | null>(url, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false], 30_000);
  return b === null ? null : { hash: b.hash.toLowerCase(), stateRoot: b.stateRoot.toLowerCase() };
}

/** `ms` fields of the node log's lines with message `msg` (the last one). */
function logField(file: string, msg: string, field: string): number | null {
  let found: number | null = null;
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      const v = j[field] ?? (j.fields as Record<string, unknown> | undefined)?.[field];
      if (typeof v === "number") found = v;
    } catch {
      // not JSON
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// the light load and the height poller of part 1

class Load {
  sent = 0;
  accepted = 0;
  rejected = 0;
  readonly errors = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly nonces: bigint[] = [];

  constructor(
    private readonly url: string,
    private readonly signer: Signer,
    private readonly senders: Account[],
    private readonly tps: number,
  ) {}

  async start(): Promise<void> {
    if (this.tps === 0) return;
    for (const s of this.senders) this.nonces.push(BigInt(await rpc<string>(this.url, "eth_getTransactionCount", [s.address, "pending"])));
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const tickMs = 100;
    const started = Date.now();
    let due = 0;
    let next = 0;
    for (let tick = 1; this.running; tick++) {
      due += (this.tps * tickMs) / 1000;
      const n = Math.floor(due);
      due -= n;
      const txs: SignedTx[] = [];
      for (let i = 0; i < n; i++) {
        const k = next++ % this.senders.length;
        const to = this.senders[(k + 1) % this.senders.length]!.address;
        txs.push(this.signer.sign(this.senders[k]!.key, { nonce: this.nonces[k]!++, to, value: 1n, gasLimit: GAS.value }));
      }
      if (txs.length > 0) {
        this.sent += txs.length;
        try {
          const res = await rpcBatch(this.url, txs.map((t) => ({ method: "eth_sendRawTransaction", params: [t.raw] })), { timeoutMs: 30_000 });
          for (const r of res) {
            if (r.ok) this.accepted++;
            else {
              this.rejected++;
              this.errors.set(r.message.slice(0, 120), (this.errors.get(r.message.slice(0, 120)) ?? 0) + 1);
            }
          }
        } catch (err) {
          this.rejected += txs.length;
          const m = (err as Error).message.slice(0, 120);
          this.errors.set(m, (this.errors.get(m) ?? 0) + txs.length);
        }
      }
      const wait = started + tick * tickMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

interface Change {
  t: number;
  h: number;
}

/** Polls eth_blockNumber every `everyMs` and records when each new height was first seen. */
class HeightPoller {
  readonly changes: Change[] = [];
  errors = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const a = Date.now();
        try {
          const h = await heightOf(this.url, 30_000);
          const last = this.changes[this.changes.length - 1];
          if (last === undefined || h > last.h) this.changes.push({ t: Date.now(), h });
        } catch {
          this.errors++;
        }
        const wait = a + this.everyMs - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();
  }
  /** Resolves once a new height was seen after time `t`. */
  async seenAfter(t: number, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.changes.some((c) => c.t > t)) return true;
      await sleep(20);
    }
    return false;
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

interface Gaps {
  /** Intervals between consecutive new heights that overlap the window. */
  intervals: number[];
  max: number;
  p50: number;
  blocks: number;
}

function gapsOver(changes: Change[], from: number, to: number): Gaps {
  const intervals: number[] = [];
  let blocks = 0;
  for (let i = 1; i < changes.length; i++) {
    const a = changes[i - 1]!;
    const b = changes[i]!;
    if (b.t <= from || a.t >= to) continue;
    intervals.push(b.t - a.t);
    blocks += b.h - a.h;
  }
  const sorted = [...intervals].sort((x, y) => x - y);
  return { intervals, max: sorted.length ? sorted[sorted.length - 1]! : NaN, p50: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN, blocks };
}

// ---------------------------------------------------------------------------------------------------------------
// results

interface HistoryResult {
  history: History;
  ms: number;
  bytes: number;
}

interface BackupResult {
  height: number;
  hash: string;
  stateRoot: string;
  dir: string;
  files: number;
  bytes: number;
  rawBytes: number;
  signer: string | null;
  snapshotMs: number;
  wallMs: number;
  during: Gaps;
  baseline: Gaps;
  baselineMs: number;
  load: { sent: number; accepted: number; rejected: number; errors: Map<string, number>; tps: number };
  pollErrors: number;
  loadAvg: string;
}

interface RestoreResult {
  restored: Restored;
  ms: number;
  bytes: number;
  startMs: number;
  headOk: boolean;
  notes: string[];
}

interface SyncResult {
  kind: "snapshot" | "replay";
  target: number;
  /** Spawn → head reached (measured), or the extrapolated time (`extrapolated`). */
  ms: number;
  extrapolated: boolean;
  reached: boolean;
  readyMs: number;
  downloadMs: number | null;
  restoreMs: number | null;
  startHeight: number | null;
  hashOk: boolean | null;
  rssMiB: number | null;
  bytes: number;
  finalHeight: number;
  notes: string[];
}

interface AnvilResult {
  txs: number;
  blocks: number;
  sendMs: number;
  dumpMs: number;
  dumpGzBytes: number;
  unzipMs: number;
  jsonBytes: number;
  dumpBlocks: number;
  dumpTxs: number;
  dumpAccounts: number;
  loadMs: number;
  headOk: boolean;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// parts

async function backupPart(validatorRpc: string, o: Options, g: GenesisFile): Promise<BackupResult> {
  const chainId = BigInt(g.config.chainId);
  const baseFee = BigInt(g.baseFeePerGas);
  const signer = new Signer(chainId, { maxFeePerGas: baseFee * 2n + MAX_FEE, maxPriorityFeePerGas: baseFee === 0n ? 0n : TIP });
  const load = new Load(validatorRpc, signer, devAccounts(10).slice(2), o.loadTps);
  const poller = new HeightPoller(validatorRpc, 50);
  progress(`backup: load ${o.loadTps} transfers/s from dev accounts 2..9, polling eth_blockNumber every 50 ms ...`);
  await load.start();
  poller.start();
  try {
    await sleep(Math.max(3000, 3 * o.blockPeriodMs)); // the load settles, the poller has a block before the call
    const la = loadAvg();
    progress(`backup: luniverse_backup (${la}) ...`);
    const t0 = Date.now();
    const s = await rpc<{ dir: string; height: string; hash: string; stateRoot: string; files: number; bytes: number; rawBytes: number; signer: string | null; ms: number }>(validatorRpc, "luniverse_backup", [], 60 * 60_000);
    const t1 = Date.now();
    progress(`backup: snapshot at height ${s.height}: ${s.files} file(s), ${mib(s.bytes)} in ${secs(s.ms)}; a window as long without a backup ...`);
    if (!(await poller.seenAfter(t1, 10 * o.blockPeriodMs + 30_000))) throw new Error(`the validator made no block within ${10 * o.blockPeriodMs + 30_000} ms after the backup`);
    const b0 = poller.changes.find((c) => c.t > t1)!.t;
    const baselineMs = Math.max(t1 - t0, 10_000);
    await sleep(Math.max(0, b0 + baselineMs - Date.now()));
    if (!(await poller.seenAfter(b0 + baselineMs, 10 * o.blockPeriodMs + 30_000))) throw new Error("the validator stopped making blocks after the backup");
    return {
      height: Number(s.height),
      hash: s.hash,
      stateRoot: s.stateRoot,
      dir: s.dir,
      files: s.files,
      bytes: s.bytes,
      rawBytes: s.rawBytes,
      signer: s.signer,
      snapshotMs: s.ms,
      wallMs: t1 - t0,
      during: gapsOver(poller.changes, t0, t1),
      baseline: gapsOver(poller.changes, b0, b0 + baselineMs),
      baselineMs,
      load: { sent: load.sent, accepted: load.accepted, rejected: load.rejected, errors: load.errors, tps: o.loadTps },
      pollErrors: poller.errors,
      loadAvg: la,
    };
  } finally {
    await poller.stop();
    await load.stop();
  }
}

async function restorePart(dir: string, b: BackupResult, g: GenesisFile, genesisPath: string, validatorRpc: string, o: Options): Promise<RestoreResult> {
  const dataDir = path.join(dir, "restored", "data");
  mkdirSync(path.dirname(dataDir), { recursive: true });
  progress(`restore: ${b.dir} → ${dataDir} in this process (${loadAvg()}) ...`);
  const t0 = Date.now();
  const restored = await restoreSnapshot(b.dir, dataDir, {
    genesis: g,
    common: makeCommon(BigInt(g.config.chainId)),
    trustedValidators: g.luniverse.validators.map((v) => v.toLowerCase() as PrefixedHexString),
  });
  const ms = Date.now() - t0;
  const notes: string[] = [];
  progress(`restore: ${restored.blocks} blocks, ${restored.stateNodes} state nodes proven in ${secs(ms)}; starting a node on it ...`);
  const proc = spawnNode({ name: "restored", dir: path.join(dir, "restored"), genesis: genesisPath, dataDir, p2pPort: await freePort(), peers: [], validator: false, blockPeriodMs: o.blockPeriodMs });
  const s0 = Date.now();
  let startMs = NaN;
  let headOk = false;
  try {
    const { rpc: url, at } = await readyUrl(proc, 300_000);
    startMs = at - s0;
    const h = await heightOf(url);
    const mine = await blockAt(url, b.height);
    const theirs = await blockAt(validatorRpc, b.height);
    headOk = h === b.height && mine !== null && theirs !== null && mine.hash === b.hash.toLowerCase() && mine.stateRoot === b.stateRoot.toLowerCase() && theirs.hash === b.hash.toLowerCase();
    if (!headOk) notes.push(`restored node: head ${h} (snapshot ${b.height}), hash ${mine?.hash} / manifest ${b.hash} / validator ${theirs?.hash}, state root ${mine?.stateRoot} / manifest ${b.stateRoot}`);
  } finally {
    await stopProc(proc);
  }
  return { restored, ms, bytes: dirBytes(dataDir), startMs, headOk, notes };
}

async function syncPart(kind: "snapshot" | "replay", dir: string, genesisPath: string, validator: { rpc: string; p2p: string }, o: Options): Promise<SyncResult> {
  const nodeDir = path.join(dir, kind === "snapshot" ? "snapshot-sync" : "full-replay");
  const dataDir = path.join(nodeDir, "data");
  const notes: string[] = [];
  const target = await heightOf(validator.rpc);
  progress(`${kind === "snapshot" ? "snapshot sync" : "full replay"}: a new full node, empty data dir, target height ${f0(target)} (${loadAvg()}) ...`);
  const t0 = Date.now();
  const proc = spawnNode({
    name: kind === "snapshot" ? "snapshot-sync" : "full-replay",
    dir: nodeDir,
    genesis: genesisPath,
    dataDir,
    p2pPort: await freePort(),
    peers: [validator.p2p],
    validator: false,
    blockPeriodMs: o.blockPeriodMs,
    syncFrom: kind === "snapshot" ? validator.rpc : undefined,
  });
  const limitMs = (kind === "snapshot" ? o.syncTimeoutS : o.replayTimeoutS) * 1000;
  const result: SyncResult = { kind, target, ms: NaN, extrapolated: false, reached: false, readyMs: NaN, downloadMs: null, restoreMs: null, startHeight: null, hashOk: null, rssMiB: null, bytes: 0, finalHeight: 0, notes };
  try {
    const { rpc: url, at } = await readyUrl(proc, limitMs);
    result.readyMs = at - t0;
    let h = await heightOf(url);
    result.startHeight = h;
    const from = { t: Date.now(), h };
    const rate = (): number => (h - from.h) / ((Date.now() - from.t) / 1000);
    let lastProgress = Date.now();
    let lastChange = Date.now();
    let pollErrors = 0;
    while (h < target) {
      const now = Date.now();
      if (now - t0 > limitMs) break;
      if (proc.exitCode !== undefined) {
        notes.push(`${kind}: the node exited (code ${proc.exitCode}) at height ${h}: ${tail(proc.logFile, 5)}`);
        break;
      }
      if (now - lastChange > 120_000) {
        notes.push(`${kind}: no new block for 120 s at height ${h}`);
        break;
      }
      if (now - lastProgress >= 15_000) {
        progress(`${kind}: height ${f0(h)} of ${f0(target)} after ${secs(now - t0)}, ${f1(rate())} blocks/s since ready`);
        lastProgress = now;
      }
      await sleep(kind === "snapshot" ? 250 : 1000);
      try {
        const next = await heightOf(url, 30_000);
        if (next > h) lastChange = Date.now();
        h = next;
      } catch {
        pollErrors++;
      }
    }
    if (pollErrors > 0) notes.push(`${kind}: ${pollErrors} eth_blockNumber polls failed`);
    const now = Date.now();
    result.finalHeight = h;
    if (h >= target) {
      result.reached = true;
      result.ms = now - t0;
      const mine = await blockAt(url, target);
      const theirs = await blockAt(validator.rpc, target);
      result.hashOk = mine !== null && theirs !== null && mine.hash === theirs.hash && mine.stateRoot === theirs.stateRoot;
      if (!result.hashOk) notes.push(`${kind}: block ${target}: ${mine?.hash} here, ${theirs?.hash} on the validator`);
    } else if (kind === "replay" && now - t0 > limitMs && h > (result.startHeight ?? 0)) {
      const r = rate();
      result.extrapolated = true;
      result.ms = now - t0 + ((target - h) / r) * 1000;
      notes.push(`full replay stopped at --replay-timeout ${o.replayTimeoutS} s at height ${f0(h)} of ${f0(target)}; the time to the target is EXTRAPOLATED from its rate since ready, ${f1(r)} blocks/s`);
    }
    result.rssMiB = (peakRssKiB(proc.pid) ?? NaN) / 1024;
  } catch (err) {
    notes.push(`${kind}: ${(err as Error).message.split("\n")[0]}`);
    notes.push(tail(proc.logFile, 8));
  } finally {
    await stopProc(proc);
  }
  result.downloadMs = logField(proc.logFile, "snapshot downloaded", "ms");
  result.restoreMs = logField(proc.logFile, "snapshot restored", "ms");
  result.bytes = dirBytes(dataDir);
  if (!result.reached && !result.extrapolated) progress(`${kind}: did not reach the target height (log ${proc.logFile})`);
  return result;
}

/** The anvil binary of the installed npm package, else `npx anvil`. */
function anvilCommand(): { cmd: string; pre: string[] } {
  const bin = path.join(REPO, "node_modules", "@foundry-rs", `anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`, "bin", "anvil");
  return statSync(bin, { throwIfNoEntry: false }) ? { cmd: bin, pre: [] } : { cmd: "npx", pre: ["anvil"] };
}

async function startAnvil(dir: string, name: string, extra: string[], until: (url: string) => Promise<boolean>, timeoutMs: number): Promise<{ proc: Proc; url: string; spawnedAt: number; readyAt: number }> {
  const port = await freePort();
  const { cmd, pre } = anvilCommand();
  const spawnedAt = Date.now();
  const proc = spawnProc(name, cmd, [...pre, "--port", String(port), "--chain-id", "31337", "--gas-limit", "60000000", "--silent", ...extra], { cwd: REPO, logFile: path.join(dir, `${name}.log`) });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== undefined) throw new Error(`${name} exited (code ${proc.exitCode}): ${tail(proc.logFile, 10)}`);
    try {
      if (await until(url)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - spawnedAt > timeoutMs) throw new Error(`${name} did not answer on ${url} within ${timeoutMs} ms`);
    await sleep(10);
  }
  return { proc, url, spawnedAt, readyAt: Date.now() };
}

async function anvilPart(dir: string, o: Options): Promise<AnvilResult> {
  const adir = path.join(dir, "anvil");
  mkdirSync(adir, { recursive: true });
  const notes: string[] = [];
  progress(`anvil: ${f0(o.anvilTxs)} transfers, ${Math.max(1, o.txsPerBlock)} per block (evm_mine) ...`);
  const a = await startAnvil(adir, "anvil", [], async (url) => (await heightOf(url, 2000)) >= 0, 60_000);
  let b: Proc | null = null;
  try {
    const senders = devAccounts(10);
    const signer = new Signer(31337n);
    const txs: SignedTx[] = [];
    for (let i = 0; i < o.anvilTxs; i++) {
      const k = i % senders.length;
      txs.push(signer.sign(senders[k]!.key, { nonce: BigInt(Math.floor(i / senders.length)), to: senders[(k + 1) % senders.length]!.address, value: 1n, gasLimit: GAS.value }));
    }
    // blocks of --txs-per-block transfers like our history's (automine off, one evm_mine per block): anvil 1.7.1's
    // automine under batches leaves transactions in its pool once they stop arriving, and evm_mine racing it lost some
    const perBlock = Math.max(1, o.txsPerBlock);
    const s0 = Date.now();
    let refused = 0;
    await rpc(a.url, "evm_setAutomine", [false]);
    for (let i = 0; i < txs.length; i += perBlock) {
      const res = await rpcBatch(a.url, txs.slice(i, i + perBlock).map((t) => ({ method: "eth_sendRawTransaction", params: [t.raw] })), { timeoutMs: 120_000 });
      for (const r of res) if (!r.ok) refused++;
      await rpc(a.url, "evm_mine", [], 120_000);
    }
    const nonces = await rpcBatch(a.url, senders.map((x) => ({ method: "eth_getTransactionCount", params: [x.address, "latest"] })));
    const minedTxs = nonces.reduce((sum, r) => sum + (r.ok ? Number(r.result as string) : 0), 0);
    if (minedTxs !== txs.length) notes.push(`anvil mined ${minedTxs} of the ${txs.length} transfers`);
    const head = await heightOf(a.url);
    const sendMs = Date.now() - s0;
    if (refused > 0) notes.push(`anvil refused ${refused} of ${txs.length} transfers`);
    const last = txs[txs.length - 1]!;
    const receipt = await rpc<{ status: string } | null>(a.url, "eth_getTransactionReceipt", [last.hash]);
    if (receipt?.status !== "0x1") notes.push(`anvil: the last transfer's receipt is ${JSON.stringify(receipt)}`);
    const headBlock = await blockAt(a.url, head);

    progress(`anvil: anvil_dumpState at height ${head} ...`);
    const d0 = Date.now();
    const hex = await rpc<string>(a.url, "anvil_dumpState", [], 600_000);
    const dumpMs = Date.now() - d0;
    const u0 = Date.now();
    const gz = Buffer.from(hex.slice(2), "hex");
    const json = gz[0] === 0x1f && gz[1] === 0x8b ? gunzipSync(gz) : gz;
    const file = path.join(adir, "state.json");
    writeFileSync(file, json);
    const unzipMs = Date.now() - u0;
    let dumpBlocks = NaN;
    let dumpTxs = NaN;
    let dumpAccounts = NaN;
    try {
      const parsed = JSON.parse(json.toString("utf8")) as { blocks?: unknown[]; transactions?: unknown[]; accounts?: Record<string, unknown> };
      dumpBlocks = parsed.blocks?.length ?? 0;
      dumpTxs = parsed.transactions?.length ?? 0;
      dumpAccounts = Object.keys(parsed.accounts ?? {}).length;
    } catch (err) {
      notes.push(`anvil's dump is not JSON: ${(err as Error).message.slice(0, 120)}`);
    }

    progress(`anvil: a fresh anvil --load-state (${mib(json.length)} of JSON) ...`);
    const started = await startAnvil(adir, "anvil-loaded", ["--load-state", file], async (url) => (await heightOf(url, 2000)) === head, 600_000);
    b = started.proc;
    const loaded = await blockAt(started.url, head);
    const headOk = loaded !== null && headBlock !== null && loaded.hash === headBlock.hash;
    if (!headOk) notes.push(`anvil --load-state: block ${head} is ${loaded?.hash} after the load, ${headBlock?.hash} before (anvil rebuilds its blocks on load; the state root is ${loaded?.stateRoot === headBlock?.stateRoot ? "the same" : "different"})`);
    return { txs: minedTxs, blocks: head, sendMs, dumpMs, dumpGzBytes: gz.length, unzipMs, jsonBytes: json.length, dumpBlocks, dumpTxs, dumpAccounts, loadMs: started.readyAt - started.spawnedAt, headOk, notes };
  } finally {
    await stopProc(a.proc, 5000);
    if (b) await stopProc(b, 5000);
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  installCleanup();
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-bench-dr-"));
  if (!o.keep) registerTempDir(dir);
  out(`disaster-recovery benchmark on ${machine()}`);
  const needChain = o.parts.some((p) => p !== "anvil");
  out(`parts: ${o.parts.join(", ")}${needChain ? `; history ${f0(o.blocks)} blocks × ${o.txsPerBlock} transfers; block period ${o.blockPeriodMs} ms` : ""}${o.parts.includes("anvil") ? `; anvil ${f0(o.anvilTxs)} transfers` : ""}`);
  const failures: string[] = [];

  let hist: HistoryResult | null = null;
  let backup: BackupResult | null = null;
  let restore: RestoreResult | null = null;
  let snap: SyncResult | null = null;
  let replay: SyncResult | null = null;
  let anvil: AnvilResult | null = null;
  let validatorStartMs = NaN;
  /** A part that throws is a failure; the figures of the others are still printed. */
  const attempt = async <T>(what: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (err) {
      const e = err as Error & { code?: string; details?: string };
      failures.push(`${what}: ${e.code ? `${e.code} ` : ""}${e.message}${e.details ? ` (${e.details})` : ""}`);
      progress(`${what} failed: ${e.message.split("\n")[0]}`);
      return null;
    }
  };

  try {
    await attempt("history and validator", async () => {
      if (!needChain) return;
      const g = await genesisFile({ dir: o.genesisDir ?? path.join(dir, "genesis"), validators: 1, gasLimit: 60_000_000, log: progress });
      const genesis = JSON.parse(readFileSync(g.file, "utf8")) as GenesisFile;
      const vdir = path.join(dir, "validator");
      const dataDir = path.join(vdir, "data");
      mkdirSync(vdir, { recursive: true });

      progress(`history: ${f0(o.blocks)} blocks × ${o.txsPerBlock} transfers into ${dataDir} ...`);
      const h0 = Date.now();
      const history = await buildHistory({
        dataDir,
        genesis,
        validators: [1],
        blocks: o.blocks,
        txsPerBlock: o.txsPerBlock,
        progress: (n, txs) => {
          if (n % 5000 === 0 || n === o.blocks) progress(`history: ${f0(n)} blocks, ${f0(txs)} transfers, ${secs(Date.now() - h0)}`);
        },
      });
      hist = { history, ms: Date.now() - h0, bytes: dirBytes(dataDir) };
      progress(`history: height ${f0(history.height)}, ${f0(history.transactions)} transfers in ${secs(hist.ms)}, ${mib(hist.bytes)}`);

      progress("validator: starting on the history ...");
      const p2pPort = await freePort();
      const v0 = Date.now();
      const vproc = spawnNode({ name: "validator", dir: vdir, genesis: g.file, dataDir, p2pPort, peers: [], validator: true, blockPeriodMs: o.blockPeriodMs });
      const { rpc: vrpc, at } = await readyUrl(vproc, 600_000);
      validatorStartMs = at - v0;
      const validator = { rpc: vrpc, p2p: `ws://127.0.0.1:${p2pPort}` };
      // the validator continues the chain
      const hStart = await heightOf(vrpc);
      const deadline = Date.now() + 20 * o.blockPeriodMs + 30_000;
      while ((await heightOf(vrpc)) <= hStart) {
        if (Date.now() > deadline) throw new Error(`the validator does not continue the chain (height ${hStart}); log ${vproc.logFile}:\n${tail(vproc.logFile, 15)}`);
        await sleep(200);
      }

      if (o.parts.includes("backup")) backup = await attempt("backup", () => backupPart(vrpc, o, genesis));
      if (backup && backup.load.rejected > 0) progress(`backup: ${backup.load.rejected} of ${backup.load.sent} load transfers refused`);
      if (backup && o.parts.includes("restore")) {
        restore = await attempt("restore", () => restorePart(dir, backup!, genesis, g.file, vrpc, o));
        if (restore && !restore.headOk) failures.push("the restored node's head differs from the snapshot's");
      }
      if (o.parts.includes("sync")) {
        snap = await syncPart("snapshot", dir, g.file, validator, o);
        if (!snap.reached) failures.push(`the snapshot-synced node did not reach height ${snap.target} (it got to ${snap.finalHeight})`);
        else if (snap.hashOk === false) failures.push("the snapshot-synced node's block differs from the validator's");
        if (snap.downloadMs === null && snap.reached) snap.notes.push("its log holds no 'snapshot downloaded' line: it did not snapshot-sync");
      }
      if (o.parts.includes("replay")) {
        replay = await syncPart("replay", dir, g.file, validator, o);
        if (!replay.reached && !replay.extrapolated) failures.push(`the full-replay node did not reach height ${replay.target} (it got to ${replay.finalHeight})`);
        else if (replay.hashOk === false) failures.push("the full-replay node's block differs from the validator's");
      }
      await stopProc(vproc);
    });
    if (o.parts.includes("anvil")) anvil = await attempt("anvil", () => anvilPart(dir, o));
  } finally {
    await stopAll();
  }

  const logs = ["validator", "restored", "snapshot-sync", "full-replay"].map((name) => ({ name, file: path.join(dir, name, "node.log") })).filter((l) => statSync(l.file, { throwIfNoEntry: false }));
  print(o, { hist, validatorStartMs, backup, restore, snap, replay, anvil }, logs);
  if (failures.length > 0) {
    out("");
    for (const f of failures) out(`FAILED: ${f}`);
  }
  out(`\nmachine: ${machine()}`);
  if (o.keep) out(`temp folder kept: ${dir}`);
  else removeTempDirs();
  if (failures.length > 0) process.exitCode = 1;
}

function print(
  o: Options,
  r: { hist: HistoryResult | null; validatorStartMs: number; backup: BackupResult | null; restore: RestoreResult | null; snap: SyncResult | null; replay: SyncResult | null; anvil: AnvilResult | null },
  logs: { name: string; file: string }[],
): void {
  const { hist, backup, restore, snap, replay, anvil } = r;
  const period = o.blockPeriodMs;
  const txs = hist?.history.transactions ?? 0;
  const full = (hist?.history.height ?? 0) >= 20_000 && txs >= 100_000;
  const scopeNote = full || !hist ? "" : `the targets are for a chain of ≥ 20,000 blocks and ≥ 100,000 transactions; this one: ${f0(hist.history.height)} blocks, ${f0(txs)} transactions`;
  const scope = scopeNote ? ` (${scopeNote})` : "";

  if (hist) {
    out(`\n## History\n`);
    out(`${f0(hist.history.height)} blocks, ${f0(txs)} transfers built by buildHistory in ${secs(hist.ms)} (${f0(hist.history.height / (hist.ms / 1000))} blocks/s); data dir ${mib(hist.bytes)}; head ${hist.history.hash}`);
    out(`validator started on it (spawn → ready line) in ${secs(r.validatorStartMs)}`);
  }

  if (backup) {
    const b = backup;
    out(`\n## Backup under load (luniverse_backup on the validator; ${b.load.tps} transfers/s; ${b.loadAvg} before)\n`);
    for (const l of table([
      ["snapshot", "height", "files", "compressed", "raw", "ratio", "snapshot ms", "call wall", "raw MiB/s"],
      [path.basename(b.dir), f0(b.height), String(b.files), mib(b.bytes), mib(b.rawBytes), ratio(b.rawBytes, b.bytes), f0(b.snapshotMs), secs(b.wallMs), f1(b.rawBytes / 2 ** 20 / (b.snapshotMs / 1000))],
    ]))
      out(l);
    out("");
    for (const l of table([
      ["window (eth_blockNumber every 50 ms)", "length", "blocks", "intervals", "p50 interval", "longest interval", "longest ÷ period"],
      ["during the backup", secs(b.wallMs), String(b.during.blocks), String(b.during.intervals.length), `${f0(b.during.p50)} ms`, `${f0(b.during.max)} ms`, ratio(b.during.max, period)],
      ["as long right after it, no backup", secs(b.baselineMs), String(b.baseline.blocks), String(b.baseline.intervals.length), `${f0(b.baseline.p50)} ms`, `${f0(b.baseline.max)} ms`, ratio(b.baseline.max, period)],
    ]))
      out(l);
    out("");
    out(`target: a backup never blocks block production for more than one block period → longest interval ≤ 2 × ${period} ms: ${f0(b.during.max)} ms during the backup (${b.during.max <= 2 * period ? "reached" : "not reached"}), ${f0(b.baseline.max)} ms without`);
    out(`load: ${f0(b.load.sent)} transfers sent, ${f0(b.load.accepted)} accepted, ${f0(b.load.rejected)} refused${b.pollErrors ? `; ${b.pollErrors} eth_blockNumber polls failed` : ""}; the manifest is ${b.signer ? `signed by ${b.signer}` : "unsigned"}`);
    for (const [m, n] of b.load.errors) out(`  refused ×${n}: ${m}`);
  }

  if (restore) {
    const x = restore.restored;
    out(`\n## Restore (RTO): restoreSnapshot in this process, then a node started on it\n`);
    for (const l of table([
      ["restore", "blocks", "state nodes", "codes", "signers", "files loaded", "restore", "node start", "RTO", "data dir"],
      [`#${x.height}`, f0(x.blocks), f0(x.stateNodes), f0(x.codes), `${x.signers.length}/${x.validators.length}`, String(x.filesLoaded), secs(restore.ms), secs(restore.startMs), secs(restore.ms + restore.startMs), mib(restore.bytes)],
    ]))
      out(l);
    out("");
    out(`proven: file hashes, every block linked from the head to genesis, the whole state trie under the head's root, finality signatures (the genesis validators trusted); the restored node's head ${restore.headOk ? "is" : "is NOT"} the manifest's block (height, hash, state root) and the validator's`);
    out(`target: restore ≤ 60 s${scope} → ${secs(restore.ms)} (${restore.ms <= 60_000 ? "reached" : "not reached"}); with the node's start ${secs(restore.ms + restore.startMs)}`);
    for (const n of restore.notes) out(`note: ${n}`);
  }

  if (snap || replay) {
    out(`\n## A new node reaching the head: snapshot sync vs full replay (empty data dir, peer = the validator)\n`);
    const row = (s: SyncResult): string[] => {
      const syncAfter = s.reached ? s.ms - s.readyMs : NaN;
      return [
        s.kind === "snapshot" ? "snapshot sync (snapshots.syncFrom)" : "full replay (p2p sync from genesis)",
        f0(s.target),
        s.downloadMs === null ? "–" : secs(s.downloadMs),
        s.restoreMs === null || s.downloadMs === null ? "–" : secs(s.restoreMs - s.downloadMs),
        secs(s.readyMs),
        s.startHeight === null ? "–" : f0(s.startHeight),
        s.reached ? `${secs(syncAfter)} (${f0((s.target - (s.startHeight ?? 0)) / (syncAfter / 1000))} blocks/s)` : "–",
        `${secs(s.ms)}${s.extrapolated ? " EXTRAPOLATED" : s.reached ? "" : " (not reached)"}`,
        s.hashOk === null ? "–" : s.hashOk ? "same" : "DIFFERENT",
        s.rssMiB === null ? "–" : f0(s.rssMiB),
        mib(s.bytes),
      ];
    };
    const rows: string[][] = [["", "target", "download", "restore", "ready", "height at ready", "p2p sync after ready", "spawn → head", "block at target", "peak RSS MiB", "data dir"]];
    if (snap) rows.push(row(snap));
    if (replay) rows.push(row(replay));
    for (const l of table(rows)) out(l);
    out("");
    out(`"download"/"restore" from the node's log ("snapshot downloaded", "snapshot restored": the restore includes its proof); "ready" = spawn → the node's ready line`);
    if (snap && replay && Number.isFinite(snap.ms) && Number.isFinite(replay.ms)) {
      const x = replay.ms / snap.ms;
      out(`target: snapshot sync ≥ 10× faster than full replay${scope} → ${x.toFixed(1)}× (${x >= 10 ? "reached" : "not reached"})${replay.extrapolated ? " — full replay EXTRAPOLATED" : ""}`);
      // the node process's own start (ts-node, opening the database) is in both; the full-replay node's spawn → ready
      // (an empty data dir) is about that start alone
      const start = replay.readyMs;
      if (Number.isFinite(start) && snap.ms > start) out(`without the process start (the full-replay node's spawn → ready, ${secs(start)}, taken off both): snapshot sync ${secs(snap.ms - start)}, full replay ${secs(replay.ms - start)}, ${((replay.ms - start) / (snap.ms - start)).toFixed(1)}×`);
    }
    for (const s of [snap, replay]) for (const n of s?.notes ?? []) out(`note: ${n}`);
  }

  if (anvil) {
    const a = anvil;
    out(`\n## Peer: anvil's state dump and load (${f0(a.txs)} transfers in ${f0(a.blocks)} blocks, sent and mined in ${secs(a.sendMs)})\n`);
    for (const l of table([
      ["anvil", "dump (anvil_dumpState)", "gzip", "unzip + write", "JSON", "load (spawn → same head)", "in the dump"],
      ["anvil 1.7.1", secs(a.dumpMs), mib(a.dumpGzBytes), secs(a.unzipMs), mib(a.jsonBytes), secs(a.loadMs), `${f0(a.dumpBlocks)} blocks, ${f0(a.dumpTxs)} txs, ${f0(a.dumpAccounts)} accounts`],
    ]))
      out(l);
    out("");
    out(`anvil's head after the load ${a.headOk ? "has the same hash" : "does NOT have the same hash"} as before the dump. Its dump is JSON of its accounts (plain maps), blocks and mined transactions with receipts: no trie nodes, no finality signatures, nothing verified on load; ours is the whole database (blocks, receipts, every trie node, commit signatures), proven on restore.`);
    for (const n of a.notes) out(`note: ${n}`);
    if (backup && restore && hist) {
      const k = txs / 1000;
      const ak = a.txs / 1000;
      out("");
      for (const l of table([
        ["ours ÷ anvil", "ours", "anvil", "ratio", "ours per 1k tx", "anvil per 1k tx", "ratio per 1k tx"],
        ["backup ÷ dump (time)", secs(backup.snapshotMs), secs(a.dumpMs), ratio(backup.snapshotMs, a.dumpMs), `${f0(backup.snapshotMs / k)} ms`, `${f0(a.dumpMs / ak)} ms`, ratio(backup.snapshotMs / k, a.dumpMs / ak)],
        ["backup ÷ dump (size, compressed)", mib(backup.bytes), mib(a.dumpGzBytes), ratio(backup.bytes, a.dumpGzBytes), `${f1(backup.bytes / 1024 / k)} KiB`, `${f1(a.dumpGzBytes / 1024 / ak)} KiB`, ratio(backup.bytes / k, a.dumpGzBytes / ak)],
        ["restore + start ÷ load", secs(restore.ms + restore.startMs), secs(a.loadMs), ratio(restore.ms + restore.startMs, a.loadMs), `${f0((restore.ms + restore.startMs) / k)} ms`, `${f0(a.loadMs / ak)} ms`, ratio((restore.ms + restore.startMs) / k, a.loadMs / ak)],
      ]))
        out(l);
      out(`(ours: ${f0(txs)} transactions in ${f0(hist.history.height)} blocks plus the load's; anvil: ${f0(a.txs)} in ${f0(a.blocks)} blocks — hence the per-1,000-transaction columns)`);
    }
  }

  const problems = logs.map((l) => ({ ...l, p: [...logProblems(l.file)].sort((a, b) => b[1] - a[1]) })).filter((l) => l.p.length > 0);
  if (problems.length > 0) {
    out(`\n## Notes: warnings and errors in the node logs\n`);
    for (const l of problems) for (const [m, n] of l.p.slice(0, 5)) out(`${l.name} ×${n}: ${m}`);
  }

  out(`\n## Summary\n`);
  const rows: string[][] = [["", "figure", "target / peer"]];
  if (hist) rows.push(["history", `${f0(hist.history.height)} blocks, ${f0(txs)} transactions, built in ${secs(hist.ms)}, data dir ${mib(hist.bytes)}`, ""]);
  if (backup)
    rows.push([
      "backup",
      `${secs(backup.snapshotMs)} (call ${secs(backup.wallMs)}), ${mib(backup.bytes)} compressed / ${mib(backup.rawBytes)} raw; longest block interval ${f0(backup.during.max)} ms during it (${f0(backup.baseline.max)} ms without)`,
      `≤ 2 × ${period} ms: ${backup.during.max <= 2 * period ? "reached" : "not reached"}${anvil ? `; anvil dump ${secs(anvil.dumpMs)}, ${mib(anvil.dumpGzBytes)}` : ""}`,
    ]);
  if (restore) rows.push(["restore (RTO)", `${secs(restore.ms)} restore + ${secs(restore.startMs)} start = ${secs(restore.ms + restore.startMs)}`, `≤ 60 s: ${restore.ms <= 60_000 ? "reached" : "not reached"}${anvil ? `; anvil load ${secs(anvil.loadMs)}` : ""}`]);
  if (snap) rows.push(["snapshot sync", snap.reached ? secs(snap.ms) : "did not reach the head", ""]);
  if (replay) rows.push(["full replay", replay.reached || replay.extrapolated ? `${secs(replay.ms)}${replay.extrapolated ? " (extrapolated)" : ""}` : "did not reach the head", ""]);
  if (snap && replay && Number.isFinite(snap.ms) && Number.isFinite(replay.ms)) rows.push(["replay ÷ snapshot sync", `${(replay.ms / snap.ms).toFixed(1)}×`, `≥ 10×: ${replay.ms / snap.ms >= 10 ? "reached" : "not reached"}`]);
  if (anvil) rows.push(["anvil peer", `${f0(anvil.txs)} txs: dump ${secs(anvil.dumpMs)} (${mib(anvil.dumpGzBytes)} gzip, ${mib(anvil.jsonBytes)} JSON), load ${secs(anvil.loadMs)}`, "accounts, blocks, receipts; nothing verified on load"]);
  for (const l of table(rows, 3)) out(l);
  if (scopeNote) out(`\n${scopeNote}`);
}

main().catch((e: unknown) => {
  const err = e as Error & { hint?: string; details?: string };
  process.stderr.write(`error: ${err.message}${err.details ? ` (${err.details})` : ""}${err.hint ? `\nhint: ${err.hint}` : ""}\n`);
  process.exit(1);
});
