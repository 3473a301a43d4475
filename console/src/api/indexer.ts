/**
 * The indexer's API (lib/indexerApi.ts) through the console server's `/api/v1/…` proxy: one typed function per route.
 */
import type {
  AddressDetail,
  AnchoringResult,
  BlockDetail,
  BlockSummary,
  BridgeResult,
  ChainSummary,
  GovernanceResult,
  Page,
  ReconciliationRow,
  SearchResult,
  SeriesBucket,
  StatsResult,
  TokenDetail,
  TokenHolder,
  TokenSeriesPoint,
  TokenSummary,
  TokenTransfer,
  TransactionDetail,
  TransactionSummary,
  ValidatorsResult,
} from "../../../lib/indexerApi";
import { fetchJson, query } from "./http";

const base = (chain: number | string): string => `/api/v1/chains/${encodeURIComponent(String(chain))}`;

export const indexer = {
  chains: (signal?: AbortSignal) => fetchJson<ChainSummary[]>("/api/v1/chains", signal),
  search: (chain: number, q: string, signal?: AbortSignal) => fetchJson<SearchResult>(`${base(chain)}/search${query({ q })}`, signal),
  blocks: (chain: number, p: { before?: number; limit?: number } = {}, signal?: AbortSignal) => fetchJson<Page<BlockSummary>>(`${base(chain)}/blocks${query(p)}`, signal),
  block: (chain: number, id: string, signal?: AbortSignal) => fetchJson<BlockDetail>(`${base(chain)}/blocks/${encodeURIComponent(id)}`, signal),
  transactions: (chain: number, p: { before?: string; limit?: number } = {}, signal?: AbortSignal) =>
    fetchJson<Page<TransactionSummary>>(`${base(chain)}/transactions${query(p)}`, signal),
  transaction: (chain: number, hash: string, signal?: AbortSignal) => fetchJson<TransactionDetail>(`${base(chain)}/transactions/${encodeURIComponent(hash)}`, signal),
  address: (chain: number, address: string, signal?: AbortSignal) => fetchJson<AddressDetail>(`${base(chain)}/addresses/${encodeURIComponent(address)}`, signal),
  addressTransactions: (chain: number, address: string, p: { cursor?: string; limit?: number } = {}, signal?: AbortSignal) =>
    fetchJson<Page<TransactionSummary>>(`${base(chain)}/addresses/${encodeURIComponent(address)}/transactions${query(p)}`, signal),
  addressTransfers: (chain: number, address: string, p: { cursor?: string; limit?: number } = {}, signal?: AbortSignal) =>
    fetchJson<Page<TokenTransfer>>(`${base(chain)}/addresses/${encodeURIComponent(address)}/transfers${query(p)}`, signal),
  tokens: (chain: number, signal?: AbortSignal) => fetchJson<TokenSummary[]>(`${base(chain)}/tokens`, signal),
  token: (chain: number, address: string, signal?: AbortSignal) => fetchJson<TokenDetail>(`${base(chain)}/tokens/${encodeURIComponent(address)}`, signal),
  holders: (chain: number, address: string, p: { limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
    fetchJson<Page<TokenHolder>>(`${base(chain)}/tokens/${encodeURIComponent(address)}/holders${query(p)}`, signal),
  tokenTransfers: (chain: number, address: string, p: { cursor?: string; limit?: number } = {}, signal?: AbortSignal) =>
    fetchJson<Page<TokenTransfer>>(`${base(chain)}/tokens/${encodeURIComponent(address)}/transfers${query(p)}`, signal),
  tokenSeries: (chain: number, address: string, bucket: SeriesBucket, signal?: AbortSignal) =>
    fetchJson<TokenSeriesPoint[]>(`${base(chain)}/tokens/${encodeURIComponent(address)}/series${query({ bucket })}`, signal),
  stats: (chain: number, p: { window?: number; bucket?: number } = {}, signal?: AbortSignal) => fetchJson<StatsResult>(`${base(chain)}/stats${query(p)}`, signal),
  validators: (chain: number, signal?: AbortSignal) => fetchJson<ValidatorsResult>(`${base(chain)}/validators`, signal),
  bridge: (chain: number, signal?: AbortSignal) => fetchJson<BridgeResult>(`${base(chain)}/bridge`, signal),
  governance: (chain: number, signal?: AbortSignal) => fetchJson<GovernanceResult>(`${base(chain)}/governance/proposals`, signal),
  anchoring: (chain: number, signal?: AbortSignal) => fetchJson<AnchoringResult>(`${base(chain)}/anchoring`, signal),
  reconciliation: (signal?: AbortSignal) => fetchJson<ReconciliationRow[]>("/api/v1/reconciliation", signal),
};
