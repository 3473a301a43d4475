/**
 * Typed contract handles for operations: `connectContract("ValidatorSet", address, runner)` returns the typechain
 * (ethers v6) binding, so an operation never needs Hardhat's `getContractAt`. One implementation, in deploy/context.ts
 * (the deployment modules use it too).
 */
export { contractAt as connectContract, type BoundContract as ContractOf, type BoundContractName as ContractName } from "../deploy/context";
