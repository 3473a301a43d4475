import type { ContractRunner, Provider } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";

export interface ReadTokenParameters {
  /** The ERC-20's address. */
  token: string;
}

export interface ReadTokenReturnType {
  address: string;
  symbol: string;
  decimals: number;
}

/**
 * Reads an ERC-20's symbol and decimals, checking first that there is a contract at the address. Every operation
 * and task that shows or parses amounts of a token starts here.
 */
export async function readToken(provider: Provider, parameters: ReadTokenParameters): Promise<ReadTokenReturnType> {
  if ((await provider.getCode(parameters.token)) === "0x") {
    throw new OperationError("OP_PRECONDITION", `${parameters.token} has no code on this chain`, { hint: "give the address of an ERC-20 contract" });
  }
  const token = connectContract("IERC20Metadata", parameters.token, provider as ContractRunner);
  try {
    const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
    return { address: parameters.token, symbol, decimals: Number(decimals) };
  } catch (e) {
    throw new OperationError("OP_PRECONDITION", `${parameters.token} does not answer decimals()/symbol(): is it an ERC-20?`, { cause: e });
  }
}
