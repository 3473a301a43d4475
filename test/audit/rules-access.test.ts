/**
 * Access-control rules a fixture pair cannot show on its own: what authorises a mint, a burn, a payout or a role
 * besides a caller check (ether paid in, an allowance spent, the caller's own balance debited, a payment the guard
 * asks for), an initializer nothing stops from running again, and a caller check written in inline assembly.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";


const TOKEN = `
abstract contract Token {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    function _mint(address to, uint256 amount) internal {
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    function _burn(address from, uint256 amount) internal {
        balanceOf[from] -= amount;
        totalSupply -= amount;
    }
}
`;

const SOURCES: Record<string, string> = {
  "Wrapped.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
${TOKEN}
/// WETH-like: a deposit mints the ether sent; a withdrawal burns the caller's own tokens before paying.
contract Wrapped is Token {
    function deposit() public payable {
        _mint(msg.sender, msg.value);
    }

    function withdraw(uint256 amount) external {
        _burn(msg.sender, amount);
        payable(msg.sender).transfer(amount);
    }
}

/// The same shapes without the backing: a mint of a chosen amount and a payout with no debit.
contract FreeWrapped is Token {
    function deposit(uint256 amount) public payable {
        _mint(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        payable(msg.sender).transfer(amount);
    }
}
`,
  "ShareVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
${TOKEN}
/// ERC-4626-style redeem: burning another owner's shares spends that owner's allowance to the caller first.
contract ShareVault is Token {
    function redeem(uint256 shares, address owner) external {
        if (msg.sender != owner) {
            uint256 allowed = allowance[owner][msg.sender];
            if (allowed != type(uint256).max) allowance[owner][msg.sender] = allowed - shares;
        }
        _burn(owner, shares);
    }
}

/// The same burn with no allowance spent.
contract OpenShareVault is Token {
    function redeem(uint256 shares, address owner) external {
        _burn(owner, shares);
    }
}
`,
  "Throne.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A king-of-the-hill: the throne is bought by paying more than the last king. Only the king may abdicate.
contract Throne {
    address public king;
    uint256 public price;

    function claim() external payable {
        require(msg.value > price, "pay more");
        king = msg.sender;
        price = msg.value;
    }

    function abdicate() external {
        require(msg.sender == king, "not king");
        king = address(0);
    }
}

/// The owner's seat for any payment at all: still an owner anyone takes.
contract CheapOwner {
    address public owner;

    function buy() external payable {
        require(msg.value > 0, "pay");
        owner = msg.sender;
    }

    function sweep() external {
        require(msg.sender == owner, "not owner");
        payable(owner).transfer(address(this).balance);
    }
}
`,
  "Init.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// initialize() sets a flag nothing checks: anyone runs it again and resets the value.
contract Reinitialisable {
    uint256 public value;
    bool public initialized;

    function initialize(uint256 start) public {
        value = start;
        initialized = true;
    }
}

/// The flag is checked: the first call wins and later calls revert.
contract InitialisedOnce {
    uint256 public value;
    bool public initialized;

    function initialize(uint256 start) public {
        require(!initialized, "initialised");
        value = start;
        initialized = true;
    }
}
`,
  "AsmAdmin.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// solady style: the admin check is in inline assembly.
contract AsmAdmin {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function setOwner(address newOwner) external {
        assembly {
            if iszero(eq(sload(owner.slot), caller())) {
                mstore(0x00, 0x82b42900)
                revert(0x1c, 0x04)
            }
        }
        owner = newOwner;
    }
}

/// The same assembly block without the revert checks nothing.
contract AsmNoCheck {
    address public owner;

    constructor() {
        owner = msg.sender;
    }

    function setOwner(address newOwner) external {
        bool same;
        assembly {
            if iszero(eq(sload(owner.slot), caller())) {
                same := 0
            }
        }
        owner = newOwner;
    }
}
`,
};

describe("audit: access-control rules beyond the fixture pairs", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;
  // centralization-risk lists the functions a caller check guards (information), not a missing check
  const findings = (file: string, contract: string, detector?: string): Finding[] =>
    result.findings.filter((f) => f.file === file && f.contract === contract && f.category === "access_control" && f.detector !== "centralization-risk" && (detector === undefined || f.detector === detector));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-access-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("unprotected-mint: a mint of the ether sent (WETH's deposit) is backed; a mint of a chosen amount is not", function () {
    expect(findings("Wrapped.sol", "Wrapped", "unprotected-mint")).to.deep.equal([]);
    expect(findings("Wrapped.sol", "FreeWrapped", "unprotected-mint")).to.have.lengthOf(1);
  });

  it("unprotected-ether-withdrawal: paying out what the caller's own tokens were burnt for is not a free withdrawal", function () {
    expect(findings("Wrapped.sol", "Wrapped", "unprotected-ether-withdrawal")).to.deep.equal([]);
    const free = findings("Wrapped.sol", "FreeWrapped", "unprotected-ether-withdrawal");
    expect(free).to.have.lengthOf(1);
    expect(free[0]!.severity).to.equal("high");
  });

  it("unprotected-burn: burning an owner's shares after spending their allowance to the caller is authorised", function () {
    expect(findings("ShareVault.sol", "ShareVault", "unprotected-burn")).to.deep.equal([]);
    expect(findings("ShareVault.sol", "OpenShareVault", "unprotected-burn")).to.have.lengthOf(1);
  });

  it("unprotected-owner-setter: a throne bought with the payment the guard asks for is no takeover; an owner seat sold for any ether is", function () {
    expect(findings("Throne.sol", "Throne")).to.deep.equal([]);
    const owner = findings("Throne.sol", "CheapOwner", "unprotected-owner-setter");
    expect(owner).to.have.lengthOf(1);
    expect(owner[0]!.function).to.equal("buy");
  });

  it("unprotected-initializer: an initialize() that nothing stops from running again is reported (medium); a checked one is not", function () {
    const again = findings("Init.sol", "Reinitialisable", "unprotected-initializer");
    expect(again).to.have.lengthOf(1);
    expect(again[0]!.severity).to.equal("medium");
    expect(again[0]!.lines).to.deep.equal([9]);
    expect(again[0]!.message).to.match(/again after it ran/);
    expect(findings("Init.sol", "InitialisedOnce")).to.deep.equal([]);
  });

  it("a caller check in inline assembly that reverts protects the function; one that does not revert does not", function () {
    expect(findings("AsmAdmin.sol", "AsmAdmin")).to.deep.equal([]);
    expect(findings("AsmAdmin.sol", "AsmNoCheck", "unprotected-owner-setter")).to.have.lengthOf(1);
  });
});
