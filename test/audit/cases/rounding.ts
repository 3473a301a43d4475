import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/rounding.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const ROUNDING_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "rounding-direction", category: "arithmetic", severity: "medium" },
];
