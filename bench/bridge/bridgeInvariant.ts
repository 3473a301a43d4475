import { ethers } from "hardhat";
import { setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Wallet } from "ethers";
import { decodeCustomError } from "../../lib/revert";
import { E, impersonated, type BridgeWorld } from "./world";
import { LuniverseError } from "../../lib/errors";

/**
 * Randomised invariant test of the 4-of-6 bridge (both sides on one chain). Each run drives a long sequence of
 * deposits, confirmations by honest and malicious signers (duplicates, reorders, forged data, forged ids),
 * redeems, pauses, signer rotations and day changes, and after EVERY step checks, for each pair:
 *
 *   locked × ratio = minted − burned + (deposits not yet minted) × ratio + (redeems burnt, not yet released)
 *
 * which becomes `locked × ratio = minted − burned` once everything has settled (checked at the end, after the
 * honest signers settle what is left). Up to 3 malicious signers are in the set at any time; nothing they forge
 * ever settles and the attacker never receives a token.
 *
 * Steps and seed: INVARIANT_STEPS (default 1000) and INVARIANT_SEED; `npm run bench:bridge` runs a longer one.
 */
export const STEPS = Number(process.env.INVARIANT_STEPS ?? 1000);
export const SEED = Number(process.env.INVARIANT_SEED ?? 20181105);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  id: string;
  pair: number;
  recipient: string;
  amount: bigint; // deposit: main amount; redeem: main amount to release
  productAmount: bigint;
  confirmedBy: Set<string>; // under the current signer-set version
}

/** Thrown when the invariant (or a rule the run relies on) does not hold; the message says which. */
export class InvariantError extends LuniverseError<"BRIDGE_INVARIANT"> {
  override name = "InvariantError";
  constructor(message: string) {
    super("BRIDGE_INVARIANT", message);
  }
}

function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new InvariantError(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Resolves when `call` reverts (with the custom error `name`, when given); throws otherwise. */
async function assertReverts(call: Promise<unknown>, what: string, name?: string): Promise<void> {
  try {
    await call;
  } catch (e) {
    const decoded = decodeCustomError(e)?.name;
    if (name !== undefined && decoded !== name) throw new InvariantError(`${what}: expected a revert with ${name}, got ${decoded ?? (e as Error).message}`);
    return;
  }
  throw new InvariantError(`${what}: expected a revert${name ? ` with ${name}` : ""}, but it succeeded`);
}

/**
 * Runs the randomised steps on `f` (a fresh {@link BridgeWorld}: `loadFixture(deployBridgeWorld)`, or the bridge
 * tests' fixture) and checks the invariant after each; returns how often each kind of step ran.
 */
export async function runInvariant(f: BridgeWorld, steps: number, seed: number): Promise<Record<string, number>> {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const council = await impersonated(await f.council.getAddress());
  const attacker = ethers.Wallet.createRandom().address;

  // signer pool: 10 funded wallets; at most 3 of the set are malicious at any time
  const pool: Wallet[] = [];
  for (let i = 0; i < 10; ++i) {
    const w = new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes(`bridge-signer-${seed}-${i}`)), ethers.provider);
    await setBalance(w.address, 10n ** 22n);
    pool.push(w);
  }
  const malicious = new Set(pool.slice(0, 4).map((w) => w.address)); // 4 bad keys exist; ≤ 3 in a set
  let set: Wallet[] = [...pool.slice(1, 4), ...pool.slice(4, 7)]; // 3 malicious + 3 honest
  const rotate = async (next: Wallet[]) => {
    const addrs = next.map((w) => w.address);
    await f.mainBridge.connect(f.gov).setSigners(addrs, 4);
    await f.productBridge.connect(f.gov).setSigners(addrs, 4);
    set = next;
    for (const p of [...deposits.values(), ...redeems.values()]) p.confirmedBy.clear();
  };
  const users = [f.user, f.other];
  for (const u of users) {
    await f.mainToken.connect(f.deployer).transfer(u.address, 50_000n * E);
    await f.mainToken.connect(u).approve(await f.mainBridge.getAddress(), ethers.MaxUint256);
  }

  // tight daily settlement limits on the 1:1 pair so that operations queue and settle on later days
  const tight = { minPerTx: 1n, maxPerTx: 1_000n * E, dailyIn: 5_000n * E, dailyOut: 60n * E };
  await f.mainBridge.connect(f.gov).setLimits(f.pairs[0]!.pairId, tight);
  await f.productBridge.connect(f.gov).setLimits(f.pairs[0]!.pairId, tight);
  const deposits = new Map<string, Pending>(); // announced, not minted
  const redeems = new Map<string, Pending>(); // announced, not released
  await rotate(set);
  let paused = false;
  const stats: Record<string, number> = {};
  let last = "";
  const count = (k: string) => {
    last = k;
    stats[k] = (stats[k] ?? 0) + 1;
  };

  const check = async (strict: boolean) => {
    for (let i = 0; i < f.pairs.length; ++i) {
      const p = f.pairs[i]!;
      const locked = await f.mainBridge.locked(p.pairId);
      const [minted, burned] = await f.productBridge.supplyOf(p.pairId);
      let pendingDeposit = 0n;
      let pendingRedeem = 0n;
      for (const d of deposits.values()) if (d.pair === i) pendingDeposit += d.productAmount;
      for (const r of redeems.values()) if (r.pair === i) pendingRedeem += r.productAmount;
      // announced deposits are locked but not yet minted; announced redeems are burnt but not yet released
      assertEqual(locked * p.ratio, minted - burned + pendingDeposit + pendingRedeem, `pair 1:${p.ratio}: locked × ratio = minted − burned + pending`);
      assertEqual(await p.productToken.totalSupply(), minted - burned, `pair 1:${p.ratio}: product supply = minted − burned`);
      if (strict) assertEqual(locked * p.ratio, minted - burned, `pair 1:${p.ratio}: settled, locked × ratio = minted − burned`);
      assertEqual(await p.productToken.balanceOf(attacker), 0n, `pair 1:${p.ratio}: the attacker's product tokens`);
    }
    assertEqual(await f.mainToken.balanceOf(attacker), 0n, "the attacker's main tokens");
  };

  /** A signer confirms `op` with the given data; returns whether it settled (or queued). */
  const confirm = async (side: "deposit" | "redeem", signer: Wallet, id: string, pair: number, recipient: string, amount: bigint) => {
    const pairId = f.pairs[pair]!.pairId;
    const tx =
      side === "deposit"
        ? f.productBridge.connect(signer).confirmDeposit(id, pairId, recipient, amount)
        : f.mainBridge.connect(signer).confirmWithdrawal(id, pairId, recipient, amount);
    const receipt = await (await tx).wait();
    const bridge = side === "deposit" ? f.productBridge : f.mainBridge;
    const names = receipt!.logs.map((l) => bridge.interface.parseLog(l)?.name);
    return names.includes("Minted") || names.includes("Released") || names.includes("OperationQueued");
  };

  const settleIfDone = async (side: "deposit" | "redeem", op: Pending) => {
    const bridge = side === "deposit" ? f.productBridge : f.mainBridge;
    const st = await bridge.status(op.id);
    if (st === 2n) (side === "deposit" ? deposits : redeems).delete(op.id);
    return st;
  };

  for (let step = 0; step < steps; ++step) {
    const r = rand();
    try {
      if (paused) {
        // everything but governance must fail while paused
        const u = pick(users);
        await assertReverts(f.mainBridge.connect(u).deposit(f.pairs[0]!.pairId, u.address, E), "a deposit while paused", "EnforcedPause");
        count("paused-rejected");
        if (rand() < 0.3) {
          await f.mainBridge.connect(f.gov).unpause();
          await f.productBridge.connect(f.gov).unpause();
          paused = false;
          count("unpause");
        }
      } else if (r < 0.15) {
        const u = pick(users);
        const pair = Math.floor(rand() * f.pairs.length);
        const amount = BigInt(1 + Math.floor(rand() * 200)) * E / 4n;
        const tx = await f.mainBridge.connect(u).deposit(f.pairs[pair]!.pairId, u.address, amount);
        const ev = (await tx.wait())!.logs.map((l) => f.mainBridge.interface.parseLog(l)).find((x) => x?.name === "Deposited")!;
        const id = ev.args.depositId as string;
        deposits.set(id, { id, pair, recipient: u.address, amount, productAmount: amount * f.pairs[pair]!.ratio, confirmedBy: new Set() });
        count("deposit");
      } else if (r < 0.55) {
        // an honest or cooperating signer confirms a real pending operation (any order, duplicates attempted)
        const side: "deposit" | "redeem" = rand() < 0.6 ? "deposit" : "redeem";
        const map = side === "deposit" ? deposits : redeems;
        if (map.size === 0) continue;
        // mostly in order like a relayer, sometimes out of order
        const op = rand() < 0.7 ? [...map.values()][0]! : pick([...map.values()]);
        const bridge = side === "deposit" ? f.productBridge : f.mainBridge;
        if ((await bridge.status(op.id)) === 1n) continue; // queued: handled by executeQueued
        const fresh = set.filter((w) => !op.confirmedBy.has(w.address));
        const s = fresh.length > 0 && rand() < 0.9 ? pick(fresh) : pick(set);
        if (op.confirmedBy.has(s.address)) {
          const call = side === "deposit"
            ? f.productBridge.connect(s).confirmDeposit(op.id, f.pairs[op.pair]!.pairId, op.recipient, op.amount)
            : f.mainBridge.connect(s).confirmWithdrawal(op.id, f.pairs[op.pair]!.pairId, op.recipient, op.amount);
          await assertReverts(call, "a second confirmation of one id by one signer"); // a signer confirms an id once
          count("duplicate-rejected");
          continue;
        }
        if (malicious.has(s.address) && rand() < 0.5) {
          // the malicious signer uses its one confirmation of this id on forged data instead
          await confirm(side, s, op.id, op.pair, attacker, op.amount * 3n);
          op.confirmedBy.add(s.address);
          count("forged-data");
        } else {
          await confirm(side, s, op.id, op.pair, op.recipient, op.amount);
          op.confirmedBy.add(s.address);
          count("confirm");
        }
        await settleIfDone(side, op);
      } else if (r < 0.62) {
        // malicious signers forge an operation nobody made
        const side: "deposit" | "redeem" = rand() < 0.5 ? "deposit" : "redeem";
        const id = ethers.id(`forged-${step}`);
        for (const s of set.filter((w) => malicious.has(w.address))) {
          const settled = await confirm(side, s, id, Math.floor(rand() * f.pairs.length), attacker, 10n * E);
          assertEqual(settled, false, "forged operation settled");
        }
        assertEqual(await (side === "deposit" ? f.productBridge : f.mainBridge).status(id), 0n, "status of a forged id");
        count("forged-id");
      } else if (r < 0.8) {
        const u = pick(users);
        const pair = Math.floor(rand() * f.pairs.length);
        const p = f.pairs[pair]!;
        const balance = await p.productToken.balanceOf(u.address);
        const units = balance / p.ratio;
        if (units === 0n) continue;
        const mainAmount = 1n + BigInt(Math.floor(rand() * Number(units > 10n ** 15n ? 10n ** 15n : units)));
        const productAmount = mainAmount * p.ratio;
        const tx = await f.productBridge.connect(u).redeem(p.pairId, u.address, productAmount);
        const ev = (await tx.wait())!.logs.map((l) => f.productBridge.interface.parseLog(l)).find((x) => x?.name === "Redeemed")!;
        const id = ev.args.redeemId as string;
        redeems.set(id, { id, pair, recipient: u.address, amount: mainAmount, productAmount, confirmedBy: new Set() });
        count("redeem");
      } else if (r < 0.82) {
        // rotate: replace one member; keep at most 3 malicious in the set
        const out = Math.floor(rand() * set.length);
        const candidates = pool.filter((w) => !set.includes(w));
        const maliciousIn = set.filter((w, i) => i !== out && malicious.has(w.address)).length;
        const allowed = candidates.filter((w) => !malicious.has(w.address) || maliciousIn < 3);
        const next = [...set];
        next[out] = pick(allowed);
        await rotate(next);
        count("rotate");
      } else if (r < 0.9) {
        await time.increase(Math.floor(rand() * 90_000));
        for (const [side, bridge] of [["deposit", f.productBridge], ["redeem", f.mainBridge]] as const) {
          for (const op of [...(side === "deposit" ? deposits : redeems).values()]) {
            if ((await bridge.status(op.id)) !== 1n) continue;
            const [, outLeft] = await bridge.remainingToday(f.pairs[op.pair]!.pairId);
            const amount = side === "deposit" ? op.productAmount : op.amount;
            if (amount <= outLeft) {
              await bridge.executeQueued(op.id);
              await settleIfDone(side, op);
              count("execute-queued");
            }
          }
        }
        count("day-passes");
      } else if (r < 0.92) {
        await f.mainBridge.connect(council).pause();
        await f.productBridge.connect(council).pause();
        paused = true;
        count("pause");
      } else {
        // someone who is not a signer tries to confirm
        const op = [...deposits.values()][0];
        if (!op) continue;
        await assertReverts(f.productBridge.connect(f.user).confirmDeposit(op.id, f.pairs[op.pair]!.pairId, f.user.address, op.amount), "a confirmation by a non-signer", "BridgeNotSigner");
        count("outsider-rejected");
      }
    } finally {
      try {
        await check(false);
      } catch (e) {
        throw new Error(`invariant broken after step ${step} (${last}, seed ${seed}): ${(e as Error).message}`);
      }
    }
  }

  // settle everything: unpause, honest keys take over, confirm all pending, let days pass for the queue
  if (paused) {
    await f.mainBridge.connect(f.gov).unpause();
    await f.productBridge.connect(f.gov).unpause();
  }
  await rotate(pool.slice(4, 10));
  for (let round = 0; round < 50 && (deposits.size > 0 || redeems.size > 0); ++round) {
    for (const [side, map, bridge] of [["deposit", deposits, f.productBridge], ["redeem", redeems, f.mainBridge]] as const) {
      for (const op of [...map.values()]) {
        const st = await bridge.status(op.id);
        if (st === 0n) {
          for (const s of set.slice(0, 4)) {
            if ((await bridge.status(op.id)) !== 0n) break;
            if (!op.confirmedBy.has(s.address)) {
              await confirm(side, s, op.id, op.pair, op.recipient, op.amount);
              op.confirmedBy.add(s.address);
            }
          }
        } else if (st === 1n) {
          const [, outLeft] = await bridge.remainingToday(f.pairs[op.pair]!.pairId);
          if ((side === "deposit" ? op.productAmount : op.amount) <= outLeft) await bridge.executeQueued(op.id);
        }
        await settleIfDone(side, op);
      }
    }
    await check(false);
    await time.increase(86_400);
  }
  assertEqual(deposits.size + redeems.size, 0, "everything settles");
  await check(true);
  return stats;
}

