import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/merkle.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const MERKLE_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "merkle-leaf-node-length", category: "signatures", severity: "medium" },
];
