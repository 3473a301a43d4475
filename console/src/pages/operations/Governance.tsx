/**
 * Governance on the main chain: create a proposal (the calls of ops/governance/proposalActions, sent by
 * ops/governance/propose), and for each proposal its live state with Vote (ops/governance/vote) and Queue / Execute
 * (ops/governance/queueOrExecute). The list comes from the indexer when the console has one, else from the
 * governor's ProposalCreated events; the state always from the governor.
 */
import { useCallback, useEffect, useState } from "react";
import { FunctionFragment, Interface } from "ethers";
import { Link } from "react-router-dom";
import { propose, type ProposeReturnType } from "../../../../ops/governance/propose";
import { vote, type VoteReturnType, type VoteSupport } from "../../../../ops/governance/vote";
import { queueOrExecute, type QueueOrExecuteReturnType } from "../../../../ops/governance/queueOrExecute";
import { proposalAction, type ProposalAction, type ProposalActionContracts } from "../../../../ops/governance/proposalActions";
import { governorAt, proposalState, type ProposalState } from "../../../../ops/governance/proposal";
import type { GovernanceProposal } from "../../../../lib/indexerApi";
import { useConsoleConfig, type ConsoleChain } from "../../config";
import { Field, FieldError, OperationFrame, Select, TxProgress, ErrorBox, contractOf, parseAddressField, readProvider, useChain, useOperation, parseTextField } from "./common";
import { describeError, type DescribedError } from "./errors";

interface ProposalRow {
  id: bigint;
  proposer: string;
  description: string;
  state: ProposalState;
  deadline: bigint;
  votesFor: bigint;
  votesAgainst: bigint;
  votesAbstain: bigint;
}

const ACTIONS = [
  { value: "grant-cp", label: "Grant the consortium-partner role", needs: "address" },
  { value: "revoke-cp", label: "Revoke the consortium-partner role", needs: "address" },
  { value: "approve-validator", label: "Approve a validator candidate", needs: "address" },
  { value: "remove-validator", label: "Remove a validator", needs: "address" },
  { value: "release-validator", label: "Release a validator from jail", needs: "address" },
  { value: "swap-validator", label: "Swap a validator", needs: "address,newAddress" },
  { value: "set-main-token-issuer", label: "Record a main token's CP on the product token factory", needs: "address,newAddress" },
  { value: "unpause", label: "Unpause a system contract", needs: "contract" },
  { value: "call", label: "Call any function (signature and arguments)", needs: "contract,signature,args" },
] as const;

type ActionName = (typeof ACTIONS)[number]["value"];

/** A contract of `chain` by name, or an address. */
function resolveTarget(chain: ConsoleChain, value: string): { address: string; name: string } {
  const v = value.trim();
  if (v === "") throw new FieldError(`Contract is required: a name (${Object.keys(chain.contracts).slice(0, 6).join(", ")}, …) or a 0x address`);
  const byName = chain.contracts[v];
  if (byName) return { address: byName, name: v };
  if (v.startsWith("0x")) return { address: parseAddressField("Contract", v), name: v };
  throw new FieldError(`Contract "${v}" is neither an address nor a contract of ${chain.name} (${Object.keys(chain.contracts).join(", ")})`);
}

/** `signature` and the JSON array `args` as calldata; each problem names its field. */
function encodeCall(signature: string, args: string): string {
  let fragment: FunctionFragment;
  try {
    fragment = FunctionFragment.from(`function ${signature.trim()}`);
  } catch (e) {
    throw new FieldError(`Function "${signature}" is not a valid signature: ${(e as Error).message.split(" (")[0]}`, 'e.g. releaseValidator(address) or setParams((uint256,uint256))');
  }
  let values: unknown[] = [];
  if (args.trim() !== "") {
    try {
      values = JSON.parse(args) as unknown[];
    } catch (e) {
      throw new FieldError(`Arguments must be a JSON array: ${(e as Error).message}`, 'e.g. ["0x…", "1000"]');
    }
    if (!Array.isArray(values)) throw new FieldError("Arguments must be a JSON array", 'e.g. ["0x…", "1000"]');
  }
  try {
    return new Interface([fragment]).encodeFunctionData(fragment, values);
  } catch (e) {
    throw new FieldError(`Arguments do not match ${fragment.format()}: ${(e as Error).message.split(" (")[0]}`);
  }
}

function buildAction(chain: ConsoleChain, action: ActionName, f: { address: string; newAddress: string; contract: string; signature: string; args: string }): ProposalAction {
  const { address, newAddress } = f;
  switch (action) {
    case "unpause": {
      const t = resolveTarget(chain, f.contract);
      return { action, target: t.address, name: t.name };
    }
    case "call": {
      const t = resolveTarget(chain, f.contract);
      return { action, target: t.address, data: encodeCall(f.signature, f.args), summary: `call ${t.name}.${f.signature.trim()} ${f.args.trim() || "[]"}` };
    }
    case "grant-cp":
    case "revoke-cp":
      return { action, account: parseAddressField("Account", address) };
    case "approve-validator":
    case "remove-validator":
    case "release-validator":
      return { action, validator: parseAddressField("Validator", address) };
    case "swap-validator":
      return { action, validator: parseAddressField("Validator", address), newValidator: parseAddressField("New validator", newAddress) };
    case "set-main-token-issuer":
      return { action, mainToken: parseAddressField("Main token", address), issuer: parseAddressField("Issuer (CP)", newAddress) };
  }
}

/** Proposal ids (and what the indexer knows) — from the indexer when there is one, else from the governor's events. */
async function listProposals(chain: ConsoleChain, governor: string, useIndexer: boolean): Promise<{ id: bigint; proposer: string; description: string }[]> {
  if (useIndexer) {
    try {
      const res = await fetch(`/api/v1/chains/${chain.chainId}/governance/proposals`, { headers: { accept: "application/json" } });
      if (res.ok) {
        const list = (await res.json()) as GovernanceProposal[];
        if (Array.isArray(list)) return list.map((p) => ({ id: BigInt(p.id), proposer: p.proposer, description: p.description ?? "" }));
      }
    } catch {
      // fall back to the chain's events below
    }
  }
  const gov = governorAt(governor, readProvider(chain));
  const events = await gov.queryFilter(gov.filters.ProposalCreated(), 0);
  return events.map((e) => ({ id: e.args.proposalId, proposer: e.args.proposer, description: e.args.description }));
}

async function loadRows(chain: ConsoleChain, governor: string, useIndexer: boolean): Promise<{ rows: ProposalRow[]; height: number }> {
  const provider = readProvider(chain);
  const gov = governorAt(governor, provider);
  const [list, height] = await Promise.all([listProposals(chain, governor, useIndexer), provider.getBlockNumber()]);
  const rows = await Promise.all(
    list.map(async (p) => {
      const [state, deadline, votes] = await Promise.all([proposalState(gov, p.id), gov.proposalDeadline(p.id), gov.proposalVotes(p.id)]);
      return { ...p, state, deadline, votesAgainst: votes[0], votesFor: votes[1], votesAbstain: votes[2] };
    }),
  );
  rows.sort((a, b) => (a.deadline === b.deadline ? 0 : a.deadline > b.deadline ? -1 : 1));
  return { rows, height };
}

function ProposalActions({ chain, governor, row, onDone }: { chain: ConsoleChain; governor: string; row: ProposalRow; onDone: () => void }) {
  const op = useOperation<VoteReturnType | QueueOrExecuteReturnType>();
  const act = (fn: Parameters<typeof op.run>[1]) => void op.run(chain, fn).then(onDone);
  const busy = op.phase === "running";
  const castVote = (support: VoteSupport) => act((s) => vote(s, { governor, proposalId: row.id, support }));
  return (
    <div className="proposal-actions">
      {row.state === "Active" ? (
        <>
          <button type="button" disabled={busy} data-testid="proposal-vote-for" onClick={() => castVote("for")}>
            Vote for
          </button>{" "}
          <button type="button" disabled={busy} data-testid="proposal-vote-against" onClick={() => castVote("against")}>
            Against
          </button>{" "}
          <button type="button" disabled={busy} data-testid="proposal-vote-abstain" onClick={() => castVote("abstain")}>
            Abstain
          </button>
        </>
      ) : null}
      {row.state === "Succeeded" ? (
        <button type="button" disabled={busy} data-testid="proposal-queue" onClick={() => act((s) => queueOrExecute(s, { governor, proposalId: row.id }))}>
          Queue
        </button>
      ) : null}
      {row.state === "Queued" ? (
        <button type="button" disabled={busy} data-testid="proposal-execute" onClick={() => act((s) => queueOrExecute(s, { governor, proposalId: row.id }))}>
          Execute
        </button>
      ) : null}
      {busy ? <span className="op-running"> sending…</span> : null}
      <TxProgress chain={chain} txs={op.txs} compact />
      <ErrorBox error={op.error} />
    </div>
  );
}

function ProposalList({ chain, governor, refresh }: { chain: ConsoleChain; governor: string; refresh: number }) {
  const config = useConsoleConfig();
  const [data, setData] = useState<{ rows: ProposalRow[]; height: number } | null>(null);
  const [error, setError] = useState<DescribedError | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    let live = true;
    loadRows(chain, governor, config.indexer).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
      },
      (e) => live && setError(describeError(e)),
    );
    const timer = setTimeout(reload, 1500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [chain, governor, config.indexer, tick, refresh, reload]);

  return (
    <section className="proposals">
      <h3>
        Proposals <small data-testid="governance-height">block {data?.height ?? "…"}</small>
      </h3>
      <ErrorBox error={error} />
      {data && data.rows.length === 0 ? <p data-testid="proposals-empty">No proposals yet.</p> : null}
      {data && data.rows.length > 0 ? (
        <table className="table proposals-table">
          <thead>
            <tr>
              <th>Proposal</th>
              <th>State</th>
              <th>For / against / abstain</th>
              <th>Vote ends</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <tr key={r.id.toString()} data-testid="proposal-row" data-proposal-id={r.id.toString()} data-state={r.state}>
                <td>
                  <div className="proposal-description">{r.description}</div>
                  <small className="mono" title={r.id.toString()}>
                    #{r.id.toString().slice(0, 10)}… by <Link to={`/chain/${chain.chainId}/address/${r.proposer}`}>{r.proposer.slice(0, 10)}…</Link>
                  </small>
                </td>
                <td data-testid="proposal-state">{r.state}</td>
                <td>
                  {r.votesFor.toString()} / {r.votesAgainst.toString()} / {r.votesAbstain.toString()}
                </td>
                <td>block {r.deadline.toString()}</td>
                <td>
                  <ProposalActions chain={chain} governor={governor} row={r} onDone={reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function ProposeForm({ chain, onProposed }: { chain: ConsoleChain; onProposed: () => void }) {
  const op = useOperation<ProposeReturnType & { summary: string }>();
  const [action, setAction] = useState<ActionName>("grant-cp");
  const [address, setAddress] = useState("");
  const [newAddress, setNewAddress] = useState("");
  const [description, setDescription] = useState("");
  const [contract, setContract] = useState("");
  const [signature, setSignature] = useState("");
  const [args, setArgs] = useState("");
  const [prepared, setPrepared] = useState<{ governor: string; action: ProposalAction; description: string } | null>(null);
  const needs = ACTIONS.find((a) => a.value === action)!.needs;

  return (
    <OperationFrame
      title="Create a proposal"
      intro="A validator in force proposes; validators vote (more than 2/3 for), then anyone queues it in the timelock and executes it after the delay."
      op={op}
      chain={chain}
      onReview={() =>
        op.review(() => {
          const governor = contractOf(chain, "LuniverseGovernor");
          const a = buildAction(chain, action, { address, newAddress, contract, signature, args });
          const d = description.trim() === "" ? "" : parseTextField("Description", description, 500);
          setPrepared({ governor, action: a, description: d });
        })
      }
      summary={() =>
        prepared ? (
          <dl className="op-summary">
            <dt>Action</dt>
            <dd>{ACTIONS.find((a) => a.value === prepared.action.action)?.label}</dd>
            <dt>Description</dt>
            <dd>{prepared.description || "(a summary of the action)"}</dd>
          </dl>
        ) : null
      }
      onConfirm={() =>
        prepared &&
        void op
          .run(chain, async (signer) => {
            const contracts = chain.contracts as ProposalActionContracts;
            const call = await proposalAction(readProvider(chain), { contracts, action: prepared.action });
            const description = prepared.description || `${call.summary} (proposed at ${new Date().toISOString()})`;
            const p = await propose(signer, { governor: prepared.governor, targets: [call.target], calldatas: [call.data], description, what: "propose" });
            return { ...p, summary: call.summary };
          })
          .then(onProposed)
      }
      renderResult={(r) => (
        <p data-testid="op-result-proposal" data-proposal-id={r.proposalId.toString()}>
          Proposed “{r.summary}”: voting from block {(r.snapshot + 1n).toString()} to {r.deadline.toString()}; needs {r.quorum.toString()} votes for.
        </p>
      )}
    >
      <Select label="Action" name="action" value={action} onChange={(v) => setAction(v as ActionName)} options={ACTIONS.map((a) => ({ value: a.value, label: a.label }))} />
      {needs.includes("address") ? (
        <Field label={action === "set-main-token-issuer" ? "Main token" : action.endsWith("cp") ? "Account" : "Validator"} name="address" value={address} onChange={setAddress} placeholder="0x…" />
      ) : null}
      {needs.includes("contract") ? <Field label="Contract (name or address)" name="contract" value={contract} onChange={setContract} placeholder="ValidatorSet" /> : null}
      {needs.includes("signature") ? <Field label="Function" name="signature" value={signature} onChange={setSignature} placeholder="releaseValidator(address)" /> : null}
      {needs.includes("args") ? <Field label="Arguments (JSON array)" name="args" value={args} onChange={setArgs} placeholder='["0x…"]' /> : null}
      {needs.includes("newAddress") ? (
        <Field label={action === "set-main-token-issuer" ? "Issuer (CP)" : "New validator"} name="newAddress" value={newAddress} onChange={setNewAddress} placeholder="0x…" />
      ) : null}
      <Field label="Description (optional)" name="description" value={description} onChange={setDescription} placeholder="a summary of the action" />
    </OperationFrame>
  );
}

export default function GovernancePage() {
  const chain = useChain("main");
  const [refresh, setRefresh] = useState(0);
  if (!chain) return <ErrorBox error={{ message: "the console has no main chain" }} />;
  let governor: string;
  try {
    governor = contractOf(chain, "LuniverseGovernor");
  } catch (e) {
    return <ErrorBox error={describeError(e)} />;
  }
  return (
    <div className="governance" data-testid="governance">
      <ProposeForm chain={chain} onProposed={() => setRefresh((r) => r + 1)} />
      <ProposalList chain={chain} governor={governor} refresh={refresh} />
    </div>
  );
}
