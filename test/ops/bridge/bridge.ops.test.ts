import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { CHAIN_ID, E, deployBridgeFixture, issueProductToken as issueFixtureProductToken, type BridgeFixture } from "../../contracts/bridge/bridge.fixture";
import { failure } from "../economy/failure";
import { executeCalls, registerBridgePair, type RegisterBridgePairParameters } from "../../../ops/bridge/registerBridgePair";
import { readBridgePair } from "../../../ops/bridge/readBridgePair";
import { deposit } from "../../../ops/bridge/deposit";
import { redeem } from "../../../ops/bridge/redeem";
import { bridgeStatus } from "../../../ops/bridge/bridgeStatus";

interface BridgeOpsFixture extends BridgeFixture {
  /** A product token at 1:5 not registered on either bridge. */
  fresh: string;
  addresses: { mainBridge: string; productBridge: string; timelock: string; mainToken: string };
}

async function bridgeOpsFixture(): Promise<BridgeOpsFixture> {
  const f = await deployBridgeFixture();
  const token = await issueFixtureProductToken(f, f.deployer, f.pd, await f.mainToken.getAddress(), 5n, "PF");
  return {
    ...f,
    fresh: await token.getAddress(),
    addresses: {
      mainBridge: await f.mainBridge.getAddress(),
      productBridge: await f.productBridge.getAddress(),
      timelock: await f.timelock.getAddress(),
      mainToken: await f.mainToken.getAddress(),
    },
  };
}

describe("ops/bridge", function () {
  let f: BridgeOpsFixture;
  const clients = () => ({ main: ethers.provider, product: ethers.provider });
  const both = (): Pick<RegisterBridgePairParameters, "main" | "product"> => ({
    main: { bridge: f.addresses.mainBridge, executor: f.addresses.timelock },
    product: { bridge: f.addresses.productBridge, executor: f.addresses.timelock },
  });
  const mainLimits = { minPerTx: 1n * E, maxPerTx: 100n * E, dailyIn: 1_000n * E, dailyOut: 1_000n * E };

  beforeEach(async function () {
    f = await loadFixture(bridgeOpsFixture);
  });

  describe("registerBridgePair", function () {
    it("builds both sides' calls, the product limits from the bridge's scaledLimits; executed, both bridges know the pair", async function () {
      const nonce = await f.gov.getNonce();
      const r = await registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, ...both() });
      expect(await f.gov.getNonce()).to.equal(nonce); // building sends nothing
      expect(r.calls).to.have.length(2);
      expect(r.main!.limits).to.deep.equal(mainLimits);
      const scaled = await f.productBridge.scaledLimits(mainLimits, 5n);
      expect(r.product!.limits).to.deep.equal({ minPerTx: scaled.minPerTx, maxPerTx: scaled.maxPerTx, dailyIn: scaled.dailyIn, dailyOut: scaled.dailyOut });
      expect(r.product!.limits.maxPerTx).to.equal(500n * E);
      await executeCalls(f.gov, r.calls);
      expect(r.pairId).to.equal(await f.mainBridge.pairIdOf(f.addresses.mainToken, CHAIN_ID, f.fresh));
      expect((await f.mainBridge.getPair(r.pairId)).ratio).to.equal(5n);
      expect((await f.productBridge.limits(r.pairId)).dailyOut).to.equal(5_000n * E);
    });

    it("a side that knows the pair: OP_PRECONDITION, or left out with skipRegistered", async function () {
      const only = await registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, main: both().main, productChainId: CHAIN_ID });
      await executeCalls(f.gov, only.calls);
      const e = await failure(registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, ...both() }));
      expect(e.code).to.equal("OP_PRECONDITION");
      expect(e.message).to.match(/is already registered on the main bridge/);
      const rest = await registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, ...both(), skipRegistered: true });
      expect(rest.main!.call).to.equal(null);
      expect(rest.calls.map((c) => c.target)).to.deep.equal([f.addresses.productBridge]);
    });

    it("the contract's rules, from a static call as the executor: limits, ratio, the executor's role", async function () {
      const base = { mainToken: f.addresses.mainToken, productToken: f.fresh, ...both() };
      const zero = await failure(registerBridgePair(clients(), { ...base, ratio: 5n, limits: { ...mainLimits, minPerTx: 0n } }));
      expect(zero.code).to.equal("CONTRACT_REVERT");
      expect(zero.message).to.match(/BridgeInvalidLimits\(minPerTx is zero\)/);
      const above = await failure(registerBridgePair(clients(), { ...base, ratio: 5n, limits: { ...mainLimits, minPerTx: 200n * E } }));
      expect(above.message).to.match(/BridgeInvalidLimits\(minPerTx is above maxPerTx\)/);
      const max = await f.mainBridge.MAX_RATIO();
      const ratio = await failure(registerBridgePair(clients(), { ...base, ratio: max + 1n, limits: mainLimits }));
      expect(ratio.errorName).to.equal("MainBridgeInvalidPair");
      expect(ratio.message).to.match(/ratio outside 1\.\.1e18/);
      const productOnly = await failure(registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: max + 1n, limits: mainLimits, product: both().product, mainChainId: CHAIN_ID }));
      expect(productOnly.errorName).to.equal("BridgeInvalidRatio");
      expect(productOnly.message).to.match(/between 1 and the bridge's MAX_RATIO/);
      const executor = await failure(registerBridgePair(clients(), { ...base, ratio: 5n, limits: mainLimits, main: { ...both().main!, executor: f.user.address } }));
      expect(executor.errorName).to.equal("AccessControlUnauthorizedAccount");
      expect(executor.message).to.match(/simulated as 0x[0-9a-fA-F]{40}.*the executor does not hold GOVERNANCE_ROLE/);
    });

    it("OP_INVALID_PARAMETER: no side, a side without its chain, a chain id that is not the provider's, a missing other chain id", async function () {
      const base = { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits };
      const cases: [Promise<unknown>, RegExp][] = [
        [registerBridgePair(clients(), base), /needs the main side, the product side or both/],
        [registerBridgePair({ product: ethers.provider }, { ...base, ...both() }), /needs the main chain's provider/],
        [registerBridgePair({ main: ethers.provider }, { ...base, ...both() }), /needs the product chain's provider/],
        [registerBridgePair(clients(), { ...base, ...both(), mainChainId: 5n }), /the main chain id is 5, but the main bridge's chain is 31337/],
        [registerBridgePair(clients(), { ...base, product: both().product }), /main chain id is required to register only the product side/],
        [registerBridgePair(clients(), { ...base, main: both().main }), /product chain id is required to register only the main side/],
      ];
      for (const [p, message] of cases) {
        const e = await failure(p);
        expect(e.code, String(message)).to.equal("OP_INVALID_PARAMETER");
        expect(e.message).to.match(message);
      }
    });

    it("OP_DEPLOYMENT: no bridge at the address", async function () {
      const e = await failure(registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, ...both(), main: { bridge: f.user.address, executor: f.addresses.timelock } }));
      expect(e.code).to.equal("OP_DEPLOYMENT");
    });

    it("executeCalls names the revert of an account that does not govern the bridge", async function () {
      const r = await registerBridgePair(clients(), { mainToken: f.addresses.mainToken, productToken: f.fresh, ratio: 5n, limits: mainLimits, ...both() });
      const e = await failure(executeCalls(f.user, r.calls, "registerPair"));
      expect(e.message).to.match(/^registerPair reverted with AccessControlUnauthorizedAccount/);
    });
  });

  describe("readBridgePair", function () {
    it("reads a pair on each side with the decimals of the token users send in there", async function () {
      const p = f.pairs[1]!; // 1:2
      const main = await readBridgePair(ethers.provider, { bridge: f.addresses.mainBridge, side: "main", pairId: p.pairId });
      expect([main.token, main.ratio, main.otherChainId, main.enabled, main.decimals]).to.deep.equal([f.addresses.mainToken, 2n, CHAIN_ID, true, 18]);
      const product = await readBridgePair(ethers.provider, { bridge: f.addresses.productBridge, side: "product", pairId: p.pairId });
      expect(product.token).to.equal(await p.productToken.getAddress());
    });

    it("OP_PRECONDITION for a pair the bridge does not know; OP_DEPLOYMENT without a bridge", async function () {
      const unknown = await failure(readBridgePair(ethers.provider, { bridge: f.addresses.productBridge, side: "product", pairId: ethers.ZeroHash }));
      expect(unknown.code).to.equal("OP_PRECONDITION");
      expect(unknown.message).to.match(/is not registered on the product bridge/);
      const none = await failure(readBridgePair(ethers.provider, { bridge: f.user.address, side: "main", pairId: ethers.ZeroHash }));
      expect(none.code).to.equal("OP_DEPLOYMENT");
    });
  });

  describe("deposit", function () {
    it("approves when the allowance is short, then locks; the product amount is the bridge's (amount × ratio)", async function () {
      const p = f.pairs[2]!; // 1:10
      const r = await deposit(f.deployer, { bridge: f.addresses.mainBridge, pairId: p.pairId, amount: 12n * E, recipient: f.other.address });
      expect(r.approvalHash).to.match(/^0x[0-9a-f]{64}$/);
      expect([r.mainAmount, r.productAmount, r.productChainId, r.recipient, r.threshold]).to.deep.equal([12n * E, 120n * E, CHAIN_ID, f.other.address, 4n]);
      expect(await f.mainBridge.locked(p.pairId)).to.equal(12n * E);
      expect(await f.mainToken.allowance(f.deployer.address, f.addresses.mainBridge)).to.equal(0n); // exactly the amount
      const unlimited = await deposit(f.deployer, { bridge: f.addresses.mainBridge, pairId: p.pairId, amount: E, approve: "unlimited" });
      expect(unlimited.recipient).to.equal(f.deployer.address);
      const again = await deposit(f.deployer, { bridge: f.addresses.mainBridge, pairId: p.pairId, amount: E });
      expect(again.approvalHash).to.equal(undefined);
    });

    it("an amount the bridge refuses is its custom error before any approval is sent", async function () {
      const nonce = await f.deployer.getNonce();
      const e = await failure(deposit(f.deployer, { bridge: f.addresses.mainBridge, pairId: f.pairs[0]!.pairId, amount: 1_001n * E }));
      expect(e.errorName).to.equal("BridgeAmountAboveMaximum");
      expect(await f.deployer.getNonce()).to.equal(nonce);
      const poor = await failure(deposit(f.outsiders[9]!, { bridge: f.addresses.mainBridge, pairId: f.pairs[0]!.pairId, amount: E }));
      expect(poor.code).to.equal("CONTRACT_REVERT");
    });

    it("OP_PRECONDITION for an unknown pair; OP_INVALID_PARAMETER for a signer without a provider", async function () {
      const unknown = await failure(deposit(f.user, { bridge: f.addresses.mainBridge, pairId: ethers.ZeroHash, amount: E }));
      expect(unknown.code).to.equal("OP_PRECONDITION");
      expect(unknown.message).to.match(/is not registered on the main bridge/);
      const detached = await failure(deposit(ethers.Wallet.createRandom(), { bridge: f.addresses.mainBridge, pairId: f.pairs[0]!.pairId, amount: E }));
      expect(detached.code).to.equal("OP_INVALID_PARAMETER");
    });
  });

  describe("redeem and bridgeStatus", function () {
    /** A deposit of 12 main tokens on the 1:10 pair for the user, minted by four signers. */
    async function minted(): Promise<string> {
      const p = f.pairs[2]!;
      const { depositId } = await deposit(f.user, { bridge: f.addresses.mainBridge, pairId: p.pairId, amount: 12n * E });
      for (const s of f.signerAccounts.slice(0, 4)) await f.productBridge.connect(s).confirmDeposit(depositId, p.pairId, f.user.address, 12n * E);
      return depositId;
    }

    it("bridgeStatus follows a deposit: each signer's data, conflicting data, the count against the threshold, then Executed", async function () {
      const p = f.pairs[2]!;
      const { depositId } = await deposit(f.user, { bridge: f.addresses.mainBridge, pairId: p.pairId, amount: 12n * E });
      for (const s of f.signerAccounts.slice(0, 3)) await f.productBridge.connect(s).confirmDeposit(depositId, p.pairId, f.user.address, 12n * E);
      await f.productBridge.connect(f.signerAccounts[5]!).confirmDeposit(depositId, p.pairId, f.other.address, 12n * E);
      const before = await ethers.provider.getBlockNumber();
      let s = await bridgeStatus(clients(), { ...f.addresses, id: depositId });
      expect([s.kind, s.status, s.confirmations, s.threshold, s.mainAmount, s.productAmount]).to.deep.equal(["deposit", "None", 3n, 4n, 12n * E, 120n * E]);
      expect(s.expectedDataHash).to.equal(await f.productBridge.depositDataHash(p.pairId, f.user.address, 12n * E));
      expect(s.confirmedBy).to.deep.equal(f.signerAccounts.slice(0, 3).map((a) => a.address));
      expect(s.signers[5]!.matches).to.equal(false);
      expect(s.signers[5]!.dataHash).to.not.equal(ethers.ZeroHash);
      expect(s.signers[4]!.dataHash).to.equal(ethers.ZeroHash);
      await f.productBridge.connect(f.signerAccounts[3]!).confirmDeposit(depositId, p.pairId, f.user.address, 12n * E);
      s = await bridgeStatus(clients(), { ...f.addresses, id: depositId });
      expect([s.status, s.confirmations]).to.deep.equal(["Executed", 4n]);
      const earlier = await bridgeStatus(clients(), { ...f.addresses, id: depositId, blockTag: before });
      expect([earlier.status, earlier.confirmations]).to.deep.equal(["None", 3n]);
    });

    it("redeem burns a whole number of main units and bridgeStatus follows the redeem", async function () {
      await minted();
      const p = f.pairs[2]!;
      const r = await redeem(f.user, { bridge: f.addresses.productBridge, pairId: p.pairId, amount: 50n * E, recipient: f.other.address });
      expect([r.productAmount, r.mainAmount, r.mainChainId, r.recipient]).to.deep.equal([50n * E, 5n * E, CHAIN_ID, f.other.address]);
      expect(await p.productToken.balanceOf(f.user.address)).to.equal(70n * E);
      const s = await bridgeStatus(clients(), { ...f.addresses, id: r.redeemId });
      expect([s.kind, s.status, s.confirmations, s.sender]).to.deep.equal(["redeem", "None", 0n, f.user.address]);
      expect(s.expectedDataHash).to.equal(await f.mainBridge.withdrawalDataHash(p.pairId, f.other.address, 5n * E));
    });

    it("redeem: an inexact amount names the ratio; OP_PRECONDITION for an unknown pair; OP_INVALID_PARAMETER without a provider", async function () {
      await minted();
      const inexact = await failure(redeem(f.user, { bridge: f.addresses.productBridge, pairId: f.pairs[2]!.pairId, amount: 5n }));
      expect(inexact.errorName).to.equal("ProductBridgeInexactAmount");
      expect(inexact.message).to.match(/multiple of the ratio 10/);
      const unknown = await failure(redeem(f.user, { bridge: f.addresses.productBridge, pairId: ethers.ZeroHash, amount: E }));
      expect(unknown.code).to.equal("OP_PRECONDITION");
      const detached = await failure(redeem(ethers.Wallet.createRandom(), { bridge: f.addresses.productBridge, pairId: f.pairs[2]!.pairId, amount: E }));
      expect(detached.code).to.equal("OP_INVALID_PARAMETER");
    });

    it("bridgeStatus: OP_PRECONDITION for an id neither bridge announced; OP_DEPLOYMENT without a bridge", async function () {
      const unknown = await failure(bridgeStatus(clients(), { ...f.addresses, id: ethers.ZeroHash }));
      expect(unknown.code).to.equal("OP_PRECONDITION");
      expect(unknown.message).to.match(/no deposit or redeem with id/);
      const none = await failure(bridgeStatus(clients(), { ...f.addresses, productBridge: f.user.address, id: ethers.ZeroHash }));
      expect(none.code).to.equal("OP_DEPLOYMENT");
    });
  });
});
