import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { MainBridge, ProductChainRegistry } from "../typechain-types";
import { registerChain } from "../ops/chain/registerChain";
import { swapVote } from "../ops/chain/swapVote";

task("chain:register", "Registers a product chain (caller needs the CP role granted by governance)")
  .addParam("chainId", "Chain id of the product chain")
  .addParam("name", "Name of the product chain (1..64 bytes)")
  .addParam("pd", "Product developer address")
  .addParam("owners", "The 4 node owners, comma-separated")
  .addOptionalParam("shard", "Shard group", "0")
  .addOptionalParam("from", "Account index or address of the consortium partner", "0")
  .setAction(async (args: { chainId: string; name: string; pd: string; owners: string; shard: string; from: string }, hre) => {
    const chainId = parseInteger("chain-id", args.chainId);
    const pd = parseAddress("pd", args.pd);
    const owners = parseAddressList("owners", args.owners, 4) as [string, string, string, string];
    const shard = parseInteger("shard", args.shard);
    if (shard > 0xffffffffn) throw new TaskError("--shard must fit in 32 bits");
    const { signer, at } = await loadDeployment(hre, args.from);
    const registry = await (await at<ProductChainRegistry>("ProductChainRegistry")).getAddress();
    await registerChain(signer, { registry, chainId, name: args.name, productDeveloper: pd, nodeOwners: owners, shardGroup: shard });
    console.log(`registered product chain ${chainId} "${args.name}" (PD ${pd}, node owners ${owners.join(", ")}, shard ${shard})`);
  });

task("chain:swap-vote", "Votes, as a node owner, to replace one node owner of a product chain (3 of 4 decide)")
  .addParam("chainId", "Chain id of the product chain")
  .addParam("old", "Node owner to replace")
  .addParam("new", "New node owner")
  .addOptionalParam("from", "Account index or address of the voting node owner", "0")
  .setAction(async (args: { chainId: string; old: string; new: string; from: string }, hre) => {
    const chainId = parseInteger("chain-id", args.chainId);
    const oldOwner = parseAddress("old", args.old);
    const newOwner = parseAddress("new", args.new);
    const { signer, at } = await loadDeployment(hre, args.from);
    const registry = await (await at<ProductChainRegistry>("ProductChainRegistry")).getAddress();
    const r = await swapVote(signer, { registry, chainId, oldOwner, newOwner });
    console.log(r.swapped ? `swap applied: ${newOwner} replaces ${oldOwner} on chain ${chainId}` : `vote recorded: ${r.votes} of ${r.needed} votes to replace ${oldOwner} by ${newOwner}`);
  });

task("chain:create", "Builds a registered product chain's genesis — its four node owners as validators, the bridge's product side, NodeOwnerSync — and the owners' node configurations")
  .addParam("chainId", "Chain id of the product chain (registered in the ProductChainRegistry, or registered now with --name, --pd and --owners)")
  .addOptionalParam("out", "Folder for genesis.json, system.json and the owners' node configurations (default .luniverse/chains/<chain id>)")
  .addOptionalParam("name", "Register the chain first: its name")
  .addOptionalParam("pd", "Register the chain first: its product developer")
  .addOptionalParam("owners", "Register the chain first: its 4 node owners, comma-separated")
  .addOptionalParam("shard", "Register the chain first: its shard group", "0")
  .addOptionalParam("from", "Account index or address of the consortium partner (registration)", "0")
  .addFlag("fees", "A chain with fees (default: gas-free)")
  .addOptionalParam("epochLength", "Blocks per epoch of the product chain's validator set (owner swaps take effect at the next epoch)")
  .addOptionalParam("votingDelay", "Blocks between a proposal of the product chain's governance and the opening of its vote")
  .addOptionalParam("votingPeriod", "Blocks a proposal of the product chain's governance stays open")
  .addOptionalParam("timelockDelay", "Seconds a passed proposal of the product chain's governance waits in its timelock")
  .addOptionalParam("host", "Host the owners' nodes listen on in the written configurations", "127.0.0.1")
  .addOptionalParam("rpcPort", "RPC port of owner 1's node (owner i: + i − 1)", "8645")
  .addOptionalParam("p2pPort", "p2p port of owner 1's node (owner i: + i − 1)", "30403")
  .setAction(
    async (
      args: { chainId: string; out?: string; name?: string; pd?: string; owners?: string; shard: string; from: string; fees: boolean; epochLength?: string; votingDelay?: string; votingPeriod?: string; timelockDelay?: string; host: string; rpcPort: string; p2pPort: string },
      hre,
    ) => {
      const { mkdirSync, writeFileSync } = await import("node:fs");
      const path = await import("node:path");
      const { createChain } = await import("../ops/chain/createChain");
      const { upgradesRecordFile, writeUpgradesRecord } = await import("../deploy/upgradesRecord");
      const { manifestPath, writeManifest } = await import("../deploy/manifest");
      const { deploymentsDir } = await import("./lib/system");
      const chainId = parseInteger("chain-id", args.chainId);
      const rpcPort = Number(parseInteger("rpc-port", args.rpcPort));
      const p2pPort = Number(parseInteger("p2p-port", args.p2pPort));
      if (rpcPort < 1 || rpcPort + 3 > 65535 || p2pPort < 1 || p2pPort + 3 > 65535) throw new TaskError("--rpc-port and --p2p-port must leave room for four ports below 65536");
      const epochLength = args.epochLength === undefined ? undefined : Number(parseInteger("epoch-length", args.epochLength));
      // the product chain's governance timing: what is given, the rest from deploy/config.ts's defaults
      const governance: Record<string, number> = {};
      for (const [key, flag] of [["votingDelay", "voting-delay"], ["votingPeriod", "voting-period"], ["timelockDelay", "timelock-delay"]] as const) {
        if (args[key] !== undefined) governance[key] = Number(parseInteger(flag, args[key]));
      }
      const registering = [args.name, args.pd, args.owners].filter((x) => x !== undefined).length;
      if (registering !== 0 && registering !== 3) throw new TaskError("to register the chain first, give all of --name, --pd and --owners (or none, for a chain registered already)");
      const { signer, at } = await loadDeployment(hre, args.from);
      const registry = await (await at<ProductChainRegistry>("ProductChainRegistry")).getAddress();
      const mainBridge = await (await at<MainBridge>("MainBridge")).getAddress();
      if (registering === 3) {
        const owners = parseAddressList("owners", args.owners!, 4) as [string, string, string, string];
        const shard = parseInteger("shard", args.shard);
        if (shard > 0xffffffffn) throw new TaskError("--shard must fit in 32 bits");
        await registerChain(signer, { registry, chainId, name: args.name!, productDeveloper: parseAddress("pd", args.pd!), nodeOwners: owners, shardGroup: shard });
        console.log(`registered product chain ${chainId} "${args.name}"`);
      }
      await hre.run("compile", { quiet: true });
      const c = await createChain(hre.ethers.provider, {
        registry,
        mainBridge,
        chainId,
        gasFree: !args.fees,
        epochLength,
        governance,
        log: (line) => console.error(line),
      });
      const out = path.resolve(args.out ?? path.join(".luniverse", "chains", chainId.toString()));
      mkdirSync(out, { recursive: true });
      const genesisFile = path.join(out, "genesis.json");
      writeFileSync(genesisFile, JSON.stringify(c.genesis, null, 2) + "\n");
      writeFileSync(path.join(out, "system.json"), JSON.stringify(c.config, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
      if (c.upgradesRecord) writeUpgradesRecord(upgradesRecordFile(hre.config.paths.root, Number(chainId)), c.upgradesRecord);
      const manifestFile = manifestPath(deploymentsDir(), `chain-${chainId}`);
      writeManifest(manifestFile, { ...c.deployment, network: `chain-${chainId}`, chainId: Number(chainId) });
      // each owner's node: a validator whose key comes from the owner's own keystore (or HSM token: edit "validator")
      const nodes = c.owners.map((owner, i) => {
        const file = path.join(out, `owner-${i + 1}.json`);
        const config = {
          genesis: genesisFile,
          dataDir: path.join(out, "data", `owner-${i + 1}`),
          rpc: { host: args.host, port: rpcPort + i },
          p2p: { host: args.host, port: p2pPort + i, peers: c.owners.map((_, j) => j).filter((j) => j !== i).map((j) => `ws://${args.host}:${p2pPort + j}`) },
          validator: { keystore: path.join(out, "keys", `${owner.toLowerCase()}.json`), passwordEnv: "LUNIVERSE_VALIDATOR_PASSWORD" },
        };
        writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
        return { owner, file, rpc: `http://${args.host}:${rpcPort + i}` };
      });
      console.log(`product chain ${chainId} "${c.name}": genesis ${genesisFile} (${args.fees ? "with fees" : "gas-free"})`);
      console.log(`  validators (node owners, swap nonce ${c.ownersNonce}): ${c.owners.join(", ")}`);
      console.log(`  bridge signers ${c.bridgeThreshold} of ${c.bridgeSigners.length}: ${c.bridgeSigners.join(", ")}`);
      console.log(`  ProductBridge ${c.genesis.luniverse.systemContracts.ProductBridge}, NodeOwnerSync ${c.genesis.luniverse.systemContracts.NodeOwnerSync}; manifest ${manifestFile}`);
      console.log(`each owner starts its node (its keystore at keys/<address>.json, or a "pkcs11" key source in its config):`);
      for (const n of nodes) console.log(`  LUNIVERSE_VALIDATOR_PASSWORD=… npx hardhat node:start --node-config ${n.file}    # ${n.owner}, ${n.rpc}`);
      return { genesisFile, owners: c.owners, nodes, systemContracts: c.genesis.luniverse.systemContracts };
    },
  );
