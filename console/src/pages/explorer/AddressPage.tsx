/**
 * An address: balance, nonce, token balances, history (paged); for a contract, its creator and — when it is one of
 * ours — the verified ABI with its read functions callable. `/chain/<id>/address/<address>`.
 */
import { useState, type ReactNode } from "react";
import { useParams } from "react-router-dom";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { contractName, useConsoleConfig } from "../../config";
import { AddressLink, Hex, TxLink, BlockLink } from "../../components/Links";
import { Pager, useCursorPager } from "../../components/Pager";
import { Panel } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { DetailList, Table } from "../../components/Table";
import { formatAmount, formatNumber, isAddressLike, timeAgo } from "../../components/format";
import { ContractReader } from "./ContractReader";
import { TransactionsTable } from "./HomePage";

type Tab = "transactions" | "transfers" | "contract";

export default function AddressPage({ chain }: ChainPageProps) {
  const { address = "" } = useParams();
  const config = useConsoleConfig();
  const c = chain.chainId;
  const [tab, setTab] = useState<Tab>("transactions");
  const txPager = useCursorPager();
  const trPager = useCursorPager();
  const detail = useAsync((s) => indexer.address(c, address, s), [c, address]);
  const txs = useAsync((s) => indexer.addressTransactions(c, address, { cursor: txPager.cursor, limit: 25 }, s), [c, address, txPager.cursor]);
  const transfers = useAsync((s) => (tab === "transfers" ? indexer.addressTransfers(c, address, { cursor: trPager.cursor, limit: 25 }, s) : Promise.resolve(null)), [c, address, trPager.cursor, tab]);
  if (!isAddressLike(address)) return <Notice kind="warn" testId="bad-address">"{address}" is not an address: write 0x followed by 40 hex digits.</Notice>;
  if (!config.indexer) return <Notice kind="warn">Address pages read the indexer, and this console has none configured.</Notice>;
  const ours = contractName(chain, address);
  return (
    <div className="page" data-testid="address-page">
      <h1>
        {ours ? ours : "Address"} <span className="muted mono small">{address}</span>
      </h1>
      <Async state={detail} what="the address">
        {(a) => (
          <>
            <div className="grid-2">
              <Panel title="Overview">
                <DetailList
                  items={[
                    ["Address", <Hex value={a.address} testId="address-value" />],
                    ["Balance", `${formatAmount(a.balance, 18, 18)} (native coin)`, "address-balance"],
                    ["Nonce", formatNumber(a.nonce)],
                    ["Transactions", formatNumber(a.txCount), "address-tx-count"],
                    ["Kind", a.isContract ? `contract${a.contract ? ` · ${a.contract.name} (${a.contract.source === "manifest" ? "deployment manifest" : "bytecode match"})` : ""}` : "account", "address-kind"],
                    ...(a.creator
                      ? ([
                          [
                            "Created by",
                            <>
                              <AddressLink chain={c} address={a.creator.address} /> in <TxLink chain={c} hash={a.creator.transactionHash} /> (block <BlockLink chain={c} number={a.creator.blockNumber} />)
                            </>,
                          ],
                        ] as [string, ReactNode][])
                      : []),
                  ]}
                />
              </Panel>
              <Panel title="Token balances">
                <Table
                  testId="address-tokens"
                  rowTestId="address-token-row"
                  rows={a.tokenBalances}
                  rowKey={(t) => t.token}
                  empty="No token balances."
                  columns={[
                    { header: "Token", cell: (t) => <AddressLink chain={c} address={t.token} token /> },
                    { header: "Symbol", cell: (t) => t.symbol ?? "—" },
                    { header: "Balance", numeric: true, cell: (t) => formatAmount(t.balance, t.decimals) },
                  ]}
                />
              </Panel>
            </div>
            <div className="tabs" role="tablist">
              <button type="button" role="tab" aria-selected={tab === "transactions"} onClick={() => setTab("transactions")} data-testid="tab-transactions">
                Transactions
              </button>
              <button type="button" role="tab" aria-selected={tab === "transfers"} onClick={() => setTab("transfers")} data-testid="tab-transfers">
                Token transfers
              </button>
              {a.contract ? (
                <button type="button" role="tab" aria-selected={tab === "contract"} onClick={() => setTab("contract")} data-testid="tab-contract">
                  Contract
                </button>
              ) : null}
            </div>
            {tab === "transactions" ? (
              <Panel title="History">
                <Async state={txs} what="transactions">
                  {(p) => (
                    <>
                      <TransactionsTable chain={c} txs={p.items} testId="address-transactions" />
                      <Pager pager={txPager} nextCursor={p.nextCursor} />
                    </>
                  )}
                </Async>
              </Panel>
            ) : null}
            {tab === "transfers" ? (
              <Panel title="Token transfers">
                <Async state={transfers} what="transfers">
                  {(p) =>
                    p === null ? null : (
                      <>
                        <Table
                          testId="address-transfers"
                          rows={p.items}
                          rowKey={(x) => `${x.transactionHash}-${x.logIndex}`}
                          empty="No token transfers."
                          columns={[
                            { header: "Tx", cell: (x) => <TxLink chain={c} hash={x.transactionHash} /> },
                            { header: "Age", cell: (x) => timeAgo(x.timestamp) },
                            { header: "Token", cell: (x) => <AddressLink chain={c} address={x.token} token /> },
                            { header: "From", cell: (x) => <AddressLink chain={c} address={x.from} /> },
                            { header: "To", cell: (x) => <AddressLink chain={c} address={x.to} /> },
                            { header: "Amount", numeric: true, cell: (x) => (x.tokenId !== null ? `#${x.tokenId}` : formatAmount(x.value)) },
                          ]}
                        />
                        <Pager pager={trPager} nextCursor={p.nextCursor} />
                      </>
                    )
                  }
                </Async>
              </Panel>
            ) : null}
            {tab === "contract" && a.contract ? (
              <Panel title={`${a.contract.name} — read functions`} testId="contract-panel">
                <ContractReader chain={chain} abi={a.contract.abi} address={a.address} />
                <details>
                  <summary>ABI ({a.contract.abi.length} entries)</summary>
                  <pre className="mono raw">{JSON.stringify(a.contract.abi, null, 1)}</pre>
                </details>
              </Panel>
            ) : null}
          </>
        )}
      </Async>
    </div>
  );
}
