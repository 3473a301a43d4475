/** Picks the chain: on a /chain/<id>/… page it swaps the id in the URL (keeping the kind of page), elsewhere it calls `onChange`. */
import { useLocation, useNavigate } from "react-router-dom";
import { useConsoleConfig } from "../config";

export function ChainSelector({ value, onChange }: { value: number; onChange?: (chainId: number) => void }) {
  const config = useConsoleConfig();
  const navigate = useNavigate();
  const location = useLocation();
  const change = (id: number): void => {
    const m = /^\/chain\/[^/]+(\/(explorer|tokens))?/.exec(location.pathname);
    if (m) navigate(`/chain/${id}${m[1] ?? ""}`);
    else if (/^\/chain\//.test(location.pathname)) navigate(`/chain/${id}/explorer`);
    onChange?.(id);
  };
  return (
    <label className="chain-select">
      <span className="sr-only">Chain</span>
      <select value={value} onChange={(e) => change(Number(e.target.value))} data-testid="chain-select">
        {config.chains.map((c) => (
          <option key={c.chainId} value={c.chainId}>
            {c.name} ({c.chainId}) · {c.role}
          </option>
        ))}
      </select>
    </label>
  );
}
