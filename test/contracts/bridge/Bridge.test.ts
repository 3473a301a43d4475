import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { CHAIN_ID, E, deployBridgeFixture, limits, type BridgeFixture } from "./bridge.fixture";
import { impersonate } from "../../fixtures/system";
import { signProductPermission } from "../../../ops/token/permission";

const abi = ethers.AbiCoder.defaultAbiCoder();
const dataHash = (pairId: string, recipient: string, amount: bigint) =>
  ethers.keccak256(abi.encode(["bytes32", "address", "uint256"], [pairId, recipient, amount]));

/** Deposits on the main side and returns the deposit id from the event. */
async function deposit(f: BridgeFixture, pair: number, amount: bigint, recipient?: string): Promise<string> {
  const tx = await f.mainBridge.connect(f.user).deposit(f.pairs[pair]!.pairId, recipient ?? f.user.address, amount);
  const r = await tx.wait();
  const ev = r!.logs.map((l) => f.mainBridge.interface.parseLog(l)).find((p) => p?.name === "Deposited");
  return ev!.args.depositId as string;
}

/** Confirms a deposit on the product side with signers `from..to-1`. */
async function confirmDeposit(f: BridgeFixture, id: string, pair: number, mainAmount: bigint, count: number, recipient?: string) {
  for (let i = 0; i < count; ++i) {
    await f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, f.pairs[pair]!.pairId, recipient ?? f.user.address, mainAmount);
  }
}

async function redeem(f: BridgeFixture, pair: number, productAmount: bigint): Promise<string> {
  const tx = await f.productBridge.connect(f.user).redeem(f.pairs[pair]!.pairId, f.user.address, productAmount);
  const r = await tx.wait();
  const ev = r!.logs.map((l) => f.productBridge.interface.parseLog(l)).find((p) => p?.name === "Redeemed");
  return ev!.args.redeemId as string;
}

describe("bridge", function () {
  describe("deployment", function () {
    it("both sides start with the six configured signers and a threshold of 4", async function () {
      const f = await loadFixture(deployBridgeFixture);
      for (const b of [f.mainBridge, f.productBridge]) {
        expect(await b.signers()).to.deep.equal(f.bridgeSigners);
        expect(await b.threshold()).to.equal(4n);
        expect(await b.signerSetVersion()).to.equal(1n);
        expect(await b.isSigner(f.bridgeSigners[0]!)).to.equal(true);
        expect(await b.isSigner(f.user.address)).to.equal(false);
        expect(await b.hasRole(await b.GOVERNANCE_ROLE(), await f.timelock.getAddress())).to.equal(true);
        expect(await b.hasRole(await b.PAUSER_ROLE(), await f.council.getAddress())).to.equal(true);
        expect(await b.hasRole(await b.GOVERNANCE_ROLE(), f.deployer.address)).to.equal(false);
      }
    });

    it("rejects invalid signer sets at initialisation", async function () {
      const factory = await ethers.getContractFactory("MainBridge");
      const s = (await ethers.getSigners()).slice(10, 16).map((x) => x.address);
      const [admin] = await ethers.getSigners();
      await expect(upgrades.deployProxy(factory, [admin!.address, s, 3], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "BridgeInvalidSigners")
        .withArgs(6, 3);
    });
  });

  describe("pairs", function () {
    it("registers the pair on both sides with the same id, ratio and limits", async function () {
      const f = await loadFixture(deployBridgeFixture);
      for (const p of f.pairs) {
        const productAddress = await p.productToken.getAddress();
        expect(await f.productBridge.pairIdOf(CHAIN_ID, await f.mainToken.getAddress(), productAddress)).to.equal(p.pairId);
        const m = await f.mainBridge.getPair(p.pairId);
        expect([m.mainToken, m.productChainId, m.enabled, m.productToken, m.ratio]).to.deep.equal([
          await f.mainToken.getAddress(), CHAIN_ID, true, productAddress, p.ratio,
        ]);
        const q = await f.productBridge.getPair(p.pairId);
        expect([q.mainToken, q.mainChainId, q.productToken, q.ratio]).to.deep.equal([await f.mainToken.getAddress(), CHAIN_ID, productAddress, p.ratio]);
        expect((await f.mainBridge.limits(p.pairId)).maxPerTx).to.equal(limits().maxPerTx);
      }
      expect(await f.mainBridge.pairIds()).to.deep.equal(f.pairs.map((p) => p.pairId));
      expect(await f.productBridge.pairIds()).to.deep.equal(f.pairs.map((p) => p.pairId));
    });

    it("emits PairRegistered and LimitsChanged", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const main = await f.mainToken.getAddress();
      const other = f.outsiders[9]!.address;
      const id = await f.mainBridge.pairIdOf(main, 777, other);
      await expect(f.mainBridge.connect(f.gov).registerPair(main, 777, other, 3, limits()))
        .to.emit(f.mainBridge, "PairRegistered").withArgs(id, main, 777, other, 3)
        .and.to.emit(f.mainBridge, "LimitsChanged");
    });

    it("rejects registration by anyone but governance", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const main = await f.mainToken.getAddress();
      await expect(f.mainBridge.connect(f.user).registerPair(main, 5, main, 1, limits()))
        .to.be.revertedWithCustomError(f.mainBridge, "AccessControlUnauthorizedAccount")
        .withArgs(f.user.address, await f.mainBridge.GOVERNANCE_ROLE());
      await expect(f.productBridge.connect(f.user).registerPair(5, main, main, 1, limits()))
        .to.be.revertedWithCustomError(f.productBridge, "AccessControlUnauthorizedAccount");
    });

    it("rejects invalid pairs with a reason (MainBridgeInvalidPair / ProductBridgeInvalidPair)", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const main = await f.mainToken.getAddress();
      const prod = await f.pairs[0]!.productToken.getAddress();
      const mb = f.mainBridge.connect(f.gov);
      await expect(mb.registerPair(ethers.ZeroAddress, 5, prod, 1, limits())).to.be.revertedWithCustomError(mb, "MainBridgeInvalidPair").withArgs("zero token");
      await expect(mb.registerPair(main, 0, prod, 1, limits())).to.be.revertedWithCustomError(mb, "MainBridgeInvalidPair").withArgs("zero product chain id");
      await expect(mb.registerPair(main, 5, prod, 0, limits())).to.be.revertedWithCustomError(mb, "MainBridgeInvalidPair").withArgs("ratio outside 1..1e18");
      await expect(mb.registerPair(main, CHAIN_ID, prod, 1, limits())).to.be.revertedWithCustomError(mb, "MainBridgePairExists").withArgs(f.pairs[0]!.pairId);
      const pb = f.productBridge.connect(f.gov);
      await expect(pb.registerPair(5, ethers.ZeroAddress, prod, 1, limits())).to.be.revertedWithCustomError(pb, "ProductBridgeInvalidPair").withArgs("zero token");
      await expect(pb.registerPair(0, main, prod, 1, limits())).to.be.revertedWithCustomError(pb, "ProductBridgeInvalidPair").withArgs("zero main chain id");
      await expect(pb.registerPair(5, main, prod, 10n ** 18n + 1n, limits())).to.be.revertedWithCustomError(pb, "ProductBridgeInvalidPair").withArgs("ratio outside 1..1e18");
      await expect(pb.registerPair(CHAIN_ID, main, prod, 1, limits())).to.be.revertedWithCustomError(pb, "ProductBridgePairExists").withArgs(f.pairs[0]!.pairId);
      // a token that is not a product token at all (no bridge() to ask) cannot be registered either
      await expect(pb.registerPair(5, main, main, 1, limits())).to.be.revertedWithoutReason();
    });

    it("a product token minted by another bridge is refused (\"bridge is not the minter\")", async function () {
      const f = await loadFixture(deployBridgeFixture);
      // a clone made by a second factory whose tokens are minted by someone else
      const impl = await (await ethers.getContractFactory("ProductToken")).deploy();
      const factory = await upgrades.deployProxy(
        await ethers.getContractFactory("ProductTokenFactory"),
        [f.deployer.address, await impl.getAddress(), f.user.address],
        { kind: "uups" },
      );
      await (factory.connect(f.deployer) as typeof f.productTokenFactory).setMainTokenIssuer(await f.mainToken.getAddress(), f.deployer.address);
      const perm = { productChainId: CHAIN_ID, mainToken: await f.mainToken.getAddress(), ratio: 1n, productDeveloper: f.pd.address, expiry: 2n ** 40n };
      const sig = await signProductPermission(f.deployer, await factory.getAddress(), perm);
      const tx = await (factory.connect(f.pd) as typeof f.productTokenFactory).issueProductToken(perm, sig, { name: "X", symbol: "X", decimals: 18 });
      const ev = (await tx.wait())!.logs.map((l) => factory.interface.parseLog(l)).find((p) => p?.name === "ProductTokenIssued");
      await expect(f.productBridge.connect(f.gov).registerPair(CHAIN_ID, await f.mainToken.getAddress(), ev!.args.token as string, 1, limits()))
        .to.be.revertedWithCustomError(f.productBridge, "ProductBridgeInvalidPair")
        .withArgs("bridge is not the minter");
    });

    it("setLimits validates (BridgeInvalidLimits), needs a known pair and emits LimitsChanged", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!.pairId;
      const bad = { ...limits(), minPerTx: 0n };
      await expect(f.mainBridge.connect(f.gov).setLimits(p, bad)).to.be.revertedWithCustomError(f.mainBridge, "BridgeInvalidLimits");
      await expect(f.mainBridge.connect(f.gov).setLimits(p, { ...limits(), minPerTx: 10n, maxPerTx: 9n })).to.be.revertedWithCustomError(f.mainBridge, "BridgeInvalidLimits");
      await expect(f.mainBridge.connect(f.gov).setLimits(ethers.ZeroHash, limits())).to.be.revertedWithCustomError(f.mainBridge, "MainBridgeUnknownPair").withArgs(ethers.ZeroHash);
      await expect(f.productBridge.connect(f.gov).setLimits(ethers.ZeroHash, limits())).to.be.revertedWithCustomError(f.productBridge, "ProductBridgeUnknownPair").withArgs(ethers.ZeroHash);
      await expect(f.mainBridge.connect(f.gov).setLimits(p, { ...limits(), minPerTx: 5n })).to.emit(f.mainBridge, "LimitsChanged");
      expect((await f.mainBridge.limits(p)).minPerTx).to.equal(5n);
      await expect(f.mainBridge.connect(f.user).setLimits(p, limits())).to.be.revertedWithCustomError(f.mainBridge, "AccessControlUnauthorizedAccount");
    });

    it("BridgeInvalidLimits says which rule the limits break (minPerTx zero, minPerTx above maxPerTx)", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!.pairId;
      for (const bridge of [f.mainBridge, f.productBridge]) {
        await expect(bridge.connect(f.gov).setLimits(p, { ...limits(), minPerTx: 0n })).to.be.revertedWithCustomError(bridge, "BridgeInvalidLimits").withArgs("minPerTx is zero");
        await expect(bridge.connect(f.gov).setLimits(p, { ...limits(), minPerTx: 10n, maxPerTx: 9n }))
          .to.be.revertedWithCustomError(bridge, "BridgeInvalidLimits")
          .withArgs("minPerTx is above maxPerTx");
      }
      const prod = await f.pairs[0]!.productToken.getAddress();
      await expect(f.mainBridge.connect(f.gov).registerPair(await f.mainToken.getAddress(), 5, prod, 1, { ...limits(), minPerTx: 0n }))
        .to.be.revertedWithCustomError(f.mainBridge, "BridgeInvalidLimits")
        .withArgs("minPerTx is zero");
    });

    it("MAX_RATIO is 1e18 on both sides, as on the product token factory", async function () {
      const f = await loadFixture(deployBridgeFixture);
      expect(await f.mainBridge.MAX_RATIO()).to.equal(10n ** 18n);
      expect(await f.productBridge.MAX_RATIO()).to.equal(10n ** 18n);
      expect(await f.productTokenFactory.MAX_RATIO()).to.equal(await f.productBridge.MAX_RATIO());
    });

    it("scaledLimits multiplies every main-side limit by the ratio (the product side's limits)", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const main = { minPerTx: 1n, maxPerTx: 100n * E, dailyIn: 1_000n * E, dailyOut: 2_000n * E };
      for (const bridge of [f.mainBridge, f.productBridge]) {
        const scaled = await bridge.scaledLimits(main, 10n);
        expect([scaled.minPerTx, scaled.maxPerTx, scaled.dailyIn, scaled.dailyOut]).to.deep.equal([10n, 1_000n * E, 10_000n * E, 20_000n * E]);
        const same = await bridge.scaledLimits(main, 1n);
        expect([same.minPerTx, same.maxPerTx, same.dailyIn, same.dailyOut]).to.deep.equal([main.minPerTx, main.maxPerTx, main.dailyIn, main.dailyOut]);
      }
      // what a registration with the scaled limits stores on the product side
      const p = f.pairs[2]!; // 1:10
      const scaled = await f.productBridge.scaledLimits(main, p.ratio);
      await f.productBridge.connect(f.gov).setLimits(p.pairId, { minPerTx: scaled.minPerTx, maxPerTx: scaled.maxPerTx, dailyIn: scaled.dailyIn, dailyOut: scaled.dailyOut });
      expect((await f.productBridge.limits(p.pairId)).maxPerTx).to.equal(1_000n * E);
    });

    it("scaledLimits rejects a ratio outside 1..MAX_RATIO (BridgeInvalidRatio) and a limit that overflows (BridgeInvalidLimits)", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const b = f.productBridge;
      await expect(b.scaledLimits(limits(), 0n)).to.be.revertedWithCustomError(b, "BridgeInvalidRatio").withArgs(0n, 10n ** 18n);
      await expect(b.scaledLimits(limits(), 10n ** 18n + 1n)).to.be.revertedWithCustomError(b, "BridgeInvalidRatio").withArgs(10n ** 18n + 1n, 10n ** 18n);
      const max128 = 2n ** 128n - 1n;
      await expect(b.scaledLimits({ ...limits(), dailyOut: max128 }, 2n)).to.be.revertedWithCustomError(b, "BridgeInvalidLimits").withArgs("scaled limit above uint128");
      const top = max128 / 10n ** 18n; // the largest limit that scales by MAX_RATIO
      expect((await b.scaledLimits({ minPerTx: 1n, maxPerTx: top, dailyIn: top, dailyOut: top }, 10n ** 18n)).dailyOut).to.equal(top * 10n ** 18n);
    });
  });

  describe("deposit (main side)", function () {
    for (const [index, ratio] of [[0, 1n], [1, 2n], [2, 10n]] as const) {
      it(`locks main tokens and announces ${ratio}× product tokens (1:${ratio})`, async function () {
        const f = await loadFixture(deployBridgeFixture);
        const p = f.pairs[index]!;
        const amount = 123n * E;
        const before = await f.mainToken.balanceOf(f.user.address);
        const nonce = await f.mainBridge.depositNonce();
        const id = ethers.keccak256(abi.encode(["uint256", "address", "uint256"], [CHAIN_ID, await f.mainBridge.getAddress(), nonce]));
        await expect(f.mainBridge.connect(f.user).deposit(p.pairId, f.other.address, amount))
          .to.emit(f.mainBridge, "Deposited")
          .withArgs(id, p.pairId, f.user.address, f.other.address, amount, amount * ratio, CHAIN_ID, nonce);
        expect(await f.mainToken.balanceOf(f.user.address)).to.equal(before - amount);
        expect(await f.mainToken.balanceOf(await f.mainBridge.getAddress())).to.equal(amount);
        expect(await f.mainBridge.locked(p.pairId)).to.equal(amount);
        expect(await f.mainBridge.depositNonce()).to.equal(nonce + 1n);
      });
    }

    it("gives every deposit a different id", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const a = await deposit(f, 0, E);
      const b = await deposit(f, 0, E);
      expect(a).to.not.equal(b);
    });

    it("rejects unknown and disabled pairs, a zero recipient, and amounts outside the limits", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!.pairId;
      const mb = f.mainBridge.connect(f.user);
      await expect(mb.deposit(ethers.ZeroHash, f.user.address, E)).to.be.revertedWithCustomError(mb, "MainBridgeUnknownPair").withArgs(ethers.ZeroHash);
      await expect(mb.deposit(p, ethers.ZeroAddress, E)).to.be.revertedWithCustomError(mb, "SystemContractZeroAddress").withArgs("recipient");
      await expect(mb.deposit(p, f.user.address, 0)).to.be.revertedWithCustomError(mb, "BridgeZeroAmount");
      await f.mainBridge.connect(f.gov).setLimits(p, { ...limits(), minPerTx: 10n * E });
      await expect(mb.deposit(p, f.user.address, 9n * E)).to.be.revertedWithCustomError(mb, "BridgeAmountBelowMinimum").withArgs(9n * E, 10n * E);
      await expect(mb.deposit(p, f.user.address, 1_001n * E)).to.be.revertedWithCustomError(mb, "BridgeAmountAboveMaximum").withArgs(1_001n * E, 1_000n * E);
      await expect(f.mainBridge.connect(f.gov).setPairEnabled(p, false)).to.emit(f.mainBridge, "PairEnabled").withArgs(p, false);
      await expect(mb.deposit(p, f.user.address, 10n * E)).to.be.revertedWithCustomError(mb, "MainBridgePairDisabled").withArgs(p);
      await expect(f.mainBridge.connect(f.gov).setPairEnabled(ethers.ZeroHash, true)).to.be.revertedWithCustomError(mb, "MainBridgeUnknownPair");
    });

    it("enforces the daily deposit limit and resets it the next day", async function () {
      const f = await loadFixture(deployBridgeFixture);
      for (let i = 0; i < 5; ++i) await deposit(f, 0, 1_000n * E);
      const [inLeft] = await f.mainBridge.remainingToday(f.pairs[0]!.pairId);
      expect(inLeft).to.equal(0n);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairs[0]!.pairId, f.user.address, E))
        .to.be.revertedWithCustomError(f.mainBridge, "BridgeDailyLimitExceeded").withArgs(E, 0);
      await time.increase(86_400);
      await deposit(f, 0, E);
    });

    it("rejects a token that delivers less than the amount (MainBridgeTransferMismatch)", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const fee = await (await ethers.getContractFactory("BridgeFeeTokenMock")).deploy(100);
      const feeAddress = await fee.getAddress();
      const prod = await f.pairs[0]!.productToken.getAddress();
      await f.mainBridge.connect(f.gov).registerPair(feeAddress, CHAIN_ID, prod, 1, limits());
      const pairId = await f.mainBridge.pairIdOf(feeAddress, CHAIN_ID, prod);
      await fee.mint(f.user.address, 10n * E);
      await fee.connect(f.user).approve(await f.mainBridge.getAddress(), 10n * E);
      await expect(f.mainBridge.connect(f.user).deposit(pairId, f.user.address, 10n * E))
        .to.be.revertedWithCustomError(f.mainBridge, "MainBridgeTransferMismatch")
        .withArgs(10n * E, 9n * E + 9n * E / 10n);
    });
  });

  describe("confirmDeposit (product side): 4 of 6", function () {
    for (const [index, ratio] of [[0, 1n], [1, 2n], [2, 10n]] as const) {
      it(`mints ${ratio}× on the 4th identical confirmation, not before (1:${ratio})`, async function () {
        const f = await loadFixture(deployBridgeFixture);
        const p = f.pairs[index]!;
        const amount = 50n * E;
        const id = await deposit(f, index, amount);
        const h = dataHash(p.pairId, f.user.address, amount * ratio);
        expect(await f.productBridge.depositDataHash(p.pairId, f.user.address, amount)).to.equal(h);
        for (let i = 0; i < 3; ++i) {
          await expect(f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, p.pairId, f.user.address, amount))
            .to.emit(f.productBridge, "Confirmed").withArgs(id, h, f.signerAccounts[i]!.address, i + 1, 4);
        }
        expect(await p.productToken.balanceOf(f.user.address)).to.equal(0n);
        expect(await f.productBridge.confirmations(id, h)).to.equal(3n);
        expect(await f.productBridge.confirmedData(id, f.signerAccounts[0]!.address)).to.equal(h);
        await expect(f.productBridge.connect(f.signerAccounts[3]!).confirmDeposit(id, p.pairId, f.user.address, amount))
          .to.emit(f.productBridge, "Minted").withArgs(id, p.pairId, f.user.address, amount * ratio);
        expect(await p.productToken.balanceOf(f.user.address)).to.equal(amount * ratio);
        expect(await f.productBridge.status(id)).to.equal(2n);
        const [minted, burned] = await f.productBridge.supplyOf(p.pairId);
        expect([minted, burned]).to.deep.equal([amount * ratio, 0n]);
      });
    }

    it("rejects non-signers, repeated confirmations and confirmations after settlement", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!.pairId;
      const id = await deposit(f, 0, E);
      await expect(f.productBridge.connect(f.user).confirmDeposit(id, p, f.user.address, E))
        .to.be.revertedWithCustomError(f.productBridge, "BridgeNotSigner").withArgs(f.user.address);
      await f.productBridge.connect(f.signerAccounts[0]!).confirmDeposit(id, p, f.user.address, E);
      await expect(f.productBridge.connect(f.signerAccounts[0]!).confirmDeposit(id, p, f.user.address, E))
        .to.be.revertedWithCustomError(f.productBridge, "BridgeAlreadyConfirmed").withArgs(id, f.signerAccounts[0]!.address);
      // a signer cannot confirm different data for the same id either
      await expect(f.productBridge.connect(f.signerAccounts[0]!).confirmDeposit(id, p, f.other.address, E))
        .to.be.revertedWithCustomError(f.productBridge, "BridgeAlreadyConfirmed");
      for (let i = 1; i < 4; ++i) await f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, p, f.user.address, E);
      await expect(f.productBridge.connect(f.signerAccounts[4]!).confirmDeposit(id, p, f.user.address, E))
        .to.be.revertedWithCustomError(f.productBridge, "BridgeAlreadySettled").withArgs(id, 2);
    });

    it("does not combine confirmations of conflicting data for one id", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!;
      const id = await deposit(f, 0, 10n * E);
      // three honest, three malicious (other recipient): nothing mints
      for (let i = 0; i < 3; ++i) await f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, p.pairId, f.user.address, 10n * E);
      for (let i = 3; i < 6; ++i) await f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, p.pairId, f.other.address, 10n * E);
      expect(await p.productToken.totalSupply()).to.equal(0n);
      expect(await f.productBridge.status(id)).to.equal(0n);
    });

    it("rejects an unknown pair, a zero amount and a zero recipient", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const s = f.productBridge.connect(f.signerAccounts[0]!);
      await expect(s.confirmDeposit(ethers.ZeroHash, ethers.ZeroHash, f.user.address, E)).to.be.revertedWithCustomError(s, "ProductBridgeUnknownPair");
      await expect(s.confirmDeposit(ethers.ZeroHash, f.pairs[0]!.pairId, f.user.address, 0)).to.be.revertedWithCustomError(s, "BridgeZeroAmount");
      await expect(s.confirmDeposit(ethers.ZeroHash, f.pairs[0]!.pairId, ethers.ZeroAddress, E)).to.be.revertedWithCustomError(s, "SystemContractZeroAddress").withArgs("recipient");
    });

    it("queues a mint over the daily limit and executeQueued settles it the next day", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!;
      await f.productBridge.connect(f.gov).setLimits(p.pairId, { ...limits(), dailyOut: 100n * E });
      const id = await deposit(f, 0, 150n * E);
      await confirmDeposit(f, id, 0, 150n * E, 3);
      await expect(f.productBridge.connect(f.signerAccounts[3]!).confirmDeposit(id, p.pairId, f.user.address, 150n * E))
        .to.emit(f.productBridge, "OperationQueued");
      expect(await f.productBridge.status(id)).to.equal(1n);
      expect((await f.productBridge.queuedOperation(id)).amount).to.equal(150n * E);
      expect(await p.productToken.balanceOf(f.user.address)).to.equal(0n);
      await expect(f.productBridge.connect(f.signerAccounts[4]!).confirmDeposit(id, p.pairId, f.user.address, 150n * E))
        .to.be.revertedWithCustomError(f.productBridge, "BridgeAlreadySettled").withArgs(id, 1);
      await expect(f.productBridge.executeQueued(id)).to.be.revertedWithCustomError(f.productBridge, "BridgeDailyLimitExceeded").withArgs(150n * E, 100n * E);
      await f.productBridge.connect(f.gov).setLimits(p.pairId, { ...limits(), dailyOut: 200n * E });
      await expect(f.productBridge.connect(f.other).executeQueued(id)).to.emit(f.productBridge, "Minted").withArgs(id, p.pairId, f.user.address, 150n * E);
      expect(await p.productToken.balanceOf(f.user.address)).to.equal(150n * E);
      await expect(f.productBridge.executeQueued(id)).to.be.revertedWithCustomError(f.productBridge, "BridgeNotQueued").withArgs(id);
    });
  });

  describe("redeem (product side) and confirmWithdrawal (main side)", function () {
    async function fundedFixture() {
      const f = await deployBridgeFixture();
      for (let i = 0; i < 3; ++i) {
        const id = await deposit(f, i, 100n * E);
        await confirmDeposit(f, id, i, 100n * E, 4);
      }
      return f;
    }

    it("burns product tokens and announces main tokens at the ratio (1:10)", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[2]!;
      const nonce = await f.productBridge.redeemNonce();
      const id = ethers.keccak256(abi.encode(["uint256", "address", "uint256"], [CHAIN_ID, await f.productBridge.getAddress(), nonce]));
      await expect(f.productBridge.connect(f.user).redeem(p.pairId, f.other.address, 70n * E))
        .to.emit(f.productBridge, "Redeemed").withArgs(id, p.pairId, f.user.address, f.other.address, 70n * E, 7n * E, CHAIN_ID, nonce);
      expect(await p.productToken.balanceOf(f.user.address)).to.equal(930n * E);
      expect((await f.productBridge.supplyOf(p.pairId))[1]).to.equal(70n * E);
    });

    it("rejects an amount that is not a whole number of main units (ProductBridgeInexactAmount)", async function () {
      const f = await loadFixture(fundedFixture);
      await expect(f.productBridge.connect(f.user).redeem(f.pairs[2]!.pairId, f.user.address, 10n * E + 5n))
        .to.be.revertedWithCustomError(f.productBridge, "ProductBridgeInexactAmount").withArgs(10n * E + 5n, 10n);
      await expect(f.productBridge.connect(f.user).redeem(f.pairs[1]!.pairId, f.user.address, 3n))
        .to.be.revertedWithCustomError(f.productBridge, "ProductBridgeInexactAmount").withArgs(3n, 2n);
    });

    it("rejects unknown and disabled pairs, zero recipients and amounts outside the limits", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[0]!.pairId;
      const pb = f.productBridge.connect(f.user);
      await expect(pb.redeem(ethers.ZeroHash, f.user.address, E)).to.be.revertedWithCustomError(pb, "ProductBridgeUnknownPair");
      await expect(pb.redeem(p, ethers.ZeroAddress, E)).to.be.revertedWithCustomError(pb, "SystemContractZeroAddress").withArgs("recipient");
      await expect(pb.redeem(p, f.user.address, 0)).to.be.revertedWithCustomError(pb, "BridgeZeroAmount");
      await f.productBridge.connect(f.gov).setLimits(p, { ...limits(), maxPerTx: 10n * E, dailyIn: 15n * E });
      await expect(pb.redeem(p, f.user.address, 11n * E)).to.be.revertedWithCustomError(pb, "BridgeAmountAboveMaximum").withArgs(11n * E, 10n * E);
      await pb.redeem(p, f.user.address, 10n * E);
      await expect(pb.redeem(p, f.user.address, 6n * E)).to.be.revertedWithCustomError(pb, "BridgeDailyLimitExceeded").withArgs(6n * E, 5n * E);
      await expect(f.productBridge.connect(f.gov).setPairEnabled(p, false)).to.emit(f.productBridge, "PairEnabled").withArgs(p, false);
      await expect(pb.redeem(p, f.user.address, E)).to.be.revertedWithCustomError(pb, "ProductBridgePairDisabled").withArgs(p);
      await expect(f.productBridge.connect(f.gov).setPairEnabled(ethers.ZeroHash, false)).to.be.revertedWithCustomError(pb, "ProductBridgeUnknownPair");
    });

    it("releases main tokens on the 4th identical confirmation of a redeem", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[1]!;
      const id = await redeem(f, 1, 40n * E); // 20 main
      const h = dataHash(p.pairId, f.user.address, 20n * E);
      expect(await f.mainBridge.withdrawalDataHash(p.pairId, f.user.address, 20n * E)).to.equal(h);
      const before = await f.mainToken.balanceOf(f.user.address);
      for (let i = 0; i < 3; ++i) await f.mainBridge.connect(f.signerAccounts[i]!).confirmWithdrawal(id, p.pairId, f.user.address, 20n * E);
      expect(await f.mainToken.balanceOf(f.user.address)).to.equal(before);
      await expect(f.mainBridge.connect(f.signerAccounts[5]!).confirmWithdrawal(id, p.pairId, f.user.address, 20n * E))
        .to.emit(f.mainBridge, "Released").withArgs(id, p.pairId, f.user.address, 20n * E);
      expect(await f.mainToken.balanceOf(f.user.address)).to.equal(before + 20n * E);
      expect(await f.mainBridge.locked(p.pairId)).to.equal(80n * E);
      await expect(f.mainBridge.connect(f.signerAccounts[4]!).confirmWithdrawal(id, p.pairId, f.user.address, 20n * E))
        .to.be.revertedWithCustomError(f.mainBridge, "BridgeAlreadySettled").withArgs(id, 2);
    });

    it("never releases more than the pair locked (MainBridgeExceedsLocked)", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[0]!;
      const id = ethers.id("forged");
      for (let i = 0; i < 3; ++i) await f.mainBridge.connect(f.signerAccounts[i]!).confirmWithdrawal(id, p.pairId, f.user.address, 101n * E);
      await expect(f.mainBridge.connect(f.signerAccounts[3]!).confirmWithdrawal(id, p.pairId, f.user.address, 101n * E))
        .to.be.revertedWithCustomError(f.mainBridge, "MainBridgeExceedsLocked").withArgs(101n * E, 100n * E);
    });

    it("rejects non-signers, unknown pairs, zero amounts and zero recipients on confirmWithdrawal", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[0]!.pairId;
      await expect(f.mainBridge.connect(f.user).confirmWithdrawal(ethers.ZeroHash, p, f.user.address, E)).to.be.revertedWithCustomError(f.mainBridge, "BridgeNotSigner");
      const s = f.mainBridge.connect(f.signerAccounts[0]!);
      await expect(s.confirmWithdrawal(ethers.ZeroHash, ethers.ZeroHash, f.user.address, E)).to.be.revertedWithCustomError(s, "MainBridgeUnknownPair");
      await expect(s.confirmWithdrawal(ethers.ZeroHash, p, f.user.address, 0)).to.be.revertedWithCustomError(s, "BridgeZeroAmount");
      await expect(s.confirmWithdrawal(ethers.ZeroHash, p, ethers.ZeroAddress, E)).to.be.revertedWithCustomError(s, "SystemContractZeroAddress").withArgs("recipient");
    });

    it("queues a release over the daily limit (OperationQueued) and settles it later", async function () {
      const f = await loadFixture(fundedFixture);
      const p = f.pairs[0]!;
      await f.mainBridge.connect(f.gov).setLimits(p.pairId, { ...limits(), dailyOut: 10n * E });
      const id = await redeem(f, 0, 30n * E);
      for (let i = 0; i < 3; ++i) await f.mainBridge.connect(f.signerAccounts[i]!).confirmWithdrawal(id, p.pairId, f.user.address, 30n * E);
      await expect(f.mainBridge.connect(f.signerAccounts[3]!).confirmWithdrawal(id, p.pairId, f.user.address, 30n * E)).to.emit(f.mainBridge, "OperationQueued");
      await time.increase(86_400);
      await expect(f.mainBridge.executeQueued(id)).to.be.revertedWithCustomError(f.mainBridge, "BridgeDailyLimitExceeded").withArgs(30n * E, 10n * E);
      await f.mainBridge.connect(f.gov).setLimits(p.pairId, { ...limits(), dailyOut: 30n * E });
      await expect(f.mainBridge.executeQueued(id)).to.emit(f.mainBridge, "Released").withArgs(id, p.pairId, f.user.address, 30n * E);
    });
  });

  describe("signer rotation", function () {
    it("only governance rotates; the threshold must stay above half the set", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const s = f.bridgeSigners;
      await expect(f.mainBridge.connect(f.user).setSigners(s, 4)).to.be.revertedWithCustomError(f.mainBridge, "AccessControlUnauthorizedAccount");
      for (const [set, t] of [[s, 3], [s, 7], [[], 0], [s.slice(0, 4), 2], [[s[0]!, s[0]!, s[1]!], 2], [[s[0]!, ethers.ZeroAddress, s[1]!], 2]] as [string[], number][]) {
        await expect(f.mainBridge.connect(f.gov).setSigners(set, t)).to.be.revertedWithCustomError(f.mainBridge, "BridgeInvalidSigners").withArgs(set.length, t);
      }
      const tooMany = Array.from({ length: 33 }, (_, i) => ethers.getAddress(ethers.toBeHex(i + 1, 20)));
      await expect(f.mainBridge.connect(f.gov).setSigners(tooMany, 20)).to.be.revertedWithCustomError(f.mainBridge, "BridgeInvalidSigners");
      const next = [...s.slice(1), f.other.address];
      await expect(f.mainBridge.connect(f.gov).setSigners(next, 4)).to.emit(f.mainBridge, "SignersChanged").withArgs(next, 4, 2);
      expect(await f.mainBridge.isSigner(s[0]!)).to.equal(false);
      expect(await f.mainBridge.isSigner(f.other.address)).to.equal(true);
    });

    it("a rotation voids confirmations given under the old set", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const p = f.pairs[0]!;
      const id = await deposit(f, 0, 5n * E);
      await confirmDeposit(f, id, 0, 5n * E, 3);
      await f.productBridge.connect(f.gov).setSigners(f.bridgeSigners, 4); // same people, new version
      expect(await f.productBridge.confirmations(id, dataHash(p.pairId, f.user.address, 5n * E))).to.equal(0n);
      await f.productBridge.connect(f.signerAccounts[3]!).confirmDeposit(id, p.pairId, f.user.address, 5n * E);
      expect(await p.productToken.totalSupply()).to.equal(0n);
      await confirmDeposit(f, id, 0, 5n * E, 3); // the first three again, under the new set
      expect(await p.productToken.totalSupply()).to.equal(5n * E);
    });

    it("rotation through a governance proposal works end to end", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const { passProposal } = await import("../../fixtures/system");
      const next = [...f.bridgeSigners.slice(0, 5), f.other.address];
      const data = f.mainBridge.interface.encodeFunctionData("setSigners", [next, 4]);
      await passProposal(f, [await f.mainBridge.getAddress()], [0], [data], "rotate main bridge signer 6");
      expect(await f.mainBridge.signers()).to.deep.equal(next);
    });
  });

  describe("product-chain status (ProductChainRegistry)", function () {
    /** ProductChainRegistry.Status */
    const Status = { None: 0, Active: 1, Suspended: 2, Retired: 3 };
    const PRODUCT_CHAIN = 7_001n;

    /** The bridge world plus product chain PRODUCT_CHAIN registered in the registry, a main-bridge pair toward it and 100 main tokens locked in it. */
    async function registeredChainFixture() {
      const f = await deployBridgeFixture();
      const owners = f.outsiders.slice(0, 4).map((s) => s.address) as [string, string, string, string];
      await (await f.chainRegistry.connect(f.deployer).registerChain(PRODUCT_CHAIN, "Game Chain", f.pd.address, owners, 0)).wait();
      const mainToken = await f.mainToken.getAddress();
      const productToken = await f.pairs[0]!.productToken.getAddress();
      await (await f.mainBridge.connect(f.gov).registerPair(mainToken, PRODUCT_CHAIN, productToken, 1n, limits())).wait();
      const pairId = await f.mainBridge.pairIdOf(mainToken, PRODUCT_CHAIN, productToken);
      await (await f.mainBridge.connect(f.user).deposit(pairId, f.user.address, 100n * E)).wait();
      return { ...f, pairId };
    }

    async function setStatus(f: BridgeFixture, status: number): Promise<void> {
      await (await f.chainRegistry.connect(f.gov).setChainStatus(PRODUCT_CHAIN, status)).wait();
    }

    /** Confirms withdrawal `id` of `amount` main tokens to the user with signers 0..count-1 (the last transaction is returned unawaited). */
    async function confirmWithdrawal(f: BridgeFixture, id: string, pairId: string, amount: bigint, count = 4) {
      for (let i = 0; i < count - 1; ++i) await (await f.mainBridge.connect(f.signerAccounts[i]!).confirmWithdrawal(id, pairId, f.user.address, amount)).wait();
      return f.mainBridge.connect(f.signerAccounts[count - 1]!).confirmWithdrawal(id, pairId, f.user.address, amount);
    }

    it("deploySystem points the main bridge at the ProductChainRegistry", async function () {
      const f = await loadFixture(deployBridgeFixture);
      expect(await f.mainBridge.chainRegistry()).to.equal(await f.chainRegistry.getAddress());
    });

    it("setChainRegistry is governance's only (AccessControlUnauthorizedAccount) and emits ChainRegistryChanged", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const registry = await f.chainRegistry.getAddress();
      await expect(f.mainBridge.connect(f.user).setChainRegistry(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.mainBridge, "AccessControlUnauthorizedAccount")
        .withArgs(f.user.address, await f.mainBridge.GOVERNANCE_ROLE());
      await expect(f.mainBridge.connect(f.gov).setChainRegistry(ethers.ZeroAddress)).to.emit(f.mainBridge, "ChainRegistryChanged").withArgs(registry, ethers.ZeroAddress);
      expect(await f.mainBridge.chainRegistry()).to.equal(ethers.ZeroAddress);
      await expect(f.mainBridge.connect(f.gov).setChainRegistry(registry)).to.emit(f.mainBridge, "ChainRegistryChanged").withArgs(ethers.ZeroAddress, registry);
    });

    it("a suspended chain takes no deposit and settles no withdrawal (MainBridgeChainNotActive); reactivated, both work again", async function () {
      const f = await loadFixture(registeredChainFixture);
      await setStatus(f, Status.Suspended);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairId, f.user.address, E))
        .to.be.revertedWithCustomError(f.mainBridge, "MainBridgeChainNotActive")
        .withArgs(PRODUCT_CHAIN, Status.Suspended);
      const id = ethers.id("redeem on the suspended chain");
      await expect(f.mainBridge.connect(f.signerAccounts[0]!).confirmWithdrawal(id, f.pairId, f.user.address, 10n * E))
        .to.be.revertedWithCustomError(f.mainBridge, "MainBridgeChainNotActive")
        .withArgs(PRODUCT_CHAIN, Status.Suspended);
      expect(await f.mainBridge.confirmations(id, dataHash(f.pairId, f.user.address, 10n * E))).to.equal(0n);

      await setStatus(f, Status.Active);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairId, f.user.address, E)).to.emit(f.mainBridge, "Deposited");
      const before = await f.mainToken.balanceOf(f.user.address);
      await expect(confirmWithdrawal(f, id, f.pairId, 10n * E)).to.emit(f.mainBridge, "Released").withArgs(id, f.pairId, f.user.address, 10n * E);
      expect(await f.mainToken.balanceOf(f.user.address)).to.equal(before + 10n * E);
      expect(await f.mainBridge.locked(f.pairId)).to.equal(91n * E);
    });

    it("a suspension holds a queued withdrawal too: executeQueued refuses it until the chain is active again", async function () {
      const f = await loadFixture(registeredChainFixture);
      await f.mainBridge.connect(f.gov).setLimits(f.pairId, { ...limits(), dailyOut: 10n * E });
      const id = ethers.id("queued redeem");
      await expect(confirmWithdrawal(f, id, f.pairId, 30n * E)).to.emit(f.mainBridge, "OperationQueued");
      await f.mainBridge.connect(f.gov).setLimits(f.pairId, { ...limits(), dailyOut: 30n * E });
      await setStatus(f, Status.Suspended);
      await expect(f.mainBridge.executeQueued(id)).to.be.revertedWithCustomError(f.mainBridge, "MainBridgeChainNotActive").withArgs(PRODUCT_CHAIN, Status.Suspended);
      await setStatus(f, Status.Active);
      await expect(f.mainBridge.executeQueued(id)).to.emit(f.mainBridge, "Released").withArgs(id, f.pairId, f.user.address, 30n * E);
    });

    it("a retired chain takes no deposit (MainBridgeChainNotActive) but its withdrawals still settle, queued ones included", async function () {
      const f = await loadFixture(registeredChainFixture);
      await f.mainBridge.connect(f.gov).setLimits(f.pairId, { ...limits(), dailyOut: 50n * E });
      const queued = ethers.id("queued before retirement");
      await expect(confirmWithdrawal(f, queued, f.pairId, 60n * E)).to.emit(f.mainBridge, "OperationQueued");
      await setStatus(f, Status.Retired);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairId, f.user.address, E))
        .to.be.revertedWithCustomError(f.mainBridge, "MainBridgeChainNotActive")
        .withArgs(PRODUCT_CHAIN, Status.Retired);
      const before = await f.mainToken.balanceOf(f.user.address);
      const id = ethers.id("redeem on the retired chain");
      await expect(confirmWithdrawal(f, id, f.pairId, 40n * E)).to.emit(f.mainBridge, "Released").withArgs(id, f.pairId, f.user.address, 40n * E);
      await f.mainBridge.connect(f.gov).setLimits(f.pairId, { ...limits(), dailyOut: 100n * E });
      await expect(f.mainBridge.executeQueued(queued)).to.emit(f.mainBridge, "Released").withArgs(queued, f.pairId, f.user.address, 60n * E);
      expect(await f.mainToken.balanceOf(f.user.address)).to.equal(before + 100n * E);
      expect(await f.mainBridge.locked(f.pairId)).to.equal(0n);
    });

    it("checks nothing without a registry (zero), and nothing for a chain the registry does not know (status None)", async function () {
      const f = await loadFixture(registeredChainFixture);
      // the world's pairs bridge to chain 31337, which no registry records
      expect(await f.chainRegistry.chainStatus(CHAIN_ID)).to.equal(Status.None);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairs[0]!.pairId, f.user.address, E)).to.emit(f.mainBridge, "Deposited");
      await setStatus(f, Status.Suspended);
      await f.mainBridge.connect(f.gov).setChainRegistry(ethers.ZeroAddress);
      await expect(f.mainBridge.connect(f.user).deposit(f.pairId, f.user.address, E)).to.emit(f.mainBridge, "Deposited");
      const id = ethers.id("redeem without a registry");
      await expect(confirmWithdrawal(f, id, f.pairId, E)).to.emit(f.mainBridge, "Released");
    });
  });

  describe("pause", function () {
    it("the council pauses both sides: deposits, redeems and confirmations stop; governance unpauses", async function () {
      const f = await loadFixture(deployBridgeFixture);
      const council = await impersonate(await f.council.getAddress());
      const id = await deposit(f, 0, E);
      await f.mainBridge.connect(council).pause();
      await f.productBridge.connect(council).pause();
      await expect(f.mainBridge.connect(f.user).deposit(f.pairs[0]!.pairId, f.user.address, E)).to.be.revertedWithCustomError(f.mainBridge, "EnforcedPause");
      await expect(f.productBridge.connect(f.signerAccounts[0]!).confirmDeposit(id, f.pairs[0]!.pairId, f.user.address, E)).to.be.revertedWithCustomError(f.productBridge, "EnforcedPause");
      await expect(f.productBridge.connect(f.user).redeem(f.pairs[0]!.pairId, f.user.address, E)).to.be.revertedWithCustomError(f.productBridge, "EnforcedPause");
      await expect(f.mainBridge.connect(f.signerAccounts[0]!).confirmWithdrawal(id, f.pairs[0]!.pairId, f.user.address, E)).to.be.revertedWithCustomError(f.mainBridge, "EnforcedPause");
      await expect(f.mainBridge.executeQueued(id)).to.be.revertedWithCustomError(f.mainBridge, "EnforcedPause");
      await expect(f.mainBridge.connect(council).unpause()).to.be.revertedWithCustomError(f.mainBridge, "AccessControlUnauthorizedAccount");
      await f.mainBridge.connect(f.gov).unpause();
      await deposit(f, 0, E);
    });
  });

  describe("upgrades", function () {
    it("both bridges upgrade through the storage-layout check and keep their books", async function () {
      const f = await loadFixture(deployBridgeFixture);
      await deposit(f, 0, 7n * E);
      for (const name of ["MainBridge", "ProductBridge"] as const) {
        const proxy = name === "MainBridge" ? await f.mainBridge.getAddress() : await f.productBridge.getAddress();
        const impl = (await upgrades.prepareUpgrade(proxy, await ethers.getContractFactory(name), { kind: "uups", redeployImplementation: "always" })) as string;
        await (name === "MainBridge" ? f.mainBridge : f.productBridge).connect(f.gov).upgradeToAndCall(impl, "0x");
        expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(impl);
      }
      expect(await f.mainBridge.locked(f.pairs[0]!.pairId)).to.equal(7n * E);
      expect(await f.productBridge.threshold()).to.equal(4n);
    });
  });
});
