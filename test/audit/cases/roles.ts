import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/roles.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const ROLE_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // a blacklist kept as an AccessControl role its holder can renounce
  { detector: "renounceable-denylist", category: "access_control", severity: "high" },
];
