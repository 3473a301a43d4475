import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/mints.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const MINT_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a share mint that returns quietly on 0 after the deposit took the caller's tokens
  { detector: "silent-zero-mint", category: "defi_accounting", severity: "medium" },
];
