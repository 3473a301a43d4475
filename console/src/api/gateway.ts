/** The gateway's traffic analytics (lib/gatewayApi.ts) through the console server, which adds the admin token. */
import type { AnalyticsQuery, AnalyticsResult } from "../../../lib/gatewayApi";
import { fetchJson, query } from "./http";

export type AnalyticsFilters = Partial<Pick<AnalyticsQuery, "from" | "to" | "key" | "dapp" | "chain" | "method" | "top" | "bucketMs">>;

export function fetchAnalytics(filters: AnalyticsFilters, signal?: AbortSignal): Promise<AnalyticsResult> {
  return fetchJson<AnalyticsResult>(`/api/gateway/analytics${query(filters)}`, signal);
}
