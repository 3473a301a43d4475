/**
 * Scale-out: gateway replicas sharing keys, quotas and the request log through a real PostgreSQL server (one replica a
 * separate process started from services/gateway/main.ts with a config file, one in this process), and replicas on
 * one host sharing an SQLite file. In front of the node's real RPC server (in-memory chain backend).
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitFor } from "../../helpers/net";
import { startPostgres, type PostgresServer } from "../../helpers/postgres";
import { CHAIN_ID } from "../../node/rpc/backend";
import { startMock, type Started } from "../../node/rpc/helpers";
import { openStore } from "../../../services/gateway/store";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "./harness";

const ROOT = path.resolve(__dirname, "../../..");

async function rpc(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function adminCall(base: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}/admin/v1${p}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const chainId = (id: number) => ({ jsonrpc: "2.0", id, method: "eth_chainId", params: [] });

/** Sends requests until the answer's status is `status`; returns the ms it took. */
async function msUntil(url: string, status: number, timeoutMs = 5_000): Promise<number> {
  const start = Date.now();
  await waitFor(`HTTP ${status} from ${url}`, async () => (await rpc(url, chainId(1))).status === status, timeoutMs, 10);
  return Date.now() - start;
}

describe("services/gateway replicas", function () {
  this.timeout(120_000);
  let node: Started;
  const chains = () => [{ id: Number(CHAIN_ID), name: "main", upstreams: [{ name: "n1", url: node.server.url }] }];

  before(async () => {
    node = await startMock();
  });
  after(async () => node.server.close());

  describe("sharing a PostgreSQL server (one replica a separate process)", () => {
    let pg: PostgresServer;
    let dir: string;
    let proc: ChildProcess;
    let procUrl: string;
    let b: TestGateway;
    let log = "";

    before(async () => {
      pg = await startPostgres();
      dir = mkdtempSync(path.join(os.tmpdir(), "gateway-replicas-"));
      const port = await freePort();
      const config = {
        listen: { host: "127.0.0.1", port },
        store: { kind: "postgres", urlEnv: "TEST_GATEWAY_DB", schema: "replicas" },
        chains: chains(),
        log: { flushMs: 50, rollupMs: 500 },
      };
      writeFileSync(path.join(dir, "gateway.json"), JSON.stringify(config));
      proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "services/gateway/main.ts"), "--config", path.join(dir, "gateway.json"), "--replica", "process-a"], {
        cwd: ROOT,
        env: { ...process.env, TEST_GATEWAY_DB: pg.url, GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN },
        stdio: ["ignore", "pipe", "pipe"],
      });
      proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
      procUrl = `http://127.0.0.1:${port}`;
      await waitFor("the gateway process", async () => (await fetch(`${procUrl}/health`)).status === 200, 60_000, 200);
      const store = await openStore({ kind: "postgres", url: pg.url, schema: "replicas" });
      b = await startTestGateway({ config: { chains: chains() }, store, replicaId: "in-process-b" });
    });

    after(async () => {
      await b?.close();
      await b?.store.close();
      proc?.kill("SIGTERM");
      if (proc && proc.exitCode === null) await new Promise((r) => proc.once("exit", r));
      await pg?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("a key created on one replica works on the other, and its revocation is seen there within 1 s", async () => {
      const created = await adminCall(procUrl, "POST", "/keys", { dapp: "shared", chains: ["main"] });
      const onB = b.gw.rpcUrl("main", created.key);
      const appeared = await msUntil(onB, 200);
      expect(appeared, "creation seen by the other replica (ms)").to.be.at.most(1_000);
      await adminCall(procUrl, "POST", `/keys/${created.key}/revoke`);
      const refused = await msUntil(onB, 401);
      expect(refused, "revocation seen by the other replica (ms)").to.be.at.most(1_000);
      expect((await rpc(onB, chainId(2))).json.error.message).to.match(/was revoked/);
    });

    it("shares a day quota exactly (within 1 %) across replicas", async () => {
      const k = await adminCall(procUrl, "POST", "/keys", { dapp: "quota", chains: ["main"], limits: { requestsPerDay: 2_000, requestsPerSecond: null, cuPerSecond: null, maxBatch: 10 } });
      await msUntil(b.gw.rpcUrl("main", k.key), 200);
      let admitted = 1; // the request msUntil sent
      const urls = [`${procUrl}/v1/main/${k.key}`, b.gw.rpcUrl("main", k.key)];
      for (let i = 0; i < 240; i++) {
        const r = await rpc(urls[i % 2]!, Array.from({ length: 10 }, (_, j) => chainId(j)));
        if (r.status === 200) admitted += 10;
        else expect(r.status).to.equal(429);
      }
      expect(admitted).to.be.within(1_980, 2_000);
      const shown = await adminCall(b.gw.url, "GET", `/keys/${k.key}`);
      expect(shown.usage.key.requestsToday.used).to.be.within(1_980, 2_000);
      expect(shown.usage.key.requestsToday.limit).to.equal(2_000);
    });

    it("writes both replicas' requests to one log: analytics on either replica count them all", async () => {
      const k = await adminCall(b.gw.url, "POST", "/keys", { dapp: "logged", chains: ["main"] });
      await msUntil(`${procUrl}/v1/main/${k.key}`, 200);
      for (let i = 0; i < 7; i++) await rpc(`${procUrl}/v1/main/${k.key}`, chainId(i));
      for (let i = 0; i < 5; i++) await rpc(b.gw.rpcUrl("main", k.key), chainId(i));
      await b.gw.flushLog();
      await waitFor("13 requests in the shared log", async () => (await adminCall(b.gw.url, "GET", `/analytics?key=${k.key}`)).requests === 13, 5_000, 100);
      const viaA = await adminCall(procUrl, "GET", `/analytics?key=${k.key}`);
      expect(viaA.requests).to.equal(13);
      expect(viaA.topMethods[0]).to.include({ method: "eth_chainId", requests: 13 });
    });

    it("the replica process logs that it serves from the shared store", async () => {
      expect(log).to.match(/"msg":"gateway listening".*"store":"postgres"/);
    });
  });

  describe("sharing an SQLite file on one host", () => {
    it("sees a revocation made through the other replica within 1 s", async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "gateway-sqlite-"));
      const file = path.join(dir, "gateway.sqlite");
      const storeA = await openStore({ kind: "sqlite", path: file });
      const storeB = await openStore({ kind: "sqlite", path: file });
      const a = await startTestGateway({ config: { chains: chains() }, store: storeA });
      const b = await startTestGateway({ config: { chains: chains() }, store: storeB });
      try {
        const k = await adminCall(a.gw.url, "POST", "/keys", { dapp: "local", chains: ["main"] });
        expect(await msUntil(b.gw.rpcUrl("main", k.key), 200)).to.be.at.most(1_000);
        await adminCall(a.gw.url, "POST", `/keys/${k.key}/revoke`);
        expect(await msUntil(b.gw.rpcUrl("main", k.key), 401)).to.be.at.most(1_000);
      } finally {
        await a.close();
        await b.close();
        await storeA.close();
        await storeB.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
