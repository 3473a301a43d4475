/**
 * What the gateway reads from a signed raw transaction (eth_sendRawTransaction) before forwarding it: the sender (for
 * banned senders, the abuse rules and the request log) and the target contract (for a key's contract allow-list).
 *
 * It runs on the request path for every transaction, so it does only what that needs: RLP-decode the envelope, hash
 * the unsigned payload (native keccak, lib/keccak.ts) and recover the key (native secp256k1) — about a third of the
 * time of a full ethereumjs parse. It validates nothing else: the node admits or refuses the transaction. Legacy
 * (pre- and post-EIP-155), EIP-2930, EIP-1559, EIP-4844 and EIP-7702 envelopes are read; anything else gives null.
 */
import { RLP } from "@ethereumjs/rlp";
import secp256k1 from "secp256k1";
import { keccak256 } from "../../lib/keccak";

type Fields = Uint8Array[];

/** Field positions per envelope: the `to`, the first signature field (v / yParity), the field count. */
const LAYOUT: Record<number, { to: number; sig: number; count: number }> = {
  [-1]: { to: 3, sig: 6, count: 9 }, // legacy: nonce, gasPrice, gas, to, value, data, v, r, s
  1: { to: 4, sig: 8, count: 11 }, // EIP-2930: chainId, nonce, gasPrice, gas, to, value, data, accessList, y, r, s
  2: { to: 5, sig: 9, count: 12 }, // EIP-1559: chainId, nonce, tip, maxFee, gas, to, value, data, accessList, y, r, s
  3: { to: 5, sig: 11, count: 14 }, // EIP-4844: … accessList, maxFeePerBlobGas, blobHashes, y, r, s
  4: { to: 5, sig: 10, count: 13 }, // EIP-7702: … accessList, authorizationList, y, r, s
};

interface Decoded {
  type: number;
  fields: Fields;
}

function bytesToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n;
}

function bigIntToBytes(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array(0);
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;

function decode(rawTx: string): Decoded | null {
  if (typeof rawTx !== "string" || !HEX.test(rawTx)) return null;
  const bytes = Buffer.from(rawTx.slice(2), "hex");
  const first = bytes[0]!;
  let type: number;
  let payload: Uint8Array;
  if (first >= 0xc0) {
    type = -1;
    payload = bytes;
  } else if (first <= 0x7f && LAYOUT[first] !== undefined) {
    type = first;
    payload = bytes.subarray(1);
  } else return null;
  let fields: unknown;
  try {
    fields = RLP.decode(payload);
  } catch {
    return null;
  }
  const layout = LAYOUT[type]!;
  if (!Array.isArray(fields) || fields.length !== layout.count) return null;
  return { type, fields: fields as Fields };
}

/** The last transaction read: the gateway asks for the target and then the sender of the same one. */
let last: { raw: string; decoded: Decoded | null; sender?: string | null } | null = null;

function read(rawTx: string): { raw: string; decoded: Decoded | null; sender?: string | null } {
  if (last === null || last.raw !== rawTx) last = { raw: rawTx, decoded: decode(rawTx) };
  return last;
}

function recover({ type, fields }: Decoded): string | null {
  const { sig } = LAYOUT[type]!;
  const [vField, r, s] = [fields[sig], fields[sig + 1], fields[sig + 2]];
  if (!(vField instanceof Uint8Array) || !(r instanceof Uint8Array) || !(s instanceof Uint8Array)) return null;
  if (r.length === 0 || r.length > 32 || s.length === 0 || s.length > 32) return null;
  const v = bytesToBigInt(vField);
  let recovery: number;
  let signed: Uint8Array;
  if (type === -1) {
    if (v === 27n || v === 28n) {
      recovery = Number(v - 27n);
      signed = RLP.encode(fields.slice(0, 6));
    } else if (v >= 35n) {
      const chainId = (v - 35n) / 2n;
      recovery = Number(v - 35n - chainId * 2n);
      signed = RLP.encode([...fields.slice(0, 6), bigIntToBytes(chainId), new Uint8Array(0), new Uint8Array(0)]);
    } else return null;
  } else {
    if (v !== 0n && v !== 1n) return null;
    recovery = Number(v);
    const body = RLP.encode(fields.slice(0, sig));
    signed = new Uint8Array(body.length + 1);
    signed[0] = type;
    signed.set(body, 1);
  }
  const signature = new Uint8Array(64);
  signature.set(r, 32 - r.length);
  signature.set(s, 64 - s.length);
  try {
    const publicKey = secp256k1.ecdsaRecover(signature, recovery, keccak256(signed), false);
    return `0x${Buffer.from(keccak256(publicKey.subarray(1))).subarray(12).toString("hex")}`;
  } catch {
    return null;
  }
}

/** The sender (lowercase 0x…) of a signed raw transaction; null when it is not one (garbage, unsigned, bad signature). */
export function recoverSender(rawTx: string): string | null {
  const entry = read(rawTx);
  if (entry.decoded === null) return null;
  if (entry.sender === undefined) entry.sender = recover(entry.decoded);
  return entry.sender;
}

/** The recipient (lowercase 0x…) of a signed raw transaction; null for a contract creation or garbage. */
export function transactionTarget(rawTx: string): string | null {
  const { decoded } = read(rawTx);
  if (decoded === null) return null;
  const to = decoded.fields[LAYOUT[decoded.type]!.to];
  return to instanceof Uint8Array && to.length === 20 ? `0x${Buffer.from(to).toString("hex")}` : null;
}
