/** The indexer's Prometheus metrics (lib/metrics.ts), per chain by label. */
import { Registry, type Counter, type Gauge, type Histogram } from "../../lib/metrics";

export interface IndexerMetrics {
  registry: Registry;
  indexedHeight: Gauge;
  headHeight: Gauge;
  blocks: Counter;
  txs: Counter;
  batchSeconds: Histogram;
  errors: Counter;
  reconcileMismatches: Gauge;
  apiRequests: Counter;
  apiSeconds: Histogram;
}

export function indexerMetrics(): IndexerMetrics {
  const registry = new Registry();
  return {
    registry,
    indexedHeight: registry.gauge("indexer_indexed_height", "Highest block written to the store, per chain"),
    headHeight: registry.gauge("indexer_head_height", "The node's final head when last polled, per chain"),
    blocks: registry.counter("indexer_blocks_total", "Blocks indexed, per chain"),
    txs: registry.counter("indexer_transactions_total", "Transactions indexed, per chain"),
    batchSeconds: registry.histogram("indexer_batch_seconds", "Time to fetch and write one batch of blocks", [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
    errors: registry.counter("indexer_errors_total", "Failed follower steps (retried), per chain"),
    reconcileMismatches: registry.gauge("indexer_reconcile_mismatches", "Mismatches found by the last reconciliation, per chain"),
    apiRequests: registry.counter("indexer_api_requests_total", "HTTP API requests, per route and status"),
    apiSeconds: registry.histogram("indexer_api_seconds", "HTTP API latency per route", [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1, 3]),
  };
}
