/**
 * DeFi rules the fixture pairs do not show: a fee-on-transfer concern is low when the deployer fixed the token, a token
 * whose overrides only add checks moves exactly the amount asked, a deadline parameter nobody reads, and a pool's own
 * quote of its current price used as a price.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const TOKEN = `
interface IVaultToken {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}
`;

const SOURCES: Record<string, string> = {
  "FixedTokenVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
${TOKEN}
/// One token, chosen by the deployer.
contract FixedTokenVault {
    IVaultToken public immutable token;
    mapping(address => uint256) public balances;

    constructor(IVaultToken token_) {
        token = token_;
    }

    function deposit(uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount), "transfer");
        balances[msg.sender] += amount;
    }
}
`,
  "SettableTokenVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
${TOKEN}
/// The token can be replaced after deployment: any token may come to sit behind deposit().
contract SettableTokenVault {
    IVaultToken public token;
    address public immutable owner = msg.sender;
    mapping(address => uint256) public balances;

    function setToken(IVaultToken token_) external {
        require(msg.sender == owner, "owner");
        token = token_;
    }

    function deposit(uint256 amount) external {
        require(token.transferFrom(msg.sender, address(this), amount), "transfer");
        balances[msg.sender] += amount;
    }
}
`,
  "CheckedToken.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// OpenZeppelin's ERC20 plus a pause flag: the overrides only add checks.
contract CheckedToken is ERC20 {
    bool public paused;

    constructor() ERC20("Checked", "CHK") {
        _mint(msg.sender, 1e24);
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        require(!paused, "paused");
        return super.transfer(to, amount);
    }
}

/// Ignores the result of a transfer on a token that reverts on failure: nothing to check.
contract CheckedTokenPayer {
    CheckedToken public immutable token;

    constructor(CheckedToken token_) {
        token = token_;
    }

    function pay(address to, uint256 amount) external {
        token.transfer(to, amount);
    }
}

/// A token whose override changes the amount: not a pass-through.
contract TaxedToken is ERC20 {
    constructor() ERC20("Taxed", "TAX") {
        _mint(msg.sender, 1e24);
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        return super.transfer(to, amount - amount / 100);
    }
}

contract TaxedTokenPayer {
    TaxedToken public immutable token;

    constructor(TaxedToken token_) {
        token = token_;
    }

    function pay(address to, uint256 amount) external {
        token.transfer(to, amount);
    }
}
`,
  "DeadlinePool.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Three ways to take a deadline: ignored, checked in the body, checked by a modifier.
contract DeadlinePool {
    error DeadlinePassed(uint64 deadline);

    mapping(address => uint256) public liquidity;

    modifier before(uint64 deadline) {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline);
        _;
    }

    function addIgnoringDeadline(uint256 amount, uint64 deadline) external payable {
        require(msg.value == amount, "value");
        liquidity[msg.sender] += amount;
    }

    function addChecked(uint256 amount, uint64 deadline) external payable {
        if (block.timestamp > deadline) revert DeadlinePassed(deadline);
        require(msg.value == amount, "value");
        liquidity[msg.sender] += amount;
    }

    function addWithModifier(uint256 amount, uint64 deadline) external payable before(deadline) {
        require(msg.value == amount, "value");
        liquidity[msg.sender] += amount;
    }

    function quote(uint256 amount, uint64 deadline) external view returns (uint256) {
        return amount;
    }
}
`,
  "ReserveGetterLender.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// An AMM whose reserves are public state: the lender reads them one getter at a time.
contract TinyAmm {
    uint256 public tokenReserve;
    uint256 public ethReserve;
}

contract ReserveGetterLender {
    TinyAmm public immutable amm;
    IERC20Like public immutable token;
    mapping(address => uint256) public collateral;

    constructor(TinyAmm amm_, IERC20Like token_) {
        amm = amm_;
        token = token_;
    }

    function borrowEth(uint256 ethAmount) external {
        uint256 tokenQuote = (amm.tokenReserve() * ethAmount) / amm.ethReserve();
        collateral[msg.sender] += tokenQuote;
        require(token.transferFrom(msg.sender, address(this), tokenQuote), "collateral");
        payable(msg.sender).transfer(ethAmount);
    }
}
`,
  "PoolPriceLender.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IQuotePool {
    function getPriceOfOneTokenInWeth() external view returns (uint256);
}

/// Lends against collateral priced by the pool's own quote of its current reserves.
contract PoolPriceLender {
    IQuotePool public immutable pool;
    mapping(address => uint256) public collateral;

    constructor(IQuotePool pool_) {
        pool = pool_;
    }

    receive() external payable {}

    function borrow(uint256 tokens) external {
        uint256 value = (tokens * pool.getPriceOfOneTokenInWeth()) / 1e18;
        collateral[msg.sender] += tokens;
        payable(msg.sender).transfer(value / 2);
    }
}
`,
  "MiniPool.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IPoolERC20 {
    function balanceOf(address account) external view returns (uint256);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// A constant-product pool: one swap lets the caller bound it, the other does not.
contract MiniPool {
    error MiniPoolTooLittle(uint256 out, uint256 min);

    function quoteIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        return (reserveIn * amountOut * 1000) / ((reserveOut - amountOut) * 997) + 1;
    }

    function swapExactOutput(IPoolERC20 tokenIn, IPoolERC20 tokenOut, uint256 amountOut) external returns (uint256 amountIn) {
        amountIn = quoteIn(amountOut, tokenIn.balanceOf(address(this)), tokenOut.balanceOf(address(this)));
        _move(tokenIn, tokenOut, amountIn, amountOut);
    }

    function swapExactInput(IPoolERC20 tokenIn, IPoolERC20 tokenOut, uint256 amountIn, uint256 minAmountOut) external returns (uint256 amountOut) {
        uint256 rIn = tokenIn.balanceOf(address(this));
        uint256 rOut = tokenOut.balanceOf(address(this));
        amountOut = (amountIn * 997 * rOut) / (rIn * 1000 + amountIn * 997);
        if (amountOut < minAmountOut) revert MiniPoolTooLittle(amountOut, minAmountOut);
        _move(tokenIn, tokenOut, amountIn, amountOut);
    }

    function _move(IPoolERC20 tokenIn, IPoolERC20 tokenOut, uint256 amountIn, uint256 amountOut) private {
        require(tokenIn.transferFrom(msg.sender, address(this), amountIn), "in");
        require(tokenOut.transfer(msg.sender, amountOut), "out");
    }
}

/// Sells at a fixed price: nothing a searcher can move.
contract FixedPriceShop {
    IPoolERC20 public immutable token;
    uint256 public constant PRICE = 1e15;

    constructor(IPoolERC20 token_) {
        token = token_;
    }

    function buy(uint256 amount) external payable {
        require(msg.value == amount * PRICE, "price");
        require(token.transfer(msg.sender, amount), "out");
    }
}
`,
};

describe("audit rules: fixed tokens, pass-through tokens, unread deadlines, pool quotes", function () {
  this.timeout(240_000);
  let dir: string;
  let result: AuditResult;

  before(async () => {
    ({ dir, result } = await scanSources("audit-defi-more-", SOURCES));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const of = (file: string, detector: string, fn?: string): Finding[] =>
    result.findings.filter((f) => f.file === file && f.detector === detector && (fn === undefined || f.function === fn));

  it("compiles every source", () => {
    expect(result.files.filter((f) => f.status !== "compiled").map((f) => `${f.file}: ${f.status} ${f.message ?? ""}`)).to.deep.equal([]);
  });

  it("rates fee-on-transfer accounting low when the deployer fixed the token", () => {
    const [f] = of("FixedTokenVault.sol", "fee-on-transfer-accounting");
    expect(f?.severity).to.equal("low");
    expect(f?.message, f?.message).to.match(/fixed at deployment/);
  });

  it("keeps it medium when the token can be replaced after deployment", () => {
    const [f] = of("SettableTokenVault.sol", "fee-on-transfer-accounting");
    expect(f?.severity).to.equal("medium");
  });

  it("reads a token whose overrides only add checks as reverting on failure (no unchecked-transfer finding)", () => {
    expect(of("CheckedToken.sol", "unchecked-erc20-transfer", "pay").filter((f) => f.contract === "CheckedTokenPayer")).to.deep.equal([]);
  });

  it("does not read an override that changes the amount as a pass-through (low: the deployer fixed the token)", () => {
    const hits = of("CheckedToken.sol", "unchecked-erc20-transfer", "pay").filter((f) => f.contract === "TaxedTokenPayer");
    expect(hits.map((f) => f.severity)).to.deep.equal(["low"]);
    expect(hits[0]!.message).to.match(/fixed at deployment/);
  });

  it("reports a deadline parameter the function never reads", () => {
    const [f, ...rest] = of("DeadlinePool.sol", "missing-slippage");
    expect(rest).to.deep.equal([]);
    expect(f?.function).to.equal("addIgnoringDeadline");
    expect([f?.severity, f?.confidence]).to.deep.equal(["medium", "high"]);
    expect(f?.lines).to.deep.equal([15]);
    expect(f?.message).to.match(/takes `deadline` but never reads it/);
  });

  it("reports a swap priced from the pool's own reserves that the caller cannot bound", () => {
    const hits = of("MiniPool.sol", "missing-slippage");
    expect(hits.map((f) => [f.function, f.severity])).to.deep.equal([["swapExactOutput", "medium"]]);
    expect(hits[0]!.lines).to.include(20);
    expect(hits[0]!.message).to.match(/cannot bound it/);
  });

  it("stays silent on a swap with a minimum output and on a fixed-price sale", () => {
    expect(of("MiniPool.sol", "missing-slippage", "swapExactInput")).to.deep.equal([]);
    expect(of("MiniPool.sol", "missing-slippage").filter((f) => f.contract === "FixedPriceShop")).to.deep.equal([]);
  });

  it("reports a price made of another contract's reserve getters (amm.tokenReserve() / amm.ethReserve()) used to pay out", () => {
    const hits = of("ReserveGetterLender.sol", "oracle-spot-price", "borrowEth");
    expect(hits).to.have.length(1);
    expect(hits[0]!.lines).to.include(25);
    expect(hits[0]!.severity).to.equal("high");
  });

  it("reports a pool's quote of its current price used to pay out", () => {
    const hits = of("PoolPriceLender.sol", "oracle-spot-price", "borrow");
    expect(hits).to.have.length(1);
    expect(hits[0]!.lines).to.include(20);
  });
});
