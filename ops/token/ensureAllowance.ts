import { formatUnits, type Signer } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";

export interface EnsureAllowanceParameters {
  /** The ERC-20 to spend. */
  token: string;
  /** Who will pull the tokens (a factory, an engine, the router). */
  spender: string;
  /** Base units the spender will pull. */
  amount: bigint;
}

export interface EnsureAllowanceReturnType {
  /** The approval's transaction, when one was needed (the allowance was already enough otherwise). */
  transactionHash?: string;
}

/**
 * Makes sure the sender holds `amount` of `token` (a read of `balanceOf`, so nothing is sent for an operation that
 * cannot succeed) and has approved `spender` for it, approving exactly `amount` when the allowance is short.
 */
export async function ensureAllowance(owner: Signer, parameters: EnsureAllowanceParameters): Promise<EnsureAllowanceReturnType> {
  const token = connectContract("IERC20Metadata", parameters.token, owner);
  const account = await owner.getAddress();
  const balance = await token.balanceOf(account);
  if (balance < parameters.amount) {
    const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
    const f = (v: bigint) => `${formatUnits(v, decimals)} ${symbol}`;
    throw new OperationError("OP_PRECONDITION", `${account} holds ${f(balance)}, needs ${f(parameters.amount)}`, { hint: "send from an account that holds the tokens" });
  }
  if ((await token.allowance(account, parameters.spender)) >= parameters.amount) return {};
  const receipt = await sendAndWait(`approve ${parameters.spender}`, () => token.approve(parameters.spender, parameters.amount));
  return { transactionHash: receipt.hash };
}
