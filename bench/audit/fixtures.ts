/**
 * One scan of the detector fixtures (test/audit/fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol), shared by the
 * detector tests and the benchmark. A fixture folder with a `chains` file (`arbitrum`) holds a weakness of some chains
 * only: it is scanned on its own with those chains, as a user passes `--chains`; every other folder in one scan.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseChains } from "../../audit/chains";
import type { CompilerSet } from "../../audit/compilers";
import { runAudit, type AuditResult } from "../../audit/scan";

export const FIXTURES_DIR = path.resolve(__dirname, "../../test/audit/fixtures/detectors");

export async function scanFixtures(opts: { projectRoot: string; cacheDir: string; compilers?: CompilerSet; fixtures?: string }): Promise<AuditResult> {
  const fixtures = opts.fixtures ?? FIXTURES_DIR;
  const chained = readdirSync(fixtures).filter((d) => existsSync(path.join(fixtures, d, "chains")));
  const base = { projectRoot: opts.projectRoot, cacheDir: opts.cacheDir, compilers: opts.compilers, slither: false, solhint: false };
  const result = await runAudit({ ...base, path: fixtures, exclude: chained.map((d) => `${d}/**`) });
  for (const dir of chained) {
    const chains = parseChains(readFileSync(path.join(fixtures, dir, "chains"), "utf8").trim());
    const r = await runAudit({ ...base, path: path.join(fixtures, dir), chains });
    result.files.push(...r.files.map((f) => ({ ...f, file: `${dir}/${f.file}` })));
    result.findings.push(...r.findings.map((f) => ({ ...f, file: `${dir}/${f.file}` })));
  }
  return result;
}
