import type { AstNode } from "../ast/node";
import { child, findAll, str, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { walkFlowEvents } from "../ast/flow";
import { isAccessControlled } from "../ast/access";
import { isEntryPoint, isUnexecutedCallValue, lowLevelCall } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, type Detector, type DetectorContext } from "./detector";

/** Whether the boolean a call returns is looked at: used in an expression, or stored and read later. */
export function resultIsChecked(program: Program, call: AstNode, fn: AstNode): boolean {
  let node = call;
  let parent = program.parent(node);
  while (parent?.nodeType === "TupleExpression") {
    node = parent;
    parent = program.parent(node);
  }
  if (!parent || parent.nodeType === "ExpressionStatement") return false;
  let decl: AstNode | undefined;
  if (parent.nodeType === "VariableDeclarationStatement") {
    const decls = (parent.declarations as (AstNode | null)[] | undefined) ?? [];
    decl = decls[0] ?? undefined;
  } else if (parent.nodeType === "Assignment" && child(parent, "rightHandSide") === node) {
    const lhs = child(parent, "leftHandSide");
    const target = lhs?.nodeType === "TupleExpression" ? ((lhs.components as (AstNode | null)[])[0] ?? undefined) : lhs;
    decl = target ? program.declOf(target) : undefined;
    if (decl?.stateVariable === true) return true; // stored for later
    if (!decl) return true;
  } else {
    return true; // require(x.send(…)), if (!x.call(…)), return x.call(…)
  }
  if (!decl) return false;
  let used = false;
  walk(child(fn, "body") ?? fn, (n) => {
    if (used) return false;
    if (n.nodeType === "Identifier" && program.declOf(n) === decl) {
      const p = program.parent(n);
      const isLhs = p?.nodeType === "Assignment" && child(p, "leftHandSide") === n;
      const inLhsTuple = p?.nodeType === "TupleExpression" && program.parent(p)?.nodeType === "Assignment" && child(program.parent(p)!, "leftHandSide") === p;
      if (!isLhs && !inLhsTuple) used = true;
    }
    return undefined;
  });
  return used;
}

/**
 * Whether a function (with the internal functions and modifiers it runs) writes any state variable. A call whose
 * failure goes unnoticed in a function that records nothing leaves everything as it was: the ether or tokens stay
 * where they were and the caller can try again.
 */
export function writesState(program: Program, fn: AstNode, context: AstNode, memo?: Map<AstNode, boolean>): boolean {
  const known = memo?.get(fn);
  if (known !== undefined) return known;
  let found = false;
  walkFlowEvents(program, fn, context, {
    onWrite: () => {
      found = true;
    },
  });
  memo?.set(fn, found);
  return found;
}

/**
 * An ignored failure that changes nothing: outside a loop (where the other items go on and the result is partial), in a
 * function that records nothing, and the call either moves no value, or only a privileged caller (who sees the balance
 * unchanged and retries) can make it, or the function is itself an entry point that takes no ether: a failed payment
 * leaves the contract's ether or tokens where they were and anyone can call again (a sweep, a `clean()`). An internal
 * helper may be called by a function that records the payment, and a payable one may be forwarding the caller's
 * ether, so both stay reported; so does a function that makes another payment, whose balance is its record.
 */
export function failureChangesNothing(program: Program, call: AstNode, fn: AstNode, contract: AstNode, movesValue: boolean, memo: Map<AstNode, boolean>): boolean {
  if (program.ancestor(call, "ForStatement", "WhileStatement", "DoWhileStatement")) return false;
  if (writesState(program, fn, contract, memo)) return false;
  if (!movesValue || isAccessControlled(program, fn, contract)) return true;
  if (!isEntryPoint(fn) || str(fn, "stateMutability") === "payable" || fn.payable === true) return false;
  // the only payment it makes: beside another (a swap pulling the input, then paying out from its balance) the
  // contract's balance is the record, and an input that silently failed to arrive still pays the output
  let others = false;
  walkFlowEvents(program, fn, contract, {
    onCall: (c) => {
      if (c.node === call || c.sites.includes(call)) return;
      if (c.value || PAYMENT.test(c.external?.functionName ?? "") || c.lowLevel?.kind === "send" || c.lowLevel?.kind === "transfer") others = true;
    },
  });
  return !others;
}

/** Functions that move tokens or ether (ERC-20/721 transfers, SafeERC20's). */
const PAYMENT = /^(transfer|transferFrom|safeTransfer|safeTransferFrom|send|sendValue)$/;

const REMEDIATION_CALL =
  "Check the boolean every low-level call returns and stop when it is false, or use OpenZeppelin's `Address` " +
  "library which does it for you:\n```solidity\n(bool ok, ) = target.call{value: amount}(data);\nrequire(ok, \"call failed\");\n" +
  "// or: Address.functionCallWithValue(target, data, amount);\n```";
const REMEDIATION_SEND =
  "`send` returns false instead of reverting when the payment fails, so the contract carries on as if it had paid. " +
  "Check the result, or better let the recipient pull the payment (withdraw pattern):\n```solidity\n" +
  "require(recipient.send(amount), \"payment failed\");\n// better: pending[recipient] += amount; and a withdraw() the recipient calls\n```";

/** A comment on the call's line or the three above that says its result is ignored on purpose. */
const IGNORED_ON_PURPOSE =
  /\b(do not|don'?t|not|never|no need to)\s+(check|care about|require)\b[^\n]*\b(result|return|success|outcome|fail)|\bignor(e|es|ed|ing)\s+(the\s+)?(result|return|failure|success)|\bbest[- ]effort\b|\b(may|can|might|is allowed to)\s+fail\b/i;

function ignoredOnPurpose(lines: { lineText(n: number): string }, line: number): boolean {
  const near = [line, line - 1, line - 2, line - 3].filter((n) => n > 0).map((n) => /\/\/.*$|\/\*.*$/.exec(lines.lineText(n))?.[0] ?? "");
  return near.some((c) => IGNORED_ON_PURPOSE.test(c));
}

export const uncheckedCalls: Detector = {
  id: "unchecked-low-level-call",
  category: "unchecked_low_level_calls",
  title: "Return value of call/delegatecall/send not checked",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    const writes = new Map<AstNode, boolean>();
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
          if (isUnexecutedCallValue(program, call) && program.parent(call)?.nodeType === "ExpressionStatement") {
            ctx.report({
              detector: "call-not-executed",
              category: "unchecked_low_level_calls",
              severity: "medium",
              confidence: "high",
              lines: [program.line(call)],
              contract: str(contract, "name"),
              function: displayName(fn),
              message: `\`${program.text(call)}\` only prepares the call: without the final \`()\` no ether is sent and nothing is checked.`,
              remediation: "Complete the call and check its result:\n```solidity\n(bool ok, ) = addr.call{value: amount}(\"\");\nrequire(ok);\n```",
            });
            continue;
          }
          const ll = lowLevelCall(program, call);
          if (!ll || ll.kind === "transfer" || ll.kind === "staticcall") continue;
          if (resultIsChecked(program, call, fn)) continue;
          const isSend = ll.kind === "send";
          // nothing recorded: a failed call leaves the ether where it was and the caller can try again
          // (a call forwarding the caller's msg.value is never harmless: the contract keeps it when the call fails)
          const forwardsPayment = ll.value !== undefined && /\bmsg\.value\b/.test(program.text(ll.value));
          const sendsValue = isSend || (ll.value !== undefined && !/^0+$/.test(program.text(ll.value).trim()));
          const recordsNothing = !forwardsPayment && failureChangesNothing(program, call, fn, contract, sendsValue, writes);
          // a call that moves no value, whose comment says its result is ignored on purpose (Numa's notification of a
          // fee receiver that "might not implement the deposit function")
          const meant = !sendsValue && ignoredOnPurpose(ctx.file.lines, program.line(call));
          ctx.report({
            detector: isSend ? "unchecked-send" : "unchecked-low-level-call",
            category: "unchecked_low_level_calls",
            severity: recordsNothing || meant ? "low" : "medium",
            confidence: "high",
            lines: [program.line(call)],
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `The result of \`${program.text(call).split("\n")[0]!.slice(0, 80)}\` is ignored: if the ${isSend ? "payment" : `${ll.kind}`} fails, ${displayName(fn)}() carries on as if it succeeded` +
              (recordsNothing ? ` (it records nothing, so a failure leaves things as they were and the caller is not told).` : ".") +
              (meant && !recordsNothing ? " A comment says the result is ignored on purpose and the call moves no value: a best-effort notification (low)." : ""),
            remediation: isSend ? REMEDIATION_SEND : REMEDIATION_CALL,
          });
        }
      }
    }
  },
};
