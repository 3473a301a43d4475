import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureGenesis } from "../../devnet/bootstrap";
import { DevnetError, devnetPaths, resolveDevnetOptions } from "../../devnet/config";
import { writeState } from "../../devnet/state";

const ROOT = path.resolve(__dirname, "../..");

describe("devnet bootstrap: a data folder keeps its validator counts (devnet/bootstrap.ts ensureGenesis)", function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-devnet-counts-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refusal(folder: { validators: number; productValidators?: number }, start: { productValidators: 1 | 4 }): Promise<DevnetError> {
    const p = devnetPaths(dir);
    writeState(p.state, { version: 1, ...folder, chainIds: { main: 2018, product: 3001, ethereum: 1337 } });
    const o = resolveDevnetOptions({ root: ROOT, hsm: false, dataDir: dir, ...start });
    try {
      await ensureGenesis(o, p, () => undefined);
    } catch (e) {
      expect(e).to.be.instanceOf(DevnetError);
      expect(existsSync(p.genesisDir), "no genesis built").to.equal(false);
      return e as DevnetError;
    }
    throw new Error("ensureGenesis did not refuse");
  }

  it("refuses --product-validators 4 on a folder whose product chain has one validator (a folder from before the option too)", async () => {
    for (const folder of [{ validators: 1, productValidators: 1 }, { validators: 1 }]) {
      const e = await refusal(folder, { productValidators: 4 });
      expect(e.code).to.equal("DEVNET_VALIDATORS");
      expect(e.message).to.match(/product chain has 1 validator\(s\); start it with --product-validators 1, or pass --reset to start a new one with 4/);
    }
  });

  it("refuses the default (1) on a folder made with --product-validators 4", async () => {
    const e = await refusal({ validators: 1, productValidators: 4 }, { productValidators: 1 });
    expect(e.message).to.match(/start it with --product-validators 4/);
  });
});
