/**
 * The gateway's Prometheus metrics (GET /metrics): requests by chain and outcome, latency histogram, refusals by
 * reason, the block cache's hits, misses and hit ratio, each node's health and head, bans, the request log's writes.
 */
import { Registry, type Counter, type Gauge, type Histogram } from "../../lib/metrics";
import type { RequestRow } from "./types";

const LATENCY_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly cuTotal: Counter;
  private readonly latency: Histogram;
  private readonly rejections: Counter;
  private readonly cacheResults: Counter;
  private readonly cacheRatio: Gauge;
  private readonly cacheBytes: Gauge;
  private readonly upstreamHealthy: Gauge;
  private readonly upstreamHead: Gauge;
  private readonly bansTotal: Counter;
  private readonly bansActive: Gauge;
  private readonly logRows: Counter;
  private readonly logDroppedRows: Counter;
  private readonly logBuffered: Gauge;
  private readonly ws: Gauge;
  private readonly abuseReports: Counter;

  constructor() {
    const r = this.registry;
    this.requests = r.counter("luniverse_gateway_requests_total", "JSON-RPC requests, by chain and outcome (ok, error from the node, rejected by the gateway).");
    this.cuTotal = r.counter("luniverse_gateway_compute_units_total", "Compute units served, by chain.");
    this.latency = r.histogram("luniverse_gateway_request_seconds", "Time from the message's arrival to its answer, by chain.", LATENCY_BOUNDS);
    this.rejections = r.counter("luniverse_gateway_rejections_total", "Requests and connections refused by the gateway, by reason.");
    this.cacheResults = r.counter("luniverse_gateway_cache_requests_total", "Cacheable requests by result (hit, miss).");
    this.cacheRatio = r.gauge("luniverse_gateway_cache_hit_ratio", "Hits / (hits + misses) of the block cache since start.");
    this.cacheBytes = r.gauge("luniverse_gateway_cache_bytes", "Bytes held by the block cache, by tier (memory, disk).");
    this.upstreamHealthy = r.gauge("luniverse_gateway_upstream_healthy", "1 when the node serves requests, 0 when it was left, by chain and upstream.");
    this.upstreamHead = r.gauge("luniverse_gateway_upstream_head", "Head block number the node last reported, by chain and upstream.");
    this.bansTotal = r.counter("luniverse_gateway_bans_total", "Temporary bans by the abuse rules, by rule.");
    this.bansActive = r.gauge("luniverse_gateway_bans_active", "Bans in force.");
    this.logRows = r.counter("luniverse_gateway_log_rows_total", "Request-log rows written to the store.");
    this.logDroppedRows = r.counter("luniverse_gateway_log_dropped_total", "Request-log rows dropped because the store was unreachable for too long.");
    this.logBuffered = r.gauge("luniverse_gateway_log_buffered_rows", "Request-log rows waiting to be written.");
    this.ws = r.gauge("luniverse_gateway_ws_connections", "Open WebSocket connections.");
    this.abuseReports = r.counter("luniverse_gateway_abuse_reports_total", "Banned senders reported to a gas-free chain's nodes (luniverse_reportAbuse), by chain and result (sent, failed).");
    this.ws.set({}, 0);
    this.logDroppedRows.inc({}, 0);
  }

  request(row: RequestRow): void {
    if (row.chain === "") return;
    this.requests.inc({ chain: row.chain, status: row.status });
    if (row.status !== "rejected") {
      this.cuTotal.inc({ chain: row.chain }, row.cu);
      this.latency.observe({ chain: row.chain }, row.latencyUs / 1e6);
    }
  }

  rejected(reason: string): void {
    this.rejections.inc({ reason });
  }

  cache(hit: boolean): void {
    this.cacheResults.inc({ result: hit ? "hit" : "miss" });
  }

  upstream(chain: string, upstream: string, healthy: boolean, head: bigint): void {
    this.upstreamHealthy.set({ chain, upstream }, healthy ? 1 : 0);
    this.upstreamHead.set({ chain, upstream }, Number(head));
  }

  ban(rule: string): void {
    this.bansTotal.inc({ rule });
  }

  logged(rows: number): void {
    this.logRows.inc({}, rows);
  }

  logDropped(): void {
    this.logDroppedRows.inc();
  }

  abuseReport(chain: string, result: "sent" | "failed"): void {
    this.abuseReports.inc({ chain, result });
  }

  wsConnections(delta: number): void {
    this.ws.inc({}, delta);
  }

  /** The exposition; `now` samples the values kept elsewhere. */
  render(now: { cache: { bytes: number; diskBytes: number }; bans: number; buffered: number }): string {
    const hits = this.cacheResults.get({ result: "hit" });
    const misses = this.cacheResults.get({ result: "miss" });
    this.cacheRatio.set({}, hits + misses === 0 ? 0 : hits / (hits + misses));
    this.cacheBytes.set({ tier: "memory" }, now.cache.bytes);
    this.cacheBytes.set({ tier: "disk" }, now.cache.diskBytes);
    this.bansActive.set({}, now.bans);
    this.logBuffered.set({}, now.buffered);
    return this.registry.expose();
  }
}
