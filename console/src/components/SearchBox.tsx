/**
 * The search box: a block number, block hash, tx hash, address or token symbol → the indexer's `/search`, then the
 * page of what was found. Without an indexer (or when it fails) the box still finds blocks, transactions and
 * addresses from their shape and the node's JSON-RPC.
 */
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import type { SearchResult } from "../../../lib/indexerApi";
import { indexer } from "../api/indexer";
import { rpc } from "../api/rpc";
import type { ConsoleChain } from "../config";
import { useConsoleConfig } from "../config";
import { paths } from "./Links";
import { isAddressLike, isHash } from "./format";
import { errorMessage } from "../../../lib/errors";

/** Where a query leads without the indexer: null when its shape says nothing (a token symbol needs the indexer). */
async function searchByShape(chain: ConsoleChain, q: string): Promise<SearchResult> {
  if (/^\d+$/.test(q)) return { kind: "block", value: q, chain: chain.chainId };
  if (isAddressLike(q)) return { kind: "address", value: q, chain: chain.chainId };
  if (isHash(q)) {
    const tx = await rpc<unknown>(chain, "eth_getTransactionByHash", [q]);
    if (tx) return { kind: "transaction", value: q, chain: chain.chainId };
    const block = await rpc<unknown>(chain, "eth_getBlockByHash", [q, false]);
    if (block) return { kind: "block", value: q, chain: chain.chainId };
  }
  return { kind: "none", value: "", chain: chain.chainId };
}

export function SearchBox({ chain, autoFocus = false }: { chain: ConsoleChain; autoFocus?: boolean }) {
  const config = useConsoleConfig();
  const navigate = useNavigate();
  const [q, setQ] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const query = q.trim();
    if (query === "") {
      setMessage("Type a block number, a block or transaction hash, an address or a token symbol.");
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      let found: SearchResult;
      try {
        found = config.indexer ? await indexer.search(chain.chainId, query) : await searchByShape(chain, query);
      } catch (err) {
        if (!config.indexer) throw err;
        found = await searchByShape(chain, query);
      }
      const c = found.chain || chain.chainId;
      switch (found.kind) {
        case "block":
          navigate(paths.block(c, found.value));
          break;
        case "transaction":
          navigate(paths.tx(c, found.value));
          break;
        case "address":
          navigate(paths.address(c, found.value));
          break;
        case "token":
          navigate(paths.token(c, found.value));
          break;
        default:
          setMessage(`Nothing on ${chain.name} matches "${query}".`);
      }
    } catch (err) {
      setMessage(`Search failed: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="search" role="search" onSubmit={(e) => void submit(e)}>
      <input
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Block, tx hash, address or token symbol"
        aria-label={`Search ${chain.name}`}
        data-testid="search-input"
        autoFocus={autoFocus}
        spellCheck={false}
      />
      <button type="submit" disabled={busy} data-testid="search-submit">
        {busy ? "…" : "Search"}
      </button>
      {message ? (
        <div className="search-message" data-testid="search-message" role="status">
          {message}
        </div>
      ) : null}
    </form>
  );
}
