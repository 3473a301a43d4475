/**
 * Part 1: requests per second and the latency the gateway adds, for three request kinds, each straight to the node and
 * through the gateway, with `clients` concurrent clients and with one (sequential: the added latency without
 * queueing).
 *
 * - cached: `eth_getBlockByNumber(n, false)` of 8 final blocks taken in turn (through the gateway: cache hits after
 *   the warm-up);
 * - uncached: `eth_getBalance(address, "latest")` of 1,000 addresses taken in turn (never cacheable);
 * - send: `eth_sendRawTransaction` of pre-signed 1-wei value transfers, one per request, from a sender group of its
 *   own per run (each sender's transactions in nonce order).
 */
import { readFileSync } from "node:fs";
import { runLoad, type LoadResult } from "./load";
import { sleep } from "../node/measure";
import { signSends, waitForQuietBlock, type BenchNode } from "./system";
import type { Account } from "../node/workload";

export const KINDS = ["cached", "uncached", "send"] as const;
export type Kind = (typeof KINDS)[number];

/** CPU time (ms) used during a run, warm-up included, by each process. */
export interface CpuUse {
  node: number;
  gateway: number;
  /** This process: the load generator. */
  bench: number;
}

export interface LatencyRun {
  kind: Kind;
  clients: number;
  direct: LoadResult;
  gateway: LoadResult;
  cpu: { direct: CpuUse; gateway: CpuUse };
}

/** user + system CPU time of a process, ms (Linux /proc; 0 elsewhere). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

export interface LatencyOptions {
  node: BenchNode;
  gatewayRpcUrl: string;
  gatewayPid: number;
  clients: number;
  kinds: readonly Kind[];
  durationMs: number;
  warmupMs: number;
  /** One sender group per send run (direct/gateway × clients/1), in that order. */
  sendGroups: Account[][];
  /** Pre-signed transactions per sender of a group, for a run with this many clients. */
  perSender: (clients: number) => number;
  log: (m: string) => void;
}

/** The block numbers the cached reads rotate over: the 8 smallest of the last 40 final blocks (empty ones: the chain idles). */
async function cachedBlocks(node: BenchNode): Promise<{ numbers: string[]; meanBytes: number }> {
  // a young chain has few blocks besides the funding ones: let 11 more (empty) blocks come
  const until = node.tracker.height + 11;
  const deadline = performance.now() + 60_000;
  while (node.tracker.height < until && performance.now() < deadline) await sleep(100);
  const head = node.tracker.height;
  const numbers = Array.from({ length: 40 }, (_, i) => head - 3 - i).filter((n) => n >= 1);
  const answers = await node.rpc.batch(numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })));
  const sized = numbers.map((n, i) => ({ n, bytes: JSON.stringify(answers[i]!.result).length })).sort((a, b) => a.bytes - b.bytes || b.n - a.n).slice(0, 8);
  return { numbers: sized.map((x) => `0x${x.n.toString(16)}`), meanBytes: sized.reduce((s, x) => s + x.bytes, 0) / sized.length };
}

export async function measureLatency(o: LatencyOptions): Promise<{ runs: LatencyRun[]; cachedBlockBytes: number }> {
  const { node } = o;
  await waitForQuietBlock(node, 0, 30_000);
  const { numbers: blocks, meanBytes } = await cachedBlocks(node);
  const addresses = node.senders.slice(0, 1000).map((a) => a.address);
  const runs: LatencyRun[] = [];
  let group = 0;
  for (const clients of [o.clients, 1]) {
    for (const kind of o.kinds) {
      const results: LoadResult[] = [];
      const cpu: CpuUse[] = [];
      for (const where of ["direct", "gateway"] as const) {
        const url = where === "direct" ? node.url : o.gatewayRpcUrl;
        let body: (c: number, i: number) => string | null;
        if (kind === "cached") {
          body = (c, i) => `{"jsonrpc":"2.0","id":${i},"method":"eth_getBlockByNumber","params":["${blocks[(c + i) % blocks.length]}",false]}`;
        } else if (kind === "uncached") {
          body = (c, i) => `{"jsonrpc":"2.0","id":${i},"method":"eth_getBalance","params":["${addresses[(c * 31 + i) % addresses.length]}","latest"]}`;
        } else {
          const senders = o.sendGroups[group++]!;
          const perSender = o.perSender(clients);
          o.log(`  signing ${(senders.length * perSender).toLocaleString("en-US")} transactions for the ${where} send run (${clients} client${clients > 1 ? "s" : ""}) ...`);
          const plans = signSends(node.signer, senders, node.senders, clients, perSender);
          body = (c, i) => plans[c]![i] ?? null;
        }
        o.log(`  ${kind}, ${where}, ${clients} client${clients > 1 ? "s" : ""}: ${o.durationMs / 1000} s ...`);
        const before = { node: cpuMs(node.sys.procs[0]!.pid), gateway: cpuMs(o.gatewayPid), bench: process.cpuUsage() };
        results.push(await runLoad({ url, clients, durationMs: o.durationMs, warmupMs: o.warmupMs, body }));
        const own = process.cpuUsage(before.bench);
        cpu.push({ node: cpuMs(node.sys.procs[0]!.pid) - before.node, gateway: cpuMs(o.gatewayPid) - before.gateway, bench: (own.user + own.system) / 1000 });
        // let the pool drain before the next run: sends in a full pool cost more
        if (kind === "send") await waitForQuietBlock(node, 50, 60_000);
      }
      runs.push({ kind, clients, direct: results[0]!, gateway: results[1]!, cpu: { direct: cpu[0]!, gateway: cpu[1]! } });
    }
  }
  return { runs, cachedBlockBytes: meanBytes };
}
