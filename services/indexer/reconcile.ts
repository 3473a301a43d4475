/**
 * Reconciliation: the indexer's balances are checked against the chain, not just trusted. For every token of a chain,
 * at the chain's indexed height B (read with the balances in one store transaction, so both belong to B):
 *   - Σ indexed balances == `totalSupply()` at B (ERC-20; ERC-721 when the contract has it), and == the token row's
 *     incrementally maintained supply;
 *   - each holder's indexed balance == `balanceOf(holder)` at B (`eth_call` with block tag B), the largest
 *     `maxHolders` holders first.
 * The result (ok / mismatch, the block, the first mismatches) is stored per token and served by the API.
 */
import { Interface } from "ethers";
import type { ReconciliationMismatch } from "../../lib/indexerApi";
import type { Logger } from "../../lib/log";
import { rpcBatch } from "./rpc";
import type { IndexerStore } from "./store";

const TOKEN = new Interface(["function totalSupply() view returns (uint256)", "function balanceOf(address) view returns (uint256)"]);

export interface ReconcileOptions {
  /** Holders checked per token (largest balances first). */
  maxHolders: number;
  logger?: Logger;
  /** Clock, unix seconds (tests). */
  now?: () => number;
}

export interface TokenReconciliation {
  token: string;
  status: "ok" | "mismatch" | "pending";
  block: number;
  mismatches: ReconciliationMismatch[];
  error?: string;
}

/** Reconciles every token of chain `chainId` at its indexed height; returns and stores one result per token. */
export async function reconcileChain(store: IndexerStore, chainId: number, rpcUrl: string, options: ReconcileOptions): Promise<TokenReconciliation[]> {
  const snapshot = await store.db.tx(async (q) => {
    const chain = await q.get<{ indexed_height: number }>("SELECT indexed_height FROM idx_chains WHERE chain_id = ?", [chainId]);
    const tokens = await q.all<{ address: string; kind: string; supply: string }>("SELECT address, kind, supply FROM idx_tokens WHERE chain_id = ? ORDER BY address", [chainId]);
    const out: { token: string; kind: string; supply: bigint; sum: bigint; holders: { holder: string; balance: bigint }[] }[] = [];
    for (const t of tokens) {
      const rows = await q.all<{ holder: string; balance: string }>("SELECT holder, balance FROM idx_token_balances WHERE chain_id = ? AND token = ? ORDER BY balance_key DESC", [chainId, t.address]);
      let sum = 0n;
      for (const r of rows) sum += BigInt(r.balance);
      out.push({ token: t.address, kind: t.kind, supply: BigInt(t.supply), sum, holders: rows.slice(0, options.maxHolders).map((r) => ({ holder: r.holder, balance: BigInt(r.balance) })) });
    }
    return { block: chain?.indexed_height ?? -1, tokens: out };
  });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const results: TokenReconciliation[] = [];
  if (snapshot.block < 0) return results;
  const tag = `0x${snapshot.block.toString(16)}`;
  for (const t of snapshot.tokens) {
    const mismatches: ReconciliationMismatch[] = [];
    let error: string | undefined;
    try {
      const reqs = [
        { method: "eth_call", params: [{ to: t.token, data: TOKEN.encodeFunctionData("totalSupply") }, tag] },
        ...t.holders.map((h) => ({ method: "eth_call", params: [{ to: t.token, data: TOKEN.encodeFunctionData("balanceOf", [h.holder]) }, tag] })),
      ];
      const outs = await rpcBatch(rpcUrl, reqs);
      const supplyOut = outs[0]!;
      if (supplyOut.ok && supplyOut.result !== "0x") {
        const onChain = TOKEN.decodeFunctionResult("totalSupply", supplyOut.result as string)[0] as bigint;
        if (onChain !== t.sum) mismatches.push({ kind: "totalSupply", holder: null, indexed: t.sum.toString(), onChain: onChain.toString() });
      } else if (t.kind === "erc20") {
        throw new Error(`totalSupply() at block ${snapshot.block} failed: ${supplyOut.ok ? "empty answer" : supplyOut.message}`);
      }
      if (t.supply !== t.sum) mismatches.push({ kind: "totalSupply", holder: null, indexed: t.supply.toString(), onChain: t.sum.toString() });
      t.holders.forEach((h, i) => {
        const o = outs[i + 1]!;
        if (!o.ok) throw new Error(`balanceOf(${h.holder}) at block ${snapshot.block} failed: ${o.message}`);
        const onChain = TOKEN.decodeFunctionResult("balanceOf", o.result as string)[0] as bigint;
        if (onChain !== h.balance) mismatches.push({ kind: "balance", holder: h.holder, indexed: h.balance.toString(), onChain: onChain.toString() });
      });
    } catch (e) {
      error = (e as Error).message;
    }
    const status = error !== undefined ? "pending" : mismatches.length ? "mismatch" : "ok";
    const details = JSON.stringify({ mismatches: mismatches.slice(0, 20), ...(error ? { error } : {}) });
    await store.db.run(
      "INSERT INTO idx_reconciliations (chain_id, token, status, checked_at, block, mismatches, details) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id, token) DO UPDATE SET status = excluded.status, checked_at = excluded.checked_at, block = excluded.block, mismatches = excluded.mismatches, details = excluded.details",
      [chainId, t.token, status, now(), snapshot.block, mismatches.length, details],
    );
    if (status !== "ok") options.logger?.warn("token reconciliation", { chainId, token: t.token, status, mismatches: mismatches.length, error });
    results.push({ token: t.token, status, block: snapshot.block, mismatches, ...(error ? { error } : {}) });
  }
  return results;
}
