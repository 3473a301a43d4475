/**
 * The gateway's tasks against a running gateway (in this process, in front of the node's RPC server on an in-memory
 * chain): keys created, listed, shown, updated, rotated and revoked through the admin API; traffic; bad arguments.
 */
import { expect } from "chai";
import { startMock, type Started } from "../node/rpc/helpers";
import { CHAIN_ID } from "../node/rpc/backend";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../services/gateway/harness";
import { expectTaskError, runTask } from "../helpers/tasks";

describe("tasks: gateway:*", function () {
  let node: Started;
  let g: TestGateway;
  let base: { gateway: string; tokenEnv: string };
  const saved = process.env.GATEWAY_ADMIN_TOKEN;

  before(async () => {
    node = await startMock();
    g = await startTestGateway({ config: { chains: [{ id: Number(CHAIN_ID), name: "main", upstreams: [{ url: node.server.url }] }] } });
    process.env.TEST_GATEWAY_TOKEN = ADMIN_TOKEN;
    base = { gateway: g.gw.url, tokenEnv: "TEST_GATEWAY_TOKEN" };
  });
  after(async () => {
    await g.close();
    await node.server.close();
    delete process.env.TEST_GATEWAY_TOKEN;
    if (saved !== undefined) process.env.GATEWAY_ADMIN_TOKEN = saved;
  });

  it("creates a key with a secret, allow-lists and limits, and prints its URL and secret once", async () => {
    const { result, out } = await runTask("gateway:key:create", { ...base, dapp: "shop", chains: "main", methods: "eth_chainId,eth_call", rps: "50", cuPerDay: "5000000", secret: true });
    const k = result as { key: string; secret: string; chains: string[]; methods: string[]; limits: { requestsPerSecond: number; cuPerDay: number } };
    expect(k.chains).to.deep.equal([String(CHAIN_ID)]);
    expect(k.methods).to.deep.equal(["eth_chainId", "eth_call"]);
    expect(k.limits).to.include({ requestsPerSecond: 50, cuPerDay: 5_000_000 });
    expect(k.secret).to.match(/^[0-9a-f]{64}$/);
    expect(out).to.contain(`${g.gw.url}/v1/${CHAIN_ID}/${k.key}`);
    expect(out).to.match(/secret +[0-9a-f]{64} +\(shown once/);
    // the key works at once, with its secret
    const res = await fetch(g.gw.rpcUrl("main", k.key), { method: "POST", headers: { "content-type": "application/json", "x-key-secret": k.secret }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });
    expect(res.status).to.equal(200);
  });

  it("lists, shows with usage, updates, rotates and revokes", async () => {
    const { result: created } = await runTask("gateway:key:create", { ...base, dapp: "life", chains: String(CHAIN_ID) });
    const key = (created as { key: string }).key;
    const { out: listed } = await runTask("gateway:key:list", { ...base, dapp: "life" });
    expect(listed).to.contain(key);
    const { out: shown } = await runTask("gateway:key:show", { ...base, key });
    expect(shown).to.match(/usage +\{/);
    const { result: updated } = await runTask("gateway:key:update", { ...base, key, rps: "none", contracts: "0x" + "ab".repeat(20) });
    expect((updated as { limits: { requestsPerSecond: number | null }; contracts: string[] }).limits.requestsPerSecond).to.equal(null);
    expect((updated as { contracts: string[] }).contracts).to.deep.equal(["0x" + "ab".repeat(20)]);
    const { result: rotated, out } = await runTask("gateway:key:rotate", { ...base, key });
    const next = (rotated as { key: string; replaces: string }).key;
    expect((rotated as { replaces: string }).replaces).to.equal(key);
    expect(out).to.contain(`replaces   ${key} (revoked)`);
    const old = await fetch(g.gw.rpcUrl("main", key), { method: "POST", body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    expect(old.status).to.equal(401);
    expect(((await old.json()) as { error: { message: string } }).error.message).to.match(/it was rotated: use the DApp's new key/);
    await runTask("gateway:key:revoke", { ...base, key: next });
    const gone = await fetch(g.gw.rpcUrl("main", next), { method: "POST", body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    expect(gone.status).to.equal(401);
  });

  it("prints traffic of a window", async () => {
    const { result: created } = await runTask("gateway:key:create", { ...base, dapp: "busy", chains: "main" });
    const key = (created as { key: string }).key;
    for (let i = 0; i < 3; i++) await fetch(g.gw.rpcUrl("main", key), { method: "POST", body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    await g.gw.flushLog();
    const { result, out } = await runTask("gateway:traffic", { ...base, since: "15m", key });
    expect((result as { requests: number }).requests).to.equal(3);
    expect(out).to.match(/requests 3 +errors 0/);
    expect(out).to.match(/methods +eth_chainId 3/);
    expect(out).to.match(new RegExp(`keys +${key} 3 \\(errors 0`));
    expect(out).to.match(/dapps +busy 3 \(errors 0/);
  });

  it("refuses bad arguments with messages that say what to write", async () => {
    await expectTaskError(runTask("gateway:key:create", { ...base, dapp: "x", chains: "any" }), /--chains cannot be "any"/);
    await expectTaskError(runTask("gateway:key:create", { ...base, dapp: "x", chains: "main", rps: "fast" }), /--rps must be an integer >= 1 or "none", got "fast"/);
    await expectTaskError(runTask("gateway:key:create", { ...base, dapp: "x", chains: "nowhere" }), /gateway refused POST \/keys \(HTTP 400\): chains: this gateway serves no chain "nowhere"/);
    await expectTaskError(runTask("gateway:key:create", { ...base, dapp: "Bad Name", chains: "main" }), /dapp: expected a DApp name of lowercase letters/);
    await expectTaskError(runTask("gateway:key:create", { ...base, dapp: "x", chains: "main", contracts: "0x12" }), /--contracts/);
    await expectTaskError(runTask("gateway:key:show", { ...base, key: "0".repeat(32) }), /HTTP 404\): no API key 0{32}/);
    await expectTaskError(runTask("gateway:key:update", { ...base, key: "0".repeat(32) }), /nothing to change/);
    await expectTaskError(runTask("gateway:traffic", { ...base, since: "yesterday" }), /--since must be a duration such as 15m/);
    await expectTaskError(runTask("gateway:key:list", { ...base, tokenEnv: "NO_SUCH_TOKEN_VARIABLE" }), /the admin token is not set: export NO_SUCH_TOKEN_VARIABLE=/);
    process.env.WRONG_TOKEN = "not-the-token-at-all";
    await expectTaskError(runTask("gateway:key:list", { ...base, tokenEnv: "WRONG_TOKEN" }), /HTTP 401\): admin API: send the admin token/);
    await expectTaskError(runTask("gateway:key:list", { ...base, gateway: "http://127.0.0.1:1" }), /gateway http:\/\/127\.0\.0\.1:1 is not reachable: .*is it running/);
    await expectTaskError(runTask("gateway:key:list", { ...base, gateway: "ftp://x" }), /is not an http\(s\) URL/);
    await expectTaskError(runTask("gateway:start", { gatewayConfig: "/no/such/gateway.json" }), /cannot read gateway config file \/no\/such\/gateway.json/);
  });
});
