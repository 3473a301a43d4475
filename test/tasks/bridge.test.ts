import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSystem } from "../../tasks/lib/system";
import { expectTaskError, passWithTasks, runTask as run } from "../helpers/tasks";

describe("tasks: tokens and bridge", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let mainToken: string;
  let productToken: string;
  let pairId: string;
  let depositId: string;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-bridge-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const configFile = path.join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify({ governance: { votingPeriod: 10, timelockDelay: 60 } }));
    await run("deploy:system", { systemConfig: configFile, reset: true, quiet: true });
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it("token:issue-main issues a main token for the CP and validates its arguments", async function () {
    await expectTaskError(run("token:issue-main", { name: "G", symbol: "G", decimals: "40", supply: "1", cap: "2", from: "0" }), /--decimals must be an integer 0..36/);
    await expectTaskError(run("token:issue-main", { name: "G", symbol: "G", decimals: "18", supply: "3", cap: "2", from: "0" }), /MainTokenFactoryInvalidToken\(initial supply above cap\)/);
    await expectTaskError(
      run("token:issue-main", { name: "G", symbol: "G", decimals: "18", supply: "1", cap: "2", from: "5" }),
      /MainTokenFactoryNotConsortiumPartner\(0x[0-9a-fA-F]{40}\): governance grants the CP role/,
    );
    const { result, out } = await run("token:issue-main", { name: "Gold", symbol: "GLD", decimals: "18", supply: "1000", cap: "5000", from: "0" });
    mainToken = result as string;
    expect(out).to.match(/main token GLD at 0x[0-9a-fA-F]{40}: supply 1000.0, cap 5000.0/);
    const token = await ethers.getContractAt("MainToken", mainToken);
    expect(await token.balanceOf((await ethers.getSigners())[0]!.address)).to.equal(ethers.parseEther("1000"));
  });

  it("gov:propose set-main-token-issuer records the CP on the product token factory", async function () {
    const deployer = (await ethers.getSigners())[0]!.address;
    const { result } = await run("gov:propose", { action: "set-main-token-issuer", address: mainToken, newAddress: deployer, from: "1" });
    await passWithTasks(String(result));
    const { productTokenFactory } = await loadSystem(hre);
    expect(await productTokenFactory.mainTokenIssuer(mainToken)).to.equal(deployer);
  });

  it("token:permit-product signs a permission the PD redeems with token:issue-product", async function () {
    const pd = (await ethers.getSigners())[16]!;
    const file = path.join(dir, "permission.json");
    await expectTaskError(run("token:permit-product", { mainToken, ratio: "0", pd: pd.address, expiresIn: "600", from: "0" }), /--ratio must be at least 1/);
    const { out } = await run("token:permit-product", { mainToken, ratio: "10", pd: pd.address, expiresIn: "600", out: file, from: "0" });
    expect(out).to.match(/permission for 0x[0-9a-fA-F]{40} \(1:10, expires/);
    // someone other than the PD cannot use it
    await expectTaskError(
      run("token:issue-product", { permission: file, name: "Gold Points", symbol: "GPT", decimals: "18", from: "17" }),
      /ProductTokenFactoryNotPermittedDeveloper.*send from the product developer/,
    );
    const { result } = await run("token:issue-product", { permission: file, name: "Gold Points", symbol: "GPT", decimals: "18", from: "16" });
    productToken = result as string;
    expect(await (await ethers.getContractAt("ProductToken", productToken)).symbol()).to.equal("GPT");
    // used once
    await expectTaskError(run("token:issue-product", { permission: file, name: "Again", symbol: "AG", decimals: "18", from: "16" }), /ProductTokenFactoryPermissionUsed/);
  });

  it("token:issue-product rejects a file that is not a permission", async function () {
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{}");
    await expectTaskError(run("token:issue-product", { permission: bad, name: "X", symbol: "X", decimals: "18", from: "16" }), /is not a permission file/);
  });

  it("an expired permission is refused with a hint", async function () {
    const pd = (await ethers.getSigners())[16]!;
    const file = path.join(dir, "short.json");
    await run("token:permit-product", { mainToken, ratio: "2", pd: pd.address, expiresIn: "10", out: file, from: "0" });
    await time.increase(20);
    await expectTaskError(run("token:issue-product", { permission: file, name: "X", symbol: "X", decimals: "18", from: "16" }), /ProductTokenFactoryPermissionExpired.*ask the CP for a new permission/);
  });

  it("bridge:register-pair proposes the pair on both sides; after the vote both bridges know it", async function () {
    await expectTaskError(run("bridge:register-pair", { mainToken, productToken, ratio: "10", min: "1", max: "100", daily: "1000", side: "left", from: "1" }), /--side must be both, main or product/);
    await expectTaskError(run("bridge:register-pair", { mainToken, productToken, ratio: "10", min: "5", max: "1", daily: "1000", side: "both", from: "1" }), /--min is above --max/);
    const { result } = await run("bridge:register-pair", { mainToken, productToken, ratio: "10", min: "1", max: "100", daily: "1000", side: "both", from: "1" });
    const r = result as { proposalId: bigint; pairId: string };
    pairId = r.pairId;
    await passWithTasks(String(r.proposalId));
    const { mainBridge, productBridge } = await loadSystem(hre);
    expect((await mainBridge.getPair(pairId)).ratio).to.equal(10n);
    expect((await productBridge.getPair(pairId)).ratio).to.equal(10n);
    expect((await productBridge.limits(pairId)).maxPerTx).to.equal(ethers.parseEther("1000"));
  });

  it("bridge:deposit approves and locks; bridge:status shows who confirmed; 4 of 6 mint", async function () {
    await expectTaskError(run("bridge:deposit", { pair: "0x1234", amount: "1", from: "0" }), /--pair must be a 0x-prefixed 32-byte id/);
    await expectTaskError(run("bridge:deposit", { pair: ethers.ZeroHash, amount: "1", from: "0" }), /is not registered on the main bridge/);
    await expectTaskError(run("bridge:deposit", { pair: pairId, amount: "101", from: "0" }), /BridgeAmountAboveMaximum/);
    const holder = (await ethers.getSigners())[18]!;
    const { result, out } = await run("bridge:deposit", { pair: pairId, amount: "12", recipient: holder.address, from: "0" });
    depositId = result as string;
    expect(out).to.match(/locked 12.0 main, 120.0 product tokens for 0x[0-9a-fA-F]{40} on chain 31337 after 4 signer confirmations/);

    const { productBridge } = await loadSystem(hre);
    const signers = await Promise.all((await productBridge.signers()).map((a) => ethers.getSigner(a)));
    for (const s of signers.slice(0, 3)) await productBridge.connect(s).confirmDeposit(depositId, pairId, holder.address, ethers.parseEther("12"));
    await productBridge.connect(signers[5]!).confirmDeposit(depositId, pairId, signers[5]!.address, ethers.parseEther("12")); // conflicting
    let status = await run("bridge:status", { id: depositId });
    expect(status.out).to.match(/3 of 4 matching confirmations; status None/);
    expect(status.out).to.match(/CONFLICTING data/);
    await productBridge.connect(signers[3]!).confirmDeposit(depositId, pairId, holder.address, ethers.parseEther("12"));
    status = await run("bridge:status", { id: depositId });
    expect(status.out).to.match(/4 of 4 matching confirmations; status Executed/);
    expect(await (await ethers.getContractAt("ProductToken", productToken)).balanceOf(holder.address)).to.equal(ethers.parseEther("120"));
  });

  it("bridge:redeem burns product tokens, explains an inexact amount, and status follows the redeem", async function () {
    await expectTaskError(run("bridge:redeem", { pair: pairId, amount: "0.000000000000000005", from: "18" }), /ProductBridgeInexactAmount.*multiple of the ratio 10/);
    const { result, out } = await run("bridge:redeem", { pair: pairId, amount: "50", from: "18" });
    expect(out).to.match(/burnt 50.0 product, 5.0 main tokens/);
    const status = await run("bridge:status", { id: result as string });
    expect(status.out).to.match(/^redeem 0x/);
    expect(status.out).to.match(/0 of 4 matching confirmations; status None/);
    await expectTaskError(run("bridge:status", { id: ethers.ZeroHash }), /no deposit or redeem with id/);
    await expectTaskError(run("bridge:status", { id: "nope" }), /--id must be a 0x-prefixed 32-byte id/);
    expect(readFileSync(path.join(dir, "hardhat.json"), "utf8")).to.contain("MainBridge");
  });
});
