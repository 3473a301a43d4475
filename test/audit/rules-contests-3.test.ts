/**
 * Rules from the misses of the Sherlock contests read so far (Cooler, Teller v2, Bond options): a payment the caller
 * makes that the contract pushes to the other party of a stored record (a loan's lender, an option's receiver) reverts
 * for the caller when the token blocks that party (USDC, USDT), so the borrower cannot repay and defaults
 * (`token-push-dos`). From Derby's reviewed first run: a balance difference around a call that the function only checks
 * against the amount asked for, sends back to its caller or returns is recorded nowhere, so a re-entrant double count
 * reverts or pays the caller what arrived (`reentrancy-balance` low). From Derby's misses: `int256(a - b)` of unsigned
 * values reverts where a negative difference was wanted, and `uint256(x)` of a signed x nothing compares with zero wraps a
 * negative value to a huge one (`unsafe-sign-cast`). From the L2 misses (Bond, Blueberry, Tokensoft, GFX): a Chainlink
 * price read on a rollup the project deploys to (`--chains`) without the sequencer-uptime feed (`oracle-sequencer-uptime`).
 * From Real Wagmi H-4 and Convergence M-5: a minimum output computed from an on-chain quote of the pool in the same
 * transaction (`quoter.quoteExactInputSingle`, Curve's `get_dy`) protects nothing (`missing-slippage`). From GFX M-2 and
 * Bond options M-10: a share that rounds to 0 sent to a token that reverts on zero transfers (`zero-transfer-revert`, low).
 * From Iron Bank M-1: the Feed Registry's two-argument `latestRoundData(base, quote)` is a Chainlink read too. From the
 * reviews of Jala Swap and Napier: a token balance compared with zero for an early `return` blocks nothing, and a call
 * into a contract an internal helper just deployed re-enters nothing. From Winnables' misses: a cross-chain message anyone
 * sends to a destination they name (`cross-chain-destination`), and a role setter whose `status` only reaches the event
 * (`ignored-flag`).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";
import path from "node:path";
import { runAudit } from "../../audit/scan";
import { AuditChainError, parseChains, sequencerChains } from "../../audit/chains";
import { loadLabelledSets } from "../../bench/audit/labelled";

const HEAD = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n";

const ERC20 = `
interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

library SafeERC20 {
    function safeTransfer(IERC20 token, address to, uint256 amount) internal {
        require(token.transfer(to, amount), "transfer");
    }

    function safeTransferFrom(IERC20 token, address from, address to, uint256 amount) internal {
        require(token.transferFrom(from, to, amount), "transferFrom");
    }
}
`;

const SOURCES: Record<string, string> = {
  "Pushes.sol": `${HEAD}${ERC20}
interface IERC721 {
    function transferFrom(address from, address to, uint256 id) external;
    function ownerOf(uint256 id) external view returns (address);
}

interface IOption {
    function parameters() external view returns (IERC20 quote, address receiver, uint256 strike);
}

/// Repayments go straight to the lender a getter names (through its named return variable), with SafeERC20.
contract Bids {
    using SafeERC20 for IERC20;

    struct Bid {
        address borrower;
        address lender;
        IERC20 token;
        uint256 owed;
    }

    mapping(uint256 => Bid) public bids;

    function getLender(uint256 id) public view returns (address lender_) {
        lender_ = bids[id].lender;
    }

    function repay(uint256 id, uint256 amount) external {
        bids[id].owed -= amount;
        _pay(id, amount);
    }

    function _pay(uint256 id, uint256 amount) internal {
        address lender = getLender(id);
        bids[id].token.safeTransferFrom(msg.sender, lender, amount);
    }
}

/// The strike is pulled from the holder and forwarded to the receiver another contract's record names.
contract Options {
    using SafeERC20 for IERC20;

    function exercise(IOption option, uint256 amount) external {
        (IERC20 quote, address receiver, uint256 strike) = option.parameters();
        uint256 cost = amount * strike;
        quote.safeTransferFrom(msg.sender, address(this), cost);
        quote.safeTransfer(receiver, cost);
    }
}

/// Things that are not a push of the caller's payment to someone else's record.
contract NotPushes {
    using SafeERC20 for IERC20;

    struct Loan {
        address borrower;
        address lender;
        IERC20 debt;
        IERC20 collateral;
        uint256 amount;
        uint256 collateralAmount;
    }

    struct Position {
        address beneficiary;
        uint256 amount;
    }

    mapping(uint256 => Loan) public loans;
    mapping(address => Position) public positions;
    Loan[] public queue;
    address public owner = msg.sender;
    IERC721 public nft;

    /// the collateral goes back to the borrower: the caller's payment goes into the contract
    function repay(uint256 id) external {
        Loan storage loan = loans[id];
        loan.debt.safeTransferFrom(msg.sender, address(this), loan.amount);
        loan.collateral.safeTransfer(loan.borrower, loan.collateralAmount);
    }

    /// the caller's own record names where their payment goes
    function fund(IERC20 token, uint256 amount) external {
        token.safeTransferFrom(msg.sender, positions[msg.sender].beneficiary, amount);
    }

    /// only the owner settles
    function settle(uint256 id) external {
        require(msg.sender == owner, "owner");
        Loan storage loan = loans[id];
        loan.debt.safeTransferFrom(msg.sender, loan.lender, loan.amount);
    }

    /// the lender themselves pays (themself)
    function topUp(uint256 id) external {
        Loan storage loan = loans[id];
        require(msg.sender == loan.lender, "lender");
        loan.debt.safeTransferFrom(msg.sender, loan.lender, 1);
    }

    /// an NFT has no blocklist
    function deliver(uint256 id, uint256 tokenId) external {
        nft.transferFrom(msg.sender, loans[id].lender, tokenId);
    }

    /// payments in a loop are calls-in-loop's
    function repayAll() external {
        for (uint256 i = 0; i < queue.length; i++) {
            queue[i].debt.safeTransferFrom(msg.sender, queue[i].lender, queue[i].amount);
        }
    }
}
`,
  "Providers.sol": `${HEAD}${ERC20}
interface IPool {
    function join(uint256 amount) external;
    function exit(uint256 shares) external;
}

/// A provider that holds nothing between calls: what arrives is checked or handed straight back to the caller.
contract Provider {
    using SafeERC20 for IERC20;

    function deposit(uint256 amount, IPool pool, IERC20 underlying, IERC20 shares) external returns (uint256) {
        uint256 balanceBefore = underlying.balanceOf(address(this));
        underlying.safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = underlying.balanceOf(address(this));
        require(balanceAfter - balanceBefore == amount, "deposit");

        uint256 sharesBefore = shares.balanceOf(address(this));
        pool.join(amount);
        uint256 received = shares.balanceOf(address(this)) - sharesBefore;
        shares.safeTransfer(msg.sender, received);
        return received;
    }
}

/// A vault that books what arrived: a re-entrant deposit is counted twice.
contract BookingVault {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    mapping(address => uint256) public credit;

    constructor(IERC20 t) { token = t; }

    function deposit(uint256 amount) external {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        credit[msg.sender] += received;
    }
}
`,
  "Signs.sol": `${HEAD}
interface IFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

contract Signs {
    mapping(uint256 => uint256) public last;
    int256 public total;
    uint256 public paid;
    IFeed public feed;

    function diff(uint256 id, uint256 price) external {
        total += int256(price - last[id]);
    }

    function pay(int256 amount) external {
        paid += uint256(amount);
    }

    function wrapped(uint256 a, uint256 b) external pure returns (int256) {
        unchecked {
            return int256(a - b);
        }
    }

    function compared(uint256 a, uint256 b) external pure returns (int256) {
        if (a < b) return -int256(b - a);
        return int256(a - b);
    }

    function minusOne(uint256 a) external pure returns (int256) {
        return int256(a - 1);
    }

    function checkedSign(int256 x) external pure returns (uint256) {
        require(x >= 0, "negative");
        return uint256(x);
    }

    function ternary(int256 x) external pure returns (uint256) {
        return x > 0 ? uint256(x) : 0;
    }

    function negated(int256 x) external pure returns (uint256) {
        if (x < 0) return uint256(-x);
        return 0;
    }

    uint256 public margin;
    mapping(uint256 => bool) public seen;

    function settle(int256 fees) external {
        margin = int256(margin) > fees ? uint256(int256(margin) + fees) : 0;
    }

    function mark(int256 key) external {
        seen[uint256(key)] = true;
    }

    function price() external view returns (uint256) {
        (, int256 answer, , , ) = feed.latestRoundData();
        return uint256(answer);
    }
}
`,
  "Zero.sol": `${HEAD}${ERC20}
/// Shares of a pot paid out: a division that rounds to 0 for small holders.
contract Pot {
    using SafeERC20 for IERC20;

    IERC20 public token;
    uint256 public total;
    mapping(address => uint256) public shares;
    address public owner = msg.sender;

    function claim() external {
        uint256 owed = (token.balanceOf(address(this)) * shares[msg.sender]) / total;
        shares[msg.sender] = 0;
        token.safeTransfer(msg.sender, owed);
    }

    function claimChecked() external {
        uint256 owed = (token.balanceOf(address(this)) * shares[msg.sender]) / total;
        require(owed > 0, "nothing");
        shares[msg.sender] = 0;
        token.safeTransfer(msg.sender, owed);
    }

    function claimIf() external {
        uint256 owed = (token.balanceOf(address(this)) * shares[msg.sender]) / total;
        shares[msg.sender] = 0;
        if (owed != 0) token.safeTransfer(msg.sender, owed);
    }

    function sweep(address to) external {
        require(msg.sender == owner, "owner");
        uint256 half = token.balanceOf(address(this)) / 2;
        token.safeTransfer(to, half);
    }
}
`,
  "Registry.sol": `${HEAD}
interface FeedRegistryInterface {
    function latestRoundData(address base, address quote) external view returns (uint80, int256, uint256, uint256, uint80);
}

/// Prices from Chainlink's Feed Registry (latestRoundData(base, quote)).
contract RegistryOracle {
    FeedRegistryInterface public registry;
    address public owner = msg.sender;
    mapping(address => address) public baseOf;

    function price(address asset) external view returns (uint256) {
        (, int256 answer, , , ) = registry.latestRoundData(baseOf[asset], address(840));
        require(answer > 0, "invalid price");
        return uint256(answer);
    }

    /// the owner checks that a feed answers before using it: a probe, not a price
    function setBase(address asset, address base) external {
        require(msg.sender == owner, "owner");
        (, int256 answer, , , ) = registry.latestRoundData(base, address(840));
        require(answer > 0, "feed not working");
        baseOf[asset] = base;
    }
}
`,
  "Balances.sol": `${HEAD}${ERC20}
/// A router that forwards whatever it holds, and a vault that insists on an exact balance.
contract Forwarder {
    using SafeERC20 for IERC20;

    function forward(IERC20 token, address to) external returns (uint256 sent) {
        uint256 balance = token.balanceOf(address(this));
        if (balance == 0) return 0;
        token.safeTransfer(to, balance);
        return balance;
    }
}

contract ExactVault {
    IERC20 public immutable token;
    uint256 public totalDeposits;

    constructor(IERC20 t) { token = t; }

    function check() external view {
        if (token.balanceOf(address(this)) != totalDeposits) revert("out of sync");
    }
}
`,
  "Factory.sol": `${HEAD}
contract Wrapped {
    address public underlying;

    function initialize(address u) external {
        require(underlying == address(0), "done");
        underlying = u;
    }
}

/// Deploys a wrapper in an internal helper and initialises it there, then records it: the callee is code it just deployed.
contract WrapperFactory {
    mapping(address => address) public wrapperOf;

    function create(address underlying) external returns (address) {
        require(wrapperOf[underlying] == address(0), "exists");
        return _create(underlying);
    }

    function _create(address underlying) internal returns (address wrapper) {
        bytes memory code = type(Wrapped).creationCode;
        bytes32 salt = keccak256(abi.encode(underlying));
        assembly {
            wrapper := create2(0, add(code, 32), mload(code), salt)
        }
        Wrapped(wrapper).initialize(underlying);
        wrapperOf[underlying] = wrapper;
    }
}
`,
  "CrossChain.sol": `${HEAD}
interface IConnext {
    function xcall(uint32 destination, address to, address asset, address delegate, uint256 amount, uint256 slippage, bytes calldata callData) external payable returns (bytes32);
}

contract Messages {
    IConnext public connext;
    address public owner = msg.sender;
    mapping(uint32 => address) public counterpart;

    /// anyone, to any domain and receiver
    function push(uint32 domain, address to, uint256 id) external {
        connext.xcall(domain, to, address(0), msg.sender, 0, 0, abi.encode(id));
    }

    /// anyone, but the receiver must be the stored counterpart of the domain
    function pushChecked(uint32 domain, address to, uint256 id) external {
        require(counterpart[domain] == to, "unknown receiver");
        connext.xcall(domain, to, address(0), msg.sender, 0, 0, abi.encode(id));
    }

    /// the owner only
    function pushOwner(uint32 domain, address to, uint256 id) external {
        require(msg.sender == owner, "owner");
        connext.xcall(domain, to, address(0), msg.sender, 0, 0, abi.encode(id));
    }

    /// anyone, to the stored counterpart; only the payload is the caller's
    function pushStored(uint32 domain, uint256 id) external {
        connext.xcall(domain, counterpart[domain], address(0), msg.sender, 0, 0, abi.encode(id));
    }
}
`,
  "Flags.sol": `${HEAD}
contract Flags {
    mapping(address => bool) public paused;
    mapping(address => uint256) public limits;
    event Paused(address who, bool on);
    event Limit(address who, uint256 limit, bool strict);

    /// the flag decides the write
    function setPaused(address who, bool on) external {
        paused[who] = on;
        emit Paused(who, on);
    }

    /// the flag only reaches the event: not a permission record, so "other"
    function setLimit(address who, uint256 limit, bool strict) external {
        limits[who] = limit;
        emit Limit(who, limit, strict);
    }

    /// a helper the code always hands \`true\`: the flag says where the change came from, no caller picks it
    function _record(address who, uint256 limit, bool byAdmin) private {
        limits[who] = limit;
        emit Limit(who, limit, byAdmin);
    }

    function adminSet(address who, uint256 limit) external {
        _record(who, limit, true);
    }

    /// a view writes nothing
    function preview(address who, bool strict) external view returns (uint256) {
        return limits[who];
    }
}
`,
  "Quotes.sol": `${HEAD}
interface ICurvePool {
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256);
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy, address receiver) external returns (uint256);
}

interface IQuoterV2 {
    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    function quoteExactInputSingle(QuoteExactInputSingleParams memory params) external returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 ticks, uint256 gas);
}

interface IRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external returns (uint256);
}

interface IOracle {
    function expectedOut(uint256 amountIn) external view returns (uint256);
}

interface ICurveLp {
    function add_liquidity(uint256[2] calldata amounts, uint256 min_mint_amount) external returns (uint256);
}

contract Quotes {
    ICurvePool public pool;
    IQuoterV2 public quoter;
    IRouter public router;
    IOracle public oracle;
    uint256 public constant BPS = 10_000;

    struct SwapParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    /// the minimum is the pool's own quote of this moment
    function claim(uint256 amount, address receiver) external {
        pool.exchange(0, 1, amount, pool.get_dy(0, 1, amount), receiver);
    }

    /// the quoter's answer, less a slippage allowance, handed to an internal helper that swaps
    function restore(address tokenIn, address tokenOut, uint256 amountIn, uint256 slippageBps) external {
        uint256 quoted;
        (quoted, , , ) = quoter.quoteExactInputSingle(IQuoterV2.QuoteExactInputSingleParams(tokenIn, tokenOut, amountIn, 3000, 0));
        _swap(SwapParams({tokenIn: tokenIn, tokenOut: tokenOut, amountIn: amountIn, amountOutMinimum: (quoted * slippageBps) / BPS}));
    }

    function _swap(SwapParams memory p) internal returns (uint256) {
        return router.exactInputSingle(IRouter.ExactInputSingleParams(p.tokenIn, p.tokenOut, 3000, address(this), p.amountIn, p.amountOutMinimum, 0));
    }

    /// the caller's own minimum, and one from an oracle: bounded
    function swapBounded(uint256 amount, uint256 minOut, address receiver) external {
        pool.exchange(0, 1, amount, minOut, receiver);
    }

    ICurveLp public lp;

    /// a zero minimum on the inner call, and the caller's own bound (named with a Min suffix) checked on the result
    function addLiquidity(uint256 amount, uint256 liquidityMin) external returns (uint256 minted) {
        minted = lp.add_liquidity([amount, 0], 0);
        if (minted < liquidityMin) revert("slippage");
    }

    /// the same without a bound
    function addLiquidityUnbounded(uint256 amount) external returns (uint256) {
        return lp.add_liquidity([amount, 0], 0);
    }

    function swapOracle(uint256 amount, address receiver) external {
        pool.exchange(0, 1, amount, (oracle.expectedOut(amount) * 99) / 100, receiver);
    }
}
`,
};

describe("audit: rules from the misses of Cooler, Teller v2, Bond options, Real Wagmi and Convergence and from Derby's reviewed first run", function () {
  this.timeout(300_000);
  let dir: string;
  let result: AuditResult;
  const { findings, summary, lineOf } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-contests-3-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("token-push-dos: the caller's payment pushed to a record's lender (a getter's named return, SafeERC20) or to the receiver another contract's record names is reported, medium with low confidence", function () {
    const found = findings("Pushes.sol", "token-push-dos");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.confidence]), summary("Pushes.sol")).to.deep.equal([
      ["Bids", "_pay", "medium", "low"],
      ["Options", "exercise", "medium", "low"],
    ]);
    expect(found[0]!.lines).to.deep.equal([lineOf("Pushes.sol", "bids[id].token.safeTransferFrom(msg.sender, lender, amount);")]);
    expect(found[1]!.lines).to.deep.equal([lineOf("Pushes.sol", "quote.safeTransfer(receiver, cost);")]);
    expect(found[0]!.message).to.match(/blocklist/);
    expect(found[0]!.remediation).to.match(/claimable/);
  });

  it("token-push-dos: silent on collateral returned to its borrower, the caller's own record, a privileged function, a payment to the caller, an NFT and a loop", function () {
    expect(findings("Pushes.sol", "token-push-dos").filter((f) => f.contract === "NotPushes"), summary("Pushes.sol")).to.deep.equal([]);
  });

  it("reentrancy-balance: low when the difference is only checked, sent back to the caller or returned; medium when the contract books it", function () {
    const found = findings("Providers.sol", "reentrancy-balance");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.confidence]), summary("Providers.sol")).to.deep.equal([
      ["Provider", "deposit", "low", "low"],
      ["Provider", "deposit", "low", "low"],
      ["BookingVault", "deposit", "medium", "medium"],
    ]);
    expect(found[0]!.message).to.match(/records nothing/);
  });

  it("unsafe-sign-cast: int256(a - b) of unsigned values and uint256(x) of an unchecked signed x are reported; unchecked blocks, compared operands, a literal, a sign check, a sign-picking conditional, a negated negative, a key re-encoded and a Chainlink answer are not; a sum that can go below zero written to storage is", function () {
    const found = findings("Signs.sol", "unsafe-sign-cast");
    expect(found.map((f) => [f.function, f.severity, f.confidence]), summary("Signs.sol")).to.deep.equal([
      ["diff", "medium", "medium"],
      ["pay", "medium", "low"],
      ["settle", "medium", "low"],
    ]);
    expect(found[0]!.lines).to.deep.equal([lineOf("Signs.sol", "total += int256(price - last[id]);")]);
    expect(found[0]!.message).to.match(/reverts/);
    expect(found[1]!.message).to.match(/negative value becomes a number near 2\^256/);
  });

  it("zero-transfer-revert: low on a transfer of a division's result nothing checks above zero; silent with a require or an if on it, and in a privileged function", function () {
    const found = findings("Zero.sol", "zero-transfer-revert");
    expect(found.map((f) => [f.function, f.severity, f.confidence]), summary("Zero.sol")).to.deep.equal([["claim", "low", "low"]]);
    expect(found[0]!.lines).to.deep.equal([lineOf("Zero.sol", "uint256 owed = (token.balanceOf"), lineOf("Zero.sol", "token.safeTransfer(msg.sender, owed);")]);
  });

  it("oracle-stale-price: the Feed Registry's latestRoundData(base, quote) is a Chainlink read; an owner's probe whose answer is only checked is not a price (Iron Bank M-1)", function () {
    const found = findings("Registry.sol", "oracle-stale-price");
    expect(found.map((f) => [f.function, f.severity]), summary("Registry.sol")).to.deep.equal([["price", "medium"]]);
  });

  it("forced-ether-balance: a token balance compared with zero for an early return is a branch (Jala's and Napier's reviews); held to an exact record with a revert it is reported", function () {
    expect(findings("Balances.sol", "forced-ether-balance").map((f) => [f.contract, f.function]), summary("Balances.sol")).to.deep.equal([["ExactVault", "check"]]);
  });

  it("reentrancy: a call into a contract an internal helper on the way just deployed (create2) is not a reentrancy (Jala Swap's review)", function () {
    expect(findings("Factory.sol", "reentrancy"), summary("Factory.sol")).to.deep.equal([]);
  });

  it("cross-chain-destination: a Connext xcall anyone sends to a domain and receiver they name is reported; checked against the stored counterpart, restricted to the owner, or sent to the stored counterpart it is not", function () {
    const found = findings("CrossChain.sol", "cross-chain-destination");
    expect(found.map((f) => [f.function, f.severity]), summary("CrossChain.sol")).to.deep.equal([
      ["push", "high"],
    ]);
  });

  it("ignored-flag: a bool only emitted by a function that writes storage is reported (other, when no permission is written); a flag that decides the write, a view, and a helper the code always hands a literal (our GasPolicy's `byReports`) are not", function () {
    const found = findings("Flags.sol", "ignored-flag");
    expect(found.map((f) => [f.function, f.category, f.severity]), summary("Flags.sol")).to.deep.equal([["setLimit", "other", "medium"]]);
  });

  it("missing-slippage: a minimum from the pool's quote (directly, or a local a quoter's tuple assigned, passed to an internal helper) is reported; the caller's minimum, an oracle's, and a zero inner minimum covered by the caller's `liquidityMin` checked after it (Napier's review) are not", function () {
    const found = findings("Quotes.sol", "missing-slippage");
    expect(found.map((f) => [f.function, f.severity, f.confidence]), summary("Quotes.sol")).to.deep.equal([
      ["claim", "medium", "medium"],
      ["restore", "medium", "medium"],
      ["addLiquidityUnbounded", "medium", "high"],
    ]);
    expect(found[0]!.lines).to.include(lineOf("Quotes.sol", "pool.exchange(0, 1, amount, pool.get_dy(0, 1, amount), receiver);"));
    expect(found[0]!.message).to.match(/comes from `pool\.get_dy`, a quote of the pool's state in the same transaction/);
    expect(found[1]!.message).to.match(/`amountOutMinimum` comes from `quoter\.quoteExactInputSingle`/);
  });
});

describe("audit: the chains a project deploys to (--chains) and oracle-sequencer-uptime", function () {
  this.timeout(300_000);
  const dir = path.join(__dirname, "fixtures", "detectors", "oracle-sequencer-uptime");
  const ROOT = path.resolve(__dirname, "../..");
  const scan = (chains?: string[]) => runAudit({ path: dir, chains, projectRoot: ROOT, cache: false, slither: false, solhint: false });

  it("parses chain names and the spellings audit READMEs use, and refuses an unknown or empty list with the known names", function () {
    expect(parseChains("Mainnet, Arbitrum One,zkera,BNB Chain, optimism")).to.deep.equal(["ethereum", "arbitrum", "zksync", "bsc", "optimism"]);
    expect(parseChains("arbitrum,arbitrum-nova")).to.deep.equal(["arbitrum"]);
    expect(() => parseChains("ethereum,solana")).to.throw(AuditChainError, /unknown chain "solana" in --chains: use ethereum, arbitrum, .*"evm" for any chain/);
    expect(() => parseChains(" , ")).to.throw(AuditChainError, /--chains is empty/);
    expect(sequencerChains(["ethereum", "polygon", "bsc"])).to.deep.equal([]);
    expect(sequencerChains(["ethereum", "base", "arbitrum"])).to.deep.equal(["base", "arbitrum"]);
    expect(sequencerChains(["evm"])).to.include.members(["arbitrum", "optimism", "base"]);
    expect(sequencerChains(undefined)).to.deep.equal([]);
  });

  it("oracle-sequencer-uptime: silent when the project names no chain or only chains without a single sequencer; reported on an L2 (or any EVM chain), not where the contract reads the uptime feed", async function () {
    const ids = (r: Awaited<ReturnType<typeof scan>>) => r.findings.filter((f) => f.detector === "oracle-sequencer-uptime").map((f) => [f.file, f.contract, f.severity]);
    expect(ids(await scan())).to.deep.equal([]);
    expect(ids(await scan(["ethereum", "polygon"]))).to.deep.equal([]);
    expect(ids(await scan(["ethereum", "arbitrum"]))).to.deep.equal([["Vulnerable.sol", "CollateralOracle", "medium"]]);
    const any = (await scan(["evm"])).findings.filter((f) => f.detector === "oracle-sequencer-uptime");
    expect(any.map((f) => f.file)).to.deep.equal(["Vulnerable.sol"]);
    expect(any[0]!.message).to.match(/deployed to arbitrum, optimism, base/);
  });

  it("every labelled set's chains are names --chains takes", function () {
    const sets = loadLabelledSets();
    expect(sets.filter((s) => s.chains !== undefined).length).to.be.greaterThan(30);
    for (const s of sets) for (const c of s.chains ?? []) expect(parseChains(c), s.name).to.deep.equal([c]);
  });
});
