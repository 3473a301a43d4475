import { task, types } from "./lib/task";
import { TASK_NODE, TASK_NODE_SERVER_READY } from "hardhat/builtin-tasks/task-names";
import { subtask } from "hardhat/config";
import { deploySystem, type DeploySystemResult } from "../deploy/system";
import { loadConfigFile, resolveConfig } from "../deploy/config";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { deploymentsDir } from "./lib/system";

task("deploy:system", "Deploys (or completes) the whole Luniverse system and writes deployments/<network>.json")
  .addOptionalParam("systemConfig", "JSON file overriding deploy/config.ts defaults (unknown keys are an error)")
  .addFlag("reset", "Ignore the existing manifest and deploy everything anew")
  .addFlag("quiet", "Print only the manifest path")
  .setAction(async (args: { systemConfig?: string; reset: boolean; quiet: boolean }, hre) => {
    // a ConfigError names the key; the task boundary prints it without a stack
    const config = args.systemConfig ? loadConfigFile(args.systemConfig) : resolveConfig();
    const result = await explainRevert("deploy:system", () =>
      deploySystem(hre, {
        config,
        reset: args.reset,
        manifestDir: deploymentsDir(),
        log: args.quiet ? undefined : (line) => console.log(line),
      }),
    );
    printSystem(result, `${deploymentsDir()}/${hre.network.name}.json`, args.quiet);
    return result.manifest;
  });

/** Prints the deployed system as a table (addresses, validators, council). */
export function printSystem(result: DeploySystemResult, file: string, quiet = false): void {
  if (quiet) {
    console.log(file);
    return;
  }
  const rows = Object.values(result.manifest.contracts).map((c) => ({
    contract: c.name,
    address: c.address,
    proxy: c.proxyKind,
  }));
  console.log(`\nLuniverse system on chain ${result.manifest.chainId} (${result.manifest.network}), manifest ${file}`);
  console.table(rows);
  console.log(`genesis validators: ${result.genesisValidators.join(", ")}`);
  console.log(`emergency council (3 of 5): ${result.councilMembers.join(", ")}`);
  console.log(`bridge signers (${result.bridgeSigners.length}): ${result.bridgeSigners.join(", ")}`);
}

let devnetActive = false;
let devnetConfig: string | undefined;

subtask(TASK_NODE_SERVER_READY).setAction(async (args: Record<string, unknown>, hre, runSuper) => {
  await runSuper(args);
  if (!devnetActive) return;
  const config = devnetConfig ? loadConfigFile(devnetConfig) : resolveConfig();
  // The node logs every request; keep the deployment's dozens of transactions out of that log.
  await hre.network.provider.request({ method: "hardhat_setLoggingEnabled", params: [false] });
  const result = await deploySystem(hre, {
    config,
    reset: true,
    manifestDir: deploymentsDir(),
    manifestNetwork: "localhost",
  });
  await hre.network.provider.request({ method: "hardhat_setLoggingEnabled", params: [true] });
  printSystem(result, `${deploymentsDir()}/localhost.json`);
  console.log(
    `\nJSON-RPC at http://${String(args.address)}:${String(args.port)} (chain id ${result.manifest.chainId}). ` +
      `Run tasks against it with --network localhost, e.g.\n  npx hardhat validator:stake --network localhost --from 0 --validator ${result.genesisValidators[0]} --amount 100\n` +
      `Ctrl-C stops the chain.`,
  );
});

task("devnet", "Runs a local chain (Hardhat node) with the whole system deployed and prints the addresses")
  .addOptionalParam("hostname", "Interface to listen on", "127.0.0.1")
  .addOptionalParam("port", "JSON-RPC port", 8545, types.int)
  .addOptionalParam("systemConfig", "JSON file overriding deploy/config.ts defaults")
  .setAction(async (args: { hostname: string; port: number; systemConfig?: string }, hre) => {
    if (hre.network.name !== "hardhat") {
      throw new TaskError(`devnet runs its own chain; drop --network ${hre.network.name}`);
    }
    if (args.systemConfig) loadConfigFile(args.systemConfig); // fail before the server starts
    devnetActive = true;
    devnetConfig = args.systemConfig;
    await hre.run(TASK_NODE, { hostname: args.hostname, port: args.port });
  });
