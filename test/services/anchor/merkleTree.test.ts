import { expect } from "chai";
import { ethers } from "ethers";
import { blockLeaf, hashPair, MerkleTree, processProof, verifyProof } from "../../../services/anchor/merkleTree";

const leaf = (i: number): string => ethers.keccak256(ethers.toBeHex(i, 32));

describe("services/anchor merkleTree (OpenZeppelin StandardMerkleTree layout)", function () {
  it("hashes pairs in ascending order (commutative)", function () {
    const [a, b] = [leaf(1), leaf(2)];
    expect(hashPair(a, b)).to.equal(hashPair(b, a));
    const [lo, hi] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
    expect(hashPair(a, b)).to.equal(ethers.keccak256(ethers.concat([lo, hi])));
  });

  it("builds a one-leaf tree whose root is the leaf and whose proof is empty", function () {
    const t = MerkleTree.fromLeaves([leaf(1)]);
    expect(t.root).to.equal(leaf(1));
    expect(t.size).to.equal(1);
    expect(t.proof(leaf(1))).to.deep.equal([]);
  });

  it("builds the 3-leaf tree as OpenZeppelin does: sorted leaves, node i = H(2i+1, 2i+2)", function () {
    const leaves = [leaf(1), leaf(2), leaf(3)];
    const sorted = [...leaves].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    const t = MerkleTree.fromLeaves(leaves);
    // layout: [root, n1, s0, s2, s1] — leaves at the end in reverse sorted order
    expect(t.nodes.slice(2)).to.deep.equal([sorted[2], sorted[1], sorted[0]]);
    expect(t.nodes[1]).to.equal(hashPair(sorted[1]!, sorted[0]!));
    expect(t.root).to.equal(hashPair(t.nodes[1]!, sorted[2]!));
    // the same leaves in another order give the same tree
    expect(MerkleTree.fromLeaves([...leaves].reverse()).root).to.equal(t.root);
  });

  it("gives a verifying proof for every leaf of trees of 1 to 33 leaves, and none for a foreign leaf", function () {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i + 1000 * n));
      const t = MerkleTree.fromLeaves(leaves);
      for (const l of leaves) {
        const proof = t.proof(l);
        expect(proof.length).to.be.at.most(Math.ceil(Math.log2(n)));
        expect(verifyProof(t.root, l, proof), `n=${n}`).to.equal(true);
      }
      expect(verifyProof(t.root, leaf(-1 >>> 0), t.proof(leaves[0]!))).to.equal(false);
    }
  });

  it("rejects an empty tree, a duplicate leaf, a leaf that is not 32 bytes and a proof for a non-leaf", function () {
    expect(() => MerkleTree.fromLeaves([])).to.throw(/at least one leaf/);
    expect(() => MerkleTree.fromLeaves([leaf(1), leaf(1)])).to.throw(/duplicate leaf/);
    expect(() => MerkleTree.fromLeaves(["0x1234"])).to.throw(/is not 32 bytes/);
    const t = MerkleTree.fromLeaves([leaf(1), leaf(2)]);
    expect(() => t.proof(leaf(3))).to.throw(/is not a leaf of this tree/);
    expect(t.has(leaf(2).toUpperCase().replace("0X", "0x"))).to.equal(true);
  });

  it("block leaves are keccak256(keccak256(abi.encode(number, hash, stateRoot, receiptsRoot)))", function () {
    const b = { number: 7n, hash: leaf(1), stateRoot: leaf(2), receiptsRoot: leaf(3) };
    const inner = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32", "bytes32", "bytes32"], [7, b.hash, b.stateRoot, b.receiptsRoot]));
    expect(blockLeaf(b)).to.equal(ethers.keccak256(inner));
    const t = MerkleTree.fromBlocks([b, { ...b, number: 8n }]);
    expect(processProof(blockLeaf(b), t.proof(blockLeaf(b)))).to.equal(t.root);
  });
});
