/**
 * The gas policy's own CPU per transaction, measured in isolation (`npm run bench:gas-free -- --parts cost`): the
 * node's GasFreeGuard on a real TxPool, answering from its cache as it does under load — the admission check, the
 * block builder's candidates and filter, and the count of a committed block — over the node1-value workload's shape
 * (2,000 sponsored senders, 1-wei transfers). The policy contract's answers come from an in-memory stand-in of its
 * views (read once per address and then cached, exactly as on a node: what is timed never calls it).
 *
 * The end-to-end comparison (policy on/off, part "overhead") is the figure the issue names; on a shared 2-core
 * machine two 60-s runs of the same configuration differ by up to 15 %, so this part says how much of a transaction's
 * cost the policy can be at most.
 */
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import type { PrefixedHexString } from "@ethereumjs/util";
import { Block, createBlockHeader } from "@ethereumjs/block";
import { createLogger } from "../../lib/log";
import { makeCommon } from "../../node/execution/common";
import type { StoredReceipt } from "../../node/execution/executor";
import { GasFreeGuard } from "../../node/gasfree/guard";
import { UsageLedger } from "../../node/gasfree/ledger";
import { GAS_POLICY_ABI, GasPolicyView } from "../../node/gasfree/policy";
import { TxPool } from "../../node/txpool";
import { benchAccounts } from "../node/workload";

type Hex = PrefixedHexString;

export interface PolicyCost {
  txs: number;
  admissionUs: number;
  selectUs: number;
  countUs: number;
  totalUs: number;
}

const CHAIN_ID = 7199n;
const POLICY = "0x00000000000000000000000000000000000a11ce" as Hex;

/** The policy's views as the node calls them: permissive parameters, every sender in sponsor 1. */
function policyCaller(): { call(to: Hex, data: string): Promise<string> } {
  const params = [3600n, 8_000_000n, 10n ** 15n, 1000n, 0n, 0n, 0n, 86_400n];
  return {
    call: async (_to, data) => {
      const fn = GAS_POLICY_ABI.parseTransaction({ data })!.name;
      if (fn === "params") return GAS_POLICY_ABI.encodeFunctionResult("params", [params]);
      if (fn === "version") return GAS_POLICY_ABI.encodeFunctionResult("version", [1n]);
      if (fn === "accountPolicy") return GAS_POLICY_ABI.encodeFunctionResult("accountPolicy", [[1n, 0n, 10n ** 15n, 0n]]);
      if (fn === "sponsor") return GAS_POLICY_ABI.encodeFunctionResult("sponsor", [["bench", POLICY, 10n ** 18n, true, 0, 2000]]);
      throw new Error(`unexpected call ${fn}`);
    },
  };
}

export async function measurePolicyCost(senders = 2000, perSender = 10): Promise<PolicyCost> {
  const common = makeCommon(CHAIN_ID);
  const accounts = benchAccounts(senders);
  const txs: TypedTransaction[] = [];
  for (let n = 0; n < perSender; n++) {
    for (let i = 0; i < senders; i++) {
      const a = accounts[i]!;
      const to = accounts[(i + 1) % senders]!.address;
      const tx = createFeeMarket1559Tx({ chainId: CHAIN_ID, nonce: BigInt(n), to, value: 1n, gasLimit: 21_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }, { common }).sign(a.key);
      tx.getSenderAddress(); // recovered before admission, as the node's recovery worker does
      txs.push(tx);
    }
  }
  const pool = new TxPool(
    { chainId: CHAIN_ID, maxSize: 1_000_000, maxPerSender: 1000, priceBumpPercent: 10, minGasPrice: 0n, blockGasLimit: 300_000_000n, gasFree: { enabled: true, maxTxPerSenderPerMinute: 1_000_000 } },
    { getAccount: async () => ({ nonce: 0n, balance: 10n ** 24n }) },
  );
  const head = new Block(undefined, [], [], [], { common });
  const guard = new GasFreeGuard({
    policy: new GasPolicyView(policyCaller(), POLICY),
    ledger: new UsageLedger(null as never), // never saved here
    pool: { pendingLists: (m) => pool.pendingLists(m), pooledGas: (a) => pool.pooledGas(a), nextNonce: async () => 0n, submitLocal: async () => undefined },
    chain: { head, height: 0n, getBlockByNumber: async () => null, getReceipts: async () => [] },
    validators: () => [],
    key: null,
    address: null,
    chainId: CHAIN_ID,
    common,
    blockGasLimit: 300_000_000n,
    log: createLogger("bench", { level: "error" }),
  });
  // warm the cache with every address (as admission does the first time it sees one)
  for (const a of accounts) await guard.admission(txs[0]!, a.address.toLowerCase() as Hex);
  const senderOf = (tx: TypedTransaction) => tx.getSenderAddress().toString() as Hex;

  // 1. admission: the hook alone, on every transaction (the pool's own work is the node's either way)
  let t = process.hrtime.bigint();
  for (const tx of txs) {
    const r = guard.admission(tx, senderOf(tx));
    if (r instanceof Promise ? await r : r) throw new Error("a bench transaction was refused");
  }
  const admissionNs = Number(process.hrtime.bigint() - t);
  for (const tx of txs) await pool.add(tx);

  // 2. building: the candidates and the filter over the whole pool, as the executor asks them
  t = process.hrtime.bigint();
  const fields = { number: 1n, timestamp: 1n, coinbase: "0x" + "00".repeat(20), gasLimit: 300_000_000n, baseFeePerGas: 0n, extraData: new Uint8Array(32) };
  const { candidates, filter } = await guard.select(fields, 100_000);
  const built: TypedTransaction[] = [];
  for (const tx of candidates) {
    if (!filter.accept(tx)) continue;
    filter.included(tx, 21_000n, 1);
    built.push(tx);
  }
  const selectNs = Number(process.hrtime.bigint() - t);
  if (built.length !== txs.length) throw new Error(`the builder took ${built.length} of ${txs.length}`);

  // 3. commit: the block's receipts counted (the policy's events looked for, the ledger moved)
  const receipts: StoredReceipt[] = built.map((tx) => ({ from: senderOf(tx), status: 1, cumulativeGasUsed: "0x0", gasUsed: "0x5208", contractAddress: null, logs: [] }));
  const block = new Block(createBlockHeader({ number: 1n, timestamp: 1n, gasLimit: 300_000_000n, baseFeePerGas: 0n }, { common, skipConsensusFormatValidation: true }), built, [], [], { common });
  t = process.hrtime.bigint();
  await guard.onCommitted(block, receipts);
  const countNs = Number(process.hrtime.bigint() - t);

  const us = (ns: number) => ns / 1000 / txs.length;
  return { txs: txs.length, admissionUs: us(admissionNs), selectUs: us(selectNs), countUs: us(countNs), totalUs: us(admissionNs + selectNs + countNs) };
}
