import { expect } from "chai";
import path from "node:path";
import { ROLES, devWallet, devnetPaths, resolveDevnetOptions } from "../../devnet/config";
import type { DevnetState } from "../../devnet/state";
import { formatTable } from "../../devnet/up";

const ROOT = path.resolve(__dirname, "../..");
const state: DevnetState = {
  version: 1,
  validators: 1,
  productValidators: 4,
  chainIds: { main: 2018, product: 3001, ethereum: 1337 },
  main: { ValidatorSet: "0x" + "11".repeat(20), ProductChainRegistry: "0x" + "22".repeat(20) },
  product: { ProductBridge: "0x" + "33".repeat(20), NodeOwnerSync: "0x" + "44".repeat(20) },
};

describe("devnet endpoints table (devnet/up.ts formatTable)", function () {
  it("default: one product-chain row on the product port, account 1 validates both chains", function () {
    const o = resolveDevnetOptions({ root: ROOT, hsm: false, dataDir: "/tmp/devnet-table" });
    const table = formatTable(o, devnetPaths(o.dataDir), { ...state, productValidators: 1, product: { ProductBridge: state.product!.ProductBridge! } });
    expect(table).to.match(/^product chain \(gas-free\)\s+3001\s+http:\/\/127\.0\.0\.1:8546\s+ws:\/\/127\.0\.0\.1:8546$/m);
    expect(table).to.not.match(/node 2|ProductChainRegistry/);
    expect(table).to.contain(`#1  ${devWallet(ROLES.validators[0]).address}`);
    expect(table).to.match(/main-chain validator; product-chain validator$/m);
  });

  it("--product-validators 4: a row per product node, the registry and NodeOwnerSync, accounts 1–4 as the node owners", function () {
    const o = resolveDevnetOptions({ root: ROOT, hsm: false, dataDir: "/tmp/devnet-table", productValidators: 4 });
    const table = formatTable(o, devnetPaths(o.dataDir), state);
    for (let i = 0; i < 4; i++) {
      expect(table).to.match(new RegExp(`^product chain \\(gas-free\\), node ${i + 1}\\s+3001\\s+http://127\\.0\\.0\\.1:${8546 + i}\\s+ws://127\\.0\\.0\\.1:${8546 + i}$`, "m"));
    }
    expect(table).to.match(/main\s+ProductChainRegistry \(chain 3001, 4 node owners\)\s+0x2{40}/);
    expect(table).to.match(/product\s+NodeOwnerSync\s+0x4{40}/);
    for (const i of ROLES.validators) {
      const line = table.split("\n").find((l) => l.includes(devWallet(i).address))!;
      expect(line, `account ${i}`).to.match(/product-chain node owner \(validator\)$/);
    }
    // each account on one line
    expect(table.split("\n").filter((l) => l.includes(devWallet(ROLES.validators[0]).address))).to.have.length(1);
  });
});
