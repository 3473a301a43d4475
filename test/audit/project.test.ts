/**
 * The scanner resolves imports as the build tools do (audit/project.ts): a Foundry project (foundry.toml, remappings.txt,
 * lib/ with forge-std's nested ds-test and an OpenZeppelin-style dependency with its own remappings), a Hardhat project
 * (node_modules) and a plain folder — each written here for the test — compile fully, scanning the project root or
 * only src/; dependencies are compiled but never reported; an import nothing resolves says why, per file.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runAudit } from "../../audit/scan";
import { applyRemappings, detectProject, isDependency, parseRemapping, AuditProjectError } from "../../audit/project";
import { evmVersionFor } from "../../audit/compile";
import { discoverSolidity } from "../../audit/discover";

const ROOT = path.resolve(__dirname, "../..");

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

const FORGE_STD = {
  // forge-std as its authors lay it out: src/, and ds-test in its own lib/ imported as "ds-test/test.sol"
  "lib/forge-std/src/Test.sol": `// SPDX-License-Identifier: MIT
pragma solidity >=0.6.2 <0.9.0;
import "ds-test/test.sol";
import {Vm} from "./Vm.sol";
abstract contract Test is DSTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
}
`,
  "lib/forge-std/src/Vm.sol": `// SPDX-License-Identifier: MIT
pragma solidity >=0.6.2 <0.9.0;
interface Vm {
    function prank(address) external;
    function deal(address, uint256) external;
}
`,
  "lib/forge-std/lib/ds-test/src/test.sol": `// SPDX-License-Identifier: GPL-3.0
pragma solidity >=0.5.0;
contract DSTest {
    bool public IS_TEST = true;
    function assertTrue(bool condition) internal pure {
        require(condition, "assertion failed");
    }
}
`,
};

const OZ_LIKE = {
  // an OpenZeppelin-style dependency: sources under contracts/, and its own remappings.txt naming them
  "lib/openzeppelin-contracts/remappings.txt": "@openzeppelin/contracts/=contracts/\n",
  "lib/openzeppelin-contracts/contracts/token/ERC20/IERC20.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
interface IERC20 {
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}
`,
  "lib/openzeppelin-contracts/contracts/utils/ReentrancyGuard.sol": `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
abstract contract ReentrancyGuard {
    uint256 private _status = 1;
    modifier nonReentrant() {
        require(_status == 1, "reentrant");
        _status = 2;
        _;
        _status = 1;
    }
}
`,
  // a dependency with src/ (derived remapping "solmate/")
  "lib/solmate/src/utils/FixedPointMathLib.sol": `// SPDX-License-Identifier: AGPL-3.0-only
pragma solidity >=0.8.0;
library FixedPointMathLib {
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return (x * y) / d;
    }
}
`,
};

const VAULT = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuard} from "openzeppelin-contracts/utils/ReentrancyGuard.sol";
import {FixedPointMathLib} from "solmate/utils/FixedPointMathLib.sol";
contract Vault is ReentrancyGuard {
    IERC20 public immutable asset;
    mapping(address => uint256) public shares;
    uint256 public totalShares;
    constructor(IERC20 asset_) {
        asset = asset_;
    }
    function sharesFor(uint256 assets) public view returns (uint256) {
        uint256 held = asset.balanceOf(address(this));
        return totalShares == 0 ? assets : FixedPointMathLib.mulDivDown(assets, totalShares, held);
    }
}
`;

const VAULT_TEST = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {Test} from "forge-std/Test.sol";
import {Vault} from "../src/Vault.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
contract VaultTest is Test {
    function test_firstDeposit() public {
        Vault v = new Vault(IERC20(address(0x1234)));
        vm.prank(address(1));
        assertTrue(address(v) != address(0));
    }
}
`;

describe("audit: imports resolved like the build tools (Foundry, Hardhat, plain folders)", function () {
  this.timeout(180_000);
  let dir: string;
  let cacheDir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "audit-projects-"));
    cacheDir = path.join(dir, "cache");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("a Foundry project", function () {
    let foundry: string;
    before(() => {
      foundry = path.join(dir, "foundry");
      write(foundry, {
        // forge's default gas_limit is beyond 2^53 (LooksRare's foundry.toml states it): valid TOML, read as bigint
        "foundry.toml": `[profile.default]\nsrc = "src"\nout = "out"\nlibs = ["lib"]\nevm_version = "cancun"\ngas_limit = 9223372036854775807\n`,
        "remappings.txt": "# the project's own\nopenzeppelin-contracts/=lib/openzeppelin-contracts/contracts/\n",
        ...FORGE_STD,
        ...OZ_LIKE,
        "src/Vault.sol": VAULT,
        "test/Vault.t.sol": VAULT_TEST,
        "script/Deploy.s.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {Vault} from "src/Vault.sol";\ncontract Deploy { function run() external returns (address) { return address(0); } }\n`,
      });
    });

    it("is detected from its root or any folder under it, with the remappings forge uses (a 64-bit integer in foundry.toml is fine)", function () {
      for (const from of [foundry, path.join(foundry, "src"), path.join(foundry, "test", "Vault.t.sol")]) {
        const p = detectProject(from);
        expect(p.kind, from).to.equal("foundry");
        expect(p.root).to.equal(foundry);
      }
      const p = detectProject(foundry);
      expect(p.settings.evmVersion).to.equal("cancun");
      const byPrefix = (prefix: string) => p.remappings.filter((r) => r.prefix === prefix).map((r) => [path.relative(foundry, r.target), r.origin]);
      expect(byPrefix("ds-test/")).to.deep.include(["lib/forge-std/lib/ds-test/src", "derived"]);
      expect(byPrefix("forge-std/")).to.deep.include(["lib/forge-std/src", "derived"]);
      expect(byPrefix("solmate/")).to.deep.include(["lib/solmate/src", "derived"]);
      expect(byPrefix("@openzeppelin/contracts/")).to.deep.include(["lib/openzeppelin-contracts/contracts", "lib/openzeppelin-contracts/remappings.txt"]);
      // the project's remapping comes before the derived one for the same prefix (lib/openzeppelin-contracts has no src/)
      expect(byPrefix("openzeppelin-contracts/")[0]).to.deep.equal(["lib/openzeppelin-contracts/contracts", "remappings.txt"]);
      expect(isDependency(p, path.join(foundry, "lib/forge-std/src/Test.sol"))).to.equal(true);
      expect(isDependency(p, path.join(foundry, "src/Vault.sol"))).to.equal(false);
    });

    it("scanning the project root compiles every own file (src, test, script) and reports nothing from lib/", async function () {
      const r = await runAudit({ path: foundry, projectRoot: ROOT, cacheDir, slither: false, solhint: false });
      expect(r.project).to.include({ kind: "foundry", root: foundry });
      expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([
        ["script/Deploy.s.sol", "compiled", undefined],
        ["src/Vault.sol", "compiled", undefined],
        ["test/Vault.t.sol", "compiled", undefined],
      ]);
      expect(r.findings.filter((f) => f.file.startsWith("lib/"))).to.deep.equal([]);
    });

    it("scanning src/ alone still finds lib/ through the project's remappings", async function () {
      const r = await runAudit({ path: path.join(foundry, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
      expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([["Vault.sol", "compiled"]]);
    });

    it("a dependency asked for by its path is scanned (lib/ is skipped only under a scanned project)", async function () {
      const lib = path.join(foundry, "lib");
      expect(discoverSolidity(foundry, [], [lib]).files.some((f) => f.startsWith(lib))).to.equal(false);
      const r = await runAudit({ path: path.join(lib, "forge-std"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
      expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([
        ["lib/ds-test/src/test.sol", "compiled"],
        ["src/Test.sol", "compiled"],
        ["src/Vm.sol", "compiled"],
      ]);
    });

    it("an import nothing resolves falls back to parse-only with the import, the project and what to do", async function () {
      const broken = path.join(dir, "foundry-broken");
      write(broken, { "foundry.toml": `[profile.default]\nsrc = "src"\n`, ...FORGE_STD, "src/Uses.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "solady/utils/LibString.sol";\ncontract Uses {}\n` });
      const r = await runAudit({ path: broken, projectRoot: ROOT, cacheDir, slither: false, solhint: false });
      const s = r.files.find((f) => f.file === "src/Uses.sol")!;
      expect(s.status).to.equal("parse-only");
      expect(s.message).to.contain("Import not found: solady/utils/LibString.sol (imported by Uses.sol)").and.contain(`Foundry project at ${broken}`).and.contain("remappings.txt");
    });

    it("refuses a foundry.toml that is not TOML, wrong config types and a remapping without '=' with the file named", function () {
      const bad = path.join(dir, "foundry-bad");
      write(bad, { "foundry.toml": "[profile.default\nsrc = 'src'\n" });
      expect(() => detectProject(bad)).to.throw(AuditProjectError, /foundry\.toml is not valid TOML/);
      write(bad, { "foundry.toml": "[profile.default]\nlibs = 'lib'\n" });
      expect(() => detectProject(bad)).to.throw(AuditProjectError, /libs must be an array of strings/);
      write(bad, { "foundry.toml": "[profile.default]\n", "remappings.txt": "forge-std\n" });
      expect(() => detectProject(bad)).to.throw(AuditProjectError, /remappings\.txt: "forge-std" is not a remapping/);
    });
  });

  describe("remappings", function () {
    it("take the longest prefix, a matching context before none, leave unmatched imports alone, and read `p/=dir` as `p/=dir/`", function () {
      const base = "/p";
      const rs = [parseRemapping("a/=lib/a/", base, "t")!, parseRemapping("a/b/=lib/ab/", base, "t")!, parseRemapping("lib/x/:a/=lib/x/lib/a/", base, "t")!];
      expect(applyRemappings(rs, "/p/src/F.sol", "a/b/C.sol")).to.equal("/p/lib/ab/C.sol");
      expect(applyRemappings(rs, "/p/src/F.sol", "a/C.sol")).to.equal("/p/lib/a/C.sol");
      expect(applyRemappings(rs, "/p/lib/x/src/F.sol", "a/C.sol")).to.equal("/p/lib/x/lib/a/C.sol");
      expect(applyRemappings(rs, "/p/src/F.sol", "other/C.sol")).to.equal(undefined);
      expect(parseRemapping("  # comment", base, "t")).to.equal(undefined);
      // as forge normalises: a prefix ending in "/" maps onto a folder even when the target has no trailing slash
      expect(applyRemappings([parseRemapping("@oz/=lib/oz/contracts", base, "t")!], "/p/src/F.sol", "@oz/token/T.sol")).to.equal("/p/lib/oz/contracts/token/T.sol");
    });

    it("give the project's EVM version only to compilers that know it", function () {
      expect(evmVersionFor("0.8.28", "cancun")).to.equal("cancun");
      expect(evmVersionFor("0.8.19", "cancun")).to.equal(undefined);
      expect(evmVersionFor("0.8.28", undefined)).to.equal(undefined);
      expect(evmVersionFor("0.7.6", "istanbul")).to.equal(undefined);
    });
  });

  it("a Hardhat project: @-imports from node_modules, which is never reported", async function () {
    const hh = path.join(dir, "hardhat");
    write(hh, {
      "hardhat.config.js": "module.exports = { solidity: '0.8.28' };\n",
      "package.json": "{}\n",
      "node_modules/@openzeppelin/contracts/token/ERC20/IERC20.sol": OZ_LIKE["lib/openzeppelin-contracts/contracts/token/ERC20/IERC20.sol"],
      "node_modules/@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {IERC20} from "../IERC20.sol";\nlibrary SafeERC20 {\n    function safeTransfer(IERC20 t, address to, uint256 v) internal {\n        require(t.transfer(to, v), "transfer failed");\n    }\n}\n`,
      "contracts/Payout.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";\nimport {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";\ncontract Payout {\n    using SafeERC20 for IERC20;\n    function pay(IERC20 t, address to, uint256 v) external { t.safeTransfer(to, v); }\n}\n`,
    });
    expect(detectProject(path.join(hh, "contracts"))).to.include({ kind: "hardhat", root: hh });
    const r = await runAudit({ path: hh, projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.project.kind).to.equal("hardhat");
    expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([["contracts/Payout.sol", "compiled"]]);
  });

  it("a file imported under two names (a relative path into lib/ and a remapped one) is one unit; the project's own remapping beats a dependency's for the same prefix", async function () {
    const twice = path.join(dir, "twice");
    const iface = `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ninterface IThing {\n    function ping() external returns (uint256);\n}\n`;
    write(twice, {
      "foundry.toml": `[profile.default]\nsrc = "src"\nremappings = ["@acme=lib/acme-contracts"]\n`,
      "lib/acme-contracts/contracts/IThing.sol": iface,
      "lib/acme-contracts/contracts/Thing.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./IThing.sol";\ncontract Thing is IThing {\n    function ping() external pure returns (uint256) { return 1; }\n}\n`,
      // a dependency that names the same prefix with a slash, pointing at a copy the project does not use (absent)
      "lib/helper/remappings.txt": "@acme/=lib/acme-contracts-old/\n",
      "lib/helper/src/Helper.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nlibrary Helper { function one() internal pure returns (uint256) { return 1; } }\n`,
      "src/Uses.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "../lib/acme-contracts/contracts/IThing.sol";\nimport "./Both.sol";\ncontract Uses {\n    function call(IThing t) external returns (uint256) { return t.ping(); }\n}\n`,
      "src/Both.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "@acme/contracts/Thing.sol";\ncontract Both { Thing public thing; }\n`,
    });
    const p = detectProject(twice);
    expect(applyRemappings(p.remappings, path.join(twice, "src/Both.sol"), "@acme/contracts/Thing.sol")).to.equal(`${twice}/lib/acme-contracts/contracts/Thing.sol`);
    const r = await runAudit({ path: path.join(twice, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([
      ["Both.sol", "compiled", undefined],
      ["Uses.sol", "compiled", undefined],
    ]);
  });

  it("two dependencies naming one prefix in their remappings.txt: the copy closest to the root wins, as forge keeps it (MagicSea: joe-v2's nested OpenZeppelin and the top-level one)", async function () {
    const two = path.join(dir, "two-copies");
    const ierc20 = `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ninterface IERC20 {\n    function transfer(address to, uint256 value) external returns (bool);\n}\n`;
    write(two, {
      "foundry.toml": `[profile.default]\nsrc = "src"\n`,
      "remappings.txt": "openzeppelin/=lib/openzeppelin-contracts/contracts/\n",
      // sorted first: a dependency with its own nested copy, named by the same prefix
      "lib/amm/remappings.txt": "@openzeppelin/contracts/=lib/openzeppelin-contracts/contracts/\n",
      "lib/amm/lib/openzeppelin-contracts/contracts/token/ERC20/IERC20.sol": ierc20,
      "lib/openzeppelin-contracts/remappings.txt": "@openzeppelin/contracts/=contracts/\n",
      "lib/openzeppelin-contracts/contracts/token/ERC20/IERC20.sol": ierc20,
      "src/IWrapped.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";\ninterface IWrapped is IERC20 { function deposit() external payable; }\n`,
      "src/Zapper.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {IERC20} from "openzeppelin/token/ERC20/IERC20.sol";\nimport "./IWrapped.sol";\ncontract Zapper { function zap(IWrapped w, IERC20 t) external payable { w.deposit{value: msg.value}(); t.transfer(msg.sender, 1); } }\n`,
    });
    const p = detectProject(two);
    expect(p.remappings.filter((r) => r.prefix === "@openzeppelin/contracts/").map((r) => [path.relative(two, r.target), r.origin])).to.deep.equal([
      ["lib/openzeppelin-contracts/contracts", "lib/openzeppelin-contracts/remappings.txt"],
    ]);
    const r = await runAudit({ path: path.join(two, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([
      ["IWrapped.sol", "compiled", undefined],
      ["Zapper.sol", "compiled", undefined],
    ]);
  });

  it("a nested submodule nobody checked out (an empty folder) does not win a prefix over a copy that is there (PoolTogether's ring-buffer-lib)", async function () {
    const nested = path.join(dir, "unchecked-out");
    const ring = `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nlibrary RingBufferLib {\n    function wrap(uint256 i, uint256 n) internal pure returns (uint256) { return i % n; }\n}\n`;
    write(nested, {
      "foundry.toml": `[profile.default]\nsrc = "src"\n`,
      // sorted first, equally close: a dependency whose own ring-buffer-lib submodule was never checked out
      "lib/a-twab/remappings.txt": "ring-buffer-lib/=lib/ring-buffer-lib/src/\n",
      "lib/a-twab/src/Twab.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {RingBufferLib} from "ring-buffer-lib/RingBufferLib.sol";\nlibrary Twab { function at(uint256 i) internal pure returns (uint256) { return RingBufferLib.wrap(i, 8); } }\n`,
      "lib/b-pool/remappings.txt": "ring-buffer-lib/=lib/ring-buffer-lib/src/\n",
      "lib/b-pool/lib/ring-buffer-lib/src/RingBufferLib.sol": ring,
      "src/Vault.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {Twab} from "a-twab/Twab.sol";\ncontract Vault { function slot(uint256 i) external pure returns (uint256) { return Twab.at(i); } }\n`,
    });
    mkdirSync(path.join(nested, "lib/a-twab/lib/ring-buffer-lib"), { recursive: true });
    const p = detectProject(nested);
    expect(p.remappings.filter((r) => r.prefix === "ring-buffer-lib/").map((r) => path.relative(nested, r.target))).to.deep.equal(["lib/b-pool/lib/ring-buffer-lib/src"]);
    const r = await runAudit({ path: path.join(nested, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([["Vault.sol", "compiled", undefined]]);
  });

  it("a file one file imports as `src/AuctionV1.sol` and another as `./AuctionV1.sol`, in an import cycle, is one unit when the project's files are compiled together (Bond's batch auction)", async function () {
    const cyc = path.join(dir, "cycle");
    const sol = (body: string, imports: string): string => `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n${imports}${body}\n`;
    write(cyc, {
      "foundry.toml": `[profile.default]\nsrc = "src"\nremappings = ["src/=src/"]\n`,
      "src/interfaces/IAuctionV1.sol": sol("interface IAuctionV1 { function factory() external view returns (IAuctionFactory); }", 'import {IAuctionFactory} from "src/interfaces/IAuctionFactory.sol";\n'),
      "src/interfaces/IAuctionFactory.sol": sol("interface IAuctionFactory { function deployClone() external returns (AuctionV1); }", 'import {AuctionV1, IAuctionV1} from "src/AuctionV1.sol";\n'),
      "src/AuctionV1.sol": sol("contract AuctionV1 is IAuctionV1 { IAuctionFactory public factory; }", 'import {IAuctionV1} from "./interfaces/IAuctionV1.sol";\nimport {IAuctionFactory} from "./interfaces/IAuctionFactory.sol";\n'),
      "src/AuctionFactory.sol": sol(
        "contract AuctionFactory is IAuctionFactory { function deployClone() external override returns (AuctionV1) { return new AuctionV1(); } }",
        'import {IAuctionFactory} from "./interfaces/IAuctionFactory.sol";\nimport {AuctionV1, IAuctionV1} from "./AuctionV1.sol";\n',
      ),
    });
    const r = await runAudit({ path: path.join(cyc, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([
      ["AuctionFactory.sol", "compiled", undefined],
      ["AuctionV1.sol", "compiled", undefined],
      ["interfaces/IAuctionFactory.sol", "compiled", undefined],
      ["interfaces/IAuctionV1.sol", "compiled", undefined],
    ]);
  });

  it("a file with an open pragma (`>=0.6.0`, hardhat-exposed's wrappers) importing code pinned to an uninstalled 0.8 version is compiled by the 0.8 compiler closest to the pin, not by 0.6", async function () {
    const open = path.join(dir, "open-pragma");
    write(open, {
      "hardhat.config.js": "module.exports = {};\n",
      "contracts/Pinned.sol": "// SPDX-License-Identifier: MIT\npragma solidity 0.8.21;\ncontract Pinned {\n    error Nope(uint256 id);\n    function f(uint256 x) external pure returns (uint256) { unchecked { return x + 1; } }\n}\n",
      "contracts/exposed/Wrapper.sol": '// SPDX-License-Identifier: UNLICENSED\npragma solidity >=0.6.0;\nimport "../Pinned.sol";\ncontract $Pinned is Pinned {}\n',
    });
    const r = await runAudit({ path: path.join(open, "contracts"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["Pinned.sol", "compiled-relaxed-pragma"],
      ["exposed/Wrapper.sol", "compiled-relaxed-pragma"],
    ]);
    expect(r.files.every((f) => /^0\.8\./.test(f.compiler ?? ""))).to.equal(true);
  });

  it("imports forge finds without a remapping: a path under a lib folder (`solady/src/…`), and a dependency's import from its own root (`src/Kernel.sol`)", async function () {
    const deps = path.join(dir, "deps");
    const sol = (body: string, imports = ""): string => `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n${imports}${body}\n`;
    write(deps, {
      "foundry.toml": `[profile.default]\nsrc = "src"\nlibs = ["node_modules", "lib"]\n`,
      // no remapping names solady: forge finds lib/solady/src/tokens/ERC20.sol by looking the path up under lib/
      "lib/solady/src/tokens/ERC20.sol": sol("abstract contract ERC20 { mapping(address => uint256) public balanceOf; }"),
      // a dependency (its own Foundry project) whose files import from its root, as olympus-v3 does
      "lib/kernel-kit/foundry.toml": `[profile.default]\nsrc = "src"\n`,
      "lib/kernel-kit/src/Kernel.sol": sol("contract Kernel { address public executor; }"),
      "lib/kernel-kit/src/modules/Roles.sol": sol("contract Roles { Kernel public kernel; }", 'import {Kernel} from "src/Kernel.sol";\n'),
      // and the project has a src/Kernel.sol of its own: the dependency's must not be taken for it, nor the reverse
      "src/Kernel.sol": sol("contract ProjectKernel { uint256 public version = 2; }"),
      "src/Token.sol": sol(
        "contract Token is ERC20 { Roles public roles; ProjectKernel public kernel; }",
        'import {ERC20} from "solady/src/tokens/ERC20.sol";\nimport {Roles} from "kernel-kit/modules/Roles.sol";\nimport {ProjectKernel} from "src/Kernel.sol";\n',
      ),
    });
    const r = await runAudit({ path: path.join(deps, "src"), projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status, f.message])).to.deep.equal([
      ["Kernel.sol", "compiled", undefined],
      ["Token.sol", "compiled", undefined],
    ]);
  });

  it("a folder of several projects (a monorepo, one Foundry project per challenge): each file compiles with its own project's remappings, and no lib/ is reported", async function () {
    const mono = path.join(dir, "monorepo");
    const prefixed = (prefix: string, files: Record<string, string>): Record<string, string> =>
      Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
    write(mono, {
      // two Foundry projects that map the same import to different dependencies, and a Hardhat package
      ...prefixed("vault", { "foundry.toml": `[profile.default]\nsrc = "src"\n`, "remappings.txt": "openzeppelin-contracts/=lib/openzeppelin-contracts/contracts/\n", ...FORGE_STD, ...OZ_LIKE, "src/Vault.sol": VAULT }),
      ...prefixed("game", {
        "foundry.toml": `[profile.default]\nsrc = "src"\nremappings = ["tok/=lib/tokens/src/"]\n`,
        "lib/tokens/src/Points.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Points { mapping(address => uint256) public balanceOf; }\n`,
        "src/Game.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {Points} from "tok/Points.sol";\ncontract Game { Points public points; }\n`,
      }),
      "packages/app/hardhat.config.js": "module.exports = { solidity: '0.8.28' };\n",
      "packages/app/node_modules/@acme/lib/Lib.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nlibrary Lib { function one() internal pure returns (uint256) { return 1; } }\n`,
      "packages/app/contracts/App.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport {Lib} from "@acme/lib/Lib.sol";\ncontract App { function f() external pure returns (uint256) { return Lib.one(); } }\n`,
      "shared/Note.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Note {}\n`,
    });
    const r = await runAudit({ path: mono, projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["game/src/Game.sol", "compiled"],
      ["packages/app/contracts/App.sol", "compiled"],
      ["shared/Note.sol", "compiled"],
      ["vault/src/Vault.sol", "compiled"],
    ]);
    expect(r.nested.map((n) => [path.relative(mono, n.root), n.kind, n.files])).to.deep.equal([
      ["game", "foundry", 1],
      ["packages/app", "hardhat", 1],
      ["vault", "foundry", 1],
    ]);
    expect(r.findings.filter((f) => f.file.includes("/lib/") || f.file.includes("node_modules"))).to.deep.equal([]);
    // one project scanned from its own root has nothing nested
    expect((await runAudit({ path: path.join(mono, "game"), projectRoot: ROOT, cacheDir, slither: false, solhint: false })).nested).to.deep.equal([]);
  });

  it("a plain folder: relative imports", async function () {
    const plain = path.join(dir, "plain");
    write(plain, {
      "A.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./util/B.sol";\ncontract A is B {}\n`,
      "util/B.sol": `// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract B {}\n`,
    });
    const r = await runAudit({ path: plain, projectRoot: ROOT, cacheDir, slither: false, solhint: false });
    expect(r.project.kind).to.equal("plain");
    expect(r.files.map((f) => [f.file, f.status])).to.deep.equal([
      ["A.sol", "compiled"],
      ["util/B.sol", "compiled"],
    ]);
  });
});
