import { expect } from "chai";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanFixtures } from "../../bench/audit/fixtures";
import type { Category, Severity } from "../../audit/types";
import { DEFI_CASES } from "./cases/defi";
import { CRYPTO_CASES } from "./cases/crypto";
import { PROXY_CASES } from "./cases/proxy";
import { COMPOSITION_CASES } from "./cases/composition";
import { AUTH_CASES } from "./cases/auth";
import { PARITY_CASES } from "./cases/parity";
import { ROUNDING_CASES } from "./cases/rounding";
import { STORAGE_CASES } from "./cases/storage";
import { LOGIC_CASES } from "./cases/logic";
import { ORACLE_CASES } from "./cases/oracles";
import { TRUST_CASES } from "./cases/trust";
import { SIGNING_CASES } from "./cases/signing";
import { MERKLE_CASES } from "./cases/merkle";
import { WRAPPING_CASES } from "./cases/wrapping";
import { APPROVAL_CASES } from "./cases/approvals";
import { LIFETIME_CASES } from "./cases/lifetimes";
import { CROSSCHAIN_CASES } from "./cases/crosschain";
import { FLAG_CASES } from "./cases/flags";
import { BOUNDS_CASES } from "./cases/bounds";
import { ROLE_CASES } from "./cases/roles";
import { COLLECTION_CASES } from "./cases/collections";
import { REWARD_CASES } from "./cases/rewards";
import { UPGRADE_CASES } from "./cases/upgrades";
import { TYPEHASH_CASES } from "./cases/typehash";
import { UNIT_CASES } from "./cases/units";
import { MINT_CASES } from "./cases/mints";
import { HOOK_CASES } from "./cases/hooks";

/**
 * Every detector has a vulnerable and a fixed contract of its own under fixtures/detectors/<detector>/.
 * The lines a finding must report are marked in the vulnerable file with `// <- <detector>`.
 */
const CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "reentrancy", category: "reentrancy", severity: "high" },
  { detector: "unchecked-low-level-call", category: "unchecked_low_level_calls", severity: "medium" },
  { detector: "unchecked-send", category: "unchecked_low_level_calls", severity: "medium" },
  { detector: "call-not-executed", category: "unchecked_low_level_calls", severity: "medium" },
  { detector: "tx-origin-auth", category: "access_control", severity: "high" },
  { detector: "unprotected-selfdestruct", category: "access_control", severity: "high" },
  { detector: "delegatecall-user-target", category: "access_control", severity: "high" },
  { detector: "delegatecall-user-data", category: "access_control", severity: "medium" },
  { detector: "delegatecall-storage", category: "access_control", severity: "low" },
  { detector: "withdrawal-without-debit", category: "access_control", severity: "high" },
  { detector: "inverted-balance-check", category: "access_control", severity: "high" },
  { detector: "unprotected-ether-withdrawal", category: "access_control", severity: "high" },
  { detector: "unprotected-owner-setter", category: "access_control", severity: "high" },
  // one setter among restricted ones that lost its modifier
  { detector: "unguarded-setter", category: "access_control", severity: "medium" },
  { detector: "unprotected-initializer", category: "access_control", severity: "high" },
  { detector: "public-internal-helper", category: "access_control", severity: "medium" },
  { detector: "array-length-manipulation", category: "access_control", severity: "high" },
  { detector: "implementation-initializable", category: "access_control", severity: "medium" },
  { detector: "signature-replay", category: "signatures", severity: "high" },
  { detector: "unprotected-mint", category: "access_control", severity: "high" },
  { detector: "unprotected-burn", category: "access_control", severity: "high" },
  { detector: "arbitrary-transfer-from", category: "access_control", severity: "high" },
  { detector: "phantom-permit", category: "access_control", severity: "medium" },
  { detector: "msg-value-in-loop", category: "other", severity: "high" },
  { detector: "governor-clock-units", category: "other", severity: "medium" },
  { detector: "unassigned-return", category: "other", severity: "low" },
  { detector: "centralization-risk", category: "access_control", severity: "info" },
  { detector: "integer-overflow", category: "arithmetic", severity: "high" },
  { detector: "unchecked-arithmetic", category: "arithmetic", severity: "high" },
  { detector: "divide-before-multiply", category: "arithmetic", severity: "medium" },
  { detector: "weak-randomness", category: "bad_randomness", severity: "high" },
  { detector: "timestamp-dependence", category: "time_manipulation", severity: "medium" },
  { detector: "erc20-approve-race", category: "front_running", severity: "low" },
  { detector: "secret-in-clear", category: "front_running", severity: "medium" },
  { detector: "clear-secret-submission", category: "front_running", severity: "medium" },
  { detector: "tx-order-dependence", category: "front_running", severity: "medium" },
  { detector: "calls-in-loop", category: "denial_of_service", severity: "medium" },
  { detector: "unbounded-loop", category: "denial_of_service", severity: "medium" },
  { detector: "loop-grows-array", category: "denial_of_service", severity: "medium" },
  { detector: "clear-growing-array", category: "denial_of_service", severity: "medium" },
  { detector: "push-payment-dos", category: "denial_of_service", severity: "medium" },
  { detector: "token-push-dos", category: "denial_of_service", severity: "medium" },
  { detector: "zero-transfer-revert", category: "denial_of_service", severity: "low" },
  { detector: "short-address", category: "short_addresses", severity: "low" },
  { detector: "uninitialized-storage-pointer", category: "other", severity: "high" },
  { detector: "unchecked-erc20-transfer", category: "unchecked_low_level_calls", severity: "medium" },
  { detector: "erc20-call-without-safeerc20", category: "other", severity: "low" },
  ...DEFI_CASES,
  ...CRYPTO_CASES,
  ...PROXY_CASES,
  ...COMPOSITION_CASES,
  ...AUTH_CASES,
  ...PARITY_CASES,
  ...ROUNDING_CASES,
  ...STORAGE_CASES,
  ...LOGIC_CASES,
  ...ORACLE_CASES,
  ...TRUST_CASES,
  ...SIGNING_CASES,
  ...MERKLE_CASES,
  ...WRAPPING_CASES,
  ...APPROVAL_CASES,
  ...LIFETIME_CASES,
  ...CROSSCHAIN_CASES,
  ...FLAG_CASES,
  ...BOUNDS_CASES,
  ...ROLE_CASES,
  ...COLLECTION_CASES,
  ...REWARD_CASES,
  ...UPGRADE_CASES,
  ...TYPEHASH_CASES,
  ...UNIT_CASES,
  ...MINT_CASES,
  ...HOOK_CASES,
];

const FIXTURES = path.join(__dirname, "fixtures", "detectors");
const ROOT = path.resolve(__dirname, "../..");

function markedLines(file: string, detector: string): number[] {
  const marker = `// <- ${detector}`;
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l, i) => (l.includes(marker) ? i + 1 : 0))
    .filter((n) => n > 0);
}

describe("audit detectors", function () {
  this.timeout(180_000);
  let result: AuditResult;
  let cacheDir: string;

  before(async function () {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), "audit-detectors-"));
    // One scan of every fixture: one compiler run per solc version.
    // (a folder with a `chains` file is scanned on its own with those chains)
    result = await scanFixtures({ fixtures: FIXTURES, projectRoot: ROOT, cacheDir });
  });

  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  it("compiles every fixture", function () {
    const notCompiled = result.files.filter((f) => f.status !== "compiled");
    expect(notCompiled, JSON.stringify(notCompiled, null, 2)).to.deep.equal([]);
    expect(result.files.length).to.equal(CASES.length * 2);
  });

  for (const c of CASES) {
    describe(c.detector, function () {
      it(`reports ${c.category}/${c.severity} on the marked lines of the vulnerable contract`, function () {
        const file = `${c.detector}/Vulnerable.sol`;
        const expected = markedLines(path.join(FIXTURES, file), c.detector);
        expect(expected.length, "the fixture marks the lines to report").to.be.greaterThan(0);
        const found = result.findings.filter((f) => f.file === file && f.detector === c.detector);
        expect(found, `findings in ${file}: ${JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.lines]))}`).to.have.lengthOf(1);
        const f = found[0]!;
        expect(f.category).to.equal(c.category);
        expect(f.severity).to.equal(c.severity);
        expect(f.lines).to.deep.equal(expected);
        expect(f.source).to.equal("own");
        expect(f.remediation.length).to.be.greaterThan(40);
        expect(f.message).to.be.a("string").and.not.equal("");
      });

      it("is silent on the fixed contract", function () {
        const file = `${c.detector}/Fixed.sol`;
        const found = result.findings.filter((f) => f.file === file && f.detector === c.detector);
        expect(found, JSON.stringify(found, null, 2)).to.deep.equal([]);
      });
    });
  }
});
