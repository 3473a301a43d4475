import type { AstNode } from "../ast/node";
import { child, findAll, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  externalCall,
  isEntryPoint,
  isSenderLike,
  isStateVariable,
  lowLevelCall,
  stripConversions,
} from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

const LOOPS = ["ForStatement", "WhileStatement", "DoWhileStatement"];

function isDynamicStorageArray(decl: AstNode | undefined): boolean {
  if (!decl || !isStateVariable(decl)) return false;
  const t = typeString(decl);
  if (t !== undefined) return /\[\](?: storage.*)?$/.test(t) && !t.startsWith("mapping");
  const tn = child(decl, "typeName");
  return tn?.nodeType === "ArrayTypeName" && !child(tn, "length");
}

/** Storage arrays anyone can make longer (push / length++ in an unrestricted public function). */
function publiclyGrownArrays(program: Program, contract: AstNode): Set<AstNode> {
  const out = new Set<AstNode>();
  for (const fn of program.linearized(contract).flatMap(functionsOf)) {
    if (!isEntryPoint(fn) || isAccessControlled(program, fn, contract)) continue;
    for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
      const callee = child(call, "expression");
      if (callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "push") {
        const d = baseDeclaration(program, child(callee, "expression"));
        if (isDynamicStorageArray(d)) out.add(d!);
      }
    }
    for (const n of [...findAll(child(fn, "body")!, "Assignment"), ...findAll(child(fn, "body")!, "UnaryOperation")]) {
      const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression");
      if (lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "length") {
        const d = baseDeclaration(program, child(lhs, "expression"));
        if (isDynamicStorageArray(d)) out.add(d!);
      }
    }
  }
  return out;
}

export const denialOfService: Detector = {
  id: "denial-of-service",
  category: "denial_of_service",
  title: "Unbounded loops over growing arrays, external calls in loops, push payments that can block the contract",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const cname = str(contract, "name");
      const grown = publiclyGrownArrays(program, contract);
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body")!;
        const fname = displayName(fn);
        const report = (detector: string, severity: "medium" | "low", nodes: AstNode[], message: string, remediation: string): void =>
          ctx.report({ detector, category: "denial_of_service", severity, confidence: "medium", lines: linesIn(program, file, nodes), contract: cname, function: fname, message, remediation });

        for (const loop of findAll(body, ...LOOPS)) {
          const loopBody = child(loop, "body");
          if (!loopBody) continue;
          const cond = child(loop, "condition");
          // Loop over an array anyone can grow.
          const overArray = cond
            ? findAll(cond, "MemberAccess").find((m) => str(m, "memberName") === "length" && grown.has(baseDeclaration(program, child(m, "expression"))!))
            : undefined;
          // External calls inside the loop.
          const calls = findAll(loopBody, "FunctionCall").filter((c) => {
            const ll = lowLevelCall(program, c);
            if (ll) return ll.kind !== "staticcall";
            const ext = externalCall(program, c);
            return ext !== undefined && !ext.readOnly;
          });
          const reverting = calls.filter((c) => {
            const ll = lowLevelCall(program, c);
            if (ll?.kind === "transfer") return true;
            const p = program.parent(c);
            return p?.nodeType === "FunctionCall" && (builtinCallName(program, p) === "require" || builtinCallName(program, p) === "assert") || (ll === undefined && p?.nodeType === "ExpressionStatement");
          });
          // Looping over stored recipients (storage arrays) blocks everyone; over the caller's own list, only the caller.
          const overStorage = cond ? findAll(cond, "MemberAccess").some((m) => str(m, "memberName") === "length" && isDynamicStorageArray(baseDeclaration(program, child(m, "expression")))) : false;
          if (calls.length > 0) {
            report(
              "calls-in-loop",
              (reverting.length > 0 && overStorage) || overArray ? "medium" : "low",
              [...(reverting.length > 0 ? reverting : calls)],
              `${fname}() makes external calls inside a loop${reverting.length > 0 ? " and reverts when one fails" : ""}: one recipient that reverts or uses up the gas blocks everyone${overArray ? ", and the list can grow without bound" : ""}.`,
              "Pay in a pull pattern: record what each account is owed and let each withdraw on its own.\n```solidity\nfor (uint256 i = 0; i < payees.length; i++) owed[payees[i]] += share;   // no call in the loop\nfunction withdraw() external { uint256 a = owed[msg.sender]; owed[msg.sender] = 0; payable(msg.sender).transfer(a); }\n```",
            );
          } else if (overArray) {
            report(
              "unbounded-loop",
              "medium",
              [loop],
              `${fname}() loops over ${program.text(child(overArray, "expression")!)}, which anyone can make longer: once it is long enough the loop runs out of gas and ${fname}() can never succeed.`,
              "Bound the work per transaction (process the array in batches with a start index), or cap the array's length when adding to it:\n```solidity\nrequire(items.length < MAX_ITEMS);\nitems.push(x);\n```",
            );
          }
          // Growing a storage array inside a loop.
          const pushes = findAll(loopBody, "FunctionCall").filter((c) => {
            const callee = child(c, "expression");
            return callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "push" && isDynamicStorageArray(baseDeclaration(program, child(callee, "expression")));
          });
          const lengthGrows = [...findAll(loopBody, "Assignment"), ...findAll(loopBody, "UnaryOperation")].filter((n) => {
            const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression");
            return lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "length" && isDynamicStorageArray(baseDeclaration(program, child(lhs, "expression")));
          });
          if (isEntryPoint(fn) && (pushes.length > 0 || lengthGrows.length > 0) && !isAccessControlled(program, fn, contract)) {
            const writes = findAll(loopBody, "Assignment").filter((a) => child(a, "leftHandSide")?.nodeType === "IndexAccess");
            report(
              "loop-grows-array",
              "medium",
              [loop, ...pushes, ...lengthGrows, ...writes],
              `${fname}() appends to a storage array inside a loop whose length the caller controls: the array (and every later loop over it) grows until transactions run out of gas.`,
              "Limit how much one call may add and how long the array may become:\n```solidity\nrequire(count <= MAX_BATCH && items.length + count <= MAX_ITEMS);\n```",
            );
          }
        }

        // Clearing an array that anyone can grow costs gas proportional to its length.
        for (const a of findAll(body, "Assignment", "UnaryOperation")) {
          const isDelete = a.nodeType === "UnaryOperation" && str(a, "operator") === "delete";
          const lhs = a.nodeType === "Assignment" ? child(a, "leftHandSide") : isDelete ? child(a, "subExpression") : undefined;
          if (!lhs || lhs.nodeType !== "Identifier") continue;
          const d = program.declOf(lhs);
          if (!d || !grown.has(d)) continue;
          const rhs = a.nodeType === "Assignment" ? child(a, "rightHandSide") : undefined;
          if (rhs && !(rhs.nodeType === "FunctionCall" && child(rhs, "expression")?.nodeType === "NewExpression")) continue;
          const siblings = findAll(body, "Assignment").filter((x) => x !== a && x.nodeType === "Assignment" && child(x, "rightHandSide")?.nodeType === "FunctionCall" && child(child(x, "rightHandSide")!, "expression")?.nodeType === "NewExpression");
          const guard = program.ancestor(a, "IfStatement");
          report(
            "clear-growing-array",
            "medium",
            [a, ...siblings, ...(guard && program.contains(body, guard) ? [guard] : [])],
            `${fname}() clears ${str(d, "name")}, an array anyone can grow: clearing costs gas for every element, so past some length the transaction cannot fit in a block and the contract is stuck.`,
            "Do not clear unbounded arrays in one go. Keep a counter or a round number instead of deleting, or cap the array's length:\n```solidity\nround++;                       // start a new round instead of deleting\nentries[round].push(msg.sender);\n```",
          );
        }

        // Push payment that reverts to a stored recipient (auction refund): a recipient that rejects ether blocks the function.
        if (isEntryPoint(fn) && !isAccessControlled(program, fn, contract)) {
          for (const c of findAll(body, "FunctionCall")) {
            const ll = lowLevelCall(program, c);
            if (!ll || !(ll.kind === "transfer" || ll.kind === "send" || (ll.kind === "call" && ll.value))) continue;
            if (program.ancestor(c, ...LOOPS) && program.contains(body, program.ancestor(c, ...LOOPS)!)) continue;
            const to = stripConversions(ll.target);
            if (!to || to.nodeType !== "Identifier" || isSenderLike(program, to)) continue;
            const d = program.declOf(to);
            if (!d || !isStateVariable(d)) continue;
            if (ll.kind !== "transfer" && !requiresSuccess(program, c)) continue;
            // Only when the function also replaces that recipient (auction / king-of-the-hill pattern).
            const replaces = findAll(body, "Assignment").some((a) => baseDeclaration(program, child(a, "leftHandSide")) === d);
            if (!replaces) continue;
            report(
              "push-payment-dos",
              "medium",
              [c],
              `${fname}() must pay ${program.text(to)} before it can go on; if that address is a contract that rejects ether, nobody can call ${fname}() successfully again.`,
              "Refund in a pull pattern: credit the previous recipient and let them withdraw.\n```solidity\npendingReturns[highestBidder] += highestBid;   // instead of transferring here\n```",
            );
          }
        }
      }
    }
  },
};

function requiresSuccess(program: Program, call: AstNode): boolean {
  const p = program.parent(call);
  if (p?.nodeType === "FunctionCall" && (builtinCallName(program, p) === "require" || builtinCallName(program, p) === "assert")) return true;
  if (p?.nodeType === "UnaryOperation" && str(p, "operator") === "!") {
    const ifs = program.parent(p);
    return ifs?.nodeType === "IfStatement";
  }
  return false;
}
