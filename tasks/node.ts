import { existsSync, mkdirSync, writeFileSync } from "node:fs";
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
  .setAction(async (args: { nodeConfig?: string; genesis?: string; dataDir?: string; reset: boolean }) => {
    const { startFromFiles, runUntilSignal } = await import("../node/run");
    let node;
    try {
      node = await startFromFiles({ config: args.nodeConfig, genesis: args.genesis, dataDir: args.dataDir, reset: args.reset });
    } catch (err) {
      throw new TaskError((err as Error).message);
    }
    await runUntilSignal(node);
  });
