/**
 * The traffic explorer: requests, errors, compute units, cache hits, latency quantiles, the figures by API key and by
 * DApp, top methods, senders and client IPs and the series, filtered by key, DApp, chain, method and window — from the
 * gateway's analytics. Without a gateway, each node's own JSON-RPC counters (its Prometheus metrics), and the page says
 * so.
 */
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import type { AnalyticsResult } from "../../../../lib/gatewayApi";
import { fetchAnalytics, type AnalyticsFilters } from "../../api/gateway";
import { useAsync } from "../../api/hooks";
import { fetchNodeMetrics, sumBy, total } from "../../api/nodeMetrics";
import { defaultChain, useConsoleConfig, type ConsoleChain } from "../../config";
import { TimeSeriesChart } from "../../components/Charts";
import { AddressLink } from "../../components/Links";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { Table } from "../../components/Table";
import { formatMs, formatNumber, formatPercent } from "../../components/format";
import { TopDapps, TopKeys } from "./TopByDimension";

export const WINDOWS: { id: string; label: string; ms: number }[] = [
  { id: "15m", label: "15 minutes", ms: 15 * 60_000 },
  { id: "1h", label: "1 hour", ms: 3_600_000 },
  { id: "6h", label: "6 hours", ms: 6 * 3_600_000 },
  { id: "24h", label: "24 hours", ms: 86_400_000 },
  { id: "7d", label: "7 days", ms: 7 * 86_400_000 },
];

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function Filters({ params, set }: { params: URLSearchParams; set: (k: string, v: string) => void }) {
  const config = useConsoleConfig();
  return (
    <form className="filters" onSubmit={(e) => e.preventDefault()} data-testid="traffic-filters">
      <label>
        Window
        <select value={params.get("window") ?? "1h"} onChange={(e) => set("window", e.target.value)} data-testid="traffic-window">
          {WINDOWS.map((w) => (
            <option key={w.id} value={w.id}>
              {w.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Chain
        <select value={params.get("chain") ?? ""} onChange={(e) => set("chain", e.target.value)} data-testid="traffic-chain">
          <option value="">all</option>
          {config.chains.map((c) => (
            <option key={c.chainId} value={String(c.chainId)}>
              {c.name} ({c.chainId})
            </option>
          ))}
        </select>
      </label>
      {(["key", "dapp", "method"] as const).map((k) => (
        <label key={k}>
          {k === "dapp" ? "DApp" : k === "key" ? "API key" : "Method"}
          <input key={params.get(k) ?? ""} defaultValue={params.get(k) ?? ""} onBlur={(e) => set(k, e.target.value.trim())} onKeyDown={(e) => e.key === "Enter" && set(k, (e.target as HTMLInputElement).value.trim())} placeholder="any" data-testid={`traffic-${k}`} spellCheck={false} />
        </label>
      ))}
    </form>
  );
}

function GatewayTraffic({ params, set }: { params: URLSearchParams; set: (k: string, v: string) => void }) {
  const config = useConsoleConfig();
  const senderChain = Number(params.get("chain") || 0) || defaultChain(config).chainId;
  const windowMs = WINDOWS.find((w) => w.id === params.get("window"))?.ms ?? 3_600_000;
  const filters = useMemo((): AnalyticsFilters => {
    const f: AnalyticsFilters = { top: 10 };
    for (const k of ["key", "dapp", "chain", "method"] as const) {
      const v = params.get(k);
      if (v) f[k] = v;
    }
    return f;
  }, [params]);
  const data = useAsync(
    (s) => {
      const to = Date.now();
      return fetchAnalytics({ ...filters, from: to - windowMs, to }, s);
    },
    [JSON.stringify(filters), windowMs],
    10_000,
  );
  return (
    <Async state={data} what="traffic">
      {(a: AnalyticsResult) => (
        <>
          <Stats>
            <Stat label="Requests" value={formatNumber(a.requests)} testId="traffic-requests" />
            <Stat label="Errors" value={formatNumber(a.errors)} sub={a.requests ? formatPercent((a.errors / a.requests) * 100) : undefined} testId="traffic-errors" />
            <Stat label="Rejected" value={formatNumber(a.rejected)} testId="traffic-rejected" />
            <Stat label="Compute units" value={formatNumber(a.cu)} testId="traffic-cu" />
            <Stat label="Cache hits" value={formatNumber(a.cacheHits)} sub={a.requests ? `${formatPercent((a.cacheHits / a.requests) * 100)} hit rate` : undefined} testId="traffic-cache-hits" />
            <Stat label="Latency p50 / p95 / p99" value={`${formatMs(a.p50Ms)} / ${formatMs(a.p95Ms)} / ${formatMs(a.p99Ms)}`} testId="traffic-latency" />
          </Stats>
          <Panel title="Requests over time">
            <TimeSeriesChart
              testId="traffic-chart"
              data={a.series}
              x="t"
              formatX={hhmm}
              series={[
                { key: "requests", label: "requests" },
                { key: "errors", label: "errors", color: "#c0392b" },
              ]}
              area
            />
          </Panel>
          <div className="grid-2">
            <Panel title="By API key" testId="traffic-by-key">
              <TopKeys rows={a.topKeys} onSelect={(key) => set("key", key)} />
            </Panel>
            <Panel title="By DApp" testId="traffic-by-dapp">
              <TopDapps rows={a.topDapps} onSelect={(dapp) => set("dapp", dapp)} />
            </Panel>
          </div>
          <div className="grid-2">
            <Panel title="Top methods">
              <Table
                testId="traffic-top-methods"
                rowTestId="traffic-method-row"
                rows={a.topMethods}
                rowKey={(m) => m.method}
                empty="No requests in this window."
                columns={[
                  {
                    header: "Method",
                    cell: (m) => (
                      <button type="button" className="linklike mono" onClick={() => set("method", m.method)} title="filter by this method">
                        {m.method}
                      </button>
                    ),
                  },
                  { header: "Requests", numeric: true, cell: (m) => formatNumber(m.requests) },
                  { header: "Errors", numeric: true, cell: (m) => formatNumber(m.errors) },
                  { header: "CU", numeric: true, cell: (m) => formatNumber(m.cu) },
                ]}
              />
            </Panel>
            <Panel title="Top senders (transactions and calls)">
              <Table
                testId="traffic-top-senders"
                rows={a.topSenders}
                rowKey={(s) => s.sender}
                empty="No senders in this window."
                columns={[
                  { header: "Sender", cell: (s) => <AddressLink chain={senderChain} address={s.sender} /> },
                  { header: "Requests", numeric: true, cell: (s) => formatNumber(s.requests) },
                ]}
              />
              <h3>Top clients</h3>
              <Table
                testId="traffic-top-ips"
                rows={a.topIps}
                rowKey={(s) => s.ip}
                empty="No clients in this window."
                columns={[
                  { header: "IP", cell: (s) => <span className="mono">{s.ip}</span> },
                  { header: "Requests", numeric: true, cell: (s) => formatNumber(s.requests) },
                ]}
              />
            </Panel>
          </div>
        </>
      )}
    </Async>
  );
}

function NodeTraffic({ chain }: { chain: ConsoleChain }) {
  const m = useAsync((s) => fetchNodeMetrics(chain.chainId, s), [chain.chainId], 5000);
  return (
    <Panel title={`${chain.name} (${chain.chainId}) — the node's JSON-RPC counters since it started`} testId={`node-traffic-${chain.chainId}`}>
      <Async state={m} what="the node's metrics">
        {(samples) => {
          const byMethod = sumBy(samples, "luniverse_rpc_requests_total", "method");
          const seconds = sumBy(samples, "luniverse_rpc_request_seconds_total", "method");
          const errors = sumBy(samples, "luniverse_rpc_errors_total", "code");
          const rows = [...byMethod.entries()].map(([method, requests]) => ({ method, requests, avgMs: requests ? ((seconds.get(method) ?? 0) / requests) * 1000 : null })).sort((a, b) => b.requests - a.requests);
          return (
            <>
              <Stats>
                <Stat label="Requests" value={formatNumber(total(samples, "luniverse_rpc_requests_total"))} testId={`node-requests-${chain.chainId}`} />
                <Stat label="Errors" value={formatNumber(total(samples, "luniverse_rpc_errors_total") ?? 0)} sub={[...errors.entries()].map(([c, n]) => `${c}: ${n}`).join(" · ") || undefined} />
                <Stat label="TPS (10 s)" value={formatNumber(total(samples, "luniverse_tps"), 2)} />
                <Stat label="Tx pool" value={`${formatNumber(total(samples, "luniverse_txpool_pending"))} pending`} />
              </Stats>
              <Table
                testId={`node-methods-${chain.chainId}`}
                rows={rows.slice(0, 15)}
                rowKey={(r) => r.method}
                empty="No JSON-RPC requests counted."
                columns={[
                  { header: "Method", cell: (r) => <span className="mono">{r.method}</span> },
                  { header: "Requests", numeric: true, cell: (r) => formatNumber(r.requests) },
                  { header: "Avg latency", numeric: true, cell: (r) => formatMs(r.avgMs) },
                ]}
              />
            </>
          );
        }}
      </Async>
    </Panel>
  );
}

export default function TrafficPage() {
  const config = useConsoleConfig();
  const [params, setParams] = useSearchParams();
  const set = (k: string, v: string): void => {
    const next = new URLSearchParams(params);
    if (v === "") next.delete(k);
    else next.set(k, v);
    setParams(next, { replace: true });
  };
  return (
    <div className="page" data-testid="traffic-page">
      <h1>Traffic</h1>
      {config.gateway ? (
        <>
          <Filters params={params} set={set} />
          <GatewayTraffic params={params} set={set} />
        </>
      ) : (
        <>
          <Notice kind="warn" testId="traffic-no-gateway">
            No gateway is configured, so there are no per-key, per-DApp or per-window figures: below are each node's own JSON-RPC counters since it started.
          </Notice>
          {config.chains.map((c) => (
            <NodeTraffic key={c.chainId} chain={c} />
          ))}
        </>
      )}
    </div>
  );
}
