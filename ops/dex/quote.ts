import type { Provider, Signer } from "ethers";
import { explainRevert, type ContractCallError } from "../../lib/revert";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { DEX_HINTS, LISTING_STATUSES, NATIVE, tokenAddress, wrappedNativeOf, type DexToken, type ListingStatus } from "./common";

export type QuoteParameters = {
  /** The `DexRouter`. */
  router: string;
  /** Tokens from input to output; {@link NATIVE} may stand first or last. */
  path: DexToken[];
} & ({ /** Exact input, base units of the first token. */ amountIn: bigint; amountOut?: undefined } | { /** Exact output, base units of the last token. */ amountOut: bigint; amountIn?: undefined });

export interface RouterAmounts {
  /** The path's addresses (the wrapped native coin for {@link NATIVE}). */
  path: string[];
  exactIn: boolean;
  /** The router's `getAmountsOut` / `getAmountsIn`: `amounts[0]` in, the last out. */
  amounts: bigint[];
}

export interface QuoteHop {
  pair: string;
  reserveIn: bigint;
  reserveOut: bigint;
  /** The pair's own swap fee, basis points. */
  feeBps: bigint;
}

export interface QuoteReturnType extends RouterAmounts {
  hops: QuoteHop[];
  /** How far the output falls short of the pools' current prices (the router's `quote`, no fee), fees included. */
  impactBps: bigint;
  /** Each token's listing status; swaps stay open on delisted pairs, but no new liquidity. */
  listings: { token: string; status: ListingStatus }[];
}

/**
 * The router's own amounts along a path (`getAmountsOut` for an exact input, `getAmountsIn` for an exact output).
 * The router checks the path and the pools; two equal neighbours are an {@link OperationError}
 * `OP_INVALID_PARAMETER` naming their positions, as is {@link NATIVE} inside the path or not exactly one amount.
 */
export async function routerAmounts(runner: Provider | Signer, parameters: QuoteParameters): Promise<RouterAmounts> {
  const { amountIn, amountOut } = parameters;
  if ((amountIn === undefined) === (amountOut === undefined)) {
    throw new OperationError("OP_INVALID_PARAMETER", "give exactly one of amountIn (exact input) and amountOut (exact output)");
  }
  parameters.path.forEach((t, i) => {
    if (t === NATIVE && i !== 0 && i !== parameters.path.length - 1) {
      throw new OperationError("OP_INVALID_PARAMETER", `path: "${NATIVE}" may only be the first or the last token`);
    }
  });
  const weth = await wrappedNativeOf(runner, parameters.router);
  const path = parameters.path.map((t) => tokenAddress(t, weth));
  const router = connectContract("DexRouter", parameters.router, runner);
  try {
    const amounts = await explainRevert(
      "quote",
      async () => [...(amountIn !== undefined ? await router.getAmountsOut(amountIn, path) : await router.getAmountsIn(amountOut!, path))],
      DEX_HINTS,
    );
    return { path, exactIn: amountIn !== undefined, amounts };
  } catch (e) {
    const revert = e as Partial<ContractCallError>;
    if (revert?.errorName !== "DexRouterIdenticalTokens") throw e;
    const i = path.findIndex((t, k) => k > 0 && path[k - 1]!.toLowerCase() === t.toLowerCase());
    throw new OperationError("OP_INVALID_PARAMETER", `path: tokens ${i - 1} and ${i} are the same (${path[i]})`, { cause: e });
  }
}

/**
 * Prices a swap without sending anything: the router's amounts, each hop's pair, reserves and fee, the price
 * impact and the listing status of every token.
 */
export async function quote(provider: Provider, parameters: QuoteParameters): Promise<QuoteReturnType> {
  const result = await routerAmounts(provider, parameters);
  const router = connectContract("DexRouter", parameters.router, provider);
  const registry = connectContract("DexListingRegistry", await connectContract("DexFactory", await router.FACTORY(), provider).listingRegistry(), provider);
  const hops: QuoteHop[] = [];
  let atPrice = result.amounts[0]!; // the output at the pools' current prices, without fees or impact
  for (let i = 0; i + 1 < result.path.length; i++) {
    const [tokenIn, tokenOut] = [result.path[i]!, result.path[i + 1]!];
    const pair = connectContract("DexPair", await router.pairFor(tokenIn, tokenOut), provider);
    const [[r0, r1, feeBps], token0] = await Promise.all([pair.getReservesAndFee(), pair.token0()]);
    const [reserveIn, reserveOut] = token0.toLowerCase() === tokenIn.toLowerCase() ? [r0, r1] : [r1, r0];
    hops.push({ pair: await pair.getAddress(), reserveIn, reserveOut, feeBps });
    if (atPrice > 0n) atPrice = await router.quote(atPrice, reserveIn, reserveOut);
  }
  const out = result.amounts[result.amounts.length - 1]!;
  const impactBps = atPrice > out ? ((atPrice - out) * 10_000n) / atPrice : 0n;
  const listings = await Promise.all(
    result.path.map(async (token) => ({ token, status: LISTING_STATUSES[Number((await registry.getListing(token)).status)]! })),
  );
  return { ...result, hops, impactBps, listings };
}
