import type { AstNode } from "../ast/node";
import { child, findAll, list, str, walk } from "../ast/node";
import type { Program } from "../ast/program";
import { isAccessControlled } from "../ast/access";
import { propagate, taintOf, type Taint } from "../ast/taint";
import {
  baseDeclaration,
  guardConditions,
  initialValueOf,
  isEntryPoint,
  isHashCall,
  isParameterOf,
  isPayable,
  isSenderLike,
  isStateVariable,
  isStorageVariable,
  lowLevelCall,
  mentionsSender,
  parameters,
  stripConversions,
  unwrapCallOptions,
  writtenStateVariable,
} from "../ast/semantics";
import { contractsIn, displayName, functionsOf, linesIn, type Detector, type DetectorContext } from "./detector";

function paramsIn(program: Program, expr: AstNode, fn: AstNode): boolean {
  return findAll(expr, "Identifier").some((i) => isParameterOf(program, program.declOf(i), fn));
}

export const frontRunning: Detector = {
  id: "front-running",
  category: "front_running",
  title: "Transaction-order dependence: approve race, secrets sent in clear, rewards changed under a pending claim",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    for (const contract of contractsIn(ctx)) {
      const cname = str(contract, "name");
      const fns = functionsOf(contract);
      const chainFns = program.linearized(contract).flatMap(functionsOf);
      const hasTransferFrom = chainFns.some((f) => str(f, "name") === "transferFrom");

      for (const fn of fns) {
        const body = child(fn, "body")!;
        const fname = displayName(fn);

        // ERC-20 approve: overwriting a non-zero allowance can be front-run.
        if (str(fn, "name") === "approve" && hasTransferFrom && parameters(fn).length === 2) {
          const writes = findAll(body, "Assignment").filter((a) => {
            const lhs = child(a, "leftHandSide");
            if (lhs?.nodeType !== "IndexAccess") return false;
            const inner = child(lhs, "baseExpression");
            return inner?.nodeType === "IndexAccess" && isSenderLike(program, child(inner, "indexExpression"));
          });
          const zeroCheck = guardConditions(program, body).some((g) => /==0|0==/.test(program.text(g.cond).replace(/\s+/g, "")));
          if (writes.length > 0 && !zeroCheck) {
            ctx.report({
              detector: "erc20-approve-race",
              category: "front_running",
              severity: "low",
              confidence: "medium",
              lines: linesIn(program, file, [fn, ...writes]),
              contract: cname,
              function: fname,
              message:
                "approve() overwrites the allowance. A spender who sees the owner change it from N to M can spend N first (front-running) and then M as well.",
              remediation:
                "Tell users to set the allowance to 0 before a new value, or offer increaseAllowance/decreaseAllowance-style functions, or EIP-2612 permit:\n" +
                "```solidity\nfunction approve(address spender, uint256 value) public returns (bool) {\n    require(value == 0 || allowed[msg.sender][spender] == 0);\n    ...\n}\n```",
            });
          }
        }

        if (!isEntryPoint(fn)) continue;

        // require(hash == keccak256(solution)), or if (keccak256(solution) == hash) { pay the caller }: the solution
        // travels in clear in the mempool. Not when a commitment binding the caller to the solution is checked first.
        const guards = guardConditions(program, body);
        const checks = [...guards, ...payingIfs(program, body, fn).filter((n) => !guards.some((g) => g.node === n)).map((n) => ({ cond: child(n, "condition")!, node: n }))];
        for (const g of checks) {
          const preimage = preimageHash(program, g.cond, fn);
          if (!preimage) continue;
          if (guards.some((b) => (b.node === g.node || program.before(b.node, g.node)) && bindsCallerTo(program, b.cond, fn, preimage))) continue;
          ctx.report({
            detector: "secret-in-clear",
            category: "front_running",
            severity: "medium",
            confidence: "medium",
            lines: linesIn(program, file, [g.node]),
            contract: cname,
            function: fname,
            message: `${fname}() rewards whoever submits the preimage of a hash. The answer is visible in the mempool, so anyone can copy it and get in first with a higher gas price.`,
            remediation:
              "Use commit-reveal: first commit `keccak256(abi.encode(answer, msg.sender, salt))`, reveal in a later block, and bind the answer to the committer:\n" +
              "```solidity\nrequire(commits[msg.sender] == keccak256(abi.encode(answer, msg.sender, salt)));\n```",
          });
        }

        // A payable move whose value later decides a payout, stored in clear (odds/evens, rock-paper-scissors).
        if (isPayable(fn) && parameters(fn).length > 0) {
          const stores = findAll(body, "Assignment").filter((a) => {
            const w = writtenStateVariable(program, a);
            return w !== undefined && paramsIn(program, child(a, "rightHandSide")!, fn);
          });
          const decls = new Set(stores.map((s) => baseDeclaration(program, child(s, "leftHandSide"))).filter((d): d is AstNode => d !== undefined));
          if (decls.size > 0 && usedInOutcome(program, contract, decls)) {
            ctx.report({
              detector: "clear-secret-submission",
              category: "front_running",
              severity: "medium",
              confidence: "low",
              lines: linesIn(program, file, [fn, ...stores]),
              contract: cname,
              function: fname,
              message: `${fname}() stores each player's choice in clear; the outcome is computed from those choices, so the next player (or a validator) reads them and plays to win.`,
              remediation:
                "Have players commit to a hash of their choice and a secret salt, and reveal both once everyone has committed:\n" +
                "```solidity\nfunction commit(bytes32 h) external payable { commits[msg.sender] = h; }\nfunction reveal(uint256 choice, bytes32 salt) external {\n    require(keccak256(abi.encode(choice, salt, msg.sender)) == commits[msg.sender]);\n    ...\n}\n```",
            });
          }
        }

        // Ether amount read from a scalar state variable that another public function can change meanwhile.
        if (!isAccessControlled(program, fn, contract)) {
          for (const call of findAll(body, "FunctionCall")) {
            const ll = lowLevelCall(program, call);
            if (!ll?.value) continue;
            const amount = stripConversions(ll.value);
            if (amount?.nodeType !== "Identifier") continue;
            const decl = program.declOf(amount);
            if (!decl || !isStateVariable(decl) || str(decl, "mutability") === "constant") continue;
            const setters = fns.filter((f) => f !== fn && isEntryPoint(f)).flatMap((f) =>
              findAll(child(f, "body")!, "Assignment").filter((a) => writtenStateVariable(program, a)?.decl === decl && child(a, "leftHandSide")?.nodeType === "Identifier"),
            );
            if (setters.length === 0) continue;
            const setterSends = setters.flatMap((s) => {
              const f = program.callableOf(s);
              return f ? findAll(child(f, "body")!, "FunctionCall").filter((c) => lowLevelCall(program, c)?.value !== undefined) : [];
            });
            ctx.report({
              detector: "tx-order-dependence",
              category: "front_running",
              severity: "medium",
              confidence: "low",
              lines: linesIn(program, file, [call, ...setters, ...setterSends]),
              contract: cname,
              function: fname,
              message: `${fname}() pays out ${str(decl, "name")}, which another function can change in a transaction mined just before this one: the payer can lower the reward after seeing a claim.`,
              remediation:
                "Let the claimant state the amount they expect and revert if it changed, or freeze the value once claims are open:\n" +
                "```solidity\nfunction claim(uint256 expectedReward) external { require(reward == expectedReward); ... }\n```",
            });
            break;
          }
        }
      }
    }
  },
};

/** The hash of a parameter compared for equality in `cond` (`keccak256(abi.encodePacked(solution)) == HASH`), unless the hash binds the caller. */
function preimageHash(program: Program, cond: AstNode, fn: AstNode): AstNode | undefined {
  for (const b of findAll(cond, "BinaryOperation")) {
    if (str(b, "operator") !== "==") continue;
    const sides = [child(b, "leftExpression"), child(b, "rightExpression")];
    // keccak256(a) == keccak256(b): two values compared by hash (strings, bytes), no secret on either side
    if (sides.every((x) => hashOf(program, x) !== undefined)) continue;
    for (const side of sides) {
      const s = stripConversions(side);
      if (s?.nodeType === "FunctionCall" && isHashCall(program, s) && paramsIn(program, s, fn) && !findAll(s, "MemberAccess").some((m) => isSenderLike(program, m))) {
        return s;
      }
    }
  }
  return undefined;
}

/**
 * A commitment check: `keccak256(abi.encodePacked(msg.sender, solution, secret)) == commits[msg.sender]` (or `!=` in an
 * `if … revert`), where the hash covers the caller and every parameter of `preimage`, and the other side was stored
 * earlier. A copied solution then fails the copier's own commitment.
 */
function bindsCallerTo(program: Program, cond: AstNode, fn: AstNode, preimage: AstNode): boolean {
  const submitted = new Set(findAll(preimage, "Identifier").map((i) => program.declOf(i)).filter((d) => isParameterOf(program, d, fn)));
  return findAll(cond, "BinaryOperation").some((b) => {
    const op = str(b, "operator");
    if (op !== "==" && op !== "!=") return false;
    const sides = [child(b, "leftExpression"), child(b, "rightExpression")];
    return sides.some((side, i) => {
      const h = hashOf(program, side);
      if (!h || !mentionsSender(program, h)) return false;
      const covered = new Set(findAll(h, "Identifier").map((id) => program.declOf(id)));
      return [...submitted].every((d) => covered.has(d)) && readsStorage(program, sides[1 - i]);
    });
  });
}

/** A hash call, directly or through a local it initialises (`bytes32 h = keccak256(…); require(h == commit.hash);`). */
function hashOf(program: Program, expr: AstNode | undefined): AstNode | undefined {
  let e = stripConversions(expr);
  if (e?.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (d?.nodeType === "VariableDeclaration" && !isStateVariable(d)) e = stripConversions(initialValueOf(program, d));
  }
  return e?.nodeType === "FunctionCall" && isHashCall(program, e) ? e : undefined;
}

/** Whether an expression reads storage, directly or through a local initialised from it (`bytes32 c = commits[msg.sender];`). */
function readsStorage(program: Program, expr: AstNode | undefined, depth = 0): boolean {
  const d = baseDeclaration(program, stripConversions(expr));
  if (!d) return false;
  if (isStorageVariable(program, d)) return true;
  const init = depth < 2 && d.nodeType === "VariableDeclaration" ? initialValueOf(program, d) : undefined;
  return init !== undefined && readsStorage(program, init, depth + 1);
}

/**
 * If statements whose true branch pays the caller (or an address the caller names): ether sent by transfer, send or
 * call{value:}, or a token transfer or mint.
 */
function payingIfs(program: Program, body: AstNode, fn: AstNode): AstNode[] {
  const toCaller = (to: AstNode | undefined): boolean => to !== undefined && (isSenderLike(program, to) || paramsIn(program, to, fn));
  return findAll(body, "IfStatement").filter((ifs) => {
    const branch = child(ifs, "trueBody");
    return branch !== undefined && findAll(branch, "FunctionCall").some((c) => {
      const ll = lowLevelCall(program, c);
      if (ll) return ll.value !== undefined && toCaller(ll.target);
      const callee = unwrapCallOptions(child(c, "expression")).callee;
      const name = callee ? str(callee, "memberName") ?? str(callee, "name") : undefined;
      const args = list(c, "arguments");
      if (name === undefined || !PAYOUT.test(name)) return false;
      return toCaller(/from$/i.test(name) ? args[1] : args[0]);
    });
  });
}

const PAYOUT = /^_?(safe)?(transfer|mint)(from)?$/i;

/** Whether any of `decls` feeds a `%` or an equality test that decides an ether payment. */
function usedInOutcome(program: Program, contract: AstNode, decls: Set<AstNode>): boolean {
  const fns = program.linearized(contract).flatMap(functionsOf);
  const taint: Taint = new Map();
  const isSrc = (n: AstNode): boolean => {
    if (n.nodeType !== "Identifier" && n.nodeType !== "IndexAccess" && n.nodeType !== "MemberAccess") return false;
    const d = baseDeclaration(program, n);
    return d !== undefined && decls.has(d);
  };
  propagate(program, fns.map((f) => child(f, "body")!).filter(Boolean), taint, isSrc, { passes: 1, throughRecords: true });
  for (const f of fns) {
    let hit = false;
    walk(child(f, "body")!, (n) => {
      if (hit) return false;
      if (n.nodeType === "BinaryOperation" && str(n, "operator") === "%") {
        if (taintOf(program, child(n, "leftExpression"), taint, isSrc).size > 0) {
          const sends = findAll(child(f, "body")!, "FunctionCall").some((c) => lowLevelCall(program, c)?.value !== undefined);
          if (sends) hit = true;
        }
      }
      return undefined;
    });
    if (hit) return true;
  }
  return false;
}
