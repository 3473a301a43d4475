/**
 * chain:create (ops/chain/createChain.ts): a product chain registered on the main chain (the Hardhat network, with the
 * system deployed) gets a genesis whose validators are its four node owners, with the bridge's product side under the
 * main bridge's signers and NodeOwnerSync at the owners' swap nonce — and four owner node processes started from it
 * produce and finalise blocks. Wrong arguments and an unregistered chain are refused with what to do.
 */
import { expect } from "chai";
import hre from "hardhat";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Interface } from "ethers";
import { devWallet } from "../../lib/accounts";
import { loadNodeConfigFile } from "../../node/config";
import type { GenesisFile } from "../../node/genesis/genesis";
import { expectTaskError, runTask as run } from "../helpers/tasks";
import { height, NodeProcess, rpc, stopAll, waitFor } from "../node/helpers/nodes";

const OWNERS = [16, 17, 18, 19];
const CHAIN_ID = 3901n;

describe("tasks: chain:create (four owners' product chain)", function () {
  this.timeout(600_000);
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let nodes: NodeProcess[] = [];

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-chain-create-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    await run("deploy:system", { reset: true, quiet: true });
  });
  after(async function () {
    await stopAll(nodes);
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an unregistered chain, half the registration arguments and bad ports", async function () {
    await expectTaskError(run("chain:create", { chainId: "3999", out: path.join(dir, "x") }), /chain 3999 is not registered.*chain:register/);
    await expectTaskError(run("chain:create", { chainId: "3999", name: "x", out: path.join(dir, "x") }), /give all of --name, --pd and --owners/);
    await expectTaskError(run("chain:create", { chainId: "3999", rpcPort: "65534", out: path.join(dir, "x") }), /leave room for four ports/);
    expect(existsSync(path.join(dir, "x"))).to.equal(false);
  });

  it("registers the chain, writes its genesis (owners as validators, bridge side, NodeOwnerSync) and the owners' configs; the four nodes finalise blocks", async function () {
    const owners = OWNERS.map((i) => devWallet(i).address);
    const out = path.join(dir, "chain");
    const rpcPort = 20000 + Math.floor(Math.random() * 20000);
    const p2pPort = rpcPort + 10;
    const { result, out: printed } = await run("chain:create", {
      chainId: CHAIN_ID.toString(),
      name: "Game chain",
      pd: devWallet(11).address,
      owners: owners.join(","),
      out,
      epochLength: "10",
      rpcPort: String(rpcPort),
      p2pPort: String(p2pPort),
    });
    const r = result as { genesisFile: string; systemContracts: Record<string, string>; nodes: { file: string }[] };
    expect(printed).to.contain(`registered product chain ${CHAIN_ID}`).and.contain("gas-free").and.contain("bridge signers 4 of 6");
    const g = JSON.parse(readFileSync(r.genesisFile, "utf8")) as GenesisFile;
    expect(g.config.chainId).to.equal(Number(CHAIN_ID));
    expect(g.config.gasFree).to.equal(true);
    expect(g.luniverse.validators.map((v) => v.toLowerCase()).sort()).to.deep.equal(owners.map((o) => o.toLowerCase()).sort());
    expect(r.systemContracts).to.include.keys("ProductBridge", "ProductTokenFactory", "NodeOwnerSync", "ValidatorSet");
    // nobody holds the native coin: the genesis deployer was a throwaway key
    for (const [addr, acct] of Object.entries(g.alloc)) expect(BigInt(acct.balance ?? "0"), addr).to.equal(0n);
    // the owners' configurations load, each peering with the other three
    const configs = r.nodes.map((n) => loadNodeConfigFile(n.file));
    expect(configs.map((c) => c.p2p.peers.length)).to.deep.equal([3, 3, 3, 3]);
    expect(configs[0]!.validator!.keystore).to.match(/keys\/0x[0-9a-f]{40}\.json$/);
    // the four owners' nodes, from the genesis and ports chain:create wrote (keys from the environment in the test)
    nodes = configs.map(
      (c, i) =>
        new NodeProcess(
          { genesis: r.genesisFile, dataDir: c.dataDir, rpcPort: c.rpc.port, p2pPort: c.p2p.port, peers: c.p2p.peers, validator: OWNERS[i]!, config: {} },
          `owner-${i + 1}`,
        ),
    );
    mkdirSync(path.join(out, "data"), { recursive: true });
    await Promise.all(nodes.map((n) => n.start()));
    await waitFor("height 4 on every owner's node", async () => (await Promise.all(nodes.map((n) => height(n.rpc)))).every((h) => h >= 4), 90_000);
    const validators = await rpc<string[]>(nodes[0]!.rpc, "luniverse_validators", []);
    expect(validators.map((v) => v.toLowerCase()).sort()).to.deep.equal(owners.map((o) => o.toLowerCase()).sort());
    const fin = await rpc<{ signatures: unknown[]; threshold: number }>(nodes[1]!.rpc, "luniverse_getFinality", ["0x3"]);
    expect(fin.threshold).to.equal(3);
    expect(fin.signatures.length).to.be.at.least(3);
    // the product bridge answers to the main bridge's signers
    const bridge = new Interface(["function signers() view returns (address[])", "function threshold() view returns (uint256)"]);
    const onProduct = bridge.decodeFunctionResult("signers", await rpc<string>(nodes[0]!.rpc, "eth_call", [{ to: r.systemContracts.ProductBridge, data: bridge.encodeFunctionData("signers") }, "latest"]))[0] as string[];
    const { at } = await import("../../tasks/lib/system").then((m) => m.loadDeployment(hre));
    const main = await at<import("../../typechain-types").MainBridge>("MainBridge");
    expect(onProduct.map(String)).to.deep.equal((await main.signers()).map(String));
  });
});
