import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, type ContractTransactionResponse } from "ethers";
import type { NodeOwnerSync, ValidatorSet } from "../../../typechain-types";
import { GOVERNANCE_ROLE, PAUSER_ROLE, DEFAULT_ADMIN_ROLE, sortAddresses } from "../consensus/validatorSet.fixture";
import { SwapStatus, THRESHOLD, deployNodeOwnerSyncFixture, startedAtNonceFiveFixture } from "./nodeOwnerSync.fixture";

/** Each of `signers` confirms swap `nonce` in turn; returns the last transaction. */
async function confirmBy(sync: NodeOwnerSync, signers: HardhatEthersSigner[], nonce: bigint, oldOwner: string, newOwner: string) {
  let last;
  for (const s of signers) last = await sync.connect(s).confirmSwap(nonce, oldOwner, newOwner);
  return last!;
}

/** The first block of the epoch after the one `tx` was mined in: where a change it made takes effect. */
async function effectiveBlock(vs: ValidatorSet, tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  return vs.epochStartBlock((await vs.epochOf(receipt!.blockNumber)) + 1n);
}

function randomAddress(): string {
  return ethers.Wallet.createRandom().address;
}

/** Name of the custom error a failed call carries (via the contract's interface), or undefined. */
function errorName(sync: NodeOwnerSync, e: unknown): string | undefined {
  const stack: unknown[] = [e];
  const seen = new Set<unknown>();
  while (stack.length) {
    const x = stack.pop();
    if (!x || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    const r = x as Record<string, unknown>;
    if (typeof r.data === "string" && r.data.length >= 10) return sync.interface.parseError(r.data)?.name;
    for (const k of ["error", "info", "cause"]) stack.push(r[k]);
  }
  return undefined;
}

describe("NodeOwnerSync", function () {
  describe("initialize", function () {
    it("records the validator set, the signer source, the starting nonce and the admin's roles", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      expect(await f.sync.validatorSet()).to.equal(f.vsAddress);
      expect(await f.sync.signerSource()).to.equal(await f.bridge.getAddress());
      expect(await f.sync.lastAppliedNonce()).to.equal(0n);
      expect(await f.sync.hasRole(DEFAULT_ADMIN_ROLE, f.admin.address)).to.equal(true);
      expect(await f.sync.hasRole(GOVERNANCE_ROLE, f.admin.address)).to.equal(true);
      expect(await f.sync.MAX_APPLIED_PER_CALL()).to.equal(8n);
    });

    it("reverts SystemContractZeroAddress for a zero admin, validator set or signer source", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const bridge = await f.bridge.getAddress();
      const Z = ethers.ZeroAddress;
      for (const [args, what] of [
        [[Z, f.vsAddress, bridge, 0n], "admin"],
        [[f.admin.address, Z, bridge, 0n], "validatorSet"],
        [[f.admin.address, f.vsAddress, Z, 0n], "signerSource"],
      ] as const) {
        const proxy = (await upgrades.deployProxy(f.syncFactory, [], { kind: "uups", initializer: false })) as unknown as NodeOwnerSync;
        await expect(proxy.initialize(...args))
          .to.be.revertedWithCustomError(proxy, "SystemContractZeroAddress")
          .withArgs(what);
      }
    });

    it("cannot be initialised twice (InvalidInitialization)", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await expect(f.sync.initialize(f.admin.address, f.vsAddress, await f.bridge.getAddress(), 0n)).to.be.revertedWithCustomError(
        f.sync,
        "InvalidInitialization",
      );
    });
  });

  describe("confirmSwap: the threshold decides and applies a swap", function () {
    it("the 4th of 6 signers' confirmations applies the swap: the new owner validates from the next epoch, the old one leaves", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const [old] = f.owners;
      const newOwner = f.newcomer.address;
      const hash = await f.sync.swapHash(1n, old!.address, newOwner);
      for (let i = 0; i < 3; i++) {
        await expect(f.sync.connect(f.signers[i]!).confirmSwap(1n, old!.address, newOwner))
          .to.emit(f.sync, "SwapConfirmed")
          .withArgs(1n, hash, f.signers[i]!.address, old!.address, newOwner, BigInt(i + 1), THRESHOLD);
      }
      const boundary = await f.vs.nextEpochStartBlock();
      const tx = f.sync.connect(f.signers[3]!).confirmSwap(1n, old!.address, newOwner);
      await expect(tx).to.emit(f.sync, "SwapConfirmed").withArgs(1n, hash, f.signers[3]!.address, old!.address, newOwner, 4n, THRESHOLD);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapDecided").withArgs(1n, old!.address, newOwner);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(1n, old!.address, newOwner, boundary);
      await expect(tx).to.emit(f.vs, "ValidatorRemoved").withArgs(old!.address, boundary);
      await expect(tx).to.emit(f.vs, "ValidatorAdded").withArgs(newOwner, boundary);
      expect(await f.sync.lastAppliedNonce()).to.equal(1n);
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.Applied);
      const swap = await f.sync.getSwap(1n);
      expect([swap.oldOwner, swap.status, swap.newOwner]).to.deep.equal([old!.address, SwapStatus.Applied, newOwner]);
      // in force at the next epoch boundary, not before; no stake needed (minStake 0)
      expect(await f.vs.validatorsAt(boundary - 1n)).to.deep.equal(f.sortedGenesis);
      const after = await f.vs.validatorsAt(boundary);
      expect(after).to.deep.equal(sortAddresses([...f.sortedGenesis.filter((a) => a !== old!.address), newOwner]));
      expect(await f.vs.isValidatorAt(newOwner, boundary)).to.equal(true);
      expect(await f.vs.isValidatorAt(old!.address, boundary)).to.equal(false);
      expect((await f.vs.getValidator(newOwner)).stake).to.equal(0n);
    });

    it("below the threshold nothing changes: 3 confirmations are counted, the set stays as it is", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[1]!.address;
      const pending = await f.vs.pendingValidators();
      await confirmBy(f.sync, f.signers.slice(0, 3), 1n, old, f.newcomer.address);
      expect(await f.sync.confirmations(1n, old, f.newcomer.address)).to.equal(3n);
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.None);
      expect(await f.sync.lastAppliedNonce()).to.equal(0n);
      expect(await f.vs.pendingValidators()).to.deep.equal(pending);
      expect((await f.vs.getValidator(f.newcomer.address)).approved).to.equal(false);
    });

    it("confirmations of other owners for the same nonce never combine", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      const a = randomAddress();
      const b = randomAddress();
      await confirmBy(f.sync, f.signers.slice(0, 3), 1n, old, a);
      await confirmBy(f.sync, f.signers.slice(3, 6), 1n, old, b);
      expect(await f.sync.confirmations(1n, old, a)).to.equal(3n);
      expect(await f.sync.confirmations(1n, old, b)).to.equal(3n);
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.None);
    });

    it("binds the swap to this chain: swapHash = keccak256(abi.encode(chainid, nonce, old, new))", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const [a, b] = [randomAddress(), randomAddress()];
      const expected = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint64", "address", "address"], [31337n, 7n, a, b]));
      expect(await f.sync.swapHash(7n, a, b)).to.equal(expected);
    });

    it("refuses a caller that is not a bridge signer (NodeOwnerSyncNotSigner)", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      for (const who of [f.outsider, f.owners[0]!, f.admin]) {
        await expect(f.sync.connect(who).confirmSwap(1n, f.owners[0]!.address, f.newcomer.address))
          .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncNotSigner")
          .withArgs(who.address);
      }
    });

    it("refuses owners no main-chain swap can have (NodeOwnerSyncInvalidSwap)", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const s = f.sync.connect(f.signers[0]!);
      const owner = f.owners[0]!.address;
      const Z = ethers.ZeroAddress;
      for (const [o, n] of [
        [Z, owner],
        [owner, Z],
        [owner, owner],
      ]) {
        await expect(s.confirmSwap(1n, o!, n!)).to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncInvalidSwap").withArgs(1n, o, n);
      }
    });
  });

  describe("replays and duplicates", function () {
    it("a signer confirming the same swap again is refused (NodeOwnerSyncAlreadyConfirmed) and not counted twice", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      await f.sync.connect(f.signers[0]!).confirmSwap(1n, old, f.newcomer.address);
      await expect(f.sync.connect(f.signers[0]!).confirmSwap(1n, old, f.newcomer.address))
        .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncAlreadyConfirmed")
        .withArgs(1n, f.signers[0]!.address);
      expect(await f.sync.confirmations(1n, old, f.newcomer.address)).to.equal(1n);
      expect(await f.sync.confirmedSwap(1n, f.signers[0]!.address)).to.equal(await f.sync.swapHash(1n, old, f.newcomer.address));
    });

    it("a signer confirming other owners for a nonce it confirmed is refused (NodeOwnerSyncConflictingConfirmation)", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      await f.sync.connect(f.signers[0]!).confirmSwap(1n, old, f.newcomer.address);
      const mine = await f.sync.swapHash(1n, old, f.newcomer.address);
      await expect(f.sync.connect(f.signers[0]!).confirmSwap(1n, old, randomAddress()))
        .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncConflictingConfirmation")
        .withArgs(1n, f.signers[0]!.address, mine);
    });

    it("confirmations of an applied nonce are refused (NodeOwnerSyncAlreadyDecided), the set is not touched again", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      await confirmBy(f.sync, f.signers.slice(0, 4), 1n, old, f.newcomer.address);
      const pending = await f.vs.pendingValidators();
      for (const s of f.signers.slice(4)) {
        await expect(f.sync.connect(s).confirmSwap(1n, old, f.newcomer.address))
          .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncAlreadyDecided")
          .withArgs(1n, SwapStatus.Applied);
      }
      // a signer that already confirmed (a restarted relayer re-sending) gets the same answer
      await expect(f.sync.connect(f.signers[0]!).confirmSwap(1n, old, f.newcomer.address))
        .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncAlreadyDecided")
        .withArgs(1n, SwapStatus.Applied);
      expect(await f.vs.pendingValidators()).to.deep.equal(pending);
      expect(await f.sync.lastAppliedNonce()).to.equal(1n);
    });

    it("nonces the genesis set already reflects count as applied: confirmations refused, the next nonce applies", async function () {
      const f = await loadFixture(startedAtNonceFiveFixture);
      expect(await f.sync.lastAppliedNonce()).to.equal(5n);
      for (const n of [0n, 1n, 5n]) {
        expect(await f.sync.swapStatus(n)).to.equal(SwapStatus.Applied);
        await expect(f.sync.connect(f.signers[0]!).confirmSwap(n, f.owners[0]!.address, f.newcomer.address))
          .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncAlreadyDecided")
          .withArgs(n, SwapStatus.Applied);
      }
      expect(await f.sync.swapStatus(6n)).to.equal(SwapStatus.None);
      await expect(confirmBy(f.sync, f.signers.slice(0, 4), 6n, f.owners[0]!.address, f.newcomer.address)).to.emit(f.sync, "NodeOwnerSwapApplied");
      expect(await f.sync.lastAppliedNonce()).to.equal(6n);
    });
  });

  describe("order: swaps apply in the main chain's nonce order", function () {
    it("a decided swap waits for its predecessor, and both apply in the transaction that decides the predecessor", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const [a, b] = [f.owners[0]!.address, f.owners[1]!.address];
      const [x, y] = [randomAddress(), randomAddress()];
      const early = confirmBy(f.sync, f.signers.slice(0, 4), 2n, b, y);
      await expect(early).to.emit(f.sync, "NodeOwnerSwapDecided").withArgs(2n, b, y);
      await expect(early).to.not.emit(f.sync, "NodeOwnerSwapApplied");
      expect(await f.sync.swapStatus(2n)).to.equal(SwapStatus.Decided);
      expect(await f.sync.lastAppliedNonce()).to.equal(0n);
      expect((await f.vs.getValidator(y)).approved).to.equal(false);
      await expect(f.sync.applyConfirmed(2n)).to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncOutOfOrder").withArgs(2n, 1n);
      // a decided nonce takes no more confirmations
      await expect(f.sync.connect(f.signers[4]!).confirmSwap(2n, b, y))
        .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncAlreadyDecided")
        .withArgs(2n, SwapStatus.Decided);

      const tx = await confirmBy(f.sync, f.signers.slice(2, 6), 1n, a, x);
      const boundary = await effectiveBlock(f.vs, tx);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(1n, a, x, boundary);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(2n, b, y, boundary);
      expect(await f.sync.lastAppliedNonce()).to.equal(2n);
      expect(await f.vs.validatorsAt(boundary)).to.deep.equal(sortAddresses([...f.sortedGenesis.filter((v) => v !== a && v !== b), x, y]));
    });

    it("applies at most MAX_APPLIED_PER_CALL swaps per transaction; applyConfirmed (anyone) applies the rest", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      // ten successive swaps of one seat: owner0 → n1 → n2 → … → n10
      const chain = [f.owners[0]!.address, ...Array.from({ length: 10 }, randomAddress)];
      for (let n = 2; n <= 10; n++) await confirmBy(f.sync, f.signers.slice(0, 4), BigInt(n), chain[n - 1]!, chain[n]!);
      expect(await f.sync.lastAppliedNonce()).to.equal(0n);
      const first = await confirmBy(f.sync, f.signers.slice(0, 4), 1n, chain[0]!, chain[1]!);
      const applied = (await first.wait())!.logs.map((l) => f.sync.interface.parseLog(l)).filter((e) => e?.name === "NodeOwnerSwapApplied");
      expect(applied.map((e) => e!.args.ownersNonce)).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
      expect(await f.sync.lastAppliedNonce()).to.equal(8n);
      expect(await f.sync.swapStatus(9n)).to.equal(SwapStatus.Decided);
      await expect(f.sync.connect(f.outsider).applyConfirmed(10n)).to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncOutOfOrder").withArgs(10n, 9n);
      const tx = await f.sync.connect(f.outsider).applyConfirmed(9n);
      const boundary = await effectiveBlock(f.vs, tx);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(9n, chain[8], chain[9], boundary);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(10n, chain[9], chain[10], boundary);
      expect(await f.sync.lastAppliedNonce()).to.equal(10n);
      const pending = await f.vs.pendingValidators();
      expect(pending).to.include(chain[10]);
      for (const gone of chain.slice(0, 10)) expect(pending).to.not.include(gone);
    });

    it("applyConfirmed refuses a nonce that is not decided, or already applied (NodeOwnerSyncNotDecided)", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await expect(f.sync.applyConfirmed(1n)).to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncNotDecided").withArgs(1n, SwapStatus.None);
      await confirmBy(f.sync, f.signers.slice(0, 4), 1n, f.owners[0]!.address, f.newcomer.address);
      await expect(f.sync.applyConfirmed(1n)).to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncNotDecided").withArgs(1n, SwapStatus.Applied);
    });
  });

  describe("a swap the validator set refuses", function () {
    it("is recorded as failed with the set's revert data, and the next swap still applies", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      // this chain's governance already removed owner 0 itself
      await f.vs.connect(f.admin).removeValidator(f.owners[0]!.address);
      const stranger = f.owners[0]!.address;
      const reason = f.vs.interface.encodeErrorResult("ValidatorSetNotApproved", [stranger]);
      const tx = confirmBy(f.sync, f.signers.slice(0, 4), 1n, stranger, f.newcomer.address);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapFailed").withArgs(1n, stranger, f.newcomer.address, reason);
      await expect(tx).to.not.emit(f.sync, "NodeOwnerSwapApplied");
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.Failed);
      expect(await f.sync.lastAppliedNonce()).to.equal(1n);
      expect((await f.vs.getValidator(f.newcomer.address)).approved).to.equal(false);
      const next = await confirmBy(f.sync, f.signers.slice(0, 4), 2n, f.owners[1]!.address, f.newcomer.address);
      await expect(next)
        .to.emit(f.sync, "NodeOwnerSwapApplied")
        .withArgs(2n, f.owners[1]!.address, f.newcomer.address, await effectiveBlock(f.vs, next));
    });

    it("a sync that lost GOVERNANCE_ROLE on the validator set records its swaps as failed", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const sync = await f.sync.getAddress();
      await f.vs.connect(f.admin).revokeRole(GOVERNANCE_ROLE, sync);
      const reason = f.vs.interface.encodeErrorResult("AccessControlUnauthorizedAccount", [sync, GOVERNANCE_ROLE]);
      await expect(confirmBy(f.sync, f.signers.slice(0, 4), 1n, f.owners[0]!.address, f.newcomer.address))
        .to.emit(f.sync, "NodeOwnerSwapFailed")
        .withArgs(1n, f.owners[0]!.address, f.newcomer.address, reason);
    });

    it("a deciding confirmation sent with too little gas reverts (NodeOwnerSyncOutOfGas) instead of recording a failure; estimated gas applies it", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      await confirmBy(f.sync, f.signers.slice(0, 3), 1n, old, f.newcomer.address);
      const deciding = f.sync.connect(f.signers[3]!);
      const estimate = await deciding.confirmSwap.estimateGas(1n, old, f.newcomer.address);
      const seen = new Set<string>();
      let starved = false;
      for (let cut = 10_000n; cut <= 150_000n && !starved; cut += 10_000n) {
        try {
          await (await deciding.confirmSwap(1n, old, f.newcomer.address, { gasLimit: estimate - cut })).wait();
          seen.add("mined");
        } catch (e) {
          const name = errorName(f.sync, e) ?? "no error data";
          seen.add(name);
          starved = name === "NodeOwnerSyncOutOfGas";
        }
        expect(await f.sync.swapStatus(1n), `gas limit ${estimate - cut}`).to.equal(SwapStatus.None);
      }
      expect(starved, `outcomes seen: ${[...seen].join(", ")}`).to.equal(true);
      expect(seen.has("mined")).to.equal(false);
      await expect(deciding.confirmSwap(1n, old, f.newcomer.address, { gasLimit: estimate })).to.emit(f.sync, "NodeOwnerSwapApplied");
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.Applied);
    });
  });

  describe("signer rotation by the bridge's governance", function () {
    it("confirmations count only while their signer is in the current set; a removed signer can no longer confirm", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const old = f.owners[0]!.address;
      const [s1, s2, s3, s4, s5, s6] = f.signers as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
      await confirmBy(f.sync, [s1, s2, s3], 1n, old, f.newcomer.address);
      // s2 and s3 leave; c1 and c2 join (4 of 6 still)
      await f.bridge.connect(f.admin).setSigners([s1.address, s4.address, s5.address, s6.address, f.c1.address, f.c2.address], 4n);
      expect(await f.sync.confirmations(1n, old, f.newcomer.address)).to.equal(1n);
      await expect(f.sync.connect(s2).confirmSwap(2n, old, f.newcomer.address))
        .to.be.revertedWithCustomError(f.sync, "NodeOwnerSyncNotSigner")
        .withArgs(s2.address);
      await confirmBy(f.sync, [f.c1, f.c2], 1n, old, f.newcomer.address);
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.None); // s1 + c1 + c2 = 3
      const tx = f.sync.connect(s4).confirmSwap(1n, old, f.newcomer.address);
      await expect(tx)
        .to.emit(f.sync, "SwapConfirmed")
        .withArgs(1n, await f.sync.swapHash(1n, old, f.newcomer.address), s4.address, old, f.newcomer.address, 4n, 4n);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied");
    });

    it("follows the bridge's threshold: with 3 of 4 signers three confirmations decide", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await f.bridge.connect(f.admin).setSigners(f.signers.slice(0, 4).map((s) => s.address), 3n);
      await expect(confirmBy(f.sync, f.signers.slice(0, 3), 1n, f.owners[0]!.address, f.newcomer.address)).to.emit(f.sync, "NodeOwnerSwapApplied");
    });

    it("a swap decided before a rotation stays decided and applies after its predecessor, decided by the new set", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      const [a, b] = [f.owners[0]!.address, f.owners[1]!.address];
      await confirmBy(f.sync, f.signers.slice(0, 4), 2n, b, f.newcomer.address);
      const fresh = [f.c1, f.c2, f.c3, f.funder];
      await f.bridge.connect(f.admin).setSigners(fresh.map((s) => s.address), 3n);
      expect(await f.sync.swapStatus(2n)).to.equal(SwapStatus.Decided);
      const x = randomAddress();
      const tx = await confirmBy(f.sync, fresh.slice(0, 3), 1n, a, x);
      const boundary = await effectiveBlock(f.vs, tx);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(1n, a, x, boundary);
      await expect(tx).to.emit(f.sync, "NodeOwnerSwapApplied").withArgs(2n, b, f.newcomer.address, boundary);
    });
  });

  describe("pause, upgrades and access control", function () {
    it("a pause (pauser or governance) stops confirmations and applyConfirmed (EnforcedPause); only governance unpauses", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await confirmBy(f.sync, f.signers.slice(0, 4), 2n, f.owners[1]!.address, f.newcomer.address);
      await f.sync.connect(f.pauser).pause();
      await expect(f.sync.connect(f.signers[0]!).confirmSwap(1n, f.owners[0]!.address, randomAddress())).to.be.revertedWithCustomError(f.sync, "EnforcedPause");
      await expect(f.sync.applyConfirmed(2n)).to.be.revertedWithCustomError(f.sync, "EnforcedPause");
      await expect(f.sync.connect(f.pauser).unpause())
        .to.be.revertedWithCustomError(f.sync, "AccessControlUnauthorizedAccount")
        .withArgs(f.pauser.address, GOVERNANCE_ROLE);
      await f.sync.connect(f.admin).unpause();
      await confirmBy(f.sync, f.signers.slice(0, 4), 1n, f.owners[0]!.address, randomAddress());
      expect(await f.sync.lastAppliedNonce()).to.equal(2n);
    });

    it("refuses pause by an account without PAUSER_ROLE or GOVERNANCE_ROLE, and role grants by non-admins", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await expect(f.sync.connect(f.signers[0]!).pause())
        .to.be.revertedWithCustomError(f.sync, "AccessControlUnauthorizedAccount")
        .withArgs(f.signers[0]!.address, PAUSER_ROLE);
      await expect(f.sync.connect(f.outsider).grantRole(PAUSER_ROLE, f.outsider.address))
        .to.be.revertedWithCustomError(f.sync, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, DEFAULT_ADMIN_ROLE);
    });

    it("upgrades only by GOVERNANCE_ROLE, keeping its state", async function () {
      const f = await loadFixture(deployNodeOwnerSyncFixture);
      await confirmBy(f.sync, f.signers.slice(0, 4), 1n, f.owners[0]!.address, f.newcomer.address);
      const impl = await (await f.syncFactory.deploy()).getAddress();
      await expect(f.sync.connect(f.signers[0]!).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(f.sync, "AccessControlUnauthorizedAccount")
        .withArgs(f.signers[0]!.address, GOVERNANCE_ROLE);
      await f.sync.connect(f.admin).upgradeToAndCall(impl, "0x");
      expect(await upgrades.erc1967.getImplementationAddress(await f.sync.getAddress())).to.equal(impl);
      expect(await f.sync.lastAppliedNonce()).to.equal(1n);
      expect(await f.sync.swapStatus(1n)).to.equal(SwapStatus.Applied);
    });
  });
});
