import path from "node:path";
import { task, types } from "./lib/task";
import { TaskError } from "./lib/errors";

interface UpArgs {
  validators: number;
  productValidators: number;
  reset: boolean;
  dataDir: string;
  mainPort: number;
  productPort?: number;
  ethereumPort?: number;
  p2pPort: number;
  metricsPort: number;
  gatewayPort: number;
  indexerPort: number;
  consolePort: number;
  signerPort: number;
  noHsm: boolean;
}

task("devnet:up", "Runs the whole platform locally: main chain, gas-free product chain, anvil as Ethereum, contracts, six relayers, two anchoring phases, the gateway, the indexer, the web console and the signer (npm start)")
  .addOptionalParam("validators", "Main-chain validators: 1 or 4 node processes", 1, types.int)
  .addOptionalParam("productValidators", "Product-chain validators: 1 node process, or 4 — the chain's node owners, registered on the main chain, their swaps carried by the relayers", 1, types.int)
  .addFlag("reset", "Delete the data folder first and start a new devnet")
  .addOptionalParam("dataDir", "Data folder (state, chain data, logs)", path.join(".luniverse", "devnet"))
  .addOptionalParam("mainPort", "Main chain JSON-RPC port (validator i listens on main-port + i − 1)", 8545, types.int)
  .addOptionalParam("productPort", "Product chain JSON-RPC port of node 1 (node i: product-port + i − 1; default: after the main chain's)", undefined, types.int)
  .addOptionalParam("ethereumPort", "anvil (Ethereum) JSON-RPC port (default main-port + 10)", undefined, types.int)
  .addOptionalParam("p2pPort", "First p2p port (main validators, then the product nodes)", 30303, types.int)
  .addOptionalParam("metricsPort", "First Prometheus port (relayers 1–6, anchoring phases 1–2)", 9100, types.int)
  .addOptionalParam("gatewayPort", "The gateway's port (JSON-RPC at /v1/<chain>/<apiKey>, admin API at /admin/v1)", 8600, types.int)
  .addOptionalParam("indexerPort", "The indexer's HTTP API port (/api/v1)", 8700, types.int)
  .addOptionalParam("consolePort", "The web console's port", 8800, types.int)
  .addOptionalParam("signerPort", "The signer service's port (custodial wallets, 2FA, the transaction API)", 8900, types.int)
  .addFlag("noHsm", "Keep the keys in keystores and development variables instead of the SoftHSM2 token (no signer service)")
  .setAction(async (args: UpArgs, hre) => {
    if (hre.network.name !== "hardhat") throw new TaskError(`devnet:up runs its own chains; drop --network ${hre.network.name}`);
    const { resolveDevnetOptions } = await import("../devnet/config");
    const { runDevnet } = await import("../devnet/up");
    await hre.run("compile", { quiet: true });
    // DevnetError, SupervisorError: the task boundary prints their message
    const options = resolveDevnetOptions({
      root: hre.config.paths.root,
      validators: args.validators as 1 | 4,
      productValidators: args.productValidators as 1 | 4,
      reset: args.reset,
      dataDir: args.dataDir,
      mainPort: args.mainPort,
      productPort: args.productPort,
      ethereumPort: args.ethereumPort,
      p2pPort: args.p2pPort,
      metricsPort: args.metricsPort,
      gatewayPort: args.gatewayPort,
      indexerPort: args.indexerPort,
      consolePort: args.consolePort,
      signerPort: args.signerPort,
      hsm: args.noHsm ? false : undefined,
    });
    const handle = await runDevnet(options);
    process.exit(await handle.done);
  });

task("devnet:demo", "White paper fig. 6, 8–9 on the running devnet: issue a main token, back two product tokens (1:1, 1:2), deposit, 4-of-6 confirmations, redeem (npm run demo)")
  .addOptionalParam("dataDir", "Data folder of the running devnet", path.join(".luniverse", "devnet"))
  .setAction(async (args: { dataDir: string }, hre) => {
    const { runDemo } = await import("../devnet/demo");
    return runDemo({ dataDir: path.resolve(hre.config.paths.root, args.dataDir) });
  });
