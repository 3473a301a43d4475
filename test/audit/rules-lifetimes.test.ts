/**
 * Storage read through a reference after its entry is gone (audit/detectors/lifetimes.ts, `storage-ref-after-delete`):
 * a local `storage` reference to a mapping or array entry, the entry deleted (or popped), then a field read through the
 * reference — it reads zeros. Every finding kind has a vulnerable contract, every silencing condition a safe one.
 *
 * Lines to report are marked in the sources with `// @<tag>`; a finding's lines are the delete and the first read.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { scanSources } from "./scanSources";

const ID = "storage-ref-after-delete";

const SOURCES: Record<string, string> = {
  "Vulnerable.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Every function reads through a storage reference after the entry it points at was removed.
contract Dangling {
    struct Stake {
        address owner;
        uint256 amount;
    }

    struct Book {
        mapping(uint256 id => Stake) bids;
        uint256 count;
    }

    struct Storage {
        mapping(uint256 id => Stake) grants;
    }

    IERC20 public immutable token;
    mapping(address user => Stake) public stakes;
    mapping(address user => mapping(uint256 id => Stake)) public locks;
    Stake[] public queue;
    Book internal book;
    mapping(uint256 id => Stake) public positions;

    event Cancelled(uint256 id, address owner, uint256 amount);

    constructor(IERC20 token_) {
        token = token_;
    }

    /// unconditional delete, keyed by msg.sender, then the amount read through the reference
    function unstake() external {
        Stake storage s = stakes[msg.sender];
        delete stakes[msg.sender]; // @unstake
        require(token.transfer(msg.sender, s.amount), "transfer"); // @unstake
    }

    /// a nested mapping entry m[k][j]
    function unlock(uint256 id) external {
        Stake storage l = locks[msg.sender][id];
        require(l.owner == msg.sender, "owner");
        delete locks[msg.sender][id]; // @unlock
        require(token.transfer(l.owner, l.amount), "transfer"); // @unlock
    }

    /// s.m[k]: a mapping inside a struct state variable; the reference is passed on to a helper
    function cancelBid(uint256 id) external {
        Stake storage b = book.bids[id];
        require(b.owner == msg.sender, "owner");
        delete book.bids[id]; // @cancelBid
        _refund(b); // @cancelBid
    }

    function _refund(Stake storage s) internal {
        require(token.transfer(s.owner, s.amount), "transfer");
    }

    /// pop of the last element the reference points at
    function popLast() external {
        Stake storage last = queue[queue.length - 1];
        queue.pop(); // @popLast
        require(token.transfer(last.owner, last.amount), "transfer"); // @popLast
    }

    /// the same through a local holding length - 1
    function popLastIndex() external {
        uint256 lastIndex = queue.length - 1;
        Stake storage last = queue[lastIndex];
        queue.pop(); // @popLastIndex
        require(token.transfer(last.owner, last.amount), "transfer"); // @popLastIndex
    }

    /// delete of the whole array the reference points into
    function clearQueue() external {
        Stake storage head = queue[0];
        delete queue; // @clearQueue
        require(token.transfer(head.owner, head.amount), "transfer"); // @clearQueue
    }

    /// an alias of the reference, and the delete in an if branch: the read after the if is on the delete's path
    function close(uint256 id, uint256 repaid) external {
        Stake storage p = positions[id];
        Stake storage same = p;
        if (repaid >= p.amount) delete positions[id]; // @close
        else p.amount -= repaid;
        require(token.transfer(same.owner, repaid), "transfer"); // @close
    }

    /// namespaced storage: the reference and the delete both go through the storage pointer
    function claimGrant(uint256 id) external {
        Storage storage $ = _storage();
        Stake storage g = $.grants[id];
        delete $.grants[id]; // @claimGrant
        require(token.transfer(g.owner, g.amount), "transfer"); // @claimGrant
    }

    /// a delete in one round of a loop meets the read of the next round
    function payRounds(uint256 id, uint256 rounds) external {
        Stake storage p = positions[id];
        for (uint256 i = 0; i < rounds; i++) {
            require(token.transfer(p.owner, 1), "transfer"); // @payRounds
            delete positions[id]; // @payRounds
        }
    }

    function _storage() private pure returns (Storage storage $) {
        assembly {
            $.slot := 0x1234
        }
    }
}

/// Only an event gets the zeroed values: low.
contract EventOnly {
    struct Order {
        address maker;
        uint256 amount;
    }

    mapping(uint256 id => Order) public orders;

    event Cancelled(uint256 id, address maker, uint256 amount);

    function cancel(uint256 id) external {
        Order storage o = orders[id];
        require(o.maker == msg.sender, "maker");
        delete orders[id]; // @cancel
        emit Cancelled(id, o.maker, o.amount); // @cancel
    }
}
`,
  "Safe.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Each function has one of the conditions that make the pattern safe.
contract Safe {
    struct Stake {
        address owner;
        uint256 amount;
    }

    struct Account {
        address owner;
        mapping(address spender => uint256 amount) allowance;
    }

    IERC20 public immutable token;
    mapping(address user => Stake) public stakes;
    mapping(uint256 id => Stake) public positions;
    mapping(uint256 id => Account) internal accounts;
    Stake[] public queue;
    uint256 public nextId;

    error Expired();

    constructor(IERC20 token_) {
        token = token_;
    }

    /// the fields are read into locals before the delete
    function fieldsFirst() external {
        Stake storage s = stakes[msg.sender];
        address owner = s.owner;
        uint256 amount = s.amount;
        delete stakes[msg.sender];
        require(token.transfer(owner, amount), "transfer");
    }

    /// a memory copy survives the delete
    function memoryCopy() external {
        Stake memory s = stakes[msg.sender];
        delete stakes[msg.sender];
        require(token.transfer(s.owner, s.amount), "transfer");
    }

    /// every read comes before the delete
    function readsFirst(uint256 id) external {
        Stake storage p = positions[id];
        require(token.transfer(p.owner, p.amount), "transfer");
        delete positions[id];
    }

    /// the reference is re-pointed after the delete
    function repointed(uint256 id, uint256 next) external {
        Stake storage p = positions[id];
        delete positions[id];
        p = positions[next];
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// the delete's path returns
    function returns_(uint256 id, bool full) external {
        Stake storage p = positions[id];
        if (full) {
            delete positions[id];
            return;
        }
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// the delete's path reverts
    function reverts(uint256 id, uint256 deadline) external {
        Stake storage p = positions[id];
        if (block.timestamp > deadline) {
            delete positions[id];
            revert Expired();
        }
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// another entry is deleted
    function otherKey(uint256 id, uint256 other) external {
        Stake storage p = positions[id];
        delete positions[other];
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// the key local changes between the reference and the delete: a different entry is deleted
    function keyChanged(uint256 id) external {
        Stake storage p = positions[id];
        id = nextId;
        delete positions[id];
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// the entry is written whole again after the delete
    function recreated(uint256 id) external {
        Stake storage p = positions[id];
        delete positions[id];
        positions[id] = Stake(msg.sender, 1);
        require(token.transfer(p.owner, p.amount), "transfer");
    }

    /// the field read was written again (through the reference) after the delete; other writes are not reads
    function rewritten(uint256 id) external {
        Stake storage p = positions[id];
        delete positions[id];
        p.owner = msg.sender;
        p.amount = 0;
        require(token.transfer(p.owner, 1), "transfer");
    }

    /// only a field of the entry is deleted: the rest is still there
    function fieldDeleted(uint256 id) external {
        Stake storage p = positions[id];
        delete positions[id].amount;
        require(token.transfer(p.owner, 1), "transfer");
    }

    /// a mapping inside the deleted struct survives the delete: reading it is not a read of zeros
    function nestedMapping(uint256 id, address spender) external view returns (uint256) {
        Account storage a = accounts[id];
        return a.allowance[spender];
    }

    function closeAccount(uint256 id, address spender) external returns (uint256 left) {
        Account storage a = accounts[id];
        delete accounts[id];
        left = a.allowance[spender];
    }

    /// swap-and-pop reading the last element before the pop
    function remove(uint256 index) external {
        Stake storage last = queue[queue.length - 1];
        queue[index] = last;
        queue.pop();
    }

    /// pop of an element the reference does not point at
    function popOther() external {
        Stake storage head = queue[0];
        queue.pop();
        require(token.transfer(head.owner, head.amount), "transfer");
    }

    /// a loop that takes a fresh reference each round and deletes after reading
    function settleAll(uint256[] calldata ids) external {
        for (uint256 i = 0; i < ids.length; i++) {
            Stake storage p = positions[ids[i]];
            require(token.transfer(p.owner, p.amount), "transfer");
            delete positions[ids[i]];
        }
    }
}
`,
  "OldQueue.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.5.0;

/// Before 0.6 an array shrank with length--: the last element the reference points at is cleared.
contract OldQueue {
    struct Entry {
        address payable who;
        uint256 value;
    }

    Entry[] public entries;

    function popAndPay() external {
        Entry storage last = entries[entries.length - 1];
        entries.length--; // @popAndPay
        last.who.transfer(last.value); // @popAndPay
    }

    function payAndPop() external {
        Entry storage last = entries[entries.length - 1];
        last.who.transfer(last.value);
        entries.length--;
    }
}
`,
};

function marked(file: string, tag: string): number[] {
  return SOURCES[file]!.split("\n")
    .map((l, i) => (new RegExp(`// @${tag}(\\s|$)`).test(l) ? i + 1 : 0))
    .filter((n) => n > 0);
}

describe("audit: storage-ref-after-delete", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === ID);
  const summary = (file: string): string => JSON.stringify(findings(file).map((f) => [f.contract, f.function, f.severity, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-lifetimes-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => f.status)).to.deep.equal(Object.keys(SOURCES).map(() => "compiled"));
  });

  it("reports the delete and the first read after it: mapping entries, m[k][j], s.m[k], pop, length - 1 in a local, a whole array, an alias, an if branch, namespaced storage, a loop's next round", function () {
    const found = findings("Vulnerable.sol").filter((f) => f.contract === "Dangling");
    const tags = ["unstake", "unlock", "cancelBid", "popLast", "popLastIndex", "clearQueue", "close", "claimGrant", "payRounds"];
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("Vulnerable.sol")).to.deep.equal(tags.map((t) => [t, "high", marked("Vulnerable.sol", t)]));
    for (const f of found) {
      expect(f.category).to.equal("other");
      expect(f.confidence).to.equal("medium");
      expect(f.swc).to.deep.equal([]);
      expect(f.remediation).to.match(/memory/);
    }
    const unstake = found[0]!;
    expect(unstake.message).to.match(/unstake\(\)/);
    expect(unstake.message).to.match(/`s`/);
    expect(unstake.message).to.match(/delete stakes\[msg\.sender\]/);
    expect(unstake.message).to.match(/`s\.amount`/);
    expect(unstake.message).to.match(/reads 0/);
    expect(unstake.remediation).to.match(/Stake memory s = stakes\[msg\.sender\]/);
    const unlock = found[1]!;
    expect(unlock.message).to.match(/`l\.owner`.*address\(0\).*nobody/);
    expect(found[2]!.message).to.match(/passed on \(`_refund\(b\)`\)/);
    expect(found[3]!.message).to.match(/queue\.pop\(\).*removes that element/);
  });

  it("low when only an event gets the zeroed values", function () {
    const found = findings("Vulnerable.sol").filter((f) => f.contract === "EventOnly");
    expect(found.map((f) => [f.function, f.severity, f.lines]), summary("Vulnerable.sol")).to.deep.equal([["cancel", "low", marked("Vulnerable.sol", "cancel")]]);
    expect(found[0]!.message).to.match(/event/);
  });

  it("arr.length-- before 0.6 removes the last element", function () {
    expect(findings("OldQueue.sol").map((f) => [f.function, f.severity, f.lines]), summary("OldQueue.sol")).to.deep.equal([
      ["popAndPay", "high", marked("OldQueue.sol", "popAndPay")],
    ]);
  });

  it("is silent when fields are read first, for memory copies, a re-pointed reference, paths that return or revert, another or changed key, a re-created entry or field, a deleted field, a nested mapping, swap-and-pop, another element popped and fresh references in a loop", function () {
    expect(findings("Safe.sol"), summary("Safe.sol")).to.deep.equal([]);
  });
});
