/**
 * A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (never a downloaded browser), and
 * an EIP-1193 wallet injected into the page — announced by EIP-6963 (and set as `window.ethereum`) — whose keys stay
 * in Node: the page's requests come to {@link DevWallet} through `page.exposeFunction`; it signs with an ethers
 * development wallet and sends through the console's own RPC proxy (`/rpc/<chainId>`), as a browser wallet configured
 * with the console's RPC URL would.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { JsonRpcProvider, TypedDataEncoder, getBytes, isHexString, toQuantity, type HDNodeWallet, type TransactionRequest, type TypedDataField } from "ethers";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium with a fresh profile and no background traffic. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does), or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Writes a full-page screenshot `name`.png into `dir` (created when missing); returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The error text the page shows (alerts, error boxes), for a failing step's message: what a user would have read.
 */
export async function visibleErrors(page: Page): Promise<string> {
  try {
    const texts = await page.locator('[role="alert"], .error, [data-testid="op-error"]').allInnerTexts();
    const shown = texts.map((t) => t.trim()).filter((t) => t !== "");
    return shown.length ? `the page shows: ${[...new Set(shown)].join(" | ")}` : "the page shows no error";
  } catch (e) {
    return `the page's errors could not be read (${(e as Error).message})`;
  }
}

/** Runs `step`; a failure is rethrown with the step's name, the page's URL and the error text it shows. */
export async function step<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = new Error(`${name} failed at ${page.url()}: ${(e as Error).message.split("\n")[0]}\n  ${await visibleErrors(page)}`);
    (err as Error & { cause?: unknown }).cause = e;
    throw err;
  }
}

interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

type Answer = { result: unknown } | { error: RpcError };

export interface DevWalletOptions {
  /** The console's base URL (its `/rpc/<chainId>` proxies are what the wallet sends through). */
  consoleUrl: string;
  /** Development accounts the wallet holds; the first is selected. */
  accounts: HDNodeWallet[];
  /** The chain the wallet is on at start. */
  chainId: number;
  /** Chains the wallet knows at start (a `wallet_switchEthereumChain` to another is 4902, as in MetaMask). */
  knownChains?: number[];
}

/**
 * The Node side of the injected wallet. It answers the account and chain methods itself, signs transactions and
 * typed data with the selected development key, and forwards every other request to the console's RPC proxy of the
 * current chain (errors keep their JSON-RPC code, message and revert data, so ethers decodes them in the page).
 */
export class DevWallet {
  readonly requests: string[] = [];
  /** `wallet_addEthereumChain` requests seen: chain id → the RPC URL the page gave. */
  readonly addedChains = new Map<number, string>();
  private selected: HDNodeWallet;
  private chainId: number;
  private readonly known: Set<number>;
  private readonly pages = new Set<Page>();
  private readonly providers = new Map<number, JsonRpcProvider>();

  constructor(private readonly options: DevWalletOptions) {
    if (options.accounts.length === 0) throw new Error("DevWallet needs at least one account");
    this.selected = options.accounts[0]!;
    this.chainId = options.chainId;
    this.known = new Set([options.chainId, ...(options.knownChains ?? [])]);
  }

  get address(): string {
    return this.selected.address;
  }

  /** Installs the provider in `page` (before any of its scripts runs): call before `page.goto`. */
  async install(page: Page): Promise<void> {
    this.pages.add(page);
    await page.exposeFunction("__devWalletRequest", async (method: string, paramsJson: string) => JSON.stringify(await this.answer(method, paramsJson === undefined ? [] : (JSON.parse(paramsJson) as unknown[]))));
    await page.addInitScript(INJECTED);
  }

  /** Selects another of its accounts, as a user does in the wallet; the page gets `accountsChanged`. */
  async selectAccount(account: HDNodeWallet): Promise<void> {
    this.selected = account;
    await this.emit("accountsChanged", [account.address]);
  }

  /** Stops the providers it opened. */
  destroy(): void {
    for (const p of this.providers.values()) p.destroy();
    this.providers.clear();
  }

  private async emit(event: string, value: unknown): Promise<void> {
    for (const page of this.pages) {
      if (page.isClosed()) continue;
      // the page's function (installed by INJECTED); a string, so this file needs no DOM types
      await page.evaluate(`window.__devWalletEmit(${JSON.stringify(event)}, ${JSON.stringify(value)})`);
    }
  }

  private provider(): JsonRpcProvider {
    let p = this.providers.get(this.chainId);
    if (!p) {
      p = new JsonRpcProvider(`${this.options.consoleUrl}/rpc/${this.chainId}`, this.chainId, { staticNetwork: true, pollingInterval: 250 });
      this.providers.set(this.chainId, p);
    }
    return p;
  }

  private async answer(method: string, params: unknown[]): Promise<Answer> {
    this.requests.push(method);
    try {
      return { result: await this.handle(method, params) };
    } catch (e) {
      return { error: toRpcError(e) };
    }
  }

  private async handle(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [this.selected.address];
      case "eth_chainId":
        return toQuantity(this.chainId);
      case "net_version":
        return String(this.chainId);
      case "wallet_switchEthereumChain": {
        const chainId = Number((params[0] as { chainId: string }).chainId);
        if (!this.known.has(chainId)) throw Object.assign(new Error(`Unrecognized chain ID ${toQuantity(chainId)}. Try adding the chain using wallet_addEthereumChain first.`), { code: 4902 });
        if (chainId !== this.chainId) {
          this.chainId = chainId;
          await this.emit("chainChanged", toQuantity(chainId));
        }
        return null;
      }
      case "wallet_addEthereumChain": {
        const p = params[0] as { chainId: string; rpcUrls?: string[] };
        const chainId = Number(p.chainId);
        this.addedChains.set(chainId, p.rpcUrls?.[0] ?? "");
        this.known.add(chainId);
        return null;
      }
      case "eth_sendTransaction":
        return this.sendTransaction(params[0] as Record<string, string | undefined>);
      case "eth_signTypedData_v4": {
        const [from, json] = params as [string, string | Record<string, unknown>];
        this.requireSelected(from);
        const typed = (typeof json === "string" ? JSON.parse(json) : json) as { domain: Record<string, unknown>; types: Record<string, TypedDataField[]>; message: Record<string, unknown>; primaryType: string };
        const types = { ...typed.types };
        delete types.EIP712Domain;
        // a consistency check the wallet does: the primary type is the one ethers would sign
        if (TypedDataEncoder.getPrimaryType(types) !== typed.primaryType) throw Object.assign(new Error(`primaryType ${typed.primaryType} is not the root of types`), { code: -32602 });
        return this.selected.signTypedData(typed.domain, types, typed.message);
      }
      case "personal_sign": {
        const [message, from] = params as [string, string];
        this.requireSelected(from);
        return this.selected.signMessage(isHexString(message) ? getBytes(message) : message);
      }
      default:
        return this.provider().send(method, params);
    }
  }

  private requireSelected(from: string): void {
    if (from.toLowerCase() !== this.selected.address.toLowerCase()) throw Object.assign(new Error(`the wallet's account is ${this.selected.address}, not ${from}`), { code: 4100 });
  }

  private async sendTransaction(tx: Record<string, string | undefined>): Promise<string> {
    if (tx.from) this.requireSelected(tx.from);
    const q = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
    const request: TransactionRequest = {
      to: tx.to ?? null,
      data: tx.data ?? tx.input ?? "0x",
      value: q(tx.value) ?? 0n,
      chainId: BigInt(this.chainId),
    };
    if (tx.gas !== undefined) request.gasLimit = q(tx.gas);
    if (tx.gasPrice !== undefined) request.gasPrice = q(tx.gasPrice);
    if (tx.maxFeePerGas !== undefined) request.maxFeePerGas = q(tx.maxFeePerGas);
    if (tx.maxPriorityFeePerGas !== undefined) request.maxPriorityFeePerGas = q(tx.maxPriorityFeePerGas);
    if (tx.nonce !== undefined) request.nonce = Number(tx.nonce);
    const sent = await this.selected.connect(this.provider()).sendTransaction(request);
    return sent.hash;
  }
}

/** A thrown value as a JSON-RPC error: ethers' errors carry the node's `{code, message, data}` in `error` / `info`. */
function toRpcError(e: unknown): RpcError {
  const x = e as { code?: unknown; message?: string; shortMessage?: string; data?: unknown; error?: { code?: number; message?: string; data?: unknown }; info?: { error?: { code?: number; message?: string; data?: unknown } } };
  const inner = x.error ?? x.info?.error;
  if (inner && typeof inner.code === "number") return { code: inner.code, message: inner.message ?? String(e), ...(inner.data !== undefined ? { data: inner.data } : {}) };
  if (typeof x.code === "number") return { code: x.code, message: x.message ?? String(e), ...(x.data !== undefined ? { data: x.data } : {}) };
  if (x.data !== undefined && typeof x.data === "string") return { code: 3, message: x.shortMessage ?? x.message ?? "execution reverted", data: x.data };
  return { code: -32603, message: x.shortMessage ?? x.message ?? String(e) };
}

/** The page side: an EIP-1193 provider over `__devWalletRequest`, announced by EIP-6963 and set as window.ethereum. */
const INJECTED = `(() => {
  const listeners = new Map();
  const provider = {
    isLuniverseDevWallet: true,
    async request({ method, params }) {
      const answer = JSON.parse(await window.__devWalletRequest(method, params === undefined ? undefined : JSON.stringify(params)));
      if (answer.error) {
        const err = new Error(answer.error.message);
        err.code = answer.error.code;
        if (answer.error.data !== undefined) err.data = answer.error.data;
        throw err;
      }
      return answer.result;
    },
    on(event, fn) { if (!listeners.has(event)) listeners.set(event, new Set()); listeners.get(event).add(fn); return provider; },
    removeListener(event, fn) { listeners.get(event)?.delete(fn); return provider; },
  };
  window.__devWalletEmit = (event, value) => { for (const fn of listeners.get(event) ?? []) fn(value); };
  const info = Object.freeze({
    uuid: "3b1f0b8e-6c3c-4a44-9d1e-1c5e2a6f0d11",
    name: "Luniverse dev wallet",
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiBmaWxsPSIjNDA2MGZmIi8+PC9zdmc+",
    rdns: "dev.luniverse.wallet",
  });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  window.ethereum = provider;
  announce();
})();`;
