import path from "node:path";
import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { parseConfidence, parseFailOn, parseFormats } from "../audit/options";
import { parseChains } from "../audit/chains";
import { parseTokens } from "../audit/tokens";
import { progressBar } from "../audit/progress";
import { writeReports } from "../audit/report/write";
import { AuditPathError, gateFindings, runAudit, type AuditResult } from "../audit/scan";
import { AuditProjectError } from "../audit/project";
import { SEVERITIES } from "../audit/types";

interface AuditArgs {
  path?: string;
  exclude?: string;
  format: string;
  out: string;
  failOn: string;
  minConfidence: string;
  noCache: boolean;
  noSlither: boolean;
  noSolhint: boolean;
  chains?: string;
  tokens: string;
}

task("audit", "Scans Solidity for vulnerabilities (own detectors, solhint, slither when installed) and writes JSON/SARIF/Markdown reports")
  .addOptionalParam("path", "File or folder to scan (default: the project's contracts/)")
  .addOptionalParam("exclude", "Globs relative to the scanned folder to leave out, comma-separated (default without --path: mocks/**,test/**)")
  .addOptionalParam("format", "Report formats, comma-separated: json, sarif, md", "json,sarif,md")
  .addOptionalParam("out", "Folder for the reports", "reports/audit")
  .addOptionalParam("failOn", "Fail when an unsuppressed finding has this severity or higher: none, low, medium, high", "high")
  .addOptionalParam("minConfidence", "Only findings of at least this confidence fail the build (--fail-on): low, medium, high", "medium")
  .addOptionalParam("chains", "Chains the contracts are deployed to, comma-separated (ethereum, arbitrum, optimism, base, polygon, bsc, …; evm for any): turns on the checks of those chains (L2 sequencer uptime)")
  .addOptionalParam("tokens", "The ERC-20 tokens the contracts handle: standard (no fee on transfer, no rebasing, a revert on failure: findings that need such a token drop to low) or any", "any")
  .addFlag("noCache", "Compile everything again instead of reusing cache/audit")
  .addFlag("noSlither", "Do not run slither even when it is installed")
  .addFlag("noSolhint", "Do not fold in solhint's security rules")
  .setAction(async (args: AuditArgs, hre): Promise<AuditResult> => {
    const formats = parseFormats(args.format);
    const failOn = parseFailOn(args.failOn);
    const minConfidence = parseConfidence(args.minConfidence);
    const chains = args.chains !== undefined ? parseChains(args.chains) : undefined;
    const tokens = parseTokens(args.tokens);
    const root = hre.config.paths.root;
    const bar = progressBar();
    let result: AuditResult;
    try {
      // The project's own scan leaves out test doubles and test contracts (contracts/mocks, contracts/test: never
      // deployed) unless told otherwise.
      const exclude = args.exclude !== undefined ? args.exclude.split(",") : args.path === undefined ? ["mocks/**", "test/**"] : [];
      result = await runAudit({
        path: args.path ?? path.relative(root, hre.config.paths.sources),
        exclude,
        projectRoot: root,
        cache: !args.noCache,
        cacheDir: path.join(hre.config.paths.cache, "audit"),
        slither: !args.noSlither,
        solhint: !args.noSolhint,
        chains,
        tokens,
        onProgress: (p) => bar.update(p),
      });
    } catch (e) {
      if (e instanceof AuditPathError) throw new TaskError(`audit: ${e.message} (give a .sol file or a folder with --path)`);
      if (e instanceof AuditProjectError) throw new TaskError(`audit: ${e.message}`);
      throw e;
    } finally {
      bar.done();
    }
    if (result.files.length === 0) throw new TaskError(`audit: no Solidity files under ${result.scannedPath}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require("../package.json") as { version: string }).version;
    const written = writeReports(result, { formats, outDir: path.resolve(root, args.out), toolVersion: version });

    const s = result.summary;
    console.log(
      `audit: ${s.files} file(s) — ${s.compiled} compiled, ${s.parseOnly} parse-tree only, ${s.failed} unreadable — in ${(result.durationMs / 1000).toFixed(1)} s` +
        (result.excluded.files > 0 ? `; ${result.excluded.files} left out by --exclude ${result.excluded.patterns.join(",")}` : ""),
    );
    console.log(`audit: ${result.project.kind} project at ${result.project.root} (${result.project.remappings} remapping(s))`);
    console.log(`audit: findings ${[...SEVERITIES].reverse().map((v) => `${v} ${s.bySeverity[v]}`).join(", ")}; suppressed ${s.suppressed}`);
    for (const f of result.files) {
      if (f.status === "compiled") continue;
      const first = f.message?.split("\n")[0];
      const where = /-->\s*(\S+?):?\s*$/m.exec(f.message ?? "")?.[1];
      console.log(`audit: ${f.file}: ${f.status}${first ? ` — ${first}` : ""}${where ? ` (${where})` : ""}`);
    }
    for (const n of result.notes) console.log(`audit: ${n}`);
    for (const w of written) console.log(`audit: wrote ${path.relative(process.cwd(), w) || w}`);

    const failing = gateFindings(result, failOn, minConfidence);
    if (failing.length > 0) {
      const list = failing
        .slice(0, 10)
        .map((f) => `  - [${f.severity}, confidence ${f.confidence}] ${f.detector} ${f.file}:${f.lines.join(",")}${f.function ? ` (${f.function})` : ""}: ${f.message.split(". ")[0]}`)
        .join("\n");
      throw new TaskError(
        `audit: ${failing.length} finding(s) at or above "${failOn}" with confidence ${minConfidence} or more (--fail-on ${failOn} --min-confidence ${minConfidence}):\n${list}${failing.length > 10 ? `\n  … and ${failing.length - 10} more` : ""}\n` +
          `Fix them (see "How to fix" in the Markdown report), or accept one with a comment on its line: // audit-ignore: <detector> <reason>`,
      );
    }
    return result;
  });
