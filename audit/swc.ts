/**
 * Findings → SWC registry ids (https://swcregistry.io): by detector id (ours and solhint's), else by category for
 * slither's checks. Classes the registry predates (oracle manipulation, share inflation, fee-on-transfer accounting)
 * have none.
 */
import type { Category } from "./types";

const BY_DETECTOR: Record<string, string[]> = {
  // ours
  reentrancy: ["SWC-107"],
  "callback-reentrancy": ["SWC-107"],
  "unchecked-low-level-call": ["SWC-104"],
  "unchecked-send": ["SWC-104"],
  "call-not-executed": ["SWC-104"],
  "unchecked-erc20-transfer": ["SWC-104"],
  "erc20-call-without-safeerc20": ["SWC-104"],
  "tx-origin-auth": ["SWC-115"],
  "unprotected-selfdestruct": ["SWC-106"],
  "unprotected-ether-withdrawal": ["SWC-105"],
  "withdrawal-without-debit": ["SWC-105"],
  "inverted-balance-check": ["SWC-105"],
  "unprotected-owner-setter": ["SWC-105", "SWC-118"],
  "unprotected-initializer": ["SWC-105"],
  "public-internal-helper": ["SWC-100"],
  "unprotected-mint": ["SWC-105"],
  "unprotected-burn": ["SWC-105"],
  "arbitrary-transfer-from": ["SWC-105"],
  "phantom-permit": [], // no registry entry: a token's missing permit accepted silently
  "delegatecall-user-target": ["SWC-112"],
  "delegatecall-user-data": ["SWC-112"],
  "delegatecall-storage": ["SWC-112"],
  "array-length-manipulation": ["SWC-124"],
  "signature-replay": ["SWC-121"],
  "ecrecover-zero-address": ["SWC-122"],
  "signature-malleability": ["SWC-117"],
  "vault-idle-total-assets": [], // no registry entry: ERC-4626 share accounting
  "centralization-risk": [], // no registry entry: trust in privileged accounts
  "unassigned-return": [], // no registry entry: a logic error solc does not warn about
  "governor-clock-units": [], // no registry entry: governance timing
  "unprefixed-signature": [], // no registry entry: a bare-hash signature only eth_sign produces
  "integer-overflow": ["SWC-101"],
  "unchecked-arithmetic": ["SWC-101"],
  "unsafe-downcast": ["SWC-101"],
  "weak-randomness": ["SWC-120"],
  "timestamp-dependence": ["SWC-116"],
  "erc20-approve-race": ["SWC-114"],
  "secret-in-clear": ["SWC-114"],
  "clear-secret-submission": ["SWC-114"],
  "tx-order-dependence": ["SWC-114"],
  "missing-slippage": ["SWC-114"],
  "calls-in-loop": ["SWC-113"],
  "push-payment-dos": ["SWC-113"],
  "token-push-dos": ["SWC-113"],
  "zero-transfer-revert": ["SWC-113"],
  "unsafe-sign-cast": ["SWC-101"],
  "unbounded-loop": ["SWC-128"],
  "loop-grows-array": ["SWC-128"],
  "clear-growing-array": ["SWC-128"],
  "uninitialized-storage-pointer": ["SWC-109"],
  "encode-packed-collision": ["SWC-133"],
  "forced-ether-balance": ["SWC-132"],
  "proxy-storage-collision": ["SWC-124"],
  "unprotected-upgrade": ["SWC-105", "SWC-112"],
  "arbitrary-call": ["SWC-105"],
  "read-only-reentrancy": ["SWC-107"],
  // calls made before the check that authorises them: the calls re-enter and make the late check pass (checks-effects-interactions)
  "unchecked-before-verify": ["SWC-107"],
  // no registry entry: ERC-2771 sender spoofing through a multicall, msg.value reused by delegatecalled sub-calls, flash-loaned votes
  "erc2771-multicall": [],
  "multicall-msg-value": [],
  "governance-flash-vote": [],
  "reentrancy-balance": ["SWC-107"],
  "return-bomb": ["SWC-113"],
  "incorrect-exp": [], // no registry entry (and not an overflow, SWC-101)
  "private-data-on-chain": ["SWC-136"],
  // no registry entry: a mapping left behind by delete, a write lost in a memory copy, msg.value where it is always 0,
  // a modifier that skips instead of reverting, a Pyth/Chronicle price used unchecked
  "mapping-deletion": [],
  "array-by-reference": [],
  "storage-pointer-reassign": [],
  "msg-value-in-nonpayable": [],
  "incorrect-modifier": [],
  "oracle-unchecked-price": [],
  // one maximum age for feeds with different heartbeats: no registry entry
  "oracle-shared-heartbeat": [],
  // a stale price while an L2 sequencer is down: no registry entry
  "oracle-sequencer-uptime": [],
  // a cross-chain message the caller points elsewhere: no registry entry
  "cross-chain-destination": [],
  // a flag that only reaches an event: no registry entry
  "ignored-flag": [],
  // a starting value its own setter would refuse: no registry entry
  "default-outside-bounds": [],
  // a deny-list role its holder renounces: no registry entry
  "renounceable-denylist": [],
  // a swap-and-pop that puts the removed element back in its index map: no registry entry
  "swap-pop-index": [],
  // a transferFrom from the contract itself without an allowance: no registry entry
  "self-transfer-from": [],
  // rewards streamed while nothing is staked: no registry entry
  "idle-reward-period": [],
  // an upgradeable base without a storage gap: no registry entry
  "missing-storage-gap": [],
  // an EIP-712 type string that does not describe the encoded struct: no registry entry
  "typehash-mismatch": [],
  // a maximum input pulled in full and the rest kept: no registry entry
  "unrefunded-max-input": [],
  // a payout priced with a price the caller passes: no registry entry
  "caller-supplied-price": [],
  // one setter among restricted ones that anyone can call
  "unguarded-setter": ["SWC-105"],
  // a deposit kept while nothing is minted: no registry entry
  "silent-zero-mint": [],
  // a duration written without its unit: no registry entry
  "missing-time-unit": [],
  // a transfer hook that restarts a holder's timer: a call anyone can make blocks the holder (SWC-113's family)
  "transfer-hook-reset": [],
  "untrusted-contract-credit": [],
  "signature-unbound-recipient": ["SWC-114"],
  // a Merkle second preimage: no registry entry
  "merkle-leaf-node-length": [],
  "checked-wrapping-math": ["SWC-101"],
  // OpenZeppelin v4 safeApprove reverts from a non-zero allowance: a call that fails blocks the function
  "safe-approve-nonzero": ["SWC-113"],
  // a storage reference read after its entry was deleted: no registry entry
  "storage-ref-after-delete": [],
  // a check that is always true or false is code that cannot run as written (SWC-135)
  tautology: ["SWC-135"],
  "boolean-constant": ["SWC-135"],
  // solhint's security rules
  "avoid-tx-origin": ["SWC-115"],
  "check-send-result": ["SWC-104"],
  "avoid-low-level-calls": ["SWC-104"],
  "multiple-sends": ["SWC-113"],
  "not-rely-on-block-hash": ["SWC-120"],
  "not-rely-on-time": ["SWC-116"],
  "avoid-suicide": ["SWC-106"],
  "func-visibility": ["SWC-100"],
  // slither checks with a registry entry of their own
  "controlled-delegatecall": ["SWC-112"],
  "arbitrary-send-eth": ["SWC-105"],
  suicidal: ["SWC-106"],
  "tx-origin": ["SWC-115"],
  "weak-prng": ["SWC-120"],
  "incorrect-equality": ["SWC-132"],
  shadowing: ["SWC-119"],
  "shadowing-state": ["SWC-119"],
  "uninitialized-storage": ["SWC-109"],
  "solc-version": ["SWC-102", "SWC-103"],
  pragma: ["SWC-103"],
  assembly: ["SWC-127"],
};

const BY_CATEGORY: Partial<Record<Category, string[]>> = {
  reentrancy: ["SWC-107"],
  unchecked_low_level_calls: ["SWC-104"],
  arithmetic: ["SWC-101"],
  bad_randomness: ["SWC-120"],
  time_manipulation: ["SWC-116"],
  front_running: ["SWC-114"],
};

/** The SWC ids of a finding (empty when the registry has no entry for it). */
export function swcOf(detector: string, category: Category): string[] {
  return BY_DETECTOR[detector] ?? BY_CATEGORY[category] ?? [];
}
