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
import { parseChains } from "../../audit/chains";
import { parseTokens, type TokenAssumption } from "../../audit/tokens";
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
  /**
   * The chains the project told its auditors it deploys to (a contest README's deployment answer), passed to the scan as
   * `--chains` would be; undefined when the set's source names none.
   */
  chains?: string[];
  /**
   * What the project told its auditors about the ERC-20 tokens it handles (a contest README's token answers), passed to
   * the scan as `--tokens` would be, with the README's words beside it; undefined when the set's source says nothing.
   */
  tokens?: TokenAssumption;
  tokensQuote?: string;
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
/**
 * Reviews of the medium/high findings that match no label (bench/audit/reviewed/<folder>.json): each read against the
 * code by a reviewer who wrote neither the scanner nor the labels, and judged a real weakness the set does not label
 * or a false alarm. They give a second precision figure beside the strict one; they never change recall or the labels.
 */
export const REVIEWED_DIR = path.join(__dirname, "reviewed");

export type Verdict = "real" | "false-alarm";

export interface ReviewedFinding {
  file: string;
  lines: number[];
  detector: string;
  verdict: Verdict;
  why: string;
}

export interface Review {
  set: string;
  reviewed: string;
  findings: ReviewedFinding[];
}

/** The review of a set's unmatched findings, or undefined when there is none. */
export function loadReview(folder: string, dir = REVIEWED_DIR): Review | undefined {
  const file = path.join(dir, `${path.basename(folder)}.json`);
  if (!existsSync(file)) return undefined;
  const review = JSON.parse(readFileSync(file, "utf8")) as Review;
  for (const r of review.findings) {
    if (r.verdict !== "real" && r.verdict !== "false-alarm") throw new Error(`${file}: ${r.file}: verdict must be "real" or "false-alarm", not "${String(r.verdict)}"`);
    if (!Array.isArray(r.lines) || r.lines.length === 0) throw new Error(`${file}: ${r.file}: a reviewed finding needs its lines`);
  }
  return review;
}

/** The verdict on a finding: the same file, detector and lines as a reviewed one (a finding that moved is unreviewed). */
export function verdictOf(review: Review | undefined, f: Finding): Verdict | undefined {
  const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);
  return review?.findings.find((r) => r.file === f.file && r.detector === f.detector && same(r.lines, f.lines))?.verdict;
}

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
      // the same names --chains takes (an unknown one is an error naming the file)
      if (set.chains !== undefined) {
        try {
          set.chains = parseChains(set.chains.join(","));
        } catch (e) {
          throw new Error(`${f}: ${(e as Error).message.replace("--chains", '"chains"')}`);
        }
      }
      if (set.tokens !== undefined) {
        try {
          set.tokens = parseTokens(set.tokens);
        } catch (e) {
          throw new Error(`${f}: ${(e as Error).message.replace("--tokens", '"tokens"')}`);
        }
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

function verdictNote(v: Verdict | undefined): string {
  return v === "real" ? " — reviewed: real" : v === "false-alarm" ? " — reviewed: false alarm" : "";
}

function pct(n: number, d: number): string {
  return d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)} %`;
}

export interface SetScore {
  set: string;
  present: boolean;
  labels: number;
  hit: number;
  /** labels found by a finding of low severity or above: an informational note (a centralisation list of every privileged function) is not a report of the weakness */
  hitByClaims: number;
  /** medium/high findings in the scanned files, and those matching a label */
  mediumHigh: number;
  mediumHighTrue: number;
  /** unmatched medium/high findings a reviewer judged real weaknesses, and those not reviewed */
  reviewedReal: number;
  unreviewed: number;
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
      out.push({ set: set.name, present: false, labels: set.labels.length, hit: 0, hitByClaims: 0, mediumHigh: 0, mediumHighTrue: 0, reviewedReal: 0, unreviewed: 0, files: 0, parseOnly: 0 });
      continue;
    }
    const exclude = [...set.exclude, ...set.excluded.map((e) => e.file)];
    const r = await runAudit({ path: scanned, exclude, chains: set.chains, tokens: set.tokens, projectRoot: opts.projectRoot, cacheDir: opts.cacheDir, compilers: opts.compilers, slither: false });
    const findings = r.findings.filter((f) => !f.suppressed && !ignored(set, f));
    const statusCount = (s: string): number => r.files.filter((f) => f.status === s).length;
    console.log(
      `project: ${r.project.kind} at ${path.relative(opts.datasets, r.project.root) || "."} (${r.project.remappings} remappings)` +
        (r.nested.length > 0 ? `, ${r.nested.length} nested projects (${r.nested.map((n) => n.kind).filter((k, i, a) => a.indexOf(k) === i).join(", ")}) each with its own remappings` : "") +
        `; files: ${r.files.length} — ` +
        `compiled ${statusCount("compiled")}, relaxed pragma ${statusCount("compiled-relaxed-pragma")}, parse-tree only ${statusCount("parse-only")}, failed ${statusCount("failed")}`,
    );
    for (const f of r.files.filter((x) => x.status === "parse-only" || x.status === "failed")) console.log(`  - ${f.file}: ${f.status} — ${(f.message ?? "").slice(0, 300)}`);
    console.log("");

    const byCat = new Map<Category, { total: number; hit: number }>();
    const misses: Label[] = [];
    let hit = 0;
    let hitByClaims = 0;
    for (const l of set.labels) {
      const c = byCat.get(l.category) ?? { total: 0, hit: 0 };
      c.total++;
      if (findings.some((f) => matches(l, f, opts.window))) {
        c.hit++;
        hit++;
        if (findings.some((f) => f.severity !== "info" && matches(l, f, opts.window))) hitByClaims++;
      } else misses.push(l);
      byCat.set(l.category, c);
    }
    const mh = findings.filter((f) => severityRank(f.severity) >= severityRank("medium"));
    const mhTrue = mh.filter((f) => set.labels.some((l) => matches(l, f, opts.window)));
    const review = loadReview(set.folder);
    const unmatched = mh.filter((x) => !mhTrue.includes(x));
    const real = unmatched.filter((f) => verdictOf(review, f) === "real").length;
    const unreviewed = unmatched.filter((f) => verdictOf(review, f) === undefined).length;
    console.log(`recall ${hit}/${set.labels.length} (${pct(hit, set.labels.length)}; without informational notes ${hitByClaims}); medium/high precision ${mhTrue.length}/${mh.length} (${pct(mhTrue.length, mh.length)})`);
    console.log(
      `  counting reviewed real weaknesses as true: ${mhTrue.length + real}/${mh.length} (${pct(mhTrue.length + real, mh.length)}); ` +
        `unmatched: ${real} real, ${unmatched.length - real - unreviewed} false alarms, ${unreviewed} not reviewed (counted false)\n`,
    );
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
      for (const f of unmatched) console.log(`  - ${f.file}:${f.lines.join(",")} ${f.severity}/${f.confidence} ${f.detector} (${f.category})${verdictNote(verdictOf(review, f))}`);
      console.log("");
    }
    out.push({ set: set.name, present: true, labels: set.labels.length, hit, hitByClaims, mediumHigh: mh.length, mediumHighTrue: mhTrue.length, reviewedReal: real, unreviewed, files: r.files.length, parseOnly: statusCount("parse-only") });
  }
  return out;
}
