/**
 * The signer behind and beside the gateway: a DApp authenticates with its gateway API key and secret (checked by the
 * gateway itself), transactions go out through the gateway's RPC URL; and a chain with fees (anvil): EIP-1559 fees
 * read from the node, paid by the user's wallet.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";
import { parseGatewayConfig, runGatewayConfig, type Gateway } from "../../../services/gateway";
import { gatewayAdmin } from "../../../ops/gateway/client";
import { createApiKey } from "../../../ops/gateway/createApiKey";
import { revokeApiKey } from "../../../ops/gateway/revokeApiKey";
import { parseSignerConfig } from "../../../services/signer/config";
import { runSigner, type RunningSigner } from "../../../services/signer";
import { silentLogger } from "../../../lib/log";
import { rpc } from "../../../lib/jsonRpc";
import { freePort, kill, startAnvil, type Proc } from "../anchor/processes";
import { TEST_PIN, freshToken } from "../../helpers/softhsm";
import { ADMIN_TOKEN, call, createDapp, devWallet, waitFinal } from "./harness";

const ANVIL_CHAIN = 31_337;
const GW_TOKEN = "gateway-admin-token-0123456789abcd";

describe("signer: gateway API keys as DApp credentials, sending through the gateway, a chain with fees (anvil)", function () {
  this.timeout(180_000);
  let dir: string;
  let anvil: Proc;
  let anvilUrl: string;
  let gw: Gateway;
  let signer: RunningSigner;
  let base: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-gw-"));
    const port = await freePort();
    anvil = await startAnvil("anvil-signer", port, ANVIL_CHAIN);
    anvilUrl = `http://127.0.0.1:${port}`;
    gw = await runGatewayConfig(parseGatewayConfig({ chains: [{ id: ANVIL_CHAIN, name: "eth", upstreams: [{ url: anvilUrl }] }], listen: { port: 0 }, store: { kind: "sqlite", path: ":memory:" } }, dir), { env: { GATEWAY_ADMIN_TOKEN: GW_TOKEN } });
    // the signer's own key for the chain: the gateway URL with a key of the platform
    const { key: platformKey } = await createApiKey(gatewayAdmin(gw.url, GW_TOKEN), { dapp: "platform", chains: [String(ANVIL_CHAIN)] });
    const config = parseSignerConfig({
      listen: { port: 0 },
      dataDir: path.join(dir, "signer"),
      hsm: { token: freshToken("gw"), pinEnv: "GW_TEST_PIN" },
      adminTokenEnv: "GW_TEST_ADMIN",
      chains: [{ id: ANVIL_CHAIN, name: "eth", rpcUrl: gw.rpcUrl(String(ANVIL_CHAIN), platformKey), gasFree: false }],
      gateway: { url: gw.url, adminTokenEnv: "GW_TEST_GATEWAY_TOKEN" },
      sender: { pollMs: 100 },
    });
    signer = await runSigner(config, { env: { GW_TEST_PIN: TEST_PIN, GW_TEST_ADMIN: ADMIN_TOKEN, GW_TEST_GATEWAY_TOKEN: GW_TOKEN }, logger: silentLogger });
    base = signer.url;
  });
  after(async () => {
    await signer?.close();
    await gw?.close();
    if (anvil) await kill(anvil);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a DApp's gateway key with its secret authenticates it; a wrong secret, a key without one, another DApp's key and a revoked key are refused", async () => {
    await createDapp(base, "gwshop");
    const admin = gatewayAdmin(gw.url, GW_TOKEN);
    const withSecret = await createApiKey(admin, { dapp: "gwshop", chains: [String(ANVIL_CHAIN)], secret: true });
    const noSecret = await createApiKey(admin, { dapp: "gwshop", chains: [String(ANVIL_CHAIN)] });
    const other = await createApiKey(admin, { dapp: "someone-else", chains: [String(ANVIL_CHAIN)], secret: true });
    const revoked = await createApiKey(admin, { dapp: "gwshop", chains: [String(ANVIL_CHAIN)], secret: true });
    await revokeApiKey(admin, { key: revoked.key });
    const open = (headers: Record<string, string>) => call(base, "POST", "/v1/dapps/gwshop/wallets", { body: { userId: "gw-user" }, headers });
    const ok = await open({ "x-api-key": withSecret.key, "x-key-secret": withSecret.secret! });
    expect(ok.status).to.equal(201);
    const wrong = await open({ "x-api-key": withSecret.key, "x-key-secret": "nope" });
    expect(wrong.status).to.equal(401);
    expect((wrong.body.error as { message: string }).message).to.match(/wrong secret/);
    expect(((await open({ "x-api-key": withSecret.key })).body.error as { message: string }).message).to.match(/X-Key-Secret/);
    expect(((await open({ "x-api-key": noSecret.key, "x-key-secret": "x" })).body.error as { message: string }).message).to.match(/has no secret/);
    const foreign = await open({ "x-api-key": other.key, "x-key-secret": other.secret! });
    expect(foreign.status).to.equal(403);
    expect((foreign.body.error as { message: string }).message).to.match(/belongs to the DApp "someone-else"/);
    expect(((await open({ "x-api-key": revoked.key, "x-key-secret": revoked.secret! })).body.error as { message: string }).message).to.match(/revoked/);
    expect(((await open({ "x-api-key": "0123456789abcdef0123456789abcdef", "x-key-secret": "x" })).body.error as { code: string }).code).to.equal("SIGNER_AUTH");
  });

  it("on a chain with fees, signs EIP-1559 transactions with the node's fees, sent through the gateway, paid by the user's wallet", async () => {
    const key = await createDapp(base, "feeshop");
    const w = await call<{ address: string }>(base, "POST", "/v1/dapps/feeshop/wallets", { key, body: { userId: "payer" } });
    const provider = new JsonRpcProvider(anvilUrl, ANVIL_CHAIN, { staticNetwork: true });
    try {
      const poor = await call(base, "POST", "/v1/dapps/feeshop/transactions", { key, body: { userId: "payer", template: "native", params: { to: devWallet(3).address, value: "1000" } } });
      expect(poor.status).to.equal(422); // no coin for the value and the gas: refused before signing
      expect(poor.body.error).to.deep.include({ code: "SIGNER_INSUFFICIENT_FUNDS" });
      await (await new Wallet(devWallet(0).privateKey, provider).sendTransaction({ to: w.body.address, value: parseEther("1") })).wait();
      // read balances straight from the node (ethers' provider answers a repeated request from its 250 ms cache)
      const balance = async (a: string) => BigInt(await rpc<string>(anvilUrl, "eth_getBalance", [a, "latest"]));
      const before = await balance(devWallet(3).address);
      const r = await call<{ id: string; hash: string; nonce: number }>(base, "POST", "/v1/dapps/feeshop/transactions", { key, body: { userId: "payer", template: "native", params: { to: devWallet(3).address, value: "1000" } } });
      expect(r.status).to.equal(201);
      expect(r.body.nonce).to.equal(0);
      expect((await waitFinal(base, "feeshop", key, r.body.id)).status).to.equal("included");
      const tx = await provider.getTransaction(r.body.hash);
      expect(tx!.type).to.equal(2);
      expect(tx!.maxFeePerGas! > 0n).to.equal(true);
      const receipt = await provider.getTransactionReceipt(r.body.hash);
      expect(await balance(devWallet(3).address)).to.equal(before + 1000n);
      expect(await balance(w.body.address)).to.equal(parseEther("1") - 1000n - receipt!.gasUsed * receipt!.gasPrice);
      // the transaction went through the gateway: it is in the platform key's request log
      await gw.flushLog();
      const traffic = await gatewayAdmin(gw.url, GW_TOKEN).request<{ requests: number }>("GET", "/analytics?dapp=platform&method=eth_sendRawTransaction");
      expect(traffic.requests).to.be.greaterThan(0);
    } finally {
      provider.destroy();
    }
  });
});
