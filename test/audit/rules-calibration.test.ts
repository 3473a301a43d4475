/**
 * Severity by consequence: an ignored call in a function that records nothing, outside a loop, that moves no value or
 * that only a privileged caller makes, leaves everything as it was (low); one followed by a record, one in a loop
 * (a partial result), one anyone makes to move value, or one forwarding the caller's msg.value loses something
 * (medium); an ignored approve makes the later pull fail (low). An EOA check by code size keeps out no contract (medium); one by
 * `tx.origin == msg.sender` keeps out every contract account and only an EIP-7702 delegated EOA passes it (low).
 * A storage array a function resets as a whole is scratch space: its growth does not carry over, so no DoS.
 * Before 0.8: a bound checked on a local loaded from the same storage guards the operation; a difference only compared
 * for equality cannot pay anything when it wraps; msg.value times a small constant cannot overflow.
 * uninitialized-state: a base that a contract in another file inherits and sets is checked through that contract;
 * storage a delegatecalled library initialises is written. fee-on-transfer-accounting: a pull only a privileged caller
 * makes is the owner's choice of token (low); a token in pools the owner adds stays medium (one fee token's pool drains
 * the others).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const SOURCES: Record<string, string> = {
  "Listed.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// deposit() takes only tokens the owner listed; depositAny() takes any; settle() is the operator's.
contract ListedDesk {
    address public immutable owner = msg.sender;
    address public operator;
    mapping(address => bool) public whitelisted;
    mapping(address => mapping(address => uint256)) public deposits;

    function list(address token) external {
        require(msg.sender == owner, "owner");
        whitelisted[token] = true;
    }

    function deposit(address token, uint256 amount) external {
        require(whitelisted[token], "not listed");
        _pull(token, amount);
    }

    function _pull(address token, uint256 amount) internal {
        require(IERC20Like(token).transferFrom(msg.sender, address(this), amount), "pull");
        deposits[msg.sender][token] += amount;
    }

    function depositAny(address token, uint256 amount) external {
        require(IERC20Like(token).transferFrom(msg.sender, address(this), amount), "pull");
        deposits[msg.sender][token] += amount;
    }

    function settle(address token, address user, uint256 amount) external {
        require(msg.sender == operator, "operator");
        _collect(token, user, amount);
    }

    function _collect(address token, address user, uint256 amount) internal {
        require(IERC20Like(token).transferFrom(msg.sender, address(this), amount), "pull");
        deposits[user][token] += amount;
    }
}
`,
  "Factory.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Vault {
    address public owner;

    constructor(address o) {
        owner = o;
    }
}

/// A factory's registry: \`created\` lets vaults report in; a vault the caller deploys here is the project's code.
contract VaultFactory {
    mapping(address => bool) public created;
    mapping(address => address) public vaultOf;
    uint256 public lastReport;

    function deploy() external returns (address vault) {
        vault = vaultOf[msg.sender];
        if (vault == address(0)) {
            vault = address(new Vault(msg.sender));
            vaultOf[msg.sender] = vault;
            created[vault] = true;
        }
    }

    /// anyone registers any address: it can then report as a vault
    function register(address vault) external {
        created[vault] = true;
    }

    function report(uint256 value) external {
        require(created[msg.sender], "not a vault");
        lastReport = value;
    }
}
`,
  "Rescale.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract InterestMath {
    /// two rescalings in a row: the interest is off by under one unit, and the next division scales it back down
    function interestFor(uint256 amount, uint256 rate, uint256 duration) external pure returns (uint256) {
        uint256 interest = (rate * duration) / 365 days;
        return (amount * interest) / 1e18;
    }
}

contract Haircut {
    /// times a fraction of at most one: the error is not amplified
    function keep(uint256 amount) external pure returns (uint256) {
        return ((amount / 1e12) * 99) / 100;
    }
}

contract SharePrice {
    /// a ratio truncated first, then multiplied by a price: whole units are lost
    function valueOf(uint256 shares, uint256 totalShares, uint256 price) external pure returns (uint256) {
        return (shares / totalShares) * price;
    }
}
`,
  "Rebalance.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IPairLike {
    function getReserves() external view returns (uint112, uint112, uint32);
}

interface IStable {
    function mintForRebalance(uint256 amount) external;
}

/// Mints whatever the pool's current reserves say is missing: a swap just before moves that amount.
contract Rebalancer {
    IPairLike public immutable pair;
    IStable public immutable stable;

    constructor(IPairLike p, IStable s) {
        pair = p;
        stable = s;
    }

    function rebalance() external {
        (uint112 stableReserve, uint112 otherReserve, ) = pair.getReserves();
        if (otherReserve > stableReserve) stable.mintForRebalance((uint256(otherReserve) - stableReserve) / 2);
    }
}
`,
  "Boxes.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// Behind a transparent proxy: no delegatecall, selfdestruct or upgrade function of its own.
contract PlainBox is Initializable {
    address public owner;

    function initialize(address owner_) external initializer {
        owner = owner_;
    }
}

/// Runs a caller's code in its own context: the initialiser's owner can make the implementation self-destruct.
contract MulticallBox is Initializable {
    address public owner;

    function initialize(address owner_) external initializer {
        owner = owner_;
    }

    function run(address target, bytes calldata data) external {
        require(msg.sender == owner, "owner");
        (bool ok, ) = target.delegatecall(data);
        require(ok, "failed");
    }
}

contract UupsBox is Initializable, UUPSUpgradeable {
    address public owner;

    function initialize(address owner_) external initializer {
        owner = owner_;
    }

    function _authorizeUpgrade(address) internal view override {
        require(msg.sender == owner, "owner");
    }
}

/// Its own upgrade function, callable on the implementation itself (OpenZeppelin's UUPS before 4.3.2 had no onlyProxy).
contract OldUupsBox is Initializable {
    address public owner;
    bytes32 internal constant SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;

    function initialize(address owner_) external initializer {
        owner = owner_;
    }

    function upgradeToAndCall(address impl, bytes calldata data) external {
        require(msg.sender == owner, "owner");
        assembly {
            sstore(SLOT, impl)
        }
        (bool ok, ) = impl.delegatecall(data);
        require(ok, "failed");
    }
}
`,
  "Bases.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A copy of the standard base (as projects vendor OpenZeppelin v4's, which is not abstract): it only returns true.
contract ERC20 {
    mapping(address => uint256) public balanceOf;

    function transfer(address to, uint256 amount) public virtual returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// The project's own token: its code is what runs.
contract Points is ERC20 {}

contract Escrow {
    ERC20 public immutable anyToken; // typed as the base: whatever token was passed in
    Points public immutable points;
    mapping(address => uint256) public owed;

    constructor(ERC20 t, Points p) {
        anyToken = t;
        points = p;
    }

    function pay(address to) external {
        uint256 amount = owed[to];
        owed[to] = 0;
        anyToken.transfer(to, amount);
    }

    function payPoints(address to) external {
        uint256 amount = owed[to];
        owed[to] = 0;
        points.transfer(to, amount);
    }
}
`,
  "Zap.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IRouter {
    function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external returns (uint256[] memory);
    function addLiquidity(address a, address b, uint256 amountADesired, uint256 amountBDesired, uint256 amountAMin, uint256 amountBMin, address to, uint256 deadline) external returns (uint256, uint256, uint256);
}

/// Swaps half, adds liquidity, then requires the liquidity minted to reach the caller's minimum: the zero minimum of
/// the swap in between is covered end to end. The same swap without the final check is not.
contract Zap {
    IRouter public immutable router;

    constructor(IRouter r) {
        router = r;
    }

    function zapIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 minLiquidity, uint256 deadline) external {
        _swap(tokenIn, tokenOut, amountIn / 2, deadline);
        (, , uint256 liquidity) = router.addLiquidity(tokenIn, tokenOut, amountIn / 2, 1, 1, 1, msg.sender, deadline);
        require(liquidity >= minLiquidity, "slippage");
    }

    function swapOnly(address tokenIn, address tokenOut, uint256 amountIn, uint256 deadline) external {
        _swap(tokenIn, tokenOut, amountIn, deadline);
    }

    function _swap(address tokenIn, address tokenOut, uint256 amountIn, uint256 deadline) internal {
        address[] memory path = new address[](2);
        path[0] = tokenIn;
        path[1] = tokenOut;
        router.swapExactTokensForTokens(amountIn, 0, path, address(this), deadline);
    }
}

/// Every way in checks the caller's minimum on the final amount.
contract BoundedZap {
    IRouter public immutable router;

    constructor(IRouter r) {
        router = r;
    }

    function zapIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 minOut, uint256 deadline) external {
        address[] memory path = new address[](2);
        path[0] = tokenIn;
        path[1] = tokenOut;
        uint256[] memory out = router.swapExactTokensForTokens(amountIn, 0, path, msg.sender, deadline);
        _check(out[1], minOut);
    }

    function _check(uint256 amount, uint256 minAmount) internal pure {
        require(amount >= minAmount, "slippage");
    }
}
`,
  "Calls.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract Calls {
    address public owner = msg.sender;
    mapping(address => uint256) public owed;

    receive() external payable {}

    /// records nothing: a failed call leaves the ether here and the owner tries again
    function sweep(address payable to) external {
        require(msg.sender == owner, "owner");
        to.call{value: address(this).balance}("");
    }

    /// books the payment as made: a failure loses the claim
    function payOut(address payable to) external {
        uint256 amount = owed[to];
        to.call{value: amount}("");
        owed[to] = 0;
    }

    /// forwards the caller's ether: a failure keeps it here
    function relay(address target, bytes calldata data) external payable {
        target.call{value: msg.value}(data);
    }

    /// moves no value and records nothing
    function ping(address target) external {
        target.call(abi.encodeWithSignature("ping()"));
    }

    /// anyone takes the balance and records nothing: a failed send leaves the ether here for the next call
    function leftovers() external {
        payable(msg.sender).send(address(this).balance);
    }

    /// an internal helper: its caller may book the payment, so a silent failure can lose a claim
    function _pay(address payable to, uint256 amount) internal {
        to.send(amount);
    }

    function claim() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        _pay(payable(msg.sender), amount);
    }

    /// in a loop: some pay, some do not, and nobody is told which
    function airdrop(address[] calldata to, uint256 each) external {
        require(msg.sender == owner, "owner");
        for (uint256 i = 0; i < to.length; i++) payable(to[i]).call{value: each}("");
    }

    /// records nothing, and only the owner calls it
    function sweepToken(IERC20 token, address to) external {
        require(msg.sender == owner, "owner");
        token.transfer(to, token.balanceOf(address(this)));
    }

    /// books the payment
    function payToken(IERC20 token, address to, uint256 amount) external {
        token.transfer(to, amount);
        owed[to] = 0;
    }

    /// an approval that fails makes the spender's pull fail
    function allow(IERC20 token, address spender, uint256 amount) external {
        require(msg.sender == owner, "owner");
        token.approve(spender, amount);
        owed[spender] = amount;
    }

    /// anyone may sweep to the owner; it records nothing, so a failed transfer leaves the tokens here
    function sweepToOwner(IERC20 token) external {
        token.transfer(owner, token.balanceOf(address(this)));
    }

    /// keeps no records, but its balance is one: an input that silently failed to arrive still pays the output
    function swapTokens(IERC20 from, IERC20 to, uint256 amount) external {
        from.transferFrom(msg.sender, address(this), amount);
        to.transfer(msg.sender, amount);
    }
}
`,
  "Scratch.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A work list filled from the caller's input and deleted before returning: nothing carries over.
contract Compiler {
    uint256[] private work;
    uint256 public last;

    function compile(bytes calldata program) external {
        for (uint256 i = 0; i < program.length; i++) work.push(uint8(program[i]));
        uint256 sum;
        for (uint256 i = 0; i < work.length; i++) sum += work[i];
        last = sum;
        delete work;
    }
}

/// The same list kept: every call makes it longer, and the sum loop with it.
contract Keeper {
    uint256[] private work;
    uint256 public last;

    function add(bytes calldata program) external {
        for (uint256 i = 0; i < program.length; i++) work.push(uint8(program[i]));
    }

    function total() external {
        uint256 sum;
        for (uint256 i = 0; i < work.length; i++) sum += work[i];
        last = sum;
    }
}
`,
  "Ledger.sol": `// SPDX-License-Identifier: MIT
pragma solidity 0.7.6;

interface IToken {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

contract Ledger {
    mapping(address => mapping(address => uint256)) public balances;
    uint256 public fees;

    function deposit(IToken token, uint256 amount) external {
        uint256 old = balances[msg.sender][address(token)];
        require(old + amount >= old, "overflow");
        balances[msg.sender][address(token)] += amount;
        uint256 before = token.balanceOf(address(this));
        require(token.transferFrom(msg.sender, address(this), amount), "transfer");
        require(token.balanceOf(address(this)) - before == amount, "fee token");
    }

    function withdraw(address token, uint256 amount) external {
        uint256 old = balances[msg.sender][token];
        require(old >= amount, "balance");
        balances[msg.sender][token] -= amount;
    }

    function buy() external payable {
        uint256 sent = msg.value;
        fees += sent * 250 / 10000;
    }

    /// no check at all: reported
    function credit(address to, uint256 amount) external {
        balances[to][msg.sender] += amount;
    }
}
`,
  "Curve.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Never deployed alone: its children set the ratio.
contract CurveBase {
    uint32 public reserveRatio;

    function price(uint256 supply) public view returns (uint256) {
        return supply * reserveRatio / 1e6;
    }
}
`,
  "CurveToken.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {CurveBase} from "./Curve.sol";

contract CurveToken is CurveBase {
    constructor(uint32 ratio) {
        reserveRatio = ratio;
    }
}
`,
  "Wallets.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Its owners are written by the library's initWallet, run by delegatecall in the constructor.
contract LibWallet {
    address[] public owners;
    address public immutable library_;

    constructor(address lib, address[] memory owners_) {
        library_ = lib;
        (bool ok, ) = lib.delegatecall(abi.encodeWithSignature("initWallet(address[])", owners_));
        require(ok, "init");
    }

    function isOwner(address who) external view returns (bool) {
        for (uint256 i = 0; i < owners.length; i++) if (owners[i] == who) return true;
        return false;
    }
}

/// Nothing ever sets its treasury: every payout goes to address(0).
contract Payer {
    address payable public treasury;

    function pay() external payable {
        treasury.transfer(msg.value);
    }
}
`,
  "Pulls.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

contract Rewards {
    address public owner = msg.sender;
    struct Pool { IERC20 token; uint256 total; }
    Pool[] public pools;
    mapping(uint256 => mapping(address => uint256)) public staked;
    uint256 public rewardBudget;

    function addPool(IERC20 token) external {
        require(msg.sender == owner, "owner");
        pools.push(Pool(token, 0));
    }

    /// only the owner funds, with a token of its choice
    function fund(IERC20 token, uint256 amount) external {
        require(msg.sender == owner, "owner");
        require(token.transferFrom(msg.sender, address(this), amount));
        rewardBudget += amount;
    }

    /// a pool's token, which only the owner sets: still medium
    function stake(uint256 pid, uint256 amount) external {
        Pool storage pool = pools[pid];
        require(pool.token.transferFrom(msg.sender, address(this), amount));
        staked[pid][msg.sender] += amount;
    }
}

contract OpenRewards {
    struct Pool { IERC20 token; uint256 total; }
    Pool[] public pools;
    mapping(uint256 => mapping(address => uint256)) public staked;

    function addPool(IERC20 token) external {
        pools.push(Pool(token, 0));
    }

    function stake(uint256 pid, uint256 amount) external {
        Pool storage pool = pools[pid];
        require(pool.token.transferFrom(msg.sender, address(this), amount));
        staked[pid][msg.sender] += amount;
    }
}
`,
  "Eoa.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract OriginGate {
    mapping(address => uint256) public tickets;

    function enter() external {
        require(tx.origin == msg.sender, "EOA only");
        tickets[msg.sender] += 1;
    }
}

contract CodeGate {
    mapping(address => uint256) public tickets;

    function enter() external {
        require(msg.sender.code.length == 0, "EOA only");
        tickets[msg.sender] += 1;
    }
}
`,
};

describe("audit: severity by consequence (ignored calls that record nothing, approvals, EOA checks)", function () {
  let dir: string;
  let result: AuditResult;
  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const bySeverity = (file: string, detector: string): [string | undefined, string][] => findings(file, detector).map((f) => [f.function, f.severity]);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-calibration-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("unchecked-low-level-call: low when nothing changes on failure (no record, no loop; no value, a privileged caller, or an entry point taking no ether), medium otherwise", function () {
    expect(bySeverity("Calls.sol", "unchecked-low-level-call")).to.deep.equal([
      ["sweep", "low"],
      ["payOut", "medium"],
      ["relay", "medium"],
      ["ping", "low"],
      ["airdrop", "medium"],
    ]);
    // an entry point that records nothing and takes no ether: low; an internal helper a recording function calls: medium
    expect(bySeverity("Calls.sol", "unchecked-send")).to.deep.equal([
      ["leftovers", "low"],
      ["_pay", "medium"],
    ]);
    expect(findings("Calls.sol", "unchecked-low-level-call")[0]!.message).to.include("records nothing");
  });

  it("unchecked-erc20-transfer: low for a sweep that records nothing and for an approve, medium when the payment is booked or another payment rests on it", function () {
    expect(bySeverity("Calls.sol", "unchecked-erc20-transfer")).to.deep.equal([
      ["sweepToken", "low"],
      ["payToken", "medium"],
      ["allow", "low"],
      ["sweepToOwner", "low"],
      ["swapTokens", "medium"],
      ["swapTokens", "medium"],
    ]);
    expect(findings("Calls.sol", "unchecked-erc20-transfer")[2]!.message).to.include("a failed approval makes the later transfer fail");
  });

  it("denial of service: silent on a storage array the function resets as a whole (scratch space); reported when the growth lasts", function () {
    const dos = result.findings.filter((f) => f.file === "Scratch.sol" && f.category === "denial_of_service" && f.severity !== "low");
    expect(dos.map((f) => [f.contract, f.detector]).sort()).to.deep.equal([
      ["Keeper", "loop-grows-array"],
      ["Keeper", "unbounded-loop"],
    ]);
  });

  it("integer-overflow before 0.8: a guard on a local loaded from the same storage, an equality-only difference and msg.value times a constant are safe", function () {
    expect(findings("Ledger.sol", "integer-overflow").map((f) => [f.function, f.lines])).to.deep.equal([
      ["buy", [30]],
      ["credit", [35]],
    ]);
    // buy: fees += … is a stored sum the caller grows (not the multiplication)
    expect(findings("Ledger.sol", "integer-overflow")[0]!.message).to.include("line 30");
  });

  it("uninitialized-state: silent on a base another file's contract sets and on storage a delegatecalled library writes; reported when nothing sets it", function () {
    const found = result.findings.filter((f) => f.detector === "uninitialized-state" && ["Curve.sol", "CurveToken.sol", "Wallets.sol"].includes(f.file));
    expect(found.map((f) => [f.file, f.contract, f.severity])).to.deep.equal([["Wallets.sol", "Payer", "high"]]);
  });

  it("fee-on-transfer-accounting: low for a pull only the owner makes; medium for pool tokens, whoever adds the pools", function () {
    expect(findings("Pulls.sol", "fee-on-transfer-accounting").map((f) => [f.contract, f.function, f.severity])).to.deep.equal([
      ["Rewards", "fund", "low"],
      ["Rewards", "stake", "medium"],
      ["OpenRewards", "stake", "medium"],
    ]);
  });

  it("unchecked-erc20-transfer: a variable typed as the standard ERC20 base holds any token (reported); the project's own token returns true (silent)", function () {
    const found = result.findings.filter((f) => f.file === "Bases.sol" && f.detector === "unchecked-erc20-transfer");
    expect(found.map((f) => f.function)).to.deep.equal(["pay"]);
  });

  it("implementation-initializable: medium when the implementation can delegatecall or upgrade itself, low for a plain one and for OpenZeppelin's UUPS (its upgrade runs only through a proxy: onlyProxy)", function () {
    const found = result.findings.filter((f) => f.file === "Boxes.sol" && f.detector === "implementation-initializable");
    expect(found.map((f) => [f.contract, f.severity])).to.deep.equal([
      ["PlainBox", "low"],
      ["MulticallBox", "medium"],
      ["UupsBox", "low"],
      ["OldUupsBox", "medium"],
    ]);
    expect(found[0]!.message).to.include("controls only the implementation's own empty storage");
  });

  it("oracle-spot-price: an amount from the pool's reserves handed to a mintX call (not only mint) is value moved on a spot price", function () {
    const found = result.findings.filter((f) => f.file === "Rebalance.sol" && f.detector === "oracle-spot-price");
    expect(found.map((f) => [f.function, f.severity])).to.deep.equal([["rebalance", "high"]]);
  });

  it("divide-before-multiply: low for two rescalings in a row and for a fraction of at most one; medium for a truncated ratio times a price", function () {
    const found = result.findings.filter((f) => f.file === "Rescale.sol" && f.detector === "divide-before-multiply");
    expect(found.map((f) => [f.contract, f.severity])).to.deep.equal([
      ["InterestMath", "low"],
      ["Haircut", "low"],
      ["SharePrice", "medium"],
    ]);
  });

  it("unprotected-owner-setter: silent on a factory's registry of the contract it just deployed; reported when anyone registers any address", function () {
    const found = result.findings.filter((f) => f.file === "Factory.sol" && f.detector === "unprotected-owner-setter");
    expect(found.map((f) => f.function)).to.deep.equal(["register"]);
  });

  it("fee-on-transfer-accounting: low for a token an owner's allow-list admits and for a pull only privileged callers reach; medium for any token", function () {
    const found = result.findings.filter((f) => f.file === "Listed.sol" && f.detector === "fee-on-transfer-accounting");
    expect(found.map((f) => [f.function, f.severity])).to.deep.equal([
      ["_pull", "low"],
      ["depositAny", "medium"],
      ["_collect", "low"],
    ]);
    expect(found[0]!.message).to.include("admitted by an allow-list an admin keeps");
  });

  it("missing-slippage: a zero minimum inside a trade whose final output every caller bounds is covered; reported when one way in has no bound", function () {
    const found = result.findings.filter((f) => f.file === "Zap.sol" && f.detector === "missing-slippage");
    expect(found.map((f) => [f.contract, f.function, f.severity])).to.deep.equal([["Zap", "_swap", "medium"]]);
  });

  it("eoa-check: medium for a code-size check (a constructor has no code), low for tx.origin == msg.sender (only EIP-7702 passes it)", function () {
    expect(findings("Eoa.sol", "eoa-check").map((f) => [f.contract, f.severity])).to.deep.equal([
      ["OriginGate", "low"],
      ["CodeGate", "medium"],
    ]);
  });
});
