/**
 * DeFi accounting and pricing (issue #18): spot-price oracles, stale oracle answers, share inflation in vaults,
 * fee-on-transfer and rebasing token accounting, missing slippage and deadline protection.
 */
import type { Detector } from "./detector";

/** The DeFi detectors, in report order. */
export const DEFI_DETECTORS: readonly Detector[] = [];
