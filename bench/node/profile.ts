/**
 * Reads a V8 `.cpuprofile` (`node --cpu-prof`) and ranks self time: per function (name + file:line) and per
 * source file / package, so the figures say where the node spends its time.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time considered (the window when one was given), idle included. */
  totalMs: number;
  idleMs: number;
  functions: SelfTime[];
  files: SelfTime[];
}

/** Shortens a script URL: a path inside the repo stays relative, node_modules collapses to the package. */
function shortUrl(url: string, repo: string): { file: string; pkg: string } {
  if (url === "") return { file: "(native / V8)", pkg: "(native / V8)" };
  const p = url.startsWith("file://") ? new URL(url).pathname : url;
  if (p.startsWith("node:")) return { file: p, pkg: "node: (core)" };
  const nm = p.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = p.slice(nm + "node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return { file: `${pkg}/${rest.slice(pkg.split("/").length).join("/")}`, pkg };
  }
  const rel = path.isAbsolute(p) ? path.relative(repo, p) : p;
  return { file: rel, pkg: rel };
}

/**
 * Ranks self time. `window` limits the samples to a span given in ms before the profile's end (the profile ends when
 * the process exits, so the caller converts its wall-clock window into "ms before exit"); percentages are of the
 * busy (non-idle) time.
 */
export function summarizeProfile(file: string, repo: string, top = 25, window?: { fromMsBeforeEnd: number; toMsBeforeEnd: number }): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const lo = window ? prof.endTime - window.fromMsBeforeEnd * 1000 : -Infinity;
  const hi = window ? prof.endTime - window.toMsBeforeEnd * 1000 : Infinity;
  let ts = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    ts += prof.timeDeltas[i] ?? 0;
    if (ts < lo || ts > hi) continue;
    selfUs.set(prof.samples[i]!, (selfUs.get(prof.samples[i]!) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    total += us;
    if (cf.functionName === "(idle)") idle += us;
    const { file: f, pkg } = shortUrl(cf.url, repo);
    const name = cf.functionName || "(anonymous)";
    const where = cf.url ? `${f}:${cf.lineNumber + 1}` : "";
    const key = `${name}@${where}`;
    const e = fn.get(key) ?? { name, where, us: 0 };
    e.us += us;
    fn.set(key, e);
    const group = cf.url ? (pkg.includes("/") && !pkg.startsWith("@") ? f.replace(/:\d+$/, "") : pkg) : name.startsWith("(") ? name : "(native / V8)";
    const g = files.get(group) ?? { name: group, where: "", us: 0 };
    g.us += us;
    files.set(group, g);
  }
  const busy = total - idle;
  const rank = (m: Map<string, { name: string; where: string; us: number }>) =>
    [...m.values()]
      .filter((e) => e.name !== "(idle)")
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, pct: busy === 0 ? 0 : (100 * e.us) / busy }));
  return { totalMs: total / 1000, idleMs: idle / 1000, functions: rank(fn), files: rank(files) };
}
