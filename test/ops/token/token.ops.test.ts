import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystemFixture, impersonate, type SystemFixture } from "../../fixtures/system";
import { failure } from "../economy/failure";
import { issueMainToken } from "../../../ops/token/issueMainToken";
import { permitProductToken } from "../../../ops/token/permitProductToken";
import { issueProductToken } from "../../../ops/token/issueProductToken";
import { setMainTokenIssuer } from "../../../ops/token/setMainTokenIssuer";
import { PERMISSION_TYPES, permissionDomain, permissionFromJson, permissionToJson } from "../../../ops/token/permission";

const E = 10n ** 18n;

interface TokenOpsFixture extends SystemFixture {
  gov: HardhatEthersSigner;
  cp: HardhatEthersSigner;
  pd: HardhatEthersSigner;
  /** A main token issued by the deployer (the CP), its issuer recorded on the product factory. */
  mainToken: string;
  /** A main token whose issuer is not recorded on the product factory. */
  unrecorded: string;
  factory: string;
}

async function tokenOpsFixture(): Promise<TokenOpsFixture> {
  const f = await deploySystemFixture();
  const gov = await impersonate(await f.timelock.getAddress());
  const mainTokenFactory = await f.mainTokenFactory.getAddress();
  const { token: mainToken } = await issueMainToken(f.deployer, { factory: mainTokenFactory, name: "Gold", symbol: "GLD", supply: 1_000n * E, cap: 2_000n * E });
  const { token: unrecorded } = await issueMainToken(f.deployer, { factory: mainTokenFactory, name: "Silver", symbol: "SLV", supply: 1_000n * E, cap: 2_000n * E });
  const factory = await f.productTokenFactory.getAddress();
  await setMainTokenIssuer(gov, { factory, mainToken, issuer: f.deployer.address });
  return { ...f, gov, cp: f.deployer, pd: f.outsiders[6]!, mainToken, unrecorded, factory };
}

describe("ops/token", function () {
  let f: TokenOpsFixture;
  beforeEach(async function () {
    f = await loadFixture(tokenOpsFixture);
  });

  describe("permission (EIP-712 and its JSON form)", function () {
    it("round-trips through JSON, and the signature recovers to the CP under the factory's domain", async function () {
      const signed = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 10n, productDeveloper: f.pd.address, expiresIn: 600n });
      const json = JSON.parse(JSON.stringify(permissionToJson(signed))) as unknown;
      expect(permissionFromJson(json)).to.deep.equal(signed);
      const recovered = ethers.verifyTypedData(permissionDomain(31337n, f.factory), PERMISSION_TYPES, signed.permission, signed.signature);
      expect(recovered).to.equal(f.cp.address);
      expect(await f.productTokenFactory.permissionDigest(signed.permission)).to.equal(ethers.TypedDataEncoder.hash(permissionDomain(31337n, f.factory), PERMISSION_TYPES, signed.permission));
    });

    it("OP_INVALID_PARAMETER: anything but a signed permission names the first bad field", async function () {
      const good = permissionToJson(await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address, expiresIn: 600n }));
      const cases: [unknown, RegExp][] = [
        [{}, /permission is missing/],
        [null, /the permission object is missing/],
        [{ ...good, factory: "0x12" }, /factory is not an address/],
        [{ ...good, signature: 42 }, /signature is missing or not hex/],
        [{ ...good, permission: { ...good.permission, ratio: "ten" } }, /permission.ratio is not a decimal integer/],
        [{ ...good, permission: { ...good.permission, productDeveloper: "pd" } }, /permission.productDeveloper is not an address/],
      ];
      for (const [value, message] of cases) {
        let thrown: { code?: string; message: string } | undefined;
        try {
          permissionFromJson(value);
        } catch (e) {
          thrown = e as { code: string; message: string };
        }
        expect(thrown?.code, String(message)).to.equal("OP_INVALID_PARAMETER");
        expect(thrown!.message).to.match(message);
      }
    });
  });

  describe("permitProductToken", function () {
    it("dates the expiry by the product chain's clock and hands out a permission the factory accepts", async function () {
      const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      const signed = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 10n, productDeveloper: f.pd.address, expiresIn: 600n });
      expect(signed.permission).to.deep.equal({ productChainId: 31337n, mainToken: f.mainToken, ratio: 10n, productDeveloper: f.pd.address, expiry: latest + 600n });
      expect(signed.factory).to.equal(f.factory);
      const issued = await issueProductToken(f.pd, { permit: signed, name: "Gold Points", symbol: "GPT" });
      expect(await f.productTokenFactory.ratioOf(issued.token)).to.equal(10n);
    });

    it("signs offline (no product provider) with the chain id and an absolute expiry, unchecked", async function () {
      const nonce = await f.cp.getNonce();
      const signed = await permitProductToken({ cp: f.cp }, { factory: f.factory, mainToken: f.unrecorded, ratio: 3n, productDeveloper: f.pd.address, productChainId: 999n, expiry: 2n ** 40n });
      expect(signed.permission.productChainId).to.equal(999n);
      expect(ethers.verifyTypedData(permissionDomain(999n, f.factory), PERMISSION_TYPES, signed.permission, signed.signature)).to.equal(f.cp.address);
      expect(await f.cp.getNonce()).to.equal(nonce);
    });

    it("OP_INVALID_PARAMETER: both or neither of expiry and expiresIn, another chain than the provider's, offline without a chain id", async function () {
      const base = { factory: f.factory, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address };
      const both = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, { ...base, expiry: 2n ** 40n, expiresIn: 60n }));
      expect(both.code).to.equal("OP_INVALID_PARAMETER");
      expect(both.message).to.match(/exactly one of expiry and expiresIn/);
      const neither = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, base));
      expect(neither.code).to.equal("OP_INVALID_PARAMETER");
      const chain = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, { ...base, productChainId: 5n, expiresIn: 60n }));
      expect(chain.code).to.equal("OP_INVALID_PARAMETER");
      expect(chain.message).to.match(/for product chain 5, but the product provider is chain 31337/);
      const offline = await failure(permitProductToken({ cp: f.cp }, { ...base, expiry: 2n ** 40n }));
      expect(offline.code).to.equal("OP_INVALID_PARAMETER");
      expect(offline.message).to.match(/product chain id is required to sign a permission offline/);
    });

    it("OP_DEPLOYMENT: no factory at the address", async function () {
      const e = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.pd.address, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address, expiresIn: 60n }));
      expect(e.code).to.equal("OP_DEPLOYMENT");
      expect(e.message).to.match(/ProductTokenFactory at 0x[0-9a-fA-F]{40} has no code/);
    });

    it("the factory refuses what it would refuse at issue: no issuer recorded, another CP, a ratio above its MAX_RATIO", async function () {
      const base = { factory: f.factory, productDeveloper: f.pd.address, expiresIn: 600n };
      const unknown = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, { ...base, mainToken: f.unrecorded, ratio: 2n }));
      expect(unknown.code).to.equal("CONTRACT_REVERT");
      expect(unknown.errorName).to.equal("ProductTokenFactoryUnknownMainToken");
      expect(unknown.message).to.match(/set-main-token-issuer/);
      const other = await failure(permitProductToken({ cp: f.outsiders[0]!, product: ethers.provider }, { ...base, mainToken: f.mainToken, ratio: 2n }));
      expect(other.errorName).to.equal("ProductTokenFactoryInvalidSigner");
      expect(other.message).to.match(/signed by the CP that governance recorded/);
      const max = await f.productTokenFactory.MAX_RATIO();
      const ratio = await failure(permitProductToken({ cp: f.cp, product: ethers.provider }, { ...base, mainToken: f.mainToken, ratio: max + 1n }));
      expect(ratio.errorName).to.equal("ProductTokenFactoryInvalidRatio");
      expect(ratio.message).to.match(new RegExp(`ProductTokenFactoryInvalidRatio\\(${max + 1n}\\)`));
    });
  });

  describe("issueProductToken", function () {
    it("issues the token and names its ratio, main token and minter (the product bridge)", async function () {
      const permit = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 4n, productDeveloper: f.pd.address, expiresIn: 600n });
      const r = await issueProductToken(f.pd, { permit, name: "Gold Points", symbol: "GPT", decimals: 6, factory: f.factory });
      expect(r.mainToken).to.equal(f.mainToken);
      expect(r.ratio).to.equal(4n);
      expect(r.minter).to.equal(await f.productBridge.getAddress());
      const token = await ethers.getContractAt("ProductToken", r.token);
      expect([await token.symbol(), await token.decimals()]).to.deep.equal(["GPT", 6n]);
      expect(r.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("OP_PRECONDITION when governance has not recorded the main token's CP (read from the factory; nothing sent)", async function () {
      const permit = await permitProductToken({ cp: f.cp }, { factory: f.factory, mainToken: f.unrecorded, ratio: 2n, productDeveloper: f.pd.address, productChainId: 31337n, expiry: 2n ** 40n });
      const nonce = await f.pd.getNonce();
      const e = await failure(issueProductToken(f.pd, { permit, name: "X", symbol: "X" }));
      expect(e.code).to.equal("OP_PRECONDITION");
      expect(e.message).to.match(/has no CP recorded for main token .*gov:propose --action set-main-token-issuer/);
      expect(await f.pd.getNonce()).to.equal(nonce);
    });

    it("OP_INVALID_PARAMETER: a permission for another factory, a signer without a provider", async function () {
      const permit = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address, expiresIn: 600n });
      const other = await failure(issueProductToken(f.pd, { permit, name: "X", symbol: "X", factory: f.pd.address }));
      expect(other.code).to.equal("OP_INVALID_PARAMETER");
      expect(other.message).to.match(/the permission is for factory .*, but the ProductTokenFactory here is/);
      const detached = await failure(issueProductToken(ethers.Wallet.createRandom(), { permit, name: "X", symbol: "X" }));
      expect(detached.code).to.equal("OP_INVALID_PARAMETER");
      expect(detached.message).to.match(/has no provider/);
    });

    it("OP_DEPLOYMENT: the permission names an address without a factory", async function () {
      const permit = await permitProductToken({ cp: f.cp }, { factory: f.pd.address, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address, productChainId: 31337n, expiry: 2n ** 40n });
      const e = await failure(issueProductToken(f.pd, { permit, name: "X", symbol: "X" }));
      expect(e.code).to.equal("OP_DEPLOYMENT");
    });

    it("the factory's refusals name its custom error with a hint: another PD, a used or expired permission", async function () {
      const permit = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 2n, productDeveloper: f.pd.address, expiresIn: 600n });
      const stranger = await failure(issueProductToken(f.outsiders[7]!, { permit, name: "X", symbol: "X" }));
      expect(stranger.errorName).to.equal("ProductTokenFactoryNotPermittedDeveloper");
      expect(stranger.message).to.match(/send from the product developer named in the permission/);
      await issueProductToken(f.pd, { permit, name: "X", symbol: "X" });
      const used = await failure(issueProductToken(f.pd, { permit, name: "Y", symbol: "Y" }));
      expect(used.errorName).to.equal("ProductTokenFactoryPermissionUsed");
      const short = await permitProductToken({ cp: f.cp, product: ethers.provider }, { factory: f.factory, mainToken: f.mainToken, ratio: 3n, productDeveloper: f.pd.address, expiresIn: 10n });
      await time.increase(20);
      const expired = await failure(issueProductToken(f.pd, { permit: short, name: "Z", symbol: "Z" }));
      expect(expired.errorName).to.equal("ProductTokenFactoryPermissionExpired");
      expect(expired.message).to.match(/ask the CP for a new permission/);
    });
  });

  describe("setMainTokenIssuer", function () {
    it("records the issuer once; a second call with the same issuer sends nothing", async function () {
      const first = await setMainTokenIssuer(f.gov, { factory: f.factory, mainToken: f.unrecorded, issuer: f.cp.address });
      expect(first.changed).to.equal(true);
      expect(await f.productTokenFactory.mainTokenIssuer(f.unrecorded)).to.equal(f.cp.address);
      expect(await setMainTokenIssuer(f.gov, { factory: f.factory, mainToken: f.unrecorded, issuer: f.cp.address })).to.deep.equal({ changed: false });
    });

    it("an account without GOVERNANCE_ROLE is refused with a hint; OP_INVALID_PARAMETER without a provider; OP_DEPLOYMENT without a factory", async function () {
      const refused = await failure(setMainTokenIssuer(f.pd, { factory: f.factory, mainToken: f.unrecorded, issuer: f.pd.address }));
      expect(refused.errorName).to.equal("AccessControlUnauthorizedAccount");
      expect(refused.message).to.match(/propose it \(gov:propose --action set-main-token-issuer\)/);
      const detached = await failure(setMainTokenIssuer(ethers.Wallet.createRandom(), { factory: f.factory, mainToken: f.unrecorded, issuer: f.pd.address }));
      expect(detached.code).to.equal("OP_INVALID_PARAMETER");
      const none = await failure(setMainTokenIssuer(f.gov, { factory: f.pd.address, mainToken: f.unrecorded, issuer: f.pd.address }));
      expect(none.code).to.equal("OP_DEPLOYMENT");
    });
  });
});
