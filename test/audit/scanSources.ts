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
