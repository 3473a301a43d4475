/**
 * A flag the caller passes that only reaches an event.
 *
 * - `ignored-flag`: a function that writes storage takes a `bool` (grant or revoke, enable or disable) and reads it
 *   only to emit it: the state changes the same way whatever the flag says, while the log claims otherwise. A role
 *   setter that always grants (`roles | (1 << role)`, Winnables M-2) cannot take a role back, and off-chain tools that
 *   follow the event believe it did.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { parameters, writtenStateVariable } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const PERMISSION = /role|admin|auth|whitelist|allow|operator|minter|permission|guardian|manager|owner/i;

function callerChooses(program: Program, fn: AstNode, index: number, depth = 0): boolean {
  const vis = str(fn, "visibility");
  if (vis === "public" || vis === "external") return true;
  if (depth > 2) return false;
  for (const f of program.files) {
    for (const call of findAll(f.ast, "FunctionCall")) {
      if (program.declOf(child(call, "expression")) !== fn) continue;
      const arg = list(call, "arguments")[index];
      const d = arg?.nodeType === "Identifier" ? program.declOf(arg) : undefined;
      const caller = program.callableOf(call);
      if (d && caller && parameters(caller).includes(d) && callerChooses(program, caller, parameters(caller).indexOf(d), depth + 1)) return true;
    }
  }
  return false;
}

export const ignoredFlag: Detector = {
  id: "ignored-flag",
  category: "other",
  title: "A bool parameter of a state-changing function that only reaches an event (the state ignores it)",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body");
        if (!body) continue;
        const writes = findAll(body, "Assignment", "UnaryOperation", "FunctionCall")
          .map((n) => ({ n, w: writtenStateVariable(program, n) }))
          .filter((x): x is { n: AstNode; w: NonNullable<typeof x.w> } => x.w !== undefined);
        if (writes.length === 0) continue;
        for (const p of parameters(fn)) {
          if ((typeString(p) ?? "") !== "bool" || !str(p, "name")) continue;
          const uses = findAll(body, "Identifier").filter((i) => program.declOf(i) === p);
          if (uses.length === 0 || !uses.every((u) => program.ancestor(u, "EmitStatement") !== undefined)) continue;
          // a caller chooses the flag: the function is public, or a caller hands it a parameter of its own (a helper
          // that always gets `true` records where the change came from, not which way it goes)
          if (!callerChooses(program, fn, parameters(fn).indexOf(p))) continue;
          const written = writes.map((x) => str(x.w.decl, "name") ?? "");
          const permission = written.some((w) => PERMISSION.test(w));
          const name = str(p, "name")!;
          ctx.report({
            detector: "ignored-flag",
            category: permission ? "access_control" : "other",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [fn, ...writes.map((x) => x.n)]).slice(0, 4),
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() takes \`bool ${name}\` but only emits it: the storage it writes (${[...new Set(written)].join(", ")}) changes the same way ` +
              `whether ${name} is true or false, while the event says otherwise${permission ? ": a permission granted this way can never be taken back" : ""}.`,
            remediation: `Act on the flag:\n\`\`\`solidity\nif (${name}) roles |= bit; else roles &= ~bit;\nemit Updated(user, ${name});\n\`\`\``,
          });
        }
      }
    }
  },
};

export const FLAG_DETECTORS: readonly Detector[] = [ignoredFlag];
