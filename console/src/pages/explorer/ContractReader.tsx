/**
 * The read functions (view/pure) of one of our contracts' verified ABI, callable from the page: arguments are parsed
 * by ethers from the text typed, the call goes through `eth_call` on `/rpc/<chainId>`, the answer is decoded.
 */
import { useMemo, useState, type FormEvent } from "react";
import { Interface, type FunctionFragment } from "ethers";
import { readContract } from "../../api/rpc";
import type { ConsoleChain } from "../../config";
import { errorMessage } from "../../../../lib/errors";

/** A typed argument: arrays and tuples as JSON, bools as true/false, the rest as text. */
function parseArg(type: string, text: string): unknown {
  const t = text.trim();
  if (type.endsWith("]") || type.startsWith("tuple")) {
    try {
      return JSON.parse(t);
    } catch {
      throw new Error(`${type}: write a JSON array, e.g. ["0x…", "1"]`);
    }
  }
  if (type === "bool") {
    if (t !== "true" && t !== "false") throw new Error("bool: write true or false");
    return t === "true";
  }
  return t;
}

/** A decoded value as text: integers in decimal, strings as they are, arrays and structs as JSON. */
function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  const plain = (v: unknown): unknown => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? v.map(plain) : v);
  return JSON.stringify(plain(Array.isArray(value) ? [...value] : value));
}

function ReadFunction({ chain, abi, address, fn }: { chain: ConsoleChain; abi: unknown[]; address: string; fn: FunctionFragment }) {
  const [values, setValues] = useState<string[]>(() => fn.inputs.map(() => ""));
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      const args = fn.inputs.map((p, i) => parseArg(p.type, values[i] ?? ""));
      const out = await readContract(chain, abi, address, fn.format("sighash"), args);
      const named = fn.outputs.map((o, i) => `${o.name ? `${o.name}: ` : ""}${show(out[i])}`);
      setResult({ ok: true, text: named.join("\n") || "(no output)" });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="read-fn" onSubmit={(e) => void submit(e)} data-testid="read-function">
      <div className="read-fn-name mono">
        {fn.name}({fn.inputs.map((i) => `${i.type}${i.name ? ` ${i.name}` : ""}`).join(", ")}) → {fn.outputs.map((o) => o.type).join(", ") || "()"}
      </div>
      {fn.inputs.map((p, i) => (
        <input
          key={i}
          placeholder={`${p.name || `arg${i}`} (${p.type})`}
          value={values[i]}
          onChange={(e) => setValues((v) => v.map((x, j) => (j === i ? e.target.value : x)))}
          data-testid={`read-arg-${fn.name}-${i}`}
          spellCheck={false}
        />
      ))}
      <button type="submit" disabled={busy} data-testid={`read-call-${fn.name}`}>
        {busy ? "…" : "Query"}
      </button>
      {result ? (
        <pre className={`read-result ${result.ok ? "" : "bad"}`} data-testid={`read-result-${fn.name}`}>
          {result.text}
        </pre>
      ) : null}
    </form>
  );
}

export function ContractReader({ chain, abi, address }: { chain: ConsoleChain; abi: unknown[]; address: string }) {
  const reads = useMemo(() => {
    try {
      const iface = new Interface(abi as never);
      return iface.fragments.filter((f): f is FunctionFragment => f.type === "function" && ((f as FunctionFragment).constant || ["view", "pure"].includes((f as FunctionFragment).stateMutability)));
    } catch {
      return null;
    }
  }, [abi]);
  if (reads === null) return <p className="bad">The ABI could not be read.</p>;
  if (reads.length === 0) return <p className="muted">This contract has no read functions.</p>;
  return (
    <div className="read-fns" data-testid="contract-read">
      {reads.map((f) => (
        <ReadFunction key={f.format("sighash")} chain={chain} abi={abi} address={address} fn={f} />
      ))}
    </div>
  );
}
