/**
 * A gas-free chain's gas policy enforced by a real node process (issue #13): the per-transaction gas cap cuts a loop,
 * quotas refuse with the rule, the usage and the reset time, usage survives a restart, abusers past the thresholds
 * are reported by the validator and blacklisted on chain, a blacklist entry expires, governance removes one, and bad
 * input to the new JSON-RPC methods gets a clear error. The flood on four validators is in gasfree-flood.test.ts.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, Interface, JsonRpcProvider, Wallet, type TransactionRequest } from "ethers";
import http from "node:http";
import { passProposal } from "../../ops/governance/passProposal";
import { startTestGateway } from "../services/gateway/harness";
import { NodeProcess, devKey, freePort, height, rpc, testGenesis, waitFor } from "./helpers/nodes";

const CHAIN_ID = 7131;
const POLICY = {
  windowSeconds: 3600,
  maxTxGas: 500_000,
  defaultAccountQuota: 700_000,
  unsponsoredShareBps: 5000,
  abuseGasPerWindow: 0,
  abuseRevertsPerWindow: 3,
  abuseRejectionsPerWindow: 0,
  reportBlacklistSeconds: 40,
};
/** Runtime `JUMPDEST PUSH1 0 JUMP` (loops until out of gas), returned by its init code. */
const LOOP_INIT = "0x635b6000566000526004601cf3";
/** Runtime `PUSH1 0 PUSH1 0 REVERT`. */
const REVERT_INIT = "0x6460006000fd6000526005601bf3";

interface RpcErrorObject {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/** eth_sendRawTransaction's raw answer: the result or the error object. */
async function sendRaw(url: string, raw: string): Promise<{ result?: string; error?: RpcErrorObject }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] }) });
  return (await res.json()) as { result?: string; error?: RpcErrorObject };
}

async function rpcError(url: string, method: string, params: unknown[]): Promise<RpcErrorObject> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { error?: RpcErrorObject };
  if (body.error === undefined) throw new Error(`${method} did not fail`);
  return body.error;
}

interface Usage {
  used: string;
  quota: string;
  reserved: string;
  resetsAt: number;
  window: string;
  blacklistedUntil: number;
  throttled: { reason: string } | null;
  counters: { reverts: number };
}

describe("node: a gas-free chain's gas policy (real process)", function () {
  this.timeout(600_000);
  let dir: string;
  let node: NodeProcess;
  let provider: JsonRpcProvider;
  let policyAddress: string;
  let governor: string;
  let loop: string;
  let reverter: string;

  const wallet = (i: number) => new Wallet(devKey(i).privateKey, provider);
  /** Signs `req` from dev account `i` with gas price 0 and the given gas limit. */
  async function signed(i: number, req: TransactionRequest & { gasLimit: bigint | number }): Promise<string> {
    const w = wallet(i);
    const nonce = await provider.getTransactionCount(w.address, "pending");
    return w.signTransaction({ chainId: CHAIN_ID, nonce, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, type: 2, ...req });
  }
  async function send(i: number, req: TransactionRequest & { gasLimit: bigint | number }) {
    const answer = await sendRaw(node.rpc, await signed(i, req));
    if (answer.error) throw new Error(answer.error.message);
    return (await provider.waitForTransaction(answer.result!, 1, 30_000))!;
  }
  const usage = (a: string) => rpc<Usage>(node.rpc, "luniverse_gasUsage", [a]);

  before(async () => {
    const genesis = await testGenesis({
      chainId: CHAIN_ID,
      validators: 1,
      gasFree: true,
      systemConfig: { gasPolicy: POLICY, governance: { votingDelay: 1, votingPeriod: 4, timelockDelay: 1 } },
    });
    rmSync(path.join(__dirname, "../../.openzeppelin", `unknown-${CHAIN_ID}.json`), { force: true });
    const file = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(genesis, "utf8"))) as { luniverse: { systemContracts: Record<string, string> } };
    policyAddress = file.luniverse.systemContracts.GasPolicy!;
    governor = file.luniverse.systemContracts.LuniverseGovernor!;
    expect(policyAddress, "GasPolicy in genesis").to.match(/^0x[0-9a-fA-F]{40}$/);
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-gasfree-"));
    node = new NodeProcess(
      { genesis, dataDir: path.join(dir, "data"), rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1, config: { gasFree: { enabled: true, abuseReportsFrom: ["127.0.0.1"] } } },
      "gasfree",
    );
    await node.start();
    provider = new JsonRpcProvider(node.rpc, undefined, { staticNetwork: true, pollingInterval: 200 });
    await waitFor("block 1", async () => (await height(node.rpc)) >= 1, 20_000);
    // the test contracts, deployed by the validator (its own transactions are held to no quota)
    loop = (await send(1, { data: LOOP_INIT, gasLimit: 100_000 })).contractAddress!;
    reverter = (await send(1, { data: REVERT_INIT, gasLimit: 100_000 })).contractAddress!;
  });
  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a gas limit above the policy's cap per transaction, naming the rule; a looping call is cut at the cap", async () => {
    const refused = await sendRaw(node.rpc, await signed(5, { to: loop, gasLimit: POLICY.maxTxGas + 1 }));
    expect(refused.error?.code).to.equal(-32000);
    expect(refused.error?.message).to.match(/^gas policy \(max-tx-gas\): gas limit 500001 is above the policy's maximum of 500000 per transaction/);
    expect(refused.error?.data).to.include({ rule: "max-tx-gas", maxTxGas: "500000", gasLimit: "500001" });
    const receipt = await send(5, { to: loop, gasLimit: POLICY.maxTxGas });
    expect(receipt.status).to.equal(0);
    expect(receipt.gasUsed).to.equal(BigInt(POLICY.maxTxGas));
  });

  it("holds an account to its quota: refused with the usage counted from receipts and the window's reset time", async () => {
    const me = devKey(5).address;
    let used = BigInt(POLICY.maxTxGas); // the loop above
    const to = Wallet.createRandom().address;
    for (;;) {
      const answer = await sendRaw(node.rpc, await signed(5, { to, value: 0n, gasLimit: 21_000 }));
      if (answer.error) {
        expect(answer.error.message).to.match(/^gas policy \(quota\): sender 0x[0-9a-f]{40} used \d+ gas of its quota of 700000 per 3600 s window .* the window resets at \d{4}-\d\d-\d\dT/);
        const data = answer.error.data!;
        expect(data.rule).to.equal("quota");
        expect(data.used).to.equal(used.toString());
        expect(data.quota).to.equal("700000");
        const head = await provider.getBlock("latest");
        expect(data.resetsAt).to.equal((Math.floor(head!.timestamp / 3600) + 1) * 3600);
        break;
      }
      const r = await provider.waitForTransaction(answer.result!, 1, 30_000);
      used += r!.gasUsed;
      expect(used).to.be.at.most(700_000n);
    }
    const u = await usage(me);
    expect(u.used).to.equal(used.toString());
    expect(u.quota).to.equal("700000");
    expect(BigInt(u.used) + 21_000n).to.be.greaterThan(700_000n);
  });

  it("keeps the usage across a restart (checkpoint + receipts counted again)", async () => {
    const before = await usage(devKey(5).address);
    await node.stop();
    await node.start();
    await waitFor("blocks again", async () => (await height(node.rpc)) >= 1, 20_000);
    const after = await usage(devKey(5).address);
    expect(after.used).to.equal(before.used);
    expect(after.window).to.equal(before.window);
    const refused = await sendRaw(node.rpc, await signed(5, { to: Wallet.createRandom().address, gasLimit: 21_000 }));
    expect(refused.error?.data).to.include({ rule: "quota" });
  });

  it("reports accounts past the revert threshold; blacklisted on chain, refused, then admitted again on expiry or removal by governance", async () => {
    // two abusers: dev 6 waits for its entry to expire, dev 7 is removed by governance
    for (const i of [6, 7]) for (let k = 0; k < POLICY.abuseRevertsPerWindow; k++) expect((await send(i, { to: reverter, gasLimit: 30_000 })).status).to.equal(0);
    const policy = new Contract(policyAddress, ["function isBlacklisted(address) view returns (bool)", "function removeFromBlacklist(address)"], provider);
    await waitFor("both blacklisted on chain", async () => (await policy.isBlacklisted(devKey(6).address)) && (await policy.isBlacklisted(devKey(7).address)), 20_000);
    const u6 = await usage(devKey(6).address);
    expect(u6.counters.reverts).to.equal(3);
    expect(u6.blacklistedUntil).to.be.greaterThan(Math.floor(Date.now() / 1000));
    const refused = await sendRaw(node.rpc, await signed(6, { to: Wallet.createRandom().address, gasLimit: 21_000 }));
    expect(refused.error?.message).to.match(/^gas policy \(blacklisted\): sender 0x[0-9a-f]{40} is blacklisted until /);
    const refusedTarget = await sendRaw(node.rpc, await signed(8, { to: devKey(6).address, gasLimit: 21_000 }));
    expect(refusedTarget.error?.data).to.include({ rule: "target-blacklisted" });
    const metrics = await (await fetch(`${node.rpc}/metrics`)).text();
    expect(metrics).to.match(/luniverse_gasfree_reports_sent_total [1-9]/);
    expect(metrics).to.match(/luniverse_gasfree_accounts_reported_total [2-9]/);
    expect(metrics).to.match(/luniverse_gasfree_rejections_total\{rule="blacklisted"\} [1-9]/);

    // governance removes dev 7's entry: admitted again at once
    const data = new Interface(["function removeFromBlacklist(address)"]).encodeFunctionData("removeFromBlacklist", [devKey(7).address]);
    await passProposal({ provider, validators: [wallet(1)] }, { governor, targets: [policyAddress], values: [0n], calldatas: [data], description: `remove ${devKey(7).address} from the blacklist ${Date.now()}` });
    expect(await policy.isBlacklisted(devKey(7).address)).to.equal(false);
    expect((await send(7, { to: Wallet.createRandom().address, gasLimit: 21_000 })).status).to.equal(1);
    expect(await policy.isBlacklisted(devKey(6).address)).to.equal(true);

    // dev 6's entry expires after reportBlacklistSeconds
    const until = (await usage(devKey(6).address)).blacklistedUntil;
    await waitFor("the entry's expiry", async () => (await provider.getBlock("latest"))!.timestamp > until && Date.now() / 1000 > until, 60_000, 500);
    expect((await send(6, { to: Wallet.createRandom().address, gasLimit: 21_000 })).status).to.equal(1);
    expect((await (await fetch(`${node.rpc}/metrics`)).text())).to.match(/luniverse_gasfree_blacklist_size \d/);
  });

  it("takes the gateway's report of a sender that keeps reverting: throttled, reported by the validator, blacklisted on chain", async () => {
    const g = await startTestGateway({
      config: {
        chains: [{ id: CHAIN_ID, name: "game", upstreams: [{ name: "v1", url: node.rpc }], reportAbuse: true }],
        abuse: { senderReverts: { windowSeconds: 60, maxReverts: 2 }, ipRate: null, keyRate: null, errorRatio: null },
      },
    });
    try {
      const key = (await g.key("game", { chains: ["game"] })).key;
      const abuser = devKey(9).address;
      const callReverter = () => fetch(g.gw.rpcUrl("game", key), { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ from: abuser, to: reverter, data: "0x" }, "latest"] }) }).then((r) => r.json() as Promise<{ error?: RpcErrorObject }>);
      for (let i = 0; i < 3; i++) expect((await callReverter()).error?.code, "a revert").to.equal(3);
      const policy = new Contract(policyAddress, ["function isBlacklisted(address) view returns (bool)"], provider);
      await waitFor("the reported sender blacklisted on chain", async () => policy.isBlacklisted(abuser), 20_000);
      expect((await usage(abuser)).blacklistedUntil).to.be.greaterThan(Math.floor(Date.now() / 1000));
      // the gateway refuses the sender at once, and counted the report
      expect((await callReverter()).error?.message).to.match(/sender 0x[0-9a-f]{40} is banned until .*had 3 transactions revert in 60 s \(limit 2\)/);
      expect(await (await fetch(`${g.gw.url}/metrics`)).text()).to.match(new RegExp(`luniverse_gateway_abuse_reports_total\\{chain="${CHAIN_ID}",result="sent"\\} 1`));
    } finally {
      await g.close();
    }
  });

  it("refuses abuse reports from addresses outside gasFree.abuseReportsFrom, and bad reports", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "luniverse_reportAbuse", params: [devKey(12).address, "reverts"] });
    const answer = await new Promise<{ error?: RpcErrorObject }>((resolve, reject) => {
      const req = http.request(node.rpc, { method: "POST", localAddress: "127.0.0.2", headers: { "content-type": "application/json" } }, (res) => {
        let t = "";
        res.on("data", (c: Buffer) => (t += c.toString()));
        res.on("end", () => resolve(JSON.parse(t) as { error?: RpcErrorObject }));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(answer.error?.code).to.equal(-32000);
    expect(answer.error?.message).to.match(/reports from 127\.0\.0\.2 are not accepted \(not in gasFree\.abuseReportsFrom\)/);
    const badReason = await rpcError(node.rpc, "luniverse_reportAbuse", [devKey(12).address, "spam"]);
    expect(badReason.message).to.match(/the reason must be "executed-gas", "reverts" or "rejections"/);
    const validator = await rpc<{ throttled: boolean }>(node.rpc, "luniverse_reportAbuse", [devKey(1).address, "reverts"]);
    expect(validator.throttled, "the chain's validators are never throttled").to.equal(false);
  });

  it("answers bad input to the gas methods with a clear JSON-RPC error", async () => {
    const bad = await rpcError(node.rpc, "luniverse_gasUsage", ["0x1234"]);
    expect(bad.code).to.equal(-32602);
    const none = await rpcError(node.rpc, "luniverse_gasUsage", []);
    expect(none.code).to.equal(-32602);
    const zero = await rpcError(node.rpc, "luniverse_gasSponsorUsage", ["0x0"]);
    expect(zero.code).to.equal(-32602);
    expect(zero.message).to.match(/sponsor ids start at 1/);
  });
});
