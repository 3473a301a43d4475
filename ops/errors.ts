import { LuniverseError, type LuniverseErrorOptions } from "../lib/errors";

export type OperationErrorCode =
  /** A parameter of the operation is malformed (an address, an amount, a ratio). */
  | "OP_INVALID_PARAMETER"
  /** The chain is not in a state that allows the operation (nothing at an address, a pair not registered, a proposal in the wrong state). */
  | "OP_PRECONDITION"
  /** A contract or manifest the operation needs is missing. */
  | "OP_DEPLOYMENT"
  /** A transaction was mined but the expected event is not in its receipt. */
  | "OP_UNEXPECTED_RECEIPT"
  /** Waiting for a block, a time or a state took longer than allowed. */
  | "OP_TIMEOUT";

/**
 * What an operation throws when it cannot do its work (besides the contract-revert errors of `lib/revert`): the
 * message says what is wrong and what to do, in the words a task prints.
 */
export class OperationError extends LuniverseError<OperationErrorCode> {
  override name = "OperationError";
  constructor(code: OperationErrorCode, message: string, options: LuniverseErrorOptions = {}) {
    super(code, message, options);
  }
}
