/**
 * What a restored database must prove before a node runs on it — checked on the database itself, so a snapshot
 * from anyone (a peer, an old disk) is taken on evidence, not on its word:
 *
 *  1. its head is the block the manifest names (height, hash, state root);
 *  2. every block from genesis to the head is there and links to its parent by hash (headers hashed from the RLP);
 *  3. the state trie under the head's state root is complete and untampered: every node reachable from the root —
 *     accounts, every contract's storage trie, every contract's code — is present and hashes to its reference;
 *  4. the head block is final: more than 2/3 of the validators in force at its height (ValidatorSet.validatorsAt, read
 *     from the state just proven) signed keccak256(abi.encode(chainId, number, hash));
 *  5. and, when the caller names validators it already trusts (the genesis set, for a node syncing from a peer), more
 *     than a third of those signed it too — the light-client rule of Tendermint's skipping verification: a state
 *     whose own validator set is invented cannot carry the signatures of the set the node knows.
 */
import { KECCAK256_NULL, KECCAK256_RLP, bytesToHex, equalsBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { RLP } from "@ethereumjs/rlp";
import type { Chain } from "../chain/chain";
import { commitDigest, recoverSigner } from "../consensus/crypto";
import { threshold } from "../consensus/messages";
import { HeadCaller, ValidatorSetReader } from "../consensus/validators";
import { keccak256 } from "../execution/common";
import { SnapshotError, type SnapshotManifest } from "./format";

export interface VerifyOptions {
  manifest: SnapshotManifest;
  validatorSet: Hex;
  /** Validators the caller already trusts; more than a third of them must have signed the head. */
  trustedValidators?: readonly Hex[];
}

export interface Verified {
  height: bigint;
  blocks: number;
  stateNodes: number;
  codes: number;
  signers: Hex[];
  validators: Hex[];
}

export async function verifyRestored(chain: Chain, o: VerifyOptions): Promise<Verified> {
  const m = o.manifest;
  const head = chain.head;
  const headHash = bytesToHex(head.hash()).toLowerCase();
  if (head.header.number !== BigInt(m.height) || headHash !== m.hash.toLowerCase() || bytesToHex(head.header.stateRoot).toLowerCase() !== m.stateRoot.toLowerCase()) {
    throw new SnapshotError("SNAPSHOT_HEAD_MISMATCH", "the snapshot's head is not the block its manifest names", {
      details: `manifest: #${m.height} ${m.hash} root ${m.stateRoot}; data: #${head.header.number} ${headHash} root ${bytesToHex(head.header.stateRoot)}`,
      hint: "the manifest and the data files do not belong together; take the snapshot again",
    });
  }
  const blocks = await verifyHistory(chain);
  const { nodes, codes } = await verifyState(chain, head.header.stateRoot);
  const { signers, validators } = await verifyFinality(chain, o);
  return { height: head.header.number, blocks, stateNodes: nodes, codes, signers, validators };
}

/** Blocks read per LevelDB getMany while the history is checked. */
const HISTORY_BATCH = 512;

/**
 * Every block from the head down to genesis present and linked by parent hash (headers only; bodies stay encoded).
 * The height index is read in one pass and the blocks in batches (getMany): one LevelDB read per block cost more than
 * the hashing.
 */
async function verifyHistory(chain: Chain): Promise<number> {
  const top = chain.height;
  const byHeight: string[] = [];
  for await (const [key, value] of chain.level.iterator({ gte: "n:", lt: "n;" })) {
    const n = BigInt(`0x${key.slice(2)}`);
    if (n > top) break;
    if (n !== BigInt(byHeight.length)) throw historyError(BigInt(byHeight.length), `height ${byHeight.length} has no block`);
    byHeight.push(Buffer.from(value).toString("utf8").toLowerCase());
  }
  if (byHeight.length !== Number(top) + 1) throw historyError(BigInt(byHeight.length), `height ${byHeight.length} has no block`);
  let expected = bytesToHex(chain.head.hash()).toLowerCase();
  for (let hi = Number(top); hi >= 0; hi -= HISTORY_BATCH) {
    const lo = Math.max(0, hi - HISTORY_BATCH + 1);
    const raws = await chain.level.getMany(byHeight.slice(lo, hi + 1).map((h) => `b:${h}`));
    for (let i = hi; i >= lo; i--) {
      const n = BigInt(i);
      const byNumber = byHeight[i]!;
      if (byNumber !== expected) throw historyError(n, `height ${n} points at ${byNumber}, the chain links to ${expected}`);
      const raw = raws[i - lo];
      if (raw === undefined) throw historyError(n, `block ${expected} is missing`);
      const header = headerOf(raw);
      if (header === null) throw historyError(n, `the block stored as ${expected} is not RLP of a block`);
      const hash = bytesToHex(keccak256(header.bytes));
      if (hash !== expected) throw historyError(n, `the block stored as ${expected} hashes to ${hash}`);
      expected = bytesToHex(header.parentHash).toLowerCase();
      if (i === 0 && hash !== chain.genesisHash.toLowerCase()) throw historyError(n, `block 0 is ${hash}, the genesis is ${chain.genesisHash}`);
    }
  }
  return Number(top) + 1;
}

/**
 * The header of an RLP-encoded block — its bytes (what the block hash is the keccak of) and its first field, the
 * parent hash — read from the list prefixes without decoding the body (20,000 blocks of transactions decoded only to
 * hash their headers took most of a restore).
 */
function headerOf(raw: Uint8Array): { bytes: Uint8Array; parentHash: Uint8Array } | null {
  const outer = listPayload(raw, 0);
  if (outer === null) return null;
  const inner = listPayload(raw, outer.start);
  if (inner === null || inner.end > outer.end) return null;
  // the parent hash: a 32-byte string (0xa0 prefix) first in the header
  if (raw[inner.start] !== 0xa0 || inner.start + 33 > inner.end) return null;
  return { bytes: raw.subarray(outer.start, inner.end), parentHash: raw.subarray(inner.start + 1, inner.start + 33) };
}

/** The payload span of the RLP list at `at`: [start, end) of its items (null when `at` holds no list). */
function listPayload(b: Uint8Array, at: number): { start: number; end: number } | null {
  const p = b[at];
  if (p === undefined || p < 0xc0) return null;
  if (p <= 0xf7) return { start: at + 1, end: at + 1 + (p - 0xc0) };
  const n = p - 0xf7;
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + (b[at + i] ?? 0);
  return { start: at + 1 + n, end: at + 1 + n + len };
}

function historyError(n: bigint, details: string): SnapshotError {
  return new SnapshotError("SNAPSHOT_HISTORY_INVALID", `the snapshot's blocks do not form one chain (at height ${n})`, { details, hint: "the data files were changed; restore another snapshot" });
}

type Ref = Uint8Array | Ref[];

/**
 * Walks the account trie and every storage trie under `root`, checking each node against its hash; code is checked
 * against the account's code hash. Nodes shared between tries (the same storage of two contracts) are walked once.
 */
async function verifyState(chain: Chain, root: Uint8Array): Promise<{ nodes: number; codes: number }> {
  const seen = new Set<string>();
  const codes = new Set<string>();
  let nodes = 0;
  const load = async (hash: Uint8Array, what: string): Promise<Ref[]> => {
    const key = bytesToHex(hash).slice(2);
    const raw = await chain.level.get(key);
    if (raw === undefined) throw stateError(`${what} node ${key} is missing`);
    if (!equalsBytes(keccak256(raw), hash)) throw stateError(`${what} node ${key} does not hash to its key`);
    nodes++;
    return RLP.decode(raw) as unknown as Ref[];
  };
  const walk = async (ref: Ref, what: string, onLeaf: (value: Uint8Array) => Promise<void>): Promise<void> => {
    let node: Ref[];
    if (ref instanceof Uint8Array) {
      if (ref.length === 0) return;
      if (ref.length !== 32) throw stateError(`a ${what} reference of ${ref.length} bytes`);
      const k = bytesToHex(ref);
      if (seen.has(k)) return;
      seen.add(k);
      node = await load(ref, what);
    } else node = ref; // embedded (shorter than 32 bytes)
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) await walk(node[i]!, what, onLeaf);
      const v = node[16] as Uint8Array;
      if (v.length > 0) await onLeaf(v);
    } else if (node.length === 2) {
      const path = node[0] as Uint8Array;
      const flag = path.length > 0 ? path[0]! >> 4 : 0;
      if (flag === 2 || flag === 3) await onLeaf(node[1] as Uint8Array);
      else if (flag === 0 || flag === 1) await walk(node[1]!, what, onLeaf);
      else throw stateError(`a ${what} node with path flag ${flag}`);
    } else throw stateError(`a ${what} node of ${node.length} items`);
  };
  if (!equalsBytes(root, KECCAK256_RLP)) {
    await walk(root, "account", async (value) => {
      const account = RLP.decode(value) as unknown as Uint8Array[];
      const storageRoot = account[2]!;
      const codeHash = account[3]!;
      if (!equalsBytes(storageRoot, KECCAK256_RLP)) await walk(storageRoot, "storage", async () => {});
      if (!equalsBytes(codeHash, KECCAK256_NULL)) {
        const k = bytesToHex(codeHash);
        if (codes.has(k)) return;
        const code = await chain.level.get(`63${k.slice(2)}`);
        if (code === undefined || !equalsBytes(keccak256(code), codeHash)) throw stateError(`the code ${k} is ${code === undefined ? "missing" : "not the code of its hash"}`);
        codes.add(k);
      }
    });
  }
  return { nodes, codes: codes.size };
}

function stateError(details: string): SnapshotError {
  return new SnapshotError("SNAPSHOT_STATE_INVALID", "the snapshot's state does not match its state root", { details, hint: "the data files were changed or are incomplete; restore another snapshot" });
}

async function verifyFinality(chain: Chain, o: VerifyOptions): Promise<{ signers: Hex[]; validators: Hex[] }> {
  const head = chain.head;
  const hash = bytesToHex(head.hash()) as Hex;
  const reader = new ValidatorSetReader(new HeadCaller(chain.executor, () => chain.head), o.validatorSet, () => chain.height);
  const validators = (await reader.validatorsAt(head.header.number)).map((v) => v.toLowerCase() as Hex);
  const digest = commitDigest(chain.common.chainId(), head.header.number, hash);
  const signers = new Set<Hex>();
  for (const s of await chain.getSignatures(hash)) {
    const who = recoverSigner(digest, s.signature)?.toLowerCase() as Hex | undefined;
    if (who !== undefined && validators.includes(who)) signers.add(who);
  }
  const need = threshold(validators.length);
  if (signers.size < need) {
    throw new SnapshotError("SNAPSHOT_NOT_FINAL", `the snapshot's head #${head.header.number} carries ${signers.size} valid commit signatures, ${need} are needed`, {
      details: `validators at that height: ${validators.join(", ")}`,
      hint: "take a snapshot of a node whose head is final (node:backup does), or restore another snapshot",
    });
  }
  if (o.trustedValidators !== undefined && o.trustedValidators.length > 0) {
    const trusted = o.trustedValidators.map((v) => v.toLowerCase() as Hex);
    const known = [...signers].filter((s) => trusted.includes(s)).length;
    if (known * 3 <= trusted.length) {
      throw new SnapshotError("SNAPSHOT_UNTRUSTED", `the snapshot's head is signed by ${known} of the ${trusted.length} validators this node trusts; more than a third are needed`, {
        details: `signers: ${[...signers].join(", ")}; trusted: ${trusted.join(", ")}`,
        hint: "the peer's chain is not the one this node knows, or its validators all changed since; sync from genesis, or restore a snapshot you took yourself",
      });
    }
  }
  return { signers: [...signers], validators };
}
