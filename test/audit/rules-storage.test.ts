/**
 * Storage an operation does not reach: `mapping-deletion` (a struct's mapping survives `delete` — nested structs, arrays
 * of structs, OpenZeppelin EnumerableSets; low behind owner/role checks; silent when a loop, a helper, `.clear()` or a
 * `.remove` loop empties it first) and `array-by-reference` (a storage array or struct written through a `memory`
 * parameter or a local `memory` copy and dropped; silent in views, when the copy is stored back, returned, passed on,
 * read again, persisted field by field, or the parameter is `storage`).
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const SOURCES: Record<string, string> = {
  "NestedDeletion.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The mapping sits in a nested struct (vaults) or in the elements of a struct array (pools): \`delete\` reaches neither.
contract NestedDeletion {
    struct Limits {
        uint256 cap;
        mapping(address user => uint256 amount) used;
    }

    struct Vault {
        address manager;
        Limits limits;
    }

    struct Pool {
        uint256 size;
        mapping(address user => uint256 amount) shares;
    }

    mapping(uint256 id => Vault) internal vaults;
    Pool[] internal pools;

    function create(uint256 id) external {
        require(vaults[id].manager == address(0), "taken");
        vaults[id].manager = msg.sender;
    }

    function use(uint256 id, uint256 amount) external {
        vaults[id].limits.used[msg.sender] += amount;
    }

    function reset(uint256 id) external {
        delete vaults[id];
    }

    function addPool() external {
        pools.push();
    }

    function join(uint256 i) external payable {
        pools[i].shares[msg.sender] += msg.value;
        pools[i].size += msg.value;
    }

    function resetPools() external {
        delete pools;
    }
}
`,
  "EnumerableDeletion.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// An EnumerableSet keeps a mapping of positions: deleting the group leaves it, and a re-created group's
/// \`contains\` answers true for members it does not list.
contract Groups {
    using EnumerableSet for EnumerableSet.AddressSet;

    struct Group {
        address admin;
        EnumerableSet.AddressSet members;
    }

    mapping(uint256 id => Group) internal groups;

    function create(uint256 id) external {
        require(groups[id].admin == address(0), "taken");
        groups[id].admin = msg.sender;
    }

    function join(uint256 id) external {
        groups[id].members.add(msg.sender);
    }

    function disband(uint256 id) external {
        require(groups[id].admin == msg.sender, "not admin");
        delete groups[id];
    }
}
`,
  "PrivilegedDeletion.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

struct Entry {
    uint256 score;
    mapping(address voter => bool) voted;
}

/// onlyOwner: low.
contract OwnedRegistry is Ownable {
    mapping(uint256 id => Entry) internal entries;

    constructor() Ownable(msg.sender) {}

    function vote(uint256 id) external {
        require(!entries[id].voted[msg.sender], "voted");
        entries[id].voted[msg.sender] = true;
        entries[id].score++;
    }

    function remove(uint256 id) external onlyOwner {
        delete entries[id];
    }
}

/// A role, and the delete in an internal helper that only the role's function runs: low.
contract RoleRegistry is AccessControl {
    bytes32 public constant REMOVER_ROLE = keccak256("REMOVER_ROLE");
    mapping(uint256 id => Entry) internal entries;

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    function vote(uint256 id) external {
        entries[id].voted[msg.sender] = true;
        entries[id].score++;
    }

    function remove(uint256 id) external onlyRole(REMOVER_ROLE) {
        _remove(id);
    }

    function _remove(uint256 id) internal {
        delete entries[id];
    }
}

/// A hand-written \`msg.sender == admin\` check: low.
contract AdminRegistry {
    address public admin = msg.sender;
    mapping(uint256 id => Entry) internal entries;

    function vote(uint256 id) external {
        entries[id].voted[msg.sender] = true;
    }

    function remove(uint256 id) external {
        require(msg.sender == admin, "admin");
        delete entries[id];
    }
}
`,
  "ClearedDeletion.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// Every delete below clears the inner mapping first: no finding.
contract ClearedDeletion {
    using EnumerableSet for EnumerableSet.AddressSet;

    struct Entry {
        uint256 score;
        address[] voters;
        mapping(address voter => bool) voted;
    }

    struct Limits {
        uint256 cap;
        address[] users;
        mapping(address user => uint256 amount) used;
    }

    struct Vault {
        address manager;
        Limits limits;
    }

    struct Group {
        address admin;
        EnumerableSet.AddressSet members;
    }

    struct Plain {
        uint256 amount;
        address owner;
    }

    mapping(uint256 id => Entry) internal entries;
    mapping(uint256 id => Vault) internal vaults;
    mapping(uint256 id => Group) internal groups;
    mapping(uint256 id => Plain) internal plains;

    function vote(uint256 id) external {
        Entry storage e = entries[id];
        require(!e.voted[msg.sender], "voted");
        e.voted[msg.sender] = true;
        e.voters.push(msg.sender);
    }

    /// a loop through a storage pointer zeroes every entry
    function removeByLoop(uint256 id) external {
        Entry storage e = entries[id];
        for (uint256 i = 0; i < e.voters.length; i++) {
            e.voted[e.voters[i]] = false;
        }
        delete entries[id];
    }

    /// the clearing loop is in a helper called first
    function removeByHelper(uint256 id) external {
        _clearVotes(id);
        delete entries[id];
    }

    function _clearVotes(uint256 entryId) internal {
        Entry storage e = entries[entryId];
        for (uint256 i = 0; i < e.voters.length; i++) {
            delete e.voted[e.voters[i]];
        }
    }

    /// the nested struct's mapping, cleared through the full path
    function resetVault(uint256 id) external {
        for (uint256 i = 0; i < vaults[id].limits.users.length; i++) {
            delete vaults[id].limits.used[vaults[id].limits.users[i]];
        }
        delete vaults[id];
    }

    function join(uint256 id) external {
        groups[id].members.add(msg.sender);
    }

    /// EnumerableSet.clear() empties the set and its position index
    function disband(uint256 id) external {
        groups[id].members.clear();
        delete groups[id];
    }

    /// removing every member in a loop does too
    function disbandSlowly(uint256 id) external {
        Group storage g = groups[id];
        while (g.members.length() > 0) {
            g.members.remove(g.members.at(0));
        }
        delete groups[id];
    }

    /// a struct without a mapping is fully reset by delete
    function dropPlain(uint256 id) external {
        delete plains[id];
    }
}
`,
  "ParamCopies.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A storage struct passed to a helper that takes it by \`memory\`: closing a position never reaches storage.
contract Positions {
    struct Position {
        address owner;
        uint256 amount;
        bool open;
    }

    mapping(uint256 id => Position) public positions;
    uint256[] public counters;

    function openPosition(uint256 id) external payable {
        positions[id] = Position(msg.sender, msg.value, true);
    }

    function close(uint256 id) external {
        require(positions[id].owner == msg.sender, "not owner");
        uint256 amount = positions[id].amount;
        _settle(positions[id]);
        payable(msg.sender).transfer(amount);
    }

    function _settle(Position memory p) internal pure {
        p.open = false;
        p.amount = 0;
    }

    /// the helper returns the modified copy, but the caller drops it
    function tick() external {
        _bump(counters);
    }

    function _bump(uint256[] memory xs) internal pure returns (uint256[] memory) {
        xs[0] += 1;
        return xs;
    }
}

struct Market {
    uint256 cap;
    bool frozen;
}

library MarketLib {
    function freeze(Market memory self) internal pure {
        self.frozen = true;
    }
}

/// A bound library function that takes \`memory self\`: \`market.freeze()\` freezes a copy.
contract Markets {
    using MarketLib for Market;

    Market public market;
    address public immutable admin = msg.sender;

    function emergencyFreeze() external {
        require(msg.sender == admin, "admin");
        market.freeze();
    }
}
`,
  "LocalCopies.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Memory copies of storage written and dropped.
contract LocalCopies {
    struct Stake {
        uint256 amount;
        bool claimed;
    }

    event Reset(address indexed who, Stake stake);

    mapping(address who => Stake) public stakes;
    uint256[] public queue;

    function stake() external payable {
        stakes[msg.sender].amount += msg.value;
    }

    /// the claimed flag is set on the copy: claim() pays again and again
    function claim() external {
        Stake memory s = stakes[msg.sender];
        require(!s.claimed, "claimed");
        s.claimed = true;
        payable(msg.sender).transfer(s.amount);
    }

    /// an array copy: the slot is never cleared (no value-like name: medium)
    function clearSlot(uint256 i) external {
        uint256[] memory q = queue;
        q[i] = 0;
    }

    /// emitting the modified copy does not store it
    function reset() external {
        Stake memory s;
        s = stakes[msg.sender];
        s.amount = 0;
        emit Reset(msg.sender, s);
    }
}

struct Limits {
    uint256 daily;
    bool paused;
}

library LimitsLib {
    function pause(Limits memory self) internal pure {
        self.paused = true;
    }
}

/// A bound library function writes the memory copy; the copy is never stored back.
contract PauseLimits {
    using LimitsLib for Limits;

    Limits public limits;
    address public immutable guardian = msg.sender;

    function pauseAll() external {
        require(msg.sender == guardian, "guardian");
        Limits memory l = limits;
        l.pause();
    }
}
`,
  "SafeCopies.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IRouter {
    struct Route {
        address tokenIn;
        uint24 fee;
    }

    function swap(Route calldata route, uint256 amountIn) external returns (uint256);
}

/// Memory copies that are meant as copies: no finding.
contract SafeCopies {
    struct Stake {
        uint256 amount;
        bool claimed;
    }

    struct Config {
        uint256 fee;
        address treasury;
    }

    event Seen(uint256 amount);

    mapping(address who => Stake) public stakes;
    Config public config;
    uint256[] public queue;
    uint256[] public prices;
    uint256 public lastMedian;
    uint256 public lastValue;
    IRouter.Route public route;
    IRouter public router;

    /// a view works on a copy on purpose
    function preview(address who) external view returns (uint256) {
        Stake memory s = stakes[who];
        s.amount += 1;
        return s.amount;
    }

    /// the copy is written back
    function setFee(uint256 fee) external {
        Config memory c = config;
        c.fee = fee;
        config = c;
    }

    /// the copy is returned (named return variable, and \`return s\`)
    function snapshot(address who) external returns (Stake memory s) {
        s = stakes[who];
        s.amount = 0;
        lastValue = 1;
    }

    function snapshot2(address who) external returns (Stake memory) {
        Stake memory s = stakes[who];
        s.claimed = true;
        lastValue = 2;
        return s;
    }

    /// only read
    function look() external {
        Stake memory s = stakes[msg.sender];
        emit Seen(s.amount);
        lastValue = s.amount;
    }

    /// the caller stores the helper's returned copy
    function tick() external {
        queue = _bump(queue);
    }

    function _bump(uint256[] memory xs) internal pure returns (uint256[] memory) {
        xs[0] += 1;
        return xs;
    }

    /// a pure helper sorts a scratch copy and returns a result
    function updateMedian() external {
        lastMedian = _median(prices);
    }

    function _median(uint256[] memory xs) internal pure returns (uint256) {
        for (uint256 i = 1; i < xs.length; i++) {
            for (uint256 j = i; j > 0 && xs[j - 1] > xs[j]; j--) {
                (xs[j - 1], xs[j]) = (xs[j], xs[j - 1]);
            }
        }
        return xs[xs.length / 2];
    }

    /// the modified copy is passed on whole to an external call
    function swapCheap(uint256 amountIn) external {
        IRouter.Route memory r = route;
        r.fee = 500;
        router.swap(r, amountIn);
    }

    /// the written field is read again to compute a value
    function value(uint256 price) external {
        Stake memory s = stakes[msg.sender];
        s.amount -= 1;
        lastValue = s.amount * price;
    }

    /// the written field is stored by hand
    function debit(uint256 amount) external {
        Stake memory s = stakes[msg.sender];
        s.amount -= amount;
        stakes[msg.sender].amount = s.amount;
    }

    /// a storage parameter writes the caller's array
    function credit(uint256 i, uint256 amount) external {
        _credit(queue, i, amount);
    }

    function _credit(uint256[] storage book, uint256 i, uint256 amount) internal {
        book[i] += amount;
    }

    /// a view caller: the copy cannot be meant to update storage
    function check() external view {
        _scribble(queue);
    }

    function _scribble(uint256[] memory xs) internal pure {
        xs[0] = 1;
    }
}

struct Limits {
    uint256 daily;
    bool paused;
}

library LimitsLib {
    function pause(Limits memory self) internal pure {
        self.paused = true;
    }
}

/// The copy a library function wrote is stored back.
contract PauseLimitsFixed {
    using LimitsLib for Limits;

    Limits public limits;

    function pauseAll() external {
        Limits memory l = limits;
        l.pause();
        limits = l;
    }
}
`,
};

describe("audit: storage rules (mapping-deletion, array-by-reference)", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === detector);
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-storage-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("mapping-deletion: a mapping in a nested struct and in the elements of a struct array", function () {
    const found = findings("NestedDeletion.sol", "mapping-deletion");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("NestedDeletion.sol")).to.deep.equal([
      ["reset", "medium", "high", [34]],
      ["resetPools", "medium", "high", [47]],
    ]);
    for (const f of found) expect(f.category).to.equal("other");
    expect(found[0]!.message).to.contain("`vaults[id].limits.used`");
    expect(found[1]!.message).to.contain("`pools[i].shares`");
  });

  it("mapping-deletion: an OpenZeppelin EnumerableSet in the deleted struct is reported and named", function () {
    const found = findings("EnumerableDeletion.sol", "mapping-deletion");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("EnumerableDeletion.sol")).to.deep.equal([
      ["disband", "medium", "medium", [29]],
    ]);
    expect(found[0]!.message).to.match(/EnumerableSet\.AddressSet, whose internal mapping also survives/);
    expect(found[0]!.remediation).to.contain(".remove(");
  });

  it("mapping-deletion: low behind onlyOwner, onlyRole (through an internal helper) and a msg.sender == admin check", function () {
    const found = findings("PrivilegedDeletion.sol", "mapping-deletion");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.lines]), summary("PrivilegedDeletion.sol")).to.deep.equal([
      ["OwnedRegistry", "remove", "low", [25]],
      ["RoleRegistry", "_remove", "low", [48]],
      ["AdminRegistry", "remove", "low", [63]],
    ]);
    for (const f of found) expect(f.message).to.match(/privileged callers/);
  });

  it("mapping-deletion: is silent when a loop (through a pointer, a helper, the full path), clear() or a remove loop empties the mapping first, and for a struct without a mapping", function () {
    expect(findings("ClearedDeletion.sol", "mapping-deletion"), summary("ClearedDeletion.sol")).to.deep.equal([]);
  });

  it("array-by-reference: a storage struct passed to a memory parameter, a returned copy the caller drops, a bound library function on memory self", function () {
    const found = findings("ParamCopies.sol", "array-by-reference");
    expect(found.map((f) => [f.contract, f.function, f.severity, f.lines]), summary("ParamCopies.sol")).to.deep.equal([
      ["Positions", "close", "high", [22, 27, 28]],
      ["Positions", "tick", "medium", [33, 37]],
      ["Markets", "emergencyFreeze", "medium", [49, 62]],
    ]);
    for (const f of found) expect(f.category).to.equal("other");
    expect(found[0]!.message).to.match(/`positions\[id\]`.*_settle\(\).*`p` is `memory`/);
    expect(found[1]!.message).to.match(/returns the copy, but the caller drops it/);
    expect(found[0]!.remediation).to.contain("Position storage p");
  });

  it("array-by-reference: local memory copies of storage written and dropped (struct, array, assigned later, emitted, written by a bound library function)", function () {
    const found = findings("LocalCopies.sol", "array-by-reference").filter((f) => f.contract === "LocalCopies");
    expect(found.map((f) => [f.function, f.severity, f.confidence, f.lines]), summary("LocalCopies.sol")).to.deep.equal([
      ["claim", "high", "high", [22, 24]],
      ["clearSlot", "medium", "high", [30, 31]],
      ["reset", "high", "high", [37, 38]],
    ]);
    const bound = findings("LocalCopies.sol", "array-by-reference").filter((f) => f.contract === "PauseLimits");
    expect(bound.map((f) => [f.function, f.severity, f.lines])).to.deep.equal([["pauseAll", "medium", [63, 64]]]);
    expect(bound[0]!.message).to.contain("`l.pause()` changes only the copy");
    expect(found[0]!.message).to.match(/`s` is a `memory` copy of the storage struct `stakes\[msg.sender\]`; `s.claimed`/);
    expect(found[0]!.remediation).to.contain("Stake storage s = stakes[msg.sender];");
  });

  it("array-by-reference: is silent in views, when the copy is stored back, returned, passed on, read again or stored by hand (also after a library function wrote it), and for storage parameters", function () {
    expect(findings("SafeCopies.sol", "array-by-reference"), summary("SafeCopies.sol")).to.deep.equal([]);
  });
});
