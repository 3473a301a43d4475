/** One failed attempt, as reported to {@link RetryOptions.onError}. */
export interface RetryFailure {
  attempt: number;
  error: unknown;
  /** Milliseconds before the next attempt (undefined when giving up). */
  delayMs?: number;
}

export interface RetryOptions {
  /** Attempts in all, first included (default: Infinity — retry until success or abort). */
  attempts?: number;
  /** First delay (default 250 ms); doubles each time up to `maxDelayMs`. */
  initialDelayMs?: number;
  /** Cap of the delay (default 30 s). */
  maxDelayMs?: number;
  /** Growth factor (default 2). */
  factor?: number;
  /** Random share of each delay, 0..1 (default 0.2: the delay is ±20%). */
  jitter?: number;
  /** Called on every failure (log it, count it). */
  onError?: (failure: RetryFailure) => void;
  /** Errors for which retrying is pointless: thrown at once. */
  isFatal?: (error: unknown) => boolean;
  /** Stops waiting and rethrows the last error (or an AbortError) when aborted. */
  signal?: AbortSignal;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

/** The delay before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(Math.max(options.jitter ?? 0.2, 0), 1);
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * factor ** (attempt - 1));
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}

/** Resolves after `ms`, or rejects when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error("aborted");
  e.name = "AbortError";
  return e;
}

/**
 * Runs `fn` until it succeeds, waiting with exponential backoff and jitter between attempts and reporting each
 * failure through `onError`. Throws the last error after `attempts`, at once for a fatal error, or on abort.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? Infinity;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (options.isFatal?.(error) || attempt >= attempts) {
        options.onError?.({ attempt, error });
        throw error;
      }
      const delayMs = backoffDelay(attempt, options);
      options.onError?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}
