/**
 * What the project says about the ERC-20 tokens its contracts handle (`--tokens standard`). Some weaknesses need a
 * token that misbehaves: one that takes a fee on transfer or rebases (the contract credits more than arrived) or one
 * that returns false instead of reverting (an unchecked return goes unnoticed). A project that handles only standard
 * tokens — a whitelist of known ones, or a README that rules such tokens out, as audit contests ask projects to state —
 * says so, and these findings drop to low with a note that they hold only for the tokens the project excludes.
 */
import { LuniverseError } from "../lib/errors";

export const TOKEN_ASSUMPTIONS = ["any", "standard"] as const;
export type TokenAssumption = (typeof TOKEN_ASSUMPTIONS)[number];

/** Detectors whose weakness needs a non-standard token: fee on transfer, rebasing, `false` instead of a revert. */
export const NON_STANDARD_TOKEN_DETECTORS: readonly string[] = ["fee-on-transfer-accounting", "unchecked-erc20-transfer"];

/** A `--tokens` value the scanner does not know; the message lists those it does. */
export class AuditTokensError extends LuniverseError<"AUDIT_TOKENS"> {
  override name = "AuditTokensError";
  constructor(message: string) {
    super("AUDIT_TOKENS", message);
  }
}

/** `standard` / `any` (any case, surrounding spaces ignored); anything else is an error that says what to write. */
export function parseTokens(value: string): TokenAssumption {
  const v = value.trim().toLowerCase();
  const found = TOKEN_ASSUMPTIONS.find((t) => t === v);
  if (!found)
    throw new AuditTokensError(
      `unknown value "${value.trim()}" for --tokens: use "standard" (the contracts handle only standard ERC-20 tokens: no fee on transfer, no rebasing, a revert on failure) or "any" (the default)`,
    );
  return found;
}

/** The note a finding of a non-standard-token detector gets when the project handles only standard tokens. */
export const STANDARD_TOKENS_NOTE =
  " The project says it handles only standard ERC-20 tokens (--tokens standard), so this holds only for a token it rules out (fee on transfer, rebasing, false instead of a revert): low.";
