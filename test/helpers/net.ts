/** Helpers shared by the tests that run real processes on 127.0.0.1: free ports, JSON-RPC calls, polling. */
import net from "node:net";

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

let nextId = 1;
/** One JSON-RPC call over HTTP; a JSON-RPC error becomes an Error with the error's message and `code`. */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { code: body.error.code });
  return body.result as T;
}

/** Thrown by a `waitFor` check to stop waiting at once (e.g. the awaited process exited). */
export class GiveUp extends Error {}

/**
 * Polls `check` every `everyMs` until it returns a value (not undefined/false) or `timeoutMs` passes; errors of
 * `check` are retried, except {@link GiveUp}.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (e instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${e.message}`);
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A base port with `n` consecutive free ports on 127.0.0.1, below Linux's ephemeral range (32768+): a devnet binds
 * them minutes later, after its genesis builds, and an outgoing connection must not have taken one meanwhile.
 */
export async function freeRange(n: number, avoid: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if (ports.some((p) => avoid.has(p))) continue;
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) {
      for (const p of ports) avoid.add(p);
      return base;
    }
  }
  throw new Error("no free port range");
}
