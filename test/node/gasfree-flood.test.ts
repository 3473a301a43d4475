/**
 * A gas-free chain defending itself against a flood (issue #13), on four validator processes: 100 abusive keys (50
 * unsponsored, 50 in an "abusive DApp" sponsor) send transfers as fast as their loops go while 20 honest users of an
 * "honest DApp" send one per second; everything is measured from the chain afterwards (bench/gasfree/flood.ts, the
 * driver `npm run bench:gas-free` runs for longer). The single-node behaviours of the policy are in gasfree.test.ts.
 */
import { expect } from "chai";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { FLOOD_RATES, TRANSFER_GAS, floodKeys, floodPolicy, floodSystemConfig, formatFlood, runFlood, type FloodResult } from "../../bench/gasfree/flood";
import { devKey, height, makeCluster, stopAll, testGenesis, waitFor, type NodeProcess } from "./helpers/nodes";

const CHAIN_ID = 7133;
const DURATION_S = 40;

describe("node: a gas-free chain under a flood (four validators)", function () {
  this.timeout(300_000);
  const keys = floodKeys();
  const params = floodPolicy(DURATION_S);
  let nodes: NodeProcess[] = [];
  let dir: string | undefined;
  let r: FloodResult;

  before(async () => {
    const genesis = await testGenesis({ chainId: CHAIN_ID, validators: 4, gasFree: true, systemConfig: floodSystemConfig(keys, params, devKey(0).address) });
    rmSync(path.join(__dirname, "../../.openzeppelin", `unknown-${CHAIN_ID}.json`), { force: true });
    const file = JSON.parse(readFileSync(genesis, "utf8")) as { luniverse: { systemContracts: Record<string, string> } };
    const policyAddress = file.luniverse.systemContracts.GasPolicy!;
    // the policy on (the default), and the per-sender rate limit out of the way: the policy is under test
    ({ nodes, dir } = await makeCluster(genesis, [1, 2, 3, 4], { config: { gasFree: { enabled: true, policy: true, maxTxPerSenderPerMinute: 1_000_000 } } }));
    await Promise.all(nodes.map((n) => n.start()));
    await waitFor("block 2 on every node", async () => (await Promise.all(nodes.map((n) => height(n.rpc)))).every((h) => h >= 2), 60_000);
    r = await runFlood({
      urls: nodes.map((n) => n.rpc),
      chainId: BigInt(CHAIN_ID),
      keys,
      params,
      policyAddress,
      durationMs: DURATION_S * 1000,
      rates: { ...FLOOD_RATES },
    });
    for (const line of formatFlood(r)) console.log(`      ${line}`);
  });
  after(async () => stopAll(nodes, dir));

  it("includes honest users' transactions within 2 blocks (p95) and refuses none of them", () => {
    expect(r.honest.refused, JSON.stringify(r.refusals.honest)).to.equal(0);
    expect(r.honest.accepted).to.be.greaterThan(0.9 * keys.honest.length * DURATION_S * FLOOD_RATES.honest);
    expect(r.honest.notIncluded, "accepted honest transactions not in a block").to.equal(0);
    const late = r.honest.late.map((l) => `block ${l.block}: ${l.count}`).join(", ");
    expect(r.honest.p95, `p95 of ${r.honest.delays.length} delays; included > 2 blocks late: ${late}`).to.be.at.most(2);
    expect(r.honest.maxGas < BigInt(params.abuseGasPerWindow), "honest users stay below the abuse threshold").to.equal(true);
  });

  it("includes no more gas for an abusive account in a window than its quota (± one transaction)", () => {
    expect(r.quota.accounts).to.equal(100);
    // the quota binds at admission (the window's gas + what is pooled + this transaction) before it binds in blocks
    expect(r.refusals.abusive.quota ?? 0, "submissions refused by the quota rule").to.be.greaterThan(0);
    expect(r.quota.maxOver <= TRANSFER_GAS, `most over the quota: ${r.quota.maxOver}`).to.equal(true);
  });

  it("never lets unsponsored transactions take more than their share of a block", () => {
    expect(r.unsponsored.perBlock.length).to.be.greaterThan(5);
    const over = r.unsponsored.perBlock.filter((b) => b.gas > b.share);
    expect(over, JSON.stringify(over.map((b) => ({ n: b.number, gas: b.gas.toString(), share: b.share.toString() })))).to.deep.equal([]);
    expect(r.unsponsored.maxGas > 0n).to.equal(true);
  });

  it("reports an abuser within 2 blocks of its executed gas crossing the threshold", () => {
    const crossed = r.abusers.filter((a) => a.crossBlock !== null);
    expect(crossed.length, "abusers past the executed-gas threshold").to.be.greaterThan(0);
    for (const a of crossed) {
      expect(a.firstReport, `${a.account} (crossed at ${a.crossBlock}) reported`).to.not.equal(null);
      expect(a.blocksToReport!, `${a.account}: crossed at ${a.crossBlock}, first reported at ${a.firstReport!.block}`).to.be.within(0, 2);
    }
    // every validator saw the same executed gas: the first reports name that criterion
    expect(crossed.filter((a) => a.firstReport!.reason === "executed-gas").length).to.be.greaterThan(0);
  });

  it("blacklists an abuser on chain once more than 2/3 of the validators reported it", () => {
    const blacklisted = r.abusers.filter((a) => a.blacklisted !== null);
    expect(blacklisted.length).to.be.greaterThan(0);
    for (const a of blacklisted) {
      expect(a.blacklisted!.needed, "reports needed of 4 validators").to.equal(3);
      expect(a.blacklisted!.reportersBefore, `${a.account}: distinct reporters up to its Blacklisted event`).to.be.at.least(3);
    }
    for (const a of r.abusers.filter((x) => x.crossBlock !== null)) expect(a.blacklisted, `${a.account} crossed at ${a.crossBlock}`).to.not.equal(null);
  });

  it("then refuses a blacklisted account's transaction on every node, with the rule", () => {
    expect(r.blacklistCheck.length).to.be.greaterThan(0);
    for (const c of r.blacklistCheck) {
      expect(c.answers).to.have.length(4);
      for (const a of c.answers) expect(a.rule, `${c.account} on node ${a.node}: ${a.message}`).to.equal("blacklisted");
    }
  });
});
