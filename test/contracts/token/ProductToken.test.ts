import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { impersonate } from "../../fixtures/system";
import { E, PRODUCT_INFO, cloneImplementation, deployProductTokenFixture, signPermit, type IssuedProductTokenFixture } from "./token.fixture";

/** The issued product token with 100 units minted by the bridge to alice. */
async function fundedFixture(): Promise<IssuedProductTokenFixture> {
  const f = await deployProductTokenFixture();
  await (await f.productToken.connect(f.bridgeAsSigner).mint(f.alice.address, 100n * E)).wait();
  return f;
}

describe("ProductToken", function () {
  describe("mint (bridge only)", function () {
    it("lets the product bridge mint to anyone, increasing the supply", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      await expect(f.productToken.connect(f.bridgeAsSigner).mint(f.alice.address, 5n * E))
        .to.emit(f.productToken, "Transfer")
        .withArgs(ethers.ZeroAddress, f.alice.address, 5n * E);
      expect(await f.productToken.balanceOf(f.alice.address)).to.equal(5n * E);
      expect(await f.productToken.totalSupply()).to.equal(5n * E);
    });

    it("rejects mint by anyone else (ProductTokenNotBridge): PD, CP, governance, the factory, the main bridge", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      const factoryAsSigner = await impersonate(await f.productTokenFactory.getAddress());
      const mainBridgeAsSigner = await impersonate(await f.mainBridge.getAddress());
      for (const s of [f.pd, f.cp, f.gov, factoryAsSigner, mainBridgeAsSigner, f.alice]) {
        await expect(f.productToken.connect(s).mint(s.address, 1n))
          .to.be.revertedWithCustomError(f.productToken, "ProductTokenNotBridge")
          .withArgs(s.address);
      }
      expect(await f.productToken.totalSupply()).to.equal(0n);
    });

    it("rejects minting to the zero address (ERC20InvalidReceiver)", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      await expect(f.productToken.connect(f.bridgeAsSigner).mint(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.productToken, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });
  });

  describe("burn (bridge only)", function () {
    it("lets the product bridge burn from a holder, decreasing the supply", async function () {
      const f = await loadFixture(fundedFixture);
      await expect(f.productToken.connect(f.bridgeAsSigner).burn(f.alice.address, 40n * E))
        .to.emit(f.productToken, "Transfer")
        .withArgs(f.alice.address, ethers.ZeroAddress, 40n * E);
      expect(await f.productToken.balanceOf(f.alice.address)).to.equal(60n * E);
      expect(await f.productToken.totalSupply()).to.equal(60n * E);
    });

    it("rejects burning more than the holder's balance (ERC20InsufficientBalance)", async function () {
      const f = await loadFixture(fundedFixture);
      await expect(f.productToken.connect(f.bridgeAsSigner).burn(f.alice.address, 100n * E + 1n))
        .to.be.revertedWithCustomError(f.productToken, "ERC20InsufficientBalance")
        .withArgs(f.alice.address, 100n * E, 100n * E + 1n);
    });

    it("rejects burn by anyone else, including the holder itself (ProductTokenNotBridge)", async function () {
      const f = await loadFixture(fundedFixture);
      for (const s of [f.alice, f.pd, f.gov]) {
        await expect(f.productToken.connect(s).burn(f.alice.address, 1n))
          .to.be.revertedWithCustomError(f.productToken, "ProductTokenNotBridge")
          .withArgs(s.address);
      }
      expect(await f.productToken.balanceOf(f.alice.address)).to.equal(100n * E);
    });
  });

  describe("ERC-20", function () {
    it("transfers between holders", async function () {
      const f = await loadFixture(fundedFixture);
      await expect(f.productToken.connect(f.alice).transfer(f.bob.address, 30n * E)).to.changeTokenBalances(
        f.productToken,
        [f.alice, f.bob],
        [-30n * E, 30n * E],
      );
    });

    it("moves tokens with approve + transferFrom", async function () {
      const f = await loadFixture(fundedFixture);
      await f.productToken.connect(f.alice).approve(f.bob.address, 10n * E);
      await expect(f.productToken.connect(f.bob).transferFrom(f.alice.address, f.carol.address, 10n * E)).to.changeTokenBalances(
        f.productToken,
        [f.alice, f.carol],
        [-10n * E, 10n * E],
      );
      expect(await f.productToken.allowance(f.alice.address, f.bob.address)).to.equal(0n);
    });
  });

  describe("permit (EIP-2612)", function () {
    it("uses the token's name, version 1, this chain and the clone's address as EIP-712 domain", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      const d = await f.productToken.eip712Domain();
      expect(d.name).to.equal(PRODUCT_INFO.name);
      expect(d.version).to.equal("1");
      expect(d.chainId).to.equal(31337n);
      expect(d.verifyingContract).to.equal(await f.productToken.getAddress());
    });

    it("sets an allowance from a signed permit, then transferFrom works", async function () {
      const f = await loadFixture(fundedFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(f.productToken, f.alice, f.bob.address, 25n * E, deadline);
      await expect(f.productToken.connect(f.carol).permit(f.alice.address, f.bob.address, 25n * E, deadline, v, r, s))
        .to.emit(f.productToken, "Approval")
        .withArgs(f.alice.address, f.bob.address, 25n * E);
      expect(await f.productToken.nonces(f.alice.address)).to.equal(1n);
      await expect(f.productToken.connect(f.bob).transferFrom(f.alice.address, f.bob.address, 25n * E)).to.changeTokenBalances(
        f.productToken,
        [f.alice, f.bob],
        [-25n * E, 25n * E],
      );
    });

    it("rejects a permit signed by another key (ERC2612InvalidSigner)", async function () {
      const f = await loadFixture(fundedFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const forged = await signPermit(f.productToken, f.bob, f.bob.address, 1n, deadline, 0n);
      await expect(
        f.productToken.permit(f.alice.address, f.bob.address, 1n, deadline, forged.v, forged.r, forged.s),
      ).to.be.revertedWithCustomError(f.productToken, "ERC2612InvalidSigner");
    });

    it("rejects an expired permit (ERC2612ExpiredSignature)", async function () {
      const f = await loadFixture(fundedFixture);
      const deadline = BigInt(await time.latest()) + 10n;
      const { v, r, s } = await signPermit(f.productToken, f.alice, f.bob.address, 1n, deadline);
      await time.increase(60);
      await expect(f.productToken.permit(f.alice.address, f.bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(f.productToken, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });
  });

  describe("initialisation", function () {
    it("cannot be re-initialised once issued (InvalidInitialization), e.g. to replace the bridge", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      await expect(
        f.productToken.connect(f.pd).initialize("X", "X", 18, f.pd.address, f.mainAddress),
      ).to.be.revertedWithCustomError(f.productToken, "InvalidInitialization");
      expect(await f.productToken.bridge()).to.equal(await f.productBridge.getAddress());
    });

    it("has an implementation that cannot be initialised (InvalidInitialization)", async function () {
      const f = await loadFixture(deployProductTokenFixture);
      const implAddress = await cloneImplementation(await f.productToken.getAddress());
      expect(implAddress).to.equal(f.manifest.contracts.ProductToken!.address);
      const impl = await ethers.getContractAt("ProductToken", implAddress);
      await expect(impl.initialize("X", "X", 18, f.alice.address, f.mainAddress)).to.be.revertedWithCustomError(
        impl,
        "InvalidInitialization",
      );
      expect(await impl.bridge()).to.equal(ethers.ZeroAddress);
    });
  });
});
