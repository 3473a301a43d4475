import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, ZeroHash, getAddress, parseEther } from "ethers";
import { devWallet, devnetProductOwners, ROLES } from "../../devnet/config";
import { connectContract } from "../../ops/contracts";
import type { ReconciliationRow } from "../../lib/indexerApi";
import { freeRange } from "../helpers/net";
import { alive, childPids, killGroups } from "../helpers/processes";
import type { DevnetState } from "../../devnet/state";
import type { DemoResult } from "../../devnet/demo";

const ROOT = path.resolve(__dirname, "../..");
const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js");

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

interface Devnet {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * One devnet run shared by the `it`s: one main-chain validator and the product chain's four node owners
 * (`--product-validators 4`, the heavier product chain; the default single product validator is covered by the unit
 * tests of devnet/config.ts and by the package test, which builds its product chain).
 */
describe("devnet:up end to end (one main validator, four product-chain node owners, real processes)", function () {
  this.timeout(300_000);
  let dir: string;
  const used = new Set<number>();
  let ports: { main: number; product: number; ethereum: number; p2p: number; metrics: number; gateway: number; indexer: number; console: number; signer: number };
  const started: Devnet[] = [];
  const seenChildren = new Set<number>();
  let state: DevnetState;
  let heightAtStop = 0;

  function startDevnet(): Devnet {
    const args = [
      HARDHAT, "devnet:up", "--data-dir", dir,
      "--main-port", String(ports.main), "--product-port", String(ports.product), "--ethereum-port", String(ports.ethereum),
      "--p2p-port", String(ports.p2p), "--metrics-port", String(ports.metrics), "--gateway-port", String(ports.gateway),
      "--indexer-port", String(ports.indexer), "--console-port", String(ports.console), "--signer-port", String(ports.signer),
      "--product-validators", "4",
    ];
    const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
    const d = { proc, output: () => out, exited };
    started.push(d);
    return d;
  }

  async function waitForOutput(d: Devnet, pattern: RegExp, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!pattern.test(d.output())) {
      if (d.proc.exitCode !== null) throw new Error(`devnet exited (${d.proc.exitCode}) before ${pattern}:\n${d.output().slice(-4000)}`);
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${pattern}:\n${d.output().slice(-4000)}`);
      // remember the supervised processes while they run, so after() can clean up even on failure
      for (const p of childPids(d.proc.pid!)) seenChildren.add(p);
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const p of childPids(d.proc.pid!)) seenChildren.add(p);
  }

  /** SIGINT, then: exit code 0 and every child gone. */
  async function interrupt(d: Devnet): Promise<void> {
    const children = childPids(d.proc.pid!);
    expect(children.length, "supervised processes: 1 main node, 4 product nodes, anvil, 6 relayers, 2 anchoring, the gateway, the indexer, the console, the signer").to.equal(18);
    d.proc.kill("SIGINT");
    const code = await Promise.race([d.exited, new Promise<string>((r) => setTimeout(() => r("timeout"), 60_000))]);
    expect(code, d.output().slice(-2000)).to.equal(0);
    expect(d.output()).to.match(/stopped; every child process has exited/);
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).to.equal(false);
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-devnet-"));
    ports = {
      main: await freeRange(1, used),
      product: await freeRange(4, used),
      ethereum: await freeRange(1, used),
      p2p: await freeRange(5, used),
      metrics: await freeRange(8, used),
      gateway: await freeRange(1, used),
      indexer: await freeRange(1, used),
      console: await freeRange(1, used),
      signer: await freeRange(1, used),
    };
  });

  after(async () => {
    for (const d of started) if (d.proc.exitCode === null) d.proc.kill("SIGKILL");
    killGroups(seenChildren);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts from nothing, prints the table, and the three chains answer with their chain ids", async () => {
    const d = startDevnet();
    await waitForOutput(d, /DEVNET READY/, 240_000);
    const out = d.output();
    expect(out).to.contain(`http://127.0.0.1:${ports.main}`);
    for (let i = 0; i < 4; i++) expect(out).to.match(new RegExp(`product chain \\(gas-free\\), node ${i + 1}\\s+3001\\s+http://127\\.0\\.0\\.1:${ports.product + i}`));
    expect(out).to.match(/Ethereum \(anvil\)\s+1337/);
    expect(out).to.contain(devWallet(ROLES.user).address);
    expect(out).to.match(/sample pair id\s+0x[0-9a-f]{64}/);
    expect(await rpc(`http://127.0.0.1:${ports.main}`, "eth_chainId")).to.equal("0x7e2");
    expect(await rpc(`http://127.0.0.1:${ports.product}`, "eth_chainId")).to.equal("0xbb9");
    expect(await rpc(`http://127.0.0.1:${ports.ethereum}`, "eth_chainId")).to.equal("0x539");
    const status = (await rpc(`http://127.0.0.1:${ports.product}`, "luniverse_status")) as { gasFree: boolean; finalizedHeight: string };
    expect(status.gasFree).to.equal(true);
    state = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as DevnetState;
    // the gateway in front of every chain, the development DApp's key in the printed URLs
    const key = state.gateway!.devKey;
    expect(key).to.match(/^[0-9a-f]{32}$/);
    expect(out).to.contain(`http://127.0.0.1:${ports.gateway}/v1/2018/${key}`);
    expect(out).to.contain(`http://127.0.0.1:${ports.gateway}/admin/v1`);
    expect(await rpc(`http://127.0.0.1:${ports.gateway}/v1/2018/${key}`, "eth_chainId")).to.equal("0x7e2");
    expect(await rpc(`http://127.0.0.1:${ports.gateway}/v1/product/${key}`, "eth_chainId")).to.equal("0xbb9");
    expect(await rpc(`http://127.0.0.1:${ports.gateway}/v1/1337/${key}`, "eth_chainId")).to.equal("0x539");
    // the web console and the indexer's API behind it
    expect(out).to.match(new RegExp(`web console\\s+http://127\\.0\\.0\\.1:${ports.console}`));
    const page = await fetch(`http://127.0.0.1:${ports.console}/`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.match(/<div id="root">/);
    const chains = (await (await fetch(`http://127.0.0.1:${ports.indexer}/api/v1/chains`)).json()) as { chainId: number }[];
    expect(chains.map((c) => c.chainId).sort()).to.deep.equal([1337, 2018, 3001]);
    expect(state.sample?.pairId).to.match(/^0x[0-9a-f]{64}$/);
    expect(state.anchoring?.phase2Registry).to.match(/^0x[0-9a-fA-F]{40}$/);
    // the main-chain manifest @luniverse/contracts ships (npm run package:deployments) holds the addresses this devnet
    // wrote; its devnet-product manifest is the default single-validator product chain's (the package test rebuilds it)
    const addresses = (file: string) =>
      Object.fromEntries(Object.entries((JSON.parse(readFileSync(file, "utf8")) as { contracts: Record<string, { address: string; implementation?: string }> }).contracts).map(([k, c]) => [k, [c.address, c.implementation]]));
    expect(addresses(path.join(dir, "deployments", "luniverse.json")), "package/deployments/devnet-main.json").to.deep.equal(addresses(path.join(ROOT, "package", "deployments", "devnet-main.json")));
  });

  it("--product-validators 4: the four node owners validate the product chain, 3 of 4 finalise, the chain is registered on main, the relayers carry owner swaps", async () => {
    const owners = devnetProductOwners().map((a) => a.toLowerCase());
    // four product nodes peered with each other, each validating with its own owner key
    for (let i = 0; i < 4; i++) {
      const url = `http://127.0.0.1:${ports.product + i}`;
      const st = (await rpc(url, "luniverse_status")) as { chainId: string; validator: string | null; peers: number; gasFree: boolean };
      expect(st.chainId, url).to.equal("0xbb9");
      expect(st.validator, `product node ${i + 1} signs as owner ${i + 1}`).to.equal(owners[i]);
      expect(st.peers, `product node ${i + 1}'s peers`).to.equal(3);
      const config = JSON.parse(readFileSync(path.join(dir, "nodes", `product-${i + 1}.json`), "utf8")) as { validator: unknown; p2p: { peers: string[] } };
      expect(config.validator).to.deep.equal({ privateKeyEnv: "LUNIVERSE_DEVNET_VALIDATOR_KEY" });
      expect(config.p2p.peers).to.have.length(3);
    }
    const product = `http://127.0.0.1:${ports.product}`;
    expect(((await rpc(product, "luniverse_validators")) as string[]).map((a) => a.toLowerCase()).sort()).to.deep.equal([...owners].sort());
    const head = Number(await rpc(product, "eth_blockNumber"));
    const finality = (await rpc(`http://127.0.0.1:${ports.product + 3}`, "luniverse_getFinality", ["0x" + (head - 2).toString(16)])) as { final: boolean; threshold: number; validators: string[]; signatures: { validator: string }[] };
    expect(finality.final).to.equal(true);
    expect(finality.threshold, "floor(2·4/3) + 1").to.equal(3);
    expect(finality.signatures.length).to.be.at.least(3);
    for (const sig of finality.signatures) expect(owners).to.include(sig.validator.toLowerCase());

    const main = new JsonRpcProvider(`http://127.0.0.1:${ports.main}`, 2018, { staticNetwork: true });
    const productProvider = new JsonRpcProvider(product, 3001, { staticNetwork: true });
    try {
      // registered on the main chain by the consortium partner (account 0), with the four owners
      const record = await connectContract("ProductChainRegistry", state.main!.ProductChainRegistry!, main).getChain(3001);
      expect(record.status, "Active").to.equal(1n);
      expect(record.nodeOwners.map((a) => a.toLowerCase())).to.deep.equal(owners);
      expect(record.consortiumPartner).to.equal(devWallet(ROLES.deployer).address);
      expect(record.productDeveloper).to.equal(devWallet(ROLES.productDeveloper).address);
      expect(record.ownersNonce).to.equal(0n);
      // NodeOwnerSync counts the signers of the bridge the relayers sign for, may apply swaps to the validator set and
      // belongs to the product chain's governance
      const sync = connectContract("NodeOwnerSync", state.product!.NodeOwnerSync!, productProvider);
      expect(getAddress(await sync.signerSource())).to.equal(getAddress(state.product!.ProductBridge!));
      expect(await sync.lastAppliedNonce()).to.equal(0n);
      const genesis = JSON.parse(readFileSync(path.join(dir, "genesis", "product.json"), "utf8")) as { luniverse: { deployment: { contracts: Record<string, { address: string }> } } };
      const c = genesis.luniverse.deployment.contracts;
      const validatorSet = connectContract("ValidatorSet", c.ValidatorSet!.address, productProvider);
      expect(await validatorSet.hasRole(await validatorSet.GOVERNANCE_ROLE(), await sync.getAddress())).to.equal(true);
      expect(await sync.hasRole(ZeroHash, c.LuniverseTimelock!.address), "DEFAULT_ADMIN_ROLE with the product chain's timelock").to.equal(true);
      expect(await sync.hasRole(ZeroHash, devWallet(ROLES.deployer).address), "the deployer kept no role").to.equal(false);
      // the relayers find it (deployments/luniverseProduct.json records it as well) and carry the swaps
      const manifest = JSON.parse(readFileSync(path.join(dir, "deployments", "luniverseProduct.json"), "utf8")) as { contracts: Record<string, { address: string }> };
      expect(manifest.contracts.NodeOwnerSync?.address).to.equal(state.product!.NodeOwnerSync);
      for (let n = 1; n <= 6; n++) {
        const log = readFileSync(path.join(dir, "logs", `relayer-${n}.log`), "utf8");
        expect(log, `relayer-${n}`).to.match(new RegExp(`carrying node-owner swaps.*"ownerSync":"${state.product!.NodeOwnerSync!}"`, "i"));
      }
    } finally {
      main.destroy();
      productProvider.destroy();
    }
  });

  it("keys in SoftHSM2: validator 1 finalises with its key in the token, relayers and anchorers sign there, and the signer serves wallets", async () => {
    // the validator's config names a key in the token, not a private key; the chain finalises with its signature
    const nodeConfig = JSON.parse(readFileSync(path.join(dir, "nodes", "main-1.json"), "utf8")) as { validator: unknown };
    expect(nodeConfig.validator).to.deep.equal({ pkcs11: { token: "devnet", key: "validator-1", pinEnv: "HSM_PIN" } });
    const head = Number(await rpc(`http://127.0.0.1:${ports.main}`, "eth_blockNumber"));
    const finality = (await rpc(`http://127.0.0.1:${ports.main}`, "luniverse_getFinality", ["0x" + head.toString(16)])) as { signatures: { validator: string }[] };
    expect(finality.signatures.map((s) => s.validator.toLowerCase())).to.deep.equal([devWallet(ROLES.validators[0]!).address.toLowerCase()]);
    // the relayers and anchorers run with --hsm-token (the demo below proves the relayers' signatures count)
    const cmdlines = childPids(started[0]!.proc.pid!).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        return "";
      }
    });
    expect(cmdlines.filter((c) => /services\/relayer\/main\.ts .*--hsm-token devnet/.test(c))).to.have.length(6);
    expect(cmdlines.filter((c) => /devnet\/anchorMain\.ts .*--hsm-token devnet --hsm-key anchor-phase/.test(c))).to.have.length(2);
    expect(cmdlines.some((c) => /keystore/.test(c))).to.equal(false);
    // the signer: a DApp, a user's wallet, a transaction on the gas-free product chain, its audit log anchored on the main chain
    const signer = `http://127.0.0.1:${ports.signer}`;
    const admin = readFileSync(path.join(dir, "signer", "admin-token"), "utf8").trim();
    const post = async (p: string, key: string, body: unknown) => {
      const res = await fetch(signer + p, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const dapp = await post("/v1/admin/dapps", admin, { id: "devnet-test" });
    expect(dapp.status).to.equal(201);
    const key = dapp.body.serviceKey as string;
    const wallet = await post("/v1/dapps/devnet-test/wallets", key, { userId: "user@example.com" });
    expect(wallet.status).to.equal(201);
    const tx = await post("/v1/dapps/devnet-test/transactions", key, { userId: "user@example.com", chainId: 3001, template: "approve", params: { token: state.sample!.productToken, spender: state.product!.ProductBridge, amount: "1000" } });
    expect(tx.status, JSON.stringify(tx.body)).to.equal(201);
    const deadline = Date.now() + 60_000;
    let view: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      view = (await (await fetch(`${signer}/v1/dapps/devnet-test/transactions/${tx.body.id as string}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, unknown>;
      if (view.status === "included") break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(view.status, JSON.stringify(view)).to.equal("included");
    let verify: { ok: boolean; lastAnchor: { end_seq: number } | null } = { ok: false, lastAnchor: null };
    while (Date.now() < deadline + 30_000) {
      verify = (await (await fetch(`${signer}/v1/admin/audit/verify`, { headers: { authorization: `Bearer ${admin}` } })).json()) as typeof verify;
      if (verify.lastAnchor !== null) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(verify.ok).to.equal(true);
    expect(verify.lastAnchor, "the audit log anchored in the main chain's AnchorRegistry").to.not.equal(null);
  });

  it("npm run demo: 500 behind A (1:1) and 500 behind B (1:2) mint 500 A and 1,000 B after 4 of 6, and redeem back", async () => {
    const demo = spawnSync(process.execPath, [HARDHAT, "devnet:demo", "--data-dir", dir], { cwd: ROOT, encoding: "utf8", timeout: 180_000, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } });
    expect(demo.status, demo.stdout + demo.stderr).to.equal(0);
    expect(demo.stdout).to.match(/4 of 6 signers confirmed/);
    const result = JSON.parse(/DEMO OK (.*)/.exec(demo.stdout)![1]!) as DemoResult;
    const minted = result.steps.find((s) => s.step === "minted")!.balances;
    expect(minted).to.deep.include({ cpMain: "0.0", lockedA: "500.0", lockedB: "500.0", userA: "500.0", userB: "1000.0" });
    const released = result.steps.find((s) => s.step === "released")!.balances;
    expect(released).to.deep.include({ cpMain: "1000.0", lockedA: "0.0", lockedB: "0.0", userA: "0.0", userB: "0.0" });
    // the demo went through the gateway: its requests are in the development key's analytics
    const token = readFileSync(path.join(dir, "gateway", "admin-token"), "utf8").trim();
    const traffic = async (q: string) => (await (await fetch(`http://127.0.0.1:${ports.gateway}/admin/v1/analytics?key=${state.gateway!.devKey}${q}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { requests: number; errors: number };
    expect((await traffic("")).requests).to.be.greaterThan(50);
    expect((await traffic("&method=eth_sendRawTransaction")).requests, "transactions sent through the gateway").to.be.greaterThan(5);
    // and on chain, independently of the demo's own report
    const main = new JsonRpcProvider(`http://127.0.0.1:${ports.main}`, 2018, { staticNetwork: true });
    const product = new JsonRpcProvider(`http://127.0.0.1:${ports.product}`, 3001, { staticNetwork: true });
    try {
      const erc20 = ["function balanceOf(address) view returns (uint256)", "function totalSupply() view returns (uint256)"];
      expect(await new Contract(result.mainToken, erc20, main).getFunction("balanceOf")(devWallet(ROLES.deployer).address)).to.equal(parseEther("1000"));
      expect(await new Contract(result.productTokenA, erc20, product).getFunction("totalSupply")()).to.equal(0n);
      expect(await new Contract(result.productTokenB, erc20, product).getFunction("totalSupply")()).to.equal(0n);
      // the indexer reconciles the demo's tokens with 0 mismatches: Σ indexed balances = totalSupply() and every
      // holder's indexed balance = balanceOf() at a block after the demo
      const heights = { 2018: await main.getBlockNumber(), 3001: await product.getBlockNumber() } as Record<number, number>;
      const demoTokens = [`2018:${result.mainToken}`, `3001:${result.productTokenA}`, `3001:${result.productTokenB}`].map((t) => t.toLowerCase());
      const deadline = Date.now() + 90_000;
      let rows: ReconciliationRow[] = [];
      const fresh = (r: ReconciliationRow) => r.reconciliation.block !== null && r.reconciliation.block >= heights[r.chainId]!;
      for (;;) {
        rows = (await (await fetch(`http://127.0.0.1:${ports.indexer}/api/v1/reconciliation`)).json()) as ReconciliationRow[];
        const demoRows = rows.filter((r) => demoTokens.includes(`${r.chainId}:${r.token}`.toLowerCase()));
        if (demoRows.length === 3 && demoRows.every(fresh)) break;
        if (Date.now() > deadline) throw new Error(`the indexer did not reconcile the demo's tokens after blocks ${JSON.stringify(heights)} within 90 s: ${JSON.stringify(demoRows)}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const bad = rows.filter((r) => r.reconciliation.status === "mismatch" || r.reconciliation.mismatches > 0);
      expect(bad, "tokens whose indexed balances differ from the chain").to.deep.equal([]);
    } finally {
      main.destroy();
      product.destroy();
    }
  });

  it("Ctrl-C (SIGINT) stops every child process and exits 0", async () => {
    heightAtStop = Number(await rpc(`http://127.0.0.1:${ports.main}`, "eth_blockNumber"));
    expect(heightAtStop).to.be.greaterThan(0);
    await interrupt(started[0]!);
  });

  it("a second start on the same folder resumes: no genesis, no redeployment, heights go on", async () => {
    const d = startDevnet();
    await waitForOutput(d, /DEVNET READY/, 120_000);
    const out = d.output();
    expect(out).to.not.match(/building the genesis files|deploying|issuing|governance:/);
    expect(out).to.match(/checking contracts/);
    const again = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as DevnetState;
    expect(again.main).to.deep.equal(state.main);
    expect(again.product).to.deep.equal(state.product);
    expect(again.sample).to.deep.equal(state.sample);
    expect(again.anchoring).to.deep.equal(state.anchoring);
    expect(again.gateway, "the development API key survives a restart").to.deep.equal(state.gateway);
    expect(await rpc(`http://127.0.0.1:${ports.gateway}/v1/main/${state.gateway!.devKey}`, "eth_chainId")).to.equal("0x7e2");
    expect(Number(await rpc(`http://127.0.0.1:${ports.main}`, "eth_blockNumber"))).to.be.at.least(heightAtStop);
    // the phase-2 registry on anvil survived the restart (anvil's state is kept in the data folder)
    expect(await rpc(`http://127.0.0.1:${ports.ethereum}`, "eth_getCode", [state.anchoring!.phase2Registry, "latest"])).to.not.equal("0x");
    await interrupt(d);
  });
});
