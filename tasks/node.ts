import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { task, types } from "./lib/task";
import { TaskError } from "./lib/errors";
import { deploymentsDir } from "./lib/system";
import { DEV_ACCOUNT_COUNT, devAddresses, devWallet } from "../lib/accounts";
import { loadConfigFile, resolveConfig } from "../deploy/config";
import { manifestPath, writeManifest } from "../deploy/manifest";
import { upgradesRecordFile, writeUpgradesRecord } from "../deploy/upgradesRecord";

task("node:genesis", "Builds a genesis file with the system contracts predeployed (from the compiled artifacts)")
  .addOptionalParam("out", "Genesis file to write", ".luniverse/genesis.json")
  .addOptionalParam("chainId", "Chain id", 2018, types.int)
  .addOptionalParam("validators", "Number of genesis validators: development accounts 1..N (ignored with a --system-config that names them)", 1, types.int)
  .addOptionalParam("systemConfig", "JSON file overriding deploy/config.ts defaults (as for deploy:system)")
  .addFlag("gasFree", "A gas-free product chain: base fee 0, gas price 0 accepted")
  .addOptionalParam("timestamp", "Genesis timestamp, seconds (fixed so the file is reproducible)", 1767225600, types.int)
  .addOptionalParam("gasLimit", "Block gas limit", 60_000_000, types.int)
  .addOptionalParam("baseFee", "Constant base fee in wei (0 on a gas-free chain)", "1000000000")
  .addOptionalParam("manifest", "Also write the deployment manifest as deployments/<name>.json for the tasks (\"\" = none)", "luniverse")
  .addFlag("quiet", "Print only the genesis file path")
  .setAction(
    async (
      args: { out: string; chainId: number; validators: number; systemConfig?: string; gasFree: boolean; timestamp: number; gasLimit: number; baseFee: string; manifest: string; quiet: boolean },
      hre,
    ) => {
      if (!Number.isSafeInteger(args.chainId) || args.chainId <= 0) throw new TaskError(`--chain-id must be a positive integer, got ${args.chainId}`);
      if (args.validators < 1 || args.validators > 4) throw new TaskError(`--validators must be 1 to 4 (development accounts 1..4), got ${args.validators}; name more in a --system-config`);
      if (!/^[0-9]+$/.test(args.baseFee)) throw new TaskError(`--base-fee must be a whole number of wei, got "${args.baseFee}"`);
      if (args.systemConfig && !existsSync(args.systemConfig)) throw new TaskError(`--system-config ${args.systemConfig} does not exist`);
      // the system config the deployment runs with: the user's, or the development validators 1..N
      const config = args.systemConfig ? loadConfigFile(args.systemConfig) : resolveConfig({ genesisValidators: devAddresses(Array.from({ length: args.validators }, (_, i) => 1 + i)) });
      await hre.run("compile", { quiet: true });
      const { buildGenesis } = await import("../ops/chain/buildGenesis");
      const { genesis, deployment, upgradesRecord } = await buildGenesis(devWallet(0), {
        chainId: args.chainId,
        gasFree: args.gasFree,
        timestamp: args.timestamp,
        gasLimit: BigInt(args.gasLimit),
        baseFeePerGas: BigInt(args.baseFee),
        config,
        accounts: devAddresses(Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) => i)),
        log: args.quiet ? undefined : (line) => console.error(line),
      });
      mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      writeFileSync(args.out, JSON.stringify(genesis, null, 2) + "\n");
      // A new genesis is a new chain: the upgrades plugin's record of an earlier chain with this id is void.
      if (upgradesRecord) writeUpgradesRecord(upgradesRecordFile(hre.config.paths.root, args.chainId), upgradesRecord);
      if (args.manifest) {
        const file = manifestPath(deploymentsDir(), args.manifest);
        writeManifest(file, { ...deployment, network: args.manifest, chainId: args.chainId });
        if (!args.quiet) console.error(`deployment manifest: ${file}`);
      }
      if (args.quiet) console.log(path.resolve(args.out));
      else {
        console.log(`genesis written to ${path.resolve(args.out)} (chain ${args.chainId}${args.gasFree ? ", gas-free" : ""})`);
        console.log(`validators: ${genesis.luniverse.validators.join(", ")}`);
        console.table(genesis.luniverse.systemContracts);
      }
      return genesis;
    },
  );

task("node:start", "Runs a Luniverse node (validator or full node) until Ctrl-C")
  // `--config` is Hardhat's own (the Hardhat config file), so the node's file is `--node-config`
  .addOptionalParam("nodeConfig", "Node configuration JSON (see node/README.md)")
  .addOptionalParam("genesis", "Genesis file (overrides the config's)")
  .addOptionalParam("dataDir", "Data directory (overrides the config's)")
  .addFlag("reset", "Delete the data directory first")
  .addOptionalParam("snapshotFrom", "A peer's RPC URL: when the data dir is empty, restore the peer's latest snapshot (proven by finality signatures), then sync the blocks after it")
  .setAction(async (args: { nodeConfig?: string; genesis?: string; dataDir?: string; reset: boolean; snapshotFrom?: string }) => {
    const { startFromFiles, runUntilSignal } = await import("../node/run");
    let node;
    try {
      node = await startFromFiles({ config: args.nodeConfig, genesis: args.genesis, dataDir: args.dataDir, reset: args.reset, snapshotFrom: args.snapshotFrom });
    } catch (err) {
      throw new TaskError((err as Error).message);
    }
    await runUntilSignal(node);
  });

task("node:backup", "Writes a consistent snapshot of a node's database at its final head, with a manifest signed by the node's key")
  .addOptionalParam("rpc", "A running node's RPC URL (on this machine): the node writes the snapshot into its snapshots.dir without stopping")
  .addOptionalParam("dataDir", "A stopped node's data directory: the snapshot is read from it directly (with --out)")
  .addOptionalParam("out", "Folder to write (with --data-dir; must not exist)")
  .addOptionalParam("nodeConfig", "Node configuration whose validator key signs the manifest (with --data-dir; without it the manifest is unsigned)")
  .addOptionalParam("genesis", "Genesis file of the chain (with --data-dir; default: the node config's)")
  .setAction(async (args: { rpc?: string; dataDir?: string; out?: string; nodeConfig?: string; genesis?: string }) => {
    if ((args.rpc === undefined) === (args.dataDir === undefined)) {
      throw new TaskError("node:backup needs exactly one of --rpc (a running node on this machine) and --data-dir (a stopped node's data directory, with --out)");
    }
    if (args.rpc !== undefined) {
      if (args.out !== undefined || args.nodeConfig !== undefined || args.genesis !== undefined) throw new TaskError("--out, --node-config and --genesis go with --data-dir; with --rpc the node writes into its snapshots.dir");
      const { rpc } = await import("../lib/jsonRpc");
      const s = await rpc<{ dir: string; height: string; hash: string; stateRoot: string; files: number; bytes: number; rawBytes: number; signer: string | null; ms: number }>(args.rpc, "luniverse_backup", [], 30 * 60_000);
      console.log(`snapshot at height ${s.height} (${s.hash}) written to ${s.dir}`);
      console.log(`  state root ${s.stateRoot}; ${s.files} file(s), ${mib(s.bytes)} (${mib(s.rawBytes)} uncompressed) in ${(s.ms / 1000).toFixed(1)} s; signed by ${s.signer ?? "nobody (the node has no key)"}`);
      return s;
    }
    if (args.out === undefined) throw new TaskError("--data-dir needs --out: the folder to write the snapshot into");
    const { loadNodeConfigFile, loadValidatorKey } = await import("../node/config");
    const { readGenesisFile } = await import("../node/genesis/genesis");
    const { makeCommon } = await import("../node/execution/common");
    const { openLevel } = await import("../node/storage/db");
    const { writeSnapshot } = await import("../node/backup/write");
    const config = args.nodeConfig === undefined ? null : loadNodeConfigFile(args.nodeConfig);
    const genesisFile = args.genesis ?? config?.genesis ?? null;
    if (genesisFile === null) throw new TaskError("node:backup --data-dir needs --genesis (or a --node-config that names the genesis file)");
    const genesis = readGenesisFile(path.resolve(genesisFile));
    if (!existsSync(path.join(path.resolve(args.dataDir!), "CURRENT"))) throw new TaskError(`${path.resolve(args.dataDir!)} holds no node database`);
    const key = config === null ? null : await loadValidatorKey(config);
    const level = await openLevel(path.resolve(args.dataDir!));
    try {
      const w = await writeSnapshot(level, path.resolve(args.out), { common: makeCommon(BigInt(genesis.config.chainId)), key });
      const bytes = w.manifest.files.reduce((a, f) => a + f.bytes, 0);
      console.log(`snapshot at height ${w.manifest.height} (${w.manifest.hash}) written to ${w.dir}`);
      console.log(`  state root ${w.manifest.stateRoot}; ${w.manifest.files.length} file(s), ${mib(bytes)} (${mib(w.rawBytes)} uncompressed) in ${(w.ms / 1000).toFixed(1)} s; signed by ${w.manifest.signer ?? "nobody (no --node-config with a validator key)"}`);
      return w.manifest;
    } finally {
      await level.close();
    }
  });

task("node:restore", "Restores a snapshot into a data directory after proving it (checksums, signature, head, block history, state trie, finality signatures)")
  .addParam("from", "The snapshot: a folder node:backup wrote, or a peer's RPC URL (its latest snapshot is downloaded)")
  .addParam("dataDir", "Data directory to restore into (must be empty unless --force)")
  .addOptionalParam("genesis", "Genesis file of the chain (default: the node config's)")
  .addOptionalParam("nodeConfig", "Node configuration (its genesis file)")
  .addOptionalParam("signer", "Refuse the snapshot unless its manifest is signed by this address")
  .addFlag("force", "Replace a data directory that already holds a chain (its signing record is kept)")
  .setAction(async (args: { from: string; dataDir: string; genesis?: string; nodeConfig?: string; signer?: string; force: boolean }) => {
    const { loadNodeConfigFile } = await import("../node/config");
    const { readGenesisFile } = await import("../node/genesis/genesis");
    const { makeCommon } = await import("../node/execution/common");
    const { restoreSnapshot } = await import("../node/backup/restore");
    const { downloadSnapshot } = await import("../node/backup/sync");
    if (args.signer !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(args.signer)) throw new TaskError(`--signer must be an address (0x and 40 hex digits), got ${args.signer}`);
    const genesisFile = args.genesis ?? (args.nodeConfig === undefined ? null : loadNodeConfigFile(args.nodeConfig).genesis);
    if (genesisFile === null) throw new TaskError("node:restore needs --genesis (or a --node-config that names the genesis file)");
    const genesis = readGenesisFile(path.resolve(genesisFile));
    const dataDir = path.resolve(args.dataDir);
    const remote = /^https?:\/\//.test(args.from);
    let from = path.resolve(args.from);
    if (remote) {
      from = `${dataDir}.download`;
      const m = await downloadSnapshot(args.from, from);
      console.log(`downloaded snapshot ${m.height} from ${args.from} (${m.files.length} file(s))`);
    }
    const r = await restoreSnapshot(from, dataDir, {
      genesis,
      common: makeCommon(BigInt(genesis.config.chainId)),
      expectSigner: args.signer as `0x${string}` | undefined,
      // a snapshot from a peer is taken on the word of the validators this genesis names, as snapshot sync does
      trustedValidators: remote ? genesis.luniverse.validators.map((v) => v.toLowerCase() as `0x${string}`) : undefined,
      force: args.force,
    });
    if (remote) rmSync(from, { recursive: true, force: true });
    console.log(`restored height ${r.height} (${r.manifest.hash}) into ${r.dataDir} in ${(r.ms / 1000).toFixed(1)} s`);
    console.log(`  proven: ${r.blocks} blocks linked to genesis, ${r.stateNodes} state nodes and ${r.codes} contract codes under ${r.manifest.stateRoot}, finality signed by ${r.signers.length} of ${r.validators.length} validators`);
    console.log(`  manifest signed by ${r.signer ?? "nobody (unsigned: the node that took it had no key)"}`);
    return { height: r.height.toString(), hash: r.manifest.hash, stateRoot: r.manifest.stateRoot, signer: r.signer, ms: r.ms };
  });

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

interface KeyGuardStatusView {
  validator: string;
  active: boolean;
  role: string;
  lastSignedHeight: string | null;
  absentBlocks: number;
  afterBlocks: number;
  ready: boolean;
  otherSigner: { height: string; hash: string } | null;
  signingRecord: { height: string; hash: string } | null;
}

function printKeyGuard(s: KeyGuardStatusView): void {
  console.log(`validator ${s.validator}: ${s.role}${s.active ? " (signs)" : " (signs nothing)"}`);
  console.log(`  key last seen in a commit at ${s.lastSignedHeight ?? "no block since start"}; ${s.absentBlocks} block(s) without it (a takeover needs ${s.afterBlocks}): ${s.ready ? "ready for node:takeover" : "not ready"}`);
  if (s.otherSigner) console.log(`  another node signed block ${s.otherSigner.height} (${s.otherSigner.hash}) with this key`);
  console.log(`  signing record: ${s.signingRecord === null ? "none" : `${s.signingRecord.height}:${s.signingRecord.hash}`}`);
}

task("node:standby", "Shows who signs with a node's validator key: active, standby or stood down, and whether a takeover is allowed")
  .addParam("rpc", "The node's RPC URL")
  .setAction(async (args: { rpc: string }) => {
    const { rpc } = await import("../lib/jsonRpc");
    const s = await rpc<KeyGuardStatusView | null>(args.rpc, "luniverse_standby", []);
    if (s === null) throw new TaskError(`${args.rpc} is a full node: it holds no validator key`);
    printKeyGuard(s);
    return s;
  });

task("node:stand-down", "Stops a node signing with its validator key (a planned switch to its standby); prints the signing record to hand over")
  .addParam("rpc", "The node's RPC URL (on this machine)")
  .setAction(async (args: { rpc: string }) => {
    const { rpc } = await import("../lib/jsonRpc");
    const s = await rpc<KeyGuardStatusView>(args.rpc, "luniverse_standDown", []);
    printKeyGuard(s);
    if (s.signingRecord) console.log(`hand over: npx hardhat node:takeover --rpc <standby> --signing-record ${s.signingRecord.height}:${s.signingRecord.hash}`);
    return s;
  });

task("node:takeover", "Makes a standby sign with the validator key once the key has been absent for standby.afterBlocks blocks (fenced above the old node's signing record)")
  .addParam("rpc", "The standby's RPC URL (on this machine)")
  .addOptionalParam("signingRecord", "The old node's signing record HEIGHT:HASH (node:stand-down prints it); without it the standby fences at its head + 1")
  .setAction(async (args: { rpc: string; signingRecord?: string }) => {
    let record: { height: string; hash: string } | null = null;
    if (args.signingRecord !== undefined) {
      const m = /^([0-9]+):(0x[0-9a-fA-F]{64})$/.exec(args.signingRecord);
      if (m === null) throw new TaskError(`--signing-record must be HEIGHT:HASH (e.g. 1204:0x…64 hex digits), as node:stand-down prints it; got ${args.signingRecord}`);
      record = { height: `0x${BigInt(m[1]!).toString(16)}`, hash: m[2]! };
    }
    const { rpc } = await import("../lib/jsonRpc");
    const s = await rpc<KeyGuardStatusView>(args.rpc, "luniverse_takeover", record === null ? [] : [record]);
    printKeyGuard(s);
    return s;
  });
