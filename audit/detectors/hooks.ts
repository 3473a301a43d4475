/**
 * Token-transfer hooks that act on the holders of every transfer.
 *
 * - `transfer-hook-reset`: an ERC-20 transfer hook (`_beforeTokenTransfer`, `_afterTokenTransfer`, `_update`,
 *   `_transfer` overridden with `(from, to, amount)`) that resets per-holder state keyed by `from` or `to` — sets a
 *   timestamp to `block.timestamp`, a value to 0, or deletes it — whatever the amount. Anyone can run the hook for any
 *   holder: `transferFrom(holder, anyone, 0)` needs no allowance (OpenZeppelin's and solmate's ERC-20 spend an
 *   allowance of 0), and a transfer of 1 wei reaches any recipient. A withdrawal delay, a cooldown or a prepared
 *   amount kept that way can be restarted for a victim at will (Teller's lender-group shares, H-1 of the 2024 update:
 *   `_afterTokenTransfer` resets `poolSharesPreparedTimestamp[from]`, so a zero-amount transferFrom keeps a lender from
 *   ever burning their shares). Left alone: writes only a mint or a burn reaches (under `from == address(0)` or
 *   `to == address(0)`), and writes keyed by `from` under a check that the amount is not zero (a non-zero transferFrom
 *   needs the holder's allowance).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { baseDeclaration, blockValue, contractKind, guardConditions, internalCallee, isFromDependency, isStateVariable, parameters, stripParens } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const HOOK = /^_(before|after)TokenTransfer$|^_update$|^_transfer$/;

interface Reset {
  write: AstNode;
  variable: AstNode;
  /** "from" or "to": whose entry is reset */
  holder: "from" | "to";
  how: "timestamp" | "zero" | "delete";
}

/** `(address from, address to, uint256 amount)`: the ERC-20 shape of a transfer hook. */
function erc20Hook(fn: AstNode): AstNode[] | undefined {
  const ps = parameters(fn);
  if (!HOOK.test(str(fn, "name") ?? "") || ps.length !== 3 || !child(fn, "body")) return undefined;
  const t = ps.map((p) => (typeString(p) ?? "").replace(/ payable$/, ""));
  return t[0] === "address" && t[1] === "address" && /^uint\d*$/.test(t[2] ?? "") ? ps : undefined;
}

/** The parameter an index names (`x[from]`, `x[from].at`), when the write lands in a state mapping keyed by it. */
function keyedBy(program: Program, lhs: AstNode | undefined, params: AstNode[]): { variable: AstNode; param: AstNode } | undefined {
  let cur = stripParens(lhs);
  while (cur?.nodeType === "MemberAccess") cur = stripParens(child(cur, "expression"));
  if (cur?.nodeType !== "IndexAccess") return undefined;
  const index = stripParens(child(cur, "indexExpression"));
  const param = index?.nodeType === "Identifier" ? program.declOf(index) : undefined;
  const variable = baseDeclaration(program, cur);
  if (!param || !params.includes(param) || !variable || !isStateVariable(variable)) return undefined;
  return { variable, param };
}

/** Writes in `fn` (and the internal functions it hands `from`/`to` to) that reset a holder's entry. */
function resets(program: Program, fn: AstNode, holders: Map<AstNode, "from" | "to">, contract: AstNode, depth: number, seen: Set<AstNode>): Reset[] {
  if (depth > 2 || seen.has(fn)) return [];
  seen.add(fn);
  const body = child(fn, "body");
  if (!body) return [];
  const params = [...holders.keys()];
  const out: Reset[] = [];
  for (const a of findAll(body, "Assignment")) {
    if (str(a, "operator") !== "=") continue;
    const k = keyedBy(program, child(a, "leftHandSide"), params);
    if (!k) continue;
    const rhs = stripParens(child(a, "rightHandSide"));
    const how = rhs && (rhs.nodeType === "Identifier" || rhs.nodeType === "MemberAccess") && blockValue(program, rhs) === "timestamp" ? "timestamp" : rhs?.nodeType === "Literal" && str(rhs, "value") === "0" ? "zero" : undefined;
    if (how) out.push({ write: a, variable: k.variable, holder: holders.get(k.param)!, how });
  }
  for (const u of findAll(body, "UnaryOperation")) {
    if (str(u, "operator") !== "delete") continue;
    const k = keyedBy(program, child(u, "subExpression"), params);
    if (k) out.push({ write: u, variable: k.variable, holder: holders.get(k.param)!, how: "delete" });
  }
  // a helper handed the holder (`_resetPrepared(from)`)
  for (const call of findAll(body, "FunctionCall")) {
    const callee = internalCallee(program, call, contract);
    if (!callee || isFromDependency(program, callee)) continue;
    const passed = new Map<AstNode, "from" | "to">();
    list(call, "arguments").forEach((arg, i) => {
      const e = stripParens(arg);
      const d = e?.nodeType === "Identifier" ? program.declOf(e) : undefined;
      const p = parameters(callee)[i];
      if (d && p && holders.has(d)) passed.set(p, holders.get(d)!);
    });
    if (passed.size > 0) out.push(...resets(program, callee, passed, contract, depth + 1, seen));
  }
  return out;
}

/** Whether the branch around `node` (inside `hook`) runs only on a mint or a burn: `from == address(0)`, `to == address(0)`. */
function mintOrBurnOnly(program: Program, node: AstNode, hook: AstNode, params: AstNode[]): boolean {
  for (let cur = program.parent(node); cur && cur !== hook; cur = program.parent(cur)) {
    if (cur.nodeType !== "IfStatement") continue;
    const cond = stripParens(child(cur, "condition"));
    const inTrue = program.contains(child(cur, "trueBody")!, node) || child(cur, "trueBody") === node;
    if (!cond || cond.nodeType !== "BinaryOperation") continue;
    const op = str(cond, "operator");
    const sides = [stripParens(child(cond, "leftExpression")), stripParens(child(cond, "rightExpression"))];
    const zero = sides.some((s) => s?.nodeType === "FunctionCall" && /^address\(0x?0*\)$/.test(program.text(s).replace(/\s+/g, "")));
    const param = sides.some((s) => s?.nodeType === "Identifier" && params.includes(program.declOf(s)!));
    if (zero && param && ((op === "==" && inTrue) || (op === "!=" && !inTrue))) return true;
  }
  return false;
}

/** Whether the hook refuses, or skips, a zero amount (`if (amount == 0) return;`, `require(amount > 0)`). */
function skipsZero(program: Program, hook: AstNode, amount: AstNode): boolean {
  const body = child(hook, "body")!;
  const conditions = [...guardConditions(program, body).map((g) => g.cond), ...findAll(body, "IfStatement").map((i) => child(i, "condition")!)];
  return conditions.some((cond) =>
    findAll(cond, "BinaryOperation").some((b) => {
      const sides = [stripParens(child(b, "leftExpression")), stripParens(child(b, "rightExpression"))];
      return sides.some((s) => s?.nodeType === "Identifier" && program.declOf(s) === amount) && sides.some((s) => s?.nodeType === "Literal" && str(s, "value") === "0");
    }),
  );
}

export const transferHookReset: Detector = {
  id: "transfer-hook-reset",
  category: "denial_of_service",
  title: "A token-transfer hook that resets a holder's timer or amount on any transfer (anyone can restart it for a victim)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      if (contractKind(contract) === "library" || contractKind(contract) === "interface") continue;
      for (const hook of functionsOf(contract)) {
        const ps = erc20Hook(hook);
        if (!ps) continue;
        const [from, to, amount] = ps as [AstNode, AstNode, AstNode];
        const holders = new Map<AstNode, "from" | "to">([
          [from, "from"],
          [to, "to"],
        ]);
        const zeroSkipped = skipsZero(program, hook, amount);
        const found = resets(program, hook, holders, contract, 0, new Set()).filter(
          (r) => !mintOrBurnOnly(program, r.write, hook, [from, to]) && !(r.holder === "from" && zeroSkipped),
        );
        if (found.length === 0) continue;
        const first = found[0]!;
        const name = str(first.variable, "name") ?? "?";
        const key = first.holder === "from" ? str(from, "name") || "from" : str(to, "name") || "to";
        const what = first.how === "timestamp" ? "to block.timestamp" : first.how === "zero" ? "to 0" : "(delete)";
        const trigger =
          first.holder === "from"
            ? `\`transferFrom(holder, anyone, 0)\` needs no allowance (an ERC-20 spends an allowance of 0), so anyone can run it for any holder`
            : "a transfer of 1 wei reaches any holder as the recipient, so anyone can run it for any holder";
        ctx.report({
          detector: "transfer-hook-reset",
          category: "denial_of_service",
          severity: "medium",
          confidence: "medium",
          // the resets, or (made in a helper of another file) the hook
          lines: linesIn(program, file, found.some((r) => program.fileOf(r.write) === file) ? found.map((r) => r.write) : [hook]),
          contract: str(contract, "name"),
          function: displayName(hook),
          message:
            `${displayName(hook)}() runs on every transfer of the token and resets ${name}[${key}] ${what}, whatever the amount: ${trigger}. ` +
            `Whatever ${name} holds back — a withdrawal delay, a cooldown, an amount prepared to withdraw — can be restarted for a victim at will, ` +
            "for the price of a transaction (denial of service).",
          remediation:
            "Reset a holder's state only in the function the holder calls, not in the transfer hook; or skip zero amounts and, for the " +
            "recipient, carry the state over instead of resetting it (a weighted timestamp):\n```solidity\n" +
            "function _afterTokenTransfer(address from, address to, uint256 amount) internal override {\n" +
            "    if (amount == 0 || from == address(0)) return;\n" +
            "    preparedToWithdraw[from] = 0;   // the holder moved shares: what they prepared no longer stands\n}\n```",
        });
      }
    }
  },
};

export const HOOK_DETECTORS: readonly Detector[] = [transferHookReset];
