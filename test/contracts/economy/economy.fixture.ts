import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployEconomy, type DeployEconomyResult } from "../../../deploy/economy";
import { deploySystemFixture, ETHER, impersonate, type SystemFixture } from "../../fixtures/system";
import type {
  BurnableTokenMock,
  BurnTemplate,
  RewardEngine,
  StakeTemplate,
  TemplateFactory,
  TransferTemplate,
  VestingTemplate,
} from "../../../typechain-types";

/** `TemplateKind` as in contracts/economy/TemplateKind.sol. */
export const Kind = { Transfer: 0, Vesting: 1, Stake: 2, Burn: 3 } as const;

/** No limits (zero = none). */
export const NO_LIMITS = { maxPerTransfer: 0n, maxPerDayCount: 0n, maxPerDayAmount: 0n };

export const DAY = 86_400;

export interface EconomyFixture extends DeployEconomyResult {
  sys: SystemFixture;
  /** Burnable test token; `holder` has the supply, each user 1,000,000 tokens. */
  token: BurnableTokenMock;
  /** Account 0 (deployer of the system; holds the token supply). */
  holder: HardhatEthersSigner;
  /** Accounts 11, 12: consortium partner / product developer who deploy templates and engines. */
  cp: HardhatEthersSigner;
  pd: HardhatEthersSigner;
  /** Accounts 13..17: users (each with 1,000,000 tokens). */
  users: HardhatEthersSigner[];
  /** Account 18: a reporter key of a DApp backend. */
  reporter: HardhatEthersSigner;
  /** The governance timelock (impersonated; holds GOVERNANCE_ROLE on both factories). */
  governance: HardhatEthersSigner;
  /** A council member's address holds no role; the council contract holds PAUSER_ROLE (impersonated). */
  councilContract: HardhatEthersSigner;
}

/** The system (deploy/system.ts) plus the economy contracts (deploy/economy.ts) with a test token. */
export async function deployEconomyFixture(): Promise<EconomyFixture> {
  const sys = await deploySystemFixture();
  const timelock = await sys.timelock.getAddress();
  const council = await sys.council.getAddress();
  const economy = await deployEconomy(hre, { manifest: sys.manifest, save: () => undefined, deployer: sys.deployer, timelock, council });
  const signers = await ethers.getSigners();
  const holder = signers[0]!;
  const users = signers.slice(13, 18);
  const token = await (await ethers.getContractFactory("BurnableTokenMock")).deploy(1_000_000_000n * ETHER, holder.address);
  for (const u of [signers[11]!, signers[12]!, ...users]) await (await token.transfer(u.address, 1_000_000n * ETHER)).wait();
  return {
    ...economy,
    sys,
    token,
    holder,
    cp: signers[11]!,
    pd: signers[12]!,
    users,
    reporter: signers[18]!,
    governance: await impersonate(timelock),
    councilContract: await impersonate(council),
  };
}

/** The instance address from a factory transaction's `TemplateDeployed` event. */
export async function deployedInstance(factory: TemplateFactory, tx: Promise<{ wait(): Promise<unknown> }>): Promise<string> {
  const receipt = (await (await tx).wait()) as { logs: { topics: readonly string[]; data: string }[] };
  for (const log of receipt.logs) {
    const parsed = factory.interface.parseLog(log);
    if (parsed?.name === "TemplateDeployed") return parsed.args.instance as string;
  }
  throw new Error("no TemplateDeployed event");
}

export interface TemplateParams {
  limits?: typeof NO_LIMITS;
  from?: HardhatEthersSigner;
}

export async function newTransfer(
  f: EconomyFixture,
  p: TemplateParams & { feeBps?: number; feeRecipient?: string } = {},
): Promise<TransferTemplate> {
  const from = p.from ?? f.cp;
  const addr = await deployedInstance(
    f.templateFactory,
    f.templateFactory
      .connect(from)
      .deployTransfer(await f.token.getAddress(), p.feeBps ?? 0, p.feeRecipient ?? ethers.ZeroAddress, p.limits ?? NO_LIMITS),
  );
  return ethers.getContractAt("TransferTemplate", addr);
}

export interface ScheduleInput {
  beneficiary: string;
  start: bigint | number;
  cliff: bigint | number;
  duration: bigint | number;
  revocable: boolean;
}

export async function newVesting(
  f: EconomyFixture,
  schedule: ScheduleInput,
  amount: bigint,
  p: TemplateParams = {},
): Promise<VestingTemplate> {
  const from = p.from ?? f.cp;
  await (await f.token.connect(from).approve(await f.templateFactory.getAddress(), amount)).wait();
  const addr = await deployedInstance(
    f.templateFactory,
    f.templateFactory.connect(from).deployVesting(await f.token.getAddress(), schedule, amount, p.limits ?? NO_LIMITS),
  );
  return ethers.getContractAt("VestingTemplate", addr);
}

export async function newStake(f: EconomyFixture, lockPeriod: number, p: TemplateParams = {}): Promise<StakeTemplate> {
  const from = p.from ?? f.cp;
  const addr = await deployedInstance(
    f.templateFactory,
    f.templateFactory.connect(from).deployStake(await f.token.getAddress(), lockPeriod, p.limits ?? NO_LIMITS),
  );
  return ethers.getContractAt("StakeTemplate", addr);
}

export async function newBurn(f: EconomyFixture, p: TemplateParams & { token?: string } = {}): Promise<BurnTemplate> {
  const from = p.from ?? f.cp;
  const addr = await deployedInstance(
    f.templateFactory,
    f.templateFactory.connect(from).deployBurn(p.token ?? (await f.token.getAddress()), p.limits ?? NO_LIMITS),
  );
  return ethers.getContractAt("BurnTemplate", addr);
}

/** Creates a reward engine owned by `from` (default: the product developer). */
export async function newEngine(f: EconomyFixture, from: HardhatEthersSigner = f.pd): Promise<RewardEngine> {
  const receipt = await (await f.rewardEngineFactory.connect(from).createEngine(await f.token.getAddress())).wait();
  for (const log of receipt!.logs) {
    const parsed = f.rewardEngineFactory.interface.parseLog(log);
    if (parsed?.name === "RewardEngineCreated") return ethers.getContractAt("RewardEngine", parsed.args.engine as string);
  }
  throw new Error("no RewardEngineCreated event");
}

/**
 * Deploys a bare EIP-1167 clone of `implementation` (not initialised), as the factories do — for tests that
 * call a clone's `initialize` directly.
 */
export async function bareClone(implementation: string, from?: HardhatEthersSigner): Promise<string> {
  const signer = from ?? (await ethers.getSigners())[0]!;
  const initcode =
    "0x3d602d80600a3d3981f3363d3d373d3d3d363d73" + implementation.slice(2).toLowerCase() + "5af43d82803e903d91602b57fd5bf3";
  const tx = await signer.sendTransaction({ data: initcode });
  const receipt = await tx.wait();
  return receipt!.contractAddress!;
}

/** Timestamp of the latest block. */
export async function now(): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

/** Start of the next UTC day (a timestamp where `block.timestamp / 1 days` changes). */
export async function nextDayStart(): Promise<bigint> {
  const t = await now();
  return (t / BigInt(DAY) + 1n) * BigInt(DAY);
}
