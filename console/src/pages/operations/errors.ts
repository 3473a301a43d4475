/**
 * Any error of an operation in words for the page: the repository's errors (OperationError, the decoded custom error
 * of lib/revert's ContractCallError) as message + hint, a wallet's refusal as such, ethers' errors by their short
 * message — never a stack.
 */
import { errorMessage, isLuniverseError } from "../../../../lib/errors";
import { WalletError, walletErrorText } from "../../wallet";

/** An invalid form value: the message names the field. */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface DescribedError {
  message: string;
  hint?: string;
}

function rejected(e: unknown): boolean {
  for (let x = e as { code?: unknown; cause?: unknown; error?: unknown } | null, i = 0; x && i < 5; i++) {
    if (x.code === "ACTION_REJECTED" || x.code === 4001) return true;
    x = (x.cause ?? x.error ?? null) as typeof x;
  }
  return false;
}

export function describeError(e: unknown): DescribedError {
  if (rejected(e)) return { message: "the transaction was rejected in the wallet", hint: "nothing was sent; review and confirm again to retry" };
  if (e instanceof FieldError || e instanceof WalletError) return e.hint ? { message: e.message, hint: e.hint } : { message: e.message };
  if (isLuniverseError(e)) {
    if (e.code === "CONTRACT_REVERT") {
      // "<what> reverted with Name(args): hint" (lib/revert.ts)
      const m = /^(.*? reverted with [A-Za-z0-9_]+\(.*?\))(?:: (.*))?$/s.exec(e.message);
      if (m) return m[2] ? { message: m[1]!, hint: m[2] } : { message: m[1]! };
    }
    return e.hint ? { message: e.shortMessage + (e.details ? `: ${e.details}` : ""), hint: e.hint } : { message: e.message };
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "number") return { message: walletErrorText(e) };
  return { message: errorMessage(e) };
}
