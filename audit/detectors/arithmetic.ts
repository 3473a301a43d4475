import type { AstNode } from "../ast/node";
import { child, findAll, list, span, str, typeString, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  blockValue,
  dependsOnInput,
  enclosingConditions,
  exprKey,
  externalCall,
  guardConditions,
  hasCheckedArithmetic,
  initialValueOf,
  isConstantVariable,
  isEntryPoint,
  isReassignedLocal,
  isReadOnly,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  memberOf,
  parameters,
  stripConversions,
  stripParens,
} from "../ast/semantics";
import type { Severity } from "../types";
import { severityRank } from "../types";
import { contractsIn, displayName, functionsOf, type Detector, type DetectorContext } from "./detector";
import { constantValue } from "./rounding";

const OVERFLOW_OPS = new Set(["+", "-", "*", "**", "+=", "-=", "*="]);

function isConstantExpr(program: Program, n: AstNode | undefined): boolean {
  const e = stripConversions(n);
  if (!e) return true;
  if (e.nodeType === "Literal") return true;
  if (e.isPure === true) return true;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    return d?.nodeType === "VariableDeclaration" && isConstantVariable(d);
  }
  if (e.nodeType === "MemberAccess" && str(e, "memberName") === "length") return false;
  if (e.nodeType === "BinaryOperation") return isConstantExpr(program, child(e, "leftExpression")) && isConstantExpr(program, child(e, "rightExpression"));
  return false;
}

function isIntegerType(n: AstNode): boolean {
  const t = typeString(n);
  return t === undefined || /^u?int\d*$/.test(t);
}

interface Op {
  node: AstNode;
  left: AstNode;
  right: AstNode;
  op: string;
  /** The variable the result is stored in (for compound assignments and `x = a + b`). */
  target?: AstNode;
}

function operationsIn(program: Program, root: AstNode): Op[] {
  const out: Op[] = [];
  walk(root, (n) => {
    if (n.nodeType === "BinaryOperation" && OVERFLOW_OPS.has(str(n, "operator") ?? "")) {
      const l = child(n, "leftExpression")!;
      const r = child(n, "rightExpression")!;
      if (!isIntegerType(n)) return undefined;
      const p = program.parent(n);
      let target: AstNode | undefined;
      if (p?.nodeType === "Assignment" && child(p, "rightHandSide") === n) target = child(p, "leftHandSide");
      out.push({ node: n, left: l, right: r, op: str(n, "operator")!, target });
    } else if (n.nodeType === "Assignment" && OVERFLOW_OPS.has(str(n, "operator") ?? "")) {
      const l = child(n, "leftHandSide")!;
      const r = child(n, "rightHandSide")!;
      if (!isIntegerType(l)) return undefined;
      out.push({ node: n, left: l, right: r, op: str(n, "operator")!.replace("=", ""), target: l });
    }
    return undefined;
  });
  return out;
}

/**
 * Whether a comparison in a guard of the function relates the operands (require(a >= b) before a - b),
 * the result and an operand (require(c >= a) after c = a + b), or bounds the only variable operand
 * (`if (count > 0)` before `count--`).
 */
function isGuarded(program: Program, node: AstNode, operands: AstNode[], mul: boolean, guards: AstNode[], resultKey: string | undefined): boolean {
  // `capacity -= inQuote ? amount : payout` after `if (inQuote ? amount > capacity : payout > capacity) revert`: each
  // alternative must be guarded
  const cond = operands.findIndex((x) => stripParens(x)?.nodeType === "Conditional");
  if (cond >= 0) {
    const c = stripParens(operands[cond])!;
    return [child(c, "trueExpression"), child(c, "falseExpression")].every(
      (alt) => alt !== undefined && isGuarded(program, node, operands.map((x, i) => (i === cond ? alt : x)), mul, guards, resultKey),
    );
  }
  const vars = operands.filter((x) => !isConstantExpr(program, x)).map((x) => exprKey(program, x));
  if (vars.length === 0) return true;
  for (const g of guards) {
    if (g === node) continue;
    if (program.contains(g, node)) {
      // checked after the fact, SafeMath's way: require((z = x + y) >= x), require(y == 0 || (z = x * y) / y == x)
      if (checkedInPlace(program, g, node, vars)) return true;
      continue;
    }
    for (const cmp of [g, ...findAll(g, "BinaryOperation")]) {
      if (cmp.nodeType !== "BinaryOperation" || !["<", ">", "<=", ">=", "==", "!="].includes(str(cmp, "operator") ?? "")) continue;
      // a local read in the guard stands for what it was loaded from (`uint old = balances[t]; require(old >= amount)`)
      const a = withAliases(program, child(cmp, "leftExpression")!);
      const b = withAliases(program, child(cmp, "rightExpression")!);
      const has = (side: string, k: string): boolean => side.includes(k);
      if (vars.length === 2) {
        const [x, y] = vars as [string, string];
        if ((has(a, x) && has(b, y)) || (has(a, y) && has(b, x))) return true;
      }
      if (resultKey && ((has(a, resultKey) && vars.some((v) => has(b, v))) || (has(b, resultKey) && vars.some((v) => has(a, v))))) return true;
      if (vars.length === 1) {
        const [x] = vars as [string];
        const other = has(a, x) ? child(cmp, "rightExpression")! : has(b, x) ? child(cmp, "leftExpression")! : undefined;
        if (other && !exprKey(program, other).includes(x) && (!mul || isConstantExpr(program, other))) return true;
      }
    }
  }
  return false;
}


/**
 * The key of an expression followed by the keys of the locals it reads, each replaced by the value it was declared
 * with (one level): `oldBalance + amount` also reads as `account.balances[token] + amount`.
 */
function withAliases(program: Program, expr: AstNode): string {
  let out = exprKey(program, expr);
  for (const id of [expr, ...findAll(expr, "Identifier")]) {
    const e = stripParens(id);
    if (e?.nodeType !== "Identifier") continue;
    const d = program.declOf(e);
    if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true) continue;
    const init = initialValueOf(program, d);
    if (init) out += ` ${exprKey(program, init)}`;
  }
  return out;
}

/** `msg.value`, or a local declared with it (`uint sent = msg.value`): bounded by the ether supply (< 2^87 wei). */
function isMsgValueLike(program: Program, x: AstNode): boolean {
  const e = stripConversions(x);
  if (!e) return false;
  if (program.text(e).replace(/\s+/g, "") === "msg.value") return true;
  const d = e.nodeType === "Identifier" ? program.declOf(e) : undefined;
  if (d?.nodeType !== "VariableDeclaration" || d.stateVariable === true) return false;
  const init = initialValueOf(program, d);
  return init !== undefined && program.text(stripConversions(init) ?? init).replace(/\s+/g, "") === "msg.value";
}

/** A literal or constant small enough that multiplying an ether amount by it stays far below 2^256 (< 2^128). */
function isSmallConstant(program: Program, x: AstNode): boolean {
  const e = stripConversions(x);
  if (e?.nodeType !== "Literal" || str(e, "kind") !== "number" || str(e, "subdenomination")) return false;
  const raw = (str(e, "value") ?? "").replace(/_/g, "");
  const m = /^(\d+)(?:e(\d+))?$/i.exec(raw);
  if (!m) return false;
  const digits = m[1]!.replace(/^0+/, "").length + Number(m[2] ?? 0);
  return digits <= 38;
}

/** The first ancestor that is not a parenthesis (a TupleExpression of one element). */
function stripParensUp(program: Program, node: AstNode): AstNode | undefined {
  let p = program.parent(node);
  while (p?.nodeType === "TupleExpression" && list(p, "components").length === 1) p = program.parent(p);
  return p;
}

/** A comparison in the guard with the operation (or its assignment) on one side and one of its operands alone on the other. */
function checkedInPlace(program: Program, guard: AstNode, node: AstNode, vars: string[]): boolean {
  for (const cmp of [guard, ...findAll(guard, "BinaryOperation")]) {
    if (cmp.nodeType !== "BinaryOperation" || !["<", ">", "<=", ">=", "=="].includes(str(cmp, "operator") ?? "")) continue;
    const l = child(cmp, "leftExpression")!;
    const r = child(cmp, "rightExpression")!;
    const holds = (side: AstNode): boolean => side === node || program.contains(side, node);
    const [withOp, other] = holds(l) ? [l, r] : holds(r) ? [r, l] : [undefined, undefined];
    if (withOp && other && vars.includes(exprKey(program, other))) return true;
  }
  return false;
}

/** A call that hands control to other code that can call back: a low-level call (not staticcall, send or transfer) or a state-changing external call. */
function canReenter(program: Program, call: AstNode): boolean {
  const ll = lowLevelCall(program, call);
  if (ll) return ll.kind === "call" || ll.kind === "delegatecall" || ll.kind === "callcode";
  const ext = externalCall(program, call);
  return ext !== undefined && !ext.readOnly;
}

/**
 * The guards that still hold at an operation on storage: a check made before a call that can re-enter no longer
 * does (`require(amount <= balances[msg.sender])`, then `msg.sender.call{value: amount}("")`, then an unchecked
 * `balances[msg.sender] -= amount`: a re-entrant withdrawal passes the same check, and the debit wraps).
 */
function guardsHolding(program: Program, body: AstNode, guards: AstNode[], op: Op): AstNode[] {
  const onStorage = [op.left, op.right, op.target].some((x) => x !== undefined && isStorageVariable(program, baseDeclaration(program, x)));
  if (!onStorage) return guards;
  const at = span(op.node).start;
  const calls = findAll(body, "FunctionCall").filter((c) => span(c).start < at && canReenter(program, c));
  if (calls.length === 0) return guards;
  return guards.filter((g) => {
    const end = span(g).start + span(g).length;
    return !calls.some((c) => span(c).start >= end);
  });
}

function isTimeArithmetic(program: Program, op: Op): boolean {
  const sides = [op.left, op.right];
  return sides.some((s) => {
    let found = false;
    walk(s, (n) => {
      const b = blockValue(program, n);
      if (b === "timestamp" || b === "number") found = true;
    });
    return found;
  }) && sides.some((s) => isConstantExpr(program, s));
}

const REMEDIATION_PRE08 =
  "Solidity before 0.8 wraps around silently on overflow and underflow. Check before you compute, or use OpenZeppelin SafeMath " +
  "(or move to Solidity ≥ 0.8, which reverts on overflow):\n```solidity\nrequire(balances[msg.sender] >= amount);   // before subtracting\n" +
  "balances[msg.sender] -= amount;\n// or: balances[msg.sender] = balances[msg.sender].sub(amount);  // SafeMath\n```";
const REMEDIATION_UNCHECKED =
  "Code inside `unchecked { … }` wraps around silently. Keep only operations that provably cannot overflow there, check the bound first, " +
  "and say why in a comment:\n```solidity\nif (balance < amount) revert InsufficientBalance();\nunchecked { balance -= amount; } // cannot underflow: checked above\n```";

export const integerOverflow: Detector = {
  id: "integer-overflow",
  category: "arithmetic",
  title: "Integer overflow/underflow: unchecked arithmetic before 0.8, arithmetic in unchecked blocks",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const checked = hasCheckedArithmetic(file.version);
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body")!;
        const roots = checked ? findAll(body, "UncheckedBlock") : [body];
        if (roots.length === 0) continue;
        const guards = guardConditions(program, body).map((g) => g.cond);
        const entry = isEntryPoint(fn) && !isReadOnly(fn);
        const restricted = entry && isAccessControlled(program, fn, contract);
        const found: { node: AstNode; severity: Severity; stale?: boolean }[] = [];
        for (const root of roots) {
          const justified = checked && hasJustification(file.lines.lineText(program.line(root)), file.lines.lineText(program.line(root) - 1), program.text(root));
          for (const op of operationsIn(program, root)) {
            if (isConstantExpr(program, op.left) && isConstantExpr(program, op.right)) continue;
            if (isTimeArithmetic(program, op)) continue;
            let resultKey: string | undefined;
            const p = program.parent(op.node);
            if (p?.nodeType === "VariableDeclarationStatement") {
              const d = ((p.declarations as (AstNode | null)[]) ?? [])[0];
              if (d) resultKey = str(d, "name");
            } else if (op.target) resultKey = exprKey(program, op.target);
            const mul = op.op === "*" || op.op === "**";
            const all = [...guards, ...enclosingConditions(program, op.node, body)];
            // before 0.8 every debit after a call is this case, and the reentrancy finding names it; inside `unchecked`
            // the wrap is what makes a re-entry pay (checked arithmetic would revert the re-entrant debit)
            const holding = checked ? guardsHolding(program, body, all, op) : all;
            if (isGuarded(program, op.node, [op.left, op.right], mul, holding, resultKey)) continue;
            const stale = holding.length < all.length && isGuarded(program, op.node, [op.left, op.right], mul, all, resultKey);
            // balanceOf[to] += amount after a checked debit of balanceOf[from] or credit of totalSupply by the same amount
            if (checked && boundedByCheckedCounterpart(program, body, op)) continue;
            if (op.op === "+" && isConstantExpr(program, op.right) && /^1$/.test(program.text(op.right).trim()) && !op.target) continue;
            // Adding msg.value cannot overflow in practice (bounded by the ether supply), nor can multiplying it by a
            // constant below 2^128.
            if (op.op === "+" && [op.left, op.right].some((x) => isMsgValueLike(program, x))) continue;
            if (op.op === "*" && ((isMsgValueLike(program, op.left) && isSmallConstant(program, op.right)) || (isMsgValueLike(program, op.right) && isSmallConstant(program, op.left)))) continue;
            // a difference or sum only compared for equality (`after - before == amount`): a wrapped value fails the check
            const cmpParent = stripParensUp(program, op.node);
            if (!op.target && cmpParent?.nodeType === "BinaryOperation" && ["==", "!="].includes(str(cmpParent, "operator") ?? "")) continue;
            const stored = op.target !== undefined && isStateVariable(baseDeclaration(program, op.target));
            const input = dependsOnInput(program, op.node, fn) || (op.target !== undefined && dependsOnInput(program, op.target, fn));
            const feedsPayment = isPaymentOrCheck(program, op.node);
            let severity: Severity;
            if (checked) severity = justified ? "info" : restricted ? "low" : entry && stored && input ? "high" : "low";
            else if (opJustified(program, file, op.node)) severity = "info"; // "overflow is desired" (Uniswap's oracles)
            else if (restricted) severity = "low"; // only the owner chooses the operands
            else severity = entry && stored && input ? "high" : stored || (input && feedsPayment) ? "medium" : "low";
            found.push({ node: op.node, severity, stale });
          }
          // ++/-- in unchecked: a counter in storage or a value the caller chose (loop counters are left alone)
          if (checked) {
            for (const step of stepsIn(root)) {
              const { operand, decrement } = step;
              if (isLoopCounter(program, step.node, operand, body)) continue;
              if (isGuarded(program, step.node, [operand], false, [...guards, ...enclosingConditions(program, step.node, body)], undefined)) continue;
              const stored = isStorageVariable(program, baseDeclaration(program, operand));
              const input = readsCallerValue(program, operand, fn) || inputLocal(program, operand, fn);
              if (!stored && !input) continue;
              // One step up cannot wrap a 64-bit or wider counter in practice; one step down wraps any type at zero.
              const bits = integerBits(operand);
              if (!decrement && !(bits < 64)) continue;
              found.push({ node: step.node, severity: justified ? "info" : entry && stored ? (input ? "high" : "medium") : "low" });
            }
          }
        }
        if (found.length === 0) continue;
        const severity = found.reduce<Severity>((m, f) => (severityRank(f.severity) > severityRank(m) ? f.severity : m), "info");
        const lines = [...new Set(found.map((f) => program.line(f.node)))].sort((a, b) => a - b);
        ctx.report({
          detector: checked ? "unchecked-arithmetic" : "integer-overflow",
          category: "arithmetic",
          severity,
          confidence: severity === "high" ? "high" : "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            (checked
              ? `${displayName(fn)}() does arithmetic inside \`unchecked\` without a bound check on line${lines.length > 1 ? "s" : ""} ${lines.join(", ")}: a result outside the type's range wraps around instead of reverting.`
              : `${displayName(fn)}() adds, subtracts or multiplies without an overflow check (Solidity ${file.version} wraps around silently) on line${lines.length > 1 ? "s" : ""} ${lines.join(", ")}.`) +
            (found.some((f) => f.stale)
              ? " Its bound is checked, but before an external call that can re-enter: a re-entrant call passes the same check on the old value, and the operation after the call wraps."
              : ""),
          remediation: checked ? REMEDIATION_UNCHECKED : REMEDIATION_PRE08,
        });
      }
    }
  },
};

interface Step {
  node: AstNode;
  operand: AstNode;
  decrement: boolean;
}

/** `x++`, `++x`, `x--`, `--x` on integers under `root`. */
function stepsIn(root: AstNode): Step[] {
  const out: Step[] = [];
  for (const n of findAll(root, "UnaryOperation")) {
    const operator = str(n, "operator");
    const operand = child(n, "subExpression");
    if ((operator !== "++" && operator !== "--") || !operand || !isIntegerType(operand)) continue;
    out.push({ node: n, operand, decrement: operator === "--" });
  }
  return out;
}

/** The width of an integer expression's type in bits (256 for `uint`), NaN when the type is not known. */
function integerBits(n: AstNode): number {
  const m = /^u?int(\d*)$/.exec(typeString(n) ?? "");
  return m ? Number(m[1] || 256) : Number.NaN;
}

/**
 * A loop counter: the variable stepped is declared in an enclosing for loop's initialisation or compared in an
 * enclosing loop's condition (`for (uint256 i; i < n; ) { …; unchecked { ++i; } }`), so the loop bounds it.
 */
function isLoopCounter(program: Program, node: AstNode, operand: AstNode, stop: AstNode): boolean {
  const key = exprKey(program, operand);
  const decl = stripParens(operand)?.nodeType === "Identifier" ? program.declOf(stripParens(operand)) : undefined;
  for (let cur = program.parent(node); cur && cur !== stop; cur = program.parent(cur)) {
    if (cur.nodeType !== "ForStatement" && cur.nodeType !== "WhileStatement" && cur.nodeType !== "DoWhileStatement") continue;
    const init = child(cur, "initializationExpression");
    if (decl && init && findAll(init, "VariableDeclaration").includes(decl)) return true;
    const cond = child(cur, "condition");
    if (cond && findAll(cond, "BinaryOperation").some((c) => ["<", ">", "<=", ">=", "!="].includes(str(c, "operator") ?? "") && [child(c, "leftExpression"), child(c, "rightExpression")].some((x) => x !== undefined && exprKey(program, x) === key))) return true;
  }
  return false;
}

/**
 * Whether `expr` reads a value the caller chose: a parameter of `fn` other than a storage reference (a library's
 * `Queue storage q` points into the contract's own state), msg.value or msg.data.
 */
function readsCallerValue(program: Program, expr: AstNode, fn: AstNode): boolean {
  const params = parameters(fn).filter((p) => str(p, "storageLocation") !== "storage");
  return (
    findAll(expr, "Identifier").some((n) => {
      const d = program.declOf(n);
      return d !== undefined && params.includes(d);
    }) ||
    findAll(expr, "MemberAccess").some((n) => memberOf(program, n, "msg", "value") || memberOf(program, n, "msg", "data"))
  );
}

/** A local whose initial value the caller chose (`uint8 n = uint8(count_);`). */
function inputLocal(program: Program, operand: AstNode, fn: AstNode): boolean {
  const e = stripParens(operand);
  const decl = e?.nodeType === "Identifier" ? program.declOf(e) : undefined;
  if (!decl || decl.nodeType !== "VariableDeclaration" || decl.stateVariable === true) return false;
  const init = initialValueOf(program, decl);
  return init !== undefined && readsCallerValue(program, init, fn);
}

/** `t += a`, `t -= a`, `t = t + a`, `t = a + t`, `t = t - a`: what is updated, in which direction, by how much. */
interface Update {
  node: AstNode;
  target: AstNode;
  op: "+" | "-";
  amount: AstNode;
}

function updateOf(program: Program, assignment: AstNode | undefined): Update | undefined {
  if (assignment?.nodeType !== "Assignment") return undefined;
  const target = child(assignment, "leftHandSide");
  const rhs = child(assignment, "rightHandSide");
  if (!target || !rhs) return undefined;
  const operator = str(assignment, "operator");
  if (operator === "+=" || operator === "-=") return { node: assignment, target, op: operator === "+=" ? "+" : "-", amount: rhs };
  const e = stripParens(rhs);
  if (operator !== "=" || e?.nodeType !== "BinaryOperation") return undefined;
  const op = str(e, "operator");
  const l = child(e, "leftExpression");
  const r = child(e, "rightExpression");
  if ((op !== "+" && op !== "-") || !l || !r) return undefined;
  const key = exprKey(program, target);
  if (exprKey(program, l) === key) return { node: assignment, target, op, amount: r };
  if (op === "+" && exprKey(program, r) === key) return { node: assignment, target, op, amount: l };
  return undefined;
}

/** The same amount: the same declaration read (`amount`, `uint256(amount)`), else the same source text. */
function sameAmount(program: Program, a: AstNode, b: AstNode): boolean {
  const x = stripConversions(a) ?? a;
  const y = stripConversions(b) ?? b;
  if (x.nodeType === "Identifier" && y.nodeType === "Identifier") {
    const dx = program.declOf(x);
    const dy = program.declOf(y);
    if (dx && dy) return dx === dy;
  }
  return exprKey(program, x) === exprKey(program, y);
}

/** The storage mapping (or array) an element update lands in: `balanceOf[to]` → balanceOf. */
function balanceRecord(program: Program, target: AstNode): AstNode | undefined {
  if (stripParens(target)?.nodeType !== "IndexAccess") return undefined;
  const d = baseDeclaration(program, target);
  return isStorageVariable(program, d) ? d : undefined;
}

/** A storage total updated as a whole: `totalSupply`, `$.totalSupply`. */
function storageTotal(program: Program, target: AstNode): AstNode | undefined {
  const t = stripParens(target);
  if (t?.nodeType !== "Identifier" && t?.nodeType !== "MemberAccess") return undefined;
  const d = baseDeclaration(program, target);
  return isStorageVariable(program, d) ? d : undefined;
}

/**
 * The ERC-20 bookkeeping idiom (solmate, OpenZeppelin): an unchecked update whose range is bounded by a checked
 * update of the same amount that runs before it on every path (a statement of an enclosing block, outside `unchecked`):
 * - `balanceOf[from] -= amount; unchecked { balanceOf[to] += amount; }`: the amount left one balance of the mapping,
 *   so the sum of balances did not grow;
 * - `totalSupply += amount; unchecked { balanceOf[to] += amount; }`: no balance exceeds the checked total;
 * - `balanceOf[from] -= amount; unchecked { totalSupply -= amount; }`: the total is at least the balance just debited.
 */
function boundedByCheckedCounterpart(program: Program, body: AstNode, op: Op): boolean {
  const assignment = op.node.nodeType === "Assignment" ? op.node : program.parent(op.node);
  const u = updateOf(program, assignment);
  if (!u || !(op.node === u.node || child(u.node, "rightHandSide") === op.node)) return false;
  const record = balanceRecord(program, u.target);
  const total = record ? undefined : storageTotal(program, u.target);
  if (!(u.op === "+" && record) && !(u.op === "-" && total)) return false;
  return findAll(body, "Assignment").some((a) => {
    if (a === u.node || !program.before(a, u.node) || program.ancestor(a, "UncheckedBlock") !== undefined) return false;
    // runs before the unchecked update on every path: a statement of a block that encloses it
    const stmt = program.ancestor(a, "ExpressionStatement");
    const block = stmt ? program.parent(stmt) : undefined;
    if (block?.nodeType !== "Block" || !program.contains(block, u.node)) return false;
    const c = updateOf(program, a);
    if (!c || !sameAmount(program, c.amount, u.amount)) return false;
    if (u.op === "+") {
      if (c.op === "-") return balanceRecord(program, c.target) === record;
      const t = storageTotal(program, c.target);
      return t !== undefined && t !== record;
    }
    return c.op === "-" && balanceRecord(program, c.target) !== undefined;
  });
}

/** Before 0.8: a `//` comment on the operation's line or the two above that says why it may or cannot wrap. */
function opJustified(program: Program, file: DetectorContext["file"], node: AstNode): boolean {
  const line = program.line(node);
  const near = [line, line - 1, line - 2].map((n) => (n > 0 ? /\/\/.*$/.exec(file.lines.lineText(n))?.[0] ?? "" : "")).join("\n");
  return near.trim() !== "" && INTENDED_WRAP.test(near);
}

/** Phrases that say a wrap is intended or impossible ("overflow is desired", "cannot underflow"), not just the word. */
const INTENDED_WRAP =
  /\b(over|under)flows? (is|are) (desired|intended|acceptable|expected|fine|ok|okay|allowed|wanted)\b|\b(cannot|can't|can not|never|won't|will not|doesn't|does not|should not) (over|under)flow|\bwrap(s|ping)?( around)? (is )?(intended|desired|expected|fine|ok)\b|\bchecked (above|before|earlier)\b/i;

/** A comment in or just above the unchecked block that says why it cannot overflow. */
function hasJustification(line: string, prev: string, text: string): boolean {
  const comments = [line, prev, text].join("\n").match(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g) ?? [];
  return comments.some((c) => /\b(cannot|can't|never|overflows?|underflows?|safe|bounded|wraps?|wrapping|because|since|guaranteed|at most|fits)\b|<=|≤/i.test(c));
}

function isPaymentOrCheck(program: Program, node: AstNode): boolean {
  let cur: AstNode | undefined = program.parent(node);
  for (let i = 0; i < 6 && cur; i++) {
    if (cur.nodeType === "FunctionCall") {
      if (lowLevelCall(program, cur)) return true;
      const callee = child(cur, "expression");
      if (callee?.nodeType === "Identifier" && (str(callee, "name") === "require" || str(callee, "name") === "assert")) return true;
    }
    if (cur.nodeType === "IfStatement") return true;
    cur = program.parent(cur);
  }
  return false;
}

/** (a / b) * c loses precision: the division rounds down first. */
/** A bitwise expression: `~x`, `x & m`, `x | y`, `x ^ y` (shifts are scaling, handled apart). */
function isBitwise(n: AstNode | undefined): boolean {
  const e = n && n.nodeType === "TupleExpression" && list(n, "components").length === 1 ? list(n, "components")[0] : n;
  if (!e) return false;
  if (e.nodeType === "UnaryOperation") return str(e, "operator") === "~";
  return e.nodeType === "BinaryOperation" && ["&", "|", "^"].includes(str(e, "operator") ?? "");
}

export const divideBeforeMultiply: Detector = {
  id: "divide-before-multiply",
  category: "arithmetic",
  title: "Division before multiplication (precision loss)",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body")!;
        const hits: AstNode[] = [];
        const dust = new Set<AstNode>();
        // The division behind a factor: `a / b` itself, or a local declared as `q = a / b` (then `via` is q).
        const divisionOf = (n: AstNode | undefined): { div: AstNode; via?: AstNode } | undefined => {
          const e = stripConversions(n);
          if (!e) return undefined;
          if (e.nodeType === "BinaryOperation" && str(e, "operator") === "/") return { div: e };
          if (e.nodeType === "Identifier") {
            const d = program.declOf(e);
            if (d && d.stateVariable !== true) {
              const init = stripConversions(initialValueOf(program, d));
              if (init?.nodeType === "BinaryOperation" && str(init, "operator") === "/") return { div: init, via: d };
            }
          }
          return undefined;
        };
        walk(body, (n) => {
          if (n.nodeType === "BinaryOperation" && str(n, "operator") === "*") {
            for (const [side, other] of [
              [child(n, "leftExpression"), child(n, "rightExpression")],
              [child(n, "rightExpression"), child(n, "leftExpression")],
            ] as const) {
              const found = divisionOf(side);
              if (!found || !other) continue;
              const div = found.div;
              // a sign flip or identity (`deviation * -1`: an absolute value, Midas' price deviation) scales nothing
              if (/^-?\(?1\)?$/.test(exprKey(program, other))) continue;
              // x / unit * unit rounds down to a multiple of unit on purpose.
              const divisor = child(div, "rightExpression");
              if (divisor && exprKey(program, divisor) === exprKey(program, other)) continue;
              // (x + (d - 1)) / d rounds up on purpose (ceiling division: 4 * ((len + 2) / 3) in Base64).
              if (isCeilDivision(program, div)) continue;
              // A whole-number quotient: q = a / b where the truncation is the point, i.e. the function also takes
              // q times the divisor (the remainder a - b * q: Euclid's algorithm in Math.invMod), or q is named as a
              // count of whole units (quotient, times, periods…).
              if (found.via && (namedAsWholeCount(str(found.via, "name") ?? "") || (divisor && multipliesByDivisor(program, body, found.via, divisor)))) continue;
              if (isConstantExpr(program, child(div, "leftExpression")) && isConstantExpr(program, divisor)) continue;
              // fixed-point: the dividend was scaled up first ((x << 112) / y, x * 1e18 / y), so little is lost
              if (isScaled(program, child(div, "leftExpression"))) continue;
              // bit manipulation, not an amount: `~len / 0xffff * 0x7739` (solady's ERC1271) divides a bitwise result
              if (isBitwise(child(div, "leftExpression"))) continue;
              // the fallback an overflow probe takes (`if ((a * b) / a == b) … else … a / c * b`): dividing first is
              // how it avoids the overflow, on values large enough that the rounding is negligible
              if (inOverflowFallback(program, n)) continue;
              hits.push(n);
              if (chainedRescaling(program, n, div, other) || descaledLater(program, body, n, div)) dust.add(n);
              break;
            }
          }
          return undefined;
        });
        if (hits.length === 0) continue;
        const lines = [...new Set(hits.map((h) => program.line(h)))].sort((a, b) => a - b);
        const small = hits.every((h) => dust.has(h));
        ctx.report({
          detector: "divide-before-multiply",
          category: "arithmetic",
          severity: small ? "low" : "medium",
          confidence: "medium",
          lines,
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() divides before it multiplies (\`${program.text(hits[0]!).slice(0, 80)}\`): the division rounds down first and the error is multiplied.` +
            (small
              ? " Here the first division rescales a product and the multiplication is divided again (or multiplies by a fraction of at most one), so the error stays below a unit or two of the result."
              : ""),
          remediation: "Multiply first, then divide (or use `Math.mulDiv(a, b, c)` from OpenZeppelin to avoid overflow):\n```solidity\nuint256 fee = amount * feeBps / 10_000;   // not amount / 10_000 * feeBps\n```",
        });
      }
    }
  },
};


/**
 * `q * m / D` after `q = a * b / K`: two rescalings in a row (an interest `rate * time / YEAR` applied as
 * `amount * interest / SCALE`, a price conversion `p * x / 1e18` scaled to decimals). The first quotient is a
 * properly scaled quantity whose truncation is under one unit, and the next division scales that unit back down, so
 * the result is off by at most a unit or two. So is `q * m / D` with literals m ≤ D (a fee or a percentage), whatever
 * q is: the error is not amplified.
 */
function chainedRescaling(program: Program, mul: AstNode, div: AstNode, factor: AstNode): boolean {
  let up = program.parent(mul);
  while (up?.nodeType === "TupleExpression" && list(up, "components").length === 1) up = program.parent(up);
  const inner = (n: AstNode | undefined): AstNode | undefined => {
    let e = n;
    while (e?.nodeType === "TupleExpression" && list(e, "components").length === 1) e = list(e, "components")[0];
    return e;
  };
  const left = up?.nodeType === "BinaryOperation" && str(up, "operator") === "/" ? child(up, "leftExpression") : undefined;
  if (!up || !left || !(left === mul || program.contains(left, mul))) return false;
  const m = literalValue(factor);
  const d = literalValue(child(up, "rightExpression"));
  if (m !== undefined && d !== undefined && m <= d) return true;
  const dividend = stripConversions(inner(child(div, "leftExpression")));
  return dividend?.nodeType === "BinaryOperation" && str(dividend, "operator") === "*";
}

/** Whether `node` sits in the else branch of an `if` that probes a multiplication for overflow: `(a * b) / a == b`. */
function inOverflowFallback(program: Program, node: AstNode): boolean {
  for (let cur: AstNode | undefined = node, up = program.parent(node); up; cur = up, up = program.parent(up)) {
    if (up.nodeType !== "IfStatement" || child(up, "falseBody") !== cur) continue;
    const probe = findAll(child(up, "condition")!, "BinaryOperation").some((eq) => {
      if (str(eq, "operator") !== "==") return false;
      return [child(eq, "leftExpression"), child(eq, "rightExpression")].some((side) => {
        const q = stripConversions(side);
        const prod = stripConversions(q && str(q, "operator") === "/" ? child(q, "leftExpression") : undefined);
        return prod?.nodeType === "BinaryOperation" && str(prod, "operator") === "*";
      });
    });
    if (probe) return true;
  }
  return false;
}

/**
 * `part = k * v0 / v1 * v0` with the result later divided by a scale of at least 1e6 (`x = part - y; x / ONE`), through
 * the locals it flows into: the quotient is a scaled quantity (its dividend a product), so its truncation is under one
 * unit of the scale and the later division takes it below one unit of the result.
 */
function descaledLater(program: Program, body: AstNode, mul: AstNode, div: AstNode): boolean {
  const dividend = stripConversions(child(div, "leftExpression"));
  if (dividend?.nodeType !== "BinaryOperation" || str(dividend, "operator") !== "*") return false;
  const holders = new Set<AstNode>();
  const stmt = program.ancestor(mul, "VariableDeclarationStatement", "Assignment");
  if (stmt?.nodeType === "VariableDeclarationStatement") for (const d of list(stmt, "declarations")) holders.add(d);
  else if (stmt) {
    const d = program.declOf(stripConversions(child(stmt, "leftHandSide")));
    if (d) holders.add(d);
  }
  if (holders.size === 0) return false;
  const mentions = (n: AstNode | undefined): boolean => n !== undefined && findAll(n, "Identifier").some((i) => holders.has(program.declOf(i)!));
  for (let round = 0; round < 3; round++) {
    for (const a of findAll(body, "Assignment")) {
      const d = program.declOf(stripConversions(child(a, "leftHandSide")));
      if (d && d.stateVariable !== true && !holders.has(d) && mentions(child(a, "rightHandSide"))) holders.add(d);
    }
    for (const v of findAll(body, "VariableDeclarationStatement")) {
      const decls = list(v, "declarations");
      if (decls.length === 1 && !holders.has(decls[0]!) && mentions(child(v, "initialValue"))) holders.add(decls[0]!);
    }
  }
  return findAll(body, "BinaryOperation").some((b) => {
    if (str(b, "operator") !== "/" || !mentions(child(b, "leftExpression"))) return false;
    const scale = constantValue(program, child(b, "rightExpression"));
    return scale !== undefined && scale >= 1_000_000n;
  });
}

/** Names of locals that hold a count of whole units on purpose: `quotient`, `q`, `times`, `periods`, `epochCount`. */
const WHOLE_COUNT = /^_?(q|quotient|times|count|(full|whole|elapsed|completed|passed)?(periods|intervals|epochs|rounds|cycles|steps))$/i;
const CAMEL_COUNT = /^_?[a-z][A-Za-z0-9]*Count$/; // epochCount, not discount

function namedAsWholeCount(name: string): boolean {
  return WHOLE_COUNT.test(name) || CAMEL_COUNT.test(name);
}

/** The value of an integer literal without subdenomination (`3`, `1_000`, `0x10`), else undefined. */
function literalValue(n: AstNode | undefined): bigint | undefined {
  const e = stripConversions(n);
  if (e?.nodeType !== "Literal" || e.subdenomination) return undefined;
  const v = String(e.value ?? "").replace(/_/g, "");
  return /^(\d+|0x[0-9a-f]+)$/i.test(v) ? BigInt(v) : undefined;
}

/** `(x + (d - 1)) / d`, `(x + d - 1) / d`, `(x + 2) / 3`: the ceiling of x / d, rounded up on purpose. */
function isCeilDivision(program: Program, div: AstNode): boolean {
  const num = stripConversions(child(div, "leftExpression"));
  const d = stripConversions(child(div, "rightExpression"));
  if (!num || !d || num.nodeType !== "BinaryOperation") return false;
  const dKey = exprKey(program, d);
  const dValue = literalValue(d);
  const isDMinusOne = (n: AstNode | undefined): boolean => {
    const e = stripConversions(n);
    if (!e) return false;
    const v = literalValue(e);
    if (dValue !== undefined && v !== undefined) return v === dValue - 1n;
    return e.nodeType === "BinaryOperation" && str(e, "operator") === "-" && exprKey(program, child(e, "leftExpression")!) === dKey && literalValue(child(e, "rightExpression")) === 1n;
  };
  const l = child(num, "leftExpression");
  const r = child(num, "rightExpression");
  if (str(num, "operator") === "+") return isDMinusOne(l) || isDMinusOne(r);
  if (str(num, "operator") === "-" && literalValue(r) === 1n) {
    const sum = stripConversions(l);
    return sum?.nodeType === "BinaryOperation" && str(sum, "operator") === "+" && [child(sum, "leftExpression"), child(sum, "rightExpression")].some((x) => x !== undefined && exprKey(program, stripConversions(x) ?? x) === dKey);
  }
  return false;
}

/** Whether `root` multiplies the quotient variable `q` by `divisor` (`b * q`, as in the remainder `a - b * q`). */
function multipliesByDivisor(program: Program, root: AstNode, q: AstNode, divisor: AstNode): boolean {
  const key = exprKey(program, stripConversions(divisor) ?? divisor);
  const isQ = (n: AstNode | undefined): boolean => {
    const e = stripConversions(n);
    return e?.nodeType === "Identifier" && program.declOf(e) === q;
  };
  const isDivisor = (n: AstNode | undefined): boolean => n !== undefined && exprKey(program, stripConversions(n) ?? n) === key;
  return findAll(root, "BinaryOperation").some((m) => {
    if (str(m, "operator") !== "*") return false;
    const l = child(m, "leftExpression");
    const r = child(m, "rightExpression");
    return (isQ(l) && isDivisor(r)) || (isQ(r) && isDivisor(l));
  });
}

function isScaled(program: Program, n: AstNode | undefined, depth = 0): boolean {
  if (!n) return false;
  // a local taken once from a scaled value (`int256 maxY = fee * WAD; maxY / span * t`)
  const id = stripConversions(n);
  if (id?.nodeType === "Identifier" && depth < 2) {
    const d = program.declOf(id);
    if (d?.nodeType === "VariableDeclaration" && d.stateVariable !== true && !isReassignedLocal(program, d)) return isScaled(program, initialValueOf(program, d), depth + 1);
  }
  let found = false;
  walk(n, (x) => {
    // a sum or difference is scaled only when every term is (or is a literal: `(a << 2) - 1`): in
    // `(tvl - supply * PRICE) / assets`, tvl is not (Plaza M-13)
    if (x.nodeType === "BinaryOperation" && (str(x, "operator") === "+" || str(x, "operator") === "-")) {
      const term = (t: AstNode | undefined): boolean => stripParens(t)?.nodeType === "Literal" || isScaled(program, t, depth);
      if (term(child(x, "leftExpression")) && term(child(x, "rightExpression")) && !(stripParens(child(x, "leftExpression"))?.nodeType === "Literal" && stripParens(child(x, "rightExpression"))?.nodeType === "Literal")) found = true;
      return false;
    }
    // a root takes the scale's root: `sqrt(t * 1e18) / 1e18` is sqrt(t) / 1e9, mostly lost (Superfluid's locker M-2)
    if (x.nodeType === "FunctionCall" && /(^|\.)_?(sqrt|cbrt|root|log\d*|ln)$/i.test(program.text(child(x, "expression")!).replace(/\s/g, ""))) return false;
    if (x.nodeType !== "BinaryOperation") return undefined;
    const op = str(x, "operator");
    if (op === "<<") found = true;
    if (op === "*" || op === "**") {
      for (const side of [child(x, "leftExpression"), child(x, "rightExpression")]) {
        const t = side ? program.text(side).replace(/[\s_]/g, "") : "";
        if (/^(1e\d+|10\*\*\d+|2\*\*\d+|\d{7,})$/.test(t) || (side && isConstantExpr(program, side) && /[A-Z_]{3,}/.test(t))) found = true;
      }
    }
    return undefined;
  });
  return found;
}
