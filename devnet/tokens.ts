/**
 * Token and pair set-up shared by the bootstrap (the sample pair) and the demo (white paper fig. 6, 8–9): a CP
 * issues a main token on the main chain, a PD issues product tokens with the CP's permission on the product chain,
 * and the pair is registered on both bridges (directly on the product chain, whose deployer governs its bridge;
 * through governance on the main chain).
 */
import { MaxUint256, parseEther, type Signer } from "ethers";
import { signProductPermission } from "../tasks/lib/permission";
import { typechain } from "../lib/typechain";

/** Issues a main token (the CP must hold CP_ROLE); returns its address. */
export async function issueMainToken(cp: Signer, factory: string, name: string, symbol: string, supply: bigint, cap: bigint): Promise<string> {
  const f = typechain().MainTokenFactory__factory.connect(factory, cp);
  const receipt = await (await f.issueMainToken(name, symbol, 18, supply, cap)).wait();
  for (const l of receipt!.logs) {
    const p = l.address.toLowerCase() === factory.toLowerCase() ? f.interface.parseLog(l) : null;
    if (p?.name === "MainTokenIssued") return p.args.token as string;
  }
  throw new Error("issueMainToken: no MainTokenIssued event");
}

export interface IssueProductTokenOptions {
  /** Signer that governs the product factory (records the main token's CP). */
  productAdmin: Signer;
  /** The CP (signs the EIP-712 permission; not sent on the product chain). */
  cp: Signer;
  /** The PD (issues the token on the product chain). */
  pd: Signer;
  factory: string;
  productChainId: bigint;
  mainToken: string;
  ratio: bigint;
  name: string;
  symbol: string;
}

/** Records the main token's CP on the product factory (if needed) and issues a product token at 1:`ratio`. */
export async function issueProductToken(o: IssueProductTokenOptions): Promise<string> {
  const admin = typechain().ProductTokenFactory__factory.connect(o.factory, o.productAdmin);
  const cpAddress = await o.cp.getAddress();
  if ((await admin.mainTokenIssuer(o.mainToken)).toLowerCase() !== cpAddress.toLowerCase()) {
    await (await admin.setMainTokenIssuer(o.mainToken, cpAddress)).wait();
  }
  const permission = { productChainId: o.productChainId, mainToken: o.mainToken, ratio: o.ratio, productDeveloper: await o.pd.getAddress(), expiry: 2n ** 40n };
  const signature = await signProductPermission(o.cp, o.factory, permission);
  const f = admin.connect(o.pd);
  const receipt = await (await f.issueProductToken(permission, signature, { name: o.name, symbol: o.symbol, decimals: 18 })).wait();
  for (const l of receipt!.logs) {
    const p = l.address.toLowerCase() === o.factory.toLowerCase() ? f.interface.parseLog(l) : null;
    if (p?.name === "ProductTokenIssued") return p.args.token as string;
  }
  throw new Error("issueProductToken: no ProductTokenIssued event");
}

/** Generous development limits, in main-token units (the product side multiplies by the ratio). */
export function devLimits(ratio: bigint) {
  const big = parseEther("10000000");
  return {
    main: { minPerTx: 1n, maxPerTx: big, dailyIn: big * 10n, dailyOut: big * 10n },
    product: { minPerTx: ratio, maxPerTx: big * ratio, dailyIn: big * 10n * ratio, dailyOut: big * 10n * ratio },
  };
}

/** Registers the pair on the product bridge (the signer governs it) unless it is already there. */
export async function registerProductSide(admin: Signer, productBridge: string, mainChainId: bigint, mainToken: string, productToken: string, ratio: bigint): Promise<string> {
  const b = typechain().ProductBridge__factory.connect(productBridge, admin);
  const pairId = await b.pairIdOf(mainChainId, mainToken, productToken);
  const pair = await b.getPair(pairId);
  if (pair.productToken === "0x0000000000000000000000000000000000000000") {
    await (await b.registerPair(mainChainId, mainToken, productToken, ratio, devLimits(ratio).product)).wait();
  }
  return pairId;
}

/** The governance call that registers the pair on the main bridge, or null when it is registered already. */
export async function mainSideCall(
  reader: Signer,
  mainBridge: string,
  productChainId: bigint,
  mainToken: string,
  productToken: string,
  ratio: bigint,
): Promise<{ pairId: string; call: { target: string; data: string } | null }> {
  const b = typechain().MainBridge__factory.connect(mainBridge, reader);
  const pairId = await b.pairIdOf(mainToken, productChainId, productToken);
  const pair = await b.getPair(pairId);
  if (pair.mainToken !== "0x0000000000000000000000000000000000000000") return { pairId, call: null };
  return { pairId, call: { target: mainBridge, data: b.interface.encodeFunctionData("registerPair", [mainToken, productChainId, productToken, ratio, devLimits(ratio).main]) } };
}

/** Lets the main bridge take the holder's main tokens. */
export async function approveAll(holder: Signer, token: string, spender: string): Promise<void> {
  const t = new (await import("ethers")).Contract(token, ["function allowance(address,address) view returns (uint256)", "function approve(address,uint256) returns (bool)"], holder);
  if ((await t.getFunction("allowance")(await holder.getAddress(), spender)) < MaxUint256 / 2n) await (await t.getFunction("approve")(spender, MaxUint256)).wait();
}
