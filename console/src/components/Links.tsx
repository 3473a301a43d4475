/** Links between pages (shareable URLs: /chain/<id>/block/<n>, /tx/<hash>, /address/<addr>, /token/<addr>), with copy buttons. */
import { Link } from "react-router-dom";
import { contractName, useConsoleConfig, findChain } from "../config";
import { CopyButton } from "./CopyButton";
import { shortHex } from "./format";

export const paths = {
  chain: (chain: number) => `/chain/${chain}`,
  explorer: (chain: number) => `/chain/${chain}/explorer`,
  block: (chain: number, id: number | string) => `/chain/${chain}/block/${id}`,
  tx: (chain: number, hash: string) => `/chain/${chain}/tx/${hash}`,
  address: (chain: number, address: string) => `/chain/${chain}/address/${address}`,
  tokens: (chain: number) => `/chain/${chain}/tokens`,
  token: (chain: number, address: string) => `/chain/${chain}/token/${address}`,
};

export function BlockLink({ chain, number }: { chain: number; number: number | string }) {
  return <Link to={paths.block(chain, number)}>{typeof number === "number" ? number.toLocaleString("en-US") : shortHex(number)}</Link>;
}

export function TxLink({ chain, hash, full = false }: { chain: number; hash: string; full?: boolean }) {
  return (
    <span className="hash">
      <Link to={paths.tx(chain, hash)} className="mono" title={hash}>
        {full ? hash : shortHex(hash, 8, 6)}
      </Link>
      {full ? <CopyButton text={hash} /> : null}
    </span>
  );
}

/** An address; named when it is one of our contracts on this chain. */
export function AddressLink({ chain, address, full = false, token = false }: { chain: number; address: string | null; full?: boolean; token?: boolean }) {
  const config = useConsoleConfig();
  if (!address) return <span className="muted">—</span>;
  const c = findChain(config, chain);
  const name = c ? contractName(c, address) : null;
  return (
    <span className="hash">
      <Link to={token ? paths.token(chain, address) : paths.address(chain, address)} className="mono" title={address}>
        {name && !full ? name : full ? address : shortHex(address)}
      </Link>
      {name && full ? <span className="tag">{name}</span> : null}
      {full ? <CopyButton text={address} /> : null}
    </span>
  );
}

/** A hash or byte string shown in full with a copy button (not a link). */
export function Hex({ value, testId }: { value: string | null | undefined; testId?: string }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <span className="hash">
      <span className="mono break" data-testid={testId}>
        {value}
      </span>
      <CopyButton text={value} />
    </span>
  );
}
