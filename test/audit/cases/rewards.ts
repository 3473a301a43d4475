import type { Category, Severity } from "../../../audit/types";

/** The fixture case of audit/detectors/rewards.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const REWARD_CASES: { detector: string; category: Category; severity: Severity }[] = [
  // Synthetix-style rewards streamed while nobody is staked
  { detector: "idle-reward-period", category: "defi_accounting", severity: "medium" },
];
