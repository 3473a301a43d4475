import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/storage.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const STORAGE_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "mapping-deletion", category: "other", severity: "medium" },
  { detector: "array-by-reference", category: "other", severity: "high" },
  { detector: "storage-pointer-reassign", category: "other", severity: "medium" },
];
