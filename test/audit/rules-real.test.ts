/**
 * Shapes of well-known audited code (Uniswap v3, Safe, solady) that the scanner once got wrong, each written small
 * for the test: a library with an open pragma that only the project's compiler accepts, a mapping handed to a
 * library by `using … for`, a once-only setup latched in a helper that reverts through another helper and locked by
 * the constructor, a proxy whose implementation mirrors its first slot, and code that only runs by delegatecall.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";


const SOURCES: Record<string, string> = {
  // 0.8 rejects int24 → uint8 in one conversion; the 0.7.6 code importing this library compiles it
  "BitLib.sol": `// SPDX-License-Identifier: MIT
pragma solidity >=0.5.0;

library BitLib {
    function low(int24 x) internal pure returns (uint8) {
        return uint8(x);
    }

    function flip(mapping(int16 => uint256) storage self, int16 word) internal {
        self[word] ^= 1;
    }
}
`,
  "Pool.sol": `// SPDX-License-Identifier: MIT
pragma solidity =0.7.6;

import "./BitLib.sol";

contract Pool {
    using BitLib for mapping(int16 => uint256);

    mapping(int16 => uint256) public bitmap;

    function touch(int16 word) external {
        bitmap.flip(word);
    }

    function isSet(int16 word) external view returns (bool) {
        return bitmap[word] & 1 == 1;
    }

    function low(int24 x) external pure returns (uint8) {
        return BitLib.low(x);
    }
}
`,
  "Wallet.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

abstract contract Owners {
    address[] internal owners;
    uint256 internal threshold;

    function revertWith(bytes32 code) internal pure {
        assembly {
            mstore(0x00, code)
            revert(0x00, 0x20)
        }
    }

    function setupOwners(address[] memory list, uint256 t) internal {
        if (threshold > 0) revertWith("already set up");
        if (t == 0 || t > list.length) revertWith("bad threshold");
        owners = list;
        threshold = t;
    }
}

/// Safe-like: setup() runs once (the latch is in a helper); the deployed contract is locked by its constructor,
/// so only fresh proxies, set up by their factory, can run it.
contract Wallet is Owners {
    constructor() {
        threshold = 1;
    }

    function setup(address[] calldata list, uint256 t) external {
        setupOwners(list, t);
    }

    function isOwner(address a) external view returns (bool) {
        for (uint256 i; i < owners.length; i++) if (owners[i] == a) return true;
        return false;
    }

    function execute(address to, uint256 value) external {
        require(threshold > 0 && this.isOwner(msg.sender), "owner");
        payable(to).transfer(value);
    }
}

/// The same setup with no constructor lock: the deployed contract itself can be taken.
contract OpenWallet is Owners {
    function setup(address[] calldata list, uint256 t) external {
        setupOwners(list, t);
    }

    function isOwner(address a) external view returns (bool) {
        for (uint256 i; i < owners.length; i++) if (owners[i] == a) return true;
        return false;
    }
}
`,
  "Proxy.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The proxy keeps its implementation in slot 0, and the implementation declares the same variable first.
contract MirrorProxy {
    address internal singleton;

    constructor(address impl) {
        singleton = impl;
    }

    fallback() external payable {
        assembly {
            let impl := sload(0)
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}

abstract contract Singleton {
    address private singleton;
}

contract Implementation is Singleton {
    uint256 public value;

    function set(uint256 v) external {
        value = v;
    }
}

/// A proxy whose slot 0 nothing mirrors.
contract PlainProxy {
    address internal implementation;

    constructor(address impl) {
        implementation = impl;
    }

    fallback() external payable {
        address impl = implementation;
        (bool ok, ) = impl.delegatecall(msg.data);
        require(ok);
    }
}
`,
  "Setup.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

abstract contract Storage {
    uint256 internal nonce;
}

/// Runs only by delegatecall from a wallet: the nonce it reads is the wallet's.
contract DelegateSetup is Storage {
    address private immutable SELF;

    constructor() {
        SELF = address(this);
    }

    modifier onlyDelegateCall() {
        require(address(this) != SELF, "delegatecall only");
        _;
    }

    function configure() external onlyDelegateCall returns (bool) {
        return nonce == 0;
    }
}

/// The same read in a contract called directly: the nonce is never written.
contract DirectSetup is Storage {
    function configure() external view returns (bool) {
        return nonce == 0;
    }
}
`,
  "Factory.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Pair {
    address public token0;
    address public token1;

    function initialize(address a, address b) external {
        require(token0 == address(0), "set");
        token0 = a;
        token1 = b;
    }
}

/// UniswapV2Factory-like: the pair is deployed here (create2 in assembly, or new) and initialised before it is recorded.
contract Factory {
    mapping(address => mapping(address => address)) public getPair;
    address[] public allPairs;

    function createPair(address a, address b) external returns (address pair) {
        bytes memory code = type(Pair).creationCode;
        bytes32 salt = keccak256(abi.encodePacked(a, b));
        assembly {
            pair := create2(0, add(code, 32), mload(code), salt)
        }
        Pair(pair).initialize(a, b);
        getPair[a][b] = pair;
        allPairs.push(pair);
    }

    function createWithNew(address a, address b) external returns (Pair pair) {
        pair = new Pair();
        pair.initialize(a, b);
        getPair[a][b] = address(pair);
    }

    /// A pair the caller names runs the caller's code.
    function register(address pair, address a, address b) external {
        Pair(pair).initialize(a, b);
        getPair[a][b] = pair;
    }
}
`,
  "Checked07.sol": `// SPDX-License-Identifier: MIT
pragma solidity =0.7.6;

/// Uniswap v2's SafeMath: each operation is checked in the require that computes it.
library CheckedMath {
    function add(uint256 x, uint256 y) internal pure returns (uint256 z) {
        require((z = x + y) >= x, "add");
    }

    function sub(uint256 x, uint256 y) internal pure returns (uint256 z) {
        require((z = x - y) <= x, "sub");
    }

    function mul(uint256 x, uint256 y) internal pure returns (uint256 z) {
        require(y == 0 || (z = x * y) / y == x, "mul");
    }
}

contract Ledger {
    using CheckedMath for uint256;

    uint256 public total;
    uint32 public lastUpdate;
    uint256 public deadline;

    function add(uint256 a) external {
        total = total.add(a);
        lastUpdate = uint32(block.timestamp % 2 ** 32);
    }

    function addRaw(uint256 a) external {
        total = total + a;
    }

    address public owner = msg.sender;
    uint32 public cumulative;

    function accumulate(uint32 a) external {
        cumulative = cumulative + a; // overflow is desired
    }

    function setTotal(uint256 a) external {
        require(msg.sender == owner, "owner");
        total = total + a;
    }

    function closeAt() external view returns (bool) {
        return block.timestamp == deadline;
    }
}
`,
  "Factory05.sol": `// SPDX-License-Identifier: MIT
pragma solidity =0.5.17;

contract Pair05 {
    address public token0;

    function initialize(address a) external {
        token0 = a;
    }
}

/// Before 0.6 the assembly has no Yul tree: the create2 is found in its text.
contract Factory05 {
    mapping(address => address) public getPair;

    function createPair(address a) external returns (address pair) {
        bytes memory code = type(Pair05).creationCode;
        bytes32 salt = keccak256(abi.encodePacked(a));
        assembly {
            pair := create2(0, add(code, 32), mload(code), salt)
        }
        Pair05(pair).initialize(a);
        getPair[a] = pair;
    }
}
`,
  "BitTrick.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// solady's ERC1271 gas trick: a bitwise result divided then multiplied is bit manipulation, not a rounded amount.
contract BitTrick {
    function probe(bytes calldata signature) external pure returns (uint256) {
        return ~signature.length / 0xffff * 0x7739;
    }

    function share(uint256 amount, uint256 users, uint256 weight) external pure returns (uint256) {
        return amount / users * weight;
    }
}
`,
  "Locker.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The unlock code hides in a generically named private array; the argument it is checked against is a key.
contract Locker {
    bool public locked = true;
    bytes32[3] private data;

    constructor(bytes32[3] memory data_) {
        data = data_;
    }

    function unlock(bytes16 _key) external {
        require(_key == bytes16(data[2]), "wrong key");
        locked = false;
    }
}

/// The same comparison with an argument that is no key: a configured value, not a secret.
contract Gate {
    bool public open;
    uint256 private data;

    constructor(uint256 data_) {
        data = data_;
    }

    function pass(uint256 amount) external {
        require(amount == data, "wrong amount");
        open = true;
    }
}
`,
  "ForceSend.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// solady's forceSafeTransferETH: whether the call moved ether is read from the balance before and after.
contract ForceSend {
    uint256 public deposits;

    function send(address to, uint256 amount) external returns (bool moved) {
        uint256 before = address(this).balance;
        (bool ok, ) = to.call{value: amount}("");
        ok;
        moved = address(this).balance != before;
    }

    function settled() external view returns (bool) {
        return address(this).balance == deposits;
    }

    receive() external payable {
        deposits += msg.value;
    }
}
`,
};

describe("audit: shapes of audited code (Uniswap v3, Safe, solady)", function () {
  this.timeout(240_000);
  let dir: string;
  let result: AuditResult;

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-real-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles a library with an open pragma with the compiler of the code importing it, not the newest one", function () {
    const lib = result.files.find((f) => f.file === "BitLib.sol");
    expect(lib?.status).to.equal("compiled");
    expect(lib?.compiler).to.equal("0.7.6");
    expect(result.files.filter((f) => f.status !== "compiled")).to.deep.equal([]);
  });

  it("uninitialized-state: a mapping handed to a library by `using … for` is written there", function () {
    expect(result.findings.filter((f) => f.file === "Pool.sol" && f.detector === "uninitialized-state")).to.deep.equal([]);
  });

  it("a guard that reverts through a helper (assembly revert) counts; a setup latched that way and locked by the constructor is not an open initializer", function () {
    const open = result.findings.filter((f) => f.file === "Wallet.sol" && f.detector === "unprotected-initializer");
    expect(open.map((f) => f.contract)).to.deep.equal(["OpenWallet"]);
    expect(open[0]!.message).to.match(/first \(or again, if it was never called\)/);
  });

  it("proxy-storage-collision: silent when an implementation mirrors the proxy's first slot, reported otherwise", function () {
    const found = result.findings.filter((f) => f.file === "Proxy.sol" && f.detector === "proxy-storage-collision");
    expect(found.map((f) => f.contract)).to.deep.equal(["PlainProxy"]);
  });

  it("reentrancy: a call to a contract the function has just deployed (create2, new) runs the project's code; a caller-named one does not", function () {
    const found = result.findings.filter((f) => f.file === "Factory.sol" && f.detector === "reentrancy");
    expect(found.map((f) => f.function)).to.deep.equal(["register"]);
    expect(result.findings.filter((f) => f.file === "Factory05.sol" && f.detector === "reentrancy")).to.deep.equal([]);
  });

  it("integer-overflow (before 0.8): checked in the require that computes it (SafeMath): silent; a comment that says it may wrap: info; only the owner's operands: low; bare: high", function () {
    const found = result.findings.filter((f) => f.file === "Checked07.sol" && f.detector === "integer-overflow");
    expect(found.map((f) => [f.function, f.severity])).to.deep.equal([
      ["addRaw", "high"],
      ["accumulate", "info"],
      ["setTotal", "low"],
    ]);
  });

  it("timestamp-dependence: block.timestamp % 2**32 truncates (UniswapV2Pair): information only; an equality with a deadline is medium", function () {
    const found = result.findings.filter((f) => f.file === "Checked07.sol" && f.detector === "timestamp-dependence");
    expect(found.map((f) => [f.function, f.severity])).to.deep.equal([
      ["add", "info"],
      ["closeAt", "medium"],
    ]);
  });

  it("divide-before-multiply: a bitwise dividend (~len / 0xffff * 0x7739) is bit manipulation; an amount divided first is reported", function () {
    const found = result.findings.filter((f) => f.file === "BitTrick.sol" && f.detector === "divide-before-multiply");
    expect(found.map((f) => f.function)).to.deep.equal(["share"]);
  });

  it("private-data-on-chain: a private value checked against an argument named like a key is a secret, whatever its own name", function () {
    const found = result.findings.filter((f) => f.file === "Locker.sol" && f.detector === "private-data-on-chain");
    expect(found.map((f) => f.contract)).to.deep.equal(["Locker"]);
  });

  it("forced-ether-balance: the balance compared with an earlier reading of itself is no exact balance test; compared with a record it is", function () {
    const found = result.findings.filter((f) => f.file === "ForceSend.sol" && f.detector === "forced-ether-balance");
    expect(found.map((f) => f.function)).to.deep.equal(["settled"]);
  });

  it("uninitialized-state: code that only runs by delegatecall reads its caller's storage", function () {
    const found = result.findings.filter((f) => f.file === "Setup.sol" && f.detector === "uninitialized-state");
    expect(found.map((f) => f.contract)).to.deep.equal(["DirectSetup"]);
  });
});

describe("audit: code that needs a newer EVM than the project's evm_version", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  before(async function () {
    ({ dir, result } = await scanSources("audit-evm-", { "Transient.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n\ncontract Transient {\n    function bump() external returns (uint256 v) {\n        assembly {\n            v := add(tload(0), 1)\n            tstore(0, v)\n        }\n    }\n}\n" }, { "foundry.toml": '[profile.default]\nsrc = "src"\nevm_version = "paris"\n' }));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles a file using tload/tstore for the EVM that has them, and says so", function () {
    const f = result.files.find((x) => x.file === "Transient.sol");
    expect(f?.status).to.equal("compiled");
    expect(f?.message).to.match(/compiled for EVM cancun: the code uses instructions the project's EVM version \(paris\) lacks/);
  });
});

