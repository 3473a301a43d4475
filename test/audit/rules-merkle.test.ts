/**
 * merkle-leaf-node-length: a Merkle leaf that is one keccak256 of 64 caller-chosen bytes has the shape of an inner
 * node, so an inner node's two children pass as leaf data with a shorter proof. Vulnerable variants (abi.encode of two
 * words, packed 32-byte values, bytes.concat, a struct of two words, a leaf built in a helper, an internal verify
 * wrapper, a bound `proof.verify`, multi-proof leaves, solady-style MerkleProofLib, OpenZeppelin 1.x on solc 0.4,
 * narrow or fixed values at low confidence) and one safe contract per silencing condition.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const HEADER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
`;

const SOURCES: Record<string, string> = {
  // ------------------------------------------------------------------------------------------ vulnerable
  "WordPairs.sol": `${HEADER}
/// Two uint256/bytes32 words: abi.encode, abi.encodePacked, bytes.concat, and uint128 + uint128 + bytes32 packed.
contract WordPairs {
    bytes32 public root;
    mapping(bytes32 => bool) public done;

    function claimEncoded(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(abi.encode(id, amount));
        require(MerkleProof.verifyCalldata(proof, root, leaf), "proof");
        done[leaf] = true;
    }

    function claimConcat(bytes32 a, bytes32 b, bytes32[] memory proof) external {
        require(MerkleProof.processProof(proof, keccak256(bytes.concat(a, b))) == root, "proof");
        done[a] = true;
    }

    function claimPacked(uint128 lo, uint128 hi, bytes32 salt, bytes32[] calldata proof) external {
        bytes memory data = abi.encodePacked(lo, hi, salt);
        bytes32 leaf = keccak256(data);
        require(MerkleProof.verify(proof, root, leaf, Hashes.commutativeKeccak256), "proof");
        done[leaf] = true;
    }
}
`,
  "HelperLeaf.sol": `${HEADER}
/// The leaf is built in a helper that returns it (named return), and checked in an internal wrapper.
contract HelperLeaf {
    bytes32 public root;
    mapping(uint256 => bool) public claimed;

    function _leaf(uint256 index, uint256 amount) internal pure returns (bytes32 leaf) {
        leaf = keccak256(abi.encode(index, amount));
    }

    function _verify(bytes32[] calldata proof, bytes32 leaf) internal view returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function claim(uint256 index, uint256 amount, bytes32[] calldata proof) external {
        require(_verify(proof, _leaf(index, amount)), "proof");
        claimed[index] = true;
    }
}
`,
  "BoundStruct.sol": `${HEADER}
/// \`using MerkleProof for bytes32[]\` and a struct of two words hashed with abi.encode.
contract BoundStruct {
    using MerkleProof for bytes32[];

    struct Grant {
        uint256 id;
        uint256 amount;
    }

    bytes32 public root;
    mapping(uint256 => bool) public used;

    function redeem(Grant calldata grant, bytes32[] calldata proof) external {
        require(proof.verify(root, keccak256(abi.encode(grant))), "proof");
        used[grant.id] = true;
    }
}
`,
  "MultiLeaves.sol": `${HEADER}
/// Multi-proof leaves filled in a loop.
contract MultiLeaves {
    bytes32 public root;
    uint256 public total;

    function claimMany(uint256[] calldata ids, uint256[] calldata amounts, bytes32[] calldata proof, bool[] calldata flags) external {
        bytes32[] memory leaves = new bytes32[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) {
            leaves[i] = keccak256(abi.encode(ids[i], amounts[i]));
            total += amounts[i];
        }
        require(MerkleProof.multiProofVerify(proof, flags, root, leaves), "proof");
    }
}
`,
  "SoladyStyle.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A stand-in for solady/solmate's MerkleProofLib (sorted pairs, keccak256 of 64 bytes per node).
library MerkleProofLib {
    function verify(bytes32[] memory proof, bytes32 root, bytes32 leaf) internal pure returns (bool) {
        bytes32 h = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 p = proof[i];
            h = h < p ? keccak256(abi.encodePacked(h, p)) : keccak256(abi.encodePacked(p, h));
        }
        return h == root;
    }
}

contract SoladyStyle {
    bytes32 public root;
    mapping(int256 => bool) public seen;

    function check(int256 x, bytes32 y, bytes32[] memory proof) external {
        require(MerkleProofLib.verify(proof, root, keccak256(abi.encodePacked(x, y))), "proof");
        seen[x] = true;
    }
}
`,
  "NarrowValues.sol": `${HEADER}
/// address + uint256 with abi.encode (the address slot is zero-padded), and msg.sender with a fixed tier: reported at
/// low confidence.
contract NarrowValues {
    bytes32 public root;
    uint256 public constant TIER = 3;
    mapping(address => uint256) public paid;

    function claim(address account, uint256 amount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(abi.encode(account, amount));
        require(MerkleProof.verify(proof, root, leaf), "proof");
        paid[account] += amount;
    }

    function join(bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(msg.sender, TIER))), "proof");
        paid[msg.sender] = TIER;
    }
}
`,
  "LegacyAirdrop.sol": `pragma solidity ^0.4.24;

/// OpenZeppelin 1.x's MerkleProof.verifyProof and the implicit packed keccak256(a, b) of solc before 0.5.
library MerkleProof {
    function verifyProof(bytes32[] _proof, bytes32 _root, bytes32 _leaf) internal pure returns (bool) {
        bytes32 computedHash = _leaf;
        for (uint256 i = 0; i < _proof.length; i++) {
            bytes32 proofElement = _proof[i];
            if (computedHash < proofElement) {
                computedHash = keccak256(abi.encodePacked(computedHash, proofElement));
            } else {
                computedHash = keccak256(abi.encodePacked(proofElement, computedHash));
            }
        }
        return computedHash == _root;
    }
}

contract LegacyAirdrop {
    bytes32 public root;
    mapping(uint256 => bool) public claimed;

    function claim(uint256 index, uint256 amount, bytes32[] proof) public {
        bytes32 leaf = keccak256(index, amount);
        require(MerkleProof.verifyProof(proof, root, leaf));
        claimed[index] = true;
    }

    function claimTagged(uint256 index, uint256 amount, bytes32[] proof) public {
        require(MerkleProof.verifyProof(proof, root, keccak256("claim", index, amount)));
        claimed[index] = true;
    }
}
`,
  "ParseOnly.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {MerkleProof} from "./missing/MerkleProof.sol";

/// Does not compile (the import is missing): judged on the parse tree by the declared types; packed address +
/// uint256 (52 bytes) stays silent.
contract ParseOnly {
    bytes32 public root;
    mapping(uint256 => uint256) public tierOf;

    function promote(uint256 clubId, uint256 divisionTier, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(abi.encodePacked(clubId, divisionTier));
        require(MerkleProof.verify(proof, root, leaf), "proof");
        tierOf[clubId] = divisionTier;
    }

    function packed(address account, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encodePacked(account, amount))), "proof");
        tierOf[amount] = 1;
    }
}
`,
  // ------------------------------------------------------------------------------------------ safe
  "DoubleHashed.sol": `${HEADER}
/// StandardMerkleTree's leaf, a packed re-hash of the inner hash, and a local hashed again before it is verified.
contract DoubleHashed {
    bytes32 public root;
    mapping(uint256 => bool) public done;

    function claim(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(id, amount))));
        require(MerkleProof.verify(proof, root, leaf), "proof");
        done[id] = true;
    }

    function claimPacked(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encodePacked(keccak256(abi.encodePacked(id, amount))))), "proof");
        done[id] = true;
    }

    function claimRehashed(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(abi.encode(id, amount));
        leaf = keccak256(abi.encode(leaf));
        require(MerkleProof.verify(proof, root, leaf), "proof");
        done[id] = true;
    }
}
`,
  "OtherLengths.sol": `${HEADER}
/// One value (32 bytes), three values, packed address + uint256 (52 bytes), dynamic values: not 64 bytes.
contract OtherLengths {
    bytes32 public root;
    mapping(address => uint256) public paid;

    function one(address account, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(account))), "proof");
        paid[account] = 1;
    }

    function three(uint256 index, address account, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(index, account, amount))), "proof");
        paid[account] = amount;
    }

    function packed(address account, uint256 amount, bytes32[] calldata proof) external {
        bytes32 leaf = keccak256(abi.encodePacked(account, amount));
        require(MerkleProof.verify(proof, root, leaf), "proof");
        paid[account] = amount;
    }

    function named(string calldata name, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(name, amount))), "proof");
        paid[msg.sender] = amount;
    }

    function raw(bytes calldata data, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(data)), "proof");
        paid[msg.sender] = data.length;
    }
}
`,
  "DomainPrefixed.sol": `${HEADER}
/// A tag in front of the two words makes the leaf longer than an inner node.
contract DomainPrefixed {
    bytes32 public root;
    bytes32 private constant LEAF_TAG = keccak256("LEAF");
    mapping(uint256 => bool) public done;

    function claim(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(LEAF_TAG, id, amount))), "proof");
        done[id] = true;
    }

    function claimPacked(uint256 id, uint256 amount, bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encodePacked(bytes1(0x00), id, amount))), "proof");
        done[id] = true;
    }
}
`,
  "NotChosen.sol": `${HEADER}
/// The leaf is made of stored values the caller does not choose.
contract NotChosen {
    bytes32 public root;
    uint256 public epoch;
    uint256 public rewards;
    bool public checked;

    function checkEpoch(bytes32[] calldata proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(epoch, rewards))), "proof");
        checked = true;
    }
}
`,
  "CustomHasher.sol": `${HEADER}
/// Inner nodes hashed with a tag of their own (a custom hasher): a leaf cannot have their shape.
contract CustomHasher {
    bytes32 public root;
    mapping(uint256 => bool) public done;

    function _node(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode("NODE", a, b)) : keccak256(abi.encode("NODE", b, a));
    }

    function claim(uint256 id, uint256 amount, bytes32[] memory proof) external {
        require(MerkleProof.verify(proof, root, keccak256(abi.encode(id, amount)), _node), "proof");
        done[id] = true;
    }
}
`,
  "NotMerkle.sol": `${HEADER}
/// A verify() of a library that is not a Merkle proof, and a leaf the caller passes as is.
library Attestations {
    function verify(bytes32 a, bytes32 b, bytes32 digest) internal pure returns (bool) {
        return keccak256(abi.encode(a, b)) == digest;
    }
}

contract NotMerkle {
    bytes32 public root;
    bool public ok;

    function attest(bytes32 a, bytes32 b, uint256 x, uint256 y) external {
        ok = Attestations.verify(a, b, keccak256(abi.encode(x, y)));
    }

    function prove(bytes32 leaf, bytes32[] calldata proof) external {
        ok = MerkleProof.verify(proof, root, leaf);
    }
}
`,
};

describe("audit: merkle-leaf-node-length (a 64-byte leaf hashed once has the shape of an inner node)", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === "merkle-leaf-node-length");
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));
  const lineOf = (file: string, text: string): number => {
    const i = SOURCES[file]!.split("\n").findIndex((l) => l.includes(text));
    expect(i, `"${text}" in ${file}`).to.be.greaterThanOrEqual(0);
    return i + 1;
  };
  const shape = (file: string): [string | undefined, string, string, number[]][] =>
    findings(file).map((x) => [x.function, x.severity, x.confidence, x.lines]);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-merkle-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract but the one with a missing import", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(
      Object.keys(SOURCES)
        .sort()
        .map((f) => [f, f === "ParseOnly.sol" ? "parse-only" : "compiled"]),
    );
  });

  it("reports two uint256/bytes32 words: abi.encode, bytes.concat into processProof, 64 packed bytes through a local", function () {
    const f = "WordPairs.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["claimEncoded", "medium", "medium", [lineOf(f, "keccak256(abi.encode(id, amount))"), lineOf(f, "verifyCalldata(proof, root, leaf)")]],
      ["claimConcat", "medium", "medium", [lineOf(f, "keccak256(bytes.concat(a, b))")]],
      ["claimPacked", "medium", "medium", [lineOf(f, "bytes32 leaf = keccak256(data)"), lineOf(f, "Hashes.commutativeKeccak256")]],
    ]);
    const x = findings(f)[0]!;
    expect(x.category).to.equal("signatures");
    expect(x.swc).to.deep.equal([]);
    expect(x.message)
      .to.match(/claimEncoded\(\)/)
      .and.match(/keccak256\(abi\.encode\(id, amount\)\)/)
      .and.match(/64 bytes hashed once/)
      .and.match(/inner node/)
      .and.match(/shorter/);
    expect(x.remediation).to.contain("keccak256(bytes.concat(keccak256(abi.encode(");
    expect(findings(f)[2]!.message).to.match(/lo \(uint128, 16 bytes\) \+ hi \(uint128, 16 bytes\) \+ salt \(bytes32, 32 bytes\)/);
  });

  it("follows a leaf built in a helper and checked in an internal wrapper, naming the entry point", function () {
    const f = "HelperLeaf.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["claim", "medium", "medium", [lineOf(f, "leaf = keccak256(abi.encode(index, amount))"), lineOf(f, "return MerkleProof.verifyCalldata")]],
    ]);
    expect(findings(f)[0]!.message).to.match(/built in _leaf\(\)/).and.match(/in _verify\(\)/);
  });

  it("reports a bound proof.verify of a struct of two words", function () {
    const f = "BoundStruct.sol";
    expect(shape(f), summary(f)).to.deep.equal([["redeem", "medium", "medium", [lineOf(f, "proof.verify(root, keccak256(abi.encode(grant)))")]]]);
  });

  it("reports multi-proof leaves filled in a loop", function () {
    const f = "MultiLeaves.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["claimMany", "medium", "medium", [lineOf(f, "leaves[i] = keccak256"), lineOf(f, "MerkleProof.multiProofVerify")]],
    ]);
  });

  it("recognises a MerkleProofLib by its name (solady, solmate), not the library's own hashing", function () {
    const f = "SoladyStyle.sol";
    expect(shape(f), summary(f)).to.deep.equal([["check", "medium", "medium", [lineOf(f, "MerkleProofLib.verify(proof, root, keccak256")]]]);
  });

  it("reports OpenZeppelin 1.x verifyProof with the implicit packed keccak256(a, b) of solc 0.4, not a tagged one", function () {
    const f = "LegacyAirdrop.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["claim", "medium", "medium", [lineOf(f, "bytes32 leaf = keccak256(index, amount)"), lineOf(f, "verifyProof(proof, root, leaf)")]],
    ]);
  });

  it("works on the parse tree of a file that does not compile, from the declared types", function () {
    const f = "ParseOnly.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["promote", "medium", "medium", [lineOf(f, "bytes32 leaf = keccak256(abi.encodePacked(clubId, divisionTier))"), lineOf(f, "verify(proof, root, leaf)")]],
    ]);
  });

  it("reports address + uint256 and msg.sender with a fixed value at low confidence", function () {
    const f = "NarrowValues.sol";
    expect(shape(f), summary(f)).to.deep.equal([
      ["claim", "medium", "low", [lineOf(f, "keccak256(abi.encode(account, amount))"), lineOf(f, "verify(proof, root, leaf)")]],
      ["join", "medium", "low", [lineOf(f, "abi.encode(msg.sender, TIER)")]],
    ]);
    expect(findings(f)[0]!.message).to.match(/account cannot take every value/);
    expect(findings(f)[1]!.message).to.match(/msg\.sender, TIER are not chosen freely/);
  });

  it("is silent for double-hashed leaves, also re-hashed in the same local", function () {
    expect(findings("DoubleHashed.sol"), summary("DoubleHashed.sol")).to.deep.equal([]);
  });

  it("is silent when the hashed input is not 64 bytes: one value, three values, packed address + uint256, dynamic values", function () {
    expect(findings("OtherLengths.sol"), summary("OtherLengths.sol")).to.deep.equal([]);
  });

  it("is silent when a domain prefix makes the leaf longer", function () {
    expect(findings("DomainPrefixed.sol"), summary("DomainPrefixed.sol")).to.deep.equal([]);
  });

  it("is silent when the caller does not influence the leaf values", function () {
    expect(findings("NotChosen.sol"), summary("NotChosen.sol")).to.deep.equal([]);
  });

  it("is silent with a custom node hasher", function () {
    expect(findings("CustomHasher.sol"), summary("CustomHasher.sol")).to.deep.equal([]);
  });

  it("is silent for a verify() that is not a Merkle proof and for a leaf passed in as is", function () {
    expect(findings("NotMerkle.sol"), summary("NotMerkle.sol")).to.deep.equal([]);
  });
});
