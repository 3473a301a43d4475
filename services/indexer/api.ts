/**
 * The reads behind the HTTP API (lib/indexerApi.ts): each method checks its input (a clear 400 naming the parameter)
 * and answers from the store; what the store cannot know is asked from the chain's node at view time (balances,
 * code, internal calls — cached —, revert data, validator stake). Kept apart from the HTTP layer (server.ts) so the
 * benchmark and the tests call the same code.
 */
import { readFileSync } from "node:fs";
import { getAddress, Interface, isAddress } from "ethers";
import type * as Api from "../../lib/indexerApi";
import { LuniverseError } from "../../lib/errors";
import { decodeCustomError, formatCustomError } from "../../lib/revert";
import type { IndexerChainConfig } from "./config";
import type { ContractCatalog } from "./decode";
import { IndexerRpcError, isMethodMissing, rpc, rpcBatch } from "./rpc";
import type { IndexerStore, Row } from "./store";

export type ApiErrorCode = "INDEXER_BAD_REQUEST" | "INDEXER_NOT_FOUND" | "INDEXER_UPSTREAM";

/** An API refusal: 400 for bad input, 404 for something unknown, 502 when the chain's node failed. */
export class IndexerApiError extends LuniverseError<ApiErrorCode> {
  override name = "IndexerApiError";
  get status(): number {
    return this.code === "INDEXER_BAD_REQUEST" ? 400 : this.code === "INDEXER_NOT_FOUND" ? 404 : 502;
  }
}

const bad = (message: string): IndexerApiError => new IndexerApiError("INDEXER_BAD_REQUEST", message);
const notFound = (message: string): IndexerApiError => new IndexerApiError("INDEXER_NOT_FOUND", message);

export type Query = Record<string, string | undefined>;

/** `limit`: 1..100 (default `def`). */
export function parseLimit(q: Query, def = 25): number {
  const v = q.limit;
  if (v === undefined || v === "") return def;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100) throw bad(`limit must be an integer from 1 to 100, got "${v}"`);
  return Number(v);
}

function parseUint(name: string, v: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) > max) throw bad(`${name} must be a non-negative integer${max < Number.MAX_SAFE_INTEGER ? ` ≤ ${max}` : ""}, got "${v}"`);
  return Number(v);
}

/** A `block:index` cursor (as returned in `nextCursor`). */
function parseCursor(name: string, v: string | undefined): [number, number] | undefined {
  if (v === undefined || v === "") return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw bad(`${name} must be a cursor "block:index" as returned in nextCursor, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

export function parseAddressParam(v: string): string {
  if (!isAddress(v)) throw bad(`"${v}" is not an address: expected 0x followed by 40 hex digits (any case; a mixed-case address must have a valid EIP-55 checksum)`);
  return getAddress(v);
}

function parseHash(what: string, v: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw bad(`"${v}" is not a ${what} hash: expected 0x followed by 64 hex digits`);
  return v.toLowerCase();
}

/** The token kind of a transfer row `t` (a correlated lookup: it keeps the planner on the transfers' own index). */
const KIND_OF_T = "(SELECT k.kind FROM idx_tokens k WHERE k.chain_id = t.chain_id AND k.address = t.token) AS kind";

const TX_COLUMNS = "hash, block_number, idx, timestamp, from_addr, to_addr, contract_address, value, status, gas_used, selector";

/** Our contracts on a chain by address, from a deployment manifest or a genesis file. */
export function readManifest(file: string): Map<string, string> {
  const out = new Map<string, string>();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return out;
  }
  const sets = [json.contracts, (json.luniverse as Record<string, unknown> | undefined)?.systemContracts];
  for (const set of sets) {
    if (typeof set !== "object" || set === null) continue;
    for (const [name, v] of Object.entries(set as Record<string, unknown>)) {
      const a = typeof v === "string" ? v : ((v as { address?: unknown } | null)?.address as string | undefined);
      if (typeof a === "string" && isAddress(a)) out.set(getAddress(a), name);
    }
  }
  return out;
}

interface ChainCtx {
  config: IndexerChainConfig;
  manifest: Map<string, string>;
  byName: Map<string, string>;
}

const VALIDATOR_SET_ABI = [
  "function getValidators() view returns (address[])",
  "function getValidator(address) view returns (tuple(uint256 stake, uint256 unbonding, uint256 rewards, uint64 unbondingReleaseBlock, uint64 jailedUntil, bool approved, bool jailed, bool listed))",
  "function validatorsAt(uint256) view returns (address[])",
  "function epochOf(uint256) view returns (uint256)",
  "function epochStartBlock(uint256) view returns (uint256)",
];
/** The ValidatorSet's address in a genesis built with the default deployer (node/README.md). */
const DEFAULT_VALIDATOR_SET = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";
const ERC20 = new Interface(["function balanceOf(address) view returns (uint256)", "function mainToken() view returns (address)", "function symbol() view returns (string)"]);
const ERC1967_IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
const ERC1967_BEACON_SLOT = "0xa3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50";
const BEACON = new Interface(["function implementation() view returns (address)"]);
const BRIDGE = new Interface([
  "function limits(bytes32 pairId) view returns (tuple(uint128 minPerTx, uint128 maxPerTx, uint128 dailyIn, uint128 dailyOut))",
  "function remainingToday(bytes32 pairId) view returns (uint256 inRemaining, uint256 outRemaining)",
]);
const MAIN_BRIDGE = new Interface([
  "function pairIdOf(address mainToken, uint256 productChainId, address productToken) view returns (bytes32)",
  "function locked(bytes32 pairId) view returns (uint256)",
  "function getPair(bytes32 pairId) view returns (tuple(address mainToken, uint64 productChainId, bool enabled, address productToken, uint256 ratio))",
]);

export class IndexerApi {
  private readonly chains = new Map<number, ChainCtx>();
  private readonly validatorSetIface: Interface;

  constructor(
    readonly store: IndexerStore,
    chains: IndexerChainConfig[],
    readonly catalog: ContractCatalog,
  ) {
    for (const c of chains) {
      const manifest = c.manifest ? readManifest(c.manifest) : new Map<string, string>();
      this.chains.set(c.id, { config: c, manifest, byName: new Map([...manifest].map(([a, n]) => [n, a])) });
    }
    const vs = catalog.contract("ValidatorSet");
    this.validatorSetIface = vs ? vs.iface : new Interface(VALIDATOR_SET_ABI);
  }

  /** The chain a path names: its id or its name. */
  chainOf(ref: string): ChainCtx {
    for (const c of this.chains.values()) if (String(c.config.id) === ref || c.config.name === ref) return c;
    throw notFound(`unknown chain "${ref}": use one of ${[...this.chains.values()].map((c) => `${c.config.id} (${c.config.name})`).join(", ")}`);
  }

  async listChains(): Promise<Api.ChainSummary[]> {
    const rows = await this.store.chains();
    const out: Api.ChainSummary[] = [];
    for (const c of this.chains.values()) {
      const r = rows.find((x) => x.chainId === c.config.id);
      out.push({ chainId: c.config.id, name: c.config.name, role: c.config.role, indexedHeight: r?.indexedHeight ?? -1, headHeight: r?.headHeight ?? -1, lastBlockTime: r?.lastBlockTime ?? null });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------------- search

  async search(ref: string, q: Query): Promise<Api.SearchResult> {
    const c = this.chainOf(ref);
    const id = c.config.id;
    const s = (q.q ?? "").trim();
    if (s === "") throw bad("q is required: a block number, block or transaction hash, address, or token symbol/name");
    const db = this.store.db;
    if (/^\d+$/.test(s)) {
      const row = await db.get("SELECT number FROM idx_blocks WHERE chain_id = ? AND number = ?", [id, Number(s)]);
      return row ? { kind: "block", value: s, chain: id } : { kind: "none", value: "", chain: id };
    }
    if (/^0x[0-9a-fA-F]{64}$/.test(s)) {
      const h = s.toLowerCase();
      if (await db.get("SELECT 1 AS x FROM idx_txs WHERE chain_id = ? AND hash = ?", [id, h])) return { kind: "transaction", value: h, chain: id };
      if (await db.get("SELECT 1 AS x FROM idx_blocks WHERE chain_id = ? AND hash = ?", [id, h])) return { kind: "block", value: h, chain: id };
      return { kind: "none", value: "", chain: id };
    }
    if (isAddress(s)) {
      const a = getAddress(s);
      if (await db.get("SELECT 1 AS x FROM idx_tokens WHERE chain_id = ? AND address = ?", [id, a])) return { kind: "token", value: a, chain: id };
      return { kind: "address", value: a, chain: id };
    }
    const tok = await db.get<{ address: string }>("SELECT address FROM idx_tokens WHERE chain_id = ? AND (LOWER(symbol) = LOWER(?) OR LOWER(name) = LOWER(?)) ORDER BY holders DESC LIMIT 1", [id, s, s]);
    if (tok) return { kind: "token", value: tok.address, chain: id };
    return { kind: "none", value: "", chain: id };
  }

  // ------------------------------------------------------------------------------------------------------- blocks

  async blocks(ref: string, q: Query): Promise<Api.Page<Api.BlockSummary>> {
    const c = this.chainOf(ref);
    const limit = parseLimit(q);
    const before = parseUint("before", q.before);
    const rows = await this.store.db.all(
      `SELECT * FROM idx_blocks WHERE chain_id = ?${before !== undefined ? " AND number < ?" : ""} ORDER BY number DESC LIMIT ?`,
      before !== undefined ? [c.config.id, before, limit] : [c.config.id, limit],
    );
    const items = rows.map(blockSummary);
    const lastItem = items[items.length - 1];
    return { items, nextCursor: items.length === limit && lastItem && lastItem.number > 0 ? String(lastItem.number) : null };
  }

  async block(ref: string, numberOrHash: string): Promise<Api.BlockDetail> {
    const c = this.chainOf(ref);
    let row: Row | undefined;
    if (/^\d+$/.test(numberOrHash)) row = await this.store.db.get("SELECT * FROM idx_blocks WHERE chain_id = ? AND number = ?", [c.config.id, Number(numberOrHash)]);
    else if (/^0x[0-9a-fA-F]{64}$/.test(numberOrHash)) row = await this.store.db.get("SELECT * FROM idx_blocks WHERE chain_id = ? AND hash = ?", [c.config.id, numberOrHash.toLowerCase()]);
    else throw bad(`"${numberOrHash}" is neither a block number (decimal) nor a block hash (0x + 64 hex digits)`);
    if (!row) throw notFound(`block ${numberOrHash} is not indexed on chain ${c.config.name} (indexed up to ${(await this.store.chain(c.config.id))?.indexedHeight ?? -1})`);
    const txRows = await this.store.db.all(`SELECT ${TX_COLUMNS} FROM idx_txs WHERE chain_id = ? AND block_number = ? ORDER BY idx LIMIT 100`, [c.config.id, Number(row.number)]);
    const finality = row.finality === null ? null : (JSON.parse(String(row.finality)) as string[]);
    return {
      ...blockSummary(row),
      parentHash: String(row.parent_hash),
      stateRoot: String(row.state_root),
      transactionsRoot: String(row.tx_root),
      receiptsRoot: String(row.receipts_root),
      extraData: String(row.extra_data),
      baseFeePerGas: row.base_fee === null ? null : String(row.base_fee),
      size: row.size === null ? null : Number(row.size),
      finalitySigners: finality === null ? null : finality.length,
      finalitySignerAddresses: finality,
      transactions: txRows.map((r) => this.txSummary(c, r)),
    };
  }

  // ------------------------------------------------------------------------------------------------- transactions

  private txSummary(c: ChainCtx, r: Row): Api.TransactionSummary {
    const to = r.to_addr === null ? null : String(r.to_addr);
    const selector = r.selector === null ? null : String(r.selector);
    const name = to ? c.manifest.get(to) : undefined;
    return {
      hash: String(r.hash),
      blockNumber: Number(r.block_number),
      index: Number(r.idx),
      timestamp: Number(r.timestamp),
      from: String(r.from_addr),
      to,
      contractAddress: r.contract_address === null ? null : String(r.contract_address),
      value: String(r.value),
      status: Number(r.status),
      gasUsed: String(r.gas_used),
      selector,
      method: name && selector ? this.catalog.methodName(name, selector) : null,
    };
  }

  async transactions(ref: string, q: Query): Promise<Api.Page<Api.TransactionSummary>> {
    const c = this.chainOf(ref);
    const limit = parseLimit(q);
    const before = parseCursor("before", q.before ?? q.cursor);
    const rows = await this.store.db.all(
      `SELECT ${TX_COLUMNS} FROM idx_txs WHERE chain_id = ?${before ? " AND (block_number, idx) < (?, ?)" : ""} ORDER BY block_number DESC, idx DESC LIMIT ?`,
      before ? [c.config.id, before[0], before[1], limit] : [c.config.id, limit],
    );
    const items = rows.map((r) => this.txSummary(c, r));
    const last = items[items.length - 1];
    return { items, nextCursor: items.length === limit && last ? `${last.blockNumber}:${last.index}` : null };
  }

  /** The name of one of our contracts at `address`: by manifest, else by runtime bytecode (cached in the store). */
  async contractAt(c: ChainCtx, address: string, code?: string): Promise<Api.ContractInfo | null> {
    const byManifest = c.manifest.get(address);
    if (byManifest) {
      const k = this.catalog.contract(byManifest) ?? this.catalog.contract(byManifest.replace(/Proxy$/, ""));
      return { name: byManifest, source: "manifest", abi: k?.abi ?? [] };
    }
    const row = await this.store.db.get<{ name: string | null; source: string | null }>("SELECT name, source FROM idx_contracts WHERE chain_id = ? AND address = ?", [c.config.id, address]);
    if (row?.source === "bytecode" || row?.source === "none") {
      if (!row.name) return null;
      return { name: row.name, source: "bytecode", abi: this.catalog.contract(row.name)?.abi ?? [] };
    }
    const runtime = code ?? (await rpc<string>(c.config.rpcUrl, "eth_getCode", [address, "latest"]));
    if (runtime === "0x") return null;
    let name = this.catalog.nameByCode(runtime);
    if (name === null || /Proxy$/.test(name)) {
      // a clone or a proxy made by a factory: named after the code it runs
      const impl = await this.implementationOf(c, address, runtime).catch(() => null);
      if (impl) {
        const implCode = await rpc<string>(c.config.rpcUrl, "eth_getCode", [impl, "latest"]);
        name = c.manifest.get(getAddress(impl))?.replace(/Implementation$/, "") ?? this.catalog.nameByCode(implCode) ?? name;
      }
    }
    await this.store.db.run(
      "INSERT INTO idx_contracts (chain_id, address, name, source) VALUES (?, ?, ?, ?) ON CONFLICT (chain_id, address) DO UPDATE SET name = excluded.name, source = excluded.source",
      [c.config.id, address, name, name ? "bytecode" : "none"],
    );
    return name ? { name, source: "bytecode", abi: this.catalog.contract(name)?.abi ?? [] } : null;
  }

  /** The implementation behind an EIP-1167 clone, an ERC-1967 proxy or a beacon proxy; null for anything else. */
  private async implementationOf(c: ChainCtx, address: string, runtime: string): Promise<string | null> {
    const clone = /^0x363d3d373d3d3d363d73([0-9a-f]{40})5af43d82803e903d91602b57fd5bf3$/i.exec(runtime);
    if (clone) return getAddress(`0x${clone[1]}`);
    const word = (v: unknown): string | null => (typeof v === "string" && /^0x0*$/.test(v) === false ? getAddress(`0x${v.slice(-40)}`) : null);
    const [impl, beacon] = await rpcBatch(c.config.rpcUrl, [
      { method: "eth_getStorageAt", params: [address, ERC1967_IMPLEMENTATION_SLOT, "latest"] },
      { method: "eth_getStorageAt", params: [address, ERC1967_BEACON_SLOT, "latest"] },
    ]);
    const direct = impl?.ok ? word(impl.result) : null;
    if (direct) return direct;
    const b = beacon?.ok ? word(beacon.result) : null;
    if (!b) return null;
    const out = await rpc<string>(c.config.rpcUrl, "eth_call", [{ to: b, data: BEACON.encodeFunctionData("implementation") }, "latest"]);
    return getAddress(BEACON.decodeFunctionResult("implementation", out)[0] as string);
  }

  async transaction(ref: string, hashIn: string): Promise<Api.TransactionDetail> {
    const c = this.chainOf(ref);
    const hash = parseHash("transaction", hashIn);
    const r = await this.store.db.get("SELECT * FROM idx_txs WHERE chain_id = ? AND hash = ?", [c.config.id, hash]);
    if (!r) throw notFound(`transaction ${hash} is not indexed on chain ${c.config.name}`);
    const base = this.txSummary(c, r);
    const block = await this.store.db.get<{ hash: string }>("SELECT hash FROM idx_blocks WHERE chain_id = ? AND number = ?", [c.config.id, base.blockNumber]);
    const target = base.to ? await this.contractAt(c, base.to).catch(() => null) : null;
    const logRows = await this.store.db.all<{ log_index: number; address: string; topics: string; data: string }>("SELECT log_index, address, topics, data FROM idx_logs WHERE chain_id = ? AND tx_hash = ? ORDER BY log_index", [c.config.id, hash]);
    const emitters = new Map<string, string | null>();
    for (const l of logRows) if (!emitters.has(l.address)) emitters.set(l.address, (await this.contractAt(c, l.address).catch(() => null))?.name ?? null);
    const logs = logRows.map((l): Api.LogEntry => {
      const topics = JSON.parse(l.topics) as string[];
      return { index: Number(l.log_index), address: l.address, topics, data: l.data, decoded: this.catalog.decodeLog(topics, l.data, emitters.get(l.address) ?? null) };
    });
    const transfers = await this.store.db.all(`SELECT t.*, ${KIND_OF_T} FROM idx_token_transfers t WHERE t.chain_id = ? AND t.tx_hash = ? ORDER BY t.log_index`, [c.config.id, hash]);
    const input = String(r.input);
    return {
      ...base,
      method: target && base.selector ? this.catalog.methodName(target.name, base.selector) : base.method,
      blockHash: block?.hash ?? "",
      nonce: Number(r.nonce),
      gas: String(r.gas),
      gasPrice: r.gas_price === null ? null : String(r.gas_price),
      maxFeePerGas: r.max_fee === null ? null : String(r.max_fee),
      maxPriorityFeePerGas: r.max_priority_fee === null ? null : String(r.max_priority_fee),
      effectiveGasPrice: r.effective_gas_price === null ? null : String(r.effective_gas_price),
      type: Number(r.type),
      input,
      cumulativeGasUsed: String(r.cumulative_gas_used),
      decodedInput: target ? this.catalog.decodeInput(target.name, input) : null,
      logs,
      internalCalls: await this.internalCalls(c, hash),
      revert: base.status === 0 ? await this.revertOf(c, r) : null,
      tokenTransfers: transfers.map(transferRow),
    };
  }

  /** `debug_traceTransaction` with the callTracer, flattened depth-first; cached; null when the node lacks it. */
  async internalCalls(c: ChainCtx, hash: string): Promise<Api.InternalCall[] | null> {
    const cached = await this.store.db.get<{ calls: string }>("SELECT calls FROM idx_internal_calls WHERE chain_id = ? AND tx_hash = ?", [c.config.id, hash]);
    if (cached) return JSON.parse(cached.calls) as Api.InternalCall[];
    let trace: CallFrame;
    try {
      trace = await rpc<CallFrame>(c.config.rpcUrl, "debug_traceTransaction", [hash, { tracer: "callTracer" }]);
    } catch (e) {
      if (e instanceof IndexerRpcError && isMethodMissing(e)) return null;
      return null;
    }
    const out: Api.InternalCall[] = [];
    const walk = (f: CallFrame, depth: number): void => {
      out.push({
        index: out.length,
        depth,
        type: f.type,
        from: getAddress(f.from),
        to: f.to ? getAddress(f.to) : null,
        value: f.value ? BigInt(f.value).toString() : "0",
        gas: f.gas ? BigInt(f.gas).toString() : "0",
        gasUsed: f.gasUsed ? BigInt(f.gasUsed).toString() : "0",
        input: f.input ?? "0x",
        output: f.output ?? null,
        error: f.error ?? null,
      });
      for (const child of f.calls ?? []) walk(child, depth + 1);
    };
    walk(trace, 0);
    await this.store.db.run("INSERT INTO idx_internal_calls (chain_id, tx_hash, calls) VALUES (?, ?, ?) ON CONFLICT (chain_id, tx_hash) DO NOTHING", [c.config.id, hash, JSON.stringify(out)]);
    return out;
  }

  /** The revert of a failed transaction: replayed as a call at its block's parent state, decoded with lib/revert. */
  private async revertOf(c: ChainCtx, r: Row): Promise<Api.RevertInfo> {
    const block = Number(r.block_number);
    const call = { from: r.from_addr, to: r.to_addr, data: r.input, value: `0x${BigInt(String(r.value)).toString(16)}`, gas: `0x${BigInt(String(r.gas)).toString(16)}` };
    const [o] = await rpcBatch(c.config.rpcUrl, [{ method: "eth_call", params: [call, `0x${Math.max(0, block - 1).toString(16)}`] }]);
    if (o!.ok) return { data: null, decoded: null, message: "the transaction reverted, but replaying it at its block's parent state succeeds (it depended on an earlier transaction of its block)" };
    const err = o as { ok: false; code: number; message: string; data?: unknown };
    const data = typeof err.data === "string" ? err.data : extractHex(err.message);
    const desc = data ? decodeCustomError({ data }) : undefined;
    const decoded = desc ? formatCustomError(desc) : null;
    return { data: data ?? null, decoded, message: decoded ? `reverted with ${decoded}` : `reverted: ${err.message}` };
  }

  // ---------------------------------------------------------------------------------------------------- addresses

  async address(ref: string, addrIn: string): Promise<Api.AddressDetail> {
    const c = this.chainOf(ref);
    const address = parseAddressParam(addrIn);
    const outs = await rpcBatch(c.config.rpcUrl, [
      { method: "eth_getBalance", params: [address, "latest"] },
      { method: "eth_getTransactionCount", params: [address, "latest"] },
      { method: "eth_getCode", params: [address, "latest"] },
    ]).catch((e: Error) => {
      throw new IndexerApiError("INDEXER_UPSTREAM", `the node of chain ${c.config.name} did not answer: ${e.message}`);
    });
    const val = (i: number): string => {
      const o = outs[i]!;
      if (!o.ok) throw new IndexerApiError("INDEXER_UPSTREAM", `the node of chain ${c.config.name} refused: ${o.message}`);
      return o.result as string;
    };
    const code = val(2);
    const creator = await this.store.db.get<{ creator: string | null; tx_hash: string | null; block_number: number | null }>("SELECT creator, tx_hash, block_number FROM idx_contracts WHERE chain_id = ? AND address = ?", [c.config.id, address]);
    const balances = await this.store.db.all<{ token: string; symbol: string | null; decimals: number | null; balance: string }>(
      "SELECT b.token, k.symbol, k.decimals, b.balance FROM idx_token_balances b JOIN idx_tokens k ON k.chain_id = b.chain_id AND k.address = b.token WHERE b.chain_id = ? AND b.holder = ? ORDER BY k.symbol LIMIT 500",
      [c.config.id, address],
    );
    const counts = await this.store.db.get<{ tx_count: number }>("SELECT tx_count FROM idx_addresses WHERE chain_id = ? AND address = ?", [c.config.id, address]);
    return {
      address,
      balance: BigInt(val(0)).toString(),
      nonce: Number(BigInt(val(1))),
      isContract: code !== "0x",
      contract: code !== "0x" ? await this.contractAt(c, address, code) : null,
      creator: creator?.tx_hash ? { address: creator.creator!, transactionHash: creator.tx_hash, blockNumber: Number(creator.block_number) } : null,
      tokenBalances: balances.map((b) => ({ token: b.token, symbol: b.symbol, decimals: b.decimals === null ? null : Number(b.decimals), balance: b.balance })),
      txCount: counts ? Number(counts.tx_count) : 0,
    };
  }

  async addressTransactions(ref: string, addrIn: string, q: Query): Promise<Api.Page<Api.TransactionSummary>> {
    const c = this.chainOf(ref);
    const address = parseAddressParam(addrIn);
    const limit = parseLimit(q);
    const cur = parseCursor("cursor", q.cursor);
    const rows = await this.store.db.all(
      `SELECT t.hash, t.block_number, t.idx, t.timestamp, t.from_addr, t.to_addr, t.contract_address, t.value, t.status, t.gas_used, t.selector FROM idx_address_txs a JOIN idx_txs t ON t.chain_id = a.chain_id AND t.hash = a.hash
       WHERE a.chain_id = ? AND a.address = ?${cur ? " AND (a.block_number, a.idx) < (?, ?)" : ""} ORDER BY a.block_number DESC, a.idx DESC LIMIT ?`,
      cur ? [c.config.id, address, cur[0], cur[1], limit] : [c.config.id, address, limit],
    );
    const items = rows.map((r) => this.txSummary(c, r));
    const last = items[items.length - 1];
    return { items, nextCursor: items.length === limit && last ? `${last.blockNumber}:${last.index}` : null };
  }

  async addressTransfers(ref: string, addrIn: string, q: Query): Promise<Api.Page<Api.TokenTransfer>> {
    const c = this.chainOf(ref);
    const address = parseAddressParam(addrIn);
    const limit = parseLimit(q);
    const cur = parseCursor("cursor", q.cursor);
    // the page of the address's own index first, then its transfers by key: without table statistics a plain join
    // may be planned from the token side and scan every transfer (1 s at 1,000,000 rows instead of 1 ms)
    const rows = await this.store.db.all(
      `SELECT t.*, ${KIND_OF_T} FROM (SELECT block_number, log_index FROM idx_address_transfers WHERE chain_id = ? AND address = ?${cur ? " AND (block_number, log_index) < (?, ?)" : ""}
       ORDER BY block_number DESC, log_index DESC LIMIT ?) a JOIN idx_token_transfers t ON t.chain_id = ? AND t.block_number = a.block_number AND t.log_index = a.log_index ORDER BY a.block_number DESC, a.log_index DESC`,
      cur ? [c.config.id, address, cur[0], cur[1], limit, c.config.id] : [c.config.id, address, limit, c.config.id],
    );
    return transferPage(rows, limit);
  }

  // ------------------------------------------------------------------------------------------------------- tokens

  private async reconciliationOf(chainId: number, token: string): Promise<Api.Reconciliation> {
    const r = await this.store.db.get<{ status: string; checked_at: number | null; block: number | null; mismatches: number; details: string }>("SELECT status, checked_at, block, mismatches, details FROM idx_reconciliations WHERE chain_id = ? AND token = ?", [chainId, token]);
    return reconciliationRow(r);
  }

  async tokens(ref: string): Promise<Api.TokenSummary[]> {
    const c = this.chainOf(ref);
    const rows = await this.store.db.all(
      "SELECT k.*, r.status AS r_status, r.checked_at AS r_checked_at, r.block AS r_block, r.mismatches AS r_mismatches, r.details AS r_details FROM idx_tokens k LEFT JOIN idx_reconciliations r ON r.chain_id = k.chain_id AND r.token = k.address WHERE k.chain_id = ? ORDER BY k.holders DESC, k.address LIMIT 1000",
      [c.config.id],
    );
    return rows.map((r) => ({
      ...tokenSummary(r),
      reconciliation: reconciliationRow(r.r_status === null || r.r_status === undefined ? undefined : { status: String(r.r_status), checked_at: r.r_checked_at as number | null, block: r.r_block as number | null, mismatches: Number(r.r_mismatches), details: String(r.r_details) }),
    }));
  }

  private async tokenRow(c: ChainCtx, addrIn: string): Promise<Row> {
    const address = parseAddressParam(addrIn);
    const r = await this.store.db.get("SELECT * FROM idx_tokens WHERE chain_id = ? AND address = ?", [c.config.id, address]);
    if (!r) throw notFound(`${address} is not a token indexed on chain ${c.config.name} (no ERC-20/721 Transfer seen from it)`);
    return r;
  }

  async token(ref: string, addrIn: string): Promise<Api.TokenDetail> {
    const c = this.chainOf(ref);
    const r = await this.tokenRow(c, addrIn);
    const address = String(r.address);
    const contract = await this.contractAt(c, address).catch(() => null);
    const creator = await this.store.db.get<{ creator: string | null; tx_hash: string | null; block_number: number | null }>("SELECT creator, tx_hash, block_number FROM idx_contracts WHERE chain_id = ? AND address = ?", [c.config.id, address]);
    return {
      ...tokenSummary(r),
      reconciliation: await this.reconciliationOf(c.config.id, address),
      contractName: contract?.name ?? null,
      creator: creator?.tx_hash ? { address: creator.creator!, transactionHash: creator.tx_hash, blockNumber: Number(creator.block_number) } : null,
      backing: c.config.role === "product" ? await this.backing(c, address).catch(() => null) : null,
    };
  }

  /** A product token's main token, locked in the main chain's MainBridge for the pair, and the pair's ratio. */
  private async backing(c: ChainCtx, token: string): Promise<Api.ProductTokenBacking | null> {
    const mainTokenRaw = await rpc<string>(c.config.rpcUrl, "eth_call", [{ to: token, data: ERC20.encodeFunctionData("mainToken") }, "latest"]).catch(() => null);
    if (!mainTokenRaw || mainTokenRaw === "0x") return null;
    const mainToken = getAddress(ERC20.decodeFunctionResult("mainToken", mainTokenRaw)[0] as string);
    const main = [...this.chains.values()].find((x) => x.config.role === "main");
    const bridge = main?.byName.get("MainBridge");
    if (!main || !bridge) return { mainChainId: main?.config.id ?? null, mainToken, mainSymbol: null, locked: "0", ratio: "0", bridgePairId: null };
    const call = (data: string) => ({ method: "eth_call", params: [{ to: bridge, data }, "latest"] });
    const [pairOut] = await rpcBatch(main.config.rpcUrl, [call(MAIN_BRIDGE.encodeFunctionData("pairIdOf", [mainToken, c.config.id, token]))]);
    if (!pairOut!.ok) return null;
    const pairId = MAIN_BRIDGE.decodeFunctionResult("pairIdOf", pairOut!.result as string)[0] as string;
    const outs = await rpcBatch(main.config.rpcUrl, [
      call(MAIN_BRIDGE.encodeFunctionData("locked", [pairId])),
      call(MAIN_BRIDGE.encodeFunctionData("getPair", [pairId])),
      { method: "eth_call", params: [{ to: mainToken, data: ERC20.encodeFunctionData("symbol") }, "latest"] },
    ]);
    const locked = outs[0]!.ok ? (MAIN_BRIDGE.decodeFunctionResult("locked", outs[0]!.result as string)[0] as bigint) : 0n;
    const pair = outs[1]!.ok ? (MAIN_BRIDGE.decodeFunctionResult("getPair", outs[1]!.result as string)[0] as { ratio: bigint }) : null;
    const symbol = outs[2]!.ok ? (ERC20.decodeFunctionResult("symbol", outs[2]!.result as string)[0] as string) : null;
    return { mainChainId: main.config.id, mainToken, mainSymbol: symbol, locked: locked.toString(), ratio: (pair?.ratio ?? 0n).toString(), bridgePairId: pairId };
  }

  async holders(ref: string, addrIn: string, q: Query): Promise<Api.Page<Api.TokenHolder>> {
    const c = this.chainOf(ref);
    const t = await this.tokenRow(c, addrIn);
    const limit = parseLimit(q);
    const offset = parseUint("offset", q.offset, 1_000_000) ?? 0;
    const rows = await this.store.db.all<{ holder: string; balance: string }>("SELECT holder, balance FROM idx_token_balances WHERE chain_id = ? AND token = ? ORDER BY balance_key DESC, holder LIMIT ? OFFSET ?", [c.config.id, String(t.address), limit, offset]);
    const supply = BigInt(String(t.supply));
    const items = rows.map((r) => ({ address: r.holder, balance: r.balance, share: supply > 0n ? Number((BigInt(r.balance) * 10_000_000n) / supply) / 100_000 : 0 }));
    return { items, nextCursor: items.length === limit ? String(offset + limit) : null };
  }

  async tokenTransfers(ref: string, addrIn: string, q: Query): Promise<Api.Page<Api.TokenTransfer>> {
    const c = this.chainOf(ref);
    const t = await this.tokenRow(c, addrIn);
    const limit = parseLimit(q);
    const cur = parseCursor("cursor", q.cursor);
    const rows = await this.store.db.all(
      `SELECT t.*, CAST(? AS TEXT) AS kind FROM idx_token_transfers t WHERE t.chain_id = ? AND t.token = ?${cur ? " AND (t.block_number, t.log_index) < (?, ?)" : ""} ORDER BY t.block_number DESC, t.log_index DESC LIMIT ?`,
      cur ? [String(t.kind), c.config.id, String(t.address), cur[0], cur[1], limit] : [String(t.kind), c.config.id, String(t.address), limit],
    );
    return transferPage(rows, limit);
  }

  async tokenSeries(ref: string, addrIn: string, q: Query): Promise<Api.TokenSeriesPoint[]> {
    const c = this.chainOf(ref);
    const t = await this.tokenRow(c, addrIn);
    const bucket = q.bucket ?? "hour";
    if (bucket !== "hour" && bucket !== "day") throw bad(`bucket must be "hour" or "day", got "${bucket}"`);
    const size = bucket === "hour" ? 3600 : 86400;
    const rows = await this.store.db.all<{ hour: number; transfers: number; volume: string }>("SELECT hour, transfers, volume FROM idx_token_hours WHERE chain_id = ? AND token = ? ORDER BY hour DESC LIMIT ?", [c.config.id, String(t.address), bucket === "hour" ? 720 : 90 * 24]);
    const points = new Map<number, { transfers: number; volume: bigint }>();
    for (const r of rows) {
      const k = Number(r.hour) - (Number(r.hour) % size);
      const p = points.get(k) ?? { transfers: 0, volume: 0n };
      p.transfers += Number(r.transfers);
      p.volume += BigInt(r.volume);
      points.set(k, p);
    }
    return [...points].sort((a, b) => a[0] - b[0]).map(([k, p]) => ({ t: k, transfers: p.transfers, volume: p.volume.toString() }));
  }

  // -------------------------------------------------------------------------------------------------------- stats

  async stats(ref: string, q: Query): Promise<Api.StatsResult> {
    const c = this.chainOf(ref);
    const window = parseUint("window", q.window, 90 * 86400) ?? 3600;
    const bucket = parseUint("bucket", q.bucket, 86400) ?? 60;
    if (window < 1 || bucket < 1) throw bad("window and bucket must be at least 1 (seconds)");
    if (window / bucket > 1000) throw bad(`window/bucket gives ${Math.ceil(window / bucket)} buckets; at most 1000 — use a larger bucket`);
    const info = await this.store.chain(c.config.id);
    const end = info?.lastBlockTime ?? Math.floor(Date.now() / 1000);
    const start = end - window + 1;
    const rows = await this.store.db.all<{ t: number; blocks: number; txs: number; gas: number; tmin: number; tmax: number }>(
      "SELECT CAST((timestamp - ?) / ? AS INTEGER) AS t, COUNT(*) AS blocks, SUM(tx_count) AS txs, SUM(gas_used) AS gas, MIN(timestamp) AS tmin, MAX(timestamp) AS tmax FROM idx_blocks WHERE chain_id = ? AND timestamp >= ? AND timestamp <= ? GROUP BY 1 ORDER BY 1",
      [start, bucket, c.config.id, start, end],
    );
    const byT = new Map(rows.map((r) => [Number(r.t), r]));
    const series: Api.StatsPoint[] = [];
    for (let i = 0; i < Math.ceil(window / bucket); i++) {
      const r = byT.get(i);
      const blocks = r ? Number(r.blocks) : 0;
      const txs = r ? Number(r.txs) : 0;
      series.push({
        t: start + i * bucket,
        blocks,
        txs,
        tps: txs / bucket,
        avgBlockInterval: r && blocks > 1 ? (Number(r.tmax) - Number(r.tmin)) / (blocks - 1) : null,
        gasUsed: r ? String(BigInt(Math.round(Number(r.gas)))) : "0",
      });
    }
    return { window, bucket, series };
  }

  // --------------------------------------------------------------------------------------------------- validators

  async validators(ref: string): Promise<Api.ValidatorsResult> {
    const c = this.chainOf(ref);
    if (c.config.role === "ethereum") return { supported: false, validatorSet: null, epochLength: null, validators: [] };
    const vs = c.byName.get("ValidatorSet") ?? DEFAULT_VALIDATOR_SET;
    const iface = this.validatorSetIface;
    const url = c.config.rpcUrl;
    const call = async <T>(fn: string, args: unknown[]): Promise<T> => {
      const out = await rpc<string>(url, "eth_call", [{ to: vs, data: iface.encodeFunctionData(fn, args) }, "latest"]);
      return iface.decodeFunctionResult(fn, out)[0] as T;
    };
    let current: string[];
    try {
      current = (await call<string[]>("getValidators", [])).map((a) => getAddress(a));
    } catch {
      return { supported: false, validatorSet: null, epochLength: null, validators: [] };
    }
    const info = await this.store.chain(c.config.id);
    const head = Math.max(0, info?.indexedHeight ?? 0);
    const epoch = Number(await call<bigint>("epochOf", [head]));
    const epochs: { epoch: number; from: number; to: number }[] = [];
    const firstEpoch = Math.max(0, epoch - 9);
    const starts = await rpcBatch(url, Array.from({ length: epoch - firstEpoch + 2 }, (_, i) => ({ method: "eth_call", params: [{ to: vs, data: iface.encodeFunctionData("epochStartBlock", [firstEpoch + i]) }, "latest"] })));
    const startOf = starts.map((o) => (o.ok ? Number(iface.decodeFunctionResult("epochStartBlock", o.result as string)[0]) : null));
    for (let i = 0; i + firstEpoch <= epoch; i++) {
      const from = startOf[i];
      const next = startOf[i + 1];
      if (from === null || from === undefined) continue;
      epochs.push({ epoch: firstEpoch + i, from, to: next !== null && next !== undefined ? Math.min(head, next - 1) : head });
    }
    const epochLength = epochs.length >= 2 ? epochs[1]!.from - epochs[0]!.from : null;
    const proposed = await this.store.db.all<{ miner: string; n: number; last: number }>("SELECT miner, COUNT(*) AS n, MAX(number) AS last FROM idx_blocks WHERE chain_id = ? AND number > 0 GROUP BY miner", [c.config.id]);
    // misses: each block made in round r > 0 skipped the proposers of rounds 0..r-1 (validators[(h + i) % n])
    const late = await this.store.db.all<{ number: number; round: number }>("SELECT number, round FROM idx_blocks WHERE chain_id = ? AND round > 0 ORDER BY number DESC LIMIT 2000", [c.config.id]);
    const sets = late.length ? await rpcBatch(url, late.map((b) => ({ method: "eth_call", params: [{ to: vs, data: iface.encodeFunctionData("validatorsAt", [b.number]) }, "latest"] }))) : [];
    const missed = missedProposals(
      late.map((b) => ({ number: Number(b.number), round: Number(b.round) })),
      late.map((_, i) => (sets[i]!.ok ? (iface.decodeFunctionResult("validatorsAt", (sets[i] as { result: string }).result)[0] as string[]).map((a) => getAddress(a)) : null)),
    );
    const perEpoch = await Promise.all(
      epochs.map(async (e) => ({ e, rows: await this.store.db.all<{ miner: string; n: number }>("SELECT miner, COUNT(*) AS n FROM idx_blocks WHERE chain_id = ? AND number > 0 AND number >= ? AND number <= ? GROUP BY miner", [c.config.id, e.from, e.to]) })),
    );
    const signed = await this.store.db.all<{ number: number; finality: string }>("SELECT number, finality FROM idx_blocks WHERE chain_id = ? AND finality IS NOT NULL ORDER BY number DESC LIMIT 200", [c.config.id]);
    const everyone = new Set<string>([...current, ...proposed.map((p) => p.miner)]);
    const details = await rpcBatch(url, [...everyone].map((v) => ({ method: "eth_call", params: [{ to: vs, data: iface.encodeFunctionData("getValidator", [v]) }, "latest"] })));
    const validators = [...everyone].map((v, i): Api.ValidatorInfo => {
      const d = details[i]!;
      const rec = d.ok ? (iface.decodeFunctionResult("getValidator", d.result as string)[0] as { stake: bigint; jailed: boolean }) : null;
      const p = proposed.find((x) => x.miner === v);
      const lastSigned = signed.find((s) => (JSON.parse(s.finality) as string[]).includes(v));
      return {
        address: v,
        stake: (rec?.stake ?? 0n).toString(),
        jailed: rec?.jailed ?? false,
        active: current.includes(v),
        proposed: p ? Number(p.n) : 0,
        missed: missed.filter((m) => m.validator === v).length,
        epochs: perEpoch.map(({ e, rows }) => ({
          epoch: e.epoch,
          fromBlock: e.from,
          toBlock: e.to,
          proposed: Number(rows.find((r) => r.miner === v)?.n ?? 0),
          missed: missed.filter((m) => m.validator === v && m.block >= e.from && m.block <= e.to).length,
        })),
        lastSigned: lastSigned ? Number(lastSigned.number) : null,
        lastProposed: p ? Number(p.last) : null,
      };
    });
    return { supported: true, validatorSet: getAddress(vs), epochLength, validators };
  }

  // ------------------------------------------------------------------------------------- bridge, governance, anchoring

  async bridge(ref: string): Promise<Api.BridgeResult> {
    const c = this.chainOf(ref);
    const rows = await this.store.db.all("SELECT * FROM idx_bridge_ops WHERE chain_id = ? ORDER BY block_number DESC LIMIT 200", [c.config.id]);
    const ids = rows.map((r) => String(r.id));
    const settled = ids.length ? await this.store.db.all<{ id: string; status: string; tx_hash: string }>(`SELECT id, status, tx_hash FROM idx_bridge_settlements WHERE id IN (${ids.map(() => "?").join(",")})`, ids) : [];
    const operations = rows.map((r): Api.BridgeOperation => {
      const s = settled.filter((x) => x.id === String(r.id));
      const executed = s.find((x) => x.status === "executed");
      return {
        id: String(r.id),
        kind: r.kind as "deposit" | "redeem",
        pairId: String(r.pair_id),
        sender: String(r.sender),
        recipient: String(r.recipient),
        mainAmount: String(r.main_amount),
        productAmount: String(r.product_amount),
        chainId: c.config.id,
        blockNumber: Number(r.block_number),
        transactionHash: String(r.tx_hash),
        timestamp: Number(r.timestamp),
        status: executed ? "executed" : s.some((x) => x.status === "queued") ? "queued" : "announced",
        settledTransactionHash: executed?.tx_hash ?? null,
      };
    });
    const bridge = c.byName.get("MainBridge") ?? c.byName.get("ProductBridge") ?? null;
    const pairs = [...new Set((await this.store.db.all<{ pair_id: string }>("SELECT DISTINCT pair_id FROM idx_bridge_ops")).map((p) => p.pair_id))].slice(0, 50);
    return { bridge, operations, queue: operations.filter((o) => o.status !== "executed").reverse(), limits: bridge ? await this.bridgeLimits(c, bridge, pairs) : [] };
  }

  /** Each pair's limits and what remains today, from the bridge contract (a pair it does not know is left out). */
  private async bridgeLimits(c: ChainCtx, bridge: string, pairs: string[]): Promise<Api.BridgeLimits[]> {
    if (pairs.length === 0) return [];
    const call = (data: string) => ({ method: "eth_call", params: [{ to: bridge, data }, "latest"] });
    const outs = await rpcBatch(c.config.rpcUrl, pairs.flatMap((p) => [call(BRIDGE.encodeFunctionData("limits", [p])), call(BRIDGE.encodeFunctionData("remainingToday", [p]))])).catch(() => []);
    const out: Api.BridgeLimits[] = [];
    pairs.forEach((pairId, i) => {
      const l = outs[2 * i];
      const r = outs[2 * i + 1];
      if (!l?.ok || !r?.ok) return;
      const lim = BRIDGE.decodeFunctionResult("limits", l.result as string)[0] as { minPerTx: bigint; maxPerTx: bigint; dailyIn: bigint; dailyOut: bigint };
      const [remainingIn, remainingOut] = BRIDGE.decodeFunctionResult("remainingToday", r.result as string) as unknown as [bigint, bigint];
      out.push({
        pairId,
        perTx: lim.maxPerTx.toString(),
        daily: lim.dailyIn.toString(),
        usedToday: (lim.dailyIn > remainingIn ? lim.dailyIn - remainingIn : 0n).toString(),
        minPerTx: lim.minPerTx.toString(),
        dailyIn: lim.dailyIn.toString(),
        dailyOut: lim.dailyOut.toString(),
        remainingIn: remainingIn.toString(),
        remainingOut: remainingOut.toString(),
      });
    });
    return out;
  }

  async proposals(ref: string): Promise<Api.GovernanceResult> {
    const c = this.chainOf(ref);
    const rows = await this.store.db.all("SELECT * FROM idx_proposals WHERE chain_id = ? ORDER BY block_number DESC LIMIT 200", [c.config.id]);
    const votes = await this.store.db.all("SELECT * FROM idx_votes WHERE chain_id = ? ORDER BY block_number", [c.config.id]);
    return rows.map((r) => ({
      id: String(r.id),
      proposer: String(r.proposer),
      description: r.description === null ? null : String(r.description),
      blockNumber: Number(r.block_number),
      transactionHash: String(r.tx_hash),
      timestamp: Number(r.timestamp),
      state: String(r.state),
      votes: votes.filter((v) => v.proposal_id === r.id).map((v) => ({ voter: String(v.voter), support: Number(v.support), weight: String(v.weight), blockNumber: Number(v.block_number), transactionHash: String(v.tx_hash) })),
    }));
  }

  async anchoring(ref: string): Promise<Api.AnchoringResult> {
    const c = this.chainOf(ref);
    const rows = await this.store.db.all("SELECT * FROM idx_anchors WHERE chain_id = ? OR child_chain_id = ? ORDER BY block_number DESC LIMIT 200", [c.config.id, c.config.id]);
    const chains = await this.store.chains();
    const pairs = new Map<string, { child: number; parent: number; last: number }>();
    for (const r of rows) {
      const k = `${String(r.child_chain_id)}>${String(r.chain_id)}`;
      const p = pairs.get(k) ?? { child: Number(r.child_chain_id), parent: Number(r.chain_id), last: -1 };
      p.last = Math.max(p.last, Number(r.to_block));
      pairs.set(k, p);
    }
    const phases = [...pairs.values()].map((p) => {
      const child = chains.find((x) => x.chainId === p.child);
      const parentRole = this.chains.get(p.parent)?.config.role;
      const childHead = child ? child.headHeight : null;
      return { phase: (parentRole === "ethereum" ? 2 : 1) as 1 | 2, childChainId: p.child, parentChainId: p.parent, lastAnchoredHeight: p.last, childHeadHeight: childHead, lag: childHead === null ? null : childHead - p.last };
    });
    return {
      phases,
      ranges: rows.map((r) => ({ childChainId: Number(r.child_chain_id), fromBlock: Number(r.from_block), toBlock: Number(r.to_block), root: String(r.root), chainId: Number(r.chain_id), blockNumber: Number(r.block_number), transactionHash: String(r.tx_hash) })),
    };
  }

  async reconciliation(): Promise<Api.ReconciliationRow[]> {
    const rows = await this.store.db.all("SELECT k.chain_id, k.address, k.symbol, k.kind, r.status, r.checked_at, r.block, r.mismatches, r.details FROM idx_tokens k LEFT JOIN idx_reconciliations r ON r.chain_id = k.chain_id AND r.token = k.address ORDER BY k.chain_id, k.address");
    return rows.map((r) => ({
      chainId: Number(r.chain_id),
      token: String(r.address),
      symbol: r.symbol === null ? null : String(r.symbol),
      kind: r.kind as Api.TokenKind,
      reconciliation: reconciliationRow(r.status === null || r.status === undefined ? undefined : { status: String(r.status), checked_at: r.checked_at as number | null, block: r.block as number | null, mismatches: Number(r.mismatches), details: String(r.details) }),
    }));
  }
}

/**
 * The proposals a block's round says were missed: a block made in round r skipped the proposers of rounds 0…r−1,
 * `validators[(h + i) % n]` with `validators` the set of height h (node/README.md "Consensus"). `sets[i]` is the set
 * of `blocks[i]` (null: unknown, the block is skipped). A validator that missed twice in a row counts twice.
 */
export function missedProposals(blocks: { number: number; round: number }[], sets: (string[] | null)[]): { validator: string; block: number }[] {
  const out: { validator: string; block: number }[] = [];
  blocks.forEach((b, i) => {
    const list = sets[i];
    if (!list || list.length === 0) return;
    for (let r = 0; r < b.round; r++) out.push({ validator: list[(b.number + r) % list.length]!, block: b.number });
  });
  return out;
}

interface CallFrame {
  type: string;
  from: string;
  to?: string;
  value?: string;
  gas?: string;
  gasUsed?: string;
  input?: string;
  output?: string;
  error?: string;
  calls?: CallFrame[];
}

function extractHex(message: string): string | undefined {
  return /0x[0-9a-fA-F]{8,}/.exec(message)?.[0];
}

function blockSummary(r: Row): Api.BlockSummary {
  return {
    number: Number(r.number),
    hash: String(r.hash),
    timestamp: Number(r.timestamp),
    proposer: String(r.miner),
    round: r.round === null ? null : Number(r.round),
    txCount: Number(r.tx_count),
    gasUsed: String(r.gas_used),
    gasLimit: String(r.gas_limit),
  };
}

function transferRow(r: Row): Api.TokenTransfer {
  return {
    token: String(r.token),
    kind: r.kind as Api.TokenKind,
    transactionHash: String(r.tx_hash),
    logIndex: Number(r.log_index),
    blockNumber: Number(r.block_number),
    timestamp: Number(r.timestamp),
    from: String(r.from_addr),
    to: String(r.to_addr),
    value: String(r.value),
    tokenId: r.token_id === null ? null : String(r.token_id),
  };
}

function transferPage(rows: Row[], limit: number): Api.Page<Api.TokenTransfer> {
  const items = rows.map(transferRow);
  const last = items[items.length - 1];
  return { items, nextCursor: items.length === limit && last ? `${last.blockNumber}:${last.logIndex}` : null };
}

function tokenSummary(r: Row): Omit<Api.TokenSummary, "reconciliation"> {
  return {
    address: String(r.address),
    kind: r.kind as Api.TokenKind,
    name: r.name === null ? null : String(r.name),
    symbol: r.symbol === null ? null : String(r.symbol),
    decimals: r.decimals === null ? null : Number(r.decimals),
    totalSupply: String(r.supply),
    holders: Number(r.holders),
    transfers: Number(r.transfers),
  };
}

function reconciliationRow(r: { status: string; checked_at: number | null; block: number | null; mismatches: number; details: string } | undefined): Api.Reconciliation {
  if (!r) return { status: "pending", checkedAt: null, block: null, mismatches: 0 };
  const details = JSON.parse(r.details) as { mismatches?: Api.ReconciliationMismatch[] };
  return { status: r.status as Api.ReconciliationStatus, checkedAt: r.checked_at === null ? null : Number(r.checked_at), block: r.block === null ? null : Number(r.block), mismatches: Number(r.mismatches), details: details.mismatches ?? [] };
}
