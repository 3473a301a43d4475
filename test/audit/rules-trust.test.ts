/**
 * untrusted-contract-credit (audit/detectors/trust.ts): a function anyone can call calls a contract its caller passes
 * in, then credits the caller (or an address the caller names) on the strength of that call. Every finding kind has a
 * vulnerable contract, every silencing condition a safe one.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { DETECTORS } from "../../audit/detectors";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";

const ID = "untrusted-contract-credit";

const SOURCES: Record<string, string> = {
  "AdvisorDeposit.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IAdvisor {
    function owner() external view returns (address);
    function delegatedTransfer(address token, address to, uint256 amount) external;
}

interface IShareToken {
    function mint(address to, uint256 amount) external;
}

/// Deposits through an "advisor" contract the caller names: asking that contract who owns it vets nothing.
contract AdvisorDeposit {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    IShareToken public immutable shareToken;

    constructor(IERC20 token_, IShareToken shareToken_) {
        token = token_;
        shareToken = shareToken_;
    }

    function deposit(uint256 amt, address from, address to) external {
        if (from.code.length > 0) {
            require(IAdvisor(from).owner() == msg.sender, "not your advisor");
            IAdvisor(from).delegatedTransfer(address(token), address(this), amt);
        } else {
            token.safeTransferFrom(from, address(this), amt);
        }
        shareToken.mint(to, amt);
    }
}
`,
  "AnyTokenStake.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// One pooled stake for whatever token the caller brings: a worthless token buys a real stake.
contract AnyTokenStake {
    mapping(address => uint256) public staked;

    function stake(IERC20 anyToken, uint256 amount) external {
        require(address(anyToken) != address(0), "zero token");
        require(anyToken.transferFrom(msg.sender, address(this), amount), "pull failed");
        staked[msg.sender] += amount;
    }
}
`,
  "SafePullPoints.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Pulls a caller-named token through SafeERC20 (the token measured is the caller's too), credits by x = x + amount.
contract SafePullPoints {
    using SafeERC20 for IERC20;

    struct Account {
        uint256 points;
    }

    mapping(address => Account) public accounts;

    function contribute(address token, uint256 amount) external {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        require(IERC20(token).balanceOf(address(this)) >= before, "nothing arrived");
        accounts[msg.sender].points = accounts[msg.sender].points + amount;
    }
}
`,
  "BurnProof.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IBurnable {
    function burnFor(address account) external returns (uint256);
}

/// Credits what the caller's contract says it burned, through a local alias, on behalf of a named beneficiary.
contract BurnProof {
    mapping(address => uint256) public credits;
    mapping(address => uint256) public claims;

    function claim(address burner, address beneficiary) external {
        IBurnable b = IBurnable(burner);
        uint256 burned = b.burnFor(msg.sender);
        credits[beneficiary] += burned;
        claims[msg.sender]++;
    }
}
`,
  "WrapperShares.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Wraps "any stablecoin" one-to-one: the pull sits in a helper and the credit is OpenZeppelin's _mint.
contract WrapperShares is ERC20 {
    using SafeERC20 for IERC20;

    constructor() ERC20("Wrapped USD", "wUSD") {}

    function wrap(address stable, uint256 amount) external {
        _pull(stable, amount);
        _mint(msg.sender, amount);
    }

    function _pull(address stable, uint256 amount) internal {
        IERC20(stable).safeTransferFrom(msg.sender, address(this), amount);
    }
}
`,
  "PairRouter.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IRouterPair {
    function mint(address to) external returns (uint256);
}

interface IPriceOracle {
    function priceOf(address token) external view returns (uint256);
}

/// A router pays caller-named tokens into the pair computed from them and lets the pair mint (the pair measures what
/// it received); a vault prices deposits with the owner's oracle (an unknown token has no price and reverts).
contract PairRouter {
    using SafeERC20 for IERC20;

    address public immutable factory;
    IPriceOracle public immutable oracle;
    mapping(address => uint256) public credit;

    constructor(address factory_, IPriceOracle oracle_) {
        factory = factory_;
        oracle = oracle_;
    }

    function pairFor(address a, address b) public view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, keccak256(abi.encodePacked(a, b)), bytes32(0))))));
    }

    function _prepare(address a, address b, uint256 x) private view returns (uint256 amount, address pair) {
        amount = x;
        pair = pairFor(a, b);
    }

    function addLiquidity(address tokenA, address tokenB, uint256 amountA, uint256 amountB, address to) external returns (uint256) {
        address pair;
        (amountA, pair) = _prepare(tokenA, tokenB, amountA);
        IERC20(tokenA).safeTransferFrom(msg.sender, pair, amountA);
        IERC20(tokenB).safeTransferFrom(msg.sender, pair, amountB);
        return IRouterPair(pair).mint(to);
    }

    function depositPriced(address token, uint256 amount) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 value = amount * oracle.priceOf(token) / 1e18;
        credit[msg.sender] += value;
    }
}
`,
  "VettedStakes.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IMigrator {
    function migrateWithdraw(address account, uint256 amount) external;
}

interface IPairFactory {
    function getPair(address a, address b) external view returns (address);
}

interface IVaultRegistry {
    function isVault(address vault) external view returns (bool);
}

/// Every caller-named contract is checked against something the caller does not control before it is trusted.
contract VettedStakes {
    using SafeERC20 for IERC20;

    address public owner;
    address public immutable trustedPool;
    IPairFactory public immutable factory;
    IVaultRegistry public immutable registry;
    address public immutable tokenA;
    address public immutable tokenB;
    mapping(address => bool) public allowed;
    mapping(address => bool) private listed;
    mapping(address => uint256) public stakes;

    modifier onlyListed(address token) {
        require(listed[token], "not listed");
        _;
    }

    constructor(address pool, IPairFactory f, IVaultRegistry r, address a, address b) {
        owner = msg.sender;
        trustedPool = pool;
        factory = f;
        registry = r;
        tokenA = a;
        tokenB = b;
    }

    function isWhitelisted(address token) public view returns (bool) {
        return allowed[token];
    }

    /// a whitelist mapping in a require
    function stakeAllowed(address token, uint256 amount) external {
        require(allowed[token], "unknown token");
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        stakes[msg.sender] += amount;
    }

    /// equality with an immutable
    function migrateFromPool(address pool, uint256 amount) external {
        require(pool == trustedPool, "unknown pool");
        IMigrator(pool).migrateWithdraw(msg.sender, amount);
        stakes[msg.sender] += amount;
    }

    /// a factory lookup
    function stakeLp(address pair, uint256 amount) external {
        require(factory.getPair(tokenA, tokenB) == pair, "not the pair");
        IERC20(pair).transferFrom(msg.sender, address(this), amount);
        stakes[msg.sender] += amount;
    }

    /// a registry lookup
    function migrateFromVault(address vault, uint256 amount) external {
        require(registry.isVault(vault), "unknown vault");
        IMigrator(vault).migrateWithdraw(msg.sender, amount);
        stakes[msg.sender] += amount;
    }

    /// an internal helper that reads the whitelist
    function stakeWhitelisted(address token, uint256 amount) external {
        require(isWhitelisted(token), "unknown token");
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        stakes[msg.sender] += amount;
    }

    /// a modifier that looks the token up
    function stakeListed(address token, uint256 amount) external onlyListed(token) {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        stakes[msg.sender] += amount;
    }

    /// if … revert
    function stakeIfRevert(address token, uint256 amount) external {
        if (!allowed[token]) revert("unknown token");
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        stakes[msg.sender] += amount;
    }

    /// the call runs only inside a branch for a known token
    function stakeBranch(address token, uint256 amount) external {
        if (allowed[token]) {
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            stakes[msg.sender] += amount;
        }
    }

    /// only the owner
    function creditFrom(address source, address account, uint256 amount) external {
        require(msg.sender == owner, "not owner");
        IMigrator(source).migrateWithdraw(account, amount);
        stakes[account] += amount;
    }
}
`,
  "MeasuredAdapter.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IAdapter {
    function pull(address token, address from, uint256 amount) external;
    function ping() external payable;
}

/// The adapter is the caller's choice, but the credit is what the protocol's own token balance shows arrived, what
/// ether came with the call, or a price the owner set per adapter (0 for an unknown one).
contract MeasuredAdapter {
    IERC20 public immutable asset;
    mapping(address => uint256) public balances;
    mapping(address => uint256) public pricePerUnit;

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    function depositVia(IAdapter adapter, uint256 amount) external {
        uint256 before = asset.balanceOf(address(this));
        adapter.pull(address(asset), msg.sender, amount);
        uint256 received = asset.balanceOf(address(this)) - before;
        balances[msg.sender] += received;
    }

    function depositEther(IAdapter adapter) external payable {
        adapter.ping();
        balances[msg.sender] += msg.value;
    }

    function depositPriced(address adapter, uint256 units) external {
        IAdapter(adapter).pull(address(asset), msg.sender, units);
        balances[msg.sender] += units * pricePerUnit[adapter];
    }
}
`,
  "PerTokenBook.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IFlashBorrower {
    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data) external returns (bytes32);
}

interface IRewardPool {
    function notify(uint256 amount) external;
}

/// Book-keeping per token, payments out, flash-loan callbacks, multicall routers and credits keyed by the contract.
contract PerTokenBook {
    using SafeERC20 for IERC20;

    mapping(address => mapping(address => uint256)) public balances;
    mapping(address => uint256) public rewardsClaimed;
    mapping(address => uint256) public poolRewards;
    uint256 public totalFees;

    function deposit(address token, uint256 amount) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        balances[token][msg.sender] += amount;
    }

    function withdraw(address token, uint256 amount) external {
        balances[token][msg.sender] -= amount;
        IERC20(token).safeTransfer(msg.sender, amount);
        rewardsClaimed[msg.sender] += amount;
    }

    function flashLoan(IFlashBorrower receiver, address token, uint256 amount, bytes calldata data) external {
        uint256 fee = amount / 1000;
        IERC20(token).safeTransfer(address(receiver), amount);
        require(receiver.onFlashLoan(msg.sender, token, amount, fee, data) == keccak256("ERC3156FlashBorrower.onFlashLoan"), "callback");
        IERC20(token).safeTransferFrom(address(receiver), address(this), amount + fee);
        totalFees += fee;
    }

    function multicall(address[] calldata targets, bytes[] calldata data) external {
        for (uint256 i = 0; i < targets.length; i++) {
            (bool ok, ) = targets[i].call(data[i]);
            require(ok, "call failed");
        }
    }

    function fundPool(address pool, uint256 amount) external {
        IRewardPool(pool).notify(amount);
        poolRewards[pool] += amount;
    }
}
`,
  "ReceiverChecks.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// A safe mint asks the recipient contract whether it accepts the token: a receiver check, not a credit on its word.
contract ReceiverChecks is ERC721 {
    uint256 public nextId;

    constructor() ERC721("R", "R") {}

    function mintTo(address to) external {
        _safeMint(to, nextId++);
    }
}
`,
};

/** The file's lines holding `text` (1-based), to keep the expectations readable. */
function lineOf(file: string, text: string): number {
  const i = SOURCES[file]!.split("\n").findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

describe("audit: untrusted-contract-credit (credit on the word of a caller-chosen contract)", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === ID);
  const summary = (file: string): string => JSON.stringify(findings(file).map((f) => [f.function, f.severity, f.lines]));

  before(async function () {
    expect(DETECTORS.some((d) => d.id === ID), "registered in audit/detectors/index.ts").to.equal(true);
    ({ dir, result } = await scanSources("audit-rules-trust-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    const own = result.files.filter((f) => Object.keys(SOURCES).includes(f.file)).map((f) => [f.file, f.status]);
    expect(own.sort()).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("a deposit through a caller-named advisor that vouches for itself, credited by an external mint", function () {
    const file = "AdvisorDeposit.sol";
    const found = findings(file);
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary(file)).to.deep.equal([
      ["deposit", "high", "medium", [lineOf(file, "delegatedTransfer(address(token)"), lineOf(file, "shareToken.mint(to, amt)")]],
    ]);
    expect(found[0]!.category).to.equal("access_control");
    expect(found[0]!.message).to.match(/`from`/).and.match(/attacker passes a contract of its own/);
    expect(found[0]!.remediation).to.match(/balanceOf\(address\(this\)\)/);
  });

  it("a stake of any token into one pooled balance (a zero-address check vets nothing)", function () {
    const file = "AnyTokenStake.sol";
    expect(findings(file).map((f) => [f.function, f.lines]), summary(file)).to.deep.equal([
      ["stake", [lineOf(file, "anyToken.transferFrom"), lineOf(file, "staked[msg.sender] += amount")]],
    ]);
  });

  it("a SafeERC20 pull of a caller-named token credited by x = x + amount, measured only on that same token", function () {
    const file = "SafePullPoints.sol";
    expect(findings(file).map((f) => [f.function, f.lines]), summary(file)).to.deep.equal([
      ["contribute", [lineOf(file, "safeTransferFrom(msg.sender"), lineOf(file, "accounts[msg.sender].points = ")]],
    ]);
  });

  it("a credit of what the caller's contract reports, through a local alias, to a named beneficiary and a counter", function () {
    const file = "BurnProof.sol";
    expect(findings(file).map((f) => [f.function, f.lines]), summary(file)).to.deep.equal([
      ["claim", [lineOf(file, "b.burnFor(msg.sender)"), lineOf(file, "credits[beneficiary] += burned"), lineOf(file, "claims[msg.sender]++")]],
    ]);
  });

  it("a pull in an internal helper and a credit through an inherited _mint are shown at their lines in the file", function () {
    const file = "WrapperShares.sol";
    expect(findings(file).map((f) => [f.function, f.lines]), summary(file)).to.deep.equal([
      ["wrap", [lineOf(file, "_mint(msg.sender, amount)"), lineOf(file, "IERC20(stable).safeTransferFrom")]],
    ]);
  });

  it("is silent for a router paying into the pair computed from the tokens, and a deposit priced by the owner's oracle", function () {
    expect(summary("PairRouter.sol")).to.equal("[]");
  });

  it("is silent when the contract is vetted: whitelist, immutable, factory, registry, helper, modifier, if-revert, branch, owner", function () {
    expect(summary("VettedStakes.sol")).to.equal("[]");
  });

  it("is silent when the protocol's own balance is measured, the credit is msg.value, or priced per contract by the owner", function () {
    expect(summary("MeasuredAdapter.sol")).to.equal("[]");
  });

  it("is silent for per-token books, payments out, flash-loan callbacks, routers and credits keyed by the contract", function () {
    expect(summary("PerTokenBook.sol")).to.equal("[]");
  });

  it("is silent for ERC-721 receiver checks on the recipient", function () {
    expect(summary("ReceiverChecks.sol")).to.equal("[]");
  });
});
