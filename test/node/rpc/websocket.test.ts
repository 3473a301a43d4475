/**
 * JSON-RPC over WebSocket on the HTTP port: framing errors, size limits, batches, subscriptions (newHeads, logs
 * with filters), unsubscribe, clean-up when a socket closes, and shutdown with clients connected.
 */
import { expect } from "chai";
import WebSocket from "ws";
import { CHAIN_ID, GAS_PRICE, RECIPIENT, SENDER, SLOW, TOKEN, TRANSFER_TOPIC } from "./backend";
import { result, startMock, WsClient, type Started } from "./helpers";

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)$`, "m"));
  if (!m) throw new Error(`${name} missing from /metrics`);
  return Number(m[1]);
}

describe("node/rpc JSON-RPC over WebSocket", function () {
  let s: Started;
  let c: WsClient;

  before(async function () {
    s = await startMock({ maxRequestBytes: 32 * 1024, maxBatch: 10 });
    c = await WsClient.open(s.server.wsUrl);
  });

  after(async function () {
    await c.close();
    await s.server.close();
  });

  it("answers a request on the same port as HTTP", async function () {
    const res = await c.request("eth_chainId", [], 11);
    expect(res).to.deep.equal({ jsonrpc: "2.0", id: 11, result: `0x${CHAIN_ID.toString(16)}` });
  });

  it("answers an invalid frame with -32700 and keeps the connection", async function () {
    c.send("this is not json");
    const res = await c.next();
    expect(res.id).to.equal(null);
    expect(res.error.code).to.equal(-32700);
    expect((await c.request("eth_blockNumber")).result).to.equal(`0x${s.backend.blockNumber().toString(16)}`);
  });

  it("reads binary frames as UTF-8 JSON", async function () {
    c.ws.send(Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 12, method: "net_version" })), { binary: true });
    expect((await c.next()).result).to.equal(CHAIN_ID.toString());
  });

  it("answers a message over maxRequestBytes with -32600 and keeps the connection", async function () {
    c.send(JSON.stringify({ jsonrpc: "2.0", id: 13, method: "eth_call", params: [{ to: TOKEN, data: `0x${"ab".repeat(20_000)}` }] }));
    const res = await c.next();
    expect(res.error.code).to.equal(-32600);
    expect(res.error.message).to.match(/^request too large \(\d+ bytes > limit 32768\)$/);
    expect((await c.request("eth_chainId")).result).to.equal(`0x${CHAIN_ID.toString(16)}`);
  });

  it("closes a socket that sends a message far over the limit, and the server keeps serving", async function () {
    const rude = await WsClient.open(s.server.wsUrl);
    rude.send(`"${"x".repeat(100_000)}"`);
    expect(await rude.closed).to.equal(1009);
    expect((await c.request("eth_chainId")).result).to.equal(`0x${CHAIN_ID.toString(16)}`);
  });

  it("answers batches in request order and the batch limits as over HTTP", async function () {
    c.send([
      { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      { jsonrpc: "2.0", method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: 2, method: "eth_nope" },
    ]);
    const batch = await c.next();
    expect(batch.map((r: { id: number }) => r.id)).to.deep.equal([1, 2]);
    expect(batch[1].error.code).to.equal(-32601);
    c.send("[]");
    expect((await c.next()).error.code).to.equal(-32600);
    c.send(Array.from({ length: 11 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_chainId" })));
    expect((await c.next()).error.message).to.match(/^batch too large/);
  });

  it("sends nothing back for notifications", async function () {
    c.send({ jsonrpc: "2.0", method: "eth_chainId" });
    c.send([{ jsonrpc: "2.0", method: "eth_chainId" }]);
    expect(await c.nothingWithin(150)).to.equal(true);
  });

  it("notifies newHeads with the header until eth_unsubscribe", async function () {
    const sub = (await c.request("eth_subscribe", ["newHeads"])).result as string;
    expect(sub).to.match(/^0x[0-9a-f]{32}$/);
    const block = s.backend.mine();
    const note = await c.next();
    expect(note.method).to.equal("eth_subscription");
    expect(note.params.subscription).to.equal(sub);
    expect(note.params.result.hash).to.equal(block.hash);
    expect(note.params.result.number).to.equal(block.number);
    expect(note.params.result).to.not.have.property("transactions");
    expect((await c.request("eth_unsubscribe", [sub])).result).to.equal(true);
    s.backend.mine();
    expect(await c.nothingWithin(150)).to.equal(true);
    expect((await c.request("eth_unsubscribe", [sub])).result).to.equal(false);
  });

  it("holds notifications of a new subscription until its eth_subscribe answer is sent", async function () {
    s.backend.slowMs = 200;
    c.send([
      { jsonrpc: "2.0", id: 21, method: "eth_subscribe", params: ["newHeads"] },
      { jsonrpc: "2.0", id: 22, method: "eth_call", params: [{ to: SLOW }] },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    const block = s.backend.mine(); // while the batch is still waiting for the slow call
    const answer = await c.next();
    expect(answer.map((r: { id: number }) => r.id)).to.deep.equal([21, 22]);
    const note = await c.next();
    expect(note.params.subscription).to.equal(answer[0].result);
    expect(note.params.result.hash).to.equal(block.hash);
    expect((await c.request("eth_unsubscribe", [answer[0].result])).result).to.equal(true);
  });

  it("notifies each matching log once, filtered by address and topics", async function () {
    const matching = (await c.request("eth_subscribe", ["logs", { address: TOKEN, topics: [TRANSFER_TOPIC] }])).result as string;
    const otherAddress = (await c.request("eth_subscribe", ["logs", { address: RECIPIENT }])).result as string;
    const otherTopic = (await c.request("eth_subscribe", ["logs", { topics: [`0x${"77".repeat(32)}`] }])).result as string;
    const nonce = await s.backend.getTransactionCount(SENDER.address.toLowerCase() as `0x${string}`, "pending");
    const raw = await SENDER.signTransaction({ type: 2, chainId: CHAIN_ID, nonce: Number(nonce), to: TOKEN, gasLimit: 50_000n, maxFeePerGas: 2n * GAS_PRICE, maxPriorityFeePerGas: 1n });
    const hash = (await c.request("eth_sendRawTransaction", [raw])).result;
    s.backend.mine();
    const note = await c.next();
    expect(note.params.subscription).to.equal(matching);
    expect(note.params.result.transactionHash).to.equal(hash);
    expect(note.params.result.address).to.equal(TOKEN);
    expect(await c.nothingWithin(150)).to.equal(true);
    for (const id of [matching, otherAddress, otherTopic]) expect((await c.request("eth_unsubscribe", [id])).result).to.equal(true);
  });

  it("refuses unknown subscription kinds and range fields in a logs subscription", async function () {
    const unknown = await c.request("eth_subscribe", ["newPendingTransactions"]);
    expect(unknown.error.code).to.equal(-32602);
    expect(unknown.error.message).to.match(/unsupported subscription "newPendingTransactions"/);
    const ranged = await c.request("eth_subscribe", ["logs", { fromBlock: "0x0" }]);
    expect(ranged.error.code).to.equal(-32602);
    expect(ranged.error.message).to.match(/field "fromBlock" is not supported in a logs subscription/);
    const missing = await c.request("eth_subscribe", []);
    expect(missing.error.message).to.equal("missing value for required argument 0");
  });

  it("does not let one connection cancel another's subscription", async function () {
    const other = await WsClient.open(s.server.wsUrl);
    try {
      const sub = (await other.request("eth_subscribe", ["newHeads"])).result as string;
      expect((await c.request("eth_unsubscribe", [sub])).result).to.equal(false);
      s.backend.mine();
      expect((await other.next()).params.subscription).to.equal(sub);
    } finally {
      await other.close();
    }
  });

  it("removes a connection's subscriptions when its socket closes", async function () {
    const before = await metricValue(s.server.url, "luniverse_rpc_subscriptions");
    const other = await WsClient.open(s.server.wsUrl);
    await other.request("eth_subscribe", ["newHeads"]);
    await other.request("eth_subscribe", ["logs", {}]);
    expect(await metricValue(s.server.url, "luniverse_rpc_subscriptions")).to.equal(before + 2);
    await other.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await metricValue(s.server.url, "luniverse_rpc_subscriptions")).to.equal(before);
    s.backend.mine(); // nothing is sent to the closed socket
    expect((await c.request("eth_chainId")).result).to.equal(`0x${CHAIN_ID.toString(16)}`);
  });

  it("keeps serving HTTP and WebSocket after all of the above", async function () {
    expect(await result(s.server.url, "eth_chainId")).to.equal(`0x${CHAIN_ID.toString(16)}`);
    expect((await c.request("eth_blockNumber")).result).to.equal(`0x${s.backend.blockNumber().toString(16)}`);
  });

  it("closes connected clients (1001) and frees the backend's listeners on close()", async function () {
    const own = await startMock();
    const client = await WsClient.open(own.server.wsUrl);
    await client.request("eth_subscribe", ["newHeads"]);
    expect(own.backend.listenerCount("newHead")).to.equal(1);
    await own.server.close();
    expect(await client.closed).to.equal(1001);
    expect(own.backend.listenerCount("newHead")).to.equal(0);
    expect(own.backend.listenerCount("logs")).to.equal(0);
    const refused = new WebSocket(own.server.wsUrl);
    const failed = await new Promise<boolean>((resolve) => {
      refused.once("error", () => resolve(true));
      refused.once("open", () => resolve(false));
    });
    expect(failed).to.equal(true);
  });
});
