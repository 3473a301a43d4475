/**
 * Snapshots of a node's database (node/backup/): written from one LevelDB snapshot while the database changes,
 * restored only after the data prove themselves — and every way a snapshot can be wrong refused with its own error:
 * a changed file, an edited manifest, a manifest re-signed by someone else over doctored data (a missing state node,
 * a broken block history, a head without finality, signers the node does not trust), another chain, a target that
 * holds data. A restore killed half-way resumes. The chain is built once by bench/dr/history.ts (the node's own code).
 */
import { expect } from "chai";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGunzip, gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { devWallet } from "../../lib/accounts";
import { buildHistory, type History } from "../../bench/dr/history";
import { dataFileName, encodeRecords, MANIFEST_FILE, parseManifest, readManifest, RecordDecoder, signManifest, SnapshotError, type SnapshotManifest } from "../../node/backup/format";
import { restoreSnapshot } from "../../node/backup/restore";
import { SnapshotService } from "../../node/backup/service";
import { downloadSnapshot } from "../../node/backup/sync";
import { writeSnapshot } from "../../node/backup/write";
import { Chain } from "../../node/chain/chain";
import { SIGNING_RECORD_KEY } from "../../node/consensus/signingRecord";
import { makeCommon } from "../../node/execution/common";
import type { GenesisFile } from "../../node/genesis/genesis";
import { openLevel } from "../../node/storage/db";
import { createLogger } from "../../lib/log";
import { testGenesis } from "./helpers/nodes";

const key = (i: number) => hexToBytes(devWallet(i).privateKey as Hex);
const addr = (i: number) => devWallet(i).address.toLowerCase() as Hex;

async function records(dir: string, m: SnapshotManifest): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for (const f of m.files) {
    const d = new RecordDecoder();
    for await (const chunk of createReadStream(path.join(dir, f.name)).pipe(createGunzip())) out.push(...d.push(chunk as Buffer));
  }
  return out;
}

/** A snapshot folder from records: correct checksums, a manifest with `fields` changed, signed by `signer` (or unsigned). */
function forge(dir: string, recs: [string, Uint8Array][], base: SnapshotManifest, fields: Partial<SnapshotManifest>, signer: Uint8Array | null): void {
  mkdirSync(dir, { recursive: true });
  const body = gzipSync(encodeRecords(recs));
  writeFileSync(path.join(dir, dataFileName(0)), body);
  const files = [{ name: dataFileName(0), bytes: body.length, sha256: createHash("sha256").update(body).digest("hex"), entries: recs.length }];
  const m = signManifest({ ...base, ...fields, files, entries: recs.length }, signer);
  writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m));
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    return err.code;
  }
  throw new Error("expected a SnapshotError");
}

describe("node/backup: snapshots, restore and their proofs", function () {
  this.timeout(600_000);
  let g: GenesisFile;
  let common: ReturnType<typeof makeCommon>;
  let dir: string;
  let src: string;
  let snap: string;
  let history: History;
  let manifest: SnapshotManifest;
  let recs: [string, Uint8Array][];

  before(async () => {
    g = JSON.parse(readFileSync(await testGenesis({ chainId: 7191, validators: 1 }), "utf8")) as GenesisFile;
    common = makeCommon(BigInt(g.config.chainId));
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-backup-test-"));
    src = path.join(dir, "src");
    history = await buildHistory({ dataDir: src, genesis: g, validators: [1], blocks: 300, txsPerBlock: 3 });
    // the source node's signing record: a snapshot must not carry it
    const level = await openLevel(src);
    await level.put(SIGNING_RECORD_KEY, Buffer.from(JSON.stringify({ height: "300", hash: history.hash })));
    snap = path.join(dir, "snap");
    const w = await writeSnapshot(level, snap, { common, key: key(1), fileBytes: 256 * 1024 });
    await level.close();
    manifest = w.manifest;
    recs = await records(snap, manifest);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the head the database held, in several files, with a manifest signed by the node's key and no signing record", async () => {
    expect(manifest.height).to.equal("300");
    expect(manifest.hash).to.equal(history.hash.toLowerCase());
    expect(manifest.stateRoot).to.equal(history.stateRoot.toLowerCase());
    expect(manifest.signer).to.equal(addr(1));
    expect(manifest.files.length).to.be.greaterThan(1);
    expect(readdirSync(snap).sort()).to.deep.equal([MANIFEST_FILE, ...manifest.files.map((f) => f.name)].sort());
    expect(recs.length).to.equal(manifest.entries);
    expect(recs.some(([k]) => k.startsWith("consensus:"))).to.equal(false);
    expect(recs.filter(([k]) => k.startsWith("b:"))).to.have.length(301);
  });

  it("restores into a fresh folder: the same head hash and state root, proven block by block and node by node", async () => {
    const target = path.join(dir, "restored");
    const r = await restoreSnapshot(snap, target, { genesis: g, common, trustedValidators: [addr(1)] });
    expect(r.signer).to.equal(addr(1));
    expect(r.blocks).to.equal(301);
    expect(r.stateNodes).to.be.greaterThan(10);
    expect(r.codes).to.be.greaterThan(5);
    expect(r.signers).to.deep.equal([addr(1)]);
    expect(existsSync(`${target}.restore`)).to.equal(false);
    const chain = await Chain.open(target, g, common);
    try {
      expect(chain.height).to.equal(300n);
      expect(Buffer.from(chain.head.hash()).toString("hex")).to.equal(history.hash.slice(2).toLowerCase());
      expect("0x" + Buffer.from(chain.head.header.stateRoot).toString("hex")).to.equal(history.stateRoot.toLowerCase());
      expect(await chain.level.get(SIGNING_RECORD_KEY)).to.equal(undefined);
      expect(await chain.level.get("restore:progress")).to.equal(undefined);
      // the state is usable: an account's balance reads through the restored trie
      const acct = await chain.executor.head.headAccount(devWallet(10).address.toLowerCase());
      expect(acct?.nonce).to.equal(90n);
    } finally {
      await chain.close();
    }
  });

  it("a snapshot taken while blocks are committed holds the head of the moment it started", async () => {
    const live = path.join(dir, "live");
    await buildHistory({ dataDir: live, genesis: g, validators: [1], blocks: 40, txsPerBlock: 1 });
    const chain = await Chain.open(live, g, common);
    const out = path.join(dir, "live-snap");
    try {
      const writing = writeSnapshot(chain.level, out, { common, key: null });
      // ten more blocks committed while the snapshot is being read
      for (let i = 0; i < 10; i++) {
        const parent = chain.head;
        const executed = await chain.executor.build(parent, { number: parent.header.number + 1n, timestamp: parent.header.timestamp + 1n, coinbase: addr(1), gasLimit: parent.header.gasLimit, baseFeePerGas: BigInt(g.baseFeePerGas), extraData: new Uint8Array(32) }, [], [], { maxTxs: 0 });
        await chain.commit(executed, []);
      }
      const w = await writing;
      expect(chain.height).to.equal(50n);
      expect(w.manifest.height).to.equal("40");
      expect(w.manifest.signer).to.equal(null);
      const got = await records(out, w.manifest);
      expect(got.filter(([k]) => k.startsWith("n:"))).to.have.length(41);
    } finally {
      await chain.close();
    }
  });

  it("refuses a changed data file before writing anything (SNAPSHOT_FILE_MISMATCH), and a missing one", async () => {
    const bad = path.join(dir, "bad-file");
    rmSync(bad, { recursive: true, force: true });
    mkdirSync(bad);
    for (const name of readdirSync(snap)) writeFileSync(path.join(bad, name), readFileSync(path.join(snap, name)));
    const f = path.join(bad, manifest.files[1]!.name);
    const bytes = readFileSync(f);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(f, bytes);
    const target = path.join(dir, "t-file");
    const err = await restoreSnapshot(bad, target, { genesis: g, common }).catch((e: unknown) => e as SnapshotError);
    expect((err as SnapshotError).code).to.equal("SNAPSHOT_FILE_MISMATCH");
    expect((err as SnapshotError).message).to.contain(manifest.files[1]!.name).and.contain("restore another snapshot");
    expect(existsSync(target)).to.equal(false);
    expect(existsSync(`${target}.restore`)).to.equal(false);
    rmSync(f);
    expect(await code(restoreSnapshot(bad, target, { genesis: g, common }))).to.equal("SNAPSHOT_FILE_MISMATCH");
  });

  it("refuses an edited manifest (SNAPSHOT_SIGNATURE_INVALID), a signer not asked for, and an unsigned one when a signer is asked for", async () => {
    const edited = path.join(dir, "edited");
    mkdirSync(edited);
    for (const name of readdirSync(snap)) writeFileSync(path.join(edited, name), readFileSync(path.join(snap, name)));
    writeFileSync(path.join(edited, MANIFEST_FILE), JSON.stringify({ ...manifest, height: "299" }));
    expect(await code(restoreSnapshot(edited, path.join(dir, "t-edit"), { genesis: g, common }))).to.equal("SNAPSHOT_SIGNATURE_INVALID");
    expect(await code(restoreSnapshot(snap, path.join(dir, "t-signer"), { genesis: g, common, expectSigner: addr(2) }))).to.equal("SNAPSHOT_SIGNER_UNEXPECTED");
    const unsigned = path.join(dir, "unsigned");
    forge(unsigned, recs, manifest, {}, null);
    expect(await code(restoreSnapshot(unsigned, path.join(dir, "t-unsigned"), { genesis: g, common, expectSigner: addr(1) }))).to.equal("SNAPSHOT_UNSIGNED");
    // unsigned but otherwise sound: restored, and said to be unsigned
    const r = await restoreSnapshot(unsigned, path.join(dir, "t-unsigned-ok"), { genesis: g, common });
    expect(r.signer).to.equal(null);
    expect(r.height).to.equal(300n);
  });

  it("refuses doctored data re-signed by another key: a state node missing or changed (SNAPSHOT_STATE_INVALID)", async () => {
    const trie = recs.filter(([k]) => /^[0-9a-f]{64}$/.test(k));
    // the state root's own node: every account hangs under it
    const rootKey = manifest.stateRoot.slice(2);
    const missing = path.join(dir, "missing-node");
    forge(missing, recs.filter(([k]) => k !== rootKey), manifest, {}, key(2));
    const e1 = await restoreSnapshot(missing, path.join(dir, "t-missing"), { genesis: g, common }).catch((e: unknown) => e as SnapshotError);
    expect((e1 as SnapshotError).code).to.equal("SNAPSHOT_STATE_INVALID");
    expect((e1 as SnapshotError).message).to.contain(rootKey);
    const changed = path.join(dir, "changed-node");
    const victim = trie.find(([k]) => k === rootKey)!;
    const flipped = new Uint8Array(victim[1]);
    flipped[flipped.length - 1] ^= 1;
    forge(changed, recs.map(([k, v]) => [k, k === rootKey ? flipped : v] as [string, Uint8Array]), manifest, {}, key(2));
    expect(await code(restoreSnapshot(changed, path.join(dir, "t-changed"), { genesis: g, common }))).to.equal("SNAPSHOT_STATE_INVALID");
  });

  it("refuses a manifest that names another head (SNAPSHOT_HEAD_MISMATCH) and a broken block history (SNAPSHOT_HISTORY_INVALID)", async () => {
    const other = path.join(dir, "other-root");
    forge(other, recs, manifest, { stateRoot: `0x${"11".repeat(32)}` as Hex }, key(2));
    expect(await code(restoreSnapshot(other, path.join(dir, "t-root"), { genesis: g, common }))).to.equal("SNAPSHOT_HEAD_MISMATCH");
    const gap = path.join(dir, "gap");
    const h150 = recs.find(([k]) => k === "n:0000000000000096")!;
    forge(gap, recs.filter(([k]) => k !== `b:${Buffer.from(h150[1]).toString("utf8")}`), manifest, {}, key(2));
    const e = await restoreSnapshot(gap, path.join(dir, "t-gap"), { genesis: g, common }).catch((x: unknown) => x as SnapshotError);
    expect((e as SnapshotError).code).to.equal("SNAPSHOT_HISTORY_INVALID");
    expect((e as SnapshotError).message).to.contain("height 150");
  });

  it("refuses a head without enough finality signatures (SNAPSHOT_NOT_FINAL), and signers the node does not trust (SNAPSHOT_UNTRUSTED)", async () => {
    const headSigs = `s:${manifest.hash}`;
    const unsigned = path.join(dir, "not-final");
    forge(unsigned, recs.map(([k, v]) => [k, k === headSigs ? Buffer.from("[]") : v] as [string, Uint8Array]), manifest, {}, key(1));
    expect(await code(restoreSnapshot(unsigned, path.join(dir, "t-final"), { genesis: g, common }))).to.equal("SNAPSHOT_NOT_FINAL");
    const e = await restoreSnapshot(snap, path.join(dir, "t-trust"), { genesis: g, common, trustedValidators: [addr(2), addr(3), addr(4)] }).catch((x: unknown) => x as SnapshotError);
    expect((e as SnapshotError).code).to.equal("SNAPSHOT_UNTRUSTED");
    expect((e as SnapshotError).message).to.contain("sync from genesis");
  });

  it("refuses another chain's snapshot (SNAPSHOT_CHAIN_MISMATCH), a target that holds data (SNAPSHOT_TARGET_NOT_EMPTY), and a bad manifest", async () => {
    const otherId = { ...g, config: { ...g.config, chainId: 7192 } };
    expect(await code(restoreSnapshot(snap, path.join(dir, "t-chain"), { genesis: otherId, common: makeCommon(7192n) }))).to.equal("SNAPSHOT_CHAIN_MISMATCH");
    // the same chain id, another genesis (one more funded account): found when the restored database is opened
    const otherGenesis = { ...g, alloc: { ...g.alloc, ["0x" + "12".repeat(20)]: { balance: "0x1" } } } as GenesisFile;
    const e0 = await restoreSnapshot(snap, path.join(dir, "t-genesis"), { genesis: otherGenesis, common }).catch((x: unknown) => x as SnapshotError);
    expect((e0 as SnapshotError).code).to.equal("SNAPSHOT_CHAIN_MISMATCH");
    expect((e0 as SnapshotError).message).to.contain("genesis");
    const full = path.join(dir, "t-full");
    mkdirSync(full);
    writeFileSync(path.join(full, "something"), "x");
    const e = await restoreSnapshot(snap, full, { genesis: g, common }).catch((x: unknown) => x as SnapshotError);
    expect((e as SnapshotError).code).to.equal("SNAPSHOT_TARGET_NOT_EMPTY");
    expect((e as SnapshotError).message).to.contain("--force");
    expect(await code(restoreSnapshot(path.join(dir, "nowhere"), path.join(dir, "t-none"), { genesis: g, common }))).to.equal("SNAPSHOT_NOT_FOUND");
    expect(() => parseManifest("{", "x")).to.throw(SnapshotError, /not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, format: "other/1" }), "x")).to.throw(SnapshotError, /format/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, entries: 1 }), "x")).to.throw(SnapshotError, /sum of the files/);
    const level = await openLevel(src);
    try {
      expect(await code(writeSnapshot(level, snap, { common, key: null }))).to.equal("SNAPSHOT_EXISTS");
    } finally {
      await level.close();
    }
  });

  it("--force replaces a validator's data dir and keeps its signing record (the higher one: never sign below it)", async () => {
    const target = path.join(dir, "validator");
    await buildHistory({ dataDir: target, genesis: g, validators: [1], blocks: 5, txsPerBlock: 0 });
    const l = await openLevel(target);
    const record = Buffer.from(JSON.stringify({ height: "400", hash: `0x${"ab".repeat(32)}` }));
    await l.put(SIGNING_RECORD_KEY, record);
    await l.close();
    const r = await restoreSnapshot(snap, target, { genesis: g, common, force: true });
    expect(r.height).to.equal(300n);
    const after = await openLevel(target);
    try {
      expect(Buffer.from((await after.get(SIGNING_RECORD_KEY))!).toString()).to.equal(record.toString());
      expect(Buffer.from((await after.get("meta:head"))!).toString()).to.contain(manifest.hash);
    } finally {
      await after.close();
    }
    expect(readdirSync(dir).some((n) => n.startsWith("validator.replaced-"))).to.equal(false);
  });

  it("a restore stopped half-way resumes at the first file it had not finished", async () => {
    const target = path.join(dir, "resumed");
    // the first two files loaded and recorded as done, as a restore killed during the third leaves them
    let loaded = 0;
    const stop = new Error("stopped");
    await restoreSnapshot(snap, target, {
      genesis: g,
      common,
      onFile: (done) => {
        loaded = done;
        if (done === 2) throw stop;
      },
    }).catch((e: unknown) => expect(e).to.equal(stop));
    expect(loaded).to.equal(2);
    expect(existsSync(`${target}.restore`)).to.equal(true);
    const r = await restoreSnapshot(snap, target, { genesis: g, common });
    expect(r.filesLoaded).to.equal(manifest.files.length - 2);
    expect(r.height).to.equal(300n);
    // another manifest's leftovers are not resumed: they are cleared
    const other = path.join(dir, "resumed2");
    mkdirSync(`${other}.restore`, { recursive: true });
    const l = await openLevel(`${other}.restore`);
    await l.put("restore:progress", Buffer.from(JSON.stringify({ manifest: "0xother", files: 3 })));
    await l.put("junk", Buffer.from("x"));
    await l.close();
    const r2 = await restoreSnapshot(snap, other, { genesis: g, common });
    expect(r2.filesLoaded).to.equal(manifest.files.length);
    const check = await openLevel(other);
    expect(await check.get("junk")).to.equal(undefined);
    await check.close();
  });

  it("the node's snapshot service: one at a time (SNAPSHOT_BUSY), the newest kept, served over HTTP and downloaded with checks", async () => {
    const data = path.join(dir, "served");
    await buildHistory({ dataDir: data, genesis: g, validators: [1], blocks: 20, txsPerBlock: 1 });
    const chain = await Chain.open(data, g, common);
    const service = new SnapshotService(chain, { dir: path.join(dir, "served.snapshots"), interval: 0, keep: 1, serve: true, key: key(1), log: createLogger("test", { level: "error" }) });
    service.start();
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      if (!service.serveHttp((req.url ?? "/").split("?")[0]!, res, req.method === "HEAD")) {
        res.writeHead(405);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await fetch(`${url}/snapshots/latest/manifest.json`)).status).to.equal(404);
      const first = service.take();
      expect(await code(service.take())).to.equal("SNAPSHOT_BUSY");
      const s1 = await first;
      expect(s1.height).to.equal("20");
      const parent = chain.head;
      await chain.commit(await chain.executor.build(parent, { number: 21n, timestamp: parent.header.timestamp + 1n, coinbase: addr(1), gasLimit: parent.header.gasLimit, baseFeePerGas: BigInt(g.baseFeePerGas), extraData: new Uint8Array(32) }, [], [], { maxTxs: 0 }), []);
      const s2 = await service.take();
      expect(s2.height).to.equal("21");
      expect(service.list().map((m) => m.height)).to.deep.equal(["21"]); // keep: 1
      const listed = (await (await fetch(`${url}/snapshots`)).json()) as SnapshotManifest[];
      expect(listed.map((m) => m.height)).to.deep.equal(["21"]);
      expect((await fetch(`${url}/snapshots/20/manifest.json`)).status).to.equal(404);
      expect((await fetch(`${url}/snapshots/21/..%2F..%2Fetc`)).status).to.equal(404);
      expect((await fetch(`${url}/snapshots/21/data-99999.lsnap`)).status).to.equal(404);
      const down = path.join(dir, "download");
      const m = await downloadSnapshot(url, down);
      expect(m.height).to.equal("21");
      expect(readManifest(down).hash).to.equal(m.hash);
      // a second download keeps the files it already has
      const before = readdirSync(down).sort();
      await downloadSnapshot(url, down);
      expect(readdirSync(down).sort()).to.deep.equal(before);
      expect(await code(downloadSnapshot("http://127.0.0.1:1", path.join(dir, "d2"), { timeoutMs: 2000 }))).to.equal("SNAPSHOT_DOWNLOAD_FAILED");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await service.stop();
      await chain.close();
    }
  });
});
