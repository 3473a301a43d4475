/**
 * A minimal JSON-RPC client over HTTP/1.1 with one keep-alive connection per client (a load generator must not pay
 * for connection set-up or for a general-purpose library's per-request work inside the timed window).
 */
import http from "node:http";
import { LuniverseError } from "../../lib/errors";

export interface RpcAnswer {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class RpcCallError extends LuniverseError<"BENCH_RPC_CALL"> {
  override name = "RpcCallError";
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly method: string,
  ) {
    super("BENCH_RPC_CALL", `${method}: ${message} (${rpcCode})`);
  }
}

export class RpcClient {
  private readonly agent: http.Agent;
  private readonly target: URL;
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 120_000,
  ) {
    this.target = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** POSTs a ready-made body and returns the response text; rejects on a transport error or a non-200 status. */
  post(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: "POST",
          agent: this.agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} from ${this.url}: ${text.slice(0, 300)}`));
            else resolve(text);
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer from ${this.url} within ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(body);
    });
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const text = await this.post(JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params }));
    const a = JSON.parse(text) as RpcAnswer;
    if (a.error) throw new RpcCallError(a.error.code, a.error.message, method);
    return a.result as T;
  }

  /** One batch; answers in request order (matched by id). */
  async batch(calls: { method: string; params: unknown[] }[]): Promise<RpcAnswer[]> {
    if (calls.length === 0) return [];
    const first = this.nextId;
    this.nextId += calls.length;
    const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params })));
    const answers = parseBatch(await this.post(body));
    const byId = new Map(answers.map((a) => [a.id, a]));
    return calls.map((c, i) => byId.get(first + i) ?? { id: first + i, error: { code: -1, message: `no answer to ${c.method} in the batch` } });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Parses a batch answer; a single error object (e.g. "batch too large") becomes a one-element array. */
export function parseBatch(text: string): RpcAnswer[] {
  const parsed = JSON.parse(text) as RpcAnswer | RpcAnswer[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

export function hexQuantity(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
