import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { keccak256 } from "ethers";
import { devWallet } from "../../../lib/accounts";
import { NoUpstreamError, Upstream, UpstreamConfigError, UpstreamError, UpstreamPool, type HealthChange, type UpstreamSpec } from "../../../services/gateway/upstreams";
import { kill, startAnvil, type Proc } from "../anchor/processes";
import { freePort, rpcCall, waitFor } from "../../helpers/net";

const CHAIN_ID = 31337;
const READ = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_blockNumber", params: [] });

type ProxyMode = "pass" | "hold" | "delay" | "503" | "reset" | "missing";

/**
 * A real HTTP server in front of an anvil node that misbehaves on demand for JSON-RPC requests (probes, which are
 * batches, always pass): holds them until released, delays them (then still forwards them), answers 503, or drops the
 * connection after reading the request.
 */
interface Proxy {
  url: string;
  mode: ProxyMode;
  delayMs: number;
  /** Bodies of the non-probe requests received. */
  received: string[];
  release(): void;
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const held: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const probe = body.trimStart().startsWith("[");
        if (!probe) proxy.received.push(body);
        const mode = probe ? "pass" : proxy.mode;
        if (mode === "503") return void res.writeHead(503).end("busy");
        // a node a block behind, asked for the block another node just made (our node's and geth's words)
        if (mode === "missing") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: 7, error: { code: -32000, message: "header not found" } }));
        if (mode === "reset") return void req.socket.destroy();
        if (mode === "hold") await new Promise<void>((r) => held.push(r));
        if (mode === "delay") await new Promise((r) => setTimeout(r, proxy.delayMs));
        try {
          const up = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
          const text = await up.text();
          if (!res.destroyed) res.writeHead(up.status, { "content-type": "application/json" }).end(text);
        } catch {
          if (!res.destroyed) res.writeHead(502).end();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const proxy: Proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: "pass",
    delayMs: 0,
    received: [],
    release: () => held.splice(0).forEach((r) => r()),
    close: async () => {
      proxy.release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}

async function blockNumber(url: string): Promise<bigint> {
  return BigInt(await rpcCall<string>(url, "eth_blockNumber"));
}

async function mine(url: string, blocks: bigint): Promise<void> {
  if (blocks > 0n) await rpcCall(url, "anvil_mine", [`0x${blocks.toString(16)}`]);
}

/** A signed transfer from dev account 0 with its next nonce on `url`. */
async function rawTransfer(url: string): Promise<{ raw: string; hash: string }> {
  const wallet = devWallet(0);
  const nonce = Number(await rpcCall<string>(url, "eth_getTransactionCount", [wallet.address, "pending"]));
  const raw = await wallet.signTransaction({ type: 2, chainId: CHAIN_ID, nonce, to: "0x000000000000000000000000000000000000dEaD", value: 1n, gasLimit: 21_000, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1n });
  return { raw, hash: keccak256(raw) };
}

function sendRaw(raw: string): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] });
}

describe("gateway upstreams (real anvil nodes)", function () {
  this.timeout(30_000);
  const procs: Proc[] = [];
  const pools: UpstreamPool[] = [];
  const proxies: Proxy[] = [];
  let urlA: string;
  let urlB: string;

  async function anvil(name: string, port?: number, extra: string[] = []): Promise<{ proc: Proc; url: string; port: number }> {
    const p = port ?? (await freePort());
    const proc = await startAnvil(name, p, CHAIN_ID, extra);
    procs.push(proc);
    return { proc, url: `http://127.0.0.1:${p}`, port: p };
  }

  function pool(specs: UpstreamSpec[], options: ConstructorParameters<typeof UpstreamPool>[2] = {}): UpstreamPool {
    const p = new UpstreamPool(String(CHAIN_ID), specs, options);
    pools.push(p);
    return p;
  }

  async function proxyTo(url: string): Promise<Proxy> {
    const p = await startProxy(url);
    proxies.push(p);
    return p;
  }

  before(async function () {
    const [a, b] = await Promise.all([anvil("anvil-a"), anvil("anvil-b")]);
    urlA = a.url;
    urlB = b.url;
    await Promise.all([mine(urlA, 10n), mine(urlB, 10n)]);
  });

  after(async function () {
    for (const p of pools) p.stop();
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(procs.map((p) => kill(p)));
  });

  it("probes every upstream for its head and finalized block", async function () {
    const p = pool([
      { name: "a", url: urlA, region: "eu" },
      { name: "b", url: urlB, region: "us" },
    ]);
    const changes: HealthChange[] = [];
    const off = p.onChange((c) => changes.push(c));
    await p.start();
    off();
    expect(changes.map((c) => [c.upstream, c.healthy])).to.have.deep.members([
      ["a", true],
      ["b", true],
    ]);
    const fin = BigInt((await rpcCall<{ number: string }>(urlA, "eth_getBlockByNumber", ["finalized", false])).number);
    expect(p.status().map((s) => s.healthy)).to.deep.equal([true, true]);
    expect(p.head()).to.equal(await blockNumber(urlA));
    expect(p.finalized()).to.equal(fin);
    const snapshot = JSON.parse(JSON.stringify(p.status())) as { name: string; head: string; lastError: unknown }[];
    expect(snapshot[0]).to.deep.include({ name: "a", head: p.head().toString(), lastError: null });
    expect(p.get("a")!.wsUrl).to.equal(urlA.replace("http", "ws"));
  });

  it("orders candidates by region: the client's, then the nearest-first list, then the rest", async function () {
    const c = await anvil("anvil-c");
    await mine(c.url, 10n);
    const p = pool([
      { name: "a", url: urlA, region: "eu" },
      { name: "b", url: urlB, region: "us" },
      { name: "c", url: c.url, region: "asia" },
      { name: "x", url: c.url, region: null },
    ]);
    await p.start();
    const names = (region: string | null, order?: string[]): string[] => p.candidates(region, order).map((u) => u.name);
    expect(names("us", ["eu", "asia"])).to.deep.equal(["b", "a", "c", "x"]);
    expect(names("eu", ["asia", "us"])).to.deep.equal(["a", "c", "b", "x"]);
    expect(names("asia", ["us"])[0]).to.equal("c");
    expect(names("asia", ["us"])[1]).to.equal("b");
    const res = await p.send(READ, { region: "asia", regionOrder: ["us", "eu"], write: false });
    expect(res.upstream.name).to.equal("c");
    expect(JSON.parse(res.body.toString()).result).to.equal(`0x${(await blockNumber(c.url)).toString(16)}`);
  });

  it("prefers the upstream with fewer requests in flight, and takes turns on a tie", async function () {
    const slow = await proxyTo(urlB);
    const p = pool([
      { name: "a", url: urlA, region: "eu" },
      { name: "slow", url: slow.url, region: "eu" },
    ]);
    await p.start();
    const turns = [0, 1, 2, 3].map(() => p.candidates("eu")[0]!.name);
    expect(new Set(turns), "ties alternate").to.deep.equal(new Set(["a", "slow"]));
    expect(turns[0]).to.not.equal(turns[1]);

    slow.mode = "hold";
    const pending = p.get("slow")!.request(READ, 5_000); // a real request, held by the proxy
    await waitFor("the held request to reach the proxy", async () => slow.received.length === 1, 2_000, 20);
    expect(p.get("slow")!.health.inFlight).to.equal(1);
    for (let i = 0; i < 4; i++) expect(p.candidates("eu").map((u) => u.name)).to.deep.equal(["a", "slow"]);
    expect((await p.send(READ, { region: "eu", write: false })).upstream.name).to.equal("a");
    slow.release();
    expect((await pending).status).to.equal(200);
    expect(p.get("slow")!.health.inFlight).to.equal(0);
  });

  it("retries a read on the next upstream after an HTTP 5xx, a timeout or a dropped connection", async function () {
    const bad = await proxyTo(urlA);
    const p = pool(
      [
        { name: "bad", url: bad.url, region: "eu" },
        { name: "b", url: urlB, region: "us" },
      ],
      { requestTimeoutMs: 300 },
    );
    await p.start();
    for (const mode of ["503", "delay", "reset"] as const) {
      bad.mode = mode;
      bad.delayMs = 2_000;
      const before = bad.received.length;
      const res = await p.send(READ, { region: "eu", regionOrder: ["us"], write: false });
      expect(bad.received.length, `${mode}: the first candidate was tried`).to.equal(before + 1);
      expect(res.upstream.name, mode).to.equal("b");
      expect(res.status).to.equal(200);
    }
    expect(p.get("bad")!.health.lastError).to.match(/failed after the request was sent/);
  });

  it("asks the next upstream when a node does not have the block a read names yet, and returns that answer only when none has it", async function () {
    const behind = await proxyTo(urlA);
    const p = pool([
      { name: "behind", url: behind.url, region: "eu" },
      { name: "b", url: urlB, region: "us" },
    ]);
    await p.start();
    behind.mode = "missing";
    const read = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_getBlockByNumber", params: ["0x1", false] });
    const res = await p.send(read, { region: "eu", regionOrder: ["us"], write: false });
    expect(behind.received.length, "the lagging node was asked first").to.equal(1);
    expect(res.upstream.name).to.equal("b");
    expect((JSON.parse(res.body.toString()) as { result: { number: string } }).result.number).to.equal("0x1");
    // alone, its answer is the client's
    const only = pool([{ name: "behind", url: behind.url, region: null }]);
    await only.start();
    const alone = await only.send(read, { region: null, write: false });
    expect(JSON.parse(alone.body.toString())).to.deep.include({ error: { code: -32000, message: "header not found" } });
    // a write is never sent twice for it
    const w = await p.send(sendRaw("0x00"), { region: "eu", regionOrder: ["us"], write: true });
    expect(w.upstream.name).to.equal("behind");
  });

  it("does not retry a write that may have reached a node (sent = true)", async function () {
    const slow = await proxyTo(urlA);
    slow.mode = "delay";
    slow.delayMs = 600;
    const p = pool(
      [
        { name: "slow", url: slow.url, region: "eu" },
        { name: "b", url: urlB, region: "us" },
      ],
      { requestTimeoutMs: 200 },
    );
    await p.start();
    const tx = await rawTransfer(urlA);
    let error: unknown;
    try {
      await p.send(sendRaw(tx.raw), { region: "eu", regionOrder: ["us"], write: true });
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).to.be.instanceOf(UpstreamError);
    expect(error).to.deep.include({ code: "GATEWAY_UPSTREAM_TIMEOUT", sent: true, upstream: "slow" });
    // the request did reach node A (the proxy forwards it late); B never saw it
    await waitFor("node A to know the transaction", async () => (await rpcCall(urlA, "eth_getTransactionByHash", [tx.hash])) !== null, 5_000, 50);
    expect(await rpcCall(urlB, "eth_getTransactionByHash", [tx.hash])).to.equal(null);
  });

  it("retries a write when it cannot have reached the node (connection refused), trying unhealthy upstreams too", async function () {
    const deadPort = await freePort();
    const p = pool([
      { name: "dead", url: `http://127.0.0.1:${deadPort}`, region: "eu" },
      { name: "b", url: urlB, region: "us" },
    ]);
    // not started: no upstream is known healthy, so every one is tried (the dead one first: same region)
    expect(p.candidates("eu")).to.deep.equal([]);
    const direct = p.get("dead")!.request(READ, 1_000);
    await direct.then(
      () => expect.fail("a closed port answered"),
      (e: unknown) => expect(e).to.deep.include({ code: "GATEWAY_UPSTREAM_UNREACHABLE", sent: false }),
    );
    const tx = await rawTransfer(urlB);
    const res = await p.send(sendRaw(tx.raw), { region: "eu", regionOrder: ["us"], write: true });
    expect(res.upstream.name).to.equal("b");
    expect(JSON.parse(res.body.toString()).result).to.equal(tx.hash);
    expect(p.get("dead")!.health.lastError).to.match(/ECONNREFUSED/);
  });

  it("fails reads over when a node is killed, marks it out at once, and takes it back after a restart once it catches up", async function () {
    const d = await anvil("anvil-d");
    await mine(d.url, await blockNumber(urlB));
    const p = pool([
      { name: "d", url: d.url, region: "eu" },
      { name: "b", url: urlB, region: "us" },
    ]);
    await p.start();
    expect(p.candidates("eu").map((u) => u.name)).to.deep.equal(["d", "b"]);
    const changes: HealthChange[] = [];
    p.onChange((c) => changes.push(c));

    await kill(d.proc);
    const killedAt = Date.now();
    const res = await p.send(READ, { region: "eu", regionOrder: ["us"], write: false });
    expect(res.upstream.name, "answered by the other node").to.equal("b");
    await waitFor("d to be marked unhealthy", async () => !p.get("d")!.health.healthy, 1_000, 10);
    expect(Date.now() - killedAt).to.be.below(1_000);
    expect(changes.find((c) => c.upstream === "d" && !c.healthy)).to.not.equal(undefined);
    expect(p.candidates("eu").map((u) => u.name)).to.deep.equal(["b"]);

    // restarted on the same port with an empty chain: it answers probes but lags far behind b, so it stays out
    const restarted = await anvil("anvil-d2", d.port);
    await waitFor("a probe to reach the new node", async () => p.get("d")!.health.lastError === null, 3_000, 20);
    await new Promise((r) => setTimeout(r, 1_100)); // two more probes
    expect(p.get("d")!.health).to.deep.include({ healthy: false, lastError: null });
    expect(p.get("d")!.health.head).to.be.below(p.head() - 2n);
    expect(p.candidates("eu").map((u) => u.name)).to.deep.equal(["b"]);

    // once it has caught up, a probe takes it back
    await mine(restarted.url, (await blockNumber(urlB)) - (await blockNumber(restarted.url)));
    const caughtUpAt = Date.now();
    await waitFor("d to be healthy again", async () => p.get("d")!.health.healthy, 2_000, 10);
    expect(Date.now() - caughtUpAt).to.be.below(1_000);
    expect(changes.filter((c) => c.upstream === "d").map((c) => c.healthy)).to.deep.equal([false, true]);
    expect((await p.send(READ, { region: "eu", write: false })).upstream.name).to.equal("d");
  });

  it("marks a killed node out by probing alone within one second", async function () {
    const e = await anvil("anvil-e");
    await mine(e.url, await blockNumber(urlB));
    const p = pool([
      { name: "b", url: urlB, region: "us" },
      { name: "e", url: e.url, region: "us" },
    ]);
    await p.start();
    expect(p.get("e")!.health.healthy).to.equal(true);
    await kill(e.proc);
    const killedAt = Date.now();
    await waitFor("e to be marked unhealthy", async () => !p.get("e")!.health.healthy, 2_000, 10);
    expect(Date.now() - killedAt).to.be.below(1_000);
    expect(p.status().find((s) => s.name === "e")!.lastError).to.match(/probe failed/);
  });

  it("leaves out a node whose head lags more than maxLagBlocks behind a moving chain, and takes it back when it catches up", async function () {
    const [moving, still] = await Promise.all([anvil("anvil-moving", undefined, ["--block-time", "1"]), anvil("anvil-still")]);
    const p = pool(
      [
        { name: "moving", url: moving.url, region: "eu" },
        { name: "still", url: still.url, region: "eu" },
      ],
      { maxLagBlocks: 1, probeIntervalMs: 200 },
    );
    const changes: HealthChange[] = [];
    p.onChange((c) => changes.push(c));
    await p.start();
    await waitFor("the still node to fall behind", async () => !p.get("still")!.health.healthy, 8_000, 50);
    expect(p.head()).to.be.at.least(2n);
    expect(p.candidates("eu").map((u) => u.name)).to.deep.equal(["moving"]);
    expect(changes.find((c) => c.upstream === "still" && !c.healthy)!.reason).to.match(/blocks behind/);

    await mine(still.url, (await blockNumber(moving.url)) + 1n - (await blockNumber(still.url)));
    await waitFor("the still node to be back", async () => p.get("still")!.health.healthy, 2_000, 20);
    expect(p.head()).to.equal(p.get("still")!.health.head);
  });

  it("fails with NoUpstreamError naming the chain and every upstream's last error when none answers", async function () {
    const [p1, p2] = [await freePort(), await freePort()];
    const p = pool([
      { name: "gone-1", url: `http://127.0.0.1:${p1}`, region: "eu" },
      { name: "gone-2", url: `http://127.0.0.1:${p2}`, region: "us" },
    ]);
    await p.start();
    expect(p.status().map((s) => s.healthy)).to.deep.equal([false, false]);
    let error: unknown;
    try {
      await p.send(READ, { region: "eu", write: false });
    } catch (e) {
      error = e;
    }
    expect(error, String(error)).to.be.instanceOf(NoUpstreamError);
    const err = error as NoUpstreamError;
    expect(err.code).to.equal("GATEWAY_NO_UPSTREAM");
    expect(err.message).to.match(/^No node of chain 31337 answered: /);
    expect(err.message).to.include(`gone-1 (http://127.0.0.1:${p1}): Upstream gone-1 is unreachable: connect ECONNREFUSED`);
    expect(err.message).to.include(`gone-2 (http://127.0.0.1:${p2}): Upstream gone-2 is unreachable: connect ECONNREFUSED`);
  });

  it("rejects unusable upstream lists and options with an UpstreamConfigError naming them", function () {
    const ok = { name: "a", url: "http://127.0.0.1:1", region: null };
    expect(() => new UpstreamPool("1", [])).to.throw(UpstreamConfigError, /Chain 1 has no upstream/);
    expect(() => new UpstreamPool("1", [ok, ok])).to.throw(UpstreamConfigError, /two upstreams named "a"/);
    expect(() => new UpstreamPool("1", [{ ...ok, url: "ftp://x" }])).to.throw(UpstreamConfigError, /must be http:\/\/ or https:\/\//);
    expect(() => new UpstreamPool("1", [{ ...ok, wsUrl: "http://x" }])).to.throw(UpstreamConfigError, /wsUrl/);
    expect(() => new UpstreamPool("1", [ok], { maxLagBlock: 2 } as never)).to.throw(UpstreamConfigError, /Unknown upstream pool option "maxLagBlock"/);
    expect(() => new UpstreamPool("1", [ok], { probeIntervalMs: 0 })).to.throw(UpstreamConfigError, /probeIntervalMs/);
    expect(new Upstream(ok).health).to.deep.include({ healthy: false, inFlight: 0 });
  });
});
