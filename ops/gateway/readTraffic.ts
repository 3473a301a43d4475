import type { AnalyticsResult } from "../../lib/gatewayApi";
import type { GatewayAdmin } from "./client";

export interface ReadTrafficParameters {
  /** ms since 1970 (default: an hour before `to`). */
  from?: number;
  /** ms since 1970 (default: now). */
  to?: number;
  key?: string;
  dapp?: string;
  chain?: string;
  method?: string;
  top?: number;
  bucketMs?: number;
}

/** Traffic figures of a window: requests, errors, compute units, latency quantiles, top methods, senders and clients. */
export function readTraffic(admin: GatewayAdmin, parameters: ReadTrafficParameters = {}): Promise<AnalyticsResult> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(parameters)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return admin.request<AnalyticsResult>("GET", `/analytics${qs ? `?${qs}` : ""}`);
}
