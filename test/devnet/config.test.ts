import { expect } from "chai";
import path from "node:path";
import { resolveConfig } from "../../deploy/config";
import { DevnetError, ROLES, devWallet, devnetProductGenesisParameters, devnetProductOwners, productRpcUrl, productRpcUrls, resolveDevnetOptions, type DevnetOptions } from "../../devnet/config";

const ROOT = path.resolve(__dirname, "../..");

function optionError(input: Partial<DevnetOptions>, pattern: RegExp): void {
  let thrown: unknown;
  try {
    resolveDevnetOptions({ root: ROOT, hsm: false, ...input });
  } catch (e) {
    thrown = e;
  }
  expect(thrown, "an option error").to.be.instanceOf(DevnetError);
  expect((thrown as DevnetError).code).to.equal("DEVNET_OPTION");
  expect((thrown as Error).message).to.match(pattern);
}

describe("devnet options (devnet/config.ts)", function () {
  describe("--product-validators", function () {
    it("defaults to one product node on the port after the main chain's (8546)", function () {
      const o = resolveDevnetOptions({ root: ROOT, hsm: false });
      expect(o.productValidators).to.equal(1);
      expect(o.productPort).to.equal(8546);
      expect(productRpcUrls(o)).to.deep.equal(["http://127.0.0.1:8546"]);
      expect(productRpcUrl(o)).to.equal("http://127.0.0.1:8546");
    });

    it("with 4: product nodes 1..4 on productPort..productPort + 3, the chain's URL is node 1's", function () {
      const o = resolveDevnetOptions({ root: ROOT, hsm: false, productValidators: 4 });
      expect(productRpcUrls(o)).to.deep.equal([8546, 8547, 8548, 8549].map((p) => `http://127.0.0.1:${p}`));
      expect(productRpcUrl(o)).to.equal("http://127.0.0.1:8546");
    });

    it("with 4 main validators and 4 product validators the default ports do not collide (product 8549–8552, anvil 8555)", function () {
      const o = resolveDevnetOptions({ root: ROOT, hsm: false, validators: 4, productValidators: 4 });
      expect(productRpcUrls(o)).to.deep.equal([8549, 8550, 8551, 8552].map((p) => `http://127.0.0.1:${p}`));
      expect(o.ethereumPort).to.equal(8555);
    });

    for (const bad of [0, 2, 3, 5]) {
      it(`refuses ${bad} with a DEVNET_OPTION error naming the flag and the choices`, function () {
        optionError({ productValidators: bad as 1 }, new RegExp(`--product-validators must be 1 or 4 .*got ${bad}`));
      });
    }

    it("still refuses a main-chain validator count other than 1 or 4", function () {
      optionError({ validators: 3 as 1 }, /--validators must be 1 or 4, got 3/);
    });

    it("refuses a product node whose RPC port is another service's (product node 3 on anvil's port)", function () {
      optionError({ productValidators: 4, productPort: 8553 }, /ethereum RPC and product node 3 RPC would both use port 8555/);
    });

    it("counts the product nodes' p2p ports after the main validators' (4 + 4 from 9093 reach the metrics port 9100)", function () {
      expect(() => resolveDevnetOptions({ root: ROOT, hsm: false, validators: 4, productValidators: 4, p2pPort: 9092 })).to.not.throw();
      optionError({ validators: 4, productValidators: 4, p2pPort: 9093 }, /metrics 1 and p2p 8 would both use port 9100/);
    });
  });

  describe("the product chain's genesis parameters", function () {
    it("default: one validator, development account 1, staked as the main chain's are (no validatorSet section)", function () {
      const g = devnetProductGenesisParameters();
      expect(g.chainId).to.equal(3001);
      expect(g.gasFree).to.equal(true);
      expect(g.systemConfig.genesisValidators).to.deep.equal([devWallet(ROLES.validators[0]).address]);
      expect(g.systemConfig).to.not.have.property("validatorSet");
      expect(devnetProductGenesisParameters(1)).to.deep.equal(g);
    });

    it("with 4: the four node owners (accounts 1–4) as validators, unstaked, and deploy/config.ts accepts it", function () {
      const owners = devnetProductOwners();
      expect(owners).to.deep.equal(ROLES.validators.map((i) => devWallet(i).address));
      expect(new Set(owners).size).to.equal(4);
      const g = devnetProductGenesisParameters(4);
      expect(g.systemConfig.genesisValidators).to.deep.equal(owners);
      expect(g.systemConfig.validatorSet).to.deep.equal({ minStake: "0" });
      // the genesis config as written to genesis/product-system.json resolves (an unstaked validator set)
      const config = resolveConfig(JSON.parse(JSON.stringify(g.systemConfig)));
      expect(config.validatorSet.minStake).to.equal(0n);
      expect(config.genesisValidators).to.deep.equal(owners);
      // the owners sign nothing else on the product chain: not bridge signers, sponsors' admins, anchorers
      const others = [ROLES.deployer, ...ROLES.signers, ROLES.productDeveloper, ROLES.anchorerPhase1, ROLES.anchorerPhase2, ROLES.user].map((i) => devWallet(i).address);
      expect(owners.filter((a) => others.includes(a))).to.deep.equal([]);
    });
  });
});
