import { expect } from "chai";
import hre from "hardhat";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isTaskError } from "../../tasks/lib/errors";
import type { AuditResult } from "../../audit/scan";
import "../../tasks/audit";

const FIX = path.join(__dirname, "fixtures");

/** Runs the audit task with console output captured. */
async function audit(args: Record<string, unknown>): Promise<{ result: AuditResult; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
  try {
    const result = (await hre.run("audit", { noSlither: true, ...args })) as AuditResult;
    return { result, out: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

async function expectTaskError(p: Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(isTaskError(e), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return e as Error;
  }
  return expect.fail(`expected a TaskError matching ${pattern}`);
}

describe("audit task", function () {
  this.timeout(300_000);
  let out: string;

  beforeEach(() => {
    out = mkdtempSync(path.join(os.tmpdir(), "audit-task-"));
  });
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it("fails with a clear message on a missing path", async function () {
    await expectTaskError(audit({ path: "no/such/dir", out }), /path not found: .*no\/such\/dir \(give a \.sol file or a folder with --path\)/);
  });

  it("fails with a clear message on an unknown format", async function () {
    await expectTaskError(audit({ format: "json,xml", out }), /unknown report format "xml" in --format: use json, sarif, md/);
  });

  it("fails with a clear message on an unknown chain", async function () {
    await expectTaskError(audit({ chains: "ethereum,solana", out }), /unknown chain "solana" in --chains: use ethereum, arbitrum, /);
  });

  it("passes --chains to the detectors: a Chainlink read on Arbitrum without the sequencer-uptime feed", async function () {
    const fixture = "test/audit/fixtures/detectors/oracle-sequencer-uptime";
    const seq = (r: AuditResult) => r.findings.filter((f) => f.detector === "oracle-sequencer-uptime").map((f) => f.file);
    expect(seq((await audit({ path: fixture, out, failOn: "none", format: "json" })).result)).to.deep.equal([]);
    expect(seq((await audit({ path: fixture, chains: "Mainnet, Arbitrum", out, failOn: "none", format: "json" })).result)).to.deep.equal(["Vulnerable.sol"]);
  });

  it("fails with a clear message on an unknown --tokens value", async function () {
    await expectTaskError(audit({ tokens: "weird", out }), /unknown value "weird" for --tokens: use "standard" \(the contracts handle only standard ERC-20 tokens: .*\) or "any"/);
  });

  it("passes --tokens standard to the detectors: a fee-on-transfer finding drops to low with the reason", async function () {
    const fixture = "test/audit/fixtures/detectors/fee-on-transfer-accounting";
    const fot = (r: AuditResult) => r.findings.filter((f) => f.detector === "fee-on-transfer-accounting" && f.file === "Vulnerable.sol");
    expect(fot((await audit({ path: fixture, out, failOn: "none", format: "json" })).result).map((f) => f.severity)).to.deep.equal(["medium"]);
    const standard = fot((await audit({ path: fixture, tokens: "Standard", out, failOn: "none", format: "json" })).result);
    expect(standard.map((f) => f.severity)).to.deep.equal(["low"]);
    expect(standard[0]!.message).to.contain("only standard ERC-20 tokens (--tokens standard)");
  });

  it("fails with a clear message on an unknown severity", async function () {
    await expectTaskError(audit({ failOn: "critical", out }), /unknown severity "critical" for --fail-on: use none, low, medium or high/);
  });

  it("fails with a clear message on a Foundry project whose foundry.toml is not TOML", async function () {
    const bad = path.join(out, "bad-foundry");
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, "foundry.toml"), "[profile.default\n");
    writeFileSync(path.join(bad, "A.sol"), "pragma solidity ^0.8.20;\ncontract A {}\n");
    await expectTaskError(audit({ path: bad, out: path.join(out, "reports"), failOn: "none" }), /audit: .*foundry\.toml is not valid TOML.*fix the file/);
  });

  it("fails when the path holds no Solidity file", async function () {
    await expectTaskError(audit({ path: out, out: path.join(out, "reports"), failOn: "none" }), /no Solidity files under/);
  });

  it("reports per-file compile errors without stopping, and writes every report", async function () {
    const savedPath = process.env.PATH;
    process.env.PATH = path.dirname(process.execPath); // no slither here
    let run: { result: AuditResult; out: string };
    try {
      run = await audit({ path: path.join(FIX, "compile"), out, failOn: "none", noSlither: false });
    } finally {
      process.env.PATH = savedPath;
    }
    const { result, out: printed } = run;
    expect(result.files.map((f) => [f.file, f.status])).to.deep.include.members([
      ["New.sol", "compiled"],
      ["TypeError.sol", "parse-only"],
      ["SyntaxError.sol", "failed"],
    ]);
    expect(printed).to.match(/TypeError\.sol: parse-only — DeclarationError: Undeclared identifier\. \(TypeError\.sol:9:\d+\)/);
    expect(result.files.find((f) => f.file === "TypeError.sol")!.message).to.include("undeclaredVariable");
    expect(printed).to.match(/SyntaxError\.sol: failed/);
    expect(printed).to.include("slither: not installed");
    for (const f of ["audit.json", "audit.sarif", "audit.md"]) expect(existsSync(path.join(out, f)), f).to.equal(true);
    const json = JSON.parse(readFileSync(path.join(out, "audit.json"), "utf8")) as { findings: unknown[]; files: unknown[]; summary: object };
    expect(json.files).to.have.lengthOf(result.files.length);
    expect(json.findings).to.have.lengthOf(result.findings.length);
  });

  it("writes only the formats asked for", async function () {
    await audit({ path: path.join(FIX, "compile", "New.sol"), out, format: "md", failOn: "none" });
    expect(existsSync(path.join(out, "audit.md"))).to.equal(true);
    expect(existsSync(path.join(out, "audit.json"))).to.equal(false);
    expect(existsSync(path.join(out, "audit.sarif"))).to.equal(false);
  });

  it("fails the run on a finding at or above --fail-on, naming it", async function () {
    const file = path.join(FIX, "detectors", "tx-origin-auth", "Vulnerable.sol");
    const e = await expectTaskError(audit({ path: file, out, failOn: "high" }), /1 finding\(s\) at or above "high"/);
    expect(e.message).to.match(/\[high, confidence (medium|high)\] tx-origin-auth Vulnerable\.sol:8 \(transferTo\)/);
    expect(e.message).to.match(/audit-ignore: <detector> <reason>/);
    // the reports are written before the gate fails
    expect(existsSync(path.join(out, "audit.sarif"))).to.equal(true);
  });

  it("passes with --fail-on none, and when findings stay below the threshold", async function () {
    const file = path.join(FIX, "detectors", "tx-origin-auth", "Vulnerable.sol");
    const { result } = await audit({ path: file, out, failOn: "none" });
    expect(result.summary.bySeverity.high).to.equal(1);
    const low = path.join(FIX, "detectors", "erc20-approve-race", "Vulnerable.sol");
    const r2 = await audit({ path: low, out, failOn: "medium" });
    expect(r2.result.summary.bySeverity.high + r2.result.summary.bySeverity.medium).to.equal(0);
    await expectTaskError(audit({ path: low, out, failOn: "low", minConfidence: "low" }), /at or above "low" with confidence low or more/);
  });

  it("gates on severity × confidence: a finding below --min-confidence is reported but fails nothing", async function () {
    const file = path.join(FIX, "detectors", "tx-origin-auth", "Vulnerable.sol");
    const { result } = await audit({ path: file, out, failOn: "none" });
    const f = result.findings.find((x) => x.detector === "tx-origin-auth")!;
    expect(f.swc).to.deep.equal(["SWC-115"]);
    const above = { low: "medium", medium: "high", high: undefined }[f.confidence];
    if (above) {
      const r = await audit({ path: file, out, failOn: "high", minConfidence: above });
      expect(r.result.summary.bySeverity.high).to.equal(1);
    }
    await expectTaskError(audit({ path: file, out, failOn: "high", minConfidence: f.confidence }), /1 finding\(s\) at or above "high"/);
    await expectTaskError(audit({ path: file, out, minConfidence: "certain" }), /unknown confidence "certain" for --min-confidence: use low, medium or high/);
  });

  it("scans the project's contracts/ by default, and they pass --fail-on high", async function () {
    const { result, out: printed } = await audit({ out, failOn: "high" });
    expect(result.scannedPath).to.equal("contracts");
    // test doubles in contracts/mocks and test contracts in contracts/test are never deployed: left out unless
    // --exclude says otherwise
    expect(result.excluded.patterns).to.deep.equal(["mocks/**", "test/**"]);
    expect(result.files.some((f) => f.file.startsWith("mocks/") || f.file.startsWith("test/"))).to.equal(false);
    expect(result.files.length).to.be.greaterThan(5);
    expect(result.files.filter((f) => f.status !== "compiled"), JSON.stringify(result.files.filter((f) => f.status !== "compiled"))).to.deep.equal([]);
    expect(printed).to.match(/audit: findings high 0/);
  });
});
