import { task } from "./lib/task";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadSystem } from "./lib/system";

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
    const { chainRegistry } = await loadSystem(hre, args.from);
    await explainRevert("chain:register", async () => (await chainRegistry.registerChain(chainId, args.name, pd, owners, shard)).wait(), {
      AccessControlUnauthorizedAccount: "the sender is not a consortium partner; governance grants the role (gov:propose --action grant-cp --address <cp>)",
    });
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
    const { chainRegistry } = await loadSystem(hre, args.from);
    const needed = await chainRegistry.SWAP_MAJORITY();
    const votesBefore = await chainRegistry.swapVotes(chainId, oldOwner, newOwner);
    await explainRevert("chain:swap-vote", async () => (await chainRegistry.voteSwap(chainId, oldOwner, newOwner)).wait());
    const swapped = await chainRegistry.isNodeOwner(chainId, newOwner);
    console.log(
      swapped
        ? `swap applied: ${newOwner} replaces ${oldOwner} on chain ${chainId}`
        : `vote recorded: ${votesBefore + 1n} of ${needed} votes to replace ${oldOwner} by ${newOwner}`,
    );
  });
