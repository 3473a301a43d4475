/**
 * `rpc.allowFrom`: a node whose RPC serves only the listed addresses (a product chain's nodes list the gateway), over
 * HTTP and WebSocket, with a 403 that says what to do; bad entries refused when the server starts.
 */
import { expect } from "chai";
import http from "node:http";
import WebSocket from "ws";
import { AllowList, AllowListError } from "../../../node/rpc/allowList";
import { RpcServerConfigError } from "../../../node/rpc/server";
import { resolveNodeConfig as parseNodeConfig } from "../../../node/config";
import { startMock, type Started } from "./helpers";

function postFrom(url: string, from: string): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", localAddress: from, headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("node/rpc allow-list (rpc.allowFrom)", function () {
  let s: Started;
  before(async () => {
    s = await startMock({ allowFrom: ["127.0.0.2", "127.0.5.0/24", "::1"] });
  });
  after(async () => s.server.close());

  it("serves listed addresses and ranges", async () => {
    expect((await postFrom(s.server.url, "127.0.0.2")).status).to.equal(200);
    expect((await postFrom(s.server.url, "127.0.5.77")).status).to.equal(200);
  });

  it("refuses others over HTTP with 403 and a message naming the address and the fix", async () => {
    const r = await postFrom(s.server.url, "127.0.0.1");
    expect(r.status).to.equal(403);
    expect(JSON.parse(r.body).error).to.match(/127\.0\.0\.1 is not in this node's RPC allow-list \(rpc\.allowFrom\); go through the gateway/);
    const metrics = await postFrom(s.server.url, "127.0.0.3");
    expect(metrics.status).to.equal(403);
  });

  it("refuses a WebSocket upgrade from others, accepts it from a listed address", async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(s.server.wsUrl, { localAddress: "127.0.0.1" });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => undefined);
    });
    expect(refused).to.equal(403);
    const ws = new WebSocket(s.server.wsUrl, { localAddress: "127.0.0.2" });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.close();
  });

  it("matches IPv4-mapped IPv6 addresses against IPv4 entries", () => {
    const list = new AllowList(["10.0.0.0/8"]);
    expect(list.allows("::ffff:10.1.2.3")).to.equal(true);
    expect(list.allows("::ffff:11.1.2.3")).to.equal(false);
    expect(list.allows(undefined)).to.equal(false);
  });

  it("refuses entries that are not addresses or ranges", async () => {
    expect(() => new AllowList(["10.0.0.0/33"])).to.throw(AllowListError, /bad prefix length \/33/);
    expect(() => new AllowList(["gateway.local"])).to.throw(AllowListError, /"gateway.local" is not an IP address or CIDR range/);
    let err: unknown;
    try {
      await startMock({ allowFrom: "127.0.0.1" as unknown as string[] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(RpcServerConfigError);
    expect(() => parseNodeConfig({ chainId: 1, dataDir: "/tmp/x", rpc: { allowFrom: [] } })).to.throw(/rpc\.allowFrom: expected a non-empty array/);
    expect(() => parseNodeConfig({ chainId: 1, dataDir: "/tmp/x", rpc: { allowFrom: ["1.2.3.4/40"] } })).to.throw(/bad prefix length/);
    expect(parseNodeConfig({ chainId: 1, dataDir: "/tmp/x", rpc: { allowFrom: ["127.0.0.1"] } }).rpc.allowFrom).to.deep.equal(["127.0.0.1"]);
    // the gateway's abuse reports on a gas-free node: the same kind of list
    expect(parseNodeConfig({ chainId: 1, dataDir: "/tmp/x", gasFree: { abuseReportsFrom: ["10.0.0.0/8"] } }).gasFree.abuseReportsFrom).to.deep.equal(["10.0.0.0/8"]);
    expect(() => parseNodeConfig({ chainId: 1, dataDir: "/tmp/x", gasFree: { abuseReportsFrom: ["gateway"] } })).to.throw(/gasFree\.abuseReportsFrom: "gateway" is not an IP address or CIDR range/);
  });
});
