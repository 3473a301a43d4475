/**
 * Simulated message calls (eth_call, eth_estimateGas): a call runs as a transaction would — on a VM at some state,
 * in the context of a block — and every change it makes is reverted.
 */
import type { Block } from "@ethereumjs/block";
import { bytesToHex, createAddressFromString, createZeroAddress, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { ExecutionError } from "./errors";

/** A call to simulate, decoded (quantities as bigints). */
export interface CallRequest {
  from?: Hex;
  to?: Hex | null;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  nonce?: bigint;
}

export interface ExecResult {
  ok: boolean;
  returnValue: Hex;
  gasUsed: bigint;
  error?: string;
}

const MAX_ESTIMATE_ITERATIONS = 24;

/**
 * Runs a call as a transaction would run (fresh warm set per EIP-2929 with caller, target, coinbase and the
 * precompiles warm; fresh original-storage values per EIP-2200) and reverts every change.
 */
export async function callOnVm(vm: VM, request: CallRequest, gasLimit: bigint, block: Block): Promise<ExecResult> {
  const caller = request.from ? createAddressFromString(request.from) : createZeroAddress();
  const journal = vm.evm.journal;
  await vm.stateManager.checkpoint();
  await journal.cleanup();
  const sm = vm.stateManager as { originalStorageCache?: { clear(): void } };
  sm.originalStorageCache?.clear();
  for (let i = 1; i <= 10; i++) journal.addAlwaysWarmAddress(i.toString(16).padStart(40, "0"));
  journal.addAlwaysWarmAddress(caller.toString().slice(2));
  if (request.to) journal.addAlwaysWarmAddress(request.to.slice(2).toLowerCase());
  journal.addAlwaysWarmAddress(block.header.coinbase.toString().slice(2));
  try {
    const res = await vm.evm.runCall({
      caller,
      origin: caller,
      to: request.to ? createAddressFromString(request.to) : undefined,
      data: request.data ? hexToBytes(request.data) : new Uint8Array(0),
      value: request.value ?? 0n,
      gasLimit,
      gasPrice: request.gasPrice ?? request.maxFeePerGas ?? 0n,
      skipBalance: true,
      block,
    });
    const err = res.execResult.exceptionError;
    return { ok: err === undefined, returnValue: bytesToHex(res.execResult.returnValue) as Hex, gasUsed: res.execResult.executionGasUsed, error: err?.error };
  } finally {
    await vm.stateManager.revert();
    await journal.cleanup();
    sm.originalStorageCache?.clear();
  }
}

type Exec = (gasLimit: bigint) => Promise<ExecResult>;

function intrinsicGas(request: CallRequest): bigint {
  const data = request.data ? hexToBytes(request.data) : new Uint8Array(0);
  let gas = 21_000n;
  for (const b of data) gas += b === 0 ? 4n : 16n;
  if (!request.to) gas += 32_000n + 2n * BigInt(Math.ceil(data.length / 32));
  return gas;
}

/**
 * The error of a failed call, in geth's words: a revert is EXECUTION_REVERTED, "execution reverted[: reason]" (the
 * reason decoded from an `Error(string)` payload) with the revert data; anything else is EXECUTION_FAILED.
 */
export function callFailure(returnValue: Hex, error: string | undefined): ExecutionError {
  if (error === "revert") {
    let reason = "";
    if (returnValue.startsWith("0x08c379a0") && returnValue.length >= 138) {
      const len = Number(BigInt("0x" + returnValue.slice(74, 138)));
      reason = ": " + Buffer.from(returnValue.slice(138, 138 + len * 2), "hex").toString("utf8");
    }
    return new ExecutionError("EXECUTION_REVERTED", `execution reverted${reason}`, { data: returnValue });
  }
  return new ExecutionError("EXECUTION_FAILED", error ?? "execution failed");
}

/**
 * The smallest gas limit with which the call succeeds: a run with everything available gives a lower bound
 * (the 63/64 rule and refunds make the used gas too little), then a binary search.
 */
export async function estimateWithSearch(request: CallRequest, cap: bigint, exec: Exec): Promise<bigint> {
  const intrinsic = intrinsicGas(request);
  if (cap < intrinsic) throw new ExecutionError("EXECUTION_GAS_ALLOWANCE", `gas required exceeds allowance (${cap})`);
  const full = await exec(cap - intrinsic);
  if (!full.ok) throw callFailure(full.returnValue, full.error);
  let lo = full.gasUsed;
  let hi = cap - intrinsic;
  if ((await exec(lo)).ok) return lo + intrinsic;
  for (let i = 0; i < MAX_ESTIMATE_ITERATIONS && hi - lo > 1n; i++) {
    const mid = (lo + hi) / 2n;
    if ((await exec(mid)).ok) hi = mid;
    else lo = mid;
  }
  return hi + intrinsic;
}
