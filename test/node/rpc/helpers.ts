/** Raw HTTP and WebSocket clients for the RPC server tests (no ethers in between). */
import { expect } from "chai";
import WebSocket from "ws";
import { startRpcServer, type RpcServer, type RpcServerOptions } from "../../../node/rpc/server";
import { MockBackend } from "./backend";

export interface Started {
  backend: MockBackend;
  server: RpcServer;
}

/** A mock backend and a server on 127.0.0.1 with an ephemeral port. */
export async function startMock(opts: Omit<RpcServerOptions, "host" | "port"> = {}): Promise<Started> {
  const backend = await MockBackend.create();
  const server = await startRpcServer(backend, { host: "127.0.0.1", port: 0, ...opts });
  return { backend, server };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** POSTs a body as is and returns status, headers and the parsed JSON (undefined when empty). */
export async function post(url: string, body: string | object, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text === "" ? undefined : JSON.parse(text) };
}

/** One JSON-RPC call; returns the whole response object. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function call(url: string, method: string, params?: unknown[]): Promise<any> {
  const res = await post(url, { jsonrpc: "2.0", id: 1, method, ...(params === undefined ? {} : { params }) });
  expect(res.status).to.equal(200);
  return res.json;
}

/** One JSON-RPC call that must succeed; returns its result. */
export async function result(url: string, method: string, params?: unknown[]): Promise<unknown> {
  const res = await call(url, method, params);
  expect(res.error, `${method} failed: ${JSON.stringify(res.error)}`).to.equal(undefined);
  return res.result;
}

/** One JSON-RPC call that must fail with `code`; returns the error's message. */
export async function rpcError(url: string, method: string, params: unknown[] | undefined, code: number): Promise<string> {
  const res = await call(url, method, params);
  expect(res.error, `${method} should fail with ${code}, got ${JSON.stringify(res.result)}`).to.not.equal(undefined);
  expect(res.error.code, res.error.message).to.equal(code);
  return res.error.message as string;
}

/** A WebSocket client that queues incoming messages for `next()`. */
export class WsClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly queue: any[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private waiter?: (m: any) => void;
  closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(m);
      } else this.queue.push(m);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }

  static async open(url: string): Promise<WsClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new WsClient(ws);
  }

  send(message: string | object): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The next message, or an error after `ms`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(ms = 2_000): Promise<any> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no WebSocket message within ${ms} ms`));
      }, ms);
      this.waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  /** Whether a message arrives within `ms` (consumes it). */
  async nothingWithin(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  /** Sends one request and returns the response with the same id (notifications received meanwhile are kept). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async request(method: string, params: unknown[] = [], id: number = Math.floor(Math.random() * 1e9)): Promise<any> {
    this.send({ jsonrpc: "2.0", id, method, params });
    const skipped = [];
    for (;;) {
      const m = await this.next();
      if (m.id === id) {
        this.queue.unshift(...skipped);
        return m;
      }
      skipped.push(m);
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
