import type { Category, Severity } from "../../../audit/types";

/** The DeFi detectors' fixture cases (audit/detectors/defi.ts): fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const DEFI_CASES: { detector: string; category: Category; severity: Severity }[] = [];
