/**
 * The signer's refusals: each a code, an HTTP status and a message that says what is wrong and what to do. The API
 * answers `{ "error": { "code", "message", "rule"? } }` — never a stack trace.
 */
import { LuniverseError, type LuniverseErrorOptions } from "../../lib/errors";

export const SIGNER_ERRORS = {
  SIGNER_BAD_REQUEST: 400,
  SIGNER_UNKNOWN_CHAIN: 400,
  SIGNER_UNKNOWN_TEMPLATE: 400,
  SIGNER_AUTH: 401,
  SIGNER_FORBIDDEN: 403,
  SIGNER_POLICY: 403,
  SIGNER_OTP_REQUIRED: 403,
  SIGNER_OTP_INVALID: 403,
  SIGNER_OTP_REPLAYED: 403,
  SIGNER_PIN_INVALID: 403,
  SIGNER_NOT_FOUND: 404,
  SIGNER_UNKNOWN_USER: 404,
  SIGNER_EXISTS: 409,
  SIGNER_NOT_ENROLLED: 409,
  SIGNER_IDEMPOTENCY_CONFLICT: 409,
  SIGNER_PAYLOAD_TOO_LARGE: 413,
  SIGNER_WOULD_REVERT: 422,
  SIGNER_INSUFFICIENT_FUNDS: 422,
  SIGNER_LOCKED: 423,
  SIGNER_UPSTREAM: 502,
  SIGNER_UNAVAILABLE: 503,
} as const;

export type SignerErrorCode = keyof typeof SIGNER_ERRORS;

export class SignerError extends LuniverseError<SignerErrorCode> {
  override name = "SignerError";
  /** The policy rule that refused (`maxValuePerTx`, `allowedTargets`, …). */
  readonly rule?: string;

  constructor(code: SignerErrorCode, message: string, options: LuniverseErrorOptions & { rule?: string } = {}) {
    super(code, message, options);
    if (options.rule !== undefined) this.rule = options.rule;
  }

  get status(): number {
    return SIGNER_ERRORS[this.code];
  }
}
