import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/auth.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const AUTH_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "eoa-check", category: "access_control", severity: "medium" },
  { detector: "calldata-offset-check", category: "access_control", severity: "high" },
  { detector: "private-data-on-chain", category: "other", severity: "medium" },
  { detector: "flash-loan-initiator", category: "access_control", severity: "medium" },
];
