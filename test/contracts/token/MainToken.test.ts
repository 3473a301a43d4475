import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { impersonate } from "../../fixtures/system";
import { E, MAIN, PERMIT_TYPES, deployMainTokenFixture, issueMainToken, signPermit, type MainTokenFixture } from "./token.fixture";

/** A pause of the fixture's token by the council contract (PAUSER_ROLE on the factory). */
async function pausedByCouncil(): Promise<MainTokenFixture> {
  const f = await deployMainTokenFixture();
  await (await f.token.connect(f.councilAsSigner).pause()).wait();
  return f;
}

describe("MainToken", function () {
  describe("ERC-20", function () {
    it("transfers between holders and emits Transfer", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(alice).transfer(bob.address, 10n * E))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, bob.address, 10n * E);
      expect(await token.balanceOf(alice.address)).to.equal(990n * E);
      expect(await token.balanceOf(bob.address)).to.equal(10n * E);
    });

    it("rejects a transfer above the balance (ERC20InsufficientBalance)", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(alice).transfer(bob.address, 1_001n * E))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 1_000n * E, 1_001n * E);
    });

    it("rejects a transfer to the zero address (ERC20InvalidReceiver)", async function () {
      const { token, alice } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(alice).transfer(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("moves tokens with approve + transferFrom and spends the allowance", async function () {
      const { token, alice, bob, carol } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(alice).approve(bob.address, 5n * E))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, 5n * E);
      await expect(token.connect(bob).transferFrom(alice.address, carol.address, 2n * E)).to.changeTokenBalances(
        token,
        [alice, carol],
        [-2n * E, 2n * E],
      );
      expect(await token.allowance(alice.address, bob.address)).to.equal(3n * E);
      await expect(token.connect(bob).transferFrom(alice.address, carol.address, 4n * E))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 3n * E, 4n * E);
    });
  });

  describe("permit (EIP-2612)", function () {
    it("exposes the EIP-712 domain: the token's name, version 1, this chain and the token address", async function () {
      const { token } = await loadFixture(deployMainTokenFixture);
      const d = await token.eip712Domain();
      expect(d.name).to.equal(MAIN.name);
      expect(d.version).to.equal("1");
      expect(d.chainId).to.equal(31337n);
      expect(d.verifyingContract).to.equal(await token.getAddress());
      const expected = ethers.TypedDataEncoder.hashDomain({
        name: MAIN.name,
        version: "1",
        chainId: 31337n,
        verifyingContract: await token.getAddress(),
      });
      expect(await token.DOMAIN_SEPARATOR()).to.equal(expected);
    });

    it("sets an allowance from a signed permit submitted by anyone, bumps the nonce, then transferFrom works", async function () {
      const { token, alice, bob, carol } = await loadFixture(deployMainTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(token, alice, bob.address, 50n * E, deadline);
      expect(await token.nonces(alice.address)).to.equal(0n);
      await expect(token.connect(carol).permit(alice.address, bob.address, 50n * E, deadline, v, r, s))
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, 50n * E);
      expect(await token.allowance(alice.address, bob.address)).to.equal(50n * E);
      expect(await token.nonces(alice.address)).to.equal(1n);
      await expect(token.connect(bob).transferFrom(alice.address, bob.address, 50n * E)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-50n * E, 50n * E],
      );
      expect(await token.allowance(alice.address, bob.address)).to.equal(0n);
    });

    it("rejects a replayed permit (ERC2612InvalidSigner: the nonce moved on)", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(token, alice, bob.address, 1n, deadline);
      await token.permit(alice.address, bob.address, 1n, deadline, v, r, s);
      const recovered = ethers.recoverAddress(
        ethers.TypedDataEncoder.hash(
          { name: MAIN.name, version: "1", chainId: 31337n, verifyingContract: await token.getAddress() },
          PERMIT_TYPES,
          { owner: alice.address, spender: bob.address, value: 1n, nonce: 1n, deadline },
        ),
        { v, r, s },
      );
      await expect(token.permit(alice.address, bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
    });

    it("rejects a permit signed by someone other than the owner (ERC2612InvalidSigner)", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      // bob signs a permit naming alice as owner (nonce 0, alice's current one)
      const forged = await signPermit(token, bob, bob.address, 1n, deadline, 0n);
      const d = await token.eip712Domain();
      const digest = ethers.TypedDataEncoder.hash(
        { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract },
        PERMIT_TYPES,
        { owner: alice.address, spender: bob.address, value: 1n, nonce: 0n, deadline },
      );
      const recovered = ethers.recoverAddress(digest, forged.signature);
      await expect(token.permit(alice.address, bob.address, 1n, deadline, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await token.allowance(alice.address, bob.address)).to.equal(0n);
    });

    it("rejects an expired permit (ERC2612ExpiredSignature)", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const { v, r, s } = await signPermit(token, alice, bob.address, 1n, deadline);
      await time.increase(120);
      await expect(token.permit(alice.address, bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });

    it("does not accept a permit signed for another main token (domain bound to the token address)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const other = (await issueMainToken(f, f.deployer, { ...MAIN, symbol: "OTH" })).token;
      const deadline = BigInt(await time.latest()) + 3_600n;
      // Same name, so only the verifying contract differs.
      const sig = await signPermit(other, f.deployer, f.bob.address, 1n, deadline);
      await expect(f.token.permit(f.deployer.address, f.bob.address, 1n, deadline, sig.v, sig.r, sig.s)).to.be.revertedWithCustomError(
        f.token,
        "ERC2612InvalidSigner",
      );
    });
  });

  describe("burn", function () {
    it("lets a holder burn its own tokens, reducing the supply", async function () {
      const { token, alice } = await loadFixture(deployMainTokenFixture);
      const supply = await token.totalSupply();
      await expect(token.connect(alice).burn(100n * E))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 100n * E);
      expect(await token.balanceOf(alice.address)).to.equal(900n * E);
      expect(await token.totalSupply()).to.equal(supply - 100n * E);
    });

    it("lets an approved spender burnFrom, spending the allowance", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      await token.connect(alice).approve(bob.address, 30n * E);
      const supply = await token.totalSupply();
      await expect(token.connect(bob).burnFrom(alice.address, 20n * E))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 20n * E);
      expect(await token.balanceOf(alice.address)).to.equal(980n * E);
      expect(await token.allowance(alice.address, bob.address)).to.equal(10n * E);
      expect(await token.totalSupply()).to.equal(supply - 20n * E);
    });

    it("rejects burnFrom without allowance (ERC20InsufficientAllowance)", async function () {
      const { token, alice, bob } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(bob).burnFrom(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0n, 1n);
    });

    it("rejects burning more than the balance (ERC20InsufficientBalance)", async function () {
      const { token, alice } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(alice).burn(1_000n * E + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, 1_000n * E, 1_000n * E + 1n);
    });

    it("frees room under the cap: burnt supply can be minted again", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const room = MAIN.cap - (await f.token.totalSupply());
      await f.token.connect(f.deployer).mint(f.bob.address, room);
      await f.token.connect(f.alice).burn(5n);
      await expect(f.token.connect(f.deployer).mint(f.bob.address, 5n)).to.changeTokenBalance(f.token, f.bob, 5n);
      expect(await f.token.totalSupply()).to.equal(MAIN.cap);
    });
  });

  describe("mint", function () {
    it("lets the issuer mint to anyone", async function () {
      const { token, deployer, bob } = await loadFixture(deployMainTokenFixture);
      await expect(token.connect(deployer).mint(bob.address, 7n * E))
        .to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, bob.address, 7n * E);
      expect(await token.balanceOf(bob.address)).to.equal(7n * E);
      expect(await token.totalSupply()).to.equal(MAIN.initialSupply + 7n * E);
    });

    it("lets the issuer mint exactly up to the cap", async function () {
      const { token, deployer, bob } = await loadFixture(deployMainTokenFixture);
      await token.connect(deployer).mint(bob.address, MAIN.cap - MAIN.initialSupply);
      expect(await token.totalSupply()).to.equal(MAIN.cap);
    });

    it("rejects minting beyond the cap (ERC20ExceededCap)", async function () {
      const { token, deployer, bob } = await loadFixture(deployMainTokenFixture);
      const amount = MAIN.cap - MAIN.initialSupply + 1n;
      await expect(token.connect(deployer).mint(bob.address, amount))
        .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
        .withArgs(MAIN.cap + 1n, MAIN.cap);
    });

    it("rejects minting by anyone but the issuer (MainTokenNotIssuer), including governance and the factory", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const factoryAsSigner = await impersonate(await f.mainTokenFactory.getAddress());
      for (const s of [f.alice, f.gov, f.councilAsSigner, factoryAsSigner]) {
        await expect(f.token.connect(s).mint(s.address, 1n))
          .to.be.revertedWithCustomError(f.token, "MainTokenNotIssuer")
          .withArgs(s.address);
      }
    });

    it("keeps the issuer's minting right after the issuer loses CP_ROLE (the role only gates issuing)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await f.chainRegistry.connect(f.gov).revokeRole(await f.chainRegistry.CP_ROLE(), f.deployer.address);
      await expect(f.token.connect(f.deployer).mint(f.bob.address, 1n)).to.changeTokenBalance(f.token, f.bob, 1n);
    });
  });

  describe("pause", function () {
    it("is paused by the council contract (PAUSER_ROLE on the factory)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await expect(f.token.connect(f.councilAsSigner).pause())
        .to.emit(f.token, "Paused")
        .withArgs(await f.council.getAddress());
      expect(await f.token.paused()).to.equal(true);
    });

    it("is paused by governance (GOVERNANCE_ROLE on the factory)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await expect(f.token.connect(f.gov).pause())
        .to.emit(f.token, "Paused")
        .withArgs(await f.timelock.getAddress());
      expect(await f.token.paused()).to.equal(true);
    });

    it("is paused by a 3-of-5 council action end to end", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const [m0, m1, m2] = f.councilSigners;
      const target = await f.token.getAddress();
      const id = await f.council.connect(m0!).submitPause.staticCall(target);
      await f.council.connect(m0!).submitPause(target);
      await f.council.connect(m1!).approve(id);
      await expect(f.council.connect(m2!).approve(id))
        .to.emit(f.token, "Paused")
        .withArgs(await f.council.getAddress());
      expect(await f.token.paused()).to.equal(true);
    });

    it("rejects pause by a council member EOA, the issuer or an outsider (MainTokenUnauthorized)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      for (const s of [f.councilSigners[0]!, f.deployer, f.alice]) {
        await expect(f.token.connect(s).pause()).to.be.revertedWithCustomError(f.token, "MainTokenUnauthorized").withArgs(s.address);
      }
    });

    it("follows the factory's roles: once governance revokes the council's PAUSER_ROLE, the council cannot pause", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await f.mainTokenFactory.connect(f.gov).revokeRole(await f.mainTokenFactory.PAUSER_ROLE(), await f.council.getAddress());
      await expect(f.token.connect(f.councilAsSigner).pause())
        .to.be.revertedWithCustomError(f.token, "MainTokenUnauthorized")
        .withArgs(await f.council.getAddress());
    });

    it("follows the factory's roles: a new PAUSER_ROLE holder on the factory can pause every token", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const newPauser = f.outsiders[8]!;
      await f.mainTokenFactory.connect(f.gov).grantRole(await f.mainTokenFactory.PAUSER_ROLE(), newPauser.address);
      await expect(f.token.connect(newPauser).pause()).to.emit(f.token, "Paused").withArgs(newPauser.address);
    });

    it("pauses only the token it is called on", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const other = (await issueMainToken(f, f.deployer, { ...MAIN, symbol: "OTH" })).token;
      await f.token.connect(f.councilAsSigner).pause();
      expect(await other.paused()).to.equal(false);
      await expect(other.connect(f.deployer).transfer(f.bob.address, 1n)).to.changeTokenBalance(other, f.bob, 1n);
    });

    it("rejects pausing twice (EnforcedPause)", async function () {
      const f = await loadFixture(pausedByCouncil);
      await expect(f.token.connect(f.gov).pause()).to.be.revertedWithCustomError(f.token, "EnforcedPause");
    });

    it("blocks transfer, transferFrom, mint, burn and burnFrom with EnforcedPause while paused", async function () {
      const f = await loadFixture(pausedByCouncil);
      const { token, alice, bob, deployer } = f;
      await token.connect(alice).approve(bob.address, 10n);
      await expect(token.connect(alice).transfer(bob.address, 1n)).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(bob).transferFrom(alice.address, bob.address, 1n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await expect(token.connect(deployer).mint(bob.address, 1n)).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(alice).burn(1n)).to.be.revertedWithCustomError(token, "EnforcedPause");
      await expect(token.connect(bob).burnFrom(alice.address, 1n)).to.be.revertedWithCustomError(token, "EnforcedPause");
    });

    it("still allows approvals and permits while paused (no balance moves)", async function () {
      const f = await loadFixture(pausedByCouncil);
      await expect(f.token.connect(f.alice).approve(f.bob.address, 5n)).to.emit(f.token, "Approval");
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(f.token, f.alice, f.carol.address, 6n, deadline);
      await f.token.permit(f.alice.address, f.carol.address, 6n, deadline, v, r, s);
      expect(await f.token.allowance(f.alice.address, f.carol.address)).to.equal(6n);
    });

    it("is unpaused by governance only, after which transfers work again", async function () {
      const f = await loadFixture(pausedByCouncil);
      await expect(f.token.connect(f.gov).unpause())
        .to.emit(f.token, "Unpaused")
        .withArgs(await f.timelock.getAddress());
      expect(await f.token.paused()).to.equal(false);
      await expect(f.token.connect(f.alice).transfer(f.bob.address, 1n)).to.changeTokenBalances(f.token, [f.alice, f.bob], [-1n, 1n]);
    });

    it("rejects unpause by the council contract, a council member, the issuer or an outsider (MainTokenUnauthorized)", async function () {
      const f = await loadFixture(pausedByCouncil);
      for (const s of [f.councilAsSigner, f.councilSigners[0]!, f.deployer, f.alice]) {
        await expect(f.token.connect(s).unpause()).to.be.revertedWithCustomError(f.token, "MainTokenUnauthorized").withArgs(s.address);
      }
      expect(await f.token.paused()).to.equal(true);
    });

    it("rejects unpausing a token that is not paused (ExpectedPause)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await expect(f.token.connect(f.gov).unpause()).to.be.revertedWithCustomError(f.token, "ExpectedPause");
    });
  });

  describe("initialisation", function () {
    it("has an implementation (the beacon's) that cannot be initialised (InvalidInitialization)", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      const beacon = await ethers.getContractAt("UpgradeableBeacon", await f.mainTokenFactory.beacon());
      const impl = await ethers.getContractAt("MainToken", await beacon.implementation());
      await expect(
        impl.initialize("X", "X", 18, 1n, 1n, f.alice.address, f.alice.address),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });

    it("cannot be re-initialised once issued (InvalidInitialization), e.g. to take over the issuer role", async function () {
      const f = await loadFixture(deployMainTokenFixture);
      await expect(
        f.token.connect(f.alice).initialize("X", "X", 18, 1n, 1n, f.alice.address, f.alice.address),
      ).to.be.revertedWithCustomError(f.token, "InvalidInitialization");
      expect(await f.token.issuer()).to.equal(f.deployer.address);
    });
  });
});
