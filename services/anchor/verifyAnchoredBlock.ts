import type { JsonRpcProvider } from "ethers";
import { connect, type ChainError } from "../../lib/chain";
import { fetchBlockRange, type ChildBlock } from "./childBlocks";
import { AnchorError } from "./errors";
import { blockLeaf, MerkleTree } from "./merkleTree";
import { registryAt, resolveRegistry, type RegistryLocation } from "./registry";

/** Header fields a verification can be made to lie about (`--tamper`), to see it fail. */
export const TAMPERABLE_FIELDS = ["hash", "stateRoot", "receiptsRoot"] as const;
export type TamperableField = (typeof TAMPERABLE_FIELDS)[number];

export interface VerifyAnchoredBlockOptions {
  childUrl: string;
  parentUrl: string;
  /** The child block to prove. */
  block: bigint;
  registry?: RegistryLocation;
  /** Flip the last bit of this field of the block before proving it (a test of the verifier). */
  tamper?: TamperableField;
  /** Prove the block with this hash instead of the one the child reports (what a user claims it is). */
  expectedHash?: string;
}

export interface VerifyAnchoredBlockResult {
  childChainId: bigint;
  parentChainId: bigint;
  registry: string;
  /** The block data the child reports. */
  block: ChildBlock;
  /** The data that was proved (differs from `block` when tampered or given an expected hash). */
  claimed: ChildBlock;
  leaf: string;
  proof: string[];
  range: { index: bigint; start: bigint; end: bigint; root: string };
}

function flipLastBit(hex: string): string {
  const last = parseInt(hex.slice(-1), 16) ^ 1;
  return `${hex.slice(0, -1)}${last.toString(16)}`;
}

/**
 * Proves that child block `block` is inside a range anchored on the parent: finds its range in the registry,
 * reads all of the range's blocks from the child, rebuilds the tree (its root must be the anchored one), and
 * asks the parent contract's `verifyBlock` to check the block's proof. Throws an {@link AnchorError} that says
 * why when the block is not anchored (ANCHOR_NOT_ANCHORED), when the child's blocks no longer give the anchored
 * root (ANCHOR_MISMATCH), or when the contract rejects the block's data (ANCHOR_NOT_VERIFIED).
 */
export async function verifyAnchoredBlock(options: VerifyAnchoredBlockOptions): Promise<VerifyAnchoredBlockResult> {
  if (options.tamper !== undefined && !TAMPERABLE_FIELDS.includes(options.tamper)) {
    throw new AnchorError("ANCHOR_CONFIG", `tamper must be one of ${TAMPERABLE_FIELDS.join(", ")}, got "${options.tamper}"`);
  }
  if (options.expectedHash !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(options.expectedHash)) {
    throw new AnchorError("ANCHOR_CONFIG", `expected hash must be 0x + 64 hex digits, got "${options.expectedHash}"`);
  }
  let parent: JsonRpcProvider | undefined;
  try {
    const child = await connect(options.childUrl, { name: "child chain" });
    child.provider.destroy();
    const childChainId = child.chainId;
    const p = await connect(options.parentUrl, { name: "parent chain" });
    parent = p.provider;
    const parentChainId = p.chainId;
    const address = await resolveRegistry(parent, parentChainId, options.registry ?? {});
    const registry = registryAt(address, parent);
    const where = `chain ${childChainId} (registry ${address} on chain ${parentChainId})`;

    const [registered, startBlock, next] = await registry.getChild(childChainId);
    if (!registered) throw new AnchorError("ANCHOR_NOT_ANCHORED", `block ${options.block} is not anchored: ${where} is not registered for anchoring`);
    const [found, index, start, end, root] = await registry.rangeOf(childChainId, options.block);
    if (!found) {
      const anchored = next > startBlock ? `blocks ${startBlock}..${next - 1n} are anchored` : `nothing is anchored yet (the first range starts at block ${startBlock})`;
      throw new AnchorError("ANCHOR_NOT_ANCHORED", `block ${options.block} of ${where} is not anchored yet: ${anchored}`);
    }

    const blocks = await fetchBlockRange(options.childUrl, start, end);
    const tree = MerkleTree.fromBlocks(blocks);
    if (tree.root !== root.toLowerCase()) {
      throw new AnchorError(
        "ANCHOR_MISMATCH",
        `the child's blocks ${start}..${end} give Merkle root ${tree.root}, but range #${index} of ${where} anchored ${root}: ` +
          `the child's history differs from what was anchored (a reorganisation, or another chain at ${options.childUrl})`,
      );
    }
    const block = blocks[Number(options.block - start)]!;
    const claimed: ChildBlock = { ...block };
    if (options.expectedHash !== undefined) claimed.hash = options.expectedHash.toLowerCase();
    if (options.tamper !== undefined) claimed[options.tamper] = flipLastBit(claimed[options.tamper]);
    const proof = tree.proof(blockLeaf(block));
    const leaf = blockLeaf(claimed);
    const range = { index, start, end, root };
    const ok = await registry.verifyBlock(childChainId, claimed.number, claimed.hash, claimed.stateRoot, claimed.receiptsRoot, proof);
    if (!ok) {
      const differs = TAMPERABLE_FIELDS.filter((f) => claimed[f] !== block[f]).map((f) => `${f} ${claimed[f]} (the child reports ${block[f]})`);
      throw new AnchorError(
        "ANCHOR_NOT_VERIFIED",
        `block ${options.block} of ${where} FAILED verification against range #${index} [${start}..${end}] root ${root}: ` +
          (differs.length > 0 ? `its ${differs.join(", ")} is not what was anchored` : "the registry rejects the proof"),
      );
    }
    return { childChainId, parentChainId, registry: address, block, claimed, leaf, proof, range };
  } catch (e) {
    if ((e as ChainError).code === "LUNIVERSE_CHAIN") throw new AnchorError("ANCHOR_CONFIG", (e as Error).message);
    throw e;
  } finally {
    parent?.destroy();
  }
}
