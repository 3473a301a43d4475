/**
 * Four validators in four processes on 127.0.0.1, peering over WebSocket: round-robin proposers from the validator
 * set, > 2/3 finality, crash and recovery, loss of quorum without a fork, removal by governance at the next epoch,
 * and a double-signing validator slashed on chain.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { Contract, Interface, JsonRpcProvider, Wallet, id as keccakText, AbiCoder, keccak256, recoverAddress, Signature } from "ethers";
import hre from "hardhat";
import { devKey, height, makeCluster, rpc, stopAll, testGenesis, waitFor, type NodeProcess } from "./helpers/nodes";

const SYSTEM = {
  validatorSet: { epochLength: 10 },
  governance: { votingDelay: 1, votingPeriod: 8, timelockDelay: 1 },
};

interface RpcBlock {
  number: string;
  hash: string;
  miner: string;
  extraData: string;
}

/** The round a block was proposed in: the first 8 bytes of its extraData (node/consensus/messages.ts roundOf). */
function roundOf(b: RpcBlock): number {
  return Number(BigInt(b.extraData.slice(0, 18)));
}

async function block(url: string, n: number): Promise<RpcBlock> {
  return rpc<RpcBlock>(url, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false]);
}

function commitDigest(chainId: number, number: number, hash: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "bytes32"], [chainId, number, hash]));
}

describe("node: four validators in four processes", function () {
  this.timeout(300_000);
  const CHAIN_ID = 7104;
  let genesis: string;
  let nodes: NodeProcess[] = [];
  let dir: string;
  let validators: string[];

  before(async () => {
    genesis = await testGenesis({ chainId: CHAIN_ID, validators: 4, systemConfig: SYSTEM });
    // four validators (dev accounts 1..4) and a full node that signs nothing; validator 3 sends whole blocks as a node
    // before proposals by transaction hash did (consensus.proposalsByHash false): both kinds are read by every node
    ({ nodes, dir } = await makeCluster(genesis, [1, 2, 3, 4, null], {
      config: (i) => (i === 2 ? { consensus: { blockPeriodMs: 1000, proposalTimeoutMs: 2000, proposalsByHash: false } } : {}),
    }));
    await Promise.all(nodes.map((n) => n.start()));
    validators = (await rpc<string[]>(nodes[0]!.rpc, "luniverse_validators", [])).map((a) => a.toLowerCase());
  });
  after(async () => stopAll(nodes, dir));

  it("produces blocks round-robin in the validator set's order, each final with > 2/3 commit signatures", async () => {
    expect(validators).to.have.length(4);
    await waitFor("height 8 on every node", async () => (await Promise.all(nodes.map((n) => height(n.rpc)))).every((h) => h >= 8), 60_000);
    for (let n = 1; n <= 8; n++) {
      const b = await block(nodes[0]!.rpc, n);
      // round 0's proposer is validators[n % 4]; a round lost while the processes were still connecting (a slow start on a
      // loaded machine) passes to the next validator in the same order
      const round = roundOf(b);
      expect(round, `round of block ${n}`).to.be.below(4);
      expect(b.miner.toLowerCase(), `proposer of block ${n} (round ${round})`).to.equal(validators[(n + round) % 4]);
      for (const other of nodes.slice(1)) expect((await block(other.rpc, n)).hash, `block ${n} on ${other.name}`).to.equal(b.hash);
      const fin = await rpc<{ threshold: number; signatures: { validator: string; signature: string }[] }>(nodes[0]!.rpc, "luniverse_getFinality", [b.hash]);
      expect(fin.threshold).to.equal(3);
      expect(fin.signatures.length).to.be.at.least(3);
      const status = await rpc<{ validator: string | null; peers: number }>(nodes[4]!.rpc, "luniverse_status", []);
      expect(status.validator, "node4 is a full node").to.equal(null);
      expect(status.peers).to.equal(4);
      for (const s of fin.signatures) {
        const signer = recoverAddress(commitDigest(CHAIN_ID, n, b.hash), Signature.from(s.signature)).toLowerCase();
        expect(signer).to.equal(s.validator.toLowerCase());
        expect(validators).to.include(signer);
      }
    }
    // proposals travel by transaction hash (consensus/proposals.ts): none was lost for lack of its transactions
    for (const n of nodes) {
      const text = await (await fetch(`${n.rpc}/metrics`)).text();
      expect(text, n.name).to.match(/^luniverse_proposal_txs_fetched_total \d+$/m);
      expect(text, n.name).to.match(/^luniverse_proposals_dropped_total 0$/m);
    }
  });

  it("goes on with one validator killed (its rounds are skipped and recorded), and the restarted one catches up", async () => {
    const down = nodes[3]!;
    await down.kill9();
    const h0 = await height(nodes[0]!.rpc);
    await waitFor("4 more blocks without node3", async () => (await height(nodes[0]!.rpc)) >= h0 + 4, 60_000);
    // the block proposed after each of node3's skipped rounds records the miss through the downtime system call
    // (a system call, not a transaction: it shows in the slashing contract's state, not in a receipt)
    const slashing = JSON.parse(readFileSync(genesis, "utf8")).luniverse.systemContracts.Slashing as string;
    const iface = new Interface(["function downtimeOf(address) view returns (uint256 missed, uint256 lastMissBlock)"]);
    const out = await rpc<string>(nodes[0]!.rpc, "eth_call", [{ to: slashing, data: iface.encodeFunctionData("downtimeOf", [devKey(4).address]) }, "latest"]);
    const [missedCount, lastMiss] = iface.decodeFunctionResult("downtimeOf", out) as unknown as [bigint, bigint];
    expect(missedCount > 0n, "missed proposals recorded for the dead proposer").to.equal(true);
    expect(Number(lastMiss)).to.be.greaterThan(h0);
    await down.start();
    await waitFor("node3 caught up", async () => (await height(down.rpc)) >= (await height(nodes[0]!.rpc)) - 1, 60_000);
    const h = await height(down.rpc);
    expect((await block(down.rpc, h)).hash).to.equal((await block(nodes[0]!.rpc, h)).hash);
  });

  it("stops finalising with two of four down, without a fork, and resumes when one returns", async () => {
    await Promise.all([nodes[2]!.kill9(), nodes[3]!.kill9()]);
    await new Promise((r) => setTimeout(r, 3_000));
    const stuck = await height(nodes[0]!.rpc);
    await new Promise((r) => setTimeout(r, 8_000));
    expect(await height(nodes[0]!.rpc), "no block is final with 2 of 4 signatures").to.equal(stuck);
    expect(await height(nodes[1]!.rpc)).to.equal(stuck);
    for (let n = Math.max(1, stuck - 5); n <= stuck; n++) expect((await block(nodes[1]!.rpc, n)).hash).to.equal((await block(nodes[0]!.rpc, n)).hash);
    await nodes[2]!.start();
    await waitFor("finality resumes with 3 of 4", async () => (await height(nodes[0]!.rpc)) >= stuck + 3, 150_000);
    await nodes[3]!.start();
    await waitFor("node3 back in sync", async () => (await height(nodes[3]!.rpc)) >= (await height(nodes[0]!.rpc)) - 1, 60_000);
  });

  it("stops proposing with a validator that governance removed, from the next epoch on", async () => {
    const g = JSON.parse(readFileSync(genesis, "utf8")).luniverse.systemContracts as Record<string, string>;
    const provider = new JsonRpcProvider(nodes[0]!.rpc, undefined, { staticNetwork: true, pollingInterval: 250 });
    try {
      const governorAbi = (await hre.artifacts.readArtifact("LuniverseGovernor")).abi;
      const vsAbi = (await hre.artifacts.readArtifact("ValidatorSet")).abi;
      const vs = new Contract(g.ValidatorSet!, vsAbi, provider);
      const removed = devKey(4).address;
      const targets = [g.ValidatorSet!];
      const calldatas = [vs.interface.encodeFunctionData("removeValidator", [removed])];
      const description = `Remove validator ${removed}`;
      const proposer = new Contract(g.LuniverseGovernor!, governorAbi, new Wallet(devKey(1).privateKey, provider));
      await (await proposer.getFunction("propose")(targets, [0], calldatas, description)).wait();
      const proposalId = (await proposer.getFunction("hashProposal")(targets, [0], calldatas, keccakText(description))) as bigint;
      const snapshot = Number(await proposer.getFunction("proposalSnapshot")(proposalId));
      await waitFor("voting open", async () => (await provider.getBlockNumber()) > snapshot, 60_000);
      for (const i of [1, 2, 3]) {
        const voter = new Contract(g.LuniverseGovernor!, governorAbi, new Wallet(devKey(i).privateKey, provider));
        await (await voter.getFunction("castVote")(proposalId, 1)).wait();
      }
      const deadline = Number(await proposer.getFunction("proposalDeadline")(proposalId));
      await waitFor("voting closed", async () => (await provider.getBlockNumber()) > deadline, 60_000);
      await (await proposer.getFunction("queue")(targets, [0], calldatas, keccakText(description))).wait();
      await new Promise((r) => setTimeout(r, 2_500)); // timelock delay (1 s) in block time
      const exec = await (await proposer.getFunction("execute")(targets, [0], calldatas, keccakText(description))).wait();
      const nextEpoch = Number(await vs.getFunction("epochStartBlock")((await vs.getFunction("epochOf")(exec!.blockNumber)) + 1n));
      expect(((await vs.getFunction("validatorsAt")(nextEpoch)) as string[]).map((a) => a.toLowerCase())).to.not.include(removed.toLowerCase());
      await waitFor("two rounds of the new set", async () => (await provider.getBlockNumber()) >= nextEpoch + 7, 90_000);
      const now = (await rpc<string[]>(nodes[0]!.rpc, "luniverse_validators", [])).map((a) => a.toLowerCase());
      expect(now).to.have.length(3);
      for (let n = nextEpoch; n < nextEpoch + 7; n++) {
        expect((await block(nodes[0]!.rpc, n)).miner.toLowerCase(), `proposer of ${n}`).to.not.equal(removed.toLowerCase());
      }
      const fin = await rpc<{ threshold: number }>(nodes[0]!.rpc, "luniverse_getFinality", [`0x${(nextEpoch + 1).toString(16)}`]);
      expect(fin.threshold, "3 validators need 3 signatures").to.equal(3);
    } finally {
      provider.destroy();
    }
  });
});

describe("node: a validator that signs two blocks at one height", function () {
  this.timeout(600_000);
  const CHAIN_ID = 7104; // the same genesis as above (built once), a new chain in new data dirs
  let nodes: NodeProcess[] = [];
  let dir: string;
  let genesis: string;

  before(async () => {
    genesis = await testGenesis({ chainId: CHAIN_ID, validators: 4, systemConfig: SYSTEM });
    // validator 2 (dev account 2) equivocates: it also signs a conflicting hash at every height
    ({ nodes, dir } = await makeCluster(genesis, [1, 2, 3, 4], { env: (i): Record<string, string> => (i === 1 ? { LUNIVERSE_TEST_EQUIVOCATE: "1" } : {}) }));
    await Promise.all(nodes.map((n) => n.start()));
  });
  after(async () => stopAll(nodes, dir));

  it("is caught by its peers and slashed on chain through the slashing contract", async () => {
    const g = JSON.parse(readFileSync(genesis, "utf8")).luniverse.systemContracts as Record<string, string>;
    const offender = devKey(2).address.toLowerCase();
    const slashing = new Contract(g.Slashing!, (await hre.artifacts.readArtifact("Slashing")).abi, new JsonRpcProvider(nodes[0]!.rpc, undefined, { staticNetwork: true }));
    const topic = slashing.interface.getEvent("DoubleSignPunished")!.topicHash;
    let found: { topics: string[] }[] = [];
    await waitFor(
      "DoubleSignPunished for the equivocating validator",
      async () => {
        found = await rpc<{ topics: string[] }[]>(nodes[0]!.rpc, "eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest", address: g.Slashing, topics: [topic] }]);
        return found.length > 0;
      },
      90_000,
      500,
    );
    expect("0x" + found[0]!.topics[1]!.slice(26)).to.equal(offender);
    const blockNumber = BigInt(found[0]!.topics[2] ?? "0x0");
    expect(await slashing.getFunction("isDoubleSignPunished")(offender, blockNumber)).to.equal(true);
    (slashing.runner as JsonRpcProvider).destroy();
  });
});
