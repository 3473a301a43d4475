/**
 * The gateway in front of a real chain: four validator processes (two in region "eu", two in "us"), one gateway replica
 * in this process with its embedded SQLite store. ethers and viem through it; keys and their refusals; limits and
 * quotas; the block cache; the request log and analytics; abuse bans; failover when a validator is killed under load;
 * routing by the client's address (127.0.1.0/24 = eu, 127.0.2.0/24 = us).
 */
import { expect } from "chai";
import http from "node:http";
import { JsonRpcProvider, Wallet, WebSocketProvider, parseEther } from "ethers";
import { createPublicClient, http as viemHttp } from "viem";
import WebSocket from "ws";
import { devKey, height, makeCluster, stopAll, testGenesis, waitFor, type NodeProcess } from "../../node/helpers/nodes";
import { ADMIN_TOKEN, startTestGateway, wsUrl, type TestGateway } from "./harness";

const CHAIN_ID = 7104; // the genesis of test/node/cluster.test.ts (built once, cached)
const SYSTEM = { validatorSet: { epochLength: 10 }, governance: { votingDelay: 1, votingPeriod: 8, timelockDelay: 1 } };

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** A POST from a chosen source address (127.x.y.z: Linux answers on the whole loopback range). */
function post(url: string, body: unknown, opts: { headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...opts.headers }, ...(opts.from ? { localAddress: opts.from } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const t = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: t === "" ? undefined : JSON.parse(t) });
      });
    });
    req.on("error", reject);
    req.end(text);
  });
}

let nextId = 1;
const call = (method: string, params: unknown[] = []) => ({ jsonrpc: "2.0", id: nextId++, method, params });

async function admin(gw: TestGateway, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.gw.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
}

describe("services/gateway in front of four validators", function () {
  this.timeout(300_000);
  let nodes: NodeProcess[] = [];
  let dir: string;
  let g: TestGateway;
  let url: string;
  let key: string;

  before(async () => {
    const genesis = await testGenesis({ chainId: CHAIN_ID, validators: 4, systemConfig: SYSTEM });
    ({ nodes, dir } = await makeCluster(genesis, [1, 2, 3, 4]));
    await Promise.all(nodes.map((n) => n.start()));
    await waitFor("block 2 on every node", async () => (await Promise.all(nodes.map((n) => height(n.rpc)))).every((h) => h >= 2), 60_000);
    g = await startTestGateway({
      config: {
        chains: [{ id: CHAIN_ID, name: "main", upstreams: nodes.map((n, i) => ({ name: `v${i + 1}`, url: n.rpc, region: i < 2 ? "eu" : "us" })) }],
        regions: { eu: { cidrs: ["127.0.1.0/24"], nearest: ["us"] }, us: { cidrs: ["127.0.2.0/24"], nearest: ["eu"] } },
        routing: { maxLagBlocks: 2, probeIntervalMs: 250 },
        abuse: { ipRate: null, keyRate: null, errorRatio: null },
        ipLimits: { requestsPerSecond: null },
      },
    });
    url = g.gw.url;
    key = (await g.key("demo", { chains: ["main"] })).key;
    await waitFor("every node healthy in the gateway", async () => g.gw.internals.pools.get(String(CHAIN_ID))!.candidates(null).length === 4, 10_000);
  });

  after(async () => {
    await g?.close();
    await stopAll(nodes, dir);
  });

  describe("standard clients", () => {
    it("ethers reads and sends a transaction through the gateway, by chain id and by name", async () => {
      const provider = new JsonRpcProvider(g.gw.rpcUrl("main", key), undefined, { staticNetwork: true });
      expect((await provider.getNetwork()).chainId).to.equal(BigInt(CHAIN_ID));
      const wallet = new Wallet(devKey(0).privateKey, provider);
      const to = Wallet.createRandom().address;
      const tx = await wallet.sendTransaction({ to, value: parseEther("1") });
      const receipt = await tx.wait(1, 20_000);
      expect(receipt!.status).to.equal(1);
      const byId = new JsonRpcProvider(g.gw.rpcUrl(String(CHAIN_ID), key), undefined, { staticNetwork: true });
      expect(await byId.getBalance(to)).to.equal(parseEther("1"));
      provider.destroy();
      byId.destroy();
    });

    it("viem reads through the gateway", async () => {
      const client = createPublicClient({ transport: viemHttp(g.gw.rpcUrl("main", key)) });
      expect(await client.getChainId()).to.equal(CHAIN_ID);
      expect(await client.getBlockNumber()).to.be.greaterThan(1n);
    });

    it("ethers' WebSocketProvider subscribes to new heads through the gateway", async () => {
      const ws = new WebSocketProvider(wsUrl(g.gw, "main", key));
      const seen = await new Promise<number>((resolve) => void ws.on("block", (n: number) => resolve(n)));
      expect(seen).to.be.greaterThan(0);
      await ws.destroy();
    });
  });

  describe("keys and isolation", () => {
    it("refuses a missing, unknown, revoked or wrong-chain key with 401/403 and a message that says what to do", async () => {
      let r = await post(`${url}/v1/main`, call("eth_chainId"));
      expect(r.status).to.equal(401);
      expect(r.json.error.message).to.match(/API key missing: use \/v1\/main\/<apiKey>/);
      r = await post(`${url}/v1/main/${"0".repeat(32)}`, call("eth_chainId"));
      expect(r.status).to.equal(401);
      expect(r.json.error.message).to.match(/unknown API key/);
      r = await post(`${url}/v1/nowhere/${key}`, call("eth_chainId"));
      expect(r.status).to.equal(404);
      expect(r.json.error.message).to.match(/serves no chain "nowhere"; chains: 7104 \(main\)/);

      const revoked = await g.key("demo", { chains: ["main"] });
      const rev = await admin(g, "POST", `/keys/${revoked.key}/revoke`);
      expect(rev.status).to.equal(200);
      r = await post(g.gw.rpcUrl("main", revoked.key), call("eth_chainId"));
      expect(r.status).to.equal(401);
      expect(r.json.error.message).to.match(/was revoked at/);

      // a second chain the key is not bound to: the gateway serves only "main" here, so bind a key elsewhere by id
      const other = await startTestGateway({ config: { chains: [{ id: CHAIN_ID, upstreams: [{ url: nodes[0]!.rpc }] }, { id: 99, upstreams: [{ url: nodes[1]!.rpc }] }] } });
      try {
        const k = await other.key("demo", { chains: ["99"] });
        r = await post(other.gw.rpcUrl(String(CHAIN_ID), k.key), call("eth_chainId"));
        expect(r.status).to.equal(403);
        expect(r.json.error.message).to.match(/may not use chain 7104; it is bound to chain\(s\) 99/);
      } finally {
        await other.close();
      }
    });

    it("enforces the method, contract and origin allow-lists and the key secret", async () => {
      const contract = "0x" + "ab".repeat(20);
      const k = await g.key("shop", { chains: ["main"], methods: ["eth_chainId", "eth_call", "eth_sendRawTransaction"], contracts: [contract], origins: ["https://shop.example"] }, "s3cret");
      const u = g.gw.rpcUrl("main", k.key);
      const auth = { "x-key-secret": "s3cret" };
      let r = await post(u, call("eth_chainId"));
      expect(r.status).to.equal(401);
      expect(r.json.error.message).to.match(/requires its secret/);
      r = await post(u, call("eth_chainId"), { headers: { "x-key-secret": "wrong" } });
      expect(r.json.error.message).to.match(/wrong secret/);
      r = await post(u, call("eth_chainId"), { headers: { authorization: `Basic ${Buffer.from(":s3cret").toString("base64")}` } });
      expect(r.json.result).to.equal(`0x${CHAIN_ID.toString(16)}`);
      r = await post(u, call("eth_blockNumber"), { headers: auth });
      expect(r.status).to.equal(200);
      expect(r.json.error.code).to.equal(-32001);
      expect(r.json.error.message).to.match(/method eth_blockNumber is not allowed/);
      r = await post(u, call("eth_call", [{ to: "0x" + "cd".repeat(20), data: "0x" }, "latest"]), { headers: auth });
      expect(r.json.error.message).to.match(/contract 0xcdcd.* is not allowed/);
      r = await post(u, call("eth_call", [{ to: contract, data: "0x" }, "latest"]), { headers: auth });
      expect(r.json.result).to.equal("0x");
      const wallet = Wallet.createRandom();
      const raw = await wallet.signTransaction({ to: "0x" + "cd".repeat(20), value: 1n, gasLimit: 21_000n, gasPrice: 2_000_000_000n, nonce: 0, chainId: BigInt(CHAIN_ID) });
      r = await post(u, call("eth_sendRawTransaction", [raw]), { headers: auth });
      expect(r.json.error.message).to.match(/contract 0xcdcd.* is not allowed/);
      r = await post(u, call("eth_chainId"), { headers: { ...auth, origin: "https://evil.example" } });
      expect(r.status).to.equal(403);
      expect(r.json.error.message).to.match(/origin https:\/\/evil.example is not allowed/);
      r = await post(u, call("eth_chainId"), { headers: { ...auth, origin: "https://shop.example" } });
      expect(r.json.result).to.equal(`0x${CHAIN_ID.toString(16)}`);
      // in a batch, refused requests get their own errors and the others pass
      r = await post(u, [call("eth_chainId"), call("eth_gasPrice")], { headers: auth });
      expect(r.json[0].result).to.equal(`0x${CHAIN_ID.toString(16)}`);
      expect(r.json[1].error.code).to.equal(-32001);
    });
  });

  describe("throttling", () => {
    it("answers 429 with Retry-After beyond the requests per second, and a JSON-RPC error over WebSocket", async () => {
      const k = await g.key("slow", { chains: ["main"], limits: { requestsPerSecond: 5 } });
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(g.gw.rpcUrl("main", k.key), call("eth_chainId"))));
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length).to.be.at.least(10);
      expect(Number(refused[0]!.headers["retry-after"])).to.be.at.least(1);
      expect(refused[0]!.json.error.code).to.equal(-32005);
      expect(refused[0]!.json.error.message).to.match(/per second/);

      const ws = new WebSocket(wsUrl(g.gw, "main", k.key));
      await new Promise((resolve) => ws.once("open", resolve));
      await new Promise((r) => setTimeout(r, 1_100));
      const replies: any[] = [];
      ws.on("message", (d) => replies.push(JSON.parse(d.toString())));
      for (let i = 0; i < 12; i++) ws.send(JSON.stringify(call("eth_chainId")));
      await waitFor("12 answers", async () => replies.length >= 12, 5_000, 20);
      expect(replies.filter((m) => m.error?.code === -32005).length).to.be.at.least(5);
      ws.close();
    });

    it("keeps a day quota exact within 1 % over 10,000 requests", async () => {
      const k = await g.key("quota", { chains: ["main"], limits: { requestsPerDay: 10_000, requestsPerSecond: null, cuPerSecond: null, maxBatch: 50 } });
      let admitted = 0;
      let lastRefusal: Answer | undefined;
      for (let i = 0; i < 210; i++) {
        const r = await post(g.gw.rpcUrl("main", k.key), Array.from({ length: 50 }, () => call("eth_chainId")));
        if (r.status === 200) admitted += 50;
        else lastRefusal = r;
      }
      expect(admitted).to.be.within(9_900, 10_000);
      expect(lastRefusal!.status).to.equal(429);
      expect(lastRefusal!.json.error.message).to.match(/per day/);
      expect(Number(lastRefusal!.headers["retry-after"])).to.be.within(1, 86_400);
    });

    it("refuses a batch or a body over the key's limits", async () => {
      const k = await g.key("small", { chains: ["main"], limits: { maxBatch: 3, maxBodyBytes: 2_000 } });
      let r = await post(g.gw.rpcUrl("main", k.key), Array.from({ length: 4 }, () => call("eth_chainId")));
      expect(r.status).to.equal(413);
      expect(r.json.error.message).to.match(/batch of 4 requests exceeds this key's limit of 3/);
      r = await post(g.gw.rpcUrl("main", k.key), call("eth_call", [{ data: "0x" + "00".repeat(2_000) }, "latest"]));
      expect(r.status).to.equal(413);
      expect(r.json.error.message).to.match(/larger than this key's limit of 2000 bytes/);
    });

    it("limits live subscriptions per key", async () => {
      const k = await g.key("subs", { chains: ["main"], limits: { maxSubscriptions: 1 } });
      const ws = new WebSocket(wsUrl(g.gw, "main", k.key));
      await new Promise((resolve) => ws.once("open", resolve));
      const replies: any[] = [];
      ws.on("message", (d) => replies.push(JSON.parse(d.toString())));
      ws.send(JSON.stringify({ ...call("eth_subscribe", ["newHeads"]), id: 1 }));
      await waitFor("subscribed", async () => replies.some((m) => m.id === 1), 5_000, 20);
      ws.send(JSON.stringify({ ...call("eth_subscribe", ["newHeads"]), id: 2 }));
      await waitFor("refused", async () => replies.some((m) => m.id === 2), 5_000, 20);
      expect(replies.find((m) => m.id === 2).error.message).to.match(/1 live subscriptions, its limit is 1/);
      ws.close();
    });
  });

  describe("block cache", () => {
    it("serves final blocks, receipts and state at a final block from the cache; never anything relative to latest", async () => {
      const u = g.gw.rpcUrl("main", key);
      const final = Number((await post(u, call("eth_getBlockByNumber", ["finalized", false]))).json.result.number);
      const n = `0x${(final - 1).toString(16)}`;
      let r = await post(u, call("eth_getBlockByNumber", [n, false]));
      expect(r.headers["x-cache"]).to.equal("MISS");
      const first = r.json.result;
      r = await post(u, call("eth_getBlockByNumber", [n, false]));
      expect(r.headers["x-cache"]).to.equal("HIT");
      expect(r.json.result).to.deep.equal(first);
      r = await post(u, call("eth_getBalance", [devKey(0).address, n]));
      r = await post(u, call("eth_getBalance", [devKey(0).address, n]));
      expect(r.headers["x-cache"]).to.equal("HIT");
      for (const tag of ["latest", "pending", "finalized", "safe"]) {
        await post(u, call("eth_getBlockByNumber", [tag, false]));
        r = await post(u, call("eth_getBlockByNumber", [tag, false]));
        expect(r.headers["x-cache"], tag).to.equal("MISS");
      }
      await post(u, call("eth_blockNumber"));
      expect((await post(u, call("eth_blockNumber"))).headers["x-cache"]).to.equal("MISS");
    });

    it("never returns a cached error or a cached null, whatever the mix of requests", async () => {
      const u = g.gw.rpcUrl("main", key);
      const unknown = "0x" + "12".repeat(32);
      for (let i = 0; i < 3; i++) {
        const r = await post(u, [call("eth_getTransactionReceipt", [unknown]), call("eth_getBlockByNumber", ["0x1", "not-a-bool"]), call("eth_getBlockByNumber", ["0xffffffff", false])]);
        expect(r.headers["x-cache"]).to.equal("MISS");
        expect(r.json[0].result).to.equal(null);
        expect(r.json[1].error).to.not.equal(undefined);
        expect(r.json[2].result).to.equal(null);
      }
      // a transaction sent now: its receipt is null first, then final — and only then cached
      const provider = new JsonRpcProvider(u, undefined, { staticNetwork: true });
      const tx = await new Wallet(devKey(0).privateKey, provider).sendTransaction({ to: Wallet.createRandom().address, value: 1n });
      const early = await post(u, call("eth_getTransactionReceipt", [tx.hash]));
      expect(early.headers["x-cache"]).to.equal("MISS");
      await tx.wait(1, 20_000);
      await waitFor("a final receipt", async () => (await post(u, call("eth_getTransactionReceipt", [tx.hash]))).json.result !== null, 10_000);
      await waitFor("the receipt served from the cache", async () => (await post(u, call("eth_getTransactionReceipt", [tx.hash]))).headers["x-cache"] === "HIT", 10_000);
      provider.destroy();
    });
  });

  describe("request log, analytics and abuse defence", () => {
    it("logs every request and answers analytics per key, chain and method (admin API and the DApp's own)", async () => {
      const k = await g.key("stats", { chains: ["main"] });
      const u = g.gw.rpcUrl("main", k.key);
      for (let i = 0; i < 5; i++) await post(u, call("eth_chainId"));
      await post(u, call("eth_getBlockByNumber", ["0x1", "bad"]));
      await g.gw.flushLog();
      const a = await admin(g, "GET", `/analytics?key=${k.key}`);
      expect(a.status).to.equal(200);
      expect(a.json.requests).to.equal(6);
      expect(a.json.errors).to.equal(1);
      expect(a.json.topMethods[0]).to.include({ method: "eth_chainId", requests: 5 });
      expect(a.json.p95Ms).to.be.a("number");
      const own = await fetch(`${url}/v1/keys/${k.key}/analytics`);
      expect(own.status).to.equal(200);
      expect(((await own.json()) as { requests: number }).requests).to.equal(6);
      const recent = await admin(g, "GET", `/requests?key=${k.key}&limit=3`);
      expect(recent.json).to.have.length(3);
      expect(recent.json[0]).to.include({ key: k.key, chain: String(CHAIN_ID) });
      const bad = await admin(g, "GET", `/analytics?from=yesterday`);
      expect(bad.status).to.equal(400);
      expect(bad.json.error).to.match(/from: expected milliseconds since 1970 or an ISO date/);
      const noToken = await fetch(`${g.gw.adminUrl}/keys`);
      expect(noToken.status).to.equal(401);
    });

    it("answers top API keys and DApps; a DApp's own analytics list only its own key and DApp", async () => {
      const mine = await g.key("tops-mine", { chains: ["main"] });
      const theirs = await g.key("tops-theirs", { chains: ["main"] });
      for (let i = 0; i < 3; i++) await post(g.gw.rpcUrl("main", mine.key), call("eth_chainId"));
      for (let i = 0; i < 4; i++) await post(g.gw.rpcUrl("main", theirs.key), call("eth_chainId"));
      await post(g.gw.rpcUrl("main", "f".repeat(32)), call("eth_chainId")); // an unknown key: refused, no key logged
      await g.gw.flushLog();
      const all = await admin(g, "GET", `/analytics?top=1000`);
      expect(all.status).to.equal(200);
      const keys = all.json.topKeys as { key: string | null; requests: number }[];
      expect(keys.find((k) => k.key === mine.key)).to.include({ requests: 3 });
      expect(keys.find((k) => k.key === theirs.key)).to.include({ requests: 4 });
      expect(keys.some((k) => k.key === null)).to.equal(true);
      expect((all.json.topDapps as { dapp: string | null }[]).map((d) => d.dapp)).to.include.members(["tops-mine", "tops-theirs"]);
      expect(keys.reduce((n, k) => n + k.requests, 0)).to.equal(all.json.requests);
      const own = await fetch(`${url}/v1/keys/${mine.key}/analytics?top=1000`);
      expect(own.status).to.equal(200);
      const body = (await own.json()) as { requests: number; topKeys: { key: string | null }[]; topDapps: { dapp: string | null }[] };
      expect(body.requests).to.equal(3);
      expect(body.topKeys[0]).to.include({ key: mine.key, requests: 3, errors: 0 });
      expect(body.topKeys.map((k) => k.key)).to.deep.equal([mine.key]);
      expect(body.topDapps.map((d) => d.dapp)).to.deep.equal(["tops-mine"]);
      expect((await fetch(`${url}/v1/keys/${mine.key}/analytics?dapp=tops-theirs`)).status).to.equal(403);
      expect((await fetch(`${url}/v1/keys/${mine.key}/analytics?key=${theirs.key}`)).status).to.equal(403);
    });

    it("bans a client address whose rate spikes, says why, and shows it in the metrics", async () => {
      const strict = await startTestGateway({ config: { chains: [{ id: CHAIN_ID, name: "main", upstreams: [{ url: nodes[1]!.rpc }] }], abuse: { ipRate: { windowSeconds: 10, maxRequests: 300 } }, ipLimits: { requestsPerSecond: null } } });
      try {
        const k = await strict.key("demo", { chains: ["main"], limits: { requestsPerSecond: null } });
        const u = strict.gw.rpcUrl("main", k.key);
        const from = "127.0.3.9";
        let banned: Answer | undefined;
        for (let i = 0; i < 400 && banned === undefined; i++) {
          const r = await post(u, call("eth_chainId"), { from });
          if (r.status === 429) banned = r;
        }
        expect(banned, "banned").to.not.equal(undefined);
        expect(banned!.json.error.message).to.match(/banned until .*127\.0\.3\.9 sent 301 requests in 10 s \(limit 300\)/);
        expect((await post(u, call("eth_chainId"), { from: "127.0.3.10" })).status).to.equal(200);
        const metrics = await (await fetch(`${strict.gw.url}/metrics`)).text();
        expect(metrics).to.match(/luniverse_gateway_bans_total\{rule="ipRate"\} 1/);
        expect(metrics).to.match(/luniverse_gateway_cache_hit_ratio \d/);
        expect(metrics).to.match(/luniverse_gateway_request_seconds_bucket\{chain="7104",le="0.001"\}/);
      } finally {
        await strict.close();
      }
    });
  });

  describe("routing and failover", () => {
    it("routes a client to a node of its region", async () => {
      const u = g.gw.rpcUrl("main", key);
      for (let i = 0; i < 5; i++) {
        const eu = await post(u, call("eth_blockNumber"), { from: "127.0.1.7" });
        expect(["v1", "v2"]).to.include(eu.headers["x-upstream"]);
        const us = await post(u, call("eth_blockNumber"), { from: "127.0.2.7" });
        expect(["v3", "v4"]).to.include(us.headers["x-upstream"]);
      }
      // behind a trusted front proxy, the client's address is the right-most untrusted one of X-Forwarded-For
      const fronted = await startTestGateway({
        config: {
          chains: [{ id: CHAIN_ID, name: "main", upstreams: nodes.map((n, i) => ({ name: `v${i + 1}`, url: n.rpc, region: i < 2 ? "eu" : "us" })) }],
          regions: { eu: { cidrs: ["10.1.0.0/16"] }, us: { cidrs: ["10.2.0.0/16"] } },
          trustedProxies: ["127.0.0.1"],
        },
      });
      try {
        const k = await fronted.key("demo", { chains: ["main"] });
        await waitFor("every node healthy in the fronted gateway", async () => fronted.gw.internals.pools.get(String(CHAIN_ID))!.candidates(null).length === 4, 10_000);
        const viaProxy = await post(fronted.gw.rpcUrl("main", k.key), call("eth_blockNumber"), { headers: { "x-forwarded-for": "10.2.3.4" } });
        expect(["v3", "v4"]).to.include(viaProxy.headers["x-upstream"]);
        const spoofed = await post(fronted.gw.rpcUrl("main", k.key), call("eth_blockNumber"), { from: "127.0.0.2", headers: { "x-forwarded-for": "10.2.3.4" } });
        expect(spoofed.status, "X-Forwarded-For from an untrusted peer is ignored").to.equal(200);
        await fronted.gw.flushLog();
        const rows = await fronted.store.recentRequests({ key: k.key, limit: 2 });
        expect(rows.map((r) => [r.ip, r.region])).to.deep.equal([
          ["127.0.0.2", null],
          ["10.2.3.4", "us"],
        ]);
      } finally {
        await fronted.close();
      }
    });

    it("loses no request beyond the in-flight ones when a validator is killed under load, and takes it back after restart", async () => {
      const u = g.gw.rpcUrl("main", key);
      const pool = g.gw.internals.pools.get(String(CHAIN_ID))!;
      const provider = new JsonRpcProvider(u, undefined, { staticNetwork: true, batchMaxCount: 1 });
      const wallet = new Wallet(devKey(5).privateKey, provider);
      const funder = new Wallet(devKey(0).privateKey, provider);
      await (await funder.sendTransaction({ to: wallet.address, value: parseEther("10") })).wait(1, 20_000);
      const u2 = g.gw.rpcUrl("main", (await g.key("load", { chains: ["main"], limits: { requestsPerSecond: null, cuPerSecond: null } })).key);
      let reads = 0;
      let readErrors = 0;
      const seen = new Set<string>();
      let running = true;
      const readers = Array.from({ length: 4 }, async () => {
        while (running) {
          const r = await post(u2, call("eth_getBalance", [wallet.address, "latest"]), { from: "127.0.1.8" }).catch((e: Error) => e);
          reads++;
          if (r instanceof Error || r.status !== 200 || r.json.error !== undefined) {
            readErrors++;
            seen.add(r instanceof Error ? r.message : `${r.status} ${JSON.stringify(r.json.error)}`);
          }
        }
      });
      let writes = 0;
      let writeErrors = 0;
      const writer = (async () => {
        let nonce = await provider.getTransactionCount(wallet.address, "pending");
        while (running) {
          const raw = await wallet.signTransaction({ to: funder.address, value: 1n, gasLimit: 21_000n, gasPrice: 2_000_000_000n, nonce, chainId: BigInt(CHAIN_ID) });
          const r = await post(u2, call("eth_sendRawTransaction", [raw]), { from: "127.0.1.8" });
          writes++;
          if (r.json.error === undefined) nonce++;
          else {
            writeErrors++;
            seen.add(`write ${r.status} ${JSON.stringify(r.json.error)}`);
          }
          await new Promise((res) => setTimeout(res, 100));
        }
      })();
      // a second gateway where region "eu" has only v1: its eu clients fail over to the nearest region, "us"
      const lonely = await startTestGateway({
        config: {
          chains: [{ id: CHAIN_ID, name: "main", upstreams: nodes.map((n, i) => ({ name: `v${i + 1}`, url: n.rpc, region: i === 0 ? "eu" : "us" })) }],
          regions: { eu: { cidrs: ["127.0.1.0/24"], nearest: ["us"] }, us: { cidrs: ["127.0.2.0/24"], nearest: ["eu"] } },
          routing: { probeIntervalMs: 250 },
        },
      });
      const lonelyKey = (await lonely.key("demo", { chains: ["main"] })).key;
      await waitFor("v1 healthy in the second gateway", async () => lonely.gw.internals.pools.get(String(CHAIN_ID))!.candidates(null).length === 4, 10_000);
      expect((await post(lonely.gw.rpcUrl("main", lonelyKey), call("eth_blockNumber"), { from: "127.0.1.9" })).headers["x-upstream"]).to.equal("v1");
      await new Promise((r) => setTimeout(r, 2_000));
      const killedAt = Date.now();
      await nodes[0]!.kill9();
      await waitFor("v1 left", async () => !pool.candidates(null).some((c) => c.spec.name === "v1"), 5_000, 20);
      const leftAfter = Date.now() - killedAt;
      const failedOver = await post(lonely.gw.rpcUrl("main", lonelyKey), call("eth_blockNumber"), { from: "127.0.1.9" });
      expect(failedOver.status).to.equal(200);
      expect(["v2", "v3", "v4"], "an eu client served by the nearest region").to.include(failedOver.headers["x-upstream"]);
      await lonely.close();
      await new Promise((r) => setTimeout(r, 3_000));
      running = false;
      await Promise.all([...readers, writer]);
      // each reader has at most one request in flight on the killed node: those (and only those) may fail
      expect(readErrors, `read errors of ${reads}: ${[...seen].join("; ")}`).to.be.at.most(4);
      expect(writeErrors, `write errors of ${writes}: ${[...seen].join("; ")}`).to.be.at.most(1);
      expect(reads).to.be.greaterThan(100);
      expect(leftAfter, "time to leave the killed node").to.be.at.most(2_000);
      await nodes[0]!.start();
      await waitFor("v1 taken back", async () => pool.candidates(null).some((c) => c.spec.name === "v1"), 60_000, 100);
      provider.destroy();
    });
  });
});
