import type { Category, Severity } from "../../../audit/types";

/** The DeFi detectors' fixture cases (audit/detectors/defi.ts): fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const DEFI_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "oracle-spot-price", category: "oracle_manipulation", severity: "high" },
  { detector: "oracle-stale-price", category: "oracle_manipulation", severity: "medium" },
  { detector: "oracle-shared-heartbeat", category: "oracle_manipulation", severity: "medium" },
  { detector: "oracle-sequencer-uptime", category: "oracle_manipulation", severity: "medium" },
  { detector: "vault-share-inflation", category: "defi_accounting", severity: "high" },
  { detector: "fee-on-transfer-accounting", category: "defi_accounting", severity: "medium" },
  { detector: "missing-slippage", category: "front_running", severity: "medium" },
  // a zap that pulls both desired amounts and keeps what the router does not take
  { detector: "unrefunded-max-input", category: "defi_accounting", severity: "medium" },
  { detector: "vault-idle-total-assets", category: "defi_accounting", severity: "high" },
];
