/**
 * The scan pipeline: discover → compile (per pragma, cached) → own detectors + solhint + slither →
 * merge duplicates → inline suppressions → one result for every report format.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { analyzeFile } from "./analyze";
import { LineIndex } from "./ast/lines";
import { findAll } from "./ast/node";
import { compileFiles, type CompiledFile } from "./compile";
import { CompilerSet } from "./compilers";
import { discoverSolidity } from "./discover";
import { detectProject, isProjectRoot, type Project, type ProjectKind } from "./project";
import { mergeDuplicates, toFinding } from "./merge";
import { runSlither } from "./slither";
import { runSolhint, solhintAvailable } from "./solhint";
import { applySuppressions, ignoreComments } from "./suppress";
import type { TokenAssumption } from "./tokens";
import type { Category, Confidence, FileStatus, Finding, Severity } from "./types";
import { CATEGORIES, SEVERITIES, confidenceRank, severityRank } from "./types";
import { readFileSync } from "node:fs";
import { LuniverseError } from "../lib/errors";

export interface AuditProgress {
  phase: "compile" | "analyse" | "slither";
  done: number;
  total: number;
  file?: string;
}

export interface AuditOptions {
  /** File or folder to scan; the project's contracts/ when omitted. */
  path?: string;
  /** Globs relative to the scanned folder to leave out (`mocks/**`). */
  exclude?: string[];
  /** Project root: where node_modules, contracts/ and cache/ are (default: current directory). */
  projectRoot?: string;
  /** Cache compiler output under cacheDir (default true). */
  cache?: boolean;
  /** Default: <projectRoot>/cache/audit. */
  cacheDir?: string;
  /** Run solhint's security rules (default true). */
  solhint?: boolean;
  /** Run slither when it is on PATH (default true). */
  slither?: boolean;
  /** Only these detector ids of our own (default: all). */
  detectors?: string[];
  /** The chains the contracts are deployed to (audit/chains.ts: `parseChains`), for the weaknesses of some chains only. */
  chains?: readonly string[];
  /** What the project says about the ERC-20 tokens it handles (audit/tokens.ts: `parseTokens`); "any" when it does not. */
  tokens?: TokenAssumption;
  onProgress?: (p: AuditProgress) => void;
  /** Reuse a compiler set across runs (benchmarks). */
  compilers?: CompilerSet;
}

export interface AuditSummary {
  files: number;
  compiled: number;
  parseOnly: number;
  failed: number;
  findings: number;
  suppressed: number;
  bySeverity: Record<Severity, number>;
  byCategory: Record<Category, number>;
}

export interface AuditResult {
  /** The scanned path as given (relative to the project root when inside it). */
  scannedPath: string;
  /** The project the path belongs to: its kind, root and how many remappings its imports resolve with. */
  project: { kind: ProjectKind; root: string; remappings: number };
  /**
   * Projects nested in the scanned folder (a monorepo, or one Foundry project per challenge): each compiled with its
   * own remappings and dependency folders, as its build tool would. Empty when every file belongs to `project`.
   */
  nested: { kind: ProjectKind; root: string; remappings: number; files: number }[];
  /** Absolute folder that finding paths are relative to. */
  root: string;
  /** Exclude patterns applied and how many files they left out. */
  excluded: { patterns: string[]; files: number };
  files: FileStatus[];
  findings: Finding[];
  summary: AuditSummary;
  tools: { solc: string[]; solhint: string; slither: string };
  /** Things the reader should know: slither missing, detector errors, audit-ignore comments without a reason. */
  notes: string[];
  startedAt: string;
  durationMs: number;
}

export class AuditPathError extends LuniverseError<"AUDIT_PATH"> {
  override name = "AuditPathError";
  constructor(readonly path: string) {
    super("AUDIT_PATH", `path not found: ${path}`);
  }
}

export async function runAudit(options: AuditOptions = {}): Promise<AuditResult> {
  const started = Date.now();
  const projectRoot = path.resolve(options.projectRoot ?? process.cwd());
  const target = path.resolve(projectRoot, options.path ?? "contracts");
  if (!existsSync(target)) throw new AuditPathError(target);
  // the project the path belongs to (Foundry, Hardhat or plain): its remappings and dependency folders
  const project = detectProject(target);
  // projects nested in the scanned folder (foundry.toml or a Hardhat config below it): their dependency folders are
  // skipped like the project's own, and their files compile with their own remappings
  const nestedProjects = new Map<string, Project>();
  const nestedAt = (dir: string): Project | undefined => {
    if (!isProjectRoot(dir)) return undefined;
    let p = nestedProjects.get(dir);
    if (!p) nestedProjects.set(dir, (p = detectProject(dir)));
    return p;
  };
  const { root, files, excluded } = discoverSolidity(target, options.exclude ?? [], project.libs, (dir) => nestedAt(dir)?.libs ?? []);
  const rel = (abs: string): string => path.relative(root, abs).split(path.sep).join("/") || path.basename(abs);
  const notes: string[] = [];
  const compilers = options.compilers ?? new CompilerSet({ roots: [projectRoot] });
  const cacheDir = options.cache === false ? undefined : (options.cacheDir ?? path.join(projectRoot, "cache", "audit"));

  // each file with the nearest project above it, up to the scanned folder (beyond it: the target's own project)
  const groups = new Map<Project, string[]>();
  for (const abs of files) {
    let owner = project;
    for (let dir = path.dirname(abs); dir.startsWith(target + path.sep) || dir === target; dir = path.dirname(dir)) {
      if (dir === target) break;
      const p = nestedProjects.get(dir) ?? nestedAt(dir);
      if (p) {
        owner = p;
        break;
      }
    }
    groups.set(owner, [...(groups.get(owner) ?? []), abs]);
  }
  let compiledCount = 0;
  const compiled = new Map<string, CompiledFile>();
  for (const [p, group] of groups) {
    const importHint =
      p.kind === "foundry"
        ? `Foundry project at ${p.root}: no remapping (foundry.toml, remappings.txt, or derived from ${p.libs.length - 1} lib folder(s)) and no node_modules holds it — add a remapping to remappings.txt or install the dependency (forge install)`
        : `${p.kind === "hardhat" ? "Hardhat" : "plain"} project at ${p.root}: not in node_modules (npm install the package) nor under the project`;
    const out = await compileFiles(group, {
      compilers,
      // forge also looks an import up in each lib folder (`solady/src/tokens/ERC20.sol` under lib/)
      roots: [...new Set([p.root, ...(p.kind === "foundry" ? p.libs : []), projectRoot, root])],
      remappings: p.remappings,
      evmVersion: p.settings.evmVersion,
      importHint,
      cacheDir,
      onFile: (abs) => options.onProgress?.({ phase: "compile", done: ++compiledCount, total: files.length, file: rel(abs) }),
    });
    for (const [k, v] of out) compiled.set(k, v);
  }

  const statuses: FileStatus[] = [];
  let findings: Finding[] = [];
  const lineIndexes = new Map<string, LineIndex>();
  const scopesByFile = new Map<string, { start: number; end: number }[]>();
  const useSolhint = options.solhint !== false && solhintAvailable() !== undefined;
  let analysed = 0;
  for (const abs of files) {
    const file = rel(abs);
    const c = compiled.get(abs)!;
    statuses.push({ file, ...c.status });
    const text = c.source?.text ?? readFileSync(abs, "utf8");
    lineIndexes.set(file, c.source?.lines ?? new LineIndex(text));
    if (c.program && c.source) {
      const lines = c.source.lines;
      scopesByFile.set(
        file,
        findAll(c.source.ast, "FunctionDefinition", "ModifierDefinition", "ContractDefinition").map((n) => {
          const [start, end] = lines.range(n);
          return { start, end };
        }),
      );
      const r = analyzeFile(c.program, c.source, { only: options.detectors, chains: options.chains, tokens: options.tokens });
      for (const f of r.findings) findings.push(toFinding(f, "own", file));
      for (const e of r.errors) notes.push(`detector ${e.detector} failed on ${file}: ${e.message.split("\n")[0]}`);
    }
    if (useSolhint) {
      const s = runSolhint(text);
      for (const f of s.findings) findings.push(toFinding(f, "solhint", file));
      if (s.error) notes.push(`solhint could not read ${file}: ${s.error}`);
    }
    options.onProgress?.({ phase: "analyse", done: ++analysed, total: files.length, file });
  }

  let slitherStatus = "disabled";
  if (options.slither !== false) {
    options.onProgress?.({ phase: "slither", done: 0, total: files.length });
    const s = await runSlither(files, projectRoot);
    slitherStatus = s.status;
    if (s.status === "not installed") notes.push("slither: not installed (install it with `pip install slither-analyzer` to add its detectors)");
    for (const e of s.errors) notes.push(e);
    for (const [abs, fs] of s.findings) {
      const absResolved = path.resolve(abs);
      if (!files.includes(absResolved)) continue;
      for (const f of fs) findings.push(toFinding(f, "slither", rel(absResolved)));
    }
  }

  findings = mergeDuplicates(findings);
  for (const [file, lines] of lineIndexes) {
    const comments = ignoreComments(lines);
    if (comments.length === 0) continue;
    const mine = findings.filter((f) => f.file === file);
    const { findings: marked, withoutReason } = applySuppressions(mine, comments, scopesByFile.get(file));
    const replaced = new Map(mine.map((f, i) => [f, marked[i]!] as const));
    findings = findings.map((f) => replaced.get(f) ?? f);
    for (const c of withoutReason) notes.push(`${file}:${c.line}: audit-ignore without a reason is ignored (write // audit-ignore: ${c.detector} <why it is safe>)`);
  }

  const summary = summarize(statuses, findings);
  const scannedPath = path.relative(projectRoot, target).startsWith("..") ? target : path.relative(projectRoot, target) || ".";
  return {
    scannedPath,
    project: { kind: project.kind, root: project.root, remappings: project.remappings.length },
    nested: [...groups]
      .filter(([p]) => p !== project)
      .map(([p, group]) => ({ kind: p.kind, root: p.root, remappings: p.remappings.length, files: group.length })),
    root,
    excluded: { patterns: options.exclude ?? [], files: excluded },
    files: statuses,
    findings,
    summary,
    tools: { solc: compilers.versions(), solhint: useSolhint ? solhintAvailable()! : "disabled", slither: slitherStatus },
    notes,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}

export function summarize(files: FileStatus[], findings: Finding[]): AuditSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    bySeverity[f.severity]++;
    byCategory[f.category]++;
  }
  return {
    files: files.length,
    compiled: files.filter((f) => f.status === "compiled" || f.status === "compiled-relaxed-pragma").length,
    parseOnly: files.filter((f) => f.status === "parse-only").length,
    failed: files.filter((f) => f.status === "failed").length,
    findings: findings.length - suppressed,
    suppressed,
    bySeverity,
    byCategory,
  };
}

/**
 * The CI gate, severity × confidence: unsuppressed findings at or above `threshold` whose confidence is at least
 * `minConfidence` ("none" never fails). A low-confidence finding is reported but fails nothing unless asked
 * (`--min-confidence low`).
 */
export function gateFindings(result: AuditResult, threshold: Severity | "none", minConfidence: Confidence = "low"): Finding[] {
  if (threshold === "none") return [];
  return result.findings.filter((f) => !f.suppressed && severityRank(f.severity) >= severityRank(threshold) && confidenceRank(f.confidence) >= confidenceRank(minConfidence));
}
