import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/units.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const UNIT_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // 540 where the contract's maximum is 540 days
  { detector: "missing-time-unit", category: "arithmetic", severity: "medium" },
];
