import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { Interface } from "ethers";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER, impersonate, passProposal } from "../../fixtures/system";
import {
  amountOutFormula,
  deadline,
  dexFixture,
  list,
  MAX,
  pairOf,
  sqrt,
  type DexFixture,
} from "./dex.fixture";
import type { DexCalleeMock, DexPair, DexReentrantToken, DexTestToken } from "../../../typechain-types";

const MINIMUM_LIQUIDITY = 1000n;
const DEAD = "0x000000000000000000000000000000000000dEaD";
const Q112 = 1n << 112n;

interface PairSetup {
  f: DexFixture;
  pair: DexPair;
  pairAddress: string;
  /** Token of the pair sorted as token0 / token1. */
  t0: DexTestToken;
  t1: DexTestToken;
}

/** Creates the A/B pair (no liquidity) and returns it with its tokens in pair order. */
async function emptyPair(): Promise<PairSetup> {
  const f = await loadFixture(dexFixture);
  const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
  await (await f.factory.createPair(a, b)).wait();
  const pair = await pairOf(f, a, b);
  const [t0, t1] = a.toLowerCase() < b.toLowerCase() ? [f.tokenA, f.tokenB] : [f.tokenB, f.tokenA];
  return { f, pair, pairAddress: await pair.getAddress(), t0, t1 };
}

/** Sends amounts of token0/token1 to the pair and mints to alice (the low-level way, without the router). */
async function deposit(s: PairSetup, amount0: bigint, amount1: bigint) {
  await (await s.t0.connect(s.f.alice).transfer(s.pairAddress, amount0)).wait();
  await (await s.t1.connect(s.f.alice).transfer(s.pairAddress, amount1)).wait();
  return s.pair.connect(s.f.alice).mint(s.f.alice.address);
}

/** The A/B pair with 1,000 token0 and 4,000 token1 deposited by alice. */
async function fundedPair(): Promise<PairSetup> {
  const s = await emptyPair();
  await (await deposit(s, 1_000n * ETHER, 4_000n * ETHER)).wait();
  return s;
}

describe("DexPair", function () {
  describe("LP token and immutables", function () {
    it("names its LP token, and reports its factory, sorted tokens and the factory's swap fee", async function () {
      const s = await emptyPair();
      expect(await s.pair.name()).to.equal("Luniverse DEX LP");
      expect(await s.pair.symbol()).to.equal("LDEX-LP");
      expect(await s.pair.decimals()).to.equal(18n);
      expect(await s.pair.factory()).to.equal(await s.f.factory.getAddress());
      expect(await s.pair.token0()).to.equal(await s.t0.getAddress());
      expect(await s.pair.token1()).to.equal(await s.t1.getAddress());
      expect(await s.pair.swapFeeBps()).to.equal(30n);
      expect(await s.pair.getReservesAndFee()).to.deep.equal([0n, 0n, 30n]);
      expect(await s.pair.MINIMUM_LIQUIDITY()).to.equal(MINIMUM_LIQUIDITY);
    });
  });

  describe("mint", function () {
    it("first deposit: mints sqrt(amount0 * amount1) - 1000 and locks 1000 at the dead address", async function () {
      const s = await emptyPair();
      const [a0, a1] = [1_000n * ETHER, 4_000n * ETHER];
      const expected = sqrt(a0 * a1) - MINIMUM_LIQUIDITY;
      await expect(deposit(s, a0, a1))
        .to.emit(s.pair, "Transfer").withArgs(ethers.ZeroAddress, DEAD, MINIMUM_LIQUIDITY)
        .and.to.emit(s.pair, "Transfer").withArgs(ethers.ZeroAddress, s.f.alice.address, expected)
        .and.to.emit(s.pair, "Sync").withArgs(a0, a1)
        .and.to.emit(s.pair, "Mint").withArgs(s.f.alice.address, a0, a1);
      expect(await s.pair.balanceOf(s.f.alice.address)).to.equal(expected);
      expect(await s.pair.totalSupply()).to.equal(expected + MINIMUM_LIQUIDITY);
      const [r0, r1] = await s.pair.getReserves();
      expect([r0, r1]).to.deep.equal([a0, a1]);
    });

    it("later deposits mint min(amount0 * supply / reserve0, amount1 * supply / reserve1)", async function () {
      const s = await fundedPair();
      const supply = await s.pair.totalSupply();
      const [r0, r1] = await s.pair.getReserves();
      const [a0, a1] = [10n * ETHER, 50n * ETHER]; // token1 in excess of the ratio: token0 decides
      const expected = [(a0 * supply) / r0, (a1 * supply) / r1].reduce((x, y) => (x < y ? x : y));
      const before = await s.pair.balanceOf(s.f.alice.address);
      await (await deposit(s, a0, a1)).wait();
      expect((await s.pair.balanceOf(s.f.alice.address)) - before).to.equal(expected);
    });

    it("reverts DexPairInsufficientLiquidityMinted when the first deposit is worth at most the locked minimum", async function () {
      const s = await emptyPair();
      await expect(deposit(s, 1000n, 1000n)).to.be.revertedWithCustomError(s.pair, "DexPairInsufficientLiquidityMinted").withArgs(1000n, 1000n);
    });

    it("reverts DexPairInsufficientLiquidityMinted when a later deposit is worth no LP token", async function () {
      const s = await fundedPair();
      await expect(s.pair.mint(s.f.alice.address)).to.be.revertedWithCustomError(s.pair, "DexPairInsufficientLiquidityMinted").withArgs(0n, 0n);
    });

    it("reverts DexPairLiquidityClosed while a token is delisted, and accepts liquidity again once relisted", async function () {
      const s = await fundedPair();
      const f = s.f;
      await (await f.listingRegistry.connect(f.reviewer).delist(await s.t0.getAddress(), "failed re-audit")).wait();
      await expect(deposit(s, ETHER, 4n * ETHER))
        .to.be.revertedWithCustomError(s.pair, "DexPairLiquidityClosed")
        .withArgs(await s.t0.getAddress(), await s.t1.getAddress());
      await list(f, await s.t0.getAddress(), f.issuer);
      await expect(deposit(s, ETHER, 4n * ETHER)).to.emit(s.pair, "Mint");
    });
  });

  describe("burn", function () {
    it("returns the LP share of each balance and burns the LP tokens", async function () {
      const s = await fundedPair();
      const { alice, bob } = s.f;
      const liquidity = (await s.pair.balanceOf(alice.address)) / 3n;
      const supply = await s.pair.totalSupply();
      const [r0, r1] = await s.pair.getReserves();
      const [e0, e1] = [(liquidity * r0) / supply, (liquidity * r1) / supply];
      await (await s.pair.connect(alice).transfer(s.pairAddress, liquidity)).wait();
      await expect(s.pair.connect(alice).burn(bob.address))
        .to.emit(s.pair, "Burn").withArgs(alice.address, e0, e1, bob.address)
        .and.to.emit(s.pair, "Sync").withArgs(r0 - e0, r1 - e1);
      expect(await s.t0.balanceOf(bob.address)).to.equal(1_000_000n * ETHER + e0);
      expect(await s.t1.balanceOf(bob.address)).to.equal(1_000_000n * ETHER + e1);
      expect(await s.pair.totalSupply()).to.equal(supply - liquidity);
    });

    it("reverts DexPairInsufficientLiquidityBurned when no LP tokens were sent", async function () {
      const s = await fundedPair();
      await expect(s.pair.burn(s.f.alice.address)).to.be.revertedWithCustomError(s.pair, "DexPairInsufficientLiquidityBurned").withArgs(0n);
    });

    it("works while a token is delisted and while the factory is paused: liquidity can always leave", async function () {
      const s = await fundedPair();
      const f = s.f;
      await (await f.listingRegistry.connect(f.reviewer).delist(await s.t1.getAddress(), "issuer vanished")).wait();
      const timelock = await impersonate(await f.sys.timelock.getAddress());
      await (await f.factory.connect(timelock).pause()).wait();
      const all = await s.pair.balanceOf(f.alice.address);
      await (await s.pair.connect(f.alice).transfer(s.pairAddress, all)).wait();
      await expect(s.pair.burn(f.alice.address)).to.emit(s.pair, "Burn");
      expect(await s.pair.balanceOf(f.alice.address)).to.equal(0n);
      expect(await s.pair.totalSupply()).to.equal(MINIMUM_LIQUIDITY);
    });
  });

  describe("swap", function () {
    it("pays exactly the constant-product output with a 0.3 % fee, and one unit more breaks k", async function () {
      const s = await fundedPair();
      const { alice, bob } = s.f;
      const [r0, r1] = await s.pair.getReserves();
      const amountIn = 7n * ETHER + 12345n;
      const out = amountOutFormula(amountIn, r0, r1);
      await (await s.t0.connect(alice).transfer(s.pairAddress, amountIn)).wait();

      const b0 = r0 + amountIn;
      const b1 = r1 - out - 1n;
      const adjusted = (b0 * 10_000n - amountIn * 30n) * (b1 * 10_000n);
      await expect(s.pair.swap(0, out + 1n, bob.address, "0x"))
        .to.be.revertedWithCustomError(s.pair, "DexPairKInvariant")
        .withArgs(adjusted, r0 * r1 * 10n ** 8n);

      const before = await s.t1.balanceOf(bob.address);
      await expect(s.pair.connect(alice).swap(0, out, bob.address, "0x"))
        .to.emit(s.pair, "Swap").withArgs(alice.address, amountIn, 0n, 0n, out, bob.address)
        .and.to.emit(s.pair, "Sync").withArgs(r0 + amountIn, r1 - out);
      expect((await s.t1.balanceOf(bob.address)) - before).to.equal(out);
    });

    it("prices the other direction with the same formula", async function () {
      const s = await fundedPair();
      const [r0, r1] = await s.pair.getReserves();
      const amountIn = 123n * ETHER;
      const out = amountOutFormula(amountIn, r1, r0);
      await (await s.t1.connect(s.f.alice).transfer(s.pairAddress, amountIn)).wait();
      await expect(s.pair.swap(out, 0, s.f.bob.address, "0x")).to.emit(s.pair, "Swap").withArgs(s.f.deployer.address, 0n, amountIn, out, 0n, s.f.bob.address);
    });

    it("reverts DexPairInsufficientOutputAmount for a swap of nothing", async function () {
      const s = await fundedPair();
      await expect(s.pair.swap(0, 0, s.f.bob.address, "0x")).to.be.revertedWithCustomError(s.pair, "DexPairInsufficientOutputAmount");
    });

    it("reverts DexPairInsufficientLiquidity for an output of a whole reserve", async function () {
      const s = await fundedPair();
      const [r0, r1] = await s.pair.getReserves();
      await expect(s.pair.swap(r0, 0, s.f.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.pair, "DexPairInsufficientLiquidity")
        .withArgs(r0, 0n, r0, r1);
    });

    it("reverts DexPairInvalidTo when the output goes to one of the pair's tokens", async function () {
      const s = await fundedPair();
      const t0 = await s.t0.getAddress();
      await expect(s.pair.swap(1, 0, t0, "0x")).to.be.revertedWithCustomError(s.pair, "DexPairInvalidTo").withArgs(t0);
    });

    it("reverts DexPairInsufficientInputAmount when nothing was paid in", async function () {
      const s = await fundedPair();
      await expect(s.pair.swap(ETHER, 0, s.f.bob.address, "0x")).to.be.revertedWithCustomError(s.pair, "DexPairInsufficientInputAmount");
    });

    it("flash swap: calls dexCall on the receiver, which must repay amountOut * 10000 / 9970 (rounded up)", async function () {
      const s = await fundedPair();
      const callee = (await ethers.deployContract("DexCalleeMock")) as unknown as DexCalleeMock;
      const calleeAddress = await callee.getAddress();
      await (await s.t0.connect(s.f.alice).transfer(calleeAddress, 100n * ETHER)).wait();
      const borrow = 10n * ETHER;
      const repay = (borrow * 10_000n + 9_969n) / 9_970n; // ceil
      const [r0, r1] = await s.pair.getReserves();

      await (await callee.setRepay(await s.t0.getAddress(), repay - 1n)).wait();
      await expect(s.pair.connect(s.f.bob).swap(borrow, 0, calleeAddress, "0x1234")).to.be.revertedWithCustomError(s.pair, "DexPairKInvariant");

      await (await callee.setRepay(await s.t0.getAddress(), repay)).wait();
      await expect(s.pair.connect(s.f.bob).swap(borrow, 0, calleeAddress, "0x1234"))
        .to.emit(s.pair, "Swap").withArgs(s.f.bob.address, repay, 0n, borrow, 0n, calleeAddress);
      expect(await callee.lastSender()).to.equal(s.f.bob.address);
      expect(await callee.lastAmount0()).to.equal(borrow);
      expect(await callee.lastData()).to.equal("0x1234");
      const [n0, n1] = await s.pair.getReserves();
      expect([n0, n1]).to.deep.equal([r0 - borrow + repay, r1]);
    });
  });

  describe("skim, sync and overflow", function () {
    it("skim sends the excess over the reserves; sync adopts the balances as reserves", async function () {
      const s = await fundedPair();
      const { alice, bob } = s.f;
      const [r0, r1] = await s.pair.getReserves();
      await (await s.t0.connect(alice).transfer(s.pairAddress, 5n * ETHER)).wait();
      const before = await s.t0.balanceOf(bob.address);
      await (await s.pair.skim(bob.address)).wait();
      expect((await s.t0.balanceOf(bob.address)) - before).to.equal(5n * ETHER);
      expect((await s.pair.getReserves()).slice(0, 2)).to.deep.equal([r0, r1]);

      await (await s.t1.connect(alice).transfer(s.pairAddress, 3n * ETHER)).wait();
      await expect(s.pair.sync()).to.emit(s.pair, "Sync").withArgs(r0, r1 + 3n * ETHER);
    });

    it("reverts DexPairOverflow when a balance exceeds 112 bits", async function () {
      const s = await fundedPair();
      const big = (1n << 112n);
      await (await s.t0.mint(s.pairAddress, big)).wait();
      const [r0, r1] = await s.pair.getReserves();
      await expect(s.pair.sync()).to.be.revertedWithCustomError(s.pair, "DexPairOverflow").withArgs(r0 + big, r1);
    });
  });

  describe("TWAP accumulators", function () {
    it("add the UQ112x112 price × seconds elapsed on the first update of a block, as Uniswap V2", async function () {
      const s = await emptyPair();
      await (await s.t0.connect(s.f.alice).transfer(s.pairAddress, 1_000n * ETHER)).wait();
      await (await s.t1.connect(s.f.alice).transfer(s.pairAddress, 4_000n * ETHER)).wait();
      const start = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(start);
      await (await s.pair.mint(s.f.alice.address)).wait(); // reserves were zero: nothing accumulated
      expect(await s.pair.price0CumulativeLast()).to.equal(0n);
      const [r0, r1, t0] = await s.pair.getReserves();
      expect(t0).to.equal(BigInt(start));

      // empty blocks change nothing; the next update adds the old price times the elapsed seconds
      await mine(5, { interval: 3 });
      expect(await s.pair.price0CumulativeLast()).to.equal(0n);
      const amountIn = 50n * ETHER;
      const out = amountOutFormula(amountIn, r0, r1);
      await (await s.t0.connect(s.f.alice).transfer(s.pairAddress, amountIn)).wait();
      const swapAt = start + 40;
      await time.setNextBlockTimestamp(swapAt);
      await (await s.pair.swap(0, out, s.f.bob.address, "0x")).wait();
      const elapsed1 = BigInt(swapAt - start);
      const c0 = ((r1 * Q112) / r0) * elapsed1;
      const c1 = ((r0 * Q112) / r1) * elapsed1;
      expect(await s.pair.price0CumulativeLast()).to.equal(c0);
      expect(await s.pair.price1CumulativeLast()).to.equal(c1);

      // two updates in one block: only the first accumulates
      const [n0, n1] = await s.pair.getReserves();
      const nextAt = swapAt + 25;
      await hre.network.provider.send("evm_setAutomine", [false]);
      try {
        await s.pair.sync();
        await s.pair.sync();
        await time.setNextBlockTimestamp(nextAt);
        await mine(1);
      } finally {
        await hre.network.provider.send("evm_setAutomine", [true]);
      }
      const elapsed2 = BigInt(nextAt - swapAt);
      const d0 = ((n1 * Q112) / n0) * elapsed2;
      expect(await s.pair.price0CumulativeLast()).to.equal(c0 + d0);
      expect(await s.pair.price1CumulativeLast()).to.equal(c1 + ((n0 * Q112) / n1) * elapsed2);

      // an oracle's TWAP of token0 in token1 over the second interval is the price then in force
      const twap = d0 / elapsed2;
      expect(twap).to.equal((n1 * Q112) / n0);
      expect((await s.pair.getReserves())[2]).to.equal(BigInt(nextAt));
    });
  });

  describe("protocol fee", function () {
    it("with feeTo set by governance, mints 1/6 of the growth of sqrt(k) to it on the next liquidity event", async function () {
      const s = await emptyPair();
      const f = s.f;
      const feeTo = f.outsider.address;
      await passProposal(f.sys, [await f.factory.getAddress()], [0], [f.factory.interface.encodeFunctionData("setFeeTo", [feeTo])], "DEX: protocol fee on");
      expect(await f.factory.feeTo()).to.equal(feeTo);

      await (await deposit(s, 1_000n * ETHER, 4_000n * ETHER)).wait();
      const [k0, k1] = await s.pair.getReserves();
      expect(await s.pair.kLast()).to.equal(k0 * k1);

      for (let i = 0; i < 3; i++) {
        const [r0, r1] = await s.pair.getReserves();
        const amountIn = 100n * ETHER;
        await (await s.t0.connect(f.alice).transfer(s.pairAddress, amountIn)).wait();
        await (await s.pair.swap(0, amountOutFormula(amountIn, r0, r1), f.alice.address, "0x")).wait();
      }
      const [r0, r1] = await s.pair.getReserves();
      const rootK = sqrt(r0 * r1);
      const rootKLast = sqrt(k0 * k1);
      const expected = ((await s.pair.totalSupply()) * (rootK - rootKLast)) / (rootK * 5n + rootKLast);
      expect(expected > 0n).to.equal(true);

      const lp = (await s.pair.balanceOf(f.alice.address)) / 10n;
      await (await s.pair.connect(f.alice).transfer(s.pairAddress, lp)).wait();
      await expect(s.pair.burn(f.alice.address)).to.emit(s.pair, "Transfer").withArgs(ethers.ZeroAddress, feeTo, expected);
      expect(await s.pair.balanceOf(feeTo)).to.equal(expected);
      const [a0, a1] = await s.pair.getReserves();
      expect(await s.pair.kLast()).to.equal(a0 * a1);

      // off again: the next liquidity event clears kLast and mints nothing
      const timelock = await impersonate(await f.sys.timelock.getAddress());
      await expect(f.factory.connect(timelock).setFeeTo(ethers.ZeroAddress)).to.emit(f.factory, "FeeToChanged").withArgs(feeTo, ethers.ZeroAddress);
      await (await deposit(s, ETHER, 4n * ETHER)).wait();
      expect(await s.pair.kLast()).to.equal(0n);
      expect(await s.pair.balanceOf(feeTo)).to.equal(expected);
    });
  });

  describe("swap fee set by governance", function () {
    it("a pair adopts a new fee on updateSwapFee (or its next mint/burn) and prices swaps with it", async function () {
      const s = await fundedPair();
      const f = s.f;
      await passProposal(f.sys, [await f.factory.getAddress()], [0], [f.factory.interface.encodeFunctionData("setSwapFee", [10])], "DEX: swap fee 0.1 %");
      expect(await f.factory.swapFeeBps()).to.equal(10n);
      expect(await s.pair.swapFeeBps()).to.equal(30n);
      await expect(s.pair.updateSwapFee()).to.emit(s.pair, "SwapFeeUpdated").withArgs(30n, 10n);
      await expect(s.pair.updateSwapFee()).not.to.emit(s.pair, "SwapFeeUpdated");

      const [r0, r1] = await s.pair.getReserves();
      const amountIn = 20n * ETHER;
      const out = amountOutFormula(amountIn, r0, r1, 10n);
      expect(out).to.be.greaterThan(amountOutFormula(amountIn, r0, r1, 30n));
      expect((await f.router.getAmountsOut(amountIn, [await s.t0.getAddress(), await s.t1.getAddress()]))[1]).to.equal(out);
      await (await s.t0.connect(f.alice).transfer(s.pairAddress, amountIn)).wait();
      await expect(s.pair.swap(0, out + 1n, f.bob.address, "0x")).to.be.revertedWithCustomError(s.pair, "DexPairKInvariant");
      await expect(s.pair.swap(0, out, f.bob.address, "0x")).to.emit(s.pair, "Swap");

      // another pair picks the fee up on its first mint
      const c = await f.tokenC.getAddress();
      const other = await (async () => {
        await (await f.router.connect(f.alice).addLiquidity(await f.tokenA.getAddress(), c, ETHER * 10n, ETHER * 10n, 0, 0, f.alice.address, await deadline())).wait();
        return pairOf(f, await f.tokenA.getAddress(), c);
      })();
      expect(await other.swapFeeBps()).to.equal(10n);
    });
  });

  describe("reentrancy", function () {
    async function reentrantSetup() {
      const f = await loadFixture(dexFixture);
      // the malicious token names its owner (alice), so alice must be the one requesting its listing
      const evil = (await ethers.deployContract("DexReentrantToken", [1_000_000n * ETHER], f.alice)) as unknown as DexReentrantToken;
      const evilAddress = await evil.getAddress();
      await list(f, evilAddress, f.alice);
      await (await evil.connect(f.alice).approve(f.routerAddress, MAX)).wait();
      const a = await f.tokenA.getAddress();
      await (await f.router.connect(f.alice).addLiquidity(evilAddress, a, 1_000n * ETHER, 1_000n * ETHER, 0, 0, f.alice.address, await deadline())).wait();
      const pair = await pairOf(f, evilAddress, a);
      return { f, evil, evilAddress, a, pair, pairAddress: await pair.getAddress() };
    }

    const beef = "0x000000000000000000000000000000000000bEEF";
    const reentries: [string, unknown[]][] = [
      ["swap", [1n, 0n, beef, "0x"]],
      ["sync", []],
      ["skim", [beef]],
      ["mint", [beef]],
      ["burn", [beef]],
      ["updateSwapFee", []],
    ];
    for (const [fn, args] of reentries) {
      it(`a token re-entering ${fn} during a swap's transfer hits DexPairLocked`, async function () {
        const { f, evil, evilAddress, a, pair, pairAddress } = await reentrantSetup();
        await (await evil.arm(pairAddress, (pair.interface as unknown as Interface).encodeFunctionData(fn, args))).wait();
        await expect(
          f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, evilAddress], f.alice.address, await deadline()),
        ).to.be.revertedWithCustomError(pair, "DexPairLocked");
        expect(await evil.armed()).to.equal(true); // the whole swap was rolled back
      });
    }

    it("the same call outside a swap is not blocked (the lock is released after each call)", async function () {
      const { f, evilAddress, a } = await reentrantSetup();
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, evilAddress], f.alice.address, await deadline())).not.to.be.reverted;
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [evilAddress, a], f.alice.address, await deadline())).not.to.be.reverted;
    });
  });
});
