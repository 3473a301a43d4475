/**
 * Logic slips solc accepts (audit/detectors/logic.ts): msg.value read where only non-payable functions reach it, comparisons
 * decided by the operand's type or made with itself, boolean literals deciding a condition, and modifiers with a path
 * that neither runs `_` nor reverts. Each silencing condition has a safe contract that proves it.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";

const SOURCES: Record<string, string> = {
  "FeeModifier.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The price modifier sits on an internal function that only the non-payable mint() calls (solc allows that).
contract FeeModifier {
    uint256 public price = 0.1 ether;
    mapping(address => uint256) public minted;

    modifier paid(uint256 count) {
        require(msg.value >= price * count, "price");
        _;
    }

    function _mintTo(address to, uint256 count) internal paid(count) {
        minted[to] += count;
    }

    function mint(uint256 count) external {
        _mintTo(msg.sender, count);
    }
}
`,
  "RefundShop.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The refund helper of an abstract base, two internal calls away from the concrete shop's non-payable buy().
abstract contract RefundBase {
    function _refundExcess(uint256 cost) internal {
        if (msg.value > cost) payable(msg.sender).transfer(msg.value - cost);
    }

    function _charge(uint256 cost) internal {
        _refundExcess(cost);
    }
}

contract RefundShop is RefundBase {
    mapping(address => uint256) public bought;

    function buy(uint256 cost) external {
        _charge(cost);
        bought[msg.sender] += cost;
    }
}
`,
  "OldTipJar.sol": `pragma solidity ^0.4.24;

/// Before 0.5 solc accepts msg.value in a non-payable public function: a tip is always 0.
contract OldTipJar {
    mapping(address => uint256) public tips;

    function tip(address to) public {
        tips[to] += msg.value;
    }
}
`,
  "PayableReach.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Each helper that reads msg.value is reached by something payable: receive(), a payable fallback, a payable function
/// through a modifier, a payable constructor; a concrete child adds a payable caller to its concrete base's helper.
contract ViaReceive {
    mapping(address => uint256) public booked;

    receive() external payable {
        _book();
    }

    function book() external {
        _book();
    }

    function _book() internal {
        booked[msg.sender] += msg.value;
    }
}

contract ViaFallback {
    uint256 public total;

    fallback() external payable {
        _add();
    }

    function poke() external {
        _add();
    }

    function _add() internal {
        total += msg.value;
    }
}

contract ViaModifier {
    uint256 public price = 1 ether;
    uint256 public sold;

    modifier costs() {
        require(msg.value >= price, "price");
        _;
    }

    function _sell() internal costs {
        sold++;
    }

    function buy() external payable costs {
        sold++;
    }

    function buyLater() external {
        _sell();
    }
}

contract ViaConstructor {
    uint256 public seed;

    constructor() payable {
        _seed();
    }

    function _seed() internal {
        seed = msg.value;
    }
}

contract PlainBase {
    mapping(address => uint256) public credit;

    function _credit() internal {
        credit[msg.sender] += msg.value;
    }

    function ping() external {
        _credit();
    }
}

contract PayingChild is PlainBase {
    function pay() external payable {
        _credit();
    }
}
`,
  "ValueContexts.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A library's internal function and a free function run in the caller's context; a zero check holds anyway; an
/// abstract contract nothing concrete here inherits may get payable callers later; a helper used as a function value
/// has callers nobody can list.
library ValueLib {
    function paid() internal view returns (uint256) {
        return msg.value;
    }
}

function valueOf() view returns (uint256) {
    return msg.value;
}

contract UsesLibrary {
    uint256 public last;

    function record() external {
        last = ValueLib.paid() + valueOf();
    }
}

contract ZeroCheck {
    address public owner = msg.sender;

    function _noValue() internal view {
        require(msg.value == 0, "no ether");
        if (msg.value > 0) revert();
    }

    function sweep() external {
        _noValue();
        payable(owner).transfer(address(this).balance);
    }
}

abstract contract UnusedBase {
    uint256 public deposits;

    function _deposit() internal {
        deposits += msg.value;
    }

    function depositLater() external {
        _deposit();
    }
}

contract Pointer {
    uint256 public total;

    function _add() internal {
        total += msg.value;
    }

    function run() external {
        function() internal f = _add;
        f();
    }
}
`,
  "Tautologies.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Comparisons the operand's type (or the operand itself) decides.
contract Tautologies {
    struct Position {
        uint256 size;
        int8 leverage;
        uint64 stamp;
    }

    mapping(address => Position) public positions;
    uint8 public small;

    function net(uint256 a, uint256 b) external pure returns (uint256) {
        require(a - b >= 0, "underflow");
        return a - b;
    }

    function check(address who) external view returns (bool) {
        Position storage p = positions[who];
        require(p.size == p.size, "size");
        if (0 > p.size) revert();
        require(p.leverage >= -128, "leverage");
        require(p.stamp <= type(uint64).max, "stamp");
        if (p.stamp > 18446744073709551615) return false;
        return uint256(small) < 256;
    }

    function sumDown(uint256 n) external pure returns (uint256 s) {
        for (uint256 i = n; i >= 0; i--) {
            s += i;
            if (s > 100) break;
        }
    }

    function negative(uint256 x) external pure returns (bool flag) {
        flag = x < 0;
    }
}
`,
  "RealComparisons.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Comparisons that can go either way: strict bounds below the maximum, signed values against 0, a wider value
/// against a narrower type's maximum, different elements, calls that change state, two constants.
contract RealComparisons {
    int256 public pnl;
    uint256[] public prices;
    uint256 public nonce;
    uint256 public constant MAX_FEE = 1_000;
    uint256 public constant MIN_FEE = 10;

    function next() public returns (uint256) {
        return ++nonce;
    }

    function checks(uint256 x, uint8 y, uint256 i, uint256 j) external returns (bool) {
        require(x > 0 && x != 0 && x >= 1, "zero");
        require(x < type(uint256).max, "max");
        require(x <= type(uint128).max, "wide");
        require(y < 255 && y <= 254, "byte");
        require(pnl >= 0 || pnl < 0 - 1, "signed");
        require(prices[i] == prices[j], "prices");
        require(next() != next(), "nonce");
        require(MAX_FEE > MIN_FEE && 1 < 2, "constants");
        return true;
    }
}
`,
  "BooleanSwitches.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Boolean literals that decide a condition (medium) or do nothing at all (low).
contract BooleanSwitches {
    bool public enabled;
    uint256 public counter;

    function run(uint256 x) external {
        if (true) {
            counter = x;
        }
        if (!false) counter++;
        counter = enabled && false ? 1 : 2;
        require(true, "always");
        uint256 y = true ? x : 0;
        while (false) {
            counter--;
        }
        if (enabled && true) counter = y;
    }

    function spin() external {
        for (uint256 i; true; i++) {
            counter += i;
        }
    }
}
`,
  "BooleanValues.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Literals used as values, deliberate reverts, run-once blocks and endless loops that are left by break/return/revert.
contract BooleanValues {
    bool public paused = false;
    mapping(uint256 => bool) public taken;

    event Flag(bool value);

    function setPaused(bool value) external returns (bool) {
        paused = value;
        emit Flag(true);
        bool local = value ? true : false;
        _set(local, false);
        return true;
    }

    function _set(bool a, bool b) internal {
        paused = a || b;
    }

    function fail(uint256 code) external pure {
        if (code == 1) require(false, "one");
        if (code == 2) assert(false);
        revert("other");
    }

    function firstFree() external view returns (uint256 i) {
        while (true) {
            if (!taken[i]) return i;
            i++;
        }
    }

    function firstTaken() external view returns (uint256 i) {
        for (; true; i++) {
            if (taken[i]) break;
        }
    }

    function mustFind(uint256 limit) external view returns (uint256 i) {
        while (true) {
            if (i > limit) revert("none");
            if (taken[i]) break;
            i++;
        }
        do {
            i++;
        } while (false);
    }
}
`,
  "SkippingModifiers.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Modifiers with a path that neither runs the function nor reverts: an early return, an else that only logs, a
/// once-only guard (not about access: low), a nested condition on the caller, a window documented as the owner's.
contract SkippingModifiers {
    address public owner = msg.sender;
    bool public paused;
    uint256 public calls;
    mapping(address => bool) public done;

    event Denied(address who);

    modifier whenNotPaused() {
        if (paused) return;
        _;
    }

    modifier onlyAdmin() {
        if (msg.sender == owner) {
            _;
        } else {
            emit Denied(msg.sender);
        }
    }

    modifier once() {
        if (!done[msg.sender]) {
            done[msg.sender] = true;
            _;
        }
    }

    modifier checkSender() {
        require(calls < 100, "limit");
        if (calls > 0) {
            if (msg.sender == owner) _;
        } else {
            _;
        }
    }

    /// Restricted to the owner's maintenance window.
    modifier gate() {
        if (calls % 7 != 0) return;
        _;
    }

    function a() external whenNotPaused onlyAdmin once checkSender gate {
        calls++;
    }
}
`,
  "RevertingModifiers.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Every path runs \`_\` or reverts: require, a custom error, if/else with require(false), a helper that always reverts,
/// a check helper, inline assembly ending in revert, and a return after \`_\`.
contract RevertingModifiers {
    address public owner = msg.sender;
    bool public paused;
    uint256 public calls;

    error Unauthorized();

    function _revertUnauthorized() internal pure {
        revert Unauthorized();
    }

    function _checkOwner() internal view {
        if (msg.sender != owner) revert Unauthorized();
    }

    modifier onlyOwnerRequire() {
        require(msg.sender == owner, "owner");
        _;
    }

    modifier onlyOwnerError() {
        if (msg.sender != owner) revert Unauthorized();
        _;
    }

    modifier onlyOwnerElse() {
        if (msg.sender == owner) {
            _;
        } else {
            require(false, "owner");
        }
    }

    modifier onlyOwnerHelper() {
        if (msg.sender != owner) _revertUnauthorized();
        _;
    }

    modifier onlyOwnerCheck() {
        _checkOwner();
        _;
    }

    modifier onlyOwnerAssembly() {
        if (msg.sender != owner) {
            assembly {
                mstore(0x00, 0x82b42900)
                revert(0x1c, 0x04)
            }
        }
        _;
    }

    modifier countAfter() {
        _;
        if (paused) return;
        calls++;
    }

    modifier ownerOrAssert() {
        if (msg.sender == owner) {
            _;
        } else {
            assert(false);
        }
    }

    function a() external onlyOwnerRequire onlyOwnerError onlyOwnerElse onlyOwnerHelper onlyOwnerCheck onlyOwnerAssembly countAfter ownerOrAssert {
        calls++;
    }
}
`,
};

describe("audit: logic rules (msg.value in non-payable code, tautologies, boolean constants, modifiers that do not revert)", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));
  const shape = (fs: Finding[]): unknown[] => fs.map((f) => [f.contract, f.function, f.severity, f.lines]);

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-logic-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  // ------------------------------------------------------------------------------------------ msg-value-in-nonpayable

  it("msg-value-in-nonpayable: a modifier on an internal function only a non-payable function calls", function () {
    const found = findings("FeeModifier.sol", "msg-value-in-nonpayable");
    expect(shape(found), summary("FeeModifier.sol")).to.deep.equal([["FeeModifier", "paid", "medium", [10]]]);
    expect(found[0]!.category).to.equal("other");
    expect(found[0]!.message).to.match(/mint\(\)/);
    expect(found[0]!.remediation).to.match(/payable/);
  });

  it("msg-value-in-nonpayable: a helper of an abstract base reached through another helper from a concrete contract's non-payable function", function () {
    expect(shape(findings("RefundShop.sol", "msg-value-in-nonpayable")), summary("RefundShop.sol")).to.deep.equal([["RefundBase", "_refundExcess", "medium", [7]]]);
  });

  it("msg-value-in-nonpayable: a direct read in a non-payable public function before 0.5", function () {
    const found = findings("OldTipJar.sol", "msg-value-in-nonpayable");
    expect(shape(found), summary("OldTipJar.sol")).to.deep.equal([["OldTipJar", "tip", "medium", [8]]]);
    expect(found[0]!.message).to.match(/not payable/);
  });

  it("msg-value-in-nonpayable: is silent when receive(), a payable fallback, a payable function (also through a modifier), a payable constructor or a concrete child's payable function reaches the read", function () {
    expect(findings("PayableReach.sol", "msg-value-in-nonpayable"), summary("PayableReach.sol")).to.deep.equal([]);
  });

  it("msg-value-in-nonpayable: is silent in libraries, free functions, zero checks, abstract contracts without a concrete user and helpers used as function values", function () {
    expect(findings("ValueContexts.sol", "msg-value-in-nonpayable"), summary("ValueContexts.sol")).to.deep.equal([]);
  });

  // ------------------------------------------------------------------------------------------ tautology

  it("tautology: unsigned >= 0 / < 0 (also flipped), self-comparison, signed and unsigned type bounds, widening conversions, loop conditions; low outside a condition", function () {
    const found = findings("Tautologies.sol", "tautology");
    expect(
      found.map((f) => [f.function, f.severity, f.lines, f.message.split(":")[0]]),
      summary("Tautologies.sol"),
    ).to.deep.equal([
      ["net", "medium", [16], "`a - b >= 0` is always true"],
      ["check", "medium", [22], "`p.size == p.size` is always true"],
      ["check", "medium", [23], "`0 > p.size` is always false"],
      ["check", "medium", [24], "`p.leverage >= -128` is always true"],
      ["check", "medium", [25], "`p.stamp <= type(uint64).max` is always true"],
      ["check", "medium", [26], "`p.stamp > 18446744073709551615` is always false"],
      ["check", "low", [27], "`uint256(small) < 256` is always true"],
      ["sumDown", "medium", [31], "`i >= 0` is always true"],
      ["negative", "low", [38], "`x < 0` is always false"],
    ]);
    for (const f of found) {
      expect(f.category).to.equal("other");
      expect(f.confidence).to.equal("high");
      expect(f.swc).to.deep.equal(["SWC-135"]);
    }
    expect(found[7]!.message).to.match(/loop/);
    expect(found[0]!.remediation).to.match(/never negative/);
    expect(found[1]!.remediation).to.match(/compared with itself/);
    expect(found[4]!.remediation).to.match(/type's own limit/);
    expect(found[6]!.message).to.match(/uint8/);
  });

  it("tautology: is silent on comparisons that can go either way, calls compared with themselves and constant expressions", function () {
    expect(findings("RealComparisons.sol", "tautology"), summary("RealComparisons.sol")).to.deep.equal([]);
  });

  // ------------------------------------------------------------------------------------------ boolean-constant

  it("boolean-constant: if/while/for/ternary/require conditions and && / || operands; low when the literal has no effect", function () {
    const found = findings("BooleanSwitches.sol", "boolean-constant");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("BooleanSwitches.sol")).to.deep.equal([
      ["run", "medium", [10]],
      ["run", "medium", [13]],
      ["run", "medium", [14]],
      ["run", "medium", [15]],
      ["run", "medium", [16]],
      ["run", "medium", [17]],
      ["run", "low", [20]],
      ["spin", "medium", [24]],
    ]);
    expect(found[7]!.message).to.match(/never ends/);
    expect(found[2]!.message).to.match(/always false/);
  });

  it("boolean-constant: is silent on values, arguments, returns, require(false)/assert(false), do … while (false) and endless loops left by return/break/revert", function () {
    expect(findings("BooleanValues.sol", "boolean-constant"), summary("BooleanValues.sol")).to.deep.equal([]);
  });

  // ------------------------------------------------------------------------------------------ incorrect-modifier

  it("incorrect-modifier: an early return, an else that only logs, a nested condition on the caller, an access check by its NatSpec and a once-only guard (all low: access is still denied)", function () {
    const found = findings("SkippingModifiers.sol", "incorrect-modifier");
    expect(shape(found), summary("SkippingModifiers.sol")).to.deep.equal([
      ["SkippingModifiers", "whenNotPaused", "low", [14, 15]],
      ["SkippingModifiers", "onlyAdmin", "low", [19, 20]],
      ["SkippingModifiers", "once", "low", [27, 28]],
      ["SkippingModifiers", "checkSender", "low", [34, 37]],
      ["SkippingModifiers", "gate", "low", [44, 45]],
    ]);
    for (const f of found) expect(f.category).to.equal("access_control");
    expect(found[0]!.message).to.match(/returns early/);
  });

  it("incorrect-modifier: is silent when every path runs `_` or reverts (require, custom errors, require(false)/assert(false), reverting helpers, assembly revert) or returns after `_`", function () {
    expect(findings("RevertingModifiers.sol", "incorrect-modifier"), summary("RevertingModifiers.sol")).to.deep.equal([]);
  });
});
