import type { Signer } from "ethers";
import { connectContract } from "../contracts";
import { findEvent, sendAndWait } from "../receipts";

export interface IssueMainTokenParameters {
  /** The `MainTokenFactory` on the main chain. */
  factory: string;
  name: string;
  symbol: string;
  /** Decimals (default 18). */
  decimals?: number;
  /** Initial supply in base units, minted to the sender. */
  supply: bigint;
  /** Maximum supply in base units. */
  cap: bigint;
}

export interface IssueMainTokenReturnType {
  /** The new main token (a beacon proxy). */
  token: string;
  transactionHash: string;
}

/**
 * A consortium partner issues a main token through the `MainTokenFactory` (the sender needs `CP_ROLE`, which
 * governance grants). The factory checks the role, the cap and the supply; a revert names its custom error.
 */
export async function issueMainToken(cp: Signer, parameters: IssueMainTokenParameters): Promise<IssueMainTokenReturnType> {
  const factory = connectContract("MainTokenFactory", parameters.factory, cp);
  const receipt = await sendAndWait(
    "issueMainToken",
    () => factory.issueMainToken(parameters.name, parameters.symbol, parameters.decimals ?? 18, parameters.supply, parameters.cap),
    { MainTokenFactoryNotConsortiumPartner: "governance grants the CP role: npx hardhat gov:propose --action grant-cp --address <cp>" },
  );
  const event = findEvent(receipt, parameters.factory, factory.interface, "MainTokenIssued");
  return { token: event.args.token as string, transactionHash: receipt.hash };
}
