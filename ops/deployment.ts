/**
 * A deployment as operations see it: the chain id and the address of each contract by name (the manifest that
 * `deploy:system`, `deploy:product-chain` and `node:genesis` write, or the devnet's state). Operations take the
 * addresses they need as parameters; callers resolve them here.
 */
import type { ContractRunner, Provider } from "ethers";
import { readManifest, type Manifest } from "../deploy/manifest";
import { connectContract, type ContractName, type ContractOf } from "./contracts";
import { OperationError } from "./errors";

export interface Deployment {
  /** Where it came from (a manifest path), for messages. */
  source: string;
  chainId: number;
  /** Contract name → address. */
  addresses: Record<string, string>;
}

/** A deployment from a manifest object. */
export function deploymentFromManifest(manifest: Manifest, source: string): Deployment {
  return { source, chainId: manifest.chainId, addresses: Object.fromEntries(Object.values(manifest.contracts).map((c) => [c.name, c.address])) };
}

/** Reads a manifest file; a missing file is an {@link OperationError} saying how to deploy. */
export function readDeployment(file: string, hint = "deploy first: npx hardhat deploy:system --network <network>"): Deployment {
  const manifest = readManifest(file);
  if (!manifest) throw new OperationError("OP_DEPLOYMENT", `no deployment found (${file})`, { hint });
  return deploymentFromManifest(manifest, file);
}

/** The address of `name` in `deployment`, or a clear error. */
export function addressOf(deployment: Deployment, name: string): string {
  const address = deployment.addresses[name];
  if (!address) throw new OperationError("OP_DEPLOYMENT", `${deployment.source} has no ${name}`, { hint: "deploy it first (npx hardhat deploy:system)" });
  return address;
}

/** Throws unless there is code at `address` (a chain reset since the manifest was written, a wrong network). */
export async function requireCode(provider: Provider, address: string, what: string): Promise<void> {
  if ((await provider.getCode(address)) === "0x") {
    throw new OperationError("OP_DEPLOYMENT", `${what} at ${address} has no code on this chain`, {
      hint: "the chain was reset or this is another network; deploy again (npx hardhat deploy:system --reset)",
    });
  }
}

/** The binding of `name` from `deployment`, checked to have code, connected to `runner`. */
export async function deployedContract<N extends ContractName>(deployment: Deployment, name: N, runner: ContractRunner & { provider: Provider | null }): Promise<ContractOf<N>> {
  const address = addressOf(deployment, name);
  const provider = runner.provider ?? (runner as unknown as Provider);
  await requireCode(provider, address, `${name} (from ${deployment.source})`);
  return connectContract(name, address, runner);
}
