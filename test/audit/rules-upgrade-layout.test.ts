/**
 * proxy-storage-collision across versions: a new upgradeable implementation (FooV2, FooUpgraded, ImplementationB)
 * whose storage layout does not keep the variables of the version it replaces where they were, as OpenZeppelin's
 * `validateUpgrade` refuses. Appending and renaming in place are fine; unrelated contracts are not compared.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";

const INITIALIZABLE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

abstract contract Initializable {
    bool private _initialized;

    modifier initializer() {
        require(!_initialized, "initialized");
        _initialized = true;
        _;
    }
}
`;

const SOURCES: Record<string, string> = {
  "Initializable.sol": INITIALIZABLE,
  "VaultV1.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "./Initializable.sol";

contract VaultV1 is Initializable {
    uint256 public totalShares;
    address public feeRecipient;
    mapping(address => uint256) public shares;

    function initialize(address recipient) external initializer {
        feeRecipient = recipient;
    }
}
`,
  // feeRecipient deleted: shares now sits in its slot
  "VaultV2.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "./Initializable.sol";

contract VaultV2 is Initializable {
    uint256 public totalShares;
    mapping(address => uint256) public shares;

    function initialize() external initializer {}

    function deposit(uint256 amount) external {
        shares[msg.sender] += amount;
        totalShares += amount;
    }
}
`,
  // No upgradeable base: an initialize() and no constructor. fee turned into a constant, limit shifts into its slot.
  "Implementation.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract ImplementationA {
    address public owner;
    uint256 public fee;
    uint256 public limit;

    function initialize() external {
        require(owner == address(0), "initialized");
        owner = msg.sender;
    }
}

contract ImplementationB {
    address public owner;
    uint256 public constant fee = 30;
    uint256 public limit;

    function initialize() external {
        require(owner == address(0), "initialized");
        owner = msg.sender;
    }
}
`,
  // Appended variables (and a storage gap shrunk by as much): the layout is kept.
  "Token.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "./Initializable.sol";

contract Token is Initializable {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    uint128 public cap;
    uint64 public lastMint;
    uint256[47] private __gap;

    function initialize() external initializer {}
}

contract TokenUpgraded is Initializable {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;
    uint128 public cap;
    uint64 public lastMint;
    uint64 public mintCount;
    address public minter;
    uint256[46] private __gap;
    uint256 public fee;

    function initialize() external initializer {}
}

/// A new version that inherits the old one and only adds variables.
contract TokenV3 is TokenUpgraded {
    bool public paused;
}
`,
  // A rename of a variable that keeps its type and slot.
  "Logic.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "./Initializable.sol";

contract LogicV1 is Initializable {
    address public admin;
    uint256 public count;

    function initialize() external initializer {
        admin = msg.sender;
    }
}

contract LogicV2 is Initializable {
    address public admin;
    uint256 public counter;
    uint256 public step;

    function initialize() external initializer {
        admin = msg.sender;
    }
}
`,
  // Packed variables: b widened from uint64 to uint128 keeps its slot and offset but not its type.
  "Packed.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract PackedV1 {
    uint128 public a;
    uint64 public b;
    uint64 public c;

    function initialize() external {}
}

contract PackedV2 {
    uint128 public a;
    uint128 public b;
    uint64 public c;

    function initialize() external {}
}
`,
  // Two unrelated implementations, and two versions of a contract that is no implementation (its constructor sets storage).
  "Unrelated.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "./Initializable.sol";

contract StakingPool is Initializable {
    uint256 public staked;
    address public token;
}

contract RewardsPool is Initializable {
    address public token;
    mapping(address => uint256) public rewards;
}

contract RegistryV1 {
    address public owner;
    uint256 public entries;

    constructor() {
        owner = msg.sender;
    }

    function initialize() external {}
}

contract RegistryV2 {
    uint256 public entries;
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function initialize() external {}
}
`,
};

describe("audit: proxy-storage-collision between versions of an upgradeable implementation", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  const findings = (file: string, contract?: string): Finding[] =>
    result.findings.filter((f) => f.file === file && f.detector === "proxy-storage-collision" && (contract === undefined || f.contract === contract));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-upgrade-layout-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("a variable deleted from the middle: the next one reads its slot (high), reported in the new version's file", function () {
    expect(findings("VaultV1.sol")).to.deep.equal([]);
    const found = findings("VaultV2.sol", "VaultV2");
    expect(found).to.have.lengthOf(1);
    const f = found[0]!;
    expect(f.category).to.equal("access_control");
    expect(f.severity).to.equal("high");
    expect(f.confidence).to.equal("medium");
    expect(f.lines).to.deep.equal([7]);
    expect(f.message).to.include("VaultV1").and.include("VaultV2").and.include("slot 2");
    expect(f.message).to.include("`address feeRecipient`").and.include("`mapping(address => uint256) shares`");
    expect(f.message).to.match(/deleted/);
    expect(f.remediation).to.match(/deprecated/).and.match(/validateUpgrade/).and.match(/ERC-7201/);
  });

  it("a variable turned into a constant: the ones after it shift (high), on the constant and on the variable now in its slot", function () {
    const found = findings("Implementation.sol");
    expect(found.map((f) => f.contract)).to.deep.equal(["ImplementationB"]);
    const f = found[0]!;
    expect(f.severity).to.equal("high");
    expect(f.lines).to.deep.equal([17, 18]);
    expect(f.message).to.include("ImplementationA").and.include("slot 1");
    expect(f.message).to.include("`uint256 fee`").and.include("`uint256 limit`").and.match(/constant/);
  });

  it("a packed variable that changes type in place is reported", function () {
    const found = findings("Packed.sol");
    expect(found.map((f) => f.contract)).to.deep.equal(["PackedV2"]);
    expect(found[0]!.lines).to.deep.equal([14]);
    expect(found[0]!.message).to.include("slot 0 (offset 16)").and.include("`uint64 b`").and.include("`uint128 b`");
  });

  it("is silent when the new version only appends variables (shrinking a storage gap) or inherits the old one", function () {
    expect(findings("Token.sol")).to.deep.equal([]);
  });

  it("is silent on a rename that keeps the type and the slot", function () {
    expect(findings("Logic.sol")).to.deep.equal([]);
  });

  it("is silent on unrelated implementations and on versioned contracts that are no implementations", function () {
    expect(findings("Unrelated.sol")).to.deep.equal([]);
  });
});
