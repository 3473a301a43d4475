import { expect } from "chai";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, type JsonRpcSigner } from "ethers";
import { runTask } from "../../helpers/tasks";
import { connectContract } from "../../../ops/contracts";
import { addressOf, readDeployment } from "../../../ops/deployment";
import { Relayer } from "../../../services/relayer/relayer";
import { findOwnerSyncAddresses, resolveRelayerOptions, RelayerConfigError } from "../../../services/relayer/config";
import { silentLogger } from "../../../lib/log";
import { CursorError } from "../../../lib/cursor";
import { blockTicker, hardhat, killAll, spawnRelayer, startAnvil, waitFor, type Anvil, type RelayerProc } from "./harness";
import type { NodeOwnerSync, ProductChainRegistry, ValidatorSet } from "../../../typechain-types";

const PW = "relayer-test-pw";
const MAIN_ID = 31_002;
const PRODUCT_ID = 41_002;
/** NodeOwnerSync.SwapStatus.Applied */
const APPLIED = 2n;

async function rejects(p: Promise<unknown>, type: new (...a: never[]) => Error, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(type);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected ${type.name} matching ${pattern}`);
}

/**
 * Node-owner governance carried across by the six relayer processes: a main chain (deploy:system) whose
 * ProductChainRegistry registers the product chain with its four genesis validators as node owners, and a product
 * chain deployed as product chains are (deploy:system with `nodeOwnerSync` and `minStake` 0), both on anvil.
 */
describe("bridge relayers carry node-owner swaps (two anvil chains, six relayer processes)", function () {
  this.timeout(240_000);
  let dir: string;
  let main: Anvil;
  let product: Anvil;
  let env: NodeJS.ProcessEnv;
  let registry: ProductChainRegistry;
  let sync: NodeOwnerSync;
  let validatorSet: ValidatorSet;
  let owners: JsonRpcSigner[];
  let stopTicker = (): void => undefined;
  const relayers = new Map<number, RelayerProc>();
  const b = (): { dir: string; main: { url: string }; product: { url: string }; env: NodeJS.ProcessEnv } => ({ dir, main, product, env });

  function start(n: number): RelayerProc {
    const r = spawnRelayer(n, b());
    relayers.set(n, r);
    return r;
  }
  async function stop(n: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const r = relayers.get(n)!;
    relayers.delete(n);
    r.proc.kill(signal);
    await r.exited;
  }
  /** Three of the chain's current node owners vote to replace `oldOwner` by `newOwner`; returns the main chain's ownersNonce. */
  async function swapOnMain(oldOwner: string, newOwner: string): Promise<bigint> {
    const voters = (await registry.nodeOwners(PRODUCT_ID)).filter((a) => a !== oldOwner).slice(0, 3);
    let receipt;
    for (const v of voters) receipt = await (await registry.connect(await main.provider.getSigner(v)).voteSwap(PRODUCT_ID, oldOwner, newOwner)).wait();
    const swapped = receipt!.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "NodeOwnerSwapped");
    return swapped!.args.ownersNonce as bigint;
  }
  /** Each signer's SwapConfirmed events for `nonce` on the product chain. */
  async function confirmationsBySigner(nonce: bigint): Promise<Map<string, number>> {
    const per = new Map<string, number>();
    for (const e of await sync.queryFilter(sync.filters.SwapConfirmed(nonce), 0)) per.set(e.args.signer, (per.get(e.args.signer) ?? 0) + 1);
    return per;
  }
  async function effectiveBlock(nonce: bigint): Promise<bigint> {
    const [applied] = await sync.queryFilter(sync.filters.NodeOwnerSwapApplied(nonce), 0);
    return applied!.args.effectiveBlock;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-ownersync-"));
    [main, product] = await Promise.all([startAnvil(MAIN_ID), startAnvil(PRODUCT_ID)]);
    mkdirSync(dir, { recursive: true });
    const mainCfg = path.join(dir, "main.json");
    const productCfg = path.join(dir, "product.json");
    writeFileSync(mainCfg, JSON.stringify({ governance: { votingDelay: 0, votingPeriod: 20, timelockDelay: 1 } }));
    writeFileSync(productCfg, JSON.stringify({ validatorSet: { minStake: "0", epochLength: 10, unbondingPeriod: 20 }, nodeOwnerSync: {} }));
    env = { LUNIVERSE_NETWORKS: `main=${main.url},product=${product.url}`, LUNIVERSE_DEPLOYMENTS_DIR: path.join(dir, "deployments") };
    const [a, p] = await Promise.all([
      hardhat(["deploy:system", "--network", "main", "--system-config", mainCfg, "--quiet"], env),
      hardhat(["deploy:system", "--network", "product", "--system-config", productCfg, "--quiet"], env),
    ]);
    if (a.code !== 0) throw new Error(`deploy:system (main) failed:\n${a.out}`);
    if (p.code !== 0) throw new Error(`deploy:system (product) failed:\n${p.out}`);
    const mm = readDeployment(path.join(dir, "deployments/main.json"));
    const pm = readDeployment(path.join(dir, "deployments/product.json"));
    const deployer = await main.provider.getSigner(0);
    owners = await Promise.all([1, 2, 3, 4].map((i) => main.provider.getSigner(i)));
    registry = connectContract("ProductChainRegistry", addressOf(mm, "ProductChainRegistry"), deployer);
    sync = connectContract("NodeOwnerSync", addressOf(pm, "NodeOwnerSync"), product.provider);
    validatorSet = connectContract("ValidatorSet", addressOf(pm, "ValidatorSet"), product.provider);
    // the product chain's node owners on the main chain are its genesis validators
    const genesis = [...(await validatorSet.getValidators())].map((v) => getAddress(v)).sort();
    expect(genesis).to.deep.equal(owners.map((o) => o.address).sort());
    await (await registry.registerChain(PRODUCT_ID, "Game Chain", (await main.provider.getSigner(16)).address, owners.map((o) => o.address) as [string, string, string, string], 0)).wait();
    process.env.RELAYER_TEST_PW = PW;
    await runTask("bridge:keystore", { out: path.join(dir, "keystores"), count: 6, first: 10, passwordEnv: "RELAYER_TEST_PW", scryptN: 1024, index: 1, force: false });
    stopTicker = blockTicker([main.url, product.url], 300);
  });

  after(async () => {
    stopTicker();
    killAll();
    main?.provider.destroy();
    product?.provider.destroy();
    delete process.env.RELAYER_TEST_PW;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a swap voted 3 of 4 on the main chain is confirmed by the relayers and applied on the product chain at its next epoch", async () => {
    for (let n = 1; n <= 6; n++) start(n);
    const [old] = owners;
    const newOwner = (await main.provider.getSigner(17)).address;
    const nonce = await swapOnMain(old!.address, newOwner);
    expect(nonce).to.equal(1n);
    await waitFor("the swap applied on the product chain", async () => (await sync.lastAppliedNonce()) === 1n, 60_000);
    expect(await sync.swapStatus(1n)).to.equal(APPLIED);
    const swap = await sync.getSwap(1n);
    expect([swap.oldOwner, swap.newOwner]).to.deep.equal([old!.address, newOwner]);
    const per = await confirmationsBySigner(1n);
    expect([...per.values()].reduce((x, y) => x + y, 0)).to.equal(4); // the 4th decided; later ones were refused unsent
    for (const [signer, count] of per) expect(count, signer).to.equal(1);
    const boundary = await effectiveBlock(1n);
    expect(await validatorSet.isValidatorAt(newOwner, boundary)).to.equal(true);
    expect(await validatorSet.isValidatorAt(old!.address, boundary)).to.equal(false);
    expect(await validatorSet.isValidatorAt(old!.address, boundary - 1n)).to.equal(true);
    await waitFor("the new owner in force", async () => (await validatorSet.getValidators()).includes(newOwner), 30_000);
    expect(await validatorSet.getValidators()).to.not.include(old!.address);
  });

  it("with 3 relayers down a swap waits at 3 confirmations; a SIGKILLed relayer restarts without re-sending, and one returning completes it", async () => {
    await stop(4);
    await stop(5);
    await stop(6);
    const [, second] = owners;
    const newOwner = (await main.provider.getSigner(18)).address;
    const nonce = await swapOnMain(second!.address, newOwner);
    expect(nonce).to.equal(2n);
    await waitFor("3 confirmations", async () => (await sync.confirmations(2n, second!.address, newOwner)) === 3n, 60_000);
    // relayer 3 dies hard and comes back: its confirmation is on chain, its cursor may be before the event
    await stop(3, "SIGKILL");
    const back = start(3);
    await waitFor("relayer 3 running again", async () => back.lines.some((l) => l.includes("carrying node-owner swaps")), 60_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await sync.swapStatus(2n)).to.equal(0n);
    expect(await sync.confirmations(2n, second!.address, newOwner)).to.equal(3n);
    start(4); // down when the swap was made: it resumes from its cursor and confirms
    await waitFor("the swap applied", async () => (await sync.swapStatus(2n)) === APPLIED, 60_000);
    start(5);
    start(6);
    await new Promise((r) => setTimeout(r, 4_000));
    const per = await confirmationsBySigner(2n);
    expect([...per.values()].reduce((x, y) => x + y, 0)).to.equal(4);
    for (const [signer, count] of per) expect(count, signer).to.equal(1);
    expect(await sync.lastAppliedNonce()).to.equal(2n);
    expect(await validatorSet.isValidatorAt(newOwner, await effectiveBlock(2n))).to.equal(true);
    for (const [n, r] of relayers) expect(r.proc.exitCode, `relayer ${n}`).to.equal(null);
    // the returning relayers skipped the decided swap without an error round
    for (const n of [5, 6]) {
      const failed = relayers.get(n)!.lines.filter((l) => l.includes("round failed") && l.includes("ownerSwaps"));
      expect(failed, `relayer ${n}`).to.deep.equal([]);
    }
  });

  describe("bad input", () => {
    const base = (): Record<string, string> => ({
      signer: "1",
      mainRpc: main.url,
      productRpc: product.url,
      keystoreDir: path.join(dir, "keystores"),
      deploymentsDir: path.join(dir, "deployments"),
      stateDir: path.join(dir, "state-bad"),
      passwordEnv: "RELAYER_TEST_PW",
    });

    it("finds the duty's contracts in the manifests, is off without a NodeOwnerSync, and names bad flags", () => {
      const deployments = path.join(dir, "deployments");
      const mm = readDeployment(path.join(deployments, "main.json"));
      const pm = readDeployment(path.join(deployments, "product.json"));
      expect(findOwnerSyncAddresses({ deploymentsDir: deployments }, BigInt(MAIN_ID), BigInt(PRODUCT_ID))).to.deep.equal({
        chainRegistry: addressOf(mm, "ProductChainRegistry"),
        ownerSync: addressOf(pm, "NodeOwnerSync"),
      });
      expect(findOwnerSyncAddresses({ deploymentsDir: deployments }, BigInt(MAIN_ID), 999n)).to.equal(undefined);
      expect(() => findOwnerSyncAddresses({ deploymentsDir: deployments, chainRegistry: addressOf(mm, "ProductChainRegistry") }, BigInt(MAIN_ID), 999n)).to.throw(
        RelayerConfigError,
        /--chain-registry is for the node-owner duty/,
      );
      expect(() => findOwnerSyncAddresses({ deploymentsDir: path.join(dir, "nowhere"), ownerSync: addressOf(pm, "NodeOwnerSync") }, BigInt(MAIN_ID), BigInt(PRODUCT_ID))).to.throw(
        RelayerConfigError,
        /records a ProductChainRegistry on the main chain 31002; .*--chain-registry/,
      );
      expect(() => resolveRelayerOptions({ ...base(), ownerSync: "0x12" })).to.throw(RelayerConfigError, /--owner-sync is not a valid address/);
      expect(() => resolveRelayerOptions({ ...base(), chainRegistry: "nope" })).to.throw(RelayerConfigError, /--chain-registry is not a valid address/);
    });

    it("refuses a NodeOwnerSync without code, one counting another bridge's signers, and a cursor written for another one", async () => {
      const pm = readDeployment(path.join(dir, "deployments/product.json"));
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), ownerSync: "0x000000000000000000000000000000000000dEaD" }), silentLogger).init(), RelayerConfigError, /no NodeOwnerSync at .* on the product chain/);
      await rejects(
        new Relayer(resolveRelayerOptions({ ...base(), productBridge: addressOf(pm, "MainBridge") }), silentLogger).init(),
        RelayerConfigError,
        /counts the signers of .*, not of the ProductBridge/,
      );
      const stateDir = path.join(dir, "state-foreign-sync");
      const r = new Relayer(resolveRelayerOptions({ ...base(), stateDir }), silentLogger);
      await r.init();
      expect(r.cursor.get().ownerSwaps).to.deep.include({ next: 0, ownerSync: addressOf(pm, "NodeOwnerSync") });
      const file = r.cursor.file;
      await r.stop();
      const s = JSON.parse(readFileSync(file, "utf8")) as { ownerSwaps: { ownerSync: string } };
      s.ownerSwaps.ownerSync = "0x000000000000000000000000000000000000dEaD";
      writeFileSync(file, JSON.stringify(s));
      await rejects(new Relayer(resolveRelayerOptions({ ...base(), stateDir }), silentLogger).init(), CursorError, /written for NodeOwnerSync 0x000000000000000000000000000000000000dEaD/);
    });
  });
});
