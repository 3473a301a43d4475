import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/parity.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const PARITY_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "locked-ether", category: "other", severity: "medium" },
  { detector: "uninitialized-state", category: "other", severity: "high" },
  { detector: "incorrect-exp", category: "arithmetic", severity: "medium" },
  { detector: "return-bomb", category: "denial_of_service", severity: "medium" },
  { detector: "reentrancy-balance", category: "reentrancy", severity: "medium" },
];
