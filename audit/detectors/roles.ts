/**
 * A deny-list kept as an access-control role.
 *
 * - `renounceable-denylist`: an account is refused when it holds a role (`require(!hasRole(BLACKLISTED_ROLE, user))`,
 *   `if (hasRole(FROZEN_ROLE, from)) revert …`), and the roles live in OpenZeppelin's AccessControl, whose public
 *   `renounceRole(role, account)` lets any holder drop any of its own roles. A blacklisted account renounces the
 *   role and is let through (Midas H-1: mTBILL's blacklist is `BLACKLISTED_ROLE` in an AccessControlUpgradeable that
 *   does not override `renounceRole`). The role is followed from the check to where the code names it: through
 *   parameters of the helpers and modifiers on the way (`onlyNotRole(BLACKLISTED_ROLE, account)` →
 *   `_onlyNotRole(role, account)` → `require(!accessControl.hasRole(role, account))`). Not reported when a contract of
 *   the project overrides `renounceRole` (it can refuse the deny-list role), nor when no AccessControl with a public
 *   `renounceRole` is in the compilation.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { guardConditions, isFromDependency, stopsExecution, stripParens } from "../ast/semantics";
import { displayName, linesIn, type Detector, type DetectorContext } from "./detector";

/** `hasRole(r, a)` / `x.hasRole(r, a)` calls whose truth makes a guard refuse the caller. */
function denyChecks(program: Program, root: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const isHasRole = (n: AstNode | undefined): n is AstNode => {
    const e = stripParens(n);
    if (e?.nodeType !== "FunctionCall" || list(e, "arguments").length !== 2) return false;
    const callee = child(e, "expression");
    return callee !== undefined && (str(callee, "memberName") ?? str(callee, "name")) === "hasRole";
  };
  for (const g of guardConditions(program, root)) {
    const refusesWhenTrue = g.node.nodeType === "IfStatement" && stopsExecution(program, child(g.node, "trueBody")) && findAll(child(g.node, "trueBody")!, "Return").length === 0;
    if (refusesWhenTrue) {
      for (const c of findAll(g.cond, "FunctionCall")) if (isHasRole(c) && !negated(program, c)) out.push(c);
    } else if (g.node.nodeType === "FunctionCall") {
      for (const c of findAll(g.cond, "FunctionCall")) if (isHasRole(c) && negated(program, c)) out.push(c);
    }
  }
  return out;
}

function negated(program: Program, call: AstNode): boolean {
  let p = program.parent(call);
  while (p?.nodeType === "TupleExpression") p = program.parent(p);
  return p?.nodeType === "UnaryOperation" && str(p, "operator") === "!";
}

interface RoleSite {
  /** The constant naming the role. */
  role: AstNode;
  /** Where the code names it (the call or modifier invocation passing it, or the check itself). */
  site: AstNode;
}

/** The role constants an expression stands for, followed back through parameters to the callers that pass them. */
function rolesOf(program: Program, expr: AstNode | undefined, site: AstNode, depth = 0): RoleSite[] {
  const e = stripParens(expr);
  if (!e || depth > 3) return [];
  const d = program.declOf(e);
  if (d?.nodeType !== "VariableDeclaration") return [];
  if (d.constant === true || str(d, "mutability") === "constant" || d.stateVariable === true) return [{ role: d, site }];
  // a parameter: what the callers (calls and modifier invocations) pass in its place
  const callable = program.callableOf(d);
  if (!callable) return [];
  const params = list(child(callable, "parameters") ?? callable, "parameters");
  const i = params.indexOf(d);
  if (i < 0) return [];
  const out: RoleSite[] = [];
  for (const f of program.files) {
    for (const call of findAll(f.ast, "FunctionCall", "ModifierInvocation")) {
      const callee = call.nodeType === "FunctionCall" ? child(call, "expression") : child(call, "modifierName");
      if (program.declOf(callee) !== callable) continue;
      const arg = list(call, "arguments")[i];
      if (arg) out.push(...rolesOf(program, arg, call, depth + 1));
    }
  }
  return out;
}

const SITES = new WeakMap<Program, (RoleSite & { callable: AstNode })[]>();

/** Every place the project names a role that a guard refuses (once per program: checks and sites may sit in different files). */
function denySites(program: Program): (RoleSite & { callable: AstNode })[] {
  const cached = SITES.get(program);
  if (cached) return cached;
  const out: (RoleSite & { callable: AstNode })[] = [];
  const seen = new Set<AstNode>();
  for (const f of program.files) {
    for (const callable of findAll(f.ast, "FunctionDefinition", "ModifierDefinition")) {
      const body = child(callable, "body");
      if (!body || isFromDependency(program, callable)) continue;
      for (const check of denyChecks(program, body)) {
        for (const r of rolesOf(program, list(check, "arguments")[0], check)) {
          if (seen.has(r.site)) continue;
          seen.add(r.site);
          out.push({ ...r, callable });
        }
      }
    }
  }
  SITES.set(program, out);
  return out;
}

const DENY_NAME = /black|deny|ban|block|sanction|frozen|freeze|restrict|suspend/i;

export const renounceableDenylist: Detector = {
  id: "renounceable-denylist",
  category: "access_control",
  title: "A deny-list kept as an AccessControl role: a listed account renounces the role and is let through",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const renounce = program.files.flatMap((f) => findAll(f.ast, "FunctionDefinition")).filter((fn) => str(fn, "name") === "renounceRole" && child(fn, "body") !== undefined);
    // the project overrides renounceRole (it may refuse the deny role), or no AccessControl offers it
    if (renounce.length === 0 || renounce.some((fn) => !isFromDependency(program, fn))) return;
    for (const { role, site } of denySites(program)) {
      if (program.fileOf(site) !== file) continue;
      const name = str(role, "name") ?? "the role";
      const named = DENY_NAME.test(name);
      const where = program.callableOf(site);
      ctx.report({
        detector: "renounceable-denylist",
        category: "access_control",
        severity: named ? "high" : "medium",
        confidence: named ? "high" : "medium",
        lines: linesIn(program, file, [where ?? site, site]).slice(0, 4),
        contract: str(program.contractOf(site) ?? site, "name"),
        function: where ? displayName(where) : undefined,
        message:
          `${where ? `${displayName(where)}` : "This code"} refuses an account that holds ${name}, a role of OpenZeppelin's AccessControl, ` +
          `whose public renounceRole(role, account) lets any holder drop its own roles: a listed account calls ` +
          `renounceRole(${name}, itself) and is let through. A deny-list must be something its members cannot leave.`,
        remediation:
          "Keep the deny-list in a mapping only its operator writes, or override renounceRole to refuse it:\n" +
          "```solidity\nfunction renounceRole(bytes32 role, address account) public override {\n" +
          `    if (role == ${name}) revert CannotRenounce();\n    super.renounceRole(role, account);\n}\n\`\`\``,
      });
    }
  },
};

export const ROLE_DETECTORS: readonly Detector[] = [renounceableDenylist];
