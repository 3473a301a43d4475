/**
 * Signer benchmark (issue #16): what the signer service (services/signer) costs, each figure next to a peer.
 * Prints figures and decides nothing (exit 0 unless something fails: a refused request, a transaction not included).
 *
 *   npm run bench:signer                                              # every part (~5 min with the defaults)
 *   npx ts-node --transpile-only bench/signer/bench.ts --parts sign --signatures 20000
 *   npx ts-node --transpile-only bench/signer/bench.ts --parts totp --otp-users 50
 *   npx ts-node --transpile-only bench/signer/bench.ts --parts api --users 100 --requests 1000 --concurrency 32
 *
 * 1. sign: signatures through PKCS#11 (SoftHSM2, a temporary token) in this process, sequential: `hsm.signDigest`
 *    (C_SignInit + C_Sign, then low-s and the recovery id found by recovering against the public key) and
 *    `HsmSigner.signTransaction` of an EIP-1559 token transfer, each `--signatures` times after a warm-up; the peer is
 *    the same call over `privateKeyDigestSigner` (a software key, native secp256k1). Target: p95 sign ≤ 20 ms.
 * 2. totp: p50/p95 latency of `POST /v1/dapps/{dapp}/transactions` over HTTP with the user's second factor (above the
 *    DApp's otpThreshold: PIN checked with scrypt N=16384, then a fresh TOTP code) against the same request below the
 *    threshold. A code is single-use per 30 s step and wallet, so every one of `--otp-users` enrolled wallets sends one
 *    2FA transaction sequentially, then one more each concurrently (the code of the next step, within the ±1 window).
 * 3. api: the transaction API end to end on a gas-free chain: `--requests` token transfers from `--users` wallets at
 *    `--concurrency`, requests/s and tx/s into the chain (first request → last transaction in a block; every one must
 *    be included: each wallet's nonce is checked on chain, and the signer must report nothing open and nothing
 *    reverted). Run twice: gas estimated by the signer (eth_estimateGas per request, the default) and with a fixed
 *    `gasLimit` of 100,000. Target ≥ 500 tx/s. Peer: the same number of transfers pre-signed in memory with ethers
 *    Wallets and sent straight to the node (one eth_sendRawTransaction per HTTP request, same concurrency). The CPU
 *    each process used during a run (signer, node, this bench) and the node's eth_estimateGas rate alone say where
 *    the time goes.
 *
 * Parts 2 and 3 share one system, started on 127.0.0.1 free ports in a temp folder: our node (node/cli.ts, one
 * validator, genesis built by `node:genesis --gas-free` with the gas policy's unsponsored share at 100 % so the
 * policy's per-block budget does not cap either side; `gasFree.maxTxPerSenderPerMinute` 100,000), an
 * IndexerTestToken (anyone mints) and the signer as its own process (services/signer/main.ts; its SQLite store and
 * SoftHSM2 token in the temp folder; default sender settings). SoftHSM2 reads SOFTHSM2_CONF once per process, so the
 * bench writes its own token directory and conf and sets the variable before the module is first loaded; the
 * signer's process inherits it. Ctrl-C stops every process and removes the temp folder (`--keep` keeps it).
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import secp256k1 from "secp256k1";
import { Transaction, Wallet, getAddress, hexlify, type TransactionRequest } from "ethers";
import { parseCommandLine } from "../../lib/args";
import { ArgumentError } from "../../lib/errors";
import { Hsm, SOFTHSM_MODULE, normaliseSignature } from "../../lib/hsm";
import { HsmSigner, hsmDigestSigner, privateKeyDigestSigner, type DigestSigner } from "../../lib/hsmSigner";
import { hashPin, totpCode, totpStep, verifyPin } from "../../services/signer/factors";
import { machine } from "../machine";
import { REPO } from "../node/chains";
import { installCleanup, registerTempDir, removeTempDirs, stopAll } from "../node/procs";
import { summarizeProfile } from "../node/profile";
import { transferData, type Hex } from "../node/workload";
import { BENCH_PIN, PARTS, apiPart, f0, f1, freshToken, loadAvg, ms, out, pct, progress, ratio, softhsmSetup, startSystem, table, totpPart, type ApiResult, type Options, type Part, type System, type TotpResult, type Wallets } from "./load";

const USAGE = `usage: npm run bench:signer -- [options]
  --parts A,B             any of ${PARTS.join(", ")} (default: all)
  --signatures N          signatures per measurement of the sign part (default 5000)
  --otp-users N           enrolled wallets of the totp part, one 2FA transaction each per run (default 200)
  --otp-concurrency N     concurrent requests of the totp part's second run (default 16)
  --users N               wallets sending the api part's transfers (default 500)
  --requests N            transfers per api run (default 5000)
  --concurrency N         concurrent HTTP requests of the api runs and the peer (default 64)
  --no-fixed-gas          skip the api run with a fixed gasLimit of 100,000 (the estimated run always runs)
  --block-period-ms N     the node's block period (default 1000, the node's default)
  --keep                  keep the temp folder (node and signer logs, configs, the signer's store) and print its path
  --profile-signer FILE   run the signer under node --cpu-prof, keep the .cpuprofile in FILE and print its top self-time
                          functions during the api part's runs through the signer
  --help, -h              this text`;

function parseOptions(argv: string[]): Options {
  const { values: v } = parseCommandLine(
    argv,
    {
      parts: { type: "string" },
      signatures: { type: "string" },
      "otp-users": { type: "string" },
      "otp-concurrency": { type: "string" },
      users: { type: "string" },
      requests: { type: "string" },
      concurrency: { type: "string" },
      "no-fixed-gas": { type: "boolean" },
      "block-period-ms": { type: "string" },
      keep: { type: "boolean" },
      "profile-signer": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const int = (flag: "signatures" | "otp-users" | "otp-concurrency" | "users" | "requests" | "concurrency" | "block-period-ms", min: number, max: number, otherwise: number): number => {
    const value = v[flag];
    if (value === undefined) return otherwise;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new ArgumentError("ARG_INVALID", flag, `--${flag}: expected an integer ${min}..${max}, got "${value}"`);
    return n;
  };
  const parts = v.parts === undefined ? [...PARTS] : v.parts.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new ArgumentError("ARG_INVALID", "parts", `--parts: unknown part "${p}" (known: ${PARTS.join(", ")})`);
  const o: Options = {
    parts: parts as Part[],
    signatures: int("signatures", 10, 10_000_000, 5000),
    otpUsers: int("otp-users", 1, 10_000, 200),
    otpConcurrency: int("otp-concurrency", 1, 256, 16),
    users: int("users", 1, 20_000, 500),
    requests: int("requests", 1, 1_000_000, 5000),
    concurrency: int("concurrency", 1, 1024, 64),
    fixedGas: v["no-fixed-gas"] !== true,
    blockPeriodMs: int("block-period-ms", 50, 60_000, 1000),
    keep: v.keep === true,
    profileSigner: v["profile-signer"] === undefined ? null : path.resolve(v["profile-signer"]),
  };
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Part 1: signatures

interface Timing {
  name: string;
  n: number;
  seconds: number;
  latMs: number[];
}

/** `warm` calls, then `n` calls each timed with hrtime; the rate is n ÷ the loop's wall time. */
async function timeCalls(name: string, n: number, warm: number, call: (i: number) => unknown): Promise<Timing> {
  for (let i = 0; i < warm; i++) await call(i);
  const latMs = new Array<number>(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    const r = call(i);
    if (r instanceof Promise) await r;
    latMs[i] = Number(process.hrtime.bigint() - a) / 1e6;
  }
  return { name, n, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latMs };
}

function softwareKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (secp256k1.privateKeyVerify(k)) return new Uint8Array(k);
  }
}

async function signPart(o: Options): Promise<void> {
  const n = o.signatures;
  const warm = Math.min(200, n);
  const loadBefore = loadAvg();
  progress(`sign: a SoftHSM2 token and a secp256k1 key in it; ${n.toLocaleString("en-US")} signatures per measurement (${loadBefore})`);
  const token = freshToken("sign");
  const hsm = Hsm.open({ token, pin: BENCH_PIN });
  try {
    const label = "bench-sign";
    const key = hsm.generateKey(label);
    const hsmDs: DigestSigner = hsmDigestSigner(hsm, label);
    const swKey = softwareKey();
    const swDs = privateKeyDigestSigner(swKey);
    const digests = Array.from({ length: n + warm }, () => new Uint8Array(randomBytes(32)));
    const rows: Timing[] = [];
    rows.push(await timeCalls("hsm.signDigest (SoftHSM2 over PKCS#11)", n, warm, (i) => hsmDs.signDigest(digests[i]!)));
    rows.push(await timeCalls("software key (privateKeyDigestSigner)", n, warm, (i) => swDs.signDigest(digests[i]!)));
    // the recovery-id step alone, on signatures the token made: low s, then ecdsaRecover under recid 0 (and 1)
    const made = digests.slice(0, Math.min(n, 2000)).map((d) => {
      const s = hsm.signDigest(label, d);
      return { d, rs: Uint8Array.from([...s.r, ...s.s]) };
    });
    const recovery = await timeCalls("  of which the recovery-id step alone", made.length, 0, (i) => normaliseSignature(made[i]!.rs, made[i]!.d, key.publicKey));

    // EIP-1559 token transfers, gas-free fees (what the signer signs), ethers' serialisation around the digest signer
    const chainId = 46_061n;
    const to = getAddress(hexlify(randomBytes(20)));
    const txs: TransactionRequest[] = Array.from({ length: n + warm }, (_, i) => ({
      type: 2,
      chainId,
      nonce: i,
      to: getAddress(hexlify(randomBytes(20))),
      data: transferData(to.toLowerCase() as Hex, BigInt(i + 1)),
      value: 0n,
      gasLimit: 100_000n,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    }));
    const hsmSigner = HsmSigner.fromHsm(hsm, label);
    const swSigner = new HsmSigner(swDs);
    const ethersWallet = new Wallet(hexlify(swKey));
    const txHsm = await timeCalls("HsmSigner.signTransaction (SoftHSM2)", n, warm, (i) => hsmSigner.signTransaction(txs[i]!));
    const txSw = await timeCalls("HsmSigner.signTransaction (software key)", n, warm, (i) => swSigner.signTransaction(txs[i]!));
    const txEthers = await timeCalls("ethers Wallet.signTransaction (reference)", Math.min(n, 2000), Math.min(warm, 50), (i) => ethersWallet.signTransaction(txs[i]!));
    // the HSM's signature must be a valid one of the key: one recovered check
    const check = Transaction.from(await hsmSigner.signTransaction(txs[0]!));
    if (check.from !== key.address) throw new Error(`the HSM-signed transaction recovers to ${check.from}, not the key's address ${key.address}`);

    out(`\n## 1. Signatures: one process, sequential, ${n.toLocaleString("en-US")} each after ${warm} warm-up (${loadBefore} before)\n`);
    const line = (t: Timing): string[] => [t.name, f0(t.n / t.seconds), ms(pct(t.latMs, 50)), ms(pct(t.latMs, 95)), ms(pct(t.latMs, 99)), ms(Math.max(...t.latMs))];
    const head = ["", "sig/s", "p50 ms", "p95 ms", "p99 ms", "max ms"];
    const [h, s] = rows as [Timing, Timing];
    const ratioRow = (a: Timing, b: Timing, name: string): string[] => [name, ratio(a.n / a.seconds, b.n / b.seconds), ratio(pct(a.latMs, 50), pct(b.latMs, 50)), ratio(pct(a.latMs, 95), pct(b.latMs, 95)), ratio(pct(a.latMs, 99), pct(b.latMs, 99)), ""];
    for (const l of table([head, line(h), line(recovery), line(s), ratioRow(h, s, "HSM ÷ software")])) out(l);
    out("");
    const ethersRow = line(txEthers);
    ethersRow[0] = `${txEthers.name}${txEthers.n < n ? ` (${txEthers.n.toLocaleString("en-US")} only)` : ""}`;
    for (const l of table([["", "tx/s", "p50 ms", "p95 ms", "p99 ms", "max ms"], line(txHsm), line(txSw), ratioRow(txHsm, txSw, "HSM ÷ software"), ethersRow])) out(l);
    out("");
    out(`target: p95 sign ≤ 20 ms → hsm.signDigest p95 ${ms(pct(h.latMs, 95))} ms, HsmSigner.signTransaction p95 ${ms(pct(txHsm.latMs, 95))} ms`);
    out(`signDigest includes the recovery id: PKCS#11 CKM_ECDSA returns r‖s only, so lib/hsm.ts normalises s and recovers the public key (1 or 2 ecdsaRecover) — ${ms(pct(recovery.latMs, 50))} ms of the ${ms(pct(h.latMs, 50))} ms p50`);
  } finally {
    hsm.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2 and 3 printing

/** scrypt (the PIN check) and TOTP verification alone, in this process: what the 2FA path adds by itself. */
async function factorCosts(): Promise<{ scryptMs: number[]; totpMs: number[] }> {
  const stored = await hashPin("482916");
  const scryptMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const a = process.hrtime.bigint();
    if (!(await verifyPin("482916", stored))) throw new Error("verifyPin refused the PIN it hashed");
    scryptMs.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  const totpMs: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const code = totpCode(secret);
    const a = process.hrtime.bigint();
    if (totpStep(secret, code, 1) === null) throw new Error("totpStep refused a fresh code");
    totpMs.push(Number(process.hrtime.bigint() - a) / 1e6);
  }
  return { scryptMs, totpMs };
}

async function printTotp(r: TotpResult, o: Options): Promise<void> {
  const { scryptMs, totpMs } = await factorCosts();
  out(`\n## 2. Sign latency with TOTP checks — POST /v1/dapps/{dapp}/transactions over HTTP, end to end (${r.users} enrolled wallets, one 2FA transaction each per run; ${r.load} before)\n`);
  const row = (name: string, lat: number[]): string[] => [name, String(lat.length), ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(lat, 99))];
  for (const l of table([
    ["sequential (one request at a time)", "requests", "p50 ms", "p95 ms", "p99 ms"],
    row("above otpThreshold: PIN (scrypt) + TOTP code + sign + send", r.seqOtpMs),
    row("below otpThreshold: no 2FA, sign + send", r.seqPlainMs),
    ["2FA adds (difference of the percentiles)", "", ms(pct(r.seqOtpMs, 50) - pct(r.seqPlainMs, 50)), ms(pct(r.seqOtpMs, 95) - pct(r.seqPlainMs, 95)), ""],
  ]))
    out(l);
  out("");
  for (const l of table([
    [`concurrent (${o.otpConcurrency} at a time)`, "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"],
    [r.conOtp.name, String(r.conOtp.latMs.length), f1(r.conOtp.latMs.length / r.conOtp.seconds), ms(pct(r.conOtp.latMs, 50)), ms(pct(r.conOtp.latMs, 95)), ms(pct(r.conOtp.latMs, 99))],
    [r.conPlain.name, String(r.conPlain.latMs.length), f1(r.conPlain.latMs.length / r.conPlain.seconds), ms(pct(r.conPlain.latMs, 50)), ms(pct(r.conPlain.latMs, 95)), ms(pct(r.conPlain.latMs, 99))],
  ]))
    out(l);
  out("");
  out(`the PIN check dominates: scrypt N=16384 r=8 p=1 (16 MiB) alone takes p50 ${ms(pct(scryptMs, 50))} ms here (this process, 20 runs); the TOTP check alone ${ms(pct(totpMs, 50))} ms (p50 of 2,000).`);
  out(`scrypt runs on libuv's thread pool (${process.env.UV_THREADPOOL_SIZE ?? "4"} threads), so concurrent 2FA requests are bounded by CPU cores ÷ scrypt time (${os.cpus().length} cores ÷ ${ms(pct(scryptMs, 50))} ms ≈ ${f0((os.cpus().length * 1000) / pct(scryptMs, 50))}/s at best, shared with everything else).`);
  out(`enrolment (POST …/2fa: scrypt of the new PIN, then …/2fa/confirm; 4 at a time): p50 ${ms(pct(r.enrolMs, 50))} ms`);
  out(walletLine(r.wallets, 4));
}

/** Wallet creation: the rate, and how it falls as the signer's token fills (every creation searches the token). */
function walletLine(w: Wallets, concurrency: number): string {
  return `wallet creation (POST …/wallets: a key pair generated in the HSM + audit row; ${concurrency} at a time): ${w.count} in ${f1(w.seconds)} s, ${f1(w.count / w.seconds)} wallets/s, p50 ${ms(pct(w.latMs, 50))} ms; ${f1(w.firstTenthPerSecond)}/s over the first tenth (token holding ${w.keysBefore} keys) → ${f1(w.lastTenthPerSecond)}/s over the last (${w.keysBefore + w.count} keys)`;
}

function printApi(r: ApiResult, o: Options): void {
  out(`\n## 3. Transaction API end to end on the gas-free chain (1 validator, block period ${o.blockPeriodMs} ms; ${r.requests.toLocaleString("en-US")} token transfers from ${r.users} wallets per run, concurrency ${o.concurrency})\n`);
  const rows: string[][] = [["run", "req/s", "tx/s into chain", "p50 ms", "p95 ms", "p99 ms", "last tx in block after", "CPU signer", "CPU node", "CPU bench"]];
  const cpu = (x: number | null): string => (x === null ? "–" : `${f0(100 * x)} %`);
  for (const run of r.runs) {
    rows.push([run.name, f0(run.requests / run.sendSeconds), f0(run.requests / run.includedSeconds), ms(pct(run.latMs, 50)), ms(pct(run.latMs, 95)), ms(pct(run.latMs, 99)), `${f1(run.includedSeconds)} s`, cpu(run.cpu.signer), cpu(run.cpu.node), cpu(run.cpu.bench)]);
  }
  for (const l of table(rows)) out(l);
  const peer = r.runs.find((x) => x.kind === "peer");
  out("");
  for (const run of r.runs.filter((x) => x.kind !== "peer")) {
    out(`${run.name}: ${f0(run.requests / run.includedSeconds)} tx/s into the chain (target ≥ 500 tx/s); API / peer: requests/s ${peer ? ratio(run.requests / run.sendSeconds, peer.requests / peer.sendSeconds) : "–"}, tx/s ${peer ? ratio(run.requests / run.includedSeconds, peer.requests / peer.includedSeconds) : "–"}`);
  }
  out(`before each run: ${r.runs.map((x) => x.load).join("; ")}`);
  out(`CPU = CPU time of each process during the run ÷ the run's wall time (100 % = one core; ${os.cpus().length} cores in all); "last tx in block after" = first request → the block holding the last transaction seen by the head poller`);
  for (const run of r.runs.filter((x) => x.server !== null)) {
    const s = run.server!;
    out(`${run.name}, inside the signer (its /metrics): submit ${ms(s.submitMeanMs)} ms mean server-side; HSM signature ${ms(s.signMeanMs)} ms mean (${s.signs.toLocaleString("en-US")} signatures, ${s.signOver20ms} over 20 ms); ${s.included.toLocaleString("en-US")} included, ${s.reverted} reverted, ${s.open} open at the end, ${s.sendErrors} send errors`);
  }
  for (const run of r.runs) {
    const c = run.cpuMsPerRequest;
    const node = c.node === null ? "–" : `node ${ms(c.node)} ms (≤ ${f0(1000 / c.node)}/s per node core)`;
    if (run.kind === "peer") out(`${run.name}: CPU per transfer: ${node}`);
    else out(`${run.name}: CPU per transfer: signer ${c.signer === null ? "–" : `${ms(c.signer)} ms (≤ ${f0(1000 / c.signer)} req/s per signer core)`}, ${node}`);
  }
  const e = r.estimate;
  out(`the node alone: eth_estimateGas of the same transfer ${f0(e.perSecond)}/s at concurrency ${o.concurrency} (p50 ${ms(pct(e.latMs, 50))} ms), sequential p50 ${ms(pct(e.seqLatMs, 50))} ms`);
  out(walletLine(r.wallets, 8));
  for (const note of r.notes) out(`note: ${note}`);
}

function printSignerProfile(sys: System, file: string): void {
  const f = readdirSync(sys.profDir!).filter((x) => x.endsWith(".cpuprofile"));
  if (f.length === 0) {
    progress("the signer wrote no .cpuprofile");
    return;
  }
  const src = path.join(sys.profDir!, f[0]!);
  copyFileSync(src, file);
  const end = sys.signerExitAt ?? Date.now();
  const w = sys.apiWindow;
  const p = summarizeProfile(src, REPO, 25, w ? { fromMsBeforeEnd: end - w.from, toMsBeforeEnd: end - w.to } : undefined);
  const busy = p.totalMs - p.idleMs;
  out(`
CPU profile of the signer (node --cpu-prof, ${w ? "the api part's runs through the signer" : "its whole life"}; kept in ${file}): ${f1(p.totalMs / 1000)} s sampled, ${f0((100 * busy) / p.totalMs)} % busy; percentages are of the busy time
`);
  for (const l of table([["function", "where", "self ms", "%"], ...p.functions.map((e) => [e.name, e.where, f0(e.ms), e.pct.toFixed(1)])], 2)) out(l);
  out("");
  for (const l of table([["file or package", "self ms", "%"], ...p.files.map((e) => [e.name, f0(e.ms), e.pct.toFixed(1)])])) out(l);
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  installCleanup();
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-bench-signer-"));
  if (!o.keep) registerTempDir(dir);
  // before anything loads the PKCS#11 module (lib/hsm.ts loads it on first use, the signer's process inherits it)
  softhsmSetup(dir);
  if (!existsSync(SOFTHSM_MODULE)) throw new Error(`SoftHSM2 is not installed (${SOFTHSM_MODULE}): apt-get install softhsm2`);
  out(`signer benchmark on ${machine()}`);
  out(`parts: ${o.parts.join(", ")}`);
  let failed = false;
  if (o.parts.includes("sign")) await signPart(o);
  let sys: System | null = null;
  try {
    if (o.parts.includes("totp") || o.parts.includes("api")) {
      sys = await startSystem(dir, o);
      if (o.parts.includes("totp")) {
        const r = await totpPart(sys, o);
        await printTotp(r, o);
        failed ||= r.failures > 0;
      }
      if (o.parts.includes("api")) {
        const r = await apiPart(sys, o);
        printApi(r, o);
        failed ||= r.failures > 0;
      }
    }
  } finally {
    if (sys) await sys.stop();
    await stopAll();
  }
  if (sys?.profDir && o.profileSigner) printSignerProfile(sys, o.profileSigner);
  out(`\nmachine: ${machine()}`);
  if (o.keep) out(`temp folder kept: ${dir}`);
  else removeTempDirs();
  if (failed) {
    process.stderr.write("error: some requests failed or some transactions were not included (see the notes above)\n");
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  const err = e as Error & { hint?: string; details?: string };
  process.stderr.write(`error: ${err.message}${err.details ? ` (${err.details})` : ""}${err.hint ? `\nhint: ${err.hint}` : ""}\n`);
  process.exit(1);
});
