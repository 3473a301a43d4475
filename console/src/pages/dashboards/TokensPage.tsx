/** The token dashboard of a chain: every token with supply, holders, transfers and its reconciliation; for product tokens, the main token locked behind them. */
import type { TokenDetail, TokenSummary } from "../../../../lib/indexerApi";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { useConsoleConfig } from "../../config";
import { AddressLink } from "../../components/Links";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { Table } from "../../components/Table";
import { formatAmount, formatNumber } from "../../components/format";
import { ReconciliationBadge } from "./Reconciliation";
import { Link } from "react-router-dom";
import { paths } from "../../components/Links";

/** Token details (for the backing columns) of up to 25 tokens of a product chain. */
async function withBacking(chain: number, tokens: TokenSummary[], product: boolean, signal: AbortSignal): Promise<{ tokens: TokenSummary[]; details: Map<string, TokenDetail> }> {
  const details = new Map<string, TokenDetail>();
  if (product) {
    const got = await Promise.all(tokens.slice(0, 25).map((t) => indexer.token(chain, t.address, signal).catch(() => null)));
    for (const d of got) if (d) details.set(d.address, d);
  }
  return { tokens, details };
}

export default function TokensPage({ chain }: ChainPageProps) {
  const config = useConsoleConfig();
  const c = chain.chainId;
  const product = chain.role === "product";
  const data = useAsync((s) => indexer.tokens(c, s).then((t) => withBacking(c, t, product, s)), [c], 15000);
  if (!config.indexer) return <Notice kind="warn">The token dashboard reads the indexer, and this console has none configured.</Notice>;
  return (
    <div className="page" data-testid="tokens-page">
      <h1>
        Tokens <span className="muted">on {chain.name}</span>
      </h1>
      <Async state={data} what="tokens">
        {({ tokens, details }) => {
          const mismatched = tokens.filter((t) => t.reconciliation.status === "mismatch").length;
          return (
            <>
              <Stats>
                <Stat label="Tokens" value={formatNumber(tokens.length)} testId="tokens-count" />
                <Stat label="Holders (all tokens)" value={formatNumber(tokens.reduce((a, t) => a + t.holders, 0))} />
                <Stat label="Transfers" value={formatNumber(tokens.reduce((a, t) => a + t.transfers, 0))} />
                <Stat label="Reconciliation" value={mismatched === 0 ? "all ok" : `${mismatched} with mismatches`} testId="tokens-reconciliation" />
              </Stats>
              <Panel title="All tokens">
                <Table
                  testId="tokens-table"
                  rowTestId="token-row"
                  rows={tokens}
                  rowKey={(t) => t.address}
                  empty="No token indexed on this chain yet."
                  columns={[
                    {
                      header: "Token",
                      cell: (t) => (
                        <Link to={paths.token(c, t.address)} data-testid="token-link">
                          {t.symbol ?? "?"} <span className="muted">{t.name ?? ""}</span>
                        </Link>
                      ),
                    },
                    { header: "Kind", cell: (t) => <span className="tag">{t.kind}</span> },
                    { header: "Address", cell: (t) => <AddressLink chain={c} address={t.address} /> },
                    { header: "Supply", numeric: true, cell: (t) => formatAmount(t.totalSupply, t.decimals, 2) },
                    { header: "Holders", numeric: true, cell: (t) => formatNumber(t.holders) },
                    { header: "Transfers", numeric: true, cell: (t) => formatNumber(t.transfers) },
                    ...(product
                      ? [
                          {
                            header: "Main token locked",
                            numeric: true,
                            cell: (t: TokenSummary) => {
                              const b = details.get(t.address)?.backing;
                              return b ? `${formatAmount(b.locked, 18, 2)} ${b.mainSymbol ?? ""}` : "—";
                            },
                          },
                          { header: "Ratio", numeric: true, cell: (t: TokenSummary) => details.get(t.address)?.backing?.ratio ?? "—" },
                        ]
                      : []),
                    { header: "Reconciliation", cell: (t) => <ReconciliationBadge r={t.reconciliation} /> },
                  ]}
                />
              </Panel>
            </>
          );
        }}
      </Async>
    </div>
  );
}
