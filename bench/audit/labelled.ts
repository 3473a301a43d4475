/**
 * Public labelled sets kept outside the repository (bench/audit/labels/<set>.json names the repository, the commit,
 * what to scan and each intended weakness: file, lines, category, SWC id, why). `bench/audit/fetch-datasets.sh`
 * brings the files; a set that is not there is reported as missing, with the command that fetches it.
 *
 * A hit: a finding in the labelled file within ±window lines of a labelled line whose category is the label's, or
 * whose SWC ids include the label's (the registry is the shared vocabulary where our categories and a set's differ).
 * A set may name line ranges to ignore (an attacker's contract written beside its victim): findings wholly inside
 * one count neither for nor against precision. Ranges, like labels, are written before the scanner runs on a set.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { CompilerSet } from "../../audit/compilers";
import { runAudit } from "../../audit/scan";
import { CATEGORIES, severityRank, type Category, type Finding } from "../../audit/types";

export interface Label {
  file: string;
  lines: number[];
  category: Category;
  swc?: string;
  why: string;
}

/** Lines [from, to] of a file whose findings are not scored (an attacker's contract in the victim's file). */
export interface IgnoredRange {
  file: string;
  lines: [number, number];
  why: string;
}

export interface LabelledSet {
  name: string;
  repo: string;
  commit: string;
  licence: string;
  /** Folder under the datasets folder. */
  folder: string;
  /** Path inside the folder that is scanned; label files are relative to it. */
  scan: string;
  exclude: string[];
  written: string;
  labels: Label[];
  excluded: { file: string; why: string }[];
  ignore?: IgnoredRange[];
}

export const LABELS_DIR = path.join(__dirname, "labels");
/**
 * The held-out set (the independent check of the scanner): scored only by `npm run bench:audit -- --held-out`, never
 * with the other sets, and no detector or rule is written after reading its files or its misses.
 */
export const HELD_OUT_DIR = path.join(__dirname, "held-out");

export function loadLabelledSets(dir = LABELS_DIR): LabelledSet[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const set = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as LabelledSet;
      for (const l of set.labels) {
        if (!(CATEGORIES as readonly string[]).includes(l.category)) throw new Error(`${f}: ${l.file}: unknown category "${l.category}"`);
        if (l.lines.length === 0) throw new Error(`${f}: ${l.file}: a label needs at least one line`);
      }
      for (const r of set.ignore ?? []) {
        const [from, to] = r.lines ?? [];
        if (r.lines?.length !== 2 || !(from > 0 && to >= from)) throw new Error(`${f}: ${r.file}: an ignored range is [from, to] with 0 < from <= to`);
        const inside = set.labels.find((l) => l.file === r.file && l.lines.some((n) => n >= from && n <= to));
        if (inside) throw new Error(`${f}: ${r.file}: ignored range ${from}-${to} covers a labelled line`);
      }
      return set;
    });
}

export function matches(label: Label, f: Finding, window: number): boolean {
  if (f.file !== label.file) return false;
  if (f.category !== label.category && !(label.swc !== undefined && f.swc.includes(label.swc))) return false;
  return f.lines.some((l) => label.lines.some((a) => Math.abs(a - l) <= window));
}

/** True when every line of the finding lies in one of the set's ignored ranges of its file. */
export function ignored(set: Pick<LabelledSet, "ignore">, f: Finding): boolean {
  const ranges = (set.ignore ?? []).filter((r) => r.file === f.file);
  return ranges.length > 0 && f.lines.length > 0 && f.lines.every((n) => ranges.some((r) => n >= r.lines[0] && n <= r.lines[1]));
}

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)} %`;
}

export interface SetScore {
  set: string;
  present: boolean;
  labels: number;
  hit: number;
  /** medium/high findings in the scanned files, and those matching a label */
  mediumHigh: number;
  mediumHighTrue: number;
  files: number;
  parseOnly: number;
}

/** Scans each set that is present and prints recall per category, medium/high precision, misses and compile status. */
export async function scoreLabelledSets(opts: {
  datasets: string;
  projectRoot: string;
  cacheDir: string;
  compilers: CompilerSet;
  window: number;
  verbose: boolean;
  /** Where the label files are (LABELS_DIR, or HELD_OUT_DIR for the held-out check). */
  dir?: string;
}): Promise<SetScore[]> {
  const out: SetScore[] = [];
  const heldOut = opts.dir === HELD_OUT_DIR;
  for (const set of loadLabelledSets(opts.dir)) {
    const root = path.join(opts.datasets, set.folder);
    const scanned = path.join(root, set.scan);
    const ranges = set.ignore?.length ? `, ${set.ignore.length} attacker line ranges not scored` : "";
    console.log(`## ${set.name} (${set.repo} at ${set.commit.slice(0, 10)}; ${set.labels.length} labelled weaknesses, ${set.excluded.length} files left out${ranges})\n`);
    if (!existsSync(scanned)) {
      const fetch = `bash bench/audit/fetch-datasets.sh ${heldOut ? "--held-out " : ""}${opts.datasets}`;
      console.log(`not present at ${scanned}: run \`${fetch}\` (set MIRROR=<folder> where GitHub is unreachable)\n`);
      out.push({ set: set.name, present: false, labels: set.labels.length, hit: 0, mediumHigh: 0, mediumHighTrue: 0, files: 0, parseOnly: 0 });
      continue;
    }
    const exclude = [...set.exclude, ...set.excluded.map((e) => e.file)];
    const r = await runAudit({ path: scanned, exclude, projectRoot: opts.projectRoot, cacheDir: opts.cacheDir, compilers: opts.compilers, slither: false });
    const findings = r.findings.filter((f) => !f.suppressed && !ignored(set, f));
    const statusCount = (s: string): number => r.files.filter((f) => f.status === s).length;
    console.log(
      `project: ${r.project.kind} at ${path.relative(opts.datasets, r.project.root) || "."} (${r.project.remappings} remappings); files: ${r.files.length} — ` +
        `compiled ${statusCount("compiled")}, relaxed pragma ${statusCount("compiled-relaxed-pragma")}, parse-tree only ${statusCount("parse-only")}, failed ${statusCount("failed")}`,
    );
    for (const f of r.files.filter((x) => x.status === "parse-only" || x.status === "failed")) console.log(`  - ${f.file}: ${f.status} — ${(f.message ?? "").slice(0, 300)}`);
    console.log("");

    const byCat = new Map<Category, { total: number; hit: number }>();
    const misses: Label[] = [];
    let hit = 0;
    for (const l of set.labels) {
      const c = byCat.get(l.category) ?? { total: 0, hit: 0 };
      c.total++;
      if (findings.some((f) => matches(l, f, opts.window))) {
        c.hit++;
        hit++;
      } else misses.push(l);
      byCat.set(l.category, c);
    }
    const mh = findings.filter((f) => severityRank(f.severity) >= severityRank("medium"));
    const mhTrue = mh.filter((f) => set.labels.some((l) => matches(l, f, opts.window)));
    console.log(`recall ${hit}/${set.labels.length} (${pct(hit, set.labels.length)}); medium/high precision ${mhTrue.length}/${mh.length} (${pct(mhTrue.length, mh.length)})\n`);
    console.log("| category | labelled | found | recall |");
    console.log("|---|---:|---:|---:|");
    for (const c of CATEGORIES) {
      const x = byCat.get(c);
      if (x) console.log(`| ${c} | ${x.total} | ${x.hit} | ${pct(x.hit, x.total)} |`);
    }
    console.log("");
    if (opts.verbose) {
      console.log("missed:");
      for (const l of misses) console.log(`  - ${l.file}:${l.lines.join(",")} ${l.category}${l.swc ? ` ${l.swc}` : ""} — ${l.why}`);
      console.log("medium/high findings matching no label:");
      for (const f of mh.filter((x) => !mhTrue.includes(x))) console.log(`  - ${f.file}:${f.lines.join(",")} ${f.severity}/${f.confidence} ${f.detector} (${f.category})`);
      console.log("");
    }
    out.push({ set: set.name, present: true, labels: set.labels.length, hit, mediumHigh: mh.length, mediumHighTrue: mhTrue.length, files: r.files.length, parseOnly: statusCount("parse-only") });
  }
  return out;
}
