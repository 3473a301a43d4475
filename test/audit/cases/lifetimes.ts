import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/lifetimes.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const LIFETIME_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "storage-ref-after-delete", category: "other", severity: "high" },
];
