/**
 * A product chain from its registration (issue #17): reads the chain's record in the main chain's
 * `ProductChainRegistry` — its four node owners, their swap nonce, its consortium partner — and the main bridge's
 * signer set, and builds the product chain's genesis: the node owners as its validators (unstaked), gas-free by
 * default, the system contracts with the bridge's product side (`ProductBridge`, the token factory) under the same
 * 4-of-6 signers, and `NodeOwnerSync`, through which those signers carry the main chain's later owner swaps onto the
 * chain's validator set. Then the four owners' node configurations (each owner's key from its own key source).
 *
 * The genesis is deployed by a throwaway key made for this call: every role it held is handed to the chain's
 * governance (its timelock, voted by the four owners) before the genesis is written, and the key is dropped.
 */
import { Wallet, type Provider } from "ethers";
import { resolveConfig, type SystemConfig } from "../../deploy/config";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { buildGenesis, type BuildGenesisReturnType } from "./buildGenesis";

/** ProductChainRegistry.Status. */
const STATUS = ["None", "Active", "Suspended", "Retired"] as const;

export interface CreateChainParameters {
  /** The main chain's `ProductChainRegistry`. */
  registry: string;
  /** The main chain's `MainBridge`: its signers and threshold become the product side's. */
  mainBridge: string;
  chainId: bigint;
  /** Gas-free (default true): base fee 0, admission by the gas policy. */
  gasFree?: boolean;
  /** The product chain's governance timing (blocks, blocks, seconds); default deploy/config.ts's. */
  governance?: Partial<SystemConfig["governance"]>;
  /** Blocks per epoch of the product chain's validator set (a swap takes effect at the next epoch). */
  epochLength?: number;
  /** Genesis timestamp (default: now, whole seconds). */
  timestamp?: number;
  /** A progress line. */
  log?: (line: string) => void;
  /** The deployment's lines (every contract and role; many). */
  deployLog?: (line: string) => void;
}

export interface CreateChainReturnType extends BuildGenesisReturnType {
  chainId: bigint;
  name: string;
  owners: [string, string, string, string];
  ownersNonce: bigint;
  consortiumPartner: string;
  productDeveloper: string;
  bridgeSigners: string[];
  bridgeThreshold: number;
  /** The system configuration the genesis was built with (written beside it for the record). */
  config: SystemConfig;
}

export async function createChain(main: Provider, parameters: CreateChainParameters): Promise<CreateChainReturnType> {
  const registry = connectContract("ProductChainRegistry", parameters.registry, main);
  const bridge = connectContract("MainBridge", parameters.mainBridge, main);
  const record = await registry.getChain(parameters.chainId);
  const status = STATUS[Number(record.status)] ?? "unknown";
  if (status === "None") {
    throw new OperationError("OP_PRECONDITION", `chain ${parameters.chainId} is not registered in the ProductChainRegistry at ${parameters.registry}`, {
      hint: "a consortium partner registers it first (chain:register, or chain:create with --name, --pd and --owners)",
    });
  }
  if (status !== "Active") {
    throw new OperationError("OP_PRECONDITION", `chain ${parameters.chainId} is ${status} on the main chain`, { hint: "only an active chain gets a genesis; governance sets its status (setChainStatus)" });
  }
  const owners = record.nodeOwners.map(String) as [string, string, string, string];
  const cp = String(record.consortiumPartner);
  const pd = String(record.productDeveloper);
  const signers = (await bridge.signers()).map(String);
  const threshold = Number(await bridge.threshold());
  // the council (3 of 5 may pause and veto): the four owners and the consortium partner (or the product developer when
  // the partner is one of the owners)
  const fifth = owners.some((o) => o.toLowerCase() === cp.toLowerCase()) ? pd : cp;
  const config = resolveConfig({
    genesisValidators: owners,
    councilMembers: [...owners, fifth],
    consortiumPartners: [cp],
    bridgeSigners: signers,
    bridgeThreshold: threshold,
    validatorSet: { minStake: "0", ...(parameters.epochLength === undefined ? {} : { epochLength: parameters.epochLength }) },
    governance: parameters.governance ?? {},
    nodeOwnerSync: { ownersNonce: Number(record.ownersNonce) },
  });
  const deployer = Wallet.createRandom();
  parameters.log?.(`building the genesis of chain ${parameters.chainId} "${record.name}": validators ${owners.join(", ")}; bridge signers ${threshold} of ${signers.length}`);
  const built = await buildGenesis(deployer, {
    chainId: Number(parameters.chainId),
    gasFree: parameters.gasFree ?? true,
    timestamp: parameters.timestamp ?? Math.floor(Date.now() / 1000),
    config,
    // every role is named in `config`; the list only backs defaults that would otherwise pick development accounts
    accounts: [deployer.address, ...owners, ...owners, fifth, ...signers],
    // nobody is funded but, on a chain with fees, the throwaway deployer for its own deployment gas (the rest stays with
    // the dropped key): on a gas-free chain nobody needs the native coin
    fund: (parameters.gasFree ?? true) ? [] : [{ address: deployer.address, balance: 10n ** 21n }],
    log: parameters.deployLog,
  });
  return {
    ...built,
    chainId: parameters.chainId,
    name: String(record.name),
    owners,
    ownersNonce: BigInt(record.ownersNonce),
    consortiumPartner: cp,
    productDeveloper: pd,
    bridgeSigners: signers,
    bridgeThreshold: threshold,
    config,
  };
}
