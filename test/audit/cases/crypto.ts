import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/crypto.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const CRYPTO_CASES: { detector: string; category: Category; severity: Severity }[] = [];
