import { expect } from "chai";
import { GasTable } from "../helpers/gas";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { E, deployBridgeFixture, issueProductToken } from "../contracts/bridge/bridge.fixture";

/** Gas of the token and bridge operations (part of `npm run gas`), from receipts. */
describe("gas: tokens and bridge", function () {
  const gas = new GasTable();
  const measure = gas.measure.bind(gas);
  after(() => gas.print("Gas per token/bridge operation"));

  it("measures issue main, issue product, deposit, each confirmation, the minting confirmation and redeem", async function () {
    const f = await loadFixture(deployBridgeFixture);
    await measure("issue main token (beacon proxy)", f.mainTokenFactory.issueMainToken("Silver", "SLV", 18, 1_000n * E, 2_000n * E));
    const before = await ethers.provider.getBlockNumber();
    await issueProductToken(f, f.deployer, f.pd, await f.mainToken.getAddress(), 3n, "PX");
    const block = await ethers.provider.getBlock(before + 1, true);
    const receipt = await ethers.provider.getTransactionReceipt(block!.transactions[0]!);
    gas.record("issue product token (clone, EIP-712 permission)", receipt!.gasUsed);

    const p = f.pairs[1]!; // 1:2
    await measure("deposit (first for the pair today)", f.mainBridge.connect(f.user).deposit(p.pairId, f.user.address, 10n * E));
    const dr = (await (await f.mainBridge.connect(f.user).deposit(p.pairId, f.user.address, 10n * E)).wait())!;
    const ev = dr.logs.map((l) => f.mainBridge.interface.parseLog(l)).find((x) => x?.name === "Deposited")!;
    gas.record("deposit", dr.gasUsed);
    const id = ev.args.depositId as string;
    for (let i = 0; i < 3; ++i) {
      await measure(`confirmDeposit #${i + 1}`, f.productBridge.connect(f.signerAccounts[i]!).confirmDeposit(id, p.pairId, f.user.address, 10n * E));
    }
    await measure("confirmDeposit #4 (mints)", f.productBridge.connect(f.signerAccounts[3]!).confirmDeposit(id, p.pairId, f.user.address, 10n * E));
    await measure("redeem", f.productBridge.connect(f.user).redeem(p.pairId, f.user.address, 4n * E));
    const r = (await (await f.productBridge.connect(f.user).redeem(p.pairId, f.user.address, 4n * E)).wait())!;
    const rid = r.logs.map((l) => f.productBridge.interface.parseLog(l)).find((x) => x?.name === "Redeemed")!.args.redeemId as string;
    for (let i = 0; i < 3; ++i) {
      await measure(`confirmWithdrawal #${i + 1}`, f.mainBridge.connect(f.signerAccounts[i]!).confirmWithdrawal(rid, p.pairId, f.user.address, 2n * E));
    }
    await measure("confirmWithdrawal #4 (releases)", f.mainBridge.connect(f.signerAccounts[3]!).confirmWithdrawal(rid, p.pairId, f.user.address, 2n * E));
    expect(await p.productToken.balanceOf(f.user.address)).to.equal(20n * E - 8n * E); // minted 2×10, redeemed 2×4
  });
});
