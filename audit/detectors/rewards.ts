/**
 * Rewards streamed while nobody is staked.
 *
 * - `idle-reward-period`: a Synthetix-style reward accumulator (`rewardPerToken()`) that returns the stored value
 *   unchanged while the staked supply is 0 (`if (totalSupply == 0) return rewardPerTokenStored;`), while the update
 *   that checkpoints it moves the last-update time forward whatever the supply. The rewards the rate streams over that
 *   time are assigned to nobody: they stay in the contract for ever, and a period started before the first deposit
 *   loses its start (Velocimeter M-6: the Voter's emissions to a gauge before its first depositor). The accumulator is
 *   recognised by its shape: an early `return` of a stored value under `supply == 0`, and a later return that adds
 *   to that value a time difference against a stored last-update time. Not reported when every write of that time is
 *   under a condition on the supply (the period then waits for the first staker).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { baseDeclaration, guardConditions, isStateVariable, memberOf, stripParens } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

function isZero(n: AstNode | undefined): boolean {
  const e = stripParens(n);
  return e?.nodeType === "Literal" && /^0+$/.test(str(e, "value") ?? "");
}

/** The state variable a `supply == 0` condition tests, if that is what it is. */
function zeroTested(program: Program, cond: AstNode | undefined): AstNode | undefined {
  const c = stripParens(cond);
  if (c?.nodeType !== "BinaryOperation" || str(c, "operator") !== "==") return undefined;
  const l = child(c, "leftExpression");
  const r = child(c, "rightExpression");
  const other = isZero(r) ? l : isZero(l) ? r : undefined;
  const d = other ? baseDeclaration(program, other) : undefined;
  return d && isStateVariable(d) ? d : undefined;
}

/** Whether an expression reads the time: block.timestamp, or a call to a function named for it (lastTimeRewardApplicable). */
function readsTime(program: Program, e: AstNode): boolean {
  let found = false;
  walk(e, (n) => {
    if (found) return false;
    if (memberOf(program, n, "block", "timestamp")) found = true;
    if (n.nodeType === "FunctionCall") {
      const callee = child(n, "expression");
      const name = callee ? (str(callee, "memberName") ?? str(callee, "name") ?? "") : "";
      if (/time/i.test(name)) found = true;
    }
    return undefined;
  });
  return found;
}

/** Every state variable a write (an assignment, also a tuple's component) stores into. */
function writtenBy(program: Program, a: AstNode): AstNode[] {
  const lhs = stripParens(child(a, "leftHandSide"));
  const targets = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[] | undefined) ?? []).filter((x): x is AstNode => x !== null) : lhs ? [lhs] : [];
  return targets.map((t) => baseDeclaration(program, t)).filter((d): d is AstNode => d !== undefined && isStateVariable(d));
}

export const idleRewardPeriod: Detector = {
  id: "idle-reward-period",
  category: "defi_accounting",
  title: "Rewards streamed while the staked supply is 0 go to nobody (the accumulator stands still, the clock does not)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const all = program.linearized(contract).flatMap(functionsOf);
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        const mut = str(fn, "stateMutability");
        if (!body || (mut !== "view" && mut !== "pure")) continue;
        const statements = list(body, "statements");
        for (let i = 0; i < statements.length; i++) {
          const s = statements[i]!;
          if (s.nodeType !== "IfStatement") continue;
          const supply = zeroTested(program, child(s, "condition"));
          if (!supply) continue;
          const thenReturn = findAll(child(s, "trueBody")!, "Return")[0];
          const stored = thenReturn ? baseDeclaration(program, child(thenReturn, "expression")) : undefined;
          if (!stored || !isStateVariable(stored)) continue;
          // the later return: the stored value plus a time difference against a stored last-update time
          const later = statements.slice(i + 1).flatMap((x) => findAll(x, "Return"));
          let clock: AstNode | undefined;
          let accrual: AstNode | undefined;
          for (const r of later) {
            const e = child(r, "expression");
            if (!e || !findAll(e, "Identifier", "IndexAccess").some((x) => baseDeclaration(program, x) === stored)) continue;
            accrual = e;
            for (const sub of findAll(e, "BinaryOperation").filter((b) => str(b, "operator") === "-")) {
              if (!readsTime(program, child(sub, "leftExpression")!)) continue;
              const t = findAll(child(sub, "rightExpression")!, "Identifier", "IndexAccess")
                .map((x) => baseDeclaration(program, x))
                .find((d) => d !== undefined && isStateVariable(d) && d !== supply && d !== stored);
              if (t) clock = t;
            }
          }
          if (!clock) continue;
          // the writes of the clock: reported when one moves it whatever the supply
          const writes = all.flatMap((f) => findAll(child(f, "body") ?? f, "Assignment").filter((a) => writtenBy(program, a).includes(clock!)));
          const onSupply = (cond: AstNode | undefined): boolean =>
            cond !== undefined && findAll(cond, "Identifier", "IndexAccess", "MemberAccess").some((x) => baseDeclaration(program, x) === supply);
          const start = (n: AstNode): number => Number((str(n, "src") ?? "0:0").split(":")[0]);
          const unconditional = writes.filter((w) => {
            for (let p = program.parent(w); p && p.nodeType !== "FunctionDefinition"; p = program.parent(p)) {
              if ((p.nodeType === "IfStatement" || p.nodeType === "Conditional") && onSupply(child(p, "condition"))) return false;
            }
            // after an early return on the supply (`if (totalSupply == 0) { …; return; }`)
            const f = program.callableOf(w);
            const fbody = f ? (child(f, "body") ?? f) : undefined;
            const early = fbody ? findAll(fbody, "IfStatement").some((x) => start(x) < start(w) && onSupply(child(x, "condition")) && findAll(child(x, "trueBody")!, "Return").length > 0) : false;
            // after a require on the supply (`require(totalSupply > 0)`: the period waits for the first staker)
            const required = fbody ? guardConditions(program, fbody).some((g) => g.node.nodeType === "FunctionCall" && start(g.node) < start(w) && onSupply(g.cond)) : false;
            return !early && !required;
          });
          if (unconditional.length === 0) continue;
          // where a period starts: the functions that set the rate the accrual multiplies by (notifyRewardAmount)
          const rates = new Set(
            findAll(accrual!, "Identifier", "IndexAccess")
              .map((x) => baseDeclaration(program, x))
              .filter((d): d is AstNode => d !== undefined && isStateVariable(d) && ![supply, stored, clock].includes(d)),
          );
          const starters = all.filter((f) => findAll(child(f, "body") ?? f, "Assignment").some((a) => writtenBy(program, a).some((d) => rates.has(d))));
          const supplyName = str(supply, "name") ?? "the supply";
          const clockName = str(clock, "name") ?? "the last-update time";
          ctx.report({
            detector: "idle-reward-period",
            category: "defi_accounting",
            severity: "medium",
            confidence: "low",
            lines: linesIn(program, file, [s, ...(starters.length > 0 ? starters.slice(0, 2) : unconditional.slice(0, 2))]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() keeps ${str(stored, "name")} unchanged while ${supplyName} is 0, but ${clockName} moves forward at every checkpoint whatever ${supplyName} is: ` +
              `the rewards streamed while nobody is staked — before the first deposit, or after everyone left — are assigned to no one and stay in the contract for ever.`,
            remediation:
              `Do not start (or let run) a reward period while ${supplyName} is 0: leave ${clockName} where it is until someone is staked, or carry the idle rewards into the next period:\n` +
              "```solidity\nfunction _updateReward() internal {\n    if (totalSupply == 0) {\n        periodFinish += block.timestamp - lastUpdateTime; // the idle time is added to the period\n" +
              "        lastUpdateTime = block.timestamp;\n        return;\n    }\n    rewardPerTokenStored = rewardPerToken();\n    lastUpdateTime = lastTimeRewardApplicable();\n}\n```",
          });
        }
      }
    }
  },
};

export const REWARD_DETECTORS: readonly Detector[] = [idleRewardPeriod];
