/**
 * Rules of `oracle-unchecked-price` and `arbitrary-send-eth` (audit/detectors/oracles.ts) that a fixture pair cannot
 * show on its own: Pyth's deprecated getters and its *NoOlderThan getters with the confidence unchecked, a Pyth-shaped
 * struct under another name, checks made in helpers and in callers; Chronicle's tryRead with the flag unchecked and
 * readWithAge with the age unchecked or thrown away; ether sent to a stored address anyone can set through
 * `Address.sendValue`, a getter, a struct field or a forwarding `receive`, and every condition that silences them.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const PYTH = `library PythStructs {
    struct Price {
        int64 price;
        uint64 conf;
        int32 expo;
        uint256 publishTime;
    }
}

interface IPyth {
    function getPriceUnsafe(bytes32 id) external view returns (PythStructs.Price memory price);
    function getEmaPriceUnsafe(bytes32 id) external view returns (PythStructs.Price memory price);
    function getPrice(bytes32 id) external view returns (PythStructs.Price memory price);
    function getEmaPrice(bytes32 id) external view returns (PythStructs.Price memory price);
    function getPriceNoOlderThan(bytes32 id, uint256 age) external view returns (PythStructs.Price memory price);
    function getEmaPriceNoOlderThan(bytes32 id, uint256 age) external view returns (PythStructs.Price memory price);
}
`;

const CHRONICLE = `interface IChronicle {
    function read() external view returns (uint256 value);
    function readWithAge() external view returns (uint256 value, uint256 age);
    function tryRead() external view returns (bool isValid, uint256 value);
    function tryReadWithAge() external view returns (bool isValid, uint256 value, uint256 age);
}
`;

const HEADER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
`;

const SOURCES: Record<string, string> = {
  "PythDeprecated.sol": `${HEADER}
${PYTH}
/// Reads prices with the deprecated getters; the publish time and confidence are checked, the getters stay deprecated.
contract PythDeprecated {
    IPyth public immutable pyth;
    bytes32 public immutable id;
    uint256 public lastValue;

    constructor(IPyth pyth_, bytes32 id_) {
        pyth = pyth_;
        id = id_;
    }

    function update() external {
        PythStructs.Price memory p = pyth.getPrice(id);
        require(block.timestamp - p.publishTime <= 60, "stale");
        require(p.conf <= uint64(p.price) / 100, "uncertain");
        lastValue = uint64(p.price);
    }

    function updateEma() external {
        PythStructs.Price memory p = pyth.getEmaPrice(id);
        lastValue = uint64(p.price);
    }
}
`,
  "PythNoOlderConf.sol": `${HEADER}
${PYTH}
/// getPriceNoOlderThan takes care of the age, but nothing bounds the confidence interval.
contract PythNoOlderConf {
    IPyth public immutable pyth;
    bytes32 public immutable id;
    uint256 public lastValue;

    constructor(IPyth pyth_, bytes32 id_) {
        pyth = pyth_;
        id = id_;
    }

    function update() external {
        PythStructs.Price memory p = pyth.getPriceNoOlderThan(id, 60);
        lastValue = uint64(p.price);
    }

    function updateEma() external {
        lastValue = uint64(pyth.getEmaPriceNoOlderThan(id, 60).price);
    }
}
`,
  "PythRenamed.sol": `${HEADER}
/// A Pyth-shaped struct and interface under other names: recognised by the struct's members.
struct Quote {
    int64 price;
    uint64 conf;
    int32 expo;
    uint256 publishTime;
}

interface IOracleHub {
    function getEmaPriceUnsafe(bytes32 id) external view returns (Quote memory);
}

interface IPlainOracle {
    function getPrice(address asset) external view returns (uint256);
}

contract PythRenamed {
    IOracleHub public immutable hub;
    IPlainOracle public immutable plain;
    uint256 public lastValue;

    constructor(IOracleHub hub_, IPlainOracle plain_) {
        hub = hub_;
        plain = plain_;
    }

    function update(bytes32 id) external {
        Quote memory q = hub.getEmaPriceUnsafe(id);
        lastValue = uint64(q.price);
    }

    function updateTry(bytes32 id) external {
        try hub.getEmaPriceUnsafe(id) returns (Quote memory q) {
            lastValue = uint64(q.price);
        } catch {}
    }

    /// Handed to outside callers through a public view: nothing here checks it.
    function _quote(bytes32 id) internal view returns (Quote memory) {
        return hub.getEmaPriceUnsafe(id);
    }

    function quote(bytes32 id) external view returns (Quote memory) {
        return _quote(id);
    }

    function updatePlain(address asset) external {
        lastValue = plain.getPrice(asset);
    }
}
`,
  "PythChecked.sol": `${HEADER}
${PYTH}
/// Every Pyth price is checked: in the function, in helpers given the struct or a field, in the caller it is returned to.
contract PythChecked {
    error StalePrice(uint256 publishTime);
    error UncertainPrice(uint64 conf);

    uint256 public constant MAX_AGE = 60;
    IPyth public immutable pyth;
    bytes32 public immutable id;
    uint256 public lastValue;
    uint256 public lastUpdate;

    constructor(IPyth pyth_, bytes32 id_) {
        pyth = pyth_;
        id = id_;
    }

    function checkedHere() external {
        PythStructs.Price memory p = pyth.getPriceUnsafe(id);
        require(p.publishTime + MAX_AGE >= block.timestamp, "stale");
        if (p.conf * 50 > uint64(p.price)) revert UncertainPrice(p.conf);
        lastValue = uint64(p.price);
    }

    function viaHelpers() external {
        PythStructs.Price memory p = pyth.getEmaPriceUnsafe(id);
        _checkAge(p.publishTime);
        _checkConf(p);
        lastValue = uint64(p.price);
    }

    function _checkAge(uint256 publishTime) internal view {
        if (block.timestamp - publishTime > MAX_AGE) revert StalePrice(publishTime);
    }

    function _checkConf(PythStructs.Price memory p) internal pure {
        if (p.conf > uint64(p.price) / 100) revert UncertainPrice(p.conf);
    }

    function _read() internal view returns (PythStructs.Price memory) {
        return pyth.getPriceUnsafe(id);
    }

    function viaCaller() external {
        PythStructs.Price memory p = _read();
        require(block.timestamp - p.publishTime <= MAX_AGE && p.conf < 1e6, "bad price");
        lastValue = uint64(p.price);
    }

    function noOlderThan() external {
        PythStructs.Price memory p = pyth.getPriceNoOlderThan(id, MAX_AGE);
        require(p.conf <= uint64(p.price) / 100, "uncertain");
        lastValue = uint64(p.price);
    }

    /// Only the publish time is read: no price is used.
    function refreshTime() external {
        lastUpdate = pyth.getPriceUnsafe(id).publishTime;
    }
}
`,
  "ChronicleTryRead.sol": `${HEADER}
${CHRONICLE}
/// tryRead's flag is never checked, and tryRead returns no age.
contract ChronicleTryRead {
    IChronicle public immutable chronicle;
    uint256 public lastValue;

    constructor(IChronicle chronicle_) {
        chronicle = chronicle_;
    }

    function update() external {
        (bool isValid, uint256 value) = chronicle.tryRead();
        lastValue = value;
    }
}
`,
  "ChronicleAge.sol": `${HEADER}
${CHRONICLE}
/// The age readWithAge returns is never compared, or not even named; read() returns none at all.
contract ChronicleAge {
    IChronicle public immutable chronicle;
    uint256 public lastValue;
    uint256 public lastAge;

    constructor(IChronicle chronicle_) {
        chronicle = chronicle_;
    }

    function ageUnchecked() external {
        (uint256 value, uint256 age) = chronicle.readWithAge();
        lastValue = value;
        lastAge = age;
    }

    function dropped() external {
        (uint256 value, ) = chronicle.readWithAge();
        lastValue = value;
    }

    function plainRead() external {
        lastValue = chronicle.read();
    }
}
`,
  "ChronicleChecked.sol": `${HEADER}
${CHRONICLE}
interface IValueSource {
    function read() external view returns (uint256);
}

/// Ages compared with block.timestamp (also in a helper), flags checked; read() backed by a checked age of the same oracle.
contract ChronicleChecked {
    error Stale(uint256 age);

    uint256 public constant MAX_AGE = 1 hours;
    IChronicle public immutable chronicle;
    IValueSource public immutable source;
    uint256 public lastValue;

    constructor(IChronicle chronicle_, IValueSource source_) {
        chronicle = chronicle_;
        source = source_;
    }

    function withAge() external {
        (uint256 value, uint256 age) = chronicle.readWithAge();
        require(block.timestamp - age <= MAX_AGE, "stale");
        lastValue = value;
    }

    function tryWithAge() external {
        (bool ok, uint256 value, uint256 age) = chronicle.tryReadWithAge();
        if (!ok) revert("invalid");
        _fresh(age);
        lastValue = value;
    }

    function _fresh(uint256 age) internal view {
        if (age + MAX_AGE < block.timestamp) revert Stale(age);
    }

    function readBacked() external {
        (, uint256 age) = chronicle.readWithAge();
        require(block.timestamp - age <= MAX_AGE, "stale");
        lastValue = chronicle.read();
    }

    /// Not a Chronicle oracle: an interface with read() only.
    function other() external {
        lastValue = source.read();
    }
}
`,
  "SendOpen.sol": `${HEADER}
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// Ether goes to stored addresses anyone can set: through Address.sendValue and a getter, a struct field set in a
/// helper, and msg.value forwarded by receive().
contract SendOpen {
    struct Config {
        address payable beneficiary;
        uint256 share;
    }

    address payable private _treasury;
    address payable public forwardTo;
    Config public config;

    function setTreasury(address payable t) external {
        _treasury = t;
    }

    function treasury() public view returns (address payable) {
        return _treasury;
    }

    function sweep() external {
        Address.sendValue(treasury(), address(this).balance);
    }

    function setBeneficiary(address payable b) external {
        _setBeneficiary(b);
    }

    function _setBeneficiary(address payable b) internal {
        config.beneficiary = b;
    }

    function payShare() external {
        (bool ok, ) = config.beneficiary.call{value: config.share}("");
        require(ok, "failed");
    }

    function setForward(address payable f) external {
        forwardTo = f;
    }

    receive() external payable {
        forwardTo.transfer(msg.value);
    }
}
`,
  "SendGuarded.sol": `${HEADER}
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

/// The setter is onlyOwner.
contract SendOwnable is Ownable {
    address payable public treasury;

    constructor() Ownable(msg.sender) {}

    function setTreasury(address payable t) external onlyOwner {
        treasury = t;
    }

    function sweep() external {
        treasury.transfer(address(this).balance);
    }
}

/// The setter requires msg.sender == admin.
contract SendAdminCheck {
    address public immutable admin = msg.sender;
    address payable public treasury;

    function setTreasury(address payable t) external {
        require(msg.sender == admin, "not admin");
        treasury = t;
    }

    function sweep() external {
        treasury.transfer(address(this).balance);
    }
}

/// Each caller may only set it to himself, or reset it to a constant.
contract SendSelfOrConstant {
    address payable public constant FALLBACK = payable(address(0xFEE));
    address payable public payee;

    function claimPayee() external {
        payee = payable(msg.sender);
    }

    function resetPayee() external {
        payee = FALLBACK;
    }

    function pay() external {
        payee.transfer(address(this).balance);
    }
}

/// Set once by an initializer.
contract SendInitializer is Initializable {
    address payable public treasury;

    function initialize(address payable t) external initializer {
        treasury = t;
    }

    function sweep() external {
        treasury.transfer(address(this).balance);
    }
}

/// Only a treasury the contract approved may be chosen.
contract SendApproved {
    address public immutable admin = msg.sender;
    mapping(address => bool) public approved;
    address payable public treasury;

    function approve(address t) external {
        require(msg.sender == admin, "not admin");
        approved[t] = true;
    }

    function setTreasury(address payable t) external {
        require(approved[t], "not approved");
        treasury = t;
    }

    function sweep() external {
        treasury.transfer(address(this).balance);
    }
}

/// A once-only setup (unprotected-initializer's case), and per-user payout addresses.
contract SendOnceAndPerUser {
    bool private initialised;
    address payable public treasury;
    mapping(address => address payable) public payoutOf;
    mapping(address => uint256) public balanceOf;

    function init(address payable t) external {
        require(!initialised, "done");
        initialised = true;
        treasury = t;
    }

    function sweep() external {
        treasury.transfer(address(this).balance);
    }

    function setPayout(address payable p) external {
        payoutOf[msg.sender] = p;
    }

    function deposit() external payable {
        balanceOf[msg.sender] += msg.value;
    }

    function withdraw() external {
        uint256 amount = balanceOf[msg.sender];
        balanceOf[msg.sender] = 0;
        payoutOf[msg.sender].transfer(amount);
    }
}
`,
  "SendOwnerNamed.sol": `${HEADER}
/// An owner anyone can replace: unprotected-owner-setter reports it, arbitrary-send-eth stays silent.
contract SendOwnerNamed {
    address payable public owner;

    function setOwner(address payable o) external {
        owner = o;
    }

    function withdrawAll() external {
        owner.transfer(address(this).balance);
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

describe("audit: unchecked Pyth and Chronicle prices, ether sent to an address anyone can set", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string =>
    JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.contract, f.function, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-oracles-", SOURCES));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("oracle-unchecked-price: the deprecated getPrice/getEmaPrice are reported even with their price checked", function () {
    const found = findings("PythDeprecated.sol", "oracle-unchecked-price");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("PythDeprecated.sol")).to.deep.equal([
      ["update", "medium", "high", [lineOf("PythDeprecated.sol", "pyth.getPrice(id)")]],
      ["updateEma", "medium", "high", [lineOf("PythDeprecated.sol", "pyth.getEmaPrice(id)")]],
    ]);
    expect(found[0]!.message).to.match(/deprecated/).and.not.match(/publishTime|conf`/);
    expect(found[1]!.message).to.match(/deprecated/).and.match(/publishTime/).and.match(/conf/);
    expect(found[0]!.remediation).to.match(/getPriceNoOlderThan/);
    expect(found[0]!.category).to.equal("oracle_manipulation");
  });

  it("oracle-unchecked-price: a *NoOlderThan getter needs no publishTime check, but its conf unchecked is reported", function () {
    const found = findings("PythNoOlderConf.sol", "oracle-unchecked-price");
    expect(found.map((f) => [f.function, f.confidence, f.lines]), summary("PythNoOlderConf.sol")).to.deep.equal([
      ["update", "medium", [lineOf("PythNoOlderConf.sol", "getPriceNoOlderThan(id, 60)")]],
      ["updateEma", "medium", [lineOf("PythNoOlderConf.sol", "getEmaPriceNoOlderThan(id, 60)")]],
    ]);
    for (const f of found) expect(f.message).to.match(/`conf`/).and.not.match(/publishTime/);
  });

  it("oracle-unchecked-price: a Pyth-shaped struct is recognised by its members (also in try … returns, and returned to outside callers); another oracle's getPrice is not Pyth", function () {
    const found = findings("PythRenamed.sol", "oracle-unchecked-price");
    expect(found.map((f) => [f.function, f.lines]), summary("PythRenamed.sol")).to.deep.equal([
      ["update", [lineOf("PythRenamed.sol", "Quote memory q = hub.getEmaPriceUnsafe(id)")]],
      ["updateTry", [lineOf("PythRenamed.sol", "try hub.getEmaPriceUnsafe(id)")]],
      ["_quote", [lineOf("PythRenamed.sol", "return hub.getEmaPriceUnsafe(id)")]],
    ]);
    expect(found[0]!.message).to.match(/publishTime/).and.match(/conf/);
  });

  it("oracle-unchecked-price: silent when publishTime and conf are compared here, in helpers, in the caller, or no price is used", function () {
    expect(findings("PythChecked.sol", "oracle-unchecked-price"), summary("PythChecked.sol")).to.deep.equal([]);
  });

  it("oracle-unchecked-price: Chronicle tryRead whose flag is never checked", function () {
    const found = findings("ChronicleTryRead.sol", "oracle-unchecked-price");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("ChronicleTryRead.sol")).to.deep.equal([
      ["update", "medium", [lineOf("ChronicleTryRead.sol", "chronicle.tryRead()")]],
    ]);
    expect(found[0]!.message).to.match(/validity flag/).and.match(/no age/);
  });

  it("oracle-unchecked-price: Chronicle readWithAge with the age never compared or unnamed, and read() without an age", function () {
    const found = findings("ChronicleAge.sol", "oracle-unchecked-price");
    expect(found.map((f) => [f.function, f.lines]), summary("ChronicleAge.sol")).to.deep.equal([
      ["ageUnchecked", [lineOf("ChronicleAge.sol", "(uint256 value, uint256 age) = chronicle.readWithAge()")]],
      ["dropped", [lineOf("ChronicleAge.sol", "(uint256 value, ) = chronicle.readWithAge()")]],
      ["plainRead", [lineOf("ChronicleAge.sol", "chronicle.read()")]],
    ]);
    expect(found[0]!.message).to.match(/never compared/);
    expect(found[1]!.message).to.match(/thrown away/);
    expect(found[2]!.message).to.match(/no age/);
  });

  it("oracle-unchecked-price: silent for ages compared (also in a helper), checked flags, read() backed by a checked age, non-Chronicle read()", function () {
    expect(findings("ChronicleChecked.sol", "oracle-unchecked-price"), summary("ChronicleChecked.sol")).to.deep.equal([]);
  });

  it("arbitrary-send-eth: sendValue through a getter, a struct field set in a helper, msg.value forwarded by receive()", function () {
    const found = findings("SendOpen.sol", "arbitrary-send-eth");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("SendOpen.sol")).to.deep.equal([
      ["sweep", "high", "high", [lineOf("SendOpen.sol", "_treasury = t;"), lineOf("SendOpen.sol", "Address.sendValue(")]],
      ["payShare", "high", "high", [lineOf("SendOpen.sol", "config.beneficiary = b;"), lineOf("SendOpen.sol", "config.beneficiary.call{")]],
      ["receive", "high", "medium", [lineOf("SendOpen.sol", "forwardTo = f;"), lineOf("SendOpen.sol", "forwardTo.transfer(msg.value)")]],
    ]);
    for (const f of found) {
      expect(f.category).to.equal("access_control");
      expect(f.swc).to.deep.equal(["SWC-105"]);
      expect(f.remediation).to.match(/onlyOwner/);
    }
    expect(found[0]!.message).to.match(/setTreasury\(\)/).and.match(/_treasury/);
  });

  it("arbitrary-send-eth: silent for onlyOwner, a msg.sender check, msg.sender or constant values, initializer, approved values, once-only setup, per-user payouts", function () {
    expect(findings("SendGuarded.sol", "arbitrary-send-eth"), summary("SendGuarded.sol")).to.deep.equal([]);
  });

  it("arbitrary-send-eth: an owner anyone can replace is left to unprotected-owner-setter", function () {
    expect(findings("SendOwnerNamed.sol", "arbitrary-send-eth"), summary("SendOwnerNamed.sol")).to.deep.equal([]);
    expect(findings("SendOwnerNamed.sol", "unprotected-owner-setter"), summary("SendOwnerNamed.sol")).to.have.lengthOf(1);
  });
});
