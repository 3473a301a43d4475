/**
 * The traffic explorer's "by API key" and "by DApp" tables: requests, errors, compute units and cache hits of each key
 * or DApp in the window (the analytics' `topKeys` / `topDapps`); a key or DApp is a link that sets the page's filter.
 * Requests refused before a key was known have no key and no DApp: their row is not a link.
 */
import type { AnalyticsResult } from "../../../../lib/gatewayApi";
import { Table, type Column } from "../../components/Table";
import { formatNumber, formatPercent } from "../../components/format";

interface Figures {
  requests: number;
  errors: number;
  cu: number;
  cacheHits: number;
}

/** The figure columns both tables share. */
function figureColumns<T extends Figures>(): Column<T>[] {
  return [
    { header: "Requests", numeric: true, cell: (r) => formatNumber(r.requests) },
    { header: "Errors", numeric: true, cell: (r) => formatNumber(r.errors) },
    { header: "CU", numeric: true, cell: (r) => formatNumber(r.cu) },
    { header: "Cache hits", numeric: true, cell: (r) => `${formatNumber(r.cacheHits)}${r.requests ? ` (${formatPercent((r.cacheHits / r.requests) * 100)})` : ""}` },
  ];
}

/** A filter link, or a muted label for the requests without a key / DApp. */
function FilterLink({ value, none, title, onSelect, testId }: { value: string | null; none: string; title: string; onSelect: (v: string) => void; testId: string }) {
  if (value === null) return <span className="muted">{none}</span>;
  return (
    <button type="button" className="linklike mono" onClick={() => onSelect(value)} title={title} data-testid={testId}>
      {value}
    </button>
  );
}

export function TopKeys({ rows, onSelect }: { rows: AnalyticsResult["topKeys"]; onSelect: (key: string) => void }) {
  return (
    <Table
      testId="traffic-top-keys"
      rowTestId="traffic-key-row"
      rows={rows}
      rowKey={(k) => k.key ?? ""}
      empty="No requests in this window."
      columns={[
        {
          header: "API key",
          cell: (k) => <FilterLink value={k.key} none="(no key)" title="filter by this API key" onSelect={onSelect} testId="traffic-key-link" />,
        },
        ...figureColumns<AnalyticsResult["topKeys"][number]>(),
      ]}
    />
  );
}

export function TopDapps({ rows, onSelect }: { rows: AnalyticsResult["topDapps"]; onSelect: (dapp: string) => void }) {
  return (
    <Table
      testId="traffic-top-dapps"
      rowTestId="traffic-dapp-row"
      rows={rows}
      rowKey={(d) => d.dapp ?? ""}
      empty="No requests in this window."
      columns={[
        {
          header: "DApp",
          cell: (d) => <FilterLink value={d.dapp} none="(no DApp)" title="filter by this DApp" onSelect={onSelect} testId="traffic-dapp-link" />,
        },
        ...figureColumns<AnalyticsResult["topDapps"][number]>(),
      ]}
    />
  );
}
