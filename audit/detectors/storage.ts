/**
 * Storage that an operation does not reach although the code reads as if it did.
 *
 * `mapping-deletion` — `delete` resets a struct member by member but cannot clear a mapping (it has no list of its
 * keys): `delete users[id]` where `User` holds `mapping(address => uint256) allowance` (directly, in a nested struct, in
 * an array of structs, or inside an OpenZeppelin `EnumerableSet`/`EnumerableMap`) leaves every allowance in place. When
 * the record is re-created under the same key, or the old key is read, the entries come back. Silent when the same
 * function clears the mapping before the delete: a loop that deletes/zeroes `users[id].allowance[k]` (also through a
 * storage pointer to the record, or in a helper it calls), or `.remove(…)` in a loop / `.clear()` for an Enumerable
 * set. Low when only privileged callers reach the delete.
 *
 * `array-by-reference` — a `memory` variable is a copy. Two shapes lose a write meant for storage:
 *  - a storage array or struct passed to a function whose parameter is `memory`, which writes an element or a field
 *    of it (`_credit(balances, i, x)` with `function _credit(uint256[] memory b, …) { b[i] += x; }`);
 *  - a local `memory` copy of storage written and dropped (`Position memory p = positions[id]; p.amount -= x;`), also
 *    written by a helper that takes it by `memory` (`Config memory c = config; c.setFrozen(true);`).
 * The write is lost when nothing uses the copy afterwards: it is not stored back (`positions[id] = p`), returned,
 * passed on whole (to a helper, an external call, an assignment), and the written element or field is not read again
 * (a scratch copy that is sorted and then read is intended). Events do not count as a use: emitting the modified copy
 * while storage keeps the old value is the bug. View and pure callers, and a callee that returns the copy (or a pure
 * helper that returns a result) to a caller that uses the result, are not reported.
 *
 * `storage-pointer-reassign` — assigning to a local `storage` reference repoints the reference, it copies nothing:
 * `User storage u = users[index]; … u = users[users.length - 1]; users.pop();` (swap-and-pop written with the
 * pointer) leaves `users[index]` as it was and drops the last entry. Reported when the reference, first taken from
 * an element of a state array or mapping, is reassigned (outside any loop: a loop walking a linked list repoints on
 * purpose) to another element of the same state variable.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { isAuthCondition, isAuthModifier } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  effectiveFunctions,
  exprKey,
  functionKind,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isLibraryFunction,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
  stripParens,
  unwrapCallOptions,
  writtenStateVariable,
} from "../ast/semantics";
import type { Confidence, Severity } from "../types";
import { displayName, linesIn, type Detector, type DetectorContext } from "./detector";

// ---------------------------------------------------------------------------------------------- shared helpers

const LOOPS = ["ForStatement", "WhileStatement", "DoWhileStatement"];

function typeId(node: AstNode | undefined): string {
  const td = node?.typeDescriptions as { typeIdentifier?: unknown } | undefined;
  return typeof td?.typeIdentifier === "string" ? td.typeIdentifier : "";
}

/** The struct a type identifier names, past any array layers (`t_array$_t_struct$_S_$18_storage_$dyn_storage` → S). */
function structOfType(program: Program, id: string): { struct: AstNode; arrays: number } | undefined {
  let t = id;
  let arrays = 0;
  while (t.startsWith("t_array$_")) {
    t = t.slice("t_array$_".length);
    arrays++;
  }
  const m = /^t_struct\$_.+?_\$(\d+)(_|$)/.exec(t);
  if (!m) return undefined;
  const struct = program.byId(Number(m[1]));
  return struct?.nodeType === "StructDefinition" ? { struct, arrays } : undefined;
}

/** `Identifier`/`MemberAccess`/`IndexAccess` chain: the next expression towards the root, or undefined. */
function baseOf(n: AstNode): AstNode | undefined {
  if (n.nodeType === "MemberAccess") return child(n, "expression");
  if (n.nodeType === "IndexAccess" || n.nodeType === "IndexRangeAccess") return child(n, "baseExpression");
  return undefined;
}

function inLoopWithin(program: Program, node: AstNode, stop: AstNode): AstNode | undefined {
  let cur = program.parent(node);
  while (cur && cur !== stop) {
    if (LOOPS.includes(cur.nodeType)) return cur;
    cur = program.parent(cur);
  }
  return undefined;
}

function shortText(program: Program, n: AstNode): string {
  const t = program.text(n).replace(/\s+/g, " ");
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

/** The functions (with a body) declared in the scanned file: contract members and free functions. */
function functionsInFile(ctx: DetectorContext): AstNode[] {
  return findAll(ctx.file.ast, "FunctionDefinition").filter((f) => child(f, "body") !== undefined);
}

/** The callee's parameters matched with a call's arguments (a `using … for` call binds its base as the first). */
function boundArguments(program: Program, call: AstNode, callee: AstNode): { arg: AstNode; param: AstNode }[] {
  const args = list(call, "arguments");
  const params = parameters(callee);
  let all = args;
  if (params.length === args.length + 1) {
    const c = unwrapCallOptions(child(call, "expression")).callee;
    const base = c?.nodeType === "MemberAccess" ? child(c, "expression") : undefined;
    if (!base || !isLibraryFunction(program, callee)) return [];
    all = [base, ...args];
  }
  if (list(call, "names").length > 0) {
    const names = (call.names as unknown[]).map(String);
    return args.flatMap((arg, i) => {
      const param = params.find((p) => str(p, "name") === names[i]);
      return param ? [{ arg, param }] : [];
    });
  }
  return all.flatMap((arg, i) => (params[i] ? [{ arg, param: params[i]! }] : []));
}

/** An index that names a fixed slot or the caller: a literal, a constant (`roles[ADMIN]`), msg.sender. */
function fixedOrSenderIndex(program: Program, idx: AstNode | undefined, isSender: (n: AstNode | undefined) => boolean): boolean {
  const e = stripConversions(idx);
  if (!e) return true;
  if (isSender(e) || e.nodeType === "Literal") return true;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d?.nodeType === "VariableDeclaration" && d.stateVariable === true && isConstantVariable(d);
  }
  // keccak256("ADMIN")
  return e.nodeType === "FunctionCall" && builtinCallName(program, e) !== undefined && list(e, "arguments").every((a) => fixedOrSenderIndex(program, a, isSender));
}

/** Whether an expression reads one record of many: `accounts[id].holder`, or `a.holder` after `Account storage a = accounts[id]`. */
function perRecord(program: Program, expr: AstNode, isSender: (n: AstNode | undefined) => boolean, depth: number): boolean {
  if (findAll(expr, "IndexAccess").some((ia) => !fixedOrSenderIndex(program, child(ia, "indexExpression"), isSender))) return true;
  if (depth >= 3) return false;
  return findAll(expr, "Identifier").some((id) => {
    const d = program.declOf(id);
    if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true || str(d, "storageLocation") !== "storage") return false;
    const init = initialValueOf(program, d);
    return init !== undefined && perRecord(program, init, isSender, depth + 1);
  });
}

/**
 * Whether a callable lets only privileged accounts through: an owner/role check (a modifier, a guard, a helper such
 * as `_checkOwner()` / `_checkRole(role, _msgSender())`). A check against the holder of one record (`require(
 * accounts[id].holder == msg.sender)`) is no privilege: anyone can hold a record.
 */
function privilegedOnly(program: Program, callable: AstNode, contract: AstNode, senderParams: Set<AstNode>, depth: number): boolean {
  const body = child(callable, "body");
  if (!body) return false;
  const isSender = (n: AstNode | undefined): boolean => {
    if (isSenderLike(program, n)) return true;
    const e = stripConversions(n);
    const d = e?.nodeType === "Identifier" ? program.declOf(e) : undefined;
    return d !== undefined && senderParams.has(d);
  };
  for (const g of guardConditions(program, body)) {
    const stops = g.node.nodeType === "IfStatement" && stopsExecution(program, child(g.node, "trueBody"));
    if (!isAuthCondition(program, g.cond, isSender, 0, !stops)) continue;
    if (!perRecord(program, g.cond, isSender, 0)) return true;
  }
  if (depth >= 4) return false;
  for (const inv of list(callable, "modifiers")) {
    const mod = modifierOf(program, inv, contract);
    if (mod ? mod !== callable && privilegedOnly(program, mod, contract, new Set(), depth + 1) : isAuthModifier(inv)) return true;
  }
  for (const stmt of findAll(body, "ExpressionStatement")) {
    const e = child(stmt, "expression");
    const callee = e?.nodeType === "FunctionCall" ? internalCallee(program, e, contract) : undefined;
    if (!callee || callee === callable || !child(callee, "body")) continue;
    const params = parameters(callee);
    const passed = new Set(list(e, "arguments").flatMap((a, i) => (isSender(a) && params[i] ? [params[i]!] : [])));
    if (privilegedOnly(program, callee, contract, passed, depth + 1)) return true;
  }
  return false;
}

/**
 * Whether only privileged callers reach `fn`: it checks itself, or every entry point of `contract` that runs it
 * (directly or through internal calls a few levels deep) does, or only the constructor runs it. A function no entry
 * point reaches counts as unrestricted.
 */
function onlyPrivilegedReach(program: Program, fn: AstNode, contract: AstNode | undefined): boolean {
  if (!contract) return false;
  if (privilegedOnly(program, fn, contract, new Set(), 0)) return true;
  if (isEntryPoint(fn)) return false;
  const reaching: AstNode[] = [];
  for (const entry of [...effectiveFunctions(program, contract), ...program.linearized(contract).flatMap((c) => list(c, "nodes").filter((n) => n.nodeType === "FunctionDefinition" && functionKind(n) === "constructor"))]) {
    if (!isEntryPoint(entry) && functionKind(entry) !== "constructor") continue;
    if (!child(entry, "body")) continue;
    const seen = new Set<AstNode>([entry]);
    let frontier = [entry];
    let found = false;
    for (let depth = 0; depth < 5 && frontier.length > 0 && !found; depth++) {
      const next: AstNode[] = [];
      for (const f of frontier) {
        for (const call of findAll(child(f, "body")!, "FunctionCall")) {
          const callee = internalCallee(program, call, contract);
          if (!callee || seen.has(callee) || !child(callee, "body")) continue;
          if (callee === fn) found = true;
          seen.add(callee);
          next.push(callee);
        }
      }
      frontier = next;
    }
    if (found) reaching.push(entry);
  }
  return reaching.length > 0 && reaching.every((e) => functionKind(e) === "constructor" || privilegedOnly(program, e, contract, new Set(), 0));
}

/**
 * A key for the storage place an lvalue names, the same for `users[id].allowance` and `u.allowance` after
 * `User storage u = users[id]`; `env` maps a helper's parameters to the caller's argument keys.
 */
function placeKey(program: Program, expr: AstNode | undefined, env: Map<AstNode, string> = new Map(), depth = 0): string {
  const e = stripParens(expr);
  if (!e) return "?";
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (d && env.has(d)) return env.get(d)!;
    if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true && str(d, "storageLocation") === "storage" && depth < 4) {
      const init = initialValueOf(program, d);
      if (init) return placeKey(program, init, env, depth + 1);
    }
    return str(e, "name") ?? "?";
  }
  if (e.nodeType === "MemberAccess") return `${placeKey(program, child(e, "expression"), env, depth)}.${str(e, "memberName") ?? ""}`;
  if (e.nodeType === "IndexAccess") return `${placeKey(program, child(e, "baseExpression"), env, depth)}[${placeKey(program, child(e, "indexExpression"), env, depth)}]`;
  return exprKey(program, e);
}

// ---------------------------------------------------------------------------------------------- mapping-deletion

interface InnerMapping {
  /** Member names from the deleted struct down to the mapping; "[]" for an array layer. */
  path: string[];
  /** `EnumerableSet.AddressSet` when the mapping is inside an OpenZeppelin Enumerable* struct. */
  enumerable?: string;
}

function mappingsInStruct(program: Program, struct: AstNode, prefix: string[], seen: Set<AstNode>): InnerMapping[] {
  if (seen.has(struct)) return [];
  seen.add(struct);
  const out: InnerMapping[] = [];
  for (const member of list(struct, "members")) {
    out.push(...mappingsInType(program, child(member, "typeName"), [...prefix, str(member, "name") ?? "?"], seen));
  }
  seen.delete(struct);
  return out;
}

function mappingsInType(program: Program, tn: AstNode | undefined, path: string[], seen: Set<AstNode>): InnerMapping[] {
  if (!tn) return [];
  if (tn.nodeType === "Mapping") return [{ path }];
  if (tn.nodeType === "ArrayTypeName") return mappingsInType(program, child(tn, "baseType"), [...path, "[]"], seen);
  if (tn.nodeType === "UserDefinedTypeName") {
    const decl = program.declOf(tn) ?? program.declOf(child(tn, "pathNode"));
    if (decl?.nodeType !== "StructDefinition") return [];
    const owner = program.contractOf(decl);
    const ownerName = owner ? str(owner, "name") ?? "" : "";
    if (owner && str(owner, "contractKind") === "library" && /^Enumerable/.test(ownerName)) {
      return mappingsInStruct(program, decl, path, seen).length > 0 ? [{ path, enumerable: `${ownerName}.${str(decl, "name")}` }] : [];
    }
    return mappingsInStruct(program, decl, path, seen);
  }
  return [];
}

function pathText(path: string[]): string {
  return path.map((p) => (p === "[]" ? "[i]" : `.${p}`)).join("");
}

/** A regex for the key of the mapping (or set) `target` + path; array layers match any index. */
function pathPattern(targetKey: string, path: string[]): RegExp {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${esc(targetKey)}${path.map((p) => (p === "[]" ? "\\[[^\\]]*\\]" : esc(`.${p}`))).join("")}$`);
}

/**
 * Whether `root` (the function before the delete, and helpers it calls there) clears the mapping whose key matches
 * `pattern`: in a loop, `delete m[k]` / `m[k] = …` on it (or on a nested level of it); for an Enumerable set,
 * `.remove(…)` in a loop or `.clear()`.
 */
function clears(program: Program, fn: AstNode, before: AstNode, pattern: RegExp, enumerable: boolean, env: Map<AstNode, string>, depth: number): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  const contract = program.contractOf(fn);
  for (const n of findAll(body, "UnaryOperation", "Assignment", "FunctionCall")) {
    if (program.fileOf(n) === program.fileOf(before) && program.callableOf(before) === fn && !program.before(n, before)) continue;
    const loop = inLoopWithin(program, n, body);
    if (n.nodeType === "FunctionCall") {
      const callee = unwrapCallOptions(child(n, "expression")).callee;
      const member = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : undefined;
      if (enumerable && callee && (member === "clear" || (member === "remove" && loop))) {
        const bound = child(callee, "expression");
        const first = list(n, "arguments")[0];
        // set.remove(x) bound through `using`, or EnumerableSet.remove(set, x)
        if ((bound && pattern.test(placeKey(program, bound, env))) || (first && pattern.test(placeKey(program, first, env)))) return true;
      }
      const target = depth < 2 ? internalCallee(program, n, contract) : undefined;
      if (target && target !== fn && child(target, "body")) {
        const inner = new Map(env);
        for (const { arg, param } of boundArguments(program, n, target)) inner.set(param, placeKey(program, arg, env));
        if (clears(program, target, before, pattern, enumerable, inner, depth + 1)) return true;
      }
      continue;
    }
    if (!loop) continue;
    let lhs: AstNode | undefined;
    if (n.nodeType === "Assignment") lhs = child(n, "leftHandSide");
    else if (str(n, "operator") === "delete") lhs = child(n, "subExpression");
    for (let cur = stripParens(lhs); cur && cur.nodeType === "IndexAccess"; cur = stripParens(child(cur, "baseExpression"))) {
      if (pattern.test(placeKey(program, child(cur, "baseExpression"), env))) return true;
    }
  }
  return false;
}

export const mappingDeletion: Detector = {
  id: "mapping-deletion",
  category: "other",
  title: "`delete` of a struct that contains a mapping: the mapping's entries survive",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (!file.typed) return;
    for (const del of findAll(file.ast, "UnaryOperation")) {
      if (str(del, "operator") !== "delete") continue;
      const target = child(del, "subExpression");
      const fn = program.callableOf(del);
      if (!target || !fn) continue;
      const found = structOfType(program, typeId(target));
      if (!found) continue;
      const inner = mappingsInStruct(program, found.struct, Array<string>(found.arrays).fill("[]"), new Set());
      if (inner.length === 0) continue;
      const key = placeKey(program, target);
      const left = inner.filter((m) => !clears(program, fn, del, pathPattern(key, m.path), m.enumerable !== undefined, new Map(), 0));
      if (left.length === 0) continue;

      const contract = program.contractOf(del);
      const privileged = fn.nodeType === "FunctionDefinition" && onlyPrivilegedReach(program, fn, contract);
      const severity: Severity = privileged ? "low" : "medium";
      const structName = str(found.struct, "name") ?? "struct";
      const targetText = shortText(program, target);
      const described = left.map((m) => {
        const where = `\`${targetText}${pathText(m.path)}\``;
        return m.enumerable ? `${where} (an ${m.enumerable}, whose internal mapping also survives)` : where;
      });
      const enumerableOnly = left.every((m) => m.enumerable !== undefined);
      const first = left[0]!;
      const innerPath = `${targetText}${pathText(first.path)}`;
      ctx.report({
        detector: "mapping-deletion",
        category: "other",
        severity,
        confidence: enumerableOnly ? "medium" : "high",
        lines: linesIn(program, file, [del]),
        contract: contract ? str(contract, "name") : undefined,
        function: displayName(fn),
        message:
          `\`delete ${targetText}\` resets the ${found.arrays > 0 ? `${structName} elements` : structName} but not the mapping${left.length === 1 ? "" : "s"} inside: ` +
          `${described.join(", ")} keep${left.length === 1 ? "s" : ""} every entry. When the record is created again under the same key, ` +
          "or the old key is read, the old balances, approvals or flags come back" +
          (enumerableOnly ? " (an Enumerable set's length is reset but its position index is not, so it can report members it no longer lists)" : "") +
          "." +
          (privileged ? " Only privileged callers reach this delete, which lowers the risk." : ""),
        remediation:
          "`delete` cannot clear a mapping. Clear the inner entries first (keep their keys in an array, or use an EnumerableSet and " +
          "remove every member), or key the mapping by a record version / nonce that changes when the record is re-created:\n" +
          "```solidity\n" +
          (first.enumerable
            ? `while (${innerPath}.length() > 0) ${innerPath}.remove(${innerPath}.at(0));\ndelete ${targetText};\n`
            : `for (uint256 i = 0; i < keys.length; i++) delete ${innerPath}[keys[i]];\ndelete ${targetText};\n`) +
          "```\nIf the entries are meant to survive, document it and never read them through a re-created record.",
        swc: [],
      });
    }
  },
};

// ---------------------------------------------------------------------------------------------- array-by-reference

/** A value whose loss costs funds or control. */
const VALUE_NAME = /amount|balance|owner|admin|debt|share|stake|reward|deposit|supply|credit|collateral|allowance|claimed|paid|fund|price|total|locked|vest|principal/i;

interface CopyWrite {
  /** The assignment / ++ / delete. */
  node: AstNode;
  /** The first member written (`amount` of `p.amount`), "[]" for an element. */
  first: string;
  /** The written lvalue's text. */
  text: string;
}

/** The chain from an lvalue down to its root identifier: [root, first access, …]. */
function chainOf(expr: AstNode | undefined): AstNode[] {
  const out: AstNode[] = [];
  let cur = stripParens(expr);
  while (cur) {
    out.unshift(cur);
    const next = baseOf(cur);
    cur = next ? stripParens(next) : undefined;
  }
  return out;
}

function firstStep(chain: AstNode[]): string | undefined {
  const step = chain[1];
  if (!step) return undefined;
  return step.nodeType === "MemberAccess" ? str(step, "memberName") : "[]";
}

/** Writes to an element or a field of the memory variable `decl` in `root`: `a[i] = …`, `p.x += …`, `p.x++`, `delete a[i]`. */
function writesThrough(program: Program, root: AstNode, decl: AstNode): CopyWrite[] {
  const out: CopyWrite[] = [];
  const consider = (node: AstNode, lhs: AstNode | undefined): void => {
    const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : lhs ? [lhs] : [];
    for (const t of targets) {
      const chain = chainOf(t);
      const root0 = chain[0];
      if (chain.length < 2 || root0?.nodeType !== "Identifier" || program.declOf(root0) !== decl) continue;
      if (chain.slice(1).some((c) => c.nodeType === "MemberAccess" && str(c, "memberName") === "length")) continue;
      out.push({ node, first: firstStep(chain)!, text: program.text(t).replace(/\s+/g, " ") });
    }
  };
  for (const n of findAll(root, "Assignment", "UnaryOperation")) {
    if (n.nodeType === "Assignment") consider(n, child(n, "leftHandSide"));
    else if (["++", "--", "delete"].includes(str(n, "operator") ?? "")) consider(n, child(n, "subExpression"));
  }
  return out;
}

/**
 * Calls that hand the whole memory variable `decl` to an internal function whose `memory` parameter it writes
 * (`cfg.setFrozen(true)` with `function setFrozen(Config memory self, bool f) internal pure { self.data = … }`):
 * the helper changes the same memory, so the call is a write of the copy.
 */
function writesByHelpers(program: Program, root: AstNode, decl: AstNode, contract: AstNode | undefined): CopyWrite[] {
  const out: CopyWrite[] = [];
  for (const call of findAll(root, "FunctionCall")) {
    const callee = internalCallee(program, call, contract);
    if (!callee || callee.nodeType !== "FunctionDefinition" || !child(callee, "body")) continue;
    for (const { arg, param } of boundArguments(program, call, callee)) {
      const a = stripParens(arg);
      if (a?.nodeType !== "Identifier" || program.declOf(a) !== decl || !isMemoryReference(param)) continue;
      const inner = writesThrough(program, child(callee, "body")!, param);
      if (inner.length === 0) continue;
      out.push({ node: call, first: "*", text: program.text(call).replace(/\s+/g, " ") });
      break;
    }
  }
  return out;
}

interface Fate {
  /** The copy is used whole after a write (stored, passed on, copied), or a written part is read again or stored. */
  kept: boolean;
  /** The copy is returned (a `return` of it, or it is a named return variable). */
  returned: boolean;
}

/** Whether `node` is (inside) the left-hand side of a plain `=` or the operand of `delete`: not a read. */
function isPureWriteTarget(program: Program, node: AstNode): boolean {
  let cur = node;
  for (let p = program.parent(cur); p; cur = p, p = program.parent(p)) {
    if (p.nodeType === "Assignment") return child(p, "leftHandSide") === cur && str(p, "operator") === "=";
    if (p.nodeType === "UnaryOperation" && str(p, "operator") === "delete") return true;
    if (p.nodeType === "TupleExpression") continue;
    if (baseOf(p) !== cur) return false;
  }
  return false;
}

/** What becomes of the memory variable `decl` in `fn` after the `writes`. */
function fateOf(program: Program, fn: AstNode, decl: AstNode, writes: CopyWrite[]): Fate {
  const fate: Fate = { kept: false, returned: list(child(fn, "returnParameters"), "parameters").includes(decl) };
  const body = child(fn, "body")!;
  const declLoop = inLoopWithin(program, decl, body);
  const writeNodes = new Set(writes.map((w) => w.node));
  const writtenFirst = new Set(writes.map((w) => w.first));
  const after = (ref: AstNode): boolean =>
    writes.some((w) => {
      if (program.contains(w.node, ref)) return false;
      if (program.before(w.node, ref)) return true;
      // a write in a loop reaches reads earlier in the loop body on the next round (a variable declared outside it)
      const loop = inLoopWithin(program, w.node, body);
      return loop !== undefined && loop !== declLoop && (!declLoop || program.contains(declLoop, loop)) && program.contains(loop, ref);
    });
  for (const ref of findAll(body, "Identifier")) {
    if (program.declOf(ref) !== decl) continue;
    if (program.ancestor(ref, "EmitStatement")) continue; // an event does not keep the value
    const chain: AstNode[] = [ref];
    let top = ref;
    for (let p = program.parent(top); p && baseOf(p) === top; p = program.parent(top)) {
      chain.push(p);
      top = p;
    }
    if (isPureWriteTarget(program, ref)) continue;
    // `copy.helper(…)` with a bound library function hands the whole copy over, like `helper(copy, …)`
    const boundCall = chain.length === 2 && chain[1]!.nodeType === "MemberAccess" && program.declOf(chain[1])?.nodeType === "FunctionDefinition";
    if (chain.length === 1 || boundCall) {
      // the whole copy
      const parent = program.parent(boundCall ? chain[1]! : ref);
      if (parent?.nodeType === "Return" || (parent?.nodeType === "TupleExpression" && program.parent(parent)?.nodeType === "Return")) {
        fate.returned = true;
        continue;
      }
      if (parent && writeNodes.has(parent)) continue; // handed to a helper that writes it: the write itself
      if (!after(ref)) continue;
      if (parent?.nodeType === "FunctionCall" && builtinCallName(program, parent) !== undefined && !/^abi\./.test(builtinCallName(program, parent)!)) continue;
      fate.kept = true;
      continue;
    }
    const step = firstStep(chain);
    if (step === "length" || !step || (!writtenFirst.has(step) && !writtenFirst.has("*"))) continue;
    if (!after(ref)) continue;
    // a read of what was written: compound assignments and ++ read their own target
    if ([...writeNodes].some((w) => program.contains(w, ref) && (w.nodeType === "UnaryOperation" || stripParens(child(w, "leftHandSide")) === top))) continue;
    fate.kept = true;
  }
  return fate;
}

/** Whether a storage write (anything `writtenStateVariable` recognises) takes its value from the copy: persisted by hand. */
function persistedByHand(program: Program, fn: AstNode, decl: AstNode): boolean {
  for (const a of findAll(child(fn, "body")!, "Assignment")) {
    const rhs = child(a, "rightHandSide");
    if (!rhs || !writtenStateVariable(program, a)) continue;
    if (findAll(rhs, "Identifier").some((i) => program.declOf(i) === decl)) return true;
  }
  return false;
}

/** A storage reference of a reference type: a state array/struct, an element of one, a storage pointer. */
function isStorageReference(node: AstNode | undefined): boolean {
  const id = typeId(node);
  const t = typeString(node) ?? "";
  if (!/^t_(array|struct|bytes_storage)/.test(id)) return false;
  return /storage (ref|pointer)$/.test(t) || /_storage(_ptr)?$/.test(id);
}

function isMemoryReference(decl: AstNode): boolean {
  const id = typeId(decl);
  if (!/^t_(array|struct|bytes_memory)/.test(id)) return false;
  const loc = str(decl, "storageLocation");
  // before 0.5 a parameter without a location is a memory copy
  return loc === "memory" || (loc === "default" && /_memory(_ptr)?$/.test(id));
}

/** A declaration's type as written (`Position`, `uint256[]`), for code suggestions. */
function typeText(program: Program, decl: AstNode, kind: string): string {
  const tn = child(decl, "typeName");
  const t = tn ? program.text(tn).replace(/\s+/g, " ") : "";
  return t || (kind === "struct" ? "MyStruct" : "uint256[]");
}

function severityOf(names: string[]): Severity {
  return names.some((n) => VALUE_NAME.test(n)) ? "high" : "medium";
}

export const arrayByReference: Detector = {
  id: "array-by-reference",
  category: "other",
  title: "a storage array or struct changed through a `memory` copy (parameter or local): the write never reaches storage",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (!file.typed) return;
    for (const fn of functionsInFile(ctx)) {
      if (isReadOnly(fn)) continue;
      const contract = program.contractOf(fn);
      const body = child(fn, "body")!;

      // 1. a storage array/struct passed to a memory parameter that the callee writes
      for (const call of findAll(body, "FunctionCall")) {
        const callee = internalCallee(program, call, contract);
        if (!callee || callee.nodeType !== "FunctionDefinition" || !child(callee, "body")) continue;
        for (const { arg, param } of boundArguments(program, call, callee)) {
          if (!isStorageReference(arg) || !isMemoryReference(param)) continue;
          const writes = writesThrough(program, child(callee, "body")!, param);
          if (writes.length === 0) continue;
          const fate = fateOf(program, callee, param, writes);
          if (fate.kept || persistedByHand(program, callee, param)) continue;
          const resultUsed = program.parent(call)?.nodeType !== "ExpressionStatement";
          const returnsSomething = list(child(callee, "returnParameters"), "parameters").length > 0;
          if (resultUsed && (fate.returned || (isReadOnly(callee) && returnsSomething))) continue;
          const argText = shortText(program, arg);
          const paramName = str(param, "name") ?? "the parameter";
          const kind = /^t_struct/.test(typeId(arg)) ? "struct" : "array";
          const calleeName = displayName(callee) ?? "the callee";
          const writeTexts = [...new Set(writes.map((w) => `\`${w.text}\``))].slice(0, 3);
          const severity = severityOf([argText, paramName, ...writes.map((w) => w.text)]);
          ctx.report({
            detector: "array-by-reference",
            category: "other",
            severity,
            confidence: "high",
            lines: linesIn(program, file, [call, ...writes.map((w) => w.node)]),
            contract: contract ? str(contract, "name") : undefined,
            function: displayName(fn),
            message:
              `\`${shortText(program, call)}\` passes the storage ${kind} \`${argText}\` to ${calleeName}(), whose parameter \`${paramName}\` is \`memory\`: ` +
              `the call works on a copy, so ${writeTexts.join(", ")} in ${calleeName}() never reach${writeTexts.length === 1 ? "es" : ""} \`${argText}\`` +
              (fate.returned ? ` (${calleeName}() returns the copy, but the caller drops it)` : "") +
              ". The caller's storage keeps the old value.",
            remediation:
              `Declare the parameter \`storage\` so that ${calleeName}() writes the caller's ${kind} (internal and private functions may take storage references), ` +
              "or return the modified copy and store it back:\n```solidity\n" +
              `function ${calleeName}(${typeText(program, param, kind)} storage ${paramName}, …) internal { … }\n` +
              `// or: ${argText} = ${calleeName}(${argText}, …); // with \`returns (… memory)\`\n` +
              "```",
            swc: [],
          });
        }
      }

      // 2. a local memory copy of storage written and dropped
      for (const decl of findAll(body, "VariableDeclaration")) {
        if (!isMemoryReference(decl)) continue;
        const copies: AstNode[] = [];
        const init = initialValueOf(program, decl);
        if (init && isStorageReference(init)) copies.push(init);
        for (const a of findAll(body, "Assignment")) {
          const lhs = stripParens(child(a, "leftHandSide"));
          const rhs = child(a, "rightHandSide");
          if (lhs?.nodeType === "Identifier" && program.declOf(lhs) === decl && str(a, "operator") === "=" && isStorageReference(rhs)) copies.push(rhs!);
        }
        if (copies.length === 0) continue;
        const firstCopy = copies[0]!;
        const writes = [...writesThrough(program, body, decl), ...writesByHelpers(program, body, decl, contract)]
          .filter((w) => program.before(firstCopy, w.node))
          .sort((a, b) => (program.before(a.node, b.node) ? -1 : 1));
        if (writes.length === 0) continue;
        const fate = fateOf(program, fn, decl, writes);
        if (fate.kept || fate.returned || persistedByHand(program, fn, decl)) continue;
        reportLocal(ctx, fn, decl, firstCopy, writes);
      }
      // return-parameter copies are returned by construction; parameters are the caller's (variant 1)
    }
  },
};

function reportLocal(ctx: DetectorContext, fn: AstNode, decl: AstNode, source: AstNode, writes: CopyWrite[]): void {
  const { program, file } = ctx;
  const contract = program.contractOf(fn);
  const name = str(decl, "name") ?? "copy";
  const sourceText = shortText(program, source);
  const kind = /^t_struct/.test(typeId(decl)) ? "struct" : "array";
  const writeTexts = [...new Set(writes.map((w) => `\`${w.text}\``))].slice(0, 3);
  const copyStmt = program.ancestor(source, "VariableDeclarationStatement", "ExpressionStatement") ?? source;
  const severity = severityOf([sourceText, name, ...writes.map((w) => w.text)]);
  const confidence: Confidence = "high";
  ctx.report({
    detector: "array-by-reference",
    category: "other",
    severity,
    confidence,
    lines: linesIn(program, file, [copyStmt, ...writes.map((w) => w.node)]),
    contract: contract ? str(contract, "name") : undefined,
    function: displayName(fn),
    message:
      `\`${name}\` is a \`memory\` copy of the storage ${kind} \`${sourceText}\`; ${writeTexts.join(", ")} change${writeTexts.length === 1 ? "s" : ""} only the copy, ` +
      `which ${displayName(fn)}() never stores back or returns. \`${sourceText}\` keeps the old value after the transaction.`,
    remediation:
      "Point at storage instead of copying it, so that the writes land there:\n```solidity\n" +
      `${typeText(program, decl, kind)} storage ${name} = ${sourceText};\n` +
      "```\nor store the copy back when you are done with it: " +
      `\`${sourceText} = ${name};\`.`,
    swc: [],
  });
}


// ------------------------------------------------------------------------------------------ storage-pointer-reassign

function contractName(program: Program, fn: AstNode): string | undefined {
  const c = program.contractOf(fn);
  return c ? str(c, "name") : undefined;
}

const LOOP_NODES = new Set(["ForStatement", "WhileStatement", "DoWhileStatement"]);

function insideLoop(program: Program, node: AstNode, body: AstNode): boolean {
  for (let p = program.parent(node); p && p !== body; p = program.parent(p)) if (LOOP_NODES.has(p.nodeType)) return true;
  return false;
}

export const storagePointerReassign: Detector = {
  id: "storage-pointer-reassign",
  category: "other",
  title: "A local storage reference reassigned where a copy was meant (swap-and-pop that only repoints the pointer)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const fn of functionsInFile(ctx)) {
      const body = child(fn, "body")!;
      for (const a of findAll(body, "Assignment")) {
        if (str(a, "operator") !== "=") continue;
        const lhs = stripParens(child(a, "leftHandSide"));
        if (lhs?.nodeType !== "Identifier") continue;
        const decl = program.declOf(lhs);
        if (decl?.nodeType !== "VariableDeclaration" || decl.stateVariable === true || str(decl, "storageLocation") !== "storage") continue;
        if (!program.contains(body, decl) || insideLoop(program, a, body)) continue;
        const init = stripParens(initialValueOf(program, decl));
        const rhs = stripParens(child(a, "rightHandSide"));
        if (init?.nodeType !== "IndexAccess" || rhs?.nodeType !== "IndexAccess") continue;
        const base = baseDeclaration(program, init);
        if (!base || !isStateVariable(base) || baseDeclaration(program, rhs) !== base) continue;
        const name = str(decl, "name") ?? "the reference";
        const from = shortText(program, init);
        const to = shortText(program, rhs);
        ctx.report({
          detector: "storage-pointer-reassign",
          category: "other",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, [decl, a]),
          contract: contractName(program, fn),
          function: displayName(fn),
          message:
            `${displayName(fn)}() takes \`${name}\` as a storage reference to \`${from}\`, then assigns \`${name} = ${to}\`. That only ` +
            `points the local reference at another element: nothing is copied, \`${from}\` keeps its old value. If this is a ` +
            "swap-and-pop removal, the removed entry stays where it was (and can be used again) while the last entry is dropped.",
          remediation:
            "Write the element itself, not the local reference:\n```solidity\n" +
            "users[index] = users[users.length - 1];   // copy the last entry into the freed slot\nusers.pop();\n```",
        });
      }
    }
  },
};

export const STORAGE_DETECTORS: Detector[] = [mappingDeletion, arrayByReference, storagePointerReassign];
