/**
 * Rules from the first runs on Teller Finance's 2024 update and PoolTogether V5. From Teller M-4: the writes after
 * several calls are judged by the most dangerous call before them, not by the first — a trusted reputation registry
 * called first does not make the lender's repayment callback after it safe (`reentrancy`); the call a helper of
 * another file makes is named with that helper. Ether forwarded to a contract the deployer or an admin chose (a bridge
 * adapter's fee) is judged like any call to that contract. From Teller H-1: a token-transfer hook that restarts a
 * holder's timer on any transfer, a zero-amount one included (`transfer-hook-reset`). From PoolTogether's review: a list
 * refused past a bound is not unbounded, a bare `reserve()` is a fund and not a side of a pool, and a balance guard that
 * passes only while the balance is not zero cannot be blocked by a donation. From the reviews of WOOFi, Mellow and
 * Exactly: an admin's contract called through a local copy of its state variable is the admin's choice; the time
 * rounded down to its period is no coin toss; a limit beyond what the type holds is redundant, not broken. From the
 * reviews of Axis and Amphor: a failure that reverts on both branches of a nested if is handled; an always-true loop
 * condition is dead code, not an endless loop, when the body breaks on the same variable. From the reviews of Zap and
 * Sophon: ether sent to a wallet only the admin sets is the admin's choice; the caller's own record written through a
 * storage pointer is not contract-wide state. From Zivoe's review: a minimum decoded from the caller's data is not 0.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const SOURCES: Record<string, string> = {
  "Loans.sol": `${HEAD}
interface IReputation {
    function update(address borrower, uint256 loanId) external;
}

interface IRepaymentListener {
    function onRepaid(uint256 loanId, uint256 amount) external;
}

/// Teller's repayment: the owner's reputation registry is called first (its code is not in the scan: the owner's
/// choice), then the listener the lender registered for the loan, and only then is the repayment booked.
contract Loans {
    address public owner;
    IReputation public reputation;
    mapping(uint256 => address) public listenerOf;
    mapping(uint256 => address) public lenderOf;
    mapping(uint256 => uint256) public repaid;
    mapping(uint256 => uint256) public owed;

    constructor(IReputation reputation_) {
        owner = msg.sender;
        reputation = reputation_;
    }

    function setListener(uint256 loanId, address listener) external {
        require(msg.sender == lenderOf[loanId], "not the lender");
        listenerOf[loanId] = listener;
    }

    function repay(uint256 loanId, uint256 amount) external {
        require(repaid[loanId] + amount <= owed[loanId], "too much");
        reputation.update(msg.sender, loanId);
        address listener = listenerOf[loanId];
        if (listener != address(0)) IRepaymentListener(listener).onRepaid(loanId, amount);
        repaid[loanId] += amount;
    }

    /// the fixed variant: only the trusted registry is called before the write
    function repayQuietly(uint256 loanId, uint256 amount) external {
        require(repaid[loanId] + amount <= owed[loanId], "too much");
        reputation.update(msg.sender, loanId);
        repaid[loanId] += amount;
        address listener = listenerOf[loanId];
        if (listener != address(0)) IRepaymentListener(listener).onRepaid(loanId, amount);
    }
}
`,
  "Bridged.sol": `${HEAD}
interface IAdapter {
    function send(uint256 amount) external payable;
}

/// Derby's vault: the relayer fee the caller pays is forwarded to the adapter the owner set, then the vault books the
/// amount sent. The adapter is the owner's choice (its code is not in the scan), however much ether goes with the call.
contract Bridged {
    address public owner;
    IAdapter public adapter;
    uint256 public pending;
    uint256 public sent;

    constructor() {
        owner = msg.sender;
    }

    function setAdapter(IAdapter a) external {
        require(msg.sender == owner, "not the owner");
        adapter = a;
    }

    function push() external payable {
        uint256 amount = pending;
        adapter.send{value: msg.value}(amount);
        pending = 0;
        sent += amount;
    }

    /// the same flow with the fee sent to an address the caller names: that receiver runs code of its own choosing
    function pushVia(address payable relayer) external payable {
        uint256 amount = pending;
        (bool ok, ) = relayer.call{value: msg.value}("");
        require(ok, "fee");
        pending = 0;
        sent += amount;
    }
}
`,
  "CallLib.sol": `${HEAD}
/// nomad's ExcessivelySafeCall, shortened: a call whose revert does not revert the caller
library CallLib {
    function softCall(address target, bytes memory data) internal returns (bool ok) {
        (ok, ) = target.call{gas: 100000}(data);
    }
}
`,
  "Payouts.sol": `${HEAD}
import {CallLib} from "./CallLib.sol";

/// Teller's custom transferFrom: the token of a loan (the borrower chose it) is called through a helper of another file
contract Payouts {
    mapping(uint256 => address) public tokenOf;
    mapping(uint256 => uint256) public paid;

    function pay(uint256 loanId, address to, uint256 amount) external {
        require(paid[loanId] == 0, "paid");
        bool ok = CallLib.softCall(tokenOf[loanId], abi.encodeWithSignature("transferFrom(address,address,uint256)", msg.sender, to, amount));
        require(ok, "transfer");
        paid[loanId] = amount;
    }
}
`,
  "Draws.sol": `${HEAD}
/// PoolTogether's draw manager: a failed random-number request may be retried, at most maxRetries times, and the list
/// of a draw's requests is cleared when the next draw starts (capped: not reported); anyone can add an entrant (reported)
contract Draws {
    struct Auction {
        uint64 drawId;
        address recipient;
    }

    Auction[] internal auctions;
    address[] internal entrants;
    uint256 public immutable maxRetries;

    constructor(uint256 maxRetries_) {
        maxRetries = maxRetries_;
    }

    function start(uint64 drawId) external {
        if (auctions.length > 0 && auctions[auctions.length - 1].drawId != drawId) {
            while (auctions.length > 0) auctions.pop();
        } else if (auctions.length > maxRetries) {
            revert("retry limit");
        }
        auctions.push(Auction(drawId, msg.sender));
    }

    function enter() external {
        // a check on the length that caps nothing
        require(entrants.length > 0 || msg.sender != address(0), "no one");
        entrants.push(msg.sender);
    }

    function finishDraw() external returns (uint256 n) {
        for (uint256 i = 0; i < auctions.length; i++) n += uint256(auctions[i].drawId);
    }

    function award() external returns (uint256 n) {
        for (uint256 i = 0; i < entrants.length; i++) n += uint160(entrants[i]) % 7;
    }
}
`,
  "Rewards.sol": `${HEAD}
interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

interface IPrizePool {
    function reserve() external view returns (uint256);
    function pendingReserveContributions() external view returns (uint256);
}

interface IPair {
    function reserve0() external view returns (uint256);
    function reserve1() external view returns (uint256);
}

/// PoolTogether's reward: a share of the prize pool's reserve fund (not a price: not reported); a payout priced by a
/// pair's two reserves (reported)
contract Rewards {
    IPrizePool public immutable pool;
    IPair public immutable pair;
    IToken public immutable token;
    uint256 public immutable maxRewards;

    constructor(IPrizePool pool_, IPair pair_, IToken token_, uint256 maxRewards_) {
        pool = pool_;
        pair = pair_;
        token = token_;
        maxRewards = maxRewards_;
    }

    function finishDraw() external {
        uint256 total = pool.reserve() + pool.pendingReserveContributions();
        uint256 reward = total > maxRewards ? maxRewards : total;
        require(token.transfer(msg.sender, reward / 10), "transfer");
    }

    function sell(uint256 amount) external {
        uint256 value = (amount * pair.reserve1()) / pair.reserve0();
        require(token.transfer(msg.sender, value), "transfer");
    }
}

/// PoolTogether's prize vault: no withdrawal while the vault holds nothing (a donation only lets it through: not
/// reported); closing that needs an empty balance (one donated token blocks it: reported)
contract Vaultish {
    IToken public immutable token;
    uint256 public totalShares;
    bool public closed;

    constructor(IToken token_) {
        token = token_;
    }

    function totalAssets() public view returns (uint256) {
        return token.balanceOf(address(this));
    }

    function previewWithdraw(uint256 assets) public view returns (uint256) {
        uint256 t = totalAssets();
        if (t == 0) revert("no assets");
        return (assets * totalShares) / t;
    }

    function previewRedeem(uint256 shares) public view returns (uint256) {
        uint256 t = totalAssets();
        require(t != 0, "no assets");
        return (shares * t) / totalShares;
    }

    function withdraw(uint256 assets) external {
        totalShares -= previewWithdraw(assets);
        require(token.transfer(msg.sender, assets), "transfer");
    }

    function redeem(uint256 shares) external {
        uint256 assets = previewRedeem(shares);
        totalShares -= shares;
        require(token.transfer(msg.sender, assets), "transfer");
    }

    function close() external {
        require(token.balanceOf(address(this)) == 0, "not empty");
        closed = true;
    }
}
`,
  "Hooks.sol": `${HEAD}
/// a bare ERC-20 with OpenZeppelin 5's hook: _update(from, to, value) runs on every mint, transfer and burn
abstract contract Token {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        allowance[from][msg.sender] -= value;
        _update(from, to, value);
        return true;
    }

    function _update(address from, address to, uint256 value) internal virtual {
        if (from != address(0)) balanceOf[from] -= value;
        if (to != address(0)) balanceOf[to] += value;
    }
}

/// a lock restarted for whoever receives: a transfer of 1 wei restarts it (reported, a zero-amount skip or not)
contract ReceiverLock is Token {
    mapping(address => uint256) public lockedSince;

    function _update(address from, address to, uint256 value) internal override {
        if (value == 0) return;
        super._update(from, to, value);
        lockedSince[to] = block.timestamp;
    }
}

/// the sender's cooldown cleared through a helper (reported)
contract SenderCooldown is Token {
    mapping(address => uint256) public cooldownStart;

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        _clear(from);
    }

    function _clear(address holder) internal {
        delete cooldownStart[holder];
    }
}

/// a timestamp set only when shares are minted, and a weighted start carried to the recipient (not reported)
contract MintStamp is Token {
    mapping(address => uint256) public mintedAt;
    mapping(address => uint256) public avgStart;

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == address(0)) {
            mintedAt[to] = block.timestamp;
        }
        if (to != address(0) && balanceOf[to] > 0) {
            avgStart[to] = (avgStart[to] * (balanceOf[to] - value) + block.timestamp * value) / balanceOf[to];
        }
    }
}

/// an ERC-721's hook, (to, tokenId, auth): not an ERC-20 transfer's (not reported)
contract Badges {
    mapping(uint256 => address) public ownerOf;
    mapping(address => uint256) public lastMoved;

    function _update(address to, uint256 tokenId, address auth) internal returns (address from) {
        from = ownerOf[tokenId];
        require(auth == from, "auth");
        ownerOf[tokenId] = to;
        lastMoved[to] = 0;
    }
}
`,
  "Pool.sol": `${HEAD}
interface ISwapCallback {
    function swapCallback(int256 amount0, int256 amount1) external;
}

/// Uniswap v3's swap(): the lock taken and released in the function's own body, with no modifier (the callback to the
/// caller cannot re-enter: not reported); the same flow that never checks the flag it sets is reported
contract Pool {
    struct Slot0 {
        uint160 sqrtPriceX96;
        bool unlocked;
    }

    Slot0 public slot0;
    uint256 public reserve0;
    bool public busy;

    function swap(int256 amount0, int256 amount1) external {
        Slot0 memory slot0Start = slot0;
        require(slot0Start.unlocked, "LOK");
        slot0.unlocked = false;
        uint256 before = reserve0;
        ISwapCallback(msg.sender).swapCallback(amount0, amount1);
        reserve0 = before + uint256(amount0);
        slot0.unlocked = true;
    }

    function swapUnchecked(int256 amount0, int256 amount1) external {
        busy = true;
        uint256 before = reserve0;
        ISwapCallback(msg.sender).swapCallback(amount0, amount1);
        reserve0 = before + uint256(amount0);
        busy = false;
    }
}
`,
  "Rewarded.sol": `${HEAD}
interface IRewards {
    function handleBorrow(address account) external;
}

/// Exactly's Market: the admin's rewards controller, copied into a local first (to save gas), is told of every repay
/// before the debt is written: the controller is the admin's choice, as the state variable it copies (low)
contract Rewarded {
    address public admin;
    IRewards public rewards;
    mapping(address => uint256) public debt;

    constructor() {
        admin = msg.sender;
    }

    function setRewards(IRewards r) external {
        require(msg.sender == admin, "admin");
        rewards = r;
    }

    function repay(uint256 amount) external {
        uint256 owed = debt[msg.sender];
        IRewards memRewards = rewards;
        if (address(memRewards) != address(0)) memRewards.handleBorrow(msg.sender);
        debt[msg.sender] = owed - amount;
    }
}
`,
  "Periods.sol": `${HEAD}
/// Exactly's maturities: the time rounded down to its 4-week period (low), beside an exact time test (medium);
/// WOOFi's fee rate: a uint16 checked against 1e5, beyond what the type holds (low), beside a uint8 capped at 255 (medium)
contract Periods {
    uint256 public constant INTERVAL = 4 weeks;
    address public admin;
    uint16 public feeRate;
    uint8 public feePercent;
    mapping(uint256 => uint256) public deposits;
    address public winner;

    constructor() {
        admin = msg.sender;
    }

    function deposit(uint256 amount) external {
        uint256 maturity = block.timestamp - (block.timestamp % INTERVAL) + INTERVAL;
        deposits[maturity] += amount;
    }

    function closeAt(uint256 deadline) external {
        if (block.timestamp == deadline) winner = msg.sender;
    }

    /// Zivoe's "Friday" due date: the time rounded down to its week, plus nine days (no coin toss)
    mapping(address => uint256) public dueBy;

    function schedule() external {
        dueBy[msg.sender] = block.timestamp - (block.timestamp % 7 days) + 9 days;
    }

    /// a coin toss on the time (weak randomness)
    function toss() external {
        if (block.timestamp % 2 == 0) winner = msg.sender;
    }

    function setFeeRate(uint16 rate) external {
        require(msg.sender == admin, "admin");
        require(rate <= 1e5, "!rate");
        feeRate = rate;
    }

    function setFeePercent(uint8 fee) external {
        require(msg.sender == admin, "admin");
        require(fee <= 255, "fee above 100%");
        feePercent = fee;
    }
}
`,
  "Zapper.sol": `${HEAD}
/// Amphor's zapper: a failed call reverts on both branches of a nested if (not reported); a call whose failure the
/// function survives, keeping all the return data (reported)
contract Zapper {
    event Tried(bool success);

    function zap(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool success, bytes memory ret) = target.call{value: msg.value}(data);
        if (!success) {
            if (ret.length > 0) revert(string(ret));
            else revert("unknown");
        }
        return ret;
    }

    function tryZap(address target, bytes calldata data) external payable returns (bool, bytes memory) {
        (bool success, bytes memory ret) = target.call{value: msg.value}(data);
        emit Tried(success);
        return (success, ret);
    }
}

/// Axis's EMPAM: a countdown whose condition is always true but whose body breaks on i == 0 (low); one that never
/// leaves (medium)
contract Countdown {
    uint64[] public bids;

    function clear() external {
        uint256 n = bids.length;
        if (n > 0) {
            for (uint256 i = n - 1; i >= 0; i--) {
                bids.pop();
                if (i == 0) {
                    break;
                }
            }
        }
    }

    function sum() external view returns (uint256 total) {
        for (uint256 i = bids.length; i >= 0; i--) total += bids[i - 1];
    }
}
`,
  "Launches.sol": `${HEAD}
/// Zap's launch fee: ether sent to the wallet only the admin sets, before the sale is recorded (low: the admin's own
/// wallet); the same flow paying a referrer the caller names stays high
contract Launches {
    address public admin;
    address public wallet;
    address[] public sales;
    mapping(address => bool) public isSale;

    constructor() {
        admin = msg.sender;
        wallet = msg.sender;
    }

    function setWallet(address w) external {
        require(msg.sender == admin, "admin");
        wallet = w;
    }

    function create(address sale) external payable {
        require(!isSale[sale], "known");
        (bool ok, ) = payable(wallet).call{value: msg.value}("");
        require(ok, "fee");
        isSale[sale] = true;
        sales.push(sale);
    }

    function createVia(address sale, address payable referrer) external payable {
        require(!isSale[sale], "known");
        (bool ok, ) = referrer.call{value: msg.value}("");
        require(ok, "fee");
        isSale[sale] = true;
        sales.push(sale);
    }
}

/// Sophon's farm: increaseBoost writes the caller's own record through a storage pointer (not reported), beside two
/// restricted setters; setMultiplier, writing contract-wide state from the caller's value, is (reported)
contract Farm {
    struct UserInfo {
        uint256 amount;
        uint256 boost;
    }

    address public owner;
    uint256 public startBlock;
    uint256 public endBlock;
    uint256 public multiplier;
    mapping(uint256 => mapping(address => UserInfo)) public userInfo;

    constructor() {
        owner = msg.sender;
    }

    function setStartBlock(uint256 b) external {
        require(msg.sender == owner, "owner");
        startBlock = b;
    }

    function setEndBlock(uint256 b) external {
        require(msg.sender == owner, "owner");
        endBlock = b;
    }

    function increaseBoost(uint256 pid, uint256 amount) external {
        UserInfo storage user = userInfo[pid][msg.sender];
        require(amount <= user.amount, "too much");
        user.amount = user.amount - amount;
        user.boost = user.boost + amount * 2;
    }

    function setMultiplier(uint256 m) external {
        multiplier = m;
    }
}
`,
  "Lockers.sol": `${HEAD}
interface IRouter {
    function removeLiquidity(address tokenA, address tokenB, uint256 liquidity, uint256 amountAMin, uint256 amountBMin, address to, uint256 deadline)
        external
        returns (uint256 amountA, uint256 amountB);
}

/// Zivoe's liquidity locker: the minimum amounts come from the caller's data (not reported); a minimum declared
/// without a value is 0 (reported)
contract Lockers {
    IRouter public immutable router;
    address public immutable tokenA;
    address public immutable tokenB;

    constructor(IRouter r, address a, address b) {
        router = r;
        tokenA = a;
        tokenB = b;
    }

    function pull(uint256 liquidity, uint256 deadline, bytes calldata data) external {
        (uint256 amountAMin, uint256 amountBMin) = abi.decode(data, (uint256, uint256));
        router.removeLiquidity(tokenA, tokenB, liquidity, amountAMin, amountBMin, msg.sender, deadline);
    }

    function pullAll(uint256 liquidity, uint256 deadline) external {
        uint256 amountAMin;
        router.removeLiquidity(tokenA, tokenB, liquidity, amountAMin, 1, msg.sender, deadline);
    }
}
`,
};

describe("audit: rules from the first runs on Teller Finance's update and PoolTogether", function () {
  this.timeout(300_000);
  let dir = "";
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-c6-", SOURCES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["Bridged.sol", "compiled"],
      ["CallLib.sol", "compiled"],
      ["Draws.sol", "compiled"],
      ["Hooks.sol", "compiled"],
      ["Launches.sol", "compiled"],
      ["Loans.sol", "compiled"],
      ["Lockers.sol", "compiled"],
      ["Payouts.sol", "compiled"],
      ["Periods.sol", "compiled"],
      ["Pool.sol", "compiled"],
      ["Rewarded.sol", "compiled"],
      ["Rewards.sol", "compiled"],
      ["Zapper.sol", "compiled"],
    ]);
  });

  it("reentrancy: a write after a trusted registry's call and then a callback the lender chose is medium and names the callback; after the registry alone it is low (Teller M-4)", function () {
    const got = findings("Loans.sol", "reentrancy");
    const repay = got.filter((f) => f.function === "repay");
    expect(repay, summary("Loans.sol")).to.have.length(1);
    expect(repay[0]!.severity).to.equal("medium");
    expect(repay[0]!.lines).to.include(lineOf("Loans.sol", "IRepaymentListener(listener).onRepaid(loanId, amount);"));
    expect(repay[0]!.message).to.contain("IRepaymentListener(listener).onRepaid");
    const quiet = got.filter((f) => f.function === "repayQuietly");
    expect(quiet.map((f) => f.severity), summary("Loans.sol")).to.deep.equal(["low"]);
    expect(quiet[0]!.message).to.contain("a contract the deployer or an admin chose");
  });

  it("reentrancy: a call made in a library function of another file is named with the statement here that leads to it and with that function", function () {
    const got = findings("Payouts.sol", "reentrancy");
    expect(got, summary("Payouts.sol")).to.have.length(1);
    expect(got[0]!.message).to.contain("(made in CallLib.softCall())");
    expect(got[0]!.lines).to.include(lineOf("Payouts.sol", "CallLib.softCall(tokenOf[loanId]"));
  });

  it("reentrancy: ether forwarded to the adapter the owner set is judged as a call to it (low: its code is not in the scan); ether to a relayer the caller names stays high", function () {
    const got = findings("Bridged.sol", "reentrancy");
    const push = got.filter((f) => f.function === "push");
    expect(push.map((f) => f.severity), summary("Bridged.sol")).to.deep.equal(["low"]);
    expect(push[0]!.message).to.contain("an ether-sending external call `adapter.send{value: msg.value}(amount)`");
    expect(push[0]!.message).to.contain("a contract the deployer or an admin chose");
    const via = got.filter((f) => f.function === "pushVia");
    expect(via.map((f) => f.severity), summary("Bridged.sol")).to.deep.equal(["high"]);
  });

  it("unbounded-loop: a list whose every push is refused past a bound (`if (list.length > maxRetries) revert`) is not reported; one a check on its length does not cap is (PoolTogether's review)", function () {
    const got = findings("Draws.sol", "unbounded-loop");
    expect(got.map((f) => f.function), summary("Draws.sol")).to.deep.equal(["award"]);
  });

  it("oracle-spot-price: a share of a prize pool's reserve fund (`pool.reserve()`) is not a price; a payout priced by a pair's two reserves is (PoolTogether's review)", function () {
    const got = findings("Rewards.sol", "oracle-spot-price");
    expect(got.map((f) => f.function), summary("Rewards.sol")).to.deep.equal(["sell"]);
  });

  it("forced-ether-balance: a guard that lets the call through only while the balance is not zero is not reported (a donation only helps it pass); one that needs a zero balance is (PoolTogether's review)", function () {
    const got = findings("Rewards.sol", "forced-ether-balance");
    expect(got.map((f) => f.function), summary("Rewards.sol")).to.deep.equal(["close"]);
  });

  it("transfer-hook-reset: an ERC-20 hook that restarts the recipient's lock (a zero-amount skip or not) or clears the sender's cooldown through a helper is reported; a stamp only a mint sets, a weighted start, and an ERC-721 hook are not (Teller's update H-1)", function () {
    const got = findings("Hooks.sol", "transfer-hook-reset");
    expect(got.map((f) => f.contract).sort(), summary("Hooks.sol")).to.deep.equal(["ReceiverLock", "SenderCooldown"]);
    const lock = got.find((f) => f.contract === "ReceiverLock")!;
    expect(lock.severity).to.equal("medium");
    expect(lock.lines).to.deep.equal([lineOf("Hooks.sol", "lockedSince[to] = block.timestamp;")]);
    expect(lock.message).to.contain("a transfer of 1 wei reaches any holder");
    const cooldown = got.find((f) => f.contract === "SenderCooldown")!;
    expect(cooldown.lines).to.deep.equal([lineOf("Hooks.sol", "delete cooldownStart[holder];")]);
    expect(cooldown.message).to.contain("transferFrom(holder, anyone, 0)");
  });

  it("reentrancy: a lock the function checks, takes and releases in its own body (Uniswap v3's swap) guards it; a flag it sets but never checks does not (the review of Uniswap v3 core)", function () {
    const got = findings("Pool.sol", "reentrancy").filter((f) => f.severity !== "low");
    expect(got.map((f) => f.function), summary("Pool.sol")).to.deep.equal(["swapUnchecked"]);
  });

  it("reentrancy: the admin's contract called through a local copy of the state variable (`IRewards memRewards = rewards;`) is the admin's choice, as the variable is (Exactly's review)", function () {
    const got = findings("Rewarded.sol", "reentrancy");
    expect(got.map((f) => f.severity), summary("Rewarded.sol")).to.deep.equal(["low"]);
    expect(got[0]!.message).to.contain("a contract the deployer or an admin chose");
  });

  it("timestamp-dependence and weak-randomness: the time rounded down to its period (`t - t % INTERVAL`) is low and no coin toss; an exact time test stays medium (the reviews of Exactly and Zivoe)", function () {
    const got = findings("Periods.sol", "timestamp-dependence");
    expect(got.map((f) => [f.function, f.severity]), summary("Periods.sol")).to.deep.equal([
      ["deposit", "low"],
      ["closeAt", "medium"],
      ["schedule", "low"],
    ]);
    // nor is it weak randomness (Zivoe's review); a coin toss on the time is
    expect(findings("Periods.sol", "weak-randomness").map((f) => f.function), summary("Periods.sol")).to.deep.equal(["toss"]);
  });

  it("tautology: a limit beyond what the type can hold (`uint16 rate <= 1e5`) is redundant (low); a cap on the type's own edge (`uint8 fee <= 255`) stays medium (WOOFi's review)", function () {
    const got = findings("Periods.sol", "tautology");
    expect(got.map((f) => [f.function, f.severity]), summary("Periods.sol")).to.deep.equal([
      ["setFeeRate", "low"],
      ["setFeePercent", "medium"],
    ]);
    expect(got[0]!.message).to.contain("Every value the type can hold passes the limit");
  });

  it("return-bomb: a failed call that reverts on both branches of a nested if is not reported; a call whose failure the function survives is (Amphor's review)", function () {
    const got = findings("Zapper.sol", "return-bomb");
    expect(got.map((f) => f.function), summary("Zapper.sol")).to.deep.equal(["tryZap"]);
  });

  it("tautology: an always-true loop condition whose body breaks on the same variable is low; one the loop never leaves stays medium (Axis's review)", function () {
    const got = findings("Zapper.sol", "tautology");
    expect(got.map((f) => [f.function, f.severity]), summary("Zapper.sol")).to.deep.equal([
      ["clear", "low"],
      ["sum", "medium"],
    ]);
  });

  it("reentrancy: ether sent to the wallet only the admin sets is the admin's choice (low); ether to a referrer the caller names stays high (Zap's review)", function () {
    const got = findings("Launches.sol", "reentrancy");
    expect(got.map((f) => [f.function, f.severity]), summary("Launches.sol")).to.deep.equal([
      ["create", "low"],
      ["createVia", "high"],
    ]);
  });

  it("unguarded-setter: a function that writes the caller's own record through a storage pointer is not reported; one that writes contract-wide state from the caller's value is (Sophon's review)", function () {
    const got = findings("Launches.sol", "unguarded-setter");
    expect(got.map((f) => f.function), summary("Launches.sol")).to.deep.equal(["setMultiplier"]);
  });

  it("missing-slippage: minimum amounts decoded from the caller's data are not 0; a minimum declared without a value is (Zivoe's review)", function () {
    const got = findings("Lockers.sol", "missing-slippage");
    expect(got.map((f) => f.function), summary("Lockers.sol")).to.deep.equal(["pullAll"]);
    expect(got[0]!.message).to.contain("`amountAMin` is 0");
  });
});
