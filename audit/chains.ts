/**
 * The chains a project says it deploys to (`--chains arbitrum,optimism`): some weaknesses exist only on some chains.
 * On a rollup whose sequencer can go down (Arbitrum, Optimism, Base, …) a Chainlink answer can be stale while the
 * sequencer is down and every user but the sequencer's own queue is locked out; Chainlink publishes a sequencer-uptime
 * feed for these chains, and a price read there should check it (`oracle-sequencer-uptime`).
 */
import { LuniverseError } from "../lib/errors";

/** Chain names the scanner knows, with the spellings audit READMEs use for them. */
const ALIASES: Record<string, string[]> = {
  ethereum: ["mainnet", "eth", "ethereum-mainnet"],
  arbitrum: ["arbitrum-one", "arbitrum-nova", "arb"],
  optimism: ["op", "op-mainnet"],
  base: [],
  "polygon-zkevm": ["zkevm"],
  zksync: ["zksync-era", "zkera", "era"],
  linea: [],
  scroll: [],
  mantle: [],
  metis: [],
  blast: [],
  mode: [],
  manta: ["manta-pacific"],
  polygon: ["matic", "polygon-pos"],
  bsc: ["bnb", "bnb-chain", "binance-smart-chain"],
  avalanche: ["avax"],
  fantom: ["fantom-opera"],
  gnosis: ["xdai"],
  moonbeam: [],
  kava: ["kavaevm"],
  aurora: [],
  boba: [],
  conflux: [],
  celo: [],
  chiliz: ["chiliz-chain"],
  zora: [],
  degen: ["degen-chain"],
  "iota-evm": ["iotaevm", "iota"],
  berachain: ["bera"],
  layeredge: ["layer-edge"],
  sonic: ["sonic-mainnet"],
  zerion: ["zerion-chain"],
  kinto: [],
  // "any EVM chain": every weakness of every chain applies
  evm: ["any", "any-evm", "all"],
};

/** Rollups with a single sequencer for which Chainlink publishes an L2 sequencer-uptime feed. */
export const SEQUENCER_CHAINS: readonly string[] = ["arbitrum", "optimism", "base", "polygon-zkevm", "zksync", "linea", "scroll", "mantle", "metis", "blast", "mode", "manta"];

export const CHAINS: readonly string[] = Object.keys(ALIASES);

/** A chain name the scanner does not know; the message lists those it does. */
export class AuditChainError extends LuniverseError<"AUDIT_CHAIN"> {
  override name = "AuditChainError";
  constructor(message: string) {
    super("AUDIT_CHAIN", message);
  }
}

/** `arbitrum, Optimism,mainnet` → ["arbitrum", "optimism", "ethereum"]; an unknown name is an error that lists the known ones. */
export function parseChains(value: string): string[] {
  const out: string[] = [];
  for (const raw of value.split(",")) {
    const name = raw.trim().toLowerCase().replace(/[\s_]+/g, "-");
    if (name === "") continue;
    const chain = CHAINS.find((c) => c === name || ALIASES[c]!.includes(name));
    if (!chain) throw new AuditChainError(`unknown chain "${raw.trim()}" in --chains: use ${CHAINS.join(", ")} (comma-separated, e.g. --chains ethereum,arbitrum; "evm" for any chain)`);
    if (!out.includes(chain)) out.push(chain);
  }
  if (out.length === 0) throw new AuditChainError(`--chains is empty: name the chains the contracts are deployed to (e.g. --chains ethereum,arbitrum), or leave the option out`);
  return out;
}

/** The chains of `chains` that run on a single sequencer (all of them for "evm"). */
export function sequencerChains(chains: readonly string[] | undefined): string[] {
  if (!chains) return [];
  if (chains.includes("evm")) return [...SEQUENCER_CHAINS];
  return chains.filter((c) => SEQUENCER_CHAINS.includes(c));
}
