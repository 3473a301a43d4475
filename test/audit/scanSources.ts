/**
 * Writes Solidity sources into a fresh temporary project (`<dir>/src/<name>`, plus files at its root such as
 * foundry.toml) and scans `src` once, without cache, slither or solhint: the setup of the rule tests.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runAudit, type AuditResult } from "../../audit/scan";

const ROOT = path.resolve(__dirname, "../..");

export async function scanSources(prefix: string, sources: Record<string, string>, rootFiles: Record<string, string> = {}): Promise<{ dir: string; result: AuditResult }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  mkdirSync(path.join(dir, "src"));
  for (const [name, text] of Object.entries(rootFiles)) writeFileSync(path.join(dir, name), text);
  for (const [name, text] of Object.entries(sources)) writeFileSync(path.join(dir, "src", name), text);
  const result = await runAudit({ path: path.join(dir, "src"), projectRoot: ROOT, cache: false, slither: false, solhint: false });
  return { dir, result };
}

/**
 * Queries on a scan of `sources` (the result is read when a query runs, so a suite can build this before its `before`
 * hook scans): its findings of one detector in one file, a one-line-per-finding summary of a file for assertion
 * messages, and the line of the first source line that contains a text.
 */
export function sourceQueries(sources: Record<string, string>, scan: () => AuditResult) {
  return {
    findings: (file: string, detector: string) => scan().findings.filter((f) => f.file === file && f.detector === detector),
    summary: (file: string): string =>
      scan()
        .findings.filter((f) => f.file === file)
        .map((f) => `${f.detector} ${f.contract}.${f.function} ${f.severity} ${f.lines}`)
        .join("\n"),
    lineOf: (file: string, text: string): number => sources[file]!.split("\n").findIndex((l) => l.includes(text)) + 1,
  };
}
