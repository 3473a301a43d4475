import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/oracles.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const ORACLE_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "oracle-unchecked-price", category: "oracle_manipulation", severity: "medium" },
  { detector: "arbitrary-send-eth", category: "access_control", severity: "high" },
  // a redemption priced with the prices the caller passes
  { detector: "caller-supplied-price", category: "oracle_manipulation", severity: "high" },
];
