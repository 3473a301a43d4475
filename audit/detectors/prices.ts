/**
 * Prices the caller names.
 *
 * - `caller-supplied-price`: an entry point anyone can call takes a price or rate as a parameter (`usdaPrice`,
 *   `exchangeRate`) and, directly or through the internal and library functions it hands it to, pays the caller an
 *   amount computed from it (`usdt.transferFrom(treasury, msg.sender, usdaPrice * usdaAmount / usdtPrice)`): the caller
 *   picks the price and with it what the protocol pays out (Autonomint H-29). Left alone: a bound the caller sets on
 *   their own trade (`minPrice`, `maxRate`, `limitPrice`), a price a guard compares with something (an oracle, a
 *   signed quote), and functions that verify a signature (a price signed by a trusted quoter).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import { contractKind, guardConditions, initialValueOf, isEntryPoint, isReadOnly, isSenderLike, parameters, stripConversions, unwrapCallOptions } from "../ast/semantics";
import { SIGNATURE_CHECK } from "./accessControl";
import { payerIsCaller, tokenTransfers } from "./denialOfService";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const PRICE_NAME = /price|rate$|^_?rate|exchangeRate/i;
const BOUND_NAME = /min|max|limit|slippage|expected|threshold|deviation|target/i;

/** The function a call runs when its code is in the compilation (an internal, library or known contract's function). */
function calleeWithBody(program: Program, call: AstNode): AstNode | undefined {
  const callee = unwrapCallOptions(child(call, "expression")).callee;
  const decl = callee ? program.declOf(callee) : undefined;
  return decl?.nodeType === "FunctionDefinition" && child(decl, "body") ? decl : undefined;
}

/** Whether an expression reads one of the given declarations, directly or through a local initialised from them. */
function dependsOn(program: Program, expr: AstNode | undefined, decls: Set<AstNode>, depth = 0): boolean {
  if (!expr || depth > 2) return false;
  return [expr, ...findAll(expr, "Identifier")].some((i) => {
    if (i.nodeType !== "Identifier") return false;
    const d = program.declOf(i);
    if (!d) return false;
    if (decls.has(d)) return true;
    const init = d.nodeType === "VariableDeclaration" && d.stateVariable !== true ? initialValueOf(program, d) : undefined;
    return init !== undefined && dependsOn(program, init, decls, depth + 1);
  });
}

export const callerSuppliedPrice: Detector = {
  id: "caller-supplied-price",
  category: "oracle_manipulation",
  title: "A payout priced with a price or rate the caller passes",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      // a library's external functions run in the calling contract (delegatecall): the entry is the contract's
      if (contractKind(contract) === "library") continue;
      for (const entry of functionsOf(contract)) {
        if (!isEntryPoint(entry) || isReadOnly(entry) || isAccessControlled(program, entry, contract)) continue;
        const prices = parameters(entry).filter((p) => PRICE_NAME.test(str(p, "name") ?? "") && !BOUND_NAME.test(str(p, "name") ?? "") && /^u?int/.test(String((p.typeDescriptions as { typeString?: string } | undefined)?.typeString ?? "")));
        if (prices.length === 0) continue;
        // follow the prices into the functions they are handed to (by argument position), a few calls deep
        const payouts: AstNode[] = [];
        let checked = false;
        const visit = (fn: AstNode, carried: Set<AstNode>, depth: number, seen: Set<AstNode>): void => {
          const body = child(fn, "body");
          if (!body || depth > 3 || seen.has(fn)) return;
          seen.add(fn);
          // a guard on the price itself (`require(price <= oracle.price() * 101 / 100)`), not on a call's success flag
          const compared = (cond: AstNode): boolean =>
            findAll(cond, "BinaryOperation").some((b) => /^(<|<=|>|>=|==|!=)$/.test(str(b, "operator") ?? "") && findAll(b, "Identifier").some((i) => carried.has(program.declOf(i)!)));
          if (guardConditions(program, body).some((g) => compared(g.cond))) checked = true;
          for (const call of findAll(body, "FunctionCall")) {
            const name = str(unwrapCallOptions(child(call, "expression")).callee ?? call, "memberName") ?? str(unwrapCallOptions(child(call, "expression")).callee ?? call, "name") ?? "";
            if (SIGNATURE_CHECK.test(name)) checked = true;
          }
          for (const t of tokenTransfers(program, body)) {
            const amount = list(t.call, "arguments").at(-1);
            if (isSenderLike(program, stripConversions(t.to)) && !payerIsCaller(program, t.from) && dependsOn(program, amount, carried)) payouts.push(t.call);
          }
          for (const call of findAll(body, "FunctionCall")) {
            const callee = calleeWithBody(program, call);
            if (!callee) continue;
            const next = new Set<AstNode>();
            const params = parameters(callee);
            list(call, "arguments").forEach((a, i) => {
              if (params[i] && dependsOn(program, a, carried)) next.add(params[i]!);
            });
            if (next.size > 0) visit(callee, next, depth + 1, seen);
          }
        };
        visit(entry, new Set(prices), 0, new Set());
        if (payouts.length === 0 || checked) continue;
        const names = prices.map((p) => `\`${str(p, "name")}\``).join(" and ");
        ctx.report({
          detector: "caller-supplied-price",
          category: "oracle_manipulation",
          severity: "high",
          confidence: "medium",
          lines: linesIn(program, file, [entry, ...payouts]),
          contract: str(contract, "name"),
          function: displayName(entry),
          message:
            `${displayName(entry)}() takes ${names} from the caller and pays the caller an amount computed from ${prices.length > 1 ? "them" : "it"}, ` +
            "with nothing comparing the price to an oracle or a signed quote: any caller names the price that pays them the most.",
          remediation:
            "Read the price from an oracle (or verify a quote signed by a trusted key) instead of taking it as a parameter; let the caller pass only a bound on it:\n```solidity\n" +
            "uint256 usdtAmount = usdaAmount * oracle.price(usda) / oracle.price(usdt);\nrequire(usdtAmount >= minUsdtOut, \"slippage\");\n```",
        });
      }
    }
  },
};

export const PRICE_DETECTORS: readonly Detector[] = [callerSuppliedPrice];
