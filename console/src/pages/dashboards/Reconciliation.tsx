/** The indexer's reconciliation of a token: Σ indexed balances vs totalSupply() and balances vs balanceOf() at block N. */
import type { Reconciliation } from "../../../../lib/indexerApi";
import { AddressLink } from "../../components/Links";
import { Table } from "../../components/Table";
import { formatAmount, formatTime } from "../../components/format";

export function ReconciliationBadge({ r }: { r: Reconciliation }) {
  const cls = r.status === "ok" ? "ok" : r.status === "mismatch" ? "bad" : "";
  const text = r.status === "ok" ? "reconciled" : r.status === "mismatch" ? `${r.mismatches} mismatch${r.mismatches === 1 ? "" : "es"}` : "pending";
  return (
    <span className={`badge ${cls}`} data-testid="reconciliation-status" data-status={r.status} title={r.block === null ? "not checked yet" : `checked at block ${r.block}`}>
      {text}
    </span>
  );
}

export function ReconciliationDetail({ chain, r, decimals }: { chain: number; r: Reconciliation; decimals: number | null }) {
  return (
    <div data-testid="reconciliation">
      <p>
        <ReconciliationBadge r={r} />{" "}
        {r.block === null ? (
          <span className="muted">The first check has not run yet.</span>
        ) : (
          <span>
            Σ indexed balances compared with <code>totalSupply()</code> and every holder's balance with <code>balanceOf()</code> at block{" "}
            <strong data-testid="reconciliation-block">{r.block}</strong>
            {r.checkedAt ? ` (${formatTime(r.checkedAt)})` : ""}: <strong>{r.mismatches}</strong> mismatch{r.mismatches === 1 ? "" : "es"}.
          </span>
        )}
      </p>
      {r.details && r.details.length > 0 ? (
        <Table
          testId="reconciliation-mismatches"
          rows={r.details}
          rowKey={(d, i) => `${d.kind}-${d.holder ?? ""}-${i}`}
          columns={[
            { header: "Check", cell: (d) => d.kind },
            { header: "Holder", cell: (d) => (d.holder ? <AddressLink chain={chain} address={d.holder} /> : "—") },
            { header: "Indexed", numeric: true, cell: (d) => formatAmount(d.indexed, decimals) },
            { header: "On chain", numeric: true, cell: (d) => formatAmount(d.onChain, decimals) },
          ]}
        />
      ) : null}
    </div>
  );
}
