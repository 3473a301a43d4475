/**
 * The node explorer: for each chain, its validators (stake, jailed, proposals and misses per epoch — from the
 * indexer), the finality signatures of the last blocks, the node's peers with their height lag behind the highest
 * head, and the node's version (live JSON-RPC).
 */
import type { ValidatorInfo, ValidatorsResult } from "../../../../lib/indexerApi";
import { useAsync } from "../../api/hooks";
import { indexer } from "../../api/indexer";
import { useConsoleConfig, type ConsoleChain } from "../../config";
import { AddressLink, BlockLink } from "../../components/Links";
import { Panel, Stat, Stats } from "../../components/Stat";
import { Async, Notice } from "../../components/States";
import { Table } from "../../components/Table";
import { formatAmount, formatNumber, shortHex } from "../../components/format";
import { readNodeLive, type FinalityLite, type NodeLive } from "./useNodeLive";

const RECENT = 8;

function EpochMatrix({ chain, validators }: { chain: number; validators: ValidatorInfo[] }) {
  const epochs = [...new Set(validators.flatMap((v) => v.epochs.map((e) => e.epoch)))].sort((a, b) => b - a).slice(0, 6);
  if (epochs.length === 0) return <p className="muted">No complete epoch indexed yet.</p>;
  return (
    <Table
      testId="epoch-matrix"
      rows={validators}
      rowKey={(v) => v.address}
      columns={[
        { header: "Validator", cell: (v) => <AddressLink chain={chain} address={v.address} /> },
        ...epochs.map((ep) => ({
          header: `epoch ${ep}`,
          numeric: true,
          cell: (v: ValidatorInfo) => {
            const e = v.epochs.find((x) => x.epoch === ep);
            return e ? (
              <span title={`blocks ${e.fromBlock}–${e.toBlock}`}>
                {e.proposed} <span className={e.missed > 0 ? "bad" : "muted"}>/ {e.missed}</span>
              </span>
            ) : (
              "—"
            );
          },
        })),
      ]}
    />
  );
}

function signedRecently(v: ValidatorInfo, finality: FinalityLite[] | null): string {
  if (!finality || finality.length === 0) return "—";
  const a = v.address.toLowerCase();
  const n = finality.filter((f) => f.signers.some((s) => s.toLowerCase() === a)).length;
  return `${n} / ${finality.length}`;
}

function ValidatorsPanel({ chain, result, live }: { chain: ConsoleChain; result: ValidatorsResult; live: NodeLive | undefined }) {
  const c = chain.chainId;
  if (!result.supported) return <Notice>This chain is not one of ours: it has no validator set we know.</Notice>;
  return (
    <>
      <Table
        testId={`validators-${c}`}
        rowTestId="validator-row"
        rows={result.validators}
        rowKey={(v) => v.address}
        empty="No validators indexed yet."
        columns={[
          { header: "Validator", cell: (v) => <AddressLink chain={c} address={v.address} /> },
          {
            header: "State",
            cell: (v) => (
              <span data-testid="validator-state">
                {v.jailed ? <span className="badge bad">jailed</span> : v.active ? <span className="badge ok">active</span> : <span className="badge">inactive</span>}
              </span>
            ),
          },
          { header: "Stake", numeric: true, cell: (v) => formatAmount(v.stake) },
          { header: "Proposed", numeric: true, cell: (v) => formatNumber(v.proposed) },
          { header: "Missed", numeric: true, cell: (v) => <span className={v.missed > 0 ? "bad" : ""}>{formatNumber(v.missed)}</span> },
          { header: "Last proposed", numeric: true, cell: (v) => (v.lastProposed === null ? "—" : <BlockLink chain={c} number={v.lastProposed} />) },
          { header: "Last signed", numeric: true, cell: (v) => (v.lastSigned === null ? "—" : <BlockLink chain={c} number={v.lastSigned} />) },
          { header: `Signed (last ${RECENT})`, numeric: true, cell: (v) => signedRecently(v, live?.finality ?? null) },
        ]}
      />
      <h3>Proposals / misses per epoch{result.epochLength ? ` (${result.epochLength} blocks)` : ""}</h3>
      <EpochMatrix chain={c} validators={result.validators} />
    </>
  );
}

function FinalityTable({ chain, finality }: { chain: number; finality: FinalityLite[] }) {
  return (
    <Table
      testId={`finality-${chain}`}
      rowTestId="finality-row"
      rows={finality}
      rowKey={(f) => f.hash}
      empty="No finality records yet."
      columns={[
        { header: "Block", cell: (f) => <BlockLink chain={chain} number={f.number} /> },
        { header: "Signatures", numeric: true, cell: (f) => `${f.signers.length} / ${f.validators.length} (≥ ${f.threshold})` },
        { header: "Final", cell: (f) => (f.final ? <span className="ok">final</span> : <span className="bad">not final</span>) },
        { header: "Signers", cell: (f) => <span className="mono small">{f.signers.map((s) => shortHex(s, 4, 4)).join(" ")}</span> },
      ]}
    />
  );
}

function ChainNodes({ chain }: { chain: ConsoleChain }) {
  const config = useConsoleConfig();
  const live = useAsync((s) => readNodeLive(chain, RECENT, s), [chain.chainId], 5000);
  const validators = useAsync((s) => (config.indexer ? indexer.validators(chain.chainId, s) : Promise.resolve(null)), [chain.chainId], 10000);
  const l = live.data;
  const peerMax = l?.peers?.reduce((m, p) => Math.max(m, p.height ?? 0), 0) ?? 0;
  const highest = Math.max(l?.height ?? 0, peerMax);
  return (
    <Panel title={`${chain.name} (${chain.chainId}) · ${chain.role}`} testId={`nodes-chain-${chain.chainId}`}>
      <Async state={live} what="the node">
        {(n) => (
          <>
            <Stats>
              <Stat label="Head" value={<BlockLink chain={chain.chainId} number={n.height} />} testId={`node-height-${chain.chainId}`} />
              <Stat label="Finalized" value={n.status?.finalizedHeight === null || n.status === null ? "—" : formatNumber(n.status.finalizedHeight)} />
              <Stat label="Lag behind highest head" value={formatNumber(highest - n.height)} sub="blocks (vs its peers)" testId={`node-lag-${chain.chainId}`} />
              <Stat label="Peers" value={n.peers ? formatNumber(n.peers.length) : n.status ? formatNumber(n.status.peers) : "—"} />
              <Stat label="Version" value={<span className="small">{n.version ?? "—"}</span>} testId={`node-version-${chain.chainId}`} />
              <Stat label="Tx pool" value={n.txPool ? `${formatNumber(n.txPool.pending)} pending · ${formatNumber(n.txPool.queued)} queued` : "—"} />
            </Stats>
            {n.missing.length > 0 ? (
              <Notice testId="node-missing-methods">
                This node does not serve {n.missing.join(", ")}; those figures are not shown.
              </Notice>
            ) : null}
          </>
        )}
      </Async>
      <h3>Validators</h3>
      {config.indexer ? (
        <Async state={validators} what="validators">
          {(v) => (v === null ? null : <ValidatorsPanel chain={chain} result={v} live={l} />)}
        </Async>
      ) : (
        <Notice>Validators' stake and epochs come from the indexer, which is not configured.</Notice>
      )}
      {l?.finality ? (
        <>
          <h3>Finality of the last {RECENT} blocks</h3>
          <FinalityTable chain={chain.chainId} finality={l.finality} />
        </>
      ) : null}
      {l?.peers ? (
        <>
          <h3>Peers</h3>
          <Table
            testId={`peers-${chain.chainId}`}
            rowTestId="peer-row"
            rows={l.peers}
            rowKey={(p) => p.id}
            empty="No peers connected."
            columns={[
              { header: "Peer", cell: (p) => <span className="mono small">{shortHex(p.id, 8, 4)}</span> },
              { header: "Validator", cell: (p) => (p.address ? <AddressLink chain={chain.chainId} address={p.address} /> : <span className="muted">full node</span>) },
              { header: "URL", cell: (p) => <span className="mono small">{p.url}</span> },
              { header: "Direction", cell: (p) => p.direction },
              { header: "Height", numeric: true, cell: (p) => formatNumber(p.height) },
              { header: "Lag", numeric: true, cell: (p) => (p.height === null ? "—" : formatNumber(highest - p.height)) },
            ]}
          />
        </>
      ) : null}
    </Panel>
  );
}

export default function NodesPage() {
  const config = useConsoleConfig();
  return (
    <div className="page" data-testid="nodes-page">
      <h1>Nodes</h1>
      <p className="muted">Validators of each chain with their stake and participation; the node's own view, live over JSON-RPC (refreshed every 5 s).</p>
      {config.chains.map((c) => (
        <ChainNodes key={c.chainId} chain={c} />
      ))}
    </div>
  );
}
