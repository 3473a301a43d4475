/**
 * Rules from the reviewed first run on four more Sherlock contests (Kairos, Y2K, DODO GSP, Bond): an L2 sequencer-uptime
 * feed is a status, not a price; a pool's sync and a flash loan's repayment check are no token-balance caps, nor is a
 * guard against a cast's overflow; a pool primitive that prices what was paid in before the call is a router's
 * building block; dividing first in an overflow probe's fallback, on a scaled dividend, or before a later descale loses
 * nothing that matters; a fee on a total the function looks up cannot be split, nor one whose callers enforce a
 * minimum; a balance difference in the owner's own function, and unchecked arithmetic only a trusted caller reaches,
 * are low; a write ahead of a receiver hook in the same loop iteration is checks-effects-interactions; a run-once
 * initializer of a contract that cannot change its code is a deployment front-run (low), a diamond's init contract
 * is run by delegatecall; a loop over a stored list that mints with a receiver hook blocks the list; and (from UXD's miss)
 * a pull from an address the caller names is reported also when a private helper makes it. From the UXD and Real
 * Wagmi review: the owner's own transfers and a token an allow-list admits are low for an ignored return value; a
 * deadline of block.timestamp with the caller's minimum passed through is low; OpenZeppelin's UUPS upgrade runs only
 * through a proxy (rules-calibration); solhint's check-send-result ignores a contract function named send. From the
 * Kyber review: an initializer of the caller's own entry and a multicall into the contract's own code are not reported.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { runSolhint } from "../../audit/solhint";
import { scanSources, sourceQueries } from "./scanSources";

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const SOURCES: Record<string, string> = {
  "Feeds.sol": `${HEAD}
interface IFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

/// Reads the L2 sequencer-uptime feed (answer 0: up) and then the price feed, whose age it never checks.
contract L2Controller {
    IFeed public sequencerUptimeFeed;
    IFeed public priceFeed;
    uint256 public constant GRACE = 3600;

    function price() public view returns (int256) {
        (, int256 answer, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();
        bool up = answer == 0;
        if (!up) revert();
        if (block.timestamp - startedAt <= GRACE) revert();
        (uint80 roundId, int256 p, , , uint80 answeredInRound) = priceFeed.latestRoundData();
        if (p <= 0) revert();
        if (answeredInRound < roundId) revert();
        return p;
    }
}

/// The same status read from an unnamed feed: its answer compared with 1.
contract StatusByValue {
    IFeed public feedA;

    function isDown() public view returns (bool) {
        (, int256 answer, uint256 startedAt, , ) = feedA.latestRoundData();
        if (block.timestamp - startedAt < 60) return true;
        return answer == 1;
    }
}
`,
  "Balances.sol": `${HEAD}
interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
}

/// A pool's sync writes the balance into the record it compared it with; its flash loan requires the shortfall to be
/// paid for; its reserves are kept below uint112 max. None of these is blocked by a donation.
contract SyncPool {
    IERC20 public immutable base;
    uint112 public reserve;

    constructor(IERC20 b) { base = b; }

    function sync() external {
        uint256 bal = base.balanceOf(address(this));
        require(bal <= type(uint112).max, "OVERFLOW");
        if (bal != reserve) {
            reserve = uint112(bal);
        }
    }

    function flashLoan(uint256 amount, address to, uint256 owed) external {
        base.transfer(to, amount);
        uint256 bal = base.balanceOf(address(this));
        require(uint256(reserve) - bal <= owed, "FLASH_LOAN_FAILED");
        reserve = uint112(bal);
    }
}

/// A deposit cap on the balance and a balance held to the books: a donation blocks both.
contract CappedVault {
    IERC20 public immutable token;
    uint256 public constant LIMIT = 1_000_000e18;
    uint256 public deposited;

    constructor(IERC20 t) { token = t; }

    function deposit(uint256 amount) external {
        require(token.balanceOf(address(this)) + amount <= LIMIT, "cap");
        deposited += amount;
    }

    bool public settled;

    function settle() external {
        require(token.balanceOf(address(this)) == deposited, "books");
        settled = true;
    }
}
`,
  "Pools.sol": `${HEAD}
interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transfer(address, uint256) external returns (bool);
}

contract PricedPool {
    IERC20 public immutable base;
    IERC20 public immutable quote;
    uint256 public reserveBase;
    uint256 public reserveQuote;

    constructor(IERC20 b, IERC20 q) { base = b; quote = q; }

    function quoteOut(uint256 input) public view returns (uint256) {
        return (input * reserveQuote) / (reserveBase + input);
    }

    /// Pay first, then call (through a router that checks the output): the input is the balance above the reserve.
    function sellBase(address to) external returns (uint256 out) {
        uint256 bal = base.balanceOf(address(this));
        uint256 input = bal - reserveBase;
        out = quoteOut(input);
        quote.transfer(to, out);
        reserveBase = bal;
        reserveQuote -= out;
    }

    /// The caller names the amount and cannot bound the output.
    function sellBaseAmount(uint256 input, address to) external returns (uint256 out) {
        out = quoteOut(input);
        quote.transfer(to, out);
        reserveBase += input;
        reserveQuote -= out;
    }
}
`,
  "Divisions.sol": `${HEAD}
contract Curves {
    uint256 public constant ONE = 1e18;
    uint256 public fee = 250;

    /// Divides first only where the product would overflow.
    function target(uint256 k, uint256 v, uint256 delta) external pure returns (uint256) {
        if (k == 0) return 0;
        if ((k * delta) / k == delta) {
            return (k * delta) / v;
        } else {
            return k / v * delta;
        }
    }

    /// The dividend is scaled by 1e18 in a local first.
    function slope(int256 start, int256 end) external view returns (uint256) {
        int256 maxY = int256(fee) * int256(ONE);
        return uint256(((maxY / (end - start)) * (int256(block.timestamp) - end) + maxY) / int256(ONE));
    }

    /// A scaled quotient, descaled later through the locals it flows into.
    function part(uint256 k, uint256 v0, uint256 v1, uint256 q) external pure returns (uint256) {
        uint256 p = k * v0 / v1 * v0 + q;
        uint256 b = p - q / 2;
        b = b / ONE;
        return b;
    }

    /// Plain precision loss.
    function share(uint256 amount, uint256 total, uint256 pot) external pure returns (uint256) {
        return amount / total * pot;
    }
}
`,
  "Fees.sol": `${HEAD}
interface IVault {
    function finalTVL(uint256 id) external view returns (uint256);
    function send(address to, uint256 amount) external;
}

contract Fees {
    IVault public vault;
    address public treasury;
    uint256 public feeBps = 50;
    uint256 public minDeposit = 10_000;
    mapping(address => uint256) public credit;

    /// The fee is charged on the vault's settled total, once per epoch.
    function settle(uint256 id) external {
        uint256 tvl = vault.finalTVL(id);
        uint256 protocolFee = (tvl * feeBps) / 10_000;
        vault.send(treasury, protocolFee);
        vault.send(msg.sender, tvl - protocolFee);
    }

    /// The fee is charged on what the caller sends: split it into small payments and pay none.
    function pay(uint256 amount) external {
        uint256 payFee = (amount * feeBps) / 10_000;
        credit[msg.sender] += amount - payFee;
    }

    modifier minRequired(uint256 amount) {
        if (amount < minDeposit) revert();
        _;
    }

    function deposit(uint256 amount) external minRequired(amount) {
        _deposit(msg.sender, amount);
    }

    function depositETH() external payable minRequired(msg.value) {
        uint256 assets = msg.value;
        _deposit(msg.sender, assets);
    }

    /// Every caller checks the amount against the minimum first.
    function _deposit(address to, uint256 assets) internal {
        uint256 depositFee = (assets * feeBps) / 10_000;
        credit[to] += assets - depositFee;
    }
}
`,
  "Owned.sol": `${HEAD}
interface IERC20 {
    function balanceOf(address) external view returns (uint256);
    function transferFrom(address, address, uint256) external returns (bool);
}

/// Measures what arrived around a transfer: in the owner's own function, and in one anyone calls.
contract Measured {
    address public owner = msg.sender;
    mapping(address => uint256) public credited;

    function fund(IERC20 token, uint256 amount) external {
        require(msg.sender == owner, "owner");
        uint256 before = token.balanceOf(address(this));
        token.transferFrom(msg.sender, address(this), amount);
        credited[owner] += token.balanceOf(address(this)) - before;
    }

    function deposit(IERC20 token, uint256 amount) external {
        uint256 before = token.balanceOf(address(this));
        token.transferFrom(msg.sender, address(this), amount);
        credited[msg.sender] += token.balanceOf(address(this)) - before;
    }
}

/// A bank whose every entry point holds its lock: the helper that measures what arrived runs only under it.
contract LockedBank {
    uint256 private locked = 1;
    mapping(address => uint256) public credited;

    modifier lock() {
        require(locked == 1, "locked");
        locked = 2;
        _;
        locked = 1;
    }

    function deposit(IERC20 token, uint256 amount) external lock {
        _pull(token, amount);
    }

    function _pull(IERC20 token, uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.transferFrom(msg.sender, address(this), amount);
        credited[msg.sender] += token.balanceOf(address(this)) - before;
    }
}

/// A market only its teller may buy from: the capacity check covers both branches of the conditional debit.
contract Market {
    address public immutable teller;
    uint256 public capacity;
    bool public inQuote;
    uint256 public purchased;
    uint256 public sold;

    constructor(address t) { teller = t; }

    function purchase(uint256 amount, uint256 payout) external {
        if (msg.sender != teller) revert();
        if (inQuote ? amount > capacity : payout > capacity) revert();
        unchecked {
            capacity -= inQuote ? amount : payout;
            purchased += amount;
            sold += payout;
        }
    }
}

/// The same bookkeeping open to anyone, without the check.
contract OpenMarket {
    uint256 public capacity;
    mapping(address => uint256) public sold;

    function purchase(uint256 payout) external {
        unchecked {
            capacity -= payout;
            sold[msg.sender] += payout;
        }
    }
}
`,
  "Loans.sol": `${HEAD}
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

contract Loans {
    struct Loan { IERC721 nft; uint256 id; address borrower; uint256 paid; }
    mapping(uint256 => Loan) public loans;

    /// Each iteration checks and records its loan before handing its NFT back.
    function repay(uint256[] calldata ids) external payable {
        Loan storage loan;
        for (uint256 i = 0; i < ids.length; i++) {
            loan = loans[ids[i]];
            if (loan.paid > 0) revert();
            loan.paid = 1;
            loan.nft.safeTransferFrom(address(this), loan.borrower, loan.id);
        }
    }

    /// Records it only after the hook ran.
    function repayLate(uint256 idx) external payable {
        Loan storage loan = loans[idx];
        require(loan.paid == 0, "repaid");
        loan.nft.safeTransferFrom(address(this), loan.borrower, loan.id);
        loan.paid = 1;
    }
}
`,
  "Inits.sol": `${HEAD}
/// Runs once, and cannot change its code: a front-run of a two-transaction deployment.
contract Pool {
    address public maintainer;
    bool internal initialized;
    uint256 public price;

    function init(address m, uint256 p) external {
        require(!initialized, "done");
        initialized = true;
        maintainer = m;
        price = p;
    }

    function setPrice(uint256 p) external {
        require(msg.sender == maintainer, "maintainer");
        price = p;
    }
}

/// Runs once, but whoever takes it can destroy the code other wallets delegate to.
contract WalletLibrary {
    address public owner;
    bool internal initialized;

    function initWallet(address o) external {
        require(!initialized, "done");
        initialized = true;
        owner = o;
    }

    function kill(address payable to) external {
        require(msg.sender == owner, "owner");
        selfdestruct(to);
    }
}

struct ProtocolStorage { uint256 rate; uint256 duration; }

function protocolStorage() pure returns (ProtocolStorage storage s) {
    bytes32 slot = keccak256("protocol.storage");
    assembly { s.slot := slot }
}

/// A diamond's init contract: no storage of its own, nothing but init to call.
contract DiamondInit {
    function init() external {
        ProtocolStorage storage s = protocolStorage();
        s.rate = 4;
        s.duration = 3 days;
    }
}

/// An init anyone can run again on a contract with other functions.
contract Settings {
    uint256 public rate;

    function init() external {
        rate = 4;
    }

    function bump() external {
        rate += 1;
    }
}
`,
  "Pulls.sol": `${HEAD}
interface IERC20 {
    function transferFrom(address, address, uint256) external returns (bool);
}

contract Rebalancer {
    IERC20 public immutable quote;
    uint256 public shortfall = 10;

    constructor(IERC20 q) { quote = q; }

    /// The account that covers the shortfall is whoever the caller names.
    function rebalance(uint256 amount, address account) external returns (uint256) {
        return _rebalance(amount, account);
    }

    /// The caller names the account, but it must be the caller.
    function rebalanceOwn(uint256 amount, address account) external returns (uint256) {
        require(account == msg.sender, "not yours");
        return _rebalance(amount, account);
    }

    function _rebalance(uint256 amount, address payer) private returns (uint256) {
        quote.transferFrom(payer, address(this), shortfall);
        return amount;
    }
}
`,
  "Tokens.sol": `${HEAD}
interface IERC20 {
    function transfer(address, uint256) external returns (bool);
    function transferFrom(address, address, uint256) external returns (bool);
}

interface ICurvePool {
    function remove_liquidity_one_coin(uint256, int128, uint256) external;
}

interface IRouter {
    function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline) external returns (uint256[] memory);
}

contract Desk {
    address public owner = msg.sender;
    IERC20 public insurance;
    IRouter public router;
    mapping(address => bool) public isSupportedAsset;
    mapping(address => mapping(address => uint256)) public deposits;

    function setInsurance(IERC20 t) external {
        require(msg.sender == owner, "owner");
        insurance = t;
    }

    /// The owner's own insurance: the tokens move between the contract and the owner.
    function depositInsurance(uint256 amount) external {
        require(msg.sender == owner, "owner");
        insurance.transferFrom(msg.sender, address(this), amount);
    }

    function withdrawInsurance(uint256 amount, address to) external {
        require(msg.sender == owner, "owner");
        insurance.transfer(to, amount);
    }

    /// Only tokens the owner lists.
    function deposit(address token, uint256 amount) external {
        if (!isSupportedAsset[token]) revert();
        IERC20(token).transferFrom(msg.sender, address(this), amount);
        deposits[token][msg.sender] += amount;
    }

    /// Any token.
    function depositAny(address token, uint256 amount) external {
        IERC20(token).transferFrom(msg.sender, address(this), amount);
        deposits[token][msg.sender] += amount;
    }

    /// The caller's minimum goes through; only the deadline is now.
    function swap(uint256 amountIn, uint256 minOut, address[] calldata path) external {
        router.swapExactTokensForTokens(amountIn, minOut, path, msg.sender, block.timestamp);
    }

    /// No minimum at all.
    function swapBlind(uint256 amountIn, address[] calldata path) external {
        router.swapExactTokensForTokens(amountIn, 0, path, msg.sender, block.timestamp);
    }

    /// A Curve pool declared without parameter names: its third is the minimum.
    function exitCurve(ICurvePool pool, uint256 lp) external {
        pool.remove_liquidity_one_coin(lp, 0, 0);
    }
}
`,
  "SelfService.sol": `${HEAD}
/// Each pool initialises its own oracle record; a multicall runs the contract's own functions.
contract PoolOracle {
    struct Observation { bool initialized; uint32 time; }
    mapping(address => Observation) public poolObservation;

    function initializeOracle(uint32 time) external {
        poolObservation[msg.sender] = Observation({initialized: true, time: time});
    }

    function multicall(bytes[] calldata data) external returns (bytes[] memory results) {
        results = new bytes[](data.length);
        for (uint256 i = 0; i < data.length; i++) {
            (bool ok, bytes memory r) = address(this).delegatecall(data[i]);
            require(ok, "call failed");
            results[i] = r;
        }
    }
}

/// The same shapes that reach others: a shared record anyone resets, and a delegatecall to a caller's target.
contract SharedOracle {
    uint32 public startTime;

    function initializeOracle(uint32 time) external {
        startTime = time;
    }

    function run(address target, bytes calldata data) external {
        (bool ok, ) = target.delegatecall(data);
        require(ok, "call failed");
    }
}
`,
  "Queues.sol": `${HEAD}
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// Mints the queued deposits to their receivers in a loop: ERC-1155 _mint calls each receiver's hook.
contract QueueVault is ERC1155 {
    struct Item { address receiver; uint256 assets; }
    Item[] public depositQueue;

    constructor() ERC1155("") {}

    function enqueue(uint256 assets) external {
        depositQueue.push(Item(msg.sender, assets));
    }

    function mintQueue(uint256 id, uint256 ops) external {
        Item[] storage queue = depositQueue;
        uint256 length = queue.length;
        if (ops > length) ops = length;
        uint256 i = length;
        while (length - ops < i) {
            i--;
            _mintShares(queue[i].receiver, id, queue[i].assets);
            queue.pop();
        }
    }

    /// The caller's own recipients: only the caller is blocked.
    function airdrop(address[] calldata to, uint256 id) external {
        for (uint256 i = 0; i < to.length; i++) _mintShares(to[i], id, 1);
    }

    function _mintShares(address to, uint256 id, uint256 amount) internal {
        _mint(to, id, amount, "");
    }
}
`,
};

describe("audit: rules from the reviewed first run on Kairos, Y2K, DODO GSP and Bond", function () {
  this.timeout(300_000);
  let dir: string;
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-contests-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("oracle-stale-price: an L2 sequencer-uptime feed (named so, or its answer compared with 1) is a status, not a price; the price feed read after it is reported", function () {
    const found = findings("Feeds.sol", "oracle-stale-price");
    expect(found.map((f) => [f.contract, f.lines]), summary("Feeds.sol")).to.deep.equal([["L2Controller", [lineOf("Feeds.sol", "priceFeed.latestRoundData()")]]]);
    expect(found[0]!.message).to.include("how old the answer is");
  });

  it("forced-ether-balance: silent on a pool's sync, a flash loan's repayment check and a guard against a cast's overflow; a cap on the balance and books held to it are reported", function () {
    const found = findings("Balances.sol", "forced-ether-balance");
    expect(found.map((f) => [f.contract, f.function, f.severity]), summary("Balances.sol")).to.deep.equal([
      ["CappedVault", "deposit", "medium"],
      ["CappedVault", "settle", "medium"],
    ]);
  });

  it("missing-slippage: silent on a pool primitive that prices what was paid in before the call; reported when the caller names the amount", function () {
    const found = findings("Pools.sol", "missing-slippage");
    expect(found.map((f) => f.function), summary("Pools.sol")).to.deep.equal(["sellBaseAmount"]);
  });

  it("divide-before-multiply: silent in an overflow probe's fallback and on a dividend scaled in a local; low when the result is descaled later; medium otherwise", function () {
    const found = findings("Divisions.sol", "divide-before-multiply");
    expect(found.map((f) => [f.function, f.severity]), summary("Divisions.sol")).to.deep.equal([
      ["part", "low"],
      ["share", "medium"],
    ]);
  });

  it("rounding-direction: silent on a fee charged on a total the function looks up and on one whose every caller enforces a minimum; reported on the caller's amount", function () {
    const found = findings("Fees.sol", "rounding-direction");
    expect(found.length, summary("Fees.sol")).to.equal(1);
    expect(found[0]!.lines).to.deep.equal([lineOf("Fees.sol", "uint256 payFee")]);
    expect(found[0]!.message).to.include("pay() charges the fee `payFee`");
  });

  it("reentrancy-balance: low in the owner's own function, medium in one anyone calls, silent in a helper only locked entry points run", function () {
    const found = findings("Owned.sol", "reentrancy-balance");
    expect(found.map((f) => [f.function, f.severity]), summary("Owned.sol")).to.deep.equal([
      ["fund", "low"],
      ["deposit", "medium"],
    ]);
  });

  it("unchecked-arithmetic: a guard on each branch of a conditional covers the conditional debit, and only a trusted caller's totals are low; the open market's are high", function () {
    const market = findings("Owned.sol", "unchecked-arithmetic").filter((f) => f.contract === "Market");
    expect(market.map((f) => [f.severity, f.lines]), summary("Owned.sol")).to.deep.equal([["low", [lineOf("Owned.sol", "purchased += amount"), lineOf("Owned.sol", "sold += payout;")]]]);
    const open = findings("Owned.sol", "unchecked-arithmetic").filter((f) => f.contract === "OpenMarket");
    expect(open.map((f) => f.severity), summary("Owned.sol")).to.deep.equal(["high"]);
  });

  it("callback-reentrancy: silent when each loop iteration records its entry before the hook; reported when the record follows the hook", function () {
    const found = findings("Loans.sol", "callback-reentrancy").concat(findings("Loans.sol", "reentrancy"));
    expect(found.map((f) => f.function), summary("Loans.sol")).to.deep.equal(["repayLate"]);
  });

  it("unprotected-initializer: a run-once init of a contract that cannot change its code is low, high where it can self-destruct; a diamond's init contract is low; an init anyone reruns is medium", function () {
    const found = findings("Inits.sol", "unprotected-initializer");
    expect(found.map((f) => [f.contract, f.severity]), summary("Inits.sol")).to.deep.equal([
      ["Pool", "low"],
      ["WalletLibrary", "high"],
      ["DiamondInit", "low"],
      ["Settings", "medium"],
    ]);
    expect(found[0]!.message).to.include("front-run of a deployment");
    expect(found[2]!.message).to.include("diamond's init contract");
  });

  it("arbitrary-transfer-from: a private helper pulling from the address an entry point passes down from its caller is reported at both lines; not when the entry point ties it to msg.sender", function () {
    const found = findings("Pulls.sol", "arbitrary-transfer-from");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("Pulls.sol")).to.deep.equal([
      ["rebalance", "high", [lineOf("Pulls.sol", "return _rebalance(amount, account);"), lineOf("Pulls.sol", "quote.transferFrom(payer")]],
    ]);
    expect(found[0]!.message).to.include("hands account, an address the caller chooses");
  });

  it("unchecked-erc20-transfer: low for the owner's own transfers with the owner as counterparty and for a token an allow-list admits; medium for any token", function () {
    const found = findings("Tokens.sol", "unchecked-erc20-transfer");
    expect(found.map((f) => [f.function, f.severity]), summary("Tokens.sol")).to.deep.equal([
      ["depositInsurance", "low"],
      ["withdrawInsurance", "low"],
      ["deposit", "low"],
      ["depositAny", "medium"],
    ]);
    expect(found[2]!.message).to.include("allow-list an admin keeps");
  });

  it("missing-slippage: low when the caller's minimum output goes through and only the deadline is block.timestamp; medium with no minimum, also on a Curve pool whose interface names no parameter", function () {
    const found = findings("Tokens.sol", "missing-slippage");
    expect(found.map((f) => [f.function, f.severity]), summary("Tokens.sol")).to.deep.equal([
      ["swap", "low"],
      ["swapBlind", "medium"],
      ["exitCurve", "medium"],
    ]);
    expect(found[0]!.message).to.include("only the time is open");
    expect(found[2]!.message).to.include("`min_amount` is 0");
  });

  it("solhint check-send-result: silent on a contract's function named send called with options (LayerZero's `endpoint.send{value: fee}(…)`); reported on an ignored address.send", function () {
    const text = `${HEAD}interface IEndpoint { function send(uint16, bytes calldata) external payable; }\ncontract App {\n    IEndpoint public endpoint;\n    function relay(bytes calldata p) external payable {\n        endpoint.send{value: msg.value}(1, p);\n    }\n    function pay(address payable to) external {\n        to.send(1);\n    }\n}\n`;
    const s = runSolhint(text);
    expect(s.findings.filter((f) => f.detector === "check-send-result").map((f) => f.lines)).to.deep.equal([[text.split("\n").findIndex((l) => l.includes("to.send(1)")) + 1]]);
  });

  it("unprotected-initializer and delegatecall: silent on an initializer that sets up only the caller's own entry and on a multicall into the contract's own code; reported on a shared record and a caller's target", function () {
    const found = result.findings.filter((f) => f.file === "SelfService.sol" && /^(unprotected-initializer|delegatecall-)/.test(f.detector));
    expect(found.map((f) => [f.contract, f.detector]), summary("SelfService.sol")).to.deep.equal([
      ["SharedOracle", "unprotected-initializer"],
      ["SharedOracle", "delegatecall-user-target"],
    ]);
  });

  it("calls-in-loop: a helper that mints ERC-1155 shares to each entry of a stored queue runs the receiver's hook in the loop (medium); the caller's own list is not this case", function () {
    const found = findings("Queues.sol", "calls-in-loop");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("Queues.sol")).to.deep.equal([["mintQueue", "medium", [lineOf("Queues.sol", "_mintShares(queue[i].receiver")]]]);
    expect(found[0]!.message).to.include("runs the receiver's hook");
  });
});
