import type { ContractTransactionResponse, Signer } from "ethers";
import { explainRevert } from "../../lib/revert";
import { connectContract } from "../contracts";
import { sendAndWait } from "../receipts";
import { ensureAllowance } from "../token/ensureAllowance";
import { checkSlippage, deadlineIn, DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS, DEX_HINTS, NATIVE, requireNativeBalance, tokenAddress, wrappedNativeOf, type DexToken } from "./common";

export interface AddLiquidityParameters {
  /** The `DexRouter`. */
  router: string;
  /** A token address or {@link NATIVE}. */
  tokenA: DexToken;
  tokenB: DexToken;
  /** Base units the sender offers of each; the router takes the most that fits the pool's ratio. */
  amountADesired: bigint;
  amountBDesired: bigint;
  /** Largest accepted shortfall of either amount, basis points (default 50). */
  slippageBps?: bigint;
  /** Seconds after the latest block after which the router refuses (default 1200). */
  deadlineSeconds?: bigint;
  /** Recipient of the LP tokens (default: the sender). */
  to?: string;
}

export interface AddLiquidityReturnType {
  pair: string;
  /** What the router takes at the pool's current ratio (the desired amounts for a new pool). */
  amountA: bigint;
  amountB: bigint;
  /** LP tokens minted to `to`. */
  liquidity: bigint;
  transactionHash: string;
}

/**
 * Adds liquidity through the router (which creates the pair when needed). The amounts are those the router takes
 * at the pool's current ratio (its own `quote`), and the minimums are those less `slippageBps`; the sender's
 * balances are read and the router approved first. Listing, pause and ratio are the contracts' to check.
 */
export async function addLiquidity(lp: Signer, parameters: AddLiquidityParameters): Promise<AddLiquidityReturnType> {
  const bps = parameters.slippageBps ?? DEFAULT_SLIPPAGE_BPS;
  checkSlippage(bps);
  const chain = lp.provider!;
  const router = connectContract("DexRouter", parameters.router, lp);
  const weth = await wrappedNativeOf(lp, parameters.router);
  const [a, b] = [tokenAddress(parameters.tokenA, weth), tokenAddress(parameters.tokenB, weth)];
  const pairAddress = await explainRevert("dex:add-liquidity", () => router.pairFor(a, b), DEX_HINTS);

  let [amountA, amountB] = [parameters.amountADesired, parameters.amountBDesired];
  const pair = connectContract("DexPair", pairAddress, lp);
  const exists = (await chain.getCode(pairAddress)) !== "0x";
  if (exists) {
    const [[r0, r1], token0] = await Promise.all([pair.getReserves(), pair.token0()]);
    const [ra, rb] = token0.toLowerCase() === a.toLowerCase() ? [r0, r1] : [r1, r0];
    if (ra > 0n && rb > 0n) {
      const bOptimal = await router.quote(amountA, ra, rb);
      if (bOptimal <= amountB) amountB = bOptimal;
      else amountA = await router.quote(amountB, rb, ra);
    }
  }
  const minA = (amountA * (10_000n - bps)) / 10_000n;
  const minB = (amountB * (10_000n - bps)) / 10_000n;
  const to = parameters.to ?? (await lp.getAddress());

  let send: () => Promise<ContractTransactionResponse>;
  const native = parameters.tokenA === NATIVE ? "a" : parameters.tokenB === NATIVE ? "b" : undefined;
  if (native) {
    const [token, amountToken, minToken, amountNative, minNative] = native === "a" ? [b, amountB, minB, amountA, minA] : [a, amountA, minA, amountB, minB];
    await ensureAllowance(lp, { token, spender: parameters.router, amount: amountToken });
    await requireNativeBalance(lp, amountNative);
    const deadline = await deadlineIn(chain, parameters.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
    send = () => router.addLiquidityETH(token, amountToken, minToken, minNative, to, deadline, { value: amountNative });
  } else {
    await ensureAllowance(lp, { token: a, spender: parameters.router, amount: amountA });
    await ensureAllowance(lp, { token: b, spender: parameters.router, amount: amountB });
    const deadline = await deadlineIn(chain, parameters.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
    send = () => router.addLiquidity(a, b, amountA, amountB, minA, minB, to, deadline);
  }
  const lpBefore = exists ? await pair.balanceOf(to) : 0n;
  const receipt = await sendAndWait("dex:add-liquidity", send, DEX_HINTS);
  return { pair: pairAddress, amountA, amountB, liquidity: (await pair.balanceOf(to)) - lpBefore, transactionHash: receipt.hash };
}
