/**
 * fetch for the console's own server: JSON in, JSON out; an HTTP error becomes an {@link ApiRequestError} carrying
 * the server's `{error: {code, message}}` (the indexer's and the console server's shape) so pages can show it.
 */
import { LuniverseError } from "../../../lib/errors";

export class ApiRequestError extends LuniverseError<string> {
  override name = "ApiRequestError";
  constructor(
    code: string,
    readonly status: number,
    message: string,
    readonly url: string,
  ) {
    super(code, message);
  }
}

export async function fetchJson<T>(url: string, signal?: AbortSignal, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, ...(signal ? { signal } : {}), headers: { accept: "application/json", ...(init.headers ?? {}) } });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiRequestError("CONSOLE_OFFLINE", 0, `the console server is not reachable (${(e as Error).message}); is it still running?`, url);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: unknown; message?: unknown } | string } | undefined)?.error;
    const code = typeof err === "object" && err && typeof err.code === "string" ? err.code : `HTTP_${res.status}`;
    const message = typeof err === "object" && err && typeof err.message === "string" ? err.message : typeof err === "string" ? err : `${url} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
    throw new ApiRequestError(code, res.status, message, url);
  }
  if (body === undefined) throw new ApiRequestError("CONSOLE_BAD_JSON", res.status, `${url} did not answer JSON`, url);
  return body as T;
}

/** `?a=1&b=x` from the defined values of `params` ("" when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
