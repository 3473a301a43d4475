/**
 * The one error base of the repository (after viem's `BaseError`): a machine-readable `code` in UPPER_SNAKE_CASE
 * with a domain prefix (`NODE_CONFIG_UNKNOWN_KEY`, `KEYSTORE_MISSING`, `ARG_INVALID`), a short message that says what
 * is wrong, optional details (what was seen) and a hint (what to do next). Every error class of the repository
 * derives from it, so a command line prints any of them the same way and never a stack trace.
 */

export interface LuniverseErrorOptions {
  /** What was seen, e.g. the underlying RPC error's message. */
  details?: string;
  /** What to do next, e.g. the command to run. */
  hint?: string;
  /** The error this one explains. */
  cause?: unknown;
}

export class LuniverseError<Code extends string = string> extends Error {
  override name = "LuniverseError";
  /** Machine-readable cause, stable across versions. */
  readonly code: Code;
  /** The first sentence alone, without details and hint. */
  readonly shortMessage: string;
  readonly details?: string;
  readonly hint?: string;
  /** Marks errors of this repository (also across copies of this module); ethers' errors also have a `code` and a `shortMessage`. */
  readonly isLuniverseError = true;

  constructor(code: Code, shortMessage: string, options: LuniverseErrorOptions = {}) {
    super(composeMessage(shortMessage, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    if (options.details !== undefined) this.details = options.details;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** `short`, then `: details`, then ` — hint` (each only when given). */
export function composeMessage(shortMessage: string, options: LuniverseErrorOptions = {}): string {
  let text = shortMessage;
  if (options.details) text += `: ${options.details}`;
  if (options.hint) text += ` — ${options.hint}`;
  return text;
}

/**
 * Whether `e` is a {@link LuniverseError}. Also true for one thrown by another copy of this module (a second
 * `ts-node` instance, the installed package): the check is by its marker, not its prototype.
 */
export function isLuniverseError(e: unknown): e is LuniverseError {
  if (e instanceof LuniverseError) return true;
  return typeof e === "object" && e !== null && (e as { isLuniverseError?: unknown }).isLuniverseError === true;
}

/** An invalid command-line argument or operation parameter; `flag` names it (`--amount`, `amount`). */
export class ArgumentError extends LuniverseError<"ARG_INVALID" | "ARG_MISSING" | "ARG_UNKNOWN"> {
  override name = "ArgumentError";
  constructor(
    code: "ARG_INVALID" | "ARG_MISSING" | "ARG_UNKNOWN",
    readonly flag: string,
    message: string,
    options: LuniverseErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** The message of any thrown value, preferring a library's short message (ethers' `shortMessage`). */
export function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null) {
    const r = e as { shortMessage?: unknown; message?: unknown };
    if (typeof r.shortMessage === "string" && !(e instanceof LuniverseError)) return r.shortMessage;
    if (typeof r.message === "string") return r.message;
  }
  return String(e);
}
