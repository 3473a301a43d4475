/**
 * One token: supply, holders, distribution (top holders and their shares), transfers over time, recent transfers, the
 * reconciliation result, and for a product token the main token locked behind it and the ratio.
 * `/chain/<id>/token/<address>`.
 */
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import type { TokenDetail } from "../../../../lib/indexerApi";
import type { SeriesBucket } from "../../../../lib/indexerApi";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { findChain, useConsoleConfig } from "../../config";
import { ShareChart, TimeSeriesChart } from "../../components/Charts";
import { AddressLink, BlockLink, Hex, paths, TxLink } from "../../components/Links";
import { Pager, useCursorPager } from "../../components/Pager";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { DetailList, Table } from "../../components/Table";
import { amountToNumber, axisTime, formatAmount, formatNumber, formatPercent, isAddressLike, timeAgo } from "../../components/format";
import { ReconciliationDetail } from "./Reconciliation";

function Backing({ token }: { token: TokenDetail }) {
  const config = useConsoleConfig();
  const b = token.backing!;
  const main = b.mainChainId === null ? null : findChain(config, b.mainChainId);
  const supply = amountToNumber(token.totalSupply, token.decimals);
  const covered = amountToNumber(b.locked, 18) * Number(b.ratio);
  const coverage = supply > 0 && Number.isFinite(covered) ? (covered / supply) * 100 : null;
  return (
    <Panel title="Backing: the main token locked behind it" testId="token-backing">
      <DetailList
        items={[
          ["Main token", main ? <AddressLink chain={main.chainId} address={b.mainToken} token /> : <span className="mono">{b.mainToken}</span>],
          ["Locked in the main bridge", `${formatAmount(b.locked, 18)} ${b.mainSymbol ?? ""}`, "token-backing-locked"],
          ["Ratio", `${b.ratio} ${token.symbol ?? ""} per ${b.mainSymbol ?? "main token"}`, "token-backing-ratio"],
          ["Locked × ratio / supply", formatPercent(coverage), "token-backing-coverage"],
          ["Bridge pair", b.bridgePairId ? <Hex value={b.bridgePairId} /> : "—"],
        ]}
      />
    </Panel>
  );
}

export default function TokenPage({ chain }: ChainPageProps) {
  const { address = "" } = useParams();
  const config = useConsoleConfig();
  const c = chain.chainId;
  const [bucket, setBucket] = useState<SeriesBucket>("hour");
  const pager = useCursorPager();
  const token = useAsync((s) => indexer.token(c, address, s), [c, address], 15000);
  const holders = useAsync((s) => indexer.holders(c, address, { limit: 10 }, s), [c, address], 15000);
  const series = useAsync((s) => indexer.tokenSeries(c, address, bucket, s), [c, address, bucket], 30000);
  const transfers = useAsync((s) => indexer.tokenTransfers(c, address, { cursor: pager.cursor, limit: 20 }, s), [c, address, pager.cursor]);
  if (!isAddressLike(address)) return <Notice kind="warn" testId="bad-address">"{address}" is not a token address: write 0x followed by 40 hex digits.</Notice>;
  if (!config.indexer) return <Notice kind="warn">The token dashboard reads the indexer, and this console has none configured.</Notice>;
  return (
    <div className="page" data-testid="token-page">
      <Async state={token} what="the token">
        {(t) => {
          const decimals = t.decimals;
          return (
            <>
              <h1>
                <span data-testid="token-symbol">{t.symbol ?? "?"}</span> <span className="muted">{t.name ?? ""}</span>{" "}
                <span className="tag">{t.contractName ?? t.kind}</span>
              </h1>
              <p>
                <AddressLink chain={c} address={t.address} full /> · <Link to={paths.tokens(c)}>all tokens of {chain.name}</Link>
              </p>
              <Stats>
                <Stat label="Supply (Σ indexed balances)" value={formatAmount(t.totalSupply, decimals, 4)} testId="token-supply" />
                <Stat label="Holders" value={formatNumber(t.holders)} testId="token-holders" />
                <Stat label="Transfers" value={formatNumber(t.transfers)} testId="token-transfers" />
                <Stat label="Decimals" value={decimals === null ? "—" : String(decimals)} />
                {t.creator ? (
                  <Stat
                    label="Created"
                    value={<BlockLink chain={c} number={t.creator.blockNumber} />}
                    sub={
                      <>
                        by <AddressLink chain={c} address={t.creator.address} />
                      </>
                    }
                  />
                ) : null}
              </Stats>
              <Panel title="Reconciliation">
                <ReconciliationDetail chain={c} r={t.reconciliation} decimals={decimals} />
              </Panel>
              {t.backing ? <Backing token={t} /> : null}
              <div className="grid-2">
                <Panel title="Top holders">
                  <Async state={holders} what="holders">
                    {(h) => (
                      <Table
                        testId="token-holders-table"
                        rowTestId="holder-row"
                        rows={h.items}
                        rowKey={(x) => x.address}
                        empty="No holders."
                        columns={[
                          { header: "#", numeric: true, cell: (_x, i) => i + 1 },
                          { header: "Holder", cell: (x) => <AddressLink chain={c} address={x.address} /> },
                          { header: "Balance", numeric: true, cell: (x) => formatAmount(x.balance, decimals, 4) },
                          { header: "Share", numeric: true, cell: (x) => formatPercent(x.share) },
                        ]}
                      />
                    )}
                  </Async>
                </Panel>
                <Panel title="Distribution">
                  <Async state={holders} what="holders">
                    {(h) => {
                      const top = h.items.map((x) => ({ name: x.address.slice(0, 8) + "…", value: x.share }));
                      const rest = Math.max(0, 100 - top.reduce((a, x) => a + x.value, 0));
                      return <ShareChart testId="token-distribution" data={rest > 0.005 ? [...top, { name: "others", value: rest }] : top} />;
                    }}
                  </Async>
                </Panel>
              </div>
              <Panel
                title="Transfers over time"
                actions={
                  <div className="window-select" role="group" aria-label="Bucket">
                    {(["hour", "day"] as const).map((b) => (
                      <button key={b} type="button" className={b === bucket ? "active" : ""} onClick={() => setBucket(b)} data-testid={`token-bucket-${b}`}>
                        per {b}
                      </button>
                    ))}
                  </div>
                }
              >
                <Async state={series} what="the series">
                  {(pts) => (
                    <TimeSeriesChart
                      testId="token-transfers-chart"
                      data={pts.map((p) => ({ t: p.t, transfers: p.transfers, volume: amountToNumber(p.volume, decimals) }))}
                      x="t"
                      formatX={(v) => axisTime(v, bucket === "day")}
                      series={[
                        { key: "transfers", label: "transfers" },
                        { key: "volume", label: `volume (${t.symbol ?? "tokens"}, right axis)`, color: "#e67e22", right: true },
                      ]}
                    />
                  )}
                </Async>
              </Panel>
              <Panel title="Recent transfers">
                <Async state={transfers} what="transfers">
                  {(p) => (
                    <>
                      <Table
                        testId="token-transfers-table"
                        rowTestId="transfer-row"
                        rows={p.items}
                        rowKey={(x) => `${x.transactionHash}-${x.logIndex}`}
                        empty="No transfers."
                        columns={[
                          { header: "Tx", cell: (x) => <TxLink chain={c} hash={x.transactionHash} /> },
                          { header: "Age", cell: (x) => timeAgo(x.timestamp) },
                          { header: "From", cell: (x) => <AddressLink chain={c} address={x.from} /> },
                          { header: "To", cell: (x) => <AddressLink chain={c} address={x.to} /> },
                          { header: "Amount", numeric: true, cell: (x) => (x.tokenId !== null ? `#${x.tokenId}` : formatAmount(x.value, decimals, 4)) },
                        ]}
                      />
                      <Pager pager={pager} nextCursor={p.nextCursor} />
                    </>
                  )}
                </Async>
              </Panel>
            </>
          );
        }}
      </Async>
    </div>
  );
}
