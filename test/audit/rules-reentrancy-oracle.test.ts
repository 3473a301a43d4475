/**
 * Rules of the reentrancy and oracle-spot-price detectors that a fixture pair cannot show on its own: writes after the
 * call that a revert rolls back are no effects after the interaction, and a price quoted by a view of another project
 * contract from its own token balances or reserves is a spot price at the call site that charges or pays with it.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";


const SOURCES: Record<string, string> = {
  "RewardRace.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Pays the reward to the first claimant; the effects come first and a failed payment reverts them all.
contract RewardRace {
    error RewardRaceTransferFailed(address winner, uint256 reward);

    address public winner;
    bool public ended;
    uint256 public reward;
    uint256 public attempts;

    constructor() payable {
        reward = msg.value;
    }

    function claim() external {
        require(!ended, "ended");
        winner = msg.sender;
        ended = true;
        (bool sent, ) = payable(msg.sender).call{value: reward}("");
        if (!sent) {
            winner = address(0);
            ended = false;
            revert("Failed");
        }
    }

    function claimWithError() external {
        require(!ended, "ended");
        winner = msg.sender;
        ended = true;
        (bool sent, ) = payable(msg.sender).call{value: reward}("");
        if (!sent) {
            winner = address(0);
            ended = false;
            revert RewardRaceTransferFailed(msg.sender, reward);
        }
    }

    function claimRequireFalse() external {
        require(!ended, "ended");
        winner = msg.sender;
        ended = true;
        (bool sent, ) = payable(msg.sender).call{value: reward}("");
        if (!sent) {
            attempts += 1;
            require(false, "Failed");
        }
    }

    function claimAssertFalse() external {
        require(!ended, "ended");
        winner = msg.sender;
        ended = true;
        (bool sent, ) = payable(msg.sender).call{value: reward}("");
        if (!sent) {
            _reset();
            assert(false);
        }
    }

    function _reset() private {
        winner = address(0);
        ended = false;
    }
}
`,
  "RewardVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Zeroes the balance after paying it out: the failure branch reverts, the write after it stays an effect too late.
contract RewardVault {
    error RewardVaultTransferFailed(address account, uint256 amount);

    mapping(address => uint256) public balances;
    uint256 public failures;
    bool public strict;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool sent, ) = payable(msg.sender).call{value: amount}("");
        if (!sent) {
            failures += 1;
            revert RewardVaultTransferFailed(msg.sender, amount);
        }
        balances[msg.sender] = 0;
    }
}
`,
  "LenientVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Zeroes the balance on failure only when strict: the revert is conditional, so the write can outlive the call.
contract LenientVault {
    mapping(address => uint256) public balances;
    bool public strict;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        (bool sent, ) = payable(msg.sender).call{value: amount}("");
        if (!sent) {
            balances[msg.sender] = 0;
            if (strict) revert("Failed");
        }
    }
}
`,
  "IPoolToken.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IPoolToken {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
}
`,
  "BadExchange.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IPoolToken} from "./IPoolToken.sol";

/// A constant-product pool of USDC and WETH that quotes from its current balances.
contract BadExchange {
    IPoolToken public immutable poolToken;
    IPoolToken public immutable weth;

    constructor(IPoolToken poolToken_, IPoolToken weth_) {
        poolToken = poolToken_;
        weth = weth_;
    }

    function getOutputAmountBasedOnInput(
        uint256 inputAmount,
        uint256 inputReserves,
        uint256 outputReserves
    ) public pure returns (uint256) {
        uint256 inputAmountMinusFee = inputAmount * 997;
        return (inputAmountMinusFee * outputReserves) / (inputReserves * 1000 + inputAmountMinusFee);
    }

    function getPriceOfUSDCInWeth() external view returns (uint256) {
        return getOutputAmountBasedOnInput(1e18, poolToken.balanceOf(address(this)), weth.balanceOf(address(this)));
    }

    function getPriceOfWethInUSDC() external view returns (uint256) {
        return _quote(1e18, weth.balanceOf(address(this)), poolToken.balanceOf(address(this)));
    }

    function poolTokenReserve() external view returns (uint256) {
        return poolToken.balanceOf(address(this));
    }

    function _quote(uint256 amount, uint256 inReserve, uint256 outReserve) private pure returns (uint256) {
        return getOutputAmountBasedOnInput(amount, inReserve, outReserve);
    }
}
`,
  "ReservePool.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Keeps its reserves in storage, as a Uniswap V2 pair does, and quotes from them.
contract ReservePool {
    uint112 private reserve0;
    uint112 private reserve1;

    function getReserves() public view returns (uint112, uint112) {
        return (reserve0, reserve1);
    }

    function spotPrice() external view returns (uint256) {
        (uint112 r0, uint112 r1) = getReserves();
        return (uint256(r1) * 1e18) / r0;
    }

    function sync(uint112 r0, uint112 r1) external {
        (reserve0, reserve1) = (r0, r1);
    }
}
`,
  "TwapExchange.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IPoolToken} from "./IPoolToken.sol";

interface ITwapOracle {
    function consult(address token, uint256 amountIn) external view returns (uint256 amountOut);
}

/// Quotes from its balances only within 2 % of a time-weighted average: the spot value is checked against the TWAP.
contract TwapExchange {
    IPoolToken public immutable poolToken;
    IPoolToken public immutable weth;
    ITwapOracle public immutable twap;

    constructor(IPoolToken poolToken_, IPoolToken weth_, ITwapOracle twap_) {
        poolToken = poolToken_;
        weth = weth_;
        twap = twap_;
    }

    function getPriceOfUSDCInWeth() external view returns (uint256) {
        uint256 spot = (weth.balanceOf(address(this)) * 1e18) / poolToken.balanceOf(address(this));
        uint256 average = twap.consult(address(poolToken), 1e18);
        require(spot * 100 <= average * 102 && spot * 102 >= average * 100, "price deviates");
        return spot;
    }
}
`,
  "BookShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {BadExchange} from "./BadExchange.sol";

/// Sells books priced in USDC for ether at the exchange's current quote.
contract BookShop {
    error BookShopUnderpaid(uint256 paid, uint256 price);

    uint256 public constant BOOK_PRICE_USDC = 10e18;
    BadExchange public immutable exchange;
    mapping(uint256 => address) public ownerOf;
    uint256 public nextBookId;

    constructor(BadExchange exchange_) {
        exchange = exchange_;
    }

    function buyBook() external payable {
        uint256 priceInWeth = (exchange.getPriceOfUSDCInWeth() * BOOK_PRICE_USDC) / 1e18;
        if (msg.value < priceInWeth) revert BookShopUnderpaid(msg.value, priceInWeth);
        ownerOf[nextBookId++] = msg.sender;
    }
}
`,
  "ExactShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {BadExchange} from "./BadExchange.sol";

/// Charges exactly the exchange's current quote, through a public helper: a pushed-down quote is a discount.
contract ExactShop {
    uint256 public constant BOOK_PRICE_USDC = 100;
    BadExchange public immutable exchange;
    uint256 public sold;

    constructor(BadExchange exchange_) {
        exchange = exchange_;
    }

    function buy() external payable {
        if (msg.value != price()) {
            revert();
        }
        sold = sold + 1;
    }

    function price() public view returns (uint256) {
        return exchange.getPriceOfUSDCInWeth() * BOOK_PRICE_USDC;
    }
}
`,
  "WethDesk.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {BadExchange} from "./BadExchange.sol";
import {IPoolToken} from "./IPoolToken.sol";

/// Pays out USDC for ether at the exchange's current quote.
contract WethDesk {
    BadExchange public immutable exchange;
    IPoolToken public immutable usdc;

    constructor(BadExchange exchange_, IPoolToken usdc_) {
        exchange = exchange_;
        usdc = usdc_;
    }

    function sellWeth() external payable {
        uint256 usdcOut = (msg.value * exchange.getPriceOfWethInUSDC()) / 1e18;
        require(usdc.transfer(msg.sender, usdcOut), "transfer failed");
    }
}
`,
  "ReserveLender.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ReservePool} from "./ReservePool.sol";
import {IPoolToken} from "./IPoolToken.sol";

/// Lends against ether collateral valued at the pool's stored reserves.
contract ReserveLender {
    ReservePool public immutable pool;
    IPoolToken public immutable stable;
    mapping(address => uint256) public collateral;
    mapping(address => uint256) public debt;

    constructor(ReservePool pool_, IPoolToken stable_) {
        pool = pool_;
        stable = stable_;
    }

    function depositCollateral() external payable {
        collateral[msg.sender] += msg.value;
    }

    function borrow(uint256 amount) external {
        uint256 value = (collateral[msg.sender] * pool.spotPrice()) / 1e18;
        require(debt[msg.sender] + amount <= (value * 2) / 3, "undercollateralised");
        debt[msg.sender] += amount;
        require(stable.transfer(msg.sender, amount), "transfer failed");
    }
}
`,
  "TwapBookShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {TwapExchange} from "./TwapExchange.sol";

/// Sells books at the quote of an exchange that checks its spot price against a TWAP.
contract TwapBookShop {
    error TwapBookShopUnderpaid(uint256 paid, uint256 price);

    uint256 public constant BOOK_PRICE_USDC = 10e18;
    TwapExchange public immutable exchange;
    mapping(uint256 => address) public ownerOf;
    uint256 public nextBookId;

    constructor(TwapExchange exchange_) {
        exchange = exchange_;
    }

    function buyBook() external payable {
        uint256 priceInWeth = (exchange.getPriceOfUSDCInWeth() * BOOK_PRICE_USDC) / 1e18;
        if (msg.value < priceInWeth) revert TwapBookShopUnderpaid(msg.value, priceInWeth);
        ownerOf[nextBookId++] = msg.sender;
    }
}
`,
  "PriceLogger.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {BadExchange} from "./BadExchange.sol";

/// Publishes the exchange's quote and the pool's USDC reserve; nothing is priced with them.
contract PriceLogger {
    event PriceLogged(uint256 priceOfUSDCInWeth, uint256 usdcReserve, uint256 count);

    BadExchange public immutable exchange;
    uint256 public count;

    constructor(BadExchange exchange_) {
        exchange = exchange_;
    }

    function log() external {
        count += 1;
        emit PriceLogged(exchange.getPriceOfUSDCInWeth(), exchange.poolTokenReserve(), count);
    }
}
`,
  "ReserveShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {BadExchange} from "./BadExchange.sol";

/// Sells tickets for ether with a price scaled by the exchange's USDC balance alone (not a ratio of two reserves).
contract ReserveShop {
    BadExchange public immutable exchange;
    mapping(address => uint256) public tickets;

    constructor(BadExchange exchange_) {
        exchange = exchange_;
    }

    function buyTicket() external payable {
        require(msg.value >= exchange.poolTokenReserve() / 1e12, "underpaid");
        tickets[msg.sender] += 1;
    }
}
`,
};

/** The 1-based line of the only line of `file` that contains `snippet`. */
function lineOf(file: string, snippet: string): number {
  const lines = SOURCES[file]!.split("\n");
  const at = lines.flatMap((l, i) => (l.includes(snippet) ? [i + 1] : []));
  expect(at, `${snippet} in ${file}`).to.have.lengthOf(1);
  return at[0]!;
}

describe("audit: reentrancy rollback and project-contract spot quotes", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-reentrancy-oracle-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const findings = (file: string, detector: string) => result.findings.filter((f) => f.file === file && f.detector === detector);
  const all = () => JSON.stringify(result.findings.map((f) => [f.file, f.detector, f.lines]));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("reentrancy: writes in a branch ending in revert(…), revert Error(…), require(false) or assert(false) are rolled back", function () {
    expect(findings("RewardRace.sol", "reentrancy"), all()).to.deep.equal([]);
  });

  it("reentrancy: a write after the call outside the reverting branch is still reported, without the rolled-back write", function () {
    const found = findings("RewardVault.sol", "reentrancy");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.category).to.equal("reentrancy");
    expect(found[0]!.severity).to.equal("high");
    expect(found[0]!.lines).to.deep.equal([
      lineOf("RewardVault.sol", ".call{value: amount}"),
      lineOf("RewardVault.sol", "balances[msg.sender] = 0;"),
    ]);
    expect(found[0]!.message).to.match(/balances/).and.not.match(/failures/);
  });

  it("reentrancy: a write before a revert that is itself conditional is reported", function () {
    const found = findings("LenientVault.sol", "reentrancy");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([
      lineOf("LenientVault.sol", ".call{value: amount}"),
      lineOf("LenientVault.sol", "balances[msg.sender] = 0;"),
    ]);
  });

  it("oracle-spot-price: a project exchange's quote from its own balances, held against msg.value for a sale, is a spot price", function () {
    const found = findings("BookShop.sol", "oracle-spot-price");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.category).to.equal("oracle_manipulation");
    expect(found[0]!.severity).to.equal("high");
    expect(found[0]!.function).to.equal("buyBook");
    expect(found[0]!.lines).to.deep.equal([
      lineOf("BookShop.sol", "exchange.getPriceOfUSDCInWeth()"),
      lineOf("BookShop.sol", "if (msg.value < priceInWeth)"),
    ]);
    expect(found[0]!.message).to.match(/exchange\.getPriceOfUSDCInWeth\(\)/);
  });

  it("oracle-spot-price: msg.value required to equal a project exchange's own-state quote (through a public helper) is a spot price", function () {
    const found = findings("ExactShop.sol", "oracle-spot-price");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.function).to.equal("buy");
    expect(found[0]!.lines).to.include(lineOf("ExactShop.sol", "if (msg.value != price())"));
  });

  it("oracle-spot-price: a quote followed through the exchange's internal helpers and paid out in a transfer is a spot price", function () {
    const found = findings("WethDesk.sol", "oracle-spot-price");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.category).to.equal("oracle_manipulation");
    expect(found[0]!.lines).to.deep.equal([
      lineOf("WethDesk.sol", "exchange.getPriceOfWethInUSDC()"),
      lineOf("WethDesk.sol", "usdc.transfer(msg.sender, usdcOut)"),
    ]);
  });

  it("oracle-spot-price: a quote from the pool's own getReserves() that values collateral for a loan is a spot price", function () {
    const found = findings("ReserveLender.sol", "oracle-spot-price");
    expect(found, all()).to.have.lengthOf(1);
    expect(found[0]!.category).to.equal("oracle_manipulation");
    expect(found[0]!.lines).to.include(lineOf("ReserveLender.sol", "pool.spotPrice()"));
    expect(found[0]!.lines).to.include(lineOf("ReserveLender.sol", "require(debt[msg.sender] + amount <= (value * 2) / 3"));
  });

  it("oracle-spot-price: the providers themselves are not reported for their own quotes", function () {
    for (const file of ["BadExchange.sol", "ReservePool.sol", "TwapExchange.sol"]) {
      expect(findings(file, "oracle-spot-price"), all()).to.deep.equal([]);
    }
  });

  it("oracle-spot-price: a quote checked against a TWAP (consult) by the exchange is silent", function () {
    expect(findings("TwapBookShop.sol", "oracle-spot-price"), all()).to.deep.equal([]);
  });

  it("oracle-spot-price: a quote that is only emitted is silent", function () {
    expect(findings("PriceLogger.sol", "oracle-spot-price"), all()).to.deep.equal([]);
  });

  it("oracle-spot-price: a single balance of the exchange (no ratio of two reserves) is not a price", function () {
    expect(findings("ReserveShop.sol", "oracle-spot-price"), all()).to.deep.equal([]);
  });
});
