import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { dexFixture, newToken, REPORT_HASH, type DexFixture } from "../../contracts/dex/dex.fixture";
import { NATIVE } from "../../../ops/dex/common";
import { listRequest } from "../../../ops/dex/listRequest";
import { listApprove } from "../../../ops/dex/listApprove";
import { addLiquidity } from "../../../ops/dex/addLiquidity";
import { quote, type QuoteParameters } from "../../../ops/dex/quote";
import { swap, type SwapParameters } from "../../../ops/dex/swap";
import { failure } from "../economy/failure";

describe("ops/dex", function () {
  let f: DexFixture;
  let registry: string;
  let router: string;
  let a: string;
  let b: string;

  beforeEach(async function () {
    f = await loadFixture(dexFixture);
    registry = await f.listingRegistry.getAddress();
    router = f.routerAddress;
    [a, b] = await Promise.all([f.tokenA.getAddress(), f.tokenB.getAddress()]);
  });

  describe("listRequest and listApprove", function () {
    it("the issuer requests, a reviewer approves (or rejects, and the issuer requests again)", async function () {
      const d = await (await newToken(f.issuer, "Token D", "TKD")).getAddress();
      await listRequest(f.issuer, { registry, token: d, reportHash: REPORT_HASH, auditor: f.auditor.address, reportUri: "ipfs://d" });
      expect((await f.listingRegistry.getListing(d)).status).to.equal(1n);
      const rejected = await listApprove(f.reviewer, { registry, token: d, reject: true, reason: "report is for another version" });
      expect(rejected.status).to.equal("Rejected");
      await listRequest(f.issuer, { registry, token: d, reportHash: ethers.id("v2"), auditor: f.auditor.address });
      const listed = await listApprove(f.reviewer, { registry, token: d });
      expect(listed).to.include({ status: "Listed", reportHash: ethers.id("v2"), issuer: f.issuer.address });
      expect(await f.listingRegistry.isListed(d)).to.equal(true);
    });

    it("OP_PRECONDITION from the registry's DexListingInvalidStatus: already listed, not pending", async function () {
      const again = await failure(listRequest(f.issuer, { registry, token: a, reportHash: REPORT_HASH, auditor: f.auditor.address }));
      expect(again.code).to.equal("OP_PRECONDITION");
      expect(again.message).to.equal(`${a} is already Listed; nothing to request`);
      const listed = await failure(listApprove(f.reviewer, { registry, token: a }));
      expect(listed.code).to.equal("OP_PRECONDITION");
      expect(listed.message).to.match(/is Listed, not pending: only a pending request can be decided$/);
      const d = await (await newToken(f.issuer, "Token D", "TKD")).getAddress();
      const none = await failure(listApprove(f.reviewer, { registry, token: d, reject: true }));
      expect(none.message).to.match(/is None, not pending: .*\(its issuer requests with dex:list-request\)/);
    });

    it("the registry's other rules speak through their custom errors", async function () {
      const eoa = await failure(listRequest(f.issuer, { registry, token: f.outsider.address, reportHash: REPORT_HASH, auditor: f.auditor.address }));
      expect(eoa.message).to.match(/DexListingNotAContract\(0x[0-9a-fA-F]{40}\): the token is not a contract/);
      const d = await (await newToken(f.issuer, "Token D", "TKD")).getAddress();
      const issuer = await failure(listRequest(f.bob, { registry, token: d, reportHash: REPORT_HASH, auditor: f.auditor.address }));
      expect(issuer.errorName).to.equal("DexListingNotIssuer");
      const hash = await failure(listRequest(f.issuer, { registry, token: d, reportHash: ethers.ZeroHash, auditor: f.auditor.address }));
      expect(hash.errorName).to.equal("DexListingMissingReport");
      const uri = await failure(listRequest(f.issuer, { registry, token: d, reportHash: REPORT_HASH, auditor: f.auditor.address, reportUri: "x".repeat(257) }));
      expect(uri.message).to.match(/DexListingTextTooLong\(257, 256\)/);
      await listRequest(f.issuer, { registry, token: d, reportHash: REPORT_HASH, auditor: f.auditor.address });
      const role = await failure(listApprove(f.bob, { registry, token: d }));
      expect(role.message).to.match(/AccessControlUnauthorizedAccount\(.*\): only reviewers appointed by governance/);
    });
  });

  describe("addLiquidity", function () {
    it("a new pool takes the desired amounts; a later deposit the most that fits the ratio (the router's quote)", async function () {
      const first = await addLiquidity(f.alice, { router, tokenA: a, tokenB: b, amountADesired: 1000n * ETHER, amountBDesired: 2000n * ETHER });
      expect(first.pair).to.equal(await f.factory.getPair(a, b));
      expect([first.amountA, first.amountB]).to.deep.equal([1000n * ETHER, 2000n * ETHER]);
      expect(first.liquidity).to.equal(await (await ethers.getContractAt("DexPair", first.pair)).balanceOf(f.alice.address));
      const second = await addLiquidity(f.alice, { router, tokenA: a, tokenB: b, amountADesired: 100n * ETHER, amountBDesired: 300n * ETHER, slippageBps: 0n });
      expect([second.amountA, second.amountB]).to.deep.equal([100n * ETHER, 200n * ETHER]);
      const third = await addLiquidity(f.alice, { router, tokenA: b, tokenB: a, amountADesired: 300n * ETHER, amountBDesired: 100n * ETHER });
      expect([third.amountA, third.amountB]).to.deep.equal([200n * ETHER, 100n * ETHER]);
    });

    it("native liquidity, approving the router for the token when needed", async function () {
      const r = await addLiquidity(f.carol, { router, tokenA: NATIVE, tokenB: a, amountADesired: 10n * ETHER, amountBDesired: 500n * ETHER, to: f.bob.address });
      expect(r.pair).to.equal(await f.factory.getPair(f.wethAddress, a));
      expect(r.liquidity).to.equal(await (await ethers.getContractAt("DexPair", r.pair)).balanceOf(f.bob.address));
      expect(await f.tokenA.allowance(f.carol.address, router)).to.equal(0n); // approved exactly what was used
    });

    it("OP_INVALID_PARAMETER for a slippage outside 0..10000; OP_PRECONDITION for a short balance", async function () {
      const slippage = await failure(addLiquidity(f.alice, { router, tokenA: a, tokenB: b, amountADesired: ETHER, amountBDesired: ETHER, slippageBps: 10_001n }));
      expect(slippage.code).to.equal("OP_INVALID_PARAMETER");
      expect(slippage.message).to.match(/slippageBps must be 0\.\.10000/);
      const poor = await failure(addLiquidity(f.outsider, { router, tokenA: a, tokenB: b, amountADesired: ETHER, amountBDesired: ETHER }));
      expect(poor.code).to.equal("OP_PRECONDITION");
      expect(poor.message).to.match(/holds 0\.0 TKA, needs 1\.0 TKA/);
    });

    it("the router's and the factory's rules speak through their custom errors", async function () {
      const same = await failure(addLiquidity(f.alice, { router, tokenA: a, tokenB: a, amountADesired: ETHER, amountBDesired: ETHER }));
      expect(same.message).to.match(/DexRouterIdenticalTokens\(0x[0-9a-fA-F]{40}\): --token-a and --token-b are the same token/);
      const unlisted = await newToken(f.issuer, "Unlisted", "UNL", [f.alice]);
      const e = await failure(addLiquidity(f.alice, { router, tokenA: a, tokenB: await unlisted.getAddress(), amountADesired: ETHER, amountBDesired: ETHER }));
      expect(e.message).to.match(/DexFactoryTokenNotListed\(0x[0-9a-fA-F]{40}\): list the token first/);
    });
  });

  describe("quote and swap", function () {
    beforeEach(async function () {
      await addLiquidity(f.alice, { router, tokenA: a, tokenB: b, amountADesired: 1000n * ETHER, amountBDesired: 2000n * ETHER });
      await addLiquidity(f.alice, { router, tokenA: NATIVE, tokenB: a, amountADesired: 10n * ETHER, amountBDesired: 500n * ETHER });
    });

    it("quote: the router's amounts, each hop's reserves and fee, the price impact and the listings", async function () {
      const q = await quote(ethers.provider, { router, path: [a, b], amountIn: 10n * ETHER });
      expect(q.amounts).to.deep.equal([...(await f.router.getAmountsOut(10n * ETHER, [a, b]))]);
      expect(q.hops).to.have.length(1);
      expect(q.hops[0]).to.deep.equal({ pair: await f.factory.getPair(a, b), reserveIn: 1000n * ETHER, reserveOut: 2000n * ETHER, feeBps: 30n });
      // at the pool's price 10 A buy 20 B; the output falls short by the fee and the impact
      expect(q.impactBps).to.equal(((20n * ETHER - q.amounts[1]!) * 10_000n) / (20n * ETHER));
      expect(q.listings).to.deep.equal([{ token: a, status: "Listed" }, { token: b, status: "Listed" }]);
      const out = await quote(ethers.provider, { router, path: [NATIVE, a, b], amountOut: 5n * ETHER });
      expect(out.exactIn).to.equal(false);
      expect(out.path).to.deep.equal([f.wethAddress, a, b]);
      expect(out.amounts[2]).to.equal(5n * ETHER);
      await (await f.listingRegistry.connect(f.reviewer).delist(b, "test")).wait();
      expect((await quote(ethers.provider, { router, path: [a, b], amountIn: ETHER })).listings[1]).to.deep.equal({ token: b, status: "Delisted" });
    });

    it("quote: OP_INVALID_PARAMETER for native inside the path, equal neighbours, or not exactly one amount", async function () {
      const inside = await failure(quote(ethers.provider, { router, path: [a, NATIVE, b], amountIn: ETHER }));
      expect(inside.code).to.equal("OP_INVALID_PARAMETER");
      expect(inside.message).to.equal('path: "native" may only be the first or the last token');
      const same = await failure(quote(ethers.provider, { router, path: [b, a, a], amountIn: ETHER }));
      expect(same.code).to.equal("OP_INVALID_PARAMETER");
      expect(same.message).to.equal(`path: tokens 1 and 2 are the same (${a})`);
      const both = await failure(quote(ethers.provider, { router, path: [a, b], amountIn: ETHER, amountOut: ETHER } as unknown as QuoteParameters));
      expect(both.code).to.equal("OP_INVALID_PARAMETER");
      expect(both.message).to.match(/exactly one of amountIn/);
      const missing = await failure(quote(ethers.provider, { router, path: [b, NATIVE], amountIn: ETHER }));
      expect(missing.message).to.match(/DexRouterPairNotFound\(.*\): no pool for this hop/);
      const short = await failure(quote(ethers.provider, { router, path: [a], amountIn: ETHER }));
      expect(short.errorName).to.equal("DexRouterInvalidPath");
    });

    it("swap exact in: pays the router's quote, bound at the quote less the slippage", async function () {
      const quoted = (await f.router.getAmountsOut(10n * ETHER, [a, b]))[1]!;
      const before = await f.tokenB.balanceOf(f.bob.address);
      const r = await swap(f.bob, { router, path: [a, b], amountIn: 10n * ETHER, slippageBps: 100n });
      expect(r.received).to.equal(quoted);
      expect(r.bound).to.equal((quoted * 9_900n) / 10_000n);
      expect(await f.tokenB.balanceOf(f.bob.address)).to.equal(before + quoted);
      const native = await swap(f.bob, { router, path: [b, a, NATIVE], amountIn: 20n * ETHER });
      expect(native.received).to.equal(native.amounts[2]); // net of the sender's gas
    });

    it("swap exact out: delivers exactly the amount, bound at the quote plus the slippage; approves the router when needed", async function () {
      const r = await swap(f.bob, { router, path: [NATIVE, a], amountOut: 3n * ETHER, slippageBps: 100n, to: f.outsider.address });
      expect(r.received).to.equal(3n * ETHER);
      expect(r.bound).to.equal((r.amounts[0]! * 10_100n) / 10_000n);
      const tokens = await swap(f.carol, { router, path: [a, b], amountOut: 15n * ETHER / 10n });
      expect(tokens.approvalHash).to.match(/^0x/);
      expect(tokens.received).to.equal(15n * ETHER / 10n);
    });

    it("swap: OP_INVALID_PARAMETER for a slippage out of range or fee-on-transfer with an exact output", async function () {
      const slippage = await failure(swap(f.bob, { router, path: [a, b], amountIn: ETHER, slippageBps: 20_000n }));
      expect(slippage.code).to.equal("OP_INVALID_PARAMETER");
      const fot = await failure(swap(f.bob, { router, path: [a, b], amountOut: ETHER, feeOnTransfer: true } as SwapParameters));
      expect(fot.code).to.equal("OP_INVALID_PARAMETER");
      expect(fot.message).to.match(/feeOnTransfer works with amountIn only/);
    });

    it("swap: OP_PRECONDITION when the trader lacks the input token or the native coin (nothing is sent)", async function () {
      const token = await failure(swap(f.outsider, { router, path: [a, b], amountIn: ETHER }));
      expect(token.code).to.equal("OP_PRECONDITION");
      expect(token.message).to.match(/holds 0\.0 TKA/);
      const empty = ethers.Wallet.createRandom().connect(ethers.provider);
      const native = await failure(swap(empty, { router, path: [NATIVE, a], amountIn: ETHER }));
      expect(native.code).to.equal("OP_PRECONDITION");
      expect(native.message).to.match(/holds 0\.0 native coin, needs 1\.0 plus gas/);
    });

    it("a fee-on-transfer token: the plain swap reverts with DexPairKInvariant, feeOnTransfer succeeds", async function () {
      const fot = await f.fot.getAddress();
      await addLiquidity(f.alice, { router, tokenA: fot, tokenB: a, amountADesired: 1000n * ETHER, amountBDesired: 1000n * ETHER, slippageBps: 200n });
      const plain = await failure(swap(f.alice, { router, path: [fot, a], amountIn: 10n * ETHER }));
      expect(plain.message).to.match(/DexPairKInvariant\(\d+, \d+\): the pair received less than priced/);
      const r = await swap(f.alice, { router, path: [fot, a], amountIn: 10n * ETHER, slippageBps: 200n, feeOnTransfer: true });
      expect(r.received > 0n).to.equal(true);
    });
  });
});
