import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/bounds.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const BOUNDS_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a multiplier that starts above the limit its setter enforces
  { detector: "default-outside-bounds", category: "other", severity: "medium" },
];
