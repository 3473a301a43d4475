/**
 * Reentrancy rules about who can call back: a contract the deployer fixed whose code calls no one (a pure helper behind
 * an interface, a plain token's mint) cannot re-enter; a token moved through SafeERC20 sends no ether even though
 * Address.functionCallWithValue takes a value; an ERC-3156 lender books the repayment after pulling it from the
 * borrower; a token in records only the owner writes (MasterChef's pools) and a contract fixed at deployment whose code
 * is not in the scan are the deployer's choice (low); state written after an ether call that no state-changing function
 * reads is low; a read-only reentrancy whose stale views are stored entries, not a computed price, is low. And signature-malleability: a nonce the caller picks and nothing records protects nothing.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources, sourceQueries } from "./scanSources";

const SOURCES: Record<string, string> = {
  "QuietCallee.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IMath {
    function quote(uint256 x, uint256 reserve) external returns (uint256);
}

/// Its quote is pure: the interface does not say so, the implementation does.
contract PoolMath is IMath {
    function quote(uint256 x, uint256 reserve) external pure returns (uint256) {
        return (x * 997) / (reserve + 1);
    }
}

interface IReward {
    function mint(address to, uint256 amount) external;
}

/// A plain mint: no hook, no call out.
contract RewardToken is IReward {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }
}

/// MATH and reward are fixed at deployment and their code calls no one: nothing can re-enter.
contract FixedHelpers {
    IMath public immutable MATH;
    IReward public reward;
    uint256 public reserve;
    mapping(address => uint256) public shares;

    constructor(IMath math, IReward reward_) {
        MATH = math;
        reward = reward_;
    }

    function addLiquidity(uint256 amount) external {
        uint256 units = MATH.quote(amount, reserve);
        reserve += amount;
        shares[msg.sender] += units;
    }

    function harvest(uint256 amount) external {
        reward.mint(msg.sender, amount);
        shares[msg.sender] = 0;
    }
}

/// The same helper, but anyone may replace it: the new one can call back.
contract SwappableHelper {
    IMath public math;
    uint256 public reserve;
    mapping(address => uint256) public shares;

    constructor(IMath math_) {
        math = math_;
    }

    function setMath(IMath math_) external {
        math = math_;
    }

    function addLiquidity(uint256 amount) external {
        uint256 units = math.quote(amount, reserve);
        reserve += amount;
        shares[msg.sender] += units;
    }
}
`,
  "SafeTokenVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// A token the caller names, moved through SafeERC20 before the shares are booked: a hooked token can re-enter,
/// but no ether is sent.
contract SafeTokenVault {
    using SafeERC20 for IERC20;
    mapping(address => mapping(address => uint256)) public shares;
    mapping(address => uint256) public totalShares;

    function deposit(IERC20 token, uint256 amount) external {
        uint256 before = totalShares[address(token)];
        token.safeTransferFrom(msg.sender, address(this), amount);
        totalShares[address(token)] = before + amount;
        shares[address(token)][msg.sender] += amount;
    }
}

/// Ether forwarded through a helper that takes the value: the caller's msg.value is sent.
contract EtherForwarder {
    mapping(address => uint256) public credit;

    function forward(address payable target) external payable {
        uint256 before = credit[msg.sender];
        _send(target, msg.value);
        credit[msg.sender] = before + msg.value;
    }

    function _send(address payable to, uint256 value) internal {
        (bool ok, ) = to.call{value: value}("");
        require(ok, "send failed");
    }
}
`,
  "FlashLender.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";

/// A plain token: its transfers call no one.
contract PlainToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// Books the loan's repayment after pulling it from the borrower, as ERC-3156 prescribes.
contract FlashLender {
    PlainToken public immutable token;
    uint256 public totalDeposits;
    uint256 public constant FEE = 1e15;

    constructor(PlainToken token_) {
        token = token_;
    }

    function flashLoan(IERC3156FlashBorrower receiver, uint256 amount, bytes calldata data) external returns (bool) {
        require(token.transfer(address(receiver), amount));
        totalDeposits -= amount;
        require(receiver.onFlashLoan(msg.sender, address(token), amount, FEE, data) == keccak256("ERC3156FlashBorrower.onFlashLoan"));
        require(token.transferFrom(address(receiver), address(this), amount + FEE));
        totalDeposits += amount + FEE;
        return true;
    }
}

/// Books the repayment before pulling it: a re-entrant call during the callback sees the credit already made.
contract EagerLender {
    PlainToken public immutable token;
    uint256 public totalDeposits;
    mapping(address => uint256) public deposits;

    constructor(PlainToken token_) {
        token = token_;
    }

    function flashLoan(IERC3156FlashBorrower receiver, uint256 amount, bytes calldata data) external returns (bool) {
        uint256 before = totalDeposits;
        require(token.transfer(address(receiver), amount));
        receiver.onFlashLoan(msg.sender, address(token), amount, 0, data);
        totalDeposits = before;
        deposits[msg.sender] += 1;
        require(token.transferFrom(address(receiver), address(this), amount));
        return true;
    }
}
`,
  "Pools.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IReward {
    function mint(address to, uint256 amount) external;
}

/// Pools only the owner adds; anyone updates their reward fields. The reward token is set once, its code not in the scan.
contract OwnerPools {
    using SafeERC20 for IERC20;
    struct Pool { IERC20 lpToken; uint256 accPerShare; }
    Pool[] public pools;
    mapping(uint256 => mapping(address => uint256)) public staked;
    address public owner = msg.sender;
    IReward public immutable reward;

    constructor(IReward reward_) {
        reward = reward_;
    }

    function add(IERC20 lpToken) external {
        require(msg.sender == owner, "owner");
        pools.push(Pool(lpToken, 0));
    }

    function update(uint256 pid) public {
        Pool storage pool = pools[pid];
        uint256 acc = pool.accPerShare;
        reward.mint(address(this), 1e18);
        pool.accPerShare = acc + 1;
    }

    function deposit(uint256 pid, uint256 amount) external {
        Pool storage pool = pools[pid];
        uint256 before = staked[pid][msg.sender];
        pool.lpToken.safeTransferFrom(msg.sender, address(this), amount);
        staked[pid][msg.sender] = before + amount;
    }
}

/// The same, but anyone adds a pool with a token of its choice.
contract OpenPools {
    using SafeERC20 for IERC20;
    struct Pool { IERC20 lpToken; uint256 accPerShare; }
    Pool[] public pools;
    mapping(uint256 => mapping(address => uint256)) public staked;

    function add(IERC20 lpToken) external {
        pools.push(Pool(lpToken, 0));
    }

    function deposit(uint256 pid, uint256 amount) external {
        Pool storage pool = pools[pid];
        uint256 before = staked[pid][msg.sender];
        pool.lpToken.safeTransferFrom(msg.sender, address(this), amount);
        staked[pid][msg.sender] = before + amount;
    }
}
`,
  "NonceVaults.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The caller picks the nonce and nothing records it; the used marker is the signature itself: flip s, spend again.
contract CallerNonceVault {
    address public owner = msg.sender;
    mapping(bytes32 => bool) public usedSignature;

    receive() external payable {}

    function withdraw(uint256 amount, uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked("\\x19Ethereum Signed Message:\\n32", keccak256(abi.encode(address(this), block.chainid, amount, nonce))));
        require(ecrecover(digest, v, r, s) == owner, "signature");
        bytes32 mark = keccak256(abi.encodePacked(v, r, s));
        require(!usedSignature[mark], "used");
        usedSignature[mark] = true;
        payable(msg.sender).transfer(amount);
    }
}

/// The same, but the nonce is recorded: the second form of the signature names a spent nonce.
contract RecordedNonceVault {
    address public owner = msg.sender;
    mapping(bytes32 => bool) public usedSignature;
    mapping(uint256 => bool) public spent;

    receive() external payable {}

    function withdraw(uint256 amount, uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked("\\x19Ethereum Signed Message:\\n32", keccak256(abi.encode(address(this), block.chainid, amount, nonce))));
        require(ecrecover(digest, v, r, s) == owner, "signature");
        bytes32 mark = keccak256(abi.encodePacked(v, r, s));
        require(!usedSignature[mark] && !spent[nonce], "used");
        usedSignature[mark] = true;
        spent[nonce] = true;
        payable(msg.sender).transfer(amount);
    }
}

/// The nonce comes from state and is counted up.
contract StoredNonceVault {
    address public owner = msg.sender;
    uint256 public nonce;
    mapping(bytes32 => bool) public usedSignature;

    receive() external payable {}

    function withdraw(uint256 amount, uint8 v, bytes32 r, bytes32 s) external {
        bytes32 digest = keccak256(abi.encodePacked("\\x19Ethereum Signed Message:\\n32", keccak256(abi.encode(address(this), block.chainid, amount, nonce))));
        require(ecrecover(digest, v, r, s) == owner, "signature");
        usedSignature[keccak256(abi.encodePacked(v, r, s))] = true;
        nonce++;
        payable(msg.sender).transfer(amount);
    }
}
`,
  "Unobserved.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Ethernaut's Denial shape: after paying the partner it records when and how much, and nothing decides on either.
contract Splitter {
    address public partner;
    uint256 public lastPaid;
    mapping(address => uint256) public paidTo;

    receive() external payable {}

    function setPartner(address p) external {
        partner = p;
    }

    function pay() external {
        uint256 share = address(this).balance / 100;
        (bool ok, ) = partner.call{value: share}("");
        require(ok, "failed");
        lastPaid = block.timestamp;
        paidTo[partner] += share;
    }
}

/// The same record, but another function decides on it: re-entered before it is written, that check sees the old value.
contract Throttled {
    address public partner;
    uint256 public lastPaid;

    receive() external payable {}

    function setPartner(address p) external {
        partner = p;
    }

    function pay() external {
        (bool ok, ) = partner.call{value: address(this).balance / 100}("");
        require(ok, "failed");
        lastPaid = block.timestamp;
    }

    function bonus() external {
        require(block.timestamp > lastPaid + 1 days, "too soon");
        lastPaid = block.timestamp;
        payable(partner).transfer(1 ether);
    }
}
`,
  "StaleViews.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// A wrapped-ether token that pays before it burns: its balanceOf and totalSupply are stale during the payment, but
/// they are stored entries, not a price anyone computes from.
contract Wrapper is ReentrancyGuard {
    mapping(address => uint256) private _balances;
    uint256 private _supply;

    function deposit() external payable nonReentrant {
        _balances[msg.sender] += msg.value;
        _supply += msg.value;
    }

    function withdraw(uint256 amount) external nonReentrant {
        require(_balances[msg.sender] >= amount, "balance");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "failed");
        _balances[msg.sender] -= amount;
        _supply -= amount;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function totalSupply() external view returns (uint256) {
        return _supply;
    }
}

/// The same order in a vault whose share price others read: that figure is stale during the payment.
contract PricedVault is ReentrancyGuard {
    mapping(address => uint256) public shares;
    uint256 public totalShares;

    function deposit() external payable nonReentrant {
        shares[msg.sender] += msg.value;
        totalShares += msg.value;
    }

    function withdraw(uint256 amount) external nonReentrant {
        require(shares[msg.sender] >= amount, "shares");
        (bool ok, ) = msg.sender.call{value: (amount * address(this).balance) / totalShares}("");
        require(ok, "failed");
        shares[msg.sender] -= amount;
        totalShares -= amount;
    }

    function assetsPerShare() external view returns (uint256) {
        return (address(this).balance * 1e18) / totalShares;
    }
}
`,
};

describe("audit: who can call back (fixed quiet callees, SafeERC20 value, ERC-3156 repayment) and caller-chosen nonces", function () {
  let dir: string;
  let result: AuditResult;
  const { findings, summary } = sourceQueries(SOURCES, () => result);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-reentrancy-quiet-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("reentrancy: silent on calls to a helper or token the deployer fixed whose code calls no one; reported when anyone may swap the helper", function () {
    const found = findings("QuietCallee.sol", "reentrancy");
    expect(found.map((f) => `${f.contract}.${f.function}`), summary("QuietCallee.sol")).to.deep.equal(["SwappableHelper.addLiquidity"]);
    expect(found[0]!.message).to.include("`math.quote(amount, reserve)`");
  });

  it("reentrancy: a token moved through SafeERC20 is no ether-sending call (and the message quotes the call made here); a helper handed msg.value is", function () {
    const vault = findings("SafeTokenVault.sol", "reentrancy").filter((f) => f.contract === "SafeTokenVault");
    expect(vault.length, summary("SafeTokenVault.sol")).to.equal(1);
    expect(vault[0]!.message).to.not.include("ether-sending");
    expect(vault[0]!.message).to.include("`token.safeTransferFrom(msg.sender, address(this), amount)`");
    expect(vault[0]!.severity).to.equal("medium");
    const forwarder = findings("SafeTokenVault.sol", "reentrancy").filter((f) => f.contract === "EtherForwarder");
    expect(forwarder.length, summary("SafeTokenVault.sol")).to.equal(1);
    expect(forwarder[0]!.message).to.include("ether-sending");
    expect(forwarder[0]!.severity).to.equal("high");
  });

  it("reentrancy: silent on an ERC-3156 lender booking the repayment it pulled from the borrower; reported when it books first", function () {
    const found = findings("FlashLender.sol", "reentrancy");
    expect(found.map((f) => f.contract), summary("FlashLender.sol")).to.deep.equal(["EagerLender"]);
    expect(found[0]!.message).to.include("`receiver.onFlashLoan(");
  });

  it("reentrancy: low for a token in records only the owner writes and for a fixed contract whose code is not scanned; medium for a pool anyone adds", function () {
    const found = findings("Pools.sol", "reentrancy");
    expect(found.map((f) => [f.contract, f.function, f.severity]), summary("Pools.sol")).to.deep.equal([
      ["OwnerPools", "update", "low"],
      ["OwnerPools", "deposit", "low"],
      ["OpenPools", "deposit", "medium"],
    ]);
    expect(found[0]!.message).to.include("fixed at deployment, or set only by a privileged function) whose code is not in the scan");
  });

  it("reentrancy: low when no function that changes state reads what is written after the ether call; medium when another decides on it", function () {
    const found = findings("Unobserved.sol", "reentrancy");
    expect(found.map((f) => [f.contract, f.function, f.severity]), summary("Unobserved.sol")).to.deep.equal([
      ["Splitter", "pay", "low"],
      ["Throttled", "pay", "medium"],
    ]);
    expect(found[0]!.message).to.include("a re-entrant call gains nothing a later call would not");
    expect(found[1]!.message).to.include("cross-function: bonus");
  });

  it("read-only-reentrancy: low when the stale views are stored entries (balanceOf, totalSupply); medium for a computed share price", function () {
    const found = findings("StaleViews.sol", "read-only-reentrancy");
    expect(found.map((f) => [f.contract, f.severity]), summary("StaleViews.sol")).to.deep.equal([
      ["Wrapper", "low"],
      ["PricedVault", "medium"],
    ]);
    expect(found[0]!.message).to.include("stored entries rather than a computed price");
    expect(found[1]!.message).to.include("assetsPerShare()");
  });

  it("signature-malleability: a nonce the caller picks and nothing records is no protection; a recorded or stored nonce is", function () {
    const found = findings("NonceVaults.sol", "signature-malleability");
    expect(found.map((f) => f.contract), summary("NonceVaults.sol")).to.deep.equal(["CallerNonceVault"]);
    expect(found[0]!.severity).to.equal("medium");
  });
});
