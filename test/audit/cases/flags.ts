import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/flags.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const FLAG_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a role setter: the permission category
  { detector: "ignored-flag", category: "access_control", severity: "medium" },
];
