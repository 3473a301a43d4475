/** Short addresses, uninitialised storage pointers, signature replay, unsafe ERC-20 calls. */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { walkFlowEvents } from "../ast/flow";
import { isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  concreteContractType,
  effectiveImplementation,
  exprKey,
  onlyReturnsTrue,
  externalCall,
  fixedAtDeployment,
  isEntryPoint,
  isFromDependency,
  isGlobal,
  isInCondition,
  isReadOnly,
  isSenderLike,
  isThis,
  minorVersion,
  parameters,
  initialValueOf,
  internalCallee,
  stopsExecution,
  stripConversions,
  type ConditionPositionOptions,
} from "../ast/semantics";
import { failureChangesNothing, resultIsChecked } from "./uncheckedCalls";
import { allowListed } from "./defi";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

function paramType(program: Program, p: AstNode): string {
  return typeString(p) ?? program.text(child(p, "typeName") ?? p).split(/\s+/)[0] ?? "";
}

/** Before 0.5 the ABI decoder accepted calldata shorter than the parameters: a missing byte shifts the amount. */
export const shortAddress: Detector = {
  id: "short-address",
  category: "short_addresses",
  title: "Token transfer functions that accept short (mis-padded) addresses (compilers before 0.5)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (minorVersion(file.version) >= 5) return;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn)) continue;
        const ps = parameters(fn);
        const addrIdx = ps.findIndex((p) => paramType(program, p).startsWith("address"));
        if (addrIdx < 0 || !ps.slice(addrIdx + 1).some((p) => /^u?int/.test(paramType(program, p)))) continue;
        const addr = ps[addrIdx]!;
        const body = child(fn, "body")!;
        // credits a balance keyed by the address parameter
        const credits = findAll(body, "Assignment").some((a) => {
          const lhs = child(a, "leftHandSide");
          return lhs?.nodeType === "IndexAccess" && program.declOf(child(lhs, "indexExpression")) === addr;
        });
        // …and debits the caller: a token transfer
        const debits = findAll(body, "Assignment").some((a) => {
          const lhs = child(a, "leftHandSide");
          return lhs?.nodeType === "IndexAccess" && /^(-=|=)$/.test(str(a, "operator") ?? "") && program.declOf(child(lhs, "indexExpression")) !== addr;
        });
        if (!debits) continue;
        const checksLength = findAll(body, "MemberAccess").some((m) => str(m, "memberName") === "length" && program.text(m).replace(/\s+/g, "") === "msg.data.length");
        const hasModifierCheck = list(fn, "modifiers").some((m) => /payload|size|short/i.test(program.text(m)));
        if (!credits || checksLength || hasModifierCheck) continue;
        ctx.report({
          detector: "short-address",
          category: "short_addresses",
          severity: "low",
          confidence: "low",
          lines: linesIn(program, file, [fn]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message: `${displayName(fn)}() takes an address followed by an amount and was compiled with Solidity ${file.version}: a client that sends a short address shifts the amount left by a byte (×256).`,
          remediation:
            "Compile with Solidity ≥ 0.5 (its ABI decoder rejects short calldata), or check the calldata size:\n```solidity\nmodifier onlyPayloadSize(uint256 size) { require(msg.data.length >= size + 4); _; }\nfunction transfer(address to, uint256 value) public onlyPayloadSize(2 * 32) { ... }\n```",
        });
      }
    }
  },
};

function isReferenceLocal(program: Program, decl: AstNode): boolean {
  const id = (decl.typeDescriptions as { typeIdentifier?: string } | undefined)?.typeIdentifier;
  if (id !== undefined) return /^t_(struct|array|mapping)/.test(id) && /_storage(_ptr)?$/.test(id);
  const t = typeString(decl);
  if (t !== undefined) return /storage/.test(t) && /^struct |\[\]|^mapping/.test(t);
  const tn = child(decl, "typeName");
  if (!tn) return false;
  if (tn.nodeType === "ArrayTypeName" || tn.nodeType === "Mapping") return true;
  if (tn.nodeType === "UserDefinedTypeName") {
    const name = str(tn, "name") ?? "";
    return program.files.some((f) => findAll(f.ast, "StructDefinition").some((s) => str(s, "name") === name));
  }
  return false;
}

/** A local struct/array declared without a location before 0.5 points at storage slot 0. */
export const uninitializedStoragePointer: Detector = {
  id: "uninitialized-storage-pointer",
  category: "other",
  title: "Uninitialised local storage pointers (overwrite slot 0 and following)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (minorVersion(file.version) >= 5) return;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        for (const stmt of findAll(child(fn, "body")!, "VariableDeclarationStatement")) {
          if (child(stmt, "initialValue")) continue;
          for (const decl of (stmt.declarations as (AstNode | null)[]) ?? []) {
            if (!decl) continue;
            const loc = str(decl, "storageLocation") ?? "default";
            if (loc === "memory" || loc === "calldata") continue;
            if (!isReferenceLocal(program, decl)) continue;
            const writes = findAll(child(fn, "body")!, "Assignment").filter((a) => {
              const lhs = child(a, "leftHandSide");
              let cur = lhs;
              while (cur && (cur.nodeType === "MemberAccess" || cur.nodeType === "IndexAccess")) cur = child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression");
              return cur?.nodeType === "Identifier" && program.declOf(cur) === decl;
            });
            ctx.report({
              detector: "uninitialized-storage-pointer",
              category: "other",
              severity: "high",
              confidence: "high",
              lines: linesIn(program, file, [stmt, ...writes]),
              contract: str(contract, "name"),
              function: displayName(fn),
              message: `The local variable ${str(decl, "name")} is a storage pointer that was never initialised: it points at storage slot 0, so writing to it overwrites the contract's first state variables (often the owner).`,
              remediation: `Declare it in memory, or point it at real storage:\n\`\`\`solidity\n${program.text(child(decl, "typeName") ?? decl)} memory ${str(decl, "name")};\n// or: ${program.text(child(decl, "typeName") ?? decl)} storage ${str(decl, "name")} = items[id];\n\`\`\``,
            });
          }
        }
      }
    }
  },
};

const RECOVER = /^(recover|tryRecover|isValidSignatureNow|isValidSignature|isValidERC1271SignatureNow)$/;
const CHAIN_MARK = /chainid|chainId|CHAIN_ID|DOMAIN_SEPARATOR|domainSeparator|_hashTypedDataV4|_domainSeparatorV4|EIP712|address\(this\)/;
/** A digest that is an EIP-191 message or EIP-712 typed data (what wallets sign). */
const PREFIX_MARK = /toEthSignedMessageHash|Ethereum Signed Message|\\x19|_hashTypedDataV4|hashTypedData|toTypedDataHash|DOMAIN_SEPARATOR|domainSeparator|_domainSeparatorV4|1901|EIP712|permit/i;
const REPLAY_NAME = /nonce|used|executed|processed|claimed|spent|consumed|done|redeemed|withdrawn|seen|filled|replay|invalidated|cancelled/i;

/** Text of an expression with the local variables and internal calls it uses expanded (bounded). */
function expandedText(program: Program, expr: AstNode, context: AstNode | undefined, depth = 0): string {
  let out = program.text(expr);
  if (depth > 3) return out;
  walk(expr, (n) => {
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d?.nodeType === "VariableDeclaration") {
        if (d.stateVariable === true) {
          const v = child(d, "value");
          out += ` ${str(d, "name")}`;
          if (v) out += ` ${expandedText(program, v, context, depth + 1)}`;
        } else {
          const init = initialValueOf(program, d);
          if (init) out += ` ${expandedText(program, init, context, depth + 1)}`;
          // assigned later: x = keccak256(...)
          const fn = program.callableOf(d);
          if (fn) {
            for (const a of findAll(child(fn, "body") ?? fn, "Assignment")) {
              if (program.declOf(child(a, "leftHandSide")) === d) out += ` ${expandedText(program, child(a, "rightHandSide")!, context, depth + 1)}`;
            }
          }
        }
      }
    } else if (n.nodeType === "FunctionCall") {
      const callee = internalCallee(program, n, context);
      // the helper's body, with the helpers it calls in turn (`_refinance` → `hashProposal` → `_hashTypedDataV4`)
      if (callee && child(callee, "body")) out += ` ${str(callee, "name")} ${expandedText(program, child(callee, "body")!, context, depth + 1)}`;
    }
    return undefined;
  });
  return out;
}

/** In the condition of an if statement or in any require/assert argument (the message too). */
const IN_GUARD: ConditionPositionOptions = { maxDepth: 12, ifOnly: true, anyArgument: true };

/** Signatures checked without a nonce (replayable) or without the chain id/contract (replayable elsewhere). */
export const signatureReplay: Detector = {
  id: "signature-replay",
  category: "signatures",
  title: "Signatures without nonce / chain id / contract address (replay)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        const body = child(fn, "body")!;
        // recover calls here and in the internal helpers this function calls (bounded depth)
        const isRecover = (c: AstNode): boolean => {
          if (builtinCallName(program, c) === "ecrecover") return true;
          const callee = child(c, "expression");
          return callee?.nodeType === "MemberAccess" && RECOVER.test(str(callee, "memberName") ?? "");
        };
        const recovers: AstNode[] = [];
        const sites: AstNode[] = [];
        const visit = (root: AstNode, site: AstNode | undefined, depth: number): void => {
          for (const c of findAll(root, "FunctionCall")) {
            if (isRecover(c)) {
              recovers.push(c);
              sites.push(site ?? c);
              continue;
            }
            if (depth >= 3) continue;
            const callee = internalCallee(program, c, contract);
            const cb = callee ? child(callee, "body") : undefined;
            if (cb && callee !== fn) visit(cb, site ?? c, depth + 1);
          }
        };
        visit(body, undefined, 0);
        if (recovers.length === 0) continue;
        const digestTexts = recovers.map((c) => {
          const arg = list(c, "arguments")[str(child(c, "expression") ?? c, "memberName") === "isValidSignatureNow" ? 1 : 0];
          return arg ? expandedText(program, arg, contract) : "";
        });
        for (const site of sites) if (!recovers.includes(site)) digestTexts.push(expandedText(program, site, contract));
        const allText = digestTexts.join(" ") + " " + program.text(body);
        const hasChain = CHAIN_MARK.test(allText) || findAll(body, "MemberAccess").some((m) => isGlobal(program, child(m, "expression"), "block") && str(m, "memberName") === "chainid");
        let marks = /nonce/i.test(digestTexts.join(" "));
        // A replay marker: written here, and named like one or checked in a guard first (check-then-mark).
        const guardReads = new Set<AstNode>();
        walkFlowEvents(program, fn, contract, {
          onRead: (decl, node) => {
            if (program.ancestor(node, "IfStatement", "FunctionCall") && isInCondition(program, node, IN_GUARD)) guardReads.add(decl);
          },
          onWrite: (decl) => {
            if (REPLAY_NAME.test(str(decl, "name") ?? "") || guardReads.has(decl)) marks = true;
          },
        });
        if (findAll(body, "FunctionCall").some((c) => /_?useNonce|_useCheckedNonce|_markUsed/i.test(program.text(child(c, "expression") ?? c)))) marks = true;
        // A digest with neither the EIP-191 prefix nor an EIP-712 domain: what the signer signs is a bare 32-byte hash,
        // which wallets only sign through the deprecated eth_sign (phishing warnings, often disabled) — and nothing
        // ties the hash to this contract's purpose.
        const digestText = digestTexts.join(" ");
        if (!PREFIX_MARK.test(digestText) && recovers.some((c) => /keccak256|sha256/.test(digestTexts[recovers.indexOf(c)] ?? ""))) {
          ctx.report({
            detector: "unprefixed-signature",
            category: "signatures",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [...recovers, ...sites]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() recovers the signer of a bare hash: the digest has neither the EIP-191 prefix ` +
              '("\\x19Ethereum Signed Message:\\n32") nor an EIP-712 domain. Wallets sign messages with the prefix, so their ' +
              "signatures never verify here; only the deprecated eth_sign produces one, and a signer asked to eth_sign an " +
              "opaque hash cannot see what it authorises.",
            remediation:
              "Hash with the prefix wallets add, or better sign EIP-712 typed data (OpenZeppelin EIP712):\n```solidity\n" +
              "bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(user, amount, nonce)));\n" +
              "// or: bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, user, amount, nonce)));\n```",
          });
        }
        if (marks && hasChain) continue;

        ctx.report({
          detector: "signature-replay",
          category: "signatures",
          severity: marks ? "medium" : "high",
          confidence: "medium",
          lines: linesIn(program, file, [...recovers, ...sites]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message: marks
            ? `${displayName(fn)}() accepts a signature whose message does not include the chain id and this contract's address: the same signature works on another chain or a copy of the contract.`
            : `${displayName(fn)}() accepts a signature but never marks it used (no nonce)${hasChain ? "" : " and the message has no chain id"}: anyone who saw it can submit it again.`,
          remediation:
            "Sign an EIP-712 message that includes a per-signer nonce, the chain id and this contract (OpenZeppelin EIP712 + Nonces), and consume the nonce:\n" +
            "```solidity\nbytes32 digest = _hashTypedDataV4(keccak256(abi.encode(TYPEHASH, to, amount, _useNonce(signer), deadline)));\naddress signer = ECDSA.recover(digest, signature);\n```",
        });
      }
    }
  },
};

/**
 * The other party of a transfer is the caller (`transferFrom(msg.sender, …)`), or an address the caller names that the
 * function books nothing for (`transfer(to, …)` with no `paid[to]`): a failure short-changes only the caller.
 */
function ownCounterparty(program: Program, call: AstNode, name: string, fn: AstNode): boolean {
  const party = stripConversions(list(call, "arguments")[0]);
  if (!party) return false;
  if (isSenderLike(program, party)) return true;
  const param = party.nodeType === "Identifier" ? program.declOf(party) : undefined;
  if (name !== "transfer" || !param || !parameters(fn).includes(param)) return false;
  const booked = findAll(child(fn, "body")!, "IndexAccess").some(
    (ia) => findAll(child(ia, "indexExpression") ?? ia, "Identifier").some((i) => program.declOf(i) === param) || program.declOf(child(ia, "indexExpression")) === param,
  );
  return !booked;
}

/**
 * `token.transfer(to, token.balanceOf(address(this)))`, directly or through a local or array entry assigned that
 * balance in the function: a sweep of the whole balance. If the token returns false, every token stays where it was
 * and the next sweep moves it.
 */
function sweepsWholeBalance(program: Program, call: AstNode, target: AstNode, fn: AstNode): boolean {
  const amount = stripConversions(list(call, "arguments")[1]);
  if (!amount) return false;
  const tokenKey = exprKey(program, stripConversions(target) ?? target);
  const isOwnBalance = (e: AstNode | undefined): boolean => {
    const x = stripConversions(e);
    if (x?.nodeType !== "FunctionCall") return false;
    const callee = child(x, "expression");
    const args = list(x, "arguments");
    return (
      callee?.nodeType === "MemberAccess" &&
      str(callee, "memberName") === "balanceOf" &&
      args.length === 1 &&
      isThis(program, args[0]) &&
      exprKey(program, stripConversions(child(callee, "expression")) ?? callee) === tokenKey
    );
  };
  if (isOwnBalance(amount)) return true;
  const key = exprKey(program, amount);
  const decl = amount.nodeType === "Identifier" ? program.declOf(amount) : undefined;
  if (decl && isOwnBalance(initialValueOf(program, decl))) return true;
  const assigned = findAll(child(fn, "body")!, "Assignment").filter((a) => exprKey(program, child(a, "leftHandSide")!) === key);
  return assigned.length > 0 && assigned.every((a) => program.before(a, call) && str(a, "operator") === "=" && isOwnBalance(child(a, "rightHandSide")));
}

/** The standard token bases a variable's type names when it holds any token (OpenZeppelin's, solmate's ERC20). */
const STANDARD_BASE = /^(ERC20|ERC20Upgradeable)$/;

/** token.transfer(...) without SafeERC20: ignored return values, and tokens that return nothing. */
export const unsafeErc20: Detector = {
  id: "unsafe-erc20-call",
  category: "unchecked_low_level_calls",
  title: "ERC-20 transfer/transferFrom/approve without SafeERC20",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    const writes = new Map<AstNode, boolean>();
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          const ext = externalCall(program, call);
          if (!ext || !["transfer", "transferFrom", "approve"].includes(ext.functionName)) continue;
          const argc = list(call, "arguments").length;
          if ((ext.functionName === "transferFrom" ? 3 : 2) !== argc) continue;
          const t = typeString(child(call, "expression"));
          if (t !== undefined && !/returns \(bool\)/.test(t)) continue;
          // a token whose code is known and only ever returns true reverts on failure (a project's own token built on
          // OpenZeppelin's ERC20) — but a variable typed as the standard base itself (`ERC20 public immutable debt`)
          // holds whatever token was passed in: the base is only its interface
          const token = concreteContractType(program, ext.target);
          const impl = token && !STANDARD_BASE.test(str(token, "name") ?? "") ? effectiveImplementation(program, token, ext.functionName) : undefined;
          if (impl && onlyReturnsTrue(impl)) continue;
          const checked = resultIsChecked(program, call, fn);
          // the one token the deployer chose: it returns false instead of reverting only if the deployer picked such a token
          const fixed = !checked && fixedAtDeployment(program, ext.target, contract);
          // an approval whose failure goes unnoticed makes the later pull fail: nothing is paid or booked on its strength;
          // a function that records nothing leaves the tokens where they were when the transfer fails
          const sweep = !checked && ext.functionName === "transfer" && sweepsWholeBalance(program, call, ext.target, fn);
          const harmless = !checked && (ext.functionName === "approve" || sweep || failureChangesNothing(program, call, fn, contract, true, writes));
          // a token an admin's allow-list must admit on every way in (`if (!isSupportedAsset[token]) revert`): it
          // returns false instead of reverting only if the admin listed such a token
          const listed = !checked && !fixed && !harmless && allowListed(program, fn, contract, ext.target);
          // the owner's own transfer with the owner as counterparty (an insurance deposit or withdrawal): only the
          // owner is short-changed
          const own =
            !checked && !fixed && !harmless && !listed && isEntryPoint(fn) && isAccessControlled(program, fn, contract) && ownCounterparty(program, call, ext.functionName, fn);
          ctx.report({
            detector: checked ? "erc20-call-without-safeerc20" : "unchecked-erc20-transfer",
            category: checked ? "other" : "unchecked_low_level_calls",
            severity: checked || fixed || harmless || listed || own ? "low" : "medium",
            confidence: "medium",
            lines: [program.line(call)],
            contract: str(contract, "name"),
            function: displayName(fn),
            message: checked
              ? `${displayName(fn)}() calls ${ext.functionName} on a token directly. Tokens that return nothing (USDT) make this call revert.`
              : `${displayName(fn)}() ignores the boolean ${ext.functionName} returns: a token that returns false instead of reverting leaves the contract believing it was paid` +
                (fixed
                  ? ` (${program.text(ext.target)} is fixed at deployment, so this matters only if the deployer picks such a token).`
                  : harmless
                    ? ext.functionName === "approve"
                      ? " (a failed approval makes the later transfer fail rather than pay or book anything)."
                      : sweep
                        ? " (it sends the contract's whole balance of the token, so a failure leaves every token here for the next sweep)."
                        : " (the function records nothing, so a failure leaves the tokens where they were)."
                    : listed
                      ? ` (${program.text(ext.target)} must be on an allow-list an admin keeps, so this matters only if the admin lists such a token).`
                      : own
                        ? " (only the owner calls it, and the tokens move between the contract and the owner or an address the owner names)."
                        : "."),
            remediation:
              "Use OpenZeppelin SafeERC20, which reverts on failure and handles tokens that return nothing:\n```solidity\nusing SafeERC20 for IERC20;\ntoken.safeTransfer(to, amount);\ntoken.safeTransferFrom(from, address(this), amount);\n```",
          });
        }
      }
    }
  },
};

/** msg.value read inside a loop: the same ether is counted once per iteration. */
export const msgValueInLoop: Detector = {
  id: "msg-value-in-loop",
  category: "other",
  title: "msg.value used inside a loop (the same payment counted many times)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        for (const loop of findAll(child(fn, "body")!, "ForStatement", "WhileStatement", "DoWhileStatement")) {
          const body = child(loop, "body");
          if (!body) continue;
          const reads = findAll(body, "MemberAccess").filter((m) => str(m, "memberName") === "value" && isGlobal(program, child(m, "expression"), "msg"));
          if (reads.length === 0) continue;
          ctx.report({
            detector: "msg-value-in-loop",
            category: "other",
            severity: "high",
            confidence: "medium",
            lines: linesIn(program, file, reads),
            contract: str(contract, "name"),
            function: displayName(fn),
            message: `${displayName(fn)}() reads msg.value inside a loop: one payment is credited once per iteration.`,
            remediation:
              "Read msg.value once and split it, checking that the parts add up:\n```solidity\nuint256 total;\nfor (uint256 i; i < amounts.length; i++) { total += amounts[i]; credit[to[i]] += amounts[i]; }\nrequire(total == msg.value);\n```",
          });
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- governor-clock-units

const TIME_UNIT = /^(seconds|minutes|hours|days|weeks)$/;

/** A literal written with a time unit (`1 days`, `7 * 1 days`) anywhere in an expression. */
function timeUnitLiteral(expr: AstNode | undefined): AstNode | undefined {
  if (!expr) return undefined;
  return findAll(expr, "Literal").find((l) => TIME_UNIT.test(str(l, "subdenomination") ?? "")) ?? (expr.nodeType === "Literal" && TIME_UNIT.test(str(expr, "subdenomination") ?? "") ? expr : undefined);
}

/**
 * A governor (OpenZeppelin's Governor) whose votingDelay()/votingPeriod() return a duration written in time units while
 * its clock counts blocks (the ERC20Votes default): `1 days` is 86,400 blocks, about twelve days on Ethereum.
 */
export const governorClockUnits: Detector = {
  id: "governor-clock-units",
  category: "other",
  title: "Governor voting delay or period written in seconds while the governor's clock counts blocks",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    // any project contract that moves the clock to timestamps (a votes token or the governor overriding clock()):
    // looked up across the program only once a governor is found here
    let timestampClock: boolean | undefined;
    for (const contract of contractsIn(ctx)) {
      if (!program.linearized(contract).some((b) => str(b, "name") === "Governor" && isFromDependency(program, b))) continue;
      timestampClock ??= program.files.some((f) =>
        findAll(f.ast, "FunctionDefinition").some((fn) => ["clock", "CLOCK_MODE"].includes(str(fn, "name") ?? "") && child(fn, "body") !== undefined && /timestamp/.test(program.text(child(fn, "body")!))),
      );
      if (timestampClock) return;
      for (const fn of functionsOf(contract)) {
        const name = str(fn, "name") ?? "";
        if (name !== "votingDelay" && name !== "votingPeriod") continue;
        const literals = findAll(child(fn, "body")!, "Return").map((r) => timeUnitLiteral(child(r, "expression"))).filter((l): l is AstNode => l !== undefined);
        if (literals.length === 0) continue;
        ctx.report({
          detector: "governor-clock-units",
          category: "other",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, [fn, ...literals]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${name}() returns ${program.text(literals[0]!)}, a number of seconds, but this governor's clock counts blocks ` +
            "(neither it nor its votes token overrides clock() to use timestamps): the value is read as that many blocks, " +
            `so ${name === "votingDelay" ? "voting opens" : "voting lasts"} about twelve times longer than meant on Ethereum (and by another factor elsewhere).`,
          remediation:
            "Express the setting in blocks, or move the votes token (and so the governor) to a timestamp clock:\n```solidity\n" +
            "function votingPeriod() public pure override returns (uint256) { return 50_400; } // ≈ 1 week of 12 s blocks\n" +
            "// or, in the ERC20Votes token:\nfunction clock() public view override returns (uint48) { return uint48(block.timestamp); }\n" +
            'function CLOCK_MODE() public pure override returns (string memory) { return "mode=timestamp"; }\n```',
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------- unassigned-return

/**
 * A function with a named return value that nothing assigns and no `return` statement sets: it always returns zero
 * (false, address(0)), whatever it did. Callers that trust the value act on a wrong number.
 */
export const unassignedReturn: Detector = {
  id: "unassigned-return",
  category: "other",
  title: "Named return value never assigned: the function always returns the default value",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body || list(body, "statements").length === 0) continue;
        const named = list(child(fn, "returnParameters"), "parameters").filter((p) => (str(p, "name") ?? "") !== "");
        if (named.length === 0) continue;
        if (findAll(body, "Return").some((r) => child(r, "expression") !== undefined)) continue;
        const asm = findAll(body, "InlineAssembly");
        const unassigned = named.filter((p) => {
          const written = findAll(body, "Assignment").some((a) => {
            const lhs = child(a, "leftHandSide");
            const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : [lhs];
            return targets.some((t) => t !== undefined && baseDeclaration(program, t) === p);
          }) || findAll(body, "UnaryOperation").some((u) => ["++", "--", "delete"].includes(str(u, "operator") ?? "") && baseDeclaration(program, child(u, "subExpression")) === p);
          // passed on by reference (a storage pointer or memory struct handed to a helper) or touched in assembly
          const referenced = findAll(body, "Identifier").some((i) => program.declOf(i) === p && program.parent(i)?.nodeType !== "Assignment");
          const name = (str(p, "name") ?? "").replace(/\$/g, "\\$");
          const inAsm = asm.some(
            (a) =>
              ((a.externalReferences as { declaration?: number }[] | undefined) ?? []).some((r) => r.declaration === p.id) ||
              new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(program.text(a)),
          );
          return !written && !inAsm && !(referenced && !/^(u?int\d*|bool|address|bytes\d+)/.test(typeString(p) ?? ""));
        });
        if (unassigned.length === 0) continue;
        // a body that only reverts returns nothing at all
        if (list(body, "statements").every((s) => stopsExecution(program, s))) continue;
        const names = unassigned.map((p) => `\`${str(p, "name")}\``).join(", ");
        ctx.report({
          detector: "unassigned-return",
          category: "other",
          severity: "low",
          confidence: "high",
          lines: linesIn(program, file, [fn, ...unassigned]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() declares the return value ${names} but never assigns it and has no \`return\` statement: ` +
            "it always returns the type's default (0, false, address(0)), so a caller that uses the result acts on a wrong value.",
          remediation: `Assign the named return value (or return the value explicitly):\n\`\`\`solidity\n${str(unassigned[0]!, "name")} = computeIt();\n\`\`\``,
        });
      }
    }
  },
};
