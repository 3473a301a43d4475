import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/logic.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const LOGIC_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "msg-value-in-nonpayable", category: "other", severity: "medium" },
  { detector: "tautology", category: "other", severity: "medium" },
  { detector: "boolean-constant", category: "other", severity: "medium" },
  { detector: "incorrect-modifier", category: "access_control", severity: "low" },
];
