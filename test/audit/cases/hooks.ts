import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/hooks.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const HOOK_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a transfer hook that restarts the sender's withdrawal preparation on any transfer, a zero-amount one included
  { detector: "transfer-hook-reset", category: "denial_of_service", severity: "medium" },
];
