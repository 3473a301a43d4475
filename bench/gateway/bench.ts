/**
 * Gateway benchmark (issue #14): what the gateway (services/gateway) costs and spares, each figure straight to the
 * node and through the gateway side by side. Prints figures and decides nothing.
 *
 *   npm run bench:gateway                                   # every part (~6 min with the defaults)
 *   npm run bench:gateway -- --parts latency,cache --duration 20 --clients 64
 *   npm run bench:gateway -- --parts log,analytics --postgres postgres://postgres@127.0.0.1:5432/postgres
 *
 * Parts: latency (requests/s and added latency of cached reads, uncached reads and sends), cache (hit rate on an
 * explorer-like workload), log (request-log rows/s), analytics (query time over 1,000,000 logged requests), tps (the
 * node benchmark's node1-value straight and through the gateway). See bench/README.md for what each figure means.
 */
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { parseCommandLine } from "../../lib/args";
import { ArgumentError } from "../../lib/errors";
import { openStore } from "../../services/gateway/store";
import type { GatewayStore } from "../../services/gateway/types";
import { machine } from "../machine";
import { REPO } from "../node/chains";
import { startGatewayProc, type GatewayProc } from "../node/gateway";
import { installCleanup, peakRssKiB, registerTempDir, removeTempDirs, stopProc } from "../node/procs";
import { summarizeProfile, type ProfileSummary } from "../node/profile";
import { measureExplorer, type ExplorerResult } from "./explorer";
import { KINDS, measureLatency, type Kind, type LatencyRun } from "./latency";
import { pct } from "./load";
import { fill, measureWrites, timeQueries, type QueryTiming, type WriteResult } from "./store";
import { fundingFor, startBenchNode, type BenchNode } from "./system";
import { measureTps, type TpsRun } from "./tps";

const PARTS = ["latency", "cache", "log", "analytics", "tps"] as const;
type Part = (typeof PARTS)[number];

interface Options {
  parts: Part[];
  kinds: Kind[];
  durationS: number;
  tpsDurationS: number;
  clients: number;
  users: number;
  logRows: number;
  rows: number;
  postgres: string | null;
  profileGateway: string | null;
  json: string | null;
  keep: boolean;
}

const USAGE = `usage: npm run bench:gateway -- [options]
  --parts A,B              any of ${PARTS.join(", ")} (default: all)
  --kinds A,B              the latency part's requests: any of ${KINDS.join(", ")} (default: all)
  --duration S             measured window of each latency run and of the explorer workload (default 10), and of
                           each tps run (default 30 when --duration is not given)
  --clients N              concurrent HTTP clients of the latency runs (default 32; every kind also runs with 1)
  --users N                explorer users of the cache part (default 8)
  --log-rows N             rows written by the log part (default 200000)
  --rows N                 logged requests the analytics part fills in (default 1000000)
  --postgres URL           also measure the log and analytics parts on this PostgreSQL server (a fresh schema,
                           dropped afterwards); without it PostgreSQL is skipped
  --profile-gateway FILE   run the latency part's gateway under node --cpu-prof, keep the .cpuprofile in FILE and
                           print its top self-time functions
  --json FILE              also write the results as JSON
  --keep                   keep the temp folder (configs, node and gateway logs, stores) and print its path
  --help, -h               this text`;

function parseArgs(argv: string[]): Options {
  const { values: v } = parseCommandLine(
    argv,
    {
      parts: { type: "string" },
      kinds: { type: "string" },
      duration: { type: "string" },
      clients: { type: "string" },
      users: { type: "string" },
      "log-rows": { type: "string" },
      rows: { type: "string" },
      postgres: { type: "string" },
      "profile-gateway": { type: "string" },
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
  const int = (flag: keyof typeof v & string, min: number, max: number, otherwise: number): number => {
    const value = v[flag];
    if (typeof value !== "string") return otherwise;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new ArgumentError("ARG_INVALID", flag, `--${flag}: expected an integer ${min}..${max}, got "${value}"`);
    return n;
  };
  const parts = v.parts === undefined ? [...PARTS] : v.parts.split(",").map((s) => s.trim());
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new ArgumentError("ARG_INVALID", "parts", `--parts: unknown part "${p}" (known: ${PARTS.join(", ")})`);
  if (v.postgres !== undefined && !/^postgres(ql)?:\/\//.test(v.postgres)) throw new ArgumentError("ARG_INVALID", "postgres", `--postgres: expected a URL such as postgres://user:password@127.0.0.1:5432/db, got "${v.postgres}"`);
  const kinds = v.kinds === undefined ? [...KINDS] : v.kinds.split(",").map((s) => s.trim());
  for (const k of kinds) if (!(KINDS as readonly string[]).includes(k)) throw new ArgumentError("ARG_INVALID", "kinds", `--kinds: unknown kind "${k}" (known: ${KINDS.join(", ")})`);
  const durationS = int("duration", 2, 1800, 10);
  return {
    parts: parts as Part[],
    kinds: kinds as Kind[],
    durationS,
    tpsDurationS: v.duration === undefined ? 30 : durationS,
    clients: int("clients", 1, 1024, 32),
    users: int("users", 1, 256, 8),
    logRows: int("log-rows", 500, 10_000_000, 200_000),
    rows: int("rows", 1000, 10_000_000, 1_000_000),
    postgres: v.postgres ?? null,
    profileGateway: v["profile-gateway"] === undefined ? null : path.resolve(v["profile-gateway"]),
    json: v.json === undefined ? null : path.resolve(v.json),
    keep: v.keep === true,
  };
}

const log = (msg: string) => process.stderr.write(`[bench:gateway] ${msg}\n`);
/** The 1-minute load average, printed before each part: the figures are only as good as the machine is quiet. */
const load = (): string => `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;

// ---------------------------------------------------------------------------------------------------------------
// Printing

const f0 = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–");
const f1 = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : "–");
const ms2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const signed = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(2)}` : "–");
const pc = (n: number) => (Number.isFinite(n) ? `${(100 * n).toFixed(1)} %` : "–");

function table(rows: string[][], left = 1): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((x, c) => (c < left ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(" | ")} |`;
  return [line(rows[0]!), `|${w.map((x, c) => (c < left ? ` ${"-".repeat(x)} ` : ` ${"-".repeat(x - 1)}: `)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

const KIND_LABEL = { cached: "cached read (eth_getBlockByNumber, final)", uncached: "uncached read (eth_getBalance, latest)", send: "eth_sendRawTransaction" } as const;

function printLatency(runs: LatencyRun[], o: Options, extra: { cachedBlockBytes: number; gatewayRssMiB: number | null; load: string }): void {
  console.log(`\n## 1. Requests/s and added latency — direct to the node vs through the gateway (${o.durationS} s per run; ${extra.load} before)\n`);
  const rows = [["requests", "clients", "req/s direct", "req/s gateway", "ratio", "p50 ms direct", "p50 gateway", "added p50", "p99 ms direct", "p99 gateway", "added p99", "X-Cache HIT", "errors d/g"]];
  for (const r of runs) {
    const d = r.direct;
    const g = r.gateway;
    const dp50 = pct(d.latenciesMs, 50);
    const gp50 = pct(g.latenciesMs, 50);
    const dp99 = pct(d.latenciesMs, 99);
    const gp99 = pct(g.latenciesMs, 99);
    rows.push([
      KIND_LABEL[r.kind],
      String(r.clients),
      `${d.exhausted ? "≥" : ""}${f0(d.rps)}`,
      `${g.exhausted ? "≥" : ""}${f0(g.rps)}`,
      d.rps > 0 ? (g.rps / d.rps).toFixed(2) : "–",
      ms2(dp50),
      ms2(gp50),
      signed(gp50 - dp50),
      ms2(dp99),
      ms2(gp99),
      signed(gp99 - dp99),
      g.requests > 0 ? pc(g.cache.hit / g.requests) : "–",
      `${f0(d.errors)}/${f0(g.errors)}`,
    ]);
  }
  console.log(table(rows, 1));
  console.log("\nCPU per request (ms of CPU time over the run, warm-up included ÷ requests sent; 2 cores shared by node, gateway and load generator):\n");
  const cpuRows = [["requests", "clients", "node (direct)", "node (via gateway)", "gateway", "load generator direct / gateway"]];
  for (const r of runs) {
    const per = (x: number, n: number) => (n > 0 ? (x / n).toFixed(3) : "–");
    cpuRows.push([KIND_LABEL[r.kind], String(r.clients), per(r.cpu.direct.node, r.direct.total), per(r.cpu.gateway.node, r.gateway.total), per(r.cpu.gateway.gateway, r.gateway.total), `${per(r.cpu.direct.bench, r.direct.total)} / ${per(r.cpu.gateway.bench, r.gateway.total)}`]);
  }
  console.log(table(cpuRows, 1));
  const one = runs.filter((r) => r.clients === 1 && o.clients !== 1);
  const added = one.map((r) => `${r.kind} ${signed(pct(r.gateway.latenciesMs, 50) - pct(r.direct.latenciesMs, 50))} ms`).join(", ");
  const cached = runs.find((r) => r.kind === "cached" && r.clients === o.clients);
  console.log(
    `\nCached block answers: ${f0(extra.cachedBlockBytes)} bytes on average (result only). Gateway peak RSS after the part: ${extra.gatewayRssMiB === null ? "–" : `${f0(extra.gatewayRssMiB)} MiB`}.` +
      `\nTargets (reported, not asserted): added p50 ≤ 1 ms with one client: ${added}` +
      (cached ? `; cached reads ≥ 10,000 req/s through the gateway: ${f0(cached.gateway.rps)} req/s with ${o.clients} clients.` : "."),
  );
  for (const r of runs) {
    for (const [w, x] of [["direct", r.direct], ["gateway", r.gateway]] as const) if (x.firstError) console.log(`  note: ${r.kind}, ${r.clients} client(s), ${w}: ${x.errors} errors, first: ${x.firstError}`);
  }
}

function printProfile(p: ProfileSummary): void {
  const busy = p.totalMs - p.idleMs;
  console.log(`\nCPU profile of the gateway during part 1 (node --cpu-prof): ${(p.totalMs / 1000).toFixed(1)} s sampled, ${((100 * busy) / p.totalMs).toFixed(0)} % busy. Percentages are of the busy time.\n`);
  console.log(table([["function", "where", "self ms", "%"], ...p.functions.map((e) => [e.name, e.where, f0(e.ms), e.pct.toFixed(1)])], 2));
  console.log("");
  console.log(table([["file or package", "self ms", "%"], ...p.files.map((e) => [e.name, f0(e.ms), e.pct.toFixed(1)])], 1));
}

function printExplorer(r: ExplorerResult, o: Options, loadBefore: string): void {
  console.log(`\n## 2. Cache hit rate — explorer-like workload through a fresh gateway (${o.users} users, ${o.durationS} s, ${f0(r.backgroundTxs)} background transfers; ${loadBefore} before)\n`);
  const rows = [["method", "requests", "X-Cache HIT", "hit rate"]];
  for (const m of r.byMethod) rows.push([m.method, f0(m.requests), f0(m.hits), pc(m.hits / m.requests)]);
  rows.push(["all", f0(r.requests), f0(r.hits), pc(r.hits / r.requests)]);
  console.log(table(rows, 1));
  const { hitRatio, hits, misses } = r.metrics;
  console.log(
    `\n${f0(r.pages)} page loads. Node requests spared: ${f0(r.hits)} of ${f0(r.requests)} (${pc(r.hits / r.requests)}): every HIT is a request no node answered.` +
      `\nGateway /metrics: luniverse_gateway_cache_hit_ratio ${hitRatio === null ? "–" : hitRatio.toFixed(3)} (hits ${hits === null ? "–" : f0(hits)} / cacheable lookups ${hits === null || misses === null ? "–" : f0(hits + misses)}; eth_blockNumber and balances at latest are not cacheable and not counted there).` +
      (r.errors > 0 ? `\n  note: ${r.errors} errors, first: ${r.firstError}` : ""),
  );
}

interface LogResults {
  sqlite: WriteResult;
  postgres: WriteResult | null;
}

function printLog(r: LogResults, o: Options, loadBefore: string): void {
  console.log(`\n## 3. Request-log writes — store.appendRequests in batches of 500 (${f0(o.logRows)} rows, fresh store; ${loadBefore} before)\n`);
  const rows = [["store", "rows/s", "batch p50 ms", "batch p99 ms", "rows", "s"]];
  for (const [name, w] of [["SQLite (WAL, synchronous=NORMAL)", r.sqlite], ["PostgreSQL", r.postgres]] as const) {
    if (w === null) rows.push([`${name}: skipped (pass --postgres URL)`, "", "", "", "", ""]);
    else rows.push([name, f0(w.rowsPerSecond), ms2(w.batchP50Ms), ms2(w.batchP99Ms), f0(w.rows), f1(w.seconds)]);
  }
  console.log(table(rows, 1));
}

interface AnalyticsRun {
  store: "sqlite" | "postgres";
  rows: number;
  fillS: number;
  raw: QueryTiming[];
  rollupS: number;
  rolled: number;
  queries: QueryTiming[];
}

function printAnalytics(runs: AnalyticsRun[], o: Options, loadBefore: string): void {
  console.log(`\n## 4. Analytics queries over ${f0(o.rows)} logged requests (24 h, 50 keys, 15 methods, 1,000 IPs; ${loadBefore} before)\n`);
  const rows = [["store", "fill s (rows/s)", "before roll-up: p50 / max ms (n)", "rollup() s", "after: p50 ms", "p95 ms", "max ms", "queries", "by kind p50 ms"]];
  for (const r of runs) {
    const sorted = r.queries.map((q) => q.ms).sort((a, b) => a - b);
    const raw = r.raw.map((q) => q.ms).sort((a, b) => a - b);
    const kinds = [...new Set(r.queries.map((q) => q.label))].map((l) => `${l} ${ms2(pct(r.queries.filter((q) => q.label === l).map((q) => q.ms).sort((a, b) => a - b), 50))}`);
    rows.push([
      r.store === "sqlite" ? "SQLite" : "PostgreSQL",
      `${f1(r.fillS)} (${f0(r.rows / r.fillS)})`,
      raw.length === 0 ? "–" : `${ms2(pct(raw, 50))} / ${ms2(raw.at(-1)!)} (${raw.length})`,
      `${f1(r.rollupS)} (${f0(r.rolled)} rows)`,
      ms2(pct(sorted, 50)),
      ms2(pct(sorted, 95)),
      ms2(sorted.at(-1)!),
      String(sorted.length),
      kinds.join("; "),
    ]);
  }
  if (!runs.some((r) => r.store === "postgres")) rows.push(["PostgreSQL: skipped (pass --postgres URL)", "", "", "", "", "", "", "", ""]);
  console.log(table(rows, 1));
  const bad = runs.flatMap((r) => r.queries.filter((q) => q.label.startsWith("day") && !q.label.includes(",") && Math.abs(q.requests - r.rows) > r.rows * 0.05));
  if (bad.length > 0) console.log(`  note: ${bad.length} whole-day queries counted far from ${f0(o.rows)} requests (first: ${f0(bad[0]!.requests)})`);
}

function printTps(runs: TpsRun[], o: Options, loadBefore: string): void {
  console.log(`\n## 5. Node benchmark node1-value (bench/node) straight to the node vs through the gateway (${o.tpsDurationS} s each; ${loadBefore} before)\n`);
  const rows = [["mode", "TPS", "accepted", "rejected", "finality p99 s", "log"]];
  for (const r of runs) rows.push([r.mode, r.tps === null ? `error: ${r.error}` : `${r.exhausted ? "≥" : ""}${f0(r.tps)}`, r.accepted === null ? "–" : f0(r.accepted), r.rejected === null ? "–" : f0(r.rejected), r.finalityP99S === null ? "–" : r.finalityP99S.toFixed(2), o.keep ? r.logFile : "(--keep)"]);
  console.log(table(rows, 1));
  const d = runs.find((r) => r.mode === "direct")?.tps ?? null;
  for (const r of runs) {
    if (r.mode === "direct" || d === null || r.tps === null || d <= 0) continue;
    console.log(`TPS through the ${r.mode} / direct: ${(r.tps / d).toFixed(2)} (target ≥ 0.90, reported, not asserted)`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parts

async function pgStore(url: string): Promise<{ store: GatewayStore; drop: () => Promise<void> }> {
  const schema = `bench_gateway_${randomBytes(4).toString("hex")}`;
  const store = await openStore({ kind: "postgres", url, schema });
  return {
    store,
    drop: async () => {
      await store.close();
      const { default: pg } = await import("pg");
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

async function analyticsRun(kind: "sqlite" | "postgres", store: GatewayStore, rows: number): Promise<AnalyticsRun> {
  const now = Date.now();
  log(`  ${kind}: filling ${f0(rows)} rows ...`);
  const fillS = await fill(store, rows, now, (n) => (n % 250_000 === 0 ? log(`    ${f0(n)} rows`) : undefined));
  log(`  ${kind}: 6 queries before the roll-up (every row raw) ...`);
  const raw = await timeQueries(store, 6, now, 3);
  log(`  ${kind}: rollup() ...`);
  const t = performance.now();
  const rolled = await store.rollup(now);
  const rollupS = (performance.now() - t) / 1000;
  log(`  ${kind}: 50 queries ...`);
  const queries = await timeQueries(store, 50, now, 5);
  return { store: kind, rows, fillS, raw, rollupS, rolled, queries };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  installCleanup();
  const tmp = mkdtempSync(path.join(tmpdir(), "luniverse-bench-gateway-"));
  if (!o.keep) registerTempDir(tmp);
  console.log(`bench:gateway — ${machine()}`);
  console.log(`parts: ${o.parts.join(", ")}; ${o.durationS} s per latency run, ${o.clients} clients (and 1)${o.postgres ? "; PostgreSQL at --postgres" : ""}`);
  const out: Record<string, unknown> = { machine: machine(), options: o };
  const has = (p: Part) => o.parts.includes(p);

  if (has("latency") || has("cache")) {
    const warmupMs = Math.min(3000, Math.max(1000, o.durationS * 200));
    const G = 400;
    const perSender = (clients: number) => Math.ceil((((o.durationS * 1000 + warmupMs) / 1000) * (clients > 1 ? 8000 : 3000)) / G) + 1;
    const node: BenchNode = await startBenchNode({ tmp, senders: 4 * G + 100, amount: fundingFor(perSender(2)), log });
    try {
      if (has("latency")) {
        const profDir = o.profileGateway ? mkdtempSync(path.join(tmp, "gateway-cpuprof-")) : null;
        const gw: GatewayProc = await startGatewayProc({ dir: path.join(tmp, "gateway-latency"), chainId: node.sys.chainId, urls: node.sys.urls, ...(profDir ? { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir] } : {}) });
        const loadBefore = load();
        log(`part 1: gateway ${gw.url}; ${loadBefore}`);
        let res: Awaited<ReturnType<typeof measureLatency>>;
        let rss: number | null;
        try {
          res = await measureLatency({
            node,
            gatewayRpcUrl: gw.rpcUrl,
            gatewayPid: gw.proc.pid,
            clients: o.clients,
            kinds: o.kinds,
            durationMs: o.durationS * 1000,
            warmupMs,
            sendGroups: [0, 1, 2, 3].map((g) => node.senders.slice(g * G, (g + 1) * G)),
            perSender,
            log,
          });
          rss = peakRssKiB(gw.proc.pid);
        } finally {
          await stopProc(gw.proc, 10_000);
        }
        printLatency(res.runs, o, { cachedBlockBytes: res.cachedBlockBytes, gatewayRssMiB: rss === null ? null : rss / 1024, load: loadBefore });
        out.latency = res.runs.map((r) => ({
          kind: r.kind,
          clients: r.clients,
          ...Object.fromEntries(
            (["direct", "gateway"] as const).map((w) => [w, { rps: r[w].rps, requests: r[w].requests, p50Ms: pct(r[w].latenciesMs, 50), p99Ms: pct(r[w].latenciesMs, 99), errors: r[w].errors, cache: r[w].cache, exhausted: r[w].exhausted, cpuMs: r.cpu[w] }]),
          ),
        }));
        out.cachedBlockBytes = res.cachedBlockBytes;
        out.gatewayPeakRssMiB = rss === null ? null : rss / 1024;
        if (profDir) {
          const f = readdirSync(profDir).filter((x) => x.endsWith(".cpuprofile"));
          if (f.length > 0) {
            const file = path.join(profDir, f[0]!);
            const p = summarizeProfile(file, REPO, 25);
            printProfile(p);
            copyFileSync(file, o.profileGateway!);
            out.gatewayProfile = p;
          } else log("the gateway wrote no .cpuprofile");
        }
      }
      if (has("cache")) {
        const gw = await startGatewayProc({ dir: path.join(tmp, "gateway-cache"), chainId: node.sys.chainId, urls: node.sys.urls });
        const loadBefore = load();
        log(`part 2: explorer workload through a fresh gateway ${gw.url} (${o.users} users, ${o.durationS} s; ${loadBefore}) ...`);
        try {
          const r = await measureExplorer({ node, gatewayUrl: gw.url, gatewayRpcUrl: gw.rpcUrl, users: o.users, durationMs: o.durationS * 1000, txPerSecond: 10, senders: node.senders.slice(4 * G), log });
          printExplorer(r, o, loadBefore);
          out.cache = r;
        } finally {
          await stopProc(gw.proc, 10_000);
        }
      }
    } finally {
      node.rpc.close();
      await node.tracker.stop().catch(() => undefined);
      await Promise.all(node.sys.procs.map((p) => stopProc(p, 10_000)));
    }
  }

  if (has("log")) {
    const loadBefore = load();
    log(`part 3: ${f0(o.logRows)} rows into a fresh SQLite store (${loadBefore}) ...`);
    const sqlite = await openStore({ kind: "sqlite", path: path.join(tmp, "log", "gateway.sqlite") });
    const s = await measureWrites(sqlite, o.logRows).finally(() => sqlite.close());
    let p: WriteResult | null = null;
    if (o.postgres) {
      log(`part 3: ${f0(o.logRows)} rows into PostgreSQL (fresh schema) ...`);
      const { store, drop } = await pgStore(o.postgres);
      p = await measureWrites(store, o.logRows).finally(drop);
    }
    printLog({ sqlite: s, postgres: p }, o, loadBefore);
    out.log = { sqlite: s, postgres: p };
  }

  if (has("analytics")) {
    const loadBefore = load();
    log(`part 4: analytics over ${f0(o.rows)} rows (${loadBefore}) ...`);
    const runs: AnalyticsRun[] = [];
    const sqlite = await openStore({ kind: "sqlite", path: path.join(tmp, "analytics", "gateway.sqlite") });
    runs.push(await analyticsRun("sqlite", sqlite, o.rows).finally(() => sqlite.close()));
    if (o.postgres) {
      const { store, drop } = await pgStore(o.postgres);
      runs.push(await analyticsRun("postgres", store, o.rows).finally(drop));
    }
    printAnalytics(runs, o, loadBefore);
    out.analytics = runs;
  }

  if (has("tps")) {
    const loadBefore = load();
    log(`part 5: node1-value, direct and through the gateway, ${o.tpsDurationS} s each (${loadBefore}) ...`);
    const runs = await measureTps({ tmp, durationS: o.tpsDurationS, log });
    printTps(runs, o, loadBefore);
    out.tps = runs;
  }

  console.log(`\nMachine: ${machine()}. The node, the gateway and the load generator share its cores: figures move with anything else running.`);
  if (o.json) writeFileSync(o.json, JSON.stringify(out, (_k, v: unknown) => (v instanceof Float64Array ? undefined : v), 2) + "\n");
  if (o.keep) console.log(`\ntemp folder kept: ${tmp}`);
  else removeTempDirs();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench:gateway: ${e.message}`);
    process.exit(1);
  },
);
