/**
 * The sender-recovery worker (see recovery.ts): decodes each transaction with the chain's Common and returns
 * `getSenderPublicKey()` — the 64-byte public key — or null when it does not decode or its signature is invalid.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createTxFromRLP } from "@ethereumjs/tx";
import { makeCommon } from "./common";

const common = makeCommon(BigInt((workerData as { chainId: string }).chainId));

parentPort!.on("message", (msg: { id: number; raws: Uint8Array[] }) => {
  const keys = msg.raws.map((raw) => {
    try {
      return createTxFromRLP(raw, { common }).getSenderPublicKey();
    } catch {
      return null;
    }
  });
  parentPort!.postMessage({ id: msg.id, keys });
});
