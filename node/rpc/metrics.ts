/**
 * The RPC server's own Prometheus metrics, appended to the node's exposition at GET /metrics: requests by method
 * and transport, errors by code, time spent per method, open WebSocket connections, subscriptions and filters.
 */
import { Registry, type Counter, type Gauge } from "../../lib/metrics";

export class RpcMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly errors: Counter;
  private readonly seconds: Counter;
  private readonly tooLargeRequests: Counter;
  private readonly forbiddenRequests: Counter;
  private readonly wsConnections: Gauge;
  private readonly subscriptions: Gauge;
  private readonly filters: Gauge;

  constructor() {
    const r = this.registry;
    this.requests = r.counter("luniverse_rpc_requests_total", "JSON-RPC calls answered, by method and transport.");
    this.errors = r.counter("luniverse_rpc_errors_total", "JSON-RPC error responses, by error code.");
    this.seconds = r.counter("luniverse_rpc_request_seconds_total", "Time spent answering JSON-RPC calls, by method.");
    this.tooLargeRequests = r.counter("luniverse_rpc_requests_too_large_total", "Requests refused for their size.");
    this.forbiddenRequests = r.counter("luniverse_rpc_forbidden_total", "Requests and WebSocket upgrades refused by the RPC allow-list (rpc.allowFrom).");
    this.wsConnections = r.gauge("luniverse_rpc_ws_connections", "Open WebSocket connections.");
    this.subscriptions = r.gauge("luniverse_rpc_subscriptions", "Active eth_subscribe subscriptions.");
    this.filters = r.gauge("luniverse_rpc_filters", "Installed polling filters.");
    // the unlabelled series exist from the start, at 0
    this.tooLargeRequests.inc({}, 0);
    this.forbiddenRequests.inc({}, 0);
    for (const g of [this.wsConnections, this.subscriptions, this.filters]) g.set({}, 0);
  }

  /** `method` must already be a known method name or "unknown" (bounded label values). */
  request(method: string, transport: "http" | "ws", seconds: number): void {
    this.requests.inc({ method, transport });
    this.seconds.inc({ method }, seconds);
  }

  error(code: number): void {
    this.errors.inc({ code: String(code) });
  }

  tooLarge(): void {
    this.tooLargeRequests.inc();
  }

  forbidden(): void {
    this.forbiddenRequests.inc();
  }

  wsOpened(): void {
    this.wsConnections.inc();
  }

  wsClosed(): void {
    this.wsConnections.inc({}, -1);
  }

  /** The exposition (with HELP/TYPE), ending in a newline; `now` samples the gauges kept elsewhere. */
  render(now: { filters: number; subscriptions: number }): string {
    this.filters.set({}, now.filters);
    this.subscriptions.set({}, now.subscriptions);
    return this.registry.expose();
  }
}
