/**
 * Scanner benchmark (not part of `npm test`): recall/precision on SmartBugs-curated, false positives on
 * OpenZeppelin v5 (every file) and on this repository's contracts/, recall/precision on our own detector fixtures (the
 * tuning set), time per contract with and without the compile cache.
 *
 *   npm run bench:audit                       # everything
 *   npm run bench:audit -- --window 0         # exact-line matching
 *   npm run bench:audit -- --skip-timing      # recall/precision and OpenZeppelin only
 *   npm run bench:audit -- --sets-only        # the public labelled sets only (bench/audit/labels/), --misses lists misses
 *   npm run bench:audit -- --held-out         # the held-out set only (bench/audit/held-out/): the independent check
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompilerSet } from "../../audit/compilers";
import { runAudit, type AuditResult } from "../../audit/scan";
import { scanFixtures } from "./fixtures";
import type { Category, Finding } from "../../audit/types";
import { CATEGORIES, severityRank } from "../../audit/types";
import { parseCommandLine } from "../../lib/args";
import { isLuniverseError } from "../../lib/errors";
import { HELD_OUT_DIR, scoreLabelledSets, type SetScore } from "./labelled";

const PROJECT = path.resolve(__dirname, "../..");
const DATASET = process.env.SMARTBUGS_DIR ?? path.resolve(PROJECT, "../shared/bench/smartbugs-curated");
/** Where bench/audit/fetch-datasets.sh puts the public labelled sets. */
const DATASETS = process.env.AUDIT_DATASETS ?? path.resolve(PROJECT, "../shared/bench");

/** Audited code scanned for false positives (fetched by bench/audit/fetch-datasets.sh at pinned commits). */
const AUDITED: { name: string; folder: string; scan: string; exclude: string[] }[] = [
  { name: "Uniswap v2 core", folder: "uniswap-v2-core", scan: "contracts", exclude: ["test/**"] },
  { name: "Uniswap v3 core", folder: "uniswap-v3-core", scan: "contracts", exclude: ["test/**"] },
  { name: "Safe smart account", folder: "safe-smart-account", scan: "contracts", exclude: ["test/**", "examples/**"] },
  { name: "solmate", folder: "solmate", scan: "src", exclude: ["test/**"] },
  { name: "solady", folder: "solady", scan: "src", exclude: [] },
];

interface Annotated {
  name: string;
  path: string;
  vulnerabilities: { lines: number[]; category: Category }[];
}


function pct(n: number, d: number): string {
  return d === 0 ? "  n/a" : `${((100 * n) / d).toFixed(1).padStart(5)} %`;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

function subset69(): Set<string> {
  const text = readFileSync(path.join(DATASET, "ICSE2020_curated_69.txt"), "utf8");
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("./dataset")) continue;
    const moved = /MOVED TO: \.\/(.*?)\]/.exec(line);
    out.add(moved ? `dataset/${moved[1]}` : line.slice(2).trim());
  }
  return out;
}

interface Score {
  total: number;
  hit: number;
  byCategory: Map<Category, { total: number; hit: number }>;
}

function score(entries: Annotated[], findings: Map<string, Finding[]>, window: number, filter: (f: Finding) => boolean): Score {
  const s: Score = { total: 0, hit: 0, byCategory: new Map() };
  for (const e of entries) {
    const fs = (findings.get(e.path) ?? []).filter(filter);
    for (const v of e.vulnerabilities) {
      const c = s.byCategory.get(v.category) ?? { total: 0, hit: 0 };
      c.total++;
      s.total++;
      const hit = fs.some((f) => f.category === v.category && f.lines.some((l) => v.lines.some((a) => Math.abs(a - l) <= window)));
      if (hit) {
        c.hit++;
        s.hit++;
      }
      s.byCategory.set(v.category, c);
    }
  }
  return s;
}

function precision(entries: Annotated[], findings: Map<string, Finding[]>, window: number, filter: (f: Finding) => boolean): { tp: number; all: number } {
  let tp = 0;
  let all = 0;
  for (const e of entries) {
    for (const f of (findings.get(e.path) ?? []).filter(filter)) {
      all++;
      if (e.vulnerabilities.some((v) => v.category === f.category && f.lines.some((l) => v.lines.some((a) => Math.abs(a - l) <= window)))) tp++;
    }
  }
  return { tp, all };
}

/** Recall and medium/high precision summed over the sets that are present. */
function printTotals(scores: SetScore[]): void {
  const present = scores.filter((s) => s.present);
  if (present.length === 0) return;
  const sum = (k: "labels" | "hit" | "hitByClaims" | "mediumHigh" | "mediumHighTrue" | "reviewedReal" | "unreviewed" | "files" | "parseOnly"): number =>
    present.reduce((n, s) => n + s[k], 0);
  console.log(`all present sets: recall ${sum("hit")}/${sum("labels")} (${pct(sum("hit"), sum("labels"))}; without informational notes ${sum("hitByClaims")}/${sum("labels")}, ${pct(sum("hitByClaims"), sum("labels"))}); medium/high precision ${sum("mediumHighTrue")}/${sum("mediumHigh")} (${pct(sum("mediumHighTrue"), sum("mediumHigh"))}); ${sum("files")} files, ${sum("parseOnly")} parse-tree only`);
  const withReal = sum("mediumHighTrue") + sum("reviewedReal");
  console.log(`  counting reviewed real weaknesses as true: ${withReal}/${sum("mediumHigh")} (${pct(withReal, sum("mediumHigh"))}); ${sum("unreviewed")} unmatched findings not reviewed (counted false)\n`);
}

async function main(): Promise<void> {
  const { values: argv } = parseCommandLine(
    process.argv.slice(2),
    {
      window: { type: "string", default: "2" },
      "skip-timing": { type: "boolean", default: false },
      "sets-only": { type: "boolean", default: false },
      misses: { type: "boolean", default: false },
      "by-detector": { type: "boolean", default: false },
      "held-out": { type: "boolean", default: false },
    },
    "usage: npm run bench:audit -- [--window LINES] [--skip-timing] [--sets-only | --held-out] [--misses] [--by-detector]",
  );
  const window = Number(argv.window);
  const skipTiming = argv["skip-timing"];
  const entries = JSON.parse(readFileSync(path.join(DATASET, "vulnerabilities.json"), "utf8")) as Annotated[];
  const sub = subset69();
  const compilers = new CompilerSet({ roots: [PROJECT] });
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "audit-bench-cache-"));

  console.log("# Luniverse audit benchmark\n");
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`);
  console.log(`compilers: solc ${compilers.versions().join(", ")}`);
  const labelled = async (): Promise<void> => {
    printTotals(await scoreLabelledSets({ datasets: DATASETS, projectRoot: PROJECT, cacheDir, compilers, window, verbose: argv.misses }));
  };
  if (argv["held-out"]) {
    console.log("held out: scored alone, never with the other sets; no detector is written after reading these files or their misses\n");
    const scores = await scoreLabelledSets({ datasets: DATASETS, projectRoot: PROJECT, cacheDir, compilers, window, verbose: argv.misses, dir: HELD_OUT_DIR });
    printTotals(scores);
    rmSync(cacheDir, { recursive: true, force: true });
    return;
  }
  if (argv["sets-only"]) {
    await labelled();
    rmSync(cacheDir, { recursive: true, force: true });
    return;
  }
  console.log(`dataset: ${DATASET} (${entries.length} contracts, ${entries.reduce((n, e) => n + e.vulnerabilities.length, 0)} annotated vulnerabilities)`);
  console.log(`a hit: a finding of the annotated category within ±${window} lines of an annotated line\n`);

  // One scan of the whole dataset (batched compilation).
  const t0 = Date.now();
  const result = await runAudit({ path: path.join(DATASET, "dataset"), projectRoot: PROJECT, cacheDir, compilers });
  const batchMs = Date.now() - t0;
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const key = `dataset/${f.file}`;
    byFile.set(key, [...(byFile.get(key) ?? []), f]);
  }
  const statusCount = (s: string): number => result.files.filter((f) => f.status === s).length;
  console.log(
    `files: ${result.files.length} — compiled ${statusCount("compiled")}, compiled with relaxed pragma ${statusCount("compiled-relaxed-pragma")}, ` +
      `parse-tree only ${statusCount("parse-only")}, failed ${statusCount("failed")}; slither: ${result.tools.slither}\n`,
  );

  const all = (): boolean => true;
  const ownOnly = (f: Finding): boolean => f.source === "own" || (f.alsoReportedBy ?? []).some((o) => o.source === "own");
  const sub69 = entries.filter((e) => sub.has(e.path));

  const table = (title: string, es: Annotated[]): void => {
    const sAll = score(es, byFile, window, all);
    const sOwn = score(es, byFile, window, ownOnly);
    console.log(`## ${title}: recall ${sAll.hit}/${sAll.total} (${pct(sAll.hit, sAll.total).trim()}); own detectors only ${sOwn.hit}/${sOwn.total} (${pct(sOwn.hit, sOwn.total).trim()})\n`);
    console.log("| category | vulnerabilities | found | recall | own only |");
    console.log("|---|---:|---:|---:|---:|");
    for (const c of CATEGORIES) {
      const x = sAll.byCategory.get(c);
      if (!x) continue;
      const o = sOwn.byCategory.get(c)!;
      console.log(`| ${c} | ${x.total} | ${x.hit} | ${pct(x.hit, x.total)} | ${pct(o.hit, o.total)} |`);
    }
    console.log("");
  };
  if (argv.misses) {
    console.log("## Missed annotations\n");
    for (const e of entries) {
      const fs = byFile.get(e.path) ?? [];
      for (const v of e.vulnerabilities) {
        const hit = fs.some((f) => f.category === v.category && f.lines.some((l) => v.lines.some((a) => Math.abs(a - l) <= window)));
        if (!hit) console.log(`- ${sub.has(e.path) ? "[69] " : ""}${e.path}:${v.lines.join(",")} ${v.category}`);
      }
    }
    console.log("");
  }
  table("All 143 contracts", entries);
  table("ICSE 2020 subset (69 contracts)", sub69);
  console.log("Published on the same 69 contracts (Durieux et al., ICSE 2020, 115 vulnerabilities): Slither 20 (17 %), Mythril 31 (27 %), all nine tools 48 (42 %).\n");

  if (argv["by-detector"]) {
    const det = new Map<string, { all: number; tp: number }>();
    for (const e of entries) {
      for (const f of byFile.get(e.path) ?? []) {
        const key = `${f.source}:${f.detector}:${f.severity}`;
        const d = det.get(key) ?? { all: 0, tp: 0 };
        d.all++;
        if (e.vulnerabilities.some((v) => v.category === f.category && f.lines.some((l) => v.lines.some((a) => Math.abs(a - l) <= window)))) d.tp++;
        det.set(key, d);
      }
    }
    console.log("| source:detector:severity | findings | matching an annotation |");
    console.log("|---|---:|---:|");
    for (const [k, d] of [...det].sort((a, b) => b[1].all - a[1].all)) console.log(`| ${k} | ${d.all} | ${d.tp} |`);
    console.log("");
  }
  const pAll = precision(entries, byFile, window, all);
  const pMed = precision(entries, byFile, window, (f) => severityRank(f.severity) >= severityRank("medium"));
  const pOwn = precision(entries, byFile, window, (f) => f.source === "own");
  console.log("## Precision against the annotations (a lower bound: the dataset annotates one issue class per file)\n");
  console.log(`- all findings: ${pAll.tp}/${pAll.all} match an annotation (${pct(pAll.tp, pAll.all).trim()})`);
  console.log(`- medium and high: ${pMed.tp}/${pMed.all} (${pct(pMed.tp, pMed.all).trim()})`);
  console.log(`- own detectors only: ${pOwn.tp}/${pOwn.all} (${pct(pOwn.tp, pOwn.all).trim()})\n`);

  // Public labelled sets (bench/audit/labels/): not used while writing the detectors.
  await labelled();

  // False positives where there should be none: every file of OpenZeppelin Contracts v5 (and its upgradeable
  // variant), and this repository's own contracts/ (as CI scans them: without mocks/ and test/).
  const corpora: { name: string; path: string; exclude?: string[] }[] = [
    { name: "OpenZeppelin Contracts v5 (node_modules/@openzeppelin/contracts, every file)", path: path.join(PROJECT, "node_modules/@openzeppelin/contracts") },
    { name: "OpenZeppelin Contracts Upgradeable v5 (every file)", path: path.join(PROJECT, "node_modules/@openzeppelin/contracts-upgradeable") },
    { name: "this repository's contracts/ (without mocks/ and test/)", path: path.join(PROJECT, "contracts"), exclude: ["mocks/**", "test/**"] },
    // well-known audited code (bench/audit/fetch-datasets.sh brings it into <datasets>/audited/), without tests
    ...AUDITED.map((a) => ({ name: `${a.name} (audited; ${a.scan}, without tests and examples)`, path: path.join(DATASETS, "audited", a.folder, a.scan), exclude: a.exclude })),
  ];
  for (const c of corpora) {
    if (!existsSync(c.path)) {
      console.log(`## ${c.name}\n\nnot present at ${c.path}: run \`bash bench/audit/fetch-datasets.sh\`\n`);
      continue;
    }
    const r: AuditResult = await runAudit({ path: c.path, exclude: c.exclude, projectRoot: PROJECT, cacheDir, compilers, slither: false });
    const open = r.findings.filter((x) => !x.suppressed);
    const hm = open.filter((x) => severityRank(x.severity) >= severityRank("medium"));
    console.log(`## ${c.name} — medium/high findings are false positives\n`);
    console.log(`${r.files.length} files (${r.summary.compiled} compiled); findings: high ${r.summary.bySeverity.high}, medium ${r.summary.bySeverity.medium}, low ${r.summary.bySeverity.low}, info ${r.summary.bySeverity.info}\n`);
    const byDetector = new Map<string, number>();
    for (const x of hm) byDetector.set(`${x.source}:${x.detector}:${x.severity}`, (byDetector.get(`${x.source}:${x.detector}:${x.severity}`) ?? 0) + 1);
    if (byDetector.size > 0) {
      console.log("| source:detector:severity | findings |");
      console.log("|---|---:|");
      for (const [k, n] of [...byDetector].sort((a, b) => b[1] - a[1])) console.log(`| ${k} | ${n} |`);
      for (const x of hm.slice(0, 20)) console.log(`  - ${x.file}:${x.lines.join(",")} ${x.severity} ${x.detector}: ${x.message.slice(0, 120)}`);
      console.log("");
    }
  }

  // Our own fixtures (test/audit/fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol) — the detectors were written
  // against these, so this is the tuning set, not an independent measure.
  const fixtures = path.join(PROJECT, "test/audit/fixtures/detectors");
  const fx = await scanFixtures({ fixtures, projectRoot: PROJECT, cacheDir, compilers });
  let fxHit = 0;
  let fxTotal = 0;
  let fxTp = 0;
  let fxAll = 0;
  for (const dir of readdirSync(fixtures).sort()) {
    const marks = readFileSync(path.join(fixtures, dir, "Vulnerable.sol"), "utf8")
      .split("\n")
      .map((l, i) => (l.includes(`// <- ${dir}`) ? i + 1 : 0))
      .filter((n) => n > 0);
    fxTotal++;
    const here = fx.findings.filter((f) => f.file.startsWith(`${dir}/`) && !f.suppressed && severityRank(f.severity) >= severityRank("medium"));
    // recall at the fixture's own severity (some are low or info by design: erc20-approve-race, centralization-risk)
    if (fx.findings.some((f) => !f.suppressed && f.detector === dir && f.file === `${dir}/Vulnerable.sol`)) fxHit++;
    for (const f of here) {
      fxAll++;
      if (f.file === `${dir}/Vulnerable.sol` && f.detector === dir && f.lines.some((l) => marks.includes(l))) fxTp++;
    }
  }
  console.log(`## Our detector fixtures (${fxTotal} vulnerable/fixed pairs; the tuning set): recall ${fxHit}/${fxTotal} (${pct(fxHit, fxTotal).trim()}, any severity); medium/high precision ${fxTp}/${fxAll} (${pct(fxTp, fxAll).trim()}; any other medium/high finding in a pair counts as false)\n`);

  if (!skipTiming) {
    // Time per contract: each file scanned on its own, first with an empty cache, then warm.
    const files = entries.map((e) => path.join(DATASET, e.path));
    const cold: number[] = [];
    const warm: number[] = [];
    const timingCache = mkdtempSync(path.join(os.tmpdir(), "audit-bench-timing-"));
    // Load every compiler once so the first file of each version does not carry the load time.
    for (const v of compilers.versions()) compilers.compile(v, { language: "Solidity", sources: { "a.sol": { content: "" } }, settings: { outputSelection: {} } });
    for (const f of files) {
      const t = Date.now();
      await runAudit({ path: f, projectRoot: PROJECT, cacheDir: timingCache, compilers });
      cold.push(Date.now() - t);
    }
    for (const f of files) {
      const t = Date.now();
      await runAudit({ path: f, projectRoot: PROJECT, cacheDir: timingCache, compilers });
      warm.push(Date.now() - t);
    }
    rmSync(timingCache, { recursive: true, force: true });
    console.log("## Time per contract (each of the 143 files scanned on its own: compile, own detectors, solhint, slither check)\n");
    console.log("| | median | p95 | max |");
    console.log("|---|---:|---:|---:|");
    console.log(`| without cache | ${quantile(cold, 0.5)} ms | ${quantile(cold, 0.95)} ms | ${Math.max(...cold)} ms |`);
    console.log(`| with cache | ${quantile(warm, 0.5)} ms | ${quantile(warm, 0.95)} ms | ${Math.max(...warm)} ms |`);
    const t1 = Date.now();
    await runAudit({ path: path.join(DATASET, "dataset"), projectRoot: PROJECT, cacheDir, compilers });
    const warmBatch = Date.now() - t1;
    console.log(`\nWhole dataset in one run: ${batchMs} ms without cache (${(batchMs / files.length).toFixed(0)} ms per contract), ${warmBatch} ms with cache (${(warmBatch / files.length).toFixed(0)} ms per contract). Slither took about 3 s per contract in the paper.`);
  }
  rmSync(cacheDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(isLuniverseError(e) ? `error: ${e.message}` : e);
  process.exitCode = 1;
});
