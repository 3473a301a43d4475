import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";

export interface RegisterChainParameters {
  /** The `ProductChainRegistry` on the main chain. */
  registry: string;
  chainId: bigint;
  /** 1..64 bytes. */
  name: string;
  productDeveloper: string;
  /** The four node owners. */
  nodeOwners: [string, string, string, string];
  /** Shard group (a uint32; default 0). */
  shardGroup?: bigint;
}

export interface RegisterChainReturnType {
  chainId: bigint;
  transactionHash: string;
}

/**
 * A consortium partner (`CP_ROLE`, which governance grants) registers a product chain with its product developer and
 * four node owners. The registry checks the role, the chain id, the name and the owners; a revert names its custom
 * error (a missing role with the hint to ask governance).
 */
export async function registerChain(cp: Signer, parameters: RegisterChainParameters): Promise<RegisterChainReturnType> {
  const registry = connectContract("ProductChainRegistry", parameters.registry, cp);
  const receipt = await sendAndWait(
    "registerChain",
    () => registry.registerChain(parameters.chainId, parameters.name, parameters.productDeveloper, parameters.nodeOwners, parameters.shardGroup ?? 0n),
    { AccessControlUnauthorizedAccount: "the sender is not a consortium partner; governance grants the role (gov:propose --action grant-cp --address <cp>)" },
  );
  const event = findEvent(receipt, parameters.registry, registry.interface, "ChainRegistered");
  return { chainId: event.args.chainId as bigint, transactionHash: receipt.hash };
}
