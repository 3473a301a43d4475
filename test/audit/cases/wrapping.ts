import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/wrapping.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const WRAPPING_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "checked-wrapping-math", category: "arithmetic", severity: "medium" },
];
