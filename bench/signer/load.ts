/**
 * Parts 2 (totp) and 3 (api) of the signer benchmark (bench/signer/bench.ts): the system they run on — our node (one
 * validator process, gas-free genesis), an IndexerTestToken, the signer as its own process on a SoftHSM2 token — and
 * the HTTP load against the signer's API and, as the peer, straight against the node. Also the small shared helpers
 * (SoftHSM2 set-up, percentiles, tables) bench.ts prints with.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { AbiCoder, Wallet, getCreateAddress, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { initToken } from "../../lib/hsm";
import { totpCode } from "../../services/signer/factors";
import { REPO, genesisFile, startLuniverse, type System as NodeSystem } from "../node/chains";
import { BlockTracker, sendAndWait, sleep } from "../node/measure";
import { spawnProc, stopProc, tail, waitForLine, type Proc } from "../node/procs";
import { RpcClient } from "../node/rpc";
import { GAS, Signer, devAccounts, erc20, transferData, type Account, type Hex, type SignedTx } from "../node/workload";

// ---------------------------------------------------------------------------------------------------------------
// Options and printing helpers (shared with bench.ts)

export const PARTS = ["sign", "totp", "api"] as const;
export type Part = (typeof PARTS)[number];

export interface Options {
  parts: Part[];
  signatures: number;
  otpUsers: number;
  otpConcurrency: number;
  users: number;
  requests: number;
  concurrency: number;
  fixedGas: boolean;
  blockPeriodMs: number;
  keep: boolean;
  /** Run the signer under node --cpu-prof and keep the .cpuprofile here. */
  profileSigner: string | null;
}

export const out = (line = ""): void => void process.stdout.write(`${line}\n`);
export const progress = (msg: string): void => void process.stderr.write(`[bench:signer] ${msg}\n`);
export const loadAvg = (): string => `load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores`;

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
export const f0 = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–");
export const f1 = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : "–");
export const ms = (n: number): string => (!Number.isFinite(n) ? "–" : n < 1 ? n.toFixed(3) : n < 100 ? n.toFixed(2) : n.toFixed(0));
export const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–");

/** A table with the first `left` columns left-aligned, the others right-aligned. */
export function table(rows: string[][], left = 1): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string => `  ${r.map((x, c) => (c < left ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join("  ")}`.trimEnd();
  return [line(rows[0]!), `  ${w.map((x) => "-".repeat(x)).join("  ")}`, ...rows.slice(1).map(line)];
}

// ---------------------------------------------------------------------------------------------------------------
// SoftHSM2: this run's own token directory (SOFTHSM2_CONF is read once per process, when the module is initialised)

export const BENCH_PIN = "246810";
const BENCH_SO_PIN = "13579";
let tokenCounter = 0;

/** Writes a token directory and conf under `dir` and points SOFTHSM2_CONF at it (call before any HSM use). */
export function softhsmSetup(dir: string): void {
  const root = path.join(dir, "softhsm");
  mkdirSync(path.join(root, "tokens"), { recursive: true });
  const conf = path.join(root, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${path.join(root, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  process.env.SOFTHSM2_CONF = conf;
}

/** A new token of this run (label `<prefix>-<pid>-<n>`) with {@link BENCH_PIN}. */
export function freshToken(prefix: string): string {
  const label = `${prefix}-${process.pid}-${++tokenCounter}`.slice(0, 32);
  initToken({ label, soPin: BENCH_SO_PIN, pin: BENCH_PIN });
  return label;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP with keep-alive (one agent per target; sockets = the concurrency)

export interface Reply<T> {
  status: number;
  body: T;
  ms: number;
}

export class Http {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(base: string, sockets: number) {
    this.base = new URL(base);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /**
   * One request; `ms` is the wall time from sending to the whole answer read. A request written on a kept-alive socket
   * the server had just closed (ECONNRESET before any answer) is sent once more on a new socket, as Node's http
   * documentation recommends: the server never saw it.
   */
  async raw(method: string, p: string, body: string | undefined, headers: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ status: number; text: string; ms: number }> {
    try {
      return await this.once(method, p, body, headers, timeoutMs);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { reused?: boolean };
      if (err.reused && (err.code === "ECONNRESET" || err.message === "socket hang up")) return this.once(method, p, body, headers, timeoutMs);
      throw new Error(`${method} ${this.base.origin}${p}: ${err.message}`);
    }
  }

  private once(method: string, p: string, body: string | undefined, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string; ms: number }> {
    const a = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path: p,
          method,
          agent: this.agent,
          headers: body === undefined ? headers : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - a }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", (e: Error) => reject(Object.assign(e, { reused: req.reusedSocket })));
      req.end(body);
    });
  }

  async json<T = Record<string, unknown>>(method: string, p: string, o: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.key) headers.authorization = `Bearer ${o.key}`;
    const r = await this.raw(method, p, o.body === undefined ? undefined : JSON.stringify(o.body), headers);
    let body: T;
    try {
      body = (r.text ? JSON.parse(r.text) : {}) as T;
    } catch {
      throw new Error(`${method} ${p}: HTTP ${r.status} with a body that is not JSON: ${r.text.slice(0, 300)}`);
    }
    return { status: r.status, body, ms: r.ms };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time (workers pulling the next index). */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

/** CPU seconds (user + system) a process has used so far, from /proc (null off Linux or once it is gone). */
function procCpuSeconds(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The system: node, token, signer

const ADMIN_TOKEN = "bench-operator-token-0123456789abcdef";
const E18 = 10n ** 18n;
/** Recipients of the transfers (fixed, so no transfer creates new token holders beyond these). */
const SINKS = Array.from({ length: 16 }, () => hexlify(randomBytes(20)).toLowerCase() as Hex);

export interface System {
  dir: string;
  chainId: bigint;
  nodeUrl: string;
  node: NodeSystem;
  signerUrl: string;
  signerProc: Proc;
  signerLog: string;
  token: Hex;
  tracker: BlockTracker;
  rpc: RpcClient;
  api: Http;
  /** Transactions of the bench's own set-up (deploy, mints): dev account 0, gas-free fees. */
  deployer: Account & { nonce: bigint };
  txSigner: Signer;
  /** Where the signer writes its .cpuprofile (with --profile-signer). */
  profDir: string | null;
  /** Wall-clock span (Date.now) of the api part's timed runs, for the profile's window. */
  apiWindow: { from: number; to: number } | null;
  /** When the signer's process exited (Date.now), set by stop(). */
  signerExitAt: number | null;
  /** Wallets (HSM key pairs) created in the signer's token so far. */
  wallets: number;
  stop(): Promise<void>;
}

export async function startSystem(dir: string, o: Options): Promise<System> {
  const g = await genesisFile({
    dir: path.join(dir, "genesis"),
    validators: 1,
    gasLimit: 300_000_000,
    gasFree: true,
    // the policy stays on; its unsponsored share (10 % of a block by default, counted by gas limit) would cap both the
    // signer and the peer near 430 transfers per 1-second block: out of the way, this measures the signer
    systemConfig: { gasPolicy: { unsponsoredShareBps: 10_000 } },
    log: progress,
  });
  progress(`starting the node (1 validator, gas-free, block period ${o.blockPeriodMs} ms) ...`);
  const node = await startLuniverse({
    dir: path.join(dir, "node"),
    genesis: g.file,
    chainId: g.chainId,
    validators: 1,
    maxTxsPerBlock: 5000,
    blockPeriodMs: o.blockPeriodMs,
    nodeConfig: { gasFree: { enabled: true, maxTxPerSenderPerMinute: 100_000 } },
  });
  const nodeUrl = node.urls[0]!;
  const tracker = new BlockTracker(nodeUrl, 20);
  const rpc = new RpcClient(nodeUrl);
  let signerProc: Proc | null = null;
  try {
    await tracker.start();
    const dev = devAccounts(1)[0]!;
    const deployer = { ...dev, nonce: BigInt(await rpc.call<string>("eth_getTransactionCount", [dev.address, "pending"])) };
    const txSigner = new Signer(g.chainId, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
    const artifact = JSON.parse(readFileSync(path.join(REPO, "artifacts/contracts/test/IndexerTestToken.sol/IndexerTestToken.json"), "utf8")) as { bytecode: string };
    const ctorArgs = AbiCoder.defaultAbiCoder().encode(["string", "string"], ["Signer Bench", "SGB"]).slice(2);
    const deploy = txSigner.sign(deployer.key, { nonce: deployer.nonce, to: null, data: `${artifact.bytecode}${ctorArgs}` as Hex, gasLimit: GAS.deploy });
    const token = getCreateAddress({ from: deployer.address, nonce: deployer.nonce }).toLowerCase() as Hex;
    deployer.nonce++;
    await sendAndWait(rpc, tracker, [deploy], "deploying IndexerTestToken");
    const receipt = await rpc.call<{ status: string } | null>("eth_getTransactionReceipt", [deploy.hash]);
    if (receipt?.status !== "0x1") throw new Error(`IndexerTestToken deployment failed (receipt status ${receipt?.status})`);

    // the signer, its own process: a fresh token, its store and config in the temp folder
    const signerDir = path.join(dir, "signer");
    mkdirSync(signerDir, { recursive: true });
    const hsmToken = freshToken("signer");
    const configFile = path.join(signerDir, "signer.json");
    writeFileSync(
      configFile,
      JSON.stringify(
        {
          listen: { host: "127.0.0.1", port: 0 },
          dataDir: path.join(signerDir, "data"),
          hsm: { token: hsmToken, pinEnv: "BENCH_SIGNER_PIN" },
          adminTokenEnv: "BENCH_SIGNER_ADMIN",
          chains: [{ id: Number(g.chainId), name: "product", rpcUrl: nodeUrl, gasFree: true }],
        },
        null,
        2,
      ),
    );
    const signerLog = path.join(signerDir, "signer.log");
    progress("starting the signer (services/signer/main.ts) ...");
    const profDir = o.profileSigner ? path.join(signerDir, "cpuprof") : null;
    if (profDir) mkdirSync(profDir, { recursive: true });
    signerProc = spawnProc("signer", process.execPath, [...(profDir ? ["--cpu-prof", "--cpu-prof-dir", profDir] : []), "-r", "ts-node/register/transpile-only", "services/signer/main.ts", "--config", configFile], {
      cwd: REPO,
      logFile: signerLog,
      env: { ...process.env, BENCH_SIGNER_PIN: BENCH_PIN, BENCH_SIGNER_ADMIN: ADMIN_TOKEN },
    });
    // its JSON log lines go to stdout: keep them all in the log file (spawnProc keeps only the first lines)
    const logStream = createWriteStream(signerLog, { flags: "a" });
    signerProc.child.stdout!.on("data", (d: Buffer) => logStream.write(d));
    const ready = await waitForLine(signerProc, (l) => l.startsWith("signer listening on "), 60_000);
    const signerUrl = ready.slice("signer listening on ".length).trim();
    const api = new Http(signerUrl, Math.max(o.concurrency, o.otpConcurrency, 8));
    progress(`node ${nodeUrl} (chain ${g.chainId}), token ${token}, signer ${signerUrl} (SoftHSM2 token ${hsmToken})`);
    const sp = signerProc;
    const sys: System = {
      dir,
      chainId: g.chainId,
      nodeUrl,
      node,
      signerUrl,
      signerProc: sp,
      signerLog,
      token,
      tracker,
      rpc,
      api,
      deployer,
      txSigner,
      profDir,
      apiWindow: null,
      signerExitAt: null,
      wallets: 0,
      stop: async () => {
        api.close();
        await tracker.stop();
        rpc.close();
        await stopProc(sp, 10_000);
        sys.signerExitAt = Date.now();
        logStream.end();
        await Promise.all(node.procs.map((p) => stopProc(p, 10_000)));
      },
    };
    return sys;
  } catch (e) {
    await tracker.stop().catch(() => undefined);
    rpc.close();
    if (signerProc) await stopProc(signerProc, 5_000);
    await Promise.all(node.procs.map((p) => stopProc(p, 5_000)));
    throw e;
  }
}

/** Mints `amount` tokens to each address (the deployer's pre-signed mints) and waits until all are in blocks. */
async function mintTo(sys: System, addresses: string[], amount: bigint, what: string): Promise<void> {
  const txs: SignedTx[] = addresses.map((a) => sys.txSigner.sign(sys.deployer.key, { nonce: sys.deployer.nonce++, to: sys.token, data: erc20.encodeFunctionData("mint", [a, amount]) as Hex, gasLimit: GAS.mint }));
  await sendAndWait(sys.rpc, sys.tracker, txs, what, 200, 180_000);
  const last = await sys.rpc.call<{ status: string } | null>("eth_getTransactionReceipt", [txs[txs.length - 1]!.hash]);
  if (last?.status !== "0x1") throw new Error(`${what}: the last mint reverted (receipt status ${last?.status})`);
}

function errorText(r: Reply<Record<string, unknown>>): string {
  const e = r.body.error as { code?: string; message?: string } | undefined;
  return e ? `HTTP ${r.status} ${e.code}: ${e.message}` : `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
}

async function createDapp(sys: System, id: string, policy: Record<string, unknown>): Promise<string> {
  const r = await sys.api.json<{ serviceKey: string }>("POST", "/v1/admin/dapps", { key: ADMIN_TOKEN, body: { id, name: id, policy } });
  if (r.status !== 201) throw new Error(`creating the DApp ${id}: ${errorText(r as unknown as Reply<Record<string, unknown>>)}`);
  return r.body.serviceKey;
}

export interface Wallets {
  addresses: string[];
  latMs: number[];
  seconds: number;
  count: number;
  /** Keys in the signer's token before this batch. */
  keysBefore: number;
  /** Wallets/s over the first and the last tenth of the batch (the token's key count grows through it). */
  firstTenthPerSecond: number;
  lastTenthPerSecond: number;
}

async function createWallets(sys: System, dapp: string, key: string, users: string[], concurrency: number): Promise<Wallets> {
  const addresses = new Array<string>(users.length);
  const latMs: number[] = [];
  const doneAt: number[] = [];
  const keysBefore = sys.wallets;
  const t0 = performance.now();
  await pool(users, concurrency, async (userId, i) => {
    const r = await sys.api.json<{ address: string }>("POST", `/v1/dapps/${dapp}/wallets`, { key, body: { userId } });
    if (r.status !== 201) throw new Error(`creating the wallet of ${userId}: ${errorText(r as unknown as Reply<Record<string, unknown>>)}`);
    addresses[i] = r.body.address;
    latMs.push(r.ms);
    doneAt.push(performance.now());
    sys.wallets++;
  });
  const tenth = Math.max(1, Math.floor(users.length / 10));
  const end = doneAt[doneAt.length - 1]!;
  return {
    addresses,
    latMs,
    seconds: (end - t0) / 1000,
    count: users.length,
    keysBefore,
    firstTenthPerSecond: tenth / ((doneAt[tenth - 1]! - t0) / 1000),
    lastTenthPerSecond: users.length > tenth ? tenth / ((end - doneAt[users.length - tenth - 1]!) / 1000) : NaN,
  };
}

interface SubmitOutcome {
  ok: boolean;
  ms: number;
  hash: string | null;
  from: string | null;
  status: string | null;
  error: string | null;
}

let idem = 0;

async function submit(sys: System, dapp: string, key: string, body: Record<string, unknown>): Promise<SubmitOutcome> {
  let r: Reply<Record<string, unknown>>;
  try {
    r = await sys.api.json("POST", `/v1/dapps/${dapp}/transactions`, { key, body, headers: { "idempotency-key": `bench-${process.pid}-${++idem}` } });
  } catch (e) {
    return { ok: false, ms: NaN, hash: null, from: null, status: null, error: (e as Error).message };
  }
  if (r.status !== 201) return { ok: false, ms: r.ms, hash: null, from: null, status: null, error: errorText(r) };
  const status = String(r.body.status);
  // "signed" means the node refused the first send (the sender retries): count it, it is not a clean acceptance
  return { ok: status === "pending" || status === "included", ms: r.ms, hash: String(r.body.hash).toLowerCase(), from: String(r.body.from), status, error: status === "signed" ? `accepted but not sent: ${String(r.body.error)}` : null };
}

/** The signer's /metrics as name{labels} → value. */
async function signerMetrics(sys: System): Promise<Map<string, number>> {
  const r = await sys.api.raw("GET", "/metrics", undefined);
  const m = new Map<string, number>();
  for (const line of r.text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const i = line.lastIndexOf(" ");
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** Sum of the series of `name` whose labels contain every `label="value"` given. */
function metric(m: Map<string, number>, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const [k, v] of m) {
    const brace = k.indexOf("{");
    const n = brace < 0 ? k : k.slice(0, brace);
    if (n !== name) continue;
    const l = brace < 0 ? "" : k.slice(brace);
    if (labels.every((x) => l.includes(x))) sum += v;
  }
  return sum;
}

/** Waits until the signer reports no open transaction (all found in blocks); false after `timeoutMs`. */
async function signerSettled(sys: System, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const h = await sys.api.json<{ openTransactions: number }>("GET", "/health");
    if (h.body.openTransactions === 0 || Date.now() > until) return h.body.openTransactions;
    await sleep(100);
  }
}

/** Waits until every hash is in a block seen by the tracker; returns the latest `seenAt` among them. */
async function waitIncluded(seen: Map<string, number>, hashes: string[], timeoutMs: number, what: string): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    let missing = 0;
    let last = 0;
    for (const h of hashes) {
      const t = seen.get(h);
      if (t === undefined) missing++;
      else if (t > last) last = t;
    }
    if (missing === 0) return last;
    if (performance.now() > until) throw new Error(`${what}: ${missing} of ${hashes.length} transactions not in a block ${timeoutMs / 1000} s after the last answer`);
    await sleep(20);
  }
}

/** On-chain nonces of `addresses` (latest) compared with what each should have sent; returns the mismatches. */
async function nonceMismatches(sys: System, expected: Map<string, number>): Promise<string[]> {
  const entries = [...expected];
  const bad: string[] = [];
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const answers = await sys.rpc.batch(chunk.map(([a]) => ({ method: "eth_getTransactionCount", params: [a, "latest"] })));
    answers.forEach((a, j) => {
      const [addr, want] = chunk[j]!;
      const got = a.error ? NaN : Number(BigInt(a.result as string));
      if (got !== want) bad.push(`${addr}: nonce ${got} on chain, ${want} expected`);
    });
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: TOTP

export interface TimedSet {
  name: string;
  seconds: number;
  latMs: number[];
}

export interface TotpResult {
  users: number;
  load: string;
  wallets: Wallets;
  enrolMs: number[];
  seqOtpMs: number[];
  seqPlainMs: number[];
  conOtp: TimedSet;
  conPlain: TimedSet;
  failures: number;
  notes: string[];
}

const OTP_PIN = "482916";
const STEP_MS = 30_000;

export async function totpPart(sys: System, o: Options): Promise<TotpResult> {
  const dapp = "bench-otp";
  const key = await createDapp(sys, dapp, { otpThreshold: "100" });
  const users = Array.from({ length: o.otpUsers }, (_, i) => `otp-user-${i}@example.com`);
  progress(`totp: creating ${users.length} wallets, minting, enrolling TOTP + PIN ...`);
  const w = await createWallets(sys, dapp, key, users, 4);
  await mintTo(sys, w.addresses, 1000n * E18, "totp: minting to the wallets");
  const secrets = new Array<string>(users.length);
  const enrolMs: number[] = [];
  await pool(users, 4, async (userId, i) => {
    const e = await sys.api.json<{ secret: string }>("POST", `/v1/dapps/${dapp}/wallets/${encodeURIComponent(userId)}/2fa`, { key, body: { pin: OTP_PIN } });
    if (e.status !== 201) throw new Error(`enrolling ${userId}: ${errorText(e as unknown as Reply<Record<string, unknown>>)}`);
    // confirm with the previous step's code (accepted within ±1): the current step stays unused for the transaction
    const c = await sys.api.json<{ twoFactor: string }>("POST", `/v1/dapps/${dapp}/wallets/${encodeURIComponent(userId)}/2fa/confirm`, { key, body: { otp: totpCode(e.body.secret, Date.now() - STEP_MS) } });
    if (c.status !== 200 || c.body.twoFactor !== "enrolled") throw new Error(`confirming the 2FA of ${userId}: ${errorText(c as unknown as Reply<Record<string, unknown>>)}`);
    secrets[i] = e.body.secret;
    enrolMs.push(e.ms + c.ms);
  });
  const params = (amount: string, i: number) => ({ token: sys.token, to: SINKS[i % SINKS.length], amount });
  const failures: string[] = [];
  const hashes: string[] = [];
  const record = (r: SubmitOutcome, what: string): void => {
    if (r.hash) hashes.push(r.hash);
    if (!r.ok) failures.push(`${what}: ${r.error}`);
  };
  // warm-up, not measured: each wallet's first transaction reads its nonce from the chain (once per key and chain)
  await pool(users, 8, async (userId, i) => record(await submit(sys, dapp, key, { userId, template: "transfer", params: params("1", i) }), `warm-up (${userId})`));
  const load = loadAvg();
  progress(`totp: ${users.length} × (one request below the threshold, one above it with PIN + code), sequential ...`);
  const seqOtpMs: number[] = [];
  const seqPlainMs: number[] = [];
  const lastStep = new Array<number>(users.length).fill(0);
  for (let i = 0; i < users.length; i++) {
    const plain = await submit(sys, dapp, key, { userId: users[i], template: "transfer", params: params("1", i) });
    record(plain, `below the threshold (${users[i]})`);
    if (plain.ok) seqPlainMs.push(plain.ms);
    const now = Date.now();
    const otp = await submit(sys, dapp, key, { userId: users[i], template: "transfer", params: params("1000", i), otp: totpCode(secrets[i]!, now), pin: OTP_PIN });
    record(otp, `with 2FA (${users[i]})`);
    if (otp.ok) seqOtpMs.push(otp.ms);
    lastStep[i] = Math.floor(now / STEP_MS);
  }
  progress(`totp: the same again, ${o.otpConcurrency} at a time ...`);
  const concurrent = async (name: string, withOtp: boolean): Promise<TimedSet> => {
    const latMs: number[] = [];
    const t0 = performance.now();
    await pool(users, o.otpConcurrency, async (userId, i) => {
      let extra = {};
      if (withOtp) {
        // a step later than the one this wallet used, within ±1 of now: the next step's code when the last is current
        const step = Math.max(lastStep[i]! + 1, Math.floor(Date.now() / STEP_MS));
        extra = { otp: totpCode(secrets[i]!, step * STEP_MS + STEP_MS / 2), pin: OTP_PIN };
        lastStep[i] = step;
      }
      const r = await submit(sys, dapp, key, { userId, template: "transfer", params: params(withOtp ? "1000" : "1", i), ...extra });
      record(r, `${name} (${userId})`);
      if (r.ok) latMs.push(r.ms);
    });
    return { name, seconds: (performance.now() - t0) / 1000, latMs };
  };
  const conOtp = await concurrent("above otpThreshold (PIN + TOTP)", true);
  const conPlain = await concurrent("below otpThreshold (no 2FA)", false);
  const notes: string[] = [];
  const open = await signerSettled(sys, 60_000);
  if (open > 0) notes.push(`${open} transactions of the totp part still open in the signer 60 s after the last request`);
  for (const f of failures.slice(0, 5)) notes.push(f);
  if (failures.length > 5) notes.push(`… and ${failures.length - 5} more failed requests`);
  for (const n of notes) out(`note: ${n}`);
  return { users: users.length, load, wallets: w, enrolMs, seqOtpMs, seqPlainMs, conOtp, conPlain, failures: failures.length + (open > 0 ? 1 : 0), notes };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 3: the transaction API vs pre-signed transactions straight to the node

export interface RunResult {
  name: string;
  kind: "api" | "peer";
  requests: number;
  /** First request → last answer. */
  sendSeconds: number;
  /** First request → the block holding the last transaction seen by the tracker. */
  includedSeconds: number;
  latMs: number[];
  /** CPU time ÷ wall time of each process over the run (1 = one core). */
  cpu: { signer: number | null; node: number | null; bench: number | null };
  /** The machine's load average just before the run. */
  load: string;
  /** CPU milliseconds per request of the signer and of the node over the run. */
  cpuMsPerRequest: { signer: number | null; node: number | null };
  server: null | { submitMeanMs: number; signMeanMs: number; signs: number; signOver20ms: number; included: number; reverted: number; open: number; sendErrors: number };
}

export interface ApiResult {
  users: number;
  requests: number;
  runs: RunResult[];
  estimate: { perSecond: number; latMs: number[]; seqLatMs: number[] };
  wallets: Wallets;
  failures: number;
  notes: string[];
}

interface CpuMark {
  at: number;
  signer: number | null;
  node: number | null;
  bench: number;
}

function cpuMark(sys: System): CpuMark {
  const u = process.cpuUsage();
  return { at: performance.now(), signer: procCpuSeconds(sys.signerProc.pid), node: procCpuSeconds(sys.node.procs[0]!.pid), bench: (u.user + u.system) / 1e6 };
}

function cpuShare(a: CpuMark, b: CpuMark): RunResult["cpu"] {
  const wall = (b.at - a.at) / 1000;
  const share = (x: number | null, y: number | null): number | null => (x === null || y === null || wall <= 0 ? null : (y - x) / wall);
  return { signer: share(a.signer, b.signer), node: share(a.node, b.node), bench: share(a.bench, b.bench) };
}

/**
 * One timed run: `requests` sends through `send` with `concurrency` workers, then the wait until every transaction
 * is in a block (the tracker's blocks, recorded from before the first request so none is missed).
 */
async function timedRun(
  sys: System,
  name: string,
  kind: RunResult["kind"],
  requests: number,
  concurrency: number,
  send: (j: number) => Promise<SubmitOutcome>,
  failures: string[],
): Promise<{ run: Omit<RunResult, "server">; hashes: string[]; senders: string[] }> {
  const load = loadAvg();
  progress(`api: ${name}: ${requests.toLocaleString("en-US")} requests at concurrency ${concurrency} (${load}) ...`);
  const seen = new Map<string, number>();
  const off = sys.tracker.on((_n, seenAt, txs) => {
    for (const h of txs) seen.set(h.toLowerCase(), seenAt);
  });
  try {
    const latMs: number[] = [];
    const hashes: string[] = [];
    const senders: string[] = [];
    const before = cpuMark(sys);
    const t0 = performance.now();
    let lastAnswer = t0;
    await pool(
      Array.from({ length: requests }, (_, j) => j),
      concurrency,
      async (j) => {
        const r = await send(j);
        lastAnswer = Math.max(lastAnswer, performance.now());
        if (r.hash) hashes.push(r.hash);
        if (r.from) senders.push(r.from);
        if (r.ok) latMs.push(r.ms);
        else failures.push(`${name}: request ${j}: ${r.error}`);
      },
    );
    const last = await waitIncluded(seen, hashes, 120_000, name);
    const after = cpuMark(sys);
    const perRequest = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : (1000 * (y - x)) / requests);
    // the CPU window ends when the last block was seen (the mark is taken at most one poll later)
    return {
      run: {
        name,
        kind,
        requests,
        load,
        sendSeconds: (lastAnswer - t0) / 1000,
        includedSeconds: (last - t0) / 1000,
        latMs,
        cpu: cpuShare(before, { ...after, at: Math.max(last, before.at + 1) }),
        cpuMsPerRequest: { signer: perRequest(before.signer, after.signer), node: perRequest(before.node, after.node) },
      },
      hashes,
      senders,
    };
  } finally {
    off();
  }
}

export async function apiPart(sys: System, o: Options): Promise<ApiResult> {
  const dapp = "bench-api";
  const key = await createDapp(sys, dapp, {});
  const users = Array.from({ length: o.users }, (_, i) => `api-user-${i}`);
  progress(`api: creating ${users.length} wallets (an HSM key each) ...`);
  const wallets = await createWallets(sys, dapp, key, users, 8);
  // the peer: as many ethers Wallets, keys derived from their index (never the dev keys)
  const peers = users.map((_, i) => new Wallet(keccak256(toUtf8Bytes(`luniverse-bench-signer/${i}`))));
  progress(`api: minting to ${users.length} signer wallets and ${peers.length} peer wallets ...`);
  await mintTo(sys, [...wallets.addresses, ...peers.map((p) => p.address)], 1_000_000n * E18, "api: minting");

  // the node alone: eth_estimateGas of one of these transfers, sequential then at the run's concurrency
  const node = new Http(sys.nodeUrl, o.concurrency);
  const nodePath = new URL(sys.nodeUrl).pathname || "/";
  const estimateBody = (j: number): string =>
    JSON.stringify({ jsonrpc: "2.0", id: j, method: "eth_estimateGas", params: [{ from: wallets.addresses[j % wallets.addresses.length], to: sys.token, data: transferData(SINKS[j % SINKS.length]!, 1n), value: "0x0" }] });
  const estimateOnce = async (j: number): Promise<number> => {
    const r = await node.raw("POST", nodePath, estimateBody(j));
    const a = JSON.parse(r.text) as { result?: string; error?: { message: string } };
    if (r.status !== 200 || a.error) throw new Error(`eth_estimateGas straight to the node failed: HTTP ${r.status} ${a.error?.message ?? r.text.slice(0, 200)}`);
    return r.ms;
  };
  const seqLatMs: number[] = [];
  for (let j = 0; j < 200; j++) seqLatMs.push(await estimateOnce(j));
  const estLatMs: number[] = [];
  const nEst = Math.min(2000, o.requests);
  const e0 = performance.now();
  await pool(
    Array.from({ length: nEst }, (_, j) => j),
    o.concurrency,
    async (j) => void estLatMs.push(await estimateOnce(j)),
  );
  const estimate = { perSecond: nEst / ((performance.now() - e0) / 1000), latMs: estLatMs, seqLatMs };

  // pre-signed peer transfers: request j from peer j % users, its nonce j ÷ users (the same spread as the API runs)
  progress(`api: pre-signing ${o.requests.toLocaleString("en-US")} peer transfers with ethers Wallets ...`);
  const peerRaw: SignedTx[] = [];
  for (let j = 0; j < o.requests; j++) {
    const raw = (await peers[j % peers.length]!.signTransaction({
      type: 2,
      chainId: sys.chainId,
      nonce: Math.floor(j / peers.length),
      to: sys.token,
      data: transferData(SINKS[j % SINKS.length]!, 1n),
      value: 0n,
      gasLimit: 100_000n,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    })) as Hex;
    peerRaw.push({ raw, hash: keccak256(raw) as Hex });
    // let the event loop run now and then (kept-alive sockets the servers close, timers)
    if (j % 200 === 199) await new Promise((r) => setImmediate(r));
  }

  const failures: string[] = [];
  const notes: string[] = [];
  const runs: RunResult[] = [];
  const expected = new Map<string, number>(wallets.addresses.map((a) => [a, 0]));
  // warm-up, not timed: one transfer per wallet (its first reads the key's nonce from the chain; the signer's code
  // paths — typechain interfaces, compiled on first use — are loaded before the timed runs)
  progress(`api: warm-up, one transfer per wallet (${users.length}) ...`);
  const warm: string[] = [];
  await pool(users, o.concurrency, async (userId, i) => {
    const r = await submit(sys, dapp, key, { userId, template: "transfer", params: { token: sys.token, to: SINKS[i % SINKS.length], amount: "1" } });
    if (!r.ok) failures.push(`warm-up (${userId}): ${r.error}`);
    if (r.hash) warm.push(r.hash);
    expected.set(wallets.addresses[i]!, 1);
  });
  if ((await signerSettled(sys, 60_000)) > 0) failures.push("warm-up: transactions still open in the signer after 60 s");
  const apiRun = async (name: string, gasLimit: number | null): Promise<void> => {
    const m0 = await signerMetrics(sys);
    const { run } = await timedRun(
      sys,
      name,
      "api",
      o.requests,
      o.concurrency,
      (j) => submit(sys, dapp, key, { userId: users[j % users.length], template: "transfer", params: { token: sys.token, to: SINKS[j % SINKS.length], amount: "1" }, ...(gasLimit === null ? {} : { gasLimit }) }),
      failures,
    );
    for (let j = 0; j < o.requests; j++) {
      const a = wallets.addresses[j % users.length]!;
      expected.set(a, expected.get(a)! + 1);
    }
    const open = await signerSettled(sys, 60_000);
    const m1 = await signerMetrics(sys);
    const d = (series: string, ...labels: string[]): number => metric(m1, series, ...labels) - metric(m0, series, ...labels);
    const signs = d("signer_hsm_sign_seconds_count");
    const server = {
      submitMeanMs: (1000 * d("signer_api_seconds_sum", 'route="submit"')) / d("signer_api_seconds_count", 'route="submit"'),
      signMeanMs: (1000 * d("signer_hsm_sign_seconds_sum")) / signs,
      signs,
      signOver20ms: signs - d("signer_hsm_sign_seconds_bucket", 'le="0.02"'),
      included: d("signer_tx_final_total", 'status="included"'),
      reverted: d("signer_tx_final_total", 'status="reverted"'),
      open,
      sendErrors: d("signer_tx_send_errors_total"),
    };
    if (open > 0) failures.push(`${name}: ${open} transactions still open in the signer 60 s after the last one was in a block`);
    if (server.reverted > 0) failures.push(`${name}: ${server.reverted} transactions reverted on chain`);
    if (server.included !== run.latMs.length) failures.push(`${name}: the signer reports ${server.included} transactions included, ${run.latMs.length} were accepted`);
    const bad = await nonceMismatches(sys, expected);
    if (bad.length > 0) failures.push(`${name}: ${bad.length} wallets with an unexpected nonce on chain, e.g. ${bad[0]}`);
    runs.push({ ...run, server });
  };
  const windowFrom = Date.now();
  await apiRun("API, gas estimated (default)", null);
  if (o.fixedGas) await apiRun("API, gasLimit 100000", 100_000);
  sys.apiWindow = { from: windowFrom, to: Date.now() };

  // the peer: one eth_sendRawTransaction per HTTP request, the same concurrency
  const { run: peerRun } = await timedRun(
    sys,
    "peer: pre-signed → node",
    "peer",
    o.requests,
    o.concurrency,
    async (j) => {
      const t = peerRaw[j]!;
      try {
        const r = await node.raw("POST", nodePath, JSON.stringify({ jsonrpc: "2.0", id: j, method: "eth_sendRawTransaction", params: [t.raw] }));
        const a = JSON.parse(r.text) as { result?: string; error?: { message: string } };
        if (r.status !== 200 || a.error) return { ok: false, ms: r.ms, hash: null, from: null, status: null, error: `HTTP ${r.status} ${a.error?.message ?? r.text.slice(0, 200)}` };
        return { ok: true, ms: r.ms, hash: t.hash.toLowerCase(), from: null, status: "pending", error: null };
      } catch (e) {
        return { ok: false, ms: NaN, hash: null, from: null, status: null, error: (e as Error).message };
      }
    },
    failures,
  );
  runs.push({ ...peerRun, server: null });
  const perPeer = new Map<string, number>(peers.map((p) => [p.address, 0]));
  for (let j = 0; j < o.requests; j++) {
    const a = peers[j % peers.length]!.address;
    perPeer.set(a, perPeer.get(a)! + 1);
  }
  const badPeer = await nonceMismatches(sys, perPeer);
  if (badPeer.length > 0) failures.push(`peer: ${badPeer.length} wallets with an unexpected nonce on chain, e.g. ${badPeer[0]}`);
  // a sample of the peer's receipts: the transfers must have succeeded, not just been included
  const sample = await sys.rpc.batch(peerRaw.slice(-50).map((t) => ({ method: "eth_getTransactionReceipt", params: [t.hash] })));
  const reverted = sample.filter((a) => (a.result as { status?: string } | null)?.status !== "0x1").length;
  if (reverted > 0) failures.push(`peer: ${reverted} of the last 50 transfers without a successful receipt`);
  node.close();

  for (const f of failures.slice(0, 8)) notes.push(f);
  if (failures.length > 8) notes.push(`… and ${failures.length - 8} more failures`);
  const problems = tail(sys.signerLog, 2000)
    .split("\n")
    .filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'));
  if (problems.length > 0) notes.push(`${problems.length} warn/error lines in the signer's log (${sys.signerLog}), last: ${problems[problems.length - 1]!.slice(0, 300)}`);
  return { users: users.length, requests: o.requests, runs, estimate, wallets, failures: failures.length, notes };
}
