import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import uniswapFactoryArtifact from "@uniswap/v2-core/build/UniswapV2Factory.json";
import uniswapPairArtifact from "@uniswap/v2-core/build/UniswapV2Pair.json";
import uniswapRouterArtifact from "@uniswap/v2-periphery/build/UniswapV2Router02.json";
import weth9Artifact from "@uniswap/v2-periphery/build/WETH9.json";
import { dexFixture, deadline, MAX } from "../contracts/dex/dex.fixture";
import { ETHER } from "../fixtures/system";

/**
 * The DEX's gas scenario (part of `npm run gas`): the same operations on our DEX and on Uniswap V2 — its
 * factory, Router02 and WETH9 deployed from the bytecode in @uniswap/v2-core and @uniswap/v2-periphery
 * (solc 0.5.16 / 0.6.6, as published) — with the same test tokens (DexTestToken) and the same order of
 * operations, so every measured transaction meets storage in the same state (non-zero balances, non-zero
 * price accumulators, protocol fee off). Figures are receipts' gasUsed.
 */

const UNISWAP_PAIR_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f";

type Row = { operation: string; ours: number; uniswapV2: number; difference: string };

describe("gas: DEX vs Uniswap V2", function () {
  const ours = new Map<string, number>();
  const uni = new Map<string, number>();

  async function measure(into: Map<string, number>, operation: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
    const receipt = await (await tx).wait();
    expect(receipt?.status, operation).to.equal(1);
    into.set(operation, Number(receipt!.gasUsed));
  }

  after(function () {
    const rows: Row[] = [...ours.keys()].map((operation) => {
      const o = ours.get(operation)!;
      const u = uni.get(operation)!;
      const pct = (((o - u) / u) * 100).toFixed(1);
      return { operation, ours: o, uniswapV2: u, difference: `${o - u >= 0 ? "+" : ""}${o - u} (${pct} %)` };
    });
    console.log("\n  DEX gas per operation (receipts; ours: solc 0.8.28, optimizer 200 runs; Uniswap V2: npm artifacts):");
    console.table(rows);
  });

  it("measures create pair, add/remove liquidity and swaps on both DEXes; a one-hop swap costs no more than Uniswap's", async function () {
    const f = await loadFixture(dexFixture);
    const { alice, tokenA, tokenB, tokenC } = f;
    const [a, b, c] = [await tokenA.getAddress(), await tokenB.getAddress(), await tokenC.getAddress()];

    // ---- Uniswap V2 from its published artifacts
    const deployer = f.deployer;
    const uniFactory = await new ethers.ContractFactory(uniswapFactoryArtifact.abi, uniswapFactoryArtifact.bytecode, deployer).deploy(deployer.address);
    const weth9 = await new ethers.ContractFactory(weth9Artifact.abi, weth9Artifact.bytecode, deployer).deploy();
    const uniRouter = await new ethers.ContractFactory(uniswapRouterArtifact.abi, uniswapRouterArtifact.bytecode, deployer).deploy(
      await uniFactory.getAddress(),
      await weth9.getAddress(),
    );
    expect(ethers.keccak256(uniswapPairArtifact.bytecode.startsWith("0x") ? uniswapPairArtifact.bytecode : `0x${uniswapPairArtifact.bytecode}`)).to.equal(
      UNISWAP_PAIR_INIT_CODE_HASH,
      "Router02's hard-coded init code hash matches the npm UniswapV2Pair bytecode",
    );
    type Dex = { factory: BaseContract; router: BaseContract; into: Map<string, number> };
    const dexes: Dex[] = [
      { factory: f.factory as unknown as BaseContract, router: f.router as unknown as BaseContract, into: ours },
      { factory: uniFactory, router: uniRouter, into: uni },
    ];
    for (const t of [tokenA, tokenB, tokenC]) await (await t.connect(alice).approve(await uniRouter.getAddress(), MAX)).wait();

    // One scenario, run on each DEX in turn. Calls go through the ABI by name, so both DEXes take the same path.
    for (const dex of dexes) {
      const factory = dex.factory.connect(alice) as unknown as Record<string, (...args: unknown[]) => Promise<ContractTransactionResponse>> & {
        getPair(x: string, y: string): Promise<string>;
      };
      const router = dex.router.connect(alice) as unknown as Record<string, (...args: unknown[]) => Promise<ContractTransactionResponse>>;
      const routerAddress = await dex.router.getAddress();
      const amount = 100_000n * ETHER;

      await measure(dex.into, "create pair", factory.createPair(a, b));
      await (await factory.createPair(b, c)).wait();
      await measure(dex.into, "add liquidity (first deposit)", router.addLiquidity(a, b, amount, amount, 0, 0, alice.address, await deadline()));
      await (await router.addLiquidity(b, c, amount, amount, 0, 0, alice.address, await deadline())).wait();
      await measure(dex.into, "add liquidity", router.addLiquidity(a, b, amount / 10n, amount, 0, 0, alice.address, await deadline()));
      // warm-up swap: both DEXes' pools and accumulators now in the same non-zero state
      await (await router.swapExactTokensForTokens(ETHER, 0, [a, b], alice.address, await deadline())).wait();
      await measure(dex.into, "swap one hop (exact in)", router.swapExactTokensForTokens(10n * ETHER, 0, [a, b], alice.address, await deadline()));
      await measure(dex.into, "swap one hop (exact out)", router.swapTokensForExactTokens(10n * ETHER, MAX, [b, a], alice.address, await deadline()));
      await measure(dex.into, "swap two hops (exact in)", router.swapExactTokensForTokens(10n * ETHER, 0, [a, b, c], alice.address, await deadline()));
      const pair = await ethers.getContractAt("DexTestToken", await factory.getPair(a, b), alice); // any ERC-20 ABI fits the LP token
      await (await pair.approve(routerAddress, MAX)).wait();
      await measure(dex.into, "remove liquidity", router.removeLiquidity(a, b, (await pair.balanceOf(alice.address)) / 2n, 0, 0, alice.address, await deadline()));
    }

    const oneHop = "swap one hop (exact in)";
    expect(ours.get(oneHop), `one-hop swap: ours ${ours.get(oneHop)} vs Uniswap V2 ${uni.get(oneHop)}`).to.be.at.most(uni.get(oneHop)!);
  });
});
