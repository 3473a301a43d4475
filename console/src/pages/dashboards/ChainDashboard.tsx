/**
 * A chain's dashboard: heights, block interval and TPS over time (the indexer's stats), the transaction pool
 * (`txpool_status`, else `luniverse_status`), anchoring progress (phase 1 and 2) and the bridge's queue and limits.
 */
import { useState } from "react";
import type { AnchoringResult, BridgeResult } from "../../../../lib/indexerApi";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { hexToNumber, rpc, rpcOptional } from "../../api/rpc";
import { findChain, useConsoleConfig, type ConsoleChain } from "../../config";
import { TimeSeriesChart } from "../../components/Charts";
import { AddressLink, BlockLink, TxLink } from "../../components/Links";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { Table } from "../../components/Table";
import { axisTime, formatAmount, formatNumber, formatPercent, shortHex, timeAgo } from "../../components/format";

const WINDOWS = [
  { id: "1h", label: "1 hour", window: 3600, bucket: 60 },
  { id: "6h", label: "6 hours", window: 6 * 3600, bucket: 300 },
  { id: "24h", label: "24 hours", window: 86400, bucket: 1800 },
  { id: "7d", label: "7 days", window: 7 * 86400, bucket: 3 * 3600 },
];

interface Live {
  head: number;
  pool: { pending: number; queued: number; source: string } | null;
}

async function readLive(chain: ConsoleChain, signal: AbortSignal): Promise<Live> {
  const head = hexToNumber(await rpc<string>(chain, "eth_blockNumber", [], signal)) ?? 0;
  const txpool = await rpcOptional<{ pending: string; queued: string }>(chain, "txpool_status", [], signal).catch(() => null);
  if (txpool) return { head, pool: { pending: hexToNumber(txpool.pending) ?? 0, queued: hexToNumber(txpool.queued) ?? 0, source: "txpool_status" } };
  const status = await rpcOptional<{ txPool?: { pending: number; queued: number } }>(chain, "luniverse_status", [], signal).catch(() => null);
  return { head, pool: status?.txPool ? { ...status.txPool, source: "luniverse_status" } : null };
}

function chainLabel(id: number, config: ReturnType<typeof useConsoleConfig>): string {
  const c = findChain(config, id);
  return c ? `${c.name} (${id})` : String(id);
}

function Anchoring({ chain, a }: { chain: ConsoleChain; a: AnchoringResult }) {
  const config = useConsoleConfig();
  return (
    <>
      <Table
        testId="anchoring-phases"
        rowTestId="anchoring-phase-row"
        rows={a.phases}
        rowKey={(p) => `${p.phase}-${p.childChainId}-${p.parentChainId}`}
        empty="No anchoring configured for this chain."
        columns={[
          { header: "Phase", cell: (p) => `phase ${p.phase}` },
          { header: "Child → parent", cell: (p) => `${chainLabel(p.childChainId, config)} → ${chainLabel(p.parentChainId, config)}` },
          { header: "Anchored up to", numeric: true, cell: (p) => formatNumber(p.lastAnchoredHeight) },
          { header: "Child head", numeric: true, cell: (p) => formatNumber(p.childHeadHeight) },
          { header: "Lag", numeric: true, cell: (p) => formatNumber(p.lag) },
          {
            header: "Progress",
            cell: (p) => {
              const pct = p.lastAnchoredHeight !== null && p.childHeadHeight ? Math.min(100, (p.lastAnchoredHeight / p.childHeadHeight) * 100) : 0;
              return (
                <div className="progress" title={formatPercent(pct)}>
                  <div className="progress-bar" style={{ width: `${pct}%` }} />
                </div>
              );
            },
          },
        ]}
      />
      <h3>Recent anchored ranges</h3>
      <Table
        testId="anchoring-ranges"
        rows={a.ranges.slice(0, 10)}
        rowKey={(r) => `${r.chainId}-${r.transactionHash}-${r.fromBlock}`}
        empty="No range anchored yet."
        columns={[
          { header: "Child chain", cell: (r) => chainLabel(r.childChainId, config) },
          { header: "Blocks", cell: (r) => `${formatNumber(r.fromBlock)}–${formatNumber(r.toBlock)}` },
          { header: "Root", cell: (r) => <span className="mono">{shortHex(r.root, 8, 6)}</span> },
          { header: "Recorded in", cell: (r) => (r.chainId === chain.chainId ? <TxLink chain={r.chainId} hash={r.transactionHash} /> : `${chainLabel(r.chainId, config)} block ${formatNumber(r.blockNumber)}`) },
        ]}
      />
    </>
  );
}

function Bridge({ chain, b }: { chain: ConsoleChain; b: BridgeResult }) {
  const c = chain.chainId;
  if (b.bridge === null) return <Notice>No bridge on this chain.</Notice>;
  return (
    <>
      <p>
        Bridge contract: <AddressLink chain={c} address={b.bridge} />
      </p>
      <Stats>
        <Stat label="Queued operations" value={formatNumber(b.queue.length)} testId="bridge-queue-length" />
        <Stat label="Recent operations" value={formatNumber(b.operations.length)} />
      </Stats>
      <h3>Limits</h3>
      <Table
        testId="bridge-limits"
        rows={b.limits}
        rowKey={(l) => l.pairId}
        empty="No bridge pair registered."
        columns={[
          { header: "Pair", cell: (l) => <span className="mono">{shortHex(l.pairId, 8, 6)}</span> },
          { header: "Per transaction", numeric: true, cell: (l) => formatAmount(l.perTx) },
          { header: "Daily", numeric: true, cell: (l) => formatAmount(l.daily) },
          { header: "Used today", numeric: true, cell: (l) => formatAmount(l.usedToday) },
          {
            header: "Daily used",
            cell: (l) => {
              const pct = l.daily && l.usedToday && BigInt(l.daily) > 0n ? Number((BigInt(l.usedToday) * 10000n) / BigInt(l.daily)) / 100 : 0;
              return (
                <div className="progress" title={formatPercent(pct)}>
                  <div className={`progress-bar${pct > 90 ? " warn" : ""}`} style={{ width: `${Math.min(100, pct)}%` }} />
                </div>
              );
            },
          },
        ]}
      />
      <h3>Queue</h3>
      <Table
        testId="bridge-queue"
        rowTestId="bridge-queue-row"
        rows={b.queue}
        rowKey={(o) => o.id}
        empty="The queue is empty: every deposit and redeem seen was executed."
        columns={[
          { header: "Kind", cell: (o) => o.kind },
          { header: "Status", cell: (o) => <span className="badge">{o.status}</span> },
          { header: "Age", cell: (o) => timeAgo(o.timestamp) },
          { header: "Sender", cell: (o) => <AddressLink chain={o.chainId} address={o.sender} /> },
          { header: "Main amount", numeric: true, cell: (o) => formatAmount(o.mainAmount) },
          { header: "Tx", cell: (o) => <TxLink chain={o.chainId} hash={o.transactionHash} /> },
        ]}
      />
    </>
  );
}

export default function ChainDashboard({ chain }: ChainPageProps) {
  const config = useConsoleConfig();
  const c = chain.chainId;
  const [win, setWin] = useState(WINDOWS[0]!);
  const live = useAsync((s) => readLive(chain, s), [c], 3000);
  const summary = useAsync((s) => (config.indexer ? indexer.chains(s).then((all) => all.find((x) => x.chainId === c) ?? null) : Promise.resolve(null)), [c], 5000);
  const stats = useAsync((s) => (config.indexer ? indexer.stats(c, { window: win.window, bucket: win.bucket }, s) : Promise.resolve(null)), [c, win.id], 15000);
  const anchoring = useAsync((s) => (config.indexer ? indexer.anchoring(c, s) : Promise.resolve(null)), [c], 15000);
  const bridge = useAsync((s) => (config.indexer ? indexer.bridge(c, s) : Promise.resolve(null)), [c], 10000);
  const series = stats.data?.series ?? [];
  // The window's mean interval: each bucket's mean weighted by its blocks.
  const timed = series.filter((p) => p.avgBlockInterval !== null && p.blocks > 0);
  const timedBlocks = timed.reduce((a, p) => a + p.blocks, 0);
  const avgInterval = timedBlocks > 0 ? timed.reduce((a, p) => a + p.avgBlockInterval! * p.blocks, 0) / timedBlocks : null;
  const totalTxs = series.reduce((a, p) => a + p.txs, 0);
  const days = win.window > 86400;
  return (
    <div className="page" data-testid="chain-dashboard">
      <h1>
        {chain.name} <span className="muted">chain {c} · {chain.role}</span>
      </h1>
      <Stats>
        <Stat label="Head height" value={live.data ? <BlockLink chain={c} number={live.data.head} /> : "…"} testId="chain-height" />
        <Stat label="Indexed height" value={summary.data ? formatNumber(summary.data.indexedHeight) : config.indexer ? "…" : "no indexer"} testId="chain-indexed-height" />
        <Stat label="Avg block interval" value={avgInterval === null ? "—" : `${formatNumber(avgInterval, 2)} s`} sub={`over ${win.label}`} testId="chain-block-interval" />
        <Stat label="Transactions" value={formatNumber(totalTxs)} sub={`${formatNumber(totalTxs / win.window, 3)} tps over ${win.label}`} testId="chain-tx-count" />
        <Stat
          label="Tx pool"
          value={live.data?.pool ? `${formatNumber(live.data.pool.pending)} pending · ${formatNumber(live.data.pool.queued)} queued` : live.data ? "not reported" : "…"}
          sub={live.data?.pool?.source}
          testId="chain-txpool"
        />
      </Stats>
      {live.error !== undefined && live.data === undefined ? <Async state={live}>{() => null}</Async> : null}
      {!config.indexer ? (
        <Notice kind="warn">No indexer is configured: charts, anchoring and the bridge come from it.</Notice>
      ) : (
        <>
          <div className="window-select" role="group" aria-label="Window">
            {WINDOWS.map((w) => (
              <button key={w.id} type="button" className={w.id === win.id ? "active" : ""} onClick={() => setWin(w)} data-testid={`chain-window-${w.id}`}>
                {w.label}
              </button>
            ))}
          </div>
          <div className="grid-2">
            <Panel title="Transactions per second">
              <Async state={stats} what="stats">
                {() => <TimeSeriesChart testId="chain-tps-chart" data={series} x="t" formatX={(t) => axisTime(t, days)} series={[{ key: "tps", label: "TPS" }]} area />}
              </Async>
            </Panel>
            <Panel title="Block interval (s)">
              <Async state={stats} what="stats">
                {() => <TimeSeriesChart testId="chain-interval-chart" data={series} x="t" formatX={(t) => axisTime(t, days)} series={[{ key: "avgBlockInterval", label: "seconds", color: "#16a085" }]} />}
              </Async>
            </Panel>
          </div>
          <Panel title="Blocks and transactions per bucket">
            <Async state={stats} what="stats">
              {() => (
                <TimeSeriesChart
                  testId="chain-blocks-chart"
                  data={series}
                  x="t"
                  formatX={(t) => axisTime(t, days)}
                  series={[
                    { key: "blocks", label: "blocks" },
                    { key: "txs", label: "transactions", color: "#e67e22" },
                  ]}
                />
              )}
            </Async>
          </Panel>
          <Panel title="Anchoring" testId="anchoring-panel">
            <Async state={anchoring} what="anchoring">
              {(a) => (a === null ? null : <Anchoring chain={chain} a={a} />)}
            </Async>
          </Panel>
          <Panel title="Bridge" testId="bridge-panel">
            <Async state={bridge} what="the bridge">
              {(b) => (b === null ? null : <Bridge chain={chain} b={b} />)}
            </Async>
          </Panel>
        </>
      )}
    </div>
  );
}
