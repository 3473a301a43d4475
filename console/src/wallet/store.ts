/**
 * The console's wallet connection: one store for the page (any component reads it through `useWallet()`), fed by
 * EIP-6963 discovery, the wallet's `accountsChanged` / `chainChanged` events, and the user's connect / switch actions.
 * Transactions are signed by the wallet: `signerFor(chain)` returns an ethers v6 `JsonRpcSigner` on a `BrowserProvider`
 * over the wallet, after switching the wallet to that chain (adding it with the console's RPC URL when unknown).
 */
import { BrowserProvider, getAddress, toQuantity, type JsonRpcSigner } from "ethers";
import { discoverWallets, type DiscoveredWallet, type Eip1193Provider } from "./eip6963";

/** The chain a signer is wanted on (a `ConsoleConfig` chain has these fields). */
export interface WalletChain {
  chainId: number;
  name: string;
  /** The console's RPC proxy path of the chain, e.g. "/rpc/2018" (the URL given to `wallet_addEthereumChain`). */
  rpcPath: string;
  role?: string;
}

export interface WalletSnapshot {
  /** Wallets found (EIP-6963 announcements, or `window.ethereum`). */
  wallets: DiscoveredWallet[];
  /** The wallet connected, if any. */
  wallet: DiscoveredWallet | null;
  /** The selected account (checksummed), if connected. */
  account: string | null;
  /** The wallet's current chain. */
  chainId: number | null;
  connecting: boolean;
  /** The last wallet error, in words. */
  error: string | null;
}

/** A wallet failure in words (what happened, what to do). */
export class WalletError extends Error {
  override name = "WalletError";
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type Listener = () => void;

interface RpcError {
  code?: number;
  message?: string;
  data?: { originalError?: { code?: number } };
}

function rpcCode(e: unknown): number | undefined {
  const r = e as RpcError | null;
  return r?.code ?? r?.data?.originalError?.code;
}

/** A wallet's error in words. */
export function walletErrorText(e: unknown): string {
  const code = rpcCode(e);
  if (code === 4001) return "the request was rejected in the wallet";
  if (code === 4100) return "the wallet has not authorised this site: connect first";
  if (code === -32002) return "the wallet already has a request waiting: open the wallet and answer it";
  return (e as RpcError | null)?.message ?? String(e);
}

const REMEMBER_KEY = "luniverse-console.wallet";

function readRemembered(): string | null {
  try {
    return window.localStorage.getItem(REMEMBER_KEY);
  } catch {
    return null; // storage disabled
  }
}

function remember(rdns: string | null): void {
  try {
    if (rdns === null) window.localStorage.removeItem(REMEMBER_KEY);
    else window.localStorage.setItem(REMEMBER_KEY, rdns);
  } catch {
    // storage disabled: no reconnection after a reload
  }
}

class WalletStore {
  private snapshot: WalletSnapshot = { wallets: [], wallet: null, account: null, chainId: null, connecting: false, error: null };
  private listeners = new Set<Listener>();
  private stopDiscovery: (() => void) | null = null;
  private detach: (() => void) | null = null;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    this.start();
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): WalletSnapshot => this.snapshot;

  private set(patch: Partial<WalletSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  /** Starts discovery once (on the first subscriber). */
  start(): void {
    if (this.stopDiscovery || typeof window === "undefined") return;
    this.stopDiscovery = discoverWallets((wallets) => {
      this.set({ wallets });
      void this.reconnect();
    });
  }

  private reconnecting = false;

  /**
   * After a reload, the wallet connected last (remembered by its rdns) is used again without a prompt when it still
   * authorises this site (`eth_accounts` answers an account), as dapps do.
   */
  private async reconnect(): Promise<void> {
    if (this.snapshot.wallet || this.reconnecting) return;
    const rdns = readRemembered();
    const wallet = rdns ? this.snapshot.wallets.find((w) => w.info.rdns === rdns) : undefined;
    if (!wallet) return;
    this.reconnecting = true;
    try {
      const accounts = (await wallet.provider.request({ method: "eth_accounts" })) as string[];
      if (!accounts?.length || this.snapshot.wallet) return;
      const chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
      this.attach(wallet.provider);
      this.set({ wallet, account: getAddress(accounts[0]!), chainId });
    } catch {
      // not authorised any more: the user connects again
    } finally {
      this.reconnecting = false;
    }
  }

  /** Connects `uuid` (default: the only or first wallet found): `eth_requestAccounts`, then follows its events. */
  connect = async (uuid?: string): Promise<string> => {
    this.start();
    const wallets = this.snapshot.wallets;
    const wallet = uuid ? wallets.find((w) => w.info.uuid === uuid) : wallets[0];
    if (!wallet) {
      const error = "no browser wallet found: install an EIP-1193 wallet (MetaMask, Rabby, …) or open the console in a browser that has one";
      this.set({ error });
      throw new WalletError(error);
    }
    this.set({ connecting: true, error: null });
    try {
      const accounts = (await wallet.provider.request({ method: "eth_requestAccounts" })) as string[];
      if (!accounts?.length) throw new WalletError("the wallet returned no account", "unlock the wallet and allow this site");
      const chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
      this.attach(wallet.provider);
      remember(wallet.info.rdns);
      this.set({ wallet, account: getAddress(accounts[0]!), chainId, connecting: false });
      return getAddress(accounts[0]!);
    } catch (e) {
      const error = e instanceof WalletError ? e.message : walletErrorText(e);
      this.set({ connecting: false, error });
      throw e instanceof WalletError ? e : new WalletError(error);
    }
  };

  /** Forgets the connection (wallets keep their own authorisation; this only stops using it). */
  disconnect = (): void => {
    remember(null);
    this.detach?.();
    this.detach = null;
    this.set({ wallet: null, account: null, chainId: null, error: null });
  };

  private attach(provider: Eip1193Provider): void {
    this.detach?.();
    const onAccounts = (...args: unknown[]) => {
      const accounts = (args[0] as string[] | undefined) ?? [];
      if (accounts.length === 0) this.set({ wallet: null, account: null, chainId: null });
      else this.set({ account: getAddress(accounts[0]!) });
    };
    const onChain = (...args: unknown[]) => this.set({ chainId: Number(args[0] as string) });
    const onDisconnect = () => this.set({ wallet: null, account: null, chainId: null });
    provider.on?.("accountsChanged", onAccounts);
    provider.on?.("chainChanged", onChain);
    provider.on?.("disconnect", onDisconnect);
    this.detach = () => {
      provider.removeListener?.("accountsChanged", onAccounts);
      provider.removeListener?.("chainChanged", onChain);
      provider.removeListener?.("disconnect", onDisconnect);
    };
  }

  /**
   * Switches the wallet to `chain` (`wallet_switchEthereumChain`); a wallet that does not know it (4902) is asked to
   * add it with the console's RPC URL (`wallet_addEthereumChain`), then to switch.
   */
  switchChain = async (chain: WalletChain): Promise<void> => {
    const wallet = this.requireWallet();
    const chainId = toQuantity(chain.chainId);
    try {
      await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch (e) {
      if (rpcCode(e) !== 4902) throw new WalletError(`could not switch the wallet to ${chain.name} (${chain.chainId}): ${walletErrorText(e)}`);
      try {
        await wallet.provider.request({
          method: "wallet_addEthereumChain",
          params: [
            {
              chainId,
              chainName: chain.name,
              rpcUrls: [new URL(chain.rpcPath, window.location.origin).toString()],
              nativeCurrency: { name: chain.role === "ethereum" ? "Ether" : "Luniverse", symbol: chain.role === "ethereum" ? "ETH" : "LUNI", decimals: 18 },
            },
          ],
        });
        await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
      } catch (e2) {
        throw new WalletError(`could not add ${chain.name} (${chain.chainId}) to the wallet: ${walletErrorText(e2)}`);
      }
    }
    this.set({ chainId: Number(await wallet.provider.request({ method: "eth_chainId" })) });
  };

  /** An ethers signer of the connected account on `chain` (switching the wallet there first when needed). */
  signerFor = async (chain: WalletChain): Promise<JsonRpcSigner> => {
    const wallet = this.requireWallet();
    if (this.snapshot.chainId !== chain.chainId) await this.switchChain(chain);
    const provider = new BrowserProvider(wallet.provider as never, chain.chainId, { staticNetwork: true, pollingInterval: 500 });
    return provider.getSigner(this.snapshot.account ?? undefined);
  };

  private requireWallet(): DiscoveredWallet {
    const wallet = this.snapshot.wallet;
    if (!wallet || !this.snapshot.account) throw new WalletError("no wallet connected", "press “Connect wallet” at the top of the page first");
    return wallet;
  }
}

/** The page's one wallet store. */
export const walletStore = new WalletStore();
