/**
 * Signatures, casts, hashing and balance assumptions (issue #18): `ecrecover` returning zero, signature malleability,
 * unsafe downcasts, `abi.encodePacked` hash collisions, forced-ether balance assumptions, callback reentrancy.
 */
import type { Detector } from "./detector";

/** The detectors of this group, in report order. */
export const CRYPTO_DETECTORS: readonly Detector[] = [];
