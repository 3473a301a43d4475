/** A block: header fields, proposer, finality signatures, its transactions. `/chain/<id>/block/<number|hash>`. */
import { Link, useParams } from "react-router-dom";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { useConsoleConfig } from "../../config";
import { AddressLink, Hex, paths } from "../../components/Links";
import { Panel } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { DetailList } from "../../components/Table";
import { formatNumber, formatTime, timeAgo } from "../../components/format";
import { TransactionsTable } from "./HomePage";

export default function BlockPage({ chain }: ChainPageProps) {
  const { id = "" } = useParams();
  const config = useConsoleConfig();
  const block = useAsync((s) => indexer.block(chain.chainId, id, s), [chain.chainId, id]);
  if (!config.indexer) return <Notice kind="warn">Block pages read the indexer, and this console has none configured.</Notice>;
  return (
    <div className="page" data-testid="block-page">
      <Async state={block} what={`block ${id}`}>
        {(b) => (
          <>
            <h1>
              Block <span data-testid="block-number">{b.number}</span>
              <span className="nav-arrows">
                {b.number > 0 ? (
                  <Link to={paths.block(chain.chainId, b.number - 1)} title="previous block" data-testid="block-prev">
                    ←
                  </Link>
                ) : null}
                <Link to={paths.block(chain.chainId, b.number + 1)} title="next block" data-testid="block-next">
                  →
                </Link>
              </span>
            </h1>
            <Panel title="Overview">
              <DetailList
                items={[
                  ["Hash", <Hex value={b.hash} testId="block-hash" />],
                  ["Parent", <Link to={paths.block(chain.chainId, b.parentHash)} className="mono">{b.parentHash}</Link>],
                  ["Time", `${formatTime(b.timestamp)} (${timeAgo(b.timestamp)})`],
                  ["Proposer", <AddressLink chain={chain.chainId} address={b.proposer} full />, "block-proposer"],
                  ["Round", b.round === null ? "—" : formatNumber(b.round)],
                  ["Transactions", formatNumber(b.txCount), "block-tx-count"],
                  ["Gas used / limit", `${formatNumber(b.gasUsed)} / ${formatNumber(b.gasLimit)} (${formatNumber((Number(b.gasUsed) / Math.max(1, Number(b.gasLimit))) * 100, 2)} %)`],
                  ["Base fee", b.baseFeePerGas === null ? "—" : `${formatNumber(b.baseFeePerGas)} wei`],
                  ["Size", b.size === null ? "—" : `${formatNumber(b.size)} bytes`],
                  [
                    "Finality",
                    b.finalitySigners === null ? (
                      <span className="muted">the node does not report finality signatures</span>
                    ) : (
                      <span data-testid="block-finality">{formatNumber(b.finalitySigners)} signature{b.finalitySigners === 1 ? "" : "s"}</span>
                    ),
                  ],
                  ["State root", <Hex value={b.stateRoot} />],
                  ["Transactions root", <Hex value={b.transactionsRoot} />],
                  ["Receipts root", <Hex value={b.receiptsRoot} />],
                  ["Extra data", <Hex value={b.extraData} />],
                ]}
              />
            </Panel>
            {b.finalitySignerAddresses && b.finalitySignerAddresses.length > 0 ? (
              <Panel title="Finality signers">
                <ul className="chips" data-testid="finality-signers">
                  {b.finalitySignerAddresses.map((a) => (
                    <li key={a}>
                      <AddressLink chain={chain.chainId} address={a} />
                    </li>
                  ))}
                </ul>
              </Panel>
            ) : null}
            <Panel title={`Transactions (${formatNumber(b.txCount)})`}>
              <TransactionsTable chain={chain.chainId} txs={b.transactions} testId="block-transactions" />
              {b.txCount > b.transactions.length ? <p className="muted">The first {b.transactions.length} of {formatNumber(b.txCount)} are shown.</p> : null}
            </Panel>
          </>
        )}
      </Async>
    </div>
  );
}
