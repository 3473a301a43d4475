/**
 * Starting a node from files — shared by `npx hardhat node:start` and the light entry `node/cli.ts` (the same
 * code; the entry skips Hardhat's start-up, which matters when tests start many node processes).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { NodeConfigError, loadNodeConfigFile, resolveNodeConfig, type NodeConfig } from "./config";
import { readGenesisFile } from "./genesis/genesis";
import { LuniverseNode } from "./node";

export interface StartArgs {
  config?: string;
  genesis?: string;
  dataDir?: string;
  reset?: boolean;
  /** A peer's RPC URL: snapshot-sync from it when the data dir is empty (overrides snapshots.syncFrom). */
  snapshotFrom?: string;
}

export async function startFromFiles(args: StartArgs): Promise<LuniverseNode> {
  const config: NodeConfig = args.config ? loadNodeConfigFile(args.config) : resolveNodeConfig({});
  if (args.genesis) config.genesis = path.resolve(args.genesis);
  if (args.dataDir) {
    // the snapshots' default folder follows the data dir
    if (config.snapshots.dir === `${config.dataDir}.snapshots`) config.snapshots.dir = `${path.resolve(args.dataDir)}.snapshots`;
    config.dataDir = path.resolve(args.dataDir);
  }
  if (args.snapshotFrom) config.snapshots.syncFrom = resolveNodeConfig({ chainId: 1, snapshots: { syncFrom: args.snapshotFrom } }).snapshots.syncFrom;
  if (!config.genesis) throw new NodeConfigError("CONFIG_INVALID", "genesis", "no genesis file: set \"genesis\" in the config or pass --genesis (build one with `npx hardhat node:genesis`)");
  const genesis = readGenesisFile(config.genesis);
  if (args.reset) rmSync(config.dataDir, { recursive: true, force: true });
  return LuniverseNode.start(config, genesis, { equivocate: process.env.LUNIVERSE_TEST_EQUIVOCATE === "1" });
}

/** Prints the ready line (JSON), then runs until SIGINT/SIGTERM and stops cleanly. */
export async function runUntilSignal(node: LuniverseNode): Promise<void> {
  console.log(JSON.stringify({ event: "ready", rpc: node.rpcUrl, ws: node.wsUrl, p2p: node.p2pUrl, chainId: node.genesis.config.chainId, validator: node.address, height: node.chain.height.toString() }));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      node.stop().then(resolve, resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
