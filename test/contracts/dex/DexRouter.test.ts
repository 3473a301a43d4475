import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import {
  addLiquidity,
  amountInFormula,
  amountOutFormula,
  deadline,
  dexFixture,
  MAX,
  pairOf,
  reservesFor,
  signPermit,
  sqrt,
} from "./dex.fixture";
import type { DexPair } from "../../../typechain-types";

const MINIMUM_LIQUIDITY = 1000n;
const LP_NAME = "Luniverse DEX LP";

/** A/B (1,000 : 2,000) and B/C (2,000 : 1,000) pools by alice. */
async function pools() {
  const f = await loadFixture(dexFixture);
  const ab = await addLiquidity(f, f.alice, f.tokenA, f.tokenB, 1_000n * ETHER, 2_000n * ETHER);
  const bc = await addLiquidity(f, f.alice, f.tokenB, f.tokenC, 2_000n * ETHER, 1_000n * ETHER);
  const [a, b, c] = [await f.tokenA.getAddress(), await f.tokenB.getAddress(), await f.tokenC.getAddress()];
  return { f, ab, bc, a, b, c };
}

/** A token/native pool (1,000 A : 10 native) by alice. */
async function nativePool() {
  const f = await loadFixture(dexFixture);
  const a = await f.tokenA.getAddress();
  await (await f.router.connect(f.alice).addLiquidityETH(a, 1_000n * ETHER, 0, 0, f.alice.address, await deadline(), { value: 10n * ETHER })).wait();
  const pair = await pairOf(f, a, f.wethAddress);
  return { f, a, pair };
}

/** Fee-on-transfer token pools: FOT/A (1,000 : 1,000 sent) and FOT/native (1,000 sent : 10), by alice. */
async function fotPools() {
  const f = await loadFixture(dexFixture);
  const [fot, a] = [await f.fot.getAddress(), await f.tokenA.getAddress()];
  await (await f.router.connect(f.alice).addLiquidity(fot, a, 1_000n * ETHER, 1_000n * ETHER, 0, 0, f.alice.address, await deadline())).wait();
  await (await f.router.connect(f.alice).addLiquidityETH(fot, 1_000n * ETHER, 0, 0, f.alice.address, await deadline(), { value: 10n * ETHER })).wait();
  return { f, fot, a, fotA: await pairOf(f, fot, a), fotNative: await pairOf(f, fot, f.wethAddress) };
}

describe("DexRouter", function () {
  describe("construction and plumbing", function () {
    it("records the factory, the wrapped native coin and the factory's pair init-code hash", async function () {
      const f = await loadFixture(dexFixture);
      expect(await f.router.FACTORY()).to.equal(await f.factory.getAddress());
      expect(await f.router.WETH()).to.equal(f.wethAddress);
      expect(await f.router.PAIR_INIT_CODE_HASH()).to.equal(await f.factory.pairInitCodeHash());
    });

    it("reverts DexRouterZeroAddress for a zero factory or wrapped native coin", async function () {
      const f = await loadFixture(dexFixture);
      const Router = await ethers.getContractFactory("DexRouter");
      await expect(Router.deploy(ethers.ZeroAddress, f.wethAddress)).to.be.revertedWithCustomError(Router, "DexRouterZeroAddress").withArgs("factory");
      await expect(Router.deploy(await f.factory.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(Router, "DexRouterZeroAddress").withArgs("wrappedNative");
    });

    it("reverts DexRouterNotWrappedNative for native coin sent by anyone but the wrapped-native contract", async function () {
      const f = await loadFixture(dexFixture);
      await expect(f.alice.sendTransaction({ to: f.routerAddress, value: 1n }))
        .to.be.revertedWithCustomError(f.router, "DexRouterNotWrappedNative")
        .withArgs(f.alice.address);
    });
  });

  describe("pricing views", function () {
    it("getAmountOut and getAmountIn follow the constant-product formula with the fee, in exact integers", async function () {
      const f = await loadFixture(dexFixture);
      for (const [x, rIn, rOut, fee] of [
        [ETHER, 1_000n * ETHER, 2_000n * ETHER, 30n],
        [123_456_789n, 10n ** 21n, 7n * 10n ** 20n, 30n],
        [5n * ETHER, 1_000n * ETHER, 1_000n * ETHER, 0n],
        [5n * ETHER, 1_000n * ETHER, 1_000n * ETHER, 100n],
      ] as const) {
        expect(await f.router.getAmountOut(x, rIn, rOut, fee)).to.equal(amountOutFormula(x, rIn, rOut, fee));
        expect(await f.router.getAmountIn(x, rIn, rOut, fee)).to.equal(amountInFormula(x, rIn, rOut, fee));
      }
      expect(await f.router.quote(3n, 10n, 25n)).to.equal(7n);
    });

    it("reverts DexRouterZeroAmount and DexRouterInsufficientLiquidity for unpriceable inputs", async function () {
      const f = await loadFixture(dexFixture);
      const r = f.router;
      await expect(r.getAmountOut(0, 1, 1, 30)).to.be.revertedWithCustomError(r, "DexRouterZeroAmount");
      await expect(r.getAmountIn(0, 1, 1, 30)).to.be.revertedWithCustomError(r, "DexRouterZeroAmount");
      await expect(r.quote(0, 1, 1)).to.be.revertedWithCustomError(r, "DexRouterZeroAmount");
      await expect(r.getAmountOut(1, 0, 5, 30)).to.be.revertedWithCustomError(r, "DexRouterInsufficientLiquidity").withArgs(0n, 5n);
      await expect(r.getAmountIn(5, 7, 5, 30)).to.be.revertedWithCustomError(r, "DexRouterInsufficientLiquidity").withArgs(7n, 5n);
      await expect(r.quote(1, 3, 0)).to.be.revertedWithCustomError(r, "DexRouterInsufficientLiquidity").withArgs(3n, 0n);
    });

    it("path errors: DexRouterInvalidPath, DexRouterIdenticalTokens, DexRouterZeroAddress, DexRouterPairNotFound", async function () {
      const { f, a, b, c } = await pools();
      const r = f.router;
      await expect(r.getAmountsOut(ETHER, [a])).to.be.revertedWithCustomError(r, "DexRouterInvalidPath").withArgs(1n);
      await expect(r.getAmountsIn(ETHER, [])).to.be.revertedWithCustomError(r, "DexRouterInvalidPath").withArgs(0n);
      await expect(r.getAmountsOut(ETHER, [a, a])).to.be.revertedWithCustomError(r, "DexRouterIdenticalTokens").withArgs(a);
      await expect(r.getAmountsOut(ETHER, [ethers.ZeroAddress, a])).to.be.revertedWithCustomError(r, "DexRouterZeroAddress").withArgs("token");
      await expect(r.getAmountsOut(ETHER, [a, c])).to.be.revertedWithCustomError(r, "DexRouterPairNotFound").withArgs(a, c);
      await expect(r.getAmountsIn(ETHER, [a, b, c, a])).to.be.revertedWithCustomError(r, "DexRouterPairNotFound").withArgs(c, a);
      await expect(r.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a], f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(r, "DexRouterInvalidPath")
        .withArgs(1n);
      await expect(r.connect(f.alice).swapExactTokensForTokensSupportingFeeOnTransferTokens(ETHER, 0, [a], f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(r, "DexRouterInvalidPath")
        .withArgs(1n);
    });
  });

  describe("liquidity", function () {
    it("addLiquidity creates a missing pair and mints sqrt(a * b) - 1000 for the first deposit", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      const [x, y] = [1_000n * ETHER, 2_000n * ETHER];
      const tx = f.router.connect(f.alice).addLiquidity(a, b, x, y, x, y, f.bob.address, await deadline());
      await expect(tx).to.emit(f.factory, "PairCreated");
      await expect(tx).to.changeTokenBalances(f.tokenA, [f.alice], [-x]);
      const pair = await pairOf(f, a, b);
      expect(await pair.balanceOf(f.bob.address)).to.equal(sqrt(x * y) - MINIMUM_LIQUIDITY);
      expect(await reservesFor(pair, a)).to.deep.equal([x, y]);
    });

    it("later deposits take the most of the desired amounts that fits the pool's ratio", async function () {
      const { f, a, b, ab } = await pools();
      // B in excess: takes 100 A and 200 B
      await expect(f.router.connect(f.bob).addLiquidity(a, b, 100n * ETHER, 500n * ETHER, 0, 0, f.bob.address, await deadline()))
        .to.changeTokenBalances(f.tokenB, [f.bob, ab], [-200n * ETHER, 200n * ETHER]);
      // A in excess: takes 50 A and 100 B
      await expect(f.router.connect(f.bob).addLiquidity(a, b, 100n * ETHER, 100n * ETHER, 0, 0, f.bob.address, await deadline()))
        .to.changeTokenBalances(f.tokenA, [f.bob, ab], [-50n * ETHER, 50n * ETHER]);
    });

    it("reverts DexRouterInsufficientBAmount / DexRouterInsufficientAAmount when the ratio takes less than the minimum", async function () {
      const { f, a, b } = await pools();
      await expect(f.router.connect(f.bob).addLiquidity(a, b, 100n * ETHER, 500n * ETHER, 0, 300n * ETHER, f.bob.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientBAmount")
        .withArgs(200n * ETHER, 300n * ETHER);
      await expect(f.router.connect(f.bob).addLiquidity(a, b, 100n * ETHER, 100n * ETHER, 60n * ETHER, 0, f.bob.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientAAmount")
        .withArgs(50n * ETHER, 60n * ETHER);
    });

    it("removeLiquidity returns the LP share of both reserves, and enforces the minimums", async function () {
      const { f, a, b, ab } = await pools();
      const lp = (await ab.balanceOf(f.alice.address)) / 4n;
      const supply = await ab.totalSupply();
      const [ra, rb] = await reservesFor(ab, a);
      const [ea, eb] = [(lp * ra) / supply, (lp * rb) / supply];
      await (await ab.connect(f.alice).approve(f.routerAddress, MAX)).wait();
      await expect(f.router.connect(f.alice).removeLiquidity(a, b, lp, ea + 1n, 0, f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientAAmount")
        .withArgs(ea, ea + 1n);
      await expect(f.router.connect(f.alice).removeLiquidity(a, b, lp, 0, eb + 1n, f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientBAmount")
        .withArgs(eb, eb + 1n);
      const tx = f.router.connect(f.alice).removeLiquidity(b, a, lp, eb, ea, f.bob.address, await deadline());
      await expect(tx).to.changeTokenBalances(f.tokenA, [f.bob], [ea]);
      await expect(tx).to.changeTokenBalances(f.tokenB, [f.bob], [eb]);
    });

    it("reverts DexRouterPairNotFound when removing from a pair that does not exist", async function () {
      const { f, a, c } = await pools();
      await expect(f.router.connect(f.alice).removeLiquidity(a, c, 1, 0, 0, f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterPairNotFound")
        .withArgs(a, c);
    });
  });

  describe("permit", function () {
    it("addLiquidityWithPermit: deposits for an account that approved nothing, with EIP-2612 signatures", async function () {
      const f = await loadFixture(dexFixture);
      const { carol } = f;
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      const d = await deadline();
      const permitA = await signPermit(carol, f.tokenA, "Token A", f.routerAddress, 100n * ETHER, d);
      const permitB = await signPermit(carol, f.tokenB, "Token B", f.routerAddress, 300n * ETHER, d);
      const params = { tokenA: a, tokenB: b, amountADesired: 100n * ETHER, amountBDesired: 300n * ETHER, amountAMin: 0, amountBMin: 0, to: carol.address, deadline: d };
      await expect(f.router.connect(carol).addLiquidityWithPermit(params, permitA, permitB)).to.changeTokenBalances(f.tokenA, [carol], [-100n * ETHER]);
      const pair = await pairOf(f, a, b);
      expect(await pair.balanceOf(carol.address)).to.equal(sqrt(100n * ETHER * 300n * ETHER) - MINIMUM_LIQUIDITY);
    });

    it("a permit already submitted by a front-runner is ignored when its allowance is there", async function () {
      const f = await loadFixture(dexFixture);
      const { carol } = f;
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      const d = await deadline();
      const permitA = await signPermit(carol, f.tokenA, "Token A", f.routerAddress, 100n * ETHER, d);
      const permitB = await signPermit(carol, f.tokenB, "Token B", f.routerAddress, 100n * ETHER, d);
      await (await f.tokenA.connect(f.outsider).permit(carol.address, f.routerAddress, permitA.value, d, permitA.v, permitA.r, permitA.s)).wait();
      const params = { tokenA: a, tokenB: b, amountADesired: 100n * ETHER, amountBDesired: 100n * ETHER, amountAMin: 0, amountBMin: 0, to: carol.address, deadline: d };
      await expect(f.router.connect(carol).addLiquidityWithPermit(params, permitA, permitB)).to.emit(f.factory, "PairCreated");
    });

    it("reverts DexRouterPermitFailed for a bad permit without allowance; a skipped permit (deadline 0) needs an approval", async function () {
      const f = await loadFixture(dexFixture);
      const { carol } = f;
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      const d = await deadline();
      const forged = await signPermit(f.bob, f.tokenA, "Token A", f.routerAddress, 100n * ETHER, d); // bob signs for carol
      const permitB = await signPermit(carol, f.tokenB, "Token B", f.routerAddress, 100n * ETHER, d);
      const params = { tokenA: a, tokenB: b, amountADesired: 100n * ETHER, amountBDesired: 100n * ETHER, amountAMin: 0, amountBMin: 0, to: carol.address, deadline: d };
      await expect(f.router.connect(carol).addLiquidityWithPermit(params, forged, permitB))
        .to.be.revertedWithCustomError(f.router, "DexRouterPermitFailed")
        .withArgs(a, carol.address);
      const none = { value: 0, deadline: 0, v: 0, r: ethers.ZeroHash, s: ethers.ZeroHash };
      await expect(f.router.connect(carol).addLiquidityWithPermit(params, none, permitB)).to.be.revertedWithCustomError(f.tokenA, "ERC20InsufficientAllowance");
    });

    it("removeLiquidityWithPermit: removes with an LP-token permit (exact value or approveMax)", async function () {
      const { f, a, b, ab } = await pools();
      const { carol } = f;
      await (await ab.connect(f.alice).transfer(carol.address, 100n * ETHER)).wait();
      const d = await deadline();
      const p1 = await signPermit(carol, ab, LP_NAME, f.routerAddress, 40n * ETHER, d);
      await expect(f.router.connect(carol).removeLiquidityWithPermit(a, b, 40n * ETHER, 0, 0, carol.address, d, false, p1.v, p1.r, p1.s))
        .to.emit(ab, "Burn");
      expect(await ab.balanceOf(carol.address)).to.equal(60n * ETHER);
      const p2 = await signPermit(carol, ab, LP_NAME, f.routerAddress, MAX, d);
      await (await f.router.connect(carol).removeLiquidityWithPermit(a, b, 10n * ETHER, 0, 0, carol.address, d, true, p2.v, p2.r, p2.s)).wait();
      expect(await ab.allowance(carol.address, f.routerAddress)).to.equal(MAX);
      expect(await ab.balanceOf(carol.address)).to.equal(50n * ETHER);
    });
  });

  describe("swaps", function () {
    it("swapExactTokensForTokens, one hop: pays exactly the formula's output", async function () {
      const { f, a, b, ab } = await pools();
      const [ra, rb] = await reservesFor(ab, a);
      const amountIn = 10n * ETHER;
      const out = amountOutFormula(amountIn, ra, rb);
      const amounts = await f.router.connect(f.alice).swapExactTokensForTokens.staticCall(amountIn, out, [a, b], f.bob.address, await deadline());
      expect(amounts).to.deep.equal([amountIn, out]);
      const tx = f.router.connect(f.alice).swapExactTokensForTokens(amountIn, out, [a, b], f.bob.address, await deadline());
      await expect(tx).to.changeTokenBalances(f.tokenB, [f.bob, ab], [out, -out]);
      await expect(tx).to.changeTokenBalances(f.tokenA, [f.alice, ab], [-amountIn, amountIn]);
    });

    it("swapExactTokensForTokens, two hops: each hop is priced on the previous hop's output", async function () {
      const { f, a, b, c, ab, bc } = await pools();
      const [ra, rb] = await reservesFor(ab, a);
      const [rb2, rc] = await reservesFor(bc, b);
      const amountIn = 25n * ETHER;
      const mid = amountOutFormula(amountIn, ra, rb);
      const out = amountOutFormula(mid, rb2, rc);
      expect(await f.router.getAmountsOut(amountIn, [a, b, c])).to.deep.equal([amountIn, mid, out]);
      const tx = f.router.connect(f.alice).swapExactTokensForTokens(amountIn, out, [a, b, c], f.bob.address, await deadline());
      await expect(tx).to.changeTokenBalances(f.tokenC, [f.bob], [out]);
      await expect(tx).to.changeTokenBalances(f.tokenB, [ab, bc], [-mid, mid]);
      await expect(tx).to.emit(ab, "Swap").and.to.emit(bc, "Swap").withArgs(f.routerAddress, ...(b.toLowerCase() < c.toLowerCase() ? [mid, 0n, 0n, out] : [0n, mid, out, 0n]), f.bob.address);
    });

    it("swapTokensForExactTokens, one and two hops: charges exactly the formula's input", async function () {
      const { f, a, b, c, ab, bc } = await pools();
      const [ra, rb] = await reservesFor(ab, a);
      const want = 10n * ETHER;
      const inOne = amountInFormula(want, ra, rb);
      await expect(f.router.connect(f.alice).swapTokensForExactTokens(want, inOne, [a, b], f.bob.address, await deadline()))
        .to.changeTokenBalances(f.tokenA, [f.alice], [-inOne]);
      expect(await f.tokenB.balanceOf(f.bob.address)).to.equal(1_000_000n * ETHER + want);

      const [ra2, rb2] = await reservesFor(ab, a);
      const [rb3, rc] = await reservesFor(bc, b);
      const midNeeded = amountInFormula(want, rb3, rc);
      const inTwo = amountInFormula(midNeeded, ra2, rb2);
      expect(await f.router.getAmountsIn(want, [a, b, c])).to.deep.equal([inTwo, midNeeded, want]);
      await expect(f.router.connect(f.alice).swapTokensForExactTokens(want, inTwo, [a, b, c], f.bob.address, await deadline()))
        .to.changeTokenBalances(f.tokenC, [f.bob], [want]);
    });

    it("reverts DexRouterInsufficientOutputAmount / DexRouterExcessiveInputAmount past the slippage bound", async function () {
      const { f, a, b, ab } = await pools();
      const [ra, rb] = await reservesFor(ab, a);
      const out = amountOutFormula(10n * ETHER, ra, rb);
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(10n * ETHER, out + 1n, [a, b], f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientOutputAmount")
        .withArgs(out, out + 1n);
      const need = amountInFormula(10n * ETHER, ra, rb);
      await expect(f.router.connect(f.alice).swapTokensForExactTokens(10n * ETHER, need - 1n, [a, b], f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterExcessiveInputAmount")
        .withArgs(need, need - 1n);
    });

    it("reverts DexRouterExpired after the deadline, for swaps and liquidity alike", async function () {
      const { f, a, b } = await pools();
      const d = BigInt(await time.latest()) + 100n;
      await time.setNextBlockTimestamp(d + 1n);
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, b], f.alice.address, d))
        .to.be.revertedWithCustomError(f.router, "DexRouterExpired")
        .withArgs(d, d + 1n);
      const later = BigInt(await time.latest()) + 5n;
      await time.setNextBlockTimestamp(later);
      await expect(f.router.connect(f.alice).addLiquidity(a, b, ETHER, ETHER, 0, 0, f.alice.address, d))
        .to.be.revertedWithCustomError(f.router, "DexRouterExpired")
        .withArgs(d, later);
      // at the deadline itself the transaction is still valid
      const exact = BigInt(await time.latest()) + 10n;
      await time.setNextBlockTimestamp(exact);
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, b], f.alice.address, exact)).not.to.be.reverted;
    });
  });

  describe("native coin", function () {
    it("addLiquidityETH wraps the native side and refunds what the ratio does not take", async function () {
      const { f, a, pair } = await nativePool();
      // pool 1,000 A : 10 native; 100 A fits 1 native; 5 sent, 4 refunded
      const tx = f.router.connect(f.bob).addLiquidityETH(a, 100n * ETHER, 0, 0, f.bob.address, await deadline(), { value: 5n * ETHER });
      await expect(tx).to.changeEtherBalances([f.bob], [-1n * ETHER]);
      await expect(tx).to.changeTokenBalances(f.wrappedNative, [pair], [ETHER]);
      await expect(f.router.connect(f.bob).addLiquidityETH(a, 100n * ETHER, 0, 2n * ETHER, f.bob.address, await deadline(), { value: 5n * ETHER }))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientBAmount")
        .withArgs(ETHER, 2n * ETHER);
    });

    it("removeLiquidityETH pays the native side as native coin", async function () {
      const { f, a, pair } = await nativePool();
      const lp = (await pair.balanceOf(f.alice.address)) / 2n;
      const supply = await pair.totalSupply();
      const [ra, rn] = await reservesFor(pair, a);
      await (await pair.connect(f.alice).approve(f.routerAddress, MAX)).wait();
      const tx = f.router.connect(f.alice).removeLiquidityETH(a, lp, 0, 0, f.bob.address, await deadline());
      await expect(tx).to.changeEtherBalances([f.bob], [(lp * rn) / supply]);
      await expect(tx).to.changeTokenBalances(f.tokenA, [f.bob], [(lp * ra) / supply]);
    });

    it("removeLiquidityETHWithPermit and addLiquidityETHWithPermit work without prior approvals", async function () {
      const { f, a, pair } = await nativePool();
      const { carol } = f;
      const d = await deadline();
      const permit = await signPermit(carol, f.tokenA, "Token A", f.routerAddress, 100n * ETHER, d);
      await (await f.router.connect(carol).addLiquidityETHWithPermit(a, 100n * ETHER, 0, 0, carol.address, d, permit, { value: ETHER })).wait();
      const lp = await pair.balanceOf(carol.address);
      expect(lp > 0n).to.equal(true);
      const lpPermit = await signPermit(carol, pair, LP_NAME, f.routerAddress, lp, d);
      await expect(f.router.connect(carol).removeLiquidityETHWithPermit(a, lp, 0, 0, carol.address, d, false, lpPermit.v, lpPermit.r, lpPermit.s)).to.emit(pair, "Burn");
      expect(await pair.balanceOf(carol.address)).to.equal(0n);
    });

    it("swapExactETHForTokens and swapExactTokensForETH price with the formula", async function () {
      const { f, a, pair } = await nativePool();
      const [ra, rn] = await reservesFor(pair, a);
      const out = amountOutFormula(ETHER, rn, ra);
      await expect(f.router.connect(f.bob).swapExactETHForTokens(out, [f.wethAddress, a], f.bob.address, await deadline(), { value: ETHER }))
        .to.changeTokenBalances(f.tokenA, [f.bob], [out]);
      const [ra2, rn2] = await reservesFor(pair, a);
      const outNative = amountOutFormula(50n * ETHER, ra2, rn2);
      await expect(f.router.connect(f.bob).swapExactTokensForETH(50n * ETHER, outNative, [a, f.wethAddress], f.carol.address, await deadline()))
        .to.changeEtherBalances([f.carol], [outNative]);
    });

    it("swapTokensForExactETH and swapETHForExactTokens charge the formula's input and refund the rest", async function () {
      const { f, a, pair } = await nativePool();
      const [ra, rn] = await reservesFor(pair, a);
      const need = amountInFormula(ETHER / 2n, ra, rn);
      const tx = f.router.connect(f.bob).swapTokensForExactETH(ETHER / 2n, need, [a, f.wethAddress], f.carol.address, await deadline());
      await expect(tx).to.changeEtherBalances([f.carol], [ETHER / 2n]);
      await expect(tx).to.changeTokenBalances(f.tokenA, [f.bob], [-need]);

      const [ra2, rn2] = await reservesFor(pair, a);
      const needNative = amountInFormula(10n * ETHER, rn2, ra2);
      const tx2 = f.router.connect(f.bob).swapETHForExactTokens(10n * ETHER, [f.wethAddress, a], f.bob.address, await deadline(), { value: ETHER });
      await expect(tx2).to.changeEtherBalances([f.bob], [-needNative]);
      await expect(f.router.connect(f.bob).swapETHForExactTokens(10n * ETHER, [f.wethAddress, a], f.bob.address, await deadline(), { value: 1000n }))
        .to.be.revertedWithCustomError(f.router, "DexRouterExcessiveInputAmount");
    });

    it("reverts DexRouterPathNotNative when a native-coin swap's path does not start or end with the wrapped coin", async function () {
      const { f, a, b } = await pools();
      const w = f.wethAddress;
      const d = await deadline();
      const r = f.router.connect(f.alice);
      await expect(r.swapExactETHForTokens(0, [a, b], f.alice.address, d, { value: 1n })).to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative").withArgs(a, w);
      await expect(r.swapETHForExactTokens(1, [a, b], f.alice.address, d, { value: 1n })).to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative").withArgs(a, w);
      await expect(r.swapExactTokensForETH(1, 0, [a, b], f.alice.address, d)).to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative").withArgs(b, w);
      await expect(r.swapTokensForExactETH(1, 1, [a, b], f.alice.address, d)).to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative").withArgs(b, w);
      await expect(r.swapExactETHForTokensSupportingFeeOnTransferTokens(0, [a, b], f.alice.address, d, { value: 1n }))
        .to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative")
        .withArgs(a, w);
      await expect(r.swapExactTokensForETHSupportingFeeOnTransferTokens(1, 0, [a, b], f.alice.address, d))
        .to.be.revertedWithCustomError(f.router, "DexRouterPathNotNative")
        .withArgs(b, w);
      await expect(r.swapExactETHForTokens(0, [w], f.alice.address, d, { value: 1n })).to.be.revertedWithCustomError(f.router, "DexRouterInvalidPath").withArgs(1n);
    });

    it("WrappedNative wraps and unwraps 1:1 (Deposit, Withdrawal) and refuses to unwrap more than held", async function () {
      const f = await loadFixture(dexFixture);
      const w = f.wrappedNative;
      await expect(f.bob.sendTransaction({ to: f.wethAddress, value: 3n })).to.emit(w, "Deposit").withArgs(f.bob.address, 3n);
      await expect(w.connect(f.bob).deposit({ value: 2n })).to.changeEtherBalances([f.bob, w], [-2n, 2n]);
      await expect(w.connect(f.bob).withdraw(4n)).to.emit(w, "Withdrawal").withArgs(f.bob.address, 4n);
      expect(await w.balanceOf(f.bob.address)).to.equal(1n);
      await expect(w.connect(f.bob).withdraw(2n)).to.be.revertedWithCustomError(w, "ERC20InsufficientBalance").withArgs(f.bob.address, 1n, 2n);
      expect([await w.name(), await w.symbol(), await w.decimals()]).to.deep.equal(["Wrapped Native Coin", "WNATIVE", 18n]);
    });
  });

  describe("fee-on-transfer tokens", function () {
    it("the normal variant fails with DexPairKInvariant (the pair received 1 % less); the supporting variant succeeds", async function () {
      const { f, fot, a, fotA } = await fotPools();
      const amountIn = 10n * ETHER;
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(amountIn, 0, [fot, a], f.bob.address, await deadline()))
        .to.be.revertedWithCustomError(fotA, "DexPairKInvariant");

      const [rIn, rOut] = await reservesFor(fotA, fot);
      const received = amountIn - amountIn / 100n;
      const out = amountOutFormula(received, rIn, rOut);
      await expect(f.router.connect(f.alice).swapExactTokensForTokensSupportingFeeOnTransferTokens(amountIn, out, [fot, a], f.bob.address, await deadline()))
        .to.changeTokenBalances(f.tokenA, [f.bob], [out]);
    });

    it("the minimum applies to what the recipient actually received (DexRouterInsufficientOutputAmount)", async function () {
      const { f, fot, a, fotA } = await fotPools();
      const [rIn, rOut] = await reservesFor(fotA, a);
      const sent = amountOutFormula(10n * ETHER, rIn, rOut);
      const received = sent - sent / 100n;
      await expect(f.router.connect(f.alice).swapExactTokensForTokensSupportingFeeOnTransferTokens(10n * ETHER, sent, [a, fot], f.bob.address, await deadline()))
        .to.be.revertedWithCustomError(f.router, "DexRouterInsufficientOutputAmount")
        .withArgs(received, sent);
      await expect(f.router.connect(f.alice).swapExactTokensForTokensSupportingFeeOnTransferTokens(10n * ETHER, received, [a, fot], f.bob.address, await deadline()))
        .to.changeTokenBalances(f.fot, [f.bob], [received]);
    });

    it("multi-hop through a fee-on-transfer token: native → FOT → A", async function () {
      const { f, fot, a, fotA, fotNative } = await fotPools();
      const [rn, rf] = await reservesFor(fotNative, f.wethAddress);
      const hop1 = amountOutFormula(ETHER, rn, rf);
      const arrived = hop1 - hop1 / 100n; // burned on the way from the first pair to the second
      const [rf2, ra] = await reservesFor(fotA, fot);
      const out = amountOutFormula(arrived, rf2, ra);
      await expect(
        f.router.connect(f.bob).swapExactETHForTokensSupportingFeeOnTransferTokens(out, [f.wethAddress, fot, a], f.bob.address, await deadline(), { value: ETHER }),
      ).to.changeTokenBalances(f.tokenA, [f.bob], [out]);
    });

    it("swapExactTokensForETHSupportingFeeOnTransferTokens succeeds where swapExactTokensForETH fails", async function () {
      const { f, fot, fotNative } = await fotPools();
      await expect(f.router.connect(f.alice).swapExactTokensForETH(10n * ETHER, 0, [fot, f.wethAddress], f.bob.address, await deadline()))
        .to.be.revertedWithCustomError(fotNative, "DexPairKInvariant");
      const [rf, rn] = await reservesFor(fotNative, fot);
      const out = amountOutFormula(10n * ETHER - 10n ** 17n, rf, rn);
      await expect(f.router.connect(f.alice).swapExactTokensForETHSupportingFeeOnTransferTokens(10n * ETHER, out, [fot, f.wethAddress], f.bob.address, await deadline()))
        .to.changeEtherBalances([f.bob], [out]);
    });

    it("removeLiquidityETHSupportingFeeOnTransferTokens (and its permit variant) succeed where removeLiquidityETH fails", async function () {
      const { f, fot, fotNative } = await fotPools();
      const lp = (await fotNative.balanceOf(f.alice.address)) / 4n;
      await (await fotNative.connect(f.alice).approve(f.routerAddress, MAX)).wait();
      await expect(f.router.connect(f.alice).removeLiquidityETH(fot, lp, 0, 0, f.alice.address, await deadline())).to.be.revertedWithCustomError(
        f.fot,
        "ERC20InsufficientBalance",
      );
      const supply = await fotNative.totalSupply();
      const [rf, rn] = await reservesFor(fotNative, fot);
      const fromPair = (lp * rf) / supply;
      const arrived = fromPair - fromPair / 100n; // pair → router
      const toBob = arrived - arrived / 100n; // router → bob
      const tx = f.router.connect(f.alice).removeLiquidityETHSupportingFeeOnTransferTokens(fot, lp, 0, 0, f.bob.address, await deadline());
      await expect(tx).to.changeTokenBalances(f.fot, [f.bob], [toBob]);
      await expect(tx).to.changeEtherBalances([f.bob], [(lp * rn) / supply]);

      await (await fotNative.connect(f.alice).transfer(f.carol.address, lp)).wait();
      const d = await deadline();
      const p = await signPermit(f.carol, fotNative as unknown as DexPair, LP_NAME, f.routerAddress, lp, d);
      await expect(f.router.connect(f.carol).removeLiquidityETHWithPermitSupportingFeeOnTransferTokens(fot, lp, 0, 0, f.carol.address, d, false, p.v, p.r, p.s))
        .to.emit(fotNative, "Burn");
    });
  });

  describe("delisting through the router", function () {
    it("no new native liquidity for a delisted token, but its holders remove liquidity and swap out", async function () {
      const { f, a, pair } = await nativePool();
      await (await f.listingRegistry.connect(f.reviewer).delist(a, "critical finding")).wait();
      await expect(f.router.connect(f.alice).addLiquidityETH(a, ETHER, 0, 0, f.alice.address, await deadline(), { value: ETHER / 100n }))
        .to.be.revertedWithCustomError(pair, "DexPairLiquidityClosed");
      await expect(f.router.connect(f.alice).swapExactTokensForETH(ETHER, 0, [a, f.wethAddress], f.alice.address, await deadline())).to.emit(pair, "Swap");
      const lp = await pair.balanceOf(f.alice.address);
      await (await pair.connect(f.alice).approve(f.routerAddress, lp)).wait();
      await expect(f.router.connect(f.alice).removeLiquidityETH(a, lp, 0, 0, f.alice.address, await deadline())).to.emit(pair, "Burn");
    });
  });
});
