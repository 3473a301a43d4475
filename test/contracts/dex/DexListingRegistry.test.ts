import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER, impersonate, passProposal } from "../../fixtures/system";
import { addLiquidity, deadline, dexFixture, newToken, REPORT_HASH, type DexFixture } from "./dex.fixture";
import type { DexFeeOnTransferToken, DexReentrantToken, DexTestToken } from "../../../typechain-types";

enum Status {
  None,
  Pending,
  Listed,
  Rejected,
  Delisted,
}

async function freshToken(f: DexFixture): Promise<{ token: DexTestToken; address: string }> {
  const token = await newToken(f.issuer, "Fresh", "FRSH", [f.alice]);
  return { token, address: await token.getAddress() };
}

async function request(f: DexFixture, token: string, uri = "ipfs://bafy-report") {
  return f.listingRegistry.connect(f.issuer).requestListing(token, REPORT_HASH, f.auditor.address, uri);
}

describe("DexListingRegistry", function () {
  describe("request → approve", function () {
    it("records the request with its evidence (ListingRequested), then a reviewer lists it (ListingApproved)", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      const count = await f.listingRegistry.tokenCount();
      await expect(request(f, address))
        .to.emit(f.listingRegistry, "ListingRequested")
        .withArgs(address, f.issuer.address, f.auditor.address, REPORT_HASH, "ipfs://bafy-report");
      let listing = await f.listingRegistry.getListing(address);
      expect(listing.issuer).to.equal(f.issuer.address);
      expect(listing.status).to.equal(BigInt(Status.Pending));
      expect(listing.auditor).to.equal(f.auditor.address);
      expect(listing.reportHash).to.equal(REPORT_HASH);
      expect(listing.reportURI).to.equal("ipfs://bafy-report");
      expect(listing.updatedAt).to.equal(BigInt(await time.latest()));
      expect(await f.listingRegistry.isListed(address)).to.equal(false);
      expect(await f.listingRegistry.tokenCount()).to.equal(count + 1n);
      expect(await f.listingRegistry.tokenAt(count)).to.equal(address);

      await expect(f.listingRegistry.connect(f.reviewer).approveListing(address))
        .to.emit(f.listingRegistry, "ListingApproved")
        .withArgs(address, f.reviewer.address, REPORT_HASH);
      listing = await f.listingRegistry.getListing(address);
      expect(listing.status).to.equal(BigInt(Status.Listed));
      expect(listing.reviewer).to.equal(f.reviewer.address);
      expect(await f.listingRegistry.isListed(address)).to.equal(true);
    });

    it("a token that names no issuer may be requested by anyone; declaredIssuer reads issuer(), then owner()", async function () {
      const f = await loadFixture(dexFixture);
      const fot = (await ethers.deployContract("DexFeeOnTransferToken", [100, ETHER], f.bob)) as unknown as DexFeeOnTransferToken;
      expect(await f.listingRegistry.declaredIssuer(await fot.getAddress())).to.equal(ethers.ZeroAddress);
      await expect(f.listingRegistry.connect(f.outsider).requestListing(await fot.getAddress(), REPORT_HASH, f.auditor.address, "")).to.emit(
        f.listingRegistry,
        "ListingRequested",
      );
      expect(await f.listingRegistry.declaredIssuer(await f.tokenA.getAddress())).to.equal(f.issuer.address);
      const owned = (await ethers.deployContract("DexReentrantToken", [ETHER], f.bob)) as unknown as DexReentrantToken;
      expect(await f.listingRegistry.declaredIssuer(await owned.getAddress())).to.equal(f.bob.address);
    });

    it("governance appoints a reviewer by proposal (REVIEWER_ROLE is administered by GOVERNANCE_ROLE)", async function () {
      const f = await loadFixture(dexFixture);
      const role = await f.listingRegistry.REVIEWER_ROLE();
      expect(await f.listingRegistry.getRoleAdmin(role)).to.equal(await f.listingRegistry.GOVERNANCE_ROLE());
      const registry = await f.listingRegistry.getAddress();
      await passProposal(f.sys, [registry], [0], [f.listingRegistry.interface.encodeFunctionData("grantRole", [role, f.bob.address])], "DEX: appoint reviewer bob");
      const { address } = await freshToken(f);
      await (await request(f, address)).wait();
      await expect(f.listingRegistry.connect(f.bob).approveListing(address)).to.emit(f.listingRegistry, "ListingApproved").withArgs(address, f.bob.address, REPORT_HASH);
    });
  });

  describe("reject, delist, relist", function () {
    it("a rejected token may apply again with new evidence", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      await (await request(f, address)).wait();
      await expect(f.listingRegistry.connect(f.reviewer).rejectListing(address, "report does not cover the mint function"))
        .to.emit(f.listingRegistry, "ListingRejected")
        .withArgs(address, f.reviewer.address, "report does not cover the mint function");
      expect((await f.listingRegistry.getListing(address)).status).to.equal(BigInt(Status.Rejected));
      const count = await f.listingRegistry.tokenCount();
      const newHash = ethers.id("audit report v2");
      await expect(f.listingRegistry.connect(f.issuer).requestListing(address, newHash, f.auditor.address, "ipfs://v2"))
        .to.emit(f.listingRegistry, "ListingRequested")
        .withArgs(address, f.issuer.address, f.auditor.address, newHash, "ipfs://v2");
      expect(await f.listingRegistry.tokenCount()).to.equal(count); // not listed twice
      await (await f.listingRegistry.connect(f.reviewer).approveListing(address)).wait();
      expect(await f.listingRegistry.isListed(address)).to.equal(true);
    });

    it("a reviewer or governance delists (TokenDelisted); delisting works while paused; a delisted token may reapply", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b] = [await f.tokenA.getAddress(), await f.tokenB.getAddress()];
      await expect(f.listingRegistry.connect(f.reviewer).delist(a, "critical finding"))
        .to.emit(f.listingRegistry, "TokenDelisted")
        .withArgs(a, f.reviewer.address, "critical finding");
      expect((await f.listingRegistry.getListing(a)).status).to.equal(BigInt(Status.Delisted));
      expect(await f.listingRegistry.isListed(a)).to.equal(false);

      const governance = await impersonate(await f.sys.timelock.getAddress());
      await (await f.listingRegistry.connect(governance).pause()).wait();
      await expect(f.listingRegistry.connect(governance).delist(b, "governance decision"))
        .to.emit(f.listingRegistry, "TokenDelisted")
        .withArgs(b, governance.address, "governance decision");
      await (await f.listingRegistry.connect(governance).unpause()).wait();

      await (await f.listingRegistry.connect(f.issuer).requestListing(a, REPORT_HASH, f.auditor.address, "")).wait();
      await (await f.listingRegistry.connect(f.reviewer).approveListing(a)).wait();
      expect(await f.listingRegistry.isListed(a)).to.equal(true);
    });

    it("delisting stops new pairs and new liquidity but never traps liquidity: removal and swaps still work", async function () {
      const f = await loadFixture(dexFixture);
      const [a, b, c] = [await f.tokenA.getAddress(), await f.tokenB.getAddress(), await f.tokenC.getAddress()];
      const pair = await addLiquidity(f, f.alice, f.tokenA, f.tokenB, 1_000n * ETHER, 1_000n * ETHER);
      await (await f.listingRegistry.connect(f.reviewer).delist(a, "critical finding")).wait();

      await expect(f.factory.createPair(a, c)).to.be.revertedWithCustomError(f.factory, "DexFactoryTokenNotListed").withArgs(a);
      await expect(f.router.connect(f.alice).addLiquidity(a, b, ETHER, ETHER, 0, 0, f.alice.address, await deadline()))
        .to.be.revertedWithCustomError(pair, "DexPairLiquidityClosed")
        .withArgs(await pair.token0(), await pair.token1());
      // holders can still exit through the pool (documented choice: swaps stay open)
      await expect(f.router.connect(f.alice).swapExactTokensForTokens(ETHER, 0, [a, b], f.alice.address, await deadline())).to.emit(pair, "Swap");
      const lp = await pair.balanceOf(f.alice.address);
      await (await pair.connect(f.alice).approve(f.routerAddress, lp)).wait();
      await expect(f.router.connect(f.alice).removeLiquidity(a, b, lp, 0, 0, f.alice.address, await deadline())).to.emit(pair, "Burn");
      expect(await pair.balanceOf(f.alice.address)).to.equal(0n);
    });

    it("governanceList lists directly (the wrapped native coin is listed at deployment)", async function () {
      const f = await loadFixture(dexFixture);
      expect(await f.listingRegistry.isListed(f.wethAddress)).to.equal(true);
      const governance = await impersonate(await f.sys.timelock.getAddress());
      const { address } = await freshToken(f);
      await expect(f.listingRegistry.connect(governance).governanceList(address, REPORT_HASH))
        .to.emit(f.listingRegistry, "ListingApproved")
        .withArgs(address, governance.address, REPORT_HASH);
      expect(await f.listingRegistry.isListed(address)).to.equal(true);
      await expect(f.listingRegistry.connect(governance).governanceList(address, REPORT_HASH))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingInvalidStatus")
        .withArgs(address, Status.Listed);
      await expect(f.listingRegistry.connect(governance).governanceList(f.alice.address, REPORT_HASH))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingNotAContract")
        .withArgs(f.alice.address);
      await expect(f.listingRegistry.connect(governance).governanceList(address, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingMissingReport")
        .withArgs(address);
      await expect(f.listingRegistry.connect(f.reviewer).governanceList(address, REPORT_HASH))
        .to.be.revertedWithCustomError(f.listingRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(f.reviewer.address, await f.listingRegistry.GOVERNANCE_ROLE());
    });
  });

  describe("errors", function () {
    it("DexListingNotAContract: an address without code cannot be requested", async function () {
      const f = await loadFixture(dexFixture);
      await expect(f.listingRegistry.connect(f.issuer).requestListing(f.bob.address, REPORT_HASH, f.auditor.address, ""))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingNotAContract")
        .withArgs(f.bob.address);
    });

    it("DexListingMissingReport and SystemContractZeroAddress(auditor): a request needs a report hash and an auditor", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      await expect(f.listingRegistry.connect(f.issuer).requestListing(address, ethers.ZeroHash, f.auditor.address, ""))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingMissingReport")
        .withArgs(address);
      await expect(f.listingRegistry.connect(f.issuer).requestListing(address, REPORT_HASH, ethers.ZeroAddress, ""))
        .to.be.revertedWithCustomError(f.listingRegistry, "SystemContractZeroAddress")
        .withArgs("auditor");
    });

    it("DexListingNotIssuer: only the issuer (issuer() or owner()) may request", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      await expect(f.listingRegistry.connect(f.alice).requestListing(address, REPORT_HASH, f.auditor.address, ""))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingNotIssuer")
        .withArgs(address, f.alice.address, f.issuer.address);
      const owned = (await ethers.deployContract("DexReentrantToken", [ETHER], f.bob)) as unknown as DexReentrantToken;
      await expect(f.listingRegistry.connect(f.alice).requestListing(await owned.getAddress(), REPORT_HASH, f.auditor.address, ""))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingNotIssuer")
        .withArgs(await owned.getAddress(), f.alice.address, f.bob.address);
    });

    it("DexListingInvalidStatus: no request while pending or listed; no decision unless pending; no delisting unless listed", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      const r = f.listingRegistry;
      await expect(r.connect(f.reviewer).approveListing(address)).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.None);
      await (await request(f, address)).wait();
      await expect(request(f, address)).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.Pending);
      await expect(r.connect(f.reviewer).delist(address, "")).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.Pending);
      await (await r.connect(f.reviewer).approveListing(address)).wait();
      await expect(request(f, address)).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.Listed);
      await expect(r.connect(f.reviewer).rejectListing(address, "")).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.Listed);
      await (await r.connect(f.reviewer).delist(address, "")).wait();
      await expect(r.connect(f.reviewer).delist(address, "")).to.be.revertedWithCustomError(r, "DexListingInvalidStatus").withArgs(address, Status.Delisted);
    });

    it("DexListingConflictOfInterest: a reviewer may not decide on its own token or on a report it audited", async function () {
      const f = await loadFixture(dexFixture);
      const r = f.listingRegistry;
      const role = await r.REVIEWER_ROLE();
      const registry = await r.getAddress();
      await passProposal(
        f.sys,
        [registry, registry],
        [0, 0],
        [r.interface.encodeFunctionData("grantRole", [role, f.issuer.address]), r.interface.encodeFunctionData("grantRole", [role, f.auditor.address])],
        "DEX: appoint two conflicted reviewers",
      );
      const { address } = await freshToken(f);
      await (await request(f, address)).wait();
      await expect(r.connect(f.issuer).approveListing(address)).to.be.revertedWithCustomError(r, "DexListingConflictOfInterest").withArgs(address, f.issuer.address);
      await expect(r.connect(f.auditor).rejectListing(address, "")).to.be.revertedWithCustomError(r, "DexListingConflictOfInterest").withArgs(address, f.auditor.address);
    });

    it("DexListingTextTooLong: report URI and reasons are at most 256 bytes", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      const long = "x".repeat(257);
      await expect(request(f, address, long)).to.be.revertedWithCustomError(f.listingRegistry, "DexListingTextTooLong").withArgs(257n, 256n);
      await (await request(f, address, "x".repeat(256))).wait();
      await expect(f.listingRegistry.connect(f.reviewer).rejectListing(address, long)).to.be.revertedWithCustomError(f.listingRegistry, "DexListingTextTooLong").withArgs(257n, 256n);
      await expect(f.listingRegistry.connect(f.reviewer).delist(await f.tokenA.getAddress(), long)).to.be.revertedWithCustomError(f.listingRegistry, "DexListingTextTooLong");
    });

    it("DexListingUnauthorized and AccessControlUnauthorizedAccount: only reviewers decide; reviewers or governance delist", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      await (await request(f, address)).wait();
      const role = await f.listingRegistry.REVIEWER_ROLE();
      await expect(f.listingRegistry.connect(f.outsider).approveListing(address))
        .to.be.revertedWithCustomError(f.listingRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
      await expect(f.listingRegistry.connect(f.outsider).rejectListing(address, "no"))
        .to.be.revertedWithCustomError(f.listingRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(f.outsider.address, role);
      await expect(f.listingRegistry.connect(f.outsider).delist(await f.tokenA.getAddress(), "no"))
        .to.be.revertedWithCustomError(f.listingRegistry, "DexListingUnauthorized")
        .withArgs(f.outsider.address);
    });

    it("EnforcedPause: requests and decisions stop while paused", async function () {
      const f = await loadFixture(dexFixture);
      const { address } = await freshToken(f);
      await (await request(f, address)).wait();
      const governance = await impersonate(await f.sys.timelock.getAddress());
      await (await f.listingRegistry.connect(governance).pause()).wait();
      const other = await freshToken(f);
      await expect(request(f, other.address)).to.be.revertedWithCustomError(f.listingRegistry, "EnforcedPause");
      await expect(f.listingRegistry.connect(f.reviewer).approveListing(address)).to.be.revertedWithCustomError(f.listingRegistry, "EnforcedPause");
      await expect(f.listingRegistry.connect(f.reviewer).rejectListing(address, "")).to.be.revertedWithCustomError(f.listingRegistry, "EnforcedPause");
    });

    it("initialize refuses a zero admin and a second call", async function () {
      const f = await loadFixture(dexFixture);
      const Registry = await ethers.getContractFactory("DexListingRegistry");
      await expect(upgrades.deployProxy(Registry, [ethers.ZeroAddress], { kind: "uups" }))
        .to.be.revertedWithCustomError(Registry, "SystemContractZeroAddress")
        .withArgs("admin");
      await expect(f.listingRegistry.initialize(f.deployer.address)).to.be.revertedWithCustomError(f.listingRegistry, "InvalidInitialization");
    });
  });
});
