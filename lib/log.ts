/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields of one log line; bigints are written as decimal strings and errors as their message (and code). */
export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  /** Lines below this level are dropped (default `info`, or `LOG_LEVEL` from the environment). */
  level?: LogLevel;
  /** Where each line goes (default: process.stdout). One call per line, newline included. */
  write?: (line: string) => void;
  /** Fields added to every line (e.g. `{ signer: 3 }`). */
  fields?: LogFields;
  /** Clock (tests). */
  now?: () => Date;
}

/** A structured logger: one JSON object per line with `ts`, `level`, `component`, `msg` and the given fields. */
export interface Logger {
  readonly component: string;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger for a sub-component (`relayer.deposits`) sharing the options, with extra fields. */
  child(name: string, fields?: LogFields): Logger;
}

/** Whether `value` names a level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && value in RANK;
}

/** Makes a value JSON-friendly: bigint → string, Error → { message, code }. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; shortMessage?: string };
    return { message: e.shortMessage ?? e.message, ...(e.code !== undefined ? { code: String(e.code) } : {}) };
  }
  return value;
}

/** Serialises one line; values that JSON cannot represent (cycles) become a string. */
export function formatLine(entry: LogFields): string {
  try {
    return JSON.stringify(entry, (_k, v: unknown) => plain(v));
  } catch {
    return JSON.stringify({ ...entry, fields: "[unserialisable]" }, (_k, v: unknown) => (typeof v === "object" && v !== null && _k !== "" ? String(v) : plain(v)));
  }
}

/** Creates a JSON-lines logger for `component`. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const envLevel = process.env.LOG_LEVEL;
  const level: LogLevel = options.level ?? (isLogLevel(envLevel) ? envLevel : "info");
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < RANK[level]) return;
    write(`${formatLine({ ts: now().toISOString(), level: lvl, component, msg, ...base, ...fields })}\n`);
  };
  return {
    component,
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (name, fields) => createLogger(`${component}.${name}`, { level, write, now, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (library defaults, tests). */
export const silentLogger: Logger = createLogger("silent", { write: () => undefined, level: "error" });
