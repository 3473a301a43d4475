import { ethers, network, upgrades } from "hardhat";
import type { HardhatNetworkHDAccountsConfig } from "hardhat/types";
import type { HDNodeWallet } from "ethers";
import type { Slashing, StakingToken, ValidatorSet } from "../../../typechain-types";

/** The node's system address (`SystemContract.SYSTEM_ADDRESS`). */
export const SYSTEM_ADDRESS = "0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE";

/** `IValidatorSet.SlashDestination`. */
export const SlashDestination = { Treasury: 0n, Validators: 1n } as const;

export const BPS = 10_000n;
export const GENESIS_COUNT = 7;
export const STAKE = ethers.parseEther("1000");
export const TOKEN_SUPPLY = ethers.parseEther("1000000");

export type SlashingParams = {
  reportSlashBps: bigint;
  doubleSignSlashBps: bigint;
  downtimeSlashBps: bigint;
  spamSlashBps: bigint;
  maxReportAge: bigint;
  maxReportsPerEpoch: bigint;
  misdemeanorThreshold: bigint;
  felonyThreshold: bigint;
  downtimeWindow: bigint;
};

export const VALIDATOR_SET_PARAMS = {
  maxValidators: 10n,
  minStake: ethers.parseEther("100"),
  epochLength: 50n,
  unbondingPeriod: 100n,
  jailPeriod: 100n,
};

export const SLASHING_PARAMS: SlashingParams = {
  reportSlashBps: 1_000n, // 10%
  doubleSignSlashBps: 5_000n, // 50%
  downtimeSlashBps: 500n, // 5%
  spamSlashBps: 100n, // 1%
  maxReportAge: 100n,
  maxReportsPerEpoch: 3n,
  misdemeanorThreshold: 3n,
  felonyThreshold: 6n,
  downtimeWindow: 10n,
};

/** Tuple form of the parameters, in struct order (for `.withArgs` on `ParamsChanged`). */
export function paramsTuple(p: SlashingParams): bigint[] {
  return [
    p.reportSlashBps,
    p.doubleSignSlashBps,
    p.downtimeSlashBps,
    p.spamSlashBps,
    p.maxReportAge,
    p.maxReportsPerEpoch,
    p.misdemeanorThreshold,
    p.felonyThreshold,
    p.downtimeWindow,
  ];
}

/** Wallet (with private key) of the Hardhat network's dev account `index`. */
export function devWallet(index: number): HDNodeWallet {
  const accounts = network.config.accounts as HardhatNetworkHDAccountsConfig;
  const base = accounts.path ?? "m/44'/60'/0'/0";
  return ethers.HDNodeWallet.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "", `${base}/${index}`);
}

export async function deploySlashingFixture() {
  const signers = await ethers.getSigners();
  const [admin] = signers;
  const validators = signers.slice(1, 1 + GENESIS_COUNT); // dev accounts 1..7
  const outsider = signers[8];
  const candidate = signers[9];
  const treasury = signers[10];
  const tokenHolder = signers[11];

  const token = (await ethers.deployContract("StakingToken", [
    "Luniverse Stake",
    "LST",
    TOKEN_SUPPLY,
    tokenHolder.address,
  ])) as unknown as StakingToken;
  await token.waitForDeployment();

  const ValidatorSetFactory = await ethers.getContractFactory("ValidatorSet");
  const validatorSet = (await upgrades.deployProxy(
    ValidatorSetFactory,
    [admin.address, await token.getAddress(), VALIDATOR_SET_PARAMS, validators.map((v) => v.address), treasury.address],
    { kind: "uups" },
  )) as unknown as ValidatorSet;
  await validatorSet.waitForDeployment();
  const validatorSetAddress = await validatorSet.getAddress();

  const SlashingFactory = await ethers.getContractFactory("Slashing");
  const slashing = (await upgrades.deployProxy(SlashingFactory, [admin.address, validatorSetAddress, SLASHING_PARAMS], {
    kind: "uups",
  })) as unknown as Slashing;
  await slashing.waitForDeployment();
  const slashingAddress = await slashing.getAddress();

  await validatorSet.connect(admin).grantRole(await validatorSet.SLASHER_ROLE(), slashingAddress);

  await token.connect(tokenHolder).approve(validatorSetAddress, ethers.MaxUint256);
  for (const v of validators) {
    await validatorSet.connect(tokenHolder).stakeFor(v.address, STAKE);
  }

  return {
    admin,
    validators,
    outsider,
    candidate,
    treasury,
    tokenHolder,
    token,
    validatorSet,
    slashing,
    SlashingFactory,
    ValidatorSetFactory,
    validatorSetAddress,
    slashingAddress,
  };
}
