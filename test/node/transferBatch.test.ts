import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import secp256k1 from "secp256k1";
import { createBlock, type Block } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createTx, type TypedTransaction, type TypedTxData } from "@ethereumjs/tx";
import { Account, Address, KECCAK256_RLP, bytesToHex, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type RunTxResult, type VM } from "@ethereumjs/vm";
import type { ClassicLevel } from "classic-level";
import { makeCommon } from "../../node/execution/common";
import { Executor, type ExecutedBlock, type HeaderFields, type SystemCall } from "../../node/execution/executor";
import { TransferBatch, applyTransfer, transferSender } from "../../node/execution/transfer";
import { openLevel, OverlayDB } from "../../node/storage/db";

// The block-local overlay of the value-transfer fast path (node/execution/transfer.ts, TransferBatch) against runTx:
// few accounts, so that senders, recipients and the coinbase collide all the time.

const CHAIN = 4242n;
const GWEI = 1_000_000_000n;
const ETHER = 10n ** 18n;
const BLOCK_GAS_LIMIT = 1_000_000_000n;
const common = makeCommon(CHAIN);
const SYSTEM_ADDRESS = createAddressFromString("0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE");

const addressAt = (n: number) => createAddressFromString(`0x${n.toString(16).padStart(40, "0")}`);
const KEYS = Array.from({ length: 6 }, (_, i) => hexToBytes(`0x${(0xb0 + i).toString(16).padStart(64, "0")}`));
const SENDERS = KEYS.map((k) => createAddressFromPrivateKey(k));
const RICH = [0, 1, 2, 3];
const POOR = 4; // gas for a few transactions
const ABSENT = 5; // no account: only gas-free transactions (base fee 0, price 0) go through
const FRESH = [0, 1, 2, 3].map((i) => addressAt(0x5000 + i)); // absent at genesis; come and go (EIP-161)
const EMPTY = [0, 1].map((i) => addressAt(0x6000 + i)); // existing and empty at genesis
const EOA = [0, 1].map((i) => addressAt(0x7000 + i)); // existing, funded, no code
const CONTRACT = addressAt(0x8000); // CALLVALUE PUSH1 0 SSTORE PUSH1 0 PUSH1 0 LOG0 STOP
const CONTRACT_CODE = hexToBytes("0x3460005560006000a000");
const ALL = [...SENDERS, ...FRESH, ...EMPTY, ...EOA, CONTRACT, SYSTEM_ADDRESS];

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

/** The genesis accounts, written through `put`. */
async function genesis(put: (a: Address, account: Account, code?: Uint8Array) => Promise<void>): Promise<void> {
  for (const i of RICH) await put(SENDERS[i]!, new Account(0n, 100n * ETHER + BigInt(i)));
  await put(SENDERS[POOR]!, new Account(0n, 5n * 21_000n * 8n * GWEI));
  for (const a of EMPTY) await put(a, new Account(0n, 0n));
  for (const a of EOA) await put(a, new Account(2n, ETHER));
  await put(CONTRACT, new Account(1n, 0n), CONTRACT_CODE);
}

async function genesisVm(): Promise<VM> {
  const trie = new MerklePatriciaTrie({ useKeyHashing: true, common });
  const stateManager = new MerkleStateManager({ trie, common, caches: new Caches() });
  await genesis(async (a, account, code) => {
    await stateManager.putAccount(a, account);
    if (code !== undefined) await stateManager.putCode(a, code);
  });
  await stateManager.checkpoint();
  await stateManager.commit();
  return createVM({ common, stateManager });
}

function blockContext(number: bigint, coinbase: Address, baseFee: bigint): Block {
  return createBlock(
    {
      header: {
        number,
        timestamp: 1_700_000_000n + number,
        coinbase,
        gasLimit: BLOCK_GAS_LIMIT,
        baseFeePerGas: baseFee,
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

function sign(data: TypedTxData, k: Uint8Array): TypedTransaction {
  const unsigned = createTx(data, { common });
  const { signature, recid } = secp256k1.ecdsaSign(unsigned.getHashedMessageToSign(), k);
  return unsigned.addSignature(BigInt(recid), signature.slice(0, 32), signature.slice(32, 64), true) as TypedTransaction;
}

/** What a receipt and the executor depend on, as one comparable string. */
function project(r: RunTxResult): string {
  const receipt = r.receipt as { status: number; cumulativeBlockGasUsed: bigint; bitvector: Uint8Array; logs: [Uint8Array, Uint8Array[], Uint8Array][] };
  return JSON.stringify({
    status: receipt.status,
    cumulative: receipt.cumulativeBlockGasUsed.toString(),
    bitvector: bytesToHex(receipt.bitvector),
    logs: receipt.logs.map((l) => [bytesToHex(l[0]), l[1].map((t) => bytesToHex(t)), bytesToHex(l[2])]),
    keys: Object.keys(receipt).sort(),
    bloom: bytesToHex(r.bloom.bitvector),
    totalGasSpent: r.totalGasSpent.toString(),
    blockGasSpent: r.blockGasSpent.toString(),
    amountSpent: r.amountSpent.toString(),
    minerValue: r.minerValue.toString(),
    gasRefund: r.gasRefund.toString(),
    createdAddress: r.createdAddress?.toString(),
    executionGasUsed: r.execResult.executionGasUsed.toString(),
    exception: r.execResult.exceptionError?.error,
  });
}

/** The journal as `journal.cleanup()` leaves it: another cleanup would delete nothing and change nothing. */
function expectJournalClean(vm: VM, where: string): void {
  const j = vm.evm.journal as unknown as {
    touched: Set<string>;
    journal: Map<string, unknown>;
    alwaysWarmJournal: Map<string, unknown>;
    journalHeight: number;
    journalDiff: [number, [Set<string>, Map<string, unknown>, Set<string>]][];
    accessList?: unknown;
    preimages?: unknown;
  };
  const [height, [warm, slots, touched]] = j.journalDiff[0]!;
  const clean =
    j.touched.size === 0 &&
    j.journal.size === 0 &&
    j.alwaysWarmJournal.size === 0 &&
    j.journalHeight === 0 &&
    j.journalDiff.length === 1 &&
    height === 0 &&
    warm.size + slots.size + touched.size === 0 &&
    j.accessList === undefined &&
    j.preimages === undefined;
  if (!clean) expect.fail(`journal not clean after ${where}`);
}

async function accountsOf(vm: VM, more: Address[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const a of [...ALL, ...more]) {
    const x = await vm.stateManager.getAccount(a);
    out.push(`${a}:${x ? bytesToHex(x.serialize()) : "absent"}`);
  }
  return out;
}

interface Outcome {
  error?: string;
  result?: RunTxResult;
  fast: boolean;
}

/**
 * Three ways through one block, in lockstep: `runTx` for everything (the reference); the executor's way (one
 * TransferBatch, settled before every runTx fallback and at the end); and one `applyTransfer` per transaction (a batch
 * of one: a cleanup and a write-back per transaction, as before the overlay).
 */
class Lanes {
  batch!: TransferBatch;
  gas = [0n, 0n, 0n];
  constructor(readonly vms: [VM, VM, VM]) {}

  async begin(block: Block, systemCalls: { to: Address; data: Uint8Array }[]): Promise<void> {
    for (const vm of this.vms) {
      await vm.evm.journal.checkpoint();
      for (const call of systemCalls) {
        await vm.evm.runCall({ caller: SYSTEM_ADDRESS, to: call.to, data: call.data, gasLimit: 30_000_000n, skipBalance: true, block });
      }
    }
    this.batch = new TransferBatch(this.vms[1], block);
    this.gas = [0n, 0n, 0n];
  }

  async run(tx: TypedTransaction, block: Block): Promise<[Outcome, Outcome, Outcome]> {
    const [ref, batched, single] = this.vms;
    const fallback = async (vm: VM, lane: number): Promise<Outcome> => {
      try {
        return { result: await runTx(vm, { tx, block, blockGasUsed: this.gas[lane]!, skipHardForkValidation: true }), fast: false };
      } catch (e) {
        return { error: (e as Error).message, fast: false };
      }
    };
    const a = await fallback(ref, 0);
    let b: Outcome;
    const sender = transferSender(tx);
    const fastB = sender !== undefined ? await this.batch.apply(tx, sender, this.gas[1]!) : null;
    if (fastB !== null) {
      expectJournalClean(batched, "a transfer on the overlay");
      b = { result: fastB, fast: true };
    } else {
      await this.batch.settle();
      if (this.batch.size !== 0) expect.fail("settle leaves the overlay empty");
      b = await fallback(batched, 1);
    }
    const fastC = sender !== undefined ? await applyTransfer(single, tx, sender, block, this.gas[2]!) : null;
    const c = fastC !== null ? { result: fastC, fast: true } : await fallback(single, 2);
    for (const [lane, o] of [a, b, c].entries()) if (o.result !== undefined) this.gas[lane] += o.result.totalGasSpent;
    return [a, b, c];
  }

  async end(revert: boolean): Promise<void> {
    if (!revert) await this.batch.settle(); // a reverted block drops the overlay unsettled, as the executor does
    for (const vm of this.vms) await (revert ? vm.evm.journal.revert() : vm.evm.journal.commit());
  }
}

describe("node: execution: value-transfer fast path — the block-local overlay (TransferBatch)", function () {
  this.timeout(120_000);

  it("gives runTx's receipts, gas, state roots and accounts on 3,000 random colliding transactions (and one applyTransfer per transaction does too)", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 7_100_321);
    const rng = generator(seed);
    const pick = <T>(xs: readonly T[]): T => xs[rng(xs.length)]!;
    const lanes = new Lanes([await genesisVm(), await genesisVm(), await genesisVm()]);
    const [ref] = lanes.vms;
    const stats = {
      txs: 0, fast: 0, fallback: 0, thrown: 0, self: 0, toCoinbase: 0, fromCoinbase: 0, zeroToAbsent: 0, recreated: 0,
      freshCoinbaseZeroTip: 0, toContract: 0, withData: 0, lowBalance: 0, badNonce: 0, reverted: 0,
    };
    const deletedOnce = new Set<string>();
    const others = new Map<string, Address>(); // the brand-new recipients
    let number = 1n;
    while (stats.txs < 3_000) {
      const baseFee = pick([0n, 7n * GWEI, 7n * GWEI, 7n * GWEI + 1n]);
      const coinbase = pick([SENDERS[pick(RICH)]!, SENDERS[POOR]!, SENDERS[ABSENT]!, pick(FRESH), pick(FRESH), pick(EMPTY), pick(EOA), CONTRACT]);
      const block = blockContext(number++, coinbase, baseFee);
      const coinbaseAbsent = (await ref.stateManager.getAccount(coinbase)) === undefined;
      const systemCalls = [{ to: pick([...EMPTY, ...FRESH, CONTRACT]), data: rng(2) === 0 ? new Uint8Array(0) : Uint8Array.of(1) }];
      await lanes.begin(block, systemCalls);
      const size = 150 + rng(250);
      for (let n = 0; n < size; n++) {
        const i = rng(10) < 9 ? pick(RICH) : pick([POOR, ABSENT]);
        const from = SENDERS[i]!;
        const acc = (await ref.stateManager.getAccount(from)) ?? new Account();
        const r = rng(100);
        const to =
          r < 15 ? from : r < 30 ? coinbase : r < 52 ? SENDERS[rng(SENDERS.length)]! : r < 70 ? pick(FRESH) : r < 75 ? addressAt(0x9000 + rng(4096)) : r < 85 ? pick(EMPTY) : r < 92 ? pick(EOA) : CONTRACT;
        const data = rng(100) < 6 ? Uint8Array.of(rng(256)) : new Uint8Array(0);
        const tipRoll = rng(4);
        const price = baseFee === 0n && rng(3) === 0 ? 0n : rng(3) === 0 ? baseFee : baseFee + BigInt(rng(3)) * GWEI;
        const tip = tipRoll === 0 ? 0n : tipRoll === 1 ? price : BigInt(rng(Number(price / GWEI) + 1)) * GWEI;
        const gasLimit = data.length > 0 || to.equals(CONTRACT) ? 60_000n : rng(4) === 0 ? 21_000n + BigInt(rng(30_000)) : 21_000n;
        const v = rng(100);
        const spendable = acc.balance - gasLimit * price;
        const rich = RICH.includes(i);
        let value = v < 35 ? 0n : v < 75 ? BigInt(1 + rng(1_000_000)) : v < 90 ? BigInt(rng(1_000_000)) * GWEI : 0n;
        if (v >= 90 && rich) value = acc.balance + 1n; // too much; a rich sender stays rich
        else if (v >= 90) value = v < 95 ? (spendable > 0n ? spendable : 0n) : spendable >= 0n ? spendable + 1n : 1n; // all of it, or one wei more
        const w = rng(100);
        const nonce = w < 94 ? acc.nonce : w < 97 ? acc.nonce + 1n : acc.nonce + 7n;
        const type = pick([0, 1, 2] as const);
        const base = { nonce, gasLimit, to, value, data };
        const tx =
          type === 2
            ? sign({ ...base, type, chainId: CHAIN, maxFeePerGas: price, maxPriorityFeePerGas: tip > price ? price : tip }, KEYS[i]!)
            : sign({ ...base, type, gasPrice: price, ...(type === 1 ? { chainId: CHAIN, accessList: [] } : {}) }, KEYS[i]!);
        const toAbsent = (await ref.stateManager.getAccount(to)) === undefined;
        if (!ALL.some((a) => a.equals(to))) others.set(to.toString(), to);

        const [a, b, c] = await lanes.run(tx, block);
        const where = `block ${block.header.number} tx ${n} (seed ${seed}) from ${from} nonce ${nonce} to ${to} value ${value} price ${price} tip ${tip} data ${bytesToHex(data)}`;
        // (chai's expect, with Hardhat's matchers, is slow per transaction: it only reports a difference found)
        for (const o of [b, c]) {
          if (o.error !== a.error) expect(o.error, where).to.equal(a.error);
          if (a.result !== undefined && project(o.result!) !== project(a.result)) expect(project(o.result!), where).to.equal(project(a.result));
        }
        if (c.fast !== b.fast) expect(c.fast, where).to.equal(b.fast); // the same transactions take the fast path either way
        stats.txs++;
        if (a.error !== undefined) {
          stats.thrown++;
          if (/enough funds/.test(a.error)) stats.lowBalance++;
          if (/correct nonce/.test(a.error)) stats.badNonce++;
          continue;
        }
        if (!b.fast) {
          stats.fallback++;
          if (data.length > 0) stats.withData++;
          else if (to.equals(CONTRACT)) stats.toContract++;
          continue;
        }
        stats.fast++;
        if (to.equals(from)) stats.self++;
        if (to.equals(coinbase)) stats.toCoinbase++;
        if (from.equals(coinbase)) stats.fromCoinbase++;
        if (value === 0n && toAbsent && !to.equals(coinbase)) {
          stats.zeroToAbsent++;
          deletedOnce.add(to.toString());
        } else if (value > 0n && deletedOnce.has(to.toString())) stats.recreated++;
        if (coinbaseAbsent && b.result!.minerValue === 0n && price === baseFee && price > 0n) stats.freshCoinbaseZeroTip++;
      }
      const revert = number === 4n || rng(12) === 0; // the executor drops the overlay with the reverted checkpoint
      await lanes.end(revert);
      if (revert) stats.reverted++;
      const roots = await Promise.all(lanes.vms.map(async (vm) => bytesToHex(await vm.stateManager.getStateRoot())));
      expect(roots[1], `state root after block ${block.header.number} (overlay)`).to.equal(roots[0]);
      expect(roots[2], `state root after block ${block.header.number} (one by one)`).to.equal(roots[0]);
      expect(lanes.gas[1]).to.equal(lanes.gas[0]);
      const more = [...others.values()];
      const accounts = await accountsOf(ref, more);
      expect(await accountsOf(lanes.vms[1], more)).to.deep.equal(accounts);
      expect(await accountsOf(lanes.vms[2], more)).to.deep.equal(accounts);
    }
    console.log(`      ${JSON.stringify(stats)}`);
    expect(stats.fast).to.be.greaterThan(stats.txs / 2);
    for (const [k, n] of Object.entries(stats)) expect(n, k).to.be.greaterThan(0);
  });

  it("reads each account from the state manager once per run and writes each changed one once", async () => {
    const vm = await genesisVm();
    const coinbase = FRESH[0]!;
    const block = blockContext(1n, coinbase, 7n * GWEI);
    const calls = { get: 0, put: 0, del: 0 };
    const sm = vm.stateManager;
    const [get, put, del] = [sm.getAccount.bind(sm), sm.putAccount.bind(sm), sm.deleteAccount.bind(sm)];
    Object.assign(sm, {
      getAccount: (a: Address) => (calls.get++, get(a)),
      putAccount: (a: Address, acc?: Account) => (calls.put++, put(a, acc)),
      deleteAccount: (a: Address) => (calls.del++, del(a)),
    });
    await vm.evm.journal.checkpoint();
    const batch = new TransferBatch(vm, block);
    const nonces = [0n, 0n];
    for (let n = 0; n < 40; n++) {
      const i = n % 2;
      // maxFee == baseFee: the fresh coinbase earns nothing (touched, empty, deleted); every 4th sends 0 to FRESH[1]
      const to = n % 4 === 3 ? FRESH[1]! : n % 5 === 0 ? SENDERS[i]! : SENDERS[1 - i]!;
      const tx = sign({ type: 2, chainId: CHAIN, nonce: nonces[i]!++, gasLimit: 21_000n, to, value: n % 4 === 3 ? 0n : 1000n, maxFeePerGas: 7n * GWEI, maxPriorityFeePerGas: GWEI }, KEYS[i]!);
      expect(await batch.apply(tx, SENDERS[i]!, 21_000n * BigInt(n))).to.not.equal(null);
    }
    expect(batch.size).to.equal(4);
    expect(calls).to.deep.equal({ get: 4, put: 0, del: 0 });
    await batch.settle();
    expect(batch.size).to.equal(0);
    // the two senders put; the fresh recipient of 0 and the coinbase earning 0 deleted (EIP-161), as runTx leaves them
    expect(calls).to.deep.equal({ get: 4, put: 2, del: 2 });
    await vm.evm.journal.commit();
    expect(await get(coinbase)).to.equal(undefined);
    expect(await get(FRESH[1]!)).to.equal(undefined);
    expect((await get(SENDERS[0]!))!.nonce).to.equal(20n);
  });
});

// ---- through the executor: Executor.build / replay with the fast path and without ----

class ExecutorSide {
  level!: ClassicLevel<string, Uint8Array>;
  executor!: Executor;
  vm!: VM;
  parent!: Block;
  constructor(
    readonly dir: string,
    readonly fastPath: boolean,
  ) {}
  async open(): Promise<void> {
    this.level = await openLevel(this.dir);
    const overlay = new OverlayDB(this.level);
    const chain = { getBlock: async () => ({ hash: () => new Uint8Array(32) }), putBlock: async () => undefined, shallowCopy() { return this; } };
    this.executor = new Executor(common, overlay, chain as unknown as ConstructorParameters<typeof Executor>[2]);
    const sm = this.executor.stateAt(KECCAK256_RLP);
    await genesis(async (a, account, code) => {
      await sm.putAccount(a, account);
      if (code !== undefined) await sm.putCode(a, code);
    });
    await sm.checkpoint();
    await sm.commit();
    const root = await sm.getStateRoot();
    this.parent = createBlock({ header: { number: 0n, stateRoot: root, gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: 7n * GWEI } }, { common, skipConsensusFormatValidation: true });
    // the block VM (private, kept warm); a beforeTx listener keeps the fast path out of the way (transfer.ts)
    this.vm = await (this.executor as unknown as { blockVm(root: Uint8Array): Promise<VM> }).blockVm(root);
    if (!this.fastPath) this.vm.events.on("beforeTx", () => undefined);
  }
  async close(): Promise<void> {
    await this.level.close();
  }
}

function summary(out: ExecutedBlock): string {
  return JSON.stringify({
    hash: bytesToHex(out.block.hash()),
    stateRoot: bytesToHex(out.block.header.stateRoot),
    receiptTrie: bytesToHex(out.block.header.receiptTrie),
    gasUsed: out.block.header.gasUsed.toString(),
    txs: out.block.transactions.length,
    receipts: out.receipts,
    rejected: out.rejected.map((r) => [bytesToHex(r.tx.hash()), r.reason]),
  });
}

describe("node: execution: Executor with the transfer overlay", function () {
  this.timeout(120_000);
  let dir: string;
  let fast: ExecutorSide;
  let slow: ExecutorSide;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "transfer-batch-"));
    fast = new ExecutorSide(path.join(dir, "fast"), true);
    slow = new ExecutorSide(path.join(dir, "slow"), false);
    await fast.open();
    await slow.open();
  });
  after(async () => {
    await fast?.close();
    await slow?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("builds and replays blocks mixing transfers, contract calls and invalid transactions to the same block as runTx alone", async () => {
    const rng = generator(99);
    const nonces = SENDERS.map(() => 0n);
    let fastTxs = 0;
    for (let number = 1n; number <= 4n; number++) {
      const coinbase = [SENDERS[0]!, FRESH[2]!, EMPTY[1]!, EOA[0]!][Number(number) - 1]!;
      const fields: HeaderFields = { number, timestamp: 1_700_000_000n + number, coinbase: coinbase.toString(), gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: 7n * GWEI, extraData: new Uint8Array(0) };
      const systemCalls: SystemCall[] = [{ to: EMPTY[0]!.toString(), data: "0x" }, { to: CONTRACT.toString(), data: "0x01" }];
      const txs: TypedTransaction[] = [];
      for (let n = 0; n < 250; n++) {
        const i = rng(10) === 0 ? POOR : RICH[rng(RICH.length)]!;
        const r = rng(100);
        const to = r < 10 ? SENDERS[i]! : r < 20 ? coinbase : r < 50 ? SENDERS[rng(SENDERS.length)]! : r < 70 ? FRESH[rng(FRESH.length)]! : r < 80 ? EMPTY[rng(EMPTY.length)]! : CONTRACT;
        const data = to.equals(CONTRACT) && rng(2) === 0 ? Uint8Array.of(1, 2) : new Uint8Array(0);
        const value = rng(3) === 0 ? 0n : BigInt(1 + rng(1_000_000_000));
        const nonce = rng(50) === 0 ? nonces[i]! + 3n : nonces[i]!++; // a few too high: rejected (and the POOR run out of gas money)
        const maxFee = rng(3) === 0 ? 7n * GWEI : 9n * GWEI;
        txs.push(sign({ type: 2, chainId: CHAIN, nonce, gasLimit: to.equals(CONTRACT) ? 60_000n : 21_000n, to, value, data, maxFeePerGas: maxFee, maxPriorityFeePerGas: GWEI }, KEYS[i]!));
        if (transferSender(txs[n]!) !== undefined && !to.equals(CONTRACT)) fastTxs++;
      }
      const a = await fast.executor.build(fast.parent, fields, systemCalls, txs, { maxTxs: 1_000_000 });
      const b = await slow.executor.build(slow.parent, fields, systemCalls, txs, { maxTxs: 1_000_000 });
      expect(summary(a), `block ${number}`).to.equal(summary(b));
      expect(a.rejected.length).to.be.greaterThan(0);
      expect(a.receipts.some((r) => r.logs.length > 0)).to.equal(true);
      // each replays the other's proposal (replay throws on any difference: state root, receipts, gas, bloom, hash)
      const ra = await fast.executor.replay(fast.parent, b.block, systemCalls);
      const rb = await slow.executor.replay(slow.parent, a.block, systemCalls);
      expect(summary(ra)).to.equal(summary(rb));
      fast.parent = a.block;
      slow.parent = b.block;
    }
    expect(fastTxs).to.be.greaterThan(500);
  });

  it("reverts the block when writing the overlay back fails (the block's failure, not a rejected transaction)", async () => {
    const fields: HeaderFields = { number: 5n, timestamp: 1_700_000_005n, coinbase: EOA[1]!.toString(), gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: 7n * GWEI, extraData: new Uint8Array(0) };
    const sender = SENDERS[1]!;
    const nonce = (await fast.executor.stateAt(fast.parent.header.stateRoot).getAccount(sender))!.nonce;
    const candidates = [0n, 1n].map((k) => sign({ type: 2, chainId: CHAIN, nonce: nonce + k, gasLimit: 21_000n, to: FRESH[3]!, value: 5n, maxFeePerGas: 9n * GWEI, maxPriorityFeePerGas: GWEI }, KEYS[1]!));
    const sm = fast.vm.stateManager;
    const putAccount = sm.putAccount;
    sm.putAccount = async () => {
      throw new Error("disk on fire");
    };
    try {
      let error: Error | undefined;
      await fast.executor.build(fast.parent, fields, [], candidates, { maxTxs: 10 }).catch((e: Error) => (error = e));
      expect(error?.message).to.equal("disk on fire");
    } finally {
      sm.putAccount = putAccount;
    }
    // the state is the parent's again: the same block builds, as without the fast path
    const a = await fast.executor.build(fast.parent, fields, [], candidates, { maxTxs: 10 });
    const b = await slow.executor.build(slow.parent, fields, [], candidates, { maxTxs: 10 });
    expect(a.block.transactions.length).to.equal(2);
    expect(summary(a)).to.equal(summary(b));
  });
});
