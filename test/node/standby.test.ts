/**
 * A standby for a validator's key (node/consensus/keyGuard.ts), with real processes: four validators and a fifth node
 * holding validator 4's key as a standby. The standby refuses a takeover while the key still signs; once validator 4 is
 * killed and its key has been absent for `standby.afterBlocks` blocks, the operator's takeover makes the standby sign
 * (its commit signatures are in the next blocks' finality). When the old node comes back, it sees its key in commit
 * signatures above its own signing record and stops signing: never two active signers for one key, no double sign.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { expectTaskError, runTask } from "../helpers/tasks";
import { devKey, height, makeCluster, rpc, stopAll, testGenesis, waitFor, type NodeProcess } from "./helpers/nodes";

// the genesis of cluster.test.ts (cached under .luniverse/test-genesis)
const SYSTEM = {
  validatorSet: { epochLength: 10 },
  governance: { votingDelay: 1, votingPeriod: 8, timelockDelay: 1 },
};

interface Guard {
  validator: string;
  active: boolean;
  role: string;
  absentBlocks: number;
  ready: boolean;
  otherSigner: { height: string } | null;
  signingRecord: { height: string; hash: string } | null;
}

async function signersOf(url: string, n: number): Promise<string[]> {
  const fin = await rpc<{ signatures: { validator: string }[] }>(url, "luniverse_getFinality", [`0x${n.toString(16)}`]);
  return fin.signatures.map((s) => s.validator.toLowerCase());
}

describe("node: a standby takes over a validator's key, and the old node stands down", function () {
  this.timeout(300_000);
  let nodes: NodeProcess[] = [];
  let dir: string;
  const key4 = devKey(4).address.toLowerCase();

  before(async () => {
    const genesis = await testGenesis({ chainId: 7104, validators: 4, systemConfig: SYSTEM });
    ({ nodes, dir } = await makeCluster(genesis, [1, 2, 3, 4, 4], { config: (i) => (i === 4 ? { standby: { enabled: true, afterBlocks: 4 } } : {}) }));
    await Promise.all(nodes.map((n) => n.start()));
  });
  after(async () => stopAll(nodes, dir));

  it("stands by while the key signs: a takeover is refused (STANDBY_NOT_READY)", async () => {
    const [, , , primary, standby] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    await waitFor("key 4 in a commit", async () => {
      const h = await height(primary.rpc);
      return h >= 3 && (await signersOf(primary.rpc, h)).includes(key4);
    }, 60_000);
    const s = await rpc<Guard>(standby.rpc, "luniverse_standby", []);
    expect(s).to.include({ validator: key4, active: false, role: "standby", ready: false });
    const p = await rpc<Guard>(primary.rpc, "luniverse_standby", []);
    expect(p).to.include({ active: true, role: "active" });
    const { out } = await runTask("node:standby", { rpc: standby.rpc });
    expect(out).to.contain(`validator ${key4}: standby (signs nothing)`).and.contain("not ready");
    await expectTaskError(runTask("node:takeover", { rpc: standby.rpc }), /a takeover needs 4 blocks without its signature/);
    await expectTaskError(runTask("node:takeover", { rpc: standby.rpc, signingRecord: "12" }), /--signing-record must be HEIGHT:HASH/);
    await expectTaskError(runTask("node:takeover", { rpc: primary.rpc }), /already signs/);
    // the primary keeps signing for key 4 (a commit needs 3 of 4, so one block may go without its late signature)
    const h = await height(standby.rpc);
    const recent: string[][] = [];
    for (let n = Math.max(1, h - 3); n <= h; n++) recent.push(await signersOf(standby.rpc, n));
    expect(recent.some((s) => s.includes(key4)), JSON.stringify(recent)).to.equal(true);
  });

  it("after validator 4 is gone for 4 blocks, node:takeover makes the standby sign for it", async () => {
    const [v1, , , primary, standby] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    await primary.kill9();
    await waitFor("the standby ready", async () => (await rpc<Guard>(standby.rpc, "luniverse_standby", [])).ready, 60_000);
    const { out, result } = await runTask("node:takeover", { rpc: standby.rpc });
    const g = result as Guard;
    expect(g).to.include({ active: true, role: "active" });
    expect(out).to.contain("active (signs)");
    const fenced = BigInt(g.signingRecord!.height);
    // the key signs again, from the standby, above the fence
    await waitFor("key 4 signing again", async () => {
      const h = await height(v1.rpc);
      return BigInt(h) > fenced && (await signersOf(v1.rpc, h)).includes(key4);
    }, 60_000);
    const metrics = await (await fetch(`${standby.rpc}/metrics`)).text();
    expect(metrics).to.match(/^luniverse_validator_signing 1$/m);
  });

  it("the old node, restarted, sees its key signing above its record and stops signing: no double sign", async () => {
    const [v1, , , primary, standby] = nodes as [NodeProcess, NodeProcess, NodeProcess, NodeProcess, NodeProcess];
    await primary.start();
    await waitFor("the old node stood down", async () => (await rpc<Guard>(primary.rpc, "luniverse_standby", [])).role === "stood-down", 60_000);
    const p = await rpc<Guard>(primary.rpc, "luniverse_standby", []);
    expect(p.active).to.equal(false);
    expect(p.otherSigner).to.not.equal(null);
    expect(readFileSync(primary.logFile, "utf8")).to.contain("another node signs with this validator's key");
    const metrics = await (await fetch(`${primary.rpc}/metrics`)).text();
    expect(metrics).to.match(/^luniverse_validator_signing 0$/m);
    expect(metrics).to.match(/^luniverse_validator_other_signer_total [1-9]\d*$/m);
    // the chain goes on with the standby signing, and nobody saw a double sign
    const h0 = await height(v1.rpc);
    await waitFor("3 more blocks", async () => (await height(v1.rpc)) >= h0 + 3, 60_000);
    expect((await rpc<Guard>(standby.rpc, "luniverse_standby", [])).active).to.equal(true);
    for (const n of nodes) expect(readFileSync(n.logFile, "utf8"), n.name).to.not.contain("double signing detected");
    // the operator's planned switch back: the standby stands down and hands its record over
    const down = await runTask("node:stand-down", { rpc: standby.rpc });
    const rec = (down.result as Guard).signingRecord!;
    expect(down.out).to.contain(`--signing-record ${rec.height}:${rec.hash}`);
    await waitFor("the primary ready", async () => (await rpc<Guard>(primary.rpc, "luniverse_standby", [])).ready, 60_000);
    const back = await runTask("node:takeover", { rpc: primary.rpc, signingRecord: `${rec.height}:${rec.hash}` });
    expect(BigInt((back.result as Guard).signingRecord!.height)).to.be.at.least(BigInt(rec.height));
    await waitFor("key 4 signing from the primary", async () => {
      const h = await height(v1.rpc);
      return (await signersOf(v1.rpc, h)).includes(key4) && (await rpc<Guard>(primary.rpc, "luniverse_standby", [])).active;
    }, 60_000);
  });
});
