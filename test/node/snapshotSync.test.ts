/**
 * Backups and snapshot sync with real node processes on a chain of 20,000 blocks (built by bench/dr/history.ts with
 * the node's own code, then continued by a validator process): a backup taken under load restores into a fresh folder
 * with the same head hash and state root; the node:backup and node:restore tasks; a new full node joins by snapshot
 * sync — killed with SIGKILL while it restores, restarted, it completes — and serves the same head as the validator
 * without replaying the 20,000 blocks.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Transaction, Wallet } from "ethers";
import { devWallet } from "../../lib/accounts";
import { buildHistory } from "../../bench/dr/history";
import { restoreSnapshot } from "../../node/backup/restore";
import { MANIFEST_FILE } from "../../node/backup/format";
import { makeCommon } from "../../node/execution/common";
import type { GenesisFile } from "../../node/genesis/genesis";
import { expectTaskError, runTask } from "../helpers/tasks";
import { freePort, height, NodeProcess, rpc, testGenesis, waitFor } from "./helpers/nodes";

const BLOCKS = 20_000;
const CHAIN_ID = 7193;

interface RpcBlock {
  number: string;
  hash: string;
  stateRoot: string;
}

describe("node: backups and snapshot sync on a 20,000-block chain (processes)", function () {
  this.timeout(900_000);
  let genesisFile: string;
  let g: GenesisFile;
  let dir: string;
  let validator: NodeProcess;
  let fresh: NodeProcess | null = null;
  let loading = true;
  let load: Promise<void> = Promise.resolve();
  let sent = 0;

  before(async () => {
    genesisFile = await testGenesis({ chainId: CHAIN_ID, validators: 1 });
    g = JSON.parse(readFileSync(genesisFile, "utf8")) as GenesisFile;
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-snapsync-"));
    const data = path.join(dir, "validator");
    await buildHistory({ dataDir: data, genesis: g, validators: [1], blocks: BLOCKS, txsPerBlock: 2 });
    validator = new NodeProcess(
      { genesis: genesisFile, dataDir: data, rpcPort: await freePort(), p2pPort: await freePort(), peers: [], validator: 1, config: { snapshots: { dir: path.join(dir, "validator.snapshots"), keep: 2 } } },
      "validator",
    );
    await validator.start(120_000);
    // load: value transfers from dev accounts 2..5 for as long as the tests run
    load = (async () => {
      const senders = [2, 3, 4, 5].map((i) => new Wallet(devWallet(i).privateKey));
      const nonces = await Promise.all(senders.map(async (w) => Number(await rpc<string>(validator.rpc, "eth_getTransactionCount", [w.address, "pending"]))));
      const fee = BigInt(g.baseFeePerGas) * 2n;
      while (loading) {
        await Promise.all(
          senders.map(async (w, i) => {
            const tx = Transaction.from({ type: 2, chainId: CHAIN_ID, nonce: nonces[i]!++, to: devWallet(6).address, value: 1n, gasLimit: 21_000n, maxFeePerGas: fee, maxPriorityFeePerGas: 0n });
            const raw = await w.signTransaction(tx);
            await rpc(validator.rpc, "eth_sendRawTransaction", [raw]).then(() => sent++, () => undefined);
          }),
        );
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });
  after(async () => {
    loading = false;
    await load.catch(() => undefined);
    await fresh?.stop();
    await validator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a backup under load restores into a fresh folder with the validator's head hash and state root at that height", async () => {
    await waitFor("transfers included", async () => sent > 20 && (await height(validator.rpc)) > BLOCKS + 3, 60_000);
    const before = await height(validator.rpc);
    const s = await rpc<{ dir: string; height: string; hash: string; stateRoot: string; files: number; bytes: number; signer: string; ms: number }>(validator.rpc, "luniverse_backup", []);
    expect(Number(s.height)).to.be.at.least(before);
    expect(s.signer).to.equal(devWallet(1).address.toLowerCase());
    expect(s.dir).to.equal(path.join(dir, "validator.snapshots", s.height));
    // the chain went on while the snapshot was written
    await waitFor("blocks after the backup", async () => (await height(validator.rpc)) > Number(s.height) + 2, 30_000);
    const target = path.join(dir, "restored");
    const r = await restoreSnapshot(s.dir, target, { genesis: g, common: makeCommon(BigInt(CHAIN_ID)), expectSigner: devWallet(1).address as `0x${string}` });
    const block = await rpc<RpcBlock>(validator.rpc, "eth_getBlockByNumber", [`0x${Number(s.height).toString(16)}`, false]);
    expect(r.height).to.equal(BigInt(s.height));
    expect(r.manifest.hash).to.equal(block.hash.toLowerCase());
    expect(r.manifest.stateRoot).to.equal(block.stateRoot.toLowerCase());
    expect(r.blocks).to.equal(Number(s.height) + 1);
    // listed over JSON-RPC and served over HTTP
    const listed = await rpc<{ height: string }[]>(validator.rpc, "luniverse_snapshots", []);
    expect(listed[0]!.height).to.equal(s.height);
    const m = (await (await fetch(`${validator.rpc}/snapshots/latest/${MANIFEST_FILE}`)).json()) as { hash: string };
    expect(m.hash).to.equal(s.hash);
  });

  it("node:backup and node:restore tasks: a running node over --rpc, clear errors for wrong arguments and a tampered snapshot", async () => {
    const { out, result } = await runTask("node:backup", { rpc: validator.rpc });
    const s = result as { height: string; dir: string };
    expect(out).to.contain(`snapshot at height ${s.height}`).and.contain("signed by 0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    await expectTaskError(runTask("node:backup", {}), /exactly one of --rpc .* and --data-dir/);
    await expectTaskError(runTask("node:backup", { rpc: validator.rpc, dataDir: dir }), /exactly one of --rpc/);
    await expectTaskError(runTask("node:backup", { dataDir: path.join(dir, "restored") }), /--data-dir needs --out/);
    await expectTaskError(runTask("node:backup", { rpc: validator.rpc, out: "x" }), /--out, --node-config and --genesis go with --data-dir/);
    // a stopped node's data dir, read directly (the restored folder of the previous test)
    const offline = path.join(dir, "offline-snap");
    const o = await runTask("node:backup", { dataDir: path.join(dir, "restored"), out: offline, genesis: genesisFile });
    expect(o.out).to.contain("signed by nobody");
    const restored = await runTask("node:restore", { from: s.dir, dataDir: path.join(dir, "task-restored"), genesis: genesisFile, signer: devWallet(1).address, force: false });
    expect(restored.out).to.contain(`restored height ${s.height}`).and.contain("finality signed by 1 of 1 validators").and.contain(`manifest signed by ${devWallet(1).address.toLowerCase()}`);
    await expectTaskError(runTask("node:restore", { from: s.dir, dataDir: path.join(dir, "task-restored"), genesis: genesisFile, force: false }), /already holds data.*--force/);
    await expectTaskError(runTask("node:restore", { from: s.dir, dataDir: path.join(dir, "x"), genesis: genesisFile, signer: "0x12", force: false }), /--signer must be an address/);
    await expectTaskError(runTask("node:restore", { from: s.dir, dataDir: path.join(dir, "x"), force: false }), /needs --genesis/);
    await expectTaskError(runTask("node:restore", { from: offline, dataDir: path.join(dir, "x"), genesis: genesisFile, signer: devWallet(1).address, force: false }), /not signed/);
    // one byte of one file changed: refused, with the file named
    const copy = path.join(dir, "tampered");
    mkdirSync(copy);
    for (const name of readdirSync(s.dir)) writeFileSync(path.join(copy, name), readFileSync(path.join(s.dir, name)));
    const file = path.join(copy, "data-00000.lsnap");
    const bytes = readFileSync(file);
    bytes[100] ^= 1;
    writeFileSync(file, bytes);
    await expectTaskError(runTask("node:restore", { from: copy, dataDir: path.join(dir, "x"), genesis: genesisFile, force: false }), /data-00000\.lsnap is not the file its manifest names/);
    expect(existsSync(path.join(dir, "x"))).to.equal(false);
  });

  it("a new node joins by snapshot sync (SIGKILL while restoring, then restarted) and serves the validator's head without replaying the chain", async () => {
    const data = path.join(dir, "fresh");
    fresh = new NodeProcess(
      { genesis: genesisFile, dataDir: data, rpcPort: await freePort(), p2pPort: await freePort(), peers: [validator.p2p], validator: null, config: { snapshots: { syncFrom: validator.rpc } } },
      "fresh",
    );
    const first = fresh.start(300_000).catch(() => undefined);
    await waitFor("the restore under way", async () => existsSync(`${data}.restore`), 120_000, 20);
    await fresh.kill9();
    await first;
    expect(existsSync(data)).to.equal(false);
    expect(existsSync(`${data}.download`)).to.equal(true);
    await fresh.start(300_000);
    expect(existsSync(`${data}.restore`)).to.equal(false);
    expect(existsSync(`${data}.download`)).to.equal(false);
    const log = readFileSync(fresh.logFile, "utf8");
    expect(log).to.contain("snapshot restored");
    // caught up with the validator by p2p sync from the snapshot's height
    const target = await height(validator.rpc);
    await waitFor("the new node at the validator's head", async () => (await height(fresh!.rpc)) >= target, 120_000);
    const at = `0x${target.toString(16)}`;
    const [a, b] = await Promise.all([rpc<RpcBlock>(validator.rpc, "eth_getBlockByNumber", [at, false]), rpc<RpcBlock>(fresh.rpc, "eth_getBlockByNumber", [at, false])]);
    expect(b.hash).to.equal(a.hash);
    expect(b.stateRoot).to.equal(a.stateRoot);
    // old history is served too (it came in the snapshot), and few blocks were replayed
    const old = await rpc<RpcBlock>(fresh.rpc, "eth_getBlockByNumber", ["0x64", false]);
    expect(old.hash).to.equal((await rpc<RpcBlock>(validator.rpc, "eth_getBlockByNumber", ["0x64", false])).hash);
    const metrics = await (await fetch(`${fresh.rpc}/metrics`)).text();
    const committed = Number(/^luniverse_blocks_committed_total (\d+)$/m.exec(metrics)?.[1] ?? "NaN");
    expect(committed).to.be.lessThan(1000);
  });
});
