/**
 * The development accounts: the Hardhat mnemonic (public — for local networks only, never for value) and the one
 * table of which account does what on every local chain (the devnet, the in-process Hardhat network, genesis files).
 */
import { HDNodeWallet, Mnemonic } from "ethers";

/** The development mnemonic (Hardhat's own): public, for local networks only — never for value. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Development accounts by role (indices of {@link DEV_MNEMONIC}'s accounts). */
export const DEV_ROLES = {
  /** Deployer of every contract, holder of the staking-token supply and the sample tokens, first consortium partner. */
  deployer: 0,
  /** Genesis validators (bonded at deployment). */
  validators: [1, 2, 3, 4],
  /** Emergency-council members. */
  council: [5, 6, 7, 8, 9],
  /** The six bridge signers (relayers 1..6). */
  signers: [10, 11, 12, 13, 14, 15],
  /** Product developer of the devnet's sample product token. */
  productDeveloper: 16,
  /** Anchorer of phase 1 (product chain → main chain). */
  anchorerPhase1: 17,
  /** Anchorer of phase 2 (main chain → Ethereum). */
  anchorerPhase2: 18,
  /** A user with no role. */
  user: 19,
} as const;

/** How many development accounts local chains fund. */
export const DEV_ACCOUNT_COUNT = 20;

const wallets = new Map<number, HDNodeWallet>();

/** Development account `index` (derivation path m/44'/60'/0'/0/index), cached. */
export function devWallet(index: number): HDNodeWallet {
  let w = wallets.get(index);
  if (!w) {
    w = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
    wallets.set(index, w);
  }
  return w;
}

/** Addresses of development accounts `indices`. */
export function devAddresses(indices: readonly number[]): string[] {
  return indices.map((i) => devWallet(i).address);
}
