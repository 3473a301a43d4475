/**
 * The browser wallet of the console: `useWallet()` (state and actions, from any component) and `WalletButton` (the
 * header's connect / account / chain control). See store.ts.
 */
import { useState, useSyncExternalStore } from "react";
import { walletStore, type WalletChain, type WalletSnapshot } from "./store";
import type { JsonRpcSigner } from "ethers";
import "./wallet.css";

export { WalletError, walletErrorText, type WalletChain, type WalletSnapshot } from "./store";
export type { DiscoveredWallet, Eip1193Provider, WalletInfo } from "./eip6963";
export { ObservedSigner, type SentTransaction } from "./observedSigner";

export interface UseWallet extends WalletSnapshot {
  connect(uuid?: string): Promise<string>;
  disconnect(): void;
  switchChain(chain: WalletChain): Promise<void>;
  /** An ethers v6 signer of the connected account on `chain` (the wallet is switched there first). */
  signerFor(chain: WalletChain): Promise<JsonRpcSigner>;
}

export function useWallet(): UseWallet {
  const snapshot = useSyncExternalStore(walletStore.subscribe, walletStore.getSnapshot, walletStore.getSnapshot);
  return { ...snapshot, connect: walletStore.connect, disconnect: walletStore.disconnect, switchChain: walletStore.switchChain, signerFor: walletStore.signerFor };
}

function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** Connect (choosing among several wallets when more than one announced itself), then the account and chain. */
export function WalletButton() {
  const w = useWallet();
  const [choosing, setChoosing] = useState(false);
  if (w.account) {
    return (
      <div className="wallet" data-testid="wallet">
        <span className="wallet-account" data-testid="wallet-account" title={w.account}>
          {w.wallet?.info.icon ? <img src={w.wallet.info.icon} alt="" width={16} height={16} /> : null} {short(w.account)}
        </span>
        <span className="wallet-chain" data-testid="wallet-chain" title="the wallet's chain">
          chain {w.chainId ?? "?"}
        </span>
        <button type="button" onClick={w.disconnect}>Disconnect</button>
      </div>
    );
  }
  const connect = (uuid?: string) => {
    setChoosing(false);
    void w.connect(uuid).catch(() => undefined); // the store keeps the error in words
  };
  return (
    <div className="wallet">
      <button
        type="button"
        data-testid="wallet-connect"
        disabled={w.connecting}
        onClick={() => (w.wallets.length > 1 ? setChoosing(!choosing) : connect())}
      >
        {w.connecting ? "Connecting…" : "Connect wallet"}
      </button>
      {choosing ? (
        <ul className="wallet-list" role="menu">
          {w.wallets.map((x) => (
            <li key={x.info.uuid}>
              <button type="button" role="menuitem" onClick={() => connect(x.info.uuid)}>
                {x.info.icon ? <img src={x.info.icon} alt="" width={16} height={16} /> : null} {x.info.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {w.error ? <span className="wallet-error error" role="alert" data-testid="wallet-error">{w.error}</span> : null}
    </div>
  );
}
