import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/trust.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const TRUST_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "untrusted-contract-credit", category: "access_control", severity: "high" },
];
