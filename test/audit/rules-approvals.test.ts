/**
 * safe-approve-nonzero: OpenZeppelin's (v2 … v4) SafeERC20.safeApprove of a non-zero amount, in a function that runs
 * again while the previous allowance may be left, reverts with "approve from non-zero to non-zero allowance". Reported
 * through helpers (the cross-chain distributor's `_setTotal` → `_allowConnext`), for the static call form, the
 * Upgradeable library, a partial pull (`addLiquidity`), another amount or another contract called next, a reset for
 * another spender and a mutex (cleared again) guarding the function; silent for a literal 0, a preceding reset (also
 * through a helper, or of the spender variable the function replaces), one-time setup, forceApprove /
 * safeIncreaseAllowance / approve, a full pull by the spender right after, a zero-allowance check, a spender created in the function, once-per-spender and one-shot guards, and
 * solmate's unchecked safeApprove.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";

/** OpenZeppelin v4's SafeERC20 (the parts that matter) and v5's replacements. */
const OZ4 = `interface IERC20 {
    function balanceOf(address account) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
}

library SafeERC20 {
    function safeApprove(IERC20 token, address spender, uint256 value) internal {
        require(
            (value == 0) || (token.allowance(address(this), spender) == 0),
            "SafeERC20: approve from non-zero to non-zero allowance"
        );
        require(token.approve(spender, value), "SafeERC20: approve failed");
    }

    function forceApprove(IERC20 token, address spender, uint256 value) internal {
        if (!token.approve(spender, value)) {
            require(token.approve(spender, 0), "SafeERC20: reset failed");
            require(token.approve(spender, value), "SafeERC20: approve failed");
        }
    }

    function safeIncreaseAllowance(IERC20 token, address spender, uint256 value) internal {
        uint256 current = token.allowance(address(this), spender);
        require(token.approve(spender, current + value), "SafeERC20: approve failed");
    }

    function safeTransfer(IERC20 token, address to, uint256 value) internal {
        require(token.transfer(to, value), "SafeERC20: transfer failed");
    }
}
`;

const HEADER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
`;

const SOURCES: Record<string, string> = {
  "ApproveBase.sol": `${HEADER}
${OZ4}
/// The approval sits in an abstract base; two contracts in another file derive from it.
abstract contract FundedBase {
    using SafeERC20 for IERC20;

    IERC20 public token;
    address public spender;
    address public owner = msg.sender;

    function fund(uint256 amount) external {
        require(msg.sender == owner, "owner");
        token.safeApprove(spender, amount);
    }
}
`,
  "ApproveChildren.sol": `${HEADER}
import {FundedBase} from "./ApproveBase.sol";

contract FundedA is FundedBase {}

contract FundedB is FundedBase {}
`,
  "ConnextDistributor.sol": `${HEADER}
${OZ4}
interface IConnext {
    function xcall(uint32 destination, address to, address asset, address delegate, uint256 amount, uint256 slippage, bytes calldata data) external payable returns (bytes32);
}

/// The owner changes the total whenever it likes; every change approves Connext again for the new total.
contract ConnextDistributor {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    IConnext public immutable connext;
    address public owner;
    uint256 public total;

    constructor(IERC20 token_, IConnext connext_) {
        token = token_;
        connext = connext_;
        owner = msg.sender;
    }

    function setTotal(uint256 newTotal) external {
        require(msg.sender == owner, "owner");
        _setTotal(newTotal);
    }

    function _setTotal(uint256 newTotal) internal {
        total = newTotal;
        _allowConnext(newTotal);
    }

    function _allowConnext(uint256 amount) internal {
        token.safeApprove(address(connext), amount);
    }
}
`,
  "StaticCallForms.sol": `${HEADER}
${OZ4}
interface IRouter {
    function swap(uint256 amountIn, uint256 minOut) external returns (uint256);
    function addLiquidity(address tokenA, address tokenB, uint256 amountADesired, uint256 amountBDesired, uint256 amountAMin, uint256 amountBMin, address to, uint256 deadline) external returns (uint256, uint256, uint256);
}

interface IOracle {
    function poke() external;
}

/// Approvals whose allowance can be left over: the library called directly, a smaller amount swapped, another contract
/// called first, a reset for another spender, liquidity that takes only what the pool ratio needs, a mutex.
contract StaticCallForms {
    using SafeERC20 for IERC20;

    IERC20 public immutable tokenA;
    IERC20 public immutable tokenB;
    IRouter public immutable router;
    IOracle public immutable oracle;
    address public keeper;
    bool private locked;

    constructor(IERC20 a, IERC20 b, IRouter r, IOracle o) {
        tokenA = a;
        tokenB = b;
        router = r;
        oracle = o;
    }

    function approveRouter(uint256 amount) external {
        SafeERC20.safeApprove(tokenA, address(router), amount);
    }

    function swapHalf(uint256 amount) external {
        tokenA.safeApprove(address(router), amount);
        router.swap(amount / 2, 0);
    }

    function swapAfterPoke(uint256 amount) external {
        tokenA.safeApprove(address(router), amount);
        oracle.poke();
        router.swap(amount, 0);
    }

    function resetOther(uint256 amount) external {
        tokenB.safeApprove(keeper, 0);
        tokenB.safeApprove(address(router), amount);
    }

    function addLiquidity(uint256 a, uint256 b) external {
        tokenA.safeApprove(address(router), a);
        tokenB.safeApprove(address(router), b);
        router.addLiquidity(address(tokenA), address(tokenB), a, b, 0, 0, msg.sender, block.timestamp);
    }

    function guarded(uint256 amount) external {
        require(!locked, "locked");
        locked = true;
        tokenB.safeApprove(keeper, amount);
        locked = false;
    }
}
`,
  "UpgradeableVault.sol": `${HEADER}
interface IERC20Upgradeable {
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 value) external returns (bool);
}

library SafeERC20Upgradeable {
    function safeApprove(IERC20Upgradeable token, address spender, uint256 value) internal {
        require(
            (value == 0) || (token.allowance(address(this), spender) == 0),
            "SafeERC20: approve from non-zero to non-zero allowance"
        );
        require(token.approve(spender, value), "SafeERC20: approve failed");
    }
}

abstract contract Initializable {
    bool private _initialized;
    bool private _initializing;

    modifier initializer() {
        require(!_initialized, "Initializable: already initialized");
        _initialized = true;
        _initializing = true;
        _;
        _initializing = false;
    }

    modifier onlyInitializing() {
        require(_initializing, "Initializable: not initializing");
        _;
    }
}

interface IStrategy {
    function invest() external;
}

/// Approvals in the initializer run once; invest() approves the strategy again on every call.
contract UpgradeableVault is Initializable {
    using SafeERC20Upgradeable for IERC20Upgradeable;

    IERC20Upgradeable public asset;
    IStrategy public strategy;

    function initialize(IERC20Upgradeable asset_, IStrategy strategy_) external initializer {
        asset = asset_;
        strategy = strategy_;
        __Vault_init();
        asset.safeApprove(address(strategy), type(uint256).max);
    }

    function __Vault_init() internal onlyInitializing {
        asset.safeApprove(address(this), 1);
    }

    function invest(uint256 amount) external {
        asset.safeApprove(address(strategy), amount);
        strategy.invest();
    }
}
`,
  "SafeApprovals.sol": `${HEADER}
${OZ4}
interface ISwapRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external returns (uint256);
    function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external returns (uint256[] memory);
}

interface ICurvePool {
    function add_liquidity(uint256[2] calldata amounts, uint256 minMintAmount) external returns (uint256);
}

contract Vault {
    IERC20 public immutable asset;

    constructor(IERC20 asset_) {
        asset = asset_;
    }
}

/// Every approval here is safe: zero, reset first, set up once, pulled in full, checked, fresh or once per spender.
contract SafeApprovals {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    ISwapRouter public immutable router;
    address public spender;
    bool public started;
    mapping(address => bool) public isStrategy;

    constructor(IERC20 token_, ISwapRouter router_, address spender_) {
        token = token_;
        router = router_;
        spender = spender_;
        token.safeApprove(address(router_), type(uint256).max);
    }

    function initialize(address next) external {
        token.safeApprove(next, type(uint256).max);
    }

    function revoke() external {
        token.safeApprove(spender, 0);
    }

    function resetThenApprove(uint256 amount) external {
        token.safeApprove(spender, 0);
        token.safeApprove(spender, amount);
    }

    function resetThroughHelper(uint256 amount) external {
        _setAllowance(token, spender, 0);
        _setAllowance(token, spender, amount);
    }

    function _setAllowance(IERC20 t, address who, uint256 value) internal {
        t.safeApprove(who, value);
    }

    function plainReset(uint256 amount) external {
        require(token.approve(spender, 0), "reset");
        token.safeApprove(spender, amount);
    }

    function modern(uint256 amount) external {
        token.forceApprove(spender, amount);
        token.safeIncreaseAllowance(spender, amount);
        require(token.approve(spender, amount), "approve");
    }

    function swapAll(uint256 amount, address[] calldata path) external {
        token.safeApprove(address(router), amount);
        uint256 before = token.balanceOf(address(this));
        router.swapExactTokensForTokens(amount, before, path, msg.sender, block.timestamp);
    }

    function swapSingle(uint256 amount, address out) external {
        token.safeApprove(address(router), amount);
        router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({tokenIn: address(token), tokenOut: out, fee: 3000, recipient: msg.sender, amountIn: amount, amountOutMinimum: 0})
        );
    }

    function approveIfUnset(address who) external {
        if (token.allowance(address(this), who) == 0) {
            token.safeApprove(who, type(uint256).max);
        }
    }

    function deployVault(uint256 amount) external returns (Vault v) {
        v = new Vault(token);
        token.safeApprove(address(v), amount);
    }

    function addStrategy(address strategy) external {
        require(!isStrategy[strategy], "known");
        isStrategy[strategy] = true;
        token.safeApprove(strategy, type(uint256).max);
    }

    function start(uint256 amount) external {
        require(!started, "started");
        started = true;
        token.safeApprove(spender, amount);
    }

    function depositCurve(ICurvePool pool, uint256 amount) external {
        token.safeApprove(address(pool), amount);
        pool.add_liquidity([amount, 0], 0);
    }

    function setSpender(address next) external {
        token.safeApprove(spender, 0);
        spender = next;
        token.safeApprove(next, type(uint256).max);
    }
}
`,
  "SolmateApprove.sol": `${HEADER}
interface ERC20 {
    function approve(address spender, uint256 value) external returns (bool);
}

/// solmate's SafeTransferLib.safeApprove does not check the current allowance: it never reverts for that reason.
library SafeTransferLib {
    function safeApprove(ERC20 token, address to, uint256 amount) internal {
        require(token.approve(to, amount), "APPROVE_FAILED");
    }
}

contract SolmateApprove {
    using SafeTransferLib for ERC20;

    ERC20 public immutable token;
    address public immutable spender;

    constructor(ERC20 token_, address spender_) {
        token = token_;
        spender = spender_;
    }

    function allow(uint256 amount) external {
        token.safeApprove(spender, amount);
    }
}
`,
};

describe("audit: safe-approve-nonzero (SafeERC20.safeApprove of a non-zero amount without a reset)", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === "safe-approve-nonzero");
  const summary = (file: string): string => JSON.stringify(findings(file).map((f) => [f.function, f.lines, f.message]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-approvals-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("reports the approval in an internal helper the owner's setter reaches (setTotal → _setTotal → _allowConnext)", function () {
    const found = findings("ConnextDistributor.sol");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.confidence, f.lines]), summary("ConnextDistributor.sol")).to.deep.equal([
      ["ConnextDistributor", "_allowConnext", "medium", "medium", [58, 63, 67]],
    ]);
    const f = found[0]!;
    expect(f.category).to.equal("denial_of_service");
    expect(f.swc).to.deep.equal(["SWC-113"]);
    expect(f.message).to.include("`token`").and.include("`address(connext)`").and.include("setTotal()");
    expect(f.message).to.include("approve from non-zero to non-zero allowance");
    expect(f.remediation).to.include("token.safeApprove(address(connext), 0);").and.include("forceApprove");
  });

  it("reports the static call, a partial swap, another call first, another spender's reset, addLiquidity and a mutex", function () {
    const found = findings("StaticCallForms.sol");
    expect(found.map((f) => [f.function, f.lines]), summary("StaticCallForms.sol")).to.deep.equal([
      ["approveRouter", [66]],
      ["swapHalf", [70, 71]],
      ["swapAfterPoke", [75, 77]],
      ["resetOther", [82]],
      ["addLiquidity", [86, 88]],
      ["addLiquidity", [87, 88]],
      ["guarded", [94]],
    ]);
    expect(found[0]!.message).to.include("`tokenA`").and.include("`address(router)`").and.include("`amount`");
    expect(found[1]!.message).to.include("`router.swap(amount / 2, 0)`");
  });

  it("reports SafeERC20Upgradeable outside the initializer, not in the initializer or an onlyInitializing helper", function () {
    const found = findings("UpgradeableVault.sol");
    expect(found.map((f) => [f.function, f.lines]), summary("UpgradeableVault.sol")).to.deep.equal([["invest", [60, 61]]]);
  });

  it("is silent for zero, resets (also through a helper or of the replaced spender), setup, v5 calls, full pulls (also in a struct or an array), zero-allowance checks, fresh spenders and once-only guards", function () {
    expect(findings("SafeApprovals.sol"), summary("SafeApprovals.sol")).to.deep.equal([]);
  });

  it("reports an approval in a scanned base once, in the base's file, not again in each file deriving from it", function () {
    const found = result.findings.filter((f) => f.detector === "safe-approve-nonzero" && f.file.startsWith("Approve"));
    expect(found.map((f) => [f.file, f.function])).to.deep.equal([["ApproveBase.sol", "fund"]]);
  });

  it("is silent for solmate's safeApprove, which does not check the current allowance", function () {
    expect(findings("SolmateApprove.sol"), summary("SolmateApprove.sol")).to.deep.equal([]);
  });
});
