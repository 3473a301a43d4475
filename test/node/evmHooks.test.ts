/**
 * The node's EVM hooks (node/execution/evmHooks.ts): executions give the same gas, return data, logs and state root
 * with and without them; the jump-destination cache never serves one code's analysis for another (JUMPDEST bytes in
 * PUSH data, contracts one byte apart, code changed in place); `isActivatedEIP` answers as ethereumjs' own; the hooks
 * are pinned to the ethereumjs version they were written for.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createBlock, type Block } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { Account, Address, bytesToHex, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx, type VM } from "@ethereumjs/vm";
import { AbiCoder, Interface } from "ethers";
import { makeCommon } from "../../node/execution/common";
import {
  ETHEREUMJS_VERSION_FOR_HOOKS,
  EvmHooksError,
  JUMP_CACHE_MAX_ENTRIES,
  assertHookedVersions,
  clearJumpAnalysisCache,
  evmHookStats,
  indexActivatedEIPs,
  installEvmHooks,
  installedEthereumjsVersions,
  uninstallEvmHooks,
} from "../../node/execution/evmHooks";

const CHAIN_ID = 4343n;
const keys = Array.from({ length: 4 }, (_, i) => hexToBytes(`0x${(i + 11).toString(16).padStart(64, "0")}`));
const senders = keys.map((k) => createAddressFromPrivateKey(k));
const token = new Interface([
  "function transfer(address to, uint256 amount) returns (bool)",
  "function mint(address to, uint256 amount)",
  "function balanceOf(address) view returns (uint256)",
]);

// ------------------------------------------------------------------------------------------------------------
// Hand-assembled contracts: `PUSH1 0 CALLDATALOAD JUMP` to the offset in the calldata, then many blocks
//   JUMPDEST PUSH2 <tag> PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN PUSHn <data full of 0x5b>
// so every JUMPDEST returns its own tag and every 0x5b inside PUSH data is an invalid jump destination.

const PUSH1 = 0x60;
const PUSH2 = 0x61;
const JUMPDEST = 0x5b;

interface Jumpy {
  runtime: Uint8Array;
  /** Offset of each block's JUMPDEST → the tag it returns. */
  tags: Map<number, number>;
  /** Offsets of 0x5b bytes inside PUSH data (never valid destinations). */
  dataJumpdests: number[];
  /** Offset of the tag's first byte (0x5b, PUSH data) of the block `variantBlock`. */
  variantOffset: number;
  /** Offset of the `PUSH1 0x5b` whose opcode byte `opcodeOffset` may be turned into a JUMPDEST. */
  opcodeOffset: number;
}

/** `variant` is the low tag byte of one block (PUSH data); `splitPush` turns one `PUSH1 0x5b` into two JUMPDESTs. */
function jumpy(variant: number, splitPush = false): Jumpy {
  const code: number[] = [PUSH1, 0, 0x35 /* CALLDATALOAD */, 0x56 /* JUMP */];
  const tags = new Map<number, number>();
  const dataJumpdests: number[] = [];
  let variantOffset = -1;
  let opcodeOffset = -1;
  for (let b = 0; b < 40; b++) {
    const tag = b === 7 ? 0x5b00 | variant : 0x1000 + b;
    tags.set(code.length, tag);
    code.push(JUMPDEST, PUSH2);
    if (b === 7) variantOffset = code.length;
    code.push(tag >> 8, tag & 0xff, PUSH1, 0, 0x52 /* MSTORE */, PUSH1, 32, PUSH1, 0, 0xf3 /* RETURN */);
    // PUSH data with JUMPDEST bytes: PUSH1..PUSH32 by turns, all data bytes 0x5b
    const n = (b % 32) + 1;
    if (b === 11) {
      opcodeOffset = code.length;
      code.push(splitPush ? JUMPDEST : PUSH1, JUMPDEST);
      if (!splitPush) dataJumpdests.push(code.length - 1);
      continue;
    }
    code.push(0x5f + n);
    for (let i = 0; i < n; i++) {
      dataJumpdests.push(code.length);
      code.push(JUMPDEST);
    }
  }
  // a PUSH32 cut short by the end of the code (its data runs past the end, still data)
  code.push(0x7f, JUMPDEST, JUMPDEST, JUMPDEST);
  dataJumpdests.push(code.length - 3, code.length - 2, code.length - 1);
  return { runtime: Uint8Array.from(code), tags, dataJumpdests, variantOffset, opcodeOffset };
}

/** Init code that deploys `runtime`. */
function deployCode(runtime: Uint8Array): Uint8Array {
  const len = runtime.length;
  const prefix = [PUSH2, len >> 8, len & 0xff, 0x80 /* DUP1 */, PUSH2, 0, 13, PUSH1, 0, 0x39 /* CODECOPY */, PUSH1, 0, 0xf3];
  return Uint8Array.from([...prefix, ...runtime]);
}

function word(n: number | bigint): Uint8Array {
  return hexToBytes(`0x${BigInt(n).toString(16).padStart(64, "0")}`);
}

// ------------------------------------------------------------------------------------------------------------
// One workload, run through runTx (as the executor does) with and without the hooks.

interface TxTrace {
  what: string;
  gas: bigint;
  returnValue: string;
  error: string | undefined;
  logs: string;
}

interface WorkloadTrace {
  txs: TxTrace[];
  stateRoot: string;
}

class Runner {
  private nonces = senders.map(() => 0n);
  readonly trace: TxTrace[] = [];
  constructor(
    readonly vm: VM,
    private readonly block: Block,
  ) {}

  async send(what: string, from: number, to: Address | undefined, data: Uint8Array, gasLimit = 200_000n) {
    const tx = createFeeMarket1559Tx(
      { nonce: this.nonces[from]!++, to, data, gasLimit, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n, chainId: CHAIN_ID },
      { common: this.vm.common },
    ).sign(keys[from]!);
    const r = await runTx(this.vm, { tx, block: this.block, skipHardForkValidation: true });
    this.trace.push({
      what,
      gas: r.totalGasSpent,
      returnValue: bytesToHex(r.execResult.returnValue),
      error: r.execResult.exceptionError?.error,
      logs: JSON.stringify((r.execResult.logs ?? []).map(([a, topics, d]) => [bytesToHex(a), topics.map((t) => bytesToHex(t)), bytesToHex(d)])),
    });
    return r;
  }
}

const A = jumpy(0x00);
const B = jumpy(0x01); // A with one PUSH-data byte changed
const C = jumpy(0x00, true); // A with one PUSH1 opcode turned into a JUMPDEST

async function runWorkload(withHooks: boolean): Promise<WorkloadTrace> {
  const common = makeCommon(CHAIN_ID);
  if (withHooks) installEvmHooks();
  else {
    uninstallEvmHooks();
    // back to ethereumjs' own array scan (the instance method shadows Common.prototype's)
    delete (common as unknown as { isActivatedEIP?: unknown }).isActivatedEIP;
  }
  const stateManager = new MerkleStateManager({ common, caches: new Caches() });
  const vm = await createVM({ common, stateManager });
  for (const s of senders) await stateManager.putAccount(s, new Account(0n, 10n ** 21n));
  const block = createBlock(
    { header: { number: 1n, gasLimit: 1_000_000_000n, baseFeePerGas: 7n, timestamp: 1n, coinbase: senders[3] } },
    { common, skipConsensusFormatValidation: true },
  );
  const run = new Runner(vm, block);

  const deploy = async (name: string, initCode: Uint8Array, gasLimit = 500_000n) => {
    const r = await run.send(`deploy ${name}`, 0, undefined, initCode, gasLimit);
    expect(r.execResult.exceptionError, `deploying ${name}`).to.equal(undefined);
    return r.createdAddress!;
  };
  const a = await deploy("A", deployCode(A.runtime));
  const a2 = await deploy("A again", deployCode(A.runtime));
  const b = await deploy("B", deployCode(B.runtime));
  const c = await deploy("C", deployCode(C.runtime));

  // every offset of A (and a few past its end), then the offsets where A, B and C differ, on each of them
  for (let pc = 0; pc < A.runtime.length + 3; pc++) await run.send(`A jump ${pc}`, 1, a, word(pc));
  const probes = [A.variantOffset - 2, A.variantOffset - 1, A.variantOffset, A.opcodeOffset, A.opcodeOffset + 1, A.opcodeOffset + 2];
  for (let round = 0; round < 3; round++) {
    for (const [name, to] of [["A", a], ["A again", a2], ["B", b], ["C", c]] as const) {
      for (const pc of probes) await run.send(`${name} jump ${pc} (round ${round})`, 2, to, word(pc));
    }
  }

  // the ERC-20 the node benchmark uses (OpenZeppelin ERC20 + ERC20Permit)
  const artifact = JSON.parse(
    readFileSync(path.join(__dirname, "../../artifacts/contracts/mocks/dex/DexTestToken.sol/DexTestToken.json"), "utf8"),
  ) as { bytecode: string };
  const args = AbiCoder.defaultAbiCoder().encode(["string", "string", "uint256"], ["Hook Token", "HOOK", 10n ** 20n]);
  const erc20 = await deploy("DexTestToken", hexToBytes(`0x${artifact.bytecode.slice(2)}${args.slice(2)}` as `0x${string}`), 3_000_000n);
  for (let s = 1; s < 3; s++) await run.send(`mint ${s}`, s, erc20, hexToBytes(token.encodeFunctionData("mint", [senders[s]!.toString(), 10n ** 20n]) as `0x${string}`));
  for (let i = 0; i < 120; i++) {
    const from = i % 3;
    const to = senders[(from + 1) % 4]!.toString();
    await run.send(`transfer ${i}`, from, erc20, hexToBytes(token.encodeFunctionData("transfer", [to, BigInt(i + 1)]) as `0x${string}`), 80_000n);
  }
  // transfers that revert (ERC20InsufficientBalance with its arguments as return data) and one out of gas
  await run.send("transfer too much", 3, erc20, hexToBytes(token.encodeFunctionData("transfer", [senders[0]!.toString(), 10n ** 30n]) as `0x${string}`), 80_000n);
  await run.send("transfer out of gas", 3, erc20, hexToBytes(token.encodeFunctionData("transfer", [senders[0]!.toString(), 1n]) as `0x${string}`), 23_000n);

  return { txs: run.trace, stateRoot: bytesToHex(await stateManager.getStateRoot()) };
}

describe("node: EVM hooks", function () {
  this.timeout(300_000);
  after(() => installEvmHooks());

  it("are written for the installed ethereumjs (re-check the hooks when upgrading ethereumjs)", () => {
    const pinned = "10.1.3";
    const why =
      "ethereumjs was upgraded: re-read Interpreter.run()/_getValidJumpDestinations and Common.isActivatedEIP/" +
      "_buildActivatedEIPsCache of the new version, adapt node/execution/evmHooks.ts, then update " +
      "ETHEREUMJS_VERSION_FOR_HOOKS and this pin";
    expect(installedEthereumjsVersions(), why).to.deep.equal({ evm: pinned, common: pinned });
    expect(ETHEREUMJS_VERSION_FOR_HOOKS, why).to.equal(pinned);
    expect(() => assertHookedVersions()).not.to.throw();
  });

  it("refuse to install on another ethereumjs version, naming the package and what to re-check", () => {
    let caught: unknown;
    try {
      assertHookedVersions({ evm: "10.2.0", common: ETHEREUMJS_VERSION_FOR_HOOKS });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(EvmHooksError);
    const e = caught as EvmHooksError;
    expect(e.code).to.equal("EXECUTION_HOOKS_VERSION");
    expect(e.message).to.contain("@ethereumjs/evm 10.2.0");
    expect(e.message).not.to.contain("@ethereumjs/common");
    expect(e.hint).to.contain("_getValidJumpDestinations");
  });

  it("are installed by makeCommon", () => {
    uninstallEvmHooks();
    const common = makeCommon(CHAIN_ID);
    expect(evmHookStats().installed).to.equal(true);
    expect(common.isActivatedEIP).not.to.equal(Common.prototype.isActivatedEIP);
    installEvmHooks();
    indexActivatedEIPs(common);
    expect(evmHookStats().installed).to.equal(true);
  });

  it("answer isActivatedEIP as ethereumjs does, for every EIP number 1..8000", () => {
    const common = makeCommon(CHAIN_ID);
    const original = Common.prototype.isActivatedEIP;
    let active = 0;
    for (let eip = 1; eip <= 8000; eip++) {
      const expected = original.call(common, eip);
      if (common.isActivatedEIP(eip) !== expected) expect.fail(`EIP-${eip}: hooked ${!expected}, ethereumjs ${expected}`);
      if (expected) active++;
    }
    expect(active).to.be.greaterThan(20); // Cancun: 1559, 2929, 4844, …
    expect(common.isActivatedEIP(4844)).to.equal(true);
    expect(common.isActivatedEIP(7702)).to.equal(false); // Prague
  });

  it("keep isActivatedEIP equal to ethereumjs' answer when the EIP list changes (setEIPs)", () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.London });
    indexActivatedEIPs(common);
    const original = Common.prototype.isActivatedEIP;
    expect(common.isActivatedEIP(3855)).to.equal(false);
    common.setEIPs([3855]); // PUSH0 on London
    expect(common.isActivatedEIP(3855)).to.equal(true);
    for (let eip = 1; eip <= 8000; eip++) {
      if (common.isActivatedEIP(eip) !== original.call(common, eip)) expect.fail(`EIP-${eip} differs after setEIPs`);
    }
  });

  it("leave a copy of an indexed Common answering from its own EIP list", () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.London });
    indexActivatedEIPs(common);
    const copy = common.copy();
    copy.setEIPs([3855]);
    expect(copy.isActivatedEIP(3855)).to.equal(true);
    expect(common.isActivatedEIP(3855)).to.equal(false);
    copy.setHardfork(Hardfork.Berlin);
    expect(copy.isActivatedEIP(1559)).to.equal(false);
    expect(common.isActivatedEIP(1559)).to.equal(true);
  });

  it("give the same gas, return data, logs and state root as ethereumjs alone (jump probes and ERC-20 transfers)", async () => {
    const without = await runWorkload(false);
    expect(evmHookStats().installed).to.equal(false);
    clearJumpAnalysisCache();
    const withHooks = await runWorkload(true);
    const stats = evmHookStats().jumpAnalysis;

    expect(withHooks.txs.length).to.equal(without.txs.length);
    for (let i = 0; i < without.txs.length; i++) expect(withHooks.txs[i], without.txs[i]!.what).to.deep.equal(without.txs[i]);
    expect(withHooks.stateRoot).to.equal(without.stateRoot);

    // the workload means what it says: the jumps land where the bytes say
    const byName = new Map(withHooks.txs.map((t) => [t.what, t]));
    for (const [pc, tag] of A.tags) expect(byName.get(`A jump ${pc}`)!.returnValue, `A jump ${pc}`).to.equal(bytesToHex(word(tag)));
    for (const pc of A.dataJumpdests) expect(byName.get(`A jump ${pc}`)!.error, `A jump ${pc} (0x5b in PUSH data)`).to.match(/^invalid JUMP/);
    expect(A.dataJumpdests.length).to.be.greaterThan(400);
    const variantBlock = A.variantOffset - 2;
    for (let round = 0; round < 3; round++) {
      expect(byName.get(`A jump ${variantBlock} (round ${round})`)!.returnValue).to.equal(bytesToHex(word(0x5b00)));
      expect(byName.get(`A again jump ${variantBlock} (round ${round})`)!.returnValue).to.equal(bytesToHex(word(0x5b00)));
      expect(byName.get(`B jump ${variantBlock} (round ${round})`)!.returnValue).to.equal(bytesToHex(word(0x5b01)));
      expect(byName.get(`A jump ${A.opcodeOffset + 1} (round ${round})`)!.error).to.match(/^invalid JUMP/);
      expect(byName.get(`C jump ${A.opcodeOffset} (round ${round})`)!.error).to.equal(undefined);
      expect(byName.get(`C jump ${A.opcodeOffset + 1} (round ${round})`)!.error).to.equal(undefined);
    }
    const transfers = withHooks.txs.filter((t) => t.what.startsWith("transfer "));
    expect(transfers.filter((t) => t.error === undefined)).to.have.length(120);
    expect(byName.get("transfer too much")!.error).to.equal("revert");
    expect(byName.get("transfer too much")!.returnValue).to.match(/^0xe450d38c/); // ERC20InsufficientBalance(…)
    expect(byName.get("transfer out of gas")!.error).to.equal("out of gas");

    // one analysis per distinct code (A and "A again" share one), every other call a hit
    expect(stats.misses).to.be.at.most(6); // A, B, C, the token's init code and runtime … (+1 slack)
    expect(stats.hits).to.be.greaterThan(A.runtime.length + 120);
  });

  it("never serves an analysis for code changed in place since it was cached", async () => {
    const vm = await createVM({ common: makeCommon(CHAIN_ID) });
    const code = jumpy(0x00).runtime; // the same array throughout: the cache first finds it by identity
    const variantBlock = A.variantOffset - 2;
    const run = (pc: number) => vm.evm.runCode({ code, data: word(pc), gasLimit: 100_000n });
    expect(bytesToHex((await run(variantBlock)).returnValue)).to.equal(bytesToHex(word(0x5b00)));
    code[A.variantOffset + 1] = 0x42; // PUSH data byte
    expect(bytesToHex((await run(variantBlock)).returnValue)).to.equal(bytesToHex(word(0x5b42)));
    expect((await run(A.opcodeOffset + 1)).exceptionError?.error).to.match(/^invalid JUMP/);
    code[A.opcodeOffset] = JUMPDEST; // the PUSH1 becomes a JUMPDEST, its data byte another one
    expect((await run(A.opcodeOffset + 1)).exceptionError).to.equal(undefined);
    code[A.opcodeOffset] = PUSH1; // and back
    expect((await run(A.opcodeOffset + 1)).exceptionError?.error).to.match(/^invalid JUMP/);
  });

  it("keep the cache bounded", async () => {
    clearJumpAnalysisCache();
    const vm = await createVM({ common: makeCommon(CHAIN_ID) });
    for (let i = 0; i < JUMP_CACHE_MAX_ENTRIES + 50; i++) {
      // PUSH1 5 JUMP INVALID INVALID JUMPDEST PUSH2 i STOP: distinct code per i
      const code = Uint8Array.from([PUSH1, 5, 0x56, 0xfe, 0xfe, JUMPDEST, PUSH2, i >> 8, i & 0xff, 0x00]);
      const r = await vm.evm.runCode({ code, gasLimit: 100_000n });
      expect(r.exceptionError).to.equal(undefined);
    }
    const stats = evmHookStats().jumpAnalysis;
    expect(stats.misses).to.equal(JUMP_CACHE_MAX_ENTRIES + 50);
    expect(stats.entries).to.equal(JUMP_CACHE_MAX_ENTRIES);
  });
});

describe("node: the shared Common keeps no VM alive", function () {
  it("drops the EVMs' hardforkChanged subscriptions (the node builds a VM per head) and still refuses another hardfork", async function () {
    const common = makeCommon(77n);
    for (let i = 0; i < 25; i++) await createVM({ common });
    expect(common.events.listenerCount("hardforkChanged")).to.equal(0);
    expect(() => common.setHardfork(Hardfork.Prague)).to.throw(/Cancun rules only/);
  });
});
