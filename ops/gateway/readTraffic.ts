import type { AnalyticsQuery, AnalyticsResult } from "../../lib/gatewayApi";
import type { GatewayAdmin } from "./client";

/** A window (`from`/`to`, ms since 1970; default the last hour) and filters, as the analytics API takes them. */
export type ReadTrafficParameters = Partial<AnalyticsQuery>;

/** Traffic figures of a window: requests, errors, compute units, latency quantiles, top methods, API keys, DApps, senders and clients. */
export function readTraffic(admin: GatewayAdmin, parameters: ReadTrafficParameters = {}): Promise<AnalyticsResult> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(parameters)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return admin.request<AnalyticsResult>("GET", `/analytics${qs ? `?${qs}` : ""}`);
}
