/**
 * The console server (console/server.ts) on real sockets: the built app with SPA fallback, /console-config.json from a
 * real manifest file, the JSON-RPC proxy in front of a real anvil node, the gateway analytics proxy in front of a real
 * gateway (SQLite in memory), and — only to test the proxying — a tiny HTTP server standing in for the indexer.
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parseConsoleServerConfig, loadConsoleServerConfig, type ConsoleServerConfig } from "../../console/config";
import { startConsoleServer, MAX_RPC_BODY, type ConsoleServer, type ConsoleConfigBody } from "../../console/server";
import { runGatewayConfig, parseGatewayConfig, type Gateway } from "../../services/gateway";
import { gatewayAdmin } from "../../ops/gateway/client";
import { createApiKey } from "../../ops/gateway/createApiKey";
import { ROOT, freePort, kill, startAnvil, type Proc } from "../services/anchor/processes";
import { NodeProcess, testGenesis } from "../node/helpers/nodes";
import { parseSignerConfig } from "../../services/signer/config";
import { runSigner, type RunningSigner } from "../../services/signer";
import { silentLogger } from "../../lib/log";
import { TEST_PIN, freshToken } from "../helpers/softhsm";

const CHAIN_ID = 2018;
const DIST = path.join(ROOT, "console", "dist");
const TOKEN = "console-test-admin-token-0123456789";
const MAIN_TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const BRIDGE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request with node:http (so headers such as accept-encoding are ours, and the body arrives raw). */
function request(url: string, options: { method?: string; body?: string | Buffer; headers?: http.OutgoingHttpHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        const text = body.toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const rpcBody = (method: string, params: unknown[] = [], id = 1): string => JSON.stringify({ jsonrpc: "2.0", id, method, params });

describe("console server", function () {
  this.timeout(120_000);

  let dir: string;
  let anvil: Proc;
  let anvilUrl: string;
  let manifest: string;
  let indexer: http.Server;
  let indexerUrl: string;
  const seenByIndexer: string[] = [];
  let server: ConsoleServer;
  let config: ConsoleServerConfig;

  before(async function () {
    if (!existsSync(path.join(DIST, "index.html"))) {
      execFileSync(path.join(ROOT, "node_modules", ".bin", "vite"), ["build", "--config", "console/vite.config.mts", "--logLevel", "error"], { cwd: ROOT, stdio: "pipe" });
    }
    dir = mkdtempSync(path.join(os.tmpdir(), "console-server-"));
    const port = await freePort();
    anvil = await startAnvil("anvil-console", port, CHAIN_ID);
    anvilUrl = `http://127.0.0.1:${port}`;
    manifest = path.join(dir, "luniverse.json");
    writeFileSync(
      manifest,
      JSON.stringify({
        network: "luniverse",
        chainId: CHAIN_ID,
        deployer: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        updatedAt: new Date().toISOString(),
        contracts: {
          MainToken: { name: "MainToken", address: MAIN_TOKEN, proxyKind: "none" },
          MainBridge: { name: "MainBridge", address: BRIDGE, proxyKind: "uups" },
        },
      }),
    );
    // Stands in for the indexer, to check what the proxy forwards: echoes the path, 404 for /missing.
    indexer = http.createServer((req, res) => {
      seenByIndexer.push(`${req.method} ${req.url}`);
      if (req.url?.includes("missing")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "INDEXER_NOT_FOUND", message: "no such block" } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ echoed: req.url }));
    });
    await new Promise<void>((r) => indexer.listen(0, "127.0.0.1", r));
    indexerUrl = `http://127.0.0.1:${(indexer.address() as AddressInfo).port}`;
    config = parseConsoleServerConfig(
      {
        listen: { host: "127.0.0.1", port: 0 },
        indexerUrl,
        gateway: null,
        chains: [
          { chainId: CHAIN_ID, name: "main", role: "main", rpcUrl: anvilUrl, manifest: "luniverse.json" },
          { chainId: 1, name: "ethereum", role: "ethereum", rpcUrl: `http://127.0.0.1:${await freePort()}`, manifest: null },
        ],
      },
      dir,
    );
    server = await startConsoleServer(config);
  });

  after(async function () {
    await server?.close();
    await new Promise<void>((r) => (indexer ? indexer.close(() => r()) : r()));
    await kill(anvil);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("the app's files", function () {
    it("serves index.html at / as HTML that browsers revalidate", async function () {
      const r = await request(`${server.url}/`);
      expect(r.status).to.equal(200);
      expect(r.headers["content-type"]).to.equal("text/html; charset=utf-8");
      expect(r.headers["cache-control"]).to.equal("no-cache");
      expect(r.text).to.contain('<div id="root">');
    });

    it("answers a page of the app (a shareable URL) with index.html: SPA fallback", async function () {
      const r = await request(`${server.url}/chain/2018/tx/0x${"ab".repeat(32)}`);
      expect(r.status).to.equal(200);
      expect(r.headers["content-type"]).to.equal("text/html; charset=utf-8");
      expect(r.text).to.equal(readFileSync(path.join(DIST, "index.html"), "utf8"));
    });

    it("serves hashed assets with their content type and a long immutable cache, gzipped when asked", async function () {
      const js = readdirSync(path.join(DIST, "assets")).find((f) => f.endsWith(".js"))!;
      const plain = await request(`${server.url}/assets/${js}`);
      expect(plain.status).to.equal(200);
      expect(plain.headers["content-type"]).to.equal("text/javascript; charset=utf-8");
      expect(plain.headers["cache-control"]).to.equal("public, max-age=31536000, immutable");
      expect(plain.body.equals(readFileSync(path.join(DIST, "assets", js)))).to.equal(true);
      const css = readdirSync(path.join(DIST, "assets")).find((f) => f.endsWith(".css"))!;
      const zipped = await request(`${server.url}/assets/${css}`, { headers: { "accept-encoding": "gzip" } });
      expect(zipped.headers["content-type"]).to.equal("text/css; charset=utf-8");
      expect(zipped.headers["content-encoding"]).to.equal("gzip");
      expect(gunzipSync(zipped.body).equals(readFileSync(path.join(DIST, "assets", css)))).to.equal(true);
    });

    it("answers 404 (JSON) for a missing asset instead of index.html", async function () {
      const r = await request(`${server.url}/assets/nope-123.js`);
      expect(r.status).to.equal(404);
      expect(r.json().error.code).to.equal("CONSOLE_NOT_FOUND");
    });

    it("never serves a file outside the app's folder", async function () {
      for (const p of ["/%2e%2e/%2e%2e/package.json", "/..%2f..%2fpackage.json", "/assets/..%2f..%2f..%2fpackage.json"]) {
        const r = await request(`${server.url}${p}`);
        expect(r.status, p).to.equal(404);
        expect(r.text, p).not.to.contain("luniverse-ts");
      }
    });

    it("answers /health", async function () {
      const r = await request(`${server.url}/health`);
      expect(r.status).to.equal(200);
      expect(r.json().ok).to.equal(true);
    });
  });

  describe("/console-config.json", function () {
    it("lists the chains with their RPC path and the manifest's contracts, and what services exist", async function () {
      const r = await request(`${server.url}/console-config.json`);
      expect(r.status).to.equal(200);
      const body = r.json() as ConsoleConfigBody;
      expect(body.version).to.equal(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
      expect(body.indexer).to.equal(true);
      expect(body.gateway).to.equal(false);
      expect(body.chains).to.deep.equal([
        { chainId: CHAIN_ID, name: "main", role: "main", rpcPath: "/rpc/2018", contracts: { MainToken: MAIN_TOKEN, MainBridge: BRIDGE } },
        { chainId: 1, name: "ethereum", role: "ethereum", rpcPath: "/rpc/1", contracts: {} },
      ]);
    });
  });

  describe("the JSON-RPC proxy", function () {
    it("forwards a call to the chain's node (anvil) and returns its answer", async function () {
      const r = await request(`${server.url}/rpc/2018`, { method: "POST", body: rpcBody("eth_chainId"), headers: { "content-type": "application/json" } });
      expect(r.status).to.equal(200);
      expect(r.json()).to.deep.equal({ jsonrpc: "2.0", id: 1, result: "0x7e2" });
    });

    it("forwards a batch unchanged", async function () {
      const batch = `[${rpcBody("eth_chainId", [], 1)},${rpcBody("eth_blockNumber", [], 2)}]`;
      const r = await request(`${server.url}/rpc/2018`, { method: "POST", body: batch, headers: { "content-type": "application/json" } });
      const answers = r.json() as { id: number; result: string }[];
      expect(answers.map((a) => a.id).sort()).to.deep.equal([1, 2]);
      expect(answers.find((a) => a.id === 1)!.result).to.equal("0x7e2");
      expect(answers.find((a) => a.id === 2)!.result).to.match(/^0x[0-9a-f]+$/);
    });

    it("answers 404 naming the known chains for an unknown chain", async function () {
      const r = await request(`${server.url}/rpc/999`, { method: "POST", body: rpcBody("eth_chainId") });
      expect(r.status).to.equal(404);
      expect(r.json().error.code).to.equal("CONSOLE_UNKNOWN_CHAIN");
      expect(r.json().error.message).to.contain('unknown chain "999"').and.contain("2018 (main)");
    });

    it("answers 405 for a GET (JSON-RPC is POSTed)", async function () {
      const r = await request(`${server.url}/rpc/2018`);
      expect(r.status).to.equal(405);
      expect(r.json().error.code).to.equal("CONSOLE_METHOD_NOT_ALLOWED");
    });

    it("refuses a body over 5 MB with 413 before forwarding it", async function () {
      const big = Buffer.alloc(MAX_RPC_BODY + 1, 0x20);
      const r = await request(`${server.url}/rpc/2018`, { method: "POST", body: big, headers: { "content-type": "application/json" } });
      expect(r.status).to.equal(413);
      expect(r.json().error.code).to.equal("CONSOLE_BODY_TOO_LARGE");
    });

    it("answers 502 naming the chain and its URL when the node is down", async function () {
      const r = await request(`${server.url}/rpc/1`, { method: "POST", body: rpcBody("eth_chainId") });
      expect(r.status).to.equal(502);
      const e = r.json().error;
      expect(e.code).to.equal("CONSOLE_UPSTREAM_DOWN");
      expect(e.message).to.contain("chain 1 (ethereum)").and.contain(config.chains[1]!.rpcUrl).and.contain("not reachable");
    });

    it("answers 404 naming the URL when a chain's node serves no metrics (anvil)", async function () {
      const r = await request(`${server.url}/metrics/2018`);
      expect(r.status).to.equal(404);
      expect(r.json().error.message).to.contain(`serves no metrics at ${anvilUrl}/metrics`);
    });

    it("answers 404 for the metrics of an unknown chain", async function () {
      const r = await request(`${server.url}/metrics/999`);
      expect(r.status).to.equal(404);
      expect(r.json().error.code).to.equal("CONSOLE_UNKNOWN_CHAIN");
    });
  });

  describe("the indexer proxy", function () {
    it("forwards GET /api/v1/… with its query string and returns the indexer's answer", async function () {
      const r = await request(`${server.url}/api/v1/chains/2018/blocks?limit=5&before=100`);
      expect(r.status).to.equal(200);
      expect(r.json()).to.deep.equal({ echoed: "/api/v1/chains/2018/blocks?limit=5&before=100" });
      expect(seenByIndexer).to.include("GET /api/v1/chains/2018/blocks?limit=5&before=100");
    });

    it("passes the indexer's own errors through (status and body)", async function () {
      const r = await request(`${server.url}/api/v1/chains/2018/blocks/missing`);
      expect(r.status).to.equal(404);
      expect(r.json().error.code).to.equal("INDEXER_NOT_FOUND");
    });

    it("answers 404 for an unknown /api/ route", async function () {
      const r = await request(`${server.url}/api/v2/anything`);
      expect(r.status).to.equal(404);
      expect(r.json().error.message).to.contain("unknown API route");
    });

    it("answers 503 for traffic when no gateway is configured", async function () {
      const r = await request(`${server.url}/api/gateway/analytics`);
      expect(r.status).to.equal(503);
      expect(r.json().error.code).to.equal("CONSOLE_NO_GATEWAY");
    });

    it("answers 502 naming the indexer when it is down", async function () {
      const downPort = await freePort();
      const down = await startConsoleServer({ ...config, indexerUrl: `http://127.0.0.1:${downPort}` });
      try {
        const r = await request(`${down.url}/api/v1/chains`);
        expect(r.status).to.equal(502);
        expect(r.json().error.code).to.equal("CONSOLE_UPSTREAM_DOWN");
        expect(r.json().error.message).to.contain(`the indexer at http://127.0.0.1:${downPort} is not reachable`);
      } finally {
        await down.close();
      }
    });

    it("answers 503 for the signer's routes when none is configured", async function () {
      const r = await request(`${server.url}/api/signer/v1/dapps/x/wallets/u`);
      expect(r.status).to.equal(503);
      expect(r.json().error.code).to.equal("CONSOLE_NO_SIGNER");
      expect((await request(`${server.url}/console-config.json`)).json().signer).to.equal(false);
    });

    it("answers 503 for the indexer's routes when none is configured", async function () {
      const none = await startConsoleServer({ ...config, indexerUrl: null });
      try {
        const r = await request(`${none.url}/api/v1/chains`);
        expect(r.status).to.equal(503);
        expect(r.json().error.code).to.equal("CONSOLE_NO_INDEXER");
        expect((await request(`${none.url}/console-config.json`)).json().indexer).to.equal(false);
      } finally {
        await none.close();
      }
    });
  });

  describe("the gateway analytics proxy (a real gateway)", function () {
    let gw: Gateway;
    let withGateway: ConsoleServer;

    before(async function () {
      const gwConfig = parseGatewayConfig({ chains: [{ id: CHAIN_ID, name: "main", upstreams: [{ url: anvilUrl }] }], listen: { port: 0 }, store: { kind: "sqlite", path: ":memory:" } }, dir);
      gw = await runGatewayConfig(gwConfig, { env: { GATEWAY_ADMIN_TOKEN: TOKEN } });
      const { key } = await createApiKey(gatewayAdmin(gw.url, TOKEN), { dapp: "console-test", chains: [String(CHAIN_ID)] });
      for (let i = 0; i < 3; i++) await request(gw.rpcUrl(String(CHAIN_ID), key), { method: "POST", body: rpcBody("eth_chainId", [], i), headers: { "content-type": "application/json" } });
      await gw.flushLog();
      withGateway = await startConsoleServer({ ...config, gateway: { url: gw.url, adminTokenEnv: "CONSOLE_TEST_GW_TOKEN" } }, { env: { CONSOLE_TEST_GW_TOKEN: TOKEN } });
    });

    after(async function () {
      await withGateway?.close();
      await gw?.close();
    });

    it("answers the gateway's analytics with the admin token added by the server", async function () {
      const to = Date.now() + 1000;
      const r = await request(`${withGateway.url}/api/gateway/analytics?from=${to - 3_600_000}&to=${to}&dapp=console-test`);
      expect(r.status).to.equal(200);
      const a = r.json();
      expect(a.requests).to.equal(3);
      expect(a.topMethods.map((m: { method: string }) => m.method)).to.deep.equal(["eth_chainId"]);
      expect((await request(`${withGateway.url}/console-config.json`)).json().gateway).to.equal(true);
    });

    it("refuses an unknown analytics parameter with 400", async function () {
      const r = await request(`${withGateway.url}/api/gateway/analytics?windw=1h`);
      expect(r.status).to.equal(400);
      expect(r.json().error.message).to.contain('unknown analytics parameter "windw"');
    });

    it("passes the gateway's refusal of a bad window as 400", async function () {
      const r = await request(`${withGateway.url}/api/gateway/analytics?from=2000&to=1000`);
      expect(r.status).to.equal(400);
      expect(r.json().error.message).to.contain("from");
    });

    it("refuses to start without the admin token in the environment", async function () {
      try {
        await startConsoleServer({ ...config, gateway: { url: gw.url, adminTokenEnv: "CONSOLE_TEST_UNSET" } }, { env: {} });
        expect.fail("started without a token");
      } catch (e) {
        expect((e as { code: string }).code).to.equal("CONSOLE_GATEWAY_TOKEN");
        expect((e as Error).message).to.contain("CONSOLE_TEST_UNSET is not set");
      }
    });
  });

  describe("in front of our node (a real validator process)", function () {
    const NODE_CHAIN = 7301; // the explorer fixture's genesis (test/node/rpc/explorerFixture.ts): one cached genesis for both
    let node: NodeProcess;
    let nodeDir: string;
    let front: ConsoleServer;

    before(async function () {
      const genesis = await testGenesis({ chainId: NODE_CHAIN, validators: 1 });
      nodeDir = mkdtempSync(path.join(os.tmpdir(), "console-node-"));
      node = new NodeProcess({ genesis, dataDir: path.join(nodeDir, "data"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1, config: { log: { level: "warn" } } }, "console-node");
      await node.start();
      front = await startConsoleServer({ ...config, chains: [{ chainId: NODE_CHAIN, name: "main", role: "main", rpcUrl: node.rpc, manifest: null }] });
    });

    after(async function () {
      await front?.close();
      await node?.stop();
      if (nodeDir) rmSync(nodeDir, { recursive: true, force: true });
    });

    it("forwards the node's luniverse_ methods", async function () {
      const r = await request(`${front.url}/rpc/${NODE_CHAIN}`, { method: "POST", body: rpcBody("luniverse_status"), headers: { "content-type": "application/json" } });
      expect(r.status).to.equal(200);
      expect(r.json().result.chainId).to.equal(`0x${NODE_CHAIN.toString(16)}`);
    });

    it("relays the node's Prometheus metrics at /metrics/<chainId> (traffic without a gateway)", async function () {
      await request(`${front.url}/rpc/${NODE_CHAIN}`, { method: "POST", body: rpcBody("eth_blockNumber"), headers: { "content-type": "application/json" } });
      const r = await request(`${front.url}/metrics/${NODE_CHAIN}`);
      expect(r.status).to.equal(200);
      expect(r.headers["content-type"]).to.match(/^text\/plain/);
      expect(r.text).to.match(/^luniverse_rpc_requests_total\{[^}]*method="eth_blockNumber"[^}]*\} [1-9]/m);
      expect(r.text).to.match(/^luniverse_block_height(\{[^}]*\})? \d+/m);
    });
  });

  describe("configuration", function () {
    const chain = { chainId: 2018, name: "main", role: "main", rpcUrl: "http://127.0.0.1:8545", manifest: null };
    const refused = (input: unknown, pattern: RegExp): void => {
      expect(() => parseConsoleServerConfig(input, dir)).to.throw(pattern);
    };

    it("fills defaults: 127.0.0.1:8800, console/dist, no indexer, no gateway", function () {
      const c = parseConsoleServerConfig({ chains: [chain] }, dir);
      expect(c.listen).to.deep.equal({ host: "127.0.0.1", port: 8800 });
      expect(c.distDir).to.equal(DIST);
      expect(c.indexerUrl).to.equal(null);
      expect(c.gateway).to.equal(null);
    });

    it("refuses an unknown key and names the key meant", function () {
      refused({ chains: [chain], indexerURL: "http://x" }, /indexerURL: unknown key \(did you mean "indexerUrl"\?\)/);
      refused({ chains: [{ ...chain, rpc: "http://x" }] }, /chains\[0\]\.rpc: unknown key/);
    });

    it("refuses a config without chains", function () {
      refused({}, /chains is required/);
      refused({ chains: [] }, /chains: expected a non-empty array/);
    });

    it("refuses a bad RPC URL, role, chain id or a chain listed twice", function () {
      refused({ chains: [{ ...chain, rpcUrl: "localhost:8545" }] }, /chains\[0\]\.rpcUrl: expected an http\(s\) URL/);
      refused({ chains: [{ ...chain, rpcUrl: "ws://127.0.0.1:8546" }] }, /chains\[0\]\.rpcUrl: expected an http\(s\) URL \(ws:\/\/ is not proxied\)/);
      refused({ chains: [{ ...chain, role: "side" }] }, /chains\[0\]\.role: expected one of "main", "product", "ethereum"/);
      refused({ chains: [{ ...chain, chainId: -1 }] }, /chains\[0\]\.chainId: expected integer >= 1/);
      refused({ chains: [chain, { ...chain, name: "again" }] }, /chains\[1\]\.chainId: chain 2018 is already listed as chains\[0\]/);
    });

    it("refuses a missing manifest file and says how to fix it", function () {
      refused({ chains: [{ ...chain, manifest: "nowhere.json" }] }, /chains\[0\]\.manifest: no deployment manifest at .*nowhere\.json; deploy the chain first .* or write "manifest": null/);
    });

    it("refuses a gateway section without its token variable, or with a token written in its place", function () {
      refused({ chains: [chain], gateway: { url: "http://127.0.0.1:8600" } }, /gateway\.adminTokenEnv is required/);
      refused({ chains: [chain], gateway: { url: "http://127.0.0.1:8600", adminTokenEnv: "not a name!" } }, /gateway\.adminTokenEnv: expected an environment variable name/);
    });

    it("refuses to start on a manifest of another chain", async function () {
      const wrong = parseConsoleServerConfig({ listen: { port: 0 }, chains: [{ ...chain, chainId: 77, manifest: "luniverse.json" }] }, dir);
      try {
        await startConsoleServer(wrong);
        expect.fail("started with another chain's manifest");
      } catch (e) {
        expect((e as { code: string }).code).to.equal("CONSOLE_MANIFEST");
        expect((e as Error).message).to.contain("is for chain 2018, but it is configured for chain 77");
      }
    });

    it("reads a config file, resolving relative paths from its folder", function () {
      const file = path.join(dir, "console.json");
      writeFileSync(file, JSON.stringify({ distDir: "dist-here", chains: [{ ...chain, manifest: "luniverse.json" }] }));
      const c = loadConsoleServerConfig(file);
      expect(c.distDir).to.equal(path.join(dir, "dist-here"));
      expect(c.chains[0]!.manifest).to.equal(manifest);
    });
  });

  describe("the process (console/main.ts)", function () {
    function run(args: string[], until: RegExp): Promise<{ code: number | null; out: string; kill: () => void }> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "console/main.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`no ${until} within 30 s: ${out}`));
        }, 30_000);
        const check = (): void => {
          if (until.test(out)) {
            clearTimeout(timer);
            resolve({ code: child.exitCode, out, kill: () => child.kill("SIGTERM") });
          }
        };
        child.stdout.on("data", (d: Buffer) => ((out += d.toString()), check()));
        child.stderr.on("data", (d: Buffer) => ((out += d.toString()), check()));
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, out, kill: () => undefined });
        });
      });
    }

    it("prints `console listening on http://HOST:PORT` and serves there", async function () {
      const port = await freePort();
      const file = path.join(dir, "run.json");
      writeFileSync(file, JSON.stringify({ listen: { host: "127.0.0.1", port }, chains: [{ chainId: CHAIN_ID, name: "main", role: "main", rpcUrl: anvilUrl, manifest: "luniverse.json" }] }));
      const p = await run(["--config", file], /console listening on http:\/\/127\.0\.0\.1:\d+\n/);
      try {
        expect(p.out).to.contain(`console listening on http://127.0.0.1:${port}\n`);
        const r = await request(`http://127.0.0.1:${port}/console-config.json`);
        expect(r.json().chains[0].contracts.MainToken).to.equal(MAIN_TOKEN);
      } finally {
        p.kill();
      }
    });

    it("exits 1 with the key's name on a bad config", async function () {
      const file = path.join(dir, "bad.json");
      writeFileSync(file, JSON.stringify({ chains: [{ chainId: CHAIN_ID, name: "main", role: "main", rpcUrl: anvilUrl }], listn: {} }));
      const p = await run(["--config", file], /^\b$/);
      expect(p.code).to.equal(1);
      expect(p.out).to.contain('error: listn: unknown key (did you mean "listen"?)');
    });

    it("exits 1 saying --config is required when it is missing", async function () {
      const p = await run([], /^\b$/);
      expect(p.code).to.equal(1);
      expect(p.out).to.contain("--config is required");
    });
  });

  describe("the signer proxy (a real signer on SoftHSM2)", function () {
    let signer: RunningSigner;
    let withSigner: ConsoleServer;
    let serviceKey: string;
    before(async function () {
      const token = freshToken("console");
      const dataDir = path.join(dir, "signer");
      signer = await runSigner(
        parseSignerConfig({ listen: { port: 0 }, dataDir, hsm: { token, pinEnv: "CONSOLE_TEST_PIN" }, adminTokenEnv: "CONSOLE_TEST_ADMIN", chains: [{ id: CHAIN_ID, rpcUrl: anvilUrl, gasFree: false }] }),
        { env: { CONSOLE_TEST_PIN: TEST_PIN, CONSOLE_TEST_ADMIN: "console-admin-token-0123456789" }, logger: silentLogger },
      );
      const created = await fetch(`${signer.url}/v1/admin/dapps`, { method: "POST", headers: { authorization: "Bearer console-admin-token-0123456789", "content-type": "application/json" }, body: JSON.stringify({ id: "console-dapp" }) });
      serviceKey = ((await created.json()) as { serviceKey: string }).serviceKey;
      withSigner = await startConsoleServer({ ...config, signerUrl: signer.url });
    });
    after(async function () {
      await withSigner?.close();
      await signer?.close();
    });

    it("relays a DApp's calls with its service key: a wallet, its 2FA enrolment (otpauth URI)", async function () {
      expect((await request(`${withSigner.url}/console-config.json`)).json().signer).to.equal(true);
      const headers = { authorization: `Bearer ${serviceKey}`, "content-type": "application/json" };
      const w = await request(`${withSigner.url}/api/signer/v1/dapps/console-dapp/wallets`, { method: "POST", headers, body: JSON.stringify({ userId: "eve@example.com" }) });
      expect(w.status).to.equal(201);
      expect(w.json().address).to.match(/^0x[0-9a-fA-F]{40}$/);
      const got = await request(`${withSigner.url}/api/signer/v1/dapps/console-dapp/wallets/${encodeURIComponent("eve@example.com")}`, { headers });
      expect(got.json().address).to.equal(w.json().address);
      const e = await request(`${withSigner.url}/api/signer/v1/dapps/console-dapp/wallets/${encodeURIComponent("eve@example.com")}/2fa`, { method: "POST", headers, body: JSON.stringify({ pin: "1234" }) });
      expect(e.status).to.equal(201);
      expect(e.json().otpauthUri).to.match(/^otpauth:\/\/totp\//);
    });

    it("passes the signer's refusals through and never relays the operator API", async function () {
      const noKey = await request(`${withSigner.url}/api/signer/v1/dapps/console-dapp/wallets/eve`);
      expect(noKey.status).to.equal(401);
      expect(noKey.json().error.code).to.equal("SIGNER_AUTH");
      const admin = await request(`${withSigner.url}/api/signer/v1/admin/dapps`, { headers: { authorization: "Bearer console-admin-token-0123456789" } });
      expect(admin.status).to.equal(404);
      expect(admin.json().error.message).to.match(/relays the signer's DApp API only/);
      const del = await request(`${withSigner.url}/api/signer/v1/dapps/console-dapp/wallets/eve`, { method: "DELETE", headers: { authorization: `Bearer ${serviceKey}` } });
      expect(del.status).to.equal(405);
    });
  });
});
