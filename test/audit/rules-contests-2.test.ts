/**
 * Rules from the reviewed first run on four more Sherlock contests (JOJO, DODO margin trading, Arrakis, Gitcoin Allo
 * v2): Permit2's transfers are pulls like `transferFrom` (a vault that books the permitted amount of a fee-on-transfer
 * token over-credits); an arbitrary call from a stateless helper (a flash-loan receiver nobody approves) risks only what
 * passes through it; a sweep of the whole balance loses nothing when the token returns false; a modifier that checks
 * the payer against the caller or their operators authorises the pull; a multicall into the contract's own code and a
 * factory upgrading other proxies do not change the implementation's own code; the token a module the deployer wired in
 * names (`vault.collateral()`) is the deployer's choice; a never-written variable only a getter reads is low; a reentrancy in a
 * library function that only privileged functions call is low; tokens sent straight to another contract that is then
 * told the amount asked for are fee-on-transfer accounting too; an LP oracle's fair-reserves price (a geometric mean of the
 * reserves with the tokens' oracle prices) is no spot price (Blueberry's review); a call to a contract only the owner
 * sets re-enters only if the owner chose such a contract (Teller's review).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const SOURCES: Record<string, string> = {
  "Managers.sol": `${HEAD}
interface IReputationManager {
    function updateAccountReputation(address account) external;
}

/// Calls a manager the owner sets before it books a repayment.
contract Lending {
    address public owner;
    IReputationManager public reputationManager;
    mapping(uint256 => uint256) public repaid;
    mapping(uint256 => address) public borrower;

    constructor() { owner = msg.sender; }

    function setReputationManager(IReputationManager m) external {
        require(msg.sender == owner, "not owner");
        reputationManager = m;
    }

    function repay(uint256 id, uint256 amount) external {
        uint256 before = repaid[id];
        reputationManager.updateAccountReputation(borrower[id]);
        repaid[id] = before + amount;
    }
}

/// The same call to a manager anyone may set.
contract OpenLending {
    IReputationManager public reputationManager;
    mapping(uint256 => uint256) public repaid;
    mapping(uint256 => address) public borrower;

    function setReputationManager(IReputationManager m) external {
        reputationManager = m;
    }

    function repay(uint256 id, uint256 amount) external {
        uint256 before = repaid[id];
        reputationManager.updateAccountReputation(borrower[id]);
        repaid[id] = before + amount;
    }
}
`,
  "LpOracles.sol": `${HEAD}
interface IPair {
    function getReserves() external view returns (uint112, uint112, uint32);
    function totalSupply() external view returns (uint256);
}

interface IFeed {
    function price(address token) external view returns (uint256);
}

interface ILpOracle {
    function lpPrice(IPair pair) external view returns (uint256);
}

library Math {
    function sqrt(uint256 x) internal pure returns (uint256 z) {
        z = x;
        uint256 y = (x + 1) / 2;
        while (y < z) { z = y; y = (x / y + y) / 2; }
    }
}

/// Alpha Homora's fair LP price: the geometric mean of the reserves with the tokens' oracle prices, which a swap cannot move.
contract FairLpOracle is ILpOracle {
    IFeed public immutable feed;
    address public immutable token0;
    address public immutable token1;

    constructor(IFeed f, address a, address b) { feed = f; token0 = a; token1 = b; }

    function lpPrice(IPair pair) external view returns (uint256) {
        (uint112 r0, uint112 r1, ) = pair.getReserves();
        uint256 sqrtK = Math.sqrt(uint256(r0) * uint256(r1));
        uint256 sqrtP = Math.sqrt(feed.price(token0) * feed.price(token1));
        return (2 * sqrtK * sqrtP) / pair.totalSupply();
    }
}

/// The naive LP price: each reserve at its oracle price, which a swap skews (more of the cheap token in the pool).
contract NaiveLpOracle is ILpOracle {
    IFeed public immutable feed;
    address public immutable token0;
    address public immutable token1;

    constructor(IFeed f, address a, address b) { feed = f; token0 = a; token1 = b; }

    function lpPrice(IPair pair) external view returns (uint256) {
        (uint112 r0, uint112 r1, ) = pair.getReserves();
        return (uint256(r0) * feed.price(token0) + uint256(r1) * feed.price(token1)) / pair.totalSupply();
    }
}

/// Lends against LP tokens at the price an oracle gives.
contract LpLender {
    ILpOracle public immutable oracle;
    IPair public immutable pair;
    mapping(address => uint256) public collateral;
    mapping(address => uint256) public debt;

    constructor(ILpOracle o, IPair p) { oracle = o; pair = p; }

    function borrow(uint256 amount) external {
        uint256 value = (collateral[msg.sender] * oracle.lpPrice(pair)) / 1e18;
        require(debt[msg.sender] + amount <= value / 2, "undercollateralised");
        debt[msg.sender] += amount;
    }
}
`,
  "Receivers.sol": `${HEAD}
interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address) external view returns (uint256);
}

interface IAssetToken {
    function mint(address to, uint256 amount) external;
    function exchangeRate() external view returns (uint256);
}

/// The underlying goes straight to the asset token, which then mints shares for the amount asked for.
contract Lender {
    mapping(IERC20 => IAssetToken) public assetTokens;

    function deposit(IERC20 token, uint256 amount) external {
        IAssetToken assetToken = assetTokens[token];
        uint256 shares = (amount * 1e18) / assetToken.exchangeRate();
        assetToken.mint(msg.sender, shares);
        token.transferFrom(msg.sender, address(assetToken), amount);
    }

    /// The same, measuring what the asset token received.
    function depositMeasured(IERC20 token, uint256 amount) external {
        IAssetToken assetToken = assetTokens[token];
        uint256 before = token.balanceOf(address(assetToken));
        token.transferFrom(msg.sender, address(assetToken), amount);
        uint256 received = token.balanceOf(address(assetToken)) - before;
        assetToken.mint(msg.sender, (received * 1e18) / assetToken.exchangeRate());
    }
}
`,
  "Libraries.sol": `${HEAD}
interface IAsset {
    function decimals() external view returns (uint8);
    function register(address) external;
}

struct State {
    address secondaryAsset;
    uint256 secondaryDecimals;
    mapping(address => uint256) credit;
}

/// Linked library: its external functions run by delegatecall in the contracts that call them.
library Operation {
    function setSecondaryAsset(State storage state, address asset) external {
        require(state.secondaryAsset == address(0), "already set");
        IAsset(asset).register(address(this));
        state.secondaryAsset = asset;
        state.secondaryDecimals = 18;
    }

    function credit(State storage state, address asset, address to, uint256 amount) external {
        uint256 before = state.credit[to];
        IAsset(asset).register(to);
        state.credit[to] = before + amount;
    }
}

contract Dealer {
    State internal state;
    address public owner;

    constructor() { owner = msg.sender; }

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    /// Only the owner reaches the library's setter.
    function setSecondaryAsset(address asset) external onlyOwner {
        Operation.setSecondaryAsset(state, asset);
    }

    /// Anyone reaches the library's credit, with an asset they name.
    function deposit(address asset, uint256 amount) external {
        Operation.credit(state, asset, msg.sender, amount);
    }
}
`,
  "Slots.sol": `${HEAD}
/// An upgradeable contract keeps a deprecated slot that only its getter reads, and a quorum its logic reads.
contract ProofChain {
    uint128 private _requiredStake; // deprecated
    uint256 private _quorum;
    mapping(bytes32 => uint256) public votes;

    function getMetadata() external view returns (uint128) {
        return _requiredStake;
    }

    function vote(bytes32 h) external {
        votes[h] += 1;
        if (votes[h] * 1e18 >= _quorum) delete votes[h];
    }
}
`,
  "Modules.sol": `${HEAD}
interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

library SafeERC20 {
    function safeTransferFrom(IERC20 token, address from, address to, uint256 amount) internal {
        require(token.transferFrom(from, to, amount));
    }
}

interface IVault {
    function collateral() external view returns (IERC20);
}

/// Takes the collateral the vault the deployer wired in names (\`vault.collateral()\`): the deployer's token.
contract Orders {
    using SafeERC20 for IERC20;
    IVault public immutable vault;
    mapping(address => uint256) public announced;

    constructor(IVault v) { vault = v; }

    function announce(uint256 amount) external {
        vault.collateral().safeTransferFrom(msg.sender, address(this), amount);
        announced[msg.sender] += amount;
    }
}

/// The same, with a vault anyone can replace: the token is whatever the caller's vault names.
contract OpenOrders {
    using SafeERC20 for IERC20;
    IVault public vault;
    mapping(address => uint256) public announced;

    function setVault(IVault v) external { vault = v; }

    function announce(uint256 amount) external {
        vault.collateral().safeTransferFrom(msg.sender, address(this), amount);
        announced[msg.sender] += amount;
    }
}
`,
  "Helpers.sol": `${HEAD}
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address) external view returns (uint256);
}

/// A flash-loan receiver: the bank sends it collateral inside the borrower's own transaction, it swaps through any
/// router the caller names and repays. It pulls from no one, keeps no records and has no owner.
contract RepayHelper {
    address public immutable bank;
    address public immutable usdc;

    constructor(address b, address u) { bank = b; usdc = u; }

    function onFlashLoan(address asset, uint256 amount, bytes calldata param) external {
        (address router, bytes memory data) = abi.decode(param, (address, bytes));
        IERC20(asset).approve(router, amount);
        (bool ok, ) = router.call(data);
        require(ok);
        IERC20(usdc).transfer(bank, IERC20(usdc).balanceOf(address(this)));
    }
}

/// The same call from a contract users approve (it pulls their tokens): every approval is at risk.
contract RepayRouter {
    address public immutable bank;

    constructor(address b) { bank = b; }

    function repayFor(address token, uint256 amount, address router, bytes calldata data) external {
        IERC20(token).transferFrom(msg.sender, address(this), amount);
        (bool ok, ) = router.call(data);
        require(ok);
    }
}

/// A forwarder another contract trusts (\`msg.sender == forwarder\`): its calls carry that trust.
contract Forwarder {
    function forward(address target, bytes calldata data) external {
        (bool ok, ) = target.call(data);
        require(ok);
    }
}

contract ForwardedWallet {
    address public immutable forwarder;

    constructor(address f) { forwarder = f; }

    function pay(address to, uint256 amount) external {
        require(msg.sender == forwarder, "only the forwarder");
        payable(to).transfer(amount);
    }
}

/// A flash-loan pool: it keeps a stock of tokens and lends the amount the caller names, so an arbitrary call from it can
/// approve the whole stock away.
contract LenderPool {
    IERC20 public immutable token;

    constructor(IERC20 t) { token = t; }

    function flashLoan(uint256 amount, address borrower, address target, bytes calldata data) external {
        uint256 before = token.balanceOf(address(this));
        token.transfer(borrower, amount);
        (bool ok, ) = target.call(data);
        require(ok);
        require(token.balanceOf(address(this)) >= before, "not repaid");
    }
}

/// A per-user account whose close() sends the user the account's whole balance of each asset.
contract Account {
    address public user;
    mapping(address => uint256) public opened;

    constructor(address u) { user = u; }

    function close(address[] calldata assets) external {
        require(msg.sender == user);
        uint256[] memory amounts = new uint256[](assets.length);
        for (uint256 i = 0; i < assets.length; i++) {
            opened[assets[i]] = 0;
            amounts[i] = IERC20(assets[i]).balanceOf(address(this));
            IERC20(assets[i]).transfer(user, amounts[i]);
        }
    }

    /// Sends a caller-chosen amount and books it: a silent failure loses the booking.
    function pay(address asset, uint256 amount) external {
        require(msg.sender == user);
        opened[asset] -= amount;
        IERC20(asset).transfer(user, amount);
    }
}
`,
  "Operators.sol": `${HEAD}
interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

library SafeERC20 {
    function safeTransferFrom(IERC20 token, address from, address to, uint256 amount) internal {
        require(token.transferFrom(from, to, amount));
    }
}

/// Deposits on behalf of an account the caller operates: a modifier checks the operator registry.
contract Bank {
    using SafeERC20 for IERC20;
    mapping(address => mapping(address => bool)) public operatorRegistry;
    mapping(address => mapping(address => uint256)) public deposits;

    modifier isValidOperator(address operator, address client) {
        require(msg.sender == client || operatorRegistry[client][operator], "not an operator");
        _;
    }

    modifier notPaused(address account) {
        require(account != address(0));
        _;
    }

    function setOperator(address operator, bool allowed) external {
        operatorRegistry[msg.sender][operator] = allowed;
    }

    function deposit(address from, address token, uint256 amount) external isValidOperator(msg.sender, from) {
        _deposit(from, token, amount);
    }

    function depositDirect(address from, address token, uint256 amount) external isValidOperator(msg.sender, from) {
        IERC20(token).transferFrom(from, address(this), amount);
        deposits[from][token] += amount;
    }

    /// A modifier that checks something else about the account: anyone's approval can be taken.
    function depositFor(address from, address token, uint256 amount) external notPaused(from) {
        _deposit(from, token, amount);
    }

    function _deposit(address from, address token, uint256 amount) internal {
        IERC20(token).safeTransferFrom(from, address(this), amount);
        deposits[from][token] += amount;
    }
}
`,
  "Implementations.sol": `${HEAD}
abstract contract Init {
    bool internal initialized;
    modifier initializer() {
        require(!initialized);
        initialized = true;
        _;
    }
}

interface IProxy { function upgradeTo(address impl) external; }

/// A clone template with a multicall into its own code: taking over the bare template changes nothing it runs.
contract Template is Init {
    address public owner;

    function initialize(address o) external initializer { owner = o; }

    function multicall(bytes[] calldata data) external {
        require(msg.sender == owner);
        for (uint256 i = 0; i < data.length; i++) {
            (bool ok, ) = address(this).delegatecall(data[i]);
            require(ok);
        }
    }
}

/// A factory that upgrades the proxies it deployed: its own code stays.
contract Factory is Init {
    address public owner;
    address public implementation;

    function initialize(address o) external initializer { owner = o; }

    function upgradeVaults(address[] calldata vaults) external {
        require(msg.sender == owner);
        for (uint256 i = 0; i < vaults.length; i++) IProxy(vaults[i]).upgradeTo(implementation);
    }
}

/// A delegatecall to an address the owner names: whoever initialises the bare implementation can destroy it.
contract Executor is Init {
    address public owner;

    function initialize(address o) external initializer { owner = o; }

    function execute(address target, bytes calldata data) external {
        require(msg.sender == owner);
        (bool ok, ) = target.delegatecall(data);
        require(ok);
    }
}
`,
  "Permits.sol": `${HEAD}
interface ISignatureTransfer {
    struct TokenPermissions { address token; uint256 amount; }
    struct PermitTransferFrom { TokenPermissions permitted; uint256 nonce; uint256 deadline; }
    struct SignatureTransferDetails { address to; uint256 requestedAmount; }
    function permitTransferFrom(PermitTransferFrom calldata permit, SignatureTransferDetails calldata transferDetails, address owner, bytes calldata signature) external;
}

interface IAllowanceTransfer {
    function transferFrom(address from, address to, uint160 amount, address token) external;
}

/// Books the permitted amount of any token pulled through Permit2's signature transfer.
contract PermitVault {
    ISignatureTransfer public immutable permit2;
    mapping(address => mapping(address => uint256)) public claims;

    constructor(ISignatureTransfer p) { permit2 = p; }

    function donate(address recipient, ISignatureTransfer.PermitTransferFrom calldata permit, bytes calldata signature) external {
        uint256 amount = permit.permitted.amount;
        permit2.permitTransferFrom(permit, ISignatureTransfer.SignatureTransferDetails({to: address(this), requestedAmount: amount}), msg.sender, signature);
        claims[recipient][permit.permitted.token] += amount;
    }

    /// Measures what arrived: nothing to report.
    function donateMeasured(address recipient, ISignatureTransfer.PermitTransferFrom calldata permit, bytes calldata signature) external {
        address token = permit.permitted.token;
        uint256 before = IERC20Like(token).balanceOf(address(this));
        permit2.permitTransferFrom(permit, ISignatureTransfer.SignatureTransferDetails({to: address(this), requestedAmount: permit.permitted.amount}), msg.sender, signature);
        claims[recipient][token] += IERC20Like(token).balanceOf(address(this)) - before;
    }
}

interface IERC20Like { function balanceOf(address) external view returns (uint256); }

/// Books the amount pulled through Permit2's allowance transfer.
contract AllowanceVault {
    IAllowanceTransfer public immutable permit2;
    mapping(address => mapping(address => uint256)) public deposits;

    constructor(IAllowanceTransfer p) { permit2 = p; }

    function deposit(address token, uint160 amount) external {
        permit2.transferFrom(msg.sender, address(this), amount, token);
        deposits[msg.sender][token] += amount;
    }

    /// Pays a third party: nothing is booked here.
    function pay(address token, address to, uint160 amount) external {
        permit2.transferFrom(msg.sender, to, amount, token);
    }
}
`,
};

describe("audit: rules from the reviewed first run on JOJO, DODO margin trading, Arrakis and Gitcoin Allo v2", function () {
  this.timeout(300_000);
  let dir: string;
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-contests-2-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("fee-on-transfer-accounting: Permit2's permitTransferFrom and allowance transferFrom into the contract are pulls; booking the permitted amount is reported, a measured balance and a payment to a third party are not", function () {
    const found = findings("Permits.sol", "fee-on-transfer-accounting");
    expect(found.map((f) => [f.contract, f.function, f.severity]), summary("Permits.sol")).to.deep.equal([
      ["PermitVault", "donate", "medium"],
      ["AllowanceVault", "deposit", "medium"],
    ]);
    expect(found[0]!.lines).to.include(lineOf("Permits.sol", "claims[recipient][permit.permitted.token] += amount;"));
  });

  it("arbitrary-call: low in a stateless helper (pulls from no one, keeps no records, takes no ether, has no owner, lends nothing); high where users approve the contract, where another contract trusts its address and in a pool that lends its stock", function () {
    const found = findings("Helpers.sol", "arbitrary-call");
    expect(found.map((f) => [f.contract, f.severity]), summary("Helpers.sol")).to.deep.equal([
      ["RepayHelper", "low"],
      ["RepayRouter", "high"],
      ["Forwarder", "high"],
      ["LenderPool", "high"],
    ]);
    expect(found[0]!.message).to.include("stateless helper");
  });

  it("unchecked-erc20-transfer: low for a sweep of the contract's whole balance of the token (a failure leaves every token for the next sweep); medium for a booked amount", function () {
    const found = findings("Helpers.sol", "unchecked-erc20-transfer").filter((f) => f.contract === "Account");
    expect(found.map((f) => [f.function, f.severity]), summary("Helpers.sol")).to.deep.equal([
      ["close", "low"],
      ["pay", "medium"],
    ]);
    expect(found[0]!.message).to.include("whole balance");
  });

  it("arbitrary-transfer-from: silent when a modifier ties the payer to the caller or an operator the payer registered; reported when the modifier checks something else", function () {
    const found = findings("Operators.sol", "arbitrary-transfer-from");
    expect(found.map((f) => [f.function, f.severity]), summary("Operators.sol")).to.deep.equal([["depositFor", "high"]]);
  });

  it("implementation-initializable: low for a multicall into the contract's own code and a factory upgrading other proxies; medium for a delegatecall to an address the owner names", function () {
    const found = findings("Implementations.sol", "implementation-initializable");
    expect(found.map((f) => [f.contract, f.severity]), summary("Implementations.sol")).to.deep.equal([
      ["Template", "low"],
      ["Factory", "low"],
      ["Executor", "medium"],
    ]);
  });

  it("fee-on-transfer-accounting: low for the collateral a module the deployer wired in names (vault.collateral()); medium when anyone can replace the module", function () {
    const found = findings("Modules.sol", "fee-on-transfer-accounting");
    expect(found.map((f) => [f.contract, f.severity]), summary("Modules.sol")).to.deep.equal([
      ["Orders", "low"],
      ["OpenOrders", "medium"],
    ]);
  });

  it("uninitialized-state: low when only a getter nothing calls reads the variable; medium when the logic reads it", function () {
    const found = findings("Slots.sol", "uninitialized-state");
    expect(found.map((f) => [f.function, f.severity]), summary("Slots.sol")).to.deep.equal([
      ["getMetadata", "low"],
      ["vote", "medium"],
    ]);
  });

  it("reentrancy: low in a library function whose every caller is a privileged function; medium where anyone reaches it", function () {
    const found = findings("Libraries.sol", "reentrancy");
    expect(found.map((f) => [f.contract, f.function, f.severity]), summary("Libraries.sol")).to.deep.equal([
      ["Operation", "setSecondaryAsset", "low"],
      ["Operation", "credit", "medium"],
    ]);
    expect(found[0]!.message).to.include("restricted to privileged callers");
  });

  it("fee-on-transfer-accounting: tokens sent straight to another contract that is then told the amount asked for (an asset token's mint) are reported; a measured amount is not", function () {
    const found = findings("Receivers.sol", "fee-on-transfer-accounting");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("Receivers.sol")).to.deep.equal([
      ["deposit", "medium", [lineOf("Receivers.sol", "assetToken.mint(msg.sender, shares)"), lineOf("Receivers.sol", "token.transferFrom(msg.sender, address(assetToken), amount);")]],
    ]);
    expect(found[0]!.message).to.include("sends the tokens straight to `assetToken`");
  });

  it("oracle-spot-price: the reserves read by an LP oracle are spot unless they go through a fair-reserves computation or a geometric mean (sqrt(r0 * r1))", function () {
    const naive = findings("LpOracles.sol", "oracle-spot-price");
    expect(naive.length, summary("LpOracles.sol")).to.be.greaterThan(0);
    expect(naive.every((f) => f.contract !== "FairLpOracle"), summary("LpOracles.sol")).to.equal(true);
  });

  it("reentrancy: low for a call to a contract only the owner sets (the admin's choice); medium when anyone may set it", function () {
    const found = findings("Managers.sol", "reentrancy");
    expect(found.map((f) => [f.contract, f.severity]), summary("Managers.sol")).to.deep.equal([
      ["Lending", "low"],
      ["OpenLending", "medium"],
    ]);
    expect(found[0]!.message).to.include("set only by a privileged function");
  });
});
