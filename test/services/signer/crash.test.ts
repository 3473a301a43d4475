/**
 * kill -9 of the signer process in the middle of a load, then a restart: every request retried with its idempotency
 * key maps to exactly one transaction, every transaction is included once, and the chain holds exactly what was asked
 * (nothing sent twice, nothing lost).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../helpers/net";
import { freshToken } from "../../helpers/softhsm";
import { SignerProcess, call, createDapp, devWallet, gasFreeChain, mintTo, signerConfig, waitFinal, type GasFreeChain } from "./harness";

describe("signer: kill -9 mid-load and restart (real processes)", function () {
  this.timeout(600_000);
  let chain: GasFreeChain;
  let proc: SignerProcess;
  let dir: string;

  before(async () => {
    chain = await gasFreeChain();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-crash-"));
    const token = freshToken("crash");
    const configFile = path.join(dir, "signer.json");
    fs.writeFileSync(configFile, JSON.stringify(signerConfig({ token, dataDir: path.join(dir, "data"), rpcUrl: chain.url, port: await freePort() })));
    proc = new SignerProcess(configFile, path.join(dir, "signer.log"));
    await proc.start();
  });
  after(async () => {
    await proc?.stop();
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("nothing is sent twice and nothing is lost", async () => {
    const base = proc.url;
    const key = await createDapp(base, "crash");
    const users = Array.from({ length: 20 }, (_, i) => `c-${i}`);
    const addresses: string[] = [];
    for (const u of users) addresses.push((await call<{ address: string }>(base, "POST", "/v1/dapps/crash/wallets", { key, body: { userId: u } })).body.address);
    await mintTo(chain, addresses, 10_000n);
    const recipient = devWallet(11).address;
    const N = 300;
    const request = (i: number) =>
      call<{ id: string; nonce: number }>(base, "POST", "/v1/dapps/crash/transactions", {
        key,
        body: { userId: users[i % users.length], template: "transfer", params: { token: chain.tokenAddress, to: recipient, amount: "1" } },
        headers: { "idempotency-key": `crash-${i}` },
      }).then(
        (r) => (r.status === 200 || r.status === 201 ? r.body.id : null),
        () => null,
      );
    // the first load: 20 requests in flight at a time; kill -9 once about a third has answered
    const first = new Map<number, string | null>();
    let answered = 0;
    let killed = false;
    const killing = new Promise<void>((resolve) => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < N) {
          const i = next++;
          const id = await request(i);
          first.set(i, id);
          if (id !== null) answered++;
          if (!killed && answered >= N / 3) {
            killed = true;
            await proc.kill9();
            resolve();
          }
        }
      };
      void Promise.all(Array.from({ length: 20 }, worker)).then(() => resolve());
    });
    await killing;
    expect(killed).to.equal(true);
    await new Promise((r) => setTimeout(r, 500));
    const lostAnswers = [...first.values()].filter((v) => v === null).length;
    expect(lostAnswers).to.be.greaterThan(0); // requests did fail with the process
    await proc.start();
    // every request again, with its key: the answered ones return the same transaction, the rest are made now
    const ids: string[] = [];
    for (let i = 0; i < N; i += 20) {
      const chunk = await Promise.all(Array.from({ length: Math.min(20, N - i) }, (_, j) => request(i + j)));
      chunk.forEach((id, j) => {
        expect(id, `request ${i + j}`).to.be.a("string");
        const before = first.get(i + j);
        if (before) expect(id, `request ${i + j} kept its transaction`).to.equal(before);
        ids.push(id!);
      });
    }
    expect(new Set(ids).size).to.equal(N);
    for (const id of ids) expect((await waitFinal(base, "crash", key, id, 120_000)).status).to.equal("included");
    // the chain holds exactly N transfers: one per request
    expect(await chain.token.getFunction("balanceOf")(recipient)).to.equal(BigInt(N));
    const perUser = N / users.length;
    for (const a of addresses) expect(await chain.provider.getTransactionCount(a)).to.equal(perUser);
  });
});
