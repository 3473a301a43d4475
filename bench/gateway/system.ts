/**
 * The system the gateway benchmark measures: one validator of our node (bench/node's genesis and start-up), its
 * block tracker, funded sender groups, and pre-signed value transfers for the send measurements.
 */
import path from "node:path";
import { genesisFile, startLuniverse, type System } from "../node/chains";
import { BlockTracker, sendAndWait, sleep } from "../node/measure";
import { RpcClient } from "../node/rpc";
import { benchAccounts, devAccounts, GAS, MAX_FEE, Signer, type Account } from "../node/workload";

export interface BenchNode {
  sys: System;
  url: string;
  tracker: BlockTracker;
  rpc: RpcClient;
  signer: Signer;
  /** Funded senders, in groups the measurements use one each (so that nonces never collide). */
  senders: Account[];
}

export const GAS_LIMIT = 300_000_000;

/** Starts one validator (as bench/node's node1 scenarios) and funds `senders` bench accounts with `amount` each. */
export async function startBenchNode(o: { tmp: string; senders: number; amount: bigint; log: (m: string) => void }): Promise<BenchNode> {
  const g = await genesisFile({ dir: path.join(o.tmp, "genesis"), validators: 1, gasLimit: GAS_LIMIT, log: o.log });
  o.log("starting one validator ...");
  const sys = await startLuniverse({ dir: path.join(o.tmp, "node"), genesis: g.file, chainId: g.chainId, validators: 1, maxTxsPerBlock: 20_000, blockPeriodMs: 1000, heapMiB: 384 });
  const url = sys.urls[0]!;
  const tracker = new BlockTracker(url);
  const rpc = new RpcClient(url);
  await tracker.start();
  const signer = new Signer(sys.chainId);
  const senders = benchAccounts(o.senders);
  o.log(`funding ${o.senders} senders ...`);
  const dev = devAccounts(20);
  const nonces = await Promise.all(sys.funders.map(async (f) => BigInt(await rpc.call<string>("eth_getTransactionCount", [dev[f]!.address, "pending"]))));
  const txs = senders.map((s, i) => {
    const k = i % sys.funders.length;
    const tx = signer.sign(dev[sys.funders[k]!]!.key, { nonce: nonces[k]!, to: s.address, value: o.amount, gasLimit: GAS.value });
    nonces[k]!++;
    return tx;
  });
  await sendAndWait(rpc, tracker, txs, "funding the senders");
  return { sys, url, tracker, rpc, signer, senders };
}

/** Enough for `txs` value transfers of 1 wei at the bench's fee cap, plus 1 ether. */
export function fundingFor(txs: number): bigint {
  return BigInt(txs + 2) * (GAS.value * MAX_FEE + 1n) + 10n ** 18n;
}

/**
 * Pre-signed `eth_sendRawTransaction` bodies, one list per client: client c owns senders s ≡ c (mod clients) of the
 * group and sends them nonce by nonce, so each sender's transactions arrive in nonce order.
 */
export function signSends(signer: Signer, group: Account[], others: Account[], clients: number, perSender: number, firstNonce = 0n): string[][] {
  const plans: string[][] = Array.from({ length: clients }, () => []);
  for (let n = 0; n < perSender; n++) {
    for (let s = 0; s < group.length; s++) {
      const to = others[(s * 7 + n) % others.length]!.address;
      const tx = signer.sign(group[s]!.key, { nonce: firstNonce + BigInt(n), to, value: 1n, gasLimit: GAS.value });
      plans[s % clients]!.push(`{"jsonrpc":"2.0","id":${n},"method":"eth_sendRawTransaction","params":["${tx.raw}"]}`);
    }
  }
  return plans;
}

/** Waits until the node's pool has drained: a block with at most `few` transactions (at most `timeoutMs`). */
export async function waitForQuietBlock(node: BenchNode, few: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let quiet = false;
  const off = node.tracker.on((_n, _t, txs) => {
    if (txs.length <= few) quiet = true;
  });
  try {
    while (!quiet && performance.now() < deadline) await sleep(100);
  } finally {
    off();
  }
}
