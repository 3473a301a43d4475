/**
 * The system contracts as consensus reads them: static calls on the head state through ONE reused VM, and the
 * validator set cached per epoch.
 *
 * Why a per-epoch cache of `ValidatorSet.validatorsAt(h)` is exact (contracts/consensus/ValidatorSet.sol):
 *
 *  1. The list in force at block b is `lists[versions.upperLookupRecent(b)]`. Every write to `versions` or to a list
 *     goes through `_writableList`, which pushes (or reuses) the checkpoint at `nextEpochStartBlock()` of the block
 *     that executes the change — the first block of the epoch after it. So a change executed in block b takes effect
 *     at start(epochOf(b) + 1) > b, never inside the epoch it was made in.
 *  2. Epoch boundaries already reached never move: `setParams` with a new epoch length moves the anchor to the next
 *     boundary (computed with the old length) and keeps the previous anchor for the blocks before it, so
 *     start(E) and start(E + 1) of the epoch E containing head + 1 stay what they are.
 *  3. Hence, once the head is at or past start(E) − 1, every change that can affect epoch E is executed: the list read
 *     from the head state for any h in [start(E), start(E + 1)) is the list of the whole epoch, forever. The cache
 *     keeps such ranges (read with start(E) ≤ head + 1) and answers any h inside them without a call; a read for a
 *     later epoch (not final yet) is never cached.
 *  4. The argument holds for the contract's code. ValidatorSet is a UUPS proxy, so the key also holds its ERC-1967
 *     implementation slot (read from the head state, a storage read, no VM): after an upgrade the cache starts over.
 *
 * A block at an epoch boundary therefore costs one VM call sequence per epoch (epochOf, epochStartBlock ×2,
 * validatorsAt), and every other height none.
 */
import type { Block } from "@ethereumjs/block";
import { bytesToHex, createAddressFromString, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { Interface } from "ethers";
import { LuniverseError } from "../../lib/errors";
import { callOnVm } from "../execution/call";
import type { Executor } from "../execution/executor";

export const VALIDATOR_SET_ABI = new Interface([
  "function validatorsAt(uint256 blockNumber) view returns (address[])",
  "function epochOf(uint256 blockNumber) view returns (uint256)",
  "function epochStartBlock(uint256 epoch) view returns (uint256)",
]);

/** keccak256("eip1967.proxy.implementation") − 1 */
const IMPLEMENTATION_SLOT = hexToBytes("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
const CALL_GAS = 50_000_000n;
/** Epoch ranges kept (the current one, and a few past ones that RPC asks about). */
const MAX_EPOCHS = 8;

/** A system contract's call failed (reverted or ran out of gas): the head state is not what consensus expects. */
export class SystemCallError extends LuniverseError<"CONSENSUS_SYSTEM_CALL_FAILED"> {
  override name = "SystemCallError";
}

/**
 * Read-only calls on the head state through one VM, re-pointed at the head's state root when it moves (instead of a
 * VM built per call). Calls are serialised: a call checkpoints and reverts the VM's state, so two must not interleave.
 */
export class HeadCaller {
  private vm: Promise<VM> | null = null;
  private root: Uint8Array | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  /** VMs built (one per process unless a call failed): for tests and stats. */
  vmsBuilt = 0;

  constructor(
    private readonly executor: Pick<Executor, "vmAt">,
    private readonly head: () => Block,
  ) {}

  call(to: Hex, data: string): Promise<string> {
    const run = this.lock.then(() => this.callNow(to, data));
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** A storage word of `address` in the head state (no VM call). */
  storageAt(address: Hex, slot: Uint8Array): Promise<Hex> {
    const run = this.lock.then(async () => {
      const vm = await this.positioned();
      return bytesToHex(await vm.stateManager.getStorage(createAddressFromString(address), slot)) as Hex;
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async positioned(): Promise<VM> {
    const head = this.head();
    const root = head.header.stateRoot;
    if (this.vm === null) {
      this.vmsBuilt++;
      this.vm = this.executor.vmAt(root, true);
      this.root = root;
    }
    const vm = await this.vm;
    if (this.root === null || !sameBytes(this.root, root)) {
      await vm.stateManager.setStateRoot(root, true);
      this.root = root;
    }
    return vm;
  }

  private async callNow(to: Hex, data: string): Promise<string> {
    let vm: VM;
    try {
      vm = await this.positioned();
    } catch (err) {
      this.vm = null; // a VM that could not be positioned is not trusted again
      throw err;
    }
    const res = await callOnVm(vm, { to, data: data as Hex }, CALL_GAS, this.head());
    if (!res.ok) throw new SystemCallError("CONSENSUS_SYSTEM_CALL_FAILED", `system call to ${to} failed: ${res.error ?? "reverted"}`);
    return res.returnValue;
  }
}

interface EpochEntry {
  start: bigint;
  /** First block of the next epoch (exclusive). */
  end: bigint;
  validators: Hex[];
}

/** `ValidatorSet.validatorsAt(h)` from the head state, cached per epoch (see the module comment for why exactly). */
export class ValidatorSetReader {
  private entries: EpochEntry[] = [];
  private implementation: Hex | null = null;
  /** Calls of validatorsAt that went to the VM (for tests and stats). */
  reads = 0;

  constructor(
    private readonly caller: HeadCaller,
    private readonly validatorSet: Hex,
    private readonly headNumber: () => bigint,
  ) {}

  async validatorsAt(h: bigint): Promise<Hex[]> {
    const impl = await this.caller.storageAt(this.validatorSet, IMPLEMENTATION_SLOT);
    if (impl !== this.implementation) {
      this.entries = [];
      this.implementation = impl;
    }
    const hit = this.entries.find((e) => e.start <= h && h < e.end);
    if (hit) return hit.validators;
    this.reads++;
    // the head before the reads: the state they see is at this head or later (the RPC may ask while a block commits)
    const head = this.headNumber();
    const validators = await this.read("validatorsAt", [h]).then((r) => (r[0] as string[]).map((a) => a.toLowerCase() as Hex));
    const range = await this.epochRange(h);
    // cache only an epoch whose list is final: its first block is at most the next block (head + 1)
    if (range !== null && range.start <= head + 1n && range.start <= h && h < range.end) {
      this.entries.push({ ...range, validators });
      if (this.entries.length > MAX_EPOCHS) this.entries.shift();
    }
    return validators;
  }

  private async epochRange(h: bigint): Promise<{ start: bigint; end: bigint } | null> {
    try {
      const epoch = (await this.read("epochOf", [h]))[0] as bigint;
      const start = (await this.read("epochStartBlock", [epoch]))[0] as bigint;
      const end = (await this.read("epochStartBlock", [epoch + 1n]))[0] as bigint;
      return { start, end };
    } catch (err) {
      // a block before the contract's oldest kept epoch anchor (ValidatorSetUnknownBlock): answer without caching
      if (err instanceof SystemCallError) return null;
      throw err;
    }
  }

  private async read(fn: "validatorsAt" | "epochOf" | "epochStartBlock", args: unknown[]) {
    const out = await this.caller.call(this.validatorSet, VALIDATOR_SET_ABI.encodeFunctionData(fn, args));
    return VALIDATOR_SET_ABI.decodeFunctionResult(fn, out);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
