/**
 * Rules of the denial-of-service and front-running detectors that the fixture pairs do not show: a push payment by
 * `call{value:}` whose failure reverts (as `transfer` does), a duplicate check over an array anyone grows, a hash
 * preimage checked in an `if` that pays, and a preimage check behind a commitment that binds the caller.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";


const SOURCES: Record<string, string> = {
  "ThroneTransfer.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Pays the previous king with transfer before crowning the sender: a king that rejects ether keeps the throne.
contract ThroneTransfer {
    error ThroneTransferTooLittle(uint256 sent, uint256 prize);

    address public king;
    uint256 public prize;
    address public immutable owner;

    constructor() payable {
        owner = msg.sender;
        king = msg.sender;
        prize = msg.value;
    }

    receive() external payable {
        if (msg.value < prize && msg.sender != owner) revert ThroneTransferTooLittle(msg.value, prize);
        payable(king).transfer(msg.value);
        king = msg.sender;
        prize = msg.value;
    }
}
`,
  "ThroneCall.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The same throne, paid with call and a required success.
contract ThroneCall {
    error ThroneCallTooLittle(uint256 sent, uint256 prize);

    address public king;
    uint256 public prize;

    function claimThrone() external payable {
        if (msg.value <= prize) revert ThroneCallTooLittle(msg.value, prize);
        (bool sent, ) = payable(king).call{value: msg.value}("");
        require(sent);
        king = msg.sender;
        prize = msg.value;
    }
}
`,
  "ThroneHelper.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The previous king is paid by an internal helper that reverts when the call fails.
contract ThroneHelper {
    error ThroneHelperTooLittle(uint256 sent, uint256 prize);
    error ThroneHelperPaymentFailed(address king, uint256 amount);

    address public king;
    uint256 public prize;

    function claimThrone() external payable {
        if (msg.value <= prize) revert ThroneHelperTooLittle(msg.value, prize);
        _payKing(msg.value);
        king = msg.sender;
        prize = msg.value;
    }

    function _payKing(uint256 amount) internal {
        (bool ok, ) = king.call{value: amount}("");
        if (!ok) revert ThroneHelperPaymentFailed(king, amount);
    }
}
`,
  "ThronePull.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A failed payment is credited to the previous king, who withdraws it: nobody is blocked.
contract ThronePull {
    error ThronePullTooLittle(uint256 sent, uint256 prize);
    error ThronePullWithdrawFailed(address account, uint256 amount);

    address public king;
    uint256 public prize;
    mapping(address => uint256) public pendingRefunds;

    function claimThrone() external payable {
        if (msg.value <= prize) revert ThronePullTooLittle(msg.value, prize);
        (bool ok, ) = king.call{value: msg.value}("");
        if (!ok) pendingRefunds[king] += msg.value;
        king = msg.sender;
        prize = msg.value;
    }

    function withdrawRefund() external {
        uint256 amount = pendingRefunds[msg.sender];
        pendingRefunds[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert ThronePullWithdrawFailed(msg.sender, amount);
    }
}
`,
  "ThroneIgnored.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The payment's outcome is only logged: a king that rejects ether loses the payment but blocks nobody.
contract ThroneIgnored {
    error ThroneIgnoredTooLittle(uint256 sent, uint256 prize);

    event KingPaid(address indexed king, uint256 amount, bool delivered);

    address public king;
    uint256 public prize;

    function claimThrone() external payable {
        if (msg.value <= prize) revert ThroneIgnoredTooLittle(msg.value, prize);
        (bool delivered, ) = king.call{value: msg.value}("");
        emit KingPaid(king, msg.value, delivered);
        king = msg.sender;
        prize = msg.value;
    }
}
`,
  "RaffleEntrants.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Anyone enters; the duplicate check walks every earlier entrant, so entering gets dearer until it cannot fit a block.
contract RaffleEntrants {
    error RaffleEntrantsAlreadyEntered(address entrant);

    address[] public entrants;

    function enter() external payable {
        for (uint256 i = 0; i < entrants.length; i++) {
            if (entrants[i] == msg.sender) revert RaffleEntrantsAlreadyEntered(msg.sender);
        }
        entrants.push(msg.sender);
    }

    function isEntrant(address account) external view returns (bool) {
        uint256 i = 0;
        while (i < entrants.length) {
            if (entrants[i] == account) return true;
            i++;
        }
        return false;
    }
}
`,
  "CuratedEntrants.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Only the owner lists entrants: the list grows only as fast as the owner wants.
contract CuratedEntrants {
    error CuratedEntrantsNotOwner(address caller);
    error CuratedEntrantsAlreadyListed(address entrant);

    address public immutable owner = msg.sender;
    address[] public entrants;

    function add(address entrant) external {
        if (msg.sender != owner) revert CuratedEntrantsNotOwner(msg.sender);
        for (uint256 i = 0; i < entrants.length; i++) {
            if (entrants[i] == entrant) revert CuratedEntrantsAlreadyListed(entrant);
        }
        entrants.push(entrant);
    }

    function isListed(address account) external view returns (bool) {
        for (uint256 i = 0; i < entrants.length; i++) {
            if (entrants[i] == account) return true;
        }
        return false;
    }
}
`,
  "RecentEntrants.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Anyone enters, but the duplicate check only looks at the latest few entrants: a fixed bound.
contract RecentEntrants {
    uint256 public constant RECENT = 16;

    error RecentEntrantsEnteredRecently(address entrant);

    address[] public entrants;

    function enter() external {
        uint256 n = entrants.length;
        for (uint256 i = 0; i < RECENT && i < entrants.length; i++) {
            if (entrants[n - 1 - i] == msg.sender) revert RecentEntrantsEnteredRecently(msg.sender);
        }
        entrants.push(msg.sender);
    }
}
`,
  "PasswordVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Pays the whole balance to whoever sends the password: the password is readable in the mempool.
contract PasswordVault {
    error PasswordVaultPayoutFailed(address to, uint256 amount);

    bytes32 private immutable s_secretHash;
    bool public claimed;

    constructor(bytes32 secretHash) payable {
        s_secretHash = secretHash;
    }

    function claim(string calldata password) external {
        if (keccak256(abi.encodePacked(password)) == s_secretHash) {
            claimed = true;
            uint256 amount = address(this).balance;
            (bool ok, ) = msg.sender.call{value: amount}("");
            if (!ok) revert PasswordVaultPayoutFailed(msg.sender, amount);
        }
    }
}
`,
  "CommitRevealPuzzle.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Solvers commit to keccak256(solver, solution, secret) first; a copied solution fails the caller's commitment.
contract CommitRevealPuzzle {
    struct Commit {
        bytes32 solutionHash;
        uint256 blockNumber;
    }

    error CommitRevealPuzzleNotCommitted(address solver);
    error CommitRevealPuzzlePayoutFailed(address to, uint256 amount);

    bytes32 public immutable answerHash;
    mapping(address => Commit) public commits;

    constructor(bytes32 answerHash_) payable {
        answerHash = answerHash_;
    }

    function commit(bytes32 solutionHash) external {
        commits[msg.sender] = Commit(solutionHash, block.number);
    }

    function reveal(string calldata _solution, bytes32 _secret) external {
        require(commits[msg.sender].blockNumber < block.number);
        require(keccak256(abi.encodePacked(msg.sender, _solution, _secret)) == commits[msg.sender].solutionHash);
        if (keccak256(abi.encodePacked(_solution)) == answerHash) {
            uint256 amount = address(this).balance;
            (bool ok, ) = msg.sender.call{value: amount}("");
            if (!ok) revert CommitRevealPuzzlePayoutFailed(msg.sender, amount);
        }
    }

    function revealStrict(string calldata _solution, bytes32 _secret) external {
        bytes32 expected = commits[msg.sender].solutionHash;
        if (keccak256(abi.encodePacked(msg.sender, _solution, _secret)) != expected) revert CommitRevealPuzzleNotCommitted(msg.sender);
        require(keccak256(abi.encodePacked(_solution)) == answerHash);
        payable(msg.sender).transfer(address(this).balance);
    }

    /// the commitment's hash held in a local first (Solidity by Example's PreventFrontRunning)
    function revealLocal(string calldata _solution, bytes32 _secret) external {
        bytes32 solutionHash = keccak256(abi.encodePacked(msg.sender, _solution, _secret));
        require(solutionHash == commits[msg.sender].solutionHash, "hash");
        require(keccak256(abi.encodePacked(_solution)) == answerHash, "answer");
        payable(msg.sender).transfer(address(this).balance);
    }
}

/// Two strings compared by hash: the operation name is public, no secret travels.
contract NamedOps {
    string[] public publicOps;

    constructor() {
        publicOps.push("deposit");
    }

    function run(string calldata op, uint256 i) external {
        require(keccak256(bytes(op)) == keccak256(bytes(publicOps[i])), "op");
        payable(msg.sender).transfer(1 wei);
    }
}
`,
  "LooseCommitPuzzle.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The commitment binds the caller but not the solution: a front-runner commits early and copies the solution later.
contract LooseCommitPuzzle {
    bytes32 public immutable answerHash;
    mapping(address => bytes32) public commits;

    constructor(bytes32 answerHash_) payable {
        answerHash = answerHash_;
    }

    function commit(bytes32 c) external {
        commits[msg.sender] = c;
    }

    function reveal(string calldata _solution, bytes32 _secret) external {
        require(keccak256(abi.encodePacked(msg.sender, _secret)) == commits[msg.sender]);
        require(keccak256(abi.encodePacked(_solution)) == answerHash);
        payable(msg.sender).transfer(address(this).balance);
    }
}
`,
};

describe("audit: denial-of-service and front-running rules beyond the fixture pairs", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-dos-frontrun-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("push-payment-dos: a transfer to a king that the sender then replaces blocks the throne", function () {
    const found = findings("ThroneTransfer.sol", "push-payment-dos");
    expect(found, summary("ThroneTransfer.sol")).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([20]);
    expect(found[0]!.category).to.equal("denial_of_service");
    expect(found[0]!.severity).to.equal("medium");
    expect(found[0]!.swc).to.deep.equal(["SWC-113"]);
  });

  it("push-payment-dos: call{value:} with require(sent) to the king reports the same finding as transfer", function () {
    const found = findings("ThroneCall.sol", "push-payment-dos");
    expect(found, summary("ThroneCall.sol")).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([13]);
    expect(found[0]!.function).to.equal("claimThrone");
    expect(found[0]!.category).to.equal("denial_of_service");
    expect(found[0]!.severity).to.equal("medium");
    expect(found[0]!.swc).to.deep.equal(["SWC-113"]);
  });

  it("push-payment-dos: call{value:} with `if (!ok) revert` in a helper of the function that replaces the king", function () {
    const found = findings("ThroneHelper.sol", "push-payment-dos");
    expect(found, summary("ThroneHelper.sol")).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([20]);
    expect(found[0]!.function).to.equal("_payKing");
    expect(found[0]!.category).to.equal("denial_of_service");
    expect(found[0]!.swc).to.deep.equal(["SWC-113"]);
  });

  it("push-payment-dos: is silent when a failed payment is credited for withdrawal or only logged", function () {
    expect(findings("ThronePull.sol", "push-payment-dos"), summary("ThronePull.sol")).to.deep.equal([]);
    expect(findings("ThroneIgnored.sol", "push-payment-dos"), summary("ThroneIgnored.sol")).to.deep.equal([]);
  });

  it("unbounded-loop: a duplicate check over entrants anyone can add to is a gas denial of service (low in a view nothing state-changing calls)", function () {
    const found = findings("RaffleEntrants.sol", "unbounded-loop");
    expect(found.map((f) => [f.function, f.lines]), summary("RaffleEntrants.sol")).to.deep.equal([
      ["enter", [11]],
      ["isEntrant", [19]],
    ]);
    for (const f of found) {
      expect(f.category).to.equal("denial_of_service");
      expect(f.swc).to.deep.equal(["SWC-128"]);
    }
    // the view nothing state-changing calls only fails off-chain readers
    expect(found.map((f) => f.severity)).to.deep.equal(["medium", "low"]);
  });

  it("unbounded-loop: is silent for an array only the owner grows and for a loop with a fixed bound", function () {
    expect(findings("CuratedEntrants.sol", "unbounded-loop"), summary("CuratedEntrants.sol")).to.deep.equal([]);
    expect(findings("RecentEntrants.sol", "unbounded-loop"), summary("RecentEntrants.sol")).to.deep.equal([]);
  });

  it("secret-in-clear: a preimage compared in an if whose branch pays the caller", function () {
    const found = findings("PasswordVault.sol", "secret-in-clear");
    expect(found, summary("PasswordVault.sol")).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([16]);
    expect(found[0]!.function).to.equal("claim");
    expect(found[0]!.category).to.equal("front_running");
    expect(found[0]!.severity).to.equal("medium");
  });

  it("secret-in-clear: is silent when a commitment binding the caller and the solution is checked first (also through a local), and on two values compared by hash", function () {
    expect(findings("CommitRevealPuzzle.sol", "secret-in-clear"), summary("CommitRevealPuzzle.sol")).to.deep.equal([]);
  });

  it("secret-in-clear: still reports when the commitment binds the caller but not the solution", function () {
    const found = findings("LooseCommitPuzzle.sol", "secret-in-clear");
    expect(found, summary("LooseCommitPuzzle.sol")).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([19]);
    expect(found[0]!.category).to.equal("front_running");
  });
});
