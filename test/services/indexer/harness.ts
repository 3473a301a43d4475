/** Shared pieces of the indexer tests: a chain to index, test tokens deployed on it, an indexer, HTTP GETs. */
import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, type BaseContract, type ContractTransactionResponse } from "ethers";
import hre from "hardhat";
import { devWallet } from "../../../lib/accounts";
import { parseIndexerConfig } from "../../../services/indexer/config";
import { runIndexer, type IndexerHandle } from "../../../services/indexer";
import { rpcCall, waitFor } from "../../helpers/net";

export { freePort, waitFor } from "../../helpers/net";

/** A contract handle with any method (the test tokens' functions). */
export type AnyContract = BaseContract & Record<string, (...args: unknown[]) => Promise<ContractTransactionResponse>>;

export interface Chain {
  url: string;
  provider: JsonRpcProvider;
  /** Development accounts 0..3 as signers with managed nonces. */
  signers: NonceManager[];
  addresses: string[];
}

export function chainClient(url: string, chainId: number): Chain {
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 100 });
  const wallets = [0, 1, 2, 3].map((i) => new Wallet(devWallet(i).privateKey, provider));
  return { url, provider, signers: wallets.map((w) => new NonceManager(w)), addresses: wallets.map((w) => w.address) };
}

/** The contract handle sending from `signer`. */
export function as(c: AnyContract, signer: NonceManager): AnyContract {
  return c.connect(signer) as unknown as AnyContract;
}

/** Deploys a compiled contract (Hardhat's artifact) with `signer` and waits for it. */
export async function deploy(signer: NonceManager, name: string, args: unknown[] = []): Promise<AnyContract> {
  const artifact = await hre.artifacts.readArtifact(name);
  const c = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await c.waitForDeployment();
  return c as unknown as AnyContract;
}

/** The chain's head, asked directly (ethers' provider caches eth_blockNumber for a moment). */
export async function head(chain: Chain): Promise<number> {
  return Number(BigInt((await rpcCall(chain.url, "eth_blockNumber")) as string));
}

/** Sends and waits for one transaction (its receipt). */
export async function send(p: Promise<ContractTransactionResponse>): Promise<number> {
  const tx = await p;
  const r = await tx.wait();
  return r!.blockNumber;
}

export interface IndexerOptions {
  chains: { id: number; name: string; role: "main" | "product" | "ethereum"; rpcUrl: string; manifest?: string; startHeight?: number }[];
  store: { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };
  reconcileEveryMs?: number;
  batchBlocks?: number;
}

/** Starts an indexer on 127.0.0.1 (a free port) polling every 100 ms. */
export function startIndexer(o: IndexerOptions): Promise<IndexerHandle> {
  const config = parseIndexerConfig({ chains: o.chains, store: o.store, listen: { host: "127.0.0.1", port: 0 }, pollMs: 100, batchBlocks: o.batchBlocks ?? 50, reconcileEveryMs: o.reconcileEveryMs ?? 0 });
  return runIndexer(config);
}

/** Waits until the indexer has written chain `chainId` up to `height`. */
export async function indexedTo(ix: IndexerHandle, chainId: number, height: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(`chain ${chainId} indexed to ${height}`, async () => ((await ix.store.chain(chainId))?.indexedHeight ?? -1) >= height, timeoutMs, 50);
}

/** GET `path` on the indexer; returns the status and the parsed JSON body. */
export async function get<T = unknown>(ix: IndexerHandle, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${ix.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}
