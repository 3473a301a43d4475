/**
 * Keys that never leave a hardware security module, over PKCS#11 (pkcs11js): secp256k1 key pairs generated inside the
 * token (private half sensitive and non-extractable), found by label, and ECDSA signatures of 32-byte digests. The
 * module returns a raw r‖s (`CKM_ECDSA`, no recovery id): the signature is normalised to low s (EIP-2) and its
 * recovery id found by recovering both candidates against the key's public point (after the AWS-KMS signers for
 * ethers). SoftHSM2 (Debian's `softhsm2`) is the default module; any PKCS#11 module path works.
 *
 * One module is loaded and initialised once per process; a token is opened by its label and logged in as its user
 * (the PIN comes from the caller: an environment variable in configs, never a file). Calls are synchronous — a
 * signature costs well under a millisecond on SoftHSM2 — so one session serves a process.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import * as pkcs11js from "pkcs11js";
import secp256k1 from "secp256k1";
import { getAddress, keccak256 } from "ethers";
import { LuniverseError } from "./errors";

export type HsmErrorCode =
  | "HSM_MODULE"
  | "HSM_TOKEN_MISSING"
  | "HSM_TOKEN_EXISTS"
  | "HSM_PIN_WRONG"
  | "HSM_NO_PIN"
  | "HSM_KEY_MISSING"
  | "HSM_KEY_EXISTS"
  | "HSM_KEY_INVALID"
  | "HSM_SIGN_FAILED"
  | "HSM_DECRYPT_FAILED";

/** A token, PIN or key that cannot be used; the message says what to do. */
export class HsmError extends LuniverseError<HsmErrorCode> {
  override name = "HsmError";
}

/** Debian's SoftHSM2 module (`apt-get install softhsm2`). */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/** DER of the secp256k1 curve's OID 1.3.132.0.10, the `CKA_EC_PARAMS` of our keys. */
const SECP256K1_PARAMS = Buffer.from("06052b8104000a", "hex");
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

export interface HsmOptions {
  /** The PKCS#11 module (default: SoftHSM2's). */
  module?: string;
  /** The token's label. */
  token: string;
  /** The token user's PIN. */
  pin: string;
}

/** A key pair in the token. */
export interface HsmKey {
  label: string;
  /** Checksummed Ethereum address of the public key. */
  address: string;
  /** Uncompressed public key (65 bytes, 0x04 ‖ x ‖ y). */
  publicKey: Uint8Array;
}

/** A secp256k1 signature: low s, recovery id 0 or 1. */
export interface RawSignature {
  r: Uint8Array;
  s: Uint8Array;
  recid: 0 | 1;
}

interface LoadedModule {
  lib: pkcs11js.PKCS11;
  path: string;
}

const modules = new Map<string, LoadedModule>();
/** The PIN each token of this process was logged in with (a login is per token and shared by its sessions). */
const loggedIn = new Map<string, string>();

function ckr(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  const match = /CKR_[A-Z_]+/.exec(m);
  return match ? match[0] : m;
}

/** Loads and initialises a PKCS#11 module once per process. */
function loadModule(path: string): LoadedModule {
  const known = modules.get(path);
  if (known) return known;
  if (!existsSync(path)) {
    throw new HsmError("HSM_MODULE", `PKCS#11 module ${path} does not exist`, {
      hint:
        path === SOFTHSM_MODULE
          ? "install SoftHSM2 (apt-get install softhsm2) or give the path of your HSM's PKCS#11 module"
          : "give the path of your HSM's PKCS#11 module (a .so file)",
    });
  }
  const lib = new pkcs11js.PKCS11();
  try {
    lib.load(path);
    lib.C_Initialize();
  } catch (e) {
    if (ckr(e) !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") {
      throw new HsmError("HSM_MODULE", `cannot initialise the PKCS#11 module ${path}`, {
        details: ckr(e),
        hint: "check the module path and, for SoftHSM2, SOFTHSM2_CONF and its token directory",
      });
    }
  }
  const m = { lib, path };
  modules.set(path, m);
  return m;
}

function trimLabel(label: string): string {
  return label.replace(/[\s\0]+$/, "");
}

/** The slots whose tokens are initialised, with their labels. */
export function listTokens(module = SOFTHSM_MODULE): { slot: pkcs11js.Handle; label: string; serial: string }[] {
  const { lib } = loadModule(module);
  const out: { slot: pkcs11js.Handle; label: string; serial: string }[] = [];
  for (const slot of lib.C_GetSlotList(true)) {
    const info = lib.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    out.push({
      slot,
      label: trimLabel(info.label),
      serial: trimLabel(info.serialNumber),
    });
  }
  return out;
}

/**
 * Initialises a new token in a free slot with its security officer's PIN and its user's PIN (SoftHSM2 always offers
 * one free slot). A token with this label already present is an error.
 */
export function initToken(opts: { module?: string; label: string; soPin: string; pin: string }): void {
  const module = opts.module ?? SOFTHSM_MODULE;
  if (opts.label.length === 0 || opts.label.length > 32) throw new HsmError("HSM_TOKEN_MISSING", `token label "${opts.label}" must be 1 to 32 characters`);
  if (opts.pin.length < 4 || opts.soPin.length < 4) throw new HsmError("HSM_NO_PIN", "the user PIN and the SO PIN must each have at least 4 characters");
  if (listTokens(module).some((t) => t.label === opts.label)) {
    throw new HsmError("HSM_TOKEN_EXISTS", `a token labelled "${opts.label}" already exists`, { hint: "use it, or choose another label" });
  }
  const { lib } = loadModule(module);
  const free = lib.C_GetSlotList(true).find((s) => (lib.C_GetTokenInfo(s).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
  if (free === undefined)
    throw new HsmError("HSM_TOKEN_MISSING", `the module ${module} has no free slot for a new token`, { hint: "initialise one with the HSM vendor's tool" });
  lib.C_InitToken(free, opts.soPin, opts.label.padEnd(32, " "));
  // SoftHSM2 moves the new token to a new slot id: find it by label
  const slot = lib.C_GetSlotList(true).find((s) => trimLabel(lib.C_GetTokenInfo(s).label) === opts.label);
  if (slot === undefined) throw new HsmError("HSM_TOKEN_MISSING", `the token "${opts.label}" was initialised but cannot be found again`);
  const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  try {
    lib.C_Login(session, pkcs11js.CKU_SO, opts.soPin);
    lib.C_InitPIN(session, opts.pin);
    lib.C_Logout(session);
  } finally {
    lib.C_CloseSession(session);
  }
}

/** Keccak of the 64-byte (x ‖ y) point, last 20 bytes, checksummed. */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  return getAddress("0x" + keccak256(publicKey.subarray(1)).slice(-40));
}

/** The uncompressed point from `CKA_EC_POINT`: a DER OCTET STRING around 0x04 ‖ x ‖ y (some modules give it bare). */
function ecPoint(raw: Buffer): Uint8Array {
  if (raw.length === 65 && raw[0] === 0x04) return new Uint8Array(raw);
  if (raw.length === 67 && raw[0] === 0x04 && raw[1] === 0x41 && raw[2] === 0x04) return new Uint8Array(raw.subarray(2));
  throw new HsmError("HSM_KEY_INVALID", `unexpected CKA_EC_POINT (${raw.length} bytes): not an uncompressed secp256k1 point`);
}

function bigFrom(b: Uint8Array): bigint {
  return BigInt("0x" + Buffer.from(b).toString("hex"));
}

function bytes32(v: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
}

/** Low-s form of a raw r‖s and the recovery id under which it recovers to `publicKey`. */
export function normaliseSignature(rs: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): RawSignature {
  if (rs.length !== 64) throw new HsmError("HSM_SIGN_FAILED", `the HSM returned a ${rs.length}-byte signature, expected 64 (r ‖ s)`);
  const r = rs.subarray(0, 32);
  let s = bigFrom(rs.subarray(32));
  if (s > HALF_N) s = N - s;
  const sig = new Uint8Array(64);
  sig.set(r, 0);
  sig.set(bytes32(s), 32);
  for (const recid of [0, 1] as const) {
    let pub: Uint8Array;
    try {
      pub = secp256k1.ecdsaRecover(sig, recid, digest, false);
    } catch {
      continue;
    }
    if (Buffer.from(pub).equals(Buffer.from(publicKey))) return { r: sig.slice(0, 32), s: sig.slice(32), recid };
  }
  throw new HsmError("HSM_SIGN_FAILED", "the HSM's signature does not recover to the key's public key under either recovery id");
}

/** An open, logged-in token. */
export class Hsm {
  private readonly keys = new Map<string, { handle: pkcs11js.Handle; key: HsmKey }>();
  /** Set by {@link loadIndex}: every key of the token is in `keys`, so a label not there is absent (no search). */
  private indexed = false;

  private constructor(private readonly lib: pkcs11js.PKCS11, private readonly session: pkcs11js.Handle, readonly module: string, readonly token: string) {}

  /** Opens the token labelled `token` and logs its user in. A wrong PIN, a locked PIN or a missing token are HsmErrors. */
  static open(opts: HsmOptions): Hsm {
    const module = opts.module ?? SOFTHSM_MODULE;
    if (!opts.pin)
      throw new HsmError("HSM_NO_PIN", `no PIN for the token "${opts.token}"`, {
        hint: "set the environment variable the config names (pinEnv)",
      });
    const tokens = listTokens(module);
    const t = tokens.find((x) => x.label === opts.token);
    if (!t) {
      throw new HsmError("HSM_TOKEN_MISSING", `no token labelled "${opts.token}" in ${module}`, {
        details: tokens.length ? `tokens: ${tokens.map((x) => x.label).join(", ")}` : "the module has no initialised token",
        hint: `create it: npx hardhat hsm:init-token --token ${opts.token}`,
      });
    }
    const { lib } = loadModule(module);
    const session = lib.C_OpenSession(t.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      lib.C_Login(session, pkcs11js.CKU_USER, opts.pin);
    } catch (e) {
      const code = ckr(e);
      if (code === "CKR_USER_ALREADY_LOGGED_IN" && loggedIn.get(`${module}|${opts.token}`) === opts.pin) {
        // another Hsm of this process logged the token in with this PIN: the login is per token, shared by sessions
      } else if (code === "CKR_USER_ALREADY_LOGGED_IN") {
        lib.C_CloseSession(session);
        throw new HsmError("HSM_PIN_WRONG", `wrong PIN for the token "${opts.token}"`);
      } else {
        lib.C_CloseSession(session);
        if (code === "CKR_PIN_INCORRECT") throw new HsmError("HSM_PIN_WRONG", `wrong PIN for the token "${opts.token}"`);
        throw new HsmError("HSM_MODULE", `cannot log in to the token "${opts.token}"`, {
          details: code,
          hint: code === "CKR_PIN_LOCKED" ? "the user PIN is locked: the security officer must reset it (C_InitPIN)" : undefined,
        });
      }
    }
    loggedIn.set(`${module}|${opts.token}`, opts.pin);
    return new Hsm(lib, session, module, opts.token);
  }

  /**
   * Reads every key of the token once (one search), after which labels are answered from memory: for a process that
   * is the only one creating keys in its token (the signer service), where SoftHSM2's object search costs time
   * proportional to the number of objects on every miss.
   */
  loadIndex(): void {
    this.listKeys();
    this.indexed = true;
  }

  /** Generates a secp256k1 key pair inside the token; the private half is sensitive and never extractable. */
  generateKey(label: string): HsmKey {
    if (!/^[\w.:@+-]{1,64}$/.test(label)) throw new HsmError("HSM_KEY_INVALID", `key label "${label}" must be 1 to 64 letters, digits or . _ - : @ +`);
    if (this.findKey(label))
      throw new HsmError("HSM_KEY_EXISTS", `the token "${this.token}" already holds a key labelled "${label}"`, { hint: "use it, or choose another label" });
    const id = Buffer.from(label, "utf8");
    const pair = this.lib.C_GenerateKeyPair(
      this.session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_EC_PARAMS, value: SECP256K1_PARAMS },
        { type: pkcs11js.CKA_VERIFY, value: true },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_ID, value: id },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      ]
    );
    const publicKey = ecPoint(this.lib.C_GetAttributeValue(this.session, pair.publicKey, [{ type: pkcs11js.CKA_EC_POINT }])[0]!.value as Buffer);
    const key = { label, address: addressOfPublicKey(publicKey), publicKey };
    this.keys.set(label, { handle: pair.privateKey, key });
    return key;
  }

  /**
   * Moves an existing secp256k1 private key into the token (a keystore's key migrated to the HSM, or the devnet's
   * development accounts, whose addresses its genesis names): stored sensitive and non-extractable, so from here on
   * it signs only inside the token. A key generated in the token ({@link generateKey}) is preferable: this one existed
   * outside it once (PKCS#11 records that: CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE stay false).
   */
  importKey(label: string, privateKey: Uint8Array): HsmKey {
    if (!/^[\w.:@+-]{1,64}$/.test(label)) throw new HsmError("HSM_KEY_INVALID", `key label "${label}" must be 1 to 64 letters, digits or . _ - : @ +`);
    if (privateKey.length !== 32 || !secp256k1.privateKeyVerify(privateKey)) throw new HsmError("HSM_KEY_INVALID", "the key to import is not a valid 32-byte secp256k1 private key");
    if (this.findKey(label)) throw new HsmError("HSM_KEY_EXISTS", `the token "${this.token}" already holds a key labelled "${label}"`, { hint: "use it, or choose another label" });
    const publicKey = secp256k1.publicKeyCreate(privateKey, false);
    const id = Buffer.from(label, "utf8");
    const common = [
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_EC_PARAMS, value: SECP256K1_PARAMS },
    ];
    const priv = this.lib.C_CreateObject(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      ...common,
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_VALUE, value: Buffer.from(privateKey) },
    ]);
    this.lib.C_CreateObject(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      ...common,
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, 0x41]), Buffer.from(publicKey)]) },
    ]);
    const key = { label, address: addressOfPublicKey(publicKey), publicKey: new Uint8Array(publicKey) };
    this.keys.set(label, { handle: priv, key });
    return key;
  }

  private find(cls: number, label?: string): pkcs11js.Handle[] {
    const tmpl: pkcs11js.Template = [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    ];
    if (label !== undefined) tmpl.push({ type: pkcs11js.CKA_LABEL, value: label });
    this.lib.C_FindObjectsInit(this.session, tmpl);
    try {
      return this.lib.C_FindObjects(this.session, 10_000);
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
  }

  private label(h: pkcs11js.Handle): string {
    return (this.lib.C_GetAttributeValue(this.session, h, [{ type: pkcs11js.CKA_LABEL }])[0]!.value as Buffer).toString("utf8");
  }

  private publicOf(label: string): Uint8Array | null {
    const [pub] = this.find(pkcs11js.CKO_PUBLIC_KEY, label);
    if (pub === undefined) return null;
    return ecPoint(this.lib.C_GetAttributeValue(this.session, pub, [{ type: pkcs11js.CKA_EC_POINT }])[0]!.value as Buffer);
  }

  /** The key pair labelled `label`, or null. */
  findKey(label: string): HsmKey | null {
    const cached = this.keys.get(label);
    if (cached) return cached.key;
    if (this.indexed) return null;
    const [priv] = this.find(pkcs11js.CKO_PRIVATE_KEY, label);
    if (priv === undefined) return null;
    const publicKey = this.publicOf(label);
    if (publicKey === null) throw new HsmError("HSM_KEY_INVALID", `the token holds the private key "${label}" but not its public key`);
    const key = { label, address: addressOfPublicKey(publicKey), publicKey };
    this.keys.set(label, { handle: priv, key });
    return key;
  }

  /** The key labelled `label`; an HsmError naming the token's keys when absent. */
  requireKey(label: string): HsmKey {
    const k = this.findKey(label);
    if (k) return k;
    throw new HsmError("HSM_KEY_MISSING", `the token "${this.token}" holds no key labelled "${label}"`, {
      hint: `create it: npx hardhat hsm:create-key --token ${this.token} --label ${label}`,
    });
  }

  /** Every secp256k1 key pair in the token, by label. */
  listKeys(): HsmKey[] {
    const out: HsmKey[] = [];
    for (const h of this.find(pkcs11js.CKO_PRIVATE_KEY)) {
      const k = this.findKey(this.label(h));
      if (k) out.push(k);
    }
    return out.sort((a, b) => a.label.localeCompare(b.label));
  }

  /** Reads an attribute of the private key (tests: `CKA_VALUE` of a sensitive key must fail). */
  privateAttribute(label: string, type: number): Buffer {
    this.requireKey(label);
    const h = this.keys.get(label)!.handle;
    return this.lib.C_GetAttributeValue(this.session, h, [{ type }])[0]!.value as Buffer;
  }

  /** Signs a 32-byte digest with the key labelled `label`: low s, recovery id found against the public key. */
  signDigest(label: string, digest: Uint8Array): RawSignature {
    if (digest.length !== 32) throw new HsmError("HSM_SIGN_FAILED", `a digest to sign must be 32 bytes, got ${digest.length}`);
    const key = this.requireKey(label);
    const h = this.keys.get(label)!.handle;
    let rs: Buffer;
    try {
      this.lib.C_SignInit(this.session, { mechanism: pkcs11js.CKM_ECDSA }, h);
      rs = this.lib.C_Sign(this.session, Buffer.from(digest), Buffer.alloc(64));
    } catch (e) {
      throw new HsmError("HSM_SIGN_FAILED", `the HSM refused to sign with "${label}"`, { details: ckr(e) });
    }
    return normaliseSignature(rs, digest, key.publicKey);
  }

  private readonly secretKeys = new Map<string, pkcs11js.Handle>();

  /** The AES-256 key labelled `label` in the token (generated there on first use: sensitive, never extractable). */
  private secretKey(label: string): pkcs11js.Handle {
    const known = this.secretKeys.get(label);
    if (known !== undefined) return known;
    this.lib.C_FindObjectsInit(this.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
    let handle: pkcs11js.Handle | null;
    try {
      handle = this.lib.C_FindObjects(this.session);
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
    handle ??= this.lib.C_GenerateKey(this.session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    ]);
    this.secretKeys.set(label, handle);
    return handle;
  }

  /**
   * Encrypts `plaintext` inside the token with AES-256-GCM under the secret key `label` (made on first use), bound to
   * `aad`: returns iv (12 bytes) ‖ ciphertext ‖ tag. For secrets a service must keep but never hold in the clear at
   * rest (the signer's TOTP secrets).
   */
  seal(label: string, plaintext: Buffer, aad: Buffer): Buffer {
    const key = this.secretKey(label);
    const iv = randomBytes(12);
    this.lib.C_EncryptInit(this.session, { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv, aad, ivBits: 96, tagBits: 128 } } as pkcs11js.Mechanism, key);
    const ct = this.lib.C_Encrypt(this.session, plaintext, Buffer.alloc(plaintext.length + 16));
    return Buffer.concat([iv, ct]);
  }

  /** Decrypts what {@link seal} returned; a changed byte or another `aad` is HSM_DECRYPT_FAILED. */
  open(label: string, sealed: Buffer, aad: Buffer): Buffer {
    if (sealed.length < 12 + 16) throw new HsmError("HSM_DECRYPT_FAILED", "the sealed value is too short to have been made by seal()");
    const key = this.secretKey(label);
    try {
      this.lib.C_DecryptInit(this.session, { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv: sealed.subarray(0, 12), aad, ivBits: 96, tagBits: 128 } } as pkcs11js.Mechanism, key);
      return this.lib.C_Decrypt(this.session, sealed.subarray(12), Buffer.alloc(sealed.length));
    } catch (e) {
      throw new HsmError("HSM_DECRYPT_FAILED", `the token refused to decrypt under "${label}": the value was changed, belongs to another record, or was sealed by another token`, { details: ckr(e) });
    }
  }

  /** Destroys the key pair labelled `label` (both halves). */
  destroyKey(label: string): void {
    this.requireKey(label);
    for (const h of [...this.find(pkcs11js.CKO_PRIVATE_KEY, label), ...this.find(pkcs11js.CKO_PUBLIC_KEY, label)]) this.lib.C_DestroyObject(this.session, h);
    this.keys.delete(label);
  }

  close(): void {
    try {
      this.lib.C_CloseSession(this.session);
    } catch {
      // already closed
    }
  }
}
