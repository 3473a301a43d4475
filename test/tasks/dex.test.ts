import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expectTaskError, runTask as run } from "../helpers/tasks";
import { deploymentsDir } from "../../tasks/lib/system";
import { manifestPath, readManifest, writeManifest } from "../../deploy/manifest";
import { deployDex } from "../../deploy/dex";
import { loadDex } from "../../tasks/dex";
import type { DexFeeOnTransferToken, DexTestToken } from "../../typechain-types";

const ETHER = 10n ** 18n;

describe("tasks: dex", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let tokenA: DexTestToken;
  let tokenB: DexTestToken;
  let a: string;
  let b: string;
  let issuer: string; // account 11
  const auditor = "0x00000000000000000000000000000000000A0d17";

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-dex-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const configFile = path.join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify({ governance: { votingPeriod: 10, timelockDelay: 60 } }));
    await run("deploy:system", { systemConfig: configFile, reset: true, quiet: true });
    // deploy:system includes the DEX once deploy/system.ts calls deployDex; completing it here is then a no-op.
    const file = manifestPath(deploymentsDir(), hre.network.name);
    const manifest = readManifest(file)!;
    const [deployer] = await ethers.getSigners();
    await deployDex(
      hre,
      { deployer: deployer!, manifest, timelock: manifest.contracts.LuniverseTimelock!.address, council: manifest.contracts.EmergencyCouncil!.address },
      { save: () => writeManifest(file, manifest) },
    );
    const signers = await ethers.getSigners();
    issuer = signers[11]!.address;
    tokenA = (await ethers.deployContract("DexTestToken", ["Task Token A", "TTA", 1_000_000n * ETHER], signers[11]!)) as unknown as DexTestToken;
    tokenB = (await ethers.deployContract("DexTestToken", ["Task Token B", "TTB", 1_000_000n * ETHER], signers[11]!)) as unknown as DexTestToken;
    [a, b] = [await tokenA.getAddress(), await tokenB.getAddress()];
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("every DEX task has a description and described parameters (--help)", function () {
    for (const name of ["dex:list-request", "dex:list-approve", "dex:add-liquidity", "dex:swap", "dex:quote"]) {
      const def = hre.tasks[name];
      expect(def, name).to.not.equal(undefined);
      expect(def!.description, name).to.be.a("string").and.not.equal("");
      for (const [param, p] of Object.entries(def!.paramDefinitions)) expect(p.description, `${name} --${param}`).to.be.a("string").and.not.equal("");
    }
  });

  describe("dex:list-request and dex:list-approve", function () {
    it("the issuer requests with a report file (hashed), a reviewer approves", async function () {
      const report = path.join(dir, "report.json");
      writeFileSync(report, JSON.stringify({ findings: [], tool: "luniverse audit" }));
      const { result, out } = await run("dex:list-request", { token: a, auditor, report, reportUri: "ipfs://report", from: "11" });
      expect(result).to.equal(ethers.keccak256(ethers.toUtf8Bytes(JSON.stringify({ findings: [], tool: "luniverse audit" }))));
      expect(out).to.contain("dex:list-approve");
      const dex = await loadDex(hre);
      expect((await dex.listingRegistry.getListing(a)).status).to.equal(1n);
      expect((await run("dex:list-approve", { token: a, reject: false, from: "0" })).result).to.equal("Listed");
      expect(await dex.listingRegistry.isListed(a)).to.equal(true);
    });

    it("a reviewer rejects with a reason; the issuer requests again with a report hash", async function () {
      await run("dex:list-request", { token: b, auditor, reportHash: ethers.id("v1"), reportUri: "", from: "11" });
      const { result, out } = await run("dex:list-approve", { token: b, reject: true, reason: "report is for another version", from: "0" });
      expect(result).to.equal("Rejected");
      expect(out).to.contain("report is for another version");
      await run("dex:list-request", { token: b, auditor, reportHash: ethers.id("v2"), reportUri: "", from: "11" });
      expect((await run("dex:list-approve", { token: b, reject: false, from: "0" })).result).to.equal("Listed");
    });

    it("validates arguments before sending", async function () {
      await expectTaskError(run("dex:list-request", { token: "0x1234", auditor, reportHash: ethers.id("x"), reportUri: "", from: "11" }), /--token is not a valid address/);
      await expectTaskError(run("dex:list-request", { token: a, auditor, reportUri: "", from: "11" }), /either --report <file>/);
      await expectTaskError(
        run("dex:list-request", { token: a, auditor, report: "x", reportHash: ethers.id("x"), reportUri: "", from: "11" }),
        /either --report <file>/,
      );
      await expectTaskError(run("dex:list-request", { token: a, auditor, reportHash: "0x12", reportUri: "", from: "11" }), /--report-hash must be a non-zero 0x \+ 64 hex/);
      await expectTaskError(run("dex:list-request", { token: a, auditor, report: path.join(dir, "missing.json"), reportUri: "", from: "11" }), /cannot read --report/);
      await expectTaskError(run("dex:list-request", { token: issuer, auditor, reportHash: ethers.id("x"), reportUri: "", from: "11" }), /is not a contract/);
      await expectTaskError(run("dex:list-request", { token: a, auditor, reportHash: ethers.id("x"), reportUri: "", from: "11" }), /already Listed/);
      await expectTaskError(run("dex:list-approve", { token: a, reject: false, from: "0" }), /is Listed, not pending/);
      await expectTaskError(run("dex:list-approve", { token: a, reject: false, reason: "why", from: "0" }), /--reason goes with --reject/);
    });

    it("decodes DexListingNotIssuer and AccessControlUnauthorizedAccount with hints", async function () {
      const signers = await ethers.getSigners();
      const c = (await ethers.deployContract("DexTestToken", ["Task Token C", "TTC", ETHER], signers[11]!)) as unknown as DexTestToken;
      const cAddress = await c.getAddress();
      await expectTaskError(
        run("dex:list-request", { token: cAddress, auditor, reportHash: ethers.id("x"), reportUri: "", from: "12" }),
        /DexListingNotIssuer\(0x[0-9a-fA-F]{40}, 0x[0-9a-fA-F]{40}, 0x[0-9a-fA-F]{40}\): the token names its issuer/,
      );
      await run("dex:list-request", { token: cAddress, auditor, reportHash: ethers.id("x"), reportUri: "", from: "11" });
      await expectTaskError(run("dex:list-approve", { token: cAddress, reject: false, from: "12" }), /AccessControlUnauthorizedAccount\(.*\): only reviewers appointed by governance/);
      await expectTaskError(run("dex:list-approve", { token: cAddress, reject: false, from: "11" }), /AccessControlUnauthorizedAccount/);
    });
  });

  describe("dex:add-liquidity", function () {
    it("adds token/token and token/native liquidity, approving the router as needed", async function () {
      const { result, out } = await run("dex:add-liquidity", { tokenA: a, tokenB: b, amountA: "1000", amountB: "2000", slippageBps: "50", deadline: "1200", from: "11" });
      const r = result as { pair: string; amountA: bigint; amountB: bigint; liquidity: bigint };
      expect(r.amountA).to.equal(1000n * ETHER);
      expect(r.liquidity > 0n).to.equal(true);
      expect(out).to.match(/added 1000\.0 TTA \+ 2000\.0 TTB to pair 0x/);
      // ratio 1:2; 300 B desired but only 200 fit 100 A
      const second = (await run("dex:add-liquidity", { tokenA: a, tokenB: b, amountA: "100", amountB: "300", slippageBps: "50", deadline: "1200", from: "11" })).result as {
        amountB: bigint;
      };
      expect(second.amountB).to.equal(200n * ETHER);
      const native = (await run("dex:add-liquidity", { tokenA: "native", tokenB: a, amountA: "10", amountB: "500", slippageBps: "100", deadline: "600", from: "11" })).result as {
        pair: string;
      };
      const dex = await loadDex(hre);
      expect(native.pair).to.equal(await dex.factory.getPair(await dex.wrappedNative.getAddress(), a));
    });

    it("validates slippage, deadline, amounts and tokens before sending", async function () {
      const base = { tokenA: a, tokenB: b, amountA: "1", amountB: "1", slippageBps: "50", deadline: "1200", from: "11" };
      await expectTaskError(run("dex:add-liquidity", { ...base, slippageBps: "10001" }), /--slippage-bps must be an integer from 0 to 10000/);
      await expectTaskError(run("dex:add-liquidity", { ...base, slippageBps: "-1" }), /--slippage-bps must be an integer/);
      await expectTaskError(run("dex:add-liquidity", { ...base, deadline: "0" }), /--deadline is in seconds from now/);
      await expectTaskError(run("dex:add-liquidity", { ...base, amountA: "ten" }), /--amount-a must be a positive decimal number/);
      await expectTaskError(run("dex:add-liquidity", { ...base, tokenB: a }), /are the same token/);
      await expectTaskError(run("dex:add-liquidity", { ...base, tokenA: "native", tokenB: "native" }), /are the same token/);
      await expectTaskError(run("dex:add-liquidity", { ...base, tokenB: "0xnope" }), /--token-b is not a valid address/);
      await expectTaskError(run("dex:add-liquidity", { ...base, from: "13" }), /holds 0\.0 TTA, needs [\d.]+ TTA/);
    });

    it("decodes DexFactoryTokenNotListed with a hint", async function () {
      const signers = await ethers.getSigners();
      const d = (await ethers.deployContract("DexTestToken", ["Unlisted", "UNL", 1_000n * ETHER], signers[11]!)) as unknown as DexTestToken;
      await expectTaskError(
        run("dex:add-liquidity", { tokenA: a, tokenB: await d.getAddress(), amountA: "1", amountB: "1", slippageBps: "50", deadline: "1200", from: "11" }),
        /DexFactoryTokenNotListed\(0x[0-9a-fA-F]{40}\): list the token first/,
      );
    });
  });

  describe("dex:quote and dex:swap", function () {
    it("dex:quote prints each hop and returns the router's amounts", async function () {
      const dex = await loadDex(hre);
      const { result, out } = await run("dex:quote", { path: `${a},${b}`, amountIn: "10" });
      expect((result as { amounts: bigint[] }).amounts).to.deep.equal([...(await dex.router.getAmountsOut(10n * ETHER, [a, b]))]);
      expect(out).to.match(/hop 1: 10\.0 TTA → [\d.]+ TTB via 0x[0-9a-fA-F]{40} \(reserves .* fee 30 bps\)/);
      expect(out).to.match(/price impact including fees: [\d.]+ %/);
      const exactOut = await run("dex:quote", { path: `native,${a},${b}`, amountOut: "5" });
      expect((exactOut.result as { amounts: bigint[] }).amounts[2]).to.equal(5n * ETHER);
    });

    it("dex:quote validates the path and the amounts, and decodes a missing pair", async function () {
      await expectTaskError(run("dex:quote", { path: a, amountIn: "1" }), /--path needs at least 2 comma-separated tokens/);
      await expectTaskError(run("dex:quote", { path: `${a},${a}`, amountIn: "1" }), /tokens 0 and 1 are the same/);
      await expectTaskError(run("dex:quote", { path: `${a},native,${b}`, amountIn: "1" }), /"native" may only be the first or the last/);
      await expectTaskError(run("dex:quote", { path: `${a},${b}`, amountIn: "1", amountOut: "1" }), /exactly one of --amount-in/);
      await expectTaskError(run("dex:quote", { path: `${a},${b}` }), /exactly one of --amount-in/);
      await expectTaskError(run("dex:quote", { path: `${b},native`, amountIn: "1" }), /DexRouterPairNotFound\(.*\): no pool for this hop/);
    });

    it("dex:swap exact in (tokens and native) pays at least the quote less the slippage", async function () {
      const dex = await loadDex(hre);
      const [quoted] = [(await dex.router.getAmountsOut(10n * ETHER, [a, b]))[1]!];
      const { result, out } = await run("dex:swap", { path: `${a},${b}`, amountIn: "10", slippageBps: "0", deadline: "1200", feeOnTransfer: false, from: "11" });
      expect((result as { received: bigint }).received).to.equal(quoted);
      expect(out).to.match(/swapped along TTA → TTB/);
      const native = await run("dex:swap", { path: `${b},${a},native`, amountIn: "20", slippageBps: "50", deadline: "1200", feeOnTransfer: false, from: "11" });
      expect((native.result as { received: bigint; amounts: bigint[] }).received).to.equal((native.result as { amounts: bigint[] }).amounts[2]);
    });

    it("dex:swap exact out delivers exactly the amount asked", async function () {
      const { result } = await run("dex:swap", { path: `native,${a}`, amountOut: "3", slippageBps: "100", deadline: "1200", feeOnTransfer: false, from: "11" });
      expect((result as { received: bigint }).received).to.equal(3n * ETHER);
      const tokens = await run("dex:swap", { path: `${a},${b}`, amountOut: "1.5", slippageBps: "100", deadline: "1200", feeOnTransfer: false, from: "11" });
      expect((tokens.result as { received: bigint }).received).to.equal(15n * ETHER / 10n);
    });

    it("dex:swap validates its arguments before sending", async function () {
      const base = { path: `${a},${b}`, amountIn: "1", slippageBps: "50", deadline: "1200", feeOnTransfer: false, from: "11" };
      await expectTaskError(run("dex:swap", { ...base, slippageBps: "20000" }), /--slippage-bps must be an integer from 0 to 10000/);
      await expectTaskError(run("dex:swap", { ...base, path: a }), /--path needs at least 2/);
      await expectTaskError(run("dex:swap", { ...base, amountIn: "0" }), /--amount-in must be greater than zero/);
      await expectTaskError(run("dex:swap", { ...base, amountIn: undefined, amountOut: "1", feeOnTransfer: true }), /--fee-on-transfer works with --amount-in only/);
      await expectTaskError(run("dex:swap", { ...base, to: "0xbad" }), /--to is not a valid address/);
      await expectTaskError(run("dex:swap", { ...base, from: "14" }), /holds 0\.0 TTA/);
    });

    it("a fee-on-transfer token: the plain swap decodes DexPairKInvariant with a hint; --fee-on-transfer succeeds", async function () {
      const signers = await ethers.getSigners();
      const fot = (await ethers.deployContract("DexFeeOnTransferToken", [100, 100_000n * ETHER], signers[11]!)) as unknown as DexFeeOnTransferToken;
      const f = await fot.getAddress();
      await run("dex:list-request", { token: f, auditor, reportHash: ethers.id("fot"), reportUri: "", from: "11" });
      await run("dex:list-approve", { token: f, reject: false, from: "0" });
      await run("dex:add-liquidity", { tokenA: f, tokenB: a, amountA: "1000", amountB: "1000", slippageBps: "200", deadline: "1200", from: "11" });
      await expectTaskError(
        run("dex:swap", { path: `${f},${a}`, amountIn: "10", slippageBps: "50", deadline: "1200", feeOnTransfer: false, from: "11" }),
        /DexPairKInvariant\(\d+, \d+\): the pair received less than priced: for a fee-on-transfer token use --fee-on-transfer/,
      );
      const { result } = await run("dex:swap", { path: `${f},${a}`, amountIn: "10", slippageBps: "200", deadline: "1200", feeOnTransfer: true, from: "11" });
      expect((result as { received: bigint }).received > 0n).to.equal(true);
    });

    it("dex:quote warns about a delisted token, whose pool still swaps", async function () {
      const dex = await loadDex(hre, "0");
      await (await dex.listingRegistry.delist(b, "test delisting")).wait();
      const { out } = await run("dex:quote", { path: `${a},${b}`, amountIn: "1" });
      expect(out).to.match(/warning: TTB \(0x[0-9a-fA-F]{40}\) is Delisted: swaps stay open/);
      await run("dex:swap", { path: `${a},${b}`, amountIn: "1", slippageBps: "50", deadline: "1200", feeOnTransfer: false, from: "11" });
      await expectTaskError(
        run("dex:add-liquidity", { tokenA: a, tokenB: b, amountA: "1", amountB: "2", slippageBps: "50", deadline: "1200", from: "11" }),
        /DexPairLiquidityClosed\(.*\): a token of the pair is delisted/,
      );
    });
  });
});
