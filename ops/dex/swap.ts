import type { ContractTransactionResponse, Signer } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";
import { ensureAllowance } from "../token/ensureAllowance";
import { checkSlippage, deadlineIn, DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS, DEX_HINTS, NATIVE, requireNativeBalance } from "./common";
import { routerAmounts, type QuoteParameters } from "./quote";

export type SwapParameters = QuoteParameters & {
  /** Largest accepted move against the router's quote, basis points (default 50 = 0.5 %). */
  slippageBps?: bigint;
  /** Seconds after the latest block after which the router refuses the swap (default 1200). */
  deadlineSeconds?: bigint;
  /** Recipient of the output (default: the sender). */
  to?: string;
  /** Use the router's fee-on-transfer variants (exact input only). */
  feeOnTransfer?: boolean;
};

export interface SwapReturnType {
  /** The path's addresses (the wrapped native coin for {@link NATIVE}). */
  path: string[];
  exactIn: boolean;
  /** The router's quote the bound was computed from. */
  amounts: bigint[];
  /** Exact input: the least output accepted; exact output: the most input accepted. */
  bound: bigint;
  /** What `to` received (native output: net of the sender's gas when `to` is the sender). */
  received: bigint;
  /** The token approval, when one was sent. */
  approvalHash?: string;
  transactionHash: string;
}

/**
 * Swaps along a path, exact input or exact output. The bound is the router's own quote (`getAmountsOut` /
 * `getAmountsIn`) less (or plus) `slippageBps`; the sender's balance is read and the router approved for the input
 * first. The router and the pairs check the rest; a revert names their custom error.
 */
export async function swap(trader: Signer, parameters: SwapParameters): Promise<SwapReturnType> {
  const bps = parameters.slippageBps ?? DEFAULT_SLIPPAGE_BPS;
  checkSlippage(bps);
  if (parameters.feeOnTransfer && parameters.amountOut !== undefined) {
    throw new OperationError("OP_INVALID_PARAMETER", "feeOnTransfer works with amountIn only (exact output cannot be guaranteed for such tokens)");
  }
  const q = await routerAmounts(trader, parameters);
  const provider = trader.provider!;
  const sender = await trader.getAddress();
  const to = parameters.to ?? sender;
  const [nativeIn, nativeOut] = [parameters.path[0] === NATIVE, parameters.path[parameters.path.length - 1] === NATIVE];
  const quotedIn = q.amounts[0]!;
  const quotedOut = q.amounts[q.amounts.length - 1]!;
  const bound = q.exactIn ? (quotedOut * (10_000n - bps)) / 10_000n : (quotedIn * (10_000n + bps)) / 10_000n;
  const maxIn = q.exactIn ? quotedIn : bound;
  let approvalHash: string | undefined;
  if (nativeIn) await requireNativeBalance(trader, maxIn);
  else approvalHash = (await ensureAllowance(trader, { token: q.path[0]!, spender: parameters.router, amount: maxIn })).transactionHash;

  const r = connectContract("DexRouter", parameters.router, trader);
  const path = q.path;
  const deadline = await deadlineIn(provider, parameters.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS);
  let send: () => Promise<ContractTransactionResponse>;
  if (q.exactIn && parameters.feeOnTransfer) {
    if (nativeIn) send = () => r.swapExactETHForTokensSupportingFeeOnTransferTokens(bound, path, to, deadline, { value: quotedIn });
    else if (nativeOut) send = () => r.swapExactTokensForETHSupportingFeeOnTransferTokens(quotedIn, bound, path, to, deadline);
    else send = () => r.swapExactTokensForTokensSupportingFeeOnTransferTokens(quotedIn, bound, path, to, deadline);
  } else if (q.exactIn) {
    if (nativeIn) send = () => r.swapExactETHForTokens(bound, path, to, deadline, { value: quotedIn });
    else if (nativeOut) send = () => r.swapExactTokensForETH(quotedIn, bound, path, to, deadline);
    else send = () => r.swapExactTokensForTokens(quotedIn, bound, path, to, deadline);
  } else if (nativeIn) send = () => r.swapETHForExactTokens(quotedOut, path, to, deadline, { value: bound });
  else if (nativeOut) send = () => r.swapTokensForExactETH(quotedOut, bound, path, to, deadline);
  else send = () => r.swapTokensForExactTokens(quotedOut, bound, path, to, deadline);

  const outToken = connectContract("IERC20Metadata", path[path.length - 1]!, provider);
  const outBalance = (): Promise<bigint> => (nativeOut ? provider.getBalance(to) : outToken.balanceOf(to));
  const before = await outBalance(); // after any approval, whose gas is not part of the swap
  const receipt = await sendAndWait("dex:swap", send, DEX_HINTS);
  let received = (await outBalance()) - before;
  if (nativeOut && to.toLowerCase() === sender.toLowerCase()) received += receipt.gasUsed * receipt.gasPrice; // the sender paid gas
  return {
    path,
    exactIn: q.exactIn,
    amounts: q.amounts,
    bound,
    received,
    ...(approvalHash === undefined ? {} : { approvalHash }),
    transactionHash: receipt.hash,
  };
}
