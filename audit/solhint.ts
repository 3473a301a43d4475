/**
 * solhint's security rules, run in-process on each scanned file and mapped into our categories.
 */
import type { Category, Severity } from "./types";
import type { RawFinding } from "./detectors";

interface RuleMapping {
  category: Category;
  severity: Severity;
  remediation: string;
}

/** The security rules we fold into the report, with our category, severity and patch guidance. */
export const SOLHINT_RULES: Record<string, RuleMapping> = {
  "avoid-tx-origin": { category: "access_control", severity: "low", remediation: "Authorise with `msg.sender`, never `tx.origin`." },
  "check-send-result": {
    category: "unchecked_low_level_calls",
    severity: "medium",
    remediation: "Check what `send` returns: `require(to.send(amount));`, or use a withdraw (pull) pattern.",
  },
  "avoid-call-value": {
    category: "reentrancy",
    severity: "low",
    remediation: "`.call.value()` forwards all gas to the callee: update state before the call and guard the function with `nonReentrant`.",
  },
  "avoid-low-level-calls": {
    category: "unchecked_low_level_calls",
    severity: "info",
    remediation: "Prefer typed interface calls; when a low-level call is needed, check its success flag (or use OpenZeppelin `Address`).",
  },
  "multiple-sends": {
    category: "denial_of_service",
    severity: "low",
    remediation: "One failing payment blocks the others: pay in a pull pattern (each recipient withdraws).",
  },
  "not-rely-on-block-hash": {
    category: "bad_randomness",
    severity: "low",
    remediation: "blockhash is known to validators and is 0 for blocks older than 256: do not use it for randomness (use VRF or commit-reveal).",
  },
  "not-rely-on-time": {
    category: "time_manipulation",
    severity: "info",
    remediation: "Validators can move block.timestamp by a few seconds: use it only for coarse deadlines, never for equality or randomness.",
  },
  "avoid-suicide": { category: "other", severity: "info", remediation: "Use `selfdestruct` (and restrict who can call it), or remove it." },
  "func-visibility": {
    category: "access_control",
    severity: "low",
    remediation: "State every function's visibility; before 0.5 a function without one is public. Make helpers `internal`.",
  },
  reentrancy: {
    category: "reentrancy",
    severity: "low",
    remediation: "Update state before the external call (checks-effects-interactions) and add `nonReentrant`.",
  },
};

interface SolhintReport {
  messages: { line: number; column: number; message: string; ruleId: string }[];
}

interface SolhintModule {
  processStr(input: string, config: object, fileName?: string): SolhintReport;
}

let solhint: SolhintModule | undefined;
let solhintVersion: string | undefined;

/** The installed solhint version, or undefined when solhint is not installed. */
export function solhintAvailable(): string | undefined {
  if (solhintVersion !== undefined) return solhintVersion;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    solhint = require("solhint") as SolhintModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    solhintVersion = (require("solhint/package.json") as { version: string }).version;
  } catch {
    solhintVersion = undefined;
  }
  return solhintVersion;
}

export interface SolhintResult {
  findings: RawFinding[];
  error?: string;
}

/** Runs solhint's security rules on one file's text. */
export function runSolhint(text: string): SolhintResult {
  if (!solhintAvailable() || !solhint) return { findings: [] };
  const rules: Record<string, unknown> = {};
  for (const id of Object.keys(SOLHINT_RULES)) rules[id] = "warn";
  // constructors have no visibility from 0.7 on
  rules["func-visibility"] = ["warn", { ignoreConstructors: true }];
  let report: SolhintReport;
  try {
    report = solhint.processStr(text, { rules });
  } catch (e) {
    return { findings: [], error: (e as Error).message };
  }
  const findings: RawFinding[] = [];
  const lines = text.split("\n");
  for (const m of report.messages) {
    const map = SOLHINT_RULES[m.ruleId];
    if (!map || !m.line) continue;
    // `endpoint.send{value: fee}(…)` is a contract's function named send (LayerZero's endpoint), not address.send,
    // which takes no call options
    if (m.ruleId === "check-send-result" && /\.send\s*\{/.test(lines[m.line - 1] ?? "") && !/\.send\s*\(/.test(lines[m.line - 1] ?? "")) continue;
    findings.push({
      detector: m.ruleId,
      category: map.category,
      severity: map.severity,
      confidence: "low",
      lines: [m.line],
      message: m.message,
      remediation: map.remediation,
    });
  }
  return { findings };
}
