/**
 * ops/chain/buildGenesis: one process, no Hardhat runtime — the system deployed from the typechain factories into the
 * scratch state, with the upgrades plugin's own ERC1967Proxy and the plugin's record of the new chain.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";
import hre, { ethers, upgrades } from "hardhat";
import { Manifest } from "@openzeppelin/upgrades-core";
import { buildGenesis, DEFAULT_GENESIS_TIMESTAMP, type BuildGenesisReturnType } from "../../../ops/chain/buildGenesis";
import { OperationError } from "../../../ops/errors";
import { resolveConfig } from "../../../deploy/config";
import { SYSTEM_CONTRACTS } from "../../../deploy/system";
import { ContractCallError } from "../../../lib/revert";
import { devAddresses, devWallet } from "../../../lib/accounts";

const ROOT = path.resolve(__dirname, "../../..");
const CHAIN_ID = 7202;
// ERC-1967 implementation slot: bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

describe("ops/chain/buildGenesis", function () {
  this.timeout(300_000);
  let built: BuildGenesisReturnType;
  let seconds: number;

  before(async function () {
    await hre.run("compile", { quiet: true });
    const t0 = Date.now();
    built = await buildGenesis(devWallet(0), { chainId: CHAIN_ID, config: resolveConfig({ genesisValidators: devAddresses([1, 2]) }) });
    seconds = (Date.now() - t0) / 1000;
  });

  it("predeploys every system contract with code, names the validators and dates the manifest at the genesis", function () {
    const { genesis, deployment } = built;
    expect(Object.keys(deployment.contracts)).to.have.members([...SYSTEM_CONTRACTS]);
    for (const c of Object.values(deployment.contracts)) {
      expect(genesis.alloc[c.address.toLowerCase()]?.code?.length ?? 0, `${c.name} has code in genesis`).to.be.greaterThan(2);
      expect(genesis.luniverse.systemContracts[c.name]).to.equal(c.address);
    }
    expect(genesis.luniverse.validators).to.have.members(devAddresses([1, 2]));
    expect(genesis.luniverse.deployment).to.deep.equal(deployment);
    expect(deployment).to.include({ network: "luniverse", chainId: CHAIN_ID, deployer: devWallet(0).address });
    expect(deployment.updatedAt).to.equal(new Date(DEFAULT_GENESIS_TIMESTAMP * 1000).toISOString());
    expect(genesis.baseFeePerGas).to.equal("0x3b9aca00");
    console.log(`      (one genesis build: ${seconds.toFixed(1)} s)`);
  });

  it("gives the same genesis for the same parameters", async function () {
    const again = await buildGenesis(devWallet(0), { chainId: CHAIN_ID, config: resolveConfig({ genesisValidators: devAddresses([1, 2]) }) });
    expect(JSON.stringify(again.genesis)).to.equal(JSON.stringify(built.genesis));
    expect(again.upgradesRecord).to.deep.equal(built.upgradesRecord);
  });

  it("deploys the upgrades plugin's ERC1967Proxy, and the implementation the plugin would, behind each UUPS proxy", async function () {
    const [deployer] = await ethers.getSigners();
    const viaPlugin = await upgrades.deployProxy(await ethers.getContractFactory("AnchorRegistry"), [deployer!.address], { kind: "uups" });
    const pluginProxy = await viaPlugin.getAddress();
    const pluginImpl = await upgrades.erc1967.getImplementationAddress(pluginProxy);
    const entry = built.deployment.contracts.AnchorRegistry!;
    const inGenesis = built.genesis.alloc[entry.address.toLowerCase()]!;
    expect(inGenesis.code).to.equal(await ethers.provider.getCode(pluginProxy));
    // a UUPS implementation keeps its own address as an immutable (`__self`): compare with it blanked out
    const blank = (code: string, address: string) => code.toLowerCase().split(address.slice(2).toLowerCase()).join("00".repeat(20));
    const implCode = built.genesis.alloc[entry.implementation!.toLowerCase()]!.code!;
    expect(implCode.toLowerCase()).to.include(entry.implementation!.slice(2).toLowerCase());
    expect(blank(implCode, entry.implementation!)).to.equal(blank(await ethers.provider.getCode(pluginImpl), pluginImpl));
    // every proxy of the manifest points at its recorded implementation
    for (const c of Object.values(built.deployment.contracts).filter((c) => c.proxyKind === "uups")) {
      const slot = built.genesis.alloc[c.address.toLowerCase()]!.storage![IMPLEMENTATION_SLOT]!;
      expect(ethers.getAddress("0x" + slot.slice(-40)), c.name).to.equal(c.implementation);
    }
  });

  it("returns the upgrades plugin's record of the chain: every proxy, each implementation with the layout the plugin records", async function () {
    const record = built.upgradesRecord!;
    const proxies = Object.values(built.deployment.contracts).filter((c) => c.proxyKind === "uups");
    expect(record.proxies).to.deep.equal(proxies.map((c) => ({ address: c.address, kind: "uups" })));
    expect(Object.values(record.impls).map((i) => i!.address)).to.deep.equal(proxies.map((c) => c.implementation));
    expect(record.proxies.some((p) => "txHash" in p)).to.equal(false);
    // the plugin's own record of the same implementation (deployed on the Hardhat network above) has the same key and layout
    const plugin = await (await Manifest.forNetwork(hre.network.provider)).read();
    const [key, impl] = Object.entries(record.impls).find(([, i]) => i!.address === built.deployment.contracts.AnchorRegistry!.implementation)!;
    expect(plugin.impls[key], "the plugin records AnchorRegistry under the same key").to.not.equal(undefined);
    expect(impl!.layout).to.deep.equal(plugin.impls[key]!.layout);
  });

  it("without validations: no upgrades record (and no layout check)", async function () {
    const r = await buildGenesis(devWallet(0), { chainId: CHAIN_ID + 1, gasFree: true, validations: null, config: resolveConfig({ genesisValidators: devAddresses([1]) }) });
    expect(r.upgradesRecord).to.equal(null);
    expect(r.genesis.baseFeePerGas).to.equal("0x0");
    expect(r.genesis.config.gasFree).to.equal(true);
  });

  it("refuses a chain id that is not a positive integer", async function () {
    for (const chainId of [0, -1, 1.5]) {
      const e = await buildGenesis(devWallet(0), { chainId }).then(() => undefined, (err: unknown) => err);
      expect(e).to.be.instanceOf(OperationError);
      expect((e as OperationError).code).to.equal("OP_INVALID_PARAMETER");
    }
  });

  it("names the custom error when the contracts refuse the configuration", async function () {
    const twice = devAddresses([1])[0]!;
    const e = await buildGenesis(devWallet(0), { chainId: CHAIN_ID, validations: null, config: resolveConfig({ genesisValidators: [twice, twice] }) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).to.be.instanceOf(ContractCallError);
    expect((e as ContractCallError).errorName).to.equal("ValidatorSetDuplicateGenesisValidator");
    expect((e as Error).message).to.match(/deploy:system into the genesis state reverted with ValidatorSetDuplicateGenesisValidator/);
  });

  it("loads without Hardhat (no hardhat module in the process)", function () {
    const script = `require("./ops/chain/buildGenesis"); const bad = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](hardhat|@nomicfoundation[\\\\/]hardhat-[^\\\\/]+|@openzeppelin[\\\\/]hardhat-upgrades)[\\\\/]/.test(k)); console.log(JSON.stringify(bad));`;
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).to.deep.equal([]);
  });
});
