import type { Detector } from "./detector";
import { reentrancy } from "./reentrancy";
import { uncheckedCalls } from "./uncheckedCalls";
import { accessControl, centralizationRisk, unguardedSetter } from "./accessControl";
import { integerOverflow, divideBeforeMultiply } from "./arithmetic";
import { weakRandomness } from "./randomness";
import { timestampDependence } from "./timestamp";
import { frontRunning } from "./frontRunning";
import { denialOfService } from "./denialOfService";
import { shortAddress, uninitializedStoragePointer, signatureReplay, unsafeErc20, msgValueInLoop, governorClockUnits, unassignedReturn } from "./misc";
import { DEFI_DETECTORS } from "./defi";
import { CRYPTO_DETECTORS } from "./crypto";
import { PROXY_DETECTORS } from "./proxy";
import { PARITY_DETECTORS } from "./parity";
import { AUTH_DETECTORS } from "./auth";
import { COMPOSITION_DETECTORS } from "./composition";
import { roundingDirection } from "./rounding";
import { STORAGE_DETECTORS } from "./storage";
import { LOGIC_DETECTORS } from "./logic";
import { ORACLE_DETECTORS } from "./oracles";
import { TRUST_DETECTORS } from "./trust";
import { SIGNING_DETECTORS } from "./signing";
import { MERKLE_DETECTORS } from "./merkle";
import { WRAPPING_DETECTORS } from "./wrapping";
import { APPROVAL_DETECTORS } from "./approvals";
import { LIFETIME_DETECTORS } from "./lifetimes";
import { CROSSCHAIN_DETECTORS } from "./crosschain";
import { FLAG_DETECTORS } from "./flags";
import { BOUNDS_DETECTORS } from "./bounds";
import { ROLE_DETECTORS } from "./roles";
import { COLLECTION_DETECTORS } from "./collections";
import { REWARD_DETECTORS } from "./rewards";
import { UPGRADE_DETECTORS } from "./upgrades";
import { TYPEHASH_DETECTORS } from "./typehash";
import { UNIT_DETECTORS } from "./units";
import { HOOK_DETECTORS } from "./hooks";
import { MINT_DETECTORS } from "./mints";
import { PRICE_DETECTORS } from "./prices";

/** Every built-in detector, in report order. */
export const DETECTORS: readonly Detector[] = [
  reentrancy,
  uncheckedCalls,
  accessControl,
  centralizationRisk,
  unguardedSetter,
  integerOverflow,
  divideBeforeMultiply,
  weakRandomness,
  timestampDependence,
  frontRunning,
  denialOfService,
  shortAddress,
  uninitializedStoragePointer,
  signatureReplay,
  unsafeErc20,
  msgValueInLoop,
  governorClockUnits,
  unassignedReturn,
  ...DEFI_DETECTORS,
  ...CRYPTO_DETECTORS,
  ...PROXY_DETECTORS,
  ...PARITY_DETECTORS,
  ...AUTH_DETECTORS,
  ...COMPOSITION_DETECTORS,
  roundingDirection,
  ...STORAGE_DETECTORS,
  ...LOGIC_DETECTORS,
  ...ORACLE_DETECTORS,
  ...TRUST_DETECTORS,
  ...SIGNING_DETECTORS,
  ...MERKLE_DETECTORS,
  ...WRAPPING_DETECTORS,
  ...APPROVAL_DETECTORS,
  ...LIFETIME_DETECTORS,
  ...CROSSCHAIN_DETECTORS,
  ...FLAG_DETECTORS,
  ...BOUNDS_DETECTORS,
  ...ROLE_DETECTORS,
  ...COLLECTION_DETECTORS,
  ...REWARD_DETECTORS,
  ...UPGRADE_DETECTORS,
  ...TYPEHASH_DETECTORS,
  ...UNIT_DETECTORS,
  ...HOOK_DETECTORS,
  ...MINT_DETECTORS,
  ...PRICE_DETECTORS,
];

export type { Detector, DetectorContext, RawFinding } from "./detector";
