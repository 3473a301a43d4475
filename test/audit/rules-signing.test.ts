/**
 * signature-unbound-recipient: a signature of a stored authority (owner, an immutable signer, a role, a signer
 * mapping, isValidSignatureNow of a stored signer) that pays the caller — or an address the caller passes in — while
 * the signed digest names no recipient. Vulnerable variants (ether, SafeERC20, mint, credit, a caller-chosen `to`,
 * recovery and payment in helpers) and one safe contract per silencing condition.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import type { AuditResult } from "../../audit/scan";
import type { Finding } from "../../audit/types";
import { DETECTORS } from "../../audit/detectors";
import { scanSources } from "./scanSources";

const HEADER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
`;

const SOURCES: Record<string, string> = {
  // ------------------------------------------------------------------------------------------ vulnerable
  "RoleTokenVouchers.sol": `${HEADER}
/// A SIGNER_ROLE holder signs a voucher struct (amount, nonce) hashed in a helper; the tokens go to the caller.
contract RoleTokenVouchers is AccessControl, EIP712 {
    using SafeERC20 for IERC20;

    struct Voucher {
        uint256 amount;
        uint256 nonce;
    }

    bytes32 public constant SIGNER_ROLE = keccak256("SIGNER_ROLE");
    bytes32 private constant VOUCHER_TYPEHASH = keccak256("Voucher(uint256 amount,uint256 nonce)");
    IERC20 public immutable token;
    mapping(uint256 => bool) public used;

    constructor(IERC20 token_) EIP712("RoleTokenVouchers", "1") {
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    function _hash(Voucher calldata v) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, v.amount, v.nonce)));
    }

    function redeem(Voucher calldata v, bytes calldata sig) external {
        require(!used[v.nonce], "used");
        used[v.nonce] = true;
        address signer = ECDSA.recover(_hash(v), sig);
        require(hasRole(SIGNER_ROLE, signer), "not a signer");
        token.safeTransfer(msg.sender, v.amount);
    }
}
`,
  "MintVouchers.sol": `${HEADER}
/// An immutable signer signs (amount, nonce) with the EIP-191 prefix, checked with ecrecover; the caller is minted.
contract MintVouchers is ERC20 {
    address public immutable signer;
    mapping(uint256 => bool) public usedNonce;

    constructor(address signer_) ERC20("Voucher", "VCH") {
        signer = signer_;
    }

    function mintWithVoucher(uint256 amount, uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        require(!usedNonce[nonce], "used");
        usedNonce[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), amount, nonce)));
        address recovered = ecrecover(digest, v, r, s);
        require(recovered != address(0) && recovered == signer, "bad sig");
        _mint(msg.sender, amount);
    }
}
`,
  "CreditVouchers.sol": `${HEADER}
/// The stored signer may be a contract wallet (SignatureChecker); a valid voucher credits the caller's balance.
contract CreditVouchers {
    address public signer;
    mapping(address => uint256) public balances;
    mapping(bytes32 => bool) public spent;

    constructor(address signer_) {
        signer = signer_;
    }

    function deposit(uint256 amount, bytes32 salt, bytes calldata sig) external {
        bytes32 hash = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(address(this), amount, salt)));
        require(!spent[hash], "spent");
        require(SignatureChecker.isValidSignatureNow(signer, hash, sig), "bad sig");
        spent[hash] = true;
        balances[msg.sender] += amount;
    }

    function withdraw() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        payable(msg.sender).transfer(amount);
    }
}
`,
  "ChosenRecipient.sol": `${HEADER}
/// The recipient is a parameter, but the owner's signature does not cover it: the submitter picks its own address.
contract ChosenRecipient {
    address public owner;
    mapping(uint256 => bool) public used;

    constructor() payable {
        owner = msg.sender;
    }

    function payout(address payable to, uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), amount, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "send failed");
    }
}
`,
  "HelperVouchers.sol": `${HEADER}
/// The signer is recovered in a helper and looked up in a signer mapping; the payout goes through a helper too.
contract HelperVouchers {
    mapping(address => bool) public isSigner;
    mapping(uint256 => bool) public used;

    constructor() payable {
        isSigner[msg.sender] = true;
    }

    function _recoverSigner(uint256 amount, uint256 nonce, bytes memory sig) internal view returns (address) {
        bytes32 structHash = keccak256(abi.encode(block.chainid, address(this), amount, nonce));
        return ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(structHash), sig);
    }

    function _pay(address account, uint256 amount) internal {
        payable(account).transfer(amount);
    }

    function claim(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        address s = _recoverSigner(amount, nonce, sig);
        require(isSigner[s], "not a signer");
        _pay(msg.sender, amount);
    }
}
`,
  // ------------------------------------------------------------------------------------------ safe
  "SenderSigned.sol": `${HEADER}
/// The signed message includes the caller: msg.sender directly, _msgSender() through a helper, caller() in assembly.
contract SenderSigned is ERC20 {
    address public immutable signer;
    mapping(uint256 => bool) public used;

    constructor(address signer_) ERC20("S", "S") {
        signer = signer_;
    }

    function _digest(address account, uint256 amount, uint256 nonce) internal view returns (bytes32) {
        return MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), account, amount, nonce)));
    }

    function claimDirect(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), msg.sender, amount, nonce)));
        require(ECDSA.recover(digest, sig) == signer, "bad sig");
        _mint(msg.sender, amount);
    }

    function claimViaHelper(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        require(ECDSA.recover(_digest(_msgSender(), amount, nonce), sig) == signer, "bad sig");
        _mint(_msgSender(), amount);
    }

    function claimAssembly(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 h;
        assembly {
            let p := mload(0x40)
            mstore(p, caller())
            mstore(add(p, 0x20), amount)
            mstore(add(p, 0x40), nonce)
            h := keccak256(p, 0x60)
        }
        require(ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(h), sig) == signer, "bad sig");
        _mint(msg.sender, amount);
    }
}
`,
  "SignedRecipient.sol": `${HEADER}
/// The paid address is in the signed data: a parameter \`to\`, a field of a struct hashed field by field, or a struct hashed whole.
contract SignedRecipient {
    using SafeERC20 for IERC20;

    struct Claim {
        address to;
        uint256 amount;
        uint256 nonce;
    }

    address public owner;
    IERC20 public immutable token;
    mapping(uint256 => bool) public used;

    constructor(IERC20 token_) {
        owner = msg.sender;
        token = token_;
    }

    function _use(uint256 nonce) internal {
        require(!used[nonce], "used");
        used[nonce] = true;
    }

    function payTo(address to, uint256 amount, uint256 nonce, bytes calldata sig) external {
        _use(nonce);
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), to, amount, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        token.safeTransfer(to, amount);
    }

    function payFields(Claim calldata c, bytes calldata sig) external {
        _use(c.nonce);
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), c.to, c.amount, c.nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        token.safeTransfer(c.to, c.amount);
    }

    function payWhole(Claim calldata c, bytes calldata sig) external {
        _use(c.nonce);
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), c)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        token.safeTransfer(c.to, c.amount);
    }
}
`,
  "NamedAccount.sol": `${HEADER}
/// The signed data names the account it is issued to, or binds the caller through a hash the caller must match.
contract NamedAccount {
    address public owner;
    mapping(uint256 => bool) public used;
    mapping(address => uint256) public credits;

    constructor() payable {
        owner = msg.sender;
    }

    function claimFor(address account, uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), account, amount, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        credits[msg.sender] += amount;
    }

    function claimByHash(bytes32 accountHash, uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(keccak256(abi.encode(msg.sender)) == accountHash, "not yours");
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), accountHash, amount, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        payable(msg.sender).transfer(amount);
    }
}
`,
  "SelfSigned.sol": `${HEADER}
/// The signer is the account whose funds move (a parameter): a permit-style withdrawal and a meta-transaction forwarder.
contract SelfSigned is EIP712 {
    struct ForwardRequest {
        address from;
        address to;
        uint256 value;
        uint256 nonce;
        bytes data;
    }

    bytes32 private constant WITHDRAW_TYPEHASH = keccak256("Withdraw(address holder,uint256 amount,uint256 nonce)");
    bytes32 private constant REQUEST_TYPEHASH = keccak256("ForwardRequest(address from,address to,uint256 value,uint256 nonce,bytes data)");
    mapping(address => uint256) public balances;
    mapping(address => uint256) public nonces;

    constructor() EIP712("SelfSigned", "1") {}

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdrawBySig(address holder, uint256 amount, bytes calldata sig) external {
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(WITHDRAW_TYPEHASH, holder, amount, nonces[holder]++)));
        require(ECDSA.recover(digest, sig) == holder, "bad sig");
        balances[holder] -= amount;
        payable(msg.sender).transfer(amount);
    }

    function execute(ForwardRequest calldata req, bytes calldata sig) external payable {
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(REQUEST_TYPEHASH, req.from, req.to, req.value, req.nonce, keccak256(req.data))));
        require(ECDSA.recover(digest, sig) == req.from, "bad sig");
        require(nonces[req.from]++ == req.nonce, "nonce");
        (bool ok, ) = req.to.call{value: req.value}(abi.encodePacked(req.data, req.from));
        require(ok, "call failed");
    }
}
`,
  "CallerPays.sol": `${HEADER}
/// The caller pays for what it gets: a co-signed withdrawal of its own balance, a redemption that burns its own tokens at a signed price.
contract CallerPays is ERC20 {
    address public immutable cosigner;
    address public immutable oracle;
    mapping(address => uint256) public balances;
    mapping(uint256 => bool) public used;

    constructor(address cosigner_, address oracle_) payable ERC20("P", "P") {
        cosigner = cosigner_;
        oracle = oracle_;
    }

    function deposit() external payable {
        balances[msg.sender] += msg.value;
    }

    function withdraw(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), amount, nonce)));
        require(ECDSA.recover(digest, sig) == cosigner, "not co-signed");
        balances[msg.sender] -= amount;
        payable(msg.sender).transfer(amount);
    }

    function redeem(uint256 shares, uint256 price, uint256 nonce, bytes calldata sig) external {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), price, nonce)));
        require(ECDSA.recover(digest, sig) == oracle, "bad price");
        _burn(msg.sender, shares);
        payable(msg.sender).transfer(shares * price / 1e18);
    }
}
`,
  "RestrictedAndFees.sol": `${HEADER}
/// Only the operator submits vouchers; a signed sale refunds the caller's change; a keeper is paid a fixed reward for a signed price.
contract RestrictedAndFees {
    address public owner;
    address public operator;
    address public immutable oracle;
    uint256 public price;
    uint256 public constant KEEPER_REWARD = 0.01 ether;
    mapping(uint256 => bool) public used;

    constructor(address oracle_) payable {
        owner = msg.sender;
        operator = msg.sender;
        oracle = oracle_;
    }

    function payoutByOperator(uint256 amount, uint256 nonce, bytes calldata sig) external {
        require(msg.sender == operator, "operator only");
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), amount, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        payable(msg.sender).transfer(amount);
    }

    function buy(uint256 cost, uint256 nonce, bytes calldata sig) external payable {
        require(!used[nonce], "used");
        used[nonce] = true;
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), cost, nonce)));
        require(ECDSA.recover(digest, sig) == owner, "bad sig");
        require(msg.value >= cost, "not enough");
        payable(msg.sender).transfer(msg.value - cost);
    }

    function pushPrice(uint256 newPrice, uint256 timestamp, bytes calldata sig) external {
        require(timestamp > block.timestamp - 1 hours, "stale");
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(block.chainid, address(this), newPrice, timestamp)));
        require(ECDSA.recover(digest, sig) == oracle, "bad sig");
        price = newPrice;
        payable(msg.sender).transfer(KEEPER_REWARD);
    }
}
`,
};

describe("audit: signature-unbound-recipient (authority signatures that pay whoever submits them)", function () {
  this.timeout(180_000);
  let dir: string;
  let result: AuditResult;

  const findings = (file: string): Finding[] => result.findings.filter((f) => f.file === file && f.detector === "signature-unbound-recipient");
  const summary = (file: string): string => JSON.stringify(result.findings.filter((f) => f.file === file).map((f) => [f.detector, f.severity, f.function, f.lines]));
  const lineOf = (file: string, text: string): number => SOURCES[file]!.split("\n").findIndex((l) => l.includes(text)) + 1;

  before(async function () {
    expect(DETECTORS.some((d) => d.id === "signature-unbound-recipient"), "registered in audit/detectors/index.ts").to.equal(true);
    ({ dir, result } = await scanSources("audit-rules-signing-", SOURCES));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every contract", function () {
    expect(result.files.map((f) => [f.file, f.status])).to.deep.equal(Object.keys(SOURCES).sort().map((f) => [f, "compiled"]));
  });

  it("reports a role holder's voucher hashed in a helper whose tokens go to msg.sender (SafeERC20)", function () {
    const f = "RoleTokenVouchers.sol";
    expect(findings(f).map((x) => [x.function, x.severity, x.confidence, x.lines]), summary(f)).to.deep.equal([
      ["redeem", "medium", "medium", [lineOf(f, "ECDSA.recover(_hash(v), sig)"), lineOf(f, "token.safeTransfer(msg.sender")]],
    ]);
    const x = findings(f)[0]!;
    expect(x.category).to.equal("signatures");
    expect(x.swc).to.deep.equal(["SWC-114"]);
    expect(x.message).to.match(/hasRole\(SIGNER_ROLE, signer\)/).and.match(/v\.amount, v\.nonce/).and.match(/front-run/);
    expect(x.remediation).to.match(/msg\.sender, amount, nonce/);
  });

  it("reports an immutable signer's ecrecover voucher that mints to msg.sender", function () {
    const f = "MintVouchers.sol";
    expect(findings(f).map((x) => [x.function, x.lines]), summary(f)).to.deep.equal([
      ["mintWithVoucher", [lineOf(f, "ecrecover(digest"), lineOf(f, "_mint(msg.sender")]],
    ]);
    expect(findings(f)[0]!.message).to.match(/checked against signer/).and.match(/amount, nonce/);
  });

  it("reports isValidSignatureNow of a stored signer that credits balances[msg.sender]", function () {
    const f = "CreditVouchers.sol";
    expect(findings(f).map((x) => [x.function, x.lines]), summary(f)).to.deep.equal([
      ["deposit", [lineOf(f, "SignatureChecker.isValidSignatureNow"), lineOf(f, "balances[msg.sender] += amount")]],
    ]);
  });

  it("reports a payment to a caller-chosen address the signature does not cover", function () {
    const f = "ChosenRecipient.sol";
    expect(findings(f).map((x) => [x.function, x.lines]), summary(f)).to.deep.equal([
      ["payout", [lineOf(f, "ECDSA.recover(digest, sig) == owner"), lineOf(f, "to.call{value: amount}")]],
    ]);
    expect(findings(f)[0]!.message).to.match(/pays to \(/).and.match(/an address the caller passes in/);
  });

  it("follows the recovery and the payment into helpers, with a signer mapping as the authority", function () {
    const f = "HelperVouchers.sol";
    expect(findings(f).map((x) => [x.function, x.lines]), summary(f)).to.deep.equal([
      [
        "claim",
        [
          lineOf(f, "return ECDSA.recover"),
          lineOf(f, "payable(account).transfer"),
          lineOf(f, "address s = _recoverSigner"),
          lineOf(f, "_pay(msg.sender, amount)"),
        ].sort((a, b) => a - b),
      ],
    ]);
    expect(findings(f)[0]!.message).to.match(/isSigner\[s\]/);
  });

  it("is silent when the digest includes msg.sender, _msgSender() through a helper, or caller() in assembly", function () {
    expect(findings("SenderSigned.sol"), summary("SenderSigned.sol")).to.deep.equal([]);
  });

  it("is silent when the paid address is signed: a parameter, a field, or the struct hashed whole", function () {
    expect(findings("SignedRecipient.sol"), summary("SignedRecipient.sol")).to.deep.equal([]);
  });

  it("is silent when the signed data names the account, or a guard ties the caller to a signed value", function () {
    expect(findings("NamedAccount.sol"), summary("NamedAccount.sol")).to.deep.equal([]);
  });

  it("is silent for self-signed messages: permit-style withdrawals and meta-transaction forwarders", function () {
    expect(findings("SelfSigned.sol"), summary("SelfSigned.sol")).to.deep.equal([]);
  });

  it("is silent when the caller pays for what it gets: its balance debited or its tokens burnt", function () {
    expect(findings("CallerPays.sol"), summary("CallerPays.sol")).to.deep.equal([]);
  });

  it("is silent for a restricted caller, a refund of msg.value, and a fixed keeper reward for a stored signed update", function () {
    expect(findings("RestrictedAndFees.sol"), summary("RestrictedAndFees.sol")).to.deep.equal([]);
  });
});
