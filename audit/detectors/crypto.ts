/**
 * Signatures, casts, hashing and balance assumptions (issue #18): `ecrecover` returning zero, signature malleability,
 * unsafe downcasts, `abi.encodePacked` hash collisions, forced-ether balance assumptions, callback reentrancy.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, span, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { walkFlowEvents, type OutgoingCall } from "../ast/flow";
import { checksCaller, hasReentrancyGuard, isAccessControlled, isAuthCondition, isAuthModifier } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  dependsOnInput,
  exprKey,
  isReassignedLocal,
  guardConditions,
  hasCheckedArithmetic,
  externalCall,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isConversion,
  isEntryPoint,
  isGlobal,
  isHashCall,
  isInCondition,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  memberOf,
  modifierOf,
  parameters,
  stopsExecution,
  stripConversions,
  stripParens,
  writtenStateVariable,
} from "../ast/semantics";
import type { Severity } from "../types";
import { reentrancy } from "./reentrancy";
import { RECEIVER_HOOK, runByStateChangingCode } from "./denialOfService";
import { callablesOf, contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext, type RawFinding } from "./detector";

// ------------------------------------------------------------------------------------------------ shared helpers

function startOf(node: AstNode): number {
  return span(node).start;
}

/** `0`, `address(0)`, `address(uint160(0))`, `bytes32(0)`. */
function isZeroLiteral(node: AstNode | undefined): boolean {
  const n = stripConversions(node);
  if (n?.nodeType !== "Literal") return false;
  const v = String(n.value ?? "");
  return /^(0x)?0+$/i.test(v);
}

function isNonZeroLiteral(node: AstNode | undefined): boolean {
  const n = stripConversions(node);
  return n?.nodeType === "Literal" && !isZeroLiteral(n);
}

/** Whether `root` reads a declaration of `decls` or contains a sub-expression whose text is one of `texts`. */
function mentions(program: Program, root: AstNode | undefined, decls: Set<AstNode>, texts: Set<string>): boolean {
  if (!root) return false;
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier") {
      const d = program.declOf(n);
      if (d && decls.has(d)) found = true;
    } else if ((n.nodeType === "MemberAccess" || n.nodeType === "IndexAccess") && texts.has(exprKey(program, n))) {
      found = true;
    }
    return undefined;
  });
  return found;
}

/**
 * Internal call sites of a function in the whole compilation: calls resolved to it, and calls of the base
 * functions it overrides (virtual dispatch may land in it).
 */
const callSiteCache = new WeakMap<Program, Map<AstNode, AstNode[]>>();
function callSitesOf(program: Program, fn: AstNode): AstNode[] {
  let index = callSiteCache.get(program);
  if (!index) {
    index = new Map();
    for (const f of program.files) {
      for (const c of findAll(f.ast, "FunctionCall")) {
        if (isConversion(c)) continue;
        const targets = new Set<AstNode>();
        const callee = internalCallee(program, c, program.contractOf(c));
        if (callee) targets.add(callee);
        const d = program.declOf(child(c, "expression"));
        if (d?.nodeType === "FunctionDefinition" && callee) targets.add(d);
        for (const t of targets) {
          const sites = index.get(t);
          if (sites) sites.push(c);
          else index.set(t, [c]);
        }
      }
    }
    callSiteCache.set(program, index);
  }
  const out = new Set(index.get(fn) ?? []);
  const contract = program.contractOf(fn);
  const name = str(fn, "name");
  const arity = parameters(fn).length;
  if (contract && name) {
    for (const base of program.linearized(contract).slice(1)) {
      for (const g of list(base, "nodes")) {
        if (g.nodeType === "FunctionDefinition" && str(g, "name") === name && parameters(g).length === arity) {
          for (const c of index.get(g) ?? []) out.add(c);
        }
      }
    }
  }
  return [...out];
}

/** Identifiers in `root` that refer to `decl`. */
function refsTo(program: Program, root: AstNode, decl: AstNode): AstNode[] {
  return findAll(root, "Identifier").filter((n) => program.declOf(n) === decl);
}

function returnParams(fn: AstNode): AstNode[] {
  return list(child(fn, "returnParameters"), "parameters");
}

/**
 * Whether only privileged callers reach a function. Stricter than `isAccessControlled`: `require(!claimed[msg.sender])`
 * (anyone who has not yet…) is no restriction, nor is a caller check on the very state in `exclude`.
 */
function isRestricted(program: Program, fn: AstNode, contract: AstNode, exclude: Set<AstNode> = new Set()): boolean {
  if (!isAccessControlled(program, fn, contract)) return false;
  for (const inv of list(fn, "modifiers")) {
    if (isAuthModifier(inv)) return true;
    const mod = modifierOf(program, inv, contract);
    if (mod && checksCaller(program, mod, contract)) return true;
  }
  const body = child(fn, "body");
  if (!body) return false;
  const isSender = (n: AstNode | undefined): boolean => isSenderLike(program, n);
  const auth = guardConditions(program, body).filter((g) => isAuthCondition(program, g.cond, isSender));
  if (auth.length === 0) return true; // through a helper such as _checkOwner()
  return auth.some((g) => {
    let c = stripParens(g.cond);
    let mustHold = g.node.nodeType !== "IfStatement" || !stopsExecution(program, child(g.node, "trueBody"));
    while (c?.nodeType === "UnaryOperation" && str(c, "operator") === "!") {
      c = stripParens(child(c, "subExpression"));
      mustHold = !mustHold;
    }
    // the caller must NOT be in the table: a once-per-address rule, not a role
    if (!mustHold && c?.nodeType === "IndexAccess") return false;
    return !mentions(program, g.cond, exclude, new Set());
  });
}

// ------------------------------------------------------------------------------------------------ value tracking

interface ValueUse {
  kind: "compare" | "index" | "argument";
  /** The comparison / index access / call that uses the value. */
  node: AstNode;
  /** For comparisons: the other operand. */
  other?: AstNode;
  /** For index uses: whether the indexed element is written. */
  written?: boolean;
  /** For arguments: the called function's name. */
  callName?: string;
}

interface ValueFlow {
  uses: ValueUse[];
  /** Declarations that hold the value (locals, parameters of helpers it is passed to, return variables). */
  aliases: Set<AstNode>;
  /** Callables the value passes through. */
  scopes: Set<AstNode>;
}

/**
 * Where the value of an expression goes: through parentheses and conversions, into locals, out of functions
 * through `return` (to their call sites) and into internal helpers through their parameters (bounded).
 */
function followValue(program: Program, start: AstNode, depth = 0, flow: ValueFlow = { uses: [], aliases: new Set(), scopes: new Set() }): ValueFlow {
  const scope = program.callableOf(start);
  if (scope) flow.scopes.add(scope);
  let cur = start;
  for (;;) {
    const p = program.parent(cur);
    if (!p) return flow;
    if (p.nodeType === "TupleExpression" && list(p, "components").length === 1) {
      cur = p;
      continue;
    }
    if (p.nodeType === "FunctionCall" && isConversion(p) && list(p, "arguments")[0] === cur) {
      cur = p;
      continue;
    }
    break;
  }
  const p = program.parent(cur);
  if (!p) return flow;
  const intoDecl = (decl: AstNode | undefined): void => {
    if (!decl || flow.aliases.has(decl)) return;
    flow.aliases.add(decl);
    const fn = program.callableOf(decl);
    if (!fn) return;
    const body = child(fn, "body");
    if (body) {
      for (const ref of refsTo(program, body, decl)) {
        const rp = program.parent(ref);
        // the left-hand side of an assignment is not a use
        if (rp?.nodeType === "Assignment" && child(rp, "leftHandSide") === ref) continue;
        followValue(program, ref, depth, flow);
      }
    }
    // a named return variable leaves the function
    if (returnParams(fn).includes(decl) && depth < 3) for (const site of callSitesOf(program, fn)) followValue(program, site, depth + 1, flow);
  };
  switch (p.nodeType) {
    case "MemberAccess": {
      // hash.toEthSignedMessageHash(), digest.recover(signature): a library function bound with `using for`
      const call = program.parent(p);
      if (call?.nodeType === "FunctionCall" && child(call, "expression") === p && child(p, "expression") === cur) {
        flow.uses.push({ kind: "argument", node: call, callName: str(p, "memberName") });
      }
      return flow;
    }
    case "BinaryOperation": {
      const op = str(p, "operator");
      if (op === "==" || op === "!=") {
        const other = child(p, "leftExpression") === cur ? child(p, "rightExpression") : child(p, "leftExpression");
        flow.uses.push({ kind: "compare", node: p, other });
      }
      return flow;
    }
    case "IndexAccess": {
      if (child(p, "indexExpression") !== cur) return flow;
      let top: AstNode = p;
      while (program.parent(top) && ["IndexAccess", "MemberAccess"].includes(program.parent(top)!.nodeType)) top = program.parent(top)!;
      const tp = program.parent(top);
      const written =
        (tp?.nodeType === "Assignment" && child(tp, "leftHandSide") === top) ||
        (tp?.nodeType === "UnaryOperation" && ["++", "--", "delete"].includes(str(tp, "operator") ?? ""));
      flow.uses.push({ kind: "index", node: p, written });
      return flow;
    }
    case "VariableDeclarationStatement": {
      const decls = ((p.declarations as (AstNode | null)[] | undefined) ?? []).filter((d): d is AstNode => d !== null);
      if (decls.length === 1 && child(p, "initialValue") === cur) intoDecl(decls[0]);
      return flow;
    }
    case "Assignment": {
      if (child(p, "rightHandSide") !== cur) return flow;
      const lhs = stripParens(child(p, "leftHandSide"));
      const d = lhs?.nodeType === "Identifier" ? program.declOf(lhs) : undefined;
      if (d?.nodeType === "VariableDeclaration" && !isStateVariable(d)) intoDecl(d);
      return flow;
    }
    case "Return": {
      const fn = program.callableOf(p);
      if (fn && depth < 3) for (const site of callSitesOf(program, fn)) followValue(program, site, depth + 1, flow);
      return flow;
    }
    case "FunctionCall": {
      const args = list(p, "arguments");
      const i = args.indexOf(cur);
      if (i < 0) return flow;
      const callee = unwrapCallee(p);
      const name = callee ? str(callee, "name") ?? str(callee, "memberName") : undefined;
      flow.uses.push({ kind: "argument", node: p, callName: name });
      const target = internalCallee(program, p, program.contractOf(p));
      if (target && child(target, "body") && depth < 3) {
        const param = parameters(target)[i];
        if (param) intoDecl(param);
      }
      return flow;
    }
    default:
      return flow;
  }
}

function unwrapCallee(call: AstNode): AstNode | undefined {
  let c = child(call, "expression");
  while (c?.nodeType === "FunctionCallOptions") c = child(c, "expression");
  return c;
}

/** Expressions compared with zero (`x == address(0)`, `x != 0`) in the given callables: their decls and texts. */
function zeroCompared(program: Program, scopes: Iterable<AstNode>): { decls: Set<AstNode>; texts: Set<string> } {
  const decls = new Set<AstNode>();
  const texts = new Set<string>();
  for (const s of scopes) {
    const body = child(s, "body");
    if (!body) continue;
    for (const b of findAll(body, "BinaryOperation")) {
      const op = str(b, "operator");
      if (op !== "==" && op !== "!=") continue;
      const l = child(b, "leftExpression");
      const r = child(b, "rightExpression");
      const side = isZeroLiteral(l) ? r : isZeroLiteral(r) ? l : undefined;
      const n = stripParens(stripConversions(side));
      if (!n) continue;
      texts.add(exprKey(program, n));
      const d = n.nodeType === "Identifier" ? program.declOf(n) : undefined;
      if (d) decls.add(d);
    }
  }
  return { decls, texts };
}

// ------------------------------------------------------------------------------------------------ ecrecover-zero-address

/** A state variable that is never zero: a non-zero constant, or only ever set from values checked against zero. */
function neverZeroState(program: Program, decl: AstNode, contract: AstNode): boolean {
  const value = child(decl, "value");
  if (isConstantVariable(decl) && str(decl, "mutability") !== "immutable") return isNonZeroLiteral(value);
  if (value && isNonZeroLiteral(value)) return true;
  let writes = 0;
  for (const base of program.linearized(contract)) {
    for (const f of callablesOf(base)) {
      for (const a of findAll(child(f, "body")!, "Assignment")) {
        const w = writtenStateVariable(program, a);
        if (w?.decl !== decl || stripParens(child(a, "leftHandSide"))?.nodeType !== "Identifier") continue;
        writes++;
        const rhs = stripParens(stripConversions(child(a, "rightHandSide")));
        if (rhs && isSenderLike(program, rhs)) continue;
        if (isNonZeroLiteral(rhs)) continue;
        const z = zeroCompared(program, [f]);
        if (!rhs || !mentions(program, rhs, z.decls, z.texts)) return false;
      }
    }
  }
  return writes > 0;
}

/** The comparison partner can never be zero (msg.sender, a non-zero literal, checked against zero). */
function otherSideSafe(program: Program, other: AstNode | undefined, zero: { decls: Set<AstNode>; texts: Set<string> }, contract: AstNode): boolean {
  const o = stripParens(stripConversions(other));
  if (!o) return true;
  if (isSenderLike(program, o) || isGlobal(program, o, "this")) return true;
  if (o.nodeType === "Literal") return true; // zero (a check itself) or a fixed address
  if (mentions(program, o, zero.decls, zero.texts) || zero.texts.has(exprKey(program, o))) return true;
  const d = o.nodeType === "Identifier" ? program.declOf(o) : undefined;
  if (d && isStateVariable(d) && neverZeroState(program, d, contract)) return true;
  return false;
}

/** Sources of a recovered address: `ecrecover(…)` calls, and `tryRecover` results whose error is never read. */
function recoveredSources(program: Program, fn: AstNode): { source: AstNode; start: AstNode | AstNode[]; label: string }[] {
  const body = child(fn, "body");
  if (!body) return [];
  const out: { source: AstNode; start: AstNode | AstNode[]; label: string }[] = [];
  for (const c of findAll(body, "FunctionCall")) {
    if (builtinCallName(program, c) === "ecrecover") {
      out.push({ source: c, start: c, label: "ecrecover" });
      continue;
    }
    const callee = unwrapCallee(c);
    const name = callee ? str(callee, "memberName") ?? str(callee, "name") : undefined;
    if (name !== "tryRecover") continue;
    // (address signer, RecoverError err, ) = ECDSA.tryRecover(…) — the error must be read somewhere
    const p = program.parent(c);
    let signer: AstNode | undefined;
    let err: AstNode | undefined;
    let errIgnored = false;
    if (p?.nodeType === "VariableDeclarationStatement") {
      const decls = (p.declarations as (AstNode | null)[] | undefined) ?? [];
      signer = decls[0] ?? undefined;
      err = decls[1] ?? undefined;
      errIgnored = !err;
    } else if (p?.nodeType === "Assignment") {
      // raw components: an omitted one is null, and list() would drop it and shift the rest
      const all = (stripParens(child(p, "leftHandSide"))?.components as (AstNode | null)[] | undefined) ?? [];
      const s = all[0];
      const e = all[1];
      signer = s && s.nodeType === "Identifier" ? program.declOf(s) : undefined;
      err = e && e.nodeType === "Identifier" ? program.declOf(e) : undefined;
      errIgnored = !e;
    } else continue;
    if (!signer) continue;
    const errRead =
      err !== undefined &&
      refsTo(program, body, err).some((r) => {
        const rp = program.parent(r);
        return !(rp?.nodeType === "Assignment" && child(rp, "leftHandSide") === r) && rp?.nodeType !== "TupleExpression";
      });
    if (!errIgnored && errRead) continue;
    const refs = refsTo(program, body, signer).filter((r) => startOf(r) > startOf(c));
    out.push({ source: c, start: refs, label: "tryRecover without checking its error" });
  }
  return out;
}

/** ecrecover's result compared with a signer or owner without a zero check: an invalid signature recovers address(0). */
export const ecrecoverZeroAddress: Detector = {
  id: "ecrecover-zero-address",
  category: "signatures",
  title: "ecrecover result compared with a signer without checking it is not address(0)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      // findings grouped by the function that uses the recovered address
      const byFn = new Map<AstNode, { sources: AstNode[]; uses: AstNode[]; compare: boolean; label: string }>();
      for (const fn of callablesOf(contract)) {
        for (const src of recoveredSources(program, fn)) {
          const flow: ValueFlow = { uses: [], aliases: new Set(), scopes: new Set([fn]) };
          for (const s of Array.isArray(src.start) ? src.start : [src.start]) followValue(program, s, 0, flow);
          const zero = zeroCompared(program, flow.scopes);
          // the recovered value itself checked against zero
          if ([...flow.aliases].some((a) => zero.decls.has(a)) || flow.uses.some((u) => u.kind === "compare" && isZeroLiteral(u.other))) continue;
          if (Array.isArray(src.start) && src.start.some((r) => zero.decls.has(program.declOf(r)!))) continue;
          const compares = flow.uses.filter((u) => u.kind === "compare");
          // equal to something that is never zero: the recovered address is not zero either
          if (compares.some((u) => otherSideSafe(program, u.other, zeroCompared(program, [...flow.scopes, program.callableOf(u.node)!]), contract))) {
            continue;
          }
          const risky: ValueUse[] = [...compares, ...flow.uses.filter((u) => u.kind === "index" && u.written)];
          for (const u of risky) {
            const where = program.callableOf(u.node);
            if (!where || program.fileOf(where) !== file) continue;
            const entry = byFn.get(where) ?? { sources: [], uses: [], compare: false, label: src.label };
            if (!entry.sources.includes(src.source)) entry.sources.push(src.source);
            entry.uses.push(u.node);
            entry.compare ||= u.kind === "compare";
            byFn.set(where, entry);
          }
        }
      }
      for (const [fn, e] of byFn) {
        const changesState = fn.nodeType === "FunctionDefinition" && !isReadOnly(fn);
        const severity: Severity = e.compare && changesState ? "high" : "medium";
        ctx.report({
          detector: "ecrecover-zero-address",
          category: "signatures",
          severity,
          confidence: "medium",
          lines: linesIn(program, file, [...e.sources, ...e.uses]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() trusts the address returned by ${e.label} without checking that it is not address(0). ` +
            "ecrecover returns address(0) for an invalid signature, so garbage signature bytes match any signer, owner or " +
            "account that is unset (address(0)) — for example an owner parameter chosen by the caller, or a signer never configured.",
          remediation:
            "Use OpenZeppelin's ECDSA.recover, which reverts on invalid (and malleable) signatures, or reject a zero result explicitly:\n" +
            "```solidity\naddress recovered = ECDSA.recover(digest, signature); // reverts on an invalid signature\n" +
            "// or, with raw ecrecover:\naddress recovered = ecrecover(digest, v, r, s);\nrequire(recovered != address(0) && recovered == signer, \"invalid signature\");\n```",
        });
      }
    }
  },
};

// ------------------------------------------------------------------------------------------------ signature-malleability

const HALF_ORDER = /^0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0$/i;

interface RawRecover {
  call: AstNode;
  /** The call site in the analysed function that leads to it. */
  site: AstNode;
  /** Whether `s` is checked against the lower half of the curve order. */
  sChecked: boolean;
}

/** Whether the callable compares `s` (or anything) with secp256k1n/2, or compares `s` relationally. */
function checksLowS(program: Program, callable: AstNode, sDecl: AstNode | undefined): boolean {
  const body = child(callable, "body");
  if (!body) return false;
  for (const b of findAll(body, "BinaryOperation")) {
    const op = str(b, "operator") ?? "";
    if (!["<", "<=", ">", ">="].includes(op)) continue;
    for (const side of [child(b, "leftExpression"), child(b, "rightExpression")]) {
      const n = stripConversions(side);
      if (n?.nodeType === "Literal" && HALF_ORDER.test(String(n.value ?? ""))) return true;
      if (n?.nodeType === "Identifier" && sDecl && program.declOf(n) === sDecl) return true;
      if (n?.nodeType === "Identifier" && /half|HALF|secp256k1n|CURVE_ORDER/i.test(str(n, "name") ?? "")) return true;
      const d = n?.nodeType === "Identifier" ? program.declOf(n) : undefined;
      const v = d ? stripConversions(child(d, "value")) : undefined;
      if (v?.nodeType === "Literal" && HALF_ORDER.test(String(v.value ?? ""))) return true;
    }
  }
  return false;
}

/**
 * Raw ecrecover calls reached from `fn` (directly or through internal helpers), and the declarations in `fn` that
 * carry the signature into them (v/r/s parameters, the `bytes signature`).
 */
function rawRecovers(program: Program, fn: AstNode, context: AstNode): { recovers: RawRecover[]; material: Set<AstNode>; bodies: AstNode[] } {
  const recovers: RawRecover[] = [];
  const bodies: AstNode[] = [];
  const visit = (callable: AstNode, site: AstNode | undefined, depth: number, active: Set<AstNode>): Set<AstNode> => {
    const material = new Set<AstNode>();
    const body = child(callable, "body");
    if (!body || active.has(callable)) return material;
    active.add(callable);
    bodies.push(callable);
    const bytesParams = parameters(callable).filter((p) => /^bytes( |$)/.test(typeString(p) ?? program.text(child(p, "typeName") ?? p)));
    for (const c of findAll(body, "FunctionCall")) {
      if (builtinCallName(program, c) === "ecrecover") {
        const args = list(c, "arguments");
        const sDecl = program.declOf(stripConversions(args[3]));
        recovers.push({ call: c, site: site ?? c, sChecked: checksLowS(program, callable, sDecl) });
        for (const a of args.slice(1)) {
          const d = program.declOf(stripConversions(a));
          if (d) material.add(d);
        }
        for (const p of bytesParams) material.add(p);
        continue;
      }
      if (depth >= 3) continue;
      const callee = internalCallee(program, c, context);
      if (!callee || !child(callee, "body")) continue;
      const inner = visit(callee, site ?? c, depth + 1, active);
      if (inner.size === 0) continue;
      const params = parameters(callee);
      list(c, "arguments").forEach((a, i) => {
        if (!params[i] || !inner.has(params[i]!)) return;
        for (const id of findAll(a, "Identifier")) {
          const d = program.declOf(id);
          if (d) material.add(d);
        }
      });
    }
    active.delete(callable);
    return material;
  };
  const material = visit(fn, undefined, 0, new Set());
  // a low-s check in another helper on the way (splitSignature) covers the recover too
  if (bodies.some((b) => checksLowS(program, b, undefined))) for (const r of recovers) r.sChecked = true;
  return { recovers, material, bodies };
}

function isRecoverCall(program: Program, call: AstNode): boolean {
  if (builtinCallName(program, call) === "ecrecover") return true;
  const callee = unwrapCallee(call);
  const name = callee ? str(callee, "memberName") ?? str(callee, "name") : undefined;
  return name !== undefined && /^_?(try)?[rR]ecover/.test(name);
}

/** Whether an expression depends on one of `decls`, looking through the initialisers of locals (bounded). */
function dependsOn(program: Program, expr: AstNode | undefined, decls: Set<AstNode>, depth = 0): boolean {
  if (!expr) return false;
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    // both forms of a malleable signature recover the same signer: a key derived from it is fine
    if (n.nodeType === "FunctionCall" && isRecoverCall(program, n)) return false;
    if (n.nodeType !== "Identifier") return undefined;
    const d = program.declOf(n);
    if (!d) return undefined;
    if (decls.has(d)) found = true;
    else if (depth < 3 && d.nodeType === "VariableDeclaration" && !isStateVariable(d)) {
      const init = initialValueOf(program, d);
      if (init && dependsOn(program, init, decls, depth + 1)) found = true;
      const fn = program.callableOf(d);
      const body = fn ? child(fn, "body") : undefined;
      if (!found && body) {
        for (const a of findAll(body, "Assignment")) {
          if (program.declOf(stripParens(child(a, "leftHandSide"))) === d && dependsOn(program, child(a, "rightHandSide"), decls, depth + 1)) found = true;
        }
      }
    }
    return undefined;
  });
  return found;
}

/** Raw ecrecover without a low-s check, with the signature itself (or its hash) used as the replay marker. */
export const signatureMalleability: Detector = {
  id: "signature-malleability",
  category: "signatures",
  title: "Raw ecrecover without a low-s check, with the signature used as the replay marker",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        const { recovers, material, bodies } = rawRecovers(program, fn, contract);
        const open = recovers.filter((r) => !r.sChecked);
        if (open.length === 0 || material.size === 0) continue;
        // a nonce in the signed message makes every signature single-use — when the contract keeps track of it
        if (open.some((r) => trackedNonce(program, list(r.call, "arguments")[0], bodies))) continue;
        const markers: AstNode[] = [];
        for (const b of bodies) {
          for (const n of findAll(child(b, "body")!, "Assignment", "UnaryOperation")) {
            const w = writtenStateVariable(program, n);
            if (!w) continue;
            let lhs: AstNode | undefined = w.lhs;
            let keyed = false;
            while (lhs && (lhs.nodeType === "IndexAccess" || lhs.nodeType === "MemberAccess")) {
              if (lhs.nodeType === "IndexAccess" && dependsOn(program, child(lhs, "indexExpression"), material)) keyed = true;
              lhs = child(lhs, lhs.nodeType === "IndexAccess" ? "baseExpression" : "expression");
            }
            if (keyed) markers.push(n);
          }
        }
        if (markers.length === 0) continue;
        const sites = open.map((r) => r.site);
        ctx.report({
          detector: "signature-malleability",
          category: "signatures",
          severity: "medium",
          confidence: "medium",
          lines: linesIn(program, file, [...open.map((r) => r.call), ...sites, ...markers]),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() verifies a signature with raw ecrecover, which accepts both (r, s, v) and (r, n - s, v') for the same ` +
            "message, and remembers the signature bytes (or their hash) as used. Anyone can flip s to produce a second valid signature " +
            "that is not marked yet and replay the action once more.",
          remediation:
            "Mark the signed message (its digest or a nonce) as used instead of the signature, and reject high-s signatures — " +
            "OpenZeppelin's ECDSA.recover does the latter for you:\n" +
            "```solidity\naddress signer = ECDSA.recover(digest, signature); // rejects s > secp256k1n / 2\n" +
            "require(!usedDigests[digest], \"already used\");\nusedDigests[digest] = true;             // key by the message, not the signature\n```",
        });
      }
    }
  },
};

/**
 * Whether the signed digest carries a nonce the contract keeps track of: a nonce read from state (`nonces[signer]`,
 * `_useNonce(owner)`), or a caller-chosen one that a state write in the verifying code is keyed by or counts
 * (`usedNonces[nonce] = true`). A nonce the caller picks freely and nothing records is no replay protection.
 */
function trackedNonce(program: Program, digest: AstNode | undefined, bodies: AstNode[]): boolean {
  if (!digest || !/nonce/i.test(expandedText(program, digest))) return false;
  const chosen = new Set<AstNode>();
  let fromState = false;
  const visit = (expr: AstNode | undefined, depth: number): void => {
    if (!expr || depth > 3) return;
    walk(expr, (n) => {
      if (n.nodeType === "FunctionCall" && /nonce/i.test(program.text(child(n, "expression") ?? n))) fromState = true;
      if (n.nodeType !== "Identifier") return undefined;
      const d = program.declOf(n);
      if (d?.nodeType !== "VariableDeclaration") return undefined;
      if (isStateVariable(d)) {
        if (/nonce/i.test(str(d, "name") ?? "")) fromState = true;
      } else if (/nonce/i.test(str(d, "name") ?? "")) chosen.add(d);
      else visit(initialValueOf(program, d), depth + 1);
      return undefined;
    });
  };
  visit(digest, 0);
  if (fromState || chosen.size === 0) return true;
  // a caller-chosen nonce: recorded when some state write in the verifying code is keyed by it or names it a nonce
  for (const b of bodies) {
    for (const n of findAll(child(b, "body")!, "Assignment", "UnaryOperation")) {
      const w = writtenStateVariable(program, n);
      if (!w) continue;
      if (/nonce/i.test(str(w.decl, "name") ?? "")) return true;
      let lhs: AstNode | undefined = w.lhs;
      while (lhs && (lhs.nodeType === "IndexAccess" || lhs.nodeType === "MemberAccess")) {
        if (lhs.nodeType === "IndexAccess" && dependsOn(program, child(lhs, "indexExpression"), chosen)) return true;
        lhs = child(lhs, lhs.nodeType === "IndexAccess" ? "baseExpression" : "expression");
      }
    }
  }
  return false;
}

/** Source text of an expression with the initialisers of the locals it reads appended (bounded). */
function expandedText(program: Program, expr: AstNode | undefined, depth = 0): string {
  if (!expr) return "";
  let out = program.text(expr);
  if (depth > 3) return out;
  for (const id of findAll(expr, "Identifier")) {
    const d = program.declOf(id);
    if (d?.nodeType !== "VariableDeclaration") continue;
    out += ` ${str(d, "name") ?? ""}`;
    const init = isStateVariable(d) ? undefined : initialValueOf(program, d);
    if (init) out += ` ${expandedText(program, init, depth + 1)}`;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ unsafe-downcast

interface IntType {
  signed: boolean;
  bits: number;
}

function intType(t: string | undefined): IntType | undefined {
  const m = t ? /^(u?)int(\d*)$/.exec(t) : null;
  if (!m) return undefined;
  return { signed: m[1] !== "u", bits: m[2] ? Number(m[2]) : 256 };
}

function bitsOfValue(v: bigint): number {
  let x = v < 0n ? -v : v;
  let n = 0;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function literalValue(program: Program, node: AstNode | undefined): bigint | undefined {
  const n = stripParens(node);
  if (!n) return undefined;
  const t = typeString(n);
  const m = t ? /^int_const (-?\d+)$/.exec(t) : null;
  if (m) return BigInt(m[1]!);
  if (n.nodeType === "Literal" && str(n, "kind") === "number") {
    const raw = String(n.value ?? "").replace(/_/g, "");
    try {
      if (/^(0x[0-9a-f]+|\d+)$/i.test(raw)) return BigInt(raw) * unitFactor(str(n, "subdenomination"));
    } catch {
      return undefined;
    }
  }
  void program;
  return undefined;
}

function unitFactor(unit: string | undefined): bigint {
  switch (unit) {
    case "gwei":
      return 10n ** 9n;
    case "ether":
      return 10n ** 18n;
    case "minutes":
      return 60n;
    case "hours":
      return 3600n;
    case "days":
      return 86400n;
    case "weeks":
      return 604800n;
    default:
      return 1n;
  }
}

/** An upper bound of the value's bit width, whether it carries caller input or stored state, and whether it is a hash/address. */
interface ValueInfo {
  width: number;
  input: boolean;
  storage: boolean;
  /** Converted from a hash, bytes or an address: truncating it is intended. */
  opaque: boolean;
}

const NONE: ValueInfo = { width: 0, input: false, storage: false, opaque: false };

function typedWidth(node: AstNode | undefined): number {
  const t = typeString(node);
  if (!t) return 256;
  const it = intType(t);
  if (it) return it.bits;
  const c = /^int_const (-?\d+)$/.exec(t);
  if (c) return bitsOfValue(BigInt(c[1]!));
  if (t === "bool") return 1;
  if (t.startsWith("enum ")) return 8;
  return 256;
}

function combine(a: ValueInfo, b: ValueInfo, width: number): ValueInfo {
  return { width, input: a.input || b.input, storage: a.storage || b.storage, opaque: a.opaque || b.opaque };
}

/** Timestamps and block numbers fit 32 bits for the next eighty years; casts of them are the common idiom. */
const BLOCK_WIDTH = 32;
const ETHER_WIDTH = 96;

class DowncastAnalysis {
  constructor(
    private readonly program: Program,
    private readonly context: AstNode,
  ) {}

  /** Whether the cast of `arg` to `target` bits inside `fn` can silently truncate attacker- or state-derived values. */
  unsafe(arg: AstNode, fn: AstNode, at: AstNode, target: number, depth: number): ValueInfo | undefined {
    const info = this.info(arg, fn, at, target, depth, new Set());
    if (info.opaque || info.width <= target || !(info.input || info.storage)) return undefined;
    if (this.bounded(arg, fn, at, depth)) return undefined;
    return info;
  }

  private info(expr: AstNode | undefined, fn: AstNode, at: AstNode, target: number, depth: number, seen: Set<AstNode>): ValueInfo {
    const program = this.program;
    const e = stripParens(expr);
    if (!e) return NONE;
    const lit = literalValue(program, e);
    if (lit !== undefined) return { ...NONE, width: bitsOfValue(lit) };
    const typed = typedWidth(e);
    switch (e.nodeType) {
      case "Identifier": {
        if (isGlobal(program, e, "now")) return { ...NONE, width: BLOCK_WIDTH };
        const d = program.declOf(e);
        if (d?.nodeType !== "VariableDeclaration") return { ...NONE, width: typed };
        return this.variable(d, fn, at, target, depth, seen, typed);
      }
      case "MemberAccess": {
        const base = child(e, "expression");
        const m = str(e, "memberName");
        // all the ether there is fits in 96 bits (about 1.2e26 wei exist)
        if (memberOf(program, e, "msg", "value")) return { ...NONE, width: ETHER_WIDTH, input: true };
        if (m === "balance") return { ...NONE, width: ETHER_WIDTH };
        if (isGlobal(program, base, "block") && (m === "timestamp" || m === "number")) return { ...NONE, width: BLOCK_WIDTH };
        if (isGlobal(program, base, "block") || isGlobal(program, base, "tx") || isGlobal(program, base, "msg")) return { ...NONE, width: typed };
        if (base?.nodeType === "FunctionCall" && builtinCallName(program, base) === "type") return { ...NONE, width: typed }; // type(uint64).max
        if (m === "length") return { ...this.info(base, fn, at, target, depth, seen), width: Math.min(typed, 64), opaque: false };
        return this.stored(e, fn, at, target, depth, seen, typed);
      }
      case "IndexAccess":
        return this.stored(e, fn, at, target, depth, seen, typed);
      case "BinaryOperation": {
        const op = str(e, "operator") ?? "";
        if (["==", "!=", "<", "<=", ">", ">=", "&&", "||"].includes(op)) return { ...NONE, width: 1 };
        const l = this.info(child(e, "leftExpression"), fn, at, target, depth, seen);
        const r = this.info(child(e, "rightExpression"), fn, at, target, depth, seen);
        const rv = literalValue(program, child(e, "rightExpression"));
        let w: number;
        switch (op) {
          case "+":
            w = Math.max(l.width, r.width) + 1;
            break;
          case "-":
            w = l.width;
            break;
          case "*":
            w = l.width + r.width;
            break;
          case "/":
            w = rv !== undefined && rv > 0n ? Math.max(0, l.width - (bitsOfValue(rv) - 1)) : l.width;
            break;
          case "%":
            w = Math.min(l.width, r.width);
            break;
          case "&":
            w = Math.min(l.width, r.width);
            break;
          case "|":
          case "^":
            w = Math.max(l.width, r.width);
            break;
          case ">>":
            w = rv !== undefined ? Math.max(0, l.width - Number(rv)) : l.width;
            break;
          case "<<":
            w = rv !== undefined ? l.width + Number(rv) : 256;
            break;
          default:
            w = 256;
        }
        // masks and modulo bound the value whatever the operands carry
        const bounding = op === "&" || op === "%";
        const info = combine(l, r, Math.min(w, typed));
        if (bounding && (r.width <= target || l.width <= target)) return { ...info, input: false, storage: false };
        return info;
      }
      case "UnaryOperation": {
        const sub = this.info(child(e, "subExpression"), fn, at, target, depth, seen);
        return { ...sub, width: str(e, "operator") === "-" ? sub.width : typed };
      }
      case "Conditional": {
        const a = this.info(child(e, "trueExpression"), fn, at, target, depth, seen);
        const b = this.info(child(e, "falseExpression"), fn, at, target, depth, seen);
        return combine(a, b, Math.max(a.width, b.width));
      }
      case "FunctionCall": {
        if (isConversion(e)) {
          const inner = list(e, "arguments")[0];
          const innerType = typeString(inner);
          if (innerType !== undefined && !intType(innerType) && !/^int_const/.test(innerType)) {
            // from bytes32 / address / enum: truncating a hash or an address is intended
            return { ...NONE, width: typed, opaque: !innerType.startsWith("enum ") && !innerType.startsWith("bool") };
          }
          const i = this.info(inner, fn, at, target, depth, seen);
          return { ...i, width: Math.min(i.width, typed) };
        }
        const name = builtinCallName(program, e);
        if (name && (isHashCall(program, e) || name === "blockhash" || name === "gasleft")) return { ...NONE, width: typed };
        const args = list(e, "arguments").map((a) => this.info(a, fn, at, target, depth, seen));
        const callee = unwrapCallee(e);
        const fname = callee ? str(callee, "memberName") ?? str(callee, "name") : undefined;
        const merged = args.reduce((a, b) => combine(a, b, 0), NONE);
        if (fname === "min" && args.length === 2) return { ...merged, width: Math.min(args[0]!.width, args[1]!.width, typed) };
        if (fname === "max" && args.length === 2) return { ...merged, width: Math.min(Math.max(args[0]!.width, args[1]!.width), typed) };
        if (/^to(Uint|Int)\d+$/.test(fname ?? "")) return { ...NONE, width: typed }; // SafeCast
        return { ...merged, width: typed, opaque: false };
      }
      default:
        return { ...NONE, width: typed };
    }
  }

  /** A member or element: state when it lands in storage, else whatever its base carries. */
  private stored(e: AstNode, fn: AstNode, at: AstNode, target: number, depth: number, seen: Set<AstNode>, typed: number): ValueInfo {
    const program = this.program;
    const d = baseDeclaration(program, e);
    if (d?.nodeType === "VariableDeclaration") {
      if (isStorageVariable(program, d)) return { ...NONE, width: typed, storage: !isConstantVariable(d) };
      if (str(d, "storageLocation") === "storage") return { ...NONE, width: typed, storage: true };
    }
    let base: AstNode | undefined = e;
    while (base && (base.nodeType === "IndexAccess" || base.nodeType === "MemberAccess")) base = child(base, base.nodeType === "IndexAccess" ? "baseExpression" : "expression");
    const b = this.info(base, fn, at, target, depth, seen);
    return { ...b, width: typed, opaque: false };
  }

  private variable(d: AstNode, fn: AstNode, at: AstNode, target: number, depth: number, seen: Set<AstNode>, typed: number): ValueInfo {
    const program = this.program;
    if (isStateVariable(d)) {
      if (isConstantVariable(d)) {
        const v = literalValue(program, child(d, "value"));
        return { ...NONE, width: v !== undefined ? bitsOfValue(v) : typed };
      }
      return { ...NONE, width: typed, storage: true };
    }
    if (seen.has(d)) return { ...NONE, width: typed };
    seen.add(d);
    const owner = program.callableOf(d);
    // a parameter: caller input for entry points, and whatever the call sites pass for internal functions
    if (owner && parameters(owner).includes(d)) {
      if (owner.nodeType !== "FunctionDefinition") return { ...NONE, width: typed };
      if (isEntryPoint(owner)) {
        if (isRestricted(program, owner, this.context)) return { ...NONE, width: typed };
        return { ...NONE, width: typed, input: true };
      }
      if (depth >= 3) return { ...NONE, width: typed };
      const i = parameters(owner).indexOf(d);
      let out: ValueInfo = { ...NONE, width: Math.min(typed, target) };
      for (const site of callSitesOf(program, owner)) {
        const arg = list(site, "arguments")[i];
        const caller = program.callableOf(site);
        if (!arg || !caller) continue;
        const u = this.unsafe(arg, caller, site, target, depth + 1);
        if (u) out = combine(out, u, Math.max(out.width, u.width));
      }
      return out;
    }
    // a local or a return variable: its initial value and what is assigned to it before the cast
    const body = owner ? child(owner, "body") : undefined;
    const sources: AstNode[] = [];
    let unknown = false;
    const stmt = program.parent(d);
    if (stmt?.nodeType === "VariableDeclarationStatement" && child(stmt, "initialValue")) {
      const init = initialValueOf(program, d);
      if (init) sources.push(init);
      else {
        unknown = true; // (a, b) = f(x): the call's arguments
        sources.push(child(stmt, "initialValue")!);
      }
    }
    if (body) {
      for (const a of findAll(body, "Assignment")) {
        const lhs = stripParens(child(a, "leftHandSide"));
        if (lhs?.nodeType === "Identifier" && program.declOf(lhs) === d) {
          sources.push(child(a, "rightHandSide")!);
          if (str(a, "operator") !== "=") unknown = true;
        } else if (lhs?.nodeType === "TupleExpression" && list(lhs, "components").some((c) => program.declOf(c) === d)) {
          sources.push(child(a, "rightHandSide")!);
          unknown = true;
        }
      }
      for (const asm of findAll(body, "InlineAssembly")) {
        const refs = (asm.externalReferences as { declaration?: number }[] | undefined) ?? [];
        if (refs.some((r) => r.declaration === d.id)) return { ...NONE, width: typed, opaque: true };
      }
    }
    let out: ValueInfo = { ...NONE };
    for (const s of sources) {
      const i = this.info(s, fn, at, target, depth, seen);
      out = combine(out, i, Math.max(out.width, i.width));
    }
    seen.delete(d);
    return { ...out, width: unknown ? typed : Math.min(out.width, typed) };
  }

  /** An upper-bound check on the value before it is cast: in a guard, an enclosing condition, or a checking helper. */
  bounded(arg: AstNode, fn: AstNode, at: AstNode, depth: number): boolean {
    const program = this.program;
    const decls = new Set<AstNode>();
    const texts = new Set<string>([exprKey(program, stripParens(stripConversions(arg)) ?? arg)]);
    walk(arg, (n) => {
      if (n.nodeType === "Identifier") {
        const d = program.declOf(n);
        if (d) decls.add(d);
      } else if (n.nodeType === "MemberAccess" || n.nodeType === "IndexAccess") texts.add(exprKey(program, n));
      return undefined;
    });
    // the variable the cast result lands in, for round-trip checks: require(uint256(y) == x)
    const castVars = new Set<AstNode>();
    const declStmt = program.ancestor(at, "VariableDeclarationStatement");
    const init = declStmt ? child(declStmt, "initialValue") : undefined;
    if (declStmt && init && (init === at || program.contains(init, at))) {
      for (const d of (declStmt.declarations as (AstNode | null)[] | undefined) ?? []) if (d) castVars.add(d);
    }
    const assign = program.ancestor(at, "Assignment");
    const lhs = assign ? stripParens(child(assign, "leftHandSide")) : undefined;
    if (lhs?.nodeType === "Identifier" && program.declOf(lhs)) castVars.add(program.declOf(lhs)!);
    const boundsKey = (cond: AstNode | undefined, positive: boolean): boolean =>
      upperBounded(program, cond, positive, castVars).some((b) => mentions(program, b, decls, texts) || texts.has(exprKey(program, b)));
    const body = child(fn, "body");
    if (body) {
      for (const g of guardConditions(program, body)) {
        const positive = g.node.nodeType !== "IfStatement" || !stopsExecution(program, child(g.node, "trueBody"));
        if (boundsKey(g.cond, positive)) return true;
      }
    }
    // the cast sits in a branch of a condition that bounds the value
    let cur: AstNode = at;
    for (let p = program.parent(cur); p && p !== fn; cur = p, p = program.parent(p)) {
      if (p.nodeType === "Conditional" || p.nodeType === "IfStatement") {
        const cond = child(p, "condition");
        if (cond === cur) continue;
        const inTrue = child(p, p.nodeType === "Conditional" ? "trueExpression" : "trueBody") === cur;
        if (boundsKey(cond, inTrue)) return true;
      } else if (p.nodeType === "WhileStatement" || p.nodeType === "ForStatement") {
        if (child(p, "condition") !== cur && boundsKey(child(p, "condition"), true)) return true;
      }
    }
    // a helper that checks it: _checkRange(balance0, balance1)
    if (body && depth < 3) {
      for (const c of findAll(body, "FunctionCall")) {
        const callee = internalCallee(program, c, this.context);
        const cb = callee ? child(callee, "body") : undefined;
        if (!callee || !cb || callee === fn) continue;
        const params = parameters(callee);
        const args = list(c, "arguments");
        for (let i = 0; i < args.length; i++) {
          if (!params[i] || !(mentions(program, args[i], decls, texts) || texts.has(exprKey(program, args[i]!)))) continue;
          const pset = new Set([params[i]!]);
          for (const g of guardConditions(program, cb)) {
            const positive = g.node.nodeType !== "IfStatement" || !stopsExecution(program, child(g.node, "trueBody"));
            if (upperBounded(program, g.cond, positive).some((b) => mentions(program, b, pset, new Set()))) return true;
          }
        }
      }
    }
    // modifiers that check an argument
    for (const inv of list(fn, "modifiers")) {
      const mod = program.declOf(child(inv, "modifierName"));
      if (mod?.nodeType !== "ModifierDefinition" || !child(mod, "body")) continue;
      const args = list(inv, "arguments");
      const params = parameters(mod);
      for (let i = 0; i < args.length; i++) {
        if (!params[i] || !mentions(program, args[i], decls, texts)) continue;
        const pset = new Set([params[i]!]);
        for (const g of guardConditions(program, child(mod, "body")!)) {
          const positive = g.node.nodeType !== "IfStatement" || !stopsExecution(program, child(g.node, "trueBody"));
          if (upperBounded(program, g.cond, positive).some((b) => mentions(program, b, pset, new Set()))) return true;
        }
      }
    }
    return false;
  }
}

/**
 * The expressions a condition bounds from above when it holds (`positive`) or when it is false: `x <= max`,
 * `max >= x`, `!(x > max)`, `if (x > max) revert`, and `uint256(uint128(x)) == x` round trips.
 */
function upperBounded(program: Program, cond: AstNode | undefined, positive: boolean, narrowDecls: Set<AstNode> = new Set()): AstNode[] {
  let c = stripParens(cond);
  let pos = positive;
  while (c?.nodeType === "UnaryOperation" && str(c, "operator") === "!") {
    c = stripParens(child(c, "subExpression"));
    pos = !pos;
  }
  if (c?.nodeType !== "BinaryOperation") return [];
  const op = str(c, "operator") ?? "";
  const l = child(c, "leftExpression");
  const r = child(c, "rightExpression");
  if (op === "&&" || op === "||") return [...upperBounded(program, l, pos, narrowDecls), ...upperBounded(program, r, pos, narrowDecls)];
  const out: AstNode[] = [];
  const boundIsZero = (b: AstNode | undefined): boolean => isZeroLiteral(b);
  if (pos) {
    if ((op === "<" || op === "<=") && l && !boundIsZero(r)) out.push(l);
    if ((op === ">" || op === ">=") && r && !boundIsZero(l)) out.push(r);
  } else {
    if ((op === ">" || op === ">=") && l && !boundIsZero(r)) out.push(l);
    if ((op === "<" || op === "<=") && r && !boundIsZero(l)) out.push(r);
  }
  if ((op === "==" && pos) || (op === "!=" && !pos)) {
    const narrowed = (n: AstNode | undefined): boolean =>
      !!n &&
      (findAll(n, "FunctionCall").some((f) => isConversion(f) && intType(typeString(f)) !== undefined && intType(typeString(f))!.bits < 256) ||
        mentions(program, n, narrowDecls, new Set()));
    if (narrowed(l) || narrowed(r)) out.push(...[l, r].filter((x): x is AstNode => x !== undefined));
  }
  return out;
}

/** Ids, hashes, keys and salts are truncated on purpose (a nonce key, a short id); amounts are not. */
const IDENTIFIER_NAME = /(^id$|Id$|_id$|ID$|[hH]ash|^key$|Key$|[sS]alt|[sS]eed|[sS]elector|[pP]acked)/;

function isIdentifierLike(program: Program, arg: AstNode): boolean {
  const n = stripParens(stripConversions(arg));
  const name = n?.nodeType === "Identifier" ? str(n, "name") : n?.nodeType === "MemberAccess" ? str(n, "memberName") : undefined;
  return name !== undefined && IDENTIFIER_NAME.test(name);
}

/** Unpacking a packed word: the same variable is also shifted right in the function (`uint64(w)`, `uint192(w >> 64)`). */
function unpacks(program: Program, arg: AstNode, fn: AstNode): boolean {
  const n = stripParens(stripConversions(arg));
  const d = n?.nodeType === "Identifier" ? program.declOf(n) : undefined;
  if (!d) return false;
  return findAll(child(fn, "body")!, "BinaryOperation").some((b) => str(b, "operator") === ">>" && program.declOf(stripParens(child(b, "leftExpression"))) === d);
}

/** A comment on the cast's line or just above it that says why the value fits (as `unchecked` blocks are justified). */
function castJustified(program: Program, cast: AstNode): boolean {
  const f = program.fileOf(cast);
  if (!f) return false;
  const line = program.line(cast);
  const text = [line - 2, line - 1, line].map((l) => (l > 0 ? f.lines.lineText(l) : "")).join("\n");
  const comments = text.match(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g) ?? [];
  return comments.some((c) =>
    /\b(cannot|can't|never|overflows?|safe(ly)?|bounded|guarantee[sd]?|at most|fits?|exact|truncat\w*|checked|intended|intentional|wraps?|wrapping)\b|<=|≤|< ?2 ?(\^|\*\*)/i.test(c),
  );
}

/** Explicit narrowing integer conversions of caller- or state-derived values without a bound check (0.8 truncates silently). */
export const unsafeDowncast: Detector = {
  id: "unsafe-downcast",
  category: "arithmetic",
  title: "Narrowing integer casts of unchecked input or state (silent truncation, also in 0.8)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (!file.typed || !hasCheckedArithmetic(file.version)) return;
    for (const contract of contractsIn(ctx)) {
      const analysis = new DowncastAnalysis(program, contract);
      for (const fn of callablesOf(contract)) {
        if (fn.nodeType !== "FunctionDefinition") continue;
        const casts: AstNode[] = [];
        let input = false;
        // the narrowest target among the casts: 128 bits and more hold 3.4e38, beyond any real token's supply in base
        // units, so truncation there needs an amount no one holds (the reviewers' false alarms on uint128 amounts)
        let narrowest = 256;
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          if (str(call, "kind") !== "typeConversion") continue;
          const to = intType(typeString(call));
          const arg = list(call, "arguments")[0];
          const from = intType(typeString(arg));
          if (!to || !from || !arg || to.bits >= from.bits || to.signed !== from.signed) continue;
          if (isIdentifierLike(program, arg) || unpacks(program, arg, fn) || castJustified(program, call)) continue;
          const u = analysis.unsafe(arg, fn, call, to.bits, 0);
          if (!u) continue;
          casts.push(call);
          input ||= u.input;
          narrowest = Math.min(narrowest, to.bits);
        }
        if (casts.length === 0) continue;
        const first = casts[0]!;
        const to = typeString(first)!;
        const wide = narrowest >= 128;
        const severity: Severity = input && !isReadOnly(fn) && !wide ? "medium" : "low";
        ctx.report({
          detector: "unsafe-downcast",
          category: "arithmetic",
          severity,
          confidence: "medium",
          lines: linesIn(program, file, casts),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() narrows ${casts.length === 1 ? `\`${program.text(list(first, "arguments")[0]!)}\` to ${to}` : `${casts.length} values`} with an explicit cast ` +
            `and nothing checks that the value fits. Solidity 0.8 does not revert on explicit conversions: larger values are silently truncated ` +
            `(2^${intType(to)!.bits} becomes 0), so ${input ? "a caller can pass" : "stored state can hold"} an amount that is recorded as a much smaller one.` +
            (wide && input && !isReadOnly(fn) ? ` Here every target holds at least 128 bits (3.4e38): only a value beyond any real token's supply in base units is cut, so low.` : ""),
          remediation:
            "Use OpenZeppelin SafeCast, which reverts when the value does not fit, or check the bound before casting:\n" +
            `\`\`\`solidity\nimport {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";\n` +
            `uint128 amount128 = SafeCast.toUint128(amount);\n// or: require(amount <= type(uint128).max, "amount too large");\n\`\`\``,
        });
      }
    }
  },
};

// ------------------------------------------------------------------------------------------------ unsafe-sign-cast

/** Texts of the expressions compared in the function's comparisons (`a < b`, `x >= 0`): what it checks before a cast. */
function comparedTexts(program: Program, fn: AstNode): Set<string> {
  const out = new Set<string>();
  for (const b of findAll(child(fn, "body")!, "BinaryOperation")) {
    if (!["<", ">", "<=", ">="].includes(str(b, "operator") ?? "")) continue;
    for (const side of [child(b, "leftExpression"), child(b, "rightExpression")]) {
      const e = stripParens(stripConversions(side));
      if (e) out.add(program.text(e).replace(/\s+/g, ""));
    }
  }
  return out;
}

function isPure(fn: AstNode): boolean {
  return str(fn, "stateMutability") === "pure";
}

/** A literal, or a constant: a bound the author chose. */
function isLiteralOrConstant(program: Program, n: AstNode | undefined): boolean {
  const e = stripParens(stripConversions(n));
  if (!e) return true;
  if (e.nodeType === "Literal") return true;
  const d = e.nodeType === "Identifier" ? program.declOf(e) : undefined;
  return d !== undefined && isConstantVariable(d);
}

/** The value a signed local comes straight from, when it is a Chainlink answer (the oracle detectors check those). */
function isOracleAnswer(program: Program, n: AstNode | undefined): boolean {
  const e = stripParens(n);
  const d = e?.nodeType === "Identifier" ? program.declOf(e) : undefined;
  const stmt = d ? program.parent(d) : undefined;
  const init = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
  const text = init ? program.text(init) : "";
  return /latestRoundData|latestAnswer|getRoundData/.test(text) || (d !== undefined && /answer|price/i.test(str(d, "name") ?? "") && findAll(child(program.callableOf(d) ?? d, "body") ?? d, "FunctionCall").some((c) => /latestRoundData|latestAnswer/.test(program.text(child(c, "expression") ?? c))));
}

/**
 * Conversions between signed and unsigned integers that Solidity 0.8 does not check (explicit conversions never revert):
 *  - `int256(a - b)` with a, b unsigned: the subtraction is checked and reverts when b > a, exactly when the author
 *    wanted a negative difference (Derby H-5: a price drop reverts the rebalance);
 *  - `uint256(x)` of a signed value nothing compares with zero: a negative x becomes a number near 2^256 (Derby M-1).
 * Not inside `unchecked` (there `int256(a - b)` is the two's-complement difference), not when the function compares the
 * operands (or x) first, nor for a Chainlink answer (oracle-unchecked-price's).
 */
export const unsafeSignCast: Detector = {
  id: "unsafe-sign-cast",
  category: "arithmetic",
  title: "Signed/unsigned conversions 0.8 does not check: int(a - b) of unsigned values, uint(x) of a possibly negative x",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    if (!file.typed || !hasCheckedArithmetic(file.version)) return;
    for (const contract of contractsIn(ctx)) {
      for (const fn of callablesOf(contract)) {
        if (fn.nodeType !== "FunctionDefinition" || !child(fn, "body")) continue;
        let compared: Set<string> | undefined;
        const checks = (n: AstNode | undefined): boolean => {
          compared ??= comparedTexts(program, fn);
          const e = stripParens(stripConversions(n));
          return e !== undefined && compared.has(program.text(e).replace(/\s+/g, ""));
        };
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          if (str(call, "kind") !== "typeConversion" || program.ancestor(call, "UncheckedBlock")) continue;
          const to = intType(typeString(call));
          const arg = stripParens(list(call, "arguments")[0]);
          const from = intType(typeString(arg));
          if (!to || !from || !arg || to.signed === from.signed) continue;
          if (to.signed && arg.nodeType === "BinaryOperation" && str(arg, "operator") === "-") {
            const [a, b] = [child(arg, "leftExpression"), child(arg, "rightExpression")];
            if (isLiteralOrConstant(program, b) || checks(a) || checks(b)) continue;
            ctx.report({
              detector: "unsafe-sign-cast",
              category: "arithmetic",
              severity: "medium",
              confidence: "medium",
              lines: linesIn(program, file, [call]),
              contract: str(contract, "name"),
              function: displayName(fn),
              message:
                `${displayName(fn)}() converts \`${program.text(arg).replace(/\s+/g, " ").slice(0, 70)}\` to ${typeString(call)}, but the subtraction is done in ` +
                `${typeString(arg)} first: when the second value is the larger one it reverts (0.8 checks the subtraction) instead of giving the negative ` +
                `difference the conversion to a signed type was for, so ${displayName(fn)}() fails whenever the value goes down.`,
              remediation:
                "Convert each operand before subtracting (each must fit the signed type):\n```solidity\nint256 priceDiff = int256(currentPrice) - int256(lastPrice);   // or SafeCast.toInt256(...)\n```",
            });
          } else if (!to.signed && from.signed && to.bits === 256 && from.bits === 256 && !isPure(fn)) {
            // a variable (not a formula the author wrote for its sign, nor a negation: both say the sign was thought of),
            // in a function that computes state rather than a pure math helper
            // or a sum that can go below zero (`int256(total) + fees`)
            const sum = arg.nodeType === "BinaryOperation" && ["+", "-"].includes(str(arg, "operator") ?? "");
            if (!sum && !["Identifier", "MemberAccess", "IndexAccess"].includes(arg.nodeType)) continue;
            // used as a number (arithmetic, a comparison, an amount written to storage), not re-encoded as a key or word
            let up = program.parent(call);
            while (up?.nodeType === "TupleExpression" || up?.nodeType === "Conditional") up = program.parent(up);
            const asNumber = (up?.nodeType === "BinaryOperation" && ["+", "-", "*", "/", "%", "<", ">", "<=", ">="].includes(str(up, "operator") ?? "")) || (up?.nodeType === "Assignment" && child(up, "rightHandSide") !== undefined && isStorageVariable(program, baseDeclaration(program, child(up, "leftHandSide"))));
            if (!asNumber) continue;
            if (isLiteralOrConstant(program, arg) || checks(arg) || isOracleAnswer(program, arg)) continue;
            // a conditional that picks this cast on a sign test of the value (`x > 0 ? uint256(x) : 0`) checks it too
            const cond = program.ancestor(call, "Conditional", "IfStatement");
            const condition = cond ? child(cond, "condition") : undefined;
            if (condition && program.text(condition).replace(/\s+/g, "").includes(program.text(arg).replace(/\s+/g, ""))) continue;
            ctx.report({
              detector: "unsafe-sign-cast",
              category: "arithmetic",
              severity: "medium",
              confidence: "low",
              lines: linesIn(program, file, [call]),
              contract: str(contract, "name"),
              function: displayName(fn),
              message:
                `${displayName(fn)}() converts the signed \`${program.text(arg).replace(/\s+/g, " ").slice(0, 60)}\` to ${typeString(call)} and nothing in the function ` +
                "compares it with zero first: Solidity 0.8 does not check explicit conversions, so a negative value becomes a number near " +
                `2^${to.bits} and every amount computed from it is wrong.`,
              remediation:
                "Check the sign first (or use OpenZeppelin SafeCast.toUint256, which reverts on a negative value):\n```solidity\nrequire(amount >= 0, \"negative\");\nuint256 u = uint256(amount);   // or SafeCast.toUint256(amount)\n```",
            });
          }
        }
      }
    }
  },
};

// ------------------------------------------------------------------------------------------------ encode-packed-collision

function isDynamicType(program: Program, node: AstNode): boolean {
  let t = typeString(node);
  if (t === undefined) {
    const d = program.declOf(node);
    const tn = d ? child(d, "typeName") : undefined;
    t = tn ? program.text(tn) : undefined;
  }
  if (!t || t.startsWith("literal_string") || t.startsWith("type(")) return false;
  const base = t.replace(/ (memory|calldata|storage)( (pointer|ref))?$/, "");
  return base === "string" || base === "bytes" || /\[\]$/.test(base);
}

/** A value that cannot change between calls: a literal, a constant, or a conversion of one. */
function isFixedValue(program: Program, node: AstNode): boolean {
  const n = stripParens(stripConversions(node));
  if (!n) return true;
  if (n.nodeType === "Literal") return true;
  const d = n.nodeType === "Identifier" ? program.declOf(n) : undefined;
  if (d?.nodeType !== "VariableDeclaration") return false;
  if (isConstantVariable(d)) return true;
  // bytes memory prefix = "\x19Ethereum Signed Message:\n"; (never reassigned)
  const init = isStateVariable(d) ? undefined : initialValueOf(program, d);
  const fn = program.callableOf(d);
  const body = fn ? child(fn, "body") : undefined;
  const reassigned = body ? findAll(body, "Assignment").some((a) => program.declOf(stripParens(child(a, "leftHandSide"))) === d) : true;
  return init !== undefined && stripParens(stripConversions(init))?.nodeType === "Literal" && !reassigned;
}

/** Calls that sign, recover or prove a hash: a collision there lets one signature or proof stand for other values. */
const SIGNATURE_USE = /ecrecover|recover|signed|signature|verify|typedData|processProof/i;

/** keccak256(abi.encodePacked(a, b)) with two or more variable-length arguments: ("ab","c") and ("a","bc") collide. */
export const encodePackedCollision: Detector = {
  id: "encode-packed-collision",
  category: "signatures",
  title: "keccak256(abi.encodePacked(…)) with several dynamic arguments (hash collisions)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of callablesOf(contract)) {
        for (const hash of findAll(child(fn, "body")!, "FunctionCall")) {
          if (!isHashCall(program, hash)) continue;
          let packed = stripParens(list(hash, "arguments")[0]);
          if (packed?.nodeType === "Identifier") {
            const d = program.declOf(packed);
            packed = d && !isStateVariable(d) ? stripParens(initialValueOf(program, d)) : undefined;
          }
          if (!packed || packed.nodeType !== "FunctionCall" || builtinCallName(program, packed) !== "abi.encodePacked") continue;
          const args = list(packed, "arguments");
          const dynamic = args.filter((a) => isDynamicType(program, a) && !isFixedValue(program, a));
          if (dynamic.length < 2) continue;
          // a literal separator between every two dynamic values ("TypedDataSign(", name, " contents,…", type) delimits them
          const positions = dynamic.map((a) => args.indexOf(a));
          const separated = positions.slice(1).every((pos, k) => args.slice(positions[k]! + 1, pos).some((a) => stripParens(a)?.nodeType === "Literal" && String(stripParens(a)!.value ?? "").length > 0));
          if (separated) continue;
          // a length prefix (toString(message.length), message) makes the encoding unambiguous
          const keys = dynamic.map((a) => exprKey(program, stripParens(stripConversions(a)) ?? a));
          const lengthPrefixed = args.some((a) => {
            const text = expandedText(program, a).replace(/\s+/g, "");
            return keys.some((k) => text.includes(`${k}.length`) || text.includes(`${k}).length`));
          });
          if (lengthPrefixed) continue;
          const flow = followValue(program, hash);
          const critical = flow.uses.filter(
            (u) => u.kind === "index" || u.kind === "compare" || (u.kind === "argument" && SIGNATURE_USE.test(u.callName ?? "")),
          );
          const severity: Severity = critical.length > 0 ? "medium" : "low";
          const useLines = critical.filter((u) => program.fileOf(u.node) === file && program.callableOf(u.node) === fn).map((u) => u.node);
          ctx.report({
            detector: "encode-packed-collision",
            category: "signatures",
            severity,
            confidence: severity === "medium" ? "medium" : "low",
            lines: linesIn(program, file, [hash, ...useLines]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() hashes abi.encodePacked of ${dynamic.length} variable-length values (${dynamic.map((a) => program.text(a)).join(", ")}). ` +
              "Packed encoding drops their lengths, so different inputs hash the same (\"ab\" + \"c\" = \"a\" + \"bc\")" +
              (severity === "medium"
                ? ": the hash is used as a key, compared or signed, so a caller can present other values under the same hash (bypass a uniqueness check, reuse a signature)."
                : "."),
            remediation:
              "Hash the standard ABI encoding, which includes every length, instead of the packed one:\n" +
              "```solidity\nbytes32 key = keccak256(abi.encode(name, data));   // not abi.encodePacked(name, data)\n```\n" +
              "(or put a fixed-size separator such as the length of each value between them).",
          });
        }
      }
    }
  },
};

// ------------------------------------------------------------------------------------------------ forced-ether-balance

/** `address(this).balance`, `this.balance`, or a local holding it, possibly plus/minus other terms. */
function readsOwnBalance(program: Program, expr: AstNode | undefined, depth = 0): boolean {
  const e = stripParens(expr);
  if (!e) return false;
  if (e.nodeType === "MemberAccess" && str(e, "memberName") === "balance") {
    const base = stripConversions(child(e, "expression"));
    return isGlobal(program, base, "this");
  }
  if (e.nodeType === "BinaryOperation" && ["+", "-"].includes(str(e, "operator") ?? "")) {
    return readsOwnBalance(program, child(e, "leftExpression"), depth) || readsOwnBalance(program, child(e, "rightExpression"), depth);
  }
  if (e.nodeType === "FunctionCall" && isConversion(e)) return readsOwnBalance(program, list(e, "arguments")[0], depth);
  if (e.nodeType === "Identifier" && depth < 2) {
    const d = program.declOf(e);
    if (d?.nodeType === "VariableDeclaration" && !isStateVariable(d)) {
      const init = initialValueOf(program, d);
      // only a value taken once and never reassigned
      return !isReassignedLocal(program, d) && readsOwnBalance(program, init, depth + 1);
    }
  }
  return false;
}

/** Exact comparisons with the contract's ether balance: selfdestruct/coinbase can add ether without calling the contract. */
/**
 * `token.balanceOf(address(this))`, a local holding it, or a function of this contract that returns it
 * (`totalAssets()`), possibly plus/minus other terms: a balance anyone can raise by transferring tokens in.
 */
function readsOwnTokenBalance(program: Program, expr: AstNode | undefined, context: AstNode, depth = 0): boolean {
  const e = stripParens(expr);
  if (!e || depth > 3) return false;
  if (e.nodeType === "BinaryOperation" && ["+", "-"].includes(str(e, "operator") ?? "")) {
    const l = readsOwnTokenBalance(program, child(e, "leftExpression"), context, depth);
    const r = readsOwnTokenBalance(program, child(e, "rightExpression"), context, depth);
    // `after - before` is what arrived, not a balance
    return str(e, "operator") === "-" && l && r ? false : l || r;
  }
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d)) return false;
    return !isReassignedLocal(program, d) && readsOwnTokenBalance(program, initialValueOf(program, d), context, depth + 1);
  }
  if (e.nodeType !== "FunctionCall") return false;
  if (isConversion(e)) return readsOwnTokenBalance(program, list(e, "arguments")[0], context, depth);
  const ext = externalCall(program, e);
  if (ext) {
    const args = list(e, "arguments");
    const self = stripConversions(args[0]);
    return ext.functionName === "balanceOf" && args.length === 1 && self !== undefined && isGlobal(program, self, "this");
  }
  const callee = internalCallee(program, e, context);
  if (!callee || list(e, "arguments").length > 0 || !child(callee, "body")) return false;
  const rets = findAll(child(callee, "body")!, "Return");
  return rets.length > 0 && rets.every((r) => readsOwnTokenBalance(program, child(r, "expression"), context, depth + 1));
}

/**
 * The `balanceOf` call behind an expression that reads the token balance of a holder anyone can send tokens to without
 * calling it: this contract (`token.balanceOf(address(this))`) or a contract or address the contract stores
 * (`token.balanceOf(address(vault))`, an immutable or state variable); through a local holding it or a function of this
 * contract returning it, possibly plus/minus other terms. Not a difference of two readings (`after - before`: what arrived).
 */
function heldTokenBalance(program: Program, expr: AstNode | undefined, context: AstNode, depth = 0): AstNode | undefined {
  const e = stripParens(expr);
  if (!e || depth > 3) return undefined;
  if (e.nodeType === "BinaryOperation" && ["+", "-"].includes(str(e, "operator") ?? "")) {
    const l = heldTokenBalance(program, child(e, "leftExpression"), context, depth);
    const r = heldTokenBalance(program, child(e, "rightExpression"), context, depth);
    return str(e, "operator") === "-" && l && r ? undefined : l ?? r;
  }
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d)) return undefined;
    return isReassignedLocal(program, d) ? undefined : heldTokenBalance(program, initialValueOf(program, d), context, depth + 1);
  }
  if (e.nodeType !== "FunctionCall") return undefined;
  if (isConversion(e)) return heldTokenBalance(program, list(e, "arguments")[0], context, depth);
  const ext = externalCall(program, e);
  if (ext) {
    const args = list(e, "arguments");
    if (ext.functionName !== "balanceOf" || args.length !== 1) return undefined;
    const holder = stripConversions(args[0]);
    if (!holder) return undefined;
    if (isGlobal(program, holder, "this")) return e;
    const d = holder.nodeType === "Identifier" ? program.declOf(holder) : undefined;
    return d && isStateVariable(d) && /^(address|contract )/.test(typeString(d) ?? "address") ? e : undefined;
  }
  const callee = internalCallee(program, e, context);
  if (!callee || list(e, "arguments").length > 0 || !child(callee, "body")) return undefined;
  const rets = findAll(child(callee, "body")!, "Return").map((r) => heldTokenBalance(program, child(r, "expression"), context, depth + 1));
  return rets.length > 0 && rets.every((r) => r !== undefined) ? rets[0] : undefined;
}

/**
 * Caps on a token balance anyone can raise: guards that revert when such a balance (plus an amount) exceeds a limit —
 * `if (token.balanceOf(address(vault)) + amount > LIMIT) revert …`, `require(bal + amount <= LIMIT)`. Not a balance
 * held to an earlier reading of itself (the limit reads the balance too), nor a bound the caller passes in.
 */
function tokenBalanceCaps(program: Program, callable: AstNode, context: AstNode): { comparison: AstNode; balance: AstNode; limit: AstNode }[] {
  const out: { comparison: AstNode; balance: AstNode; limit: AstNode }[] = [];
  const body = child(callable, "body");
  if (!body) return out;
  const reverts = (stmt: AstNode | undefined): boolean => stmt !== undefined && stopsExecution(program, stmt) && findAll(stmt, "Return").length === 0;
  // `mustHold`: execution goes on only when the condition holds (require(c)); otherwise it reverts when it holds (if (c) revert)
  const visit = (cond: AstNode | undefined, mustHold: boolean): void => {
    const c = stripParens(cond);
    if (c?.nodeType === "UnaryOperation" && str(c, "operator") === "!") return visit(child(c, "subExpression"), !mustHold);
    if (c?.nodeType !== "BinaryOperation") return;
    const op = str(c, "operator") ?? "";
    const l = child(c, "leftExpression");
    const r = child(c, "rightExpression");
    if ((op === "&&" && mustHold) || (op === "||" && !mustHold)) {
      visit(l, mustHold);
      visit(r, mustHold);
      return;
    }
    if (!["<", "<=", ">", ">="].includes(op)) return;
    // the side that must stay small: `big <= limit` must hold, `big > limit` reverts
    const leftBig = op.startsWith("<") === mustHold;
    const [big, limit] = leftBig ? [l, r] : [r, l];
    const balance = heldTokenBalance(program, big, context);
    if (!balance || !limit || heldTokenBalance(program, limit, context) || isZeroLiteral(limit)) return;
    // `balance <= type(uint112).max`: a guard against a cast's overflow, which no donation of real tokens reaches
    const lim = stripConversions(limit);
    if (lim?.nodeType === "MemberAccess" && str(lim, "memberName") === "max" && /^type\(/.test(program.text(child(lim, "expression")!))) return;
    // `reserve - balance <= owed` (a flash loan repaid): the balance is subtracted, so a donation only helps it pass
    const diff = stripConversions(big);
    if (diff?.nodeType === "BinaryOperation" && str(diff, "operator") === "-" && !heldTokenBalance(program, child(diff, "leftExpression"), context)) return;
    if (mentionsBalanceReading(program, limit, context) || dependsOnInput(program, limit, callable)) return;
    out.push({ comparison: c, balance, limit });
  };
  for (const g of guardConditions(program, body)) {
    if (g.node.nodeType === "IfStatement") {
      if (reverts(child(g.node, "trueBody"))) visit(g.cond, false);
      else if (reverts(child(g.node, "falseBody"))) visit(g.cond, true);
    } else {
      visit(g.cond, true);
    }
  }
  return out;
}

/** Whether an expression reads any token balance, a local taken from one included (`before + amount`). */
function mentionsBalanceReading(program: Program, expr: AstNode, context: AstNode, depth = 0): boolean {
  if (depth > 2) return false;
  return findAll(expr, "FunctionCall", "Identifier").some((n) => {
    if (n.nodeType === "FunctionCall") return externalCall(program, n)?.functionName === "balanceOf" || heldTokenBalance(program, n, context) !== undefined;
    const d = program.declOf(n);
    if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d)) return false;
    const init = initialValueOf(program, d);
    return init !== undefined && mentionsBalanceReading(program, init, context, depth + 1);
  });
}

/**
 * `if (balance != reserve) reserve = balance;`: the comparison only decides whether to write the balance into the
 * record it was compared with (a pool's sync), so a donation is absorbed, not a block.
 */
function syncsRecord(program: Program, comparison: AstNode, record: AstNode | undefined): boolean {
  const branch = program.ancestor(comparison, "IfStatement");
  const cond = branch ? child(branch, "condition") : undefined;
  const rec = stripConversions(record);
  if (!branch || !rec || !(cond === comparison || (cond && program.contains(cond, comparison)))) return false;
  const key = exprKey(program, rec);
  return findAll(child(branch, "trueBody")!, "Assignment").some((a) => {
    const lhs = stripConversions(child(a, "leftHandSide"));
    return lhs !== undefined && exprKey(program, lhs) === key;
  });
}

export const forcedEtherBalance: Detector = {
  id: "forced-ether-balance",
  category: "denial_of_service",
  title: "Strict equality on address(this).balance (ether can be forced in), or a cap on a token balance anyone can raise",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of callablesOf(contract)) {
        // a balance compared with zero to pick a branch (`if (lpSupply == 0) return;`, `if (idle != 0) sweep(idle);`): a
        // donation only takes the other branch; against zero it blocks only as a guard that reverts (`require(bal == 0)`)
        // (an `if (bal == 0) return …;` is a branch too: a donation only skips the early return)
        const reverts = (stmt: AstNode | undefined): boolean => stmt !== undefined && stopsExecution(program, stmt) && findAll(stmt, "Return").length === 0;
        const guards = guardConditions(program, child(fn, "body")!)
          .filter((g) => g.node.nodeType !== "IfStatement" || reverts(child(g.node, "trueBody")) || reverts(child(g.node, "falseBody")))
          .map((g) => g.cond);
        const branchOnly = (b: AstNode): boolean => {
          if (guards.some((c) => c === b || program.contains(c, b))) return false;
          const branch = program.ancestor(b, "IfStatement", "Conditional");
          const cond = branch ? child(branch, "condition") : undefined;
          return cond !== undefined && (cond === b || program.contains(cond, b));
        };
        // a guard that lets the call through only when the balance is not zero (`if (totalAssets == 0) revert …;`,
        // `require(bal != 0)`): a donation only helps it pass (PoolTogether's previewWithdraw)
        const passesOnNonZero = (b: AstNode): boolean =>
          guardConditions(program, child(fn, "body")!).some((g) => {
            if (stripParens(g.cond) !== b) return false;
            const passWhenTrue = g.node.nodeType !== "IfStatement" || !reverts(child(g.node, "trueBody"));
            return (str(b, "operator") === "!=") === passWhenTrue;
          });
        const comparisons = findAll(child(fn, "body")!, "BinaryOperation").filter(
          (b) =>
            ["==", "!="].includes(str(b, "operator") ?? "") &&
            !((isZeroLiteral(child(b, "leftExpression")) || isZeroLiteral(child(b, "rightExpression"))) && (branchOnly(b) || passesOnNonZero(b))),
        );
        // not the balance compared with an earlier reading of itself (`address(this).balance == before`: did a call move ether?)
        const hits = comparisons.filter((b) => readsOwnBalance(program, child(b, "leftExpression")) !== readsOwnBalance(program, child(b, "rightExpression")));
        // a token balance held to an exact value by a record of the contract's own (`shares == balance`); not a
        // balance compared with an earlier reading of itself (`after == before + amount`, a fee-on-transfer check)
        const tokenHits = comparisons.filter((b) => {
          const l = readsOwnTokenBalance(program, child(b, "leftExpression"), contract);
          const r = readsOwnTokenBalance(program, child(b, "rightExpression"), contract);
          if (l === r || syncsRecord(program, b, l ? child(b, "rightExpression") : child(b, "leftExpression"))) return false;
          // a branch that reverts nowhere (`if (lastRewardBalance == rewardBalance) return;`, MagicSea's _updatePool):
          // a donated token only takes the other branch, where it is counted like any reward
          return !branchOnly(b);
        });
        const token = hits.length === 0 && tokenHits.length > 0;
        if (token) hits.push(...tokenHits);
        const restricted = fn.nodeType === "FunctionDefinition" && isRestricted(program, fn, contract);
        // a view that no state-changing code runs only answers off-chain reads: a balance that skips the value it waits
        // for blocks no transaction and locks no funds (a CTF's isComplete(), a dashboard's isSolvent())
        const offChainOnly = fn.nodeType === "FunctionDefinition" && isReadOnly(fn) && !runByStateChangingCode(program).has(fn);
        const offChainNote = offChainOnly
          ? ` ${displayName(fn)}() is a view that no state-changing function calls, so only off-chain readers see the wrong answer (low).`
          : "";
        if (hits.length === 0) {
          // a cap on a token balance anyone can raise by transferring tokens straight to the holder
          const caps = tokenBalanceCaps(program, fn, contract);
          if (caps.length === 0) continue;
          const { balance, limit } = caps[0]!;
          const held = stripConversions(list(balance, "arguments")[0]);
          const holder = held && isGlobal(program, held, "this") ? "the contract itself" : program.text(held ?? balance);
          ctx.report({
            detector: "forced-ether-balance",
            category: "denial_of_service",
            severity: restricted || offChainOnly ? "low" : "medium",
            confidence: "medium",
            lines: linesIn(program, file, caps.map((c) => c.comparison)),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() reverts when the token balance of ${holder} (${program.text(balance)}) goes over ${program.text(limit)}: a ` +
              `token-balance cap. Anyone can transfer tokens straight to ${holder} without calling the contract, so one transfer that ` +
              `brings the balance up to the cap makes ${displayName(fn)}() revert ${restricted ? "for the owner, who alone calls it" : "for everyone"} (denial of service).${offChainNote}`,
            remediation:
              "Cap what the contract has accepted through its own functions, tracked in a variable of its own, not the balance:\n" +
              "```solidity\nuint256 public totalDeposited;\nfunction deposit(uint256 amount) external {\n" +
              "    if (totalDeposited + amount > DEPOSIT_LIMIT) revert DepositLimitReached();   // not token.balanceOf(vault) + amount\n" +
              "    totalDeposited += amount;\n    token.safeTransferFrom(msg.sender, vault, amount);\n}\n```",
          });
          continue;
        }
        ctx.report({
          detector: "forced-ether-balance",
          category: "denial_of_service",
          severity: restricted || offChainOnly ? "low" : "medium",
          confidence: "high",
          lines: linesIn(program, file, hits),
          contract: str(contract, "name"),
          function: displayName(fn),
          message: token
            ? `${displayName(fn)}() requires the contract's token balance to equal a value it keeps itself. Anyone can transfer ` +
              "tokens to the contract without calling it, so one donated token makes the two differ forever and the check fails " +
              `for everyone: the function is blocked (denial of service).${offChainNote}`
            : `${displayName(fn)}() tests the contract's ether balance for an exact value. Anyone can add ether without calling the ` +
              "contract (selfdestruct of another contract, a block reward to this address, a pre-computed deployment address), so the " +
              `balance can skip the expected value forever: the game never ends, the check always fails, funds are stuck.${offChainNote}`,
          remediation: token
            ? "Do not hold the balance to your own accounting exactly; account for tokens received through your own functions, and " +
              "treat a surplus as a donation:\n```solidity\nif (balance < totalDeposited) revert Insolvent();   // instead of balance != totalDeposited\n```"
            : "Keep your own record of the ether the contract has received and test that, or compare with >= instead of ==:\n" +
            "```solidity\nuint256 public deposited;\nfunction deposit() external payable { deposited += msg.value; }\n" +
            "// if (deposited >= target) { ... }   instead of   if (address(this).balance == target)\n```",
        });
      }
    }
  },
};

// ------------------------------------------------------------------------------------------------ callback-reentrancy

/** Receiver hooks (ERC-721/1155 acceptance checks, ERC-777/1363 notifications) and the token calls that run them. */
const HOOK = RECEIVER_HOOK;
const HOOK_CALL = /^(safeTransferFrom|safeBatchTransferFrom|safeMint|operatorSend|transferAndCall|transferFromAndCall|approveAndCall)$/;

function isHookCall(call: OutgoingCall): boolean {
  const ext = call.external;
  if (!ext) return false;
  if (HOOK.test(ext.functionName) || HOOK_CALL.test(ext.functionName)) return true;
  // ERC-777 send(to, amount, data) on a token contract (not address.send)
  return ext.functionName === "send" && list(ext.call, "arguments").length === 3;
}

/** The statement being run is a check: `require(…)`/`assert(…)`, or the condition of an if/while (reads in inlined helpers). */
function isGuardStatement(program: Program, stmt: AstNode | undefined): boolean {
  if (!stmt) return false;
  if (stmt.nodeType === "IfStatement" || stmt.nodeType === "WhileStatement") return true;
  if (stmt.nodeType !== "ExpressionStatement") return false;
  const e = child(stmt, "expression");
  const name = e?.nodeType === "FunctionCall" ? builtinCallName(program, e) : undefined;
  return name === "require" || name === "assert";
}

interface HookState {
  hook?: OutgoingCall;
  guardReads: Set<AstNode>;
  writes: { decl: AstNode; node: AstNode; sites: AstNode[] }[];
}

/** State written after a receiver hook (`_safeMint`, `safeTransferFrom`, ERC-777 `send`) that the check before it relied on. */
export const callbackReentrancy: Detector = {
  id: "callback-reentrancy",
  category: "reentrancy",
  title: "State written after a token receiver hook (_safeMint, safeTransferFrom, ERC-777 send) that the earlier check relied on",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    let generic: RawFinding[] | undefined;
    const genericFindings = (): RawFinding[] => {
      if (!generic) {
        const found: RawFinding[] = [];
        reentrancy.run({ program, file, report: (f) => found.push(f) });
        generic = found;
      }
      return generic;
    };
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (hasReentrancyGuard(program, fn, contract)) continue;
        // One shared state (no forking): a hook inside a branch of an inlined helper still precedes what follows it.
        const state: HookState = { guardReads: new Set(), writes: [] };
        walkFlowEvents(program, fn, contract, {
          onCall: (call) => {
            if (state.hook || !isHookCall(call)) return;
            if (call.stack.some((f) => f !== fn && f.nodeType === "FunctionDefinition" && hasReentrancyGuard(program, f, contract))) return;
            state.hook = call;
          },
          onRead: (decl, node, sites) => {
            if (!state.hook && (isInCondition(program, node) || isGuardStatement(program, sites[sites.length - 1]))) state.guardReads.add(decl);
          },
          onWrite: (decl, node, sites) => {
            if (state.hook && state.guardReads.has(decl)) state.writes.push({ decl, node, sites });
          },
        });
        if (!state.hook) continue;
        // A write ahead of the hook in the same loop body follows it only through the loop's back edge: each iteration
        // checks and writes its own entry before its hook runs (`paid = …; nft.safeTransferFrom(…)` per loan)
        const hookAt = state.hook.sites[0] ?? state.hook.node;
        state.writes = state.writes.filter((w) => {
          const at = w.sites[0] ?? w.node;
          if (span(at).start >= span(hookAt).start) return true;
          const loop = program.ancestor(at, "ForStatement", "WhileStatement", "DoWhileStatement");
          return !(loop && program.contains(loop, hookAt));
        });
        if (state.writes.length === 0) continue;
        if (isRestricted(program, fn, contract, new Set(state.writes.map((w) => w.decl)))) continue;
        const hook = state.hook;
        const lines = linesIn(program, file, [hook.node, ...hook.sites, ...state.writes.flatMap((w) => [w.node, ...w.sites])]);
        const writeLines = linesIn(program, file, state.writes.flatMap((w) => [w.node, ...w.sites]));
        // the generic reentrancy detector already reports these writes
        const dup = genericFindings().some((f) => f.function === displayName(fn) && f.contract === str(contract, "name") && writeLines.every((l) => f.lines.includes(l)));
        if (dup) continue;
        const vars = [...new Set(state.writes.map((w) => str(w.decl, "name") ?? "?"))];
        const hookName = hook.external?.functionName ?? "a receiver hook";
        const siteText = hook.sites[0] && program.fileOf(hook.sites[0]) === file ? program.text(hook.sites[0]).split("\n")[0]!.replace(/;$/, "").slice(0, 80) : hookName;
        ctx.report({
          detector: "callback-reentrancy",
          category: "reentrancy",
          severity: "high",
          confidence: "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() checks ${vars.join(", ")}, then \`${siteText}\` calls the receiver (${hookName}) and only afterwards updates ` +
            `${vars.join(", ")}. A contract receiver can call ${displayName(fn)}() again from its hook while the check still sees the old value ` +
            "(for example to mint past a per-address limit).",
          remediation:
            "Update the state the check relies on before minting or transferring (checks-effects-interactions), or make the function `nonReentrant`:\n" +
            "```solidity\nrequire(minted[msg.sender] < MAX_PER_WALLET);\nminted[msg.sender] += 1;        // effect first\n" +
            "_safeMint(msg.sender, tokenId);  // the receiver hook runs last\n```\n(OpenZeppelin ReentrancyGuard: `function mint() external nonReentrant`.)",
        });
      }
    }
  },
};

/** The detectors of this group, in report order. */
export const CRYPTO_DETECTORS: readonly Detector[] = [
  ecrecoverZeroAddress,
  signatureMalleability,
  unsafeDowncast,
  unsafeSignCast,
  encodePackedCollision,
  forcedEtherBalance,
  callbackReentrancy,
];
