/**
 * What the devnet adds to the token and bridge operations (`ops/token`, `ops/bridge`), shared by the bootstrap (the
 * sample pair) and the demo (white paper fig. 6, 8–9): its generous development limits, and issuing a product token
 * on its product chain, whose deployer governs the product side directly (no timelock there).
 */
import { parseEther, type Provider, type Signer } from "ethers";
import type { BridgeLimits } from "../ops/bridge/registerBridgePair";
import { issueProductToken } from "../ops/token/issueProductToken";
import { permitProductToken } from "../ops/token/permitProductToken";
import { setMainTokenIssuer } from "../ops/token/setMainTokenIssuer";

/** Generous development limits, in main-token units (the product bridge scales them by the ratio: `scaledLimits`). */
export function devLimits(): BridgeLimits {
  const big = parseEther("10000000");
  return { minPerTx: 1n, maxPerTx: big, dailyIn: big * 10n, dailyOut: big * 10n };
}

export interface IssueDevProductTokenOptions {
  /** The product chain. */
  product: Provider;
  /** The account that governs the product chain's factory (records the main token's CP). */
  productAdmin: Signer;
  /** The CP (signs the EIP-712 permission; sends nothing). */
  cp: Signer;
  /** The PD (issues the token on the product chain). */
  pd: Signer;
  /** The `ProductTokenFactory` on the product chain. */
  factory: string;
  mainToken: string;
  ratio: bigint;
  name: string;
  symbol: string;
}

/**
 * A product token at 1:`ratio` on the devnet's product chain: the admin records the main token's CP on the factory
 * (if needed), the CP permits the PD (checked by the factory), the PD issues. Returns the token's address.
 */
export async function issueDevProductToken(o: IssueDevProductTokenOptions): Promise<string> {
  await setMainTokenIssuer(o.productAdmin, { factory: o.factory, mainToken: o.mainToken, issuer: await o.cp.getAddress() });
  const permit = await permitProductToken({ cp: o.cp, product: o.product }, { factory: o.factory, mainToken: o.mainToken, ratio: o.ratio, productDeveloper: await o.pd.getAddress(), expiry: 2n ** 40n });
  const { token } = await issueProductToken(o.pd, { permit, name: o.name, symbol: o.symbol });
  return token;
}
