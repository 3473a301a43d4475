import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { hasInitializerModifier, isAccessControlled, isAuthCondition } from "../ast/access";
import { walkFlowEvents } from "../ast/flow";
import {
  baseDeclaration,
  builtinCallName,
  concreteContractType,
  contractKind,
  dependsOnInput,
  enclosingConditions,
  exprKey,
  externalCall,
  functionKind,
  guardConditions,
  mentionsSender,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isFromDependency,
  isGlobal,
  isInCondition,
  isLibraryFunction,
  isParameterOf,
  isReadOnly,
  isSenderLike,
  initialValueOf,
  isStateVariable,
  isStorageVariable,
  isThis,
  lowLevelCall,
  memberOf,
  minorVersion,
  modifierOf,
  parameters,
  resolvedFunction,
  stripConversions,
  stripParens,
  visibility,
  writtenStateVariable,
} from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const OWNER_NAME = /^_?(owner|admin|creator|governance|governor|controller|authority|operator|manager|minter|owners|admins|m_owners|m_ownerIndex)$/i;

/** State variables that decide who may do what: read in a caller check, or named like an owner. */
export function privilegedVariables(program: Program, contract: AstNode): Set<AstNode> {
  const out = new Set<AstNode>();
  const chain = program.linearized(contract);
  const isSender = (n: AstNode | undefined): boolean => isSenderLike(program, n);
  // The stored side of a caller check: `owner` in msg.sender == owner, `owners` in owners[msg.sender];
  // not per-record fields such as channels[id].party (those protect one record, not the contract).
  const collectReads = (root: AstNode, depth: number): void => {
    walk(root, (n) => {
      if (n.nodeType === "IndexAccess") {
        if (isSender(child(n, "indexExpression"))) {
          const base = child(n, "baseExpression");
          const d = base?.nodeType === "Identifier" ? program.declOf(base) : undefined;
          if (d && isStateVariable(d)) out.add(d);
        }
        return false;
      }
      if (n.nodeType === "MemberAccess") {
        if (child(n, "expression")?.nodeType !== "Identifier") return false;
        // `$.owner` through a namespaced-storage pointer is the variable `owner`; `proposal.executed` through a
        // pointer to one record (`ProposalCore storage proposal = $._proposals[id]`) is a per-record field.
        const d = baseDeclaration(program, n);
        if (d && d === program.declOf(n) && isStorageVariable(program, d) && !isStateVariable(d)) out.add(d);
        return false;
      }
      if (n.nodeType === "Identifier") {
        const d = program.declOf(n);
        const p = program.parent(n);
        if (d && isStateVariable(d) && p?.nodeType !== "MemberAccess") out.add(d);
      } else if (n.nodeType === "FunctionCall" && depth < 2) {
        const callee = internalCallee(program, n, contract);
        if (callee && isReadOnly(callee) && child(callee, "body")) collectReads(child(callee, "body")!, depth + 1);
      }
      return undefined;
    });
  };
  // Name-matched mappings not keyed by address count only when the caller is looked up in them
  // (Parity's m_ownerIndex[uint(msg.sender)]), not when they map items to owners (ERC-721 _owners[tokenId]).
  const named: AstNode[] = [];
  const callerKeyed = new Set<AstNode>();
  for (const c of chain) {
    for (const n of list(c, "nodes")) {
      if (n.nodeType === "VariableDeclaration" && OWNER_NAME.test(str(n, "name") ?? "")) named.push(n);
      if ((n.nodeType === "FunctionDefinition" || n.nodeType === "ModifierDefinition") && child(n, "body")) {
        for (const g of guardConditions(program, child(n, "body")!)) {
          // only the parts that check the caller: in `msg.value >= prize || msg.sender == owner`, owner, not prize
          for (const part of authParts(program, g.cond, isSender)) collectReads(part, 0);
        }
        for (const ia of findAll(child(n, "body")!, "IndexAccess")) {
          if (!isSender(child(ia, "indexExpression"))) continue;
          const base = child(ia, "baseExpression");
          const d = base?.nodeType === "Identifier" ? program.declOf(base) : undefined;
          if (d) callerKeyed.add(d);
        }
      }
    }
  }
  for (const n of named) {
    const kind = ownerVariableKind(program, n);
    if (kind === "address" || kind === "address-keyed" || (kind === "item-keyed" && callerKeyed.has(n))) out.add(n);
  }
  for (const d of [...out]) if (isConstantVariable(d)) out.delete(d);
  return out;
}

/** The sub-conditions of a guard (split at && and ||) that check who the caller is. */
function authParts(program: Program, cond: AstNode | undefined, isSender: (n: AstNode | undefined) => boolean): AstNode[] {
  const c = stripParens(cond);
  if (!c || !isAuthCondition(program, c, isSender)) return [];
  if (c.nodeType === "BinaryOperation" && ["&&", "||"].includes(str(c, "operator") ?? "")) {
    const parts = [...authParts(program, child(c, "leftExpression"), isSender), ...authParts(program, child(c, "rightExpression"), isSender)];
    if (parts.length > 0) return parts;
  }
  return [c];
}

/**
 * What a variable named like an owner holds: an address or a list of them (`owner`, `address[] owners`), a
 * membership table keyed by address (`owners[account] = true`), or a mapping keyed by something else. The last
 * records either the owner of each item (ERC-721 `_owners[tokenId]`: per-item ownership that the item's owner
 * changes on their own by transferring or burning it, not control of the contract) or, when the caller is looked up
 * in it, a table of accounts under another key type (Parity's `m_ownerIndex[uint(msg.sender)]`).
 */
function ownerVariableKind(program: Program, decl: AstNode): "address" | "address-keyed" | "item-keyed" | "other" {
  const t = (typeString(decl) ?? program.text(child(decl, "typeName") ?? decl)).replace(/\s+/g, " ").trim();
  const key = /^mapping ?\( ?([A-Za-z_][\w.]*)/.exec(t);
  if (key) return key[1] === "address" ? "address-keyed" : "item-keyed";
  return /address/.test(t) ? "address" : "other";
}

/**
 * `token.transferFrom(msg.sender, …)`, `token.safeTransferFrom(msg.sender, …)` (ERC-20/721/1155) or
 * `SafeERC20.safeTransferFrom(token, msg.sender, …)`: the caller pays something into the call.
 */
function pullsFromCaller(program: Program, call: AstNode, contract: AstNode): boolean {
  const args = list(call, "arguments");
  const ext = externalCall(program, call);
  if (ext) return (ext.functionName === "transferFrom" || ext.functionName === "safeTransferFrom") && args.length >= 3 && isSenderLike(program, args[0]);
  const callee = internalCallee(program, call, contract);
  if (!callee || !isLibraryFunction(program, callee) || !/^(safeT|t)ransferFrom$/.test(str(callee, "name") ?? "")) return false;
  // SafeERC20.safeTransferFrom(token, from, …) or token.safeTransferFrom(from, …) through `using … for`
  const from = args.length === parameters(callee).length ? args[1] : args[0];
  return isSenderLike(program, from);
}

/** Whether a constructor of the contract or of a base calls _disableInitializers(). */
function disablesInitializers(program: Program, contract: AstNode): boolean {
  return program.linearized(contract).some((c) =>
    functionsOf(c).some((f) => functionKind(f) === "constructor" && findAll(child(f, "body")!, "FunctionCall").some((x) => /_disableInitializers/.test(program.text(x)))),
  );
}

const REMEDIATION_RESTRICT =
  "Restrict the function to the account(s) that may use it, with a modifier every such function shares:\n" +
  "```solidity\nimport {Ownable} from \"@openzeppelin/contracts/access/Ownable.sol\";\n" +
  "function setOwner(address newOwner) external onlyOwner { ... }\n```\n" +
  "Initialisation belongs in the `constructor` (or an OpenZeppelin `initializer` function called in the same transaction as the deployment).";

function senderKeyed(program: Program, lhs: AstNode): boolean {
  let cur: AstNode | undefined = lhs;
  while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess")) {
    if (cur.nodeType === "IndexAccess" && isSenderLike(program, child(cur, "indexExpression"))) return true;
    cur = child(cur, cur.nodeType === "IndexAccess" ? "baseExpression" : "expression");
  }
  return false;
}

/**
 * An initializer that sets up only the caller's own entry (`poolObservation[msg.sender] = …`,
 * `poolOracle[msg.sender].initialize(time)`, Kyber's pool oracle): every caller initialises their own record.
 */
function initialisesOwnEntry(program: Program, body: AstNode): boolean {
  const writes = findAll(body, "Assignment").map((a) => writtenStateVariable(program, a)).filter((w) => w !== undefined);
  const bound = findAll(body, "FunctionCall")
    .map((c) => child(c, "expression"))
    .filter((e) => e?.nodeType === "MemberAccess")
    .map((e) => child(e!, "expression")!)
    .filter((b) => b !== undefined && isStateVariable(baseDeclaration(program, b)));
  return writes.length + bound.length > 0 && writes.every((w) => senderKeyed(program, w.lhs)) && bound.every((b) => senderKeyed(program, b));
}

/** Calls that deploy a contract: minimal proxies and create/create2 factories (`impl.clone(data)`, `Clones.cloneDeterministic`). */
const DEPLOY_CALL = /^(clone\w*|create2?|deploy\w*|createProxy\w*)$/i;

/**
 * A record keyed by a contract this function has just deployed (`created[cooler] = true` after
 * `cooler = address(new Cooler(msg.sender, …))` or a clone): a factory's registry. The caller cannot name an address
 * of its choosing, only the fresh contract, whose code is the project's.
 */
function keyedByCreated(program: Program, lhs: AstNode, fn: AstNode): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  const deploys = (e: AstNode | undefined, depth = 0): boolean => {
    if (e === undefined) return false;
    // a cast of a local that holds the deployment (`DLOImplementation(address(proxy))` after `proxy = new Proxy(…)`: Debita)
    const inner = stripConversions(e);
    const local = inner?.nodeType === "Identifier" ? program.declOf(inner) : undefined;
    if (local && depth < 2 && !isStateVariable(local) && deploys(initialValueOf(program, local), depth + 1)) return true;
    return findAll(e, "FunctionCall").some((c) => {
      const callee = stripConversions(child(c, "expression")) ?? child(c, "expression");
      if (callee?.nodeType === "NewExpression") return true;
      const name = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : callee?.nodeType === "Identifier" ? str(callee, "name") : undefined;
      return DEPLOY_CALL.test(name ?? "");
    });
  };
  let cur: AstNode | undefined = lhs;
  while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess")) {
    if (cur.nodeType === "IndexAccess") {
      const key = stripConversions(child(cur, "indexExpression"));
      const d = key?.nodeType === "Identifier" ? program.declOf(key) : undefined;
      if (d && !isStateVariable(d)) {
        if (deploys(initialValueOf(program, d))) return true;
        // the last assignment before the write (`cooler = coolerFor[…]; if (cooler == address(0)) { cooler = address(new Cooler(…)); created[cooler] = true; }`)
        const assigned = findAll(body, "Assignment").filter((a) => {
          const l = stripConversions(child(a, "leftHandSide"));
          return l?.nodeType === "Identifier" && program.declOf(l) === d && program.before(a, lhs);
        });
        const last = assigned[assigned.length - 1];
        if (last && deploys(child(last, "rightHandSide"))) return true;
      }
    }
    cur = child(cur, cur.nodeType === "IndexAccess" ? "baseExpression" : "expression");
  }
  return false;
}

/**
 * `token.permit(owner, …)` then `token.transferFrom(owner, …)` on a token of interface type: a token without permit
 * whose fallback does not revert (WETH9) lets the permit call succeed unchecked, and transferFrom then takes whatever
 * `owner` had approved to this contract (Multichain's "phantom permit"). Silent when the token is a concrete contract
 * of the program that implements permit, or the function reads the owner's nonce back.
 */
function phantomPermit(
  ctx: DetectorContext,
  fn: AstNode,
  body: AstNode,
  permit: AstNode,
  report: (detector: string, severity: "high" | "medium" | "low", lines: number[], message: string, remediation: string) => void,
): void {
  const { program, file } = ctx;
  const ext = externalCall(program, permit);
  const owner = list(permit, "arguments")[0];
  if (!ext || !owner) return;
  const tokenKey = exprKey(program, stripConversions(ext.target) ?? ext.target);
  const concrete = concreteContractType(program, ext.target);
  if (concrete && resolvedFunction(program, concrete, "permit")) return;
  const ownerKey = exprKey(program, stripConversions(owner) ?? owner);
  let pull: AstNode | undefined;
  let readsNonce = false;
  const key = (n: AstNode | undefined): string | undefined => (n ? exprKey(program, stripConversions(n) ?? n) : undefined);
  for (const c of findAll(body, "FunctionCall")) {
    // token.transferFrom(owner, …), token.safeTransferFrom(owner, …) (using SafeERC20 for …) or
    // SafeERC20.safeTransferFrom(token, owner, …)
    const callee = child(c, "expression");
    if (callee?.nodeType !== "MemberAccess") continue;
    const member = str(callee, "memberName") ?? "";
    const args = list(c, "arguments");
    const onToken = key(child(callee, "expression")) === tokenKey;
    if (member === "nonces" && onToken) readsNonce = true;
    if (member !== "transferFrom" && member !== "safeTransferFrom") continue;
    const from = onToken ? args[0] : key(args[0]) === tokenKey && args.length === 4 ? args[1] : undefined;
    if (from && key(from) === ownerKey && program.before(permit, c)) pull = c;
  }
  if (!pull || readsNonce) return;
  const fname = displayName(fn);
  report(
    "phantom-permit",
    "medium",
    linesIn(program, file, [permit, pull]),
    `${fname}() calls permit() on ${program.text(ext.target)} and then pulls ${program.text(owner)}'s tokens. A token without permit whose fallback does not revert (WETH) accepts the call without checking any signature, so anyone moves the tokens ${program.text(owner)} approved to this contract.`,
    "Pull only from the caller, or prove the permit took effect: read `nonces(owner)` before and require it to have increased after the call (or accept only tokens known to implement EIP-2612):\n```solidity\nuint256 nonce = token.nonces(owner);\ntoken.permit(owner, address(this), amount, deadline, v, r, s);\nrequire(token.nonces(owner) == nonce + 1, \"permit not applied\");\n```",
  );
}

/** Whether the expression reads msg.value (`msg.value`, `msg.value * rate`). */
function refersToMsgValue(program: Program, e: AstNode | undefined): boolean {
  if (!e) return false;
  if (e.nodeType === "MemberAccess" && memberOf(program, e, "msg", "value")) return true;
  return findAll(e, "MemberAccess").some((m) => memberOf(program, m, "msg", "value"));
}

/**
 * Whether the body spends the caller's allowance from `account` with a checked subtraction:
 * `allowance[owner][msg.sender] = allowed - shares` or `allowance[owner][msg.sender] -= shares`.
 */
function spendsAllowanceOf(program: Program, body: AstNode, account: AstNode): boolean {
  const key = exprKey(program, stripConversions(account) ?? account);
  return findAll(body, "Assignment").some((a) => {
    const lhs = child(a, "leftHandSide");
    if (lhs?.nodeType !== "IndexAccess" || !isSenderLike(program, child(lhs, "indexExpression"))) return false;
    const outer = child(lhs, "baseExpression");
    if (outer?.nodeType !== "IndexAccess") return false;
    const owner = child(outer, "indexExpression");
    if (!owner || exprKey(program, stripConversions(owner) ?? owner) !== key) return false;
    if (str(a, "operator") === "-=") return true;
    const rhs = stripParens(child(a, "rightHandSide"));
    return rhs?.nodeType === "BinaryOperation" && str(rhs, "operator") === "-";
  });
}

/**
 * Whether the caller's own balance is debited by the amount paid out: `_burn(msg.sender, amount)`,
 * `_transfer(msg.sender, address(this), amount)` or `balances[msg.sender] -= amount` in the same function.
 */
function debitsCaller(program: Program, body: AstNode, amountText: string, contract: AstNode): boolean {
  const same = (n: AstNode | undefined): boolean => n !== undefined && program.text(stripConversions(n) ?? n).replace(/\s+/g, "") === amountText;
  for (const a of findAll(body, "Assignment")) {
    if (str(a, "operator") === "-=" && senderKeyed(program, child(a, "leftHandSide")!) && same(child(a, "rightHandSide"))) return true;
  }
  return findAll(body, "FunctionCall").some((c) => {
    const args = list(c, "arguments");
    if (!isSenderLike(program, args[0]) || !args.slice(1).some(same)) return false;
    const callee = internalCallee(program, c, contract);
    return callee !== undefined && child(callee, "body") !== undefined && /burn|transfer|debit|spend|withdraw/i.test(str(callee, "name") ?? "");
  });
}

/**
 * A role the caller buys or wins: `king = msg.sender` in a payable function whose guard asks for a payment
 * (`require(msg.value > balance)`), for a variable not named like an owner (a king, winner or highest bidder).
 */
function boughtRole(program: Program, fn: AstNode, body: AstNode, decl: AstNode, node: AstNode): boolean {
  if (OWNER_NAME.test(str(decl, "name") ?? "") || str(fn, "stateMutability") !== "payable") return false;
  if (node.nodeType !== "Assignment" || !isSenderLike(program, child(node, "rightHandSide"))) return false;
  return guardConditions(program, body).some((g) => refersToMsgValue(program, g.cond));
}

/**
 * The once-only latches of a function: state variables it writes that a guard of the function or of an internal
 * helper it calls reads (`if (threshold > 0) revert` in Safe's setupOwners).
 */
function latchVariables(program: Program, contract: AstNode, fn: AstNode, body: AstNode): Set<AstNode> {
  const written = new Set<AstNode>();
  walkFlowEvents(program, fn, contract, {
    onWrite: (d) => {
      written.add(d);
    },
  });
  const latches = new Set<AstNode>();
  const collect = (root: AstNode, depth: number): void => {
    for (const g of guardConditions(program, root)) {
      for (const i of findAll(g.cond, "Identifier")) {
        const d = program.declOf(i);
        if (d && written.has(d)) latches.add(d);
      }
    }
    if (depth >= 2) return;
    for (const c of findAll(root, "FunctionCall")) {
      const callee = internalCallee(program, c, contract);
      if (callee && child(callee, "body")) collect(child(callee, "body")!, depth + 1);
    }
  };
  collect(body, 0);
  return latches;
}

/** Whether a constructor of the contract or a base writes one of the latches: the deployed contract is locked. */
function lockedAtDeployment(program: Program, contract: AstNode, latches: Set<AstNode>): boolean {
  if (latches.size === 0) return false;
  return program.linearized(contract).some((c) =>
    functionsOf(c).some((f) => {
      if (functionKind(f) !== "constructor") return false;
      let locks = false;
      walkFlowEvents(program, f, contract, {
        onWrite: (d) => {
          if (latches.has(d)) locks = true;
        },
      });
      return locks;
    }),
  );
}

/** Whether the function writes any state variable (directly or through internal calls). */
function writesAnyState(program: Program, fn: AstNode, contract: AstNode): boolean {
  let writes = false;
  walkFlowEvents(program, fn, contract, {
    onWrite: () => {
      writes = true;
    },
  });
  return writes;
}

// ---------------------------------------------------------------------------------------------- documented restriction

/** Who a doc comment can restrict a function to: an owner, an admin, governance, a named role. */
const DOC_ROLE_WORD = String.raw`(?:owner|admin(?:istrator)?|governance|governor|guardian|operator|manager|controller|minter|burner|pauser|keeper|deployer|creator|multi-?sig|timelock|dao|authority|[a-z][a-z0-9]*(?:_[a-z0-9]+)*_role)s?`;
/** `the owner`, `the contract owner`, `an authorised operator`, `the minter role`; not `the owner's …`, `owner-approved`, `ownership`. */
const DOC_ROLE_NP = String.raw`(?:(?:the|an?|its|this\s+contract'?s|contract|current|protocol|designated|authori[sz]ed|trusted|approved)\s+){0,3}${DOC_ROLE_WORD}(?:\s+roles?)?(?!['’\w-])`;
/** `an account with the MINTER_ROLE`, `addresses holding the pauser role`. */
const DOC_ROLE_HOLDER = String.raw`(?:(?:an?|the)\s+)?(?:accounts?|addresses?|callers?|users?|members?)\s+(?:with|having|holding|granted|that\s+(?:has|have|holds?))\s+(?:(?:the|an?)\s+)?(?:[\w-]+\s+)?(?:roles?|permission|[a-z][a-z0-9]*(?:_[a-z0-9]+)*_role)(?![\w-])`;
const DOC_ROLE_ONE = `(?:${DOC_ROLE_HOLDER}|${DOC_ROLE_NP})`;
/** One role or several: `the owner or the guardian`, `owner/admin`. */
const DOC_ROLES = String.raw`${DOC_ROLE_ONE}(?:\s*(?:,|/|\bor\b|\band\b)\s*${DOC_ROLE_ONE})*`;
/** What must follow `only the owner` for it to be about who calls: a modal (`can`, `may`, `is allowed to`), `call`, or the end of the sentence or line. */
const DOC_CALLS_AFTER = String.raw`(?=\s*(?:[.;:!)\]]|[—–]|-\s|$)|\s*\n\s*@|\s+(?:can|may|must|should|shall|will\s+be\s+able|(?:is|are)\s+(?:allowed|able|permitted|authori[sz]ed|supposed)|ha(?:s|ve)\s+(?:the\s+)?(?:right|permission|ability|access)|calls?)\b)`;

/** Doc phrases that restrict who may call the function they document. */
const DOC_RESTRICTIONS: RegExp[] = [
  // "Only the owner can set …", "Only owner.", "only the admin may", "only governance is allowed to"
  new RegExp(String.raw`\bonly\s+(?:by\s+)?${DOC_ROLES}${DOC_CALLS_AFTER}`, "gi"),
  // "can only be called by the owner", "only callable by governance", "may only be set by an account with the X role"
  new RegExp(
    String.raw`\bonly\s+(?:be\s+)?(?:(?:called|callable|invoked|invokable|executed|executable|triggered|used|usable|set|changed|updated|modified|performed|run|accessed|done)\s+(?:by|from)|(?:callable|accessible|available)\s+to)\s+${DOC_ROLES}`,
    "gi",
  ),
  // "callable only by the owner", "can be called only by the admin", "accessible only to governance"
  new RegExp(String.raw`\b(?:(?:called|callable|invoked|invokable|executed|executable|triggered|accessed)\s+only\s+(?:by|from)|(?:callable|accessible|available)\s+only\s+to)\s+${DOC_ROLES}`, "gi"),
  // "allows only the owner to set …", "lets only the admin …"
  new RegExp(String.raw`\b(?:allows?|lets?|permits?|enables?)\s+only\s+${DOC_ROLES}\s+to\b`, "gi"),
  // "restricted to the owner", "access is restricted to only the admin"
  new RegExp(String.raw`\brestricted\s+to\s+(?:only\s+)?${DOC_ROLES}`, "gi"),
  // "Reverts if the caller is not the owner", "Throws if called by any account other than the owner", "Reverts unless called by the admin"
  new RegExp(
    String.raw`\b(?:reverts?|throws?|fails?)\s+(?:(?:if|when)\s+(?:called\s+by\s+|(?:the\s+)?(?:caller|sender|msg\.sender)\s+is\s+)?(?:(?:any(?:one|body)|any\s+(?:account|address|caller))\s+other\s+than|not)|unless\s+(?:called\s+by|(?:the\s+)?(?:caller|sender|msg\.sender)\s+is))\s+${DOC_ROLES}`,
    "gi",
  ),
  // "onlyOwner", "onlyRole(MINTER_ROLE)", "only_admin"
  new RegExp(String.raw`\bonly[-_]?(?:owner|admin|governance|governor|guardian|operator|manager|controller|minter|keeper|role|authori[sz]ed|dao|timelock)s?\b`, "gi"),
  // "owner-only", "Admin only function", "(owner only)"
  new RegExp(
    String.raw`\b(?:owner|admin|governance|governor|guardian|operator)(?:-only\b|\s+only(?=\s*(?:[.;:!)\]]|$)|\s*\n\s*@|\s+(?:functions?|methods?|actions?|access|calls?|operations?)\b))`,
    "gi",
  ),
];

/** A negation just before the phrase: "not only the owner", "no longer restricted to the owner", "without onlyOwner". */
const DOC_NEGATION = /^(?:not|no|never|nor|without|removed|dropped|instead|rather|previously|formerly|isn't|aren't|doesn't|don't|didn't|wasn't|weren't|cannot|can't|longer)$/i;
/** A doc that says the function is open to all: a restriction it mentions is about something else. */
const DOC_OPEN =
  /\b(?:(?:any(?:one|body)|everyone)\s+(?:can|may|is\s+(?:able|allowed))|(?:callable|called|invoked|executed)\s+by\s+(?:any(?:one|body)|everyone)(?!\s+(?:else|other|but|except))|permissionless(?:ly)?|publicly\s+callable|no\s+access\s+control)\b/i;

/** NatSpec of a declaration (empty when there is none). */
function natspecOf(node: AstNode): string {
  const d = node.documentation;
  if (typeof d === "string") return d;
  if (d && typeof d === "object") return String((d as { text?: unknown }).text ?? "");
  return "";
}

/**
 * The comment a function is documented with, comment markers stripped: the block of comment lines right above its
 * signature (`///`, `/** … *\/`, or plain `//` lines), else its NatSpec.
 */
function docCommentOf(program: Program, fn: AstNode): string {
  const file = program.fileOf(fn);
  const lines: string[] = [];
  if (file) {
    for (let l = program.line(fn) - 1; l >= 1; l--) {
      const t = file.lines.lineText(l).trim();
      if (!/^(\/\/|\/\*|\*)/.test(t) && !/\*\/$/.test(t)) break;
      lines.unshift(t);
    }
  }
  const raw = lines.length > 0 ? lines.join("\n") : natspecOf(fn);
  return raw
    .split("\n")
    .map((l) => l.trim().replace(/^(?:\/{2,}|\/\*+|\*+\/|\*+)/, "").replace(/\*+\/$/, "").trim())
    .filter((l) => l.length > 0)
    .join("\n");
}

/**
 * The first phrase of a doc comment that restricts who may call the function ("only the owner can …", "can only be
 * called by governance", "onlyOwner"), with the sentence it is in; undefined when there is none, when it is negated,
 * or when the doc says anyone may call the function.
 */
function documentedRestriction(doc: string): { phrase: string; sentence: string } | undefined {
  if (!doc || DOC_OPEN.test(doc)) return undefined;
  const matches: RegExpExecArray[] = [];
  for (const re of DOC_RESTRICTIONS) {
    re.lastIndex = 0;
    for (let m = re.exec(doc); m; m = re.exec(doc)) matches.push(m);
  }
  matches.sort((a, b) => a.index - b.index);
  for (const m of matches) {
    // the words before the phrase in its sentence
    const before = doc.slice(Math.max(0, m.index - 80), m.index).split(/[.!?;]\s|\n\s*@/).pop() ?? "";
    const words = before.split(/[^\w']+/).filter((w) => w.length > 0).slice(-4);
    if (words.some((w) => DOC_NEGATION.test(w))) continue;
    const phrase = m[0].replace(/\s+/g, " ").trim();
    const start = Math.max(0, ...[...doc.slice(0, m.index).matchAll(/[.!?;]\s|\n\s*(?=@)/g)].map((x) => x.index! + x[0].length));
    const endRel = doc.slice(m.index + m[0].length).search(/[.!?;](?:\s|$)|\n\s*@/);
    const end = endRel < 0 ? doc.length : m.index + m[0].length + endRel;
    const sentence = doc.slice(start, end).replace(/^@\w+(?::[\w-]+)?\s*/, "").replace(/\s+/g, " ").trim();
    return { phrase, sentence: sentence.length > 0 && sentence.length <= 160 ? sentence : phrase };
  }
  return undefined;
}

/** Calls that verify a signature: `ecrecover`, ECDSA's `recover`/`tryRecover`, ERC-1271's `isValidSignature`, `_verify…`. */
export const SIGNATURE_CHECK = /^(ecrecover|_?recover\w*|tryRecover|isValidSignature\w*|_?verify\w*|_?checkSignatures?)$/i;
const CHECK_CALL = /^_?(check|require|verify|assert|ensure|validate|auth|only)/i;

/**
 * Authorisation `isAccessControlled` does not see: a signature checked in the function (or a helper it calls), or a
 * standalone check call given the caller (`acl.checkRole(ROLE, msg.sender)`), as in meta-transactions and external
 * access managers.
 */
function otherAuthorisation(program: Program, fn: AstNode, contract: AstNode): boolean {
  const roots = [child(fn, "body")!];
  for (const c of findAll(roots[0]!, "FunctionCall")) {
    const callee = internalCallee(program, c, contract);
    if (callee && child(callee, "body")) roots.push(child(callee, "body")!);
  }
  return roots.some((root) =>
    findAll(root, "FunctionCall").some((c) => {
      const callee = child(c, "expression");
      const name = builtinCallName(program, c) ?? (callee ? (str(callee, "memberName") ?? str(callee, "name")) : undefined) ?? "";
      if (SIGNATURE_CHECK.test(name)) return true;
      const stmt = program.parent(c);
      return stmt?.nodeType === "ExpressionStatement" && CHECK_CALL.test(name) && list(c, "arguments").some((a) => isSenderLike(program, a));
    }),
  );
}

/**
 * `x = source.getter(...)`, with `source` a state variable (not a parameter) and nothing the caller passes among the
 * arguments: the value written is whatever that contract says, not the caller's choice.
 */
function copiedFromFixedSource(program: Program, fn: AstNode, node: AstNode): boolean {
  if (node.nodeType !== "Assignment" || str(node, "operator") !== "=") return false;
  const rhs = stripConversions(child(node, "rightHandSide"));
  if (rhs?.nodeType !== "FunctionCall" || str(rhs, "kind") !== "functionCall") return false;
  const callee = child(rhs, "expression");
  if (callee?.nodeType !== "MemberAccess") return false;
  const target = baseDeclaration(program, stripConversions(child(callee, "expression")));
  if (!isStateVariable(target)) return false;
  return !dependsOnInput(program, rhs, fn) && !findAll(rhs, "MemberAccess").some((m) => memberOf(program, m, "msg", "sender") || memberOf(program, m, "tx", "origin"));
}

/**
 * What the function does that the documented restriction should have kept from strangers: its first state write
 * (the function's own or a helper's, not a modifier's), else its first call out of the contract.
 */
function firstEffect(program: Program, fn: AstNode, contract: AstNode): { node: AstNode; site?: AstNode; vars: string[] } | undefined {
  let first: { node: AstNode; site?: AstNode } | undefined;
  const vars: string[] = [];
  let call: { node: AstNode; site?: AstNode } | undefined;
  walkFlowEvents(program, fn, contract, {
    onWrite: (decl, node, sites) => {
      if (program.callableOf(node)?.nodeType === "ModifierDefinition") return;
      first ??= { node, site: sites[0] };
      const name = str(decl, "name");
      if (name && !vars.includes(name)) vars.push(name);
    },
    onCall: (c) => {
      if (program.callableOf(c.node)?.nodeType === "ModifierDefinition") return;
      if (c.external?.readOnly && !c.value) return;
      call ??= { node: c.node, site: c.sites[0] };
    },
  });
  const effect = first ?? call;
  return effect ? { ...effect, vars } : undefined;
}

/**
 * `transferFrom` calls in internal functions an entry point reaches (a few levels deep) whose `from` is what the entry
 * point passed down from one of its own address parameters: the call, the entry point's call site, and the parameter.
 */
function innerPulls(program: Program, fn: AstNode, contract: AstNode): { call: AstNode; site: AstNode; param: AstNode }[] {
  const out: { call: AstNode; site: AstNode; param: AstNode }[] = [];
  const seen = new Set<AstNode>();
  const visit = (f: AstNode, carried: Map<AstNode, AstNode>, site: AstNode | undefined, depth: number): void => {
    const body = child(f, "body");
    if (!body || depth > 3) return;
    for (const call of findAll(body, "FunctionCall")) {
      const ext = externalCall(program, call);
      const args = list(call, "arguments");
      if (site && ext?.functionName === "transferFrom" && args.length === 3) {
        const from = stripConversions(args[0]);
        const origin = from?.nodeType === "Identifier" ? carried.get(program.declOf(from)!) : undefined;
        if (origin) out.push({ call, site, param: origin });
        continue;
      }
      const callee = ext ? undefined : internalCallee(program, call, contract);
      if (site && callee && str(callee, "name") === "safeTransferFrom" && parameters(callee).length === 4 && isLibraryFunction(program, callee)) {
        // SafeERC20.safeTransferFrom(token, from, …) or token.safeTransferFrom(from, …)
        const from = stripConversions(args.length === 4 ? args[1] : args[0]);
        const origin = from?.nodeType === "Identifier" ? carried.get(program.declOf(from)!) : undefined;
        if (origin) out.push({ call, site, param: origin });
        continue;
      }
      if (!callee || seen.has(callee) || isLibraryFunction(program, callee)) continue;
      const next = new Map<AstNode, AstNode>();
      parameters(callee).forEach((p, i) => {
        const a = stripConversions(args[i]);
        const origin = a?.nodeType === "Identifier" ? carried.get(program.declOf(a)!) : undefined;
        if (origin) next.set(p, origin);
      });
      if (next.size === 0) continue;
      seen.add(callee);
      visit(callee, next, site ?? call, depth + 1);
    }
  };
  const own = new Map<AstNode, AstNode>(parameters(fn).filter((p) => /^address/.test(typeString(p) ?? "")).map((p) => [p, p]));
  if (own.size > 0) visit(fn, own, undefined, 0);
  return out;
}

export const accessControl: Detector = {
  id: "access-control",
  category: "access_control",
  title: "Missing or broken access control (tx.origin, unprotected selfdestruct / withdrawal / owner setters / initializers, delegatecall)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const pre06 = minorVersion(file.version) < 6;
    for (const contract of contractsIn(ctx)) {
      const cname = str(contract, "name");
      const privileged = privilegedVariables(program, contract);
      const isLibrary = contractKind(contract) === "library";

      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body")!;
        const fname = displayName(fn);
        let reportedHere = false;
        const report = (detector: string, severity: "high" | "medium" | "low", lines: number[], message: string, remediation: string): void => {
          reportedHere = true;
          ctx.report({ detector, category: "access_control", severity, confidence: "medium", lines, contract: cname, function: fname, message, remediation });
        };

        // tx.origin used for authorisation
        for (const g of guardConditions(program, body)) {
          const usesOrigin = findAll(g.cond, "MemberAccess").some((m) => memberOf(program, m, "tx", "origin"));
          if (!usesOrigin) continue;
          const originOnly = (n: AstNode | undefined): boolean => memberOf(program, stripConversions(n), "tx", "origin");
          const eoaCheck = findAll(g.cond, "BinaryOperation").some((b) => {
            const l = child(b, "leftExpression");
            const r = child(b, "rightExpression");
            return (originOnly(l) && memberOf(program, stripConversions(r), "msg", "sender")) || (originOnly(r) && memberOf(program, stripConversions(l), "msg", "sender"));
          });
          if (eoaCheck || !isAuthCondition(program, g.cond, originOnly)) continue;
          report(
            "tx-origin-auth",
            "high",
            [program.line(g.node)],
            `${fname}() authorises the caller with tx.origin. A contract the owner is tricked into calling can then act as the owner (phishing).`,
            "Use `msg.sender` for authorisation, never `tx.origin`:\n```solidity\nrequire(msg.sender == owner);\n```",
          );
        }

        if (!isEntryPoint(fn) || isLibrary) continue;
        const controlled = isAccessControlled(program, fn, contract);
        const initGuarded = hasInitializerModifier(fn);

        // Direct sensitive operations.
        for (const call of findAll(body, "FunctionCall")) {
          const b = builtinCallName(program, call);
          if ((b === "selfdestruct" || b === "suicide") && !controlled) {
            report(
              "unprotected-selfdestruct",
              "high",
              linesIn(program, file, [fn, call]),
              `Anyone can call ${fname}(), which destroys the contract and sends its ether to ${program.text(list(call, "arguments")[0] ?? call)}.`,
              `Only the owner may destroy the contract (or remove selfdestruct altogether):\n\`\`\`solidity\nfunction ${fname}() external onlyOwner { selfdestruct(payable(owner)); }\n\`\`\``,
            );
          }
          const ll = lowLevelCall(program, call);
          if (ll && (ll.kind === "delegatecall" || ll.kind === "callcode")) {
            if (controlled) continue;
            // a multicall into the contract's own code (`address(this).delegatecall(data[i])`) reaches only its own
            // functions, each with its own checks
            const self = stripConversions(ll.target);
            if (self && (isGlobal(program, self, "this") || program.text(self) === "this")) continue;
            const targetInput = dependsOnInput(program, ll.target, fn);
            const dataInput = ll.args.some((a) => dependsOnInput(program, a, fn));
            const severity = targetInput ? "high" : dataInput ? "medium" : "low";
            report(
              targetInput ? "delegatecall-user-target" : dataInput ? "delegatecall-user-data" : "delegatecall-storage",
              severity,
              linesIn(program, file, [call]),
              targetInput
                ? `${fname}() delegatecalls an address the caller chooses: that code runs with this contract's storage and balance and can take it over.`
                : dataInput
                  ? `${fname}() forwards caller-chosen data with delegatecall: every public function of the callee (initialisers, kill switches) becomes callable as if it were this contract's.`
                  : `${fname}() runs another contract's code on this contract's storage (delegatecall); a storage layout mismatch or a replaced library overwrites this contract's state.`,
              "Delegatecall only into fixed, trusted code, and only from functions restricted to the owner. Never let the caller choose the target, " +
                "and whitelist the function selectors you forward:\n```solidity\nfunction upgradeTo(address impl) external onlyOwner { ... }\n" +
                "// in a forwarder: require(allowedSelectors[msg.sig]);\n```\nFor proxies, use OpenZeppelin's ERC1967/UUPS proxies.",
            );
          }
        }

        if (controlled) continue;

        // Ether withdrawals.
        const guards = guardConditions(program, body);
        const modifierGuards = list(fn, "modifiers").some((inv) => {
          const m = modifierOf(program, inv, contract);
          return m !== undefined && child(m, "body") !== undefined && guardConditions(program, child(m, "body")!).length > 0;
        });

        // e.g. _spendAllowance(from, msg.sender, amount): a check on what the caller may do, in a helper
        const helperGuards = findAll(body, "FunctionCall").some((c) => {
          if (!list(c, "arguments").some((a) => isSenderLike(program, a))) return false;
          const callee = internalCallee(program, c, contract);
          if (!callee || !child(callee, "body")) return false;
          if (guardConditions(program, child(callee, "body")!).length > 0) return true;
          return findAll(child(callee, "body")!, "FunctionCall").some((x) => {
            const inner = internalCallee(program, x, contract);
            return inner !== undefined && child(inner, "body") !== undefined && guardConditions(program, child(inner, "body")!).length > 0;
          });
        });

        // Minting to anyone / burning anyone's tokens, with no condition at all. A mint paid for by a transfer
        // from the caller into the contract in the same function (a wrapper's depositFor) is backed, not free.
        if (guards.length === 0 && !modifierGuards && !helperGuards) {
          const backed = findAll(body, "FunctionCall").some((c) => pullsFromCaller(program, c, contract));
          for (const call of findAll(body, "FunctionCall")) {
            const callee = internalCallee(program, call, contract);
            const name = callee ? str(callee, "name") : undefined;
            if (name !== "_mint" && name !== "_safeMint" && name !== "_burn") continue;
            if (backed && name !== "_burn") continue;
            const account = list(call, "arguments")[0];
            // a token's mint or burn names the account first; a project's own `_burn(epoch, …)` of a position the
            // caller holds is not one (Smilee's option DVP)
            if (!/^address/.test(typeString(account) ?? "address")) continue;
            // a mint that takes payment itself: the project's `_mint` pulls the premium from the caller (Smilee's
            // IG.mint buys an option)
            if (name !== "_burn" && callee && findAll(child(callee, "body") ?? callee, "FunctionCall").some((c) => pullsFromCaller(program, c, contract))) continue;
            if (name === "_burn" && isSenderLike(program, account)) continue;
            // WETH's deposit: the caller is credited the ether they sent, `_mint(msg.sender, msg.value)`
            if (name !== "_burn" && refersToMsgValue(program, list(call, "arguments")[1])) continue;
            // ERC-4626 withdraw/redeem: the owner's allowance to the caller is spent before their shares are burnt
            if (name === "_burn" && account && spendsAllowanceOf(program, body, account)) continue;
            const burn = name === "_burn";
            report(
              burn ? "unprotected-burn" : "unprotected-mint",
              "high",
              linesIn(program, file, [fn, call]),
              burn
                ? `Anyone can call ${fname}() and destroy tokens of any account (${program.text(account ?? call)}).`
                : `Anyone can call ${fname}() and create new tokens for any account: the supply is unlimited.`,
              `Restrict it to the minter, e.g. with OpenZeppelin AccessControl:\n\`\`\`solidity\nfunction ${fname}(address to, uint256 amount) external onlyRole(MINTER_ROLE) { ${name}(to, amount); }\n\`\`\`` +
                (burn ? "\nor let holders burn only their own tokens: `_burn(msg.sender, amount)` (or spend an allowance first)." : ""),
            );
          }
        }

        // transferFrom(from, …) with a caller-chosen `from`: pulls the tokens of anyone who approved this contract.
        const permits = findAll(body, "FunctionCall").filter((c) => /(^|\.)permit$/.test(program.text(child(c, "expression") ?? c).replace(/\s+/g, "")));
        const usesPermit = permits.length > 0;
        for (const p of permits) phantomPermit(ctx, fn, body, p, report);
        if (!usesPermit) {
          for (const call of findAll(body, "FunctionCall")) {
            const ext = externalCall(program, call);
            const callee = ext ? undefined : internalCallee(program, call, contract);
            let from: AstNode | undefined;
            if (ext && ext.functionName === "transferFrom" && list(call, "arguments").length === 3) from = list(call, "arguments")[0];
            else if (callee && str(callee, "name") === "safeTransferFrom" && parameters(callee).length === 4 && isLibraryFunction(program, callee)) {
              // SafeERC20.safeTransferFrom(token, from, to, value) or token.safeTransferFrom(from, to, value); not the
              // contract's own transferFrom/safeTransferFrom (ERC-721's overloads), which authorise the caller themselves
              const args = list(call, "arguments");
              from = args.length === 4 ? args[1] : args[0];
            }
            if (!from || isSenderLike(program, from)) continue;
            const f0 = stripConversions(from);
            if (f0 && (isGlobal(program, f0, "this") || program.text(f0) === "this")) continue;
            if (!findAll(from, "Identifier").some((i) => isParameterOf(program, program.declOf(i), fn)) && !(from.nodeType === "Identifier" && isParameterOf(program, program.declOf(from), fn))) continue;
            const fromParam = from.nodeType === "Identifier" ? program.declOf(from) : undefined;
            if (fromParam && tiedToCallerByModifier(program, fn, contract, fromParam)) continue;
            // ERC-3156 settlement: the lender pulls from a borrower it has just called and whose answer it checked
            const fromKey = exprKey(program, stripConversions(from) ?? from);
            const consented = findAll(body, "FunctionCall").some((c) => {
              if (c === call || !program.before(c, call)) return false;
              const e = externalCall(program, c);
              return e !== undefined && !e.readOnly && exprKey(program, stripConversions(e.target) ?? e.target) === fromKey && isInCondition(program, c);
            });
            if (consented) continue;
            report(
              "arbitrary-transfer-from",
              "high",
              linesIn(program, file, [call]),
              `${fname}() moves tokens from an address the caller chooses (${program.text(from)}): anyone can drain every account that approved this contract.`,
              "Only pull tokens from the caller (or from an owner who signed a permit checked in the same call):\n```solidity\ntoken.safeTransferFrom(msg.sender, address(this), amount);\n```",
            );
          }
          // the same pull in an internal helper the entry point hands the address to (`rebalance(…, account)` →
          // `_rebalance(…, account)` → `transferFrom(account, …)`), unless the entry point ties it to the caller
          for (const inner of innerPulls(program, fn, contract)) {
            const param = inner.param;
            const tied =
              guardConditions(program, body).some(
                (g) => findAll(g.cond, "Identifier").some((i) => program.declOf(i) === param) && findAll(g.cond, "MemberAccess").some((m) => memberOf(program, m, "msg", "sender")),
              ) || tiedToCallerByModifier(program, fn, contract, param);
            if (tied || reportedHere) continue;
            report(
              "arbitrary-transfer-from",
              "high",
              linesIn(program, file, [inner.site, inner.call]),
              `${fname}() hands ${str(param, "name")}, an address the caller chooses, to \`${program.text(inner.site).replace(/\s+/g, " ").replace(/\( /g, "(").slice(0, 60)}\`, which moves tokens from it (\`${program.text(inner.call).replace(/\s+/g, " ").replace(/\( /g, "(").slice(0, 70)}\`): anyone can drain every account that approved this contract.`,
              "Only pull tokens from the caller (or from an owner who signed a permit checked in the same call):\n```solidity\ntoken.safeTransferFrom(msg.sender, address(this), amount);\n```",
            );
            break;
          }
        }
        for (const call of findAll(body, "FunctionCall")) {
          const ll = lowLevelCall(program, call);
          if (!ll || !ll.value || !["transfer", "send", "call"].includes(ll.kind)) continue;
          const to = stripConversions(ll.target);
          const toCaller = isSenderLike(program, to) || (to?.nodeType === "Identifier" && isParameterOf(program, program.declOf(to), fn));
          if (!toCaller) continue;
          const amount = stripConversions(ll.value)!;
          const amountText = program.text(amount).replace(/\s+/g, "");
          // Sends balances[msg.sender] but never debits it.
          const balanceRead = findAll(amount, "IndexAccess").find((ia) => isSenderLike(program, child(ia, "indexExpression")));
          if (balanceRead) {
            const decl = baseDeclaration(program, balanceRead);
            if (decl && isStateVariable(decl)) {
              let debited = false;
              walkFlowEvents(program, fn, contract, {
                onWrite: (d) => {
                  if (d === decl) debited = true;
                },
              });
              if (!debited) {
                report(
                  "withdrawal-without-debit",
                  "high",
                  linesIn(program, file, [call]),
                  `${fname}() pays out ${program.text(balanceRead)} but never reduces it, so the caller can withdraw the same balance again and again.`,
                  `Set the balance to zero (or subtract the amount) before paying:\n\`\`\`solidity\nuint256 amount = ${program.text(balanceRead)};\n${program.text(balanceRead)} = 0;\npayable(msg.sender).transfer(amount);\n\`\`\``,
                );
              }
              continue;
            }
          }
          // Inverted balance check: require(amount >= balances[msg.sender]).
          const inverted = guards.find((g) => {
            const c = g.cond;
            if (c.nodeType !== "BinaryOperation") return false;
            const op = str(c, "operator");
            const l = child(c, "leftExpression")!;
            const r = child(c, "rightExpression")!;
            const key = (n: AstNode): string => program.text(n).replace(/\s+/g, "");
            const isBal = (n: AstNode): boolean => n.nodeType === "IndexAccess" && isSenderLike(program, child(n, "indexExpression"));
            return (op === ">=" || op === ">") ? key(l) === amountText && isBal(r) : (op === "<=" || op === "<") ? key(r) === amountText && isBal(l) : false;
          });
          if (inverted) {
            report(
              "inverted-balance-check",
              "high",
              linesIn(program, file, [inverted.node, call]),
              `${fname}() checks \`${program.text(inverted.cond)}\`: the comparison is the wrong way round, so callers can withdraw more than their balance.`,
              "Require that the balance covers the amount:\n```solidity\nrequire(balances[msg.sender] >= amount);\n```",
            );
            continue;
          }
          // the caller's own tokens or balance are debited by the amount first: `_burn(msg.sender, amount)`
          if (debitsCaller(program, body, amountText, contract)) continue;
          const arbitraryAmount =
            /(this|address\(this\))\.balance/.test(amountText) || dependsOnInput(program, amount, fn) && !amountText.includes("msg.value");
          const conditions = [...guards.map((g) => g.cond), ...enclosingConditions(program, call, body)].filter(
            (c) => !program.contains(c, call) && c !== call,
          );
          if (arbitraryAmount && conditions.length === 0) {
            report(
              "unprotected-ether-withdrawal",
              "high",
              linesIn(program, file, [fn, call]),
              `Anyone can call ${fname}() and have it send ${program.text(amount)} wei to an address they choose.`,
              REMEDIATION_RESTRICT,
            );
          }
        }

        if (isReadOnly(fn)) continue;


        // Writes to owner/role variables from a function anyone can call.
        let ownerWritten = false;
        if (!initGuarded && privileged.size > 0) {
          const writes: { decl: AstNode; node: AstNode; sites: AstNode[] }[] = [];
          walkFlowEvents(program, fn, contract, {
            onWrite: (decl, node, sites) => {
              if (!privileged.has(decl)) return;
              const w = writtenStateVariable(program, node);
              if (w && senderKeyed(program, w.lhs)) return; // self-service: members[msg.sender] = …
              if (w && keyedByCreated(program, w.lhs, fn)) return; // a factory's registry of what it deployed
              // a king, winner or highest bidder: the caller takes the role by paying what the guard asks
              if (boughtRole(program, fn, body, decl, node)) return;
              // synced from a contract the caller does not choose: Velocimeter's Pair.setVoter(), `voter =
              // IPairFactory(factory).voter()` — anyone may run it, only the factory decides the value
              if (copiedFromFixedSource(program, fn, node)) return;
              writes.push({ decl, node, sites });
            },
          });
          if (writes.length > 0) {
            ownerWritten = true;
            const vars = [...new Set(writes.map((w) => str(w.decl, "name") ?? "?"))];
            const latches = latchVariables(program, contract, fn, body);
            const once = latches.size > 0 || guards.some((g) => findAll(g.cond, "Identifier").some((i) => writes.some((w) => program.declOf(i) === w.decl)));
            const looksInit = /^_?(init|initiali[sz]e|setup|set_?up)/i.test(str(fn, "name") ?? "") || once;
            // Safe's setup(): the once-only latch (threshold) is checked in a helper and set by the constructor, so the
            // deployed contract is locked and only fresh proxies, initialised by their factory, can run it
            const locked = looksInit && lockedAtDeployment(program, contract, latches);
            // Run once: only the first call can be taken, by front-running a deployer who initialises in a second
            // transaction (the deployer's own call then reverts in view). That takes more only where the owner can
            // change the code at the address (delegatecall, selfdestruct, an upgrade: Parity's wallet library).
            const frontRunOnly = looksInit && once && !altersOwnCode(program, contract);
            if (!locked) report(
              looksInit ? "unprotected-initializer" : "unprotected-owner-setter",
              frontRunOnly ? "low" : "high",
              linesIn(program, file, [fn, ...writes.flatMap((w) => [w.node, ...w.sites])]),
              looksInit
                ? `${fname}() sets ${vars.join(", ")} and anyone can call it${once ? " first (or again, if it was never called)" : ""}: an attacker becomes the owner.` +
                  (frontRunOnly ? " It runs only once and the contract cannot change its own code, so this is a front-run of a deployment that initialises in a second transaction (low): deploy and initialise in one transaction (a factory, or the constructor)." : "")
                : `${fname}() changes ${vars.join(", ")}, which decide who controls the contract, but anyone can call it.` +
                    (str(fn, "name") && str(fn, "name")!.toLowerCase() === (cname ?? "").toLowerCase() && str(fn, "name") !== cname
                      ? " It looks like a misspelt constructor."
                      : ""),
              REMEDIATION_RESTRICT,
            );
          }
        }

        // An initializer with no check at all: anyone runs it at any time, again and again, and resets what it set.
        const initName = /^_?(init|initiali[sz]e)([A-Z_]\w*)?$/.test(str(fn, "name") ?? "") || /^initiali[sz]e/i.test(str(fn, "name") ?? "");
        if (initName && !initGuarded && guards.length === 0 && !modifierGuards && !helperGuards && !ownerWritten && writesAnyState(program, fn, contract) && !initialisesOwnEntry(program, body)) {
          // A diamond's init contract (EIP-2535 DiamondInit): no storage variables of its own and nothing to call but
          // initializers, so it is run by delegatecall from the diamond; called directly it writes its own unused storage.
          const initOnly =
            program.linearized(contract).every((c) => list(c, "nodes").every((n) => n.nodeType !== "VariableDeclaration" || n.constant === true || str(n, "mutability") === "immutable")) &&
            functionsOf(contract).every((f) => !isEntryPoint(f) || isReadOnly(f) || /^_?init/i.test(str(f, "name") ?? ""));
          report(
            "unprotected-initializer",
            initOnly ? "low" : "medium",
            linesIn(program, file, [fn]),
            `Anyone can call ${fname}() at any time, and again after it ran: nothing checks that the contract was already initialised, so every value it sets can be reset.` +
              (initOnly
                ? ` ${cname ?? "The contract"} has no storage variables and nothing to call but initializers, like a diamond's init contract run by delegatecall from the diamond: called directly, ${fname}() writes storage nothing reads (low). Make sure no diamond adds it as a facet.`
                : ""),
            "Run initialisation once, from the deployer: use a constructor, or OpenZeppelin's `initializer` modifier on an upgradeable contract:\n```solidity\nfunction initialize(uint256 start) external initializer { ... }\n```",
          );
        }

        // public functions named like internal helpers
        const name = str(fn, "name") ?? "";
        if (/^_[^_]/.test(name) && visibility(fn) === "public" && functionKind(fn) === "function") {
          const writesState = findAll(body, "Assignment", "UnaryOperation").some((n) => writtenStateVariable(program, n) !== undefined);
          if (writesState) {
            report(
              "public-internal-helper",
              "medium",
              linesIn(program, file, [fn]),
              `${fname}() is named like an internal helper but is public and changes state: anyone can call it directly.`,
              `Make it \`internal\` (or \`private\`):\n\`\`\`solidity\nfunction ${name}(...) internal { ... }\n\`\`\``,
            );
          }
        }

        // Pre-0.6 dynamic array length writes: arbitrary storage writes.
        if (pre06) {
          const lengthWrites = [...findAll(body, "Assignment"), ...findAll(body, "UnaryOperation")].filter((n) => {
            const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression");
            if (n.nodeType === "UnaryOperation" && !["++", "--"].includes(str(n, "operator") ?? "")) return false;
            return lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "length" && isStateVariable(baseDeclaration(program, lhs));
          });
          if (lengthWrites.length > 0) {
            const arrays = new Set(lengthWrites.map((n) => baseDeclaration(program, n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression"))));
            const related: AstNode[] = [];
            for (const g of guards) if (findAll(g.cond, "Identifier").some((i) => arrays.has(program.declOf(i)))) related.push(g.node);
            for (const a of findAll(body, "Assignment")) {
              const lhs = child(a, "leftHandSide");
              if (lhs?.nodeType === "IndexAccess" && arrays.has(baseDeclaration(program, lhs))) related.push(a);
            }
            const shrinks = lengthWrites.some((n) => str(n, "operator") === "--" || str(n, "operator") === "-=");
            const userLength = lengthWrites.some((n) => n.nodeType === "Assignment" && dependsOnInput(program, child(n, "rightHandSide")!, fn));
            if (shrinks || userLength) {
              report(
                "array-length-manipulation",
                "high",
                linesIn(program, file, [...lengthWrites, ...related]),
                `${fname}() sets the length of a storage array directly${shrinks ? " and can make it underflow" : " to a caller-chosen value"}: the array then covers the whole storage and any slot (including the owner) can be overwritten through it.`,
                "Never write `.length`; use `push()`/`pop()` and check the index against the length before writing:\n```solidity\nrequire(index < items.length);\nitems[index] = value;\n```",
              );
            }
          }
        }

        // The documentation restricts the function to the owner, an admin or a role, and the code does not: the author's
        // own words state the intent, so the missing check is a bug, not a design choice. One finding per function: not
        // when another rule above already reported it.
        if (!reportedHere && !initGuarded && !isFromDependency(program, fn) && !otherAuthorisation(program, fn, contract)) {
          const promise = documentedRestriction(docCommentOf(program, fn));
          const effect = promise ? firstEffect(program, fn, contract) : undefined;
          if (promise && effect) {
            const at = program.fileOf(effect.node) === file ? effect.node : effect.site;
            const changes = effect.vars.length > 0 ? ` and change ${effect.vars.join(", ")}` : "";
            ctx.report({
              detector: "access-control",
              category: "access_control",
              severity: "high",
              confidence: "high",
              lines: linesIn(program, file, [fn, at]),
              contract: cname,
              function: fname,
              swc: ["SWC-105"],
              message:
                `${fname}() is documented as restricted ("${promise.sentence}"), but nothing checks the caller: no access modifier, ` +
                `no require or revert on msg.sender in it or in the functions it calls. Anyone can call it${changes}.`,
              remediation:
                "Enforce what the documentation says, with the modifier the other restricted functions use or a check at the top of the body:\n" +
                `\`\`\`solidity\nfunction ${fname}(...) external onlyOwner { ... }\n// or\nif (msg.sender != owner) revert NotOwner();\n\`\`\``,
            });
          }
        }
      }

      // Initializers of upgradeable contracts whose implementation can be initialised by anyone. Every constructor
      // of the linearization runs at deployment, so a base constructor's _disableInitializers() locks it too. A
      // `virtual` initializer is written to be extended (OpenZeppelin's AccessManagerUpgradeable, TimelockController…):
      // the contract deployed as the implementation is the one deriving from it, so it is reported there.
      if (contractKind(contract) === "contract" && contract.abstract !== true && !disablesInitializers(program, contract)) {
        const seen = new Set<string>();
        let alters: boolean | undefined;
        for (const base of program.linearized(contract)) {
          for (const fn of functionsOf(base)) {
            const key = `${str(fn, "name")}/${parameters(fn).length}`;
            if (seen.has(key)) continue;
            seen.add(key);
            if (!isEntryPoint(fn) || !list(fn, "modifiers").some((m) => /^initializer$/.test(str(child(m, "modifierName")!, "name") ?? ""))) continue;
            const own = base === contract;
            if (own ? fn.virtual === true : !(fn.virtual === true || contractKind(base) !== "contract" || base.abstract === true)) continue;
            const lines = linesIn(program, file, [own ? fn : contract]);
            if (lines.length === 0) continue;
            alters ??= altersOwnCode(program, contract);
            ctx.report({
              detector: "implementation-initializable",
              category: "access_control",
              severity: alters ? "medium" : "low",
              confidence: "medium",
              lines,
              contract: cname,
              function: displayName(fn),
              message:
                `${displayName(fn)}() is an initializer${own ? "" : ` (inherited from ${str(base, "name")})`}, and the contract's constructor does not call ` +
                "_disableInitializers(): anyone can initialise the implementation contract behind a proxy and become its owner." +
                (alters
                  ? " The implementation can delegatecall, self-destruct or upgrade itself, so its new owner can destroy the code every proxy runs (the UUPS attack)."
                  : " It has no delegatecall, selfdestruct or upgrade function, so that owner controls only the implementation's own empty storage."),
              remediation:
                "Lock the implementation in its constructor and initialise the proxy in the deployment transaction:\n```solidity\n/// @custom:oz-upgrades-unsafe-allow constructor\nconstructor() { _disableInitializers(); }\n```",
            });
          }
        }
      }
    }
  },
};

/**
 * Whether a modifier of `fn` ties `param` to the caller: it is passed the parameter and checks it against msg.sender
 * (`isValidOperator(msg.sender, from)` with `require(msg.sender == client || operatorRegistry[client][operator])`).
 */
function tiedToCallerByModifier(program: Program, fn: AstNode, contract: AstNode, param: AstNode): boolean {
  return list(fn, "modifiers").some((inv) => {
    const m = modifierOf(program, inv, contract);
    const body = m ? child(m, "body") : undefined;
    if (!m || !body) return false;
    const args = list(inv, "arguments");
    const i = args.findIndex((a) => program.declOf(stripConversions(a) ?? a) === param);
    const bound = i >= 0 ? parameters(m)[i] : undefined;
    if (!bound) return false;
    const callerParams = new Set(args.map((a, j) => (isSenderLike(program, a) ? parameters(m)[j] : undefined)).filter((p): p is AstNode => p !== undefined));
    return guardConditions(program, body).some((g) => {
      const ids = findAll(g.cond, "Identifier").map((x) => program.declOf(x));
      return ids.includes(bound) && (ids.some((d) => d !== undefined && callerParams.has(d)) || findAll(g.cond, "MemberAccess").some((x) => memberOf(program, x, "msg", "sender")));
    });
  });
}

/**
 * Whether a contract's own code (its linearization and the internal and library functions it calls) can change what
 * runs at its address or run another contract's code in its context: a delegatecall, a selfdestruct, an upgrade
 * function (UUPS). Only then does whoever initialises a bare implementation gain anything beyond its empty storage.
 */
function altersOwnCode(program: Program, contract: AstNode): boolean {
  const UPGRADE = /^(upgradeTo|upgradeToAndCall|_upgradeTo|_upgradeToAndCall|_upgradeToAndCallUUPS)$/;
  // a delegatecall into the contract's own code (a multicall) and an upgrade call on another contract (a factory
  // upgrading the proxies it deployed) leave the code at this address as it is
  const alters = (body: AstNode): boolean =>
    findAll(body, "InlineAssembly").some((a) => /\b(delegatecall|selfdestruct)\b/.test(program.text(a))) ||
    findAll(body, "FunctionCall").some((c) => {
      const ll = lowLevelCall(program, c);
      if (ll?.kind === "delegatecall") return !isThis(program, ll.target);
      const e = child(c, "expression");
      const name = e ? (str(e, "memberName") ?? str(e, "name") ?? "") : "";
      if (name === "selfdestruct" || name === "suicide") return true;
      if (name === "functionDelegateCall") return e?.nodeType !== "MemberAccess" || !isThis(program, child(e, "expression"));
      if (UPGRADE.test(name)) return e?.nodeType !== "MemberAccess" || /^(super|this)$/.test(program.text(child(e, "expression") ?? e));
      return false;
    });
  const seen = new Set<AstNode>();
  const visit = (fn: AstNode, depth: number): boolean => {
    if (seen.has(fn) || depth > 3) return false;
    seen.add(fn);
    // OpenZeppelin's UUPS upgrade functions (since 4.3.2) run only through a proxy (`onlyProxy`): on the bare
    // implementation they revert, so taking it over does not reach the code at its address
    if (list(fn, "modifiers").some((m) => program.text(child(m, "modifierName") ?? m) === "onlyProxy")) return false;
    if (/^(upgradeTo|upgradeToAndCall)$/.test(str(fn, "name") ?? "")) return true;
    const body = child(fn, "body");
    if (!body) return false;
    if (alters(body)) return true;
    return findAll(body, "FunctionCall").some((c) => {
      const callee = internalCallee(program, c, contract);
      return callee !== undefined && visit(callee, depth + 1);
    });
  };
  // from what can be called on the contract (internal helpers such as ERC1967's delegatecall count when reached)
  return program.linearized(contract).some((base) => functionsOf(base).some((fn) => isEntryPoint(fn) && visit(fn, 0)));
}

// ---------------------------------------------------------------------------------------------- centralization-risk

/**
 * Functions only a privileged account may call (owner, admin, a role): the powers users must trust that account with.
 * Reported once per contract, as information (what Aderyn and 4naly3er list as centralisation risk), so a reviewer sees
 * who can upgrade, mint, pause or reconfigure; no CI gate fails on it.
 */
export const centralizationRisk: Detector = {
  id: "centralization-risk",
  category: "access_control",
  title: "Privileged functions: what the owner or an admin role can do alone (centralisation)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (str(contract, "contractKind") !== "contract") continue;
      const privileged = functionsOf(contract).filter(
        (fn) => isEntryPoint(fn) && !isReadOnly(fn) && !hasInitializerModifier(fn) && str(fn, "kind") !== "constructor" && isAccessControlled(program, fn, contract),
      );
      if (privileged.length === 0) continue;
      const names = privileged.map((fn) => `${displayName(fn)}()`);
      ctx.report({
        detector: "centralization-risk",
        category: "access_control",
        severity: "info",
        confidence: "high",
        lines: linesIn(program, file, privileged).slice(0, 12),
        contract: str(contract, "name"),
        function: displayName(privileged[0]!),
        message:
          `${str(contract, "name")} has ${privileged.length} function${privileged.length === 1 ? "" : "s"} only a privileged account ` +
          `may call (${names.slice(0, 8).join(", ")}${names.length > 8 ? ", …" : ""}). Users trust that account not to misuse ` +
          "them, and its key is a single point of failure.",
        remediation:
          "Hold privileged roles in a multisig behind a timelock (OpenZeppelin TimelockController), document each power, and " +
          "drop the ones the system does not need after launch (renounce or make parameters immutable).",
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------- unguarded-setter

/** Setter-like names: `setFee`, `updateDownsideProtected`, `increaseLimit`, `addReward`, `removeToken`. */
const SETTER_NAME = /^_?(set|update|increase|decrease|add|sub|remove|reset|change|adjust)[A-Z0-9_]/;

/**
 * Whether an lvalue writes through a local storage pointer to an entry (`UserInfo storage user = userInfo[pid][msg.sender];
 * user.amount = …`, Sophon's increaseBoost): an entry of a mapping or array, as if written `userInfo[pid][msg.sender].amount`.
 */
function entryPointer(program: Program, lhs: AstNode): boolean {
  let cur: AstNode | undefined = lhs;
  while (cur && (cur.nodeType === "MemberAccess" || cur.nodeType === "IndexAccess")) cur = child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression");
  const d = cur?.nodeType === "Identifier" ? program.declOf(cur) : undefined;
  if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true || str(d, "storageLocation") !== "storage") return false;
  const init = initialValueOf(program, d);
  return init !== undefined && (init.nodeType === "IndexAccess" || findAll(init, "IndexAccess").length > 0);
}

/**
 * A setter anyone can call among setters that are restricted: it writes a state variable from a value the caller
 * passes (`downsideProtected += downsideProtectedAmount`), while at least two other setter-like functions of the same
 * contract check the caller (`onlyBorrowingContract`, `onlyOwner`). The missing modifier is the likeliest reason, and the
 * caller then sets accounting or configuration at will (Autonomint H-6: anyone raises downsideProtected until CDS
 * deposits and withdrawals underflow). Left alone: entries of mappings and arrays (`limits[msg.sender] = …`, a cache
 * keyed by what the caller names; also through a storage pointer to one, `user.amount = …`), values computed from state alone (a public `updatePool(pid)` that syncs a pool),
 * functions that verify a signature, and contracts with fewer than two restricted setters.
 */
export const unguardedSetter: Detector = {
  id: "unguarded-setter",
  category: "access_control",
  title: "A setter anyone can call where the contract's other setters are restricted",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) === "library") continue;
      const setters = functionsOf(contract).filter((f) => isEntryPoint(f) && !isReadOnly(f) && SETTER_NAME.test(str(f, "name") ?? ""));
      const guarded = setters.filter((f) => isAccessControlled(program, f, contract));
      if (guarded.length < 2) continue;
      for (const fn of setters) {
        if (guarded.includes(fn) || hasInitializerModifier(fn)) continue;
        const body = child(fn, "body")!;
        // any caller test at all (a check against a record's party) leaves the function to its author, and so does a
        // signature it verifies (Superfluid's updateUserUnits: the signer authorises the update, not the caller)
        if (guardConditions(program, body).some((g) => mentionsSender(program, g.cond))) continue;
        if (otherAuthorisation(program, fn, contract)) continue;
        const params = new Set(parameters(fn));
        const writes = findAll(body, "Assignment").filter((a) => {
          const w = writtenStateVariable(program, a);
          // a contract-wide value (`downsideProtected`, `config.fee`), not an entry of a mapping or array at a key the
          // caller names (a cache, a record of their own): those are other rules' business
          if (!w || findAll(w.lhs, "IndexAccess").length > 0 || w.lhs.nodeType === "IndexAccess" || entryPointer(program, w.lhs)) return false;
          // the value written comes from what the caller passed
          return findAll(child(a, "rightHandSide")!, "Identifier").some((i) => params.has(program.declOf(i)!));
        });
        if (writes.length === 0) continue;
        const names = [...new Set(writes.map((a) => str(writtenStateVariable(program, a)!.decl, "name") ?? "?"))];
        const peers = guarded.slice(0, 3).map((g) => `${str(g, "name")}()`).join(", ");
        ctx.report({
          detector: "unguarded-setter",
          category: "access_control",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, [fn, ...writes]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() sets ${names.join(", ")} from a value the caller passes and anyone can call it, while ${guarded.length} other setters of ` +
            `${str(contract, "name")} (${peers}) check the caller: a missing modifier lets any account change this state at will.`,
          remediation: `Give it the same restriction as its siblings:\n\`\`\`solidity\nfunction ${displayName(fn)}(...) external onlyOwner { ... }   // or the role its siblings require\n\`\`\``,
        });
      }
    }
  },
};
