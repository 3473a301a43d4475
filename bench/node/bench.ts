/**
 * Node benchmark (issue #6): TPS, block interval, time to finality and peak memory of our PoA node — one validator
 * and four — and of anvil (automine and `--block-time 1`) on the same pre-signed workload, plus a CPU profile of
 * the node. Prints figures and decides nothing.
 *
 *   npm run bench:node                       # every scenario, 60 s each
 *   npm run bench:node -- --quick            # 10 s each (smoke run)
 *   npm run bench:node -- --scenarios node1-value,anvil-value --duration 120
 *
 * See bench/README.md for the options and what each figure means.
 */
import { mkdtempSync, copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { getCreateAddress } from "ethers";
import { parseCommandLine } from "../../lib/args";
import { ArgumentError } from "../../lib/errors";
import { machine } from "../machine";
import { genesisFile, logProblems, peakMemMiB, REPO, startAnvil, startLuniverse, type System } from "./chains";
import { startGatewayProc, type GatewayProc } from "./gateway";
import { BlockTracker, drive, percentile, sendAndWait, sleep, type DriveResult } from "./measure";
import { installCleanup, registerTempDir, removeTempDirs, stopProc } from "./procs";
import { summarizeProfile, type ProfileSummary } from "./profile";
import { RpcClient } from "./rpc";
import { benchAccounts, devAccounts, erc20, GAS, MAX_FEE, planBatches, Signer, type Account, type Hex, type Workload } from "./workload";

const SCENARIOS = ["node1-value", "node1-erc20", "node4-value", "node4-erc20", "anvil-value", "anvil-erc20", "anvil1s-value", "anvil1s-erc20"] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  durationS: number;
  scenarios: Scenario[];
  senders: number;
  clients: number;
  batch: number;
  anvilAutomineBatch: number;
  maxTps: number | null;
  backlog: number | null;
  gasLimit: number;
  maxTxsPerBlock: number;
  blockPeriodMs: number;
  recoveryWorkers: number | null;
  nodeHeapMiB: number | null;
  profile: Scenario | null;
  profileDurationS: number | null;
  profileOut: string | null;
  genesisDir: string | null;
  json: string | null;
  keep: boolean;
  gateway: boolean;
  /** Gateway config sections merged over bench/node/gateway.ts's (JSON; with --gateway). */
  gatewayConfig: Record<string, unknown> | null;
}

const USAGE = `usage: npm run bench:node -- [options]
  --duration S            measured window per scenario, seconds (default 60, at most 1800)
  --quick                 10 s per scenario (smoke run)
  --scenarios A,B         any of ${SCENARIOS.join(", ")} (default: all)
  --validators 1,4        only the node scenarios with these validator counts (anvil scenarios still run)
  --senders N             sending accounts (default 2000)
  --clients N             concurrent HTTP clients (default 4; spread over the validators)
  --batch N               transactions per JSON-RPC batch (default 200)
  --anvil-automine-batch N  the same against anvil automine (default 20: larger batches stall it)
  --max-tps N             pre-sign duration x N transactions (default 5000 value, 3000 erc20); a run that uses them
                          all is marked "exhausted" and its TPS is a lower bound
  --backlog N             fixed cap on sent-but-unincluded transactions (default: adaptive, 1.5 s of the recent rate)
  --gas-limit N           block gas limit of the genesis and anvil (default 300000000)
  --max-txs-per-block N   node consensus.maxTxsPerBlock (default 20000)
  --block-period MS       node consensus.blockPeriodMs (default 1000)
  --recovery-workers N    node pool.recoveryWorkers: sender-recovery threads per node (default: the node's, 1)
  --node-heap-mib N       start each node with node --max-old-space-size=N (default 384; 0: V8's own limit)
  --profile SCENARIO|none run SCENARIO once more under node --cpu-prof (default node1-value) and print the top functions
  --profile-duration S    window of the profiled run (default: min(duration, 30))
  --profile-out FILE      keep the .cpuprofile there (open in Chrome DevTools / speedscope)
  --genesis-dir DIR       reuse/keep genesis files in DIR (default: built in the run's temp folder)
  --gateway               send the load through a gateway process (services/gateway, limits off) in front of the
                          system's nodes instead of to the nodes directly (setup and block tracking stay direct)
  --gateway-config JSON   with --gateway: config sections over the bench's, e.g. '{"log":{"transactionSenders":false}}'
  --json FILE             also write the results as JSON
  --keep                  keep the temp folder (node logs, data) and print its path
  --help, -h              this text`;

function parseArgs(argv: string[]): Options {
  const { values: v } = parseCommandLine(
    argv,
    {
      duration: { type: "string" },
      quick: { type: "boolean" },
      scenarios: { type: "string" },
      validators: { type: "string" },
      senders: { type: "string" },
      clients: { type: "string" },
      batch: { type: "string" },
      "anvil-automine-batch": { type: "string" },
      "max-tps": { type: "string" },
      backlog: { type: "string" },
      "gas-limit": { type: "string" },
      "max-txs-per-block": { type: "string" },
      "block-period": { type: "string" },
      "recovery-workers": { type: "string" },
      "node-heap-mib": { type: "string" },
      profile: { type: "string" },
      "profile-duration": { type: "string" },
      "profile-out": { type: "string" },
      "genesis-dir": { type: "string" },
      json: { type: "string" },
      keep: { type: "boolean" },
      gateway: { type: "boolean" },
      "gateway-config": { type: "string" },
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
  const optOrNull = (flag: keyof typeof v & string, min: number, max: number): number | null => {
    const value = v[flag];
    return typeof value === "string" ? int(flag, value, min, max) : null;
  };
  const scenario = (flag: string, value: string): Scenario => {
    if (!(SCENARIOS as readonly string[]).includes(value)) throw new ArgumentError("ARG_INVALID", flag, `--${flag}: unknown scenario "${value}" (known: ${SCENARIOS.join(", ")})`);
    return value as Scenario;
  };
  const o: Options = {
    durationS: opt("duration", 1, 1800, v.quick ? 10 : 60),
    scenarios: v.scenarios === undefined ? [...SCENARIOS] : v.scenarios.split(",").map((s) => scenario("scenarios", s.trim())),
    senders: opt("senders", 2, 100_000, 2000),
    clients: opt("clients", 1, 256, 4),
    batch: opt("batch", 1, 5000, 200),
    anvilAutomineBatch: opt("anvil-automine-batch", 1, 5000, 20),
    maxTps: optOrNull("max-tps", 1, 1_000_000),
    backlog: optOrNull("backlog", 1, 10_000_000),
    gasLimit: opt("gas-limit", 1_000_000, Number.MAX_SAFE_INTEGER, 300_000_000),
    maxTxsPerBlock: opt("max-txs-per-block", 1, 1_000_000, 20_000),
    blockPeriodMs: opt("block-period", 1, 60_000, 1000),
    recoveryWorkers: optOrNull("recovery-workers", 0, 8),
    nodeHeapMiB: ((n) => (n === 0 ? null : n))(opt("node-heap-mib", 0, 65_536, 384)),
    profile: v.profile === undefined ? "node1-value" : v.profile === "none" ? null : scenario("profile", v.profile),
    profileDurationS: optOrNull("profile-duration", 1, 1800),
    profileOut: v["profile-out"] === undefined ? null : path.resolve(v["profile-out"]),
    genesisDir: v["genesis-dir"] === undefined ? null : path.resolve(v["genesis-dir"]),
    json: v.json === undefined ? null : path.resolve(v.json),
    keep: v.keep === true,
    gateway: v.gateway === true,
    gatewayConfig: parseGatewayConfigFlag(v["gateway-config"]),
  };
  if (v.validators !== undefined) {
    const keep = new Set(v.validators.split(",").map((s) => int("validators", s.trim(), 1, 4)));
    for (const n of keep) if (n !== 1 && n !== 4) throw new ArgumentError("ARG_INVALID", "validators", `--validators: 1 and/or 4, got ${n}`);
    o.scenarios = o.scenarios.filter((s) => !s.startsWith("node") || keep.has(Number(s[4])));
  }
  if (o.profile && o.profile.startsWith("anvil")) throw new ArgumentError("ARG_INVALID", "profile", `--profile: profile a node scenario (node1-…/node4-…), not ${o.profile}`);
  return o;
}

const log = (msg: string) => process.stderr.write(`[bench:node] ${msg}\n`);

interface Result {
  scenario: string;
  system: string;
  workload: Workload;
  tps: number;
  drive: DriveResult;
  memMiB: number[];
  receiptsChecked: number;
  receiptsFailed: number;
  problems: Map<string, number>;
  exitCodes: (number | null)[];
  /** Validators compared block by block (hash and state root) up to the lowest head; null with one system. */
  agreement: { heights: number; mismatches: string[] } | null;
  error?: string;
}

/** Compares every block (hash, state root) of the validators up to the lowest head: they must be the same chain. */
async function compareValidators(urls: string[]): Promise<{ heights: number; mismatches: string[] }> {
  const clients = urls.map((u) => new RpcClient(u));
  try {
    const heads = await Promise.all(clients.map(async (c) => Number(BigInt(await c.call<string>("eth_blockNumber", [])))));
    const top = Math.min(...heads);
    const mismatches: string[] = [];
    for (let from = 1; from <= top && mismatches.length < 10; from += 500) {
      const heights = Array.from({ length: Math.min(500, top - from + 1) }, (_, i) => from + i);
      const answers = await Promise.all(
        clients.map((c) => c.batch(heights.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })))),
      );
      heights.forEach((n, i) => {
        const seen = answers.map((a) => {
          const b = a[i]?.result as { hash?: string; stateRoot?: string } | null;
          return `${b?.hash}/${b?.stateRoot}`;
        });
        if (new Set(seen).size !== 1 && mismatches.length < 10) mismatches.push(`block ${n}: ${seen.join(" vs ")}`);
      });
    }
    return { heights: top, mismatches };
  } finally {
    for (const c of clients) c.close();
  }
}

function describe(s: Scenario): { kind: "luniverse" | "anvil"; validators: 1 | 4; blockTimeS: number | null; workload: Workload; label: string } {
  const workload = s.endsWith("erc20") ? "erc20" : "value";
  if (s.startsWith("node")) {
    const v = s[4] === "4" ? 4 : 1;
    return { kind: "luniverse", validators: v, blockTimeS: null, workload, label: `luniverse, ${v} validator${v > 1 ? "s" : ""}` };
  }
  const bt = s.startsWith("anvil1s") ? 1 : null;
  return { kind: "anvil", validators: 1, blockTimeS: bt, workload, label: bt === null ? "anvil automine" : "anvil --block-time 1" };
}

/** Funds the bench senders (our node: transfers from dev accounts; anvil: anvil_setBalance). */
async function fundSenders(sys: System, rpc: RpcClient, tracker: BlockTracker, senders: Account[], amount: bigint): Promise<void> {
  if (sys.kind === "anvil") {
    for (let i = 0; i < senders.length; i += 500) {
      const answers = await rpc.batch(senders.slice(i, i + 500).map((s) => ({ method: "anvil_setBalance", params: [s.address, `0x${amount.toString(16)}`] })));
      const bad = answers.find((a) => a.error);
      if (bad) throw new Error(`anvil_setBalance: ${bad.error!.message}`);
    }
    return;
  }
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

/** Deploys the test ERC-20 (contracts/mocks/dex/DexTestToken: OpenZeppelin ERC20) and lets every sender mint itself tokens. */
async function setUpToken(sys: System, rpc: RpcClient, tracker: BlockTracker, senders: Account[]): Promise<Hex> {
  const artifact = JSON.parse(readFileSync(path.join(REPO, "artifacts/contracts/mocks/dex/DexTestToken.sol/DexTestToken.json"), "utf8")) as { bytecode: string };
  const { AbiCoder } = await import("ethers");
  const args = AbiCoder.defaultAbiCoder().encode(["string", "string", "uint256"], ["Bench Token", "BENCH", 0n]).slice(2);
  const deployer = devAccounts(1)[0]!;
  const signer = new Signer(sys.chainId);
  const nonce = BigInt(await rpc.call<string>("eth_getTransactionCount", [deployer.address, "pending"]));
  const deploy = signer.sign(deployer.key, { nonce, to: null, data: `${artifact.bytecode}${args}` as Hex, gasLimit: GAS.deploy });
  await sendAndWait(rpc, tracker, [deploy], "deploying the ERC-20");
  const token = getCreateAddress({ from: deployer.address, nonce }).toLowerCase() as Hex;
  const receipt = await rpc.call<{ status: string } | null>("eth_getTransactionReceipt", [deploy.hash]);
  if (receipt?.status !== "0x1") throw new Error(`ERC-20 deployment failed (receipt status ${receipt?.status})`);
  const mints = senders.map((s) => signer.sign(s.key, { nonce: 0n, to: token, data: erc20.encodeFunctionData("mint", [s.address, 10n ** 24n]) as Hex, gasLimit: GAS.mint }));
  await sendAndWait(rpc, tracker, mints, "minting tokens to the senders", sys.kind === "anvil" ? 20 : 200);
  return token;
}

async function waitForBlocks(tracker: BlockTracker, n: number, timeoutMs: number): Promise<void> {
  const start = tracker.height;
  const deadline = performance.now() + timeoutMs;
  while (tracker.height < start + n) {
    if (performance.now() > deadline) throw new Error(`no new block within ${timeoutMs / 1000} s (height ${tracker.height}${tracker.error ? `, ${tracker.error.message}` : ""})`);
    await sleep(50);
  }
}

interface ProfileRun {
  file: string;
  /** The timed window, in ms before the process exited (where the profile ends). */
  window: { fromMsBeforeEnd: number; toMsBeforeEnd: number };
}

async function runScenario(s: Scenario, o: Options, tmp: string, durationS: number, profileDir?: string): Promise<{ result: Result; profile?: ProfileRun }> {
  const d = describe(s);
  const dir = mkdtempSync(path.join(tmp, `${s}-`));
  let sys: System;
  if (d.kind === "luniverse") {
    const g = await genesisFile({ dir: o.genesisDir ?? path.join(tmp, "genesis"), validators: d.validators, gasLimit: o.gasLimit, log });
    sys = await startLuniverse({ dir, genesis: g.file, chainId: g.chainId, validators: d.validators, maxTxsPerBlock: o.maxTxsPerBlock, blockPeriodMs: o.blockPeriodMs, recoveryWorkers: o.recoveryWorkers, heapMiB: o.nodeHeapMiB, cpuProfDir: profileDir });
  } else {
    sys = await startAnvil({ dir, chainId: 31337n, blockTimeS: d.blockTimeS, gasLimit: o.gasLimit });
  }
  const tracker = new BlockTracker(sys.urls[0]!);
  const rpc = new RpcClient(sys.urls[0]!);
  let gw: GatewayProc | null = null;
  try {
    await tracker.start();
    if (d.kind === "luniverse" || d.blockTimeS !== null) await waitForBlocks(tracker, 1, 60_000);
    if (o.gateway) {
      gw = await startGatewayProc({ dir: path.join(dir, "gateway"), chainId: sys.chainId, urls: sys.urls, ...(o.gatewayConfig ? { config: o.gatewayConfig } : {}) });
      log(`${s}: gateway ${gw.url} in front of ${sys.urls.join(", ")}; the load goes through it`);
    }
    const maxTps = o.maxTps ?? (d.workload === "value" ? 5000 : 3000);
    const perSender = Math.ceil((durationS * maxTps) / o.senders) + 1;
    const senders = benchAccounts(o.senders);
    const gas = d.workload === "value" ? GAS.value : GAS.erc20;
    const amount = BigInt(perSender + 2) * (gas * MAX_FEE + 1n) + GAS.mint * MAX_FEE + 10n ** 18n;
    log(`${s}: funding ${o.senders} senders${d.workload === "erc20" ? ", deploying the ERC-20 and minting" : ""} ...`);
    await fundSenders(sys, rpc, tracker, senders, amount);
    const token = d.workload === "erc20" ? await setUpToken(sys, rpc, tracker, senders) : null;
    const signer = new Signer(sys.chainId);
    const probe = { nonce: 7n, to: senders[1]!.address, value: 1n, gasLimit: GAS.value };
    if (signer.sign(senders[0]!.key, probe).raw !== signer.signChecked(senders[0]!.key, probe).raw) throw new Error("the fast signer disagrees with @ethereumjs/tx");
    log(`${s}: pre-signing ${(perSender * o.senders).toLocaleString("en-US")} transactions (${durationS} s x ${maxTps} tx/s) ...`);
    const t = performance.now();
    const plans = planBatches({
      signer,
      workload: d.workload,
      senders,
      firstNonce: d.workload === "erc20" ? 1n : 0n,
      perSender,
      clients: o.clients,
      // anvil automine stalls on large eth_sendRawTransaction batches (see bench/README.md): smaller ones there
      batchSize: d.kind === "anvil" && d.blockTimeS === null ? Math.min(o.batch, o.anvilAutomineBatch) : o.batch,
      token,
      onProgress: (n, total) => (n % 100_000 === 0 ? log(`  signed ${n.toLocaleString("en-US")} / ${total.toLocaleString("en-US")}`) : undefined),
    });
    log(`${s}: signed in ${((performance.now() - t) / 1000).toFixed(1)} s; measuring for ${durationS} s ...`);
    await waitForBlocks(tracker, d.kind === "anvil" && d.blockTimeS === null ? 0 : 1, 30_000);
    const windowStart = Date.now();
    const res = await drive({
      urls: gw ? [gw.rpcUrl] : sys.urls,
      plans,
      tracker,
      durationMs: durationS * 1000,
      backlog: o.backlog,
      minBacklog: 2000,
      drainMs: 15_000,
      onStatus: (st) => log(`  ${s} ${st.elapsedS.toFixed(0)} s: ${st.included.toLocaleString("en-US")} included, ${(st.sent - st.included).toLocaleString("en-US")} waiting, ${st.tps10s.toFixed(0)} tx/s (last 10 s), height ${st.height}`),
    });
    // memory under load: read before the checks below, which make the nodes read back every block of the window
    const memMiB = peakMemMiB(sys);
    // transactions in a block may still have failed: check a sample of receipts
    const sample = plans.flatMap((p) => p.filter((b) => b.sentAt > 0)).flatMap((b) => b.hashes);
    const pick = Array.from({ length: Math.min(50, sample.length) }, (_, i) => sample[Math.floor((i * sample.length) / Math.min(50, sample.length))]!);
    const receipts = await rpc.batch(pick.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
    const failed = receipts.filter((a) => (a.result as { status?: string } | null)?.status !== "0x1").length;
    const agreement = sys.urls.length > 1 ? await compareValidators(sys.urls) : null;
    const windowEnd = windowStart + durationS * 1000;
    await tracker.stop();
    if (gw) await stopProc(gw.proc);
    const exitCodes = await Promise.all(sys.procs.map((p) => stopProc(p)));
    const exited = Date.now();
    const problems = new Map<string, number>();
    for (const p of sys.procs) for (const [k, v] of logProblems(p.logFile)) problems.set(`${p.name} ${k}`, (problems.get(`${p.name} ${k}`) ?? 0) + v);
    let profile: ProfileRun | undefined;
    if (profileDir) {
      const f = readdirSync(profileDir).filter((x) => x.endsWith(".cpuprofile"));
      if (f.length > 0) profile = { file: path.join(profileDir, f.sort().at(-1)!), window: { fromMsBeforeEnd: exited - windowStart, toMsBeforeEnd: exited - windowEnd } };
    }
    return {
      result: {
        scenario: profileDir ? `${s} (cpu-prof)` : s,
        system: gw ? `${d.label} via gateway` : d.label,
        workload: d.workload,
        tps: res.includedInWindow / durationS,
        drive: res,
        memMiB,
        receiptsChecked: pick.length,
        receiptsFailed: failed,
        problems,
        exitCodes,
        agreement,
      },
      profile,
    };
  } finally {
    rpc.close();
    await tracker.stop().catch(() => undefined);
    if (gw) await stopProc(gw.proc, 5000);
    await Promise.all(sys.procs.map((p) => stopProc(p, 5000)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

const f0 = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
const sec = (ms: number | null) => (ms === null ? "–" : (ms / 1000).toFixed(2));

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((x, c) => (c === 0 || c === 1 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join(" | ")} |`;
  return [line(rows[0]!), `|${w.map((x, c) => (c <= 1 ? ` ${"-".repeat(x)} ` : ` ${"-".repeat(x - 1)}: `)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

function printResults(results: Result[], o: Options): void {
  const rows = [["scenario", "system", "TPS", "block p50/p99 s", "finality p50/p99 s", "peak RSS MiB", "accepted", "in blocks", "rejected", "max tx/block"]];
  for (const r of results) {
    if (r.error) {
      rows.push([r.scenario, r.system, "error", "", "", "", "", "", "", ""]);
      continue;
    }
    const d = r.drive;
    const auto = r.system === "anvil automine";
    const mem = r.memMiB.length > 1 ? `${f0(Math.max(...r.memMiB))} (Σ ${f0(r.memMiB.reduce((a, b) => a + b, 0))})` : f0(r.memMiB[0] ?? 0);
    rows.push([
      r.scenario,
      r.system,
      `${d.exhausted ? "≥" : ""}${f0(r.tps)}`,
      auto ? "(1 block/tx)" : `${sec(percentile(d.blockIntervalsMs, 50))} / ${sec(percentile(d.blockIntervalsMs, 99))}`,
      `${sec(percentile(d.finalityMs, 50))} / ${sec(percentile(d.finalityMs, 99))}`,
      mem,
      f0(d.accepted),
      f0(d.includedTotal),
      f0(d.rejected),
      f0(d.maxBlockTxs),
    ]);
  }
  console.log(table(rows));
  console.log(
    `\nTPS = transactions of the workload in blocks first seen during the ${o.durationS} s window / window. Finality = batch sent → head reaches the block` +
      ` (every committed block of our node is final; anvil has no finality, so it is inclusion). Peak RSS = VmHWM per process when the load ends, before the bench reads the blocks back (Σ over the 4 validators).` +
      ` Workload: ${o.senders} senders, ${o.clients} clients, ${o.batch} tx per batch, EIP-1559 txs; ERC-20 = transfer() of an OpenZeppelin ERC20 (DexTestToken) between funded holders.` +
      ` Node: block period ${o.blockPeriodMs} ms, maxTxsPerBlock ${o.maxTxsPerBlock}, recovery workers ${o.recoveryWorkers ?? "default (1)"}, heap ${o.nodeHeapMiB === null ? "V8 default" : `--max-old-space-size=${o.nodeHeapMiB}`}, gas limit ${f0(o.gasLimit)} (anvil: same gas limit).`,
  );

  const byName = new Map(results.filter((r) => !r.error).map((r) => [r.scenario, r]));
  const ratios: string[] = [];
  for (const w of ["value", "erc20"] as const) {
    for (const n of ["node1", "node4"]) {
      const ours = byName.get(`${n}-${w}`);
      if (!ours) continue;
      for (const a of ["anvil", "anvil1s"]) {
        const other = byName.get(`${a}-${w}`);
        if (other && other.tps > 0) ratios.push(`  ${n}-${w} / ${a}-${w}: ${(ours.tps / other.tps).toFixed(2)}x (${f0(ours.tps)} vs ${f0(other.tps)} TPS)`);
      }
    }
  }
  for (const r of results) {
    if (r.error || r.drive.minutes.length < 2) continue;
    console.log(`\n${r.scenario} per minute (TPS, p99 block interval s):`);
    console.log(table([["minute", "", "TPS", "p99 interval s"], ...r.drive.minutes.map((m, i) => [String(i + 1), "", f0(m.tps), sec(m.p99IntervalMs)])]));
  }
  if (ratios.length > 0) console.log(`\nRatio to anvil (same workload, same run):\n${ratios.join("\n")}`);

  const targets: string[] = [];
  const t = (name: string, ok: boolean | null, what: string) => targets.push(`  [${ok === null ? "n/a" : ok ? "reached" : "not reached"}] ${name}: ${what}`);
  const n1 = byName.get("node1-value");
  const av = byName.get("anvil-value");
  const av1 = byName.get("anvil1s-value");
  const anvilBest = Math.max(av?.tps ?? 0, av1?.tps ?? 0);
  if (n1) {
    const p50 = percentile(n1.drive.blockIntervalsMs, 50);
    t("1 validator, value transfers ≥ 3,000 TPS", n1.tps >= 3000, `${f0(n1.tps)} TPS`);
    if (anvilBest > 0) t("1 validator ≥ 0.6x anvil (value; stretch ≥ 1x)", n1.tps >= 0.6 * anvilBest, `${(n1.tps / anvilBest).toFixed(2)}x (${f0(n1.tps)} vs anvil ${f0(anvilBest)}, best of the anvil modes run)`);
    t("1 validator, block interval p50 ≤ 1.05 s under load", p50 === null ? null : p50 <= 1050, `${sec(p50)} s`);
  }
  const n1e = byName.get("node1-erc20");
  if (n1e) t("1 validator, ERC-20 ≥ 1,500 TPS", n1e.tps >= 1500, `${f0(n1e.tps)} TPS`);
  const n4 = byName.get("node4-value");
  if (n4) {
    const p99 = percentile(n4.drive.blockIntervalsMs, 99);
    t("4 validators, value transfers ≥ 1,500 TPS", n4.tps >= 1500, `${f0(n4.tps)} TPS`);
    t("4 validators, p99 block interval ≤ 1.2 s", p99 === null ? null : p99 <= 1200, `${sec(p99)} s`);
  }
  const n4e = byName.get("node4-erc20");
  if (n4e) t("4 validators, ERC-20 ≥ 600 TPS (stretch 1,000)", n4e.tps >= 600, `${f0(n4e.tps)} TPS`);
  for (const r of [n1, n1e, n4, n4e]) {
    if (!r) continue;
    const p99 = percentile(r.drive.finalityMs, 99);
    t(`${r.scenario}: finality p99 ≤ 2 s`, p99 === null ? null : p99 <= 2000, `${sec(p99)} s`);
    t(`${r.scenario}: peak RSS ≤ 500 MiB per validator`, r.memMiB.length === 0 ? null : Math.max(...r.memMiB) <= 500, `${f0(Math.max(...r.memMiB))} MiB`);
    if (r.agreement) t(`${r.scenario}: validators agree on every block and state root`, r.agreement.mismatches.length === 0, `${f0(r.agreement.heights)} heights compared, ${r.agreement.mismatches.length} different`);
    t(`${r.scenario}: every accepted transaction in a block`, r.drive.notIncluded === 0, `${f0(r.drive.accepted)} accepted, ${f0(r.drive.includedTotal)} in blocks`);
  }
  if (targets.length > 0) console.log(`\nTargets (reported, not asserted):\n${targets.join("\n")}`);

  const notes: string[] = [];
  for (const r of results) {
    if (r.error) {
      notes.push(`  ${r.scenario}: ERROR ${r.error}`);
      continue;
    }
    const d = r.drive;
    if (d.exhausted) notes.push(`  ${r.scenario}: used every pre-signed transaction before the window ended; TPS is a lower bound (raise --max-tps)`);
    for (const [m, n] of d.errors) notes.push(`  ${r.scenario}: ${f0(n)} rejected: ${m}`);
    for (const e of d.transportErrors.slice(0, 5)) notes.push(`  ${r.scenario}: transport error at ${e}`);
    if (d.notIncluded > 0) notes.push(`  ${r.scenario}: ${f0(d.notIncluded)} accepted transactions were not in a block 15 s after the window`);
    for (const m of r.agreement?.mismatches ?? []) notes.push(`  ${r.scenario}: validators differ at ${m}`);
    if (r.receiptsFailed > 0) notes.push(`  ${r.scenario}: ${r.receiptsFailed} of ${r.receiptsChecked} sampled receipts missing or failed (status != 0x1)`);
    if (d.trackerError) notes.push(`  ${r.scenario}: block tracker error: ${d.trackerError}`);
    r.exitCodes.forEach((c, i) => {
      if (c !== 0 && c !== null) notes.push(`  ${r.scenario}: process ${i + 1} exited with code ${c} on stop`);
    });
    for (const [m, n] of [...r.problems].sort((a, b) => b[1] - a[1]).slice(0, 8)) notes.push(`  ${r.scenario}: log ${n}x ${m}`);
  }
  if (notes.length > 0) console.log(`\nNotes:\n${notes.join("\n")}`);
}

function printProfile(p: ProfileSummary, scenario: string): void {
  const busy = p.totalMs - p.idleMs;
  console.log(
    `\nCPU profile of validator 1 in ${scenario} (node --cpu-prof), timed window only: ${(p.totalMs / 1000).toFixed(1)} s sampled, ` +
      `${((100 * busy) / p.totalMs).toFixed(0)}% busy on the main thread (${(busy / 1000).toFixed(1)} s), ${(p.idleMs / 1000).toFixed(1)} s idle ` +
      `(waiting: timers, I/O — LevelDB runs in libuv's thread pool). Percentages below are of the busy time.`,
  );
  console.log("\nTop self time by function:");
  console.log(table([["function", "where", "self ms", "%"], ...p.functions.map((e) => [e.name, e.where, f0(e.ms), e.pct.toFixed(1)])]));
  console.log("\nTop self time by file / package:");
  console.log(table([["file or package", "", "self ms", "%"], ...p.files.map((e) => [e.name, "", f0(e.ms), e.pct.toFixed(1)])]));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  installCleanup();
  const tmp = mkdtempSync(path.join(tmpdir(), "luniverse-bench-node-"));
  if (!o.keep) registerTempDir(tmp);
  console.log(`bench:node — ${machine()}`);
  console.log(`scenarios: ${o.scenarios.join(", ")}; ${o.durationS} s each${o.profile ? `; profile: ${o.profile}` : ""}${o.gateway ? "; load through a gateway process" : ""}`);
  const results: Result[] = [];
  for (const s of o.scenarios) {
    try {
      results.push((await runScenario(s, o, tmp, o.durationS)).result);
    } catch (e) {
      log(`${s}: ${(e as Error).message}`);
      results.push({ scenario: s, system: describe(s).label, workload: describe(s).workload, tps: 0, drive: undefined as unknown as DriveResult, memMiB: [], receiptsChecked: 0, receiptsFailed: 0, problems: new Map(), exitCodes: [], agreement: null, error: (e as Error).message.split("\n")[0] });
    }
  }
  let profile: ProfileSummary | null = null;
  if (o.profile) {
    const dur = o.profileDurationS ?? Math.min(o.durationS, 30);
    const profDir = mkdtempSync(path.join(tmp, "cpuprof-"));
    try {
      const r = await runScenario(o.profile, o, tmp, dur, profDir);
      results.push(r.result);
      if (r.profile) {
        profile = summarizeProfile(r.profile.file, REPO, 25, r.profile.window);
        if (o.profileOut) copyFileSync(r.profile.file, o.profileOut);
      } else log(`no .cpuprofile was written in ${profDir}`);
    } catch (e) {
      log(`profile run: ${(e as Error).message}`);
    }
  }
  console.log("");
  printResults(results, o);
  if (profile && o.profile) printProfile(profile, o.profile);
  if (o.json) {
    const out = {
      machine: machine(),
      options: o,
      results: results.map((r) => ({
        scenario: r.scenario,
        system: r.system,
        workload: r.workload,
        error: r.error ?? null,
        tps: r.tps,
        exhausted: r.drive?.exhausted,
        blockIntervalS: r.drive && { p50: (percentile(r.drive.blockIntervalsMs, 50) ?? NaN) / 1000, p99: (percentile(r.drive.blockIntervalsMs, 99) ?? NaN) / 1000 },
        finalityS: r.drive && { p50: (percentile(r.drive.finalityMs, 50) ?? NaN) / 1000, p99: (percentile(r.drive.finalityMs, 99) ?? NaN) / 1000 },
        peakRssMiB: r.memMiB,
        accepted: r.drive?.accepted,
        included: r.drive?.includedTotal,
        rejected: r.drive?.rejected,
        errors: r.drive ? Object.fromEntries(r.drive.errors) : {},
        logProblems: Object.fromEntries(r.problems),
        perMinute: r.drive?.minutes,
        agreement: r.agreement,
      })),
      profile,
    };
    writeFileSync(o.json, JSON.stringify(out, null, 2) + "\n");
  }
  if (o.keep) console.log(`\ntemp folder kept: ${tmp}`);
  else removeTempDirs();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`bench:node: ${e.message}`);
    process.exit(1);
  },
);

/** `--gateway-config`: a JSON object of gateway config sections. */
function parseGatewayConfigFlag(value: string | undefined): Record<string, unknown> | null {
  if (value === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ArgumentError("ARG_INVALID", "gateway-config", `--gateway-config: expected a JSON object of gateway config sections, got ${value}`);
  return parsed as Record<string, unknown>;
}
