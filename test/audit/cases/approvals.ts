import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/approvals.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const APPROVAL_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "safe-approve-nonzero", category: "denial_of_service", severity: "medium" },
  // a refund sent with transferFrom(address(this), …)
  { detector: "self-transfer-from", category: "denial_of_service", severity: "medium" },
];
