/**
 * Part 5: the node benchmark's `node1-value` scenario (bench/node: 2,000 senders, pre-signed value transfers in
 * eth_sendRawTransaction batches of 200 from 4 clients, adaptive backlog) straight to the node and with
 * `--gateway` (the same load through a gateway process), each a separate `npm run bench:node` run.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../node/chains";
import { spawnProc } from "../node/procs";

export interface TpsRun {
  mode: "direct" | "gateway" | "gateway, log.transactionSenders off";
  tps: number | null;
  exhausted: boolean;
  accepted: number | null;
  rejected: number | null;
  finalityP99S: number | null;
  error: string | null;
  logFile: string;
}

interface NodeBenchJson {
  results: { scenario: string; error: string | null; tps: number; exhausted?: boolean; accepted?: number; rejected?: number; finalityS?: { p99: number } }[];
}

export async function measureTps(o: { tmp: string; durationS: number; log: (m: string) => void }): Promise<TpsRun[]> {
  const runs: TpsRun[] = [];
  const genesisDir = path.join(o.tmp, "tps-genesis");
  for (const mode of ["direct", "gateway", "gateway, log.transactionSenders off"] as const) {
    const slug = mode === "direct" ? "direct" : mode === "gateway" ? "gateway" : "gateway-nosenders";
    const json = path.join(o.tmp, `tps-${slug}.json`);
    const logFile = path.join(o.tmp, `tps-${slug}.log`);
    // what `npm run bench:node -- …` runs, as a direct child (so that Ctrl-C reaches it and its own clean-up)
    const args = ["-r", "ts-node/register/transpile-only", "bench/node/bench.ts", "--scenarios", "node1-value", "--duration", String(o.durationS), "--profile", "none", "--genesis-dir", genesisDir, "--json", json];
    if (mode !== "direct") args.push("--gateway");
    if (mode === "gateway, log.transactionSenders off") args.push("--gateway-config", JSON.stringify({ log: { transactionSenders: false } }));
    o.log(`  bench:node node1-value ${mode} (${o.durationS} s; log ${logFile}) ...`);
    const p = spawnProc(`bench-node-${slug}`, process.execPath, args, { cwd: REPO, logFile });
    const code = await p.exited;
    appendFileSync(logFile, `\n--- stdout ---\n${p.stdout.join("\n")}\n`);
    try {
      const r = (JSON.parse(readFileSync(json, "utf8")) as NodeBenchJson).results.find((x) => x.scenario === "node1-value");
      if (!r) throw new Error("no node1-value result in its JSON");
      runs.push({ mode, tps: r.error ? null : r.tps, exhausted: r.exhausted === true, accepted: r.accepted ?? null, rejected: r.rejected ?? null, finalityP99S: r.finalityS?.p99 ?? null, error: r.error, logFile });
    } catch (e) {
      runs.push({ mode, tps: null, exhausted: false, accepted: null, rejected: null, finalityP99S: null, error: `bench:node exited ${code}: ${(e as Error).message}`, logFile });
    }
  }
  return runs;
}
