/**
 * How an operation waits for the chain: for a block height or a block timestamp. On a live chain it polls
 * ({@link pollingClock}); a test on Hardhat's in-process network passes a clock that mines and moves time instead,
 * so the same operation (a governance round, a timelock) runs in both.
 */
import type { Provider } from "ethers";
import { sleep } from "../lib/retry";
import { OperationError } from "./errors";

export interface ChainClock {
  /** Resolves once block `number` exists (the latest block is ≥ `number`). */
  waitForBlock(provider: Provider, number: bigint, what: string): Promise<void>;
  /** Resolves once the latest block's timestamp is ≥ `timestamp` (seconds). */
  waitForTimestamp(provider: Provider, timestamp: bigint, what: string): Promise<void>;
}

export interface PollingClockOptions {
  /** Between polls (default 300 ms). */
  intervalMs?: number;
  /** Give up after (default 120 s) with an {@link OperationError} `OP_TIMEOUT`. */
  timeoutMs?: number;
}

/** Waits by polling the provider — for live chains (the devnet, a node, anvil with a block time). */
export function pollingClock(options: PollingClockOptions = {}): ChainClock {
  const interval = options.intervalMs ?? 300;
  const timeout = options.timeoutMs ?? 120_000;
  const until = async (what: string, done: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + timeout;
    while (!(await done())) {
      if (Date.now() > deadline) throw new OperationError("OP_TIMEOUT", `timed out after ${Math.round(timeout / 1000)} s waiting for ${what}`);
      await sleep(interval);
    }
  };
  return {
    waitForBlock: (provider, number, what) => until(what, async () => BigInt(await provider.getBlockNumber()) >= number),
    waitForTimestamp: (provider, timestamp, what) =>
      until(what, async () => {
        const block = await provider.getBlock("latest");
        return block !== null && BigInt(block.timestamp) >= timestamp;
      }),
  };
}
