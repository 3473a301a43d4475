/**
 * deploy/context.ts for the browser bundle: only `contractAt`, the typed binding of a contract (what ops/contracts.ts
 * re-exports as `connectContract`), with the same lookup. The rest of deploy/context (deployment contexts, proxies,
 * the upgrades plugin's records) needs Node and is not used by the console.
 */
import type { ContractRunner } from "ethers";
import type { BoundContract, BoundContractName } from "../../../deploy/context";
import { LuniverseError } from "../../../lib/errors";
import { typechain } from "./typechain";

export type { BoundContract, BoundContractName };

export function contractAt<N extends BoundContractName>(name: N, address: string, runner: ContractRunner | null): BoundContract<N> {
  const bindings = (typechain() as unknown as Record<string, { connect(a: string, r: ContractRunner | null): unknown } | undefined>)[`${name}__factory`];
  if (!bindings) throw new LuniverseError("CONFIG_INVALID", `no bindings for contract ${name}: rebuild the console (npm run build)`);
  return bindings.connect(address, runner) as BoundContract<N>;
}
