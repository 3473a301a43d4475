import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { ProductChainRegistry } from "../typechain-types";
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
