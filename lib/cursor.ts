import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { LuniverseError } from "./errors";

/** A state file that cannot be used: unreadable, not JSON, or rejected by the validator. */
export class CursorError extends LuniverseError<"LUNIVERSE_CURSOR"> {
  override name = "CursorError";
  constructor(message: string) {
    super("LUNIVERSE_CURSOR", message);
  }
}

export interface CursorOptions<T> {
  /** State when the file does not exist yet. */
  initial: T;
  /** Checks (and may migrate) what was read; throw a message for a file that must not be used. */
  validate?: (value: unknown) => T;
}

/**
 * A durable JSON state file (a process's cursor). Writes are atomic — a temp file in the same folder, fsync, then
 * rename over the old file — so after a crash or kill -9 the file holds either the previous or the new state,
 * never half of one.
 */
export class Cursor<T> {
  private value: T;

  constructor(
    readonly file: string,
    options: CursorOptions<T>,
  ) {
    this.value = Cursor.read(file, options);
  }

  /** Reads `file`, or returns `initial` when it does not exist. */
  static read<T>(file: string, options: CursorOptions<T>): T {
    if (!existsSync(file)) return structuredClone(options.initial);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"), (_k, v: unknown) =>
        typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
      );
    } catch (e) {
      throw new CursorError(`state file ${file} is not valid JSON (${(e as Error).message}); fix or move it away to start over`);
    }
    if (!options.validate) return json as T;
    try {
      return options.validate(json);
    } catch (e) {
      throw new CursorError(`state file ${file} cannot be used: ${(e as Error).message}`);
    }
  }

  /** Current state (a copy: change it through {@link save} or {@link update}). */
  get(): T {
    return structuredClone(this.value);
  }

  /** Replaces the state and persists it atomically before returning. */
  save(next: T): void {
    writeAtomic(this.file, `${JSON.stringify(next, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v), 2)}\n`);
    this.value = structuredClone(next);
  }

  /** Applies `change` to a copy of the state and saves the result. */
  update(change: (state: T) => T | void): T {
    const draft = this.get();
    const next = (change(draft) ?? draft) as T;
    this.save(next);
    return this.get();
  }
}

/** Writes `text` to `file` atomically: temp file in the same folder, fsync, rename. */
export function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
