/**
 * Gas-free chain benchmark (issue #13): (a) the flood of bench/gasfree/flood.ts on four validators over a longer
 * window — honest inclusion, abusive gas vs quota, unsponsored share, time to report and to blacklist, refusals by
 * rule; (b) what the gas policy costs: the node benchmark's node1-value workload (bench/node) on a gas-free chain with
 * `gasFree.policy` true and false. Prints figures and decides nothing.
 *
 *   npm run bench:gas-free                               # flood 90 s, then 60 s with and 60 s without the policy
 *   npm run bench:gas-free -- --parts overhead --overhead-duration 120 --repeat 2
 *
 * See bench/README.md for what runs, each figure and the options.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseCommandLine } from "../../lib/args";
import { ArgumentError } from "../../lib/errors";
import { machine } from "../machine";
import { measurePolicyCost } from "./cost";
import { genesisFile, logProblems, startLuniverse, type System } from "../node/chains";
import { BlockTracker, drive, percentile, sendAndWait, sleep, type DriveResult } from "../node/measure";
import { installCleanup, registerTempDir, removeTempDirs, stopProc } from "../node/procs";
import { RpcClient } from "../node/rpc";
import { benchAccounts, devAccounts, GAS, MAX_FEE, planBatches, Signer, type Account } from "../node/workload";
import { FLOOD_RATES, floodKeys, floodPolicy, floodSystemConfig, formatFlood, runFlood, type FloodResult } from "./flood";

const PARTS = ["flood", "overhead", "cost"] as const;
type Part = (typeof PARTS)[number];

interface Options {
  parts: Part[];
  durationS: number;
  overheadDurationS: number;
  repeat: number;
  rates: { fresh: number; sponsored: number; honest: number };
  senders: number;
  clients: number;
  batch: number;
  maxTps: number;
  gasLimit: number;
  nodeHeapMiB: number | null;
  genesisDir: string | null;
  json: string | null;
  keep: boolean;
}

const USAGE = `usage: npm run bench:gas-free -- [options]
  --parts A,B              flood, overhead and/or cost (the policy's own CPU per transaction) (default: all)
  --duration S             the flood's window, seconds (default 90, 10..1800)
  --rates F,S,H            transactions per second per key: fresh abusers, sponsored abusers, honest users
                           (default ${FLOOD_RATES.fresh},${FLOOD_RATES.sponsored},${FLOOD_RATES.honest})
  --overhead-duration S    window of each overhead run (default 60, 5..1800)
  --repeat N               overhead runs per mode, alternating without/with the policy (default 1)
  --senders N              overhead: sending accounts, all sponsored (default 2000)
  --clients N              overhead: concurrent HTTP clients (default 4)
  --batch N                overhead: transactions per JSON-RPC batch (default 200)
  --max-tps N              overhead: pre-sign duration x N transactions (default 5000)
  --gas-limit N            block gas limit of the flood's genesis (default 60000000, the node's default;
                           the overhead runs use bench/node's 300000000)
  --node-heap-mib N        start each node with node --max-old-space-size=N (default 384; 0: V8's own limit)
  --genesis-dir DIR        reuse/keep genesis files in DIR (default: built in the run's temp folder)
  --json FILE              also write the results as JSON
  --keep                   keep the temp folder (configs, node logs, data) and print its path
  --help, -h               this text`;

function parseArgs(argv: string[]): Options {
  const { values: v } = parseCommandLine(
    argv,
    {
      parts: { type: "string" },
      duration: { type: "string" },
      rates: { type: "string" },
      "overhead-duration": { type: "string" },
      repeat: { type: "string" },
      senders: { type: "string" },
      clients: { type: "string" },
      batch: { type: "string" },
      "max-tps": { type: "string" },
      "gas-limit": { type: "string" },
      "node-heap-mib": { type: "string" },
      "genesis-dir": { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (flag: string, value: string, min: number, max: number) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new ArgumentError("ARG_INVALID", flag, `--${flag}: expected an integer ${min}..${max}, got "${value}"`);
    return n;
  };
  const opt = (flag: keyof typeof v & string, min: number, max: number, otherwise: number): number => {
    const value = v[flag];
    return typeof value === "string" ? int(flag, value, min, max) : otherwise;
  };
  const parts =
    v.parts === undefined
      ? [...PARTS]
      : v.parts.split(",").map((p) => {
          const s = p.trim();
          if (!(PARTS as readonly string[]).includes(s)) throw new ArgumentError("ARG_INVALID", "parts", `--parts: unknown part "${s}" (known: ${PARTS.join(", ")})`);
          return s as Part;
        });
  let rates: Options["rates"] = { ...FLOOD_RATES };
  if (v.rates !== undefined) {
    const r = v.rates.split(",").map((s) => int("rates", s.trim(), 0, 100));
    if (r.length !== 3) throw new ArgumentError("ARG_INVALID", "rates", `--rates: three integers F,S,H, got "${v.rates}"`);
    rates = { fresh: r[0]!, sponsored: r[1]!, honest: r[2]! };
  }
  return {
    parts,
    durationS: opt("duration", 10, 1800, 90),
    overheadDurationS: opt("overhead-duration", 5, 1800, 60),
    repeat: opt("repeat", 1, 10, 1),
    rates,
    senders: opt("senders", 2, 20_000, 2000),
    clients: opt("clients", 1, 64, 4),
    batch: opt("batch", 1, 5000, 200),
    maxTps: opt("max-tps", 1, 100_000, 5000),
    gasLimit: opt("gas-limit", 1_000_000, Number.MAX_SAFE_INTEGER, 60_000_000),
    nodeHeapMiB: ((n) => (n === 0 ? null : n))(opt("node-heap-mib", 0, 65_536, 384)),
    genesisDir: v["genesis-dir"] === undefined ? null : path.resolve(v["genesis-dir"]),
    json: v.json === undefined ? null : path.resolve(v.json),
    keep: v.keep === true,
  };
}

const log = (msg: string) => process.stderr.write(`[bench:gas-free] ${msg}\n`);
const f0 = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
const sec = (ms: number | null) => (ms === null ? "–" : (ms / 1000).toFixed(2));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

function systemContract(genesis: string, name: string): string {
  const file = JSON.parse(readFileSync(genesis, "utf8")) as { luniverse: { systemContracts: Record<string, string> } };
  const address = file.luniverse.systemContracts[name];
  if (address === undefined) throw new Error(`${name} is not in ${genesis}: build the genesis from contracts that include it`);
  return address;
}

async function waitForHeight(url: string, h: number, timeoutMs: number): Promise<void> {
  const rpc = new RpcClient(url, 10_000);
  const deadline = performance.now() + timeoutMs;
  try {
    while (Number(BigInt(await rpc.call<string>("eth_blockNumber"))) < h) {
      if (performance.now() > deadline) throw new Error(`height ${h} not reached on ${url} within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  } finally {
    rpc.close();
  }
}

/** warn/error lines of the system's node logs, most frequent first. */
function problems(sys: System, top: number): string[] {
  const all = new Map<string, number>();
  for (const p of sys.procs) for (const [k, n] of logProblems(p.logFile)) all.set(`${p.name} ${k}`, (all.get(`${p.name} ${k}`) ?? 0) + n);
  return [...all]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, n]) => `${f0(n)}x ${k}`);
}

// ---------------------------------------------------------------------------------------------------------------
// (a) the flood

async function floodPart(o: Options, tmp: string): Promise<{ result: FloodResult; logNotes: string[]; exitCodes: (number | null)[] }> {
  const keys = floodKeys();
  const params = floodPolicy(o.durationS, o.rates.honest);
  const g = await genesisFile({
    dir: o.genesisDir ?? path.join(tmp, "genesis"),
    validators: 4,
    gasLimit: o.gasLimit,
    gasFree: true,
    systemConfig: floodSystemConfig(keys, params, devAccounts(1)[0]!.address),
    log,
  });
  const dir = mkdtempSync(path.join(tmp, "flood-"));
  const sys = await startLuniverse({
    dir,
    genesis: g.file,
    chainId: g.chainId,
    validators: 4,
    maxTxsPerBlock: 5000,
    blockPeriodMs: 1000,
    heapMiB: o.nodeHeapMiB,
    // the policy on, and the per-sender rate limit out of the way: the policy is what is measured
    nodeConfig: { gasFree: { enabled: true, policy: true, maxTxPerSenderPerMinute: 1_000_000 } },
  });
  try {
    await Promise.all(sys.urls.map((u) => waitForHeight(u, 2, 60_000)));
    log(`flood: ${o.durationS} s on 4 validators (load average ${load()}) ...`);
    const result = await runFlood({
      urls: sys.urls,
      chainId: g.chainId,
      keys,
      params,
      policyAddress: systemContract(g.file, "GasPolicy"),
      durationMs: o.durationS * 1000,
      rates: o.rates,
      log: (line) => log(`  flood ${line}`),
    });
    const exitCodes = await Promise.all(sys.procs.map((p) => stopProc(p)));
    return { result, logNotes: problems(sys, 8), exitCodes };
  } finally {
    await Promise.all(sys.procs.map((p) => stopProc(p, 5000)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (b) the policy's admission overhead: bench/node's node1-value workload with the policy on and off

interface OverheadRun {
  policy: boolean;
  tps: number;
  drive: DriveResult;
  loadBefore: string;
  logNotes: string[];
  /** The run failed (its figures are absent): why. */
  error?: string;
}

/** The gas policy of the overhead genesis: every bench sender sponsored, nothing a bench transaction could hit. */
function permissivePolicy(senders: Account[]): Record<string, unknown> {
  return {
    gasPolicy: {
      windowSeconds: 3600,
      maxTxGas: 1_000_000,
      defaultAccountQuota: 1_000_000_000_000,
      unsponsoredShareBps: 10_000,
      abuseGasPerWindow: 0,
      abuseRevertsPerWindow: 0,
      abuseRejectionsPerWindow: 0,
      reportBlacklistSeconds: 3600,
      sponsors: [{ name: "bench", admin: devAccounts(1)[0]!.address, budgetPerWindow: "18000000000000000000", accounts: senders.map((s) => s.address) }],
    },
  };
}

/** Funds the bench senders from the dev accounts that are not validators (as bench/node does). */
async function fundSenders(sys: System, rpc: RpcClient, tracker: BlockTracker, senders: Account[], amount: bigint): Promise<void> {
  const dev = devAccounts(20);
  const signer = new Signer(sys.chainId);
  const nonces = await Promise.all(sys.funders.map(async (f) => BigInt(await rpc.call<string>("eth_getTransactionCount", [dev[f]!.address, "pending"]))));
  const txs = senders.map((s, i) => {
    const k = i % sys.funders.length;
    const tx = signer.sign(dev[sys.funders[k]!]!.key, { nonce: nonces[k]!, to: s.address, value: amount, gasLimit: GAS.value });
    nonces[k]!++;
    return tx;
  });
  await sendAndWait(rpc, tracker, txs, "funding the senders");
}

async function overheadRun(o: Options, tmp: string, genesis: { file: string; chainId: bigint }, policy: boolean): Promise<OverheadRun> {
  const dir = mkdtempSync(path.join(tmp, `overhead-policy-${policy ? "on" : "off"}-`));
  const loadBefore = load();
  const sys = await startLuniverse({
    dir,
    genesis: genesis.file,
    chainId: genesis.chainId,
    validators: 1,
    maxTxsPerBlock: 20_000,
    blockPeriodMs: 1000,
    heapMiB: o.nodeHeapMiB,
    nodeConfig: { gasFree: { enabled: true, policy, maxTxPerSenderPerMinute: 1_000_000 } },
  });
  const tracker = new BlockTracker(sys.urls[0]!);
  const rpc = new RpcClient(sys.urls[0]!);
  try {
    await tracker.start();
    await waitForHeight(sys.urls[0]!, 1, 60_000);
    const durationS = o.overheadDurationS;
    const perSender = Math.ceil((durationS * o.maxTps) / o.senders) + 1;
    const senders = benchAccounts(o.senders);
    const amount = BigInt(perSender + 2) * (GAS.value * MAX_FEE + 1n) + 10n ** 18n;
    log(`overhead, policy ${policy ? "on" : "off"}: funding ${o.senders} senders ...`);
    await fundSenders(sys, rpc, tracker, senders, amount);
    log(`overhead, policy ${policy ? "on" : "off"}: pre-signing ${f0(perSender * o.senders)} transactions ...`);
    const plans = planBatches({ signer: new Signer(sys.chainId), workload: "value", senders, firstNonce: 0n, perSender, clients: o.clients, batchSize: o.batch, token: null });
    const h = tracker.height;
    while (tracker.height < h + 1) await sleep(50);
    log(`overhead, policy ${policy ? "on" : "off"}: measuring for ${durationS} s (load average ${load()}) ...`);
    const res = await drive({
      urls: sys.urls,
      plans,
      tracker,
      durationMs: durationS * 1000,
      backlog: null,
      minBacklog: 2000,
      drainMs: 15_000,
      onStatus: (st) => log(`  policy ${policy ? "on" : "off"} ${st.elapsedS.toFixed(0)} s: ${f0(st.included)} included, ${f0(st.sent - st.included)} waiting, ${st.tps10s.toFixed(0)} tx/s (last 10 s), height ${st.height}`),
    });
    await tracker.stop();
    await Promise.all(sys.procs.map((p) => stopProc(p)));
    return { policy, tps: res.includedInWindow / durationS, drive: res, loadBefore, logNotes: problems(sys, 5) };
  } finally {
    rpc.close();
    await tracker.stop().catch(() => undefined);
    await Promise.all(sys.procs.map((p) => stopProc(p, 5000)));
  }
}

async function overheadPart(o: Options, tmp: string): Promise<OverheadRun[]> {
  const senders = benchAccounts(o.senders);
  const genesis = await genesisFile({ dir: o.genesisDir ?? path.join(tmp, "genesis"), validators: 1, gasLimit: 300_000_000, gasFree: true, systemConfig: permissivePolicy(senders), log });
  const runs: OverheadRun[] = [];
  for (let i = 0; i < o.repeat; i++) {
    for (const policy of [false, true]) {
      try {
        runs.push(await overheadRun(o, tmp, genesis, policy));
      } catch (e) {
        log(`overhead, policy ${policy ? "on" : "off"}: ${(e as Error).message}`);
        runs.push({ policy, tps: NaN, drive: undefined as unknown as DriveResult, loadBefore: "", logNotes: [], error: (e as Error).message.split("\n")[0] });
      }
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(" | ")} |`;
  return [line(rows[0]!), `|${w.map((x, c) => (c === 0 ? ` ${"-".repeat(x)} ` : ` ${"-".repeat(x - 1)}: `)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

function printOverhead(runs: OverheadRun[], o: Options): { on: number; off: number; ratio: number } | null {
  const rows = [["gasFree.policy", "TPS", "block p50/p99 s", "finality p50/p99 s", "accepted", "rejected", "in blocks", "load avg before"]];
  for (const r of runs) {
    if (r.error !== undefined) {
      rows.push([r.policy ? "true" : "false", "error", "", "", "", "", "", r.loadBefore]);
      continue;
    }
    const d = r.drive;
    rows.push([
      r.policy ? "true" : "false",
      `${d.exhausted ? "≥" : ""}${f0(r.tps)}`,
      `${sec(percentile(d.blockIntervalsMs, 50))} / ${sec(percentile(d.blockIntervalsMs, 99))}`,
      `${sec(percentile(d.finalityMs, 50))} / ${sec(percentile(d.finalityMs, 99))}`,
      f0(d.accepted),
      f0(d.rejected),
      f0(d.includedTotal),
      r.loadBefore,
    ]);
  }
  console.log(table(rows));
  const mean = (p: boolean) => {
    const xs = runs.filter((r) => r.policy === p && r.error === undefined).map((r) => r.tps);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const on = mean(true);
  const off = mean(false);
  if (!(off > 0) || !(on > 0)) return null;
  const ratio = on / off;
  console.log(
    `\nTPS with the policy / without: ${ratio.toFixed(3)} (${f0(on)} vs ${f0(off)}${o.repeat > 1 ? `, means of ${o.repeat} runs each` : ""}) — the policy costs ${(100 * (1 - ratio)).toFixed(1)} % TPS` +
      ` [${1 - ratio <= 0.05 ? "reached" : "not reached"}: ≤ 5 %, reported, not asserted]`,
  );
  console.log(
    `Workload: bench/node's node1-value — ${o.senders} senders (all sponsored by one sponsor), ${o.clients} clients, ${o.batch} tx per batch, pre-signed EIP-1559 1-wei transfers, ${o.overheadDurationS} s per run; one validator, gas-free genesis (gas limit 300,000,000), maxTxsPerBlock 20,000.`,
  );
  const notes: string[] = [];
  for (const r of runs) {
    const tag = `policy ${r.policy ? "on" : "off"}`;
    if (r.error !== undefined) {
      notes.push(`  ${tag}: ERROR ${r.error}`);
      continue;
    }
    if (r.drive.exhausted) notes.push(`  ${tag}: used every pre-signed transaction before the window ended; TPS is a lower bound (raise --max-tps)`);
    for (const [m, n] of r.drive.errors) notes.push(`  ${tag}: ${f0(n)} rejected: ${m}`);
    if (r.drive.notIncluded > 0) notes.push(`  ${tag}: ${f0(r.drive.notIncluded)} accepted transactions were not in a block 15 s after the window`);
    for (const e of r.drive.transportErrors.slice(0, 3)) notes.push(`  ${tag}: transport error at ${e}`);
    for (const l of r.logNotes) notes.push(`  ${tag}: log ${l}`);
  }
  if (notes.length > 0) console.log(`Notes:\n${notes.join("\n")}`);
  return { on, off, ratio };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  installCleanup();
  const tmp = mkdtempSync(path.join(tmpdir(), "luniverse-bench-gasfree-"));
  if (!o.keep) registerTempDir(tmp);
  console.log(`bench:gas-free — ${machine()}`);
  console.log(`parts: ${o.parts.join(", ")}; load average at start ${load()}`);
  const out: Record<string, unknown> = { machine: machine(), options: o };

  if (o.parts.includes("flood")) {
    try {
      const { result, logNotes, exitCodes } = await floodPart(o, tmp);
      console.log(`\n(a) The flood: 100 abusive keys (50 unsponsored, 50 in an "abusive DApp" sponsor) and 20 honest users, 4 validators, ${o.durationS} s`);
      for (const line of formatFlood(result)) console.log(`  ${line}`);
      const bad = exitCodes.map((c, i) => [c, i] as const).filter(([c]) => c !== 0 && c !== null);
      for (const [c, i] of bad) console.log(`  validator ${i + 1} exited with code ${c} on stop`);
      if (logNotes.length > 0) console.log(`  node logs (warn/error, most frequent):\n${logNotes.map((l) => `    ${l}`).join("\n")}`);
      out.flood = { ...result, unsponsored: { ...result.unsponsored, perBlock: result.unsponsored.perBlock.length } };
    } catch (e) {
      console.log(`\n(a) The flood: ERROR ${(e as Error).message}`);
      out.flood = { error: (e as Error).message };
    }
  }
  if (o.parts.includes("overhead")) {
    try {
      const runs = await overheadPart(o, tmp);
      console.log(`\n(b) The policy's admission overhead: node1-value on a gas-free chain, gasFree.policy false vs true`);
      const summary = printOverhead(runs, o);
      out.overhead = { runs: runs.map((r) => ({ policy: r.policy, error: r.error ?? null, tps: r.tps, loadBefore: r.loadBefore, accepted: r.drive?.accepted, rejected: r.drive?.rejected, included: r.drive?.includedTotal, errors: r.drive ? Object.fromEntries(r.drive.errors) : {} })), ...summary };
    } catch (e) {
      console.log(`\n(b) The policy's admission overhead: ERROR ${(e as Error).message}`);
      out.overhead = { error: (e as Error).message };
    }
  }
  if (o.parts.includes("cost")) {
    // (c) the policy's own CPU per transaction, in isolation (bench/gasfree/cost.ts), against the node's per-transaction budget
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await measurePolicyCost());
    const best = runs.reduce((a, b) => (b.totalUs < a.totalUs ? b : a));
    console.log(`\n(c) The policy's own CPU per transaction (node1-value's shape: 2,000 sponsored senders x 10 transfers; best of 3)`);
    console.log(`| admission check µs | building (candidates + filter) µs | counting a committed block µs | total µs |`);
    console.log(`| ---: | ---: | ---: | ---: |`);
    console.log(`| ${best.admissionUs.toFixed(2)} | ${best.selectUs.toFixed(2)} | ${best.countUs.toFixed(2)} | ${best.totalUs.toFixed(2)} |`);
    const without = (out.overhead as { off?: number } | undefined)?.off;
    const budgetUs = without ? 1e6 / without : null;
    if (budgetUs !== null) console.log(`= ${((100 * best.totalUs) / budgetUs).toFixed(1)} % of the ${budgetUs.toFixed(0)} µs of one core per transaction at the ${f0(without!)} TPS measured without the policy`);
    out.cost = best;
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(out, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
  if (o.keep) console.log(`\ntemp folder kept: ${tmp}`);
  else removeTempDirs();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench:gas-free: ${e.message}`);
    process.exit(1);
  },
);
