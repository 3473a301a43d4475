import { LuniverseError, isLuniverseError, type LuniverseErrorOptions } from "../../lib/errors";

/**
 * An operator error at the task boundary: the message says what is wrong and what to do. It is a
 * {@link LuniverseError} that Hardhat's command line recognises as a plugin error (`_isHardhatPluginError`), so it is
 * printed as `Error in plugin luniverse: <message>` — without a stack trace.
 */
export class TaskError extends LuniverseError<"LUNIVERSE_TASK"> {
  override name = "TaskError";
  readonly pluginName = "luniverse";
  readonly _isHardhatPluginError = true;
  constructor(message: string, options: LuniverseErrorOptions = {}) {
    super("LUNIVERSE_TASK", message, options);
  }
}

/** Whether `e` is a {@link TaskError} (by code: a second copy of this module makes `instanceof` unreliable). */
export function isTaskError(e: unknown): e is TaskError {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "LUNIVERSE_TASK";
}

/**
 * What a task throws for `e`: a {@link TaskError} with the same message for any error of the repository (an
 * operation's argument, revert or configuration error), `e` unchanged otherwise (a bug: Hardhat shows its stack).
 */
export function toTaskError(e: unknown): unknown {
  if (isTaskError(e)) return e;
  if (isLuniverseError(e)) return new TaskError(e.message, { cause: e });
  return e;
}
