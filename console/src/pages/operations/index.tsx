/**
 * /operations/*: operating the platform from a browser with the connected wallet. Every action is an operation of
 * ops/ (the same functions the Hardhat tasks call); the pages only parse the form, confirm, sign and show progress.
 * The operation pages (and the contract bindings they need) load on first visit, in their own chunk.
 */
import { lazy, Suspense } from "react";
import { NavLink, Route, Routes } from "react-router-dom";
import { useWallet } from "../../wallet";
import "./operations.css";

const IssueMainToken = lazy(() => import("./IssueMainToken"));
const ProductToken = lazy(() => import("./ProductToken"));
const BridgePair = lazy(() => import("./BridgePair"));
const BridgeTransfer = lazy(() => import("./BridgeTransfer"));
const Template = lazy(() => import("./Template"));
const Governance = lazy(() => import("./Governance"));
const SwapVote = lazy(() => import("./SwapVote"));

export const OPERATIONS = [
  { path: "main-token", label: "Issue a main token", text: "A consortium partner issues an ERC-20 main token (CP)." },
  { path: "product-token", label: "Product token", text: "The CP permits, the product developer issues a product token (PD)." },
  { path: "bridge-pair", label: "Bridge pair", text: "Register a main/product token pair on the bridge, as a governance proposal." },
  { path: "bridge-transfer", label: "Deposit / redeem", text: "Move tokens across the bridge." },
  { path: "template", label: "Transaction template", text: "Deploy a transfer, vesting, stake or burn template." },
  { path: "governance", label: "Governance", text: "Create proposals, vote, queue and execute." },
  { path: "swap-vote", label: "Node-owner swap", text: "A product chain's node owners vote to replace one of them." },
] as const;

function Overview() {
  const wallet = useWallet();
  return (
    <section data-testid="operations-overview">
      {wallet.account ? null : <p className="op-intro">Connect a wallet (top right) to sign operations.</p>}
      <ul className="op-list">
        {OPERATIONS.map((o) => (
          <li key={o.path}>
            <NavLink to={`/operations/${o.path}`}>{o.label}</NavLink> — {o.text}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function OperationsPage() {
  return (
    <div className="operations" data-testid="operations">
      <h1>Operations</h1>
      <nav className="op-nav">
        <NavLink to="/operations" end>
          Overview
        </NavLink>
        {OPERATIONS.map((o) => (
          <NavLink key={o.path} to={`/operations/${o.path}`} data-testid={`op-nav-${o.path}`}>
            {o.label}
          </NavLink>
        ))}
      </nav>
      <Suspense fallback={<p>Loading…</p>}>
        <Routes>
          <Route index element={<Overview />} />
          <Route path="main-token" element={<IssueMainToken />} />
          <Route path="product-token" element={<ProductToken />} />
          <Route path="bridge-pair" element={<BridgePair />} />
          <Route path="bridge-transfer" element={<BridgeTransfer />} />
          <Route path="template" element={<Template />} />
          <Route path="governance" element={<Governance />} />
          <Route path="swap-vote" element={<SwapVote />} />
          <Route path="*" element={<p className="error">No such operation. Choose one above.</p>} />
        </Routes>
      </Suspense>
    </div>
  );
}
