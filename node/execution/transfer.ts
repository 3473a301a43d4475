/**
 * The value-transfer fast path: a transaction from an externally owned account to an account without code, with
 * no data and no access list, applied directly on the accounts (a block-local overlay over the state manager, see
 * below) — without the EVM, the nested journal checkpoints and the per-transaction bookkeeping of `runTx` — with
 * exactly `runTx`'s result and state change.
 *
 * What `runTx` (ethereumjs 10.1.3, Cancun) does for such a transaction, step by step, and what is done here instead:
 *
 * - it starts with `journal.cleanup()`: accounts touched since the last transaction (the block's system calls, or
 *   the last `runTx`) that are empty are deleted (EIP-161). The same call is made here, first (but see below).
 * - it checks the gas limit against the block's, the intrinsic gas, `maxFeePerGas`/`gasPrice` against the base fee,
 *   that the sender has no code (EIP-3607), its balance against `gasLimit * maxFee + value` and its nonce. Any
 *   failing check returns `null` here before any write, so the caller runs `runTx`, which throws its own message.
 * - it debits `gasLimit * gasPrice` and bumps the nonce; the EVM then moves `value` (sender and recipient read afresh,
 *   so a transfer to oneself nets to zero), finds no code at the recipient and uses no gas; the unused gas is
 *   refunded to the sender and the coinbase is credited `gasUsed * (gasPrice - baseFee)`. Here the three accounts are
 *   read once, the same arithmetic is done on one balance per distinct account (aliases — recipient or coinbase being
 *   the sender, coinbase being the recipient — share one, as the fresh reads share one cache entry), and the
 *   accounts are changed only after the last check.
 * - it ends with `journal.cleanup()` over the touched accounts (sender, recipient, coinbase — all of them written):
 *   an empty one (a fresh recipient of 0, a fresh coinbase earning 0) is deleted, as it is here; and it clears the
 *   original-storage cache, as done here. The journal is left clean, as `runTx` leaves it.
 *
 * The per-transaction checkpoint/commit of `runTx` is not needed: nothing is written before every check passed. A
 * block-level checkpoint around the transactions (the executor's) records these writes (made when the overlay below
 * is settled) like any others, so its revert undoes them; an overlay not settled yet is simply dropped. Without an outer checkpoint `runTx` flushes the caches to the trie after each transaction and
 * this path does not; the state and its root are the same.
 *
 * The overlay (`TransferBatch`). The executor applies each run of consecutive fast-path transfers of a block on a
 * block-local overlay: a Map from address to the decoded `Account` (or `undefined`: absent, or deleted by a transfer
 * of the run), read from the state manager on an address's first touch in the run only. Going through the state
 * manager's caches costs, per transfer, three `getAccount` (a cache lookup and an RLP decode each), two or three
 * `putAccount` (an RLP encode and the cache's journal bookkeeping each) and a `journal.cleanup()`; on the overlay an
 * account is decoded once and encoded once per run. It is the same state, because:
 *
 * - between two transfers of a run nothing but the fast path reads or writes the state (the executor settles the
 *   overlay before every `runTx`, and before the journal's commit and the state root), so the overlay's account is
 *   the one the state manager would return: the last written one, or none after a deletion (an account deleted by
 *   EIP-161 reads as absent — a fresh `Account` — just as `getAccount` returning `undefined` does today).
 * - `settle` writes each account the run changed once, with its last value: `putAccount`, or `deleteAccount` when the
 *   run deleted it (then `putAccount` if a later transfer created it again). In the state manager a put or a delete
 *   overwrites whatever an earlier one of the address left, and a delete also drops the address's cached code and
 *   storage — hence the delete on the way is made at settle too; so the state holds what the transfers one by one
 *   would have left. Which of the two is decided per transaction by today's rule: the sender is put (its nonce is at
 *   least 1: never empty), a recipient or coinbase left empty is deleted. An account only read (by a transfer that
 *   returned `null`) is not written. The order of the writes across addresses is not the transfers' order, which the
 *   trie's root does not depend on.
 * - `journal.cleanup()` runs at the first transfer of a run only (after the checks that need no state, as today). A
 *   transfer writes to the overlay and the overlay to the state manager, never through the journal, so after that
 *   cleanup nothing is touched, and another cleanup would delete nothing and reset the journal to the state it is
 *   already in (test/node/transferBatch.test.ts checks that after every transfer of its differential run). A settle
 *   makes the next transfer start with a cleanup again, for the `runTx` that follows a settle may touch accounts.
 * - the original-storage cache is cleared after each applied transfer, as `runTx` does; nothing reads storage between.
 * - a transfer that returns `null` has changed nothing in the overlay (reads only), so the `runTx` fallback, after the
 *   settle, sees the state the transfers before it left.
 *
 * `applyTransfer` is a batch of one transaction, settled at once.
 *
 * Anything this file does not model — another transaction type, a precompile or contract recipient, EIPs that change
 * the rules of a plain transfer (7623, 7702 delegation, 7708 transfer logs, 7928 access lists, 2780/8037 gas),
 * `beforeTx`/`afterTx` listeners, a profiler — also returns `null`.
 */
import type { Block } from "@ethereumjs/block";
import { ConsensusType, Hardfork, type Common } from "@ethereumjs/common";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import { Account, Address, KECCAK256_NULL, MAX_INTEGER, bytesToUnprefixedHex, equalsBytes } from "@ethereumjs/util";
import { Bloom, type PostByzantiumTxReceipt, type RunTxResult, type VM } from "@ethereumjs/vm";

/** EIPs that change what a plain transfer does; with any of them active, the fast path stays out of the way. */
const UNMODELLED_EIPS = [2780, 6800, 7623, 7708, 7778, 7864, 7928, 8037] as const;

/**
 * A transaction of the shape the fast path handles: legacy, EIP-2930 or EIP-1559, to an address (no creation),
 * no data, no access-list entries. Whether the recipient has code is a question for the state (`applyTransfer`).
 */
export function isPlainTransfer(tx: TypedTransaction): boolean {
  if (tx.type !== 0 && tx.type !== 1 && tx.type !== 2) return false;
  if (tx.to === undefined || tx.data.length !== 0 || tx.value < 0n) return false;
  return !("accessList" in tx) || tx.accessList.length === 0;
}

/**
 * The sender of a plain transfer, or `undefined` when `tx` is not one or its signature does not recover — then the
 * caller runs `runTx`, which throws the recovery error itself (after its journal cleanup, so the state is the same).
 */
export function transferSender(tx: TypedTransaction): Address | undefined {
  if (!isPlainTransfer(tx)) return undefined;
  try {
    return tx.getSenderAddress();
  } catch {
    return undefined;
  }
}

/** Per Common, whether its rules at a hardfork are the ones modelled here (a Common's rules change only with its hardfork). */
const rulesModelled = new WeakMap<Common, { hardfork: string; ok: boolean }>();

function commonSupported(common: Common): boolean {
  const hardfork = common.hardfork();
  const known = rulesModelled.get(common);
  if (known !== undefined && known.hardfork === hardfork) return known.ok;
  const ok =
    common.isActivatedEIP(1559) &&
    common.gteHardfork(Hardfork.SpuriousDragon) &&
    common.consensusType() !== ConsensusType.ProofOfAuthority && // runTx pays the clique signer instead
    UNMODELLED_EIPS.every((eip) => !common.isActivatedEIP(eip));
  rulesModelled.set(common, { hardfork, ok });
  return ok;
}

/** Whether this VM runs plain transfers by the rules modelled here, with nothing watching its transactions. */
function vmSupported(vm: VM, tx: TypedTransaction, block: Block): boolean {
  if (!commonSupported(vm.common)) return false;
  const hardfork = vm.common.hardfork();
  if (tx.common.hardfork() !== hardfork || block.common.hardfork() !== hardfork) return false;
  if (vm.evm.stateManager !== vm.stateManager) return false;
  if (vm.events.listenerCount("beforeTx") + vm.events.listenerCount("afterTx") > 0) return false;
  const evmEvents = vm.evm.events;
  if (evmEvents !== undefined && evmEvents.listenerCount("beforeMessage") + evmEvents.listenerCount("afterMessage") > 0) return false;
  const opts = (vm as unknown as { _opts?: { profilerOpts?: { reportAfterTx?: boolean } } })._opts;
  return opts?.profilerOpts?.reportAfterTx !== true;
}

/**
 * Applies a plain value transfer as `runTx(vm, { tx, block, blockGasUsed })` would, or returns `null` (having changed
 * nothing but the journal cleanup `runTx` starts with) when `tx` is not a plain transfer, the recipient has code or
 * is a precompile, a check of `runTx` fails, or the VM's rules are not the ones modelled here. A batch of one
 * transaction, settled at once: the same reads, checks and writes as a run of one in the executor.
 *
 * @param sender `tx.getSenderAddress()` (see `transferSender`)
 * @param blockGasUsed gas used by the block's earlier transactions (the receipt's cumulative gas starts there)
 */
export async function applyTransfer(vm: VM, tx: TypedTransaction, sender: Address, block: Block, blockGasUsed: bigint): Promise<RunTxResult | null> {
  const batch = new TransferBatch(vm, block);
  const result = await batch.apply(tx, sender, blockGasUsed);
  await batch.settle();
  return result;
}

/** An account of the overlay: what the state holds at `address` after the run's transfers so far. */
interface Entry {
  readonly address: Address;
  /** The account; `undefined` when there is none (absent when first read, or deleted by a transfer of the run). */
  account: Account | undefined;
  /** Written by a transfer of the run; an entry only read (a transfer that returned `null`) is not written back. */
  written: boolean;
  /** Deleted (EIP-161) by a transfer of the run, maybe created again since: `settle` deletes it before putting it. */
  deleted: boolean;
}

/**
 * A block's runs of consecutive fast-path transfers (file header): `apply` keeps the accounts it touches, decoded, in
 * a block-local overlay; `settle` writes them back once. The owner settles before anything else reads or writes the
 * state — `runTx`, a system call, `journal.commit`, `getStateRoot` — and after a settle the next `apply` starts with
 * `runTx`'s leading `journal.cleanup()` again. After an exception, the batch is dropped with the block's checkpoint.
 */
export class TransferBatch {
  private entries = new Map<string, Entry>();
  /**
   * Whether the journal is as `journal.cleanup()` left it, nothing touched since (a transfer writes to the state
   * manager, not through the journal): another cleanup would find nothing to delete and leave the journal the same.
   */
  private journalClean = false;

  constructor(
    private readonly vm: VM,
    private readonly block: Block,
  ) {}

  /** Accounts held by the overlay (read or written since the last settle). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * `applyTransfer` on the overlay: the same checks in the same order, the same arithmetic and the same result, the
   * same `null` cases. Nothing is written to the state (settle does); reads go to the state manager on an address's
   * first touch since the last settle only.
   */
  async apply(tx: TypedTransaction, sender: Address, blockGasUsed: bigint): Promise<RunTxResult | null> {
    const vm = this.vm;
    const block = this.block;
    if (!isPlainTransfer(tx) || !vmSupported(vm, tx, block)) return null;
    const to = tx.to!;
    const header = block.header;
    const baseFee = header.baseFeePerGas;
    if (baseFee === undefined) return null;
    if (tx.gasLimit > header.gasLimit) return null;
    const gasUsed = tx.getIntrinsicGas(); // no data, no access list, no creation: txGas (21,000); the EVM uses none
    if (tx.gasLimit < gasUsed) return null;
    if (vm.evm.precompiles.has(to.toString().slice(2))) return null;

    const feeMarket = tx.supports(Capability.EIP1559FeeMarket);
    const maxFee = feeMarket ? (tx as { maxFeePerGas: bigint }).maxFeePerGas : (tx as { gasPrice: bigint }).gasPrice;
    if (maxFee < baseFee) return null;
    const tip = feeMarket ? bigMin((tx as { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas, maxFee - baseFee) : maxFee - baseFee;
    const gasPrice = tip + baseFee;
    const value = tx.value;

    // Reads. runTx's leading cleanup comes first: it may delete accounts read below. The overlay is empty then (it
    // is dirty only after a settle), so the cleanup works on the state manager as runTx's does.
    if (!this.journalClean) {
      await vm.evm.journal.cleanup();
      this.journalClean = true;
    }
    const fromEntry = await this.entry(sender);
    const from = fromEntry.account;
    if (from !== undefined && !equalsBytes(from.codeHash, KECCAK256_NULL)) return null; // EIP-3607 (or a 7702 delegation: runTx decides)
    const fromNonce = from?.nonce ?? 0n;
    const fromBalance = from?.balance ?? 0n;
    if (fromNonce !== tx.nonce) return null;
    if (fromBalance < tx.gasLimit * maxFee + value) return null; // covers the upfront cost gasLimit * gasPrice + value
    const toEntry = to.equals(sender) ? fromEntry : await this.entry(to);
    const recipient = toEntry.account;
    const toBalance = recipient?.balance ?? 0n;
    if (toEntry !== fromEntry && recipient !== undefined && !equalsBytes(recipient.codeHash, KECCAK256_NULL)) return null;
    if (toEntry !== fromEntry && toBalance + value > MAX_INTEGER) return null; // runTx: VALUE_OVERFLOW, a failed call
    const coinbase = header.coinbase;
    const minerEntry = coinbase.equals(sender) ? fromEntry : coinbase.equals(to) ? toEntry : await this.entry(coinbase);

    // runTx's arithmetic, in its order: upfront gas and nonce, the value, the refund of unused gas, the tip — on one
    // balance per distinct account (a transfer to oneself nets to zero), so that nothing changes before the last check.
    let fromAfter = fromBalance - tx.gasLimit * gasPrice;
    fromAfter -= value;
    let toAfter = toBalance;
    if (toEntry === fromEntry) fromAfter += value;
    else toAfter += value;
    fromAfter += (tx.gasLimit - gasUsed) * gasPrice;
    const minerValue = gasUsed * tip;
    let minerAfter: bigint;
    if (minerEntry === fromEntry) minerAfter = fromAfter += minerValue;
    else if (minerEntry === toEntry) minerAfter = toAfter += minerValue;
    else minerAfter = (minerEntry.account?.balance ?? 0n) + minerValue;
    if (minerAfter > MAX_INTEGER) return null; // nothing changed yet; not reachable with real balances

    // Writes, to the overlay; the touched accounts left empty are deleted (EIP-161), as runTx's closing cleanup does.
    const fromAccount = from ?? new Account();
    fromAccount.nonce = fromNonce + 1n;
    fromAccount.balance = fromAfter;
    fromEntry.account = fromAccount; // never empty: its nonce is at least 1
    fromEntry.written = true;
    if (toEntry !== fromEntry) write(toEntry, toAfter);
    if (minerEntry !== fromEntry && minerEntry !== toEntry) write(minerEntry, minerAfter);
    vm.stateManager.originalStorageCache.clear(); // as runTx ends (a transfer reads no storage: clear already, but cheap)

    const bloom = new Bloom(undefined, vm.common);
    const receipt: PostByzantiumTxReceipt = { status: 1, cumulativeBlockGasUsed: blockGasUsed + gasUsed, bitvector: bloom.bitvector, logs: [] };
    return {
      execResult: { executionGasUsed: 0n, gasRefund: 0n, returnValue: new Uint8Array(0) },
      createdAddress: undefined,
      totalGasSpent: gasUsed,
      blockGasSpent: gasUsed,
      gasRefund: 0n,
      amountSpent: gasUsed * gasPrice,
      minerValue,
      bloom,
      receipt,
    };
  }

  /**
   * Writes every account a transfer of the run changed to the state manager — `deleteAccount` for one deleted on the
   * way (then `putAccount` if it exists again), `putAccount` for the others — and empties the overlay. The next
   * `apply` starts with `journal.cleanup()`: whatever runs after a settle may touch accounts.
   */
  async settle(): Promise<void> {
    this.journalClean = false;
    if (this.entries.size === 0) return;
    const entries = this.entries;
    this.entries = new Map();
    const state = this.vm.stateManager;
    for (const e of entries.values()) {
      if (!e.written) continue;
      if (e.deleted) await state.deleteAccount(e.address);
      if (e.account !== undefined) await state.putAccount(e.address, e.account);
    }
  }

  /** The overlay's entry for `address`, read from the state manager on the address's first touch since the last settle. */
  private async entry(address: Address): Promise<Entry> {
    const key = bytesToUnprefixedHex(address.bytes);
    let e = this.entries.get(key);
    if (e === undefined) {
      e = { address, account: await this.vm.stateManager.getAccount(address), written: false, deleted: false };
      this.entries.set(key, e);
    }
    return e;
  }
}

/** A touched recipient or coinbase with its new balance: kept, or deleted when empty (EIP-161). */
function write(entry: Entry, balance: bigint): void {
  const account = entry.account ?? new Account();
  account.balance = balance;
  if (account.isEmpty()) {
    entry.account = undefined;
    entry.deleted = true;
  } else entry.account = account;
  entry.written = true;
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
