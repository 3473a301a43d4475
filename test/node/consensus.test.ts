/**
 * The consensus state machine (node/consensus/rounds.ts) driven by a fake clock and a fake network, no processes:
 * rounds and timeouts, skipped proposers and their downtime system calls, polkas, locks, late votes, outsiders,
 * equivocation, and the block period measured from the previous proposal's start. Also the parts beside it: timing,
 * the signing record, the per-epoch validator-set cache, evidence and the builder's gas cap. The same behaviour
 * runs again with real processes in single.test.ts and cluster.test.ts.
 */
import { expect } from "chai";
import { Block, createBlock, createBlockFromRLP, createBlockHeader } from "@ethereumjs/block";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { KECCAK256_RLP, bytesToHex, createAddressFromString, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { createLogger } from "../../lib/log";
import type { FinalitySignature } from "../../node/chain/chain";
import { withinGas } from "../../node/consensus/engine";
import { addressOfPrivateKey, commitDigest, prevoteDigest, signDigest } from "../../node/consensus/crypto";
import { DoubleSignDetector, type Evidence } from "../../node/consensus/evidence";
import { hexNumber, proposalFromItems, proposalItems, roundOf, type PrevoteMsg, type ProposalMsg, type VoteMsg } from "../../node/consensus/messages";
import { RoundMachine, type RoundHost } from "../../node/consensus/rounds";
import { LEGACY_SIGNING_KEY, SIGNING_RECORD_KEY, SigningRecord, type SigningStore } from "../../node/consensus/signingRecord";
import { SLASHING_ABI } from "../../node/consensus/slashing";
import { BlockTiming, MAX_BUILD_SHARE, MIN_BUILD_MS } from "../../node/consensus/timing";
import { VALIDATOR_SET_ABI, ValidatorSetReader, type HeadCaller } from "../../node/consensus/validators";
import { makeCommon, keccak256 } from "../../node/execution/common";
import { ExecutionError } from "../../node/execution/errors";
import type { ExecutedBlock, HeaderFields, SystemCall } from "../../node/execution/executor";

const CHAIN_ID = 4711n;
const common = makeCommon(CHAIN_ID);
const PERIOD = 1000;
const TIMEOUT = 2000;
const GAS_LIMIT = 30_000_000n;
const BASE_FEE = 7n;
const SLASHING: Hex = "0x00000000000000000000000000000000000000f1";
/** A whole second, so block timestamps are easy to reason about. */
const T0 = 1_700_000_000_000;
const silent = createLogger("consensus-test", { level: "error", write: () => undefined });

const keyOf = (i: number) => hexToBytes(`0x${(i + 1).toString(16).padStart(64, "0")}`);

class MapStore implements SigningStore {
  readonly m = new Map<string, Uint8Array>();
  async get(key: string) {
    return this.m.get(key);
  }
  async put(key: string, value: Uint8Array) {
    this.m.set(key, value);
  }
}

/** The fake executor's blocks: the state root commits to the parent's and to the system calls run first. */
function fakeBlock(parent: Block, f: HeaderFields, calls: SystemCall[]): Block {
  const parts = [parent.header.stateRoot, ...calls.map((c) => hexToBytes(c.data as Hex))];
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  const header = createBlockHeader(
    {
      parentHash: parent.hash(),
      number: f.number,
      timestamp: f.timestamp,
      coinbase: createAddressFromString(f.coinbase),
      gasLimit: f.gasLimit,
      baseFeePerGas: f.baseFeePerGas,
      extraData: f.extraData,
      difficulty: 0n,
      excessBlobGas: 0n,
      blobGasUsed: 0n,
      parentBeaconBlockRoot: new Uint8Array(32),
      withdrawalsRoot: KECCAK256_RLP,
      stateRoot: keccak256(buf),
    },
    { common, skipConsensusFormatValidation: true },
  );
  return new Block(header, [], [], [], { common });
}

function genesis(): Block {
  return createBlock(
    {
      header: {
        number: 0n,
        timestamp: BigInt(T0 / 1000 - 10),
        gasLimit: GAS_LIMIT,
        baseFeePerGas: BASE_FEE,
        difficulty: 0n,
        excessBlobGas: 0n,
        blobGasUsed: 0n,
        parentBeaconBlockRoot: new Uint8Array(32),
        withdrawalsRoot: KECCAK256_RLP,
      },
    },
    { common, skipConsensusFormatValidation: true },
  );
}

interface Sent {
  from: Sim;
  type: string;
  payload: unknown;
  at: number;
}

class World {
  t = T0;
  queue: { to: Sim; m: Sent }[] = [];
  /** Every message sent, delivered or not. */
  log: Sent[] = [];
  dropped: { to: Sim; m: Sent }[] = [];
  drop: (m: Sent, to: Sim) => boolean = () => false;
  sims: Sim[] = [];
  readonly genesis = genesis();
  validators: Hex[];

  constructor(n: number, opts: { fullNode?: boolean } = {}) {
    const keys = Array.from({ length: n }, (_, i) => keyOf(i));
    this.validators = keys.map((k) => addressOfPrivateKey(k)).sort();
    for (const k of keys) this.sims.push(new Sim(this, k));
    if (opts.fullNode) this.sims.push(new Sim(this, null));
  }

  /** The simulated node whose address is validators[i] (proposer of round r at height h: i = (h + r) % n). */
  byIndex(i: number): Sim {
    return this.sims.find((s) => s.address === this.validators[i])!;
  }

  send(from: Sim, type: string, payload: unknown): void {
    if (!from.online) return;
    const m: Sent = { from, type, payload, at: this.t };
    this.log.push(m);
    for (const to of this.sims) {
      if (to === from) continue;
      if (this.drop(m, to)) this.dropped.push({ to, m });
      else this.queue.push({ to, m });
    }
  }

  async deliver(): Promise<void> {
    while (this.queue.length > 0) {
      const { to, m } = this.queue.shift()!;
      if (to.online) await to.receive(m.type, m.payload);
    }
  }

  async start(): Promise<void> {
    for (const s of this.sims) if (s.online) await s.machine.enterHeight();
  }

  /** Delivers messages and fires timers in time order until `done()` or the clock passes `untilT`. */
  async run(done: () => boolean, untilT = this.t + 60_000): Promise<void> {
    for (;;) {
      await this.deliver();
      if (done()) return;
      const due = this.sims.filter((s) => s.online && s.timerAt !== null).map((s) => s.timerAt!);
      if (due.length === 0) return;
      const next = Math.min(...due);
      if (next > untilT) return;
      this.t = Math.max(this.t, next);
      for (const s of this.sims) {
        if (!s.online || s.timerAt === null || s.timerAt > this.t) continue;
        s.timerAt = null;
        await s.machine.tick();
      }
    }
  }

  heights(): number[] {
    return this.sims.map((s) => Number(s.head().header.number));
  }
}

class Sim implements RoundHost {
  readonly common = common;
  readonly address: Hex | null;
  readonly chain: Block[];
  readonly sigs = new Map<string, FinalitySignature[]>();
  readonly builds: { fields: HeaderFields; calls: SystemCall[]; at: number; deadline: number }[] = [];
  readonly evidence: Evidence[] = [];
  readonly store = new MapStore();
  readonly record = new SigningRecord(this.store);
  readonly machine: RoundMachine;
  timerAt: number | null = null;
  online = true;
  /** Simulated work: the clock moves this much inside build() and commit(). */
  buildMs = 0;
  commitMs = 0;

  constructor(
    private readonly w: World,
    readonly key: Uint8Array | null,
    opts: { equivocate?: boolean } = {},
  ) {
    this.address = key ? addressOfPrivateKey(key) : null;
    this.chain = [w.genesis];
    const detector = new DoubleSignDetector((e) => this.evidence.push(e));
    this.machine = new RoundMachine(
      { chainId: CHAIN_ID, slashing: SLASHING, key, address: this.address, baseFeePerGas: BASE_FEE, gasLimit: GAS_LIMIT, equivocate: opts.equivocate, log: silent },
      this,
      new BlockTiming({ blockPeriodMs: PERIOD, proposalTimeoutMs: TIMEOUT }),
      this.record,
      detector,
    );
  }

  now(): number {
    return this.w.t;
  }
  schedule(atMs: number): void {
    this.timerAt = atMs;
  }
  broadcast(type: string, payload: unknown): void {
    this.w.send(this, type, payload);
  }
  head(): Block {
    return this.chain[this.chain.length - 1]!;
  }
  decodeBlock(raw: Uint8Array): Block {
    return createBlockFromRLP(raw, { common, skipConsensusFormatValidation: true });
  }
  async validatorsAt(): Promise<Hex[]> {
    return this.w.validators;
  }
  async build(parent: Block, fields: HeaderFields, calls: SystemCall[], deadline: number): Promise<ExecutedBlock> {
    this.builds.push({ fields, calls, at: this.w.t, deadline });
    this.w.t += this.buildMs;
    return { block: fakeBlock(parent, fields, calls), receipts: [], rejected: [] };
  }
  async replay(parent: Block, block: Block, calls: SystemCall[]): Promise<ExecutedBlock> {
    const h = block.header;
    const again = fakeBlock(parent, { number: h.number, timestamp: h.timestamp, coinbase: h.coinbase.toString(), gasLimit: h.gasLimit, baseFeePerGas: h.baseFeePerGas ?? 0n, extraData: h.extraData }, calls);
    if (bytesToHex(again.hash()) !== bytesToHex(block.hash())) throw new ExecutionError("EXECUTION_MISMATCH", `block ${h.number} does not re-execute to the proposal`);
    return { block: again, receipts: [], rejected: [] };
  }
  async commit(executed: ExecutedBlock, signatures: FinalitySignature[]): Promise<void> {
    expect(bytesToHex(executed.block.header.parentHash)).to.equal(bytesToHex(this.head().hash()));
    this.chain.push(executed.block);
    this.sigs.set(bytesToHex(executed.block.hash()), [...signatures]);
    this.w.t += this.commitMs;
  }
  async finalHashAt(n: bigint): Promise<Hex | null> {
    const b = this.chain[Number(n)];
    return b ? (bytesToHex(b.hash()) as Hex) : null;
  }
  async finalSignatures(hash: Hex): Promise<FinalitySignature[]> {
    return this.sigs.get(hash) ?? [];
  }
  async addFinalSignatures(hash: Hex, more: FinalitySignature[]): Promise<void> {
    const have = this.sigs.get(hash) ?? [];
    for (const s of more) if (!have.some((x) => x.validator === s.validator)) have.push(s);
    this.sigs.set(hash, have);
  }
  async syncFrom(): Promise<void> {}

  async receive(type: string, payload: unknown): Promise<void> {
    if (type === "proposal") await this.machine.onProposal(payload as ProposalMsg, "peer");
    else if (type === "prevote") await this.machine.onPrevote(payload as PrevoteMsg);
    else if (type === "vote") await this.machine.onVote(payload as VoteMsg);
  }
}

function signedVote(key: Uint8Array, number: bigint, hash: Hex): VoteMsg {
  return { number: hexNumber(number), hash, validator: addressOfPrivateKey(key), signature: signDigest(commitDigest(CHAIN_ID, number, hash), key) };
}
function signedPrevote(key: Uint8Array, number: bigint, round: number, hash: Hex): PrevoteMsg {
  return { number: hexNumber(number), round, hash, validator: addressOfPrivateKey(key), signature: signDigest(prevoteDigest(CHAIN_ID, number, round, hash), key) };
}
const missedOf = (calls: SystemCall[]) => calls.map((c) => (SLASHING_ABI.decodeFunctionData("recordMissedProposal", c.data)[0] as string).toLowerCase());

describe("node consensus: the round state machine (fake clock and network)", function () {
  this.timeout(20_000);
  describe("rounds and finality", () => {
    it("finalises blocks round-robin: the proposer of h is validators[h % n], each block with > 2/3 commit signatures", async () => {
      const w = new World(4, { fullNode: true });
      await w.start();
      await w.run(() => w.heights().every((h) => h >= 5));
      const chain = w.sims[0]!.chain;
      for (let h = 1; h <= 5; h++) {
        const b = chain[h]!;
        expect(b.header.coinbase.toString().toLowerCase(), `proposer of ${h}`).to.equal(w.validators[h % 4]);
        expect(roundOf(b)).to.equal(0);
        for (const s of w.sims) expect(bytesToHex(s.chain[h]!.hash())).to.equal(bytesToHex(b.hash()));
        expect(w.sims[0]!.sigs.get(bytesToHex(b.hash()))!.length).to.be.at.least(3);
      }
      expect(w.log.filter((m) => m.from.address === null), "a full node sends nothing").to.have.length(0);
    });

    it("skips a missing proposer after its round times out; the block that lands records the miss (recordMissedProposal) and is replayed with it", async () => {
      const w = new World(4);
      const missing = w.byIndex(1); // proposer of height 1, round 0
      missing.online = false;
      await w.start();
      await w.run(() => w.sims.filter((s) => s.online).every((s) => s.chain.length > 1));
      const b = w.sims.find((s) => s.online)!.chain[1]!;
      expect(roundOf(b)).to.equal(1);
      expect(b.header.coinbase.toString().toLowerCase()).to.equal(w.validators[2]);
      const builder = w.byIndex(2);
      expect(builder.builds).to.have.length(1);
      expect(missedOf(builder.builds[0]!.calls)).to.deep.equal([w.validators[1]]);
      // round 1 began proposalTimeoutMs after the proposal time (T0 + period): not earlier
      expect(builder.builds[0]!.at).to.equal(T0 + PERIOD + TIMEOUT);
      expect(builder.machine.stats.missedRounds).to.be.at.least(1);
    });

    it("round r lasts proposalTimeoutMs × (1 + r/2): with two proposers missing, round 2 starts 2 + 2.5 timeouts after the proposal time", async () => {
      const w = new World(4);
      w.byIndex(1).online = false;
      w.byIndex(2).online = false; // also the quorum: 2 of 4 left, nothing final, rounds go on
      await w.start();
      await w.run(() => w.byIndex(3).builds.length > 0);
      expect(w.byIndex(3).builds[0]!.at).to.equal(T0 + PERIOD + TIMEOUT + TIMEOUT * 1.5);
      expect(missedOf(w.byIndex(3).builds[0]!.calls)).to.deep.equal([w.validators[1], w.validators[2]]);
      expect(w.heights().every((h) => h === 0), "no block final with 2 of 4").to.equal(true);
    });

    it("refuses a proposal that does not replay with the downtime calls of its round (a proposer that hides a miss)", async () => {
      const w = new World(4);
      w.byIndex(1).online = false;
      const cheat = w.byIndex(2);
      const realBuild = cheat.build.bind(cheat);
      cheat.build = (parent, fields, _calls, deadline) => realBuild(parent, fields, [], deadline);
      await w.start();
      await w.run(() => false, T0 + PERIOD + TIMEOUT + 500);
      expect(w.heights().every((h) => h === 0)).to.equal(true);
      expect(w.log.filter((m) => m.type === "prevote" && m.from !== cheat), "nobody prevotes it").to.have.length(0);
    });
  });

  describe("prevotes, polka and locks", () => {
    it("signs a commit only after a polka: with two of four prevotes no commit vote is sent", async () => {
      const w = new World(4);
      const quiet = [w.byIndex(2), w.byIndex(3)];
      w.drop = (m, to) => m.type === "prevote" && (quiet.includes(m.from) || quiet.includes(to));
      await w.start();
      await w.run(() => false, T0 + PERIOD + TIMEOUT - 1);
      expect(w.log.filter((m) => m.type === "prevote").length).to.be.at.least(3);
      expect(w.log.filter((m) => m.type === "vote"), "no commit signature without > 2/3 prevotes").to.have.length(0);
      w.drop = () => false;
      await w.run(() => w.heights().every((h) => h >= 1));
      expect(w.heights().every((h) => h >= 1)).to.equal(true);
    });

    it("re-proposes the locked block in the next round instead of building another, and finalises it from the votes the proposals carry", async () => {
      const w = new World(4);
      w.drop = (m) => m.type === "vote"; // commit votes never travel on their own
      await w.start();
      await w.run(() => w.heights().every((h) => h >= 1));
      const b = w.sims[0]!.chain[1]!;
      expect(roundOf(b)).to.equal(0);
      expect(b.header.coinbase.toString().toLowerCase()).to.equal(w.validators[1]);
      expect(w.byIndex(2).builds, "round 1's proposer built nothing at height 1").to.have.length(0);
      const reproposals = w.log.filter((m) => m.type === "proposal" && m.at >= T0 + PERIOD + TIMEOUT && m.from !== w.byIndex(1));
      expect(reproposals.length, "locked validators re-propose").to.be.at.least(1);
      for (const s of w.sims) expect(bytesToHex(s.chain[1]!.hash())).to.equal(bytesToHex(b.hash()));
    });

    it("never signs two blocks at one height, also after a restart (the signing record)", async () => {
      const store = new MapStore();
      const rec = new SigningRecord(store);
      const a = bytesToHex(keccak256(new Uint8Array([1]))) as Hex;
      const b = bytesToHex(keccak256(new Uint8Array([2]))) as Hex;
      expect(await rec.commitTo(5n, a)).to.equal(true);
      expect(await rec.commitTo(5n, a)).to.equal(true);
      expect(await rec.commitTo(5n, b)).to.equal(false);
      const again = new SigningRecord(store);
      await again.load();
      expect(again.lockedAt(5n)).to.equal(a);
      expect(await again.commitTo(5n, b)).to.equal(false);
      expect(await again.commitTo(4n, b), "nothing below the record").to.equal(false);
      expect(await again.commitTo(6n, b)).to.equal(true);
      expect(JSON.parse(Buffer.from(store.m.get(SIGNING_RECORD_KEY)!).toString("utf8"))).to.deep.equal({ height: "6", hash: b });
    });

    it("reads the pre-#12 record (meta:signed) on start", async () => {
      const store = new MapStore();
      const a = bytesToHex(keccak256(new Uint8Array([3]))) as Hex;
      await store.put(LEGACY_SIGNING_KEY, Buffer.from(JSON.stringify({ height: "9", hash: a }), "utf8"));
      const rec = new SigningRecord(store);
      await rec.load();
      expect(rec.lockedAt(9n)).to.equal(a);
      expect(await rec.commitTo(9n, bytesToHex(keccak256(new Uint8Array([4]))) as Hex)).to.equal(false);
    });
  });

  describe("votes", () => {
    it("keeps a late commit vote for a final block with it", async () => {
      const w = new World(4);
      const late = w.byIndex(3);
      w.drop = (m) => m.type === "vote" && m.from === late;
      await w.start();
      await w.run(() => w.sims.every((s) => s.chain.length > 1));
      const a = w.byIndex(0);
      const hash = bytesToHex(a.chain[1]!.hash());
      expect(a.sigs.get(hash)!.map((s) => s.validator)).to.not.include(late.address);
      const held = w.dropped.find((d) => d.to === a && d.m.type === "vote" && (d.m.payload as VoteMsg).number === "0x1")!;
      await a.machine.onVote(held.m.payload as VoteMsg);
      expect(a.sigs.get(hash)!.map((s) => s.validator)).to.include(late.address);
    });

    it("ignores prevotes and commit votes of accounts outside the validator set", async () => {
      const w = new World(4);
      const quiet = [w.byIndex(2), w.byIndex(3)];
      w.drop = (m) => (m.type === "prevote" || m.type === "vote") && quiet.includes(m.from);
      await w.start();
      await w.run(() => false, T0 + PERIOD + 10);
      const proposal = w.log.find((m) => m.type === "proposal")!;
      const hash = bytesToHex(((proposal.payload as ProposalMsg).block as Block).hash()) as Hex; // the machine hands the block it built
      const outsider = keyOf(50);
      const a = w.byIndex(0);
      await a.machine.onPrevote(signedPrevote(outsider, 1n, 0, hash));
      await a.machine.onVote(signedVote(outsider, 1n, hash));
      expect(w.log.filter((m) => m.type === "vote" && m.from === a), "an outsider's prevote makes no polka").to.have.length(0);
      // two honest commit votes plus an outsider's are not > 2/3 either
      await a.machine.onVote(signedVote(w.byIndex(1).key!, 1n, hash));
      await a.machine.onVote(signedVote(w.byIndex(2).key!, 1n, hash));
      expect(a.chain).to.have.length(1);
      await a.machine.onVote(signedVote(w.byIndex(3).key!, 1n, hash));
      expect(a.chain.length, "final with three validators' signatures").to.equal(2);
      expect(a.sigs.get(hash)!.map((s) => s.validator)).to.not.include(addressOfPrivateKey(outsider));
    });

    it("detects equivocation: two commit signatures of one validator for two hashes at one height", async () => {
      const w = new World(4);
      const offender = new Sim(w, keyOf(1), { equivocate: true });
      w.sims[1] = offender;
      await w.start();
      await w.run(() => w.sims.every((s) => s.chain.length > 2));
      const honest = w.sims[0]!;
      expect(honest.evidence.length).to.be.at.least(1);
      expect(honest.evidence.every((e) => e.validator === offender.address)).to.equal(true);
      const e = honest.evidence[0]!;
      expect(e.a.hash).to.not.equal(e.b.hash);
    });

    it("turns a vote for another hash at a final height into evidence", async () => {
      const d = new DoubleSignDetector();
      const k = keyOf(7);
      const v = addressOfPrivateKey(k);
      const [h1, h2] = [1, 2].map((i) => bytesToHex(keccak256(new Uint8Array([i]))) as Hex);
      expect(d.note(3n, h1!, v, signedVote(k, 3n, h1!).signature)).to.equal(null);
      expect(d.note(3n, h1!, v, signedVote(k, 3n, h1!).signature)).to.equal(null);
      const e = d.note(3n, h2!, v, signedVote(k, 3n, h2!).signature);
      expect(e?.validator).to.equal(v);
      expect(d.note(3n, h2!, v, signedVote(k, 3n, h2!).signature), "once per validator and height").to.equal(null);
      expect(d.takeReady(2n)).to.have.length(0);
      expect(d.takeReady(3n)).to.have.length(1);
      expect(d.size).to.equal(0);
    });
  });

  describe("timing", () => {
    it("starts each proposal one period after the previous proposal's start, not after its commit", async () => {
      const w = new World(1);
      const v = w.sims[0]!;
      v.buildMs = 300;
      v.commitMs = 400;
      await w.start();
      await w.run(() => v.chain.length > 6);
      const starts = v.builds.map((b) => b.at);
      expect(starts[0]).to.equal(T0 + PERIOD);
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!, `interval ${i}`).to.equal(PERIOD);
      const ts = v.chain.slice(1).map((b) => b.header.timestamp);
      for (let i = 1; i < ts.length; i++) expect(ts[i]! > ts[i - 1]!, "timestamps strictly increase").to.equal(true);
      for (let i = 0; i < ts.length; i++) expect(Number(ts[i]!) * 1000).to.be.at.most(starts[i]! + 1000);
    });

    it("shrinks the build budget to what the measured build-end → commit time leaves of the period, down to the floor", async () => {
      const w = new World(1);
      const v = w.sims[0]!;
      v.buildMs = 50;
      v.commitMs = 600;
      await w.start();
      await w.run(() => v.chain.length > 3);
      const budgets = v.builds.map((b) => b.deadline - b.at);
      expect(budgets[0], "no measurement yet: the largest share of the period").to.equal(PERIOD * MAX_BUILD_SHARE);
      // tail = commit − min(deadline, build end) = 600 → budget = 1000 − 600 − 50 (margin)
      expect(budgets[1]).to.equal(350);
      v.commitMs = 3000;
      await w.run(() => v.chain.length > 8);
      expect(v.builds[v.builds.length - 1]!.deadline - v.builds[v.builds.length - 1]!.at).to.equal(MIN_BUILD_MS);
    });

    it("gives the proposer a full timeout from a late validator's own entry into the height", () => {
      const t = new BlockTiming({ blockPeriodMs: PERIOD, proposalTimeoutMs: TIMEOUT });
      const parentTs = BigInt(T0 / 1000);
      expect(t.proposalTime(5n, T0, parentTs), "no known start of h − 1: a period after entering").to.equal(T0 + PERIOD);
      t.noteCommittedStart(4n, T0);
      expect(t.proposalTime(5n, T0 + 200, parentTs)).to.equal(T0 + PERIOD);
      // entered 4 s after the previous proposal started: due at once, and round 0 runs a full timeout from there
      const p = t.proposalTime(5n, T0 + 4000, parentTs);
      expect(p).to.equal(T0 + 4000);
      expect(t.roundAt(p, p + TIMEOUT - 1)).to.equal(0);
      expect(t.roundAt(p, p + TIMEOUT)).to.equal(1);
      // a start recorded for another height is not used
      expect(t.proposalTime(7n, T0 + 200, parentTs)).to.equal(T0 + 200 + PERIOD);
      // never before the parent's timestamp second (timestamps stay at most 1 s ahead of the clock)
      expect(t.proposalTime(5n, T0, parentTs + 3n)).to.equal(T0 + 3000);
      expect(BlockTiming.timestamp(parentTs, T0 + 999)).to.equal(parentTs + 1n);
      expect(BlockTiming.timestamp(parentTs, T0 + 2500)).to.equal(parentTs + 2n);
    });

    it("a validator whose rounds run behind joins a later round on a validator's signed prevote for it", async () => {
      const w = new World(4);
      await w.start();
      const a = w.byIndex(0);
      expect(a.machine.currentRound()).to.equal(0);
      const proposal = { hash: bytesToHex(keccak256(new Uint8Array([9]))) as Hex };
      await a.machine.onPrevote(signedPrevote(w.byIndex(1).key!, 1n, 2, proposal.hash));
      expect(a.machine.currentRound()).to.equal(2);
      await a.machine.onPrevote(signedPrevote(keyOf(50), 1n, 5, proposal.hash));
      expect(a.machine.currentRound(), "not on an outsider's").to.equal(2);
    });
  });
});

describe("node consensus: the validator set cached per epoch", () => {
  const VS: Hex = "0x00000000000000000000000000000000000000f2";
  const A: Hex = "0x00000000000000000000000000000000000000a1";
  const B: Hex = "0x00000000000000000000000000000000000000b2";

  /** A ValidatorSet with epochs of 10 blocks: [A, B] in epoch 0, [A] from epoch 1. */
  function fake(head: { n: bigint; impl: Hex }) {
    const calls: string[] = [];
    const caller = {
      async call(_to: Hex, data: string) {
        const f = VALIDATOR_SET_ABI.parseTransaction({ data })!;
        calls.push(f.name);
        const x = f.args[0] as bigint;
        if (f.name === "validatorsAt") return VALIDATOR_SET_ABI.encodeFunctionResult("validatorsAt", [x < 10n ? [A, B] : [A]]);
        if (f.name === "epochOf") return VALIDATOR_SET_ABI.encodeFunctionResult("epochOf", [x / 10n]);
        return VALIDATOR_SET_ABI.encodeFunctionResult("epochStartBlock", [x * 10n]);
      },
      async storageAt() {
        return head.impl;
      },
    } as unknown as HeadCaller;
    return { reader: new ValidatorSetReader(caller, VS, () => head.n), calls };
  }

  it("reads validatorsAt once per epoch while the chain moves through it", async () => {
    const head = { n: 0n, impl: "0x01" as Hex };
    const { reader } = fake(head);
    for (let h = 1n; h < 25n; h++) {
      head.n = h - 1n;
      expect(await reader.validatorsAt(h)).to.deep.equal(h < 10n ? [A, B] : [A]);
    }
    expect(reader.reads, "epochs 0, 1 and 2").to.equal(3);
    expect(await reader.validatorsAt(3n), "a past epoch kept").to.deep.equal([A, B]);
    expect(reader.reads).to.equal(3);
  });

  it("does not cache a later epoch whose list may still change, and starts over after an upgrade", async () => {
    const head = { n: 4n, impl: "0x01" as Hex };
    const { reader } = fake(head);
    await reader.validatorsAt(15n);
    await reader.validatorsAt(15n);
    expect(reader.reads, "epoch 1 is not final at head 4").to.equal(2);
    await reader.validatorsAt(5n);
    await reader.validatorsAt(6n);
    expect(reader.reads).to.equal(3);
    head.impl = "0x02";
    await reader.validatorsAt(6n);
    expect(reader.reads, "new implementation: read again").to.equal(4);
  });
});

describe("node consensus: the builder's gas cap (consensus.blockGasLimit)", () => {
  it("offers transactions while their gas limits fit, leaving out a sender from its first transaction that does not", () => {
    const tx = (k: number, nonce: number, gasLimit: bigint) =>
      createFeeMarket1559Tx({ chainId: CHAIN_ID, nonce, gasLimit, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n, to: SLASHING }, { common }).sign(keyOf(k));
    const list = [tx(1, 0, 50_000n), tx(2, 0, 60_000n), tx(1, 1, 30_000n), tx(3, 0, 21_000n), tx(2, 1, 21_000n)];
    const out = [...withinGas(list, 100_000n)];
    // 50k (k1) fits; 60k (k2) does not → k2 cut; 30k (k1) fits (80k); 21k (k3) does not fit in 20k left → stop
    expect(out.map((t) => bytesToHex(t.hash()))).to.deep.equal([list[0]!, list[2]!].map((t) => bytesToHex(t.hash())));
  });
});

describe("node consensus: proposals on the wire (binary frames)", () => {
  const block = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const votes: FinalitySignature[] = [{ validator: `0x${"11".repeat(20)}`, signature: `0x${"22".repeat(65)}` }];

  it("round-trips a proposal through its frame items, and through the hex list a JSON-only peer receives", () => {
    const items = proposalItems({ block, votes });
    expect(items[0]).to.deep.equal(block);
    const back = proposalFromItems(items)!;
    expect(back.block).to.deep.equal(block);
    expect(back.votes).to.deep.equal(votes);
    const hexList = items.map((i) => bytesToHex(i));
    expect(proposalFromItems(hexList)!.block).to.deep.equal(block);
    // a JSON proposal's hex block is carried over as bytes
    expect(proposalItems({ block: bytesToHex(block) as Hex, votes })[0]).to.deep.equal(block);
  });

  it("refuses items that are not a proposal: wrong count, bad hex, votes that are not a JSON list", () => {
    const [b, v] = proposalItems({ block, votes });
    expect(proposalFromItems([b!])).to.equal(null);
    expect(proposalFromItems([b!, v!, v!])).to.equal(null);
    expect(proposalFromItems(["0xzz", bytesToHex(v!)])).to.equal(null);
    expect(proposalFromItems([b!, new TextEncoder().encode("{not json")])).to.equal(null);
    expect(proposalFromItems([b!, new TextEncoder().encode('{"a":1}')])).to.equal(null);
    expect(proposalFromItems([b!, Uint8Array.of(0xff, 0xfe)])).to.equal(null); // not UTF-8
    expect(proposalFromItems([42, v!])).to.equal(null);
  });
});
