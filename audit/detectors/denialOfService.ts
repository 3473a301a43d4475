import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { checksCaller, isAccessControlled, isAuthCondition, isAuthModifier } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  externalCall,
  guardConditions,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isSenderLike,
  isStateVariable,
  lowLevelCall,
  modifierOf,
  stopsExecution,
  stripConversions,
  stripParens,
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
    if (!isEntryPoint(fn) || restrictsCaller(program, fn, contract)) continue;
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
      const reaching = unprivilegedEntryPointsReaching(program, contract);
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
          const overArray = cond && !hasFixedBound(program, cond)
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

        // Push payment that must succeed, to a stored recipient that an unprivileged caller replaces (auction refund,
        // king of the hill): a recipient that rejects ether blocks everyone who comes after it. The payment may sit in
        // an internal helper of the function that replaces the recipient.
        const replacers = reaching.get(fn) ?? [];
        if (replacers.length > 0) {
          for (const c of findAll(body, "FunctionCall")) {
            const ll = lowLevelCall(program, c);
            if (!ll || !(ll.kind === "transfer" || ll.kind === "send" || (ll.kind === "call" && ll.value))) continue;
            if (program.ancestor(c, ...LOOPS) && program.contains(body, program.ancestor(c, ...LOOPS)!)) continue;
            const to = stripConversions(ll.target);
            if (!to || to.nodeType !== "Identifier" || isSenderLike(program, to)) continue;
            const d = program.declOf(to);
            if (!d || !isStateVariable(d)) continue;
            if (ll.kind !== "transfer" && !requiresSuccess(program, c)) continue;
            const replaces = replacers.some((r) => findAll(child(r, "body")!, "Assignment").some((a) => baseDeclaration(program, child(a, "leftHandSide")) === d));
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

/**
 * Whether a failed payment reverts the function: `require(x.send(v))`, `if (!x.send(v)) revert …`, or the success
 * flag bound to a variable (`(bool sent, ) = x.call{value: v}("")`) and then required (`require(sent)`,
 * `if (!sent) revert …`). Handling the failure any other way (crediting a pull balance, logging it) is not.
 */
function requiresSuccess(program: Program, call: AstNode): boolean {
  const p = program.parent(call);
  if (p?.nodeType === "FunctionCall" && (builtinCallName(program, p) === "require" || builtinCallName(program, p) === "assert")) return true;
  if (p?.nodeType === "UnaryOperation" && str(p, "operator") === "!") {
    const ifs = program.parent(p);
    return ifs?.nodeType === "IfStatement" && stopsExecution(program, child(ifs, "trueBody"));
  }
  const flag = successFlag(program, call);
  const callable = program.callableOf(call);
  const body = callable ? child(callable, "body") : undefined;
  if (!flag || !body) return false;
  return guardConditions(program, body).some((g) => {
    if (!program.before(call, g.node)) return false;
    // require(sent) / if (sent) {…} else revert: the flag must hold; if (!sent) revert: the flag must not fail
    const mustHold = g.node.nodeType !== "IfStatement" || !stopsExecution(program, child(g.node, "trueBody"));
    return demandsFlag(program, g.cond, flag, mustHold);
  });
}

/** The local variable that receives a call's success flag: `bool ok = x.send(v)`, `(bool ok, ) = x.call(…)`, `(ok, ) = …`. */
function successFlag(program: Program, call: AstNode): AstNode | undefined {
  const p = program.parent(call);
  if (p?.nodeType === "VariableDeclarationStatement" && child(p, "initialValue") === call) {
    const first = (p.declarations as (AstNode | null)[] | undefined)?.[0];
    return first ?? undefined;
  }
  if (p?.nodeType === "Assignment" && child(p, "rightHandSide") === call) {
    const lhs = child(p, "leftHandSide");
    const target = lhs?.nodeType === "TupleExpression" ? list(lhs, "components")[0] : lhs;
    return target?.nodeType === "Identifier" ? program.declOf(target) : undefined;
  }
  return undefined;
}

/** Whether a guard condition fails whenever `flag` is false: `sent`, `sent && …`, `sent == true` (or, negated, `!sent`). */
function demandsFlag(program: Program, cond: AstNode | undefined, flag: AstNode, mustHold: boolean): boolean {
  const c = stripParens(cond);
  if (!c) return false;
  if (c.nodeType === "Identifier") return mustHold && program.declOf(c) === flag;
  if (c.nodeType === "UnaryOperation" && str(c, "operator") === "!") return demandsFlag(program, child(c, "subExpression"), flag, !mustHold);
  if (c.nodeType !== "BinaryOperation") return false;
  const op = str(c, "operator");
  const l = child(c, "leftExpression");
  const r = child(c, "rightExpression");
  // must hold: `sent && x` fails without sent; must not hold (stops when true): `!sent || x` stops without sent
  if ((op === "&&" && mustHold) || (op === "||" && !mustHold)) return demandsFlag(program, l, flag, mustHold) || demandsFlag(program, r, flag, mustHold);
  if (op === "==" || op === "!=") {
    const literal = (n: AstNode | undefined): string | undefined => (stripParens(n)?.nodeType === "Literal" ? str(stripParens(n)!, "value") : undefined);
    const [side, value] = literal(r) !== undefined ? [l, literal(r)] : [r, literal(l)];
    if (value !== "true" && value !== "false") return false;
    // sent == true holds exactly when sent does; sent == false and sent != true when it does not
    const same = (op === "==") === (value === "true");
    return demandsFlag(program, side, flag, same ? mustHold : !mustHold);
  }
  return false;
}

/**
 * For every function of the contract, the unprivileged entry points that run it: the function itself when it is one,
 * and those that reach it through internal calls (a few levels deep).
 */
function unprivilegedEntryPointsReaching(program: Program, contract: AstNode): Map<AstNode, AstNode[]> {
  const out = new Map<AstNode, AstNode[]>();
  const add = (fn: AstNode, entry: AstNode): void => {
    const entries = out.get(fn) ?? [];
    if (!entries.includes(entry)) out.set(fn, [...entries, entry]);
  };
  for (const entry of program.linearized(contract).flatMap(functionsOf)) {
    if (!isEntryPoint(entry) || restrictsCaller(program, entry, contract)) continue;
    const seen = new Set<AstNode>([entry]);
    let frontier = [entry];
    for (let depth = 0; depth <= 3 && frontier.length > 0; depth++) {
      const next: AstNode[] = [];
      for (const fn of frontier) {
        add(fn, entry);
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          const callee = internalCallee(program, call, contract);
          if (!callee || callee.nodeType !== "FunctionDefinition" || !child(callee, "body") || seen.has(callee)) continue;
          seen.add(callee);
          next.push(callee);
        }
      }
      frontier = next;
    }
  }
  return out;
}

/**
 * Whether only privileged callers get through a function. Unlike isAccessControlled, a check that only turns away
 * a caller who matches something (`if (entrants[i] == msg.sender) revert`, `require(!banned[msg.sender])`) does
 * not count: it leaves the function open to everyone else.
 */
function restrictsCaller(program: Program, fn: AstNode, contract: AstNode): boolean {
  if (!isAccessControlled(program, fn, contract)) return false;
  const body = child(fn, "body");
  if (!body || findAll(body, "InlineAssembly").length > 0) return true;
  const isSender = (n: AstNode | undefined): boolean => isSenderLike(program, n);
  for (const g of guardConditions(program, body)) {
    const stops = g.node.nodeType === "IfStatement" && stopsExecution(program, child(g.node, "trueBody"));
    if (isAuthCondition(program, g.cond, isSender, 0, !stops) && !deniesOnly(program, g.cond, stops)) return true;
  }
  // The body's own caller checks only deny: the restriction, if any, is in a modifier or a helper called on its own.
  for (const inv of list(fn, "modifiers")) {
    if (isAuthModifier(inv)) return true;
    const mod = modifierOf(program, inv, contract);
    if (mod && checksCaller(program, mod, contract)) return true;
  }
  for (const stmt of findAll(body, "ExpressionStatement")) {
    const e = child(stmt, "expression");
    const callee = e?.nodeType === "FunctionCall" ? internalCallee(program, e, contract) : undefined;
    if (!callee || callee === fn) continue;
    const params = list(child(callee, "parameters"), "parameters");
    const passed = new Set(list(e, "arguments").flatMap((a, i) => (isSender(a) && params[i] ? [params[i]!] : [])));
    if (checksCaller(program, callee, contract, passed)) return true;
  }
  return false;
}

/**
 * Whether every caller test in a guard only stops callers who match: equality with the caller (or membership keyed
 * by the caller) that stops execution when it holds, or inequality that must hold. `stopsWhenTrue` is how the guard
 * uses the condition (`if (c) revert` rather than `require(c)`).
 */
function deniesOnly(program: Program, cond: AstNode | undefined, stopsWhenTrue: boolean): boolean {
  const c = stripParens(cond);
  if (!c) return false;
  if (c.nodeType === "UnaryOperation" && str(c, "operator") === "!") return deniesOnly(program, child(c, "subExpression"), !stopsWhenTrue);
  const isSender = (n: AstNode | undefined): boolean => isSenderLike(program, n);
  if (c.nodeType === "BinaryOperation") {
    const op = str(c, "operator");
    const l = child(c, "leftExpression");
    const r = child(c, "rightExpression");
    if (op === "&&" || op === "||") {
      return [l, r].every((side) => !isAuthCondition(program, side, isSender) || deniesOnly(program, side, stopsWhenTrue));
    }
    if (op === "==") return stopsWhenTrue;
    if (op === "!=") return !stopsWhenTrue;
    return false;
  }
  return stopsWhenTrue;
}

/** A loop condition that also caps the iterations with a constant: `i < MAX_SCAN && i < items.length`. */
function hasFixedBound(program: Program, cond: AstNode | undefined): boolean {
  const c = stripParens(cond);
  if (c?.nodeType !== "BinaryOperation") return false;
  const op = str(c, "operator");
  const l = child(c, "leftExpression");
  const r = child(c, "rightExpression");
  if (op === "&&") return hasFixedBound(program, l) || hasFixedBound(program, r);
  const constant = (n: AstNode | undefined): boolean => {
    const e = stripConversions(n);
    if (e?.nodeType === "Literal") return true;
    const d = e?.nodeType === "Identifier" ? program.declOf(e) : undefined;
    return d !== undefined && isStateVariable(d) && isConstantVariable(d);
  };
  if (op === "<" || op === "<=") return constant(r);
  if (op === ">" || op === ">=") return constant(l);
  return false;
}
