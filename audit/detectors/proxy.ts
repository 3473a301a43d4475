/**
 * Proxies, upgrades and calls out (issue #18): storage collisions in proxies, unprotected UUPS upgrades, arbitrary
 * `call` targets with caller-chosen data, read-only reentrancy.
 */
import type { Detector } from "./detector";

/** The detectors of this group, in report order. */
export const PROXY_DETECTORS: readonly Detector[] = [];
