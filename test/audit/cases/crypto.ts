import type { Category, Severity } from "../../../audit/types";

/** The fixture cases of audit/detectors/crypto.ts: fixtures/detectors/<detector>/{Vulnerable,Fixed}.sol. */
export const CRYPTO_CASES: { detector: string; category: Category; severity: Severity }[] = [
  { detector: "ecrecover-zero-address", category: "signatures", severity: "high" },
  { detector: "signature-malleability", category: "signatures", severity: "medium" },
  { detector: "unprefixed-signature", category: "signatures", severity: "medium" },
  { detector: "unsafe-downcast", category: "arithmetic", severity: "medium" },
  { detector: "unsafe-sign-cast", category: "arithmetic", severity: "medium" },
  { detector: "encode-packed-collision", category: "signatures", severity: "medium" },
  { detector: "forced-ether-balance", category: "denial_of_service", severity: "medium" },
  { detector: "callback-reentrancy", category: "reentrancy", severity: "high" },
];
