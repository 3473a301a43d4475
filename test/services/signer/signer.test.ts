/**
 * The signer on a real SoftHSM2 token and a real gas-free chain: DApps and their keys, custodial wallets, policies,
 * TOTP + PIN with lock-out, the transaction API (templates, idempotency, nonces under concurrency, reverts caught
 * before signing, stuck nonces replaced), the hash-chained audit log and its anchoring on chain.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { NonceManager, Wallet, getAddress } from "ethers";
import { parseSignerConfig } from "../../../services/signer/config";
import { totpCode } from "../../../services/signer/factors";
import { deployAnchorRegistry } from "../../../services/anchor/deployRegistry";
import { typechain } from "../../../lib/typechain";
import { SignerStore } from "../../../services/signer/store";
import { ADMIN_TOKEN, CHAIN_ID, call, createDapp, deployToken, devWallet, gasFreeChain, inProcessSigner, mintTo, waitFinal, type GasFreeChain } from "./harness";
import type { RunningSigner } from "../../../services/signer";

const E18 = 10n ** 18n;

/** Waits while a TOTP step ends within 3 s, so the codes a test computes stay in the steps it means. */
async function clearOfStepEdge(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 27_000) await new Promise((r) => setTimeout(r, 30_000 - into + 50));
}

function secretOf(uri: string): string {
  return new URL(uri).searchParams.get("secret")!;
}

describe("signer: HSM wallets, 2FA and the transaction API (SoftHSM2, a gas-free chain)", function () {
  this.timeout(600_000);
  let chain: GasFreeChain;
  let signer: RunningSigner;
  let base: string;
  let dataDir: string;

  before(async () => {
    chain = await gasFreeChain();
    const s = await inProcessSigner(chain.url, { totp: { maxFailures: 3, lockSeconds: 2 }, sender: { pollMs: 100, rebroadcastMs: 2000, replaceAfterMs: 4000 } });
    signer = s.signer;
    base = signer.url;
    dataDir = s.dataDir;
  });
  after(async () => {
    await signer?.close();
    await chain?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe("configuration", () => {
    const ok = { hsm: { token: "t" }, chains: [{ id: 1, rpcUrl: "http://127.0.0.1:1" }] };
    const bad = (raw: unknown, text: RegExp): void => {
      expect(() => parseSignerConfig(raw)).to.throw(text);
    };
    it("fills defaults and refuses unknown keys, secrets in the file and bad chains", () => {
      const c = parseSignerConfig(ok, "/srv");
      expect(c.listen).to.deep.equal({ host: "127.0.0.1", port: 8900 });
      expect(c.hsm).to.deep.equal({ module: "/usr/lib/softhsm/libsofthsm2.so", token: "t", pinEnv: "HSM_PIN" });
      expect(c.dataDir).to.equal("/srv/signer-data");
      expect(c.chains[0]!.gasFree).to.equal(true);
      bad({ ...ok, chans: [] }, /chans: unknown key \(did you mean "chains"\?\)/);
      bad({ ...ok, hsm: { token: "t", pin: "1234" } }, /hsm\.pin: a key, PIN or token must never be written/);
      bad({ ...ok, adminToken: "x" }, /adminToken: a key, PIN or token must never be written/);
      bad({ chains: ok.chains }, /hsm\.token: give the label/);
      bad({ ...ok, chains: [] }, /chains: expected a non-empty array/);
      bad({ ...ok, chains: [{ id: 1, rpcUrl: "ftp://x" }] }, /chains\[0\]\.rpcUrl/);
      bad({ ...ok, chains: [ok.chains[0], ok.chains[0]] }, /listed twice/);
      bad({ ...ok, audit: { anchor: { rpcUrl: "http://x", registry: "0x12", logId: 1 } } }, /audit\.anchor\.registry/);
    });
  });

  describe("operator and DApp authentication", () => {
    it("creates a DApp only with the operator token, once; its key authenticates only that DApp", async () => {
      expect((await call(base, "POST", "/v1/admin/dapps", { body: { id: "auth-a" } })).body).to.deep.include({ error: { code: "SIGNER_AUTH", message: "missing operator token: send Authorization: Bearer <the token in the signer's adminTokenEnv>" } });
      expect((await call(base, "POST", "/v1/admin/dapps", { key: "nope", body: { id: "auth-a" } })).status).to.equal(401);
      const keyA = await createDapp(base, "auth-a");
      const keyB = await createDapp(base, "auth-b");
      expect(keyA).to.match(/^lsk_auth-a_/);
      const dup = await call(base, "POST", "/v1/admin/dapps", { key: ADMIN_TOKEN, body: { id: "auth-a" } });
      expect(dup.status).to.equal(409);
      expect((dup.body.error as { code: string }).code).to.equal("SIGNER_EXISTS");
      const badId = await call(base, "POST", "/v1/admin/dapps", { key: ADMIN_TOKEN, body: { id: "Bad Id!" } });
      expect(badId.status).to.equal(400);
      expect((await call(base, "POST", "/v1/dapps/auth-a/wallets", { body: { userId: "u" } })).status).to.equal(401);
      const wrong = await call(base, "POST", "/v1/dapps/auth-a/wallets", { key: keyB, body: { userId: "u" } });
      expect(wrong.status).to.equal(403);
      expect((wrong.body.error as { code: string }).code).to.equal("SIGNER_FORBIDDEN");
      expect((await call(base, "POST", "/v1/dapps/auth-a/wallets", { key: "lsk_auth-a_forged", body: { userId: "u" } })).status).to.equal(401);
      expect((await call(base, "POST", "/v1/dapps/nope/wallets", { key: keyA, body: { userId: "u" } })).status).to.equal(403);
      // a rotated key replaces the old one
      const rotated = await call<{ serviceKey: string }>(base, "POST", "/v1/admin/dapps/auth-b/key", { key: ADMIN_TOKEN });
      expect((await call(base, "POST", "/v1/dapps/auth-b/wallets", { key: keyB, body: { userId: "u" } })).status).to.equal(401);
      expect((await call(base, "POST", "/v1/dapps/auth-b/wallets", { key: rotated.body.serviceKey, body: { userId: "u" } })).status).to.equal(201);
      const list = await call<{ dapps: { id: string; wallets: number }[] }>(base, "GET", "/v1/admin/dapps", { key: ADMIN_TOKEN });
      expect(list.body.dapps.find((d) => d.id === "auth-b")!.wallets).to.equal(1);
    });

    it("answers malformed requests, unknown endpoints and methods with a code and a message", async () => {
      const key = await createDapp(base, "malformed");
      const notJson = await call(base, "POST", "/v1/dapps/malformed/wallets", { key, raw: "{not json" });
      expect(notJson.status).to.equal(400);
      expect((notJson.body.error as { message: string }).message).to.match(/not valid JSON/);
      expect((await call(base, "POST", "/v1/dapps/malformed/wallets", { key, body: { userId: "" } })).status).to.equal(400);
      expect((await call(base, "POST", "/v1/dapps/malformed/wallets", { key, body: { userId: "u", extra: 1 } })).body.error).to.deep.include({ code: "SIGNER_BAD_REQUEST" });
      expect((await call(base, "GET", "/v1/nothing", { key })).status).to.equal(404);
      const m = await call(base, "DELETE", "/v1/dapps/malformed/wallets", { key });
      expect(m.status).to.equal(405);
      expect((m.body.error as { message: string }).message).to.match(/use POST/);
      expect((await call(base, "GET", "/v1/dapps/malformed/wallets/nobody", { key })).body.error).to.deep.include({ code: "SIGNER_UNKNOWN_USER" });
      const big = await call(base, "POST", "/v1/dapps/malformed/wallets", { key, raw: JSON.stringify({ userId: "x".repeat(70_000) }) }).catch(() => ({ status: 413, body: {} }));
      expect(big.status).to.equal(413);
      const spec = await call<{ openapi: string; paths: Record<string, unknown> }>(base, "GET", "/openapi.json");
      expect(spec.body.openapi).to.equal("3.0.3");
      expect(Object.keys(spec.body.paths)).to.include("/v1/dapps/{dapp}/transactions");
      const health = await call(base, "GET", "/health");
      expect(health.body.ok).to.equal(true);
    });
  });

  describe("wallets and transactions", () => {
    let key: string;
    before(async () => {
      key = await createDapp(base, "shop", { otpThreshold: (1000n * E18).toString() });
    });

    it("creates one HSM-backed wallet per user id (the same wallet when asked again)", async () => {
      const a = await call<{ address: string; twoFactor: string }>(base, "POST", "/v1/dapps/shop/wallets", { key, body: { userId: "+82-10-1234-5678" } });
      expect(a.status).to.equal(201);
      expect(a.body.twoFactor).to.equal("none");
      const again = await call<{ address: string }>(base, "POST", "/v1/dapps/shop/wallets", { key, body: { userId: "+82-10-1234-5678" } });
      expect(again.status).to.equal(200);
      expect(again.body.address).to.equal(a.body.address);
      const other = await call<{ address: string }>(base, "POST", "/v1/dapps/shop/wallets", { key, body: { userId: "alice@example.com" } });
      expect(other.body.address).to.not.equal(a.body.address);
      const got = await call<{ address: string }>(base, "GET", `/v1/dapps/shop/wallets/${encodeURIComponent("alice@example.com")}`, { key });
      expect(got.body.address).to.equal(other.body.address);
    });

    it("signs a token transfer with the user's key, sends it gas-free and reports the receipt", async () => {
      const w = await call<{ address: string }>(base, "POST", "/v1/dapps/shop/wallets", { key, body: { userId: "bob" } });
      await mintTo(chain, [w.body.address], 100n * E18);
      const to = devWallet(5).address;
      const r = await call<{ id: string; status: string; from: string; hash: string; nonce: number }>(base, "POST", "/v1/dapps/shop/transactions", {
        key,
        body: { userId: "bob", template: "transfer", params: { token: chain.tokenAddress, to, amount: (3n * E18).toString() } },
      });
      expect(r.status).to.equal(201);
      expect(r.body.from).to.equal(w.body.address);
      expect(r.body.nonce).to.equal(0);
      expect(["pending", "included"]).to.include(r.body.status);
      const final = await waitFinal(base, "shop", key, r.body.id);
      expect(final.status).to.equal("included");
      expect((final.receipt as { status: number }).status).to.equal(1);
      const onChain = await chain.provider.getTransaction(r.body.hash);
      expect(onChain!.from).to.equal(w.body.address);
      expect(onChain!.maxFeePerGas).to.equal(0n);
      expect(await chain.token.getFunction("balanceOf")(to)).to.equal(3n * E18);
      const list = await call<{ transactions: { id: string }[] }>(base, "GET", "/v1/dapps/shop/wallets/bob/transactions", { key });
      expect(list.body.transactions.map((t) => t.id)).to.include(r.body.id);
    });

    it("refuses a transaction that would revert before signing it: no nonce is used", async () => {
      await call(base, "POST", "/v1/dapps/shop/wallets", { key, body: { userId: "poor" } });
      const r = await call(base, "POST", "/v1/dapps/shop/transactions", { key, body: { userId: "poor", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(5).address, amount: "1" } } });
      expect(r.status).to.equal(422);
      expect((r.body.error as { message: string }).message).to.match(/would revert: ERC20InsufficientBalance\(/);
      const w = await call<{ address: string }>(base, "GET", "/v1/dapps/shop/wallets/poor", { key });
      await mintTo(chain, [w.body.address], 5n);
      const ok = await call<{ nonce: number; id: string }>(base, "POST", "/v1/dapps/shop/transactions", { key, body: { userId: "poor", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(5).address, amount: "1" } } });
      expect(ok.status).to.equal(201);
      expect(ok.body.nonce).to.equal(0);
    });

    it("refuses unknown users, chains, templates and bad params with what to send", async () => {
      const send = (body: Record<string, unknown>) => call(base, "POST", "/v1/dapps/shop/transactions", { key, body });
      expect((await send({ userId: "ghost", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(5).address, amount: "1" } })).body.error).to.deep.include({ code: "SIGNER_UNKNOWN_USER" });
      expect((await send({ userId: "bob", chainId: 1, template: "transfer", params: {} })).body.error).to.deep.include({ code: "SIGNER_UNKNOWN_CHAIN" });
      const t = await send({ userId: "bob", template: "teleport", params: {} });
      expect(t.status).to.equal(400);
      expect((t.body.error as { message: string }).message).to.match(/unknown template "teleport"; templates: transfer, approve/);
      expect(((await send({ userId: "bob", template: "transfer", params: { token: chain.tokenAddress, to: "0x12", amount: "1" } })).body.error as { message: string }).message).to.match(/params\.to of template "transfer" must be an address/);
      expect(((await send({ userId: "bob", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(5).address, amount: "-1" } })).body.error as { message: string }).message).to.match(/params\.amount/);
      expect(((await send({ userId: "bob", template: "stake", params: { amount: "1" } })).body.error as { message: string }).message).to.match(/needs params\.template/);
      expect(((await send({ userId: "bob", template: "burn", params: { template: chain.tokenAddress, amount: "1", x: 1 } })).body.error as { message: string }).message).to.match(/takes no params\.x/);
    });
  });

  describe("policies", () => {
    let key: string;
    let user: string;
    before(async () => {
      key = await createDapp(base, "limits", { maxValuePerTx: (10n * E18).toString(), maxValuePerDay: (15n * E18).toString(), allowedTargets: [chain.tokenAddress], allowedChains: [CHAIN_ID] });
      user = (await call<{ address: string }>(base, "POST", "/v1/dapps/limits/wallets", { key, body: { userId: "carol" } })).body.address;
      await mintTo(chain, [user], 100n * E18);
    });
    const transfer = (amount: bigint, extra: Record<string, unknown> = {}) =>
      call<{ id: string; error?: { code: string; rule: string; message: string } }>(base, "POST", "/v1/dapps/limits/transactions", {
        key,
        body: { userId: "carol", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(6).address, amount: amount.toString() }, ...extra },
      });

    it("maximum per transaction, then per day (counting what was signed today)", async () => {
      const over = await transfer(11n * E18);
      expect(over.status).to.equal(403);
      expect(over.body.error).to.deep.include({ code: "SIGNER_POLICY", rule: "maxValuePerTx" });
      expect((await transfer(10n * E18)).status).to.equal(201);
      const day = await transfer(6n * E18);
      expect(day.body.error).to.deep.include({ code: "SIGNER_POLICY", rule: "maxValuePerDay" });
      expect(day.body.error!.message).to.match(/5000000000000000000 is left today/);
      expect((await transfer(5n * E18)).status).to.equal(201);
    });

    it("an approval counts what it allows; the daily total is per token", async () => {
      // carol has used her 15 of this token today: an approval of 11 is over the per-transaction maximum like a transfer
      const approve = await call(base, "POST", "/v1/dapps/limits/transactions", { key, body: { userId: "carol", template: "approve", params: { token: chain.tokenAddress, spender: devWallet(6).address, amount: (11n * E18).toString() } } });
      expect(approve.body.error).to.deep.include({ rule: "maxValuePerTx" });
      // another token has its own daily total
      const other = await deployToken(chain, "OTH");
      const otherAddress = await other.getAddress();
      await (await other.connect(chain.deployer).getFunction("mint")(user, 100n * E18, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n })).wait();
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { maxValuePerTx: (10n * E18).toString(), maxValuePerDay: (15n * E18).toString(), allowedTargets: [chain.tokenAddress, otherAddress] } });
      const r = await call(base, "POST", "/v1/dapps/limits/transactions", { key, body: { userId: "carol", template: "transfer", params: { token: otherAddress, to: devWallet(6).address, amount: (10n * E18).toString() } } });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect((await transfer(E18)).body.error).to.deep.include({ rule: "maxValuePerDay" });
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { maxValuePerTx: (10n * E18).toString(), maxValuePerDay: (15n * E18).toString(), allowedTargets: [chain.tokenAddress], allowedChains: [CHAIN_ID] } });
    });

    it("allowed targets, selectors and chains; a raw call only to a listed target; a wallet's policy only tightens", async () => {
      const other = await call(base, "POST", "/v1/dapps/limits/transactions", { key, body: { userId: "carol", template: "transfer", params: { token: devWallet(9).address, to: devWallet(6).address, amount: "1" } } });
      expect(other.body.error).to.deep.include({ rule: "allowedTargets" });
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { allowedSelectors: ["0x095ea7b3"], allowedChains: [1] } });
      expect((await transfer(1n)).body.error).to.deep.include({ rule: "allowedChains" });
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { allowedSelectors: ["0x095ea7b3"] } });
      expect((await transfer(1n)).body.error).to.deep.include({ rule: "allowedSelectors" });
      // raw calls: refused while no target is listed, allowed to a listed one
      const rawCall = () => call(base, "POST", "/v1/dapps/limits/transactions", { key, body: { userId: "carol", template: "call", params: { to: chain.tokenAddress, data: "0x095ea7b3" + "00".repeat(12) + devWallet(6).address.slice(2) + "00".repeat(31) + "01" } } });
      expect((await rawCall()).body.error).to.deep.include({ rule: "allowedTargets" });
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { allowedTargets: [chain.tokenAddress], allowedSelectors: ["0x095ea7b3"] } });
      expect((await rawCall()).status).to.equal(201);
      const badPolicy = await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { maxValuePerTxx: "1" } });
      expect((badPolicy.body.error as { message: string }).message).to.match(/unknown policy field "maxValuePerTxx"/);
      // a wallet policy tightens: 1 token at most for carol, whatever the DApp allows
      await call(base, "PUT", "/v1/admin/dapps/limits/policy", { key: ADMIN_TOKEN, body: { maxValuePerTx: (10n * E18).toString() } });
      await call(base, "PUT", "/v1/dapps/limits/wallets/carol/policy", { key, body: { maxValuePerTx: E18.toString() } });
      expect((await transfer(2n * E18)).body.error).to.deep.include({ rule: "maxValuePerTx" });
      expect((await transfer(E18)).status).to.equal(201);
    });
  });

  describe("two factors: TOTP and PIN", () => {
    let key: string;
    let secret: string;
    const big = (50n * E18).toString();
    const send = (extra: Record<string, unknown>) =>
      call<{ id: string; error?: { code: string; message: string } }>(base, "POST", "/v1/dapps/otp/transactions", { key, body: { userId: "dave", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(7).address, amount: big }, ...extra } });

    before(async () => {
      key = await createDapp(base, "otp", { otpThreshold: (10n * E18).toString() });
      const w = await call<{ address: string }>(base, "POST", "/v1/dapps/otp/wallets", { key, body: { userId: "dave" } });
      await mintTo(chain, [w.body.address], 1000n * E18);
    });

    it("above the threshold a transaction needs enrolment, then the code and the PIN; below it, neither", async () => {
      expect((await send({})).body.error).to.deep.include({ code: "SIGNER_NOT_ENROLLED" });
      const small = await call(base, "POST", "/v1/dapps/otp/transactions", { key, body: { userId: "dave", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(7).address, amount: "5" } } });
      expect(small.status).to.equal(201);
      expect((await call(base, "POST", "/v1/dapps/otp/wallets/dave/2fa", { key, body: { pin: "12" } })).status).to.equal(400);
      const e = await call<{ otpauthUri: string; secret: string }>(base, "POST", "/v1/dapps/otp/wallets/dave/2fa", { key, body: { pin: "482916" } });
      expect(e.status).to.equal(201);
      expect(e.body.otpauthUri).to.match(/^otpauth:\/\/totp\/Luniverse:otp%3Adave\?issuer=Luniverse&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/);
      secret = e.body.secret;
      expect(secretOf(e.body.otpauthUri)).to.equal(secret);
      // at rest the secret is sealed by the HSM (AES-GCM), never in the clear
      const db = new Database(path.join(dataDir, "signer.sqlite"), { readonly: true });
      const stored = (db.prepare("SELECT totp_pending FROM wallets WHERE dapp = 'otp' AND user_id = 'dave'").get() as { totp_pending: string }).totp_pending;
      db.close();
      expect(stored).to.match(/^v1:/);
      expect(stored).to.not.include(secret);
      expect((await call(base, "POST", "/v1/dapps/otp/wallets/dave/2fa/confirm", { key, body: { otp: "000000" } })).body.error).to.deep.include({ code: "SIGNER_OTP_INVALID" });
      // confirm with the code of the previous step (within ±1), so the current one is still unused
      const c = await call<{ twoFactor: string }>(base, "POST", "/v1/dapps/otp/wallets/dave/2fa/confirm", { key, body: { otp: totpCode(secret, Date.now() - 30_000) } });
      expect(c.body.twoFactor).to.equal("enrolled");
      expect((await send({})).body.error).to.deep.include({ code: "SIGNER_OTP_REQUIRED" });
    });

    it("a valid code is accepted once; the same code again is refused; a code two steps off is refused", async () => {
      await clearOfStepEdge();
      const code = totpCode(secret);
      const first = await send({ otp: code, pin: "482916" });
      expect(first.status).to.equal(201);
      const again = await send({ otp: code, pin: "482916" });
      expect(again.status).to.equal(403);
      expect(again.body.error).to.deep.include({ code: "SIGNER_OTP_REPLAYED" });
      const old = await send({ otp: totpCode(secret, Date.now() - 60_000), pin: "482916" });
      expect(old.body.error).to.deep.include({ code: "SIGNER_OTP_INVALID" });
      const ahead = await send({ otp: totpCode(secret, Date.now() + 60_000), pin: "482916" });
      expect(ahead.body.error!.code).to.equal("SIGNER_LOCKED"); // the third failure in a row (maxFailures 3)
    });

    it("locks the wallet after repeated failures — even a right code is refused — and unlocks after the lock time", async () => {
      await clearOfStepEdge();
      const locked = await send({ otp: totpCode(secret, Date.now() + 30_000), pin: "482916" });
      expect(locked.status).to.equal(423);
      expect(locked.body.error!.message).to.match(/locked after repeated 2FA failures until/);
      const w = await call<{ locked: boolean }>(base, "GET", "/v1/dapps/otp/wallets/dave", { key });
      expect(w.body.locked).to.equal(true);
      await new Promise((r) => setTimeout(r, 2_100));
      const wrongPin = await send({ otp: totpCode(secret, Date.now() + 30_000), pin: "000000" });
      expect(wrongPin.body.error).to.deep.include({ code: "SIGNER_PIN_INVALID" });
      const ok = await send({ otp: totpCode(secret, Date.now() + 30_000), pin: "482916" });
      expect(ok.status).to.equal(201);
    });

    it("re-enrolment needs the current code and PIN", async () => {
      const noCode = await call(base, "POST", "/v1/dapps/otp/wallets/dave/2fa", { key, body: { pin: "111111" } });
      expect(noCode.body.error).to.deep.include({ code: "SIGNER_OTP_REQUIRED" });
    });
  });

  describe("idempotency and nonces", () => {
    let key: string;
    before(async () => {
      key = await createDapp(base, "load");
    });

    it("the same idempotency key sent 5 times at once gives one transaction; another body under it is a conflict", async () => {
      const w = await call<{ address: string }>(base, "POST", "/v1/dapps/load/wallets", { key, body: { userId: "idem" } });
      await mintTo(chain, [w.body.address], 100n);
      const body = { userId: "idem", template: "transfer", params: { token: chain.tokenAddress, to: devWallet(8).address, amount: "7" } };
      const replies = await Promise.all(Array.from({ length: 5 }, () => call<{ id: string; hash: string }>(base, "POST", "/v1/dapps/load/transactions", { key, body, headers: { "idempotency-key": "order-42" } })));
      const ids = new Set(replies.map((r) => r.body.id));
      expect(ids.size).to.equal(1);
      expect(replies.filter((r) => r.status === 201)).to.have.length(1);
      expect(replies.filter((r) => r.status === 200)).to.have.length(4);
      await waitFinal(base, "load", key, replies[0]!.body.id);
      expect(await chain.provider.getTransactionCount(w.body.address)).to.equal(1);
      const conflict = await call(base, "POST", "/v1/dapps/load/transactions", { key, body: { ...body, params: { ...body.params, amount: "8" } }, headers: { "idempotency-key": "order-42" } });
      expect(conflict.status).to.equal(409);
      expect(conflict.body.error).to.deep.include({ code: "SIGNER_IDEMPOTENCY_CONFLICT" });
      // the key in the body works the same
      const inBody = await call<{ id: string }>(base, "POST", "/v1/dapps/load/transactions", { key, body: { ...body, idempotencyKey: "order-42" } });
      expect(inBody.status).to.equal(200);
      expect(inBody.body.id).to.equal(replies[0]!.body.id);
    });

    it("200 concurrent requests for 20 users: every nonce used once, no gap, all included", async () => {
      const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
      const addresses: string[] = [];
      for (const u of users) addresses.push((await call<{ address: string }>(base, "POST", "/v1/dapps/load/wallets", { key, body: { userId: u } })).body.address);
      await mintTo(chain, addresses, 1000n);
      const requests = Array.from({ length: 200 }, (_, i) =>
        call<{ id: string; nonce: number; from: string }>(base, "POST", "/v1/dapps/load/transactions", {
          key,
          body: { userId: users[i % 20], template: "transfer", params: { token: chain.tokenAddress, to: devWallet(9).address, amount: "1" } },
          headers: { "idempotency-key": `load-${i}` },
        }),
      );
      const replies = await Promise.all(requests);
      expect(replies.map((r) => r.status)).to.deep.equal(Array(200).fill(201));
      const byUser = new Map<string, number[]>();
      for (const r of replies) byUser.set(r.body.from, [...(byUser.get(r.body.from) ?? []), r.body.nonce]);
      for (const a of addresses) expect(byUser.get(a)!.sort((x, y) => x - y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of replies) expect((await waitFinal(base, "load", key, r.body.id)).status).to.equal("included");
      for (const a of addresses) expect(await chain.provider.getTransactionCount(a)).to.equal(10);
      expect(await chain.token.getFunction("balanceOf")(addresses[0]!)).to.equal(990n);
    });

    it("a transaction the node refuses for good is replaced at its nonce, so the key's next transactions go through", async () => {
      const w = await call<{ address: string }>(base, "POST", "/v1/dapps/load/wallets", { key, body: { userId: "stuck" } });
      await mintTo(chain, [w.body.address], 100n);
      const params = { token: chain.tokenAddress, to: devWallet(9).address, amount: "1" };
      // a gas limit above the block's: signed and stored, refused by every node
      const stuck = await call<{ id: string; nonce: number; status: string; error: string }>(base, "POST", "/v1/dapps/load/transactions", { key, body: { userId: "stuck", template: "transfer", params, gasLimit: 2_000_000_000 } });
      expect(stuck.status).to.equal(201);
      expect(stuck.body.status).to.equal("signed");
      expect(stuck.body.error).to.match(/exceeds block gas limit/);
      const next = await call<{ id: string; nonce: number }>(base, "POST", "/v1/dapps/load/transactions", { key, body: { userId: "stuck", template: "transfer", params } });
      expect(next.body.nonce).to.equal(stuck.body.nonce + 1);
      const dropped = await waitFinal(base, "load", key, stuck.body.id, 30_000);
      expect(dropped.status).to.equal("dropped");
      expect(dropped.error).to.match(/replaced at nonce 0 by/);
      const filler = await waitFinal(base, "load", key, dropped.replacedBy as string, 30_000);
      expect(filler).to.deep.include({ status: "included", template: "replacement", nonce: stuck.body.nonce });
      expect((await waitFinal(base, "load", key, next.body.id, 30_000)).status).to.equal("included");
      expect(await chain.provider.getTransactionCount(w.body.address)).to.equal(2);
    });
  });

  describe("the audit log", () => {
    it("records every decision, chained by hash; it cannot be updated, and a tampered copy fails verification", async () => {
      const v = await call<{ ok: boolean; entries: number; brokenAt: number | null }>(base, "GET", "/v1/admin/audit/verify", { key: ADMIN_TOKEN });
      expect(v.body.ok).to.equal(true);
      expect(v.body.entries).to.be.greaterThan(250);
      const log = await call<{ entries: { action: string; decision: string; reason: string | null; data: string | null }[] }>(base, "GET", "/v1/admin/audit?from=1&limit=1000", { key: ADMIN_TOKEN });
      const actions = new Set(log.body.entries.map((e) => `${e.action}:${e.decision}`));
      for (const a of ["dapp.create:allow", "wallet.create:allow", "tx.sign:allow", "tx.sign:deny", "tx.2fa:allow", "tx.2fa:deny", "2fa.confirm:deny", "tx.replace:info"]) expect(actions).to.include(a);
      expect(log.body.entries.some((e) => e.action === "tx.sign" && e.decision === "deny" && /"rule":"maxValuePerDay"/.test(e.data ?? ""))).to.equal(true);
      // append-only: the database itself refuses an update
      const db = new Database(path.join(dataDir, "signer.sqlite"));
      expect(() => db.prepare("UPDATE audit SET reason = 'x' WHERE seq = 3").run()).to.throw(/append-only/);
      db.close();
      // a copy edited behind the triggers' back fails verification at the edited entry
      const copy = fs.mkdtempSync(path.join(path.dirname(dataDir), "audit-copy-"));
      const src = new Database(path.join(dataDir, "signer.sqlite"), { readonly: true });
      await src.backup(path.join(copy, "signer.sqlite"));
      src.close();
      const t = new Database(path.join(copy, "signer.sqlite"));
      t.exec("DROP TRIGGER audit_no_update");
      t.prepare("UPDATE audit SET decision = 'allow' WHERE seq = (SELECT MIN(seq) FROM audit WHERE decision = 'deny')").run();
      const firstDeny = (t.prepare("SELECT MIN(seq) AS s FROM audit WHERE reason IS NOT NULL AND decision = 'allow' AND action = 'tx.sign'").get() as { s: number }).s;
      t.close();
      const store = new SignerStore(copy);
      const r = store.verifyAudit();
      store.close();
      expect(r.brokenAt).to.not.equal(null);
      expect(r.brokenAt).to.be.at.most(firstDeny);
      fs.rmSync(copy, { recursive: true, force: true });
    });

    it("anchors the log's head in an AnchorRegistry with an HSM key: the registry holds the head hash", async () => {
      const deployer = new NonceManager(new Wallet(devWallet(2).privateKey, chain.provider));
      const { address: registry } = await deployAnchorRegistry({ deployer });
      const anchored = await inProcessSigner(chain.url, { audit: { anchor: { rpcUrl: chain.url, registry, logId: 7_700_001, key: "signer-audit", everyMs: 3_600_000 } } });
      try {
        const key = await createDapp(anchored.signer.url, "anchored");
        await call(anchored.signer.url, "POST", "/v1/dapps/anchored/wallets", { key, body: { userId: "e" } });
        const reg = typechain().AnchorRegistry__factory.connect(registry, deployer);
        await (await reg.registerChild(7_700_001, 1, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n })).wait();
        const anchorer = anchored.signer.anchorer!;
        await (await reg.setAnchorer(7_700_001, anchorer.address, true, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n })).wait();
        const out = await anchorer.anchorOnce();
        expect(out).to.not.equal(null);
        expect(out!.start).to.equal(1);
        const head = anchored.signer.service.store.auditHead();
        expect(out!.end).to.equal(head.seq);
        const [start, end, root] = await reg.getRange(7_700_001, 0);
        expect([Number(start), Number(end), root]).to.deep.equal([1, head.seq, head.hash]);
        expect(await anchorer.anchorOnce()).to.equal(null); // nothing new
        const tx = await chain.provider.getTransaction(out!.tx);
        expect(getAddress(tx!.from)).to.equal(anchorer.address);
        const verify = await call<{ lastAnchor: { end_seq: number } }>(anchored.signer.url, "GET", "/v1/admin/audit/verify", { key: ADMIN_TOKEN });
        expect(verify.body.lastAnchor.end_seq).to.equal(head.seq);
      } finally {
        await anchored.signer.close();
        fs.rmSync(anchored.dataDir, { recursive: true, force: true });
      }
    });
  });
});
