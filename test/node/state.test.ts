import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createBlock, type Block } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import {
  Account,
  Address,
  KECCAK256_RLP,
  MapDB,
  ValueEncoding,
  bytesToHex,
  concatBytes,
  createAddressFromPrivateKey,
  createAddressFromString,
  hexToBytes,
  setLengthLeft,
  type BatchDBOp,
} from "@ethereumjs/util";
import { createVM, runTx, type VM } from "@ethereumjs/vm";
import type { ClassicLevel } from "classic-level";
import { makeCommon } from "../../node/execution/common";
import { applyTransfer, transferSender } from "../../node/execution/transfer";
import { HeadState, NodeStateManager, StateManagerError, type HeadStateOptions } from "../../node/execution/state";
import { openLevel, OverlayDB } from "../../node/storage/db";

const common = makeCommon(4242n);
const GWEI = 1_000_000_000n;
const ETHER = 10n ** 18n;
const SYSTEM_ADDRESS = createAddressFromString("0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE");
const COINBASE = createAddressFromString("0x00000000000000000000000000000000000c0b1e");

/** mulberry32: a seeded generator, so a failure reproduces. */
function generator(seed: number): (below: number) => number {
  let a = seed >>> 0;
  return (below) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

/** Init code that returns `runtime` (PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN ‖ runtime). */
function deployCode(runtime: string): Uint8Array {
  const len = (runtime.length / 2).toString(16).padStart(2, "0");
  return hexToBytes(`0x60${len}600c60003960${len}6000f3${runtime}`);
}
/** Stores calldata's (slot, value) word pairs; a zero value deletes the slot. */
const STORER = "60005b803611600a57005b8060200135813555604001600256";
/** Sends its balance to the caller and self-destructs (Cancun: deleted only in the transaction that created it). */
const DESTRUCTOR = "33ff";
/** Writes slot 0, then reverts. */
const REVERTER = "600160005560006000fd";
/** Init code that writes a slot and self-destructs while being created: the account and its storage go. */
const CREATE_AND_DESTROY = hexToBytes("0x600760015533ff");

/** The nodes database of ethereumjs' reference state manager, counting trie nodes written. */
class CountingMapDB extends MapDB<string, Uint8Array> {
  nodeWrites = 0;
  override async put(key: string, value: Uint8Array): Promise<void> {
    if (key.length === 64) this.nodeWrites++;
    return super.put(key, value);
  }
  override async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put" && op.key.length === 64) this.nodeWrites++;
    return super.batch(ops);
  }
}

interface Side {
  vm: VM;
  root: Uint8Array;
}

/** The node's side: NodeStateManager over an OverlayDB over LevelDB, with a head view promoted on "commit". */
class NodeSide {
  level!: ClassicLevel<string, Uint8Array>;
  overlay!: OverlayDB;
  head!: HeadState;
  vm!: VM;
  sm!: NodeStateManager;
  nodeWrites = 0;
  constructor(
    readonly dir: string,
    readonly headOpts: HeadStateOptions,
  ) {}
  async open(root: Uint8Array): Promise<void> {
    this.level = await openLevel(this.dir);
    this.overlay = new OverlayDB(this.level);
    this.head = new HeadState(this.overlay, { ...this.headOpts, root });
    this.sm = this.stateManager(root, true);
    this.vm = await createVM({ common, stateManager: this.sm });
  }
  stateManager(root: Uint8Array, recordDiffs = false): NodeStateManager {
    const trie = new MerklePatriciaTrie({ db: this.overlay, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common, cacheSize: 0 });
    return new NodeStateManager({ trie, common, caches: new Caches(), head: this.head, recordDiffs });
  }
  /** What chain.commit does: the overlay's writes in one LevelDB batch, then the head view promoted. */
  async commit(stateRoot: Uint8Array): Promise<boolean> {
    const ops = this.overlay.drain();
    this.nodeWrites += ops.filter((o) => o.key.length === 64).length;
    await this.level.batch(ops);
    this.overlay.flushed();
    return this.head.promote(stateRoot);
  }
  async close(): Promise<void> {
    await this.level.close();
  }
}

interface Workload {
  rng: (below: number) => number;
  keys: Uint8Array[];
  senders: Address[];
  nonces: bigint[];
  others: Address[];
  storers: Address[];
  destructors: Address[];
  reverters: Address[];
}

function newWorkload(seed: number, nSenders: number): Workload {
  const rng = generator(seed);
  const keys = Array.from({ length: nSenders }, (_, i) => setLengthLeft(hexToBytes(`0x${(seed * 1000 + i + 1).toString(16)}`), 32));
  return {
    rng,
    keys,
    senders: keys.map((k) => createAddressFromPrivateKey(k)),
    nonces: keys.map(() => 0n),
    others: [],
    storers: [],
    destructors: [],
    reverters: [],
  };
}

function randomAddress(w: Workload): Address {
  return new Address(Uint8Array.from({ length: 20 }, () => w.rng(256)));
}

/** Calldata of (slot, value) pairs: slots 0..7, a third of the values zero (deletes). */
function storeCalldata(w: Workload): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = 1 + w.rng(5);
  for (let i = 0; i < n; i++) {
    parts.push(setLengthLeft(Uint8Array.of(w.rng(8)), 32));
    parts.push(w.rng(3) === 0 ? new Uint8Array(32) : setLengthLeft(Uint8Array.from({ length: 1 + w.rng(32) }, () => w.rng(256)), 32));
  }
  return concatBytes(...parts);
}

/** A random block's transactions (signed with the workload's nonces, which it advances optimistically). */
function randomTxs(w: Workload, count: number): TypedTransaction[] {
  const txs: TypedTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const s = w.rng(w.senders.length);
    const roll = w.rng(100);
    let to: Address | undefined;
    let data: Uint8Array = new Uint8Array(0);
    let value = BigInt(w.rng(1000)) * GWEI;
    let gasLimit = 100_000n;
    if (roll < 45 || w.storers.length === 0) {
      to = w.rng(3) === 0 || w.others.length === 0 ? randomAddress(w) : w.others[w.rng(w.others.length)]!;
      if (w.rng(10) === 0) value = 0n; // a zero transfer to a fresh account: touched, empty, deleted (EIP-161)
      if (!w.others.some((o) => o.equals(to!))) w.others.push(to);
      gasLimit = 21_000n;
    } else if (roll < 50) {
      data = deployCode(STORER);
      gasLimit = 200_000n;
    } else if (roll < 53) {
      data = deployCode(DESTRUCTOR);
      gasLimit = 200_000n;
    } else if (roll < 56) {
      data = deployCode(REVERTER);
      gasLimit = 200_000n;
    } else if (roll < 60) {
      data = CREATE_AND_DESTROY;
      gasLimit = 200_000n;
    } else if (roll < 85) {
      to = w.storers[w.rng(w.storers.length)]!;
      data = storeCalldata(w);
      value = 0n;
      gasLimit = 300_000n;
    } else if (roll < 92 && w.destructors.length > 0) {
      to = w.destructors[w.rng(w.destructors.length)]!;
    } else if (w.reverters.length > 0) {
      to = w.reverters[w.rng(w.reverters.length)]!;
    } else {
      to = w.senders[w.rng(w.senders.length)]!;
    }
    const tx = createTx(
      {
        type: 2,
        chainId: 4242n,
        nonce: w.nonces[s]!,
        maxFeePerGas: 10n * GWEI,
        maxPriorityFeePerGas: BigInt(w.rng(3)) * GWEI,
        gasLimit,
        to,
        value,
        data,
      },
      { common },
    ).sign(w.keys[s]!);
    w.nonces[s]!++;
    txs.push(tx);
  }
  return txs;
}

function blockContext(number: bigint): Block {
  return createBlock(
    {
      header: {
        number,
        timestamp: 1_700_000_000n + number,
        coinbase: COINBASE,
        gasLimit: 1_000_000_000n,
        baseFeePerGas: 7n * GWEI,
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

/**
 * One block the executor's way: system calls from SYSTEM_ADDRESS (skipBalance), then the transactions, all in one
 * outer journal checkpoint; an invalid transaction is skipped. Returns the state root and what each transaction did.
 */
async function executeBlock(vm: VM, number: bigint, systemCalls: { to: Address; data: Uint8Array }[], txs: TypedTransaction[], fastPath = false): Promise<{ root: Uint8Array; outcomes: string[] }> {
  const block = blockContext(number);
  const outcomes: string[] = [];
  await vm.evm.journal.checkpoint();
  for (const call of systemCalls) {
    const r = await vm.evm.runCall({ caller: SYSTEM_ADDRESS, to: call.to, data: call.data, gasLimit: 30_000_000n, skipBalance: true, block });
    outcomes.push(`system:${r.execResult.exceptionError?.error ?? "ok"}`);
  }
  let gasUsed = 0n;
  for (const tx of txs) {
    try {
      // the node's executor applies plain transfers through transfer.ts, on the same state manager
      const sender = fastPath ? transferSender(tx) : undefined;
      const r = (sender !== undefined ? await applyTransfer(vm, tx, sender, block, gasUsed) : null) ?? (await runTx(vm, { tx, block, blockGasUsed: gasUsed, skipHardForkValidation: true }));
      gasUsed += r.totalGasSpent;
      outcomes.push(`${r.execResult.exceptionError?.error ?? "ok"}:${r.totalGasSpent}:${r.createdAddress?.toString() ?? ""}`);
    } catch (err) {
      outcomes.push(`invalid:${(err as Error).message.slice(0, 90)}`);
    }
  }
  await vm.evm.journal.commit();
  return { root: await vm.stateManager.getStateRoot(), outcomes };
}

/** Remembers the contracts a block created (from its outcomes), by what their init code was. */
function noteCreated(w: Workload, txs: TypedTransaction[], outcomes: string[], offset: number): void {
  txs.forEach((tx, i) => {
    const [status, , created] = outcomes[offset + i]!.split(":");
    if (status !== "ok" || !created) return;
    const code = bytesToHex(tx.data);
    const address = createAddressFromString(created);
    if (code === bytesToHex(deployCode(STORER))) w.storers.push(address);
    else if (code === bytesToHex(deployCode(DESTRUCTOR))) w.destructors.push(address);
    else if (code === bytesToHex(deployCode(REVERTER))) w.reverters.push(address);
    else w.others.push(address); // created and destroyed: read back as absent
  });
}

/** Every account and slot the workload knows of reads the same from both state managers (and from the head view). */
async function compareState(w: Workload, reference: MerkleStateManager, ours: MerkleStateManager, head?: HeadState): Promise<number> {
  let checked = 0;
  const addresses = [...w.senders, ...w.others, ...w.storers, ...w.destructors, ...w.reverters, COINBASE, SYSTEM_ADDRESS];
  for (const a of addresses) {
    const x = await reference.getAccount(a);
    const y = await ours.getAccount(a);
    expect(y ? bytesToHex(y.serialize()) : null, `account ${a}`).to.equal(x ? bytesToHex(x.serialize()) : null);
    if (head !== undefined) {
      const h = await head.headAccount(a.toString());
      expect([h.nonce, h.balance]).to.deep.equal([x?.nonce ?? 0n, x?.balance ?? 0n]);
    }
    checked++;
  }
  for (const c of [...w.storers, ...w.reverters]) {
    for (let s = 0; s < 8; s++) {
      const slot = setLengthLeft(Uint8Array.of(s), 32);
      expect(bytesToHex(await ours.getStorage(c, slot)), `slot ${s} of ${c}`).to.equal(bytesToHex(await reference.getStorage(c, slot)));
      checked++;
    }
    expect(bytesToHex(await ours.getCode(c))).to.equal(bytesToHex(await reference.getCode(c)));
  }
  return checked;
}

async function fundedGenesis(w: Workload, sm: MerkleStateManager): Promise<Uint8Array> {
  for (const s of w.senders) await sm.putAccount(s, new Account(0n, 1_000n * ETHER));
  // a storer at genesis, for the system calls
  const storer = createAddressFromString("0x0000000000000000000000000000000000005707");
  await sm.putAccount(storer, new Account(1n, 0n));
  await sm.putCode(storer, hexToBytes(`0x${STORER}`));
  if (!w.storers.some((a) => a.equals(storer))) w.storers.push(storer);
  return sm.getStateRoot();
}

/** A fresh ethereumjs state manager reading the reference database at `root` (so comparisons write nothing into it). */
function referenceReader(db: CountingMapDB, root: Uint8Array): MerkleStateManager {
  const trie = new MerklePatriciaTrie({ db, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common, cacheSize: 0 });
  return new MerkleStateManager({ trie, common, caches: new Caches() });
}

function referenceSide(db: CountingMapDB): Promise<VM> {
  const trie = new MerklePatriciaTrie({ db, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common, cacheSize: 0 });
  return createVM({ common, stateManager: new MerkleStateManager({ trie, common, caches: new Caches() }) });
}

interface RunOptions {
  seed: number;
  blocks: number;
  txsPerBlock: number;
  senders: number;
  headOpts?: HeadStateOptions;
  /** Every this many blocks, a proposal is executed and abandoned (or committed instead of the next one). */
  speculateEvery?: number;
  /** Compare every account and slot after each block (default), or only at the end. */
  compareEachBlock?: boolean;
}

interface RunReport {
  blocks: number;
  checked: number;
  referenceNodes: number;
  ourNodes: number;
  promotedByDiff: number;
  dir: string;
  finalRoot: Uint8Array;
  workload: Workload;
  reference: VM;
  referenceDb: CountingMapDB;
  /** How many transactions ended each way ("ok", "revert", "invalid", …) and the head view's hit counts. */
  kinds: Map<string, number>;
  headStats: HeadState["stats"];
}

/** Runs random blocks through ethereumjs' MerkleStateManager and NodeStateManager and compares them after each. */
async function runWorkload(opts: RunOptions): Promise<RunReport> {
  const w = newWorkload(opts.seed, opts.senders);
  const refDb = new CountingMapDB();
  const ref: Side = { vm: await referenceSide(refDb), root: KECCAK256_RLP };
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-state-"));
  const node = new NodeSide(dir, opts.headOpts ?? {});
  await node.open(KECCAK256_RLP);
  ref.root = await fundedGenesis(w, ref.vm.stateManager as MerkleStateManager);
  const genesis = await fundedGenesis(w, node.sm);
  expect(bytesToHex(genesis)).to.equal(bytesToHex(ref.root));
  await node.commit(genesis);
  refDb.nodeWrites = 0;
  node.nodeWrites = 0;
  let checked = 0;
  let promotedByDiff = 0;
  const kinds = new Map<string, number>();
  for (let b = 1; b <= opts.blocks; b++) {
    const number = BigInt(b);
    const parent = ref.root;
    const sysCalls = w.rng(2) === 0 ? [{ to: w.storers[0]!, data: storeCalldata(w) }] : [];
    const nonces = w.nonces.slice();
    let txs = randomTxs(w, opts.txsPerBlock);
    const speculate = opts.speculateEvery !== undefined && b % opts.speculateEvery === 0;
    let commitFirst = false;
    let done: { root: Uint8Array; outcomes: string[] } | null = null;
    if (speculate) {
      // a proposal executed on the parent and then not committed; another proposal at the same height replaces it
      const abandoned = txs;
      const first = await executeBlock(node.vm, number, sysCalls, abandoned, true);
      commitFirst = w.rng(3) === 0;
      if (!commitFirst) {
        w.nonces = nonces.slice();
        txs = randomTxs(w, Math.max(1, opts.txsPerBlock >> 1));
        await node.sm.setStateRoot(parent, true); // the executor's blockVm on a parent the VM moved away from
        const second = await executeBlock(node.vm, number, sysCalls, txs, true);
        expect(bytesToHex(second.root)).to.not.equal(bytesToHex(first.root));
        done = second;
      } else {
        // the second proposal is executed too, but the first is committed
        const savedNonces = w.nonces.slice();
        w.nonces = nonces.slice();
        const other = randomTxs(w, Math.max(1, opts.txsPerBlock >> 1));
        w.nonces = savedNonces;
        await node.sm.setStateRoot(parent, true);
        await executeBlock(node.vm, number, sysCalls, other, true);
        await node.sm.setStateRoot(first.root, true); // the next block's parent is the committed one
        done = first;
      }
    }
    const r = await executeBlock(ref.vm, number, sysCalls, txs);
    const ours = done ?? (await executeBlock(node.vm, number, sysCalls, txs, true));
    expect(ours.outcomes).to.deep.equal(r.outcomes);
    expect(bytesToHex(ours.root), `state root after block ${b}`).to.equal(bytesToHex(r.root));
    // nonces of rejected transactions were not used
    w.nonces = nonces.slice();
    txs.forEach((tx, i) => {
      if (!r.outcomes[sysCalls.length + i]!.startsWith("invalid")) {
        const s = w.senders.findIndex((a) => a.equals(tx.getSenderAddress()));
        w.nonces[s] = tx.nonce + 1n;
      }
    });
    noteCreated(w, txs, r.outcomes, sysCalls.length);
    for (const o of r.outcomes) kinds.set(o.split(":")[0]!, (kinds.get(o.split(":")[0]!) ?? 0) + 1);
    ref.root = r.root;
    if (await node.commit(r.root)) promotedByDiff++;
    expect(bytesToHex(node.head.root)).to.equal(bytesToHex(r.root));
    if (opts.compareEachBlock !== false) checked += await compareState(w, referenceReader(refDb, ref.root), node.sm, node.head);
  }
  const referenceNodes = refDb.nodeWrites;
  const ourNodes = node.nodeWrites;
  // a second state manager at the head, reading through the view (and the view's answers), agrees too
  checked += await compareState(w, referenceReader(refDb, ref.root), node.stateManager(ref.root), node.head);
  const report = { blocks: opts.blocks, checked, referenceNodes, ourNodes, promotedByDiff, dir, finalRoot: ref.root, workload: w, reference: ref.vm, referenceDb: refDb, kinds, headStats: { ...node.head.stats } };
  await node.close();
  return report;
}

describe("node/execution/state: NodeStateManager against ethereumjs' MerkleStateManager", function () {
  this.timeout(600_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("gives the same state root after every block and the same accounts, slots and code (transfers, deploys, storage writes and deletes, self-destructs, reverts, system calls)", async () => {
    let checked = 0;
    for (const seed of [1, 2, 3]) {
      const rep = await runWorkload({ seed, blocks: 12, txsPerBlock: 40, senders: 24 });
      dirs.push(rep.dir);
      checked += rep.checked;
      expect(rep.promotedByDiff).to.equal(rep.blocks);
      // the workload did what it says: contracts of each kind, reverts, and reads served by the head view
      expect(rep.workload.storers.length).to.be.greaterThan(2);
      expect(rep.workload.destructors.length + rep.workload.reverters.length).to.be.greaterThan(1);
      expect(rep.kinds.get("revert") ?? 0).to.be.greaterThan(0);
      expect(rep.headStats.accountHits).to.be.greaterThan(0);
      expect(rep.headStats.slotHits).to.be.greaterThan(0);
    }
    expect(checked).to.be.greaterThan(1000);
  });

  it("stays right when proposals are executed and abandoned, or a sibling is executed after the one committed", async () => {
    for (const seed of [11, 12]) {
      const rep = await runWorkload({ seed, blocks: 15, txsPerBlock: 30, senders: 16, speculateEvery: 2 });
      dirs.push(rep.dir);
      expect(rep.promotedByDiff).to.equal(rep.blocks);
    }
  });

  it("stays right with a head view far smaller than the state (evictions every block)", async () => {
    const rep = await runWorkload({ seed: 21, blocks: 10, txsPerBlock: 40, senders: 24, headOpts: { maxAccounts: 16, maxSlots: 4, maxPendingDiffs: 1 }, speculateEvery: 3 });
    dirs.push(rep.dir);
  });

  it("a fresh state manager and head view over the reopened database (a restart) read the same state", async () => {
    const rep = await runWorkload({ seed: 31, blocks: 6, txsPerBlock: 40, senders: 16 });
    dirs.push(rep.dir);
    const node = new NodeSide(rep.dir, {});
    await node.open(rep.finalRoot);
    expect(bytesToHex(await node.sm.getStateRoot())).to.equal(bytesToHex(rep.finalRoot));
    await compareState(rep.workload, referenceReader(rep.referenceDb, rep.finalRoot), node.sm, node.head);
    // and it goes on executing blocks on that state
    const txs = randomTxs(rep.workload, 20);
    const a = await executeBlock(rep.reference, 7n, [], txs);
    const b = await executeBlock(node.vm, 7n, [], txs, true);
    expect(bytesToHex(b.root)).to.equal(bytesToHex(a.root));
    await node.close();
  });

  it("writes fewer trie nodes per block than ethereumjs' flush", async () => {
    const rep = await runWorkload({ seed: 41, blocks: 8, txsPerBlock: 120, senders: 200, compareEachBlock: false });
    dirs.push(rep.dir);
    console.log(`      trie nodes written over ${rep.blocks} blocks: ethereumjs ${rep.referenceNodes}, NodeStateManager ${rep.ourNodes}`);
    expect(rep.ourNodes).to.be.lessThan(rep.referenceNodes);
  });

  it("refuses a trie it cannot batch-write (keys not hashed) and caches that would write through the trie", () => {
    const trie = new MerklePatriciaTrie({ db: new MapDB<string, Uint8Array>(), useKeyHashing: false, valueEncoding: ValueEncoding.Bytes, common });
    expect(() => new NodeStateManager({ trie, common })).to.throw(StateManagerError).with.property("code", "STATE_TRIE_UNSUPPORTED");
    const secure = new MerklePatriciaTrie({ db: new MapDB<string, Uint8Array>(), useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
    expect(() => new NodeStateManager({ trie: secure, common, caches: new Caches({ account: { size: 0 } }) })).to.throw(StateManagerError);
  });

  it("the head view answers for the committed head only: a block executed but not committed changes none of its reads", async () => {
    const w = newWorkload(51, 4);
    const dir = mkdtempSync(path.join(tmpdir(), "luniverse-state-"));
    dirs.push(dir);
    const node = new NodeSide(dir, {});
    await node.open(KECCAK256_RLP);
    const genesis = await fundedGenesis(w, node.sm);
    await node.commit(genesis);
    const before = await Promise.all(w.senders.map((s) => node.head.headAccount(s.toString())));
    const txs = randomTxs(w, 8);
    const executed = await executeBlock(node.vm, 1n, [], txs, true);
    expect(bytesToHex(executed.root)).to.not.equal(bytesToHex(genesis));
    const during = await Promise.all(w.senders.map((s) => node.head.headAccount(s.toString())));
    expect(during).to.deep.equal(before);
    expect(node.head.promote(executed.root)).to.equal(true);
    const after = await Promise.all(w.senders.map((s) => node.head.headAccount(s.toString())));
    expect(after.reduce((n, a) => n + a.nonce, 0n)).to.equal(8n);
    // a root no recorded diff leads to: the view is emptied and moved there, and reads walk that root
    expect(node.head.promote(genesis)).to.equal(false);
    expect(await Promise.all(w.senders.map((s) => node.head.headAccount(s.toString())))).to.deep.equal(before);
    await node.close();
  });
});
