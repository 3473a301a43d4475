/**
 * Rules of existing detectors that a fixture pair cannot show on its own (each pair's vulnerable file holds exactly one
 * finding per detector): a token balance held to the contract's own record (forced-ether-balance), spot reserves read
 * through a library helper (oracle-spot-price), and a bid check whose owner alternative does not restrict the caller.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";


const SOURCES: Record<string, string> = {
  "TokenBalanceVault.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IAsset {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// Requires its token balance to equal the shares it has issued: one donated token halts flashLoan for good.
contract TokenBalanceVault {
    IAsset public immutable asset;
    uint256 public totalShares;

    constructor(IAsset asset_) {
        asset = asset_;
    }

    function totalAssets() public view returns (uint256) {
        return asset.balanceOf(address(this));
    }

    function deposit(uint256 amount) external {
        require(asset.transferFrom(msg.sender, address(this), amount), "transfer");
        totalShares += amount;
    }

    function flashLoan(address to, uint256 amount) external {
        uint256 balanceBefore = totalAssets();
        require(totalShares == balanceBefore, "invariant");
        require(asset.transfer(to, amount), "transfer");
        require(totalAssets() >= balanceBefore, "not repaid");
    }
}
`,
  "LibraryReservesLending.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IPairLike {
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
}

library PairLibrary {
    function getReserves(IPairLike pair) internal view returns (uint256 reserveA, uint256 reserveB) {
        (uint112 r0, uint112 r1, ) = pair.getReserves();
        (reserveA, reserveB) = (r0, r1);
    }
}

interface IStable {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Prices collateral at the pair's current reserves, read through a library helper.
contract LibraryReservesLending {
    IPairLike public immutable pair;
    IStable public immutable stable;
    mapping(address => uint256) public collateral;
    mapping(address => uint256) public debt;

    constructor(IPairLike pair_, IStable stable_) {
        pair = pair_;
        stable = stable_;
    }

    function borrow(uint256 amount) external {
        (uint256 reserveA, uint256 reserveB) = PairLibrary.getReserves(pair);
        uint256 value = (collateral[msg.sender] * reserveB) / reserveA;
        require(debt[msg.sender] + amount <= (value * 2) / 3, "undercollateralised");
        debt[msg.sender] += amount;
        require(stable.transfer(msg.sender, amount), "transfer failed");
    }

    function depositCollateral() external payable {
        collateral[msg.sender] += msg.value;
    }
}
`,
};

describe("audit: detector rules beyond the fixture pairs", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles both contracts", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(["compiled", "compiled"]);
  });

  it("forced-ether-balance: a token balance (through totalAssets()) held equal to the shares issued is a denial of service", function () {
    const found = result.findings.filter((f) => f.file === "TokenBalanceVault.sol" && f.detector === "forced-ether-balance");
    expect(found).to.have.lengthOf(1);
    expect(found[0]!.lines).to.deep.equal([30]);
    expect(found[0]!.severity).to.equal("medium");
    expect(found[0]!.message).to.match(/token balance/);
    expect(found[0]!.swc).to.include("SWC-132");
  });

  it("oracle-spot-price: reserves read through a library helper are a spot price", function () {
    const found = result.findings.filter((f) => f.file === "LibraryReservesLending.sol" && f.detector === "oracle-spot-price");
    expect(found, JSON.stringify(result.findings.map((f) => [f.file, f.detector, f.lines]))).to.have.lengthOf(1);
    expect(found[0]!.severity).to.equal("high");
    expect(found[0]!.lines).to.include(34);
  });
});
