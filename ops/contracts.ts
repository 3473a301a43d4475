/**
 * Typed contract handles for operations: `connectContract("ValidatorSet", address, runner)` returns the typechain
 * (ethers v6) binding, so an operation never needs Hardhat's `getContractAt`.
 */
import type { ContractRunner } from "ethers";
import type * as Typechain from "../typechain-types";
import { typechain } from "../lib/typechain";

type Factories = typeof Typechain;
type FactoryName = { [K in keyof Factories]: K extends `${infer N}__factory` ? N : never }[keyof Factories];

/** A contract name with generated bindings (`ValidatorSet`, `MainBridge`, …). */
export type ContractName = Exclude<FactoryName, never>;

/** The binding type of `N` (`ValidatorSet` → the typechain `ValidatorSet` contract type). */
export type ContractOf<N extends ContractName> = ReturnType<Factories[`${N}__factory`]["connect"]>;

/** The typechain binding of `name` at `address`, connected to `runner` (a Signer to send, a Provider to read). */
export function connectContract<N extends ContractName>(name: N, address: string, runner: ContractRunner | null): ContractOf<N> {
  const factory = (typechain() as unknown as Record<string, { connect(a: string, r: ContractRunner | null): unknown }>)[`${name}__factory`];
  if (!factory) throw new Error(`no bindings for contract ${name}: run npx hardhat compile`);
  return factory.connect(address, runner) as ContractOf<N>;
}
