import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/proxy.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const PROXY_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "proxy-storage-collision", category: "access_control", severity: "high" },
  { detector: "unprotected-upgrade", category: "access_control", severity: "high" },
  { detector: "arbitrary-call", category: "access_control", severity: "high" },
  { detector: "read-only-reentrancy", category: "reentrancy", severity: "medium" },
];
