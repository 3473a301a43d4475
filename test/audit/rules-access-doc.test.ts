/**
 * The documentation promises a caller restriction the code does not enforce: a state-changing public function whose
 * doc comment says only the owner, an admin, governance or a role may call it, with no caller check (modifier,
 * require/revert on msg.sender, internal check helper). Reported by access-control as `access-control`, high/high.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const SOURCES: Record<string, string> = {
  "PasswordStore.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The doc of setPassword restricts it to the owner; nothing in the code does.
contract PasswordStore {
    error NotOwner();

    address private s_owner;
    string private s_password;

    constructor() {
        s_owner = msg.sender;
    }

    /*
     * @notice This function allows only the owner to set a new password.
     * @param newPassword The new password to set.
     */
    function setPassword(string memory newPassword) external {
        s_password = newPassword;
    }

    /*
     * @notice This allows only the owner to retrieve the password.
     */
    function getPassword() external view returns (string memory) {
        if (msg.sender != s_owner) revert NotOwner();
        return s_password;
    }
}
`,
  "Promises.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Other wordings of the same promise, each on a function nothing protects.
contract Promises {
    address public governance;
    uint256 public rate;
    uint256 public cap;
    mapping(address => uint256) public minted;
    bool public paused;

    constructor() {
        governance = msg.sender;
    }

    // Can only be called by governance.
    function setRate(uint256 newRate) external {
        rate = newRate;
    }

    /// @notice Mints to an account.
    /// @dev Can only be called by an account with the MINTER_ROLE.
    function mint(address to, uint256 amount) external {
        _credit(to, amount);
    }

    function _credit(address to, uint256 amount) internal {
        minted[to] += amount;
    }

    /// @dev onlyOwner
    function setCap(uint256 newCap) public {
        cap = newCap;
    }

    /// PAUSES THE CONTRACT. ONLY OWNER.
    function pause() external {
        paused = true;
    }

    /// @notice Only the owner can read the rate this way.
    function currentRate() external view returns (uint256) {
        return rate;
    }
}
`,
  "Checked.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// The same promises kept: a modifier, a require, an if/revert, an internal check helper, OpenZeppelin's onlyOwner.
contract Checked {
    error NotOwner();

    address public owner;
    uint256 public fee;
    uint256 public rate;
    uint256 public cap;
    bool public paused;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    /// @notice Only the owner can set the fee.
    function setFee(uint256 newFee) external onlyOwner {
        fee = newFee;
    }

    /// @notice Can only be called by the owner.
    function setRate(uint256 newRate) external {
        require(msg.sender == owner, "not owner");
        rate = newRate;
    }

    /// @notice Restricted to the owner.
    function setCap(uint256 newCap) external {
        if (msg.sender != owner) revert NotOwner();
        cap = newCap;
    }

    /// @notice This function allows only the owner to pause.
    function pause() external {
        _checkOwner();
        paused = true;
    }

    function _checkOwner() internal view {
        if (msg.sender != owner) revert NotOwner();
    }
}

contract CheckedOz is Ownable {
    uint256 public fee;

    constructor() Ownable(msg.sender) {}

    /// @notice Only the owner can set the fee.
    function setFee(uint256 newFee) external onlyOwner {
        fee = newFee;
    }
}
`,
  "Unrelated.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Phrases that mention the owner or "only" without restricting the caller, and negated ones.
contract Unrelated {
    address public owner;
    address public prizeHolder;
    uint256 public fees;
    uint256 public tickets;
    uint256 public bonus;

    constructor() {
        owner = msg.sender;
    }

    /// @notice Transfers ownership of the prize to only one address: the first caller.
    function claimPrize() external {
        require(prizeHolder == address(0), "claimed");
        prizeHolder = msg.sender;
    }

    /// @notice Sends the accrued fees only to the owner.
    function sweep() external {
        uint256 amount = fees;
        fees = 0;
        payable(owner).transfer(amount);
    }

    /// @notice Not only the owner can buy tickets: this is open to every player.
    function buyTicket() external payable {
        tickets += 1;
    }

    /// @dev No longer restricted to the owner since v2.
    function addBonus(uint256 amount) external {
        bonus += amount;
    }

    /// @notice Only the owner receives the bonus when the round ends.
    function endRound() external {
        bonus = 0;
    }
}
`,
  "Destroyable.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Functions another rule already reports keep one finding each.
contract Destroyable {
    address public owner;
    bool public destroyed;

    constructor() {
        owner = msg.sender;
    }

    /// @notice Only the owner can hand the contract over.
    function setOwner(address newOwner) external {
        owner = newOwner;
    }

    /// @notice Only the owner can destroy the contract.
    function destroy() external {
        destroyed = true;
        selfdestruct(payable(msg.sender));
    }
}
`,
};

/** 1-based line of the first line of `file` containing `needle`. */
function lineOf(file: string, needle: string): number {
  const i = SOURCES[file]!.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in ${file}`);
  return i + 1;
}

describe("audit: a caller restriction the documentation promises and the code does not enforce", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  // centralization-risk lists the functions a caller check guards (information), not a missing check
  const findings = (file: string, contract: string, detector?: string): Finding[] =>
    result.findings.filter((f) => f.file === file && f.contract === contract && f.detector !== "centralization-risk" && (detector === undefined || f.detector === detector));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-access-doc-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("reports a setter whose doc allows only the owner to call it and that checks no caller (high, high confidence)", function () {
    // (the password itself is also reported, by private-data-on-chain, on the state variable)
    const all = findings("PasswordStore.sol", "PasswordStore").filter((f) => f.function === "setPassword" || f.function === "getPassword");
    expect(all).to.have.lengthOf(1);
    const f = all[0]!;
    expect(f.detector).to.equal("access-control");
    expect(f.category).to.equal("access_control");
    expect(f.severity).to.equal("high");
    expect(f.confidence).to.equal("high");
    expect(f.function).to.equal("setPassword");
    expect(f.lines).to.deep.equal([lineOf("PasswordStore.sol", "function setPassword"), lineOf("PasswordStore.sol", "s_password = newPassword")]);
    expect(f.message).to.include('"This function allows only the owner to set a new password"');
    expect(f.message).to.match(/Anyone can call it and change s_password/);
    expect(f.remediation).to.include("onlyOwner");
    expect(f.remediation).to.include("if (msg.sender != owner) revert NotOwner();");
  });

  it("reads plain // comments and NatSpec, governance and role wordings, onlyOwner, any case; a view function is silent", function () {
    const all = findings("Promises.sol", "Promises");
    expect(all.every((f) => f.detector === "access-control" && f.severity === "high" && f.confidence === "high")).to.equal(true);
    expect(all.map((f) => f.function).sort()).to.deep.equal(["mint", "pause", "setCap", "setRate"]);
    const byFn = (name: string): Finding => all.find((f) => f.function === name)!;
    expect(byFn("setRate").lines).to.deep.equal([lineOf("Promises.sol", "function setRate"), lineOf("Promises.sol", "rate = newRate")]);
    expect(byFn("setRate").message).to.include('"Can only be called by governance"');
    // the first state write is in the internal helper the function calls
    expect(byFn("mint").lines).to.deep.equal([lineOf("Promises.sol", "function mint"), lineOf("Promises.sol", "minted[to] += amount")]);
    expect(byFn("mint").message).to.include("MINTER_ROLE");
    expect(byFn("setCap").message).to.include('"onlyOwner"');
    expect(byFn("pause").message).to.include('"ONLY OWNER"');
  });

  it("is silent when a modifier, a require or if/revert on msg.sender, or an internal check helper enforces the promise", function () {
    expect(findings("Checked.sol", "Checked")).to.deep.equal([]);
    expect(findings("Checked.sol", "CheckedOz")).to.deep.equal([]);
  });

  it("is silent on negated phrases and on phrases about something other than who calls", function () {
    expect(findings("Unrelated.sol", "Unrelated", "access-control")).to.deep.equal([]);
  });

  it("keeps one finding per function: a function another rule reports is not reported again", function () {
    const all = findings("Destroyable.sol", "Destroyable");
    expect(all.map((f) => [f.function, f.detector])).to.have.deep.members([
      ["setOwner", "unprotected-owner-setter"],
      ["destroy", "unprotected-selfdestruct"],
    ]);
    expect(all).to.have.lengthOf(2);
  });
});
