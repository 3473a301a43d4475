import { AbiCoder, concat, getBytes, keccak256 } from "ethers";

/** The fields of a block that its anchor leaf commits to. */
export interface BlockLeafData {
  number: bigint;
  hash: string;
  stateRoot: string;
  receiptsRoot: string;
}

const coder = AbiCoder.defaultAbiCoder();

/**
 * The leaf of a block, as `AnchorRegistry.leafHash` computes it:
 * `keccak256(bytes.concat(keccak256(abi.encode(uint64 number, bytes32 hash, bytes32 stateRoot, bytes32 receiptsRoot))))`.
 * Hashing twice (OpenZeppelin StandardMerkleTree) gives leaves a 32-byte preimage, while inner nodes have a
 * 64-byte one, so an inner node can never pass for a leaf.
 */
export function blockLeaf(block: BlockLeafData): string {
  const encoded = coder.encode(["uint64", "bytes32", "bytes32", "bytes32"], [block.number, block.hash, block.stateRoot, block.receiptsRoot]);
  return keccak256(keccak256(encoded));
}

/** Compares two 32-byte hex values as unsigned numbers (byte order). */
function compareBytes(a: string, b: string): number {
  // Same-length lowercase hex compares as text exactly as it does as a number (and far faster than BigInt).
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x.length === y.length) return x < y ? -1 : x > y ? 1 : 0;
  const [p, q] = [BigInt(a), BigInt(b)];
  return p < q ? -1 : p > q ? 1 : 0;
}

/** `keccak256` of the two nodes in ascending order (OpenZeppelin `Hashes.commutativeKeccak256`). */
export function hashPair(a: string, b: string): string {
  return keccak256(compareBytes(a, b) <= 0 ? concat([a, b]) : concat([b, a]));
}

/** Folds `proof` onto `leaf` with sorted-pair hashing (OpenZeppelin `MerkleProof.processProof`). */
export function processProof(leaf: string, proof: readonly string[]): string {
  return proof.reduce((node, sibling) => hashPair(node, sibling), leaf);
}

/** Whether `proof` leads from `leaf` to `root` (OpenZeppelin `MerkleProof.verify`). */
export function verifyProof(root: string, leaf: string, proof: readonly string[]): boolean {
  return compareBytes(processProof(leaf, proof), root) === 0;
}

/**
 * A Merkle tree laid out as OpenZeppelin's StandardMerkleTree lays it out: leaf hashes sorted, stored as a
 * complete binary tree in one array (node `i` has children `2i+1`, `2i+2`; leaves at the end, in reverse),
 * inner nodes hashed as sorted pairs. Roots and proofs therefore agree with `@openzeppelin/merkle-tree` and
 * verify with `MerkleProof.verify`.
 */
export class MerkleTree {
  /** Every node, root first. */
  readonly nodes: readonly string[];
  private readonly position = new Map<string, number>();

  private constructor(nodes: string[]) {
    this.nodes = nodes;
  }

  /** Builds the tree over `leaves` (already-hashed leaves, e.g. {@link blockLeaf}); at least one, all distinct. */
  static fromLeaves(leaves: readonly string[]): MerkleTree {
    if (leaves.length === 0) throw new Error("a Merkle tree needs at least one leaf");
    for (const l of leaves) if (getBytes(l).length !== 32) throw new Error(`leaf ${l} is not 32 bytes`);
    const sorted = [...leaves].map((l) => l.toLowerCase()).sort(compareBytes);
    const nodes = new Array<string>(2 * sorted.length - 1);
    sorted.forEach((leaf, i) => (nodes[nodes.length - 1 - i] = leaf));
    for (let i = nodes.length - 1 - sorted.length; i >= 0; i--) nodes[i] = hashPair(nodes[2 * i + 1]!, nodes[2 * i + 2]!);
    const tree = new MerkleTree(nodes);
    sorted.forEach((leaf, i) => {
      if (tree.position.has(leaf)) throw new Error(`duplicate leaf ${leaf}`);
      tree.position.set(leaf, nodes.length - 1 - i);
    });
    return tree;
  }

  /** Builds the tree of a range of blocks. */
  static fromBlocks(blocks: readonly BlockLeafData[]): MerkleTree {
    return MerkleTree.fromLeaves(blocks.map(blockLeaf));
  }

  get root(): string {
    return this.nodes[0]!;
  }

  /** Number of leaves. */
  get size(): number {
    return (this.nodes.length + 1) / 2;
  }

  /** Whether `leaf` is one of the tree's leaves. */
  has(leaf: string): boolean {
    return this.position.has(leaf.toLowerCase());
  }

  /** The sibling path from `leaf` to the root (empty for a one-leaf tree). */
  proof(leaf: string): string[] {
    let i = this.position.get(leaf.toLowerCase());
    if (i === undefined) throw new Error(`${leaf} is not a leaf of this tree`);
    const proof: string[] = [];
    while (i > 0) {
      proof.push(this.nodes[i % 2 === 1 ? i + 1 : i - 1]!);
      i = Math.floor((i - 1) / 2);
    }
    return proof;
  }
}
