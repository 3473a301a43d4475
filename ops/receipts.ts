/**
 * Sending a transaction the way every operation does: the call's revert is decoded into the contract's custom
 * error (lib/revert), the receipt is awaited, and the event the operation expects is read from it.
 */
import type { ContractTransactionResponse, Interface, LogDescription, TransactionReceipt } from "ethers";
import { explainRevert } from "../lib/revert";
import { OperationError } from "./errors";

/**
 * Sends (`send()` returns the transaction) and waits for the receipt. A revert — at estimation or mined — becomes a
 * `ContractCallError` `<what> reverted with Name(args): hint`.
 */
export async function sendAndWait(what: string, send: () => Promise<ContractTransactionResponse>, hints: Record<string, string> = {}): Promise<TransactionReceipt> {
  return explainRevert(
    what,
    async () => {
      const receipt = await (await send()).wait();
      if (!receipt) throw new OperationError("OP_UNEXPECTED_RECEIPT", `${what}: the transaction was dropped (no receipt)`);
      return receipt;
    },
    hints,
  );
}

/** The first log of `receipt` emitted by `emitter` that `iface` parses as `eventName`. */
export function findEvent(receipt: TransactionReceipt, emitter: string, iface: Interface, eventName: string): LogDescription {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== emitter.toLowerCase()) continue;
    let parsed: LogDescription | null = null;
    try {
      parsed = iface.parseLog(log);
    } catch {
      parsed = null;
    }
    if (parsed?.name === eventName) return parsed;
  }
  throw new OperationError("OP_UNEXPECTED_RECEIPT", `transaction ${receipt.hash} emitted no ${eventName} event from ${emitter}`);
}
