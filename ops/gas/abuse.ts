/** Why a validator reports an account: `IGasPolicy.AbuseReason`, by name in the enum's order. */
export const ABUSE_REASONS = ["executed-gas", "reverts", "rejections"] as const;

export type AbuseReason = (typeof ABUSE_REASONS)[number];

/** The enum value of `reason` (its index in {@link ABUSE_REASONS}). */
export function abuseReasonValue(reason: AbuseReason): number {
  return ABUSE_REASONS.indexOf(reason);
}

/** The name of enum value `value` (`"unknown(n)"` for one this module does not know). */
export function abuseReasonName(value: bigint | number): AbuseReason | `unknown(${string})` {
  return ABUSE_REASONS[Number(value)] ?? `unknown(${value})`;
}
