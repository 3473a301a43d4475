import type { AstNode } from "../ast/node";
import { str } from "../ast/node";
import { walkFlow, type OutgoingCall } from "../ast/flow";
import { hasReentrancyGuard, isAccessControlled } from "../ast/access";
import { isEntryPoint, isReadOnly, minorVersion } from "../ast/semantics";
import type { Severity } from "../types";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

interface State {
  firstCall?: OutgoingCall;
  readBefore: Set<AstNode>;
}

interface Violation {
  call: OutgoingCall;
  decl: AstNode;
  write: AstNode;
  writeSites: AstNode[];
  readBefore: boolean;
}

/**
 * Calls that hand control to other code: low-level call/delegatecall, state-changing external calls, and
 * before 0.5 also calls of view/pure functions (they used CALL, not STATICCALL, so the callee can write).
 */
function canReenter(call: OutgoingCall, staticViews: boolean): boolean {
  if (call.assembly) return true;
  if (call.lowLevel) return call.lowLevel.kind === "call" || call.lowLevel.kind === "callcode" || call.lowLevel.kind === "delegatecall";
  if (call.external) return !call.external.readOnly || !staticViews;
  return false;
}

export const reentrancy: Detector = {
  id: "reentrancy",
  category: "reentrancy",
  title: "State written after an external call (the callee can re-enter before the state is updated)",
  run(ctx: DetectorContext) {
    const { program } = ctx;
    const staticViews = minorVersion(ctx.file.version) >= 5;
    for (const contract of contractsIn(ctx)) {
      // Who reads each state variable: for the cross-function note.
      const readers = new Map<AstNode, Set<string>>();
      const allFns = program.linearized(contract).flatMap(functionsOf);
      for (const fn of allFns) {
        if (!isEntryPoint(fn)) continue;
        walkFlow(program, fn, contract, {
          initial: () => 0,
          clone: (s) => s,
          merge: (a) => a,
          onRead: (_s, decl) => {
            const set = readers.get(decl) ?? new Set<string>();
            set.add(displayName(fn) ?? "?");
            readers.set(decl, set);
          },
        });
      }

      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isReadOnly(fn)) continue;
        if (hasReentrancyGuard(program, fn, contract)) continue;
        const violations: Violation[] = [];
        walkFlow<State>(program, fn, contract, {
          initial: () => ({ readBefore: new Set() }),
          clone: (s) => ({ firstCall: s.firstCall, readBefore: new Set(s.readBefore) }),
          merge: (a, b) => ({ firstCall: a.firstCall ?? b.firstCall, readBefore: new Set([...a.readBefore, ...b.readBefore]) }),
          onCall: (s, call) => {
            if (!canReenter(call, staticViews)) return;
            // made inside a nonReentrant function: re-entry is blocked
            if (call.stack.some((f) => f !== fn && f.nodeType === "FunctionDefinition" && hasReentrancyGuard(program, f, contract))) return;
            if (!s.firstCall || (call.value && !s.firstCall.value)) s.firstCall = call;
          },
          onRead: (s, decl) => {
            if (!s.firstCall) s.readBefore.add(decl);
          },
          onWrite: (s, decl, node, sites) => {
            if (!s.firstCall) return;
            violations.push({ call: s.firstCall, decl, write: node, writeSites: sites, readBefore: s.readBefore.has(decl) });
          },
        });
        if (violations.length === 0) continue;
        // One finding per call.
        const byCall = new Map<AstNode, Violation[]>();
        for (const v of violations) byCall.set(v.call.node, [...(byCall.get(v.call.node) ?? []), v]);
        const restricted = isAccessControlled(program, fn, contract);
        for (const vs of byCall.values()) {
          const call = vs[0]!.call;
          const readFirst = vs.some((v) => v.readBefore);
          let severity: Severity = call.value ? (readFirst ? "high" : "medium") : readFirst ? "medium" : "low";
          if (restricted) severity = "low";
          const vars = [...new Set(vs.map((v) => str(v.decl, "name") ?? "?"))];
          const others = new Set<string>();
          for (const v of vs) for (const r of readers.get(v.decl) ?? []) if (r !== displayName(fn)) others.add(r);
          const lines = linesIn(program, ctx.file, [call.node, ...call.sites, ...vs.flatMap((v) => [v.write, ...v.writeSites])]);
          const callText = program.fileOf(call.node) === ctx.file ? program.text(call.node).split("\n")[0]!.slice(0, 80) : "an external call";
          ctx.report({
            detector: "reentrancy",
            category: "reentrancy",
            severity,
            confidence: readFirst ? "high" : "medium",
            lines,
            contract: str(contract, "name"),
            function: displayName(fn),
            message:
              `${displayName(fn)}() makes ${call.value ? "an ether-sending " : ""}external call \`${callText}\` and only afterwards writes ` +
              `${vars.join(", ")}. The callee can call back into the contract while ${vars.join(", ")} still hold the old value` +
              (others.size > 0 ? ` (cross-function: ${[...others].slice(0, 5).join(", ")} also read${others.size === 1 ? "s" : ""} it).` : ".") +
              (restricted ? " The function is restricted to privileged callers, which lowers the risk." : ""),
            remediation:
              "Follow checks-effects-interactions: update the contract's state before the external call, and make the call last. " +
              "Also add a reentrancy guard (OpenZeppelin ReentrancyGuard) to every function that moves value. For example:\n" +
              "```solidity\nuint256 amount = balances[msg.sender];\nbalances[msg.sender] = 0;            // effect first\n" +
              "(bool ok, ) = msg.sender.call{value: amount}(\"\");  // interaction last\nrequire(ok);\n```\n" +
              "and declare the function `nonReentrant` (contract inherits `ReentrancyGuard`).",
          });
        }
      }
    }
  },
};
