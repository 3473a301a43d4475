import { ethers, upgrades } from "hardhat";
import { mine, mineUpTo } from "@nomicfoundation/hardhat-network-helpers";
import type { StakingToken, ValidatorSet } from "../../../typechain-types";

/** Shape of `ValidatorSet.Params` as plain bigints (so tests can spread and tweak it). */
export interface VsParams {
  maxValidators: bigint;
  minStake: bigint;
  epochLength: bigint;
  unbondingPeriod: bigint;
  jailPeriod: bigint;
}

export const MIN_STAKE = ethers.parseEther("1000");
export const PARAMS: VsParams = {
  maxValidators: 10n,
  minStake: MIN_STAKE,
  epochLength: 10n,
  unbondingPeriod: 20n,
  jailPeriod: 30n,
};
export const SUPPLY = ethers.parseEther("1000000");
export const FUNDING = ethers.parseEther("10000");
/** Stake given to every genesis validator by `stakedGenesisFixture`. */
export const GENESIS_STAKE = ethers.parseEther("2000");

export const SlashDestination = { Treasury: 0n, Validators: 1n } as const;

export const GOVERNANCE_ROLE = ethers.id("GOVERNANCE_ROLE");
export const PAUSER_ROLE = ethers.id("PAUSER_ROLE");
export const SLASHER_ROLE = ethers.id("SLASHER_ROLE");
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/** Params as the tuple the `ParamsChanged` event carries. */
export function paramsTuple(p: VsParams): bigint[] {
  return [p.maxValidators, p.minStake, p.epochLength, p.unbondingPeriod, p.jailPeriod];
}

/** Addresses sorted the way the contract sorts them (numerically ascending). */
export function sortAddresses(addrs: string[]): string[] {
  return [...addrs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/** Block number of the latest mined block. */
export async function latestBlock(): Promise<bigint> {
  return BigInt(await ethers.provider.getBlockNumber());
}

/** Mines empty blocks so that the next transaction is mined in block `target`. */
export async function nextTxAt(target: bigint): Promise<void> {
  const current = await latestBlock();
  if (target <= current) throw new Error(`nextTxAt(${target}): block ${current} already mined`);
  if (target - 1n > current) await mineUpTo(target - 1n);
}

/** Mines empty blocks so that block `target` is the latest mined block. */
export async function mineTo(target: bigint): Promise<void> {
  const current = await latestBlock();
  if (target < current) throw new Error(`mineTo(${target}): block ${current} already mined`);
  if (target > current) await mine(target - current);
}

export async function deployValidatorSetFixture() {
  const signers = await ethers.getSigners();
  const [admin, treasury, slasher, pauser, outsider, v1, v2, v3, v4, c1, c2, c3, funder] = signers;
  const genesisSigners = [v1, v2, v3, v4];
  const candidates = [c1, c2, c3];

  const token = (await ethers.deployContract("StakingToken", [
    "Luniverse Stake",
    "LUS",
    SUPPLY,
    admin.address,
  ])) as unknown as StakingToken;
  await token.waitForDeployment();

  const factory = await ethers.getContractFactory("ValidatorSet");
  // Deliberately pass the genesis validators in descending address order: the contract must sort them.
  const genesis = sortAddresses(genesisSigners.map((s) => s.address)).reverse();
  const proxy = await upgrades.deployProxy(
    factory,
    [admin.address, await token.getAddress(), PARAMS, genesis, treasury.address],
    { kind: "uups" },
  );
  await proxy.waitForDeployment();
  const deployReceipt = await proxy.deploymentTransaction()!.wait();
  const deployBlock = BigInt(deployReceipt!.blockNumber);
  const vs = proxy as unknown as ValidatorSet;
  const vsAddress = await vs.getAddress();

  await vs.grantRole(SLASHER_ROLE, slasher.address);
  await vs.grantRole(PAUSER_ROLE, pauser.address);

  for (const s of [...genesisSigners, ...candidates, funder, outsider]) {
    await token.transfer(s.address, FUNDING);
    await token.connect(s).approve(vsAddress, ethers.MaxUint256);
  }
  await token.approve(vsAddress, ethers.MaxUint256);

  return {
    vs,
    vsAddress,
    token,
    factory,
    deployBlock,
    genesis,
    sortedGenesis: sortAddresses(genesis),
    admin,
    treasury,
    slasher,
    pauser,
    outsider,
    v1,
    v2,
    v3,
    v4,
    genesisSigners,
    c1,
    c2,
    c3,
    funder,
  };
}

/** The base fixture with every genesis validator holding `GENESIS_STAKE` bonded. */
export async function stakedGenesisFixture() {
  const f = await deployValidatorSetFixture();
  for (const s of f.genesisSigners) await f.vs.connect(s).stake(GENESIS_STAKE);
  return f;
}

/** A UUPS proxy of ValidatorSet deployed without calling `initialize` (to test initialisation itself). */
export async function uninitialisedProxyFixture() {
  const signers = await ethers.getSigners();
  const [admin, treasury] = signers;
  const genesisSigners = signers.slice(5, 9);
  const token = (await ethers.deployContract("StakingToken", [
    "Luniverse Stake",
    "LUS",
    SUPPLY,
    admin.address,
  ])) as unknown as StakingToken;
  const factory = await ethers.getContractFactory("ValidatorSet");
  const proxy = await upgrades.deployProxy(factory, [], { kind: "uups", initializer: false });
  await proxy.waitForDeployment();
  return {
    vs: proxy as unknown as ValidatorSet,
    token,
    tokenAddress: await token.getAddress(),
    factory,
    admin,
    treasury,
    genesis: genesisSigners.map((s) => s.address),
  };
}
