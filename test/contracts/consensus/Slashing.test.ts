import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySlashingFixture } from "./slashing.fixture";

describe("probe", function () {
  it("probe", async function () {
    const f = await loadFixture(deploySlashingFixture);
    const bn = await ethers.provider.getBlockNumber();
    try { await f.slashing.connect(f.validators[1]).report.staticCall(f.validators[0].address, 10n**9n, ethers.ZeroHash); } catch (e: any) { console.log("latest", bn, e.message); }
  });
});
