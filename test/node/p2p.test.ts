/**
 * The peer layer over real WebSockets on 127.0.0.1 (ephemeral ports). Every network a test makes is stopped after it.
 */
import { expect } from "chai";
import net from "node:net";
import WebSocket from "ws";
import { PeerNetwork, P2pError, type PeerNetworkOptions, type PeerNetworkStats, type PeerRefusal, type PeerStatus } from "../../node/p2p/network";
import { SeenCache } from "../../node/p2p/seenCache";
import { decodeBytesFrame, encodeBytesFrame } from "../../node/p2p/binary";
import { parseHello, parseStatus } from "../../node/p2p/frames";
import { backoffDelay } from "../../node/p2p/backoff";

const CHAIN_ID = 7n;
const GENESIS = `0x${"11".repeat(32)}`;
const OTHER_GENESIS = `0x${"22".repeat(32)}`;
const HOST = "127.0.0.1";

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

const live: PeerNetwork[] = [];
const rawSockets: WebSocket[] = [];
const logs = new Map<PeerNetwork, LogLine[]>();

function node(opts: Partial<PeerNetworkOptions> = {}): PeerNetwork {
  const lines: LogLine[] = [];
  const n = new PeerNetwork({
    listen: { host: HOST, port: 0 },
    peers: [],
    chainId: CHAIN_ID,
    genesisHash: GENESIS,
    reconnectMinMs: 30,
    reconnectMaxMs: 200,
    pingIntervalMs: 1000,
    handshakeTimeoutMs: 2000,
    statusThrottleMs: 20,
    log: (level, msg, fields) => lines.push({ level, msg, fields }),
    ...opts,
  });
  logs.set(n, lines);
  live.push(n);
  return n;
}

async function started(opts: Partial<PeerNetworkOptions> = {}): Promise<PeerNetwork> {
  const n = node(opts);
  await n.start();
  return n;
}

function logOf(n: PeerNetwork): LogLine[] {
  return logs.get(n) ?? [];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function urlOf(n: PeerNetwork): string {
  if (n.url === null) throw new Error("network has no url");
  return n.url;
}

/** A port that was free a moment ago (for tests that must know a node's URL before it starts). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, HOST, r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function hasPeer(n: PeerNetwork, id: string): boolean {
  return n.peers().some((p) => p.id === id);
}

/** What `n` knows of peer `id`'s neighbours (undefined: not connected to it). */
function neighboursOf(n: PeerNetwork, id: string): string[] | null | undefined {
  return n.peers().find((p) => p.id === id)?.neighbours;
}

/** Waits until every node is connected to exactly the nodes `links` says and knows its peers' links as they are. */
async function settled(nodes: PeerNetwork[], links: [PeerNetwork, PeerNetwork][]): Promise<void> {
  const adj = new Map<string, string[]>(nodes.map((n) => [n.nodeId, []]));
  for (const [x, y] of links) {
    adj.get(x.nodeId)!.push(y.nodeId);
    adj.get(y.nodeId)!.push(x.nodeId);
  }
  const want = (id: string) => [...adj.get(id)!].sort().join(",");
  await waitFor(
    () =>
      nodes.every(
        (n) =>
          n.peers().map((p) => p.id).sort().join(",") === want(n.nodeId) &&
          n.peers().every((p) => (p.neighbours ?? []).join(",") === want(p.id)),
      ),
    "the topology to settle and be advertised",
  );
}

function statsDelta(n: PeerNetwork, before: PeerNetworkStats): PeerNetworkStats {
  const now = n.stats();
  const out = { ...now };
  for (const k of Object.keys(now) as (keyof PeerNetworkStats)[]) out[k] = now[k] - before[k];
  return out;
}

interface Received {
  from: string;
  type: string;
  payload: unknown;
}

/** Everything `n` receives as `message` or `bytes` (bytes as 0x-hex strings, to compare). */
function received(n: PeerNetwork): Received[] {
  const got: Received[] = [];
  n.on("message", (from, type, payload) => got.push({ from, type, payload }));
  n.on("bytes", (from, type, items) => got.push({ from, type, payload: items.map((i) => `0x${Buffer.from(i).toString("hex")}`) }));
  return got;
}

const hexOf = (items: Uint8Array[]) => items.map((i) => `0x${Buffer.from(i).toString("hex")}`);

async function expectRejected(p: Promise<unknown>): Promise<P2pError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(P2pError);
    return err as P2pError;
  }
  throw new Error("expected the promise to reject");
}

/** A hand-driven peer: says hello (optionally a wrong one), records what it gets and how it was closed. */
interface RawPeer {
  ws: WebSocket;
  nodeId: string;
  frames: { t: string; p?: unknown }[];
  closed: Promise<{ code: number; reason: string }>;
}

async function rawPeer(url: string, opts: { hello?: Record<string, unknown> | null; autoPong?: boolean } = {}): Promise<RawPeer> {
  const nodeId = `raw-${Math.random().toString(16).slice(2, 10)}`;
  const ws = new WebSocket(url, { autoPong: opts.autoPong ?? true, maxPayload: 64 * 1024 * 1024 });
  rawSockets.push(ws);
  const frames: RawPeer["frames"] = [];
  ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
  ws.on("error", () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (opts.hello !== null) {
    const hello = {
      chainId: `0x${CHAIN_ID.toString(16)}`,
      genesisHash: GENESIS,
      nodeId,
      validator: null,
      height: "0x0",
      finalized: "0x0",
      protocolVersion: 1,
      ...opts.hello,
    };
    ws.send(JSON.stringify({ t: "hello", p: hello }));
  }
  return { ws, nodeId, frames, closed };
}

async function stopAll(): Promise<void> {
  for (const ws of rawSockets.splice(0)) ws.terminate();
  await Promise.all(live.splice(0).map((n) => n.stop()));
}

describe("node/p2p PeerNetwork", function () {
  this.timeout(20_000);

  afterEach(stopAll);
  after(stopAll);

  describe("three nodes in a line A–B–C", function () {
    let a: PeerNetwork, b: PeerNetwork, c: PeerNetwork;

    beforeEach(async function () {
      a = await started({ nodeId: "node-a", gossipTypes: ["sig"] });
      b = await started({ nodeId: "node-b", peers: [urlOf(a)], gossipTypes: ["sig"] });
      c = await started({ nodeId: "node-c", peers: [urlOf(b)], listen: null, gossipTypes: ["sig"] });
      await waitFor(() => a.peers().length === 1 && b.peers().length === 2 && c.peers().length === 1, "the line to connect");
    });

    function inbox(n: PeerNetwork): { from: string; type: string; payload: unknown }[] {
      const got: { from: string; type: string; payload: unknown }[] = [];
      n.on("message", (from, type, payload) => got.push({ from, type, payload }));
      return got;
    }

    it("relays a gossip from A to C exactly once, and never back to A", async function () {
      const [atA, atB, atC] = [inbox(a), inbox(b), inbox(c)];
      a.broadcast("tx", { raw: "0x02f8aa" }, { relay: true });
      await waitFor(() => atC.length > 0, "C to receive the gossip");
      await sleep(200);
      expect(atC).to.deep.equal([{ from: "node-b", type: "tx", payload: { raw: "0x02f8aa" } }]);
      expect(atB).to.deep.equal([{ from: "node-a", type: "tx", payload: { raw: "0x02f8aa" } }]);
      expect(atA).to.deep.equal([]);
    });

    it("relays a registered gossip type from C back to A (the ends of a line see each other)", async function () {
      const atA = inbox(a);
      c.broadcast("sig", { validator: "0x01", signature: "0xabcd" });
      await waitFor(() => atA.length > 0, "A to receive C's signature");
      await sleep(100);
      expect(atA).to.deep.equal([{ from: "node-b", type: "sig", payload: { validator: "0x01", signature: "0xabcd" } }]);
    });

    it("delivers a broadcast without relay to direct peers only", async function () {
      const [atB, atC] = [inbox(b), inbox(c)];
      a.broadcast("hint", "0x01");
      await waitFor(() => atB.length > 0, "B to receive the broadcast");
      await sleep(150);
      expect(atB).to.have.length(1);
      expect(atC).to.have.length(0);
    });

    it("leaves out the `except` peer of a broadcast", async function () {
      const [atA, atC] = [inbox(a), inbox(c)];
      b.broadcast("hint", 1, { except: "node-a" });
      await waitFor(() => atC.length > 0, "C to receive the broadcast");
      await sleep(100);
      expect(atA).to.have.length(0);
    });

    it("sends to one peer, and reports a peer that is not connected", async function () {
      const atC = inbox(c);
      expect(b.send("node-c", "direct", { n: 1 })).to.equal(true);
      expect(b.send("nobody", "direct", { n: 1 })).to.equal(false);
      await waitFor(() => atC.length > 0, "C to receive the message");
      expect(atC[0]).to.deep.equal({ from: "node-b", type: "direct", payload: { n: 1 } });
    });

    it("answers a request A→B with B's handler", async function () {
      b.onRequest("getBlock", async (peerId, payload) => ({ asked: payload, by: peerId }));
      const res = await a.request<{ asked: unknown; by: string }>("node-b", "getBlock", { number: "0x10" });
      expect(res).to.deep.equal({ asked: { number: "0x10" }, by: "node-a" });
    });

    it("rejects a request with REQUEST_TIMEOUT when the handler hangs", async function () {
      b.onRequest("hang", () => new Promise<never>(() => undefined));
      const t0 = Date.now();
      const err = await expectRejected(a.request("node-b", "hang", null, { timeoutMs: 300 }));
      expect(err.code).to.equal("P2P_REQUEST_TIMEOUT");
      expect(Date.now() - t0).to.be.within(280, 2000);
    });

    it("rejects a request with the handler's own message when it throws", async function () {
      b.onRequest("boom", async () => {
        throw new Error("block 0x99 is not known here");
      });
      const err = await expectRejected(a.request("node-b", "boom", {}));
      expect(err.code).to.equal("P2P_REMOTE_ERROR");
      expect(err.message).to.equal("block 0x99 is not known here");
      // the connection survives a failing handler
      b.onRequest("ok", async () => "fine");
      expect(await a.request("node-b", "ok", {})).to.equal("fine");
    });

    it("rejects a request of a type the peer has no handler for, or to an unknown peer", async function () {
      const noHandler = await expectRejected(a.request("node-b", "unknownType", {}));
      expect(noHandler.code).to.equal("P2P_REMOTE_ERROR");
      expect(noHandler.message).to.match(/no handler for request type "unknownType"/);
      const unknown = await expectRejected(a.request("node-z", "getBlock", {}));
      expect(unknown.code).to.equal("P2P_PEER_UNKNOWN");
    });

    it("refuses payloads it cannot send: bigints, reserved types, oversize frames", async function () {
      expect(() => a.broadcast("tx", { value: 1n })).to.throw(P2pError, /not JSON-serialisable/);
      expect(() => a.broadcast("hello", {})).to.throw(P2pError, /reserved/);
      expect(() => a.send("node-b", "status", {})).to.throw(P2pError, /reserved/);
      expect(() => a.broadcast("tx", "x".repeat(17 * 1024 * 1024))).to.throw(P2pError, /maxMessageBytes/);
    });

    it("keeps serving when a listener throws", async function () {
      const atC = inbox(c);
      b.on("message", () => {
        throw new Error("listener bug");
      });
      a.broadcast("tx", "0xfeed", { relay: true });
      await waitFor(() => atC.length > 0, "C to receive the gossip despite B's failing listener");
      expect(logOf(b).some((l) => l.level === "error" && /listener threw/.test(l.msg))).to.equal(true);
    });
  });

  describe("relay by topology", function () {
    it("full mesh of four: each node gets each gossip exactly once, from its origin, and nothing is relayed", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)] });
      const c = await started({ nodeId: "node-c", peers: [urlOf(a), urlOf(b)] });
      const d = await started({ nodeId: "node-d", peers: [urlOf(a), urlOf(b), urlOf(c)], listen: null });
      const nodes = [a, b, c, d];
      await settled(nodes, [[a, b], [a, c], [a, d], [b, c], [b, d], [c, d]]);
      const before = nodes.map((n) => n.stats());
      const inboxes = nodes.map(received);
      for (const [i, n] of nodes.entries()) {
        n.broadcast("vote", { from: n.nodeId, i }, { relay: true });
        n.broadcastBytes("txs", [Buffer.from([i, 1, 2]), Buffer.alloc(110, i)], { relay: true });
      }
      await waitFor(() => inboxes.every((got) => got.length === 6), "every node to receive the others' two messages");
      await sleep(200);
      for (const [i, n] of nodes.entries()) {
        const others = nodes.filter((m) => m !== n);
        expect(inboxes[i]).to.have.length(6);
        for (const o of others) {
          const j = nodes.indexOf(o);
          expect(inboxes[i].filter((r) => r.from === o.nodeId)).to.deep.equal([
            { from: o.nodeId, type: "vote", payload: { from: o.nodeId, i: j } },
            { from: o.nodeId, type: "txs", payload: hexOf([Buffer.from([j, 1, 2]), Buffer.alloc(110, j)]) },
          ]);
        }
        const delta = statsDelta(n, before[i]);
        expect(delta.relayed, `${n.nodeId} relayed`).to.equal(0);
        expect(delta.duplicates, `${n.nodeId} duplicates`).to.equal(0);
        expect(delta.framesReceived, `${n.nodeId} frames received`).to.equal(6);
      }
    });

    it("a line A–B–C–D: D still gets A's messages, each node once", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)] });
      const c = await started({ nodeId: "node-c", peers: [urlOf(b)] });
      const d = await started({ nodeId: "node-d", peers: [urlOf(c)], listen: null });
      await settled([a, b, c, d], [[a, b], [b, c], [c, d]]);
      const [atA, atB, atC, atD] = [a, b, c, d].map(received);
      const items = [Buffer.from("aa", "hex"), new Uint8Array(0), Buffer.alloc(300, 7)];
      a.broadcast("proposal", { n: 1 }, { relay: true });
      a.broadcastBytes("txs", items, { relay: true });
      await waitFor(() => atD.length === 2, "D to receive both of A's messages");
      await sleep(150);
      expect(atD).to.deep.equal([
        { from: "node-c", type: "proposal", payload: { n: 1 } },
        { from: "node-c", type: "txs", payload: hexOf(items) },
      ]);
      expect(atB.map((r) => r.from)).to.deep.equal(["node-a", "node-a"]);
      expect(atC.map((r) => r.from)).to.deep.equal(["node-b", "node-b"]);
      expect(atA).to.deep.equal([]);
      expect(b.stats().relayed).to.equal(2);
      expect(c.stats().relayed).to.equal(2);
      expect(d.stats().relayed).to.equal(0);
    });

    it("a star: the hub relays a leaf's message to every other leaf, once", async function () {
      const hub = await started({ nodeId: "hub", gossipTypes: ["txs"] });
      const leaves: PeerNetwork[] = [];
      for (let i = 0; i < 4; i++) leaves.push(await started({ nodeId: `leaf-${i}`, peers: [urlOf(hub)], listen: null }));
      await settled([hub, ...leaves], leaves.map((l) => [hub, l] as [PeerNetwork, PeerNetwork]));
      const inboxes = leaves.map(received);
      const atHub = received(hub);
      leaves[0].broadcastBytes("txs", [Buffer.from("01", "hex")]); // a gossip type at the hub: relayed without the flag
      await waitFor(() => inboxes.slice(1).every((got) => got.length === 1), "every other leaf to receive it");
      await sleep(150);
      for (const got of inboxes.slice(1)) expect(got).to.deep.equal([{ from: "hub", type: "txs", payload: ["0x01"] }]);
      expect(inboxes[0]).to.deep.equal([]);
      expect(atHub).to.deep.equal([{ from: "leaf-0", type: "txs", payload: ["0x01"] }]);
      expect(hub.stats().relayed).to.equal(3);
    });

    it("peers joining and leaving update the advertised sets, and relaying follows them", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)] });
      await waitFor(() => JSON.stringify(neighboursOf(a, "node-b")) === '["node-a"]', "A to know B's one link");
      const port = await freePort();
      const c1 = await started({ nodeId: "node-c", listen: { host: HOST, port }, peers: [urlOf(a), urlOf(b)] });
      await settled([a, b, c1], [[a, b], [a, c1], [b, c1]]);
      expect(neighboursOf(a, "node-b")).to.deep.equal(["node-a", "node-c"]);
      expect(neighboursOf(b, "node-c")).to.deep.equal(["node-a", "node-b"]);

      // triangle: A does not pass B's message on to C, which has it from B
      const before = a.stats();
      const atC1 = received(c1);
      b.broadcast("vote", 1, { relay: true });
      await waitFor(() => atC1.length === 1, "C to receive B's vote");
      await sleep(100);
      expect(atC1).to.deep.equal([{ from: "node-b", type: "vote", payload: 1 }]);
      expect(statsDelta(a, before).relayed).to.equal(0);

      // C leaves and comes back linked to A only: B's message now reaches C through A
      await c1.stop();
      await waitFor(() => JSON.stringify(neighboursOf(a, "node-b")) === '["node-a"]', "A to see B's link to C gone");
      const c2 = await started({ nodeId: "node-c", listen: { host: HOST, port }, peers: [urlOf(a)] });
      await settled([a, b, c2], [[a, b], [a, c2]]);
      const atC2 = received(c2);
      b.broadcast("vote", 2, { relay: true });
      b.broadcastBytes("txs", [Buffer.from("beef", "hex")], { relay: true });
      await waitFor(() => atC2.length === 2, "C to receive B's messages through A");
      expect(atC2).to.deep.equal([
        { from: "node-a", type: "vote", payload: 2 },
        { from: "node-a", type: "txs", payload: ["0xbeef"] },
      ]);
    });

    it("relays to an older peer that advertises no links, and sends it bytes as JSON hex", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)] });
      await waitFor(() => hasPeer(a, "node-b"), "B to connect");
      const r = await rawPeer(urlOf(a)); // a hello without `peers` and `binary`, as version-1 nodes before them
      await waitFor(() => hasPeer(a, r.nodeId), "the raw peer to connect");
      expect(neighboursOf(a, r.nodeId)).to.equal(null);
      expect(r.frames[0]).to.deep.include({ t: "hello" });
      expect(r.frames[0].p).to.deep.include({ peers: ["node-b"], binary: 1 });
      await waitFor(() => r.frames.some((f) => f.t === "status"), "A to tell the raw peer of its new link");
      b.broadcastBytes("txs", [Buffer.from("c0ffee", "hex"), Buffer.from("01", "hex")], { relay: true });
      b.broadcast("vote", { v: 1 }, { relay: true });
      await waitFor(() => r.frames.filter((f) => f.t !== "hello" && f.t !== "status").length === 2, "the raw peer to get both relays");
      expect(r.frames.filter((f) => f.t !== "hello" && f.t !== "status")).to.deep.equal([
        { t: "txs", p: ["0xc0ffee", "0x01"], r: true },
        { t: "vote", p: { v: 1 }, r: true },
      ]);
      // the JSON copy that an older node relays back is a copy A has seen
      const before = a.stats();
      const atA = received(a);
      r.ws.send(JSON.stringify({ t: "txs", p: ["0xc0ffee", "0x01"], r: true }));
      await waitFor(() => a.stats().duplicates > before.duplicates, "A to drop the echo");
      expect(atA).to.deep.equal([]);
    });
  });

  describe("binary frames", function () {
    it("delivers a list of byte strings as a bytes event, to all peers or to one", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(a, "node-b") && hasPeer(b, "node-a"), "A and B to connect");
      const atB = received(b);
      const items = [Buffer.from("02f8", "hex"), new Uint8Array(0), new Uint8Array(70_000).fill(9)];
      a.broadcastBytes("blobs", items);
      expect(a.sendBytes("node-b", "direct", [new Uint8Array([1])])).to.equal(true);
      expect(a.sendBytes("nobody", "direct", [new Uint8Array([1])])).to.equal(false);
      await waitFor(() => atB.length === 2, "B to receive both frames");
      expect(atB).to.deep.equal([
        { from: "node-a", type: "blobs", payload: hexOf(items) },
        { from: "node-a", type: "direct", payload: ["0x01"] },
      ]);
      expect(b.stats().bytesReceived).to.be.above(70_000);
    });

    it("refuses bytes it cannot send: reserved type, not bytes, too many items, oversize frames", async function () {
      const a = await started({ nodeId: "node-a", maxFrameItems: 3, maxMessageBytes: 64 * 1024 });
      expect(() => a.broadcastBytes("status", [])).to.throw(P2pError, /reserved/);
      expect(() => a.broadcastBytes("txs", ["0x01" as unknown as Uint8Array])).to.throw(P2pError, /array of Uint8Array/);
      expect(() => a.broadcastBytes("txs", [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)])).to.throw(P2pError, /over maxFrameItems \(3\)/);
      const err = (() => {
        try {
          a.sendBytes("node-b", "txs", [new Uint8Array(64 * 1024)]);
        } catch (e) {
          return e as P2pError;
        }
        return null;
      })();
      expect(err?.code).to.equal("P2P_MESSAGE_TOO_LARGE");
    });

    it("encodes and decodes the frame layout, and names what is wrong with a bad frame", function () {
      const frame = encodeBytesFrame(Buffer.from("txs"), true, [Buffer.from("ab", "hex"), new Uint8Array(0)]);
      expect(frame.toString("hex")).to.equal("4c010103747873" + "00000002" + "00000001ab" + "00000000");
      const ok = decodeBytesFrame(frame, 10);
      expect(ok).to.deep.include({ type: "txs", relay: true });
      expect(typeof ok === "object" && hexOf(ok.items)).to.deep.equal(["0xab", "0x"]);
      const bad = (hex: string, max = 10) => decodeBytesFrame(Buffer.from(hex, "hex"), max);
      expect(bad("4c0100")).to.equal("binary frame: shorter than its header");
      expect(bad("4d010003747873" + "00000000")).to.equal("binary frame: bad magic");
      expect(bad("4c020003747873" + "00000000")).to.equal("binary frame: unknown version 2");
      expect(bad("4c010203747873" + "00000000")).to.equal("binary frame: unknown flags");
      expect(bad("4c010000" + "00000000")).to.equal("binary frame: bad type length");
      expect(bad("4c010002c328" + "00000000")).to.equal("binary frame: type is not UTF-8");
      expect(bad("4c010005" + Buffer.from("hello").toString("hex") + "00000000")).to.equal('binary frame: reserved type "hello"');
      expect(bad("4c010003747873" + "0000000b", 10)).to.equal("binary frame: 11 items, over 10");
      expect(bad("4c010003747873" + "00000002" + "00000001ab")).to.equal("binary frame: truncated");
      expect(bad("4c010003747873" + "00000001" + "00000002ab")).to.equal("binary frame: truncated");
      expect(bad("4c010003747873" + "00000001" + "00000001abcd")).to.equal("binary frame: bytes after the last item");
    });

    it("counts malformed binary frames like malformed JSON ones, delivers the good ones, drops copies", async function () {
      const a = await started({ nodeId: "node-a", maxMalformedFrames: 3, gossipTypes: ["txs"] });
      const r = await rawPeer(urlOf(a));
      await waitFor(() => hasPeer(a, r.nodeId), "the raw peer to connect");
      const atA = received(a);
      const good = encodeBytesFrame(Buffer.from("txs"), false, [Buffer.from("0102", "hex")]);
      r.ws.send(good, { binary: true });
      r.ws.send(good, { binary: true }); // a gossip type: the copy is dropped
      r.ws.send(Buffer.from("4d010003747873" + "00000000", "hex"), { binary: true });
      r.ws.send(Buffer.from("4c010003747873" + "00000001" + "00000009ab", "hex"), { binary: true });
      r.ws.send("not json");
      await waitFor(() => a.stats().malformed === 3, "three malformed frames to be counted");
      expect(atA).to.deep.equal([{ from: r.nodeId, type: "txs", payload: ["0x0102"] }]);
      expect(a.stats().duplicates).to.equal(1);
      r.ws.send(Buffer.from("4c010003747873" + "00000001" + "00000001abcd", "hex"), { binary: true });
      const closed = await r.closed;
      expect(closed).to.deep.equal({ code: 4005, reason: "too many malformed frames (4), last: binary frame: bytes after the last item" });
    });

    it("drops a connection whose first frame is binary, and one whose binary frame is over maxMessageBytes", async function () {
      const a = await started({ nodeId: "node-a", maxMessageBytes: 64 * 1024 });
      const r1 = await rawPeer(urlOf(a), { hello: null });
      r1.ws.send(encodeBytesFrame(Buffer.from("txs"), false, []), { binary: true });
      expect(await r1.closed).to.deep.equal({ code: 4000, reason: "expected hello, got a binary frame" });
      const r2 = await rawPeer(urlOf(a), { hello: null });
      r2.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await r2.closed).to.deep.equal({ code: 4000, reason: "malformed handshake: binary frame: shorter than its header" });
      const r3 = await rawPeer(urlOf(a));
      await waitFor(() => hasPeer(a, r3.nodeId), "the raw peer to connect");
      r3.ws.send(encodeBytesFrame(Buffer.from("txs"), false, [new Uint8Array(65 * 1024)]), { binary: true });
      expect((await r3.closed).code).to.equal(1009);
    });
  });

  describe("handshake", function () {
    function refusals(n: PeerNetwork): PeerRefusal[] {
      const got: PeerRefusal[] = [];
      n.on("peer:refused", (r) => got.push(r));
      return got;
    }

    it("refuses a peer of another chain id, and both sides say why", async function () {
      const a = await started();
      const x = node({ chainId: 8n, peers: [urlOf(a)] });
      const [atA, atX] = [refusals(a), refusals(x)];
      await x.start();
      await waitFor(() => atA.length > 0 && atX.length > 0, "both sides to refuse");
      expect(atA[0].reason).to.equal("chain id mismatch: ours 7, theirs 8");
      expect(atA[0].by).to.equal("local");
      expect(atX.map((r) => r.reason).join("|")).to.match(/chain id mismatch/);
      expect(a.peers()).to.deep.equal([]);
      expect(x.peers()).to.deep.equal([]);
      for (const n of [a, x]) {
        expect(logOf(n).some((l) => l.level === "warn" && /chain id mismatch/.test(String(l.fields?.reason)))).to.equal(true);
      }
    });

    it("refuses a peer of another genesis", async function () {
      const a = await started();
      const x = node({ genesisHash: OTHER_GENESIS, peers: [urlOf(a)] });
      const atA = refusals(a);
      let connected = 0;
      a.on("peer:connect", () => connected++);
      await x.start();
      await waitFor(() => atA.length > 0, "A to refuse");
      expect(atA[0].reason).to.match(/^genesis hash mismatch: ours 0x11111111…, theirs 0x22222222…$/);
      await sleep(100);
      expect(connected).to.equal(0);
    });

    it("drops a dial to itself and does not dial itself again", async function () {
      const port = await freePort();
      const a = node({ listen: { host: HOST, port }, peers: [`ws://${HOST}:${port}`] });
      let connected = 0;
      a.on("peer:connect", () => connected++);
      await a.start();
      await waitFor(() => logOf(a).some((l) => /ourselves/.test(l.msg)), "the self-connection to be dropped");
      await sleep(500); // many backoff periods (30–200 ms)
      expect(connected).to.equal(0);
      expect(a.peers()).to.deep.equal([]);
      expect(logOf(a).filter((l) => /ourselves/.test(l.msg)).length).to.be.at.most(2); // one dial: its two ends
    });

    it("resolves two nodes dialling each other to one connection, dialled by the lower node id", async function () {
      const [pa, pb] = [await freePort(), await freePort()];
      const a = node({ nodeId: "node-a", listen: { host: HOST, port: pa }, peers: [`ws://${HOST}:${pb}`] });
      const b = node({ nodeId: "node-b", listen: { host: HOST, port: pb }, peers: [`ws://${HOST}:${pa}`] });
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => a.peers().length === 1 && b.peers().length === 1, "a connection between A and B");
      await sleep(600); // several redial periods: the loser must not keep redialling
      expect(a.peers()).to.have.length(1);
      expect(b.peers()).to.have.length(1);
      expect(a.peers()[0]).to.include({ id: "node-b", direction: "outbound" });
      expect(b.peers()[0]).to.include({ id: "node-a", direction: "inbound" });
      b.onRequest("ping", async () => "pong");
      expect(await a.request("node-b", "ping", null)).to.equal("pong");
    });

    it("refuses inbound peers beyond maxPeers", async function () {
      const a = await started({ nodeId: "node-a", maxPeers: 1 });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(a, "node-b"), "B to connect");
      const c = node({ nodeId: "node-c", peers: [urlOf(a)], listen: null });
      const refused: string[] = [];
      c.on("peer:disconnect", () => refused.push("disconnect"));
      await c.start();
      await waitFor(() => logOf(c).some((l) => /too many peers \(max 1\)/.test(String(l.fields?.reason))), "C to be turned away");
      expect(a.peers().map((p) => p.id)).to.deep.equal(["node-b"]);
      expect(c.peers()).to.deep.equal([]);
      expect(refused).to.deep.equal([]);
      expect(b.peerInfos()).to.deep.equal([{ id: "node-a", address: null, url: urlOf(a), direction: "outbound", height: "0x0" }]);
    });

    it("drops a connection whose first frame is not a valid hello", async function () {
      const a = await started();
      const r1 = await rawPeer(urlOf(a), { hello: null });
      r1.ws.send(JSON.stringify({ t: "tx", p: "0x00" }));
      expect(await r1.closed).to.deep.equal({ code: 4000, reason: 'expected hello, got "tx"' });
      const r2 = await rawPeer(urlOf(a), { hello: { genesisHash: "0x1234" } });
      expect(await r2.closed).to.deep.equal({ code: 4000, reason: "malformed handshake: hello: bad genesisHash" });
      expect(a.peers()).to.deep.equal([]);
    });

    it("drops a connection that never says hello", async function () {
      const a = await started({ handshakeTimeoutMs: 200 });
      const r = await rawPeer(urlOf(a), { hello: null });
      const closed = await r.closed;
      expect(closed.code).to.equal(4000);
      expect(closed.reason).to.match(/no hello within 200 ms/);
    });
  });

  describe("reconnection", function () {
    it("redials a configured peer that restarts on the same port", async function () {
      const port = await freePort();
      const b1 = await started({ nodeId: "node-b", listen: { host: HOST, port } });
      const a = await started({ nodeId: "node-a", peers: [`ws://${HOST}:${port}`], listen: null });
      await waitFor(() => hasPeer(a, "node-b"), "A to connect to B");
      const reasons: string[] = [];
      a.on("peer:disconnect", (id, reason) => reasons.push(`${id}: ${reason}`));
      await b1.stop();
      await waitFor(() => reasons.length > 0, "A to see B go");
      expect(reasons[0]).to.equal("node-b: closed by peer: shutting down");
      await sleep(300); // A keeps redialling a closed port meanwhile
      const b2 = await started({ nodeId: "node-b", listen: { host: HOST, port } });
      await waitFor(() => hasPeer(a, "node-b"), "A to reconnect to the restarted B");
      b2.onRequest("height", async () => "0x2a");
      expect(await a.request("node-b", "height", null)).to.equal("0x2a");
    });

    it("does not redial a peer that dialled in", async function () {
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(a, "node-b"), "B to connect to A");
      await b.stop();
      await waitFor(() => a.peers().length === 0, "A to see B go");
      await sleep(300);
      expect(logOf(a).some((l) => l.msg === "redial scheduled")).to.equal(false);
    });
  });

  describe("misbehaving peers", function () {
    it("drops a peer that sends an oversized frame and keeps serving the others", async function () {
      const a = await started({ nodeId: "node-a", maxMessageBytes: 64 * 1024 });
      const c = await started({ nodeId: "node-c", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(a, "node-c"), "C to connect");
      const r = await rawPeer(urlOf(a));
      await waitFor(() => hasPeer(a, r.nodeId), "the raw peer to connect");
      const gone: string[] = [];
      a.on("peer:disconnect", (id, reason) => gone.push(`${id}: ${reason}`));
      r.ws.send(JSON.stringify({ t: "tx", p: "x".repeat(100 * 1024) }));
      expect((await r.closed).code).to.equal(1009);
      await waitFor(() => gone.length > 0, "A to drop the raw peer");
      expect(gone).to.deep.equal([`${r.nodeId}: sent a frame larger than maxMessageBytes (65536)`]);
      a.onRequest("echo", async (_id, p) => p);
      expect(await c.request("node-a", "echo", "still here")).to.equal("still here");
    });

    it("tolerates malformed frames up to the threshold, then drops the sender and keeps serving the others", async function () {
      const a = await started({ nodeId: "node-a", maxMalformedFrames: 5 });
      const c = await started({ nodeId: "node-c", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(a, "node-c"), "C to connect");
      const r = await rawPeer(urlOf(a));
      await waitFor(() => hasPeer(a, r.nodeId), "the raw peer to connect");
      const got: unknown[] = [];
      a.on("message", (from, type, payload) => from === r.nodeId && got.push(payload));
      const garbage = ["not json", "[1,2]", '{"t":""}', '{"t":"x","id":-1}', '{"t":"status","p":{"height":5}}'];
      for (const g of garbage) r.ws.send(g);
      r.ws.send(JSON.stringify({ t: "tx", p: "valid" }));
      await waitFor(() => got.length > 0, "a valid frame after 5 malformed ones to be delivered");
      expect(got).to.deep.equal(["valid"]);
      r.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      const closed = await r.closed;
      expect(closed.code).to.equal(4005);
      expect(closed.reason).to.equal("too many malformed frames (6), last: binary frame: shorter than its header");
      await waitFor(() => !hasPeer(a, r.nodeId), "A to forget the raw peer");
      a.onRequest("echo", async (_id, p) => p);
      expect(await c.request("node-a", "echo", 1)).to.equal(1);
    });

    it("drops a peer that stops answering pings within about three intervals", async function () {
      const a = await started({ pingIntervalMs: 150 });
      const r = await rawPeer(urlOf(a), { autoPong: false });
      await waitFor(() => hasPeer(a, r.nodeId), "the raw peer to connect");
      const t0 = Date.now();
      const reasons: string[] = [];
      a.on("peer:disconnect", (_id, reason) => reasons.push(reason));
      await waitFor(() => reasons.length > 0, "A to drop the silent peer", 2000);
      expect(Date.now() - t0).to.be.below(3 * 150 + 350); // ~3 intervals, plus scheduling slack
      expect(reasons[0]).to.match(/^no answer to ping for \d+ ms$/);
    });

    it("keeps a quiet but healthy peer connected across many ping intervals", async function () {
      const a = await started({ nodeId: "node-a", pingIntervalMs: 100 });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null, pingIntervalMs: 100 });
      await waitFor(() => hasPeer(a, "node-b"), "B to connect");
      let dropped = 0;
      a.on("peer:disconnect", () => dropped++);
      await sleep(800);
      expect(dropped).to.equal(0);
      expect(hasPeer(b, "node-a")).to.equal(true);
    });
  });

  describe("status", function () {
    it("advertises setStatus to peers as peer:status and in peers()", async function () {
      const a = await started({ nodeId: "node-a" });
      a.setStatus({ height: 3n, finalized: 2n });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null });
      await waitFor(() => hasPeer(b, "node-a"), "B to connect");
      expect(b.peers()[0]).to.deep.include({ id: "node-a", height: "0x3", status: { height: 3n, finalized: 2n } });

      const seen: PeerStatus[] = [];
      b.on("peer:status", (id, s) => id === "node-a" && seen.push(s));
      for (let h = 4n; h <= 20n; h++) a.setStatus({ height: h, finalized: h - 1n });
      await waitFor(() => seen.length > 0 && seen[seen.length - 1].height === 20n, "the last status to arrive");
      expect(seen[seen.length - 1]).to.deep.equal({ height: 20n, finalized: 19n });
      expect(seen.length).to.be.at.most(3); // throttled: 17 updates, at most a few frames
      expect(b.peers()[0]).to.deep.include({ height: "0x14", status: { height: 20n, finalized: 19n } });
      expect(a.peers()[0]).to.deep.include({ id: "node-b", direction: "inbound", address: null });
    });

    it("advertises the validator address in the handshake", async function () {
      const validator = `0x${"ab".repeat(20)}`;
      const a = await started({ nodeId: "node-a", validatorAddress: validator });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)], listen: null });
      const connects: unknown[] = [];
      b.on("peer:connect", (info) => connects.push(info));
      await waitFor(() => connects.length > 0, "B to connect");
      expect(connects[0]).to.deep.equal({ id: "node-a", address: validator, url: urlOf(a), direction: "outbound", height: "0x0" });
    });
  });

  describe("lifecycle and options", function () {
    it("rejects start() with LISTEN_FAILED when the port is taken", async function () {
      const a = await started();
      const port = Number(new URL(urlOf(a)).port);
      const b = node({ listen: { host: HOST, port } });
      const err = await expectRejected(b.start());
      expect(err.code).to.equal("P2P_LISTEN_FAILED");
    });

    it("names the offending option", function () {
      const base = { listen: null, peers: [], chainId: 1n, genesisHash: GENESIS };
      const bad = (o: Record<string, unknown>) => () => new PeerNetwork({ ...base, ...o } as unknown as PeerNetworkOptions);
      expect(bad({ maxPeer: 3 })).to.throw(P2pError, "PeerNetworkOptions.maxPeer: unknown option");
      expect(bad({ peers: ["http://x:1"] })).to.throw(P2pError, /PeerNetworkOptions\.peers\[0\]/);
      expect(bad({ chainId: 1 })).to.throw(P2pError, /PeerNetworkOptions\.chainId/);
      expect(bad({ genesisHash: "0x12" })).to.throw(P2pError, /PeerNetworkOptions\.genesisHash/);
      expect(bad({ listen: { host: HOST, port: 70000 } })).to.throw(P2pError, /PeerNetworkOptions\.listen\.port/);
      expect(bad({ reconnectMinMs: 500, reconnectMaxMs: 100 })).to.throw(P2pError, /PeerNetworkOptions\.reconnectMaxMs/);
      expect(new PeerNetwork(base).nodeId).to.match(/^[0-9a-f]{32}$/);
    });

    it("stop() rejects pending requests and leaves no timers or sockets behind", async function () {
      const count = () => {
        const info = process.getActiveResourcesInfo();
        return {
          timers: info.filter((r) => r === "Timeout").length,
          sockets: info.filter((r) => r.startsWith("TCP")).length,
        };
      };
      await sleep(0); // mocha arms its own test timer after the synchronous start of the test
      const before = count();
      const a = await started({ nodeId: "node-a" });
      const b = await started({ nodeId: "node-b", peers: [urlOf(a)] });
      await waitFor(() => hasPeer(a, "node-b") && hasPeer(b, "node-a"), "A and B to connect");
      a.onRequest("hang", () => new Promise<never>(() => undefined));
      const pending = expectRejected(b.request("node-a", "hang", null));
      a.setStatus({ height: 1n, finalized: 1n });
      a.setStatus({ height: 2n, finalized: 1n }); // leaves a throttle timer armed
      await Promise.all([a.stop(), b.stop()]);
      expect((await pending).code).to.equal("P2P_NETWORK_STOPPED");
      expect(a.url).to.equal(null);
      await sleep(20);
      const after = count();
      expect(after.timers).to.be.at.most(before.timers);
      expect(after.sockets).to.be.at.most(before.sockets);
    });
  });

  describe("helpers", function () {
    it("SeenCache evicts the least recently used key", function () {
      const s = new SeenCache(2);
      expect(s.add("a")).to.equal(true);
      expect(s.add("b")).to.equal(true);
      expect(s.add("a")).to.equal(false); // a is now the most recent
      expect(s.add("c")).to.equal(true); // evicts b
      expect(s.has("a")).to.equal(true);
      expect(s.has("b")).to.equal(false);
      expect(s.size).to.equal(2);
    });

    it("parses advertised peers in hello and status: absent, null (unknown) or a list of node ids", function () {
      const hello = { chainId: "0x7", genesisHash: GENESIS, nodeId: "n", validator: null, height: "0x0", finalized: "0x0", protocolVersion: 1 };
      expect(parseHello(hello)).to.not.have.property("peers");
      expect(parseHello({ ...hello, peers: ["a", "b"], binary: 1 })).to.deep.include({ peers: ["a", "b"], binary: 1 });
      expect(parseHello({ ...hello, peers: "a" })).to.equal("hello: bad peers");
      expect(parseHello({ ...hello, binary: "1" })).to.equal("hello: bad binary");
      expect(parseStatus({ height: "0x1", finalized: "0x1", peers: null })).to.deep.equal({ height: 1n, finalized: 1n, peers: null });
      expect(parseStatus({ height: "0x1", finalized: "0x1", peers: ["ok", "not ok"] })).to.equal("status: bad peers");
      expect(parseStatus({ height: "0x1", finalized: "0x1", peers: Array.from({ length: 4097 }, (_, i) => `n${i}`) })).to.equal("status: bad peers");
    });

    it("backoffDelay grows exponentially, is capped, and jitters within [d/2, d]", function () {
      expect(backoffDelay(0, 250, 5000, () => 1)).to.equal(250);
      expect(backoffDelay(0, 250, 5000, () => 0)).to.equal(125);
      expect(backoffDelay(3, 250, 5000, () => 1)).to.equal(2000);
      expect(backoffDelay(10, 250, 5000, () => 1)).to.equal(5000);
      expect(backoffDelay(1000, 250, 5000, () => 0)).to.equal(2500);
    });
  });
});
