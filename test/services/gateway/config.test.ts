/**
 * The gateway's config file and admin API refusals: every bad key, value or request gets a message naming it.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { parseGatewayConfig } from "../../../services/gateway/config";
import { runGatewayConfig } from "../../../services/gateway";
import { KeyRequestError, createKey, parseLimits, DEFAULT_KEY_LIMITS } from "../../../services/gateway/keys";
import { startMock, type Started } from "../../node/rpc/helpers";
import { CHAIN_ID } from "../../node/rpc/backend";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "./harness";

const chain = { id: 2018, name: "main", upstreams: [{ url: "http://127.0.0.1:8545" }] };

function refused(input: unknown, pattern: RegExp): void {
  expect(() => parseGatewayConfig(input)).to.throw(pattern);
}

describe("services/gateway config and admin API refusals", function () {
  describe("config file", () => {
    it("fills defaults for a minimal config", () => {
      const c = parseGatewayConfig({ chains: [chain] }, "/data");
      expect(c.listen).to.deep.equal({ host: "127.0.0.1", port: 8600 });
      expect(c.store).to.deep.equal({ kind: "sqlite", path: "/data/gateway.sqlite" });
      expect(c.adminTokenEnv).to.equal("GATEWAY_ADMIN_TOKEN");
      expect(c.chains[0]!.upstreams[0]).to.deep.equal({ name: "main-0", url: "http://127.0.0.1:8545", region: null });
      expect(c.defaultKeyLimits).to.deep.equal(DEFAULT_KEY_LIMITS);
      expect(c.log.transactionSenders).to.equal(true);
    });

    it("names the key of every bad value", () => {
      refused({ chains: [chain], listn: {} }, /listn: unknown key \(did you mean "listen"\?\)/);
      refused({ chains: [] }, /chains: expected a non-empty array of chains/);
      refused({ chains: [{ ...chain, id: "x" }] }, /chains\[0\]\.id: expected a chain id/);
      refused({ chains: [{ ...chain, upstreams: [{ url: "ws://x" }] }] }, /chains\[0\]\.upstreams\[0\]\.url: expected an http:\/\/ or https:\/\/ URL/);
      refused({ chains: [chain, { ...chain, id: 3001 }] }, /chains\[1\]: expected a chain id and name used once \("main" is repeated\)/);
      refused({ chains: [{ ...chain, upstreams: [{ url: "http://a", region: "mars" }] }], regions: { eu: { cidrs: ["10.0.0.0/8"] } } }, /upstreams region: expected a configured region \(eu\)/);
      refused({ chains: [chain], regions: { eu: { cidrs: ["10.0.0.0/8"], nearest: ["us"] } } }, /regions\.eu\.nearest: expected names of configured regions/);
      refused({ chains: [chain], store: { kind: "redis" } }, /store\.kind: expected "sqlite" or "postgres"/);
      refused({ chains: [chain], store: { kind: "postgres", path: "x" } }, /store\.path: expected nothing for kind "postgres"/);
      refused({ chains: [chain], defaultKeyLimits: { rps: 5 } }, /defaultKeyLimits\.rps: unknown limit/);
      refused({ chains: [chain], cu: { eth_call: -1 } }, /cu\.eth_call: expected an integer >= 0/);
      refused({ chains: [chain], adminToken: "abc" }, /adminToken: unknown key/);
      refused({ chains: [chain], store: { kind: "postgres", urlEnv: "postgres://u:p@h/db" } }, /store\.urlEnv: expected an environment variable name/);
    });

    it("refuses a short admin token, a missing database URL and bad abuse rules when starting", async () => {
      const base = parseGatewayConfig({ chains: [chain], listen: { port: 0 }, store: { kind: "sqlite", path: ":memory:" } });
      let err: unknown;
      try {
        await runGatewayConfig(base, { env: { GATEWAY_ADMIN_TOKEN: "short" } });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/the admin token in GATEWAY_ADMIN_TOKEN is 5 characters; use at least 16/);
      const pgConfig = parseGatewayConfig({ chains: [chain], store: { kind: "postgres", urlEnv: "NO_SUCH_DB_URL" } });
      err = undefined;
      try {
        await runGatewayConfig(pgConfig, { env: {} });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/the environment variable NO_SUCH_DB_URL is not set; set it to the PostgreSQL URL/);
      const abusive = parseGatewayConfig({ chains: [chain], listen: { port: 0 }, store: { kind: "sqlite", path: ":memory:" }, abuse: { ipRate: { windowSeconds: 0 } } });
      err = undefined;
      try {
        await runGatewayConfig(abusive, { env: {} });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/abuse\.ipRate\.windowSeconds/);
      // a port in use
      const first = await startTestGateway({ config: { chains: [chain] } });
      try {
        const taken = parseGatewayConfig({ chains: [chain], listen: { port: first.gw.port }, store: { kind: "sqlite", path: ":memory:" } });
        err = undefined;
        try {
          await runGatewayConfig(taken, { env: {} });
        } catch (e) {
          err = e;
        }
        expect(String(err)).to.match(new RegExp(`port ${first.gw.port} on 127.0.0.1 is in use; stop what listens there or choose another listen.port`));
      } finally {
        await first.close();
      }
    });
  });

  describe("key requests", () => {
    const resolve = (c: string) => (c === "main" || c === "2018" ? "2018" : null);
    it("refuses bad fields by name", () => {
      expect(() => createKey("demo", {}, resolve, DEFAULT_KEY_LIMITS)).to.throw(KeyRequestError, /chains: required/);
      expect(() => createKey("demo", { chains: [] }, resolve, DEFAULT_KEY_LIMITS)).to.throw(/chains: expected a non-empty array/);
      expect(() => createKey("demo", { chains: ["main"], methods: ["eth call"] }, resolve, DEFAULT_KEY_LIMITS)).to.throw(/methods: "eth call" is not a JSON-RPC method name/);
      expect(() => createKey("demo", { chains: ["main"], origins: ["shop.example"] }, resolve, DEFAULT_KEY_LIMITS)).to.throw(/origins: "shop.example" is not an origin/);
      expect(() => createKey("demo", { chains: ["main"], name: 5 }, resolve, DEFAULT_KEY_LIMITS)).to.throw(/name: expected a string/);
      expect(() => parseLimits({ maxBatch: null }, DEFAULT_KEY_LIMITS)).to.throw(/limits\.maxBatch: expected an integer >= 1, got null/);
      expect(() => parseLimits([], DEFAULT_KEY_LIMITS)).to.throw(/limits: expected an object of limits/);
      const k = createKey("demo", { chains: ["main"], contracts: ["0x" + "AB".repeat(20)], origins: ["https://shop.example/"] }, resolve, DEFAULT_KEY_LIMITS);
      expect(k.contracts).to.deep.equal(["0x" + "ab".repeat(20)]);
      expect(k.origins).to.deep.equal(["https://shop.example"]);
      expect(k.key).to.match(/^[0-9a-f]{32}$/);
    });
  });

  describe("admin API", () => {
    let node: Started;
    let g: TestGateway;
    const call = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
      const res = await fetch(`${g.gw.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
      return { status: res.status, json: (await res.json()) as any };
    };
    before(async () => {
      node = await startMock();
      g = await startTestGateway({ config: { chains: [{ id: Number(CHAIN_ID), name: "main", upstreams: [{ url: node.server.url }] }] } });
    });
    after(async () => {
      await g.close();
      await node.server.close();
    });

    it("refuses a wrong token, bad JSON, unknown fields and routes", async () => {
      expect((await call("GET", "/keys", undefined, "wrong-token-wrong")).status).to.equal(401);
      let r = await call("POST", "/keys", "{not json");
      expect(r.status).to.equal(400);
      expect(r.json.error).to.match(/body: not valid JSON/);
      r = await call("POST", "/keys", { dapp: "x", chains: ["main"], colour: "red" });
      expect(r.json.error).to.match(/colour: unknown field \(known: dapp, name, chains/);
      r = await call("POST", "/keys", { dapp: "x", chains: ["main"], secret: "mine" });
      expect(r.json.error).to.match(/secret: true to give the key a secret/);
      r = await call("GET", "/nothing");
      expect(r.status).to.equal(404);
      expect(r.json.error).to.match(/unknown admin route/);
      r = await call("GET", "/analytics?top=0");
      expect(r.json.error).to.match(/top: expected an integer 1–1000/);
      r = await call("GET", "/analytics?colour=red");
      expect(r.json.error).to.match(/colour: unknown query parameter/);
      r = await call("GET", "/analytics?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z");
      expect(r.json.error).to.match(/from: must be before to/);
    });

    it("refuses to change or rotate a revoked key, and keeps a revocation idempotent", async () => {
      const created = (await call("POST", "/keys", { dapp: "gone", chains: ["main"] })).json;
      expect((await call("POST", `/keys/${created.key}/revoke`)).status).to.equal(200);
      expect((await call("POST", `/keys/${created.key}/revoke`)).json.status).to.equal("revoked");
      let r = await call("PATCH", `/keys/${created.key}`, { name: "again" });
      expect(r.status).to.equal(409);
      expect(r.json.error).to.match(/is revoked; create a new one/);
      r = await call("POST", `/keys/${created.key}/rotate`);
      expect(r.status).to.equal(409);
      r = await call("DELETE", `/keys/${created.key}`);
      expect(r.status).to.equal(405);
    });

    it("answers the nodes' health, the CU table, bans and status", async () => {
      expect((await call("GET", "/upstreams")).json[String(CHAIN_ID)][0]).to.include({ healthy: true });
      expect((await call("GET", "/cu")).json.eth_sendRawTransaction).to.equal(250);
      expect((await call("GET", "/bans")).json).to.deep.equal([]);
      expect((await call("GET", "/status")).json).to.include({ store: "sqlite" });
      const health = await fetch(`${g.gw.url}/health`);
      expect(health.status).to.equal(200);
    });

    it("logs transaction senders unless log.transactionSenders is off, and then still enforces a sender ban", async () => {
      const wallet = Wallet.createRandom();
      const raw = (nonce: number) => wallet.signTransaction({ to: wallet.address, value: 0n, gasLimit: 21_000n, gasPrice: 1n, nonce, chainId: CHAIN_ID });
      const send = async (gw: TestGateway, key: string, nonce: number) =>
        (await (await fetch(gw.gw.rpcUrl("main", key), { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [await raw(nonce)] }) })).json()) as { error?: { message: string } };
      const k = (await call("POST", "/keys", { dapp: "senders", chains: ["main"] })).json.key as string;
      await send(g, k, 0);
      await g.gw.flushLog();
      expect((await g.store.recentRequests({ key: k, limit: 1 }))[0]!.sender).to.equal(wallet.address.toLowerCase());

      const quiet = await startTestGateway({ config: { chains: [{ id: Number(CHAIN_ID), name: "main", upstreams: [{ url: node.server.url }] }], log: { flushMs: 50, transactionSenders: false } } });
      try {
        const q = (await quiet.key("senders", { chains: ["main"] })).key;
        await send(quiet, q, 1);
        await quiet.gw.flushLog();
        expect((await quiet.store.recentRequests({ key: q, limit: 1 }))[0]!.sender, "not recovered").to.equal(null);
        await quiet.store.putBan({ subject: `sender:${wallet.address.toLowerCase()}`, until: Date.now() + 60_000, rule: "manual", reason: "test ban" });
        await quiet.gw.internals.abuse.refresh();
        expect((await send(quiet, q, 2)).error?.message).to.match(/is banned until .*: test ban/);
      } finally {
        await quiet.close();
      }
    });

    it("answers JSON-RPC paths that are wrong with a message", async () => {
      let res = await fetch(`${g.gw.url}/v1/main/${"0".repeat(32)}`);
      expect(res.status).to.equal(405);
      res = await fetch(`${g.gw.url}/v1/%E0%A4%A/${"0".repeat(32)}`, { method: "POST", body: "{}" });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.match(/not valid percent-encoding/);
      res = await fetch(`${g.gw.url}/elsewhere`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as { error: string }).error).to.match(/JSON-RPC is served at \/v1\/<chain>\/<apiKey>/);
      const created = (await call("POST", "/keys", { dapp: "parse", chains: ["main"] })).json;
      res = await fetch(g.gw.rpcUrl("main", created.key), { method: "POST", body: "{nope" });
      expect(((await res.json()) as { error: { code: number } }).error.code).to.equal(-32700);
      res = await fetch(g.gw.rpcUrl("main", created.key), { method: "POST", body: "[]" });
      expect(((await res.json()) as { error: { code: number } }).error.code).to.equal(-32600);
    });
  });
});
