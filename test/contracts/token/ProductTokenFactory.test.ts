import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture } from "../../fixtures/system";
import {
  CHAIN_ID,
  E,
  PERMISSION_TYPES,
  PRODUCT_INFO,
  cloneImplementation,
  deployProductFactoryFixture,
  issueMainToken,
  issueProductToken,
  makePermission,
  permissionDomain,
  signPermission,
} from "./token.fixture";

const MAX_RATIO = 10n ** 18n;

describe("ProductTokenFactory", function () {
  describe("setup", function () {
    it("knows the product bridge, MAX_RATIO = 1e18, the permission typehash and starts empty", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = f.productTokenFactory;
      expect(await factory.bridge()).to.equal(await f.productBridge.getAddress());
      expect(await factory.MAX_RATIO()).to.equal(MAX_RATIO);
      expect(await factory.PERMISSION_TYPEHASH()).to.equal(
        ethers.id(
          "ProductTokenPermission(uint256 productChainId,address mainToken,uint256 ratio,address productDeveloper,uint256 expiry)",
        ),
      );
      expect(await factory.tokens()).to.deep.equal([]);
    });

    it("exposes the EIP-712 domain LuniverseProductTokenFactory / 1 / this chain / the factory", async function () {
      const f = await loadFixture(deploySystemFixture);
      const d = await f.productTokenFactory.eip712Domain();
      expect(d.name).to.equal("LuniverseProductTokenFactory");
      expect(d.version).to.equal("1");
      expect(d.chainId).to.equal(CHAIN_ID);
      expect(d.verifyingContract).to.equal(await f.productTokenFactory.getAddress());
    });

    it("cannot be initialised again through the proxy (InvalidInitialization)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(
        f.productTokenFactory.initialize(f.deployer.address, f.manifest.contracts.ProductToken!.address, f.deployer.address),
      ).to.be.revertedWithCustomError(f.productTokenFactory, "InvalidInitialization");
    });
    it("has an implementation that cannot be initialised (InvalidInitialization)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const impl = await ethers.getContractAt(
        "ProductTokenFactory",
        await upgrades.erc1967.getImplementationAddress(await f.productTokenFactory.getAddress()),
      );
      await expect(
        impl.initialize(f.deployer.address, f.manifest.contracts.ProductToken!.address, f.deployer.address),
      ).to.be.revertedWithCustomError(impl, "InvalidInitialization");
    });
  });

  describe("setMainTokenIssuer", function () {
    it("lets governance record a main token's issuer and emits MainTokenIssuerSet", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const main2 = f.outsiders[9]!.address; // an address standing for a main-chain token
      expect(await f.productTokenFactory.mainTokenIssuer(main2)).to.equal(ethers.ZeroAddress);
      await expect(f.productTokenFactory.connect(f.gov).setMainTokenIssuer(main2, f.bob.address))
        .to.emit(f.productTokenFactory, "MainTokenIssuerSet")
        .withArgs(main2, f.bob.address);
      expect(await f.productTokenFactory.mainTokenIssuer(main2)).to.equal(f.bob.address);
      expect(await f.productTokenFactory.mainTokenIssuer(f.mainAddress)).to.equal(f.cp.address);
    });

    it("rejects callers without GOVERNANCE_ROLE: outsider, CP, council (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const GOV = await f.productTokenFactory.GOVERNANCE_ROLE();
      for (const s of [f.outsiders[0]!, f.cp, f.councilAsSigner]) {
        await expect(f.productTokenFactory.connect(s).setMainTokenIssuer(f.mainAddress, s.address))
          .to.be.revertedWithCustomError(f.productTokenFactory, "AccessControlUnauthorizedAccount")
          .withArgs(s.address, GOV);
      }
    });

    it('rejects a zero main token (SystemContractZeroAddress("mainToken"))', async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      await expect(f.productTokenFactory.connect(f.gov).setMainTokenIssuer(ethers.ZeroAddress, f.cp.address))
        .to.be.revertedWithCustomError(f.productTokenFactory, "SystemContractZeroAddress")
        .withArgs("mainToken");
    });

    it("revokes with a zero issuer: later permissions fail with ProductTokenFactoryUnknownMainToken", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.gov).setMainTokenIssuer(f.mainAddress, ethers.ZeroAddress))
        .to.emit(f.productTokenFactory, "MainTokenIssuerSet")
        .withArgs(f.mainAddress, ethers.ZeroAddress);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryUnknownMainToken")
        .withArgs(f.mainAddress);
    });

    it("after the issuer is changed, the former issuer's permissions fail (ProductTokenFactoryInvalidSigner)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      const newCp = f.outsiders[4]!;
      await f.productTokenFactory.connect(f.gov).setMainTokenIssuer(f.mainAddress, newCp.address);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(f.cp.address, newCp.address);
    });
  });

  describe("issueProductToken", function () {
    it("issues a token to the permitted developer and emits ProductTokenIssued with every argument", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f, { ratio: 250n });
      const signature = await signPermission(f.cp, f.domain, permission);
      const factory = f.productTokenFactory.connect(f.pd);
      const predicted = await factory.issueProductToken.staticCall(permission, signature, PRODUCT_INFO);
      await expect(factory.issueProductToken(permission, signature, PRODUCT_INFO))
        .to.emit(factory, "ProductTokenIssued")
        .withArgs(predicted, f.mainAddress, f.pd.address, f.cp.address, 250n);
      expect(await factory.tokens()).to.deep.equal([predicted]);
      expect(await factory.ratioOf(predicted)).to.equal(250n);
    });

    it("initialises the token: name, symbol, decimals, bridge = ProductBridge, mainToken, zero supply", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const { token } = await issueProductToken(f);
      expect(await token.name()).to.equal(PRODUCT_INFO.name);
      expect(await token.symbol()).to.equal(PRODUCT_INFO.symbol);
      expect(await token.decimals()).to.equal(PRODUCT_INFO.decimals);
      expect(await token.bridge()).to.equal(await f.productBridge.getAddress());
      expect(await token.mainToken()).to.equal(f.mainAddress);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("deploys each token as an EIP-1167 clone of the ProductToken implementation", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const { token } = await issueProductToken(f);
      expect(await cloneImplementation(await token.getAddress())).to.equal(f.manifest.contracts.ProductToken!.address);
    });

    it("computes permissionDigest as the EIP-712 hash of the permission in the factory's domain", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const expected = ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission);
      expect(await f.productTokenFactory.permissionDigest(permission)).to.equal(expected);
      const signature = await signPermission(f.cp, f.domain, permission);
      expect(ethers.recoverAddress(expected, signature)).to.equal(f.cp.address);
    });

    it("marks the permission used (isPermissionUsed false → true)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const digest = ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission);
      const signature = await signPermission(f.cp, f.domain, permission);
      expect(await f.productTokenFactory.isPermissionUsed(digest)).to.equal(false);
      await f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO);
      expect(await f.productTokenFactory.isPermissionUsed(digest)).to.equal(true);
    });

    it("lists several tokens in order with their own ratios; ratioOf is zero for other addresses", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const a = await issueProductToken(f, { ratio: 1n }, { name: "A", symbol: "A", decimals: 18 });
      const b = await issueProductToken(f, { ratio: MAX_RATIO }, { name: "B", symbol: "B", decimals: 0 });
      const addrs = [await a.token.getAddress(), await b.token.getAddress()];
      expect(await f.productTokenFactory.tokens()).to.deep.equal(addrs);
      expect(await f.productTokenFactory.ratioOf(addrs[0]!)).to.equal(1n);
      expect(await f.productTokenFactory.ratioOf(addrs[1]!)).to.equal(MAX_RATIO);
      expect(await f.productTokenFactory.ratioOf(f.mainAddress)).to.equal(0n);
      expect(await b.token.decimals()).to.equal(0n);
    });

    it("accepts 36 decimals and a permission used exactly at its expiry", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      await time.setNextBlockTimestamp(permission.expiry);
      const info = { name: "Max", symbol: "MAX", decimals: 36 };
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, info)).to.emit(
        f.productTokenFactory,
        "ProductTokenIssued",
      );
    });

    it("works for a second CP that issued its own main token, with governance recording it as issuer", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const cp2 = f.outsiders[3]!;
      await f.chainRegistry.connect(f.gov).grantRole(await f.chainRegistry.CP_ROLE(), cp2.address);
      const main2 = await (await issueMainToken(f, cp2, { name: "Two", symbol: "TWO", decimals: 18, initialSupply: 0n, cap: E })).token.getAddress();
      await f.productTokenFactory.connect(f.gov).setMainTokenIssuer(main2, cp2.address);
      const permission = await makePermission(f, { mainToken: main2 });
      const signature = await signPermission(cp2, f.domain, permission);
      const factory = f.productTokenFactory.connect(f.pd);
      const predicted = await factory.issueProductToken.staticCall(permission, signature, PRODUCT_INFO);
      await expect(factory.issueProductToken(permission, signature, PRODUCT_INFO))
        .to.emit(factory, "ProductTokenIssued")
        .withArgs(predicted, main2, f.pd.address, cp2.address, permission.ratio);
      // the first CP cannot sign for the second CP's main token
      const p2 = await makePermission(f, { mainToken: main2, ratio: 7n });
      await expect(factory.issueProductToken(p2, await signPermission(f.cp, f.domain, p2), PRODUCT_INFO))
        .to.be.revertedWithCustomError(factory, "ProductTokenFactoryInvalidSigner")
        .withArgs(f.cp.address, cp2.address);
    });

    it("reports the gas of issueProductToken (informational)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const { gasUsed } = await issueProductToken(f);
      expect(gasUsed).to.be.greaterThan(0n);
      console.log(`      gas: issueProductToken = ${gasUsed}`);
    });
  });

  describe("issueProductToken errors", function () {
    it("ProductTokenFactoryWrongChain for a permission for another product chain (productChainId 1)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f, { productChainId: 1n });
      const signature = await signPermission(f.cp, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryWrongChain")
        .withArgs(1n, CHAIN_ID);
    });

    it("ProductTokenFactoryPermissionExpired after the expiry", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      await time.increase(3_601);
      const next = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(next);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryPermissionExpired")
        .withArgs(permission.expiry, next);
    });

    it("ProductTokenFactoryNotPermittedDeveloper when someone else submits the permission", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      for (const s of [f.bob, f.cp]) {
        await expect(f.productTokenFactory.connect(s).issueProductToken(permission, signature, PRODUCT_INFO))
          .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryNotPermittedDeveloper")
          .withArgs(f.pd.address, s.address);
      }
    });

    it("ProductTokenFactoryUnknownMainToken when governance has not recorded the main token's issuer", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const unknown = (await issueMainToken(f, f.cp, { name: "U", symbol: "U", decimals: 18, initialSupply: 0n, cap: 1n })).token;
      const unknownAddress = await unknown.getAddress();
      const permission = await makePermission(f, { mainToken: unknownAddress });
      const signature = await signPermission(f.cp, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryUnknownMainToken")
        .withArgs(unknownAddress);
    });

    it("ProductTokenFactoryInvalidSigner for a permission signed by another key", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.bob, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(f.bob.address, f.cp.address);
    });

    it("ProductTokenFactoryInvalidSigner for a permission signed by the PD itself", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.pd, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(f.pd.address, f.cp.address);
    });

    it("ProductTokenFactoryInvalidSigner (cross-chain replay): signed in a chain-1 domain, message productChainId 31337", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const otherChain = await permissionDomain(f.productTokenFactory, { chainId: 1n });
      const signature = await signPermission(f.cp, otherChain, permission);
      // The factory hashes in its own domain, so the signature recovers to an unrelated address.
      const recovered = ethers.recoverAddress(ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission), signature);
      expect(recovered).to.not.equal(f.cp.address);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(recovered, f.cp.address);
    });

    it("ProductTokenFactoryInvalidSigner for a permission signed for another factory (verifyingContract)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const otherFactory = await permissionDomain(f.productTokenFactory, { verifyingContract: await f.mainTokenFactory.getAddress() });
      const signature = await signPermission(f.cp, otherFactory, permission);
      const recovered = ethers.recoverAddress(ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission), signature);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(recovered, f.cp.address);
    });

    it("ProductTokenFactoryInvalidSigner for a tampered permission (ratio changed after signing)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f, { ratio: 100n });
      const signature = await signPermission(f.cp, f.domain, permission);
      const tampered = { ...permission, ratio: 1_000n };
      const recovered = ethers.recoverAddress(ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, tampered), signature);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(tampered, signature, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(recovered, f.cp.address);
    });

    it("ProductTokenFactoryInvalidSigner(0, issuer) for a malformed signature", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      for (const bad of ["0x", "0x1234", ethers.hexlify(new Uint8Array(65))]) {
        await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, bad, PRODUCT_INFO))
          .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
          .withArgs(ethers.ZeroAddress, f.cp.address);
      }
    });

    it("ProductTokenFactoryPermissionUsed when a permission is presented twice", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const { permission, signature } = await issueProductToken(f);
      const digest = ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission);
      await expect(
        f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, { name: "Again", symbol: "AG", decimals: 18 }),
      )
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryPermissionUsed")
        .withArgs(digest);
      expect(await f.productTokenFactory.tokens()).to.have.length(1);
    });

    it("ProductTokenFactoryInvalidSigner(0, issuer) for the malleable high-s twin of a used signature", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const { permission, signature } = await issueProductToken(f);
      // EIP-2 malleable twin of the signature: (r, n - s, v ^ 1). OZ's ECDSA rejects high-s → signer 0.
      const sig = ethers.Signature.from(signature);
      const n = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
      const twin = ethers.concat([sig.r, ethers.toBeHex(n - BigInt(sig.s), 32), ethers.toBeHex(sig.v === 27 ? 28 : 27, 1)]);
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, twin, PRODUCT_INFO))
        .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidSigner")
        .withArgs(ethers.ZeroAddress, f.cp.address);
    });

    for (const ratio of [0n, MAX_RATIO + 1n]) {
      it(`ProductTokenFactoryInvalidRatio for ratio ${ratio}`, async function () {
        const f = await loadFixture(deployProductFactoryFixture);
        const permission = await makePermission(f, { ratio });
        const signature = await signPermission(f.cp, f.domain, permission);
        await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO))
          .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidRatio")
          .withArgs(ratio);
      });
    }

    const invalidInfo: [string, { name: string; symbol: string; decimals: number }][] = [
      ["empty name", { name: "", symbol: "P", decimals: 18 }],
      ["empty symbol", { name: "P", symbol: "", decimals: 18 }],
      ["decimals above 36", { name: "P", symbol: "P", decimals: 37 }],
    ];
    for (const [reason, info] of invalidInfo) {
      it(`ProductTokenFactoryInvalidToken("${reason}") and the permission stays unused`, async function () {
        const f = await loadFixture(deployProductFactoryFixture);
        const permission = await makePermission(f);
        const signature = await signPermission(f.cp, f.domain, permission);
        await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, info))
          .to.be.revertedWithCustomError(f.productTokenFactory, "ProductTokenFactoryInvalidToken")
          .withArgs(reason);
        const digest = ethers.TypedDataEncoder.hash(f.domain, PERMISSION_TYPES, permission);
        expect(await f.productTokenFactory.isPermissionUsed(digest)).to.equal(false);
        await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO)).to.emit(
          f.productTokenFactory,
          "ProductTokenIssued",
        );
      });
    }
  });

  describe("pause", function () {
    it("EnforcedPause while the council has paused the factory; governance unpauses", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      const permission = await makePermission(f);
      const signature = await signPermission(f.cp, f.domain, permission);
      await expect(f.productTokenFactory.connect(f.councilAsSigner).pause())
        .to.emit(f.productTokenFactory, "Paused")
        .withArgs(await f.council.getAddress());
      await expect(
        f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO),
      ).to.be.revertedWithCustomError(f.productTokenFactory, "EnforcedPause");
      await expect(f.productTokenFactory.connect(f.councilAsSigner).unpause())
        .to.be.revertedWithCustomError(f.productTokenFactory, "AccessControlUnauthorizedAccount")
        .withArgs(await f.council.getAddress(), await f.productTokenFactory.GOVERNANCE_ROLE());
      await f.productTokenFactory.connect(f.gov).unpause();
      await expect(f.productTokenFactory.connect(f.pd).issueProductToken(permission, signature, PRODUCT_INFO)).to.emit(
        f.productTokenFactory,
        "ProductTokenIssued",
      );
    });

    it("rejects pause by an outsider (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deployProductFactoryFixture);
      await expect(f.productTokenFactory.connect(f.bob).pause())
        .to.be.revertedWithCustomError(f.productTokenFactory, "AccessControlUnauthorizedAccount")
        .withArgs(f.bob.address, await f.productTokenFactory.PAUSER_ROLE());
    });
  });
});
