/** The hsm:* tasks on a real SoftHSM2 token: init, create, list, export, import from a keystore; clear errors. */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, encryptKeystoreJson } from "ethers";
import { expectTaskError, runTask } from "../helpers/tasks";
import { softhsmDir } from "../helpers/softhsm";

describe("tasks: hsm:init-token, hsm:create-key, hsm:list-keys, hsm:public-key, hsm:import-key", function () {
  this.timeout(120_000);
  const token = `tasks-${process.pid}`;
  const saved = { pin: process.env.HSM_PIN, so: process.env.HSM_SO_PIN };
  before(() => {
    softhsmDir();
    process.env.HSM_PIN = "765432";
    process.env.HSM_SO_PIN = "98765";
  });
  after(() => {
    for (const [k, v] of [["HSM_PIN", saved.pin], ["HSM_SO_PIN", saved.so]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("initialises a token, creates keys inside it, lists them and exports a public key", async () => {
    expect((await runTask("hsm:init-token", { token })).out).to.match(new RegExp(`token "${token}" initialised`));
    await expectTaskError(runTask("hsm:init-token", { token }), /already exists/);
    const created = await runTask("hsm:create-key", { token, label: "relayer-1", json: true });
    const key = JSON.parse(created.out) as { address: string; publicKey: string };
    expect(key.address).to.match(/^0x[0-9a-fA-F]{40}$/);
    expect(key.publicKey).to.match(/^0x04[0-9a-f]{128}$/);
    await runTask("hsm:create-key", { token, label: "validator-1" });
    const list = JSON.parse((await runTask("hsm:list-keys", { token, json: true })).out) as { label: string; address: string }[];
    expect(list.map((k) => k.label)).to.deep.equal(["relayer-1", "validator-1"]);
    expect(list[0]!.address).to.equal(key.address);
    const text = (await runTask("hsm:list-keys", { token })).out;
    expect(text).to.match(/relayer-1\s+0x/);
    const pub = JSON.parse((await runTask("hsm:public-key", { token, label: "relayer-1" })).out) as { publicKey: string };
    expect(pub.publicKey).to.equal(key.publicKey);
  });

  it("imports a keystore's key; refuses a duplicate label, a missing key, a wrong PIN and a missing PIN variable", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hsm-task-"));
    try {
      const w = Wallet.createRandom();
      const file = path.join(dir, "k.json");
      fs.writeFileSync(file, await encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, "pw", { scrypt: { N: 1024 } }));
      process.env.HSM_TASK_KS = "pw";
      const out = (await runTask("hsm:import-key", { token, label: "migrated", keystore: file, passwordEnv: "HSM_TASK_KS" })).out;
      expect(out).to.include(w.address);
      await expectTaskError(runTask("hsm:import-key", { token, label: "migrated", keystore: file, passwordEnv: "HSM_TASK_KS" }), /already holds a key labelled "migrated"/);
      await expectTaskError(runTask("hsm:create-key", { token, label: "relayer-1" }), /already holds a key labelled "relayer-1"/);
      await expectTaskError(runTask("hsm:public-key", { token, label: "nope" }), /holds no key labelled "nope" — create it: npx hardhat hsm:create-key/);
      await expectTaskError(runTask("hsm:list-keys", { token: "no-such-token" }), /no token labelled "no-such-token".*hsm:init-token/);
      await expectTaskError(runTask("hsm:list-keys", { token, pinEnv: "HSM_TASK_UNSET" }), /set the environment variable HSM_TASK_UNSET/);
      process.env.HSM_TASK_WRONG = "000000";
      await expectTaskError(runTask("hsm:list-keys", { token, pinEnv: "HSM_TASK_WRONG" }), /wrong PIN for the token/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
