import hre, { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployDex, type DeployDexResult } from "../../../deploy/dex";
import { deploySystemFixture, ETHER, type SystemFixture } from "../../fixtures/system";
import type { DexCalleeMock, DexFeeOnTransferToken, DexPair, DexReentrantToken, DexTestToken } from "../../../typechain-types";

/**
 * The DEX on top of the system fixture: deployDex as deploy:system will run it, three listed test tokens
 * (A, B, C, issued by `issuer`), a listed 1 % fee-on-transfer token, and helpers. The deployer is the default
 * listing reviewer; governance is the timelock (use passProposal from test/fixtures/system).
 */

export const FEE_BPS = 30n;
export const BPS = 10_000n;
export const MAX = ethers.MaxUint256;
export const REPORT_HASH = ethers.id("audit report v1");

/** amountIn * (10000 - fee) * reserveOut / (reserveIn * 10000 + amountIn * (10000 - fee)), in integers. */
export function amountOutFormula(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps = FEE_BPS): bigint {
  const withFee = amountIn * (BPS - feeBps);
  return (withFee * reserveOut) / (reserveIn * BPS + withFee);
}

/** reserveIn * amountOut * 10000 / ((reserveOut - amountOut) * (10000 - fee)) + 1, in integers. */
export function amountInFormula(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feeBps = FEE_BPS): bigint {
  return (reserveIn * amountOut * BPS) / ((reserveOut - amountOut) * (BPS - feeBps)) + 1n;
}

/** Integer square root (Babylonian), as OpenZeppelin Math.sqrt rounds down. */
export function sqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

export interface DexFixture extends DeployDexResult {
  sys: SystemFixture;
  deployer: HardhatEthersSigner;
  /** Issuer of the test tokens (requests their listings). */
  issuer: HardhatEthersSigner;
  /** Default reviewer (the deployer). */
  reviewer: HardhatEthersSigner;
  /** Trader and liquidity provider holding plenty of every token. */
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  /** Auditor named in the test tokens' listing requests. */
  auditor: HardhatEthersSigner;
  /** Holds tokens A, B, C but approved nothing (permit tests). */
  carol: HardhatEthersSigner;
  /** No role, no tokens. */
  outsider: HardhatEthersSigner;
  tokenA: DexTestToken;
  tokenB: DexTestToken;
  tokenC: DexTestToken;
  fot: DexFeeOnTransferToken;
  routerAddress: string;
  wethAddress: string;
}

/** Deploys a DexTestToken issued by `issuer` with 10^9 tokens, and gives `holders` 10^6 each. */
export async function newToken(issuer: HardhatEthersSigner, name: string, symbol: string, holders: HardhatEthersSigner[] = []): Promise<DexTestToken> {
  const token = (await ethers.deployContract("DexTestToken", [name, symbol, 1_000_000_000n * ETHER], issuer)) as unknown as DexTestToken;
  for (const h of holders) await (await token.connect(issuer).transfer(h.address, 1_000_000n * ETHER)).wait();
  return token;
}

/** Requests (as `issuer`, audited by `auditor`) and approves (as the reviewer) the listing of `token`. */
export async function list(f: DexFixture, token: string, issuer: HardhatEthersSigner, auditor: HardhatEthersSigner = f.auditor): Promise<void> {
  await (await f.listingRegistry.connect(issuer).requestListing(token, REPORT_HASH, auditor.address, "ipfs://report")).wait();
  await (await f.listingRegistry.connect(f.reviewer).approveListing(token)).wait();
}

/** Signs an EIP-2612 permit of `owner` for `spender` on `token` (whose EIP-712 name is `name`). */
export async function signPermit(
  owner: HardhatEthersSigner,
  token: { getAddress(): Promise<string>; nonces(owner: string): Promise<bigint> },
  name: string,
  spender: string,
  value: bigint,
  permitDeadline: bigint,
): Promise<{ value: bigint; deadline: bigint; v: number; r: string; s: string }> {
  const { chainId } = await ethers.provider.getNetwork();
  const signature = await owner.signTypedData(
    { name, version: "1", chainId, verifyingContract: await token.getAddress() },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: owner.address, spender, value, nonce: await token.nonces(owner.address), deadline: permitDeadline },
  );
  const { v, r, s } = ethers.Signature.from(signature);
  return { value, deadline: permitDeadline, v, r, s };
}

export async function dexFixture(): Promise<DexFixture> {
  const sys = await deploySystemFixture();
  const dex = await deployDex(hre, { deployer: sys.deployer, manifest: sys.manifest, timelock: sys.timelock, council: sys.council });
  const signers = await ethers.getSigners();
  const issuer = signers[10]!;
  const alice = signers[11]!;
  const bob = signers[12]!;
  const auditor = signers[13]!;
  const carol = signers[14]!;
  const outsider = signers[15]!;
  const tokenA = await newToken(issuer, "Token A", "TKA", [alice, bob, carol]);
  const tokenB = await newToken(issuer, "Token B", "TKB", [alice, bob, carol]);
  const tokenC = await newToken(issuer, "Token C", "TKC", [alice, bob, carol]);
  const fot = (await ethers.deployContract("DexFeeOnTransferToken", [100, 1_000_000n * ETHER], alice)) as unknown as DexFeeOnTransferToken;
  const routerAddress = await dex.router.getAddress();
  for (const t of [tokenA, tokenB, tokenC]) {
    await (await dex.listingRegistry.connect(issuer).requestListing(await t.getAddress(), REPORT_HASH, auditor.address, "ipfs://report")).wait();
    await (await dex.listingRegistry.connect(sys.deployer).approveListing(await t.getAddress())).wait();
    for (const who of [alice, bob]) await (await t.connect(who).approve(routerAddress, MAX)).wait();
  }
  await (await dex.listingRegistry.connect(alice).requestListing(await fot.getAddress(), REPORT_HASH, auditor.address, "")).wait();
  await (await dex.listingRegistry.connect(sys.deployer).approveListing(await fot.getAddress())).wait();
  await (await fot.connect(alice).approve(routerAddress, MAX)).wait();
  return {
    ...dex,
    sys,
    deployer: sys.deployer,
    issuer,
    reviewer: sys.deployer,
    alice,
    bob,
    auditor,
    carol,
    outsider,
    tokenA,
    tokenB,
    tokenC,
    fot,
    routerAddress,
    wethAddress: await dex.wrappedNative.getAddress(),
  };
}

/** A deadline one hour after the latest block. */
export async function deadline(): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp + 3600);
}

/** The pair of two tokens as a typed contract. */
export async function pairOf(f: DexFixture, a: string, b: string): Promise<DexPair> {
  const address = await f.factory.getPair(a, b);
  return (await ethers.getContractAt("DexPair", address)) as unknown as DexPair;
}

/** Adds liquidity as `who` through the router (creates the pair when missing); returns the pair. */
export async function addLiquidity(
  f: DexFixture,
  who: HardhatEthersSigner,
  a: { getAddress(): Promise<string> },
  b: { getAddress(): Promise<string> },
  amountA: bigint,
  amountB: bigint,
): Promise<DexPair> {
  const [ta, tb] = [await a.getAddress(), await b.getAddress()];
  await (await f.router.connect(who).addLiquidity(ta, tb, amountA, amountB, 0, 0, who.address, await deadline())).wait();
  return pairOf(f, ta, tb);
}

/** Reserves of `pair` ordered as (reserve of `tokenIn`, reserve of the other). */
export async function reservesFor(pair: DexPair, tokenIn: string): Promise<[bigint, bigint]> {
  const [r0, r1] = await pair.getReserves();
  return (await pair.token0()) === tokenIn ? [r0, r1] : [r1, r0];
}

export type { DexCalleeMock, DexReentrantToken };
