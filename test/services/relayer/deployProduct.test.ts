import { expect } from "chai";
import hre from "hardhat";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deployProductChain } from "../../../deploy/product";
import { ConfigError } from "../../../deploy/config";
import { runTask, expectTaskError } from "../../helpers/tasks";
import { hardhat } from "./harness";

describe("deploy:product-chain", function () {
  this.timeout(120_000);
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-product-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
  });
  after(() => {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("deploys ProductBridge, the ProductToken implementation and ProductTokenFactory into its own manifest; a re-run reuses them", async () => {
    const { result, out } = await runTask("deploy:product-chain", { manifestName: "game", reset: false, quiet: false });
    const m = result as { chainId: number; contracts: Record<string, { address: string; proxyKind: string }> };
    expect(Object.keys(m.contracts)).to.deep.equal(["ProductBridge", "ProductToken", "ProductTokenFactory"]);
    expect(m.contracts.ProductToken!.proxyKind).to.equal("implementation");
    expect(out).to.match(/bridge signers \(6\)/);
    const signers = await hre.ethers.getSigners();
    const bridge = await hre.ethers.getContractAt("ProductBridge", m.contracts.ProductBridge!.address);
    expect(await bridge.signers()).to.deep.equal(signers.slice(10, 16).map((s) => s.address));
    expect(await bridge.threshold()).to.equal(4n);
    const factory = await hre.ethers.getContractAt("ProductTokenFactory", m.contracts.ProductTokenFactory!.address);
    expect(await factory.bridge()).to.equal(m.contracts.ProductBridge!.address);
    expect(await bridge.hasRole(await bridge.GOVERNANCE_ROLE(), signers[0]!.address)).to.equal(true);
    const again = await runTask("deploy:product-chain", { manifestName: "game", reset: false, quiet: true });
    expect((again.result as typeof m).contracts.ProductBridge!.address).to.equal(m.contracts.ProductBridge!.address);
    expect(again.out).to.equal(path.join(dir, "game.json"));
  });

  it("--admin hands governance over and the deployer renounces; --pauser gets PAUSER_ROLE", async () => {
    const [deployer, , admin, pauser] = await hre.ethers.getSigners();
    const r = await deployProductChain(hre, { admin: admin!.address, pauser: pauser!.address, manifestDir: null });
    for (const c of [r.productBridge, r.productTokenFactory]) {
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), admin!.address)).to.equal(true);
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), admin!.address)).to.equal(true);
      expect(await c.hasRole(await c.PAUSER_ROLE(), pauser!.address)).to.equal(true);
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), deployer!.address)).to.equal(false);
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), deployer!.address)).to.equal(false);
    }
    const kept = await deployProductChain(hre, { pauser: pauser!.address, manifestDir: null });
    expect(await kept.productBridge.hasRole(await kept.productBridge.PAUSER_ROLE(), pauser!.address)).to.equal(true);
    expect(await kept.productBridge.hasRole(await kept.productBridge.GOVERNANCE_ROLE(), deployer!.address)).to.equal(true);
  });

  it("rejects a bad --admin, a manifest of another chain, too few accounts for default signers and a bad config", async () => {
    await expectTaskError(runTask("deploy:product-chain", { admin: "0x12", reset: false, quiet: true }), /--admin is not a valid address/);
    writeFileSync(path.join(dir, "other.json"), JSON.stringify({ network: "other", chainId: 5, deployer: "0x", updatedAt: "", contracts: {} }));
    await expectTaskError(runTask("deploy:product-chain", { manifestName: "other", reset: false, quiet: true }), /records chain id 5 but network "hardhat" is chain 31337/);
    const cfg = path.join(dir, "bad-config.json");
    writeFileSync(cfg, JSON.stringify({ bridgeSigner: [] }));
    await expectTaskError(runTask("deploy:product-chain", { systemConfig: cfg, reset: false, quiet: true }), /unknown config key "bridgeSigner"/);
    const few = { ...hre, ethers: { ...hre.ethers, getSigners: async () => (await hre.ethers.getSigners()).slice(0, 3) } } as typeof hre;
    try {
      await deployProductChain(few, { manifestDir: null });
      expect.fail("expected a ConfigError");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as Error).message).to.match(/too few for default bridgeSigners/);
    }
  });

  it("LUNIVERSE_NETWORKS must be name=http(s)://url", async () => {
    const out = await hardhat(["bridge:keystore", "--help"], { LUNIVERSE_NETWORKS: "product=ftp://x" });
    expect(out.code).to.not.equal(0);
    expect(out.out).to.match(/LUNIVERSE_NETWORKS: "product=ftp:\/\/x" is not name=http\(s\):\/\/url/);
  });
});
