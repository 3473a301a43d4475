/**
 * What every operation page shares: the chain and contract lookup from the console's config, a read-only provider
 * over the console's RPC proxy, form fields, the input parsers (their errors name the field), and `useOperation` —
 * confirm → sign in the wallet → sent → mined → result, or the error in words.
 */
import { useCallback, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { JsonRpcProvider, getAddress, isAddress, parseUnits, type Signer } from "ethers";
import { useConsoleConfig, type ConsoleChain, type ChainRole } from "../../config";
import { ObservedSigner, useWallet, type SentTransaction } from "../../wallet";
import { FieldError, describeError, type DescribedError } from "./errors";

export { FieldError };

/** The chain of `role` (main / product), or null when the console has none. */
export function useChain(role: ChainRole): ConsoleChain | null {
  const config = useConsoleConfig();
  return config.chains.find((c) => c.role === role) ?? null;
}

/** The address of contract `name` on `chain`, or a clear error. */
export function contractOf(chain: ConsoleChain, name: string): string {
  const address = chain.contracts[name];
  if (!address) throw new FieldError(`${chain.name} (${chain.chainId}) has no ${name} in its deployment manifest`, "deploy it first, or start the console with that chain's manifest");
  return address;
}

const providers = new Map<number, JsonRpcProvider>();

/** A read-only provider of `chain` over the console's RPC proxy (one per chain for the page). */
export function readProvider(chain: ConsoleChain): JsonRpcProvider {
  let p = providers.get(chain.chainId);
  if (!p) {
    p = new JsonRpcProvider(new URL(chain.rpcPath, window.location.origin).toString(), chain.chainId, { staticNetwork: true, pollingInterval: 500 });
    providers.set(chain.chainId, p);
  }
  return p;
}

export function parseAddressField(label: string, value: string): string {
  const v = value.trim();
  if (v === "") throw new FieldError(`${label} is required: a 0x address`);
  if (!isAddress(v)) throw new FieldError(`${label} is not a valid address (0x and 40 hex digits; mixed case must be a correct checksum): "${v}"`);
  return getAddress(v);
}

export function parseAmountField(label: string, value: string, decimals = 18): bigint {
  const v = value.trim();
  if (!/^\d+(\.\d+)?$/.test(v)) throw new FieldError(`${label} must be a positive number of tokens (e.g. 1000 or 0.5), got "${v}"`);
  let amount: bigint;
  try {
    amount = parseUnits(v, decimals);
  } catch {
    throw new FieldError(`${label} has more than ${decimals} decimals: "${v}"`);
  }
  if (amount === 0n) throw new FieldError(`${label} must be greater than zero`);
  return amount;
}

export function parseIntegerField(label: string, value: string, min = 0n): bigint {
  const v = value.trim();
  if (!/^\d+$/.test(v)) throw new FieldError(`${label} must be a whole number, got "${v}"`);
  const n = BigInt(v);
  if (n < min) throw new FieldError(`${label} must be at least ${min}`);
  return n;
}

export function parseTextField(label: string, value: string, max = 64): string {
  const v = value.trim();
  if (v === "") throw new FieldError(`${label} is required`);
  if (v.length > max) throw new FieldError(`${label} is longer than ${max} characters`);
  return v;
}

export function parseBytes32Field(label: string, value: string): string {
  const v = value.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new FieldError(`${label} must be 0x and 64 hex digits, got "${v}"`);
  return v.toLowerCase();
}

export function Field(props: { label: string; name: string; value: string; onChange: (v: string) => void; placeholder?: string; help?: ReactNode; type?: string }) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        name={props.name}
        data-testid={`op-${props.name}`}
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
      />
      {props.help ? <small className="field-help">{props.help}</small> : null}
    </label>
  );
}

export function Select(props: { label: string; name: string; value: string; onChange: (v: string) => void; options: { value: string; label: string }[] }) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <select name={props.name} data-testid={`op-${props.name}`} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ErrorBox({ error }: { error: DescribedError | null }) {
  if (!error) return null;
  return (
    <div className="op-error error" role="alert" data-testid="op-error">
      <strong>{error.message}</strong>
      {error.hint ? <p className="op-hint">{error.hint}</p> : null}
    </div>
  );
}

export type Phase = "edit" | "confirm" | "running" | "done";

export interface Operation<R> {
  phase: Phase;
  txs: SentTransaction[];
  error: DescribedError | null;
  result: R | null;
  /** Checks the form (`prepare` throws a FieldError naming a field) and asks for confirmation. */
  review(prepare: () => void): void;
  /** Runs `fn` with the wallet's signer on `chain`, following each transaction it sends. */
  run(chain: ConsoleChain, fn: (signer: Signer) => Promise<R>): Promise<void>;
  /** Back to the form (after an error or to change values). */
  edit(): void;
  /** Clears everything for a new operation. */
  reset(): void;
}

export function useOperation<R>(): Operation<R> {
  const wallet = useWallet();
  const [phase, setPhase] = useState<Phase>("edit");
  const [txs, setTxs] = useState<SentTransaction[]>([]);
  const [error, setError] = useState<DescribedError | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const running = useRef(false);

  const mark = useCallback((hash: string, status: SentTransaction["status"]) => setTxs((list) => list.map((t) => (t.hash === hash ? { ...t, status } : t))), []);

  const review = useCallback((prepare: () => void) => {
    setError(null);
    try {
      prepare();
      setPhase("confirm");
    } catch (e) {
      setError(describeError(e));
    }
  }, []);

  const run = useCallback(
    async (chain: ConsoleChain, fn: (signer: Signer) => Promise<R>) => {
      if (running.current) return;
      running.current = true;
      setPhase("running");
      setError(null);
      setTxs([]);
      try {
        const signer = await wallet.signerFor(chain);
        const observed = new ObservedSigner(signer, (tx) => {
          setTxs((list) => [...list, { hash: tx.hash, status: "sent" }]);
          tx.wait().then(
            (r) => mark(tx.hash, r && r.status === 1 ? "mined" : "failed"),
            () => mark(tx.hash, "failed"),
          );
        });
        const r = await fn(observed);
        setResult(r);
        setTxs((list) => list.map((t) => (t.status === "sent" ? { ...t, status: "mined" } : t)));
        setPhase("done");
      } catch (e) {
        setError(describeError(e));
        setPhase("edit");
      } finally {
        running.current = false;
      }
    },
    [wallet, mark],
  );

  return {
    phase,
    txs,
    error,
    result,
    review,
    run,
    edit: useCallback(() => setPhase("edit"), []),
    reset: useCallback(() => {
      setPhase("edit");
      setTxs([]);
      setError(null);
      setResult(null);
    }, []),
  };
}

/** The transactions an operation sent, each linked to the block explorer, with its state. */
export function TxProgress({ chain, txs, compact = false }: { chain: ConsoleChain; txs: SentTransaction[]; compact?: boolean }) {
  if (txs.length === 0) return null;
  return (
    <ol className="op-txs" data-testid="op-txs">
      {txs.map((t) => (
        <li key={t.hash} data-testid="op-tx" data-status={t.status}>
          <span className={`op-tx-status op-tx-${t.status}`}>{t.status}</span>{" "}
          <Link to={`/chain/${chain.chainId}/tx/${t.hash}`} data-testid="op-tx-link" title={t.hash}>
            {compact ? `${t.hash.slice(0, 12)}…${t.hash.slice(-6)}` : t.hash}
          </Link>
        </li>
      ))}
    </ol>
  );
}

/**
 * The frame of an operation form: the form while editing, a summary with Confirm / Back, progress while running,
 * the result when done, and the error in words at any step.
 */
export function OperationFrame<R>(props: {
  title: string;
  intro: ReactNode;
  op: Operation<R>;
  chain: ConsoleChain | null;
  /** The form's fields. */
  children: ReactNode;
  /** What will be sent, shown at the confirm step. */
  summary: () => ReactNode;
  onReview: () => void;
  onConfirm: () => void;
  renderResult: (r: R) => ReactNode;
  reviewLabel?: string;
}) {
  const { op, chain } = props;
  const wallet = useWallet();
  if (!chain) {
    return (
      <section className="op-page">
        <h2>{props.title}</h2>
        <div className="op-error error" role="alert" data-testid="op-error">
          <strong>the console has no chain for this operation</strong>
        </div>
      </section>
    );
  }
  return (
    <section className="op-page" data-testid="op-page">
      <h2>{props.title}</h2>
      <p className="op-intro">{props.intro}</p>
      {op.phase === "edit" ? (
        <form
          className="op-form"
          onSubmit={(e) => {
            e.preventDefault();
            props.onReview();
          }}
        >
          {props.children}
          <button type="submit" data-testid="op-review">
            {props.reviewLabel ?? "Review"}
          </button>
        </form>
      ) : null}
      {op.phase === "confirm" ? (
        <div className="op-confirm" data-testid="op-confirm">
          <h3>Confirm</h3>
          {props.summary()}
          <p>
            on <strong>{chain.name}</strong> ({chain.chainId}) from{" "}
            <strong data-testid="op-from">{wallet.account ?? "— connect a wallet first"}</strong>
          </p>
          <button type="button" data-testid="op-confirm-button" disabled={!wallet.account} onClick={props.onConfirm}>
            Confirm and sign
          </button>{" "}
          <button type="button" onClick={op.edit}>
            Back
          </button>
        </div>
      ) : null}
      {op.phase === "running" ? (
        <p className="op-running" data-testid="op-running">
          {op.txs.length === 0 ? "waiting for the wallet…" : "waiting for the transaction to be mined…"}
        </p>
      ) : null}
      <TxProgress chain={chain} txs={op.txs} />
      <ErrorBox error={op.error} />
      {op.phase === "done" && op.result !== null ? (
        <div className="op-result" data-testid="op-result">
          {props.renderResult(op.result)}
          <button type="button" onClick={op.reset}>
            New
          </button>
        </div>
      ) : null}
    </section>
  );
}
