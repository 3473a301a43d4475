import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/crosschain.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const CROSSCHAIN_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "cross-chain-destination", category: "access_control", severity: "high" },
];
