/**
 * Cross-chain messages whose destination the caller names.
 *
 * - `cross-chain-destination`: a function anyone can call sends a message over a bridge (Chainlink CCIP's
 *   `ccipSend`, Connext's `xcall`, an OP/Arbitrum messenger's `sendMessage`, a LayerZero endpoint's `send`) to a
 *   receiver or chain taken from its own parameters, and nothing compares that destination with the counterpart the
 *   contract knows. The message says something only this contract may say ("the raffle was won by …", "cancel"): sent
 *   to a contract of the caller's, or to the wrong chain, it is lost, and the state the function changed on its way
 *   (a raffle marked propagated) cannot be sent again (Winnables H-1, H-2).
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import { walkFlowEvents, type OutgoingCall } from "../ast/flow";
import { guardConditions, initialValueOf, isEntryPoint, isStateVariable, parameters, stripConversions } from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

/** A bridge's send and the argument positions (or message fields) that name the destination. */
const SENDS: Record<string, { args: number[]; fields?: string[]; target?: RegExp }> = {
  // CCIP router: ccipSend(uint64 destinationChainSelector, Client.EVM2AnyMessage message{receiver, …})
  ccipSend: { args: [0], fields: ["receiver"] },
  // Connext: xcall(uint32 destination, address to, …)
  xcall: { args: [0, 1] },
  // OP / Arbitrum L1-L2 messengers: sendMessage(address target, bytes message, uint32 gasLimit)
  sendMessage: { args: [0], target: /messenger|bridge|crossdomain/i },
  // LayerZero v1 endpoint: send(uint16 dstChainId, bytes destination, …)
  send: { args: [0, 1], target: /layerzero|endpoint/i },
};

/** The declarations whose values reach `call` from the entry point's parameters, following the arguments of each call on the way. */
function callerValues(program: Program, entry: AstNode, call: OutgoingCall): Set<AstNode> {
  const out = new Set<AstNode>(parameters(entry));
  for (let i = 0; i < call.sites.length && i + 1 < call.stack.length; i++) {
    const site = call.sites[i]!;
    const callee = call.stack[i + 1]!;
    if (callee.nodeType !== "FunctionDefinition") continue;
    // the site is the statement that makes the call: find the call of the callee in it
    const calls = site.nodeType === "FunctionCall" ? [site, ...findAll(site, "FunctionCall")] : findAll(site, "FunctionCall");
    const at = calls.find((c) => program.declOf(child(c, "expression")) === callee) ?? calls.find((c) => str(child(c, "expression") ?? c, "name") === str(callee, "name"));
    const args = at ? list(at, "arguments") : [];
    parameters(callee).forEach((p, k) => {
      if (args[k] && mentions(program, args[k]!, out)) out.add(p);
    });
  }
  return out;
}

/** Whether an expression reads one of `decls`, also through locals initialised from them (a message struct built first). */
function mentions(program: Program, expr: AstNode, decls: Set<AstNode>, depth = 0): boolean {
  return [expr, ...findAll(expr, "Identifier")].some((n) => {
    if (n.nodeType !== "Identifier") return false;
    const d = program.declOf(n);
    if (!d) return false;
    if (decls.has(d)) return true;
    if (depth > 2 || d.nodeType !== "VariableDeclaration" || isStateVariable(d)) return false;
    const init = initialValueOf(program, d);
    return init !== undefined && mentions(program, init, decls, depth + 1);
  });
}

/** The destination expressions of a send: its destination arguments, and the named fields of a message struct it takes. */
function destinations(program: Program, call: AstNode, spec: { args: number[]; fields?: string[] }): AstNode[] {
  const args = list(call, "arguments");
  const out = spec.args.map((i) => args[i]).filter((a): a is AstNode => a !== undefined);
  for (const a of args) {
    let e = stripConversions(a);
    if (e?.nodeType === "Identifier") {
      const d = program.declOf(e);
      e = d && d.nodeType === "VariableDeclaration" && !isStateVariable(d) ? initialValueOf(program, d) : e;
    }
    if (e?.nodeType !== "FunctionCall" || str(e, "kind") !== "structConstructorCall") continue;
    const names = (e.names as string[] | undefined) ?? [];
    list(e, "arguments").forEach((v, i) => {
      if (spec.fields?.includes(names[i] ?? "")) out.push(v);
    });
  }
  return out;
}

/**
 * The caller's values that end up in the destination: the declarations the destination expressions read, followed back
 * through the arguments of each call on the way to the entry point's parameters.
 */
function destinationValues(program: Program, call: OutgoingCall, values: Set<AstNode>, dest: AstNode[]): Set<AstNode> {
  const out = new Set<AstNode>();
  const collect = (e: AstNode, depth = 0): void => {
    for (const n of [e, ...findAll(e, "Identifier")]) {
      if (n.nodeType !== "Identifier") continue;
      const d = program.declOf(n);
      if (!d) continue;
      if (values.has(d)) out.add(d);
      else if (depth < 2 && d.nodeType === "VariableDeclaration" && !isStateVariable(d)) {
        const init = initialValueOf(program, d);
        if (init) collect(init, depth + 1);
      }
    }
  };
  dest.forEach((d) => collect(d));
  for (let i = call.sites.length - 1; i >= 0; i--) {
    const callee = call.stack[i + 1];
    if (!callee || callee.nodeType !== "FunctionDefinition") continue;
    const site = call.sites[i]!;
    const calls = site.nodeType === "FunctionCall" ? [site, ...findAll(site, "FunctionCall")] : findAll(site, "FunctionCall");
    const at = calls.find((c) => program.declOf(child(c, "expression")) === callee);
    const args = at ? list(at, "arguments") : [];
    parameters(callee).forEach((p, k) => {
      if (out.has(p) && args[k]) collect(args[k]!);
    });
  }
  return out;
}

/** Whether an expression reads a state variable, also through locals initialised from one. */
function readsStorage(program: Program, expr: AstNode, depth = 0): boolean {
  return [expr, ...findAll(expr, "Identifier")].some((n) => {
    if (n.nodeType !== "Identifier") return false;
    const d = program.declOf(n);
    if (d?.nodeType !== "VariableDeclaration") return false;
    if (isStateVariable(d)) return true;
    const init = depth < 2 ? initialValueOf(program, d) : undefined;
    return init !== undefined && readsStorage(program, init, depth + 1);
  });
}

/** Whether a guard on the way compares a destination value with something stored (a known counterpart, a mapping of them). */
function checkedAgainstStorage(program: Program, call: OutgoingCall, values: Set<AstNode>): boolean {
  return call.stack.some((f) => {
    const body = child(f, "body");
    if (!body) return false;
    return guardConditions(program, body).some((g) => {
      if (!mentions(program, g.cond, values)) return false;
      // `dest == counterpart`, `trusted[dest]`, `counterparts[chain] == dest`: the guard reads storage too
      return findAll(g.cond, "Identifier").some((i) => {
        const d = program.declOf(i);
        return d !== undefined && isStateVariable(d);
      });
    });
  });
}

export const crossChainDestination: Detector = {
  id: "cross-chain-destination",
  category: "access_control",
  title: "Cross-chain message sent by anyone to a receiver or chain the caller names",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      for (const fn of functionsOf(contract)) {
        if (!isEntryPoint(fn) || isAccessControlled(program, fn, contract) || !child(fn, "body")) continue;
        const found: { call: OutgoingCall; name: string }[] = [];
        walkFlowEvents(program, fn, contract, {
          onCall: (call) => {
            const ext = call.external;
            const spec = ext ? SENDS[ext.functionName] : undefined;
            if (!ext || !spec) return;
            if (spec.target && !spec.target.test(program.text(ext.target))) return;
            const values = callerValues(program, fn, call);
            const dest = destinations(program, call.node, spec);
            if (!dest.some((d) => mentions(program, d, values))) return;
            // a receiver read from storage (`counterpart[domain]`): the chain is the caller's, the contract on it is known
            if (dest.some((d) => readsStorage(program, d))) return;
            if (checkedAgainstStorage(program, call, destinationValues(program, call, values, dest))) return;
            found.push({ call, name: ext.functionName });
          },
        });
        if (found.length === 0) continue;
        const { call, name } = found[0]!;
        const named = parameters(fn).map((p) => str(p, "name")).filter(Boolean).join(", ");
        ctx.report({
          detector: "cross-chain-destination",
          category: "access_control",
          severity: "high",
          confidence: "medium",
          lines: linesIn(program, file, [fn, ...call.sites.filter((s) => program.fileOf(s) === file), call.node]).slice(0, 6),
          contract: str(contract, "name"),
          function: displayName(fn),
          message:
            `${displayName(fn)}() can be called by anyone and sends a cross-chain message (\`${name}\`) whose receiver or destination ` +
            `chain comes from its parameters (${named}), and nothing compares it with the counterpart this contract knows. A caller ` +
            "points the message at a contract of their own or at the wrong chain: the real receiver never hears of it, and the state " +
            `${displayName(fn)}() changed on the way cannot send it again.`,
          remediation:
            "Send only to the counterpart the contract stores (set by the admin), or check the caller's choice against it:\n```solidity\n" +
            "(address receiver, uint64 chain) = (prizeManager, prizeManagerChain);   // stored, not passed in\n" +
            "_sendCCIPMessage(receiver, chain, payload);\n```",
        });
      }
    }
  },
};

export const CROSSCHAIN_DETECTORS: readonly Detector[] = [crossChainDestination];
