import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/upgrades.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const UPGRADE_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // an upgradeable base with state and no storage gap
  { detector: "missing-storage-gap", category: "other", severity: "medium" },
];
