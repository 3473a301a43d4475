/**
 * The indexer's store: {@link openStore} picks the backend (SQLite embedded by default, PostgreSQL when scaled out)
 * and creates the schema; {@link IndexerStore} writes a batch of final blocks — blocks, transactions, logs, token
 * transfers, balances and holder counts, contract creations, bridge/governance/anchoring events — in one transaction
 * together with the chain's cursor (`idx_chains.indexed_height`), so a crash leaves either the whole batch or none of
 * it, and reads what the HTTP API serves.
 */
import fs from "node:fs";
import path from "node:path";
import type { ChainRole, ChainSummary } from "../../../lib/indexerApi";
import type { DecodedTransfer, DomainEvent } from "../decode";
import { IndexerStoreError, type Db, type Queries } from "./db";
import { schemaSql } from "./schema";

export { IndexerStoreError } from "./db";
export type { Db, Queries, Row, Param } from "./db";

export type StoreSpec = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** Opens the store `spec` names and creates its tables when missing. */
export async function openStore(spec: StoreSpec): Promise<IndexerStore> {
  let db: Db;
  if (spec.kind === "sqlite") {
    if (spec.path !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(spec.path)), { recursive: true });
    const { SqliteDb } = await import("./sqlite");
    db = new SqliteDb(spec.path);
  } else {
    const { PostgresDb } = await import("./postgres");
    db = await PostgresDb.open(spec.url);
  }
  try {
    await db.exec(schemaSql(db.dialect));
  } catch (e) {
    await db.close();
    throw new IndexerStoreError("INDEXER_STORE", "cannot create the indexer's tables", { details: (e as Error).message, cause: e });
  }
  return new IndexerStore(db);
}

// ---------------------------------------------------------------------------------------------------------------
// What the follower hands over

export interface IngestLog {
  index: number;
  address: string;
  topics: string[];
  data: string;
  transfer: DecodedTransfer | null;
  domain: DomainEvent | null;
}

export interface IngestTx {
  hash: string;
  index: number;
  from: string;
  to: string | null;
  contractAddress: string | null;
  value: bigint;
  status: number;
  gasUsed: bigint;
  gas: bigint;
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  effectiveGasPrice: bigint | null;
  type: number;
  nonce: number;
  input: string;
  cumulativeGasUsed: bigint;
  logs: IngestLog[];
}

export interface IngestBlock {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  miner: string;
  round: number | null;
  gasUsed: number;
  gasLimit: number;
  baseFeePerGas: bigint | null;
  extraData: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  size: number | null;
  /** Addresses that signed the block's finality, null when the node does not serve it. */
  finality: string[] | null;
  txs: IngestTx[];
}

export interface TokenMeta {
  address: string;
  kind: "erc20" | "erc721";
  name: string | null;
  symbol: string | null;
  decimals: number | null;
}

/** A chain's row: the API's summary plus the count of indexed transactions. */
export interface ChainInfo extends ChainSummary {
  txCount: number;
}

/** A uint256 as 78 zero-padded digits: text order = numeric order. */
export function balanceKey(v: bigint): string {
  return v.toString().padStart(78, "0");
}

const ZERO = "0x0000000000000000000000000000000000000000";
const HOUR = 3600;

/** Rows of a multi-row INSERT, chunked so that one statement stays under both engines' parameter limits. */
async function insertMany(q: Queries, head: string, cols: number, rows: (string | number | bigint | null)[][], tail = ""): Promise<void> {
  const per = Math.max(1, Math.floor(900 / cols));
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const one = `(${new Array(cols).fill("?").join(", ")})`;
    await q.run(`${head} VALUES ${chunk.map(() => one).join(", ")} ${tail}`, chunk.flat());
  }
}

export class IndexerStore {
  constructor(readonly db: Db) {}

  get dialect(): "sqlite" | "postgres" {
    return this.db.dialect;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** Registers a chain (idempotent) and returns its cursor; `startHeight` applies only to a chain seen the first time. */
  async registerChain(chainId: number, name: string, role: ChainRole, startHeight: number): Promise<ChainInfo> {
    await this.db.run("INSERT INTO idx_chains (chain_id, name, role, indexed_height, head_height) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain_id) DO NOTHING", [chainId, name, role, startHeight - 1, -1]);
    await this.db.run("UPDATE idx_chains SET name = ?, role = ? WHERE chain_id = ?", [name, role, chainId]);
    return (await this.chain(chainId))!;
  }

  async chains(): Promise<ChainInfo[]> {
    const rows = await this.db.all<Record<string, number | string | null>>("SELECT * FROM idx_chains ORDER BY chain_id");
    return rows.map(chainRow);
  }

  async chain(chainId: number): Promise<ChainInfo | undefined> {
    const row = await this.db.get<Record<string, number | string | null>>("SELECT * FROM idx_chains WHERE chain_id = ?", [chainId]);
    return row ? chainRow(row) : undefined;
  }

  async setHead(chainId: number, head: number): Promise<void> {
    await this.db.run("UPDATE idx_chains SET head_height = ? WHERE chain_id = ?", [head, chainId]);
  }

  /** Tokens already known on a chain, among `addresses`. */
  async knownTokens(chainId: number, addresses: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < addresses.length; i += 500) {
      const chunk = addresses.slice(i, i + 500);
      const rows = await this.db.all<{ address: string }>(`SELECT address FROM idx_tokens WHERE chain_id = ? AND address IN (${chunk.map(() => "?").join(",")})`, [chainId, ...chunk]);
      for (const r of rows) out.add(r.address);
    }
    return out;
  }

  /**
   * Writes blocks `blocks` (consecutive, starting at the chain's indexed height + 1) and moves the cursor, in one
   * transaction. A batch that does not start right after the cursor is refused (another writer, or a bug), so a
   * block is never counted twice.
   */
  async ingest(chainId: number, blocks: IngestBlock[], newTokens: TokenMeta[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.db.tx(async (q) => {
      const cur = await q.get<{ indexed_height: number; tx_count: number }>("SELECT indexed_height, tx_count FROM idx_chains WHERE chain_id = ?", [chainId]);
      if (!cur) throw new IndexerStoreError("INDEXER_STORE", `chain ${chainId} is not registered in the store`);
      if (blocks[0]!.number !== cur.indexed_height + 1) {
        throw new IndexerStoreError("INDEXER_STORE", `batch starts at block ${blocks[0]!.number} but chain ${chainId} is indexed up to ${cur.indexed_height}`, { hint: "only one indexer may write a chain into a store" });
      }
      const blockRows: (string | number | bigint | null)[][] = [];
      const txRows: (string | number | bigint | null)[][] = [];
      const addrTxRows: (string | number | bigint | null)[][] = [];
      const logRows: (string | number | bigint | null)[][] = [];
      const transferRows: (string | number | bigint | null)[][] = [];
      const addrTransferRows: (string | number | bigint | null)[][] = [];
      const contractRows: (string | number | bigint | null)[][] = [];
      const addrCounts = new Map<string, number>();
      const deltas = new Map<string, Map<string, bigint>>(); // token → holder → delta
      const tokenCounts = new Map<string, number>();
      const hours = new Map<string, { token: string; hour: number; transfers: number; volume: bigint }>();
      const domain: { ev: DomainEvent; block: number; tx: string; from: string; ts: number }[] = [];
      let txCount = 0;
      for (const b of blocks) {
        blockRows.push([chainId, b.number, b.hash, b.parentHash, b.timestamp, b.miner, b.round, b.txs.length, b.gasUsed, b.gasLimit, b.baseFeePerGas, b.extraData, b.stateRoot, b.transactionsRoot, b.receiptsRoot, b.size, b.finality === null ? null : JSON.stringify(b.finality)]);
        for (const t of b.txs) {
          txCount++;
          const selector = t.input.length >= 10 ? t.input.slice(0, 10) : null;
          txRows.push([chainId, t.hash, b.number, t.index, b.timestamp, t.from, t.to, t.contractAddress, t.value, t.status, t.gasUsed, t.gas, t.gasPrice, t.maxFeePerGas, t.maxPriorityFeePerGas, t.effectiveGasPrice, t.type, t.nonce, t.input, t.cumulativeGasUsed, selector, null]);
          const parties = new Set([t.from, t.to ?? t.contractAddress].filter((a): a is string => a !== null));
          for (const a of parties) {
            addrTxRows.push([chainId, a, b.number, t.index, t.hash]);
            addrCounts.set(a, (addrCounts.get(a) ?? 0) + 1);
          }
          if (t.contractAddress) contractRows.push([chainId, t.contractAddress, t.from, t.hash, b.number]);
          for (const l of t.logs) {
            logRows.push([chainId, b.number, l.index, t.hash, l.address, JSON.stringify(l.topics), l.data]);
            if (l.domain) domain.push({ ev: l.domain, block: b.number, tx: t.hash, from: t.from, ts: b.timestamp });
            const tr = l.transfer;
            if (!tr) continue;
            transferRows.push([chainId, b.number, l.index, l.address, t.hash, b.timestamp, tr.from, tr.to, tr.value, tr.tokenId]);
            for (const a of new Set([tr.from, tr.to])) addrTransferRows.push([chainId, a, b.number, l.index]);
            tokenCounts.set(l.address, (tokenCounts.get(l.address) ?? 0) + 1);
            const hour = b.timestamp - (b.timestamp % HOUR);
            const hk = `${l.address}:${hour}`;
            const h = hours.get(hk) ?? { token: l.address, hour, transfers: 0, volume: 0n };
            h.transfers++;
            h.volume += tr.value;
            hours.set(hk, h);
            let d = deltas.get(l.address);
            if (!d) deltas.set(l.address, (d = new Map()));
            if (tr.from !== ZERO) d.set(tr.from, (d.get(tr.from) ?? 0n) - tr.value);
            if (tr.to !== ZERO) d.set(tr.to, (d.get(tr.to) ?? 0n) + tr.value);
          }
        }
      }
      const last = blocks[blocks.length - 1]!;
      await insertMany(q, "INSERT INTO idx_blocks (chain_id, number, hash, parent_hash, timestamp, miner, round, tx_count, gas_used, gas_limit, base_fee, extra_data, state_root, tx_root, receipts_root, size, finality)", 17, blockRows);
      await insertMany(q, "INSERT INTO idx_txs (chain_id, hash, block_number, idx, timestamp, from_addr, to_addr, contract_address, value, status, gas_used, gas, gas_price, max_fee, max_priority_fee, effective_gas_price, type, nonce, input, cumulative_gas_used, selector, method)", 22, txRows);
      await insertMany(q, "INSERT INTO idx_address_txs (chain_id, address, block_number, idx, hash)", 5, addrTxRows);
      await insertMany(q, "INSERT INTO idx_logs (chain_id, block_number, log_index, tx_hash, address, topics, data)", 7, logRows);
      await insertMany(q, "INSERT INTO idx_token_transfers (chain_id, block_number, log_index, token, tx_hash, timestamp, from_addr, to_addr, value, token_id)", 10, transferRows);
      await insertMany(q, "INSERT INTO idx_address_transfers (chain_id, address, block_number, log_index)", 4, addrTransferRows);
      await insertMany(q, "INSERT INTO idx_contracts (chain_id, address, creator, tx_hash, block_number)", 5, contractRows, "ON CONFLICT (chain_id, address) DO UPDATE SET creator = excluded.creator, tx_hash = excluded.tx_hash, block_number = excluded.block_number");
      await insertMany(
        q,
        "INSERT INTO idx_addresses (chain_id, address, tx_count)",
        3,
        [...addrCounts].map(([a, n]) => [chainId, a, n]),
        "ON CONFLICT (chain_id, address) DO UPDATE SET tx_count = idx_addresses.tx_count + excluded.tx_count",
      );
      for (const t of newTokens) {
        await q.run("INSERT INTO idx_tokens (chain_id, address, kind, name, symbol, decimals, supply, holders, transfers, first_block) VALUES (?, ?, ?, ?, ?, ?, '0', 0, 0, ?) ON CONFLICT (chain_id, address) DO NOTHING", [chainId, t.address, t.kind, t.name, t.symbol, t.decimals, blocks[0]!.number]);
      }
      await this.applyBalances(q, chainId, deltas, tokenCounts);
      for (const h of hours.values()) {
        const row = await q.get<{ transfers: number; volume: string }>("SELECT transfers, volume FROM idx_token_hours WHERE chain_id = ? AND token = ? AND hour = ?", [chainId, h.token, h.hour]);
        if (row) await q.run("UPDATE idx_token_hours SET transfers = ?, volume = ? WHERE chain_id = ? AND token = ? AND hour = ?", [row.transfers + h.transfers, (BigInt(row.volume) + h.volume).toString(), chainId, h.token, h.hour]);
        else await q.run("INSERT INTO idx_token_hours (chain_id, token, hour, transfers, volume) VALUES (?, ?, ?, ?, ?)", [chainId, h.token, h.hour, h.transfers, h.volume.toString()]);
      }
      for (const d of domain) await this.applyDomain(q, chainId, d.ev, d.block, d.tx, d.from, d.ts);
      await q.run("UPDATE idx_chains SET indexed_height = ?, last_block_time = ?, tx_count = tx_count + ?, head_height = CASE WHEN head_height < ? THEN ? ELSE head_height END WHERE chain_id = ?", [last.number, last.timestamp, txCount, last.number, last.number, chainId]);
    });
  }

  /** Balances, holder counts, supplies and transfer counts from the batch's per-holder deltas. */
  private async applyBalances(q: Queries, chainId: number, deltas: Map<string, Map<string, bigint>>, tokenCounts: Map<string, number>): Promise<void> {
    for (const [token, holders] of deltas) {
      const tok = await q.get<{ supply: string; holders: number; transfers: number }>("SELECT supply, holders, transfers FROM idx_tokens WHERE chain_id = ? AND address = ?", [chainId, token]);
      if (!tok) throw new IndexerStoreError("INDEXER_STORE", `token ${token} of chain ${chainId} has transfers but no token row`);
      let supply = BigInt(tok.supply);
      let holderCount = tok.holders;
      const addrs = [...holders.keys()];
      const current = new Map<string, bigint>();
      for (let i = 0; i < addrs.length; i += 500) {
        const chunk = addrs.slice(i, i + 500);
        const rows = await q.all<{ holder: string; balance: string }>(`SELECT holder, balance FROM idx_token_balances WHERE chain_id = ? AND token = ? AND holder IN (${chunk.map(() => "?").join(",")})`, [chainId, token, ...chunk]);
        for (const r of rows) current.set(r.holder, BigInt(r.balance));
      }
      const upserts: (string | number | null)[][] = [];
      const deletes: string[] = [];
      for (const [holder, delta] of holders) {
        if (delta === 0n) continue;
        const before = current.get(holder) ?? 0n;
        const after = before + delta;
        supply += delta;
        if (before === 0n && after !== 0n) holderCount++;
        if (before !== 0n && after === 0n) holderCount--;
        // a negative balance means the token moved value without a Transfer event: kept, reconciliation reports it
        if (after === 0n) deletes.push(holder);
        else upserts.push([chainId, token, holder, after.toString(), after < 0n ? `-${balanceKey(-after)}` : balanceKey(after)]);
      }
      await insertMany(q, "INSERT INTO idx_token_balances (chain_id, token, holder, balance, balance_key)", 5, upserts, "ON CONFLICT (chain_id, token, holder) DO UPDATE SET balance = excluded.balance, balance_key = excluded.balance_key");
      for (let i = 0; i < deletes.length; i += 500) {
        const chunk = deletes.slice(i, i + 500);
        await q.run(`DELETE FROM idx_token_balances WHERE chain_id = ? AND token = ? AND holder IN (${chunk.map(() => "?").join(",")})`, [chainId, token, ...chunk]);
      }
      await q.run("UPDATE idx_tokens SET supply = ?, holders = ?, transfers = ? WHERE chain_id = ? AND address = ?", [supply.toString(), holderCount, tok.transfers + (tokenCounts.get(token) ?? 0), chainId, token]);
    }
  }

  private async applyDomain(q: Queries, chainId: number, ev: DomainEvent, block: number, tx: string, from: string, ts: number): Promise<void> {
    switch (ev.type) {
      case "tokenIssued":
        // made by a factory (CREATE inside a call): the issuing transaction is the creation the explorer shows
        await q.run("INSERT INTO idx_contracts (chain_id, address, creator, tx_hash, block_number) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain_id, address) DO UPDATE SET creator = excluded.creator, tx_hash = excluded.tx_hash, block_number = excluded.block_number", [chainId, ev.token, from, tx, block]);
        return;
      case "bridgeOp":
        await q.run(
          "INSERT INTO idx_bridge_ops (chain_id, id, kind, pair_id, sender, recipient, main_amount, product_amount, block_number, tx_hash, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id, id) DO NOTHING",
          [chainId, ev.id, ev.kind, ev.pairId, ev.sender, ev.recipient, ev.mainAmount, ev.productAmount, block, tx, ts],
        );
        return;
      case "bridgeSettled":
        await q.run("INSERT INTO idx_bridge_settlements (chain_id, id, status, tx_hash, block_number) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chain_id, id, status) DO NOTHING", [chainId, ev.id, ev.status, tx, block]);
        return;
      case "proposal":
        await q.run("INSERT INTO idx_proposals (chain_id, id, proposer, description, block_number, tx_hash, timestamp, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'created') ON CONFLICT (chain_id, id) DO NOTHING", [chainId, ev.id, ev.proposer, ev.description, block, tx, ts]);
        return;
      case "proposalState":
        await q.run("UPDATE idx_proposals SET state = ? WHERE chain_id = ? AND id = ?", [ev.state, chainId, ev.id]);
        return;
      case "vote":
        await q.run(
          "INSERT INTO idx_votes (chain_id, proposal_id, voter, support, weight, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id, proposal_id, voter) DO NOTHING",
          [chainId, ev.proposalId, ev.voter, ev.support, ev.weight, block, tx],
        );
        return;
      case "anchor":
        await q.run("INSERT INTO idx_anchors (chain_id, child_chain_id, from_block, to_block, root, block_number, tx_hash) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chain_id, child_chain_id, from_block) DO NOTHING", [chainId, ev.childChainId, ev.fromBlock, ev.toBlock, ev.root, block, tx]);
        return;
    }
  }
}

function chainRow(r: Record<string, number | string | null>): ChainInfo {
  return {
    chainId: Number(r.chain_id),
    name: String(r.name),
    role: r.role as ChainRole,
    indexedHeight: Number(r.indexed_height),
    headHeight: Number(r.head_height),
    lastBlockTime: r.last_block_time === null ? null : Number(r.last_block_time),
    txCount: Number(r.tx_count),
  };
}
