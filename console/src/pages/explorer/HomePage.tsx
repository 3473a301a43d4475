/** Home of a chain's explorer: search, latest blocks and transactions (from the indexer; blocks from the node without one). */
import { Link } from "react-router-dom";
import type { BlockSummary, TransactionSummary } from "../../../../lib/indexerApi";
import type { ChainPageProps } from "../../App";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { hexToNumber, rpc } from "../../api/rpc";
import { useConsoleConfig, type ConsoleChain } from "../../config";
import { AddressLink, BlockLink, paths, TxLink } from "../../components/Links";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { Table } from "../../components/Table";
import { formatAmount, formatNumber, timeAgo } from "../../components/format";

interface RpcBlockLite {
  number: string;
  hash: string;
  timestamp: string;
  miner: string;
  gasUsed: string;
  gasLimit: string;
  transactions: string[];
}

/** The last `n` blocks read from the node directly (no indexer). */
async function latestBlocksFromNode(chain: ConsoleChain, n: number, signal: AbortSignal): Promise<BlockSummary[]> {
  const head = hexToNumber(await rpc<string>(chain, "eth_blockNumber", [], signal)) ?? 0;
  const numbers = Array.from({ length: Math.min(n, head + 1) }, (_, i) => head - i);
  const blocks = await Promise.all(numbers.map((b) => rpc<RpcBlockLite | null>(chain, "eth_getBlockByNumber", [`0x${b.toString(16)}`, false], signal)));
  return blocks
    .filter((b): b is RpcBlockLite => b !== null)
    .map((b) => ({
      number: hexToNumber(b.number) ?? 0,
      hash: b.hash,
      timestamp: hexToNumber(b.timestamp) ?? 0,
      proposer: b.miner,
      round: null,
      txCount: b.transactions.length,
      gasUsed: BigInt(b.gasUsed).toString(),
      gasLimit: BigInt(b.gasLimit).toString(),
    }));
}

export function BlocksTable({ chain, blocks }: { chain: number; blocks: BlockSummary[] }) {
  return (
    <Table
      testId="latest-blocks"
      rowTestId="block-row"
      rows={blocks}
      rowKey={(b) => b.hash}
      empty="No blocks yet."
      columns={[
        { header: "Block", cell: (b) => <BlockLink chain={chain} number={b.number} /> },
        { header: "Age", cell: (b) => <span title={new Date(b.timestamp * 1000).toISOString()}>{timeAgo(b.timestamp)}</span> },
        { header: "Proposer", cell: (b) => <AddressLink chain={chain} address={b.proposer} /> },
        { header: "Txs", numeric: true, cell: (b) => formatNumber(b.txCount) },
        { header: "Gas used", numeric: true, cell: (b) => formatNumber(b.gasUsed) },
      ]}
    />
  );
}

export function TransactionsTable({ chain, txs, testId = "latest-transactions" }: { chain: number; txs: TransactionSummary[]; testId?: string }) {
  return (
    <Table
      testId={testId}
      rowTestId="tx-row"
      rows={txs}
      rowKey={(t) => t.hash}
      empty="No transactions yet."
      columns={[
        { header: "Hash", cell: (t) => <TxLink chain={chain} hash={t.hash} /> },
        { header: "Block", cell: (t) => <BlockLink chain={chain} number={t.blockNumber} /> },
        { header: "Age", cell: (t) => timeAgo(t.timestamp) },
        { header: "Method", cell: (t) => <span className="tag" title={t.selector ?? undefined}>{t.to === null ? "create" : (t.method ?? t.selector ?? "send")}</span> },
        { header: "From", cell: (t) => <AddressLink chain={chain} address={t.from} /> },
        { header: "To", cell: (t) => (t.to ? <AddressLink chain={chain} address={t.to} /> : <AddressLink chain={chain} address={t.contractAddress} />) },
        { header: "Value", numeric: true, cell: (t) => formatAmount(t.value) },
        { header: "", cell: (t) => (t.status === 1 ? <span className="ok">✓</span> : <span className="bad" title="reverted">✗</span>) },
      ]}
    />
  );
}

export default function HomePage({ chain }: ChainPageProps) {
  const config = useConsoleConfig();
  const summary = useAsync((s) => (config.indexer ? indexer.chains(s).then((all) => all.find((c) => c.chainId === chain.chainId) ?? null) : Promise.resolve(null)), [chain.chainId], 5000);
  const blocks = useAsync((s) => (config.indexer ? indexer.blocks(chain.chainId, { limit: 10 }, s).then((p) => p.items) : latestBlocksFromNode(chain, 10, s)), [chain.chainId], 3000);
  const txs = useAsync((s) => (config.indexer ? indexer.transactions(chain.chainId, { limit: 10 }, s).then((p) => p.items) : Promise.resolve(null)), [chain.chainId], 3000);
  return (
    <div className="page" data-testid="home-page">
      <h1>
        {chain.name} <span className="muted">chain {chain.chainId} · {chain.role}</span>
      </h1>
      {summary.data ? (
        <Stats>
          <Stat label="Indexed height" value={formatNumber(summary.data.indexedHeight)} testId="indexed-height" />
          <Stat label="Head height" value={formatNumber(summary.data.headHeight)} testId="head-height" />
          <Stat label="Last block" value={timeAgo(summary.data.lastBlockTime)} />
          <Stat label="Dashboard" value={<Link to={paths.chain(chain.chainId)}>charts →</Link>} />
        </Stats>
      ) : null}
      {!config.indexer ? <Notice kind="warn">No indexer is configured: blocks are read from the node; transactions, addresses and tokens need the indexer.</Notice> : null}
      <div className="grid-2">
        <Panel title="Latest blocks">
          <Async state={blocks} what="blocks">
            {(b) => <BlocksTable chain={chain.chainId} blocks={b} />}
          </Async>
        </Panel>
        <Panel title="Latest transactions">
          <Async state={txs} what="transactions">
            {(t) => (t === null ? <Notice>Transactions are listed by the indexer.</Notice> : <TransactionsTable chain={chain.chainId} txs={t} />)}
          </Async>
        </Panel>
      </div>
    </div>
  );
}
