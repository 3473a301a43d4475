/**
 * Snapshot sync: a new node of an existing chain fetches a peer's latest snapshot over HTTP (service.ts serves it),
 * restores it — which proves it (verify.ts: the head's finality signatures from the validators in force AND from
 * more than a third of the genesis validators this node knows, the whole state trie, the block history) — and then
 * syncs only the blocks after it over p2p, as after any restart.
 *
 * Interrupted at any point (kill -9), a restart goes on: downloaded files whose SHA-256 matches the manifest are kept
 * (`<dataDir>.download/`), a restore resumes at its first file not loaded (restore.ts), and the download folder is
 * removed once the data dir is in place.
 */
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import type { Common } from "@ethereumjs/common";
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { GenesisFile } from "../genesis/genesis";
import { fileDigest, MANIFEST_FILE, parseManifest, SnapshotError, type SnapshotManifest } from "./format";
import { holdsData, restoreSnapshot, type Restored } from "./restore";

export interface DownloadOptions {
  log?: Logger;
  /** Per request (ms; default 60 s without a byte). */
  timeoutMs?: number;
}

function downloadError(url: string, details: string): SnapshotError {
  return new SnapshotError("SNAPSHOT_DOWNLOAD_FAILED", `cannot download the snapshot from ${url}`, { details, hint: "check snapshots.syncFrom (the peer's RPC URL, its rpc.allowFrom and snapshots.serve); a restart resumes the download" });
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw downloadError(url, (err as Error).message);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    throw downloadError(url, `HTTP ${res.status} ${text.slice(0, 300)}`);
  }
  return res;
}

/** Downloads the peer's latest snapshot into `dir` (resuming what is there) and returns its manifest. */
export async function downloadSnapshot(peerUrl: string, dir: string, o: DownloadOptions = {}): Promise<SnapshotManifest> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const base = peerUrl.replace(/\/+$/, "");
  const latestUrl = `${base}/snapshots/latest/${MANIFEST_FILE}`;
  const text = await (await get(latestUrl, timeoutMs)).text();
  const manifest = parseManifest(text, latestUrl);
  mkdirSync(dir, { recursive: true });
  // another snapshot's files are of no use: keep the folder only when it was fetching this one
  const have = path.join(dir, MANIFEST_FILE);
  if (existsSync(have) && readFileSync(have, "utf8") !== text) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(have, text);
  for (const f of manifest.files) {
    const file = path.join(dir, f.name);
    if (existsSync(file)) {
      const d = await fileDigest(file);
      if (d.sha256 === f.sha256 && d.bytes === f.bytes) continue;
    }
    const url = `${base}/snapshots/${manifest.height}/${f.name}`;
    const res = await get(url, timeoutMs);
    if (res.body === null) throw downloadError(url, "empty body");
    const part = `${file}.part`;
    const out = createWriteStream(part);
    const hash = createHash("sha256");
    let bytes = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        bytes += chunk.length;
        if (!out.write(chunk)) await once(out, "drain");
      }
    } catch (err) {
      out.destroy();
      throw downloadError(url, (err as Error).message);
    }
    out.end();
    await once(out, "finish");
    const sha = hash.digest("hex");
    if (sha !== f.sha256 || bytes !== f.bytes) {
      rmSync(part, { force: true });
      throw new SnapshotError("SNAPSHOT_FILE_MISMATCH", `the peer's ${f.name} is not the file its manifest names`, {
        details: `manifest: ${f.bytes} bytes, sha256 ${f.sha256}; received ${bytes} bytes, sha256 ${sha}`,
        hint: "the peer's snapshot is damaged; sync from another peer",
      });
    }
    renameSync(part, file);
    o.log?.info("snapshot file downloaded", { file: f.name, bytes });
  }
  return manifest;
}

export interface SnapshotSyncOptions {
  genesis: GenesisFile;
  common: Common;
  log?: Logger;
}

/**
 * When `dataDir` holds no chain yet: downloads the peer's latest snapshot, restores it into `dataDir` and returns what
 * was restored. A data dir that holds data already is left alone (null): the node syncs blocks from its head.
 */
export async function snapshotSync(peerUrl: string, dataDir: string, o: SnapshotSyncOptions): Promise<Restored | null> {
  if (holdsData(dataDir)) return null;
  const started = Date.now();
  const download = `${path.resolve(dataDir)}.download`;
  const manifest = await downloadSnapshot(peerUrl, download, { log: o.log });
  o.log?.info("snapshot downloaded", { height: manifest.height, files: manifest.files.length, ms: Date.now() - started });
  const restored = await restoreSnapshot(download, dataDir, {
    genesis: o.genesis,
    common: o.common,
    trustedValidators: o.genesis.luniverse.validators.map((v) => v.toLowerCase() as Hex),
  });
  rmSync(download, { recursive: true, force: true });
  o.log?.info("snapshot restored", { height: restored.height.toString(), hash: manifest.hash, stateNodes: restored.stateNodes, blocks: restored.blocks, signer: restored.signer, ms: Date.now() - started });
  return restored;
}
