/**
 * Rules of unchecked-arithmetic, weak-randomness and timestamp-dependence that a fixture pair cannot show on its own:
 * ++/-- on counters inside `unchecked` (loop counters stay silent), the ERC-20 bookkeeping idiom whose unchecked update
 * is bounded by a checked update of the same amount, and a timestamp used as randomness reported once (as weak
 * randomness) while deadlines stay timestamp dependences.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import { scanSources } from "./scanSources";
import type { Finding } from "../../audit/types";


const SOURCES: Record<string, string> = {
  "StaleGuardBank.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// withdraw() checks the balance, pays, then debits unchecked: a re-entrant withdraw passes the same check.
contract StaleGuardBank {
    mapping(address => uint256) public balances;

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount) external {
        require(amount <= balances[msg.sender], "too much");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        unchecked {
            balances[msg.sender] -= amount;
        }
    }

    /// debited before the call (checks-effects-interactions): the check still holds
    function withdrawFirst(uint256 amount) external {
        require(amount <= balances[msg.sender], "too much");
        unchecked {
            balances[msg.sender] -= amount;
        }
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
    }

    /// checked again after the call
    function withdrawRechecked(uint256 amount) external {
        require(amount <= balances[msg.sender], "too much");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        require(amount <= balances[msg.sender], "changed");
        unchecked {
            balances[msg.sender] -= amount;
        }
    }

    /// the call cannot re-enter (transfer forwards 2300 gas)
    function withdrawByTransfer(uint256 amount) external {
        require(amount <= balances[msg.sender], "too much");
        payable(msg.sender).transfer(amount);
        unchecked {
            balances[msg.sender] -= amount;
        }
    }
}
`,
  "StepCounter.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Counters stepped inside unchecked blocks with nothing that bounds them.
contract StepCounter {
    uint8 public members;
    mapping(uint256 => uint16) public votes;

    function leave() external {
        unchecked {
            members--;
        }
    }

    function join() external {
        unchecked {
            ++members;
        }
    }

    function unvote(uint256 proposal) external {
        unchecked {
            --votes[proposal];
        }
    }
}
`,
  "StepCounterSafe.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The same steps where a check, a loop bound or the type's width rules out wrapping.
contract StepCounterSafe {
    error StepCounterEmpty();

    struct Queue {
        uint128 begin;
        uint128 end;
    }

    uint8 public members;
    uint32 public cursor;
    uint256 public nonce;
    uint256[] public items;
    Queue internal queue;

    function leave() external {
        if (members == 0) revert StepCounterEmpty();
        unchecked {
            members--;
        }
    }

    function sum(uint256 from) external view returns (uint256 total) {
        uint256 n = items.length;
        for (uint256 i = from; i < n; ) {
            total += items[i];
            unchecked {
                ++i;
            }
        }
    }

    function advance(uint32 end) external {
        for (; cursor < end; ) {
            unchecked {
                ++cursor;
            }
        }
    }

    function useNonce() external returns (uint256) {
        unchecked {
            return nonce++;
        }
    }

    function pop() external returns (uint128) {
        return _popBack(queue);
    }

    function _popBack(Queue storage q) private returns (uint128) {
        uint128 back = q.end;
        if (back == q.begin) _empty();
        unchecked {
            --back;
        }
        q.end = back;
        return back;
    }

    function _empty() private pure {
        revert StepCounterEmpty();
    }
}
`,
  "LedgerToken.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Solmate-style bookkeeping: each unchecked update follows a checked update of the same amount.
contract LedgerToken {
    error LedgerTokenNotMinter(address caller);

    address public immutable minter;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    constructor() {
        minter = msg.sender;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        unchecked {
            balanceOf[to] += amount;
        }
        return true;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert LedgerTokenNotMinter(msg.sender);
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount;
        }
    }

    function burn(uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        unchecked {
            totalSupply -= amount;
        }
    }
}
`,
  "LooseLedger.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Unchecked updates without a checked counterpart of the same amount on every path.
contract LooseLedger {
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    function credit(address account, uint256 amount) external {
        unchecked {
            balanceOf[account] += amount;
        }
    }

    function transferWithFee(address to, uint256 amount, uint256 fee) external {
        balanceOf[msg.sender] -= fee;
        unchecked {
            balanceOf[to] += amount;
        }
    }

    function burnLarge(uint256 amount) external {
        if (amount > 100) balanceOf[msg.sender] -= amount;
        unchecked {
            totalSupply -= amount;
        }
    }
}
`,
  "BlockLottery.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Block values as randomness next to an honest deadline.
contract BlockLottery {
    error BlockLotteryTooEarly(uint256 now_, uint256 deadline);

    uint256 public immutable deadline;
    address public winner;

    constructor(uint256 deadline_) {
        deadline = deadline_;
    }

    receive() external payable {
        if (block.timestamp % 15 == 0) {
            payable(msg.sender).transfer(address(this).balance);
        }
    }

    function draw(address[] calldata players) external {
        uint256 seed = uint256(keccak256(abi.encodePacked(blockhash(block.number - 1), block.timestamp)));
        winner = players[seed % players.length];
    }

    function play() external payable {
        require(block.timestamp < deadline, "closed");
        if (uint256(keccak256(abi.encodePacked(block.prevrandao, block.timestamp))) % 2 == 0) {
            payable(msg.sender).transfer(msg.value * 2);
        }
    }

    function claim() external {
        if (block.timestamp < deadline) revert BlockLotteryTooEarly(block.timestamp, deadline);
        payable(winner).transfer(address(this).balance);
    }
}
`,
};

/** The 1-based line of the only line of a source that contains `snippet`. */
function lineOf(file: string, snippet: string): number {
  const lines = SOURCES[file]!.split("\n");
  const found = lines.flatMap((l, i) => (l.includes(snippet) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`${file}: "${snippet}" is on ${found.length} lines`);
  return found[0]!;
}

describe("audit: unchecked arithmetic, randomness and timestamp rules", function () {
  this.timeout(120_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string, detector: string, fn?: string): Finding[] =>
    result.findings.filter((f) => f.file === file && f.detector === detector && (fn === undefined || f.function === fn));
  const dump = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.function, f.severity, f.lines]));

  before(async function () {
    ({ dir, result } = await scanSources("audit-rules-arith-time-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  describe("unchecked-arithmetic: a bound checked before a call that can re-enter", function () {
    it("reports the unchecked debit after the call: the check no longer holds on re-entry", function () {
      const found = findings("StaleGuardBank.sol", "unchecked-arithmetic", "withdraw");
      expect(found, dump("StaleGuardBank.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([17]);
      expect(SOURCES["StaleGuardBank.sol"]!.split("\n")[16]).to.include("balances[msg.sender] -= amount;");
      expect(found[0]!.severity).to.equal("high");
      expect(found[0]!.message).to.match(/before an external call that can re-enter/);
    });

    it("is silent when the debit comes before the call, the bound is checked again after it, or the call is a transfer", function () {
      for (const fn of ["withdrawFirst", "withdrawRechecked", "withdrawByTransfer"]) {
        expect(findings("StaleGuardBank.sol", "unchecked-arithmetic", fn), `${fn}: ${dump("StaleGuardBank.sol")}`).to.deep.equal([]);
      }
    });
  });

  describe("unchecked-arithmetic: ++ and -- inside unchecked", function () {
    it("reports a decrement of a state counter that may be zero", function () {
      const found = findings("StepCounter.sol", "unchecked-arithmetic", "leave");
      expect(found, dump("StepCounter.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("StepCounter.sol", "members--;")]);
      expect(found[0]!.severity).to.equal("medium");
      expect(found[0]!.swc).to.deep.equal(["SWC-101"]);
    });

    it("reports an increment of a uint8 state counter, which wraps after 255 calls", function () {
      const found = findings("StepCounter.sol", "unchecked-arithmetic", "join");
      expect(found, dump("StepCounter.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("StepCounter.sol", "++members;")]);
    });

    it("reports a decrement of a stored value the caller picks as high", function () {
      const found = findings("StepCounter.sol", "unchecked-arithmetic", "unvote");
      expect(found, dump("StepCounter.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("StepCounter.sol", "--votes[proposal];")]);
      expect(found[0]!.severity).to.equal("high");
    });

    it("is silent on a checked counter, loop counters (even from a caller's start), a 256-bit nonce and a copy of a stored index", function () {
      expect(findings("StepCounterSafe.sol", "unchecked-arithmetic"), dump("StepCounterSafe.sol")).to.deep.equal([]);
    });
  });

  describe("unchecked-arithmetic: updates bounded by a checked update of the same amount", function () {
    it("is silent on a credit after a checked debit of the same mapping, a mint after the checked total, a burn after the checked balance", function () {
      expect(findings("LedgerToken.sol", "unchecked-arithmetic"), dump("LedgerToken.sol")).to.deep.equal([]);
    });

    it("reports an unchecked credit with no checked counterpart", function () {
      const found = findings("LooseLedger.sol", "unchecked-arithmetic", "credit");
      expect(found, dump("LooseLedger.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("LooseLedger.sol", "balanceOf[account] += amount;")]);
      expect(found[0]!.severity).to.equal("high");
    });

    it("reports an unchecked credit after a checked debit of another amount", function () {
      const found = findings("LooseLedger.sol", "unchecked-arithmetic", "transferWithFee");
      expect(found, dump("LooseLedger.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("LooseLedger.sol", "balanceOf[to] += amount;")]);
      expect(found[0]!.severity).to.equal("high");
    });

    it("reports an unchecked burn whose debit runs on one branch only", function () {
      const found = findings("LooseLedger.sol", "unchecked-arithmetic", "burnLarge");
      expect(found, dump("LooseLedger.sol")).to.have.lengthOf(1);
      expect(found[0]!.lines).to.deep.equal([lineOf("LooseLedger.sol", "totalSupply -= amount;")]);
    });
  });

  describe("block values as randomness: one finding per weakness", function () {
    it("reports block.timestamp % 15 deciding a payout as weak randomness, not again as a timestamp dependence", function () {
      const line = lineOf("BlockLottery.sol", "block.timestamp % 15");
      const random = findings("BlockLottery.sol", "weak-randomness", "receive");
      expect(random, dump("BlockLottery.sol")).to.have.lengthOf(1);
      expect(random[0]!.lines).to.include(line);
      expect(findings("BlockLottery.sol", "timestamp-dependence", "receive"), dump("BlockLottery.sol")).to.deep.equal([]);
    });

    it("reports a seed hashed from blockhash and block.timestamp once, as weak randomness", function () {
      const line = lineOf("BlockLottery.sol", "uint256 seed =");
      const random = findings("BlockLottery.sol", "weak-randomness", "draw");
      expect(random, dump("BlockLottery.sol")).to.have.lengthOf(1);
      expect(random[0]!.lines).to.include(line);
      expect(random[0]!.confidence).to.equal("high");
      expect(findings("BlockLottery.sol", "timestamp-dependence", "draw"), dump("BlockLottery.sol")).to.deep.equal([]);
    });

    it("still reports the deadline next to a coin toss as a timestamp dependence, on the deadline's line only", function () {
      const deadline = lineOf("BlockLottery.sol", "block.timestamp < deadline, \"closed\"");
      const toss = lineOf("BlockLottery.sol", "block.prevrandao, block.timestamp");
      const time = findings("BlockLottery.sol", "timestamp-dependence", "play");
      expect(time, dump("BlockLottery.sol")).to.have.lengthOf(1);
      expect(time[0]!.lines).to.deep.equal([deadline]);
      expect(time[0]!.severity).to.equal("low");
      const random = findings("BlockLottery.sol", "weak-randomness", "play");
      expect(random, dump("BlockLottery.sol")).to.have.lengthOf(1);
      expect(random[0]!.lines).to.include(toss).and.not.include(deadline);
    });

    it("still reports a deadline compared with block.timestamp before a payout", function () {
      const time = findings("BlockLottery.sol", "timestamp-dependence", "claim");
      expect(time, dump("BlockLottery.sol")).to.have.lengthOf(1);
      expect(time[0]!.lines).to.deep.equal([lineOf("BlockLottery.sol", "if (block.timestamp < deadline)")]);
      expect(findings("BlockLottery.sol", "weak-randomness", "claim")).to.deep.equal([]);
    });

    it("gives weak randomness from block.timestamp SWC-116 as well as SWC-120", function () {
      for (const fn of ["receive", "draw", "play"]) {
        const [f] = findings("BlockLottery.sol", "weak-randomness", fn);
        expect(f?.swc, fn).to.include.members(["SWC-120", "SWC-116"]);
      }
    });
  });
});
