/**
 * The node's snapshots: taken on a schedule (`snapshots.interval`) or on request (`luniverse_backup`, node:backup),
 * one at a time, into `<snapshots.dir>/<height>/`; the newest `snapshots.keep` kept; the latest served to new nodes
 * over HTTP on the RPC port (snapshot sync, sync.ts):
 *
 *   GET /snapshots                           the snapshots held, newest first (their manifests)
 *   GET /snapshots/latest/manifest.json      the newest manifest
 *   GET /snapshots/<height>/<file>           a manifest or data file of one snapshot
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import path from "node:path";
import type { Logger } from "../../lib/log";
import type { Chain } from "../chain/chain";
import type { ValidatorKey } from "../consensus/crypto";
import { MANIFEST_FILE, readManifest, SnapshotError, type SnapshotManifest } from "./format";
import { writeSnapshot, type WrittenSnapshot } from "./write";

export interface SnapshotServiceOptions {
  dir: string;
  interval: number;
  keep: number;
  serve: boolean;
  key: ValidatorKey | null;
  log: Logger;
}

export interface SnapshotSummary {
  dir: string;
  height: string;
  hash: string;
  stateRoot: string;
  files: number;
  bytes: number;
  rawBytes: number;
  signer: string | null;
  ms: number;
}

export class SnapshotService {
  private running: Promise<WrittenSnapshot> | null = null;
  private runningHeight: bigint | null = null;
  private readonly onBlock = () => this.maybeScheduled();
  /** Snapshots written since start, and the time each took (ms), for metrics. */
  readonly stats = { taken: 0, failed: 0, lastMs: 0, lastBytes: 0 };

  constructor(
    private readonly chain: Chain,
    private readonly o: SnapshotServiceOptions,
  ) {}

  start(): void {
    // a folder left half-written by a crash is removed; complete ones stay
    if (existsSync(this.o.dir)) for (const name of readdirSync(this.o.dir)) if (name.endsWith(".partial")) rmSync(path.join(this.o.dir, name), { recursive: true, force: true });
    if (this.o.interval > 0) this.chain.on("block", this.onBlock);
  }

  async stop(): Promise<void> {
    this.chain.off("block", this.onBlock);
    await this.running?.catch(() => undefined);
  }

  private maybeScheduled(): void {
    const h = this.chain.height;
    if (this.running !== null || h === 0n || h % BigInt(this.o.interval) !== 0n) return;
    this.take().catch((err: unknown) => this.o.log.warn("scheduled snapshot failed", { height: h.toString(), error: (err as Error).message }));
  }

  /** Takes a snapshot at the current final head (SNAPSHOT_BUSY while another is being written). */
  async take(): Promise<SnapshotSummary> {
    if (this.running !== null) {
      throw new SnapshotError("SNAPSHOT_BUSY", `a snapshot (height ${this.runningHeight}) is being written`, { hint: "try again when it is done" });
    }
    const height = this.chain.height;
    const out = path.join(this.o.dir, height.toString());
    if (existsSync(out)) return summary({ dir: out, manifest: readManifest(out), rawBytes: 0, ms: 0 });
    mkdirSync(this.o.dir, { recursive: true });
    this.runningHeight = height;
    this.running = writeSnapshot(this.chain.level, out, { common: this.chain.common, key: this.o.key });
    try {
      const w = await this.running;
      this.stats.taken++;
      this.stats.lastMs = w.ms;
      this.stats.lastBytes = w.manifest.files.reduce((a, f) => a + f.bytes, 0);
      this.o.log.info("snapshot written", { height: w.manifest.height, dir: out, files: w.manifest.files.length, bytes: this.stats.lastBytes, ms: w.ms });
      this.prune();
      return summary(w);
    } catch (err) {
      this.stats.failed++;
      throw err;
    } finally {
      this.running = null;
      this.runningHeight = null;
    }
  }

  /** The complete snapshots held, newest first. */
  list(): SnapshotManifest[] {
    if (!existsSync(this.o.dir)) return [];
    const out: SnapshotManifest[] = [];
    for (const name of readdirSync(this.o.dir)) {
      if (!/^[0-9]+$/.test(name) || !existsSync(path.join(this.o.dir, name, MANIFEST_FILE))) continue;
      try {
        out.push(readManifest(path.join(this.o.dir, name)));
      } catch (err) {
        this.o.log.warn("unreadable snapshot skipped", { dir: name, error: (err as Error).message });
      }
    }
    return out.sort((a, b) => (BigInt(b.height) > BigInt(a.height) ? 1 : -1));
  }

  private prune(): void {
    for (const m of this.list().slice(this.o.keep)) rmSync(path.join(this.o.dir, m.height), { recursive: true, force: true });
  }

  /** Answers GET /snapshots…; false for any other path (or when serving is off). */
  serveHttp(urlPath: string, res: ServerResponse, head: boolean): boolean {
    if (!this.o.serve || (urlPath !== "/snapshots" && !urlPath.startsWith("/snapshots/"))) return false;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(head ? undefined : JSON.stringify(body));
    };
    if (urlPath === "/snapshots" || urlPath === "/snapshots/") {
      json(200, this.list());
      return true;
    }
    const m = /^\/snapshots\/(latest|[0-9]+)\/([A-Za-z0-9.-]+)$/.exec(urlPath);
    if (m === null) {
      json(404, { error: `no such snapshot path ${urlPath}; GET /snapshots lists them, /snapshots/latest/manifest.json is the newest` });
      return true;
    }
    const list = this.list();
    const snap = m[1] === "latest" ? list[0] : list.find((s) => s.height === m[1]);
    const name = m[2]!;
    if (snap === undefined) {
      json(404, { error: m[1] === "latest" ? "this node holds no snapshot yet" : `this node holds no snapshot at height ${m[1]} (it keeps the newest ${this.o.keep})` });
      return true;
    }
    if (name !== MANIFEST_FILE && !snap.files.some((f) => f.name === name)) {
      json(404, { error: `snapshot ${snap.height} has no file ${name}` });
      return true;
    }
    const file = path.join(this.o.dir, snap.height, name);
    res.writeHead(200, { "content-type": name === MANIFEST_FILE ? "application/json" : "application/octet-stream", "content-length": statSync(file).size });
    if (head) res.end();
    else createReadStream(file).on("error", () => res.destroy()).pipe(res);
    return true;
  }
}

function summary(w: WrittenSnapshot): SnapshotSummary {
  const m = w.manifest;
  return {
    dir: w.dir,
    height: m.height,
    hash: m.hash,
    stateRoot: m.stateRoot,
    files: m.files.length,
    bytes: m.files.reduce((a, f) => a + f.bytes, 0),
    rawBytes: w.rawBytes,
    signer: m.signer,
    ms: w.ms,
  };
}
