/**
 * Access control as the code expresses it: modifiers and guard conditions that compare the caller
 * (msg.sender, _msgSender(), tx.origin) with a stored owner, a role or a membership mapping.
 */
import type { AstNode } from "./node";
import { child, findAll, list, str, typeString } from "./node";
import type { Program } from "./program";
import {
  builtinCallName,
  externalCall,
  guardConditions,
  lowLevelCall,
  internalCallee,
  isReadOnly,
  isSenderLike,
  modifierName,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
  initialValueOf,
  writtenStateVariable,
  baseDeclaration,
  isStateVariable,
} from "./semantics";
import { walkYul, yulArgs, yulCallName } from "./yul";

const AUTH_MODIFIER = /^(only|auth|restricted|requiresAuth|ownerOnly|isOwner|onlyowner|admin|whenAuthori[sz]ed|checkAccess|hasRole)/i;
const GUARD_MODIFIER = /nonReentrant|noReentran|reentrancyGuard|nonreentrant|mutex|^lock$|^locked$|^noReentry/i;
const INITIALIZER_MODIFIER = /^(initializer|reinitializer|onlyInitializing)$/;

/** A modifier invocation named like an access check: `onlyOwner`, `auth`, `requiresAuth`, `hasRole`… */
export function isAuthModifier(invocation: AstNode): boolean {
  return AUTH_MODIFIER.test(modifierName(invocation));
}

type SenderTest = (node: AstNode | undefined) => boolean;

function senderTest(program: Program, params: Set<AstNode>): SenderTest {
  return (node) => {
    if (isSenderLike(program, node)) return true;
    const n = stripConversions(node);
    if (n?.nodeType === "Identifier") {
      const d = program.declOf(n);
      return d !== undefined && params.has(d);
    }
    return false;
  };
}

/**
 * Whether a condition restricts the caller: `msg.sender == owner`, `hasRole(r, msg.sender)`, `owners[msg.sender]`.
 * `passes` says how the condition is used when known: true when it must hold for the caller to go on (`require(c)`),
 * false when it stops the caller (`if (c) revert`). Then an alternative (`require(msg.value >= prize || msg.sender ==
 * owner)`) restricts the caller only when every branch does; unknown, either branch is taken as enough.
 */
export function isAuthCondition(program: Program, cond: AstNode | undefined, isSender: SenderTest, depth = 0, passes?: boolean): boolean {
  let c = cond;
  let pass = passes;
  while (c && (c.nodeType === "TupleExpression" || (c.nodeType === "UnaryOperation" && str(c, "operator") === "!"))) {
    if (c.nodeType === "UnaryOperation" && pass !== undefined) pass = !pass;
    c = c.nodeType === "TupleExpression" ? list(c, "components")[0] : child(c, "subExpression");
  }
  if (!c) return false;
  if (c.nodeType === "BinaryOperation") {
    const op = str(c, "operator");
    const l = child(c, "leftExpression");
    const r = child(c, "rightExpression");
    if (op === "&&" || op === "||") {
      const lAuth = isAuthCondition(program, l, isSender, depth, pass);
      const rAuth = isAuthCondition(program, r, isSender, depth, pass);
      // an alternative way through (`a || b` that must hold, `a && b` that stops) restricts only when both sides do
      const alternative = pass !== undefined && (op === "||") === pass;
      return alternative ? lAuth && rAuth : lAuth || rAuth;
    }
    if (op === "==" || op === "!=") {
      const ls = isSender(l);
      const rs = isSender(r);
      const lit = (n: AstNode | undefined): boolean => stripConversions(n)?.nodeType === "Literal";
      if (ls !== rs && !lit(ls ? r : l)) return true;
      return isAuthCondition(program, l, isSender, depth) || isAuthCondition(program, r, isSender, depth);
    }
    if (op === ">" || op === ">=" || op === "<" || op === "<=") {
      // membership: ownerIndex[msg.sender] > 0 (a role-like mapping compared with a constant). Not a cap on the
      // caller's own counter (`minted[msg.sender] <= 3`): an address that never appeared (its entry 0) passes it, so it
      // keeps no one out.
      const lit = (n: AstNode | undefined): boolean => stripConversions(n)?.nodeType === "Literal";
      const senderLeft = isIndexedBySender(l, isSender, true) && lit(r);
      const senderRight = isIndexedBySender(r, isSender, true) && lit(l);
      if (!senderLeft && !senderRight) return false;
      const k = literalInteger(stripConversions(senderLeft ? r : l));
      if (k === undefined) return true;
      // the comparison for a fresh caller (entry 0), written as `entry op k`
      const flipped: Record<string, string> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" };
      const o = senderLeft ? op : flipped[op]!;
      const holdsAtZero = o === ">" ? 0n > k : o === ">=" ? 0n >= k : o === "<" ? 0n < k : 0n <= k;
      // a fresh caller is kept out when the condition fails for it (or, where it must not hold, holds for it)
      return pass === false ? holdsAtZero : !holdsAtZero;
    }
    return false;
  }
  if (isIndexedBySender(c, isSender, false) && (typeString(c) === "bool" || isIndexedBySender(c, isSender, true))) return true;
  if (c.nodeType === "FunctionCall") {
    if (builtinCallName(program, c) !== undefined) return false;
    const t = typeString(c);
    if (t !== undefined && t !== "bool") return false;
    const ext = externalCall(program, c);
    if (ext && !ext.readOnly) return false;
    if (lowLevelCall(program, c)) return false;
    const args = list(c, "arguments");
    // a lookup (`hasRole(role, msg.sender)`, `isOwner(msg.sender)`), not a helper that calls out with the caller's
    // address (`_checkOnERC721Received(from, msg.sender, …)` asks the receiver, it authorises no one)
    const helper = internalCallee(program, c, program.contractOf(c));
    if (helper && callsOut(program, helper)) return false;
    if (args.some((a) => isSender(a) || isIndexedBySender(a, isSender, true))) return true;
    // isOwner() { return msg.sender == owner; }
    if (depth < 3) {
      const callee = internalCallee(program, c, program.contractOf(c));
      if (callee) {
        for (const ret of findReturns(callee)) {
          if (isAuthCondition(program, child(ret, "expression"), senderTest(program, new Set()), depth + 1)) return true;
        }
      }
    }
  }
  return false;
}

/** A state-changing internal function that makes an external call (not a view lookup). */
function callsOut(program: Program, fn: AstNode): boolean {
  const body = child(fn, "body");
  if (!body || isReadOnly(fn)) return false;
  return findAll(body, "FunctionCall").some((call) => {
    const ll = lowLevelCall(program, call);
    if (ll) return ll.kind !== "staticcall";
    const ext = externalCall(program, call);
    return ext !== undefined && !ext.readOnly;
  });
}

/** A decimal or hex integer literal's value (`3`, `1e18`, `0x10`, `1_000`); undefined for anything else. */
function literalInteger(n: AstNode | undefined): bigint | undefined {
  if (n?.nodeType !== "Literal" || str(n, "kind") !== "number") return undefined;
  const raw = (str(n, "value") ?? "").replace(/_/g, "");
  const sub = str(n, "subdenomination");
  if (sub) return undefined;
  const m = /^(\d+)e(\d+)$/i.exec(raw);
  try {
    return m ? BigInt(m[1]!) * 10n ** BigInt(m[2]!) : BigInt(raw);
  } catch {
    return undefined;
  }
}

function findReturns(fn: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const stack = [child(fn, "body")].filter((x): x is AstNode => x !== undefined);
  while (stack.length) {
    const n = stack.pop()!;
    if (n.nodeType === "Return") out.push(n);
    for (const s of list(n, "statements")) stack.push(s);
    for (const k of ["trueBody", "falseBody", "body"]) {
      const c = child(n, k);
      if (c) stack.push(c);
    }
  }
  return out;
}

const ROLE_NAME = /owner|admin|auth|member|role|operator|signer|whitelist|allow|manager|minter|guardian|validator|controller|council|trusted/i;

/** `m[msg.sender]` (optionally only when the mapping is named like a role/membership table). */
function isIndexedBySender(node: AstNode | undefined, isSender: SenderTest, roleNamed: boolean): boolean {
  let n = node;
  while (n?.nodeType === "MemberAccess") n = child(n, "expression");
  if (n?.nodeType !== "IndexAccess") return false;
  if (isSender(child(n, "indexExpression"))) {
    if (!roleNamed) return true;
    let base = child(n, "baseExpression");
    while (base && (base.nodeType === "IndexAccess" || base.nodeType === "MemberAccess")) base = child(base, base.nodeType === "IndexAccess" ? "baseExpression" : "expression");
    return base?.nodeType === "Identifier" && ROLE_NAME.test(str(base, "name") ?? "");
  }
  return isIndexedBySender(child(n, "baseExpression"), isSender, roleNamed);
}

/**
 * Whether a function or modifier (with the callee's parameters that receive the caller in `senderParams`)
 * checks who the caller is before going on, directly or through internal calls such as `_checkOwner()`.
 */
export function checksCaller(
  program: Program,
  callable: AstNode,
  context: AstNode | undefined,
  senderParams: Set<AstNode> = new Set(),
  depth = 0,
): boolean {
  const body = child(callable, "body");
  if (!body) return false;
  const isSender = senderTest(program, senderParams);
  for (const g of guardConditions(program, body)) {
    const stops = g.node.nodeType === "IfStatement" ? stopsExecution(program, child(g.node, "trueBody")) : false;
    if (isAuthCondition(program, g.cond, isSender, 0, !stops)) return true;
  }
  if (yulChecksCaller(body)) return true;
  if (depth >= 4) return false;
  for (const inv of list(callable, "modifiers")) {
    if (isAuthModifier(inv)) return true;
    const mod = modifierOf(program, inv, context);
    if (mod && mod !== callable && checksCaller(program, mod, context, new Set(), depth + 1)) return true;
  }
  // Standalone internal calls: _checkOwner(); _checkRole(role, _msgSender()); also one an if runs (MagicSea's
  // createRewarder: `if (rewarderType != RewarderType.VeMoeRewarder) _checkOwner();`, restricted but for one case)
  const stack: AstNode[] = [...list(body, "statements")];
  while (stack.length) {
    const s = stack.pop()!;
    if (s.nodeType === "Block" || s.nodeType === "UncheckedBlock") {
      stack.push(...list(s, "statements"));
      continue;
    }
    if (s.nodeType === "IfStatement") {
      for (const branch of [child(s, "trueBody"), child(s, "falseBody")]) if (branch) stack.push(branch);
      continue;
    }
    if (s.nodeType !== "ExpressionStatement") continue;
    const e = child(s, "expression");
    if (e?.nodeType !== "FunctionCall") continue;
    const callee = internalCallee(program, e, context);
    if (!callee || callee === callable) continue;
    const params = parameters(callee);
    const passed = new Set<AstNode>();
    list(e, "arguments").forEach((a, i) => {
      if (isSender(a) && params[i]) passed.add(params[i]!);
    });
    if (checksCaller(program, callee, context, passed, depth + 1)) return true;
  }
  return false;
}

/**
 * A caller check in inline assembly at the top level of a body (solady's style): `if iszero(eq(sload(slot),
 * caller())) { revert(…) }` or `if iszero(or(…, eq(caller(), …))) { … revert(…) }` — a Yul if whose condition
 * compares caller() for equality and whose body reverts.
 */
function yulChecksCaller(body: AstNode): boolean {
  for (const s of list(body, "statements")) {
    if (s.nodeType !== "InlineAssembly") continue;
    let found = false;
    for (const stmt of list(s.AST as AstNode, "statements")) {
      if (found || stmt.nodeType !== "YulIf") continue;
      let comparesCaller = false;
      walkYul({ AST: child(stmt, "condition") } as unknown as AstNode, (n) => {
        if (yulCallName(n) === "eq" && yulArgs(n).some((a) => yulCallName(a) === "caller")) comparesCaller = true;
      });
      if (!comparesCaller) continue;
      walkYul({ AST: child(stmt, "body") } as unknown as AstNode, (n) => {
        if (yulCallName(n) === "revert") found = true;
      });
    }
    if (found) return true;
  }
  return false;
}

/** Whether only privileged callers reach the function (an auth modifier or a caller check in its body). */
export function isAccessControlled(program: Program, fn: AstNode, context: AstNode | undefined): boolean {
  return checksCaller(program, fn, context);
}

/** A nonReentrant-style modifier: by name, or a mutex flag checked and set before `_`. */
export function hasReentrancyGuard(program: Program, fn: AstNode, context: AstNode | undefined): boolean {
  for (const inv of list(fn, "modifiers")) {
    const name = modifierName(inv);
    if (GUARD_MODIFIER.test(name)) return true;
    const mod = modifierOf(program, inv, context);
    if (mod && isMutexModifier(program, mod)) return true;
  }
  return hasInlineMutex(program, fn);
}

/**
 * A lock taken and released in the function's own body, as Uniswap v3's swap() does without its modifier:
 * `slot0.unlocked = false;` among the first statements and `slot0.unlocked = true;` as a last one — the same state
 * field set to a boolean and, later, to the other one, both at the top level of the body.
 */
function hasInlineMutex(program: Program, fn: AstNode): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  const seen = new Map<string, string>();
  for (const st of list(body, "statements")) {
    const e = st.nodeType === "ExpressionStatement" ? child(st, "expression") : undefined;
    if (e?.nodeType !== "Assignment" || str(e, "operator") !== "=") continue;
    const rhs = child(e, "rightHandSide");
    const value = rhs?.nodeType === "Literal" && str(rhs, "kind") === "bool" ? str(rhs, "value") : undefined;
    const lhs = child(e, "leftHandSide");
    if (!value || !lhs || !isStateVariable(baseDeclaration(program, lhs))) continue;
    const key = program.text(lhs).replace(/\s+/g, "");
    const first = seen.get(key);
    // ...a lock the function checks first (`require(slot0Start.unlocked, 'LOK')`, on a copy of the same field)
    const name = key.split(/[.[\]]/).filter(Boolean).pop() ?? key;
    const checked = guardConditions(program, body).some((g) => new RegExp(`\\b${name}\\b`).test(program.text(g.cond)));
    if (first !== undefined && first !== value && checked) return true;
    if (first === undefined) seen.set(key, value);
  }
  return false;
}

function isMutexModifier(program: Program, mod: AstNode): boolean {
  const body = child(mod, "body");
  if (!body) return false;
  const statements = list(body, "statements");
  const placeholder = statements.findIndex((s) => s.nodeType === "PlaceholderStatement");
  if (placeholder < 0) return false;
  const before = statements.slice(0, placeholder);
  const after = statements.slice(placeholder + 1);
  const written = (ss: AstNode[]): Set<string> => {
    const out = new Set<string>();
    for (const s of ss) {
      const e = child(s, "expression");
      if (e?.nodeType === "Assignment") out.add(program.text(child(e, "leftHandSide")!).replace(/\s+/g, ""));
    }
    return out;
  };
  const w1 = written(before);
  const w2 = written(after);
  for (const k of w1) if (w2.has(k)) return true;
  return false;
}

export function hasInitializerModifier(fn: AstNode): boolean {
  return list(fn, "modifiers").some((inv) => INITIALIZER_MODIFIER.test(modifierName(inv)));
}

export function modifierNames(fn: AstNode): string[] {
  return list(fn, "modifiers").map(modifierName);
}

/**
 * Whether the records behind a storage reference (`poolInfo[_pid]`) — or, when `field` is given, that field of them
 * (`pool.lpToken`) — are only ever written by the constructor or by functions restricted to privileged callers: their
 * contents are the owner's choice. Writes to other fields (`pool.accRewardPerShare` in a public update) do not count.
 */
export function recordsByPrivileged(program: Program, expr: AstNode | undefined, context: AstNode, field?: string): boolean {
  const rootOf = (x: AstNode | undefined): { decl?: AstNode; members: string[] } => {
    const members: string[] = [];
    let e = stripConversions(x);
    while (e && (e.nodeType === "IndexAccess" || e.nodeType === "MemberAccess")) {
      if (e.nodeType === "MemberAccess") members.unshift(str(e, "memberName") ?? "");
      e = stripConversions(child(e, e.nodeType === "IndexAccess" ? "baseExpression" : "expression"));
    }
    return { decl: e?.nodeType === "Identifier" ? program.declOf(e) : undefined, members };
  };
  const base = rootOf(expr).decl;
  if (!base || base.stateVariable !== true) return false;
  // a write whose path names another field leaves `field` alone
  const touches = (members: string[]): boolean => field === undefined || members.length === 0 || members[0] === field;
  for (const c of program.linearized(context)) {
    for (const fn of list(c, "nodes").filter((n) => n.nodeType === "FunctionDefinition")) {
      const body = child(fn, "body");
      if (!body || str(fn, "kind") === "constructor") continue;
      const writes = findAll(body, "Assignment", "UnaryOperation", "FunctionCall").some((n) => {
        const w = writtenStateVariable(program, n);
        if (w?.decl === base) return touches(rootOf(w.lhs).members);
        // through a local storage reference into the records (`PoolInfo storage p = poolInfo[i]; p.x = …`)
        if (n.nodeType !== "Assignment") return false;
        const { decl: local, members } = rootOf(child(n, "leftHandSide"));
        if (!local || local.stateVariable === true || str(local, "storageLocation") !== "storage") return false;
        const target = rootOf(initialValueOf(program, local));
        return target.decl === base && touches([...target.members, ...members]);
      });
      if (writes && !isAccessControlled(program, fn, context)) return false;
    }
  }
  return true;
}
