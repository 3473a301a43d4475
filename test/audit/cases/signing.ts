import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/signing.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const SIGNING_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "signature-unbound-recipient", category: "signatures", severity: "medium" },
];
