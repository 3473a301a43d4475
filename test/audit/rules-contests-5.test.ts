/**
 * Rules from the first run on seven Sherlock contests of 2024–2025 (Plaza, Superfluid's locker, Rova, Aegis, LayerEdge,
 * Allbridge's yield, Oku's order types). From Plaza M-13 and Superfluid M-2: a dividend is scaled up only when every
 * term of it is (`(tvl - supply * PRICE) / assets * PRECISION` loses precision), and not by a scale inside a square
 * root (`sqrt(t * SCALER) / SCALER` divides away most of it) — `divide-before-multiply`. From LayerEdge M-1: a loop over
 * one account's list that other callers can append to (`unbounded-loop`). From Superfluid H-2: `540` where the contract's
 * maximum is `540 days` (`missing-time-unit`). From Allbridge M-1: a deposit kept while its share mint returns quietly on
 * 0 (`silent-zero-mint`). From Autonomint H-6: one setter without the restriction its siblings have (`unguarded-setter`). From Plaza M-14: the refund of an outbid bidder in a helper of the
 * function that takes the new bid's tokens (`token-push-dos`, also through `IERC20(address)`).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const SOURCES: Record<string, string> = {
  "Rates.sol": `${HEAD}
library Roots {
    function sqrt(uint256 x) internal pure returns (uint256 y) {
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }
}

/// Plaza's redeem rate and Superfluid's unlocking percentage divide first (reported); a dividend whose every term is
/// scaled, and one scaled outside a root, keep their precision (not reported).
contract Rates {
    uint256 private constant PRECISION = 1000000;
    uint256 private constant BOND_TARGET_PRICE = 100;
    uint256 private constant SCALER = 1e18;

    function redeemRate(uint256 tvl, uint256 bondSupply, uint256 assetSupply) external pure returns (uint256) {
        return ((tvl - (bondSupply * BOND_TARGET_PRICE)) / assetSupply) * PRECISION;
    }

    function scaledRate(uint256 tvl, uint256 bondSupply, uint256 assetSupply) external pure returns (uint256) {
        return ((tvl * SCALER - bondSupply * SCALER) / assetSupply) * PRECISION;
    }

    function unlockingPercentage(uint256 period) external pure returns (uint256) {
        return 80 * (Roots.sqrt(period * SCALER) / SCALER);
    }

    function rootOfScaled(uint256 period, uint256 span) external pure returns (uint256) {
        return (Roots.sqrt(period) * SCALER / span) * 80;
    }

    function cubic(uint256 x, uint256 y, uint256 a) external pure returns (uint256) {
        uint256 p2 = (x * y * ((a << 2) - 1)) / 3;
        return p2 * p2;
    }
}
`,
  "Units.sol": `${HEAD}
/// A bare 540 beside a period where the maximum is 540 days (reported); 365 in a statement that converts seconds to
/// days itself, and 7 that counts no time, are not.
contract Units {
    uint256 private constant MAX_UNLOCK_PERIOD = 540 days;
    uint256 private constant YEAR = 365 days;
    uint256 private constant WEEK = 7 days;
    uint256 public rate = 5;

    function share(uint256 unlockPeriod) external pure returns (uint256) {
        return (unlockPeriod * 100) / 540;
    }

    function interest(uint256 principal, uint256 elapsed) external view returns (uint256) {
        return (principal * rate * (elapsed / 1 days)) / 365 / 100;
    }

    function weekly(uint256 amount) external pure returns (uint256) {
        return amount / 7;
    }
}
`,
  "Auction.sol": `${HEAD}
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// Plaza's auction: a new bid takes the bidder's coupons and, over the bid limit, refunds the lowest bidder in a
/// helper (reported: a blocklisted lowest bidder blocks every new bid). Paying back the caller is not.
contract Auction {
    struct Bid {
        address bidder;
        uint256 amount;
    }

    address public immutable couponToken;
    mapping(uint256 => Bid) public bids;
    uint256 public lowest;
    uint256 public count;

    constructor(address token) {
        couponToken = token;
    }

    function bid(uint256 amount) external {
        require(IERC20(couponToken).transferFrom(msg.sender, address(this), amount), "pull");
        bids[++count] = Bid(msg.sender, amount);
        if (count > 10) _removeBid(lowest);
    }

    function _removeBid(uint256 index) internal {
        Bid storage removed = bids[index];
        address bidder = removed.bidder;
        uint256 amount = removed.amount;
        delete bids[index];
        require(IERC20(couponToken).transfer(bidder, amount), "refund");
    }

    function cancel(uint256 index) external {
        require(bids[index].bidder == msg.sender, "bidder");
        uint256 amount = bids[index].amount;
        delete bids[index];
        require(IERC20(couponToken).transfer(msg.sender, amount), "refund");
    }
}
`,
  "Mints.sol": `${HEAD}
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// Allbridge's deposit: the helper returns quietly when the converted amount is 0, after deposit() took the tokens
/// (reported). A helper that skips a 0 the caller passed, and a reward mint no deposit runs, are not.
contract Mints is ERC20 {
    IERC20 public immutable asset;
    uint256 public totalVirtual = 1;

    constructor(IERC20 a) ERC20("Share", "SH") {
        asset = a;
    }

    function _convert(uint256 amount) internal view returns (uint256) {
        return (amount * totalSupply()) / totalVirtual;
    }

    function _mintConverted(address account, uint256 amount) internal {
        uint256 real = _convert(amount);
        if (real == 0) return;
        _mint(account, real);
    }

    function _mintExact(address account, uint256 amount) internal {
        if (amount == 0) return;
        _mint(account, amount);
    }

    function deposit(uint256 amount) external {
        require(asset.transferFrom(msg.sender, address(this), amount), "pull");
        totalVirtual += amount;
        _mintConverted(msg.sender, amount);
        _mintExact(msg.sender, 0);
    }

    function reward(uint256 points) external {
        uint256 bonus = points / 100;
        if (bonus == 0) return;
        _mint(msg.sender, bonus);
    }
}
`,
  "Setters.sol": `${HEAD}
/// A restricted contract's setter without its modifier (reported); a pool sync anyone may run, which writes only what
/// it computes from state, a caller's own limit, and an update the owner signed, are not.
contract Setters {
    address public owner = msg.sender;
    uint256 public fee;
    uint256 public cap;
    uint256 public protectedAmount;
    uint256 public lastSync;
    uint256 public accumulated;
    mapping(address => uint256) public ownLimit;

    modifier onlyOwner() {
        require(msg.sender == owner, "owner");
        _;
    }

    function setFee(uint256 f) external onlyOwner {
        fee = f;
    }

    function setCap(uint256 c) external onlyOwner {
        cap = c;
    }

    function updateProtected(uint256 amount) external {
        protectedAmount += amount;
    }

    function updatePool(uint256 pid) external {
        require(pid == 0, "pool");
        accumulated += (block.timestamp - lastSync) * fee;
        lastSync = block.timestamp;
    }

    function setOwnLimit(uint256 limit) external {
        ownLimit[msg.sender] = limit;
    }

    function updateSigned(uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        require(ecrecover(keccak256(abi.encode(amount)), v, r, s) == owner, "signer");
        protectedAmount = amount;
    }
}
`,
  "Prices.sol": `${HEAD}
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

library Desk {
    function quote(uint256 amount, uint256 inPrice, uint256 outPrice) internal pure returns (uint256) {
        return (amount * inPrice) / outPrice;
    }
}

/// Autonomint's redeemUSDT through a library helper (reported). An order that pulls the caller's payment at the
/// caller's price, a minimum price the caller sets, and a price compared with the oracle's are not.
contract Prices {
    IERC20 public immutable stable;
    IERC20 public immutable usdt;
    uint256 public oraclePrice = 1e8;

    constructor(IERC20 s, IERC20 u) {
        stable = s;
        usdt = u;
    }

    function redeem(uint256 amount, uint256 stablePrice, uint256 usdtPrice) external {
        require(stable.transferFrom(msg.sender, address(this), amount), "pull");
        require(usdt.transfer(msg.sender, Desk.quote(amount, stablePrice, usdtPrice)), "pay");
    }

    function placeOrder(uint256 amount, uint256 price) external {
        require(usdt.transferFrom(msg.sender, address(this), (amount * price) / 1e8), "pay");
    }

    function sell(uint256 amount, uint256 minPrice) external {
        require(stable.transferFrom(msg.sender, address(this), amount), "pull");
        require(oraclePrice >= minPrice, "price");
        require(usdt.transfer(msg.sender, (amount * oraclePrice) / 1e8), "pay");
    }

    function redeemChecked(uint256 amount, uint256 price) external {
        require(price <= (oraclePrice * 101) / 100 && price >= (oraclePrice * 99) / 100, "deviation");
        require(stable.transferFrom(msg.sender, address(this), amount), "pull");
        require(usdt.transfer(msg.sender, (amount * price) / 1e8), "pay");
    }
}
`,
  "Factory.sol": `${HEAD}
contract Proxy {
    address public immutable implementation;

    constructor(address impl) {
        implementation = impl;
    }
}

contract Offer {
    function initialize(address owner_) external {}
}

/// Debita's factories: an offer deployed behind a proxy, cast to its implementation's type, is registered as legit
/// (not reported: the key is what the factory itself deployed); a caller-named address registered is (reported).
contract Factory {
    address public immutable implementation;
    mapping(address => bool) public isLegit;

    constructor(address impl) {
        implementation = impl;
    }

    function createOffer() external returns (address) {
        Proxy proxy = new Proxy(implementation);
        Offer offer = Offer(address(proxy));
        offer.initialize(msg.sender);
        isLegit[address(offer)] = true;
        return address(offer);
    }

    function registerOffer(address offer) external {
        isLegit[offer] = true;
    }

    uint256 public reported;

    function report(uint256 amount) external {
        require(isLegit[msg.sender], "only offers");
        reported += amount;
    }
}
`,
  "Fees.sol": `${HEAD}
/// Debita's fee setter: \`_fee >= 0\` beside \`_fee <= 100\` is a redundant half of a range (low); alone it is the
/// whole check, and \`a - b >= 0\` is the underflow test that cannot work (medium).
contract Fees {
    uint256 public fee;
    uint256 public minted;

    function setFee(uint256 _fee) external {
        require(_fee <= 100 && _fee >= 0, "Invalid fee");
        fee = _fee;
    }

    function setFeeAlone(uint256 _fee) external {
        require(_fee >= 0, "Invalid fee");
        fee = _fee;
    }

    function spend(uint256 balance, uint256 amount) external {
        require(balance - amount >= 0 && amount <= 100, "balance");
        minted += amount;
    }
}
`,
  "Casts.sol": `${HEAD}
/// Amounts narrowed without a check: to uint96 (79 billion tokens of 18 decimals: reported medium) and to uint128
/// (3.4e38, beyond any real supply: low).
contract Casts {
    uint96 public small;
    uint128 public wide;

    function stakeSmall(uint256 amount) external {
        small += uint96(amount * 2);
    }

    function stakeWide(uint256 amount) external {
        wide += uint128(amount * 2);
    }
}
`,
  "Hooks.sol": `${HEAD}
/// Compound's verify hooks keep themselves non-pure with \`if (false) { x = x; }\` (not reported); an \`if (false)\`
/// around a real check is (reported).
contract Hooks {
    uint256 public limit = 10;

    function borrowVerify(address cToken, uint256 maxAssets) external view {
        cToken;
        if (false) {
            maxAssets = maxAssets;
        }
        if (limit == 0) revert();
    }

    function borrow(uint256 amount) external view returns (uint256) {
        if (false) {
            require(amount <= limit, "limit");
        }
        return amount;
    }
}
`,
  "Notify.sol": `${HEAD}
/// Numa's vault tells the fee receiver about a payment and says it ignores the result on purpose (low); the same call
/// without the comment, and a payment of ether whose result is ignored, stay medium.
contract Notify {
    address public feeAddress;
    uint256 public sent;

    constructor(address f) {
        feeAddress = f;
    }

    function notifyQuietly(uint256 fee) external {
        sent += fee;
        // we don't check result as contract might not implement the deposit function (if multi sig for example)
        feeAddress.call(abi.encodeWithSignature("DepositFromVault(uint256)", fee));
    }

    function notifyLoudly(uint256 fee) external {
        sent += fee;
        feeAddress.call(abi.encodeWithSignature("DepositFromVault(uint256)", fee));
    }

    function pay(uint256 fee) external {
        sent += fee;
        // best effort
        feeAddress.call{value: fee}("");
    }
}
`,
  "Histories.sol": `${HEAD}
/// LayerEdge's tier history: every stake appends to the histories of the stakers it re-ranks, and claiming loops over
/// one's own history (reported). A list only its owner appends to, directly or through a helper handed msg.sender,
/// costs only that owner (not reported).
contract Histories {
    struct TierEvent {
        uint8 tier;
        uint256 timestamp;
    }

    mapping(address => TierEvent[]) public tierHistory;
    mapping(address => uint256[]) public ownDeposits;
    mapping(address => uint256[]) public ownClaims;
    mapping(address => uint256) public balance;
    address[] public stakers;

    function stake() external payable {
        balance[msg.sender] += msg.value;
        stakers.push(msg.sender);
        ownDeposits[msg.sender].push(msg.value);
        _recordClaim(msg.sender, block.timestamp);
        if (stakers.length > 1) _recordTier(stakers[stakers.length - 2], 2);
    }

    function _recordTier(address user, uint8 tier) internal {
        tierHistory[user].push(TierEvent({tier: tier, timestamp: block.timestamp}));
    }

    function _recordClaim(address user, uint256 at) internal {
        ownClaims[user].push(at);
    }

    function claim() external {
        TierEvent[] storage history = tierHistory[msg.sender];
        uint256 owed;
        for (uint256 i = 0; i < history.length; i++) owed += history[i].tier * balance[msg.sender];
        for (uint256 i = 0; i < ownDeposits[msg.sender].length; i++) owed += ownDeposits[msg.sender][i];
        uint256[] storage claims = ownClaims[msg.sender];
        for (uint256 i = 0; i < claims.length; i++) owed += claims[i];
        payable(msg.sender).transfer(owed / 1000);
    }
}
`,
};

describe("audit: rules from the first run on Plaza, Superfluid's locker, Rova, Aegis, LayerEdge, Allbridge and Oku", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-c5-", SOURCES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["Auction.sol", "compiled"],
      ["Casts.sol", "compiled"],
      ["Factory.sol", "compiled"],
      ["Fees.sol", "compiled"],
      ["Histories.sol", "compiled"],
      ["Hooks.sol", "compiled"],
      ["Mints.sol", "compiled"],
      ["Notify.sol", "compiled"],
      ["Prices.sol", "compiled"],
      ["Rates.sol", "compiled"],
      ["Setters.sol", "compiled"],
      ["Units.sol", "compiled"],
    ]);
  });

  it("divide-before-multiply: a dividend with an unscaled term, or scaled only inside a square root, is reported; one whose every term is scaled (or a literal), or scaled outside the root, is not", function () {
    const got = findings("Rates.sol", "divide-before-multiply");
    expect(got.map((f) => [f.function, f.severity]).sort(), summary("Rates.sol")).to.deep.equal([
      ["redeemRate", "medium"],
      ["unlockingPercentage", "medium"],
    ]);
    expect(got.find((f) => f.function === "redeemRate")!.lines).to.deep.equal([lineOf("Rates.sol", "return ((tvl - (bondSupply")]);
  });

  it("unbounded-loop: a loop over one account's list that other callers append to (through a helper handed another staker) is reported; lists only their owner grows are not", function () {
    const got = findings("Histories.sol", "unbounded-loop");
    expect(got.map((f) => [f.function, f.severity, f.confidence]), summary("Histories.sol")).to.deep.equal([["claim", "medium", "medium"]]);
    expect(got[0]!.lines).to.include(lineOf("Histories.sol", "i < history.length"));
    expect(got[0]!.lines).to.not.include(lineOf("Histories.sol", "i < claims.length"));
    expect(got[0]!.message).to.contain("one account's entry of tierHistory").and.contain("callers other than that account");
  });

  it("missing-time-unit: a bare 540 beside a period, where the contract's maximum is 540 days, is reported with the constant's line; a statement that converts units itself, and a number that counts no time, are not", function () {
    const got = findings("Units.sol", "missing-time-unit");
    expect(got.map((f) => [f.function, f.severity, f.confidence]), summary("Units.sol")).to.deep.equal([["share", "medium", "medium"]]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Units.sol", "MAX_UNLOCK_PERIOD = 540 days"), lineOf("Units.sol", "return (unlockPeriod * 100) / 540;")]);
    expect(got[0]!.message).to.contain("MAX_UNLOCK_PERIOD = 540 days").and.contain("540 seconds");
  });

  it("token-push-dos: a helper that refunds a stored bidder, run by the function that pulls the new bidder's tokens through IERC20(address), is reported; a refund to the caller is not", function () {
    const got = findings("Auction.sol", "token-push-dos");
    expect(got.map((f) => f.function), summary("Auction.sol")).to.deep.equal(["_removeBid"]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Auction.sol", "IERC20(couponToken).transfer(bidder, amount)")]);
  });

  it("silent-zero-mint: a mint helper that returns quietly when a converted amount is 0, run after deposit() pulled the caller's tokens, is reported; a 0 the caller passed, and a mint no deposit runs, are not (Allbridge M-1)", function () {
    const got = findings("Mints.sol", "silent-zero-mint");
    expect(got.map((f) => [f.function, f.severity, f.confidence]), summary("Mints.sol")).to.deep.equal([["_mintConverted", "medium", "medium"]]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Mints.sol", "uint256 real = _convert(amount);"), lineOf("Mints.sol", "if (real == 0) return;")]);
    expect(got[0]!.message).to.contain("deposit() of Mints has already taken the caller's tokens");
  });

  it("unguarded-setter: a setter that writes a value the caller passes, among two restricted setters, is reported; a sync that writes what it computes, a caller's own entry, and a signed update are not (Autonomint H-6)", function () {
    const got = findings("Setters.sol", "unguarded-setter");
    expect(got.map((f) => [f.function, f.severity, f.confidence]), summary("Setters.sol")).to.deep.equal([["updateProtected", "medium", "medium"]]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Setters.sol", "function updateProtected"), lineOf("Setters.sol", "protectedAmount += amount;")]);
    expect(got[0]!.message).to.contain("while 2 other setters of Setters (setFee(), setCap()) check the caller");
  });

  it("caller-supplied-price: a payout to the caller priced with the prices the caller passes, through a library helper, is reported; a payment the caller makes at their price, a minimum price, and a price checked against the oracle are not (Autonomint H-29)", function () {
    const got = findings("Prices.sol", "caller-supplied-price");
    expect(got.map((f) => [f.function, f.severity, f.confidence]), summary("Prices.sol")).to.deep.equal([["redeem", "high", "medium"]]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Prices.sol", "function redeem(uint256 amount, uint256 stablePrice"), lineOf("Prices.sol", "usdt.transfer(msg.sender, Desk.quote(")]);
    expect(got[0]!.message).to.contain("`stablePrice` and `usdtPrice`");
  });

  it("unprotected-owner-setter: a registry entry keyed by a contract the factory deployed behind a proxy and cast to its type is not reported; one keyed by an address the caller names is (Debita's review)", function () {
    expect(findings("Factory.sol", "unprotected-owner-setter").map((f) => f.function), summary("Factory.sol")).to.deep.equal(["registerOffer"]);
  });

  it("tautology: an unsigned `x >= 0` beside `x <= 100` in one `&&` is the redundant half of a range (low); alone, or on a difference, it stays medium (Debita's review)", function () {
    const got = findings("Fees.sol", "tautology");
    expect(got.map((f) => [f.function, f.severity]).sort(), summary("Fees.sol")).to.deep.equal([
      ["setFee", "low"],
      ["setFeeAlone", "medium"],
      ["spend", "medium"],
    ]);
    expect(got.find((f) => f.function === "setFee")!.message).to.contain("lower half of a range check");
  });

  it("unsafe-downcast: a caller's amount narrowed to uint96 is medium; narrowed to 128 bits or more it is low, with the reason (the reviewers' false alarms on uint128 amounts)", function () {
    const got = findings("Casts.sol", "unsafe-downcast");
    expect(got.map((f) => [f.function, f.severity]).sort(), summary("Casts.sol")).to.deep.equal([
      ["stakeSmall", "medium"],
      ["stakeWide", "low"],
    ]);
    expect(got.find((f) => f.function === "stakeWide")!.message).to.contain("at least 128 bits (3.4e38)");
  });

  it("boolean-constant: Compound's `if (false) { maxAssets = maxAssets; }`, which only keeps a hook non-pure, is not reported; `if (false)` around a check is (Numa's review)", function () {
    expect(findings("Hooks.sol", "boolean-constant").map((f) => f.function), summary("Hooks.sol")).to.deep.equal(["borrow"]);
  });

  it("unchecked-low-level-call: a call that moves no value, whose comment says the result is ignored on purpose, is low; without the comment, or sending ether, it stays medium (Numa's review)", function () {
    const got = findings("Notify.sol", "unchecked-low-level-call");
    expect(got.map((f) => [f.function, f.severity]).sort(), summary("Notify.sol")).to.deep.equal([
      ["notifyLoudly", "medium"],
      ["notifyQuietly", "low"],
      ["pay", "medium"],
    ]);
    expect(got.find((f) => f.function === "notifyQuietly")!.message).to.contain("ignored on purpose");
  });
});
