/**
 * JSON-RPC 2.0 over HTTP, byte for byte: envelopes, batches, notifications, size limits, error codes, concurrency,
 * and the GET endpoints (/metrics, /health) and CORS. Raw fetch, no client library in between.
 */
import { expect } from "chai";
import http from "node:http";
import { startRpcServer, RpcServerConfigError } from "../../../node/rpc/server";
import { BROKEN, MockBackend, REVERTER, REVERT_DATA, SLOW, TOKEN } from "./backend";
import { call, post, result, rpcError, startMock, type Started } from "./helpers";

const req = (method: string, params?: unknown[], id: unknown = 1) => ({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });

describe("node/rpc JSON-RPC over HTTP", function () {
  let s: Started;
  const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];

  before(async function () {
    s = await startMock({
      maxRequestBytes: 64 * 1024,
      maxBatch: 20,
      log: (level, msg, fields) => logged.push({ level, msg, fields }),
    });
  });

  after(async function () {
    await s.server.close();
  });

  describe("envelopes", function () {
    it("answers a request with its id and result", async function () {
      const res = await post(s.server.url, req("eth_blockNumber", [], "abc"));
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^application\/json/);
      expect(res.json).to.deep.equal({ jsonrpc: "2.0", id: "abc", result: "0x2" });
    });

    it("answers invalid JSON with -32700 and id null", async function () {
      const res = await post(s.server.url, '{"jsonrpc":"2.0","id":1,"method":');
      expect(res.status).to.equal(200);
      expect(res.json.id).to.equal(null);
      expect(res.json.error.code).to.equal(-32700);
      expect(res.json.error.message).to.match(/^parse error/);
    });

    it("answers a wrong or missing jsonrpc version with -32600, keeping the id", async function () {
      const wrong = await post(s.server.url, { jsonrpc: "1.0", id: 7, method: "eth_chainId" });
      expect(wrong.json).to.deep.include({ id: 7 });
      expect(wrong.json.error).to.deep.equal({ code: -32600, message: 'invalid request: "jsonrpc" must be "2.0"' });
      const missing = await post(s.server.url, { id: 8, method: "eth_chainId" });
      expect(missing.json.error.code).to.equal(-32600);
    });

    it("answers a bad id type with -32600 and id null", async function () {
      for (const id of [{ a: 1 }, [1], true]) {
        const res = await post(s.server.url, { jsonrpc: "2.0", id, method: "eth_chainId" });
        expect(res.json.id).to.equal(null);
        expect(res.json.error.code).to.equal(-32600);
        expect(res.json.error.message).to.match(/id must be/);
      }
    });

    it("answers a non-string method and a non-object request with -32600", async function () {
      const noMethod = await post(s.server.url, { jsonrpc: "2.0", id: 1, method: 5 });
      expect(noMethod.json.error).to.deep.equal({ code: -32600, message: 'invalid request: "method" must be a string' });
      for (const body of ["42", '"eth_chainId"', "null", "true"]) {
        const res = await post(s.server.url, body);
        expect(res.json.error.code, body).to.equal(-32600);
        expect(res.json.id).to.equal(null);
      }
    });

    it("answers an unknown method with -32601 in geth's words", async function () {
      const message = await rpcError(s.server.url, "eth_doesNotExist", [], -32601);
      expect(message).to.equal("the method eth_doesNotExist does not exist/is not available");
    });

    it("answers params that are not an array with -32602", async function () {
      const res = await post(s.server.url, { jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: { address: TOKEN } });
      expect(res.json.error.code).to.equal(-32602);
      expect(res.json.error.message).to.match(/params must be an array/);
    });

    it("sends nothing (204) for a notification, even a failing one", async function () {
      const ok = await post(s.server.url, { jsonrpc: "2.0", method: "eth_chainId" });
      expect(ok.status).to.equal(204);
      expect(ok.text).to.equal("");
      const failing = await post(s.server.url, { jsonrpc: "2.0", method: "eth_nope" });
      expect(failing.status).to.equal(204);
    });

    it("treats id null as a request, not a notification", async function () {
      const res = await post(s.server.url, { jsonrpc: "2.0", id: null, method: "eth_chainId" });
      expect(res.json).to.deep.equal({ jsonrpc: "2.0", id: null, result: "0x1e61" });
    });
  });

  describe("batches", function () {
    it("answers an empty batch with one -32600 error object", async function () {
      const res = await post(s.server.url, "[]");
      expect(res.json).to.deep.equal({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request: empty batch" } });
    });

    it("answers a batch over maxBatch with one -32600 'batch too large' error", async function () {
      const batch = Array.from({ length: 21 }, (_, i) => req("eth_chainId", [], i));
      const res = await post(s.server.url, batch);
      expect(Array.isArray(res.json)).to.equal(false);
      expect(res.json.error.code).to.equal(-32600);
      expect(res.json.error.message).to.match(/^batch too large \(21 requests > limit 20\)/);
    });

    it("answers a mixed batch in request order, leaving out notifications", async function () {
      const batch = [
        req("eth_blockNumber", [], 1),
        { jsonrpc: "2.0", method: "eth_chainId" },
        req("eth_nope", [], 2),
        42,
        req("eth_call", [{ to: REVERTER }], 3),
        { jsonrpc: "2.0", method: "eth_nope" },
        req("eth_getBalance", [], "four"),
        req("eth_chainId", [], 5),
      ];
      const res = await post(s.server.url, batch);
      expect(res.json).to.have.length(6);
      expect(res.json.map((r: { id: unknown }) => r.id)).to.deep.equal([1, 2, null, 3, "four", 5]);
      expect(res.json[0].result).to.equal("0x2");
      expect(res.json[1].error.code).to.equal(-32601);
      expect(res.json[2].error.code).to.equal(-32600);
      expect(res.json[3].error).to.deep.equal({ code: 3, message: "execution reverted: nope", data: REVERT_DATA });
      expect(res.json[4].error).to.deep.equal({ code: -32602, message: "missing value for required argument 0" });
      expect(res.json[5].result).to.equal("0x1e61");
    });

    it("answers a batch of only notifications with 204 and no body", async function () {
      const res = await post(s.server.url, [{ jsonrpc: "2.0", method: "eth_chainId" }, { jsonrpc: "2.0", method: "eth_blockNumber" }]);
      expect(res.status).to.equal(204);
      expect(res.text).to.equal("");
    });
  });

  describe("size limits", function () {
    it("refuses a request over maxRequestBytes with HTTP 413 and -32600", async function () {
      const big = JSON.stringify(req("eth_call", [{ to: TOKEN, data: `0x${"ab".repeat(40_000)}` }]));
      const res = await post(s.server.url, big);
      expect(res.status).to.equal(413);
      expect(res.json.error.code).to.equal(-32600);
      expect(res.json.error.message).to.equal(`request too large (${big.length} bytes > limit ${64 * 1024})`);
      expect(await result(s.server.url, "eth_blockNumber")).to.equal("0x2");
    });

    it("refuses a chunked body (no content-length) that grows over the limit, then keeps serving on a new connection", async function () {
      const { port } = s.server;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-type": "application/json" } }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        r.on("error", reject);
        for (let i = 0; i < 10; i++) r.write(`${"x".repeat(10_000)}`);
        r.end();
      });
      expect(answer.status).to.equal(413);
      expect(JSON.parse(answer.body).error.message).to.equal(`request too large (100000 bytes > limit ${64 * 1024})`);
      expect(await result(s.server.url, "eth_chainId")).to.equal("0x1e61");
    });
  });

  describe("errors from the backend", function () {
    it("passes a revert through with code 3, message and revert data", async function () {
      const res = await call(s.server.url, "eth_call", [{ to: REVERTER, data: "0x" }, "latest"]);
      expect(res.error).to.deep.equal({ code: 3, message: "execution reverted: nope", data: REVERT_DATA });
    });

    it("passes a pool rejection through with -32000", async function () {
      const res = await call(s.server.url, "eth_sendRawTransaction", ["0x02c0"]);
      expect(res.error.code).to.equal(-32000);
      expect(res.error.message).to.match(/rlp/);
    });

    it("turns an unexpected failure into -32603 without leaking its message, and logs it", async function () {
      logged.length = 0;
      const res = await call(s.server.url, "eth_call", [{ to: BROKEN }]);
      expect(res.error).to.deep.equal({ code: -32603, message: "internal error" });
      expect(JSON.stringify(res)).to.not.include("secret");
      const line = logged.find((l) => l.level === "error");
      expect(line?.msg).to.equal("rpc internal error");
      expect(line?.fields?.method).to.equal("eth_call");
      expect(line?.fields?.err).to.equal("storage exploded at /secret/path");
      expect(line?.fields?.stack).to.be.a("string");
      expect(await result(s.server.url, "eth_blockNumber")).to.equal("0x2");
    });

    it("runs slow backend calls concurrently, and a fast call does not wait behind them", async function () {
      s.backend.slowMs = 500;
      const started = Date.now();
      let slowDone = false;
      const slow = Promise.all([1, 2, 3].map((i) => post(s.server.url, req("eth_call", [{ to: SLOW }], i)))).then((answers) => {
        slowDone = true;
        return answers;
      });
      expect(await result(s.server.url, "eth_blockNumber")).to.equal("0x2");
      expect(slowDone, "the fast call waited for the slow ones").to.equal(false);
      const answers = await slow;
      expect(answers.every((a) => a.json.result !== undefined)).to.equal(true);
      // One after another they would take 1.5 s.
      expect(Date.now() - started).to.be.below(1_400);
    });
  });

  describe("GET endpoints and CORS", function () {
    it("serves /metrics: the node's exposition plus the server's counters", async function () {
      await post(s.server.url, req("eth_definitelyUnknown"));
      const res = await fetch(`${s.server.url}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).to.include("luniverse_chain_height 2\n");
      expect(text).to.match(/luniverse_rpc_requests_total\{method="eth_blockNumber",transport="http"\} \d+/);
      expect(text).to.match(/luniverse_rpc_requests_total\{method="unknown",transport="http"\} \d+/);
      expect(text).to.not.include("eth_definitelyUnknown");
      expect(text).to.match(/luniverse_rpc_errors_total\{code="-32601"\} \d+/);
      expect(text).to.match(/luniverse_rpc_errors_total\{code="-32600"\} \d+/);
      expect(text).to.match(/luniverse_rpc_requests_too_large_total [1-9]/);
    });

    it("serves /health as 200 JSON", async function () {
      const res = await fetch(`${s.server.url}/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.include({ status: "ok", height: "0x2", finalizedHeight: "0x1", syncing: false, peers: 1 });
    });

    it("answers CORS preflight and marks responses for any origin", async function () {
      const pre = await fetch(s.server.url, { method: "OPTIONS", headers: { origin: "http://dapp.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
      expect(pre.status).to.equal(204);
      expect(pre.headers.get("access-control-allow-origin")).to.equal("*");
      expect(pre.headers.get("access-control-allow-methods")).to.include("POST");
      const res = await post(s.server.url, req("eth_chainId"), { origin: "http://dapp.example" });
      expect(res.headers.get("access-control-allow-origin")).to.equal("*");
    });

    it("answers GET on the RPC path with 405", async function () {
      const res = await fetch(s.server.url);
      expect(res.status).to.equal(405);
      expect(res.headers.get("allow")).to.include("POST");
    });

    it("sends no CORS headers when cors is false", async function () {
      const backend = await MockBackend.create();
      const other = await startRpcServer(backend, { host: "127.0.0.1", port: 0, cors: false });
      try {
        const res = await post(other.url, req("eth_chainId"), { origin: "http://dapp.example" });
        expect(res.json.result).to.equal("0x1e61");
        expect(res.headers.get("access-control-allow-origin")).to.equal(null);
      } finally {
        await other.close();
      }
    });

    it("refuses unknown or wrong options, naming the option", async function () {
      const backend = await MockBackend.create();
      // @ts-expect-error an unknown key on purpose
      await expectReject(startRpcServer(backend, { port: 0, maxBatchSize: 5 }), /unknown RPC server option "maxBatchSize"/);
      await expectReject(startRpcServer(backend, { port: 0, maxRequestBytes: -1 }), /"maxRequestBytes" must be a non-negative integer/);
      await expectReject(startRpcServer(backend, { port: 0, maxBatch: 0 }), /"maxBatch" must be at least 1/);
      expect(backend.listenerCount("newHead")).to.equal(0);
    });
  });
});

async function expectReject(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(RpcServerConfigError);
    expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail(`expected a rejection matching ${message}`);
}
