/**
 * The snapshot format: a folder with `manifest.json` and data files `data-00000.lsnap`, … — gzip streams of records
 * `[u32 BE key length][key, UTF-8][u32 BE value length][value]`, each key of the node's LevelDB once, in key order,
 * read from ONE LevelDB snapshot (so the files hold the database exactly as it was at one final block).
 *
 * The manifest names the chain (chain id, genesis hash), the final block the snapshot holds as its head (height, hash,
 * state root) and every file with its size, SHA-256 and record count; it is signed by the node's key (the validator
 * key; a full node without one writes an unsigned manifest, and restore says so). What is signed is
 * keccak256("luniverse-snapshot:" ‖ the manifest's JSON without `signature`, keys in the order below).
 *
 * Left out: the validator's signing record (`consensus:` keys, the double-sign protection of ONE key — it belongs to
 * the key, not to the chain: see restore.ts) and a restore's own progress key.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { hexToBytes, utf8ToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { LuniverseError } from "../../lib/errors";
import { addressOfKey, recoverSigner, signDigest, type ValidatorKey } from "../consensus/crypto";
import { keccak256 } from "../execution/common";

export const SNAPSHOT_FORMAT = "luniverse-snapshot/1";
export const MANIFEST_FILE = "manifest.json";

export type SnapshotErrorCode =
  | "SNAPSHOT_EXISTS"
  | "SNAPSHOT_NOT_FOUND"
  | "SNAPSHOT_MANIFEST_INVALID"
  | "SNAPSHOT_SIGNATURE_INVALID"
  | "SNAPSHOT_UNSIGNED"
  | "SNAPSHOT_SIGNER_UNEXPECTED"
  | "SNAPSHOT_FILE_MISMATCH"
  | "SNAPSHOT_CHAIN_MISMATCH"
  | "SNAPSHOT_HEAD_MISMATCH"
  | "SNAPSHOT_HISTORY_INVALID"
  | "SNAPSHOT_STATE_INVALID"
  | "SNAPSHOT_NOT_FINAL"
  | "SNAPSHOT_UNTRUSTED"
  | "SNAPSHOT_TARGET_NOT_EMPTY"
  | "SNAPSHOT_DOWNLOAD_FAILED"
  | "SNAPSHOT_BUSY";

/** A snapshot cannot be written, read, trusted or restored: the message says which check failed and what to do. */
export class SnapshotError extends LuniverseError<SnapshotErrorCode> {
  override name = "SnapshotError";
}

export interface SnapshotFileEntry {
  name: string;
  /** Size of the compressed file. */
  bytes: number;
  /** SHA-256 of the compressed file (hex, no 0x). */
  sha256: string;
  /** Records in the file. */
  entries: number;
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  chainId: string;
  genesisHash: Hex;
  height: string;
  hash: Hex;
  stateRoot: Hex;
  createdAt: string;
  entries: number;
  files: SnapshotFileEntry[];
  /** The node key that signed the manifest, or null (a full node without a key). */
  signer: Hex | null;
  signature: Hex | null;
}

/** Keys never written to a snapshot: one validator's signing record and a restore's progress marker. */
export function excludedKey(key: string): boolean {
  return key.startsWith("consensus:") || key.startsWith("restore:") || key === "meta:signed";
}

/** The manifest's fields in their signed order, without the signature. */
function signedBody(m: Omit<SnapshotManifest, "signature">): string {
  const files = m.files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256, entries: f.entries }));
  return JSON.stringify({
    format: m.format,
    chainId: m.chainId,
    genesisHash: m.genesisHash,
    height: m.height,
    hash: m.hash,
    stateRoot: m.stateRoot,
    createdAt: m.createdAt,
    entries: m.entries,
    files,
    signer: m.signer,
  });
}

export function manifestDigest(m: Omit<SnapshotManifest, "signature">): Uint8Array {
  return keccak256(utf8ToBytes(`luniverse-snapshot:${signedBody(m)}`));
}

/** Signs the manifest with the node's key (or leaves it unsigned without one). */
export function signManifest(m: Omit<SnapshotManifest, "signer" | "signature">, key: ValidatorKey | null): SnapshotManifest {
  if (key === null) return { ...m, signer: null, signature: null };
  const body = { ...m, signer: addressOfKey(key).toLowerCase() as Hex };
  return { ...body, signature: signDigest(manifestDigest(body), key) };
}

/** The manifest's signer, checked: null when unsigned; SNAPSHOT_SIGNATURE_INVALID when the signature is not the signer's. */
export function manifestSigner(m: SnapshotManifest): Hex | null {
  if (m.signer === null && m.signature === null) return null;
  const recovered = m.signature === null ? null : recoverSigner(manifestDigest(m), m.signature);
  if (recovered === null || m.signer === null || recovered.toLowerCase() !== m.signer.toLowerCase()) {
    throw new SnapshotError("SNAPSHOT_SIGNATURE_INVALID", "the snapshot's manifest is not signed by the key it names", {
      details: `manifest signer ${m.signer ?? "none"}, signature recovers to ${recovered ?? "nothing"}`,
      hint: "the manifest was edited after it was signed; take the snapshot again from the node",
    });
  }
  return m.signer.toLowerCase() as Hex;
}

const HEX32 = /^0x[0-9a-f]{64}$/i;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Reads and shape-checks `<dir>/manifest.json`. */
export function readManifest(dir: string): SnapshotManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new SnapshotError("SNAPSHOT_NOT_FOUND", `no snapshot at ${dir}`, { details: `${file} cannot be read`, hint: "pass the folder node:backup wrote (it holds manifest.json)" });
  }
  return parseManifest(text, file);
}

export function parseManifest(text: string, where: string): SnapshotManifest {
  let m: SnapshotManifest;
  try {
    m = JSON.parse(text) as SnapshotManifest;
  } catch (err) {
    throw new SnapshotError("SNAPSHOT_MANIFEST_INVALID", `${where} is not JSON`, { details: (err as Error).message });
  }
  const bad = (field: string, want: string) =>
    new SnapshotError("SNAPSHOT_MANIFEST_INVALID", `${where}: ${field} must be ${want}`, { hint: "the manifest is damaged or not a Luniverse snapshot's; take the snapshot again" });
  if (m === null || typeof m !== "object") throw bad("the manifest", "an object");
  if (m.format !== SNAPSHOT_FORMAT) throw bad("format", `"${SNAPSHOT_FORMAT}" (this node reads no other)`);
  if (typeof m.chainId !== "string" || !DECIMAL.test(m.chainId)) throw bad("chainId", "a decimal string");
  if (typeof m.height !== "string" || !DECIMAL.test(m.height)) throw bad("height", "a decimal string");
  for (const f of ["genesisHash", "hash", "stateRoot"] as const) if (typeof m[f] !== "string" || !HEX32.test(m[f])) throw bad(f, "a 32-byte 0x hash");
  if (typeof m.createdAt !== "string") throw bad("createdAt", "an ISO date");
  if (!Number.isSafeInteger(m.entries) || m.entries < 0) throw bad("entries", "a count");
  if (!Array.isArray(m.files) || m.files.length === 0) throw bad("files", "a non-empty list");
  for (const f of m.files) {
    if (f === null || typeof f !== "object" || typeof f.name !== "string" || !/^data-[0-9]{5}\.lsnap$/.test(f.name)) throw bad("files[].name", "data-NNNNN.lsnap");
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0 || !Number.isSafeInteger(f.entries) || f.entries < 0) throw bad(`${f.name} bytes/entries`, "counts");
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) throw bad(`${f.name} sha256`, "64 hex digits");
  }
  if (m.files.reduce((a, f) => a + f.entries, 0) !== m.entries) throw bad("entries", "the sum of the files' entries");
  if (m.signer !== null && (typeof m.signer !== "string" || !/^0x[0-9a-f]{40}$/i.test(m.signer))) throw bad("signer", "an address or null");
  if (m.signature !== null && (typeof m.signature !== "string" || !/^0x[0-9a-f]{130}$/i.test(m.signature))) throw bad("signature", "a 65-byte signature or null");
  return m;
}

export function dataFileName(i: number): string {
  return `data-${String(i).padStart(5, "0")}.lsnap`;
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function fileDigest(file: string): Promise<{ sha256: string; bytes: number }> {
  const { createReadStream } = await import("node:fs");
  const h = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest("hex"), bytes };
}

/** Every data file present with the manifest's size and SHA-256 (SNAPSHOT_FILE_MISMATCH names the first that is not). */
export async function checkFiles(dir: string, m: SnapshotManifest): Promise<void> {
  for (const f of m.files) {
    let got: { sha256: string; bytes: number };
    try {
      got = await fileDigest(path.join(dir, f.name));
    } catch {
      throw new SnapshotError("SNAPSHOT_FILE_MISMATCH", `the snapshot's ${f.name} is missing`, { hint: "copy the whole snapshot folder, or take the snapshot again" });
    }
    if (got.bytes !== f.bytes || got.sha256 !== f.sha256) {
      throw new SnapshotError("SNAPSHOT_FILE_MISMATCH", `the snapshot's ${f.name} is not the file its manifest names`, {
        details: `manifest: ${f.bytes} bytes, sha256 ${f.sha256}; on disk: ${got.bytes} bytes, sha256 ${got.sha256}`,
        hint: "the file was changed or damaged after the backup; restore another snapshot",
      });
    }
  }
}

/** Encodes records into one buffer (the writer's unit). */
export function encodeRecords(records: readonly (readonly [string, Uint8Array])[]): Buffer {
  let size = 0;
  const keys = records.map(([k]) => Buffer.from(k, "utf8"));
  for (let i = 0; i < records.length; i++) size += 8 + keys[i]!.length + records[i]![1].length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < records.length; i++) {
    const k = keys[i]!;
    const v = records[i]![1];
    out.writeUInt32BE(k.length, o);
    k.copy(out, o + 4);
    o += 4 + k.length;
    out.writeUInt32BE(v.length, o);
    out.set(v, o + 4);
    o += 4 + v.length;
  }
  return out;
}

/** Decodes the records of a byte stream that arrives in arbitrary pieces. */
export class RecordDecoder {
  private rest: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): [string, Uint8Array][] {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const out: [string, Uint8Array][] = [];
    let o = 0;
    for (;;) {
      if (buf.length - o < 4) break;
      const kl = buf.readUInt32BE(o);
      if (buf.length - o < 8 + kl) break;
      const vl = buf.readUInt32BE(o + 4 + kl);
      if (buf.length - o < 8 + kl + vl) break;
      const key = buf.toString("utf8", o + 4, o + 4 + kl);
      // a view of the chunk: LevelDB copies it when the batch is written, and nothing writes into a chunk once decoded
      const value = buf.subarray(o + 8 + kl, o + 8 + kl + vl);
      out.push([key, value]);
      o += 8 + kl + vl;
    }
    this.rest = buf.subarray(o);
    return out;
  }
  /** Bytes left that make no whole record (a truncated file when the stream ended). */
  get pending(): number {
    return this.rest.length;
  }
}

export { hexToBytes };
