/**
 * Signing with HSM-held keys: an ethers v6 {@link HsmSigner} (transactions, EIP-191 messages, EIP-712 data) for the
 * relayers, the anchorer and the signer service, a synchronous {@link DigestSigner} for the node's consensus votes and
 * its own transactions, and the `pkcs11` key source that configs name next to `keystore` and `privateKeyEnv`:
 *
 *   "pkcs11": { "module": "/usr/lib/softhsm/libsofthsm2.so", "token": "luniverse", "key": "relayer-1", "pinEnv": "HSM_PIN" }
 *
 * The PIN comes from the environment variable `pinEnv` names, never from the file.
 */
import secp256k1 from "secp256k1";
import {
  AbstractSigner,
  Signature,
  Transaction,
  TypedDataEncoder,
  copyRequest,
  getAddress,
  hashMessage,
  hexlify,
  resolveAddress,
  resolveProperties,
  type Provider,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { ConfigError, checkKeys, envName, invalid, isPlainObject, joinPath, optStr, str } from "./config";
import { Hsm, HsmError, SOFTHSM_MODULE, addressOfPublicKey, type RawSignature } from "./hsm";

/** Signs 32-byte digests synchronously (a raw key in memory, or a key in an HSM). */
export interface DigestSigner {
  /** Checksummed address of the key. */
  readonly address: string;
  signDigest(digest: Uint8Array): RawSignature;
}

/** A {@link DigestSigner} over a private key held in memory (keystores and development keys). */
export function privateKeyDigestSigner(privateKey: Uint8Array): DigestSigner {
  const address = addressOfPublicKey(secp256k1.publicKeyCreate(privateKey, false));
  return {
    address,
    signDigest(digest: Uint8Array): RawSignature {
      const { signature, recid } = secp256k1.ecdsaSign(digest, privateKey);
      return {
        r: signature.slice(0, 32),
        s: signature.slice(32),
        recid: recid as 0 | 1,
      };
    },
  };
}

/** A {@link DigestSigner} over the key labelled `label` in an open token. */
export function hsmDigestSigner(hsm: Hsm, label: string): DigestSigner {
  const key = hsm.requireKey(label);
  return {
    address: key.address,
    signDigest: (digest) => hsm.signDigest(label, digest),
  };
}

/** An ethers {@link Signature} from a raw one. */
export function toEthersSignature(sig: RawSignature): Signature {
  return Signature.from({
    r: hexlify(sig.r),
    s: hexlify(sig.s),
    v: 27 + sig.recid,
  });
}

/**
 * An ethers v6 signer whose key never leaves the HSM: `signTransaction` (legacy, EIP-2930, EIP-1559),
 * `signMessage` (EIP-191) and `signTypedData` (EIP-712) hash in Node and sign the digest in the token.
 */
export class HsmSigner extends AbstractSigner {
  readonly address: string;

  constructor(readonly digestSigner: DigestSigner, provider: Provider | null = null) {
    super(provider);
    this.address = digestSigner.address;
  }

  /** The signer of the key labelled `label` in `hsm`. */
  static fromHsm(hsm: Hsm, label: string, provider: Provider | null = null): HsmSigner {
    return new HsmSigner(hsmDigestSigner(hsm, label), provider);
  }

  async getAddress(): Promise<string> {
    return this.address;
  }

  connect(provider: Provider | null): HsmSigner {
    return new HsmSigner(this.digestSigner, provider);
  }

  /** Signs a digest (32 bytes, 0x-hex or bytes) and returns the ethers signature. */
  signDigest(digest: string | Uint8Array): Signature {
    const bytes = typeof digest === "string" ? Buffer.from(digest.replace(/^0x/, ""), "hex") : digest;
    return toEthersSignature(this.digestSigner.signDigest(bytes));
  }

  async signTransaction(request: TransactionRequest): Promise<string> {
    const tx = copyRequest(request);
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this.provider) : undefined,
      from: tx.from ? resolveAddress(tx.from, this.provider) : undefined,
    });
    if (to != null) tx.to = to;
    if (from != null) {
      if (getAddress(from) !== this.address)
        throw new HsmError("HSM_SIGN_FAILED", `transaction from ${from} cannot be signed by the HSM key of ${this.address}`);
      delete tx.from;
    }
    const btx = Transaction.from(tx as TransactionLike<string>);
    btx.signature = this.signDigest(btx.unsignedHash);
    return btx.serialized;
  }

  async signMessage(message: string | Uint8Array): Promise<string> {
    return this.signDigest(hashMessage(message)).serialized;
  }

  async signTypedData(domain: TypedDataDomain, types: Record<string, TypedDataField[]>, value: Record<string, unknown>): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name: string) => {
      const address = await resolveAddress(name, this.provider);
      return address;
    });
    return this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value)).serialized;
  }
}

/** The `pkcs11` key source of a config. */
export interface Pkcs11KeySource {
  /** The PKCS#11 module (default SoftHSM2's). */
  module: string;
  /** The token's label. */
  token: string;
  /** The key pair's label. */
  key: string;
  /** Environment variable holding the token user's PIN. */
  pinEnv: string;
}

export const PKCS11_KEYS = ["module", "token", "key", "pinEnv"] as const;

/** Reads and checks a `pkcs11` key-source object at `at` (`validator.pkcs11`). */
export function parsePkcs11KeySource(raw: unknown, at: string, defaultPinEnv = "HSM_PIN"): Pkcs11KeySource {
  if (!isPlainObject(raw)) throw invalid(at, `object {"token", "key", "pinEnv", "module"?}`, raw);
  for (const k of ["pin", "soPin", "userPin", "password"]) {
    if (raw[k] !== undefined) {
      throw new ConfigError(
        "CONFIG_SECRET",
        joinPath(at, k),
        `${joinPath(at, k)}: a PIN must never be written in a configuration file; name the environment variable that holds it in "${joinPath(at, "pinEnv")}"`
      );
    }
  }
  checkKeys(raw, PKCS11_KEYS, at, {
    secretMessage: (full) =>
      `${full}: a PIN or key must never be written in a configuration file; name the environment variable that holds the PIN in "${joinPath(at, "pinEnv")}"`,
  });
  if (raw.token === undefined)
    throw new ConfigError("CONFIG_INVALID", joinPath(at, "token"), `${joinPath(at, "token")}: give the label of the HSM token that holds the key`);
  if (raw.key === undefined)
    throw new ConfigError("CONFIG_INVALID", joinPath(at, "key"), `${joinPath(at, "key")}: give the label of the key pair in the token`);
  return {
    module: optStr(raw, "module", at, null) ?? SOFTHSM_MODULE,
    token: str(raw, "token", at, ""),
    key: str(raw, "key", at, ""),
    pinEnv: envName(raw, "pinEnv", at, defaultPinEnv)!,
  };
}

/** Opens the token a key source names (its PIN from the environment) and checks that the key is there. */
export function openPkcs11KeySource(src: Pkcs11KeySource, env: NodeJS.ProcessEnv = process.env): { hsm: Hsm; digestSigner: DigestSigner } {
  const pin = env[src.pinEnv];
  if (pin === undefined || pin === "") {
    throw new HsmError("HSM_NO_PIN", `no PIN for the HSM token "${src.token}": the environment variable ${src.pinEnv} is not set`, {
      hint: `export ${src.pinEnv}=<the token user's PIN>`,
    });
  }
  const hsm = Hsm.open({ module: src.module, token: src.token, pin });
  return { hsm, digestSigner: hsmDigestSigner(hsm, src.key) };
}

/** An HSM key named by flags (`--hsm-token`, `--hsm-key`, `--hsm-pin-env`, `--hsm-module`) as an ethers signer. */
export function openHsmSigner(src: { token: string; key: string; pinEnv?: string; module?: string }, provider: Provider | null = null): HsmSigner {
  const { digestSigner } = openPkcs11KeySource({
    module: src.module ?? SOFTHSM_MODULE,
    token: src.token,
    key: src.key,
    pinEnv: src.pinEnv ?? "HSM_PIN",
  });
  return new HsmSigner(digestSigner, provider);
}
