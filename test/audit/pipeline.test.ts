import { expect } from "chai";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Ajv from "ajv";
import { runAudit, gateFindings, type AuditResult } from "../../audit/scan";
import { toSarif } from "../../audit/report/sarif";
import { toJsonReport } from "../../audit/report/json";
import { toMarkdown } from "../../audit/report/markdown";
import { progressBar } from "../../audit/progress";
import { mapSlither, type SlitherOutput } from "../../audit/slither";
import { CATEGORIES, SEVERITIES } from "../../audit/types";
import { parseConfidence, parseFailOn, parseFormats, AuditOptionsError } from "../../audit/options";
import { globToRegExp } from "../../audit/discover";
import { CompilerSet } from "../../audit/compilers";

const ROOT = path.resolve(__dirname, "../..");
const FIX = path.join(__dirname, "fixtures");

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

describe("audit pipeline", function () {
  this.timeout(180_000);
  let cacheDir: string;
  const savedPath = process.env.PATH;

  before(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), "audit-pipeline-"));
  });
  after(() => {
    process.env.PATH = savedPath;
    rmSync(cacheDir, { recursive: true, force: true });
  });

  describe("compilation per pragma", function () {
    let result: AuditResult;
    before(async function () {
      result = await runAudit({ path: path.join(FIX, "compile"), projectRoot: ROOT, cacheDir, slither: false });
    });

    const status = (file: string) => result.files.find((f) => f.file === file)!;

    it("picks a matching installed compiler for each file's pragma", function () {
      expect(status("Old.sol")).to.include({ status: "compiled" });
      expect(status("Old.sol").compiler).to.match(/^0\.4\./);
      expect(status("New.sol")).to.include({ status: "compiled", compiler: "0.8.28" });
      expect(status("lib/Helper.sol")).to.include({ status: "compiled", compiler: "0.8.28" });
    });

    it("resolves relative and node_modules imports", function () {
      // New.sol imports ./lib/Helper.sol and @openzeppelin/contracts/access/Ownable.sol
      expect(status("New.sol").message).to.equal(undefined);
    });

    it("compiles a pragma no installed compiler matches with the closest one, and says so", function () {
      const s = status("Relaxed.sol");
      expect(s.status).to.equal("compiled-relaxed-pragma");
      expect(s.compiler).to.match(/^0\.4\./);
      expect(s.message).to.match(/No installed compiler matches pragma 0\.4\.9/);
    });

    it("reports a file that does not compile with the compiler's message and still checks its parse tree", function () {
      const s = status("TypeError.sol");
      expect(s.status).to.equal("parse-only");
      expect(s.message).to.match(/undeclaredVariable/);
      const f = result.findings.find((x) => x.file === "TypeError.sol" && x.detector === "tx-origin-auth");
      expect(f, "tx.origin found from the parse tree").to.not.equal(undefined);
      expect(f!.lines).to.deep.equal([8]);
    });

    it("reports a file that cannot even be parsed as failed and goes on with the others", function () {
      const s = status("SyntaxError.sol");
      expect(s.status).to.equal("failed");
      expect(s.message).to.match(/ParserError|Expected/);
      expect(result.summary.compiled).to.equal(4);
      expect(result.summary.parseOnly).to.equal(1);
      expect(result.summary.failed).to.equal(1);
    });

    it("reuses cached compiler output on the next run", async function () {
      const again = await runAudit({ path: path.join(FIX, "compile"), projectRoot: ROOT, cacheDir, slither: false });
      expect(again.files.find((f) => f.file === "New.sol")!.cached).to.equal(true);
      expect(again.findings.map((f) => f.id)).to.deep.equal(result.findings.map((f) => f.id));
    });
  });

  describe("a compiler that crashes", function () {
    // solc-js traps ("memory access out of bounds") on a project too large for its memory, and the trapped
    // emscripten module fails every later call. This package is the real solc 0.8.28 behind a wrapper that traps
    // the same way on an input of more than two sources and stays broken until it is loaded again.
    let dir: string;
    before(function () {
      dir = mkdtempSync(path.join(os.tmpdir(), "audit-crash-"));
      const real = path.dirname(require.resolve("solc/package.json", { paths: [ROOT] }));
      write(dir, {
        "node_modules/solc-0.8.99/package.json": JSON.stringify({ name: "solc", version: "0.8.99", main: "index.js" }),
        "node_modules/solc-0.8.99/soljson.js": "// the wrapper below compiles with the real solc\n",
        "node_modules/solc-0.8.99/index.js": `const real = require(${JSON.stringify(real)});
let broken = false;
module.exports = {
  compile(json) {
    if (broken || Object.keys(JSON.parse(json).sources).length > 2) { broken = true; throw new WebAssembly.RuntimeError("memory access out of bounds"); }
    return real.compile(json);
  },
};
`,
      });
      for (const name of ["A", "B", "C", "D", "E"]) {
        write(dir, { [`src/${name}.sol`]: `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract ${name} { uint256 public n; }\n` });
      }
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("compiles the project in smaller batches with the compiler loaded afresh, so no file falls back to the parse tree", async function () {
      const r = await runAudit({ path: path.join(dir, "src"), projectRoot: ROOT, cache: false, slither: false, solhint: false, compilers: new CompilerSet({ roots: [dir] }) });
      expect(r.files.map((f) => [f.file, f.status, f.compiler])).to.deep.equal(["A", "B", "C", "D", "E"].map((n) => [`${n}.sol`, "compiled", "0.8.99"]));
    });
  });

  describe("merging and suppression", function () {
    let result: AuditResult;
    before(async function () {
      result = await runAudit({ path: path.join(FIX, "suppress"), projectRoot: ROOT, cacheDir, slither: false });
    });

    it("merges the duplicate solhint reports into our own finding", function () {
      const own = result.findings.filter((f) => f.detector === "tx-origin-auth");
      expect(own).to.have.lengthOf(3);
      for (const f of own) {
        expect(f.source).to.equal("own");
        expect(f.alsoReportedBy).to.deep.include({ source: "solhint", detector: "avoid-tx-origin" });
      }
      expect(result.findings.filter((f) => f.detector === "avoid-tx-origin")).to.deep.equal([]);
    });

    it("reports suppressed findings as suppressed, with the reason, instead of dropping them", function () {
      const byLine = (l: number) => result.findings.find((f) => f.detector === "tx-origin-auth" && f.lines.includes(l))!;
      expect(byLine(9).suppressed).to.deep.equal({
        line: 7,
        reason: "the owner is an EOA multisig signer and calls only through its own wallet UI",
      });
      expect(byLine(14).suppressed).to.deep.equal({ line: 14, reason: "accepted for the demo" });
      expect(result.summary.suppressed).to.equal(2);
      expect(toMarkdown(result)).to.match(/## Suppressed \(2\)/);
    });

    it("ignores an audit-ignore without a reason and says so", function () {
      const c = result.findings.find((f) => f.detector === "tx-origin-auth" && f.lines.includes(19))!;
      expect(c.suppressed).to.equal(undefined);
      expect(result.notes.some((n) => /Suppressed\.sol:19: audit-ignore without a reason/.test(n))).to.equal(true);
    });

    it("keeps suppressed findings out of the gate", function () {
      const failing = gateFindings(result, "high");
      expect(failing.map((f) => f.lines[0])).to.deep.equal([19]);
    });

    it("gates on severity × confidence", function () {
      const f = gateFindings(result, "high")[0]!;
      const higher = { low: "medium", medium: "high", high: undefined } as const;
      expect(gateFindings(result, "high", f.confidence)).to.have.lengthOf(1);
      const above = higher[f.confidence];
      if (above) expect(gateFindings(result, "high", above)).to.deep.equal([]);
    });
  });

  describe("slither wrapper", function () {
    let binDir: string;
    before(() => {
      binDir = mkdtempSync(path.join(os.tmpdir(), "fake-slither-"));
      const exe = path.join(binDir, "slither");
      copyFileSync(path.join(FIX, "slither", "fake-slither"), exe);
      chmodSync(exe, 0o755);
    });
    after(() => {
      rmSync(binDir, { recursive: true, force: true });
      delete process.env.FAKE_SLITHER_JSON;
      delete process.env.FAKE_SLITHER_LOG;
    });

    it("runs slither from PATH and maps results.detectors[] into findings, merged with our duplicates", async function () {
      process.env.PATH = `${binDir}${path.delimiter}${savedPath}`;
      process.env.FAKE_SLITHER_JSON = path.join(FIX, "slither", "recorded.json");
      process.env.FAKE_SLITHER_LOG = path.join(binDir, "calls.log");
      try {
        const result = await runAudit({ path: path.join(FIX, "slither"), projectRoot: ROOT, cacheDir, solhint: false });
        expect(result.tools.slither).to.equal("0.10.4");
        expect(readFileSync(process.env.FAKE_SLITHER_LOG, "utf8")).to.match(/SlitherVault\.sol --json -/);
        const reentrancy = result.findings.filter((f) => f.category === "reentrancy");
        expect(reentrancy).to.have.lengthOf(1);
        expect(reentrancy[0]).to.include({ source: "own", detector: "reentrancy", severity: "high" });
        expect(reentrancy[0]!.alsoReportedBy).to.deep.equal([{ source: "slither", detector: "reentrancy-eth" }]);
        expect(reentrancy[0]!.lines).to.deep.equal([13, 15]);
        const version = result.findings.find((f) => f.detector === "solc-version")!;
        expect(version).to.include({ source: "slither", category: "other", severity: "info", confidence: "high", file: "SlitherVault.sol" });
        expect(version.lines).to.deep.equal([2]);
        // a finding in a file outside the scanned path is not reported
        expect(result.findings.find((f) => f.detector === "tx-origin")).to.equal(undefined);
        expect(result.notes.join("\n")).to.not.match(/not installed/);
      } finally {
        process.env.PATH = savedPath;
      }
    });

    it("says once that slither is not installed when it is not on PATH, and goes on", async function () {
      process.env.PATH = path.dirname(process.execPath); // node only, no slither
      try {
        const result = await runAudit({ path: path.join(FIX, "slither"), projectRoot: ROOT, cacheDir, solhint: false });
        expect(result.tools.slither).to.equal("not installed");
        expect(result.notes.filter((n) => /slither: not installed/.test(n))).to.have.lengthOf(1);
        expect(toMarkdown(result)).to.include("slither: not installed");
        expect(result.findings.find((f) => f.detector === "reentrancy")).to.not.equal(undefined);
      } finally {
        process.env.PATH = savedPath;
      }
    });

    it("maps impact and confidence and keeps function and contract names", function () {
      const recorded = JSON.parse(readFileSync(path.join(FIX, "slither", "recorded.json"), "utf8").split("${ROOT}").join(ROOT)) as SlitherOutput;
      const mapped = mapSlither(recorded, ROOT);
      const vault = mapped.get(path.join(FIX, "slither", "SlitherVault.sol"))!;
      expect(vault.map((f) => [f.detector, f.category, f.severity, f.confidence])).to.deep.equal([
        ["reentrancy-eth", "reentrancy", "high", "medium"],
        ["solc-version", "other", "info", "high"],
      ]);
      expect(vault[0]).to.include({ contract: "SlitherVault", function: "withdraw" });
    });
  });

  describe("reports", function () {
    let result: AuditResult;
    before(async function () {
      result = await runAudit({ path: path.join(FIX, "compile"), projectRoot: ROOT, cacheDir, slither: false });
      // add a suppressed finding to the set so SARIF suppressions are exercised too
      const sup = await runAudit({ path: path.join(FIX, "suppress"), projectRoot: ROOT, cacheDir, slither: false });
      result = { ...result, findings: [...result.findings, ...sup.findings] };
    });

    it("writes SARIF 2.1.0 that validates against the schema", function () {
      const schema = JSON.parse(readFileSync(path.join(__dirname, "sarif-2.1.0-rtm.5.json"), "utf8")) as object;
      const ajv = new Ajv({ schemaId: "auto", allErrors: true, unknownFormats: "ignore", logger: false });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
      const validate = ajv.compile(schema);
      const sarif = JSON.parse(JSON.stringify(toSarif(result, "0.1.0"))) as { version: string; runs: { results: { suppressions?: unknown[] }[]; tool: { driver: { rules: unknown[] } } }[] };
      const ok = validate(sarif);
      expect(ok, ajv.errorsText(validate.errors)).to.equal(true);
      expect(sarif.version).to.equal("2.1.0");
      expect(sarif.runs[0]!.results.length).to.equal(result.findings.length);
      expect(sarif.runs[0]!.results.filter((r) => r.suppressions).length).to.equal(2);
      expect(sarif.runs[0]!.tool.driver.rules.length).to.be.greaterThan(0);
    });

    it("rejects an invalid SARIF log (the schema check is real)", function () {
      const schema = JSON.parse(readFileSync(path.join(__dirname, "sarif-2.1.0-rtm.5.json"), "utf8")) as object;
      const ajv = new Ajv({ schemaId: "auto", unknownFormats: "ignore", logger: false });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ajv.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json"));
      const validate = ajv.compile(schema);
      expect(validate({ version: "2.1.0", runs: [{ results: [] }] })).to.equal(false);
    });

    it("writes JSON with the finding schema, a summary and per-file compile status", function () {
      const json = JSON.parse(JSON.stringify(toJsonReport(result, "0.1.0"))) as {
        findings: Record<string, unknown>[];
        summary: { bySeverity: Record<string, number> };
        files: { file: string; status: string }[];
      };
      expect(json.findings.length).to.be.greaterThan(0);
      for (const f of json.findings) {
        expect(f).to.include.all.keys("id", "detector", "source", "category", "severity", "confidence", "file", "lines", "message", "remediation");
        expect(CATEGORIES).to.include(f.category);
        expect(SEVERITIES).to.include(f.severity);
        expect(["own", "slither", "solhint"]).to.include(f.source);
        expect((f.lines as number[]).every((l) => Number.isInteger(l) && l >= 1)).to.equal(true);
      }
      expect(json.files.map((f) => f.status)).to.include.members(["compiled", "compiled-relaxed-pragma", "parse-only", "failed"]);
      expect(Object.keys(json.summary.bySeverity)).to.have.members([...SEVERITIES]);
    });

    it("writes Markdown with patch guidance for each finding and the compile problems", function () {
      const md = toMarkdown(result);
      expect(md).to.match(/^# Security scan of/);
      expect(md).to.include("## Files that did not compile cleanly");
      expect(md).to.include("SyntaxError.sol");
      expect(md).to.include("**How to fix:**");
    });
  });

  describe("options and progress", function () {
    it("leaves out files matching --exclude globs", async function () {
      const r = await runAudit({ path: path.join(FIX, "compile"), projectRoot: ROOT, cacheDir, slither: false, solhint: false, exclude: ["lib", "*Error.sol"] });
      expect(r.files.map((f) => f.file)).to.deep.equal(["New.sol", "Old.sol", "Relaxed.sol"]);
      expect(r.excluded).to.deep.equal({ patterns: ["lib", "*Error.sol"], files: 3 });
      expect(globToRegExp("mocks/**").test("mocks/dex/A.sol")).to.equal(true);
      expect(globToRegExp("mocks/**").test("token/mocks.sol")).to.equal(false);
      expect(globToRegExp("**/Test*.sol").test("a/b/TestToken.sol")).to.equal(true);
    });

    it("parses formats and severities and names what is accepted when wrong", function () {
      expect(parseFormats("json, SARIF,md,json")).to.deep.equal(["json", "sarif", "md"]);
      expect(() => parseFormats("json,xml")).to.throw(AuditOptionsError, /unknown report format "xml".*json, sarif, md/);
      expect(parseFailOn("Medium")).to.equal("medium");
      expect(() => parseFailOn("critical")).to.throw(AuditOptionsError, /unknown severity "critical".*none, low, medium or high/);
      expect(parseConfidence("High")).to.equal("high");
      expect(() => parseConfidence("sure")).to.throw(AuditOptionsError, /unknown confidence "sure".*low, medium or high/);
    });

    it("draws a bar on a terminal and status lines in a log", function () {
      const tty: string[] = [];
      const bar = progressBar({ isTTY: true, columns: 100, write: (s) => tty.push(s) > 0 });
      for (let i = 1; i <= 10; i++) bar.update({ phase: "compile", done: i, total: 10, file: `F${i}.sol` });
      bar.done();
      expect(tty[9]).to.match(/compiling\s+\[#{24}\] 10\/10 F10\.sol/);
      const log: string[] = [];
      const plain = progressBar({ isTTY: false, write: (s) => log.push(s) > 0 });
      for (let i = 1; i <= 100; i++) plain.update({ phase: "analyse", done: i, total: 100 });
      expect(log.length).to.be.within(4, 5);
      expect(log.at(-1)).to.equal("audit: analysing 100/100 files\n");
    });
  });
});

