/** A transaction: overview, revert reason, decoded input, token transfers, decoded logs, internal calls (tree). `/chain/<id>/tx/<hash>`. */
import type { ReactNode } from "react";
import { useParams } from "react-router-dom";
import type { InternalCall, LogEntry, TransactionDetail } from "../../../../lib/indexerApi";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { useConsoleConfig } from "../../config";
import { AddressLink, BlockLink, Hex } from "../../components/Links";
import { Panel } from "../../components/Stat";
import { Async, Empty, Notice } from "../../components/States";
import { DetailList, Table } from "../../components/Table";
import { formatAmount, formatNumber, formatTime, timeAgo } from "../../components/format";
import { DecodedArgs } from "./DecodedArgs";

function fee(tx: TransactionDetail): string {
  const price = tx.effectiveGasPrice ?? tx.gasPrice;
  if (price === null) return "—";
  return `${formatAmount((BigInt(tx.gasUsed) * BigInt(price)).toString())} (${formatNumber(tx.gasUsed)} gas × ${formatNumber(price)} wei)`;
}

function Logs({ chain, logs }: { chain: number; logs: LogEntry[] }) {
  if (logs.length === 0) return <Empty>No logs.</Empty>;
  return (
    <ol className="logs" data-testid="tx-logs">
      {logs.map((l) => (
        <li key={l.index} className="log" data-testid="tx-log">
          <div className="log-head">
            <span className="muted">#{l.index}</span> <AddressLink chain={chain} address={l.address} />{" "}
            {l.decoded ? (
              <strong className="mono" data-testid="tx-log-event">
                {l.decoded.event}
              </strong>
            ) : (
              <span className="muted">undecoded event</span>
            )}
          </div>
          {l.decoded ? (
            <DecodedArgs chain={chain} args={l.decoded.args} />
          ) : (
            <DetailList
              items={[
                ...l.topics.map((t, i): [string, ReactNode] => [`topic ${i}`, <Hex value={t} />]),
                ["data", <Hex value={l.data} />],
              ]}
            />
          )}
        </li>
      ))}
    </ol>
  );
}

function InternalCalls({ chain, calls }: { chain: number; calls: InternalCall[] | null }) {
  if (calls === null) return <Notice>The node does not serve debug_traceTransaction, so internal calls are unknown.</Notice>;
  if (calls.length <= 1) return <Empty>No internal calls.</Empty>;
  return (
    <ul className="call-tree" data-testid="tx-internal-calls">
      {calls.map((c) => (
        <li key={c.index} style={{ paddingLeft: `${c.depth * 1.25}rem` }} className={c.error ? "call failed" : "call"} data-testid="internal-call">
          <span className="tag">{c.type}</span> <AddressLink chain={chain} address={c.from} /> → <AddressLink chain={chain} address={c.to} />
          {c.value !== "0" ? <span> · {formatAmount(c.value)}</span> : null}
          <span className="muted"> · gas {formatNumber(c.gasUsed)}</span>
          {c.input.length >= 10 ? <span className="mono muted"> · {c.input.slice(0, 10)}</span> : null}
          {c.error ? <span className="bad"> · {c.error}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export default function TxPage({ chain }: ChainPageProps) {
  const { hash = "" } = useParams();
  const config = useConsoleConfig();
  const tx = useAsync((s) => indexer.transaction(chain.chainId, hash, s), [chain.chainId, hash]);
  if (!config.indexer) return <Notice kind="warn">Transaction pages read the indexer, and this console has none configured.</Notice>;
  const c = chain.chainId;
  return (
    <div className="page" data-testid="tx-page">
      <h1>Transaction</h1>
      <Async state={tx} what="the transaction">
        {(t) => (
          <>
            <Panel title="Overview">
              <DetailList
                items={[
                  ["Hash", <Hex value={t.hash} testId="tx-hash" />],
                  [
                    "Status",
                    t.status === 1 ? <span className="badge ok">Success</span> : <span className="badge bad">Reverted</span>,
                    "tx-status",
                  ],
                  ["Block", <BlockLink chain={c} number={t.blockNumber} />, "tx-block"],
                  ["Time", `${formatTime(t.timestamp)} (${timeAgo(t.timestamp)})`],
                  ["From", <AddressLink chain={c} address={t.from} full />, "tx-from"],
                  [t.to === null ? "Created" : "To", <AddressLink chain={c} address={t.to ?? t.contractAddress} full />, "tx-to"],
                  ["Value", `${formatAmount(t.value, 18, 18)} (native coin)`, "tx-value"],
                  ["Fee", fee(t)],
                  ["Gas limit / used", `${formatNumber(t.gas)} / ${formatNumber(t.gasUsed)}`],
                  ["Nonce · index · type", `${t.nonce} · ${t.index} · ${t.type}`],
                ]}
              />
            </Panel>
            {t.revert ? (
              <Panel title="Revert reason" testId="tx-revert">
                <p className="bad">{t.revert.message}</p>
                {t.revert.decoded ? <p className="mono">{t.revert.decoded}</p> : null}
                {t.revert.data ? <Hex value={t.revert.data} /> : null}
              </Panel>
            ) : null}
            <Panel title="Input">
              {t.decodedInput ? (
                <div data-testid="tx-decoded-input">
                  <p>
                    <span className="tag">{t.decodedInput.contract}</span> <strong className="mono">{t.decodedInput.signature}</strong>
                  </p>
                  <DecodedArgs chain={c} args={t.decodedInput.args} />
                </div>
              ) : t.input === "0x" ? (
                <Empty>No input data (a plain transfer).</Empty>
              ) : (
                <p className="muted">Not one of our contracts' functions; raw data below.</p>
              )}
              {t.input !== "0x" ? (
                <details>
                  <summary>Raw input ({formatNumber((t.input.length - 2) / 2)} bytes)</summary>
                  <pre className="mono break raw">{t.input}</pre>
                </details>
              ) : null}
            </Panel>
            {t.tokenTransfers.length > 0 ? (
              <Panel title="Token transfers">
                <Table
                  testId="tx-token-transfers"
                  rows={t.tokenTransfers}
                  rowKey={(x) => `${x.logIndex}`}
                  columns={[
                    { header: "Token", cell: (x) => <AddressLink chain={c} address={x.token} token /> },
                    { header: "From", cell: (x) => <AddressLink chain={c} address={x.from} /> },
                    { header: "To", cell: (x) => <AddressLink chain={c} address={x.to} /> },
                    { header: "Amount", numeric: true, cell: (x) => (x.tokenId !== null ? `#${x.tokenId}` : formatAmount(x.value)) },
                  ]}
                />
              </Panel>
            ) : null}
            <Panel title={`Logs (${t.logs.length})`}>
              <Logs chain={c} logs={t.logs} />
            </Panel>
            <Panel title="Internal calls">
              <InternalCalls chain={c} calls={t.internalCalls} />
            </Panel>
          </>
        )}
      </Async>
    </div>
  );
}
