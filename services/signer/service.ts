/**
 * The signer's decisions: DApps (operator-created, each with a service key and a policy), custodial wallets (one HSM
 * key per end user, named by the DApp's user id), second factors (TOTP + PIN with lock-out), and transactions (policy,
 * 2FA above the threshold, idempotency, a nonce per key, the signature in the HSM). Every decision is written to the
 * hash-chained audit log in the same SQLite transaction as the state it changes.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { Transaction, getAddress, keccak256 } from "ethers";
import type { Hsm } from "../../lib/hsm";
import { hsmDigestSigner, toEthersSignature, type DigestSigner } from "../../lib/hsmSigner";
import { rpc, rpcBatch } from "../../lib/jsonRpc";
import type { Logger } from "../../lib/log";
import { decodeCustomError, formatCustomError } from "../../lib/revert";
import type { SignerChainConfig, SignerConfig } from "./config";
import { SignerError } from "./errors";
import { hashPin, newTotpSecret, otpauthUri, totpStep, validPin, verifyPin } from "./factors";
import type { SignerMetrics } from "./metrics";
import { checkDaily, checkPolicy, needsSecondFactor, parsePolicy, policyJson, stricter, type Policy } from "./policy";
import { redactUrls, type Sender } from "./sender";
import type { DappRow, SignerStore, TxRow, WalletRow } from "./store";
import { buildCall, type BuiltCall } from "./templates";

const DAPP_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** The HSM's AES key that seals the wallets' TOTP secrets at rest. */
const SECRETS_KEY = "signer-secrets";
/** How long a verified gateway key is trusted before the gateway is asked again (a revocation takes effect within it). */
const GATEWAY_KEY_TTL_MS = 30_000;

/** Verifies a gateway API key and its secret; returns the key's DApp. */
export interface GatewayKeys {
  verify(key: string, secret: string | null): Promise<string>;
}
const DAY_MS = 86_400_000;

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** A request body as JSON with sorted keys (idempotency compares bodies by this). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A transaction row just signed: not sent, no receipt yet. */
function signedRow(fields: Omit<TxRow, "hash" | "status" | "error" | "block" | "receipt" | "replaced_by" | "created_at" | "sent_at" | "updated_at">): TxRow {
  const now = Date.now();
  return { ...fields, hash: keccak256(fields.raw), status: "signed", error: null, block: null, receipt: null, replaced_by: null, created_at: now, sent_at: null, updated_at: now };
}

export interface TxView {
  id: string;
  userId: string;
  chainId: number;
  template: string;
  from: string;
  to: string | null;
  value: string;
  amount: string;
  nonce: number;
  hash: string;
  status: TxRow["status"];
  error: string | null;
  blockNumber: number | null;
  receipt: unknown;
  replacedBy: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export function txView(t: TxRow): TxView {
  return {
    id: t.id,
    userId: t.user_id,
    chainId: t.chain_id,
    template: t.template,
    from: t.sender,
    to: t.target,
    value: t.value,
    amount: t.amount,
    nonce: t.nonce,
    hash: t.hash,
    status: t.status,
    error: t.error,
    blockNumber: t.block,
    receipt: t.receipt === null ? null : JSON.parse(t.receipt),
    replacedBy: t.replaced_by,
    idempotencyKey: t.idem,
    createdAt: new Date(t.created_at).toISOString(),
    updatedAt: new Date(t.updated_at).toISOString(),
  };
}

export interface WalletView {
  userId: string;
  address: string;
  twoFactor: "none" | "pending" | "enrolled";
  locked: boolean;
  lockedUntil: string | null;
  policy: Record<string, unknown> | null;
  createdAt: string;
}

function walletView(w: WalletRow): WalletView {
  const locked = w.locked_until > Date.now();
  return {
    userId: w.user_id,
    address: w.address,
    twoFactor: w.totp_secret ? "enrolled" : w.totp_pending ? "pending" : "none",
    locked,
    lockedUntil: locked ? new Date(w.locked_until).toISOString() : null,
    policy: w.policy === null ? null : policyJson(parsePolicy(JSON.parse(w.policy))),
    createdAt: new Date(w.created_at).toISOString(),
  };
}

function obj(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new SignerError("SIGNER_BAD_REQUEST", `${what}: the body must be a JSON object`);
  return body as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, known: string[], what: string): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new SignerError("SIGNER_BAD_REQUEST", `${what}: unknown field "${k}"; known: ${known.join(", ")}`);
}

function userIdOf(v: unknown): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 256 || /[\u0000-\u001f]/.test(v)) {
    throw new SignerError("SIGNER_BAD_REQUEST", `userId must be the DApp's identifier of the user (1 to 256 characters: a phone number, an e-mail or a social id), got ${JSON.stringify(v)}`);
  }
  return v;
}

export class SignerService {
  private readonly signers = new Map<string, DigestSigner>();
  private readonly chains: Map<number, SignerChainConfig>;

  constructor(
    readonly store: SignerStore,
    private readonly hsm: Hsm,
    private readonly cfg: SignerConfig,
    private readonly sender: Sender,
    private readonly log: Logger,
    private readonly metrics: SignerMetrics,
    private readonly gateway: GatewayKeys | null = null,
  ) {
    this.chains = new Map(cfg.chains.map((c) => [c.id, c]));
    sender.replacer = (stuck, reason) => this.replaceStuck(stuck, reason);
  }

  /** Error text for DApps: the chains' RPC URLs (which may hold a gateway key) named instead of shown. */
  private redact(message: string): string {
    return redactUrls(message, this.chains.values());
  }

  private decision(action: string, decision: "allow" | "deny"): void {
    this.metrics.decisions.inc({ action, decision });
  }

  // --- operator --------------------------------------------------------------------------------------------------

  createDapp(body: unknown): { id: string; name: string; policy: Record<string, unknown>; serviceKey: string } {
    const b = obj(body, "create DApp");
    onlyKeys(b, ["id", "name", "policy"], "create DApp");
    if (typeof b.id !== "string" || !DAPP_ID.test(b.id)) throw new SignerError("SIGNER_BAD_REQUEST", `id must be 1 to 32 lower-case letters, digits or dashes, starting with a letter or digit; got ${JSON.stringify(b.id)}`);
    const name = b.name === undefined ? b.id : b.name;
    if (typeof name !== "string" || name.length > 100) throw new SignerError("SIGNER_BAD_REQUEST", "name must be a string of at most 100 characters");
    const policy = parsePolicy(b.policy);
    const key = `lsk_${b.id}_${randomBytes(24).toString("base64url")}`;
    const id = b.id;
    this.store.tx(() => {
      if (this.store.dapp(id)) throw new SignerError("SIGNER_EXISTS", `the DApp "${id}" exists already`, { hint: "rotate its key with POST /v1/admin/dapps/{id}/key" });
      this.store.insertDapp({ id, name, key_hash: sha256(key), policy: JSON.stringify(policyJson(policy)), created_at: Date.now() });
      this.store.appendAudit({ actor: "operator", action: "dapp.create", subject: id, decision: "allow", data: { name, policy: policyJson(policy) } });
    });
    this.log.info("DApp created", { dapp: id });
    return { id, name, policy: policyJson(policy), serviceKey: key };
  }

  listDapps(): { id: string; name: string; policy: unknown; wallets: number; createdAt: string }[] {
    return this.store.dapps().map((d) => ({ id: d.id, name: d.name, policy: JSON.parse(d.policy), wallets: this.store.walletCount(d.id), createdAt: new Date(d.created_at).toISOString() }));
  }

  private requireDapp(id: string): DappRow {
    const d = this.store.dapp(id);
    if (!d) throw new SignerError("SIGNER_NOT_FOUND", `no DApp "${id}"`, { hint: "the operator creates it with POST /v1/admin/dapps" });
    return d;
  }

  setDappPolicy(id: string, body: unknown): Record<string, unknown> {
    this.requireDapp(id);
    const policy = policyJson(parsePolicy(obj(body, "policy")));
    this.store.tx(() => {
      this.store.setDappPolicy(id, JSON.stringify(policy));
      this.store.appendAudit({ actor: "operator", action: "dapp.policy", subject: id, decision: "allow", data: policy });
    });
    return policy;
  }

  rotateDappKey(id: string): { id: string; serviceKey: string } {
    this.requireDapp(id);
    const key = `lsk_${id}_${randomBytes(24).toString("base64url")}`;
    this.store.tx(() => {
      this.store.setDappKey(id, sha256(key));
      this.store.appendAudit({ actor: "operator", action: "dapp.key", subject: id, decision: "allow" });
    });
    return { id, serviceKey: key };
  }

  /**
   * Authenticates a DApp's request: its service key (`lsk_…`), or — when the signer knows a gateway — one of the DApp's
   * gateway API keys with its secret (the gateway DApp of the same name; the secret is checked by the gateway itself).
   */
  async authenticateRequest(dappId: string, key: string | null, secret: string | null): Promise<DappRow> {
    if (key === null || key.startsWith("lsk_") || this.gateway === null) return this.authenticate(dappId, key);
    const d = this.store.dapp(dappId);
    if (!d) throw new SignerError("SIGNER_NOT_FOUND", `no DApp "${dappId}"`);
    const cacheKey = sha256(`${key}\u0000${secret ?? ""}`);
    const hit = this.gatewayKeys.get(cacheKey);
    let dapp = hit !== undefined && hit.until > Date.now() ? hit.dapp : null;
    if (dapp === null) {
      dapp = await this.gateway.verify(key, secret);
      this.gatewayKeys.set(cacheKey, { dapp, until: Date.now() + GATEWAY_KEY_TTL_MS });
    }
    if (dapp !== dappId) throw new SignerError("SIGNER_FORBIDDEN", `this gateway API key belongs to the DApp "${dapp}", not "${dappId}"`);
    return d;
  }

  private readonly gatewayKeys = new Map<string, { dapp: string; until: number }>();

  /** Checks a DApp's service key (constant time); a wrong or missing key is SIGNER_AUTH, another DApp's SIGNER_FORBIDDEN. */
  authenticate(dappId: string, key: string | null): DappRow {
    if (key === null) throw new SignerError("SIGNER_AUTH", "missing service key: send it as Authorization: Bearer <key> (or X-Api-Key)");
    const d = this.store.dapp(dappId);
    const m = /^lsk_([a-z0-9-]+)_/.exec(key);
    if (!d) {
      if (m && m[1] !== dappId && this.store.dapp(m[1]!)) throw new SignerError("SIGNER_FORBIDDEN", `this service key belongs to another DApp, not "${dappId}"`);
      throw new SignerError("SIGNER_NOT_FOUND", `no DApp "${dappId}"`);
    }
    const a = Buffer.from(sha256(key), "hex");
    const b = Buffer.from(d.key_hash, "hex");
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      if (m && m[1] !== dappId && this.store.dapp(m[1]!)) throw new SignerError("SIGNER_FORBIDDEN", `this service key belongs to another DApp, not "${dappId}"`);
      throw new SignerError("SIGNER_AUTH", `wrong service key for the DApp "${dappId}"`);
    }
    return d;
  }

  // --- wallets ---------------------------------------------------------------------------------------------------

  private keyLabel(dapp: string, userId: string): string {
    return `u-${dapp}-${sha256(`${dapp}\u0000${userId}`).slice(0, 24)}`;
  }

  private signerOf(w: WalletRow): DigestSigner {
    let s = this.signers.get(w.key_label);
    if (!s) {
      s = hsmDigestSigner(this.hsm, w.key_label);
      if (getAddress(s.address) !== getAddress(w.address)) throw new SignerError("SIGNER_UNAVAILABLE", `the HSM key ${w.key_label} does not match the wallet's address ${w.address}`);
      this.signers.set(w.key_label, s);
    }
    return s;
  }

  /** Creates the user's wallet (an HSM key) or returns the existing one; `created` says which. */
  createWallet(dapp: string, body: unknown): { created: boolean; wallet: WalletView } {
    const b = obj(body, "create wallet");
    onlyKeys(b, ["userId"], "create wallet");
    const userId = userIdOf(b.userId);
    const existing = this.store.wallet(dapp, userId);
    if (existing) return { created: false, wallet: walletView(existing) };
    const label = this.keyLabel(dapp, userId);
    // generation and the row are synchronous: two concurrent creations of one user cannot interleave
    const key = this.hsm.findKey(label) ?? this.hsm.generateKey(label);
    this.store.tx(() => {
      this.store.insertWallet({ dapp, user_id: userId, key_label: label, address: key.address, created_at: Date.now() });
      this.store.appendAudit({ actor: `dapp:${dapp}`, action: "wallet.create", subject: userId, decision: "allow", data: { address: key.address, key: label } });
    });
    return { created: true, wallet: walletView(this.store.wallet(dapp, userId)!) };
  }

  private requireWallet(dapp: string, userId: string): WalletRow {
    const w = this.store.wallet(dapp, userId);
    if (!w) throw new SignerError("SIGNER_UNKNOWN_USER", `the DApp "${dapp}" has no wallet for the user ${JSON.stringify(userId)}`, { hint: `create it: POST /v1/dapps/${dapp}/wallets {"userId": …}` });
    return w;
  }

  getWallet(dapp: string, userId: string): WalletView {
    return walletView(this.requireWallet(dapp, userId));
  }

  setWalletPolicy(dapp: string, userId: string, body: unknown): WalletView {
    this.requireWallet(dapp, userId);
    const policy = policyJson(parsePolicy(obj(body, "policy")));
    this.store.tx(() => {
      this.store.updateWallet(dapp, userId, { policy: JSON.stringify(policy) });
      this.store.appendAudit({ actor: `dapp:${dapp}`, action: "wallet.policy", subject: userId, decision: "allow", data: policy });
    });
    return this.getWallet(dapp, userId);
  }

  private effectivePolicy(d: DappRow, w: WalletRow): Policy {
    const base = parsePolicy(JSON.parse(d.policy));
    return w.policy === null ? base : stricter(base, parsePolicy(JSON.parse(w.policy)));
  }

  // --- second factors --------------------------------------------------------------------------------------------

  /** A TOTP secret as stored: AES-256-GCM in the HSM under `signer-secrets`, bound to its wallet (dapp, user id). */
  private sealSecret(dapp: string, userId: string, secret: string): string {
    return "v1:" + this.hsm.seal(SECRETS_KEY, Buffer.from(secret, "utf8"), Buffer.from(`${dapp}\u0000${userId}`, "utf8")).toString("base64");
  }

  private openSecret(dapp: string, userId: string, stored: string): string {
    if (!stored.startsWith("v1:")) throw new SignerError("SIGNER_UNAVAILABLE", `the stored 2FA secret of ${JSON.stringify(userId)} is not sealed by this signer`);
    return this.hsm.open(SECRETS_KEY, Buffer.from(stored.slice(3), "base64"), Buffer.from(`${dapp}\u0000${userId}`, "utf8")).toString("utf8");
  }

  /**
   * Starts (or restarts) TOTP enrolment: a new secret and the PIN; returns the otpauth URI. Replacing an enrolled
   * factor needs the current code and PIN.
   */
  async enroll(dapp: string, userId: string, body: unknown): Promise<{ otpauthUri: string; secret: string }> {
    const b = obj(body, "enrol 2FA");
    onlyKeys(b, ["pin", "otp", "currentPin"], "enrol 2FA");
    const w = this.requireWallet(dapp, userId);
    if (!validPin(b.pin)) throw new SignerError("SIGNER_BAD_REQUEST", "pin must be 4 to 12 digits");
    if (w.totp_secret) await this.secondFactor(dapp, w, b.otp, b.currentPin, "2fa.reenrol", "re-enrolment needs the current factors: send otp (the current 6-digit code) and currentPin");
    const secret = newTotpSecret();
    const pinHash = await hashPin(b.pin);
    // the new secret and PIN take effect with the confirmation
    this.store.tx(() => {
      this.store.updateWallet(dapp, userId, { totp_pending: this.sealSecret(dapp, userId, secret), pin_pending: pinHash });
      this.store.appendAudit({ actor: `dapp:${dapp}`, action: "2fa.enroll", subject: userId, decision: "allow" });
    });
    return { otpauthUri: otpauthUri(secret, this.cfg.totp.issuer, `${dapp}:${userId}`), secret };
  }

  /** Confirms enrolment with a first code from the app: the secret and PIN become active. */
  confirmEnrollment(dapp: string, userId: string, body: unknown): WalletView {
    const b = obj(body, "confirm 2FA");
    onlyKeys(b, ["otp"], "confirm 2FA");
    const w = this.requireWallet(dapp, userId);
    if (!w.totp_pending) throw new SignerError("SIGNER_NOT_ENROLLED", `no 2FA enrolment is pending for ${JSON.stringify(userId)}`, { hint: `start it: POST /v1/dapps/${dapp}/wallets/{userId}/2fa` });
    const step = typeof b.otp === "string" ? totpStep(this.openSecret(dapp, userId, w.totp_pending), b.otp, this.cfg.totp.window) : null;
    if (step === null) {
      this.store.tx(() => this.store.appendAudit({ actor: `dapp:${dapp}`, action: "2fa.confirm", subject: userId, decision: "deny", reason: "wrong code" }));
      throw new SignerError("SIGNER_OTP_INVALID", "the code does not match the new secret; check the authenticator app's clock and enter the current code");
    }
    this.store.tx(() => {
      this.store.updateWallet(dapp, userId, { totp_secret: w.totp_pending, totp_pending: null, pin_hash: w.pin_pending, pin_pending: null, enrolled_at: Date.now(), last_step: step, failures: 0, locked_until: 0 });
      this.store.appendAudit({ actor: `dapp:${dapp}`, action: "2fa.confirm", subject: userId, decision: "allow" });
    });
    return this.getWallet(dapp, userId);
  }

  /** Checks the TOTP code and PIN of a wallet: single-use codes, ±window steps, lock-out after repeated failures. */
  private async secondFactor(dapp: string, w: WalletRow, otp: unknown, pin: unknown, action: string, missing = "this needs the user's 2FA: send otp (the 6-digit code of the authenticator app) and pin"): Promise<void> {
    const actor = `dapp:${dapp}`;
    const deny = (code: ConstructorParameters<typeof SignerError>[0], message: string, reason: string, fail: boolean): SignerError => {
      let lockedNow = false;
      this.store.tx(() => {
        const cur = this.store.wallet(dapp, w.user_id)!;
        if (fail) {
          const failures = cur.failures + 1;
          lockedNow = failures >= this.cfg.totp.maxFailures;
          this.store.updateWallet(dapp, w.user_id, lockedNow ? { failures: 0, locked_until: Date.now() + this.cfg.totp.lockSeconds * 1000 } : { failures });
        }
        this.store.appendAudit({ actor, action, subject: w.user_id, decision: "deny", reason: lockedNow ? `${reason}; locked for ${this.cfg.totp.lockSeconds} s` : reason });
      });
      this.decision(action, "deny");
      if (lockedNow) return new SignerError("SIGNER_LOCKED", `${message}; too many failures: the wallet is locked for ${this.cfg.totp.lockSeconds} s`);
      return new SignerError(code, message);
    };
    if (w.locked_until > Date.now()) {
      throw deny("SIGNER_LOCKED", `the wallet of ${JSON.stringify(w.user_id)} is locked after repeated 2FA failures until ${new Date(w.locked_until).toISOString()}`, "locked", false);
    }
    if (!w.totp_secret || !w.pin_hash) throw deny("SIGNER_NOT_ENROLLED", `this needs 2FA, and the user ${JSON.stringify(w.user_id)} has not enrolled`, "not enrolled", false);
    if (otp === undefined || pin === undefined) throw deny("SIGNER_OTP_REQUIRED", missing, "no code", false);
    if (typeof pin !== "string" || !(await verifyPin(pin, w.pin_hash))) throw deny("SIGNER_PIN_INVALID", "wrong PIN", "wrong PIN", true);
    const step = typeof otp === "string" ? totpStep(this.openSecret(dapp, w.user_id, w.totp_secret), otp, this.cfg.totp.window) : null;
    if (step === null) throw deny("SIGNER_OTP_INVALID", "wrong or expired 2FA code", "wrong code", true);
    const fresh = this.store.tx(() => {
      const ok = this.store.consumeStep(dapp, w.user_id, step);
      if (ok) {
        this.store.updateWallet(dapp, w.user_id, { failures: 0 });
        this.store.appendAudit({ actor, action, subject: w.user_id, decision: "allow", reason: "2FA" });
      }
      return ok;
    });
    if (!fresh) throw deny("SIGNER_OTP_REPLAYED", "this 2FA code was used already; wait for the next code", "replayed code", true);
    this.decision(action, "allow");
  }

  // --- transactions ----------------------------------------------------------------------------------------------

  private chainFor(v: unknown): SignerChainConfig {
    if (v === undefined) {
      if (this.chains.size === 1) return [...this.chains.values()][0]!;
      throw new SignerError("SIGNER_UNKNOWN_CHAIN", `chainId is required: this signer serves chains ${[...this.chains.keys()].join(", ")}`);
    }
    const c = typeof v === "number" ? this.chains.get(v) : undefined;
    if (!c) throw new SignerError("SIGNER_UNKNOWN_CHAIN", `chain ${JSON.stringify(v)} is not served by this signer (chains: ${[...this.chains.keys()].join(", ")})`);
    return c;
  }

  private async estimate(chain: SignerChainConfig, from: string, call: BuiltCall): Promise<bigint> {
    const req = { from, to: call.to, data: call.data, value: "0x" + call.value.toString(16) };
    let out;
    try {
      [out] = await rpcBatch(chain.rpcUrl, [{ method: "eth_estimateGas", params: [req] }], { timeoutMs: 15_000 });
    } catch (e) {
      throw new SignerError("SIGNER_UPSTREAM", `cannot reach chain ${chain.name} at its RPC`, { details: this.redact((e as Error).message) });
    }
    if (out!.ok) {
      const g = BigInt(out!.result as string);
      return g + g / 4n + 5_000n;
    }
    const desc = decodeCustomError({ data: out!.data });
    const why = desc ? formatCustomError(desc) : out!.message;
    throw new SignerError("SIGNER_WOULD_REVERT", `the transaction would revert: ${this.redact(why)}; nothing was signed or sent`, { details: this.redact(out!.message) });
  }

  /** On a chain with fees: the wallet must hold the value and the gas at the maximum fee, or nothing is signed. */
  private async checkFunds(chain: SignerChainConfig, address: string, need: bigint, refuse: (e: SignerError) => SignerError): Promise<void> {
    let balance: bigint;
    try {
      balance = BigInt(await rpc<string>(chain.rpcUrl, "eth_getBalance", [address, "pending"], 15_000));
    } catch (e) {
      throw new SignerError("SIGNER_UPSTREAM", `cannot read the balance of ${address} on chain ${chain.name}`, { details: this.redact((e as Error).message) });
    }
    if (balance < need) {
      throw refuse(new SignerError("SIGNER_INSUFFICIENT_FUNDS", `the wallet ${address} holds ${balance} wei on chain ${chain.name}; this transaction needs up to ${need} (value + gas at the maximum fee); nothing was signed`, { hint: "fund the wallet, or use a gas-free chain" }));
    }
  }

  private async ensureNonce(chain: SignerChainConfig, address: string): Promise<void> {
    if (this.store.hasNonce(address, chain.id)) return;
    let n: string;
    try {
      n = await rpc<string>(chain.rpcUrl, "eth_getTransactionCount", [address, "pending"], 15_000);
    } catch (e) {
      throw new SignerError("SIGNER_UPSTREAM", `cannot reach chain ${chain.name} to read the nonce of ${address}`, { details: this.redact((e as Error).message) });
    }
    this.store.initNonce(address, chain.id, Number(BigInt(n)));
  }

  private fees(chain: SignerChainConfig): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    if (chain.gasFree) return Promise.resolve({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
    return rpc<string>(chain.rpcUrl, "eth_gasPrice", [], 15_000).then(
      (p) => ({ maxFeePerGas: BigInt(p) * 2n, maxPriorityFeePerGas: BigInt(p) / 10n + 1n }),
      (e: Error) => {
        throw new SignerError("SIGNER_UPSTREAM", `cannot read chain ${chain.name}'s gas price`, { details: this.redact(e.message) });
      },
    );
  }

  private sign(w: { key_label: string; address: string }, tx: Transaction): string {
    const signer = this.signerOf(w as WalletRow);
    const t0 = process.hrtime.bigint();
    tx.signature = toEthersSignature(signer.signDigest(Buffer.from(tx.unsignedHash.slice(2), "hex")));
    this.metrics.signSeconds.observe({}, Number(process.hrtime.bigint() - t0) / 1e9);
    return tx.serialized;
  }

  /**
   * Signs and sends a transaction for a user. `created` is false when the idempotency key names a transaction made
   * before (the same one is returned; nothing is signed or sent again).
   */
  async submit(dapp: DappRow, body: unknown, idemHeader: string | null): Promise<{ created: boolean; tx: TxView }> {
    const b = obj(body, "transaction");
    onlyKeys(b, ["userId", "chainId", "template", "params", "idempotencyKey", "otp", "pin", "gasLimit"], "transaction");
    const idem = idemHeader ?? (b.idempotencyKey === undefined ? null : b.idempotencyKey);
    if (idem !== null && (typeof idem !== "string" || idem.length === 0 || idem.length > 200)) throw new SignerError("SIGNER_BAD_REQUEST", "the idempotency key must be a string of 1 to 200 characters");
    const { otp, pin, idempotencyKey: _i, ...rest } = b;
    void _i;
    const requestHash = sha256(canonical(rest));
    const replay = (): { created: boolean; tx: TxView } | null => {
      if (idem === null) return null;
      const prior = this.store.txByIdem(dapp.id, idem);
      if (!prior) return null;
      if (prior.request_hash !== requestHash) throw new SignerError("SIGNER_IDEMPOTENCY_CONFLICT", `the idempotency key ${JSON.stringify(idem)} was used for a different request (transaction ${prior.id}); use a new key for a new transaction`);
      return { created: false, tx: txView(prior) };
    };
    const before = replay();
    if (before) return before;
    const userId = userIdOf(b.userId);
    const chain = this.chainFor(b.chainId);
    const call = buildCall(b.template, b.params);
    const w = this.requireWallet(dapp.id, userId);
    const policy = this.effectivePolicy(dapp, w);
    const actor = `dapp:${dapp.id}`;
    const refuse = (e: SignerError): SignerError => {
      this.store.tx(() => this.store.appendAudit({ actor, action: "tx.sign", subject: userId, decision: "deny", reason: e.message, data: { template: b.template, chainId: chain.id, to: call.to, amount: call.amount.toString(), rule: e.rule } }));
      this.decision("tx.sign", "deny");
      return e;
    };
    const day = Math.floor(Date.now() / DAY_MS);
    try {
      checkPolicy(policy, { chainId: chain.id, target: call.to, selector: call.selector, amount: call.amount, raw: call.raw });
      if (policy.maxValuePerDay !== null) checkDaily(policy, this.store.spentOn(dapp.id, userId, day, chain.id, call.asset), call.amount);
    } catch (e) {
      throw e instanceof SignerError ? refuse(e) : e;
    }
    if (b.gasLimit !== undefined && (typeof b.gasLimit !== "number" || !Number.isSafeInteger(b.gasLimit) || b.gasLimit < 21_000)) {
      throw new SignerError("SIGNER_BAD_REQUEST", "gasLimit must be an integer of at least 21000 (or left out: the signer estimates it)");
    }
    if (needsSecondFactor(policy, call.amount)) await this.secondFactor(dapp.id, w, otp, pin, "tx.2fa");
    let gasLimit: bigint;
    if (b.gasLimit !== undefined) {
      gasLimit = BigInt(b.gasLimit as number);
    } else {
      try {
        gasLimit = await this.estimate(chain, w.address, call);
      } catch (e) {
        throw e instanceof SignerError && e.code === "SIGNER_WOULD_REVERT" ? refuse(e) : e;
      }
    }
    const fees = await this.fees(chain);
    if (!chain.gasFree) await this.checkFunds(chain, w.address, call.value + gasLimit * fees.maxFeePerGas, refuse);
    await this.ensureNonce(chain, w.address);
    // from here on synchronous: idempotency and the day's total again, the nonce, the signature, the row and its audit entry
    let row: TxRow;
    let replayed: { created: boolean; tx: TxView } | null = null;
    try {
      row = this.store.tx(() => {
        replayed = replay();
        if (replayed) return null as unknown as TxRow;
        if (policy.maxValuePerDay !== null) checkDaily(policy, this.store.spentOn(dapp.id, userId, day, chain.id, call.asset), call.amount);
        const nonce = this.store.takeNonce(w.address, chain.id);
        const tx = Transaction.from({ type: 2, chainId: BigInt(chain.id), nonce, to: call.to, data: call.data, value: call.value, gasLimit, ...fees });
        const raw = this.sign(w, tx);
        const r = signedRow({
          id: randomUUID(),
          dapp: dapp.id,
          user_id: userId,
          idem,
          request_hash: requestHash,
          chain_id: chain.id,
          template: String(b.template),
          sender: w.address,
          target: call.to,
          value: call.value.toString(),
          amount: call.amount.toString(),
          asset: call.asset,
          nonce,
          raw,
          day,
        });
        this.store.insertTx(r);
        this.store.appendAudit({ actor, action: "tx.sign", subject: userId, decision: "allow", data: { id: r.id, chainId: chain.id, template: r.template, to: call.to, amount: r.amount, nonce, hash: r.hash } });
        return r;
      });
    } catch (e) {
      throw e instanceof SignerError && e.code === "SIGNER_POLICY" ? refuse(e) : e;
    }
    if (replayed) return replayed;
    this.decision("tx.sign", "allow");
    const sent = await this.sender.submit(row);
    return { created: true, tx: txView(sent) };
  }

  getTx(dapp: string, id: string): TxView {
    const t = this.store.txById(id);
    if (!t || t.dapp !== dapp) throw new SignerError("SIGNER_NOT_FOUND", `the DApp "${dapp}" has no transaction ${JSON.stringify(id)}`);
    return txView(t);
  }

  listTxs(dapp: string, userId: string, limit: number): TxView[] {
    this.requireWallet(dapp, userId);
    return this.store.txsOfUser(dapp, userId, limit).map(txView);
  }

  /** Replaces a stuck transaction by a zero-value transfer to itself at the same nonce (called by the sender). */
  private replaceStuck(stuck: TxRow, reason: string): TxRow | null {
    const chain = this.chains.get(stuck.chain_id);
    if (!chain) return null;
    const old = Transaction.from(stuck.raw);
    return this.store.tx(() => {
      const tx = Transaction.from({ type: 2, chainId: BigInt(stuck.chain_id), nonce: stuck.nonce, to: stuck.sender, value: 0n, data: "0x", gasLimit: 21_000n, maxFeePerGas: old.maxFeePerGas! + old.maxFeePerGas! / 5n + (chain.gasFree ? 0n : 1n), maxPriorityFeePerGas: old.maxPriorityFeePerGas! + old.maxPriorityFeePerGas! / 5n + (chain.gasFree ? 0n : 1n) });
      const raw = this.sign({ key_label: this.store.wallet(stuck.dapp, stuck.user_id)!.key_label, address: stuck.sender }, tx);
      const filler = signedRow({ ...stuck, id: randomUUID(), idem: null, request_hash: "", template: "replacement", target: stuck.sender, value: "0", amount: "0", asset: "native", raw });
      this.store.updateTx(stuck.id, { status: "dropped", error: `stuck (${reason}); replaced at nonce ${stuck.nonce} by ${filler.id}`, replaced_by: filler.id });
      this.store.insertTx(filler);
      this.store.appendAudit({ actor: "signer", action: "tx.replace", subject: stuck.user_id, decision: "info", reason, data: { stuck: stuck.id, by: filler.id, nonce: stuck.nonce } });
      return filler;
    });
  }
}
