/**
 * What the app knows about the platform, fetched once at start from the console server (`GET /console-config.json`,
 * console/server.ts): the chains with their RPC path and our contracts, and whether an indexer and a gateway exist.
 */
import { createContext, useContext } from "react";
import { fetchJson } from "./api/http";

export type ChainRole = "main" | "product" | "ethereum";

export interface ConsoleChain {
  chainId: number;
  name: string;
  role: ChainRole;
  /** "/rpc/<chainId>" on the console server. */
  rpcPath: string;
  /** Contract name → address, from the chain's deployment manifest. */
  contracts: Record<string, string>;
}

export interface ConsoleConfig {
  version: string;
  chains: ConsoleChain[];
  indexer: boolean;
  gateway: boolean;
  signer: boolean;
}

export function loadConsoleConfig(signal?: AbortSignal): Promise<ConsoleConfig> {
  return fetchJson<ConsoleConfig>("/console-config.json", signal);
}

export const ConfigContext = createContext<ConsoleConfig | null>(null);

/** The console's config (the app renders nothing before it is loaded). */
export function useConsoleConfig(): ConsoleConfig {
  const c = useContext(ConfigContext);
  if (c === null) throw new Error("useConsoleConfig outside <ConfigContext.Provider>");
  return c;
}

/** The chain with this id (a string from the URL), or null. */
export function findChain(config: ConsoleConfig, id: string | number | undefined): ConsoleChain | null {
  if (id === undefined) return null;
  const n = typeof id === "number" ? id : /^\d+$/.test(id) ? Number(id) : NaN;
  return config.chains.find((c) => c.chainId === n || c.name === id) ?? null;
}

/** The chain shown by default: the main chain, else the first. */
export function defaultChain(config: ConsoleConfig): ConsoleChain {
  return config.chains.find((c) => c.role === "main") ?? config.chains[0]!;
}

/** The name of a contract of ours at `address` on `chain` (case-insensitive), or null. */
export function contractName(chain: ConsoleChain, address: string | null | undefined): string | null {
  if (!address) return null;
  const a = address.toLowerCase();
  for (const [name, addr] of Object.entries(chain.contracts)) if (addr.toLowerCase() === a) return name;
  return null;
}
