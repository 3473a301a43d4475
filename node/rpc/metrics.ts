/**
 * The RPC server's own Prometheus counters, appended to the node's exposition at GET /metrics: requests by method
 * and transport, errors by code, time spent per method, open WebSocket connections and subscriptions.
 */

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",")}}`;
}

export class RpcMetrics {
  private readonly requests = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly seconds = new Map<string, number>();
  private readonly requestsTooLarge = { count: 0 };
  wsConnections = 0;
  subscriptions = 0;
  filters = 0;

  /** `method` must already be a known method name or "unknown" (bounded label values). */
  request(method: string, transport: "http" | "ws", seconds: number): void {
    const key = `${method}\u0000${transport}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.seconds.set(method, (this.seconds.get(method) ?? 0) + seconds);
  }

  error(code: number): void {
    const key = String(code);
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  tooLarge(): void {
    this.requestsTooLarge.count++;
  }

  /** The exposition lines (with HELP/TYPE), ending in a newline. */
  render(): string {
    const out: string[] = [];
    out.push("# HELP luniverse_rpc_requests_total JSON-RPC calls answered, by method and transport.");
    out.push("# TYPE luniverse_rpc_requests_total counter");
    for (const [key, n] of [...this.requests].sort()) {
      const [method, transport] = key.split("\u0000");
      out.push(`luniverse_rpc_requests_total${labels({ method, transport })} ${n}`);
    }
    out.push("# HELP luniverse_rpc_errors_total JSON-RPC error responses, by error code.");
    out.push("# TYPE luniverse_rpc_errors_total counter");
    for (const [code, n] of [...this.errors].sort()) out.push(`luniverse_rpc_errors_total${labels({ code })} ${n}`);
    out.push("# HELP luniverse_rpc_request_seconds_total Time spent answering JSON-RPC calls, by method.");
    out.push("# TYPE luniverse_rpc_request_seconds_total counter");
    for (const [method, s] of [...this.seconds].sort()) out.push(`luniverse_rpc_request_seconds_total${labels({ method })} ${s.toFixed(6)}`);
    out.push("# HELP luniverse_rpc_requests_too_large_total Requests refused for their size.");
    out.push("# TYPE luniverse_rpc_requests_too_large_total counter");
    out.push(`luniverse_rpc_requests_too_large_total ${this.requestsTooLarge.count}`);
    out.push("# HELP luniverse_rpc_ws_connections Open WebSocket connections.");
    out.push("# TYPE luniverse_rpc_ws_connections gauge");
    out.push(`luniverse_rpc_ws_connections ${this.wsConnections}`);
    out.push("# HELP luniverse_rpc_subscriptions Active eth_subscribe subscriptions.");
    out.push("# TYPE luniverse_rpc_subscriptions gauge");
    out.push(`luniverse_rpc_subscriptions ${this.subscriptions}`);
    out.push("# HELP luniverse_rpc_filters Installed polling filters.");
    out.push("# TYPE luniverse_rpc_filters gauge");
    out.push(`luniverse_rpc_filters ${this.filters}`);
    return `${out.join("\n")}\n`;
  }
}
