import path from "node:path";
import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "@openzeppelin/hardhat-upgrades";

import "./tasks";
import { DEV_MNEMONIC } from "./lib/accounts";

/** The one compiler version of the project; every contract uses `pragma solidity 0.8.28;`. */
export const SOLC_VERSION = "0.8.28";

// Hardhat cannot download compilers here: serve the npm `solc` package (solcjs) instead.
// The installed package's own version is compared, so a mismatch is an error rather than a
// build silently labelled with the wrong version.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const installed: string = require("solc/package.json").version;
    if (args.solcVersion !== installed) {
      if (process.env.LUNIVERSE_ALLOW_SOLC_DOWNLOAD === "1") return runSuper(args);
      throw new Error(
        `Solidity ${args.solcVersion} was requested but the npm package solc is ${installed}. ` +
          `Use pragma solidity ${installed}; or install a matching npm alias (npm i solc-${args.solcVersion}@npm:solc@${args.solcVersion}).`,
      );
    }
    return {
      compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
      isSolcJs: true,
      version: installed,
      longVersion: `${installed}+solcjs`,
    };
  },
);

const gasReporter: HardhatUserConfig["gasReporter"] = {
  enabled: process.env.REPORT_GAS === "1",
  offline: true,
  currency: "USD",
  noColors: !process.stdout.isTTY,
  reportPureAndViewMethods: false,
};

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  networks: {
    hardhat: {
      // Deterministic dev accounts (the Hardhat mnemonic); account 0 deploys, 1..4 are genesis validators.
      chainId: 31337,
    },
    localhost: {
      url: process.env.LOCALHOST_RPC ?? "http://127.0.0.1:8545",
      chainId: 31337,
    },
    // The project's own node (`node:start`): the main chain, and a product chain. Accounts are the development
    // mnemonic's (funded in the dev genesis); the URLs come from the environment when not the defaults.
    luniverse: {
      url: process.env.LUNIVERSE_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: { mnemonic: DEV_MNEMONIC, count: 20 },
      timeout: 120_000,
    },
    luniverseProduct: {
      url: process.env.LUNIVERSE_PRODUCT_RPC_URL ?? "http://127.0.0.1:8546",
      accounts: { mnemonic: DEV_MNEMONIC, count: 20 },
      timeout: 120_000,
    },
  },
  gasReporter,
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
