/** The layout (left nav, header with chain selector, search and wallet) and the routes of the console. */
import { lazy, Suspense, useEffect, useState, type ComponentType } from "react";
import { NavLink, Route, Routes, useLocation, useParams } from "react-router-dom";
import { defaultChain, findChain, useConsoleConfig, type ConsoleChain } from "./config";
import { ChainSelector } from "./components/ChainSelector";
import { paths } from "./components/Links";
import { SearchBox } from "./components/SearchBox";
import { ErrorBox, Loading } from "./components/States";
import { WalletButton } from "./wallet";

const HomePage = lazy(() => import("./pages/explorer/HomePage"));
const BlockPage = lazy(() => import("./pages/explorer/BlockPage"));
const TxPage = lazy(() => import("./pages/explorer/TxPage"));
const AddressPage = lazy(() => import("./pages/explorer/AddressPage"));
const ChainDashboard = lazy(() => import("./pages/dashboards/ChainDashboard"));
const TokensPage = lazy(() => import("./pages/dashboards/TokensPage"));
const TokenPage = lazy(() => import("./pages/dashboards/TokenPage"));
const NodesPage = lazy(() => import("./pages/nodes/NodesPage"));
const TrafficPage = lazy(() => import("./pages/traffic/TrafficPage"));
const OperationsPage = lazy(() => import("./pages/operations"));
const WalletsPage = lazy(() => import("./pages/wallets/WalletsPage"));

/** Props of a page that belongs to one chain. */
export interface ChainPageProps {
  chain: ConsoleChain;
}

/** Resolves `:chainId` of the URL to a chain, or says it is unknown. */
function ChainRoute({ page: Page }: { page: ComponentType<ChainPageProps> }) {
  const config = useConsoleConfig();
  const { chainId } = useParams();
  const chain = findChain(config, chainId);
  if (chain === null) {
    return (
      <div data-testid="unknown-chain">
        <ErrorBox title="Unknown chain" error={new Error(`This console knows no chain "${chainId}". Known: ${config.chains.map((c) => `${c.name} (${c.chainId})`).join(", ")}.`)} />
      </div>
    );
  }
  return <Page key={chain.chainId} chain={chain} />;
}

function NotFound() {
  const location = useLocation();
  return (
    <div data-testid="page-not-found">
      <ErrorBox title="No such page" error={new Error(`Nothing lives at ${location.pathname}. Use the menu on the left or the search box.`)} />
    </div>
  );
}

/** The chain the header shows: the URL's, else the last one visited, else the main chain. */
function useCurrentChain(): [ConsoleChain, (id: number) => void] {
  const config = useConsoleConfig();
  const location = useLocation();
  const fromUrl = findChain(config, /^\/chain\/([^/]+)/.exec(location.pathname)?.[1]);
  const [last, setLast] = useState<number>(() => defaultChain(config).chainId);
  useEffect(() => {
    if (fromUrl) setLast(fromUrl.chainId);
  }, [fromUrl]);
  return [fromUrl ?? findChain(config, last) ?? defaultChain(config), setLast];
}

export function App() {
  const config = useConsoleConfig();
  const [chain, setChain] = useCurrentChain();
  const nav: [string, string, string, boolean?][] = [
    [paths.explorer(chain.chainId), "Explorer", "nav-explorer"],
    [paths.chain(chain.chainId), "Chain dashboard", "nav-chain", true],
    [paths.tokens(chain.chainId), "Tokens", "nav-tokens"],
    ["/nodes", "Nodes", "nav-nodes"],
    ["/traffic", "Traffic", "nav-traffic"],
    ["/operations", "Operations", "nav-operations"],
    ["/wallets", "Wallets & 2FA", "nav-wallets"],
  ];
  return (
    <div className="layout">
      <aside className="sidebar">
        <NavLink to="/" className="brand" end>
          <span className="logo" aria-hidden="true">◆</span> Luniverse
        </NavLink>
        <nav aria-label="Main">
          <ul>
            {nav.map(([to, label, id, end]) => (
              <li key={id}>
                <NavLink to={to} data-testid={id} end={end ?? false}>
                  {label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot muted">
          v{config.version}
          <br />
          indexer {config.indexer ? "on" : "off"} · gateway {config.gateway ? "on" : "off"} · signer {config.signer ? "on" : "off"}
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <ChainSelector value={chain.chainId} onChange={setChain} />
          <SearchBox key={chain.chainId} chain={chain} />
          <div className="topbar-right">
            <WalletButton />
          </div>
        </header>
        <main className="content">
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<HomePage chain={chain} />} />
              <Route path="/chain/:chainId" element={<ChainRoute page={ChainDashboard} />} />
              <Route path="/chain/:chainId/explorer" element={<ChainRoute page={HomePage} />} />
              <Route path="/chain/:chainId/block/:id" element={<ChainRoute page={BlockPage} />} />
              <Route path="/chain/:chainId/tx/:hash" element={<ChainRoute page={TxPage} />} />
              <Route path="/chain/:chainId/address/:address" element={<ChainRoute page={AddressPage} />} />
              <Route path="/chain/:chainId/tokens" element={<ChainRoute page={TokensPage} />} />
              <Route path="/chain/:chainId/token/:address" element={<ChainRoute page={TokenPage} />} />
              <Route path="/nodes" element={<NodesPage />} />
              <Route path="/traffic" element={<TrafficPage />} />
              <Route path="/operations/*" element={<OperationsPage />} />
              <Route path="/wallets" element={<WalletsPage />} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Suspense>
        </main>
      </div>
    </div>
  );
}
