import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/collections.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const COLLECTION_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a swap-and-pop that clears the removed id's index before writing the moved one's
  { detector: "swap-pop-index", category: "other", severity: "medium" },
];
