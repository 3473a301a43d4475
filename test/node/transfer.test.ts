import { expect } from "chai";
import secp256k1 from "secp256k1";
import { createBlock, type Block } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createTx, type TypedTransaction, type TypedTxData } from "@ethereumjs/tx";
import { RLP } from "@ethereumjs/rlp";
import { Account, Address, KECCAK256_RLP, bigIntToUnpaddedBytes, bytesToHex, concatBytes, equalsBytes, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type RunTxResult, type VM } from "@ethereumjs/vm";
import { keccak256, makeCommon } from "../../node/execution/common";
import { applyTransfer, isPlainTransfer, transferSender } from "../../node/execution/transfer";

const CHAIN = 4242n;
const GWEI = 1_000_000_000n;
const ETHER = 10n ** 18n;
const BLOCK_GAS_LIMIT = 1_000_000_000n;
const common = makeCommon(CHAIN);
/** The executor's system-call sender (node/execution/executor.ts). */
const SYSTEM_ADDRESS = "0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE";

/** sfc32: a reproducible stream of 32-bit numbers (FUZZ_SEED overrides the seed). */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    [this.a, this.b, this.c, this.d] = [0x9e3779b9, 0x243f6a88, 0xb7e15162, seed | 0];
    for (let i = 0; i < 20; i++) this.next32();
  }
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, n) for n up to 2^32 (the bias is irrelevant here). */
  int(n: number): number {
    return this.next32() % n;
  }
  big(n: bigint): bigint {
    if (n <= 0n) return 0n;
    let x = 0n;
    for (let i = 0; i < 9; i++) x = (x << 32n) | BigInt(this.next32());
    return x % n;
  }
  chance(p: number): boolean {
    return this.next32() < p * 4294967296;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next32() & 0xff;
    return out;
  }
}

const key = (i: number) => hexToBytes(`0x${(i + 1).toString(16).padStart(64, "0")}`);
const N_KEYS = 48;
const keys = Array.from({ length: N_KEYS }, (_, i) => key(i));
const senders = keys.map((k) => createAddressFromPrivateKey(k));
// Roles of the keys in the genesis state.
const RICH = range(0, 24);
const POOR = range(24, 36); // a few cents of gas: some transactions, then "not enough funds"
const ABSENT = range(36, 42); // no account: only gas-free transactions (base fee 0, price 0) go through
const WITH_CODE = range(42, 44); // EIP-3607: runTx rejects them
const LATE_NONCE = range(44, 48); // start at nonce 5

const addressAt = (n: number) => createAddressFromString(`0x${n.toString(16).padStart(40, "0")}`);
const EOAS = range(0, 40).map((i) => addressAt(0x10_0000 + i)); // existing, funded, no code
const EMPTIES = range(0, 40).map((i) => addressAt(0x20_0000 + i)); // existing, empty (nonce 0, balance 0, no code)
const POOL = range(0, 200).map((i) => addressAt(0x30_0000 + i)); // absent at genesis; come and go
const CONTRACT = addressAt(0x40_0000); // CALLVALUE PUSH1 0 SSTORE PUSH1 0 PUSH1 0 LOG0 STOP
const STOPPER = addressAt(0x40_0001); // STOP
const PRECOMPILES = [addressAt(1), addressAt(4), addressAt(9)];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

async function genesisVm(): Promise<VM> {
  const trie = new MerklePatriciaTrie({ useKeyHashing: true, common });
  const stateManager = new MerkleStateManager({ trie, common, caches: new Caches() });
  const seed = new Rng(1);
  const put = (a: Address, nonce: bigint, balance: bigint) => stateManager.putAccount(a, new Account(nonce, balance));
  for (const i of RICH) await put(senders[i]!, 0n, 1_000n * ETHER + seed.big(ETHER));
  for (const i of POOR) await put(senders[i]!, 0n, seed.big(3n * 21_000n * 8n * GWEI));
  for (const i of WITH_CODE) {
    await put(senders[i]!, 0n, 10n * ETHER);
    await stateManager.putCode(senders[i]!, hexToBytes("0x00"));
  }
  for (const i of LATE_NONCE) await put(senders[i]!, 5n, 100n * ETHER);
  for (const a of EOAS) await put(a, BigInt(seed.int(3)), seed.big(10n * ETHER) + 1n);
  for (const a of EMPTIES) await put(a, 0n, 0n);
  await put(CONTRACT, 1n, 0n);
  await stateManager.putCode(CONTRACT, hexToBytes("0x3460005560006000a000"));
  await put(STOPPER, 1n, ETHER);
  await stateManager.putCode(STOPPER, hexToBytes("0x00"));
  await stateManager.checkpoint();
  await stateManager.commit(); // flush to the trie
  return createVM({ common, stateManager });
}

interface Outcome {
  error?: string;
  result?: RunTxResult;
  fast?: boolean;
}

/** The fields of a result the executor (and a receipt) depend on. */
function project(r: RunTxResult) {
  const receipt = r.receipt as { status: number; cumulativeBlockGasUsed: bigint; bitvector: Uint8Array; logs: [Uint8Array, Uint8Array[], Uint8Array][] };
  return {
    status: receipt.status,
    cumulativeBlockGasUsed: receipt.cumulativeBlockGasUsed,
    bitvector: bytesToHex(receipt.bitvector),
    logs: receipt.logs.map((l) => [bytesToHex(l[0]), l[1].map((t) => bytesToHex(t)), bytesToHex(l[2])]),
    receiptKeys: Object.keys(receipt).sort(),
    bloom: bytesToHex(r.bloom.bitvector),
    totalGasSpent: r.totalGasSpent,
    blockGasSpent: r.blockGasSpent,
    amountSpent: r.amountSpent,
    minerValue: r.minerValue,
    gasRefund: r.gasRefund,
    createdAddress: r.createdAddress?.toString(),
    executionGasUsed: r.execResult.executionGasUsed,
    exception: r.execResult.exceptionError?.error,
  };
}

/** `project(a)` deep-equals `project(b)`, checked field by field (chai's deep equality, with Hardhat's matchers, is slow per transaction). */
function sameResult(a: RunTxResult, b: RunTxResult): boolean {
  const [ra, rb] = [a.receipt as { status?: number }, b.receipt as { status?: number }];
  const scalars =
    ra.status === rb.status &&
    a.receipt.cumulativeBlockGasUsed === b.receipt.cumulativeBlockGasUsed &&
    a.totalGasSpent === b.totalGasSpent &&
    a.blockGasSpent === b.blockGasSpent &&
    a.amountSpent === b.amountSpent &&
    a.minerValue === b.minerValue &&
    a.gasRefund === b.gasRefund &&
    a.createdAddress?.toString() === b.createdAddress?.toString() &&
    a.execResult.executionGasUsed === b.execResult.executionGasUsed &&
    a.execResult.exceptionError?.error === b.execResult.exceptionError?.error &&
    equalsBytes(a.receipt.bitvector, b.receipt.bitvector) &&
    equalsBytes(a.bloom.bitvector, b.bloom.bitvector) &&
    Object.keys(a.receipt).join() === Object.keys(b.receipt).join();
  if (!scalars) return false;
  if (a.receipt.logs.length === 0 && b.receipt.logs.length === 0) return true;
  return JSON.stringify(project(a).logs) === JSON.stringify(project(b).logs);
}

const runOpts = (tx: TypedTransaction, block: Block, blockGasUsed: bigint) => ({ tx, block, blockGasUsed, skipHardForkValidation: true });

async function reference(vm: VM, tx: TypedTransaction, block: Block, gasUsed: bigint): Promise<Outcome> {
  try {
    return { result: await runTx(vm, runOpts(tx, block, gasUsed)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The executor's loop with the fast path (the integration the executor is to get). */
async function withFastPath(vm: VM, tx: TypedTransaction, block: Block, gasUsed: bigint): Promise<Outcome> {
  try {
    const sender = transferSender(tx);
    const fast = sender !== undefined ? await applyTransfer(vm, tx, sender, block, gasUsed) : null;
    if (fast !== null) return { result: fast, fast: true };
    return { result: await runTx(vm, runOpts(tx, block, gasUsed)), fast: false };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function sign(data: TypedTxData, k: Uint8Array): TypedTransaction | undefined {
  let unsigned: TypedTransaction;
  try {
    unsigned = createTx(data, { common });
  } catch {
    return undefined; // a combination the transaction itself refuses (e.g. tip above max fee)
  }
  const { signature, recid } = secp256k1.ecdsaSign(unsigned.getHashedMessageToSign(), k);
  return unsigned.addSignature(BigInt(recid), signature.slice(0, 32), signature.slice(32, 64), true) as TypedTransaction;
}

interface Spec {
  type: 0 | 1 | 2;
  nonce: bigint;
  gasLimit: bigint;
  to: Address | undefined;
  value: bigint;
  data: Uint8Array;
  /** gasPrice (types 0, 1) or maxFeePerGas (type 2). */
  price: bigint;
  tip: bigint;
  accessList: [Uint8Array, Uint8Array[]][];
}

const PUBLIC_KEYS = keys.map((k) => secp256k1.publicKeyCreate(k, false).slice(1));
const u = bigIntToUnpaddedBytes;

/**
 * A signed transaction built in one construction: the signing hash is the RLP payload of EIP-155 / EIP-2718 hashed
 * with the native keccak (what `getHashedMessageToSign` computes, without building the transaction twice). Unless
 * `recover`, the sender's public key is put in the transaction's own cache, where its first recovery would put it —
 * the test's 100,000 signatures would otherwise spend most of its time in ecrecover; the `recover` ones (one in 32)
 * recover for real and check that the signature is the sender's.
 */
function signFast(spec: Spec, i: number, recover: boolean): TypedTransaction | undefined {
  if (spec.type === 2 && spec.tip > spec.price) return undefined;
  const to = spec.to?.bytes ?? new Uint8Array(0);
  const list = spec.accessList;
  let hash: Uint8Array;
  if (spec.type === 0) hash = keccak256(RLP.encode([u(spec.nonce), u(spec.price), u(spec.gasLimit), to, u(spec.value), spec.data, u(CHAIN), u(0n), u(0n)]));
  else if (spec.type === 1) hash = keccak256(concatBytes(new Uint8Array([1]), RLP.encode([u(CHAIN), u(spec.nonce), u(spec.price), u(spec.gasLimit), to, u(spec.value), spec.data, list])));
  else hash = keccak256(concatBytes(new Uint8Array([2]), RLP.encode([u(CHAIN), u(spec.nonce), u(spec.tip), u(spec.price), u(spec.gasLimit), to, u(spec.value), spec.data, list])));
  const { signature, recid } = secp256k1.ecdsaSign(hash, keys[i]!);
  const sig = { v: spec.type === 0 ? BigInt(recid) + CHAIN * 2n + 35n : BigInt(recid), r: signature.slice(0, 32), s: signature.slice(32, 64) };
  const base = { nonce: spec.nonce, gasLimit: spec.gasLimit, to: spec.to, value: spec.value, data: spec.data, ...sig };
  const data: TypedTxData =
    spec.type === 2
      ? { ...base, type: 2, chainId: CHAIN, maxFeePerGas: spec.price, maxPriorityFeePerGas: spec.tip, accessList: list }
      : { ...base, type: spec.type, gasPrice: spec.price, ...(spec.type === 1 ? { chainId: CHAIN, accessList: list } : {}) };
  const tx = createTx(data, { common });
  if (recover) expect(tx.getSenderAddress().equals(senders[i]!), "signature recovers the sender").to.equal(true);
  else (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = PUBLIC_KEYS[i];
  return tx;
}

interface Stats {
  txs: number;
  fast: number;
  fallbackOk: number;
  thrown: number;
  fastSelf: number;
  fastToCoinbase: number;
  fastZeroToAbsent: number;
  fastGasFree: number;
  blocks: number;
  reverted: number;
}

describe("node: execution: value-transfer fast path", function () {
  this.timeout(600_000);

  it("isPlainTransfer accepts only call-shaped transactions without data or access list", () => {
    const k = keys[0]!;
    const base = { nonce: 0n, gasLimit: 21_000n, to: EOAS[0]!, value: 1n };
    expect(isPlainTransfer(sign({ ...base, type: 0, gasPrice: GWEI }, k)!)).to.equal(true);
    expect(isPlainTransfer(sign({ ...base, type: 1, gasPrice: GWEI, chainId: CHAIN, accessList: [] }, k)!)).to.equal(true);
    expect(isPlainTransfer(sign({ ...base, type: 2, maxFeePerGas: GWEI, maxPriorityFeePerGas: 0n, chainId: CHAIN }, k)!)).to.equal(true);
    expect(isPlainTransfer(sign({ ...base, type: 2, maxFeePerGas: GWEI, maxPriorityFeePerGas: 0n, chainId: CHAIN, data: "0x00" }, k)!)).to.equal(false);
    expect(isPlainTransfer(sign({ ...base, to: undefined, type: 0, gasPrice: GWEI, gasLimit: 60_000n }, k)!)).to.equal(false);
    const accessList = [{ address: EOAS[1]!.toString(), storageKeys: [] }];
    expect(isPlainTransfer(sign({ ...base, type: 1, gasPrice: GWEI, chainId: CHAIN, accessList }, k)!)).to.equal(false);
  });

  it("deletes the empty accounts a system call touched when the block's only transaction takes the fast path", async () => {
    const [ref, fast] = [await genesisVm(), await genesisVm()];
    const block = createBlock({ header: { number: 1n, coinbase: new Address(new Uint8Array(20).fill(0xcb)), gasLimit: BLOCK_GAS_LIMIT, baseFeePerGas: 7n * GWEI } }, { common, skipConsensusFormatValidation: true });
    const tx = signFast({ type: 2, nonce: 0n, gasLimit: 21_000n, to: EOAS[0], value: 1n, data: new Uint8Array(0), price: 8n * GWEI, tip: GWEI, accessList: [] }, RICH[0]!, true)!;
    const results: RunTxResult[] = [];
    for (const vm of [ref, fast]) {
      await vm.evm.journal.checkpoint();
      await vm.evm.runCall({ caller: createAddressFromString(SYSTEM_ADDRESS), to: EMPTIES[0], gasLimit: 30_000_000n, skipBalance: true, block });
      const r = vm === ref ? await runTx(vm, runOpts(tx, block, 0n)) : await applyTransfer(vm, tx, tx.getSenderAddress(), block, 0n);
      expect(r).to.not.equal(null);
      results.push(r!);
      await vm.evm.journal.commit();
    }
    expect(project(results[1]!)).to.deep.equal(project(results[0]!));
    expect(await ref.stateManager.getAccount(EMPTIES[0]!)).to.equal(undefined);
    expect(await fast.stateManager.getAccount(EMPTIES[0]!)).to.equal(undefined);
    expect(bytesToHex(await fast.stateManager.getStateRoot())).to.equal(bytesToHex(await ref.stateManager.getStateRoot()));
  });

  // Differential fuzzing: one VM runs every transaction through runTx, the other through the executor's loop with the
  // fast path; both start from the same genesis and must agree on every result or error, every block's state root
  // and every touched account. FUZZ_SEED picks another workload, FUZZ_TXS a shorter run while debugging.
  it("applies 100,000 random transactions exactly as runTx does (receipts, gas, state roots, touched accounts)", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261204);
    const rng = new Rng(seed);
    const [ref, fast] = [await genesisVm(), await genesisVm()];
    expect(bytesToHex(await fast.stateManager.getStateRoot())).to.equal(bytesToHex(await ref.stateManager.getStateRoot()));
    const stats: Stats = { txs: 0, fast: 0, fallbackOk: 0, thrown: 0, fastSelf: 0, fastToCoinbase: 0, fastZeroToAbsent: 0, fastGasFree: 0, blocks: 0, reverted: 0 };
    const started = Date.now();
    let number = 1n;
    const target = Number(process.env.FUZZ_TXS ?? 100_000);
    while (stats.txs < target) {
      const baseFee = rng.pick([0n, 0n, 7n * GWEI, 7n * GWEI, 7n * GWEI + 1n]);
      const coinbase = rng.pick([
        new Address(rng.bytes(20)),
        senders[rng.pick(RICH)]!,
        senders[rng.pick(POOR)]!,
        rng.pick(EMPTIES),
        rng.pick(POOL),
        rng.pick(EOAS),
        CONTRACT,
      ]);
      const block = createBlock(
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
      number++;
      const touched = new Map<string, Address>();
      const touch = (a: Address) => touched.set(a.toString(), a);
      touch(coinbase);
      const rootBefore = bytesToHex(await ref.stateManager.getStateRoot());
      for (const vm of [ref, fast]) await vm.evm.journal.checkpoint();

      // The executor's system call: from SYSTEM_ADDRESS, no gas payment; it leaves touched (maybe empty) accounts
      // for the first transaction's cleanup.
      const systemTarget = rng.pick([rng.pick(EMPTIES), rng.pick(POOL), CONTRACT, STOPPER]);
      touch(systemTarget);
      touch(createAddressFromString(SYSTEM_ADDRESS));
      for (const vm of [ref, fast]) {
        await vm.evm.runCall({ caller: createAddressFromString(SYSTEM_ADDRESS), to: systemTarget, data: new Uint8Array(0), gasLimit: 30_000_000n, skipBalance: true, block });
      }

      const size = 1_000 + rng.int(1_001);
      let [gasRef, gasFast] = [0n, 0n];
      for (let n = 0; n < size; n++) {
        const tx = await randomTx(rng, block, baseFee, ref, fast);
        if (tx === undefined) continue;
        const { tx: t, to, sender } = tx;
        touch(sender);
        if (to !== undefined) touch(to);
        const a = await reference(ref, t, block, gasRef);
        const b = await withFastPath(fast, t, block, gasFast);
        const where = () => `block ${block.header.number} tx ${n} (seed ${seed}) ${describeTx(t)}`;
        if (a.error !== undefined || b.error !== undefined) {
          if (b.error !== a.error) expect(b.error, where()).to.equal(a.error);
          stats.thrown++;
        } else {
          if (!sameResult(a.result!, b.result!)) expect(project(b.result!), where()).to.deep.equal(project(a.result!));
          gasRef += a.result!.totalGasSpent;
          gasFast += b.result!.totalGasSpent;
          if (b.fast === true) {
            stats.fast++;
            if (to !== undefined && to.equals(sender)) stats.fastSelf++;
            if (to !== undefined && to.equals(coinbase)) stats.fastToCoinbase++;
            if (t.value === 0n && tx.toAbsent) stats.fastZeroToAbsent++;
            if (a.result!.amountSpent === 0n) stats.fastGasFree++;
          } else stats.fallbackOk++;
        }
        stats.txs++;
      }

      const revert = rng.chance(0.08);
      for (const vm of [ref, fast]) await (revert ? vm.evm.journal.revert() : vm.evm.journal.commit());
      const [rootRef, rootFast] = [bytesToHex(await ref.stateManager.getStateRoot()), bytesToHex(await fast.stateManager.getStateRoot())];
      expect(rootFast, `state root after block ${block.header.number}`).to.equal(rootRef);
      if (revert) {
        expect(rootRef, `reverted block ${block.header.number}`).to.equal(rootBefore);
        stats.reverted++;
      }
      for (const [hex, address] of touched) {
        const [x, y] = [await ref.stateManager.getAccount(address), await fast.stateManager.getAccount(address)];
        const [sx, sy] = [x && bytesToHex(x.serialize()), y && bytesToHex(y.serialize())];
        if (sx !== sy) expect(sy, `account ${hex} after block ${block.header.number}`).to.equal(sx);
      }
      stats.blocks++;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      ${stats.txs} txs in ${stats.blocks} blocks (${stats.reverted} reverted) in ${seconds.toFixed(1)} s, seed ${seed}: ` +
        `fast path ${stats.fast} (self ${stats.fastSelf}, to coinbase ${stats.fastToCoinbase}, 0 to an absent account ${stats.fastZeroToAbsent}, gas-free ${stats.fastGasFree}), ` +
        `runTx fallback ${stats.fallbackOk}, rejected by both ${stats.thrown}`,
    );
    expect(stats.txs).to.be.at.least(target);
    expect(stats.fast).to.be.greaterThan(stats.txs / 3);
    expect(stats.fallbackOk).to.be.greaterThan(stats.txs / 20);
    expect(stats.thrown).to.be.greaterThan(stats.txs / 50);
    for (const n of [stats.fastSelf, stats.fastToCoinbase, stats.fastZeroToAbsent, stats.fastGasFree]) expect(n).to.be.greaterThan(0);
    if (stats.blocks >= 40) expect(stats.reverted).to.be.greaterThan(0);
  });
});

function describeTx(tx: TypedTransaction): string {
  const fee = "maxFeePerGas" in tx ? `maxFee ${tx.maxFeePerGas} tip ${tx.maxPriorityFeePerGas}` : `gasPrice ${(tx as { gasPrice: bigint }).gasPrice}`;
  return `type ${tx.type} from ${tx.getSenderAddress()} nonce ${tx.nonce} to ${tx.to?.toString()} value ${tx.value} gas ${tx.gasLimit} ${fee} data ${bytesToHex(tx.data)}`;
}

interface Generated {
  tx: TypedTransaction;
  sender: Address;
  to?: Address;
  toAbsent: boolean;
}

const OTHERS = [...POOR, ...ABSENT, ...WITH_CODE, ...LATE_NONCE];

/** One random transaction; its nonce and value are drawn against the sender's current account (read on both VMs). */
async function randomTx(rng: Rng, block: Block, baseFee: bigint, ref: VM, fast: VM): Promise<Generated | undefined> {
  const rich = rng.chance(0.85);
  const i = rich ? rng.pick(RICH) : rng.pick(OTHERS);
  const sender = senders[i]!;
  const [x, y] = [await ref.stateManager.getAccount(sender), await fast.stateManager.getAccount(sender)];
  const [sx, sy] = [x && bytesToHex(x.serialize()), y && bytesToHex(y.serialize())];
  if (sx !== sy) expect(sy, `account of key ${i}`).to.equal(sx);
  const acc = { nonce: x?.nonce ?? 0n, balance: x?.balance ?? 0n };

  let to: Address | undefined;
  let toAbsent = false;
  const r = rng.int(100);
  if (r < 18) {
    to = new Address(rng.bytes(20));
    toAbsent = true;
  } else if (r < 38) to = rng.pick(POOL);
  else if (r < 52) to = rng.pick(EOAS);
  else if (r < 62) to = rng.pick(EMPTIES);
  else if (r < 70) to = sender;
  else if (r < 77) to = block.header.coinbase;
  else if (r < 87) to = senders[rng.int(N_KEYS)]!;
  else if (r < 92) to = rng.pick([CONTRACT, STOPPER]);
  else if (r < 95) to = rng.pick(PRECOMPILES);
  else if (r < 99) to = senders[rng.pick(WITH_CODE)]!;
  else to = undefined; // a creation
  if (to !== undefined && !toAbsent) toAbsent = POOL.some((p) => p.equals(to!)); // maybe absent (not tracked exactly)

  const type = rng.pick([0, 1, 2] as const);
  const gasFree = baseFee === 0n && rng.chance(0.3);
  let price = 0n; // gasPrice or maxFeePerGas
  let tip = 0n;
  if (!gasFree) {
    const p = rng.int(100);
    if (p < 30) price = baseFee;
    else if (p < 40) price = baseFee + 1n;
    else if (p < 43) price = baseFee > 0n ? baseFee - 1n : 0n; // below the base fee: rejected
    else price = baseFee + rng.big(3n * GWEI);
    const q = rng.int(4);
    tip = q === 0 ? 0n : q === 1 ? price : q === 2 ? rng.big(price + 1n) : rng.big(2n * GWEI);
    if (tip > price) tip = price;
  }

  let data: Uint8Array = new Uint8Array(0);
  if (rng.chance(0.04)) data = rng.bytes(1 + rng.int(4));
  const listed = type !== 0 && rng.chance(0.08);
  const accessList: [Uint8Array, Uint8Array[]][] = listed ? [[rng.pick(EOAS).bytes, rng.chance(0.5) ? [new Uint8Array(32)] : []]] : [];

  const g = rng.int(100);
  let gasLimit = g < 60 ? 21_000n : g < 95 ? 21_000n + BigInt(rng.int(80_000)) : g < 97 ? 20_999n : g < 98 ? BLOCK_GAS_LIMIT + 1n : 5_000_000n;
  if ((data.length > 0 || listed) && rng.chance(0.5)) gasLimit += 10_000n; // so that some of them run
  const maxFee = price;
  const spendable = acc.balance - gasLimit * maxFee;
  const v = rng.int(100);
  let value: bigint;
  if (v < 35) value = 0n;
  else if (v < 60) value = BigInt(1 + rng.int(1_000_000));
  else if (v < 88) value = rng.big(ETHER);
  else if (rich) value = v < 98 ? rng.big(ETHER) : acc.balance + 1n; // a rich sender stays rich: too much only
  else if (v < 94) value = spendable > 0n ? spendable : 0n; // everything left: exactly affordable
  else value = spendable >= 0n ? spendable + 1n : 1n; // one wei too many

  const w = rng.int(100);
  const nonce = w < 96 ? acc.nonce : w < 98 ? acc.nonce + 1n : w < 99 ? (acc.nonce > 0n ? acc.nonce - 1n : 1n) : acc.nonce + 1000n;


  const tx = signFast({ type, nonce, gasLimit, to, value, data, price, tip, accessList }, i, rng.chance(1 / 32));
  if (tx === undefined) return undefined;
  return { tx, sender, to, toAbsent };
}
