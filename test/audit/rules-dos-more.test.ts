/**
 * More denial-of-service rules: a loop in a view function that only off-chain reads run (low) against one a
 * state-changing function runs (medium); a required push payment to an entrant of an array anyone grows (medium) or to
 * the owner (low); a cap on a token balance anyone can raise by transferring tokens straight to its holder.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";

const SOURCES: Record<string, string> = {
  "ViewLoops.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Anyone joins. totalStake() is only read off-chain; _countActive() runs inside checkpoint(), a transaction.
contract ViewLoops {
    address[] public members;
    mapping(address => uint256) public stake;
    uint256 public lastAverage;

    function join() external payable {
        members.push(msg.sender);
        stake[msg.sender] += msg.value;
    }

    function totalStake() external view returns (uint256 sum) {
        for (uint256 i = 0; i < members.length; i++) {
            sum += stake[members[i]];
        }
    }

    function _countActive() internal view returns (uint256 n) {
        for (uint256 i = 0; i < members.length; i++) {
            if (stake[members[i]] > 0) n++;
        }
    }

    function averageStake() public view returns (uint256) {
        return address(this).balance / _countActive();
    }

    function checkpoint() external {
        lastAverage = averageStake();
    }
}
`,
  "InheritedViewLoop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The base's view loop is only read off-chain in the base, but the derived contract calls it in claim().
contract LoopBase {
    address[] public entries;

    function enter() external {
        entries.push(msg.sender);
    }

    function countOf(address account) public view returns (uint256 n) {
        for (uint256 i = 0; i < entries.length; i++) {
            if (entries[i] == account) n++;
        }
    }
}

contract LoopChild is LoopBase {
    mapping(address => uint256) public credits;

    function claim() external {
        credits[msg.sender] = countOf(msg.sender);
    }
}
`,
  "EntrantRaffle.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Anyone enters; the winner is paid with a call whose failure reverts: an entrant that rejects ether blocks the draw.
contract EntrantRaffle {
    error EntrantRaffleWrongFee(uint256 sent);

    address[] public players;
    uint256 public round;

    function enter() external payable {
        if (msg.value != 1 ether) revert EntrantRaffleWrongFee(msg.value);
        players.push(msg.sender);
    }

    function draw(uint256 seed) external {
        uint256 index = seed % players.length;
        address winner = players[index];
        uint256 prize = address(this).balance;
        round++;
        (bool ok, ) = winner.call{value: prize}("");
        require(ok, "payout failed");
    }

    function refundFirst() external {
        payable(players[0]).transfer(1 ether);
    }
}
`,
  "PullRaffle.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A winner that rejects ether is credited instead, and the caller's own entry is paid to the caller: nobody is blocked.
contract PullRaffle {
    address[] public players;
    mapping(address => uint256) public slot;
    mapping(address => uint256) public owed;

    function enter() external payable {
        require(msg.value == 1 ether);
        slot[msg.sender] = players.length;
        players.push(msg.sender);
    }

    function draw(uint256 seed) external {
        address winner = players[seed % players.length];
        uint256 prize = address(this).balance;
        (bool ok, ) = winner.call{value: prize}("");
        if (!ok) owed[winner] += prize;
    }

    function leave() external {
        (bool ok, ) = payable(players[slot[msg.sender]]).call{value: 1 ether}("");
        require(ok);
    }

    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}
`,
  "FeeShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Every purchase pays the owner's fee on the way: an owner that cannot receive ether blocks every purchase.
contract FeeShop {
    uint256 public constant FEE = 0.01 ether;
    address public owner;
    mapping(address => uint256) public bought;

    constructor() {
        owner = msg.sender;
    }

    function setOwner(address newOwner) external {
        require(msg.sender == owner, "owner");
        owner = newOwner;
    }

    function buy() external payable {
        require(msg.value > FEE, "fee");
        payable(owner).transfer(FEE);
        bought[msg.sender] += msg.value - FEE;
    }

    function withdraw() external {
        require(msg.sender == owner, "owner");
        payable(owner).transfer(address(this).balance);
    }
}
`,
  "OwnableTips.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

abstract contract SimpleOwnable {
    address private _owner;

    constructor() {
        _owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == _owner, "owner");
        _;
    }

    function owner() public view returns (address) {
        return _owner;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        _owner = newOwner;
    }
}

/// Tips go straight to owner(), and a failed tip reverts.
contract OwnableTips is SimpleOwnable {
    function tip() external payable {
        (bool ok, ) = owner().call{value: msg.value}("");
        require(ok, "tip failed");
    }
}
`,
  "PulledFees.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The fee is credited to the owner, who withdraws it: an owner that cannot receive blocks only its own withdrawal.
contract PulledFees {
    uint256 public constant FEE = 0.01 ether;
    address public immutable owner = msg.sender;
    uint256 public fees;

    function buy() external payable {
        require(msg.value > FEE, "fee");
        fees += FEE;
    }

    function withdrawFees() external {
        require(msg.sender == owner, "owner");
        uint256 amount = fees;
        fees = 0;
        payable(owner).transfer(amount);
    }
}

/// Anyone may sweep the balance to the owner: an owner that cannot receive only keeps its own payout waiting.
contract SweepToOwner {
    address public immutable owner = msg.sender;

    receive() external payable {}

    function sweep() external {
        payable(owner).transfer(address(this).balance);
    }
}
`,
  "CappedVaultDeposit.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface ICapToken {
    function balanceOf(address account) external view returns (uint256);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface ICapVault {
    function credit(address account, uint256 amount) external;
}

/// Deposits go to the vault until the vault holds DEPOSIT_LIMIT tokens; a transfer straight to the vault fills the cap.
contract CappedVaultDeposit {
    error CappedVaultDepositLimit(uint256 amount);

    uint256 public constant DEPOSIT_LIMIT = 1_000_000e18;
    ICapToken public immutable token;
    ICapVault public immutable vault;

    constructor(ICapToken token_, ICapVault vault_) {
        token = token_;
        vault = vault_;
    }

    function deposit(uint256 amount) external {
        if (token.balanceOf(address(vault)) + amount > DEPOSIT_LIMIT) revert CappedVaultDepositLimit(amount);
        require(token.transferFrom(msg.sender, address(vault), amount), "transfer");
        vault.credit(msg.sender, amount);
    }
}
`,
  "CappedPool.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IPoolToken {
    function balanceOf(address account) external view returns (uint256);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// The pool caps its own token balance: require(bal + amount <= cap) for everyone, and for the owner's seeding.
contract CappedPool {
    IPoolToken public immutable asset;
    uint256 public immutable cap;
    address public immutable owner = msg.sender;
    mapping(address => uint256) public shares;

    constructor(IPoolToken asset_, uint256 cap_) {
        asset = asset_;
        cap = cap_;
    }

    function deposit(uint256 amount) external {
        uint256 bal = asset.balanceOf(address(this));
        require(bal + amount <= cap, "cap");
        require(asset.transferFrom(msg.sender, address(this), amount), "transfer");
        shares[msg.sender] += amount;
    }

    function seed(uint256 amount) external {
        require(msg.sender == owner, "owner");
        require(cap >= asset.balanceOf(address(this)) + amount, "cap");
        require(asset.transferFrom(msg.sender, address(this), amount), "transfer");
    }
}
`,
  "ZeroBalance.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// sweep() compares the balance with zero only to pick a branch: forced ether takes the other one. close() requires
/// an empty contract: one forced wei blocks it for good.
contract Till {
    address public immutable owner = msg.sender;
    bool public closed;

    receive() external payable {}

    function sweep() external {
        if (address(this).balance != 0) payable(owner).transfer(address(this).balance);
    }

    function close() external {
        require(address(this).balance == 0, "not empty");
        closed = true;
    }
}
`,
  "BalanceViews.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// isDrained() and isFull() are only read off-chain; settle() runs isFull() inside a transaction.
contract BalanceViews {
    uint256 public constant TARGET = 10 ether;
    address public winner;

    function play() external payable {
        require(msg.value == 1 ether, "one ether");
    }

    function isDrained() external view returns (bool) {
        return address(this).balance == 0;
    }

    function isFull() public view returns (bool) {
        return address(this).balance == TARGET;
    }

    function settle() external {
        require(isFull(), "not yet");
        winner = msg.sender;
        payable(msg.sender).transfer(address(this).balance);
    }
}
`,
  "TrackedCapPool.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface ITrackedToken {
    function balanceOf(address account) external view returns (uint256);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Caps the deposits it counted itself; checks what arrived against an earlier reading; checks it holds enough to pay.
contract TrackedCapPool {
    uint256 public constant DEPOSIT_LIMIT = 1_000_000e18;
    ITrackedToken public immutable asset;
    uint256 public totalDeposited;
    uint256 public maxFee = 1e18;
    mapping(address => uint256) public shares;

    constructor(ITrackedToken asset_) {
        asset = asset_;
    }

    function deposit(uint256 amount) external {
        require(totalDeposited + amount <= DEPOSIT_LIMIT, "cap");
        uint256 before = asset.balanceOf(address(this));
        require(asset.transferFrom(msg.sender, address(this), amount), "transfer");
        require(asset.balanceOf(address(this)) <= before + amount, "more than sent");
        require(asset.balanceOf(address(this)) - before + maxFee >= amount, "fee too high");
        totalDeposited += amount;
        shares[msg.sender] += amount;
    }

    function withdraw(uint256 amount) external {
        require(asset.balanceOf(address(this)) >= amount, "insolvent");
        shares[msg.sender] -= amount;
        totalDeposited -= amount;
        require(asset.transfer(msg.sender, amount), "transfer");
    }
}
`,
};

describe("audit: more denial-of-service rules (view loops, push payments to entrants and owners, token-balance caps)", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-dos-more-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("unbounded-loop: low in a view function only read off-chain, medium in a view helper a transaction runs", function () {
    const found = findings("ViewLoops.sol", "unbounded-loop");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("ViewLoops.sol")).to.deep.equal([
      ["totalStake", "low", [16]],
      ["_countActive", "medium", [22]],
    ]);
    for (const f of found) expect(f.category).to.equal("denial_of_service");
    expect(found[0]!.message).to.match(/no state-changing function calls/);
  });

  it("unbounded-loop: medium in a base's view function that a derived contract's state-changing function calls", function () {
    const found = findings("InheritedViewLoop.sol", "unbounded-loop");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.lines]), summary("InheritedViewLoop.sol")).to.deep.equal([
      ["LoopBase", "countOf", "medium", [13]],
    ]);
  });

  it("push-payment-dos: a required payment to an entrant of an array anyone grows (through a local or directly)", function () {
    const found = findings("EntrantRaffle.sol", "push-payment-dos");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("EntrantRaffle.sol")).to.deep.equal([
      ["draw", "medium", [21]],
      ["refundFirst", "medium", [26]],
    ]);
    for (const f of found) {
      expect(f.category).to.equal("denial_of_service");
      expect(f.message).to.match(/players/);
      expect(f.swc).to.deep.equal(["SWC-113"]);
    }
  });

  it("push-payment-dos: is silent when a failed payment is credited and when the caller's own entry is paid", function () {
    expect(findings("PullRaffle.sol", "push-payment-dos"), summary("PullRaffle.sol")).to.deep.equal([]);
  });

  it("push-payment-dos: low for a required payment to an owner only the owner replaces, not in the owner's own withdrawal", function () {
    const found = findings("FeeShop.sol", "push-payment-dos");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("FeeShop.sol")).to.deep.equal([["buy", "low", [21]]]);
    expect(found[0]!.message).to.match(/owner/);
    expect(found[0]!.remediation).to.match(/withdraw/);
  });

  it("push-payment-dos: low for a required payment to owner() of an Ownable base", function () {
    const found = findings("OwnableTips.sol", "push-payment-dos");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.lines]), summary("OwnableTips.sol")).to.deep.equal([["OwnableTips", "tip", "low", [28]]]);
  });

  it("push-payment-dos: is silent when the owner pulls its fees and when a sweep pays only the owner", function () {
    expect(findings("PulledFees.sol", "push-payment-dos"), summary("PulledFees.sol")).to.deep.equal([]);
  });

  it("forced-ether-balance: a cap on the token balance of a stored vault, checked with if … revert", function () {
    const found = findings("CappedVaultDeposit.sol", "forced-ether-balance");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("CappedVaultDeposit.sol")).to.deep.equal([
      ["deposit", "medium", "medium", [27]],
    ]);
    expect(found[0]!.category).to.equal("denial_of_service");
    expect(found[0]!.message).to.match(/token-balance cap/);
    expect(found[0]!.remediation).to.match(/totalDeposited/);
  });

  it("forced-ether-balance: a cap on the contract's own token balance with require; low when only the owner is capped", function () {
    const found = findings("CappedPool.sol", "forced-ether-balance");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("CappedPool.sol")).to.deep.equal([
      ["deposit", "medium", "medium", [23]],
      ["seed", "low", "medium", [30]],
    ]);
  });

  it("forced-ether-balance: low in a view only off-chain readers call, medium in a view a transaction runs", function () {
    const found = findings("BalanceViews.sol", "forced-ether-balance");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("BalanceViews.sol")).to.deep.equal([
      ["isDrained", "low", [14]],
      ["isFull", "medium", [18]],
    ]);
    expect(found[0]!.message).to.match(/only off-chain readers/);
    expect(found[1]!.message).to.not.match(/off-chain/);
  });

  it("forced-ether-balance: silent on a balance compared with zero to pick a branch; reported when a guard requires it to be zero", function () {
    const found = findings("ZeroBalance.sol", "forced-ether-balance");
    expect(found.map((f) => [f.function, f.severity]), summary("ZeroBalance.sol")).to.deep.equal([["close", "medium"]]);
  });

  it("forced-ether-balance: is silent for a cap on tracked deposits, before/after checks and a sufficiency check", function () {
    expect(findings("TrackedCapPool.sol", "forced-ether-balance"), summary("TrackedCapPool.sol")).to.deep.equal([]);
  });
});
