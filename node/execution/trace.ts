/**
 * Re-execution for tracing (debug_traceTransaction, ots_*): a transaction of a committed block runs again on a
 * scratch VM at the parent's state — the block's system calls, then the transactions before it without listeners,
 * then the target with a tracer attached to the EVM — and every change is thrown away (one journal checkpoint,
 * reverted), so nothing reaches the node's database. Only callers that trace pay for it: the block path never
 * attaches a listener.
 */
import type { Block } from "@ethereumjs/block";
import type { EVM } from "@ethereumjs/evm";
import { createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { runTx, type RunTxResult, type VM } from "@ethereumjs/vm";
import { LuniverseError } from "../../lib/errors";
import { SYSTEM_ADDRESS, type Executor, type SystemCall } from "./executor";

export type TraceErrorCode = "TRACE_TOO_LARGE" | "TRACE_TX_NOT_IN_BLOCK" | "TRACE_REPLAY_FAILED";

/** A trace that cannot be produced: too large, or the block does not re-execute (a damaged database). */
export class TraceError extends LuniverseError<TraceErrorCode> {
  override name = "TraceError";
}

/** Something that listens on an EVM while a transaction runs. */
export interface Tracer {
  attach(evm: EVM): void;
  detach(): void;
}

export interface TraceBlockOptions {
  executor: Executor;
  parent: Block;
  block: Block;
  /** The block's system calls (consensus: the downtime records of skipped proposers), run first as the block did. */
  systemCalls: SystemCall[];
}

/**
 * Runs the block's transactions on the parent state and calls `visit(index, vm)` before each one: a visitor returns a
 * tracer to attach for that transaction (or null), and `done(index, result, tracer)` after it; returning false from
 * `done` stops the replay. Nothing is written.
 */
export async function replayBlock(
  opts: TraceBlockOptions,
  visit: (index: number) => Tracer | null,
  done: (index: number, result: RunTxResult, tracer: Tracer | null) => boolean | void,
): Promise<void> {
  const { executor, parent, block } = opts;
  const vm: VM = await executor.vmAt(parent.header.stateRoot);
  await vm.evm.journal.checkpoint();
  try {
    for (const call of opts.systemCalls) {
      await vm.evm.runCall({
        caller: createAddressFromString(SYSTEM_ADDRESS),
        to: createAddressFromString(call.to),
        data: hexToBytes(call.data as `0x${string}`),
        gasLimit: 30_000_000n,
        skipBalance: true,
        block,
      });
    }
    let gasUsed = 0n;
    for (let i = 0; i < block.transactions.length; i++) {
      const tx = block.transactions[i]!;
      const tracer = visit(i);
      tracer?.attach(vm.evm as EVM);
      let result: RunTxResult;
      try {
        result = await runTx(vm, { tx, block, blockGasUsed: gasUsed, skipHardForkValidation: true });
      } catch (err) {
        throw new TraceError("TRACE_REPLAY_FAILED", `block ${block.header.number}: transaction ${i} does not re-execute on the parent state: ${(err as Error).message}`, { cause: err });
      } finally {
        tracer?.detach();
      }
      gasUsed += result.totalGasSpent;
      if (done(i, result, tracer) === false) return;
    }
  } finally {
    await vm.evm.journal.revert();
  }
}

/** Traces transaction `index` of the block with `tracer`; returns the run's result (gas used, return value). */
export async function traceTransaction(opts: TraceBlockOptions, index: number, tracer: Tracer): Promise<RunTxResult> {
  if (index < 0 || index >= opts.block.transactions.length) {
    throw new TraceError("TRACE_TX_NOT_IN_BLOCK", `block ${opts.block.header.number} has no transaction ${index}`);
  }
  let out: RunTxResult | null = null;
  await replayBlock(
    opts,
    (i) => (i === index ? tracer : null),
    (i, result) => {
      if (i !== index) return true;
      out = result;
      return false;
    },
  );
  return out!;
}
