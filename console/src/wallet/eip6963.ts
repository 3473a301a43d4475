/**
 * EIP-6963 (multi injected provider discovery): wallets announce themselves with `eip6963:announceProvider` in answer
 * to `eip6963:requestProvider`; a page that predates the standard still finds `window.ethereum` (EIP-1193).
 */

/** An EIP-1193 provider: `request` plus the events the console follows. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** What a wallet announces (EIP-6963 `EIP6963ProviderInfo`). */
export interface WalletInfo {
  uuid: string;
  name: string;
  /** A data URI. */
  icon: string;
  /** Reverse DNS of the wallet, e.g. io.metamask. */
  rdns: string;
}

export interface DiscoveredWallet {
  info: WalletInfo;
  provider: Eip1193Provider;
}

interface AnnounceEvent extends Event {
  detail: DiscoveredWallet;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

const LEGACY: WalletInfo = { uuid: "window.ethereum", name: "Browser wallet", icon: "", rdns: "window.ethereum" };

/**
 * Listens for announcements (now and later) and asks wallets to announce; `onChange` gets the list each time it
 * grows. `window.ethereum` is listed only when no wallet announced itself (an EIP-6963 wallet sets it too).
 * Returns the function that stops listening.
 */
export function discoverWallets(onChange: (wallets: DiscoveredWallet[]) => void): () => void {
  const found = new Map<string, DiscoveredWallet>();
  const emit = () => {
    const list = [...found.values()];
    if (list.length === 0 && window.ethereum) list.push({ info: LEGACY, provider: window.ethereum });
    onChange(list);
  };
  const onAnnounce = (event: Event) => {
    const detail = (event as AnnounceEvent).detail;
    if (!detail?.info?.uuid || typeof detail.provider?.request !== "function") return;
    found.set(detail.info.uuid, detail);
    emit();
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  emit();
  return () => window.removeEventListener("eip6963:announceProvider", onAnnounce);
}
