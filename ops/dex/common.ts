/**
 * What the DEX operations share: the native-coin alias, listing status names, revert hints, the router's wrapped
 * native coin, deadlines in chain time, the native-coin balance check and the registry's status errors.
 */
import { formatUnits, type Provider, type Signer } from "ethers";
import type { ContractCallError } from "../../lib/revert";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";

/** Stands for the native coin at either end of a path or as a liquidity token; the router wraps it (`WETH()`). */
export const NATIVE = "native";

/** A token address, or {@link NATIVE}. */
export type DexToken = string;

/** Listing statuses, as `DexListingRegistry.Status`. */
export const LISTING_STATUSES = ["None", "Pending", "Listed", "Rejected", "Delisted"] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

/** Default slippage bound (0.5 %) and deadline (seconds after the latest block). */
export const DEFAULT_SLIPPAGE_BPS = 50n;
export const DEFAULT_DEADLINE_SECONDS = 1200n;

/** Hints printed with a decoded revert of the DEX contracts. */
export const DEX_HINTS: Record<string, string> = {
  DexListingNotAContract: "the token is not a contract on this chain; give the token's address",
  DexListingMissingReport: "a request needs the audit report's hash (non-zero)",
  DexListingTextTooLong: "the report URI or the reason is longer than the registry accepts (the second value, in bytes)",
  DexListingNotIssuer: "the token names its issuer (issuer() or owner()); send the request from that account with --from",
  DexListingInvalidStatus: "check the token's status with dex:quote or getListing; only a pending request can be decided, and a pending or listed token cannot be requested again",
  DexListingConflictOfInterest: "a reviewer may not decide on a token it issued or audited; ask another reviewer",
  AccessControlUnauthorizedAccount:
    "only reviewers appointed by governance decide listings (gov:propose --action call --target DexListingRegistry --signature \"grantRole(bytes32,address)\")",
  DexFactoryTokenNotListed: "list the token first: dex:list-request by its issuer, then dex:list-approve by a reviewer",
  DexPairLiquidityClosed: "a token of the pair is delisted (or the DEX is paused): no new liquidity; removing liquidity and swaps still work",
  DexRouterPairNotFound: "no pool for this hop; create one with dex:add-liquidity",
  DexRouterIdenticalTokens: "--token-a and --token-b are the same token",
  DexRouterInsufficientOutputAmount: "the price moved beyond --slippage-bps; quote again (dex:quote) or allow more slippage",
  DexRouterExcessiveInputAmount: "the price moved beyond --slippage-bps; quote again (dex:quote) or allow more slippage",
  DexRouterInsufficientAAmount: "the pool's ratio moved beyond --slippage-bps; try again or allow more slippage",
  DexRouterInsufficientBAmount: "the pool's ratio moved beyond --slippage-bps; try again or allow more slippage",
  DexRouterExpired: "the transaction was mined after its deadline; raise --deadline",
  DexRouterInsufficientLiquidity: "the pool is empty or cannot pay that much",
  DexPairKInvariant: "the pair received less than priced: for a fee-on-transfer token use --fee-on-transfer",
  EnforcedPause: "the contract is paused by the council or governance",
};

/** The router's wrapped native coin (`WETH()`), which {@link NATIVE} stands for. */
export async function wrappedNativeOf(runner: Provider | Signer, router: string): Promise<string> {
  return connectContract("DexRouter", router, runner).WETH();
}

/** `token`, or the wrapped native coin for {@link NATIVE}. */
export function tokenAddress(token: DexToken, wrappedNative: string): string {
  return token === NATIVE ? wrappedNative : token;
}

/** Throws unless `slippageBps` is a share of 10 000 basis points. */
export function checkSlippage(slippageBps: bigint): void {
  if (slippageBps < 0n || slippageBps > 10_000n) {
    throw new OperationError("OP_INVALID_PARAMETER", `slippageBps must be 0..10000 basis points, got ${slippageBps}`);
  }
}

/**
 * `seconds` after the time the next block will carry, as well as it can be known: the latest of the last block's
 * timestamp, the clock, and the pending block's timestamp where the node reports one (Hardhat, anvil: a chain whose time
 * was moved ahead stamps its next block ahead of both the clock and an old last block). A router deadline in chain time.
 */
export async function deadlineIn(provider: Provider, seconds: bigint): Promise<bigint> {
  let t = BigInt((await provider.getBlock("latest"))!.timestamp);
  const now = BigInt(Math.floor(Date.now() / 1000));
  if (now > t) t = now;
  const send = (provider as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send;
  if (typeof send === "function") {
    // ethers cannot format a pending block (its number is null): the raw answer's timestamp
    const pending = (await send.call(provider, "eth_getBlockByNumber", ["pending", false]).catch(() => null)) as { timestamp?: string } | null;
    if (pending?.timestamp !== undefined) {
      const p = BigInt(pending.timestamp);
      if (p > t) t = p;
    }
  }
  return t + seconds;
}

/** Throws unless the sender holds `amount` of the native coin (gas comes on top). */
export async function requireNativeBalance(sender: Signer, amount: bigint): Promise<void> {
  const account = await sender.getAddress();
  const balance = await sender.provider!.getBalance(account);
  if (balance < amount) {
    throw new OperationError("OP_PRECONDITION", `${account} holds ${formatUnits(balance, 18)} native coin, needs ${formatUnits(amount, 18)} plus gas`);
  }
}

/**
 * `e`, or — when it is the registry's `DexListingInvalidStatus(token, status)` — an {@link OperationError}
 * `OP_PRECONDITION` whose message `describe` writes from the status the registry reported.
 */
export function statusError(e: unknown, describe: (status: string) => string): unknown {
  const revert = e as Partial<ContractCallError>;
  if (revert?.errorName !== "DexListingInvalidStatus") return e;
  const status = LISTING_STATUSES[Number(revert.errorArgs?.[1])] ?? String(revert.errorArgs?.[1]);
  return new OperationError("OP_PRECONDITION", describe(status), { cause: e });
}
