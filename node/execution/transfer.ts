/**
 * The value-transfer fast path: a transaction from an externally owned account to an account without code, with
 * no data and no access list, applied directly on the state manager — without the EVM, the nested journal
 * checkpoints and the per-transaction bookkeeping of `runTx` — with exactly `runTx`'s result and state change.
 *
 * What `runTx` (ethereumjs 10.1.3, Cancun) does for such a transaction, step by step, and what is done here instead:
 *
 * - it starts with `journal.cleanup()`: accounts touched since the last transaction (the block's system calls) that
 *   are empty are deleted (EIP-161). The same call is made here, first.
 * - it checks the gas limit against the block's, the intrinsic gas, `maxFeePerGas`/`gasPrice` against the base fee,
 *   that the sender has no code (EIP-3607), its balance against `gasLimit * maxFee + value` and its nonce. Any
 *   failing check returns `null` here before any write, so the caller runs `runTx`, which throws its own message.
 * - it debits `gasLimit * gasPrice` and bumps the nonce; the EVM then moves `value` (sender and recipient read afresh,
 *   so a transfer to oneself nets to zero), finds no code at the recipient and uses no gas; the unused gas is
 *   refunded to the sender and the coinbase is credited `gasUsed * (gasPrice - baseFee)`. Here the three accounts are
 *   read once, the same arithmetic is done on them in the same order (aliases — recipient or coinbase being the
 *   sender, coinbase being the recipient — share one object, as the fresh reads share one cache entry), and each is
 *   written once.
 * - it ends with `journal.cleanup()` over the touched accounts (sender, recipient, coinbase — all of them written):
 *   an empty one (a fresh recipient of 0, a fresh coinbase earning 0) is deleted, as it is here; and it clears the
 *   original-storage cache, as done here. The journal is left clean, as `runTx` leaves it.
 *
 * The per-transaction checkpoint/commit of `runTx` is not needed: nothing is written before every check passed. A
 * block-level checkpoint around the transactions (the executor's) records these writes like any others, so its
 * revert undoes them. Without an outer checkpoint `runTx` flushes the caches to the trie after each transaction and
 * this path does not; the state and its root are the same.
 *
 * Anything this file does not model — another transaction type, a precompile or contract recipient, EIPs that change
 * the rules of a plain transfer (7623, 7702 delegation, 7708 transfer logs, 7928 access lists, 2780/8037 gas),
 * `beforeTx`/`afterTx` listeners, a profiler — also returns `null`.
 */
import type { Block } from "@ethereumjs/block";
import { ConsensusType, Hardfork, type Common } from "@ethereumjs/common";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import { Account, Address, KECCAK256_NULL, MAX_INTEGER, equalsBytes } from "@ethereumjs/util";
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
 * is a precompile, a check of `runTx` fails, or the VM's rules are not the ones modelled here.
 *
 * @param sender `tx.getSenderAddress()` (see `transferSender`)
 * @param blockGasUsed gas used by the block's earlier transactions (the receipt's cumulative gas starts there)
 */
export async function applyTransfer(vm: VM, tx: TypedTransaction, sender: Address, block: Block, blockGasUsed: bigint): Promise<RunTxResult | null> {
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

  // Reads. runTx's leading cleanup comes first: it may delete accounts read below.
  const state = vm.stateManager;
  await vm.evm.journal.cleanup();
  const from = (await state.getAccount(sender)) ?? new Account();
  if (!equalsBytes(from.codeHash, KECCAK256_NULL)) return null; // EIP-3607 (or a 7702 delegation: runTx decides)
  if (from.nonce !== tx.nonce) return null;
  if (from.balance < tx.gasLimit * maxFee + value) return null; // covers the upfront cost gasLimit * gasPrice + value
  const toIsSender = to.equals(sender);
  const recipient = toIsSender ? from : ((await state.getAccount(to)) ?? new Account());
  if (!toIsSender && !equalsBytes(recipient.codeHash, KECCAK256_NULL)) return null;
  if (!toIsSender && recipient.balance + value > MAX_INTEGER) return null; // runTx: VALUE_OVERFLOW, a failed call
  const coinbase = header.coinbase;
  const coinbaseIs = coinbase.equals(sender) ? from : coinbase.equals(to) ? recipient : undefined;
  const miner = coinbaseIs ?? (await state.getAccount(coinbase)) ?? new Account();

  // runTx's arithmetic, in its order: upfront gas and nonce, the value, the refund of unused gas, the tip.
  from.balance -= tx.gasLimit * gasPrice;
  from.nonce += 1n;
  from.balance -= value;
  recipient.balance += value;
  from.balance += (tx.gasLimit - gasUsed) * gasPrice;
  const minerValue = gasUsed * tip;
  miner.balance += minerValue;
  if (miner.balance > MAX_INTEGER) return null; // nothing written yet; not reachable with real balances

  // Writes; the touched accounts left empty are deleted (EIP-161), as runTx's closing cleanup does.
  await state.putAccount(sender, from);
  if (!toIsSender) await putOrDelete(vm, to, recipient);
  if (coinbaseIs === undefined) await putOrDelete(vm, coinbase, miner);
  state.originalStorageCache.clear();

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

async function putOrDelete(vm: VM, address: Address, account: Account): Promise<void> {
  if (account.isEmpty()) await vm.stateManager.deleteAccount(address);
  else await vm.stateManager.putAccount(address, account);
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
