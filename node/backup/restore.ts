/**
 * Restoring a snapshot into a data dir — from a folder node:backup wrote, or one downloaded from a peer (sync.ts).
 *
 *   1. the manifest: its shape, the chain id, its signature (and, when asked, its signer);
 *   2. every data file against the manifest's size and SHA-256, before anything is written;
 *   3. the records into a fresh LevelDB at `<dataDir>.restore` — one batch per 2 MiB, and the file's last batch also
 *      records the file as done (`restore:progress`), so a restore killed at any point resumes at the first file not
 *      done, with the same manifest;
 *   4. the restored database opened as a chain and proven (verify.ts: head, history, state, finality);
 *   5. the signing record of the data dir being replaced carried over (a validator's double-sign protection belongs to
 *      its key, not to the snapshot: a restored validator never signs below what it signed before), then the folder
 *      swapped in by rename.
 *
 * A data dir that already holds a chain is replaced only with `force` (and kept aside until the swap is done).
 */
import { createReadStream, existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { createGunzip } from "node:zlib";
import type { Common } from "@ethereumjs/common";
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import { Chain } from "../chain/chain";
import { SIGNING_RECORD_KEY, LEGACY_SIGNING_KEY } from "../consensus/signingRecord";
import type { GenesisFile } from "../genesis/genesis";
import { openLevel } from "../storage/db";
import { checkFiles, manifestDigest, manifestSigner, readManifest, RecordDecoder, SnapshotError, type SnapshotManifest } from "./format";
import { verifyRestored, type Verified } from "./verify";
import { bytesToHex } from "@ethereumjs/util";

export interface RestoreOptions {
  genesis: GenesisFile;
  common: Common;
  /** The manifest must be signed by this key (node:restore --signer). */
  expectSigner?: Hex;
  /** Refuse an unsigned manifest (default false: restore says it was unsigned). */
  requireSigned?: boolean;
  /** Validators the node trusts already (snapshot sync: the genesis set); more than a third must have signed the head. */
  trustedValidators?: readonly Hex[];
  /** Replace a data dir that already holds a chain. */
  force?: boolean;
  /** Progress (file index done, files). */
  onFile?: (done: number, total: number) => void;
}

export interface Restored extends Verified {
  dataDir: string;
  manifest: SnapshotManifest;
  signer: Hex | null;
  /** Files loaded by this call (fewer than the manifest's when an interrupted restore resumed). */
  filesLoaded: number;
  ms: number;
}

const PROGRESS_KEY = "restore:progress";
const BATCH_BYTES = 2 * 1024 * 1024;

/** Whether `dir` holds a node database with a chain in it (or anything at all). */
export function holdsData(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

export async function restoreSnapshot(snapshotDir: string, dataDir: string, o: RestoreOptions): Promise<Restored> {
  const started = Date.now();
  const manifest = readManifest(snapshotDir);
  const chainId = BigInt(o.genesis.config.chainId);
  if (BigInt(manifest.chainId) !== chainId) {
    throw new SnapshotError("SNAPSHOT_CHAIN_MISMATCH", `the snapshot is of chain ${manifest.chainId}, the genesis file is of chain ${chainId}`, { hint: "pass the genesis file of the snapshot's chain" });
  }
  const signer = manifestSigner(manifest);
  if (signer === null && (o.requireSigned || o.expectSigner !== undefined)) {
    throw new SnapshotError("SNAPSHOT_UNSIGNED", "the snapshot's manifest is not signed", { hint: "restore a snapshot taken by a node with a key, or leave out --signer" });
  }
  if (o.expectSigner !== undefined && signer !== o.expectSigner.toLowerCase()) {
    throw new SnapshotError("SNAPSHOT_SIGNER_UNEXPECTED", `the snapshot is signed by ${signer}, not by ${o.expectSigner}`, { hint: "check which node took it; pass that node's address as --signer" });
  }
  const target = path.resolve(dataDir);
  if (holdsData(target) && !o.force) {
    throw new SnapshotError("SNAPSHOT_TARGET_NOT_EMPTY", `${target} already holds data`, { hint: "restore into an empty folder, or pass --force to replace it (its signing record is kept)" });
  }
  await checkFiles(snapshotDir, manifest);

  const work = `${target}.restore`;
  const id = bytesToHex(manifestDigest(manifest));
  let filesLoaded = 0;
  let level = await openLevel(work);
  try {
    const progressRaw = await level.get(PROGRESS_KEY);
    let done = 0;
    if (progressRaw !== undefined) {
      const p = JSON.parse(Buffer.from(progressRaw).toString("utf8")) as { manifest: string; files: number };
      if (p.manifest === id) done = p.files;
    }
    if (progressRaw === undefined || done === 0) {
      // nothing of this manifest done: start from an empty database (a folder left by another restore is cleared)
      await level.close();
      rmSync(work, { recursive: true, force: true });
      level = await openLevel(work);
    }
    for (let i = done; i < manifest.files.length; i++) {
      await loadFile(level, path.join(snapshotDir, manifest.files[i]!.name), manifest.files[i]!.entries, { manifest: id, files: i + 1 });
      filesLoaded++;
      o.onFile?.(i + 1, manifest.files.length);
    }
  } finally {
    await level.close();
  }

  // the restored database proves itself before it replaces anything
  const chain = await Chain.open(work, o.genesis, o.common).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === "CHAIN_GENESIS_MISMATCH") throw new SnapshotError("SNAPSHOT_CHAIN_MISMATCH", "the snapshot is of another chain than the genesis file", { details: (err as Error).message, hint: "pass the genesis file of the snapshot's chain" });
    throw err;
  });
  let verified: Verified;
  try {
    verified = await verifyRestored(chain, { manifest, validatorSet: o.genesis.luniverse.systemContracts.ValidatorSet as Hex, trustedValidators: o.trustedValidators });
    // the replaced data dir's signing record (the higher of the two keys) comes along; the progress marker goes
    const carried = await signingRecordOf(target);
    const ops: { type: "put" | "del"; key: string; value?: Uint8Array }[] = [{ type: "del", key: PROGRESS_KEY }];
    for (const [key, value] of carried) ops.push({ type: "put", key, value });
    await chain.level.batch(ops as never);
  } finally {
    await chain.close();
  }
  if (existsSync(target)) {
    const aside = `${target}.replaced-${Date.now()}`;
    renameSync(target, aside);
    renameSync(work, target);
    rmSync(aside, { recursive: true, force: true });
  } else renameSync(work, target);
  return { ...verified, dataDir: target, manifest, signer, filesLoaded, ms: Date.now() - started };
}

/** The signing-record keys of the node database in `dir` (none when it holds none, or no database). */
async function signingRecordOf(dir: string): Promise<[string, Uint8Array][]> {
  if (!existsSync(path.join(dir, "CURRENT"))) return [];
  const level = await openLevel(dir);
  try {
    const out: [string, Uint8Array][] = [];
    for (const key of [SIGNING_RECORD_KEY, LEGACY_SIGNING_KEY]) {
      const v = await level.get(key);
      if (v !== undefined) out.push([key, v]);
    }
    return out;
  } finally {
    await level.close();
  }
}

async function loadFile(level: Awaited<ReturnType<typeof openLevel>>, file: string, entries: number, progress: { manifest: string; files: number }): Promise<void> {
  const decoder = new RecordDecoder();
  let ops: { type: "put"; key: string; value: Uint8Array }[] = [];
  let bytes = 0;
  let count = 0;
  // one batch is written (in LevelDB's thread) while the next is decoded: the two overlap
  let writing: Promise<void> = Promise.resolve();
  const stream = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }));
  try {
    for await (const chunk of stream) {
      for (const [key, value] of decoder.push(chunk as Buffer)) {
        ops.push({ type: "put", key, value });
        bytes += key.length + value.length;
        count++;
      }
      if (bytes >= BATCH_BYTES) {
        await writing;
        writing = level.batch(ops);
        writing.catch(() => undefined); // awaited below; never an unhandled rejection if the stream fails first
        ops = [];
        bytes = 0;
      }
    }
    await writing;
  } catch (err) {
    throw new SnapshotError("SNAPSHOT_FILE_MISMATCH", `the snapshot's ${path.basename(file)} cannot be read`, { details: (err as Error).message, hint: "the file is damaged; restore another snapshot" });
  }
  if (decoder.pending !== 0 || count !== entries) {
    throw new SnapshotError("SNAPSHOT_FILE_MISMATCH", `the snapshot's ${path.basename(file)} holds ${count} whole records, its manifest says ${entries}`, { hint: "the file is damaged; restore another snapshot" });
  }
  ops.push({ type: "put", key: PROGRESS_KEY, value: Buffer.from(JSON.stringify(progress), "utf8") });
  await level.batch(ops);
}
