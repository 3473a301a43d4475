/**
 * Time written without its unit.
 *
 * - `missing-time-unit`: a bare number in a computation on durations or timestamps where the contract keeps the same
 *   number with a unit elsewhere (`_MAX_UNLOCK_PERIOD = 540 days`, then `Math.sqrt(540 * _SCALER)` beside
 *   `Math.sqrt(unlockPeriod * _SCALER)`: Superfluid's locker H-2). Solidity counts time in seconds, so the bare 540 is
 *   540 seconds where 540 days were meant, and the formula is off by a factor of 86,400. Left alone: a statement that
 *   converts its own units (a `1 days` literal, a `SECONDS_PER_DAY` constant in it), and numbers of 0 and 1.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { blockValue } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const TIME_UNITS = new Set(["minutes", "hours", "days", "weeks"]);

/** Names of durations and moments: `unlockPeriod`, `lockDuration`, `elapsed`, `expiry`, `cooldown`, `startTime`. */
const TIME_NAME = /period|duration|time|elapsed|delay|deadline|expir|lock|vest|cliff|cooldown|interval|epoch|since|until/i;

/** Names of unit conversions: `SECONDS_PER_DAY`, `DAYS_IN_YEAR`, `HOUR`. */
const UNIT_NAME = /(seconds|minutes|hours|days|weeks)_?(per|in)_?|per_?(minute|hour|day|week|year)|^_?(MINUTE|HOUR|DAY|WEEK|YEAR)S?$/i;

/** The state constants (in the contract's bases too) and file-level constants whose value is `N <unit>`, by N. */
function timeConstants(program: Program, contract: AstNode): Map<string, AstNode> {
  const out = new Map<string, AstNode>();
  const decls = [
    ...program.linearized(contract).flatMap((c) => list(c, "nodes")),
    ...list(program.parent(contract) ?? contract, "nodes"),
  ].filter((n) => n.nodeType === "VariableDeclaration" && (n.constant === true || str(n, "mutability") === "immutable"));
  for (const d of decls) {
    const v = child(d, "value");
    if (v?.nodeType !== "Literal" || !TIME_UNITS.has(str(v, "subdenomination") ?? "")) continue;
    const n = str(v, "value")?.replace(/_/g, "");
    if (n && /^\d+$/.test(n) && BigInt(n) > 1n && !out.has(n)) out.set(n, d);
  }
  return out;
}

/** The statement an expression belongs to, or the condition it sits in (not the whole `if` with its branches). */
function statementOf(program: Program, node: AstNode): AstNode {
  const STOP = /^(Block|UncheckedBlock|IfStatement|ForStatement|WhileStatement|DoWhileStatement|FunctionDefinition|ModifierDefinition)$/;
  let cur = node;
  for (let p = program.parent(cur); p && !STOP.test(p.nodeType) && !/Statement$|^Return$/.test(cur.nodeType); p = program.parent(cur)) cur = p;
  return cur;
}

/** Whether a statement speaks of time: a duration's or moment's name, or block.timestamp. */
function aboutTime(program: Program, stmt: AstNode): boolean {
  let found = false;
  walk(stmt, (n) => {
    if (found) return false;
    if ((n.nodeType === "Identifier" || n.nodeType === "MemberAccess") && blockValue(program, n) === "timestamp") found = true;
    const name = n.nodeType === "Identifier" ? str(n, "name") : n.nodeType === "MemberAccess" ? str(n, "memberName") : undefined;
    if (name && TIME_NAME.test(name)) found = true;
    return undefined;
  });
  return found;
}

/** Whether a statement converts units itself: a literal with a unit, or a conversion constant by name. */
function convertsUnits(stmt: AstNode): boolean {
  return findAll(stmt, "Literal").some((l) => str(l, "subdenomination") !== undefined) || findAll(stmt, "Identifier").some((i) => UNIT_NAME.test(str(i, "name") ?? ""));
}

export const missingTimeUnit: Detector = {
  id: "missing-time-unit",
  category: "arithmetic",
  title: "A duration written as a bare number where the contract means days or weeks",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const constants = timeConstants(program, contract);
      if (constants.size === 0) continue;
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        for (const lit of findAll(body, "Literal")) {
          if (str(lit, "kind") !== "number" || str(lit, "subdenomination") !== undefined) continue;
          const n = str(lit, "value")?.replace(/_/g, "");
          const constant = n ? constants.get(n) : undefined;
          if (!constant) continue;
          const stmt = statementOf(program, lit);
          if (!aboutTime(program, stmt) || convertsUnits(stmt)) continue;
          const unitLiteral = child(constant, "value")!;
          const unit = str(unitLiteral, "subdenomination")!;
          ctx.report({
            detector: "missing-time-unit",
            category: "arithmetic",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [lit, ...(program.fileOf(constant) === file ? [constant] : [])]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() uses the bare number ${n} in a computation on time, while the contract keeps ${str(constant, "name")} = ${n} ${unit}: ` +
              `Solidity counts time in seconds, so this ${n} is ${n} seconds, not ${n} ${unit}, and the result is off by the number of seconds in one of the ${unit}.`,
            remediation: `Write the unit, or use the constant:\n\`\`\`solidity\nMath.sqrt(${str(constant, "name")} * SCALER)   // or ${n} ${unit}, not ${n}\n\`\`\``,
          });
        }
      }
    }
  },
};

export const UNIT_DETECTORS: readonly Detector[] = [missingTimeUnit];
