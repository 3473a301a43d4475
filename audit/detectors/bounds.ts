/**
 * A setting that starts where its own setter may not put it.
 *
 * - `default-outside-bounds`: a state variable whose public setter checks the new value against a constant bound
 *   (`require(value <= MAX_LIMIT)`, `if (value > MAX) revert …`) but whose initial value — its declaration's
 *   initialiser, or what the constructor or an initializer assigns — breaks that bound. The contract runs from the
 *   start with a value its own rules forbid, and once an admin changes it, it can never be set back: users who joined
 *   under the first value are treated differently from everyone after (MagicSea M-3: `_maxLockMultiplier = 20000`
 *   while `setLockMultiplierSettings` refuses anything above `MAX_LOCK_MULTIPLIER_LIMIT = 15000`).
 *   Only bounds and initial values that are compile-time constants (literals, constants, constant arithmetic,
 *   `365 days`) are compared; a bound the setter checks in a modifier or a helper is not looked at.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, str } from "../ast/node";
import type { Program } from "../ast/program";
import { hasInitializerModifier } from "../ast/access";
import { functionKind, guardConditions, isConstantVariable, isEntryPoint, isParameterOf, isStateVariable, stopsExecution, stripConversions, stripParens } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";
import { constValue } from "./logic";

type Op = "<" | "<=" | ">" | ">=";

interface Bound {
  op: Op;
  limit: bigint;
  /** The check's expression (for the message) and the node to point at. */
  text: string;
  node: AstNode;
}

const NEGATED: Record<Op, Op> = { "<": ">=", "<=": ">", ">": "<=", ">=": "<" };
const MIRRORED: Record<Op, Op> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** A constant integer: a literal, constant arithmetic, or a constant state variable initialised with one. */
function constantOf(program: Program, expr: AstNode | undefined, depth = 0): bigint | undefined {
  const e = stripConversions(expr);
  if (!e || depth > 3) return undefined;
  if (e.nodeType === "Identifier" || e.nodeType === "MemberAccess") {
    const d = program.declOf(e);
    if (d?.nodeType === "VariableDeclaration" && (d.constant === true || str(d, "mutability") === "constant")) return constantOf(program, child(d, "value"), depth + 1);
    if (e.nodeType === "Identifier") return undefined;
  }
  return constValue(program, e);
}

/** The atoms of a condition that must hold: `a && b` when `holds`, `a || b` when it is the negated one. */
function atoms(expr: AstNode | undefined, joiner: "&&" | "||"): AstNode[] {
  const e = stripParens(expr);
  if (!e) return [];
  if (e.nodeType === "BinaryOperation" && str(e, "operator") === joiner) return [...atoms(child(e, "leftExpression"), joiner), ...atoms(child(e, "rightExpression"), joiner)];
  return [e];
}

/** The bounds a function's own checks put on parameter `param` (what must hold for the function to go on). */
function boundsOn(program: Program, body: AstNode, param: AstNode): Bound[] {
  const out: Bound[] = [];
  for (const g of guardConditions(program, body)) {
    let holds: boolean;
    if (g.node.nodeType === "FunctionCall") holds = true;
    else if (stopsExecution(program, child(g.node, "trueBody")) && findAll(child(g.node, "trueBody")!, "Return").length === 0) holds = false;
    else if (stopsExecution(program, child(g.node, "falseBody")) && findAll(child(g.node, "falseBody")!, "Return").length === 0) holds = true;
    else continue;
    for (const a of atoms(g.cond, holds ? "&&" : "||")) {
      if (a.nodeType !== "BinaryOperation") continue;
      let op = str(a, "operator") as Op;
      if (!(op in NEGATED)) continue;
      const l = stripConversions(child(a, "leftExpression"));
      const r = stripConversions(child(a, "rightExpression"));
      const isParam = (n: AstNode | undefined): boolean => n?.nodeType === "Identifier" && program.declOf(n) === param;
      let limit: bigint | undefined;
      if (isParam(l)) limit = constantOf(program, r);
      else if (isParam(r)) {
        limit = constantOf(program, l);
        op = MIRRORED[op];
      } else continue;
      if (limit === undefined) continue;
      out.push({ op: holds ? op : NEGATED[op], limit, text: program.text(a).replace(/\s+/g, " "), node: g.node });
    }
  }
  return out;
}

function satisfies(value: bigint, b: Bound): boolean {
  switch (b.op) {
    case "<":
      return value < b.limit;
    case "<=":
      return value <= b.limit;
    case ">":
      return value > b.limit;
    case ">=":
      return value >= b.limit;
  }
}

const isSetup = (fn: AstNode): boolean =>
  functionKind(fn) === "constructor" || hasInitializerModifier(fn) || /^(_{0,2}init|initiali[sz]e)/i.test(str(fn, "name") ?? "");

export const defaultOutsideBounds: Detector = {
  id: "default-outside-bounds",
  category: "other",
  title: "A state variable's initial value breaks the bound its own setter enforces",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const hierarchy = program.linearized(contract);
      const setupFns = hierarchy.flatMap(functionsOf).filter(isSetup);
      const reported = new Set<AstNode>();
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body || !isEntryPoint(fn) || isSetup(fn)) continue;
        for (const a of findAll(body, "Assignment")) {
          if (str(a, "operator") !== "=") continue;
          const lhs = stripParens(child(a, "leftHandSide"));
          const rhs = stripConversions(child(a, "rightHandSide"));
          const v = lhs?.nodeType === "Identifier" ? program.declOf(lhs) : undefined;
          const p = rhs?.nodeType === "Identifier" ? program.declOf(rhs) : undefined;
          if (!v || !p || !isStateVariable(v) || isConstantVariable(v) || reported.has(v) || !isParameterOf(program, p, fn)) continue;
          const bounds = boundsOn(program, body, p);
          if (bounds.length === 0) continue;
          // the starting values: the declaration's initialiser and the constants setup code assigns
          const starts: { value: bigint; node: AstNode }[] = [];
          const init = child(v, "value");
          const initValue = init ? constantOf(program, init) : undefined;
          if (init && initValue !== undefined) starts.push({ value: initValue, node: v });
          for (const s of setupFns) {
            for (const x of findAll(child(s, "body") ?? s, "Assignment")) {
              const l = stripParens(child(x, "leftHandSide"));
              if (str(x, "operator") !== "=" || l?.nodeType !== "Identifier" || program.declOf(l) !== v) continue;
              const value = constantOf(program, child(x, "rightHandSide"));
              if (value !== undefined) starts.push({ value, node: x });
            }
          }
          const broken = starts.flatMap((s) => bounds.filter((b) => !satisfies(s.value, b)).map((b) => ({ start: s, bound: b })));
          if (broken.length === 0) continue;
          reported.add(v);
          const name = str(v, "name") ?? "?";
          const { start, bound } = broken[0]!;
          const values = [...new Set(broken.map((x) => x.start.value.toString()))].join(" / ");
          ctx.report({
            detector: "default-outside-bounds",
            category: "other",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [...new Set(broken.map((x) => x.start.node)), bound.node, a]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${name} starts at ${values}, but ${displayName(fn)}() only accepts a new value with \`${bound.text}\` (${str(p, "name")} ${bound.op} ${bound.limit}). ` +
              `The contract runs from the start with a setting its own rules forbid, and once ${name} is changed it can never be set back to ${start.value}: ` +
              `positions opened under the first value keep terms no later one can get. Either the starting value or the bound is wrong.`,
            remediation:
              `Start inside the bound the setter enforces (or widen the bound, if the starting value is the intended one), and check both in one place:\n` +
              "```solidity\nuint256 public constant MAX_LOCK_MULTIPLIER_LIMIT = 15000;\nuint256 private _maxLockMultiplier = 15000; // not above the limit\n```",
          });
        }
      }
    }
  },
};

export const BOUNDS_DETECTORS: readonly Detector[] = [defaultOutsideBounds];
