/**
 * The ethereumjs `Common` of a Luniverse chain, with the native secp256k1 and keccak plugged in through
 * `customCrypto` (signature recovery is ~20x faster than the pure-JS default, and every transaction needs one).
 */
import { createCustomCommon, Hardfork, Mainnet, type Common, type CustomCrypto } from "@ethereumjs/common";
import secp256k1 from "secp256k1";
import { indexActivatedEIPs, installEvmHooks } from "./evmHooks";
import { keccak256 } from "../../lib/keccak";

/** keccak-256 with the native sponge (lib/keccak.ts, shared with the gateway). */
export { keccak256, nativeKeccakSponge } from "../../lib/keccak";

function toBytes32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b;
  if (b.length > 32) throw new Error("signature component longer than 32 bytes");
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}


/**
 * What `ecdsaRecover` takes for an Ethereum signature: r ‖ s (64 bytes) and the recovery id from `v` (0/1, 27/28, or
 * EIP-155's chainId * 2 + 35/36 when `chainId` is given). Throws "Invalid signature v value" otherwise.
 */
export function recoveryInput(v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): { signature: Uint8Array; recovery: number } {
  let recovery: bigint;
  if (v === 0n || v === 1n) recovery = v;
  else if (chainId === undefined) recovery = v - 27n;
  else recovery = v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  const signature = new Uint8Array(64);
  signature.set(toBytes32(r), 0);
  signature.set(toBytes32(s), 32);
  return { signature, recovery: Number(recovery) };
}

/** Recovers the 64-byte public key (no 0x04 prefix) like ethereumjs' `ecrecover`. */
export function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const { signature, recovery } = recoveryInput(v, r, s, chainId);
  return secp256k1.ecdsaRecover(signature, recovery, msgHash, false).slice(1);
}

/** Signs a 32-byte digest; returns noble's "recovered" format (recovery byte, then r ‖ s), deterministic (RFC 6979). */
export function ecsignRecovered(msgHash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature, recid } = secp256k1.ecdsaSign(msgHash, privateKey);
  const out = new Uint8Array(65);
  out[0] = recid;
  out.set(signature, 1);
  return out;
}

export const nativeCrypto: CustomCrypto = {
  keccak256,
  ecrecover,
  ecsign: ((msgHash: Uint8Array, privateKey: Uint8Array) => ecsignRecovered(msgHash, privateKey)) as unknown as CustomCrypto["ecsign"],
  ecdsaRecover: (sig: Uint8Array, recId: number, hash: Uint8Array) => secp256k1.ecdsaRecover(sig, recId, hash, false),
};

/**
 * A Cancun chain with the given id, native crypto, no PoW/PoS consensus rules of its own (PoA is ours).
 *
 * Every ethereumjs transaction copies its Common and merges the transaction parameters into the copy — a few
 * microseconds of allocation per transaction that showed as ~7 % of a loaded node's profile. The chain never
 * changes hardfork, so the Common handed to transactions is one shared instance whose `copy()` is itself and whose
 * parameters are merged once.
 *
 * The EVM asks `isActivatedEIP` several times per step and re-analyses a contract's jump destinations on every call:
 * the first is answered from a Set, the second cached per code (node/execution/evmHooks.ts, installed here).
 *
 * Every EVM subscribes to its Common's `hardforkChanged` event, and the node builds a VM per head for its reads: on
 * the one shared Common each subscription kept a VM and its state alive for good. The hardfork never changes here
 * (`setHardfork` refuses), so those subscriptions are not kept.
 */
export function makeCommon(chainId: bigint): Common {
  const common = createCustomCommon({ chainId: Number(chainId), name: `luniverse-${chainId}` }, Mainnet, {
    hardfork: Hardfork.Cancun,
    customCrypto: nativeCrypto,
  });
  const merged = new Set<unknown>();
  const updateParams = common.updateParams.bind(common);
  Object.assign(common, {
    copy: () => common,
    updateParams: (params: Parameters<Common["updateParams"]>[0]) => {
      if (merged.has(params)) return;
      merged.add(params);
      updateParams(params);
    },
    setHardfork: (hf: string) => {
      if (hf !== Hardfork.Cancun) throw new Error(`a Luniverse chain runs Cancun rules only (asked for ${hf})`);
      return Hardfork.Cancun;
    },
  });
  const on = common.events.on.bind(common.events) as (event: string, listener: (...args: unknown[]) => void) => unknown;
  common.events.on = ((event: string, listener: (...args: unknown[]) => void) =>
    event === "hardforkChanged" ? common.events : on(event, listener)) as unknown as typeof common.events.on;
  indexActivatedEIPs(common);
  installEvmHooks();
  return common;
}
