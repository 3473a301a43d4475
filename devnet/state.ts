/**
 * `state.json` in the data folder: what the bootstrap has done (addresses, ids), so a second start resumes and
 * `devnet:demo` finds the contracts. The chains stay the truth: every step checks on chain before it trusts this.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface DevnetState {
  version: 1;
  validators: number;
  /** Product-chain validators (absent in a folder from before the option: 1). */
  productValidators?: number;
  chainIds: { main: number; product: number; ethereum: number };
  /** Main-chain system contracts (from the genesis manifest). */
  main?: Record<string, string>;
  /** Product-chain bridge side (deploy:product-chain), and with four product validators their NodeOwnerSync. */
  product?: Record<string, string>;
  sample?: { mainToken: string; productToken: string; ratio: string; pairId: string };
  /** Anchoring: phase-1 registry (main chain) and phase-2 registry (anvil). */
  anchoring?: { phase1Registry: string; phase2Registry?: string; phase1Anchorer: string; phase2Anchorer: string };
  /** The gateway's development API key (of DApp "sample-dapp", bound to both chains). */
  gateway?: { devKey: string };
  /** Filled in by every completed bootstrap. */
  bootstrappedAt?: string;
}

export function readState(file: string): DevnetState | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as DevnetState;
}

export function writeState(file: string, state: DevnetState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  renameSync(tmp, file);
}
