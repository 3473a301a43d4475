import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/proxy.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const PROXY_CASES: { detector: string; category: Category; severity: Severity }[] = [];
