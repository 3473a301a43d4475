import { LuniverseError } from "../../lib/errors";

/** What went wrong in anchoring, for callers that react to it (the task prints the message). */
export type AnchorErrorCode =
  | "ANCHOR_CONFIG" // an option is missing, unknown or malformed
  | "ANCHOR_REGISTRY" // no registry address, or no registry code at it
  | "ANCHOR_CHILD_DATA" // the child chain answered something unusable (missing block, broken chain of hashes)
  | "ANCHOR_NOT_ANCHORED" // the block is not inside an anchored range yet
  | "ANCHOR_MISMATCH" // the child's blocks do not give the anchored root
  | "ANCHOR_NOT_VERIFIED"; // the parent contract rejected the proof

/** An anchoring error whose message says what is wrong and what to do next. */
export class AnchorError extends LuniverseError<AnchorErrorCode> {
  override name = "AnchorError";
}

/** Whether `e` is an {@link AnchorError}. */
export function isAnchorError(e: unknown): e is AnchorError {
  return e instanceof AnchorError || (typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AnchorError");
}
