/**
 * Deposits that keep the caller's tokens and give nothing back.
 *
 * - `silent-zero-mint`: a mint helper that computes the amount to mint (a conversion that divides, or a helper's
 *   result) and returns quietly when it is 0 (`if (realAmount == 0) return;`), on the path of a deposit that has
 *   already pulled the caller's tokens. A small deposit, or any deposit once the first depositor has inflated the
 *   share price by a donation, then takes the tokens and mints nothing, without a revert to warn the caller
 *   (Allbridge's yield M-1). The helper may live in a base contract; the deposit is looked for in every contract
 *   that inherits it.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { contractKind, initialValueOf, internalCallee, isFromDependency, stripParens } from "../ast/semantics";
import { entriesReaching } from "./defi";
import { payerIsCaller, tokenTransfers } from "./denialOfService";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const MINT_CALL = /^_?mint\w*$/i;

/** `if (x == 0) return;` (or `return 0`, `{ return; }`): the local x, when the branch only returns. */
function quietZeroReturn(program: Program, ifs: AstNode): AstNode | undefined {
  const cond = stripParens(child(ifs, "condition"));
  if (cond?.nodeType !== "BinaryOperation" || str(cond, "operator") !== "==" || child(ifs, "falseBody")) return undefined;
  const sides = [stripParens(child(cond, "leftExpression")), stripParens(child(cond, "rightExpression"))];
  const zero = sides.findIndex((s) => s?.nodeType === "Literal" && str(s, "value") === "0");
  const other = zero >= 0 ? sides[1 - zero] : undefined;
  if (other?.nodeType !== "Identifier") return undefined;
  let branch = child(ifs, "trueBody");
  if (branch?.nodeType === "Block" && list(branch, "statements").length === 1) branch = list(branch, "statements")[0];
  if (branch?.nodeType !== "Return") return undefined;
  const value = stripParens(child(branch, "expression"));
  if (value && !(value.nodeType === "Literal" && str(value, "value") === "0")) return undefined;
  const decl = program.declOf(other);
  // a local computed here, not a parameter the caller passed (minting 0 of a 0 deposit loses nothing)
  if (decl?.nodeType !== "VariableDeclaration" || decl.stateVariable === true) return undefined;
  const init = initialValueOf(program, decl);
  return init && computed(init) ? decl : undefined;
}

/** A conversion: a division, or a call (a helper's or a library's result). */
function computed(init: AstNode): boolean {
  const e = stripParens(init);
  return e?.nodeType === "FunctionCall" || findAll(init, "BinaryOperation").some((b) => str(b, "operator") === "/");
}

export const silentZeroMint: Detector = {
  id: "silent-zero-mint",
  category: "defi_accounting",
  title: "A deposit that takes the caller's tokens and mints nothing when the amount rounds to zero",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const all = program.files.flatMap((f) => list(f.ast, "nodes")).filter((n) => n.nodeType === "ContractDefinition" && contractKind(n) === "contract" && !isFromDependency(program, n));
    for (const contract of contractsIn(ctx)) {
      const heirs = all.filter((c) => program.linearized(c).includes(contract));
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        for (const ifs of findAll(body, "IfStatement")) {
          const amount = quietZeroReturn(program, ifs);
          if (!amount) continue;
          // the amount is then minted
          const mint = findAll(body, "FunctionCall").find((c) => {
            const callee = child(c, "expression");
            const name = (callee && (str(callee, "memberName") ?? str(callee, "name"))) ?? "";
            return MINT_CALL.test(name) && program.before(ifs, c) && list(c, "arguments").some((a) => stripParens(a)?.nodeType === "Identifier" && program.declOf(stripParens(a)!) === amount);
          });
          if (!mint) continue;
          // on the path of a deposit that pulled the caller's tokens before running this helper
          const deposit = heirs
            .flatMap((h) => entriesReaching(program, fn, h).map((e) => ({ e, h })))
            .find(({ e, h }) => {
              const pulls = tokenTransfers(program, child(e, "body")!).filter((t) => payerIsCaller(program, t.from));
              const reach = findAll(child(e, "body")!, "FunctionCall").filter((c) => internalCallee(program, c, h) !== undefined);
              return pulls.some((p) => reach.some((c) => program.before(p.call, c)));
            });
          if (!deposit) continue;
          ctx.report({
            detector: "silent-zero-mint",
            category: "defi_accounting",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [program.parent(amount)!, ifs]),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() returns without minting when \`${str(amount, "name")}\` rounds down to 0, and ${displayName(deposit.e)}() of ${str(deposit.h, "name")} has already taken the caller's tokens: ` +
              "a small deposit, or every deposit once a first depositor has inflated the price of a share by donating to the contract, is kept and nothing is minted, with no revert to warn the caller.",
            remediation: `Revert instead of returning, so the deposit is refused and the tokens stay with the caller:\n\`\`\`solidity\nif (${str(amount, "name")} == 0) revert ZeroShares();\n\`\`\``,
          });
        }
      }
    }
  },
};

export const MINT_DETECTORS: readonly Detector[] = [silentZeroMint];
