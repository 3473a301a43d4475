/**
 * Product chains as a service, end to end with real processes (issue #17): a main chain (anvil, `deploy:system`), a
 * product chain made by `chain:create` and run by its four node owners' node processes (our node), a fifth node
 * following it with the key of a future owner, and the six bridge relayers.
 *
 * - The bridge works on the new chain: a token pair registered through both chains' governance (on the product chain
 *   the four owners vote), a deposit minted on the product chain after 4 of 6 relayers confirmed, a redeem released
 *   back on the main chain.
 * - A node-owner swap voted 3 of 4 on the main chain is carried by the relayers to the product chain's NodeOwnerSync
 *   and changes its validator set at the next epoch: from that block the new owner's node proposes and signs, the old
 *   owner's node signs no more.
 * - Main-chain governance suspends the chain: the main bridge refuses deposits to it.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, MaxUint256, Network, parseEther, type HDNodeWallet } from "ethers";
import { devWallet } from "../../lib/accounts";
import { connectContract } from "../../ops/contracts";
import { addressOf, readDeployment, type Deployment } from "../../ops/deployment";
import { passProposal } from "../../ops/governance/passProposal";
import { registerBridgePair } from "../../ops/bridge/registerBridgePair";
import { deposit } from "../../ops/bridge/deposit";
import { redeem } from "../../ops/bridge/redeem";
import { issueMainToken } from "../../ops/token/issueMainToken";
import { permitProductToken } from "../../ops/token/permitProductToken";
import { issueProductToken } from "../../ops/token/issueProductToken";
import { runTask } from "../helpers/tasks";
import { anvilClock, blockTicker, hardhat, killAll, spawnRelayer, startAnvil, waitFor, type Anvil, type RelayerProc } from "../services/relayer/harness";
import { freeRange } from "../helpers/net";
import { height, NodeProcess, rpc, stopAll } from "../node/helpers/nodes";

const MAIN_ID = 31_017;
const PRODUCT_ID = 3_917;
/** The product chain's four node owners (development accounts; anvil's accounts 16..19 on the main chain). */
const OWNERS = [16, 17, 18, 19];
/** The owner that comes in by swap: its node follows the chain from the start. */
const NEW_OWNER = 20;
const PD = 11;
const USER = 12;
const EPOCH = 10;

interface Finality {
  signatures: { validator: string }[];
  threshold: number;
}

describe("product chains as a service: chain:create with four owner nodes, the bridge on it, an owner swap carried from the main chain", function () {
  this.timeout(900_000);
  let dir: string;
  let main: Anvil;
  let env: NodeJS.ProcessEnv;
  let product: JsonRpcProvider;
  let mainManifest: Deployment;
  let chainManifest: Deployment;
  let nodes: NodeProcess[] = [];
  let stopTicker = (): void => undefined;
  const relayers: RelayerProc[] = [];
  const addr = (i: number): string => devWallet(i).address;
  const onProduct = (i: number): HDNodeWallet => devWallet(i).connect(product);
  const lower = (xs: string[]): string[] => xs.map((x) => x.toLowerCase()).sort();
  /** The product chain's validators at its head, as development account indices. */
  async function ownerIndices(): Promise<number[]> {
    const set = lower(await rpc<string[]>(nodes[0]!.rpc, "luniverse_validators", []));
    return [...OWNERS, NEW_OWNER].filter((i) => set.includes(addr(i).toLowerCase()));
  }

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-e2e-chain-"));
    main = await startAnvil(MAIN_ID);
    env = { LUNIVERSE_NETWORKS: `main=${main.url}`, LUNIVERSE_DEPLOYMENTS_DIR: path.join(dir, "deployments") };
    const cfg = path.join(dir, "main-system.json");
    writeFileSync(cfg, JSON.stringify({ governance: { votingDelay: 0, votingPeriod: 20, timelockDelay: 1 } }));
    const deployed = await hardhat(["deploy:system", "--network", "main", "--system-config", cfg, "--quiet"], env);
    if (deployed.code !== 0) throw new Error(`deploy:system failed:\n${deployed.out}`);
    mainManifest = readDeployment(path.join(dir, "deployments/main.json"));

    // chain:create registers the chain (account 0 is a consortium partner) and writes its genesis and the owners' configs
    // four consecutive free ports each (chain:create gives owner i base + i - 1), all distinct
    const used = new Set<number>();
    const rpcPort = await freeRange(4, used);
    const p2pPort = await freeRange(4, used);
    const out = path.join(dir, "chain");
    const created = await hardhat(
      [
        "chain:create", "--network", "main", "--chain-id", String(PRODUCT_ID), "--name", "Game chain", "--pd", addr(PD), "--owners", OWNERS.map(addr).join(","),
        "--out", out, "--epoch-length", String(EPOCH), "--voting-delay", "1", "--voting-period", "4", "--timelock-delay", "1",
        "--rpc-port", String(rpcPort), "--p2p-port", String(p2pPort),
      ],
      env,
    );
    if (created.code !== 0) throw new Error(`chain:create failed:\n${created.out}`);
    expect(created.out).to.contain(`registered product chain ${PRODUCT_ID}`);
    chainManifest = readDeployment(path.join(dir, "deployments", `chain-${PRODUCT_ID}.json`));
    const genesis = path.join(out, "genesis.json");
    // the owners' nodes on the ports chain:create wrote (keys from the environment in the test), and the future owner's
    // node following them with its key
    const p2p = OWNERS.map((_, i) => `ws://127.0.0.1:${p2pPort + i}`);
    const extraRpc = await freeRange(1, used);
    const extraP2p = await freeRange(1, used);
    mkdirSync(path.join(out, "data"), { recursive: true });
    nodes = OWNERS.map(
      (v, i) => new NodeProcess({ genesis, dataDir: path.join(out, "data", `owner-${i + 1}`), rpcPort: rpcPort + i, p2pPort: p2pPort + i, peers: p2p.filter((_, j) => j !== i), validator: v }, `owner-${i + 1}`),
    );
    nodes.push(new NodeProcess({ genesis, dataDir: path.join(out, "data", "new-owner"), rpcPort: extraRpc, p2pPort: extraP2p, peers: p2p, validator: NEW_OWNER }, "new-owner"));
    await Promise.all(nodes.map((n) => n.start(120_000)));
    product = new JsonRpcProvider(nodes[0]!.rpc, undefined, { staticNetwork: Network.from(PRODUCT_ID), pollingInterval: 200 });
    await waitFor("the owners' chain at height 3", async () => (await height(nodes[0]!.rpc)) >= 3, 90_000);

    // the six relayers, finding both bridges and the node-owner duty's contracts in the manifests by chain id
    process.env.RELAYER_TEST_PW = "relayer-test-pw";
    await runTask("bridge:keystore", { out: path.join(dir, "keystores"), count: 6, first: 10, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, index: 1, force: false });
    stopTicker = blockTicker([main.url], 300);
    for (let n = 1; n <= 6; n++) relayers.push(spawnRelayer(n, { dir, main, product: { url: nodes[0]!.rpc }, env }));
    await waitFor("six relayers carrying node-owner swaps", async () => relayers.every((r) => r.lines.some((l) => l.includes("carrying node-owner swaps"))), 120_000);
  });

  after(async function () {
    stopTicker();
    killAll();
    await stopAll(nodes);
    product?.destroy();
    main?.provider.destroy();
    delete process.env.RELAYER_TEST_PW;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the four owners produce and finalise the chain; the bridge's product side answers to the main bridge's signers", async function () {
    expect(lower(await rpc<string[]>(nodes[0]!.rpc, "luniverse_validators", []))).to.deep.equal(lower(OWNERS.map(addr)));
    const fin = await rpc<Finality>(nodes[4]!.rpc, "luniverse_getFinality", ["0x2"]);
    expect(fin.threshold).to.equal(3);
    expect(fin.signatures.length).to.be.at.least(3);
    const productBridge = connectContract("ProductBridge", addressOf(chainManifest, "ProductBridge"), product);
    const mainBridge = connectContract("MainBridge", addressOf(mainManifest, "MainBridge"), main.provider);
    expect((await productBridge.signers()).map(String)).to.deep.equal((await mainBridge.signers()).map(String));
  });

  it("a token pair registered through both chains' governance: a deposit is minted on the product chain and a redeem released on the main chain", async function () {
    const cp = await main.provider.getSigner(0); // a consortium partner on both chains (chain:create made the registry's CP the product chain's)
    const user = await main.provider.getSigner(USER);
    const supply = parseEther("1000000");
    const { token: mainToken } = await issueMainToken(cp, { factory: addressOf(mainManifest, "MainTokenFactory"), name: "Game", symbol: "GAME", supply, cap: supply });
    await (await new Contract(mainToken, ["function transfer(address,uint256) returns (bool)"], cp).transfer!(addr(USER), parseEther("1000"))).wait();

    // the product chain's governance (its four owners vote) records the main token's issuer, the CP permits the product
    // token and the product developer issues it (all gas-free)
    const owners = (await ownerIndices()).map(onProduct);
    const productGovernor = addressOf(chainManifest, "LuniverseGovernor");
    const factory = connectContract("ProductTokenFactory", addressOf(chainManifest, "ProductTokenFactory"), product);
    await passProposal(
      { provider: product, validators: owners },
      { governor: productGovernor, targets: [await factory.getAddress()], calldatas: [factory.interface.encodeFunctionData("setMainTokenIssuer", [mainToken, await cp.getAddress()])], description: "GAME's issuer" },
    );
    const permit = await permitProductToken({ cp: devWallet(0), product }, { factory: await factory.getAddress(), mainToken, ratio: 10n, productDeveloper: addr(PD), expiresIn: 3600n });
    const { token: productToken } = await issueProductToken(onProduct(PD), { permit, name: "Game points", symbol: "GPT" });

    // the pair: its product side through the product chain's governance, its main side through the main chain's
    const big = parseEther("1000000");
    const pair = await registerBridgePair(
      { main: main.provider, product },
      {
        mainToken,
        productToken,
        ratio: 10n,
        limits: { minPerTx: 1n, maxPerTx: big, dailyIn: big, dailyOut: big * 10n },
        main: { bridge: addressOf(mainManifest, "MainBridge"), executor: addressOf(mainManifest, "LuniverseTimelock") },
        product: { bridge: addressOf(chainManifest, "ProductBridge"), executor: addressOf(chainManifest, "LuniverseTimelock") },
      },
    );
    await passProposal(
      { provider: product, validators: owners },
      { governor: productGovernor, targets: [pair.product!.call!.target], calldatas: [pair.product!.call!.data], description: "the GAME/GPT pair" },
    );
    await passProposal(
      { provider: main.provider, validators: await Promise.all([1, 2, 3, 4].map((i) => main.provider.getSigner(i))) },
      { governor: addressOf(mainManifest, "LuniverseGovernor"), targets: [pair.main!.call!.target], calldatas: [pair.main!.call!.data], description: "the GAME/GPT pair", clock: anvilClock(main.url) },
    );

    // deposit 100 GAME on the main chain → 1,000 GPT on the product chain
    const gpt = new Contract(productToken, ["function balanceOf(address) view returns (uint256)", "function approve(address,uint256) returns (bool)"], product);
    const d = await deposit(user, { bridge: addressOf(mainManifest, "MainBridge"), pairId: pair.pairId, amount: parseEther("100") });
    expect(d.productChainId).to.equal(BigInt(PRODUCT_ID));
    await waitFor("1,000 GPT minted on the product chain", async () => (await gpt.balanceOf!(addr(USER))) === parseEther("1000"), 90_000);

    // redeem 400 GPT on the product chain → 40 GAME back on the main chain
    const game = new Contract(mainToken, ["function balanceOf(address) view returns (uint256)"], main.provider);
    const before = (await game.balanceOf!(addr(USER))) as bigint;
    await (await (gpt.connect(onProduct(USER)) as Contract).approve!(addressOf(chainManifest, "ProductBridge"), MaxUint256)).wait();
    const r = await redeem(onProduct(USER), { bridge: addressOf(chainManifest, "ProductBridge"), pairId: pair.pairId, amount: parseEther("400") });
    expect(r.mainAmount).to.equal(parseEther("40"));
    await waitFor("40 GAME released on the main chain", async () => (await game.balanceOf!(addr(USER))) === before + parseEther("40"), 90_000);
    expect(await gpt.balanceOf!(addr(USER))).to.equal(parseEther("600"));
  });

  it("a swap voted 3 of 4 on the main chain changes the product chain's validators at its next epoch: the new owner's node proposes and signs, the old owner's stops", async function () {
    const registry = connectContract("ProductChainRegistry", addressOf(mainManifest, "ProductChainRegistry"), main.provider);
    const old = OWNERS[0]!;
    for (const v of OWNERS.slice(1)) await (await registry.connect(await main.provider.getSigner(v)).voteSwap(PRODUCT_ID, addr(old), addr(NEW_OWNER))).wait();
    expect((await registry.nodeOwners(PRODUCT_ID)).map(String)).to.include(addr(NEW_OWNER)).and.not.include(addr(old));

    const sync = connectContract("NodeOwnerSync", addressOf(chainManifest, "NodeOwnerSync"), product);
    await waitFor("the swap applied on the product chain", async () => (await sync.lastAppliedNonce()) === 1n, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}; relayer 1 said:\n${relayers[0]!.lines.slice(-15).join("\n")}`);
    });
    const [applied] = await sync.queryFilter(sync.filters.NodeOwnerSwapApplied(1n), 0);
    const boundary = Number(applied!.args.effectiveBlock);
    expect(boundary % EPOCH).to.equal(0);
    // two epochs on: every owner's node (and the new one) at the same chain
    await waitFor(`height ${boundary + 2 * EPOCH} on every node`, async () => (await Promise.all(nodes.map((n) => height(n.rpc)))).every((h) => h >= boundary + 2 * EPOCH), 180_000);
    const after = lower([...OWNERS.slice(1), NEW_OWNER].map(addr));
    expect(lower(await rpc<string[]>(nodes[4]!.rpc, "luniverse_validators", []))).to.deep.equal(after);
    expect(lower(await rpc<string[]>(nodes[1]!.rpc, "luniverse_validators", [`0x${(boundary - 1).toString(16)}`]))).to.deep.equal(lower(OWNERS.map(addr)));

    const proposers = new Set<string>();
    const signers = new Set<string>();
    for (let h = boundary; h < boundary + 2 * EPOCH; h++) {
      const block = await rpc<{ miner: string; hash: string }>(nodes[2]!.rpc, "eth_getBlockByNumber", [`0x${h.toString(16)}`, false]);
      proposers.add(block.miner.toLowerCase());
      const fin = await rpc<Finality>(nodes[2]!.rpc, "luniverse_getFinality", [`0x${h.toString(16)}`]);
      expect(fin.threshold, `block ${h}`).to.equal(3);
      for (const s of fin.signatures) signers.add(s.validator.toLowerCase());
    }
    expect(proposers, "proposers after the epoch").to.include(addr(NEW_OWNER).toLowerCase()).and.not.include(addr(old).toLowerCase());
    expect(signers, "commit signers after the epoch").to.include(addr(NEW_OWNER).toLowerCase()).and.not.include(addr(old).toLowerCase());
    // the old owner's node keeps following as a full node
    expect(nodes[0]!.running).to.equal(true);
    expect(await height(nodes[0]!.rpc)).to.be.at.least(boundary + 2 * EPOCH);
  });

  it("main-chain governance suspends the chain: the main bridge takes no more deposits to it", async function () {
    const registry = connectContract("ProductChainRegistry", addressOf(mainManifest, "ProductChainRegistry"), main.provider);
    await passProposal(
      { provider: main.provider, validators: await Promise.all([1, 2, 3, 4].map((i) => main.provider.getSigner(i))) },
      { governor: addressOf(mainManifest, "LuniverseGovernor"), targets: [await registry.getAddress()], calldatas: [registry.interface.encodeFunctionData("setChainStatus", [PRODUCT_ID, 2])], description: "suspend the game chain", clock: anvilClock(main.url) },
    );
    expect((await registry.getChain(PRODUCT_ID)).status).to.equal(2n);
    const bridge = connectContract("MainBridge", addressOf(mainManifest, "MainBridge"), await main.provider.getSigner(USER));
    const [pairId] = await bridge.pairIds();
    const refused = await deposit(await main.provider.getSigner(USER), { bridge: addressOf(mainManifest, "MainBridge"), pairId: pairId!, amount: parseEther("1") }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused, "deposit to a suspended chain").to.be.instanceOf(Error);
    expect(refused!.message).to.match(/MainBridgeChainNotActive/);
  });
});
