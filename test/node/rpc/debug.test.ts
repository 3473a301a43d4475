/**
 * debug_traceTransaction (callTracer and the default struct logger) and debug_traceCall on a real node, compared with
 * anvil's traces of the same transactions — gas figures included: both chains run Cancun's gas schedule, and the
 * struct logger counts a CALL's or CREATE's gasCost with the gas handed to the callee, as geth and anvil do.
 */
import { expect } from "chai";
import { BENEFICIARY, SENDER, call, probe, rpcFailure, startChains, stopChains, type Chains } from "./explorerFixture";

type Frame = { type: string; from: string; to: string; value?: string; gas: string; gasUsed: string; input: string; output?: string; error?: string; revertReason?: string; calls?: Frame[]; logs?: Log[] };
type Log = { address: string; topics: string[]; data: string; position: string; index?: string };
type StructLog = { pc: number; op: string; gas: number; gasCost: number; depth: number; stack?: string[]; memory?: string[]; storage?: Record<string, string>; refund?: number };
type StructTrace = { gas: number; failed: boolean; returnValue: string; structLogs: StructLog[] };

const steps = (t: StructTrace) => t.structLogs.map((s) => `${s.depth}:${s.pc}:${s.op}`);

describe("node/rpc: debug_traceTransaction and debug_traceCall (real node, compared with anvil)", function () {
  this.timeout(300_000);
  let c: Chains;

  before(async function () {
    c = await startChains("debug");
  });
  after(async function () {
    await stopChains(c);
  });

  it("callTracer: the same call tree as anvil (types, from, to, value, input, output, error, logs) for CALL with value, CREATE, CREATE2, STATICCALL, DELEGATECALL, a caught revert and SELFDESTRUCT", async function () {
    const opts = { tracer: "callTracer", tracerConfig: { withLog: true } };
    const ours = await call<Frame>(c.node.rpc, "debug_traceTransaction", [c.ours.run, opts]);
    const theirs = await call<Frame>(c.anvilUrl, "debug_traceTransaction", [c.theirs.run, opts]);
    expect(ours).to.deep.equal(theirs);
    expect(ours.calls!.map((x) => x.type)).to.deep.equal(["CALL", "CREATE", "CREATE2", "CALL", "STATICCALL", "DELEGATECALL", "STATICCALL", "CALL"]);
    expect(ours.calls![7]!.calls![0]).to.include({ type: "SELFDESTRUCT", from: c.ours.created, to: BENEFICIARY, value: "0x5" });
    // the top call's gasUsed is the transaction's, as in the receipt
    const receipt = await call<{ gasUsed: string }>(c.node.rpc, "eth_getTransactionReceipt", [c.ours.run]);
    expect(ours.gasUsed).to.equal(receipt.gasUsed);
    expect(ours.logs).to.have.length(1);
    expect(ours.logs![0]!.topics[0]).to.equal(probe.getEvent("Probed")!.topicHash);
  });

  it("callTracer: reverts — a custom error bubbled from a child, a reason string (revertReason) — as anvil", async function () {
    for (const k of ["failDeep", "failWithReason", "failCustom"] as const) {
      const ours = await call<Frame>(c.node.rpc, "debug_traceTransaction", [c.ours[k], { tracer: "callTracer" }]);
      const theirs = await call<Frame>(c.anvilUrl, "debug_traceTransaction", [c.theirs[k], { tracer: "callTracer" }]);
      expect(ours, k).to.deep.equal(theirs);
      expect(ours.error, k).to.equal("execution reverted");
    }
    const reason = await call<Frame>(c.node.rpc, "debug_traceTransaction", [c.ours.failWithReason, { tracer: "callTracer" }]);
    expect(reason.revertReason).to.equal("probe says no");
  });

  it("callTracer with onlyTopCall: the top frame only, as anvil", async function () {
    const opts = { tracer: "callTracer", tracerConfig: { onlyTopCall: true } };
    const ours = await call<Frame>(c.node.rpc, "debug_traceTransaction", [c.ours.run, opts]);
    const theirs = await call<Frame>(c.anvilUrl, "debug_traceTransaction", [c.theirs.run, opts]);
    expect(ours.calls).to.equal(undefined);
    expect(ours).to.deep.equal(theirs);
  });

  it("struct logger: the same opcode, pc, depth, gas and gasCost sequence as anvil's, the same failure and return value", async function () {
    for (const k of ["failCustom", "run", "failDeep"] as const) {
      const ours = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours[k], {}]);
      const theirs = await call<StructTrace>(c.anvilUrl, "debug_traceTransaction", [c.theirs[k], {}]);
      expect(ours.structLogs.length, k).to.be.greaterThan(50);
      expect(steps(ours), k).to.deep.equal(steps(theirs));
      expect(ours.structLogs.map((x) => [x.gas, x.gasCost]), k).to.deep.equal(theirs.structLogs.map((x) => [x.gas, x.gasCost]));
      expect([ours.failed, ours.returnValue], k).to.deep.equal([theirs.failed, theirs.returnValue]);
      const receipt = await call<{ gasUsed: string }>(c.node.rpc, "eth_getTransactionReceipt", [c.ours[k]]);
      expect(ours.gas, k).to.equal(Number(receipt.gasUsed));
    }
  });

  it("struct logger: stacks and memory (enableMemory) as anvil's; none with disableStack", async function () {
    const ours = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours.failCustom, { enableMemory: true }]);
    const theirs = await call<StructTrace>(c.anvilUrl, "debug_traceTransaction", [c.theirs.failCustom, { enableMemory: true }]);
    expect(ours.structLogs.map((s) => s.stack)).to.deep.equal(theirs.structLogs.map((s) => s.stack));
    expect(ours.structLogs.map((s) => s.memory)).to.deep.equal(theirs.structLogs.map((s) => s.memory));
    expect(ours.structLogs.map((s) => s.refund)).to.deep.equal(theirs.structLogs.map((s) => s.refund));
    const bare = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours.failCustom, { disableStack: true }]);
    expect(bare.structLogs.every((s) => s.stack === undefined && s.memory === undefined)).to.equal(true);
    expect(steps(bare)).to.deep.equal(steps(ours));
  });

  it("struct logger: SSTORE and SLOAD steps carry the contract's storage seen so far; disableStorage leaves it out", async function () {
    const ours = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours.run, {}]);
    const stores = ours.structLogs.filter((s) => s.op === "SSTORE");
    expect(stores.length).to.be.greaterThan(0);
    // TraceChild.set(7) on the CREATE child: slot 0 = 7
    const seven = stores.find((s) => Object.values(s.storage ?? {}).includes("0".repeat(63) + "7"));
    expect(seven, "an SSTORE of 7 into slot 0").to.not.equal(undefined);
    expect(seven!.storage!["0".repeat(64)]).to.equal("0".repeat(63) + "7");
    const none = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours.run, { disableStorage: true }]);
    expect(none.structLogs.every((s) => s.storage === undefined)).to.equal(true);
    const limited = await call<StructTrace>(c.node.rpc, "debug_traceTransaction", [c.ours.run, { limit: 10 }]);
    expect(limited.structLogs).to.have.length(10);
  });

  it("debug_traceCall: a call traced at latest gives anvil's call tree and struct logs, intrinsic gas counted", async function () {
    // an explicit gas limit: without one each chain offers its block gas limit (60,000,000 here, anvil's 30,000,000)
    const request = (to: string) => ({ from: SENDER.address, to, gas: "0x100000", data: probe.encodeFunctionData("failCustom", [5]) });
    const ours = await call<Frame>(c.node.rpc, "debug_traceCall", [request(c.ours.probe), "latest", { tracer: "callTracer" }]);
    const theirs = await call<Frame>(c.anvilUrl, "debug_traceCall", [request(c.theirs.probe), "latest", { tracer: "callTracer" }]);
    expect(ours).to.deep.equal(theirs);
    const logs = await call<StructTrace>(c.node.rpc, "debug_traceCall", [request(c.ours.probe), "latest", {}]);
    expect(logs.failed).to.equal(true);
    expect(logs.structLogs[logs.structLogs.length - 1]!.op).to.equal("REVERT");
    const theirLogs = await call<StructTrace>(c.anvilUrl, "debug_traceCall", [request(c.theirs.probe), "latest", {}]);
    expect(steps(logs)).to.deep.equal(steps(theirLogs));
    expect(logs.gas).to.equal(theirLogs.gas);
  });

  it("bad input: an unknown transaction, an unknown tracer, a malformed hash, wrong option types — each named in the error", async function () {
    const unknown = "0x" + "cd".repeat(32);
    let e = await rpcFailure(c.node.rpc, "debug_traceTransaction", [unknown, {}]);
    expect(e.code).to.equal(-32000);
    expect(e.message).to.contain(`transaction ${unknown} not found`);
    e = await rpcFailure(c.node.rpc, "debug_traceTransaction", [c.ours.run, { tracer: "nopeTracer" }]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain('invalid argument 1: field "tracer": unknown tracer "nopeTracer"');
    e = await rpcFailure(c.node.rpc, "debug_traceTransaction", ["0x1234", {}]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain("invalid argument 0");
    e = await rpcFailure(c.node.rpc, "debug_traceTransaction", [c.ours.run, { tracer: "callTracer", tracerConfig: { onlyTopCall: "yes" } }]);
    expect(e.code).to.equal(-32602);
    expect(e.message).to.contain('field "tracerConfig.onlyTopCall": expected true or false');
    e = await rpcFailure(c.node.rpc, "debug_traceTransaction", [c.ours.run, "callTracer"]);
    expect(e.code).to.equal(-32602);
    e = await rpcFailure(c.node.rpc, "debug_traceCall", [{ to: "0xzz" }, "latest", {}]);
    expect(e.code).to.equal(-32602);
  });
});
