import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/typehash.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const TYPEHASH_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // an EIP-712 type string with uint256 where the struct holds bytes32
  { detector: "typehash-mismatch", category: "signatures", severity: "medium" },
];
