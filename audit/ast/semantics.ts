/**
 * Questions detectors ask about code, answered the same way for every compiler version (0.4 … 0.8) and for
 * the untyped parse-tree fallback.
 */
import type { AstNode } from "./node";
import { child, findAll, list, str, typeString, walk } from "./node";
import type { Program } from "./program";

export type FunctionKind = "constructor" | "function" | "fallback" | "receive" | "modifier";

export function functionKind(fn: AstNode): FunctionKind {
  if (fn.nodeType === "ModifierDefinition") return "modifier";
  const kind = str(fn, "kind");
  if (kind === "constructor" || kind === "fallback" || kind === "receive") return kind;
  if (kind === "function" || kind === "freeFunction") return "function";
  if (fn.isConstructor === true) return "constructor";
  if (str(fn, "name") === "") return "fallback";
  return "function";
}

export function visibility(fn: AstNode): string {
  return str(fn, "visibility") ?? "public";
}

/** A function anyone can call from outside: public/external, implemented, not a constructor. */
export function isEntryPoint(fn: AstNode): boolean {
  if (fn.nodeType !== "FunctionDefinition") return false;
  const vis = visibility(fn);
  if (vis !== "public" && vis !== "external") return false;
  if (functionKind(fn) === "constructor") return false;
  return child(fn, "body") !== undefined;
}

export function isReadOnly(fn: AstNode): boolean {
  const m = str(fn, "stateMutability");
  return m === "view" || m === "pure" || fn.constant === true || fn.isDeclaredConst === true;
}

export function isPayable(fn: AstNode): boolean {
  return str(fn, "stateMutability") === "payable" || fn.payable === true;
}

/** Major/minor of a version string: "0.4.26" → [0, 4]. */
export function minorVersion(version: string): number {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[2]) : 8;
}

/** Checked arithmetic is the default from 0.8.0. */
export function hasCheckedArithmetic(version: string): boolean {
  return minorVersion(version) >= 8;
}

export function contractKind(contract: AstNode): string {
  return str(contract, "contractKind") ?? "contract";
}

/** Whether a function (or modifier) is declared in a library. */
export function isLibraryFunction(program: Program, fn: AstNode): boolean {
  const owner = program.contractOf(fn);
  return owner !== undefined && contractKind(owner) === "library";
}

/** Whether an Identifier is a global (msg, block, tx, now, this, require, …) rather than a user declaration. */
export function isGlobal(program: Program, node: AstNode | undefined, name: string): boolean {
  return node?.nodeType === "Identifier" && str(node, "name") === name && program.declOf(node) === undefined;
}

/** Removes the parentheses around an expression: `((x))` → `x`. */
export function stripParens(node: AstNode | undefined): AstNode | undefined {
  let cur = node;
  while (cur?.nodeType === "TupleExpression" && list(cur, "components").length === 1) cur = list(cur, "components")[0];
  return cur;
}

/** Removes type conversions like `uint(msg.sender)`, `address(x)`, `payable(x)` and parentheses. */
export function stripConversions(node: AstNode | undefined): AstNode | undefined {
  let cur = stripParens(node);
  while (cur?.nodeType === "FunctionCall" && isConversion(cur)) cur = stripParens(list(cur, "arguments")[0]);
  return cur;
}

export function isConversion(call: AstNode): boolean {
  if (call.nodeType !== "FunctionCall") return false;
  if (str(call, "kind") === "typeConversion") return true;
  const callee = child(call, "expression");
  if (!callee || list(call, "arguments").length !== 1) return false;
  if (callee.nodeType === "ElementaryTypeNameExpression") return true;
  return callee.nodeType === "Identifier" && str(callee, "name") === "payable";
}

export function memberOf(program: Program, node: AstNode | undefined, object: string, member: string): boolean {
  return (
    node?.nodeType === "MemberAccess" && str(node, "memberName") === member && isGlobal(program, child(node, "expression"), object)
  );
}

/** msg.sender, _msgSender(), tx.origin (and conversions of them). */
export function isSenderLike(program: Program, node: AstNode | undefined, depth = 0): boolean {
  const n = stripConversions(node);
  if (!n) return false;
  if (n.nodeType === "Identifier" && depth === 0) {
    // address sender = _msgSender();
    const d = program.declOf(n);
    if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true && str(d, "storageLocation") !== "storage") {
      const init = initialValueOf(program, d);
      return init !== undefined && isSenderLike(program, init, 1);
    }
    return false;
  }
  if (memberOf(program, n, "msg", "sender") || memberOf(program, n, "tx", "origin")) return true;
  if (n.nodeType === "FunctionCall" && list(n, "arguments").length === 0) {
    const callee = child(n, "expression");
    const name = callee ? str(callee, "name") ?? str(callee, "memberName") : undefined;
    return name === "_msgSender" || name === "msgSender";
  }
  return false;
}

export function mentionsSender(program: Program, root: AstNode): boolean {
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (isSenderLike(program, n)) found = true;
    return undefined;
  });
  return found;
}

export type BlockValue = "timestamp" | "number" | "blockhash" | "difficulty" | "prevrandao" | "coinbase" | "gaslimit" | "basefee";

/** A read of a block property: block.timestamp/now, block.number, blockhash(n), difficulty, prevrandao, coinbase… */
export function blockValue(program: Program, node: AstNode): BlockValue | undefined {
  if (node.nodeType === "Identifier" && isGlobal(program, node, "now")) return "timestamp";
  if (node.nodeType === "MemberAccess" && isGlobal(program, child(node, "expression"), "block")) {
    const m = str(node, "memberName");
    if (m === "timestamp" || m === "number" || m === "difficulty" || m === "prevrandao" || m === "coinbase" || m === "gaslimit" || m === "basefee") {
      return m;
    }
    return undefined;
  }
  if (node.nodeType === "FunctionCall") {
    const callee = child(node, "expression");
    if (isGlobal(program, callee, "blockhash") || memberOf(program, callee, "block", "blockhash")) return "blockhash";
  }
  return undefined;
}

/** Name of a called built-in (require, assert, revert, keccak256, sha3, selfdestruct, …) or undefined. */
export function builtinCallName(program: Program, call: AstNode): string | undefined {
  if (call.nodeType !== "FunctionCall") return undefined;
  const callee = child(call, "expression");
  if (callee?.nodeType === "Identifier" && program.declOf(callee) === undefined) return str(callee, "name");
  if (callee?.nodeType === "MemberAccess" && isGlobal(program, child(callee, "expression"), "abi")) return `abi.${str(callee, "memberName")}`;
  return undefined;
}

export function isHashCall(program: Program, call: AstNode): boolean {
  const name = builtinCallName(program, call);
  return name === "keccak256" || name === "sha3" || name === "sha256" || name === "ripemd160";
}

export type LowLevelKind = "call" | "delegatecall" | "callcode" | "staticcall" | "send" | "transfer";

export interface LowLevelCall {
  kind: LowLevelKind;
  /** The address called. */
  target: AstNode;
  /** The ether sent, when any (`.value(x)`, `{value: x}`, send/transfer amount). */
  value?: AstNode;
  args: AstNode[];
  call: AstNode;
}

function isAddressType(program: Program, node: AstNode): boolean {
  const t = typeString(node);
  if (t !== undefined) return t.startsWith("address");
  // Untyped (parse-tree fallback): trust the member name.
  void program;
  return true;
}

/**
 * Unwraps `x.call.value(v).gas(g)(args)` (0.4–0.6) and `x.call{value: v, gas: g}(args)` (0.6+):
 * returns the innermost callee and the value expression.
 */
export function unwrapCallOptions(callee: AstNode | undefined): { callee: AstNode | undefined; value?: AstNode } {
  let cur = callee;
  let value: AstNode | undefined;
  for (;;) {
    if (cur?.nodeType === "FunctionCallOptions") {
      const names = (cur.names as string[] | undefined) ?? [];
      const opts = list(cur, "options");
      const i = names.indexOf("value");
      if (i >= 0) value = opts[i];
      cur = child(cur, "expression");
      continue;
    }
    if (cur?.nodeType === "FunctionCall") {
      const inner = child(cur, "expression");
      const m = inner?.nodeType === "MemberAccess" ? str(inner, "memberName") : undefined;
      if (inner && (m === "value" || m === "gas")) {
        const base = child(inner, "expression");
        const baseMember = base?.nodeType === "MemberAccess" ? str(base, "memberName") : undefined;
        const baseIsCall = base?.nodeType === "FunctionCall" || baseMember === "call" || baseMember === "delegatecall" || baseMember === "callcode";
        if (baseIsCall || base?.nodeType === "MemberAccess") {
          if (m === "value") value = list(cur, "arguments")[0];
          cur = base;
          continue;
        }
      }
    }
    return { callee: cur, value };
  }
}

/** Classifies `call` as a low-level address call (call, delegatecall, send, transfer, …). */
export function lowLevelCall(program: Program, call: AstNode): LowLevelCall | undefined {
  if (call.nodeType !== "FunctionCall") return undefined;
  const { callee, value } = unwrapCallOptions(child(call, "expression"));
  if (callee?.nodeType !== "MemberAccess") return undefined;
  const member = str(callee, "memberName");
  const target = child(callee, "expression");
  if (!target) return undefined;
  const args = list(call, "arguments");
  switch (member) {
    case "call":
    case "delegatecall":
    case "callcode":
    case "staticcall":
      if (!isAddressType(program, target)) return undefined;
      return { kind: member, target, value, args, call };
    case "send":
    case "transfer": {
      if (args.length !== 1) return undefined;
      const t = typeString(target);
      if (t !== undefined && !t.startsWith("address")) return undefined;
      if (t === undefined && child(call, "expression")?.nodeType !== "MemberAccess") return undefined;
      return { kind: member, target, value: args[0], args, call };
    }
    default:
      return undefined;
  }
}

/** `x.call.value(v)` written as a statement without the final `()`: the call never happens. */
export function isUnexecutedCallValue(program: Program, node: AstNode): boolean {
  if (node.nodeType !== "FunctionCall") return false;
  const callee = child(node, "expression");
  if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "value") return false;
  const base = child(callee, "expression");
  return base?.nodeType === "MemberAccess" && str(base, "memberName") === "call" && isAddressType(program, child(base, "expression")!);
}

export interface ExternalCall {
  call: AstNode;
  target: AstNode;
  functionName: string;
  /** The callee cannot change state (view/pure/constant). */
  readOnly: boolean;
  value?: AstNode;
}

/** A call of a function of another contract through a contract-typed expression (`token.transfer(…)`). */
export function externalCall(program: Program, call: AstNode): ExternalCall | undefined {
  if (call.nodeType !== "FunctionCall" || str(call, "kind") === "typeConversion" || str(call, "kind") === "structConstructorCall") {
    return undefined;
  }
  const { callee, value } = unwrapCallOptions(child(call, "expression"));
  if (callee?.nodeType !== "MemberAccess") return undefined;
  const target = child(callee, "expression");
  if (!target) return undefined;
  if (isGlobal(program, target, "this") || isGlobal(program, target, "super") || isGlobal(program, target, "abi")) return undefined;
  const t = typeString(callee);
  const name = str(callee, "memberName") ?? "";
  if (t !== undefined) {
    if (!/^function \(.*\).* external/.test(t) || t.includes(" external") === false) return undefined;
    const targetType = typeString(target) ?? "";
    if (!targetType.startsWith("contract ") && !targetType.startsWith("type(contract")) return undefined;
    if (targetType.startsWith("type(")) return undefined;
    const readOnly = / (view|pure|constant)\b/.test(t);
    return { call, target, functionName: name, readOnly, value };
  }
  // Untyped: the target must be declared with a contract type or be a conversion to a contract.
  if (isContractTyped(program, target)) {
    if (["call", "delegatecall", "callcode", "send", "transfer", "push", "pop", "length", "staticcall"].includes(name)) return undefined;
    const decl = resolveMemberFunction(program, target, name);
    const readOnly = decl ? isReadOnly(decl) : false;
    return { call, target, functionName: name, readOnly, value };
  }
  return undefined;
}

function contractTypeName(program: Program, node: AstNode): string | undefined {
  const n = stripParens(node);
  if (!n) return undefined;
  if (n.nodeType === "FunctionCall") {
    const callee = child(n, "expression");
    if (callee?.nodeType === "Identifier" && list(n, "arguments").length === 1) {
      const name = str(callee, "name") ?? "";
      if (program.contractsNamed(name).length > 0) return name;
    }
    return undefined;
  }
  const decl = program.declOf(n);
  if (decl?.nodeType === "VariableDeclaration") {
    const tn = child(decl, "typeName");
    if (tn?.nodeType === "UserDefinedTypeName") {
      const name = str(tn, "name") ?? str(child(tn, "pathNode") ?? tn, "name") ?? "";
      const c = program.contractsNamed(name.split(".").pop() ?? name)[0];
      if (c && str(c, "contractKind") !== "library") return name;
    }
  }
  return undefined;
}

function isContractTyped(program: Program, node: AstNode): boolean {
  return contractTypeName(program, node) !== undefined;
}

function resolveMemberFunction(program: Program, target: AstNode, name: string): AstNode | undefined {
  const cname = contractTypeName(program, target);
  if (!cname) return undefined;
  for (const c of program.contractsNamed(cname.split(".").pop() ?? cname)) {
    for (const base of program.linearized(c)) {
      for (const f of list(base, "nodes")) if (f.nodeType === "FunctionDefinition" && str(f, "name") === name) return f;
    }
  }
  return undefined;
}

/**
 * The function (or library function) an internal call runs, resolving virtual functions against `context`
 * (the most derived contract) by name and arity.
 */
export function internalCallee(program: Program, call: AstNode, context: AstNode | undefined): AstNode | undefined {
  if (call.nodeType !== "FunctionCall") return undefined;
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  if (!callee) return undefined;
  let decl = program.declOf(callee);
  const arity = list(call, "arguments").length;
  if (callee.nodeType === "Identifier") {
    if (!decl && !program.fileOf(call)?.typed && context) {
      decl = findFunction(program, context, str(callee, "name") ?? "", arity);
    }
    if (decl?.nodeType !== "FunctionDefinition") return undefined;
    if (context && decl.virtual === true) {
      return findFunction(program, context, str(decl, "name") ?? "", arity) ?? decl;
    }
    return decl;
  }
  if (callee.nodeType === "MemberAccess") {
    if (decl?.nodeType !== "FunctionDefinition") {
      const base = child(callee, "expression");
      if (isGlobal(program, base, "super") && context && !program.fileOf(call)?.typed) {
        return findFunction(program, context, str(callee, "memberName") ?? "", arity, 1);
      }
      return undefined;
    }
    const owner = program.contractOf(decl);
    const vis = visibility(decl);
    if (owner && contractKind(owner) === "library") return vis === "internal" || vis === "private" ? decl : undefined;
    // super.f(), Base.f(): internal calls into a base contract.
    const base = child(callee, "expression");
    const baseType = base ? typeString(base) : undefined;
    if (isGlobal(program, base, "super") || (baseType !== undefined && baseType.startsWith("type(contract"))) return decl;
    return undefined;
  }
  return undefined;
}

/** First function named `name` with `arity` parameters in the linearization of `contract` (skipping `skip`). */
export function findFunction(program: Program, contract: AstNode, name: string, arity: number, skip = 0): AstNode | undefined {
  const chain = program.linearized(contract).slice(skip);
  for (const c of chain) {
    for (const f of list(c, "nodes")) {
      if (f.nodeType !== "FunctionDefinition" || str(f, "name") !== name) continue;
      if (list(child(f, "parameters"), "parameters").length !== arity) continue;
      if (child(f, "body")) return f;
    }
  }
  return undefined;
}

/** The modifier definition a ModifierInvocation runs (resolving overrides against `context`). */
export function modifierOf(program: Program, invocation: AstNode, context: AstNode | undefined): AstNode | undefined {
  const nameNode = child(invocation, "modifierName");
  if (!nameNode) return undefined;
  const name = str(nameNode, "name") ?? "";
  const decl = program.declOf(nameNode);
  if (decl && decl.nodeType !== "ModifierDefinition") return undefined; // base constructor call
  if (context) {
    for (const c of program.linearized(context)) {
      for (const m of list(c, "nodes")) if (m.nodeType === "ModifierDefinition" && str(m, "name") === name) return m;
    }
  }
  return decl;
}

export function modifierName(invocation: AstNode): string {
  const n = child(invocation, "modifierName");
  return (n && str(n, "name")) ?? "";
}

/**
 * The variable an lvalue finally lands in: `a[i].b` → a; follows local storage pointers to their state
 * variable. For pointers into namespaced storage (ERC-7201: `S storage $ = _getStorage(); $.owner = x`)
 * the struct member written (`owner`) stands for the state variable.
 */
export function baseDeclaration(program: Program, expr: AstNode | undefined, depth = 0): AstNode | undefined {
  let cur = stripParens(expr);
  let rootMember: AstNode | undefined;
  while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess" || cur.nodeType === "IndexRangeAccess")) {
    const next = stripParens(child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression"));
    if (cur.nodeType === "MemberAccess" && next?.nodeType === "Identifier") rootMember = cur;
    cur = next;
  }
  if (!cur || cur.nodeType !== "Identifier") return undefined;
  const decl = program.declOf(cur);
  if (!decl || decl.nodeType !== "VariableDeclaration") return decl;
  if (decl.stateVariable === true || depth > 3) return decl;
  if (str(decl, "storageLocation") === "storage") {
    const init = initialValueOf(program, decl);
    const viaInit = init ? baseDeclaration(program, init, depth + 1) : undefined;
    if (viaInit && isStorageVariable(program, viaInit)) return viaInit;
    const member = rootMember ? program.declOf(rootMember) : undefined;
    if (member?.nodeType === "VariableDeclaration") return member;
  }
  return decl;
}

/** A state variable, or a member of a namespaced-storage struct reached through a storage pointer. */
export function isStorageVariable(program: Program, decl: AstNode | undefined): boolean {
  if (decl?.nodeType !== "VariableDeclaration") return false;
  if (decl.stateVariable === true) return true;
  return program.parent(decl)?.nodeType === "StructDefinition";
}

/** The initial value of a local variable declared in a VariableDeclarationStatement. */
export function initialValueOf(program: Program, decl: AstNode): AstNode | undefined {
  const stmt = program.parent(decl);
  if (stmt?.nodeType !== "VariableDeclarationStatement") return undefined;
  const decls = (stmt.declarations as (AstNode | null)[] | undefined) ?? [];
  const init = child(stmt, "initialValue");
  if (!init) return undefined;
  if (decls.length === 1) return init;
  if (init.nodeType === "TupleExpression") {
    const i = decls.indexOf(decl);
    return list(init, "components")[i];
  }
  return undefined;
}

/** Whether a local variable is assigned anywhere in its function after its declaration (`x = …`, `x += …`). */
export function isReassignedLocal(program: Program, decl: AstNode): boolean {
  const fn = program.callableOf(decl);
  const body = fn ? child(fn, "body") : undefined;
  return body !== undefined && findAll(body, "Assignment").some((a) => program.declOf(stripParens(child(a, "leftHandSide"))) === decl);
}

export function isStateVariable(decl: AstNode | undefined): boolean {
  return decl?.nodeType === "VariableDeclaration" && decl.stateVariable === true;
}

export function isConstantVariable(decl: AstNode): boolean {
  const m = str(decl, "mutability");
  return decl.constant === true || m === "constant" || m === "immutable";
}

/** The state variable an assignment / ++ / delete / push writes, if any. */
export function writtenStateVariable(program: Program, node: AstNode): { decl: AstNode; lhs: AstNode } | undefined {
  let lhs: AstNode | undefined;
  if (node.nodeType === "Assignment") lhs = child(node, "leftHandSide");
  else if (node.nodeType === "UnaryOperation") {
    const op = str(node, "operator");
    if (op === "++" || op === "--" || op === "delete") lhs = child(node, "subExpression");
  } else if (node.nodeType === "FunctionCall") {
    const callee = child(node, "expression");
    const m = callee?.nodeType === "MemberAccess" ? str(callee, "memberName") : undefined;
    if ((m === "push" || m === "pop") && callee) {
      const t = typeString(child(callee, "expression"));
      if (t === undefined || /\[\]/.test(t) || t.startsWith("bytes")) lhs = child(callee, "expression");
    }
  }
  if (!lhs) return undefined;
  if (lhs.nodeType === "TupleExpression") {
    for (const c of list(lhs, "components")) {
      const d = baseDeclaration(program, c);
      if (isWrittenStorage(program, d, c)) return { decl: d!, lhs: c };
    }
    return undefined;
  }
  const decl = baseDeclaration(program, lhs);
  return isWrittenStorage(program, decl, lhs) ? { decl: decl!, lhs } : undefined;
}

/** The parameters of a function or modifier. */
export function parameters(fn: AstNode): AstNode[] {
  return list(child(fn, "parameters"), "parameters");
}

export function isParameterOf(program: Program, decl: AstNode | undefined, fn: AstNode): boolean {
  if (!decl) return false;
  return parameters(fn).includes(decl);
}

/** Whether `expr` reads a parameter of `fn` (or msg.data / msg.value). */
export function dependsOnInput(program: Program, expr: AstNode, fn: AstNode): boolean {
  let found = false;
  walk(expr, (n) => {
    if (found) return false;
    if (n.nodeType === "Identifier" && isParameterOf(program, program.declOf(n), fn)) found = true;
    if (memberOf(program, n, "msg", "data") || memberOf(program, n, "msg", "value")) found = true;
    return undefined;
  });
  return found;
}

/** Statement that ends execution of the current path: throw, revert, return. */
export function stopsExecution(program: Program, stmt: AstNode | undefined): boolean {
  if (!stmt) return false;
  if (stmt.nodeType === "Throw" || stmt.nodeType === "RevertStatement" || stmt.nodeType === "Return") return true;
  if (stmt.nodeType === "ExpressionStatement") {
    const e = child(stmt, "expression");
    if (e?.nodeType !== "FunctionCall") return false;
    if (builtinCallName(program, e) === "revert") return true;
    // a helper that always reverts: Safe's revertWithError("GS200"), `_revert(Errors.X)`
    return alwaysReverts(program, e);
  }
  if (stmt.nodeType === "Block" || stmt.nodeType === "UncheckedBlock") {
    const ss = list(stmt, "statements");
    return ss.some((s) => stopsExecution(program, s));
  }
  return false;
}

/**
 * Whether an internal call runs a function whose body ends by reverting: its last statement is a revert, or inline
 * assembly that ends with `revert(…)`.
 */
function alwaysReverts(program: Program, call: AstNode): boolean {
  const callee = stripParens(child(call, "expression"));
  if (callee?.nodeType !== "Identifier") return false;
  const fn = program.declOf(callee);
  const body = fn?.nodeType === "FunctionDefinition" ? child(fn, "body") : undefined;
  const last = body ? list(body, "statements").at(-1) : undefined;
  if (!last) return false;
  if (last.nodeType === "RevertStatement" || last.nodeType === "Throw") return true;
  if (last.nodeType === "ExpressionStatement") {
    const e = child(last, "expression");
    return e?.nodeType === "FunctionCall" && builtinCallName(program, e) === "revert";
  }
  if (last.nodeType === "InlineAssembly" && last.AST !== undefined) {
    const stmts = list(last.AST as AstNode, "statements");
    const end = stmts.at(-1);
    const call = end?.nodeType === "YulExpressionStatement" ? child(end, "expression") : undefined;
    const name = call?.nodeType === "YulFunctionCall" ? (call.functionName as { name?: unknown } | undefined)?.name : undefined;
    return name === "revert";
  }
  return false;
}

/**
 * The guard conditions of a callable: arguments of require/assert, and conditions of if statements whose
 * branch stops execution. `negated` is true when the condition must be false for execution to continue.
 */
export function guardConditions(program: Program, root: AstNode): { cond: AstNode; node: AstNode }[] {
  const out: { cond: AstNode; node: AstNode }[] = [];
  walk(root, (n) => {
    if (n.nodeType === "FunctionCall") {
      const name = builtinCallName(program, n);
      if ((name === "require" || name === "assert") && list(n, "arguments")[0]) out.push({ cond: list(n, "arguments")[0]!, node: n });
    } else if (n.nodeType === "IfStatement") {
      const cond = child(n, "condition");
      if (cond && (stopsExecution(program, child(n, "trueBody")) || stopsExecution(program, child(n, "falseBody")))) {
        out.push({ cond, node: n });
      }
    }
    return undefined;
  });
  return out;
}

/** Whitespace-free source text of an expression, for structural comparisons. */
export function exprKey(program: Program, node: AstNode): string {
  return program.text(node).replace(/\s+/g, "").replace(/^\((.*)\)$/, "$1");
}

/** Every FunctionCall under `root` that runs a user function internally. */
export function internalCallsIn(program: Program, root: AstNode, context: AstNode | undefined): AstNode[] {
  const out: AstNode[] = [];
  for (const call of findAll(root, "FunctionCall")) {
    const callee = internalCallee(program, call, context);
    if (callee && child(callee, "body")) out.push(callee);
  }
  return out;
}

/** Whether the callable contains inline assembly that performs a call. */
export function assemblyCalls(root: AstNode): boolean {
  let found = false;
  walk(root, (n) => {
    if (found) return false;
    if (n.nodeType === "InlineAssembly") {
      const text = JSON.stringify(n.AST ?? n.operations ?? "");
      if (/"(call|delegatecall|callcode)"|\b(call|delegatecall|callcode)\(/.test(text)) found = true;
      return false;
    }
    return undefined;
  });
  return found;
}

/** Conditions of the if/while/?: statements a node sits in, up to `stop`. */
export function enclosingConditions(program: Program, node: AstNode, stop: AstNode): AstNode[] {
  const out: AstNode[] = [];
  let cur: AstNode | undefined = program.parent(node);
  while (cur && cur !== stop) {
    if ((cur.nodeType === "IfStatement" || cur.nodeType === "WhileStatement" || cur.nodeType === "Conditional") && child(cur, "condition")) {
      out.push(child(cur, "condition")!);
    }
    cur = program.parent(cur);
  }
  return out;
}

export interface ConditionPositionOptions {
  /** How many ancestors to look at (default 16). */
  maxDepth?: number;
  /** Only an if statement's condition counts, not a while loop's or a `?:`'s (default false). */
  ifOnly?: boolean;
  /** Any argument of require/assert counts, also the message (default false: only the condition, the first). */
  anyArgument?: boolean;
}

/** Whether a node sits in the condition of an if/while/?: or in a require/assert argument (same statement). */
export function isInCondition(program: Program, node: AstNode, options: ConditionPositionOptions = {}): boolean {
  const { maxDepth = 16, ifOnly = false, anyArgument = false } = options;
  let cur: AstNode | undefined = node;
  for (let i = 0; i < maxDepth && cur; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    const conditional = p.nodeType === "IfStatement" || (!ifOnly && (p.nodeType === "WhileStatement" || p.nodeType === "Conditional"));
    if (conditional && child(p, "condition") === cur) return true;
    if (p.nodeType === "FunctionCall" && p !== cur) {
      const name = builtinCallName(program, p);
      if ((name === "require" || name === "assert") && (anyArgument || list(p, "arguments")[0] === cur)) return true;
    }
    if (p.nodeType.endsWith("Statement") || p.nodeType === "Block") return false;
    cur = p;
  }
  return false;
}

function isWrittenStorage(program: Program, decl: AstNode | undefined, lhs: AstNode): boolean {
  if (isStateVariable(decl)) return true;
  // a struct member counts only when reached through a storage pointer (not a memory struct)
  if (!isStorageVariable(program, decl)) return false;
  let cur: AstNode | undefined = lhs;
  while (cur && (cur.nodeType === "IndexAccess" || cur.nodeType === "MemberAccess")) cur = child(cur, cur.nodeType === "MemberAccess" ? "expression" : "baseExpression");
  const root = cur ? program.declOf(cur) : undefined;
  return root !== undefined && str(root, "storageLocation") === "storage";
}

/** keccak256(…) converted to an integer, reduced with %, or compared: the hash is used as a number. */
export function hashUsedAsNumber(program: Program, hash: AstNode): boolean {
  let cur: AstNode = hash;
  for (let i = 0; i < 4; i++) {
    const p = program.parent(cur);
    if (!p) return false;
    if (p.nodeType === "FunctionCall" && isConversion(p)) {
      const t = typeString(p) ?? program.text(child(p, "expression") ?? p);
      if (/^u?int/.test(t)) return true;
      cur = p;
      continue;
    }
    if (p.nodeType === "BinaryOperation") return ["%", "/", "&", "<", ">", "<=", ">="].includes(str(p, "operator") ?? "");
    if (p.nodeType === "TupleExpression") {
      cur = p;
      continue;
    }
    return false;
  }
  return false;
}


/**
 * The contract a contract-typed expression's static type names, when that is a concrete contract (not an interface
 * or abstract contract): its code is known, so what its functions do can be read (`DamnValuableToken token`).
 */
export function concreteContractType(program: Program, expr: AstNode | undefined): AstNode | undefined {
  const n = stripParens(expr);
  if (!n) return undefined;
  const t = /^contract (\S+)$/.exec(typeString(n) ?? "");
  const name = t?.[1] ?? contractTypeName(program, n);
  if (!name) return undefined;
  const c = program.contractsNamed(name.split(".").pop() ?? name)[0];
  if (!c || contractKind(c) !== "contract" || c.abstract === true) return undefined;
  return c;
}

/** The function named `name` a contract runs (its own or the nearest base's), when it has a body. */
export function resolvedFunction(program: Program, contract: AstNode, name: string): AstNode | undefined {
  for (const base of program.linearized(contract)) {
    for (const f of list(base, "nodes")) if (f.nodeType === "FunctionDefinition" && str(f, "name") === name && child(f, "body")) return f;
  }
  return undefined;
}

/**
 * The base implementation a function hands its work to unchanged: an override whose body only adds checks that revert
 * (`require(!blacklisted[to])`) and then returns `super.f(a, b, …)` with its own parameters in order (a token that adds a
 * blacklist but moves exactly the amount asked). Undefined when it does anything else.
 */
export function passThroughTarget(program: Program, fn: AstNode, contract: AstNode): AstNode | undefined {
  const body = child(fn, "body");
  const stmts = body ? list(body, "statements") : [];
  const last = stmts[stmts.length - 1];
  if (!last) return undefined;
  for (const s of stmts.slice(0, -1)) {
    if (s.nodeType === "ExpressionStatement") {
      const e = child(s, "expression");
      if (e?.nodeType !== "FunctionCall" || !["require", "assert"].includes(builtinCallName(program, e) ?? "")) return undefined;
    } else if (s.nodeType === "IfStatement") {
      if (child(s, "falseBody") || !stopsExecution(program, child(s, "trueBody"))) return undefined;
    } else return undefined;
  }
  const call = stripParens(last.nodeType === "Return" ? child(last, "expression") : undefined);
  const callee = call?.nodeType === "FunctionCall" ? child(call, "expression") : undefined;
  if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== str(fn, "name")) return undefined;
  const base = child(callee, "expression");
  if (base?.nodeType !== "Identifier" || str(base, "name") !== "super") return undefined;
  const params = list(child(fn, "parameters")!, "parameters");
  const args = list(call!, "arguments");
  if (args.length !== params.length || !args.every((a, i) => a.nodeType === "Identifier" && program.declOf(a) === params[i])) return undefined;
  const lin = program.linearized(contract);
  const own = lin.findIndex((c) => list(c, "nodes").includes(fn));
  if (own < 0) return undefined;
  for (const c of lin.slice(own + 1)) {
    for (const f of list(c, "nodes")) if (f.nodeType === "FunctionDefinition" && str(f, "name") === str(fn, "name") && child(f, "body") && list(child(f, "parameters")!, "parameters").length === params.length) return f;
  }
  return undefined;
}

/** The implementation that really runs `name` on a contract, past overrides that only add checks ({@link passThroughTarget}). */
export function effectiveImplementation(program: Program, contract: AstNode, name: string): AstNode | undefined {
  let f = resolvedFunction(program, contract, name);
  for (let i = 0; f && i < 8; i++) {
    const next = passThroughTarget(program, f, contract);
    if (!next) break;
    f = next;
  }
  return f;
}

/**
 * Whether an expression names an address the deployer fixed: a constant or immutable state variable, or one nothing
 * but the constructor (or a one-time initializer) writes (`IERC20(token)` with `token` immutable). Users cannot bring
 * another contract in its place after deployment.
 */
export function fixedAtDeployment(program: Program, expr: AstNode | undefined, contract: AstNode, depth = 0): boolean {
  const t = stripConversions(expr);
  // a getter of a module the deployer wired in (`vault.collateral()`, `pool.asset()`): that module's configuration
  if (t?.nodeType === "FunctionCall" && list(t, "arguments").length === 0 && depth < 2) {
    const callee = child(t, "expression");
    const getter = callee?.nodeType === "MemberAccess" ? program.declOf(callee) : undefined;
    const readOnly = getter?.nodeType === "VariableDeclaration" || (getter?.nodeType === "FunctionDefinition" && isReadOnly(getter));
    return readOnly && callee !== undefined && fixedAtDeployment(program, child(callee, "expression"), contract, depth + 1);
  }
  const d = t?.nodeType === "Identifier" ? program.declOf(t) : undefined;
  // a local copy never reassigned (`address ve = voting_escrow;`, Velocimeter's distributor): what it copies
  if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true && depth < 3) {
    const init = initialValueOf(program, d);
    return init !== undefined && !isReassignedLocal(program, d) && fixedAtDeployment(program, init, contract, depth + 1);
  }
  if (!d || !isStateVariable(d)) return false;
  if (isConstantVariable(d)) return true;
  const setup = (f: AstNode): boolean => str(f, "kind") === "constructor" || /^(_{0,2}init|initiali[sz]e)/i.test(str(f, "name") ?? "");
  return program
    .linearized(contract)
    .flatMap((c) => list(c, "nodes").filter((n) => n.nodeType === "FunctionDefinition"))
    .every((f) => setup(f) || !findAll(child(f, "body") ?? f, "Assignment").some((a) => writtenStateVariable(program, a)?.decl === d));
}

/** Whether every `return` of a function returns the literal `true` (a token that reverts on failure). */
export function onlyReturnsTrue(fn: AstNode): boolean {
  const rets = findAll(child(fn, "body")!, "Return");
  return rets.length > 0 && rets.every((r) => {
    const e = stripParens(child(r, "expression"));
    return e?.nodeType === "Literal" && str(e, "value") === "true";
  });
}

/** Whether a declaration comes from a dependency (node_modules/, an npm package import, a Foundry lib/), e.g. OpenZeppelin's or solmate's ERC20. */
export function isFromDependency(program: Program, node: AstNode): boolean {
  const f = program.fileOf(node);
  if (!f) return false;
  if (/(^|[\\/])(node_modules|lib)[\\/]/.test(f.unitName) || f.unitName.startsWith("@") || /[\\/]node_modules[\\/]/.test(f.absPath)) return true;
  // imported through a remapping (`solmate/tokens/WETH.sol`) from a Foundry lib/ folder
  const abs = f.absPath.replace(/\\/g, "/");
  return /\/lib\//.test(abs) && !abs.endsWith(`/${f.unitName.replace(/\\/g, "/")}`);
}

/** The functions with a body a contract runs: its linearization, most derived first, overridden ones left out. */
export function effectiveFunctions(program: Program, contract: AstNode): AstNode[] {
  const seen = new Set<string>();
  const out: AstNode[] = [];
  for (const c of program.linearized(contract)) {
    for (const f of list(c, "nodes")) {
      if (f.nodeType !== "FunctionDefinition") continue;
      const kind = functionKind(f);
      if (kind === "constructor") continue;
      const key = kind === "function" ? `${str(f, "name")}/${parameters(f).length}` : kind;
      if (seen.has(key)) continue;
      seen.add(key);
      if (child(f, "body")) out.push(f);
    }
  }
  return out;
}

/** `this` or `address(this)`: the contract itself. */
export function isThis(program: Program, node: AstNode | undefined): boolean {
  const n = stripConversions(node);
  return isGlobal(program, n, "this") || (n !== undefined && n.nodeType === "Identifier" && str(n, "name") === "this");
}

/**
 * `x - x % P` (also `x + P - x % P`): the remainder taken off the same time it was taken from, which rounds that time to
 * a multiple of the period P — an epoch or maturity boundary, the same for every timestamp in the period.
 */
export function flooredToPeriod(program: Program, mod: AstNode): boolean {
  const parent = program.parent(mod);
  if (parent?.nodeType !== "BinaryOperation" || str(parent, "operator") !== "-" || child(parent, "rightExpression") !== mod) {
    // `(x % P)` in parentheses
    const up = parent?.nodeType === "TupleExpression" ? program.parent(parent) : undefined;
    if (up?.nodeType !== "BinaryOperation" || str(up, "operator") !== "-" || child(up, "rightExpression") !== parent) return false;
    return sameTimeIn(program, child(up, "leftExpression"), child(mod, "leftExpression"));
  }
  return sameTimeIn(program, child(parent, "leftExpression"), child(mod, "leftExpression"));
}

/** Whether `expr` contains the time `time` (the same expression text). */
function sameTimeIn(program: Program, expr: AstNode | undefined, time: AstNode | undefined): boolean {
  if (!expr || !time) return false;
  const key = program.text(time).replace(/\s+/g, "");
  return program.text(expr).replace(/\s+/g, "").includes(key);
}
