/** Commit digests and signatures: exactly what Slashing.commitDigest / submitDoubleSignEvidence verify. */
import secp256k1 from "secp256k1";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { FeeMarket1559Tx } from "@ethereumjs/tx";
import type { DigestSigner } from "../../lib/hsmSigner";
import { keccak256 } from "../execution/common";

function word(v: bigint): Uint8Array {
  return hexToBytes(("0x" + v.toString(16).padStart(64, "0")) as Hex);
}

/** keccak256(abi.encode(chainId, blockNumber, blockHash)) */
export function commitDigest(chainId: bigint, number: bigint, hash: Hex): Uint8Array {
  const buf = new Uint8Array(96);
  buf.set(word(chainId), 0);
  buf.set(word(number), 32);
  buf.set(hexToBytes(hash), 64);
  return keccak256(buf);
}

export function addressOfPublicKey(pub: Uint8Array): Hex {
  const uncompressed = pub.length === 65 ? pub.slice(1) : pub;
  return bytesToHex(keccak256(uncompressed).slice(12)) as Hex;
}

export function addressOfPrivateKey(key: Uint8Array): Hex {
  return addressOfPublicKey(secp256k1.publicKeyCreate(key, false));
}

/**
 * A validator's key: the private key in memory (keystore, development variable), or a {@link DigestSigner} whose key
 * stays in an HSM (`validator.pkcs11`).
 */
export type ValidatorKey = Uint8Array | DigestSigner;

/** The address of a validator key (0x-lowercase, as the node writes addresses). */
export function addressOfKey(key: ValidatorKey): Hex {
  return key instanceof Uint8Array ? addressOfPrivateKey(key) : (key.address.toLowerCase() as Hex);
}

/** 65-byte r ‖ s ‖ v (v = 27/28), low-s: the form OpenZeppelin's ECDSA.recover accepts. */
export function signDigest(digest: Uint8Array, key: ValidatorKey): Hex {
  const out = new Uint8Array(65);
  if (key instanceof Uint8Array) {
    const { signature, recid } = secp256k1.ecdsaSign(digest, key);
    out.set(signature, 0);
    out[64] = 27 + recid;
  } else {
    const { r, s, recid } = key.signDigest(digest);
    out.set(r, 0);
    out.set(s, 32);
    out[64] = 27 + recid;
  }
  return bytesToHex(out) as Hex;
}

/** Signs a typed (EIP-1559) transaction of the node's own (evidence, abuse reports) with a validator key. */
export function signNodeTransaction(tx: FeeMarket1559Tx, key: ValidatorKey): FeeMarket1559Tx {
  if (key instanceof Uint8Array) return tx.sign(key);
  const { r, s, recid } = key.signDigest(tx.getHashedMessageToSign());
  return tx.addSignature(BigInt(recid), r, s);
}

/** The signer of a 65-byte signature over `digest`, or null when it is malformed. */
export function recoverSigner(digest: Uint8Array, signature: Hex): Hex | null {
  try {
    const sig = hexToBytes(signature);
    if (sig.length !== 65) return null;
    const v = sig[64]!;
    const recid = v >= 27 ? v - 27 : v;
    if (recid !== 0 && recid !== 1) return null;
    const pub = secp256k1.ecdsaRecover(sig.slice(0, 64), recid, digest, false);
    return addressOfPublicKey(pub);
  } catch {
    return null;
  }
}

/**
 * What a prevote signs: `keccak256(abi.encode("luniverse-prevote", chainId, number, round, hash))`. Prevotes are
 * per round and bind nothing (they are not commit signatures, so two prevotes at one height are not evidence).
 */
export function prevoteDigest(chainId: bigint, number: bigint, round: number, hash: Hex): Uint8Array {
  const tag = keccak256(new TextEncoder().encode("luniverse-prevote"));
  const buf = new Uint8Array(160);
  buf.set(tag, 0);
  buf.set(word(chainId), 32);
  buf.set(word(number), 64);
  buf.set(word(BigInt(round)), 96);
  buf.set(hexToBytes(hash), 128);
  return keccak256(buf);
}
