/**
 * What counts as a caller check (audit/ast/access.ts `isAuthCondition`), seen through the detectors that depend on it:
 * a cap on the caller's own counter keeps no one out (a fresh address passes it), a membership test does; a helper
 * that calls out with the caller's address (ERC-721's receiver check) authorises no one, a view lookup does. An
 * address argument required to have no code ("only EOA") is the EOA check on someone else: a CREATE2 address passes.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const SOURCES: Record<string, string> = {
  "CappedMint.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// At most four NFTs per address: the count is raised after _safeMint, whose receiver hook can mint again.
contract CappedMint is ERC721 {
    mapping(address => uint256) public minted;
    uint256 public totalSupply;

    constructor() ERC721("Capped", "CAP") {}

    function mint() external {
        require(minted[msg.sender] <= 3, "max 4");
        totalSupply++;
        _safeMint(msg.sender, totalSupply);
        minted[msg.sender]++;
    }
}
`,
  "EoaRegistry.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Only accounts without code may be approved; a target must be a contract.
contract EoaRegistry {
    mapping(address => bool) public approved;
    address public owner = msg.sender;

    function approve(address account) external {
        require(msg.sender == owner, "owner");
        require(account.code.length == 0, "only EOA");
        approved[account] = true;
    }

    function setTarget(address target) external {
        require(msg.sender == owner, "owner");
        require(target.code.length > 0, "not a contract");
        approved[target] = true;
    }

    /// dispatch, not a restriction: a contract recipient is asked instead
    function notify(address to) external {
        require(to.code.length == 0 || IReceiver(to).onNotice(msg.sender) == IReceiver.onNotice.selector, "refused");
        approved[to] = true;
    }

    /// both branches answer: no one is kept out
    function isSigner(address signer) external view returns (bool) {
        if (signer.code.length == 0) {
            return approved[signer];
        } else {
            return IReceiver(signer).onNotice(address(this)) == IReceiver.onNotice.selector;
        }
    }
}

interface IReceiver {
    function onNotice(address from) external view returns (bytes4);
}
`,
  "Members.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Members (a level of at least 1) may change the fee; anyone whose member level is still under 3 may join again.
contract Members {
    mapping(address => uint256) public memberLevel;
    uint256 public fee;

    function join() external {
        require(memberLevel[msg.sender] < 3, "top level");
        memberLevel[msg.sender]++;
    }

    function setFee(uint256 newFee) external {
        require(memberLevel[msg.sender] >= 1, "members only");
        fee = newFee;
    }

    function setFeeIfMember(uint256 newFee) external {
        if (memberLevel[msg.sender] < 1) revert("members only");
        fee = newFee;
    }
}
`,
};

describe("audit: what counts as a caller check", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-access-conditions-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.filter((f) => f.status !== "compiled")).to.deep.equal([]);
  });

  it("a cap on the caller's own count and a receiver check are no caller check: the _safeMint re-entry is reported", function () {
    const found = findings("CappedMint.sol", "callback-reentrancy");
    expect(found.map((f) => [f.function, f.lines]), summary("CappedMint.sol")).to.deep.equal([["mint", [16, 17]]]);
    // mint() is open to everyone: no privileged function to list
    expect(findings("CappedMint.sol", "centralization-risk"), summary("CappedMint.sol")).to.deep.equal([]);
  });

  it("a membership test (a level of at least 1, or a revert under 1) restricts the caller; a cap on the caller's level does not", function () {
    const found = findings("Members.sol", "centralization-risk");
    expect(found, summary("Members.sol")).to.have.lengthOf(1);
    expect(found[0]!.message).to.match(/setFee\(\), setFeeIfMember\(\)/);
    expect(found[0]!.message).to.not.match(/join\(\)/);
  });

  it("eoa-check: an address argument required to have no code is reported; not one required to have code, a check with a contract alternative, nor a branch", function () {
    const found = findings("EoaRegistry.sol", "eoa-check");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("EoaRegistry.sol")).to.deep.equal([["approve", "medium", [11]]]);
    expect(found[0]!.message).to.match(/address argument having no code/);
  });
});
