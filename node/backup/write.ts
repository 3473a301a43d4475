/**
 * Writing a snapshot of a running node's LevelDB without stopping it: one LevelDB snapshot (an explicit
 * `db.snapshot()`) fixes the database as it was between two commits — commits are one batch each (storage/db.ts), so
 * its head is a final block and everything that block needs is in it — and the iterator reads from that snapshot
 * while the node goes on committing. Reads come in batches (`nextv`), compression runs in libuv's thread pool (zlib),
 * and the main thread only frames records, so block production goes on meanwhile (bench:dr measures the longest
 * block interval during a backup).
 *
 * The folder is written as `<out>.partial` and renamed when complete: a crash leaves no folder that looks whole.
 */
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { ClassicLevel } from "classic-level";
import type { ValidatorKey } from "../consensus/crypto";
import { dataFileName, encodeRecords, excludedKey, MANIFEST_FILE, signManifest, SNAPSHOT_FORMAT, SnapshotError, type SnapshotFileEntry, type SnapshotManifest } from "./format";

export interface WriteSnapshotOptions {
  common: Common;
  /** The node's key: signs the manifest (null: unsigned). */
  key: ValidatorKey | null;
  /** Uncompressed bytes per data file (default 64 MiB). */
  fileBytes?: number;
  /** gzip level (default 1: the data is mostly hashes, which do not compress; block bodies and receipts do). */
  level?: number;
}

export interface WrittenSnapshot {
  dir: string;
  manifest: SnapshotManifest;
  /** Uncompressed bytes of the records. */
  rawBytes: number;
  ms: number;
}

const READ_BATCH = 1000;
/** Records are framed into buffers of about this size before they go to gzip. */
const WRITE_CHUNK = 1 << 20;

class DataFile {
  readonly hash = createHash("sha256");
  bytes = 0;
  entries = 0;
  raw = 0;
  private readonly gzip;
  private readonly done: Promise<void>;
  constructor(
    readonly name: string,
    file: string,
    level: number,
  ) {
    this.gzip = createGzip({ level });
    const out = createWriteStream(file);
    this.gzip.on("data", (c: Buffer) => {
      this.hash.update(c);
      this.bytes += c.length;
    });
    this.gzip.pipe(out);
    this.done = new Promise((resolve, reject) => {
      out.on("finish", resolve);
      out.on("error", reject);
      this.gzip.on("error", reject);
    });
  }
  async write(buf: Buffer, entries: number): Promise<void> {
    this.entries += entries;
    this.raw += buf.length;
    if (!this.gzip.write(buf)) await once(this.gzip, "drain");
  }
  async close(): Promise<SnapshotFileEntry> {
    this.gzip.end();
    await this.done;
    return { name: this.name, bytes: this.bytes, sha256: this.hash.digest("hex"), entries: this.entries };
  }
}

/**
 * Writes the database's current state to `outDir` (which must not exist) and returns the manifest. The node may keep
 * committing meanwhile: what is written is the database at the moment the call started.
 */
export async function writeSnapshot(level: ClassicLevel<string, Uint8Array>, outDir: string, o: WriteSnapshotOptions): Promise<WrittenSnapshot> {
  const started = Date.now();
  if (existsSync(outDir)) throw new SnapshotError("SNAPSHOT_EXISTS", `${outDir} already exists`, { hint: "choose another folder; a snapshot is never written over another" });
  const partial = `${outDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const snap = level.snapshot();
  try {
    const headRaw = await level.get("meta:head", { snapshot: snap });
    const genesisRaw = await level.get("meta:genesis", { snapshot: snap });
    if (headRaw === undefined || genesisRaw === undefined) throw new SnapshotError("SNAPSHOT_NOT_FOUND", "the database holds no chain yet", { hint: "start the node once before backing it up" });
    const head = JSON.parse(Buffer.from(headRaw).toString("utf8")) as { number: string; hash: Hex };
    const blockRaw = await level.get(`b:${head.hash.toLowerCase()}`, { snapshot: snap });
    if (blockRaw === undefined) throw new SnapshotError("SNAPSHOT_NOT_FOUND", `the database's head block ${head.hash} is missing`, { hint: "the data dir is damaged; back up another node" });
    const block = createBlockFromRLP(blockRaw, { common: o.common, skipConsensusFormatValidation: true });
    const fileBytes = o.fileBytes ?? 64 * 1024 * 1024;
    const files: SnapshotFileEntry[] = [];
    let current: DataFile | null = null;
    let pending: [string, Uint8Array][] = [];
    let pendingBytes = 0;
    let rawBytes = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      current ??= new DataFile(dataFileName(files.length), path.join(partial, dataFileName(files.length)), o.level ?? 1);
      await current.write(encodeRecords(pending), pending.length);
      rawBytes += pendingBytes;
      pending = [];
      pendingBytes = 0;
      if (current.raw >= fileBytes) {
        files.push(await current.close());
        current = null;
      }
    };
    const it = level.iterator({ snapshot: snap });
    try {
      for (;;) {
        const batch = await it.nextv(READ_BATCH);
        if (batch.length === 0) break;
        for (const [key, value] of batch) {
          if (excludedKey(key)) continue;
          pending.push([key, value]);
          pendingBytes += 8 + key.length + value.length;
        }
        if (pendingBytes >= WRITE_CHUNK) await flush();
      }
    } finally {
      await it.close();
    }
    await flush();
    if (current !== null) files.push(await (current as DataFile).close());
    const manifest = signManifest(
      {
        format: SNAPSHOT_FORMAT,
        chainId: o.common.chainId().toString(),
        genesisHash: Buffer.from(genesisRaw).toString("utf8").toLowerCase() as Hex,
        height: head.number,
        hash: head.hash.toLowerCase() as Hex,
        stateRoot: bytesToHex(block.header.stateRoot) as Hex,
        createdAt: new Date().toISOString(),
        entries: files.reduce((a, f) => a + f.entries, 0),
        files,
      },
      o.key,
    );
    writeFileSync(path.join(partial, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
    renameSync(partial, outDir);
    return { dir: outDir, manifest, rawBytes, ms: Date.now() - started };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    await snap.close();
  }
}
