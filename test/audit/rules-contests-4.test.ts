/**
 * Rules from the first run on MagicSea, Velocimeter and Midas (Sherlock, 2024): a setting that starts outside the bound
 * its own setter enforces (`default-outside-bounds`, MagicSea M-3); and four false alarms the reviewer showed wrong —
 * a caller check an `if` runs (`if (type != X) _checkOwner();`, MagicSea's createRewarder), a privileged variable
 * copied from a contract the caller does not choose (`voter = IPairFactory(factory).voter()`, Velocimeter's Pair), a
 * token balance compared with a record only to return early (MagicSea's _updatePool) and a call through a local copy
 * of an address fixed at deployment (`address ve = voting_escrow;`, Velocimeter's RewardsDistributorV2). From Velocimeter H-8:
 * a swap-and-pop removal that clears the removed element's index before writing the moved one's (`swap-pop-index`).
 * From Midas H-1: a deny-list kept as an AccessControl role its holder renounces (`renounceable-denylist`). From Smilee's
 * review: an option's own `_mint` that takes the premium, and a `_burn(epoch, …)`, are no token mint or burn. From Smilee
 * M-3: an ERC-20 moved out with `transferFrom(address(this), …)` needs an allowance nothing grants (`self-transfer-from`).
 * From Velocimeter M-6: rewards streamed while nothing is staked go to no one (`idle-reward-period`). From Predict.fun's and
 * Saffron's first run: a check that the caller is a record's party is no privilege (`token-push-dos` on repay), an EIP-712
 * digest two helpers away, ether to a hard-coded protocol, and small private constants that are selectors. From Midas M-1: an
 * upgradeable base with state and no storage gap under heirs with state (`missing-storage-gap`). From Predict.fun M-8: an
 * EIP-712 type string that does not describe what the struct hash encodes (`typehash-mismatch`).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";

const CLONED = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// Templates deployed as EIP-1167 clones: their code never changes, so the base needs no gap.
abstract contract TemplateBase is Initializable {
    address public token;
}

contract StakeTemplate is TemplateBase {
    uint256 public totalStaked;

    function initialize(address token_) external initializer {
        token = token_;
    }
}

contract TemplateFactory {
    address public immutable implementation = address(new StakeTemplate());

    function create(address token) external returns (address clone) {
        clone = Clones.clone(implementation);
        StakeTemplate(clone).initialize(token);
    }
}
`;

const SELF_APPROVED = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
interface IERC20 {
    function approve(address spender, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// The contract approves itself once, so its transferFrom(address(this), …) has an allowance to spend.
contract SelfApproved {
    IERC20 public immutable token;

    constructor(IERC20 t) {
        token = t;
        t.approve(address(this), type(uint256).max);
    }

    function refund(address to, uint256 amount) external {
        require(token.transferFrom(address(this), to, amount), "refund");
    }
}
`;

const OVERRIDDEN = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// renounceRole refuses the blacklist role: listed accounts stay listed.
contract Listed is AccessControl {
    bytes32 public constant BLACKLISTED_ROLE = keccak256("BLACKLISTED_ROLE");
    mapping(address => uint256) public balances;

    function renounceRole(bytes32 role, address account) public override {
        require(role != BLACKLISTED_ROLE, "cannot leave the blacklist");
        super.renounceRole(role, account);
    }

    function move(address to, uint256 amount) external {
        require(!hasRole(BLACKLISTED_ROLE, msg.sender), "blacklisted");
        balances[msg.sender] -= amount;
        balances[to] += amount;
    }
}
`;

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const SOURCES: Record<string, string> = {
  "Bounds.sol": `${HEAD}
/// Starts above its setter's limit (declaration), below its minimum (constructor), above a bound written as \`if (…) revert\`
/// with the operands swapped (initializer); and one variable inside every bound.
contract Settings {
    uint256 public constant MAX_MULTIPLIER = 15000;
    uint256 public constant MIN_DELAY = 1 days;
    uint256 public multiplier = 20000;
    uint256 public delay;
    uint256 public fee;
    uint256 public cap = 100;
    address public owner;
    bool private initialised;

    constructor() {
        owner = msg.sender;
        delay = 1 hours;
    }

    function initialize() external {
        require(!initialised && msg.sender == owner, "once");
        initialised = true;
        fee = 1200;
    }

    function setMultiplier(uint256 m) external {
        require(msg.sender == owner, "owner");
        require(m <= MAX_MULTIPLIER, "too high");
        multiplier = m;
    }

    function setDelay(uint256 d) external {
        require(msg.sender == owner, "owner");
        if (d < MIN_DELAY) revert("too short");
        delay = d;
    }

    function setFee(uint256 f) external {
        require(msg.sender == owner, "owner");
        if (1000 < f) revert("fee");
        fee = f;
    }

    function setCap(uint256 c) external {
        require(msg.sender == owner && c >= 10 && c <= 1000, "cap");
        cap = c;
    }
}

/// The bound sits in a modifier: not looked at.
contract ModifierBound {
    uint256 public rate = 500;

    modifier atMost(uint256 v, uint256 max) {
        require(v <= max, "max");
        _;
    }

    function setRate(uint256 r) external atMost(r, 100) {
        rate = r;
    }
}
`,
  "Access.sol": `${HEAD}
interface IRewarder {
    function initialize(address owner) external;
}

interface IFactory {
    function voter() external view returns (address);
}

abstract contract Owned {
    address public owner;

    function _checkOwner() internal view {
        if (msg.sender != owner) revert("not owner");
    }
}

/// Restricted but for one rewarder type: the owner check runs under an if.
contract RewarderFactory is Owned {
    enum Kind { Invalid, Farm, Open }
    mapping(address => uint256) public nonces;
    address[] public rewarders;

    constructor() {
        owner = msg.sender;
    }

    /// @dev Creates a rewarder. Only the owner can call this function, except for open rewarders.
    function createRewarder(Kind kind, address impl) external returns (address r) {
        if (kind != Kind.Open) _checkOwner();
        nonces[msg.sender]++;
        r = impl;
        rewarders.push(r);
    }

    /// @dev Creates a rewarder. Only the owner can call this function.
    function createUnchecked(address impl) external returns (address r) {
        nonces[msg.sender]++;
        r = impl;
        rewarders.push(r);
    }
}

/// The voter is copied from the factory that deployed the pair; the second setter takes the caller's value.
contract Pair {
    address public immutable factory;
    address public voter;
    address public owner;

    constructor() {
        factory = msg.sender;
        owner = msg.sender;
    }

    function setVoter() public {
        voter = IFactory(factory).voter();
    }

    function setOwner(address o) public {
        owner = o;
    }
}
`,
  "Roles.sol": `${HEAD}
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// The project's role registry: OpenZeppelin's AccessControl, renounceRole untouched.
contract Registry is AccessControl {
    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }
}

/// Midas's shape: a modifier passes the role to a helper that asks the registry.
abstract contract WithRegistry {
    bytes32 public constant BLACKLISTED_ROLE = keccak256("BLACKLISTED_ROLE");
    bytes32 public constant PAUSED_ROLE = keccak256("PAUSED_ROLE");
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    AccessControl public registry;

    modifier onlyNotRole(bytes32 role, address account) {
        _onlyNotRole(role, account);
        _;
    }

    function _onlyNotRole(bytes32 role, address account) internal view {
        require(!registry.hasRole(role, account), "has role");
    }
}

contract Vault is WithRegistry {
    mapping(address => uint256) public balances;

    function deposit() external payable onlyNotRole(BLACKLISTED_ROLE, msg.sender) {
        balances[msg.sender] += msg.value;
    }

    function move(address to, uint256 amount) external {
        if (registry.hasRole(PAUSED_ROLE, msg.sender)) revert("paused");
        balances[msg.sender] -= amount;
        balances[to] += amount;
    }

    function mint(address to, uint256 amount) external {
        require(registry.hasRole(MINTER_ROLE, msg.sender), "minter");
        balances[to] += amount;
    }
}
`,
  "Pair.sol": `${HEAD}
interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// A Uniswap-v2-style burn pays out its own tokens (local copies, as Solidly's pair does) through a low-level
/// _safeTransfer before updating the reserves a price view reads; sweep() pays out a token the caller names the same way.
contract Pair {
    address public immutable token0;
    address public immutable token1;
    uint256 public reserve0;
    uint256 public reserve1;
    mapping(address => uint256) public shares;
    uint256 public totalShares;

    constructor(address a, address b) {
        token0 = a;
        token1 = b;
    }

    function price() external view returns (uint256) {
        return (reserve1 * 1e18) / reserve0;
    }

    function burn(address to) external {
        uint256 s = shares[msg.sender];
        uint256 amount0 = (reserve0 * s) / totalShares;
        uint256 amount1 = (reserve1 * s) / totalShares;
        (address t0, address t1) = (token0, token1);
        _safeTransfer(t0, to, amount0);
        _safeTransfer(t1, to, amount1);
        shares[msg.sender] = 0;
        totalShares -= s;
        reserve0 -= amount0;
        reserve1 -= amount1;
    }

    function sweep(address token, uint256 amount) external {
        _safeTransfer(token, msg.sender, amount);
        reserve0 -= amount;
    }

    function _safeTransfer(address token, address to, uint256 value) internal {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(IToken.transfer.selector, to, value));
        require(ok && (data.length == 0 || abi.decode(data, (bool))), "transfer");
    }
}
`,
  "Lists.sol": `${HEAD}
/// Three removals: the clear first with a delete and a local copy of the last element (reported), the same under a
/// guard that skips the last element (not reported), and the clear last (not reported).
contract Lists {
    address[] public members;
    mapping(address => uint256) public slot;

    function removeEarly(address m) external {
        uint256 i = slot[m] - 1;
        delete slot[m];
        address last = members[members.length - 1];
        members[i] = members[members.length - 1];
        slot[last] = i + 1;
        members.pop();
    }

    function removeGuarded(address m) external {
        uint256 i = slot[m] - 1;
        uint256 lastIndex = members.length - 1;
        slot[m] = 0;
        if (i != lastIndex) {
            members[i] = members[lastIndex];
            slot[members[i]] = i + 1;
        }
        members.pop();
    }

    function removeLate(address m) external {
        uint256 i = slot[m] - 1;
        members[i] = members[members.length - 1];
        slot[members[i]] = i + 1;
        slot[m] = 0;
        members.pop();
    }
}
`,
  "Options.sol": `${HEAD}
interface IERC20 {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// Smilee's shape: an option's mint takes the premium from the caller inside the project's own _mint, and its burn
/// closes a position the caller holds (the first argument is an epoch); freeMint() creates tokens for nothing.
contract Options {
    IERC20 public immutable baseToken;
    mapping(bytes32 => uint256) public positions;
    mapping(address => uint256) public balanceOf;

    constructor(IERC20 t) {
        baseToken = t;
    }

    function mint(address recipient, uint256 strike, uint256 amount) external returns (uint256) {
        return _mint(recipient, strike, amount);
    }

    function burn(uint256 epoch, address recipient, uint256 amount) external returns (uint256) {
        return _burn(epoch, recipient, amount);
    }

    function freeMint(address to, uint256 amount) external {
        _mintToken(to, amount);
    }

    function _mint(address recipient, uint256 strike, uint256 amount) internal returns (uint256 premium) {
        premium = (amount * strike) / 1e18;
        require(baseToken.transferFrom(msg.sender, address(this), premium), "premium");
        positions[keccak256(abi.encode(recipient, strike))] += amount;
    }

    function _burn(uint256 epoch, address recipient, uint256 amount) internal returns (uint256) {
        bytes32 id = keccak256(abi.encode(msg.sender, epoch));
        positions[id] -= amount;
        recipient;
        return amount;
    }

    function _mintToken(address to, uint256 amount) internal {
        balanceOf[to] += amount;
    }
}

/// A plain token whose mint anyone can call: still reported.
contract Token {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _mint(address to, uint256 amount) internal {
        balanceOf[to] += amount;
    }
}
`,
  "Refunds.sol": `${HEAD}
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IERC721 {
    function transferFrom(address from, address to, uint256 tokenId) external;
}

/// An ERC-20 moved out with transferFrom(address(this), …) (reported); an NFT the contract owns moved the same way (not).
contract Refunds {
    IERC20 public immutable token;
    IERC721 public immutable nft;

    constructor(IERC20 t, IERC721 n) {
        token = t;
        nft = n;
    }

    function refund(address to, uint256 amount) external {
        require(token.transferFrom(address(this), to, amount), "refund");
    }

    function release(address to, uint256 id) external {
        nft.transferFrom(address(this), to, id);
    }
}
`,
  "Gauges.sol": `${HEAD}
/// Velocimeter's shape: per-token accumulators checkpointed through a tuple (reported at notifyRewardAmount); the same
/// gauge whose checkpoint returns early while nothing is staked (not reported).
contract Gauge {
    uint256 public derivedSupply;
    mapping(address => uint256) public rewardRate;
    mapping(address => uint256) public periodFinish;
    mapping(address => uint256) public lastUpdateTime;
    mapping(address => uint256) public rewardPerTokenStored;

    function lastTimeRewardApplicable(address token) public view returns (uint256) {
        return block.timestamp < periodFinish[token] ? block.timestamp : periodFinish[token];
    }

    function rewardPerToken(address token) public view returns (uint256) {
        if (derivedSupply == 0) {
            return rewardPerTokenStored[token];
        }
        return rewardPerTokenStored[token] + ((lastTimeRewardApplicable(token) - lastUpdateTime[token]) * rewardRate[token] * 1e18) / derivedSupply;
    }

    function _update(address token) internal view returns (uint256, uint256) {
        return (rewardPerToken(token), lastTimeRewardApplicable(token));
    }

    function notifyRewardAmount(address token, uint256 amount) external {
        (rewardPerTokenStored[token], lastUpdateTime[token]) = _update(token);
        rewardRate[token] = amount / 1 weeks;
        periodFinish[token] = block.timestamp + 1 weeks;
    }
}

contract WaitingGauge {
    uint256 public derivedSupply;
    uint256 public rewardRate;
    uint256 public periodFinish;
    uint256 public lastUpdateTime;
    uint256 public rewardPerTokenStored;

    function rewardPerToken() public view returns (uint256) {
        if (derivedSupply == 0) {
            return rewardPerTokenStored;
        }
        return rewardPerTokenStored + ((block.timestamp - lastUpdateTime) * rewardRate * 1e18) / derivedSupply;
    }

    function notifyRewardAmount(uint256 amount) external {
        if (derivedSupply == 0) return;
        rewardPerTokenStored = rewardPerToken();
        lastUpdateTime = block.timestamp;
        rewardRate = amount / 1 weeks;
        periodFinish = block.timestamp + 1 weeks;
    }
}
`,
  "Loans.sol": `${HEAD}
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

interface ILido {
    function submit(address referral) external payable returns (uint256);
}

interface IQueue {
    function claimWithdrawal(uint256 id) external;
}

/// Predict.fun's shapes: repay is open to the loan's borrower (a party of the record, not a privilege) and pays the
/// lender straight from the caller; an offer is signed as EIP-712 typed data through two helpers. Saffron's: ether staked
/// into a hard-coded Lido, and a balance measured around a claim from its hard-coded withdrawal queue. And side
/// selectors kept as private constants.
contract Loans is EIP712 {
    using SafeERC20 for IERC20;

    struct Loan {
        address borrower;
        address lender;
        uint256 debt;
        bool active;
    }

    struct Offer {
        address from;
        uint256 amount;
        uint256 nonce;
        bytes signature;
    }

    ILido public constant LIDO = ILido(0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84);
    IQueue public constant QUEUE = IQueue(0x889edC2eDab5f40e902b864aD4d7AdE8E412F9B1);
    uint256 private constant FIXED = 0;
    uint256 private constant VARIABLE = 1;
    IERC20 public immutable token;
    mapping(uint256 => Loan) public loans;
    mapping(address => uint256) public nonces;
    mapping(address => uint256) public staked;
    mapping(uint256 => uint256) public sideTotal;
    uint256 public claimed;

    constructor(IERC20 t) EIP712("Loans", "1") {
        token = t;
    }

    function repay(uint256 id) external {
        Loan storage loan = loans[id];
        _assertCaller(loan.borrower);
        require(loan.active, "inactive");
        loan.active = false;
        token.safeTransferFrom(msg.sender, loan.lender, loan.debt);
    }

    function accept(Offer calldata offer, uint256 id) external {
        _take(offer);
        loans[id] = Loan(msg.sender, offer.from, offer.amount, true);
    }

    function deposit(uint256 side) external payable {
        require(side == FIXED || side == VARIABLE, "side");
        uint256 shares = LIDO.submit{value: msg.value}(address(0));
        staked[msg.sender] += shares;
        sideTotal[side] += shares;
    }

    function unstake(uint256 side) external {
        uint256 shares = staked[msg.sender];
        staked[msg.sender] = 0;
        sideTotal[side] -= shares;
    }

    function claim(uint256 requestId) external {
        uint256 before = address(this).balance;
        QUEUE.claimWithdrawal(requestId);
        uint256 got = address(this).balance - before;
        claimed += got;
    }

    function hashOffer(Offer calldata offer) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(keccak256("Offer(address from,uint256 amount,uint256 nonce)"), offer.from, offer.amount, offer.nonce)));
    }

    function _take(Offer calldata offer) internal {
        require(offer.nonce == nonces[offer.from]++, "nonce");
        bytes32 digest = hashOffer(offer);
        _assertSigned(digest, offer.from, offer.signature);
    }

    function _assertSigned(bytes32 digest, address signer, bytes calldata signature) internal view {
        require(SignatureChecker.isValidSignatureNow(signer, digest, signature), "signature");
    }

    function _assertCaller(address who) internal view {
        if (who != msg.sender) revert("not yours");
    }

    receive() external payable {}
}
`,
  "Upgrades.sol": `${HEAD}
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

/// Four upgradeable bases: state and no gap under a child with state (reported); the same with a gap, in an ERC-7201
/// namespace, or under a child without state of its own (not reported); and a plain base with no initializer (not).
abstract contract NoGap is Initializable {
    address public accessControl;
}

abstract contract WithGap is Initializable {
    address public receiver;
    uint256[49] private __gap;
}

/// @custom:storage-location erc7201:example.main
abstract contract Namespaced is Initializable {
    address public unusedSlot;
}

abstract contract Plain {
    uint256 public fee;
}

contract Child is NoGap, WithGap, Namespaced, Plain {
    uint256 public total;

    function initialize() external initializer {
        total = 1;
    }
}

abstract contract Lonely is Initializable {
    uint256 public value;
}

contract Stateless is Lonely {
    function initialize() external initializer {
        value = 1;
    }
}
`,
  "Deviation.sol": `${HEAD}
/// Midas' deviation: the division is already last, and \`deviation * -1\` only takes the absolute value (not reported);
/// a quotient scaled up afterwards is (reported).
contract Deviation {
    function deviation(int256 newPrice, int256 lastPrice, uint8 decimals) external pure returns (uint256) {
        int256 one = int256(10 ** decimals);
        int256 d = ((newPrice - lastPrice) * one * 100) / lastPrice;
        d = d < 0 ? d * -1 : d;
        return uint256(d);
    }

    function share(uint256 amount, uint256 total, uint256 weight) external pure returns (uint256) {
        uint256 part = amount / total;
        return part * weight;
    }
}
`,
  "Typed.sol": `${HEAD}
/// Five struct hashes: a member missing from the encoding (reported); a string, a nested struct's hash, an enum, an
/// address and a static struct passed whole, each encoded as EIP-712 says (not reported).
contract Typed {
    enum Side { Buy, Sell }

    bytes32 constant PERSON_TYPEHASH = keccak256("Person(address wallet,string name)");
    bytes32 constant MAIL_TYPEHASH = keccak256("Mail(Person from,string contents,uint8 side,uint256 nonce)Person(address wallet,string name)");

    struct Token {
        address implem;
        uint256 id;
    }

    bytes32 constant TOKEN_TYPEHASH = keccak256("Token(address implem,uint256 id)");

    function token(Token memory t) external pure returns (bytes32) {
        return keccak256(abi.encode(TOKEN_TYPEHASH, t));
    }

    function short(address wallet, uint256 nonce) external pure returns (bytes32) {
        return keccak256(abi.encode(keccak256("Order(address wallet,uint256 amount,uint256 nonce)"), wallet, nonce));
    }

    function person(address wallet, string calldata name) public pure returns (bytes32) {
        return keccak256(abi.encode(PERSON_TYPEHASH, wallet, keccak256(bytes(name))));
    }

    function mail(address wallet, string calldata name, string calldata contents, Side side, uint256 nonce) external pure returns (bytes32) {
        return keccak256(abi.encode(MAIL_TYPEHASH, person(wallet, name), keccak256(bytes(contents)), side, nonce));
    }
}
`,
  "Balances.sol": `${HEAD}
interface IERC20 {
    function balanceOf(address who) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}

interface IEscrow {
    function checkpoint() external;
    function supplyAt(uint256 t) external view returns (uint256);
}

/// A donated reward token only moves the pool past the early return: it is counted like any reward.
contract Staking {
    IERC20 public immutable rewardToken;
    uint256 public lastRewardBalance;
    uint256 public accPerShare;
    uint256 public staked;

    constructor(IERC20 t) {
        rewardToken = t;
    }

    function updatePool() external {
        uint256 balance = rewardToken.balanceOf(address(this));
        if (balance == lastRewardBalance || staked == 0) {
            return;
        }
        accPerShare += ((balance - lastRewardBalance) * 1e12) / staked;
        lastRewardBalance = balance;
    }

    function strictSync() external {
        if (rewardToken.balanceOf(address(this)) != lastRewardBalance) revert("out of sync");
        accPerShare += 1;
    }
}

/// The escrow is set once, by the constructor, and called through a local copy.
contract Distributor {
    address public votingEscrow;
    uint256 public timeCursor;
    mapping(uint256 => uint256) public supply;

    constructor(address ve_) {
        votingEscrow = ve_;
    }

    function checkpointTotalSupply() external {
        address ve = votingEscrow;
        uint256 t = timeCursor;
        IEscrow(ve).checkpoint();
        supply[t] = IEscrow(ve).supplyAt(t);
        timeCursor = t + 1 weeks;
    }
}
`,
};

describe("audit: rules from the first run on MagicSea, Velocimeter and Midas", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-c4-", SOURCES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["Access.sol", "compiled"],
      ["Balances.sol", "compiled"],
      ["Bounds.sol", "compiled"],
      ["Deviation.sol", "compiled"],
      ["Gauges.sol", "compiled"],
      ["Lists.sol", "compiled"],
      ["Loans.sol", "compiled"],
      ["Options.sol", "compiled"],
      ["Pair.sol", "compiled"],
      ["Refunds.sol", "compiled"],
      ["Roles.sol", "compiled"],
      ["Typed.sol", "compiled"],
      ["Upgrades.sol", "compiled"],
    ]);
  });

  it("default-outside-bounds: a starting value (declaration, constructor, initializer) its setter's own check refuses is reported with both lines; values inside every bound and a bound in a modifier are not", function () {
    const got = findings("Bounds.sol", "default-outside-bounds");
    expect(got.map((f) => f.function).sort(), summary("Bounds.sol")).to.deep.equal(["setDelay", "setFee", "setMultiplier"]);
    const multiplier = got.find((f) => f.function === "setMultiplier")!;
    expect(multiplier).to.include({ severity: "medium", confidence: "medium", category: "other" });
    expect(multiplier.lines).to.include.members([lineOf("Bounds.sol", "uint256 public multiplier = 20000;"), lineOf("Bounds.sol", "require(m <= MAX_MULTIPLIER")]);
    expect(multiplier.message).to.contain("multiplier starts at 20000").and.contain("m <= 15000");
    const delay = got.find((f) => f.function === "setDelay")!;
    expect(delay.lines).to.include(lineOf("Bounds.sol", "delay = 1 hours;"));
    expect(delay.message).to.contain("starts at 3600").and.contain("d >= 86400");
    // `if (1000 < f) revert` reads as f <= 1000; the initializer's 1200 breaks it
    const fee = got.find((f) => f.function === "setFee")!;
    expect(fee.lines).to.include(lineOf("Bounds.sol", "fee = 1200;"));
    expect(fee.message).to.contain("f <= 1000");
  });

  it("renounceable-denylist: a role a guard refuses (through a modifier's and a helper's parameters, or `if (hasRole(…)) revert`) in an AccessControl whose renounceRole is untouched is reported where the code names it; a role a guard requires is not", async function () {
    const got = findings("Roles.sol", "renounceable-denylist");
    expect(got.map((f) => [f.function, f.severity]), summary("Roles.sol")).to.deep.equal([
      ["deposit", "high"],
      ["move", "medium"],
    ]);
    expect(got[0]!.lines).to.include(lineOf("Roles.sol", "function deposit() external payable onlyNotRole(BLACKLISTED_ROLE"));
    expect(got[0]!.message).to.contain("BLACKLISTED_ROLE").and.contain("renounceRole(BLACKLISTED_ROLE, itself)");
    expect(got[1]!.lines).to.include(lineOf("Roles.sol", "if (registry.hasRole(PAUSED_ROLE"));
    // a project that overrides renounceRole may refuse the deny role: not reported
    const own = await scanSources("audit-rules-c4-own-", { "Listed.sol": OVERRIDDEN });
    try {
      expect(own.result.files.map((f) => f.status)).to.deep.equal(["compiled"]);
      expect(own.result.findings.filter((f) => f.detector === "renounceable-denylist")).to.deep.equal([]);
    } finally {
      rmSync(own.dir, { recursive: true, force: true });
    }
  });

  it("swap-pop-index: a removal that clears the removed entry (= 0 or delete) before writing the moved element's (read directly or through a local) is reported; one that skips the last element with an if, or clears last, is not", function () {
    const got = findings("Lists.sol", "swap-pop-index");
    expect(got.map((f) => f.function), summary("Lists.sol")).to.deep.equal(["removeEarly"]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Lists.sol", "delete slot[m];"), lineOf("Lists.sol", "slot[last] = i + 1;")]);
    expect(got[0]!).to.include({ severity: "medium", category: "other" });
  });

  it("unprotected-mint/burn: a project's own _mint that takes payment from the caller, and a _burn whose first argument is no account, are not token mints; a free token mint still is (Smilee's review)", function () {
    const got = [...findings("Options.sol", "unprotected-mint"), ...findings("Options.sol", "unprotected-burn")];
    expect(got.map((f) => `${f.contract}.${f.function}`), summary("Options.sol")).to.deep.equal(["Token.mint"]);
  });

  it("self-transfer-from: an ERC-20 transferFrom from address(this) is reported; an NFT's, and one in a project that approves itself, are not (Smilee M-3)", async function () {
    const got = findings("Refunds.sol", "self-transfer-from");
    expect(got.map((f) => [f.function, f.severity, f.category]), summary("Refunds.sol")).to.deep.equal([["refund", "medium", "denial_of_service"]]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Refunds.sol", "token.transferFrom(address(this), to, amount)")]);
    const own = await scanSources("audit-rules-c4-self-", { "SelfApproved.sol": SELF_APPROVED });
    try {
      expect(own.result.files.map((f) => f.status)).to.deep.equal(["compiled"]);
      expect(own.result.findings.filter((f) => f.detector === "self-transfer-from")).to.deep.equal([]);
    } finally {
      rmSync(own.dir, { recursive: true, force: true });
    }
  });

  it("idle-reward-period: per-token accumulators checkpointed through a tuple are reported at the function that starts a period; a checkpoint that returns early while nothing is staked is not (Velocimeter M-6)", function () {
    const got = findings("Gauges.sol", "idle-reward-period");
    expect(got.map((f) => `${f.contract}.${f.function}`), summary("Gauges.sol")).to.deep.equal(["Gauge.rewardPerToken"]);
    expect(got[0]!.lines).to.deep.equal([lineOf("Gauges.sol", "if (derivedSupply == 0) {"), lineOf("Gauges.sol", "function notifyRewardAmount(address token, uint256 amount)")]);
    expect(got[0]!).to.include({ severity: "medium", confidence: "low", category: "defi_accounting" });
  });

  it("from Predict.fun's and Saffron's first run: a repay only the loan's borrower calls still pushes to the lender (token-push-dos); an EIP-712 digest two helpers away is bound to the chain; ether to a hard-coded protocol and a balance around its claim are low; small private constants are selectors", function () {
    expect(findings("Loans.sol", "token-push-dos").map((f) => f.function), summary("Loans.sol")).to.deep.equal(["repay"]);
    expect(findings("Loans.sol", "signature-replay"), summary("Loans.sol")).to.deep.equal([]);
    const reentrant = findings("Loans.sol", "reentrancy").filter((f) => f.function === "deposit");
    expect(reentrant.map((f) => f.severity), summary("Loans.sol")).to.deep.equal(["low"]);
    expect(reentrant[0]!.message).to.contain("an address written into the code");
    expect(findings("Loans.sol", "reentrancy-balance").map((f) => [f.function, f.severity]), summary("Loans.sol")).to.deep.equal([["claim", "low"]]);
    expect(findings("Loans.sol", "private-data-on-chain"), summary("Loans.sol")).to.deep.equal([]);
  });

  it("missing-storage-gap: an upgradeable base with state, no gap and an heir with state is reported (medium, low confidence); with a gap, an ERC-7201 namespace, no initializer, or no heir with state it is not (Midas M-1)", function () {
    const got = findings("Upgrades.sol", "missing-storage-gap");
    expect(got.map((f) => f.contract), summary("Upgrades.sol")).to.deep.equal(["NoGap"]);
    expect(got[0]!).to.include({ severity: "medium", confidence: "low", category: "other" });
    expect(got[0]!.lines).to.deep.equal([lineOf("Upgrades.sol", "abstract contract NoGap"), lineOf("Upgrades.sol", "address public accessControl;")]);
    expect(got[0]!.message).to.contain("Child inherits it and declares state of its own");
  });

  it("missing-storage-gap: not for a base whose heirs the project deploys as EIP-1167 clones (our economy templates)", async function () {
    const own = await scanSources("audit-rules-c4-clones-", { "Templates.sol": CLONED });
    try {
      expect(own.result.files.map((f) => f.status)).to.deep.equal(["compiled"]);
      expect(own.result.findings.filter((f) => f.detector === "missing-storage-gap")).to.deep.equal([]);
    } finally {
      rmSync(own.dir, { recursive: true, force: true });
    }
  });

  it("divide-before-multiply: a quotient multiplied by -1 (an absolute value) is not reported; one multiplied by a weight is (Midas minter/redeemer's review)", function () {
    expect(findings("Deviation.sol", "divide-before-multiply").map((f) => f.function), summary("Deviation.sol")).to.deep.equal(["share"]);
  });

  it("typehash-mismatch: a struct hash that encodes fewer members than its type string names is reported; hashed strings, a nested struct's hash and an enum as uint8 are not (Predict.fun M-8)", function () {
    const got = findings("Typed.sol", "typehash-mismatch");
    expect(got.map((f) => f.function), summary("Typed.sol")).to.deep.equal(["short"]);
    expect(got[0]!.message).to.contain("the type string names 3 members, the encoding has 2");
  });

  it("access-control: an owner check an `if` runs restricts the function (a documented exception is not a missing check); the same promise with no check is still reported", function () {
    expect(findings("Access.sol", "access-control").map((f) => f.function), summary("Access.sol")).to.deep.equal(["createUnchecked"]);
  });

  it("unprotected-owner-setter: a privileged variable copied from a contract fixed at deployment is not the caller's choice; one set from the caller's argument is reported", function () {
    expect(findings("Access.sol", "unprotected-owner-setter").map((f) => f.function), summary("Access.sol")).to.deep.equal(["setOwner"]);
  });

  it("forced-ether-balance: a token balance compared with a record only to return early is not a block; compared to revert it is", function () {
    expect(findings("Balances.sol", "forced-ether-balance").map((f) => f.function), summary("Balances.sol")).to.deep.equal(["strictSync"]);
  });

  it("read-only-reentrancy: a pair's own tokens paid out through its low-level _safeTransfer before the reserves update is low (a hook-less ERC-20 calls no one); a token the caller names stays medium", function () {
    const got = findings("Pair.sol", "read-only-reentrancy");
    expect(got.map((f) => [f.function, f.severity]).sort(), summary("Pair.sol")).to.deep.equal([
      ["burn", "low"],
      ["sweep", "medium"],
    ]);
    expect(got.find((f) => f.function === "burn")!.message).to.contain("a token the caller does not choose");
  });

  it("reentrancy: a call through a local copy of an address only the constructor sets is the deployer's choice (low), not a medium", function () {
    const got = findings("Balances.sol", "reentrancy").filter((f) => f.function === "checkpointTotalSupply");
    expect(got.map((f) => f.severity), summary("Balances.sol")).to.deep.equal(["low"]);
    expect(got[0]!.message).to.contain("the deployer or an admin chose");
  });
});
