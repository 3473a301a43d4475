import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/composition.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const COMPOSITION_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "erc2771-multicall", category: "access_control", severity: "high" },
  { detector: "multicall-msg-value", category: "other", severity: "high" },
  { detector: "unchecked-before-verify", category: "access_control", severity: "high" },
  { detector: "governance-flash-vote", category: "access_control", severity: "medium" },
];
