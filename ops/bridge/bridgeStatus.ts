import { ZeroHash, type Provider } from "ethers";
import { connectContract } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";

/** Settlement status of an id on the bridge that settles it (`BridgeBase.Status`). */
export const SETTLEMENT_STATUS = ["None", "Queued", "Executed"] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUS)[number];

export interface BridgeStatusClients {
  /** The main chain (the `MainBridge`: deposits announced, redeems settled). */
  main: Provider;
  /** The product chain (the `ProductBridge`: redeems announced, deposits settled); the same provider when both bridges are on one chain. */
  product: Provider;
}

export interface BridgeStatusParameters {
  mainBridge: string;
  productBridge: string;
  /** A deposit id (from `Deposited`) or a redeem id (from `Redeemed`). */
  id: string;
  /** First block to search for the announcing event on each chain (default 0). */
  fromBlock?: number;
  /** Read the settling side's state at this block of its chain (default: latest), so status and counts belong together. */
  blockTag?: number;
}

export interface SignerConfirmation {
  signer: string;
  /** The data hash it confirmed under the current signer set (zero hash: not confirmed). */
  dataHash: string;
  /** Whether it confirmed exactly the announced operation. */
  matches: boolean;
}

export interface BridgeStatusReturnType {
  id: string;
  /** `deposit`: announced on the main bridge, settled (minted) on the product bridge; `redeem` the other way. */
  kind: "deposit" | "redeem";
  pairId: string;
  sender: string;
  recipient: string;
  mainAmount: bigint;
  productAmount: bigint;
  /** Block and transaction of the announcing event. */
  blockNumber: number;
  transactionHash: string;
  /** The data hash an honest signer confirms (the settling bridge's `depositDataHash` / `withdrawalDataHash`). */
  expectedDataHash: string;
  status: SettlementStatus;
  /** Matching confirmations under the current signer set (the settling bridge's `confirmations`). */
  confirmations: bigint;
  threshold: bigint;
  signerSetVersion: bigint;
  /** Every signer of the current set with what it confirmed. */
  signers: SignerConfirmation[];
  /** The signers whose confirmation matches. */
  confirmedBy: string[];
}

/**
 * Where a deposit or redeem stands: the announcing event (`Deposited` on the main bridge or `Redeemed` on the product
 * bridge), the data hash the settling bridge expects, every current signer's confirmation (matching, missing or
 * conflicting), the matching count against the threshold, and the settlement status. An id neither bridge announced
 * is an `OP_PRECONDITION`.
 */
export async function bridgeStatus(clients: BridgeStatusClients, parameters: BridgeStatusParameters): Promise<BridgeStatusReturnType> {
  const { id } = parameters;
  await requireCode(clients.main, parameters.mainBridge, "MainBridge");
  await requireCode(clients.product, parameters.productBridge, "ProductBridge");
  const mainBridge = connectContract("MainBridge", parameters.mainBridge, clients.main);
  const productBridge = connectContract("ProductBridge", parameters.productBridge, clients.product);
  const from = parameters.fromBlock ?? 0;
  const at = { blockTag: parameters.blockTag ?? "latest" };

  const deposits = await mainBridge.queryFilter(mainBridge.filters.Deposited(id), from);
  let announced: Omit<BridgeStatusReturnType, "expectedDataHash" | "status" | "confirmations" | "threshold" | "signerSetVersion" | "signers" | "confirmedBy">;
  let settling: typeof mainBridge | typeof productBridge;
  let expectedDataHash: string;
  if (deposits.length > 0) {
    const e = deposits[0]!;
    announced = { id, kind: "deposit", pairId: e.args.pairId, sender: e.args.sender, recipient: e.args.recipient, mainAmount: e.args.mainAmount, productAmount: e.args.productAmount, blockNumber: e.blockNumber, transactionHash: e.transactionHash };
    settling = productBridge;
    expectedDataHash = await productBridge.depositDataHash(e.args.pairId, e.args.recipient, e.args.mainAmount, at);
  } else {
    const redeems = await productBridge.queryFilter(productBridge.filters.Redeemed(id), from);
    const e = redeems[0];
    if (!e) throw new OperationError("OP_PRECONDITION", `no deposit or redeem with id ${id} on these bridges`, { hint: "check the id bridge:deposit or bridge:redeem printed, and the networks" });
    announced = { id, kind: "redeem", pairId: e.args.pairId, sender: e.args.sender, recipient: e.args.recipient, mainAmount: e.args.mainAmount, productAmount: e.args.productAmount, blockNumber: e.blockNumber, transactionHash: e.transactionHash };
    settling = mainBridge;
    expectedDataHash = await mainBridge.withdrawalDataHash(e.args.pairId, e.args.recipient, e.args.mainAmount, at);
  }
  const [status, confirmations, threshold, signerSetVersion, current] = await Promise.all([
    settling.status(id, at),
    settling.confirmations(id, expectedDataHash, at),
    settling.threshold(at),
    settling.signerSetVersion(at),
    settling.signers(at),
  ]);
  const signers: SignerConfirmation[] = [];
  for (const signer of current) {
    const dataHash = await settling.confirmedData(id, signer, at);
    signers.push({ signer, dataHash, matches: dataHash !== ZeroHash && dataHash === expectedDataHash });
  }
  return {
    ...announced,
    expectedDataHash,
    status: SETTLEMENT_STATUS[Number(status)]!,
    confirmations,
    threshold,
    signerSetVersion,
    signers,
    confirmedBy: signers.filter((s) => s.matches).map((s) => s.signer),
  };
}
