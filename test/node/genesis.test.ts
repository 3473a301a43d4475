/**
 * The genesis file: same inputs → same file (node:genesis in one process), same file → same genesis hash; validation;
 * the task's arguments; a data dir bound to its chain.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeCommon } from "../../node/execution/common";
import { Chain } from "../../node/chain/chain";
import { GenesisError, readGenesisFile, validateGenesis, type GenesisFile } from "../../node/genesis/genesis";
import { expectTaskError, runTask } from "../helpers/tasks";
import { testGenesis } from "./helpers/nodes";

describe("node: genesis", function () {
  this.timeout(300_000);
  let file: string;
  let dir: string;

  before(async () => {
    file = await testGenesis({ chainId: 7101, validators: 1, gasFree: true });
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-genesis-test-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function hashOf(g: GenesisFile, name: string): Promise<string> {
    const chain = await Chain.open(path.join(dir, name), g, makeCommon(BigInt(g.config.chainId)));
    try {
      return chain.genesisHash;
    } finally {
      await chain.close();
    }
  }

  it("gives the same genesis hash from the same file, in any data dir and whatever the key order", async () => {
    const g = readGenesisFile(file);
    const a = await hashOf(g, "a");
    const b = await hashOf(readGenesisFile(file), "b");
    expect(a).to.equal(b);
    const reordered: GenesisFile = { ...g, alloc: Object.fromEntries(Object.entries(g.alloc).reverse()) };
    expect(await hashOf(reordered, "c")).to.equal(a);
    // and another alloc gives another chain
    const other: GenesisFile = { ...g, alloc: { ...g.alloc, ["0x" + "ab".repeat(20)]: { balance: "0x1" } } };
    expect(await hashOf(other, "d")).to.not.equal(a);
  });

  it("node:genesis builds the same file again, byte for byte, in one process, and records the chain for the upgrades plugin", async () => {
    const out = path.join(dir, "again.json");
    const record = path.join(__dirname, "../../.openzeppelin", "unknown-7101.json");
    rmSync(record, { force: true });
    const { out: printed } = await runTask("node:genesis", { out, chainId: 7101, validators: 1, gasFree: true, timestamp: 1767225600, gasLimit: 60_000_000, baseFee: "1000000000", manifest: "", quiet: true });
    expect(printed.trim()).to.equal(path.resolve(out));
    expect(readFileSync(out, "utf8")).to.equal(readFileSync(file, "utf8"));
    // the plugin's record of the new chain: every UUPS proxy of the genesis, no transaction hashes (they are in genesis)
    const g = readGenesisFile(out);
    const manifest = g.luniverse.deployment as { contracts: Record<string, { address: string; proxyKind: string; implementation?: string }> };
    const uups = Object.values(manifest.contracts).filter((c) => c.proxyKind === "uups");
    const written = JSON.parse(readFileSync(record, "utf8")) as { proxies: { address: string; kind: string }[]; impls: Record<string, { address: string; layout: unknown; txHash?: string }> };
    expect(written.proxies).to.deep.equal(uups.map((c) => ({ address: c.address, kind: "uups" })));
    expect(Object.values(written.impls).map((i) => i.address)).to.deep.equal(uups.map((c) => c.implementation));
    expect(Object.values(written.impls).every((i) => i.layout !== undefined && i.txHash === undefined)).to.equal(true);
  });

  it("predeploys the system contracts with code, and names the validators", () => {
    const g = readGenesisFile(file);
    for (const name of ["ValidatorSet", "Slashing", "LuniverseGovernor", "LuniverseTimelock", "MainBridge", "ProductBridge", "AnchorRegistry", "GasPolicy"]) {
      const address = g.luniverse.systemContracts[name];
      expect(address, name).to.match(/^0x[0-9a-fA-F]{40}$/);
      const entry = g.alloc[address!.toLowerCase()];
      expect(entry?.code?.length ?? 0, `${name} has code in genesis`).to.be.greaterThan(2);
    }
    expect(g.luniverse.validators).to.have.length(1);
    expect(g.config.gasFree).to.equal(true);
    expect(g.baseFeePerGas).to.equal("0x0");
  });

  it("refuses a data dir made from another genesis", async () => {
    const g = readGenesisFile(file);
    await hashOf(g, "e");
    const other: GenesisFile = { ...g, timestamp: "0x1" };
    let message = "";
    try {
      await hashOf(other, "e");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/holds another chain/);
  });

  it("says what is wrong with a broken genesis file", () => {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{ nope");
    expect(() => readGenesisFile(bad)).to.throw(GenesisError, /not valid JSON/);
    expect(() => readGenesisFile(path.join(dir, "missing.json"))).to.throw(GenesisError, /node:genesis/);
    const g = JSON.parse(readFileSync(file, "utf8")) as GenesisFile;
    expect(() => validateGenesis({ ...g, config: { chainId: 0 } })).to.throw(/chainId/);
    expect(() => validateGenesis({ ...g, gasLimit: "sixty" })).to.throw(/gasLimit/);
    expect(() => validateGenesis({ ...g, alloc: { nothex: {} } })).to.throw(/not an address/);
    expect(() => validateGenesis({ ...g, luniverse: { ...g.luniverse, validators: [] } })).to.throw(/at least one validator/);
    expect(() => validateGenesis({ ...g, luniverse: { ...g.luniverse, systemContracts: {} } })).to.throw(/ValidatorSet/);
  });

  it("node:genesis and node:start refuse bad arguments with a clear message", async () => {
    await expectTaskError(runTask("node:genesis", { out: path.join(dir, "x.json"), chainId: 0, validators: 1, timestamp: 1, gasLimit: 1, baseFee: "1", manifest: "", quiet: true, gasFree: false }), /--chain-id must be a positive integer/);
    await expectTaskError(runTask("node:genesis", { out: path.join(dir, "x.json"), chainId: 5, validators: 9, timestamp: 1, gasLimit: 1, baseFee: "1", manifest: "", quiet: true, gasFree: false }), /--validators must be 1 to 4/);
    await expectTaskError(runTask("node:genesis", { out: path.join(dir, "x.json"), chainId: 5, validators: 1, timestamp: 1, gasLimit: 1, baseFee: "1gwei", manifest: "", quiet: true, gasFree: false }), /--base-fee must be a whole number/);
    await expectTaskError(runTask("node:genesis", { out: path.join(dir, "x.json"), chainId: 5, validators: 1, systemConfig: path.join(dir, "none.json"), timestamp: 1, gasLimit: 1, baseFee: "1", manifest: "", quiet: true, gasFree: false }), /does not exist/);
    const cfg = path.join(dir, "node.json");
    writeFileSync(cfg, JSON.stringify({ chainId: 5, rpc: { prot: 1 } }));
    await expectTaskError(runTask("node:start", { nodeConfig: cfg, reset: false }), /rpc\.prot.*did you mean/);
    writeFileSync(cfg, JSON.stringify({}));
    await expectTaskError(runTask("node:start", { nodeConfig: cfg, reset: false }), /chainId: required/);
    writeFileSync(cfg, JSON.stringify({ chainId: 5 }));
    await expectTaskError(runTask("node:start", { nodeConfig: cfg, reset: false }), /no genesis file/);
  });
});
