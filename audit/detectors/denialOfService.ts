import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { checksCaller, hasInitializerModifier, isAccessControlled, isAuthCondition, isAuthModifier } from "../ast/access";
import {
  baseDeclaration,
  builtinCallName,
  externalCall,
  functionKind,
  guardConditions,
  initialValueOf,
  internalCallee,
  isConstantVariable,
  isEntryPoint,
  isPayable,
  isReadOnly,
  isSenderLike,
  isStateVariable,
  lowLevelCall,
  mentionsSender,
  modifierOf,
  stopsExecution,
  stripConversions,
  stripParens,
  unwrapCallOptions,
  writtenStateVariable,
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

/**
 * Storage arrays a function always resets as a whole before it returns (`delete items` or `items = …` on every path:
 * not inside a branch or a loop): scratch space whose length does not carry over from one transaction to the next, so
 * growth earlier in that function accumulates nothing (a compiler's work lists). A reset on one path only (a round
 * that ends when the list is long) leaves the growth of the other paths in place.
 */
function resetArrays(program: Program, fn: AstNode): Map<AstNode, AstNode[]> {
  const out = new Map<AstNode, AstNode[]>();
  const body = child(fn, "body");
  if (!body) return out;
  for (const n of findAll(body, "Assignment", "UnaryOperation")) {
    const isDelete = n.nodeType === "UnaryOperation" && str(n, "operator") === "delete";
    const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : isDelete ? child(n, "subExpression") : undefined;
    if (lhs?.nodeType !== "Identifier") continue;
    const d = program.declOf(lhs);
    if (!isDynamicStorageArray(d)) continue;
    const branch = program.ancestor(n, "IfStatement", "Conditional", "TryStatement", ...LOOPS);
    if (branch && program.contains(body, branch)) continue;
    out.set(d!, [...(out.get(d!) ?? []), n]);
  }
  return out;
}

/** Whether growth at `node` is undone by a reset of `decl` later in the same function. */
function resetLater(program: Program, resets: Map<AstNode, AstNode[]>, decl: AstNode | undefined, node: AstNode): boolean {
  return decl !== undefined && (resets.get(decl) ?? []).some((r) => program.before(node, r));
}

/** Storage arrays anyone can make longer (push / length++ in an unrestricted public function that does not reset them). */
function publiclyGrownArrays(program: Program, contract: AstNode): Set<AstNode> {
  const out = new Set<AstNode>();
  for (const fn of program.linearized(contract).flatMap(functionsOf)) {
    if (!isEntryPoint(fn) || restrictsCaller(program, fn, contract)) continue;
    const reset = resetArrays(program, fn);
    for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
      const callee = child(call, "expression");
      if (callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "push") {
        const d = baseDeclaration(program, child(callee, "expression"));
        if (isDynamicStorageArray(d) && !resetLater(program, reset, d, call) && !capsLength(program, fn, d!)) out.add(d!);
      }
    }
    for (const n of [...findAll(child(fn, "body")!, "Assignment"), ...findAll(child(fn, "body")!, "UnaryOperation")]) {
      const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression");
      if (lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "length") {
        const d = baseDeclaration(program, child(lhs, "expression"));
        if (isDynamicStorageArray(d) && !resetLater(program, reset, d, n)) out.add(d!);
      }
    }
  }
  return out;
}

/**
 * Whether `fn` refuses to go on once the array is long: a guard on `array.length` against a bound
 * (`require(list.length < MAX)`, `if (list.length > maxRetries) revert …;` — PoolTogether's draw retries).
 */
function capsLength(program: Program, fn: AstNode, array: AstNode): boolean {
  const FLIP: Record<string, string> = { "<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==" };
  const isLength = (e: AstNode | undefined): boolean =>
    e?.nodeType === "MemberAccess" && str(e, "memberName") === "length" && baseDeclaration(program, child(e, "expression")) === array;
  return guardConditions(program, child(fn, "body")!).some(({ cond, node }) => {
    const failWhenTrue = node.nodeType === "IfStatement" && stopsExecution(program, child(node, "trueBody"));
    return findAll(cond, "BinaryOperation").some((b) => {
      const op = str(b, "operator") ?? "";
      if (!(op in FLIP)) return false;
      const l = stripParens(child(b, "leftExpression"));
      const r = stripParens(child(b, "rightExpression"));
      // written as `length OP bound`
      const o = isLength(l) ? op : isLength(r) ? FLIP[op]! : undefined;
      if (o === undefined) return false;
      return failWhenTrue ? o === ">" || o === ">=" || o === "==" : o === "<" || o === "<=";
    });
  });
}

/**
 * Per-account lists (`mapping(address => Event[]) history`) that a caller can make longer for an account other than
 * their own: `history[user].push(…)` in code an unrestricted entry point runs, where `user` is not the caller — a
 * parameter the caller picks, a value read from state, or the argument other functions hand to an internal helper
 * (LayerEdge M-1: every stake re-ranks other stakers and appends to their tier history). A loop over such a list
 * in a function its owner must call (claiming, withdrawing) runs out of gas once others have grown it far enough.
 * Lists only their owner grows (`history[msg.sender].push`) cost only that owner and are left alone.
 */
function listsOthersGrow(program: Program, contract: AstNode, reaching: Map<AstNode, AstNode[]>): Set<AstNode> {
  const out = new Set<AstNode>();
  const fns = program.linearized(contract).flatMap(functionsOf);
  // the arguments every internal call in the contract hands to `fn`'s parameter at `index`
  const argumentsTo = (fn: AstNode, index: number): AstNode[] =>
    fns.flatMap((f) =>
      findAll(child(f, "body") ?? f, "FunctionCall")
        .filter((c) => internalCallee(program, c, contract) === fn)
        .map((c) => list(c, "arguments")[index])
        .filter((a): a is AstNode => a !== undefined),
    );
  const othersKey = (fn: AstNode, key: AstNode): boolean => {
    const k = stripConversions(key) ?? key;
    if (isSenderLike(program, k)) return false;
    const d = k.nodeType === "Identifier" ? program.declOf(k) : undefined;
    const params = list(child(fn, "parameters") ?? fn, "parameters");
    const index = d ? params.indexOf(d) : -1;
    // a parameter of an internal helper: whatever its callers hand it
    if (index >= 0 && !isEntryPoint(fn)) return argumentsTo(fn, index).some((a) => !isSenderLike(program, stripConversions(a) ?? a));
    return true;
  };
  for (const fn of fns) {
    if ((reaching.get(fn) ?? []).length === 0 || !child(fn, "body")) continue;
    for (const call of findAll(child(fn, "body")!, "FunctionCall")) {
      const callee = child(call, "expression");
      if (callee?.nodeType !== "MemberAccess" || str(callee, "memberName") !== "push") continue;
      const target = stripParens(child(callee, "expression"));
      if (target?.nodeType !== "IndexAccess" || !/\[\] storage ref$/.test(typeString(target) ?? "")) continue;
      const d = baseDeclaration(program, target);
      const key = child(target, "indexExpression");
      if (!d || !isStateVariable(d) || !/^mapping\(/.test(typeString(d) ?? "") || !key) continue;
      if (stripParens(child(target, "baseExpression"))?.nodeType !== "Identifier") continue;
      if (othersKey(fn, key)) out.add(d);
    }
  }
  return out;
}

/** Receiver hooks: the ERC-721/1155 acceptance checks and ERC-777/1363 notifications a token calls on the recipient. */
export const RECEIVER_HOOK = /^(onERC721Received|onERC1155Received|onERC1155BatchReceived|tokensReceived|tokensToSend|onTransferReceived|onApprovalReceived)$/;

/** Whether `fn` (or an internal function it calls, a few levels deep) calls a receiver hook: ERC-1155 `_mint`, `_safeMint`. */
function reachesReceiverHook(program: Program, fn: AstNode, contract: AstNode, seen = new Set<AstNode>()): boolean {
  const body = child(fn, "body");
  if (!body || seen.has(fn) || seen.size > 12) return false;
  seen.add(fn);
  return findAll(body, "FunctionCall").some((c) => {
    const ext = externalCall(program, c);
    if (ext) return RECEIVER_HOOK.test(ext.functionName);
    const callee = internalCallee(program, c, contract);
    return callee !== undefined && reachesReceiverHook(program, callee, contract, seen);
  });
}

/** Whether an expression reads an entry of a storage array (`queue[i].receiver`, also through a storage pointer to one). */
function readsStoredEntry(program: Program, expr: AstNode): boolean {
  return findAll(expr, "IndexAccess").some((ia) => {
    const d = baseDeclaration(program, child(ia, "baseExpression"));
    if (isDynamicStorageArray(d)) return true;
    const init = d && !isStateVariable(d) ? initialValueOf(program, d) : undefined;
    return init !== undefined && isDynamicStorageArray(baseDeclaration(program, init));
  });
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
      const othersGrow = listsOthersGrow(program, contract, reaching);
      const runOnChain = runByStateChangingCode(program);
      for (const fn of functionsOf(contract)) {
        const body = child(fn, "body")!;
        const fname = displayName(fn);
        const reset = resetArrays(program, fn);
        // A view/pure function no state-changing code runs is only read off-chain (eth_call): a loop that runs out of
        // gas there costs nobody a transaction and blocks nothing on-chain.
        const offChainOnly = isReadOnly(fn) && !runOnChain.has(fn);
        const offChainNote = offChainOnly
          ? ` It is a ${str(fn, "stateMutability") ?? "view"} function that no state-changing function calls, so this only breaks off-chain reads (and any contract that comes to call it on-chain).`
          : "";
        const report = (detector: string, severity: "medium" | "low", nodes: AstNode[], message: string, remediation: string, confidence: "medium" | "low" = "medium"): void =>
          ctx.report({ detector, category: "denial_of_service", severity, confidence, lines: linesIn(program, file, nodes), contract: cname, function: fname, message, remediation });

        for (const loop of findAll(body, ...LOOPS)) {
          const loopBody = child(loop, "body");
          if (!loopBody) continue;
          const cond = child(loop, "condition");
          // Loop over an array anyone can grow.
          const overArray = cond && !hasFixedBound(program, cond)
            ? findAll(cond, "MemberAccess").find((m) => str(m, "memberName") === "length" && grown.has(baseDeclaration(program, child(m, "expression"))!))
            : undefined;
          // or over one account's list that other callers can make longer
          const overOthersList =
            !overArray && cond && !hasFixedBound(program, cond)
              ? findAll(cond, "MemberAccess").find((m) => str(m, "memberName") === "length" && othersGrow.has(baseDeclaration(program, child(m, "expression"))!))
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
          // A helper that mints or sends to an entry of a stored list and runs the receiver's hook (`_mintShares(queue[i].receiver,
          // …)` → ERC-1155 `_mint` → `onERC1155Received`): a receiver contract that reverts blocks the whole list
          const hooked =
            calls.length === 0
              ? findAll(loopBody, "FunctionCall").filter((c) => {
                  const callee = internalCallee(program, c, contract);
                  return callee !== undefined && list(c, "arguments").some((a) => readsStoredEntry(program, a)) && reachesReceiverHook(program, callee, contract);
                })
              : [];
          if (hooked.length > 0) {
            report(
              "calls-in-loop",
              offChainOnly ? "low" : "medium",
              hooked,
              `${fname}() calls \`${program.text(hooked[0]!).replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").slice(0, 80)}\` inside a loop over a stored list, and it runs the receiver's hook ` +
                "(an ERC-721/1155 acceptance check or a token notification), which reverts the whole call when the receiver rejects: one receiver " +
                `contract that reverts, or uses up the gas, blocks every entry of the list.${offChainNote}`,
              "Let each receiver claim on its own (pull), or mint without the hook inside the loop and skip an entry that fails:\n```solidity\n" +
                "for (...) claimable[queue[i].receiver][id] += queue[i].assets;   // no call in the loop\nfunction claim(uint256 id) external { ... _mint(msg.sender, id, amount, \"\"); }\n```",
            );
          } else if (calls.length > 0) {
            report(
              "calls-in-loop",
              ((reverting.length > 0 && overStorage) || overArray) && !offChainOnly ? "medium" : "low",
              [...(reverting.length > 0 ? reverting : calls)],
              `${fname}() makes external calls inside a loop${reverting.length > 0 ? " and reverts when one fails" : ""}: one recipient that reverts or uses up the gas blocks everyone${overArray ? ", and the list can grow without bound" : ""}.${offChainNote}`,
              "Pay in a pull pattern: record what each account is owed and let each withdraw on its own.\n```solidity\nfor (uint256 i = 0; i < payees.length; i++) owed[payees[i]] += share;   // no call in the loop\nfunction withdraw() external { uint256 a = owed[msg.sender]; owed[msg.sender] = 0; payable(msg.sender).transfer(a); }\n```",
            );
          } else if (overOthersList) {
            const list_ = baseDeclaration(program, child(overOthersList, "expression"))!;
            report(
              "unbounded-loop",
              offChainOnly ? "low" : "medium",
              [loop],
              `${fname}() loops over ${program.text(child(overOthersList, "expression")!)}, one account's entry of ${str(list_, "name")}, and callers other than that account ` +
                `can append to it (the key it is grown under is not the caller): once it is long enough the loop runs out of gas and ${fname}() fails for that account for good.${offChainNote}`,
              "Let only the account grow its own list, cap the list's length, or keep a running total instead of a history to loop over:\n```solidity\nrequire(history[user].length < MAX_ENTRIES);\nhistory[user].push(e);\n```",
            );
          } else if (overArray) {
            report(
              "unbounded-loop",
              offChainOnly ? "low" : "medium",
              [loop],
              `${fname}() loops over ${program.text(child(overArray, "expression")!)}, which anyone can make longer: once it is long enough the loop runs out of gas and ${fname}() can never succeed.${offChainNote}`,
              "Bound the work per transaction (process the array in batches with a start index), or cap the array's length when adding to it:\n```solidity\nrequire(items.length < MAX_ITEMS);\nitems.push(x);\n```",
            );
          }
          // Growing a storage array inside a loop (not one the function resets as a whole: scratch space).
          const lasting = (d: AstNode | undefined, at: AstNode): boolean => isDynamicStorageArray(d) && !resetLater(program, reset, d, at);
          const pushes = findAll(loopBody, "FunctionCall").filter((c) => {
            const callee = child(c, "expression");
            return callee?.nodeType === "MemberAccess" && str(callee, "memberName") === "push" && lasting(baseDeclaration(program, child(callee, "expression")), c);
          });
          const lengthGrows = [...findAll(loopBody, "Assignment"), ...findAll(loopBody, "UnaryOperation")].filter((n) => {
            const lhs = n.nodeType === "Assignment" ? child(n, "leftHandSide") : child(n, "subExpression");
            return lhs?.nodeType === "MemberAccess" && str(lhs, "memberName") === "length" && lasting(baseDeclaration(program, child(lhs, "expression")), n);
          });
          if (isEntryPoint(fn) && (pushes.length > 0 || lengthGrows.length > 0) && !isAccessControlled(program, fn, contract)) {
            const writes = findAll(loopBody, "Assignment").filter((a) => child(a, "leftHandSide")?.nodeType === "IndexAccess");
            report(
              "loop-grows-array",
              offChainOnly ? "low" : "medium",
              [loop, ...pushes, ...lengthGrows, ...writes],
              `${fname}() appends to a storage array inside a loop whose length the caller controls: the array (and every later loop over it) grows until transactions run out of gas.${offChainNote}`,
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

        // An ERC-20 transfer to the other party of a stored record (`loan.lender`, `bids[id].lender`, a getter returning
        // one) on the path of a function someone else calls (repaying, exercising): a token with a blocklist (USDC, USDT)
        // that blocks that party, or a token that reverts for it, makes the function revert for the caller, who then
        // cannot repay or exercise in time. Not when the receiver is the caller, nor in loops (calls-in-loop's).
        if ((reaching.get(fn) ?? []).length > 0) {
          const transfers = tokenTransfers(program, body);
          // the caller pays the other party: straight from the caller, or a token the same function — or an entry point
          // that runs this helper — pulls from the caller (Plaza's bid() takes the bidder's coupons, then its _removeBid
          // refunds the outbid bidder, M-14)
          const pulls = [body, ...(isEntryPoint(fn) ? [] : (reaching.get(fn) ?? []).map((e) => child(e, "body")!))].flatMap((b) => tokenTransfers(program, b));
          const paidByCaller = new Set(pulls.filter((t) => payerIsCaller(program, t.from)).map((t) => program.text(t.token)));
          for (const t of transfers) {
            if (!(t.from ? payerIsCaller(program, t.from) : paidByCaller.has(program.text(t.token)))) continue;
            const loop = program.ancestor(t.call, ...LOOPS);
            if (loop && program.contains(body, loop)) continue;
            const field = recordField(program, t.to, contract);
            if (!field || isSenderLike(program, t.to) || checksCallerAgainst(program, fn, field.name)) continue;
            report(
              "token-push-dos",
              "medium",
              [t.call],
              `${fname}() sends ${program.text(t.token).slice(0, 40)} to ${program.text(t.to).slice(0, 60)}, the ${field.name} stored in a record, and reverts when that transfer fails: ` +
                `a token with a blocklist (USDC, USDT) that blocks ${field.name}, or one that reverts for it, makes ${fname}() revert for whoever calls it ` +
                "(a borrower who can then no longer repay and is liquidated, a holder who cannot exercise before expiry).",
              "Do not push the payment to the other party: credit it and let them claim it (or let them name a new receiver).\n```solidity\n" +
                "token.safeTransferFrom(msg.sender, address(this), amount);\nclaimable[loan.lender] += amount;   // the lender withdraws it\n```",
              // whether the token has a blocklist, and whether the caller loses by the revert, is not in the code
              "low",
            );
          }
        }

        // A token transfer of an amount a division computed here, never checked to be above zero: it rounds to 0 for
        // small positions, and tokens that revert on a zero transfer (LEND, BNB's old token and others) then block the
        // claim for good (GFX M-2, Bond options M-10). Low: most tokens accept zero transfers.
        if ((reaching.get(fn) ?? []).length > 0) {
          for (const t of tokenTransfers(program, body)) {
            const amount = stripParens(list(t.call, "arguments").at(-1));
            const d = amount?.nodeType === "Identifier" ? program.declOf(amount) : undefined;
            const stmt = d ? program.parent(d) : undefined;
            const init = stmt?.nodeType === "VariableDeclarationStatement" && (stmt.declarations as unknown[]).length === 1 ? child(stmt, "initialValue") : undefined;
            if (!d || !init || !divides(init)) continue;
            // a guard on the amount (not the `require(token.transfer(to, amount))` around the transfer itself)
            const guarded = guardConditions(program, body).some((g) => g.cond !== t.call && !program.contains(g.cond, t.call) && findAll(g.cond, "Identifier").some((i) => program.declOf(i) === d)) ||
              findAll(body, "Conditional", "IfStatement").some((c) => program.contains(c, t.call) && findAll(child(c, "condition")!, "Identifier").some((i) => program.declOf(i) === d));
            if (guarded) continue;
            report(
              "zero-transfer-revert",
              "low",
              [stmt!, t.call],
              `${fname}() transfers \`${str(d, "name")}\`, which a division computes and which rounds down to 0 for small amounts, without checking that it is above zero: ` +
                "a token that reverts on zero-value transfers (some do) makes the call revert, and with it whatever else the call does (a claim, a settlement).",
              `Skip the transfer when there is nothing to send:\n\`\`\`solidity\nif (${str(d, "name")} > 0) token.safeTransfer(to, ${str(d, "name")});\n\`\`\``,
              "low",
            );
          }
        }

        // Push payment that must succeed (transfer, or send/call{value:} whose failure reverts) to a recipient that is
        // not the caller and that the function cannot choose: one that rejects ether blocks the function.
        //  - a stored recipient that an unprivileged caller replaces (auction refund, king of the hill), maybe paid in
        //    an internal helper of the function that replaces it: medium;
        //  - an entry of a storage array anyone can grow (a raffle winner), or a local taken from one: medium;
        //  - the owner or an address only the owner sets, paid on the way through a function anyone calls: low.
        // Payments in loops are calls-in-loop's; a failure credited to a pull balance or only logged blocks nobody.
        const replacers = reaching.get(fn) ?? [];
        for (const c of findAll(body, "FunctionCall")) {
          const ll = lowLevelCall(program, c);
          if (!ll || !(ll.kind === "transfer" || ll.kind === "send" || (ll.kind === "call" && ll.value))) continue;
          if (program.ancestor(c, ...LOOPS) && program.contains(body, program.ancestor(c, ...LOOPS)!)) continue;
          const to = stripConversions(ll.target);
          if (!to || isSenderLike(program, to)) continue;
          if (ll.kind !== "transfer" && !requiresSuccess(program, c)) continue;
          const d = to.nodeType === "Identifier" ? program.declOf(to) : undefined;
          const replaces = d !== undefined && isStateVariable(d) &&
            replacers.some((r) => findAll(child(r, "body")!, "Assignment").some((a) => baseDeclaration(program, child(a, "leftHandSide")) === d));
          if (replaces) {
            report(
              "push-payment-dos",
              "medium",
              [c],
              `${fname}() must pay ${program.text(to)} before it can go on; if that address is a contract that rejects ether, nobody can call ${fname}() successfully again.`,
              "Refund in a pull pattern: credit the previous recipient and let them withdraw.\n```solidity\npendingReturns[highestBidder] += highestBid;   // instead of transferring here\n```",
            );
            continue;
          }
          const entry = grownArrayEntry(program, to, grown);
          if (entry) {
            report(
              "push-payment-dos",
              "medium",
              [c],
              `${fname}() must pay ${program.text(to)}, an entry of ${str(entry, "name")}, which anyone can add to, and reverts when the payment fails: one entrant that is a contract rejecting ether makes ${fname}() fail for everyone, for good.`,
              "Do not push ether to entrants: credit what they won and let them withdraw it.\n```solidity\nowed[winner] += prize;   // instead of winner.call{value: prize}(\"\") + require\nfunction withdraw() external { uint256 a = owed[msg.sender]; owed[msg.sender] = 0; payable(msg.sender).transfer(a); }\n```",
            );
            continue;
          }
          // only when someone else's call is blocked: a payable entry point, or one that does something for its caller
          // (not a payout whose only beneficiary is the payee itself, `payWinner()`, `withdrawToOwner()`)
          const servesCaller = replacers.some((e) => isPayable(e) || mentionsSender(program, child(e, "body")!));
          if (servesCaller && isAdminAddress(program, to, contract, reaching)) {
            report(
              "push-payment-dos",
              "low",
              [c],
              `${fname}() pays ${program.text(to)}, an address only the deployer or the owner sets, and reverts when the payment fails: if that address cannot receive ether (a contract without receive(), or one that reverts), nobody can call ${fname}() for as long as it stays the payee.`,
              "Let the owner pull the money instead of pushing it on every call:\n```solidity\nownerBalance += fee;   // instead of payable(owner).transfer(fee)\nfunction withdrawFees() external onlyOwner { uint256 a = ownerBalance; ownerBalance = 0; payable(msg.sender).transfer(a); }\n```",
            );
          }
        }
      }
    }
  },
};

/** Whether an expression divides: `a * b / c`, `mulDiv(a, b, c)`, `x.mulDivDown(y, z)`. */
function divides(expr: AstNode): boolean {
  return [expr, ...findAll(expr, "BinaryOperation", "FunctionCall")].some((n) =>
    n.nodeType === "BinaryOperation" ? str(n, "operator") === "/" : n.nodeType === "FunctionCall" && /^(mulDiv\w*|fullMulDiv\w*|div\w*)$/.test(str(unwrapCallOptions(child(n, "expression")).callee ?? n, "memberName") ?? str(unwrapCallOptions(child(n, "expression")).callee ?? n, "name") ?? ""),
  );
}

/** ERC-20 transfers in a body: `token.transfer(to, a)`, `token.transferFrom(from, to, a)`, SafeERC20's `safeTransfer` /
 * `safeTransferFrom` through `using … for` or called on the library. Not ERC-721/1155 tokens (`ownerOf`, 721/1155/NFT in the
 * type's name): they have no blocklist. */
export function tokenTransfers(program: Program, body: AstNode): { call: AstNode; token: AstNode; from?: AstNode; to: AstNode }[] {
  const out: { call: AstNode; token: AstNode; from?: AstNode; to: AstNode }[] = [];
  for (const call of findAll(body, "FunctionCall")) {
    const callee = unwrapCallOptions(child(call, "expression")).callee;
    if (callee?.nodeType !== "MemberAccess") continue;
    const name = str(callee, "memberName") ?? "";
    if (!/^(transfer|transferFrom|safeTransfer|safeTransferFrom)$/.test(name)) continue;
    let args = list(call, "arguments");
    let token = child(callee, "expression")!;
    // SafeERC20.safeTransfer(token, to, amount): the library named, the token first
    const base = program.declOf(stripParens(token));
    if (base?.nodeType === "ContractDefinition" && str(base, "contractKind") === "library") {
      if (!name.startsWith("safe")) continue;
      token = args[0]!;
      args = args.slice(1);
    }
    const from = name.endsWith("From");
    if (args.length !== (from ? 3 : 2)) continue;
    // the token as typed, or through a conversion of an address (`IERC20(buyCouponToken).safeTransfer(…)`: Plaza's Auction)
    const type = [typeString(stripConversions(token)), typeString(token)].find((t) => t !== undefined && /^contract /.test(t)) ?? "";
    if (!/^contract /.test(type) || /721|1155|NFT/i.test(type)) continue;
    const decl = program.declOf(stripConversions(token)) ;
    const typeDecl = decl ? program.declOf(child(decl, "typeName") ?? decl) : undefined;
    if (typeDecl?.nodeType === "ContractDefinition" && program.linearized(typeDecl).flatMap(functionsOf).some((f) => str(f, "name") === "ownerOf")) continue;
    out.push({ call, token, from: from ? args[0] : undefined, to: args[from ? 1 : 0]! });
  }
  return out;
}

/**
 * The member of a stored record an address is read from: `loans[id].lender`, `loan.lender` through a storage pointer
 * into a mapping or array, or a getter of the contract that returns one (`getLoanLender(id)`, also through a named
 * return variable). Not a record picked by the caller (`positions[msg.sender].x`), nor a plain state variable.
 */
function recordField(program: Program, expr: AstNode, contract: AstNode, depth = 0): { name: string } | undefined {
  const e = localValue(program, expr);
  if (!e || depth > 2) return undefined;
  if (e.nodeType === "MemberAccess") {
    const member = program.declOf(e);
    if (member?.nodeType !== "VariableDeclaration" || program.parent(member)?.nodeType !== "StructDefinition") return undefined;
    if (!/^address/.test(typeString(e) ?? "")) return undefined;
    const root = baseDeclaration(program, e);
    if (!root || !isStateVariable(root) || !/^(mapping|struct .*\[\])/.test(typeString(root) ?? "") || mentionsSender(program, e)) return undefined;
    const viaPointer = stripParens(child(e, "expression"));
    const pointerInit = viaPointer?.nodeType === "Identifier" && program.declOf(viaPointer) && !isStateVariable(program.declOf(viaPointer)!) ? initialValueOf(program, program.declOf(viaPointer)!) : undefined;
    if (pointerInit && mentionsSender(program, pointerInit)) return undefined;
    return { name: str(e, "memberName") ?? "receiver" };
  }
  // a party named by another contract's record, read into a local (`(…, address receiver, …) = option.getOptionParameters()`)
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    const stmt = d ? program.parent(d) : undefined;
    const init = stmt?.nodeType === "VariableDeclarationStatement" ? child(stmt, "initialValue") : undefined;
    const ext = init?.nodeType === "FunctionCall" ? externalCall(program, init) : undefined;
    const name = d ? str(d, "name") ?? "" : "";
    if (ext?.readOnly && (stmt!.declarations as unknown[]).length > 1 && /^_?(receiver|recipient|lender|seller|maker|creditor|issuer|beneficiary)_?$/i.test(name)) return { name };
    return undefined;
  }
  if (e.nodeType === "FunctionCall" && str(e, "kind") === "functionCall") {
    const callee = internalCallee(program, e, contract);
    const body = callee ? child(callee, "body") : undefined;
    if (!callee || !body || !isReadOnly(callee)) return undefined;
    const rets = list(child(callee, "returnParameters") ?? callee, "parameters");
    const named = rets[0] && str(rets[0], "name") ? rets[0] : undefined;
    const sources = [
      ...findAll(body, "Return").map((r) => child(r, "expression")).filter((x): x is AstNode => x !== undefined),
      ...(named ? findAll(body, "Assignment").filter((a) => { const l = child(a, "leftHandSide"); return l?.nodeType === "Identifier" && program.declOf(l) === named; }).map((a) => child(a, "rightHandSide")!) : []),
    ];
    const fields = sources.map((x) => recordField(program, x, contract, depth + 1)).filter((x) => x !== undefined);
    return fields[0];
  }
  return undefined;
}

/** The caller as a payer: msg.sender, `_msgSender()`, or a forwarder-aware variant (`_msgSenderForMarket(id)`). */
export function payerIsCaller(program: Program, from: AstNode | undefined): boolean {
  if (!from) return false;
  if (isSenderLike(program, from)) return true;
  const e = stripConversions(from);
  const callee = e?.nodeType === "FunctionCall" ? child(e, "expression") : undefined;
  return callee?.nodeType === "Identifier" && /^_msgSender/.test(str(callee, "name") ?? "");
}

/** Whether a function, or a modifier it runs, compares the caller with a record's member of that name (`msg.sender == loan.lender`). */
function checksCallerAgainst(program: Program, fn: AstNode, member: string): boolean {
  const body = child(fn, "body");
  if (!body) return false;
  return findAll(body, "BinaryOperation").some((b) => {
    if (!["==", "!="].includes(str(b, "operator") ?? "")) return false;
    const [l, r] = [child(b, "leftExpression"), child(b, "rightExpression")];
    const names = (n: AstNode | undefined): boolean => n !== undefined && (n.nodeType === "MemberAccess" ? str(n, "memberName") === member : n.nodeType === "Identifier" && str(n, "name") === member);
    // `msg.sender != receiver` guarding the payment still pays someone else: only equality demands the caller be it
    return str(b, "operator") === "==" && ((isSenderLike(program, l) && names(stripParens(r))) || (isSenderLike(program, r) && names(stripParens(l))));
  });
}

/** A local variable, when it is only ever its initial value: `address winner = players[i];` → `players[i]`. */
function localValue(program: Program, expr: AstNode | undefined): AstNode | undefined {
  const e = stripConversions(expr);
  if (e?.nodeType !== "Identifier") return e;
  const d = program.declOf(e);
  if (d?.nodeType !== "VariableDeclaration" || isStateVariable(d) || str(d, "storageLocation") === "storage") return e;
  const init = initialValueOf(program, d);
  const fn = program.callableOf(d);
  const body = fn ? child(fn, "body") : undefined;
  if (!init || !body) return e;
  const reassigned = findAll(body, "Assignment").some((a) => {
    const lhs = child(a, "leftHandSide");
    const targets = lhs?.nodeType === "TupleExpression" ? list(lhs, "components") : [lhs];
    return targets.some((t) => t?.nodeType === "Identifier" && program.declOf(t) === d);
  });
  return reassigned ? e : stripConversions(init);
}

/**
 * The storage array anyone can grow whose entry an address is read from: `players[i]`, `entries[i].owner`, or a local
 * holding one. Not an entry picked by the caller's own index (`players[indexOf[msg.sender]]`): that pays the caller.
 */
function grownArrayEntry(program: Program, expr: AstNode, grown: Set<AstNode>): AstNode | undefined {
  const e = localValue(program, expr);
  if (!e || (e.nodeType !== "IndexAccess" && e.nodeType !== "MemberAccess")) return undefined;
  if (!findAll(e, "IndexAccess").length || mentionsSender(program, e)) return undefined;
  const d = baseDeclaration(program, e);
  return d && grown.has(d) ? d : undefined;
}

/**
 * Whether an address is the owner's or one only the owner sets: a constant or immutable, a state variable written only
 * in constructors, initializers and functions that check the caller (directly or through internal helpers), the value
 * a function such as `owner()` returns, or a local holding one of these.
 */
function isAdminAddress(program: Program, expr: AstNode, contract: AstNode, reaching: Map<AstNode, AstNode[]>, depth = 0): boolean {
  const e = localValue(program, expr);
  if (!e || depth > 3) return false;
  if (e.nodeType === "Identifier") {
    const d = program.declOf(e);
    if (!d || !isStateVariable(d) || !/^(address|contract )/.test(typeString(d) ?? "address")) return false;
    if (isConstantVariable(d)) return true;
    const writes = program.linearized(contract).flatMap((c) => list(c, "nodes")).filter((n) => n.nodeType === "FunctionDefinition" || n.nodeType === "ModifierDefinition")
      .flatMap((f) => (child(f, "body") ? findAll(child(f, "body")!, "Assignment", "UnaryOperation", "FunctionCall") : []))
      .filter((n) => writtenStateVariable(program, n)?.decl === d);
    if (writes.length === 0 && child(d, "value") === undefined) return false; // never set: address(0)
    return writes.every((w) => {
      const writer = program.callableOf(w);
      if (!writer || (writer.nodeType === "FunctionDefinition" && functionKind(writer) === "constructor")) return true;
      return (reaching.get(writer) ?? []).every((entry) => hasInitializerModifier(entry));
    });
  }
  if (e.nodeType === "FunctionCall" && list(e, "arguments").length === 0) {
    const callee = internalCallee(program, e, contract);
    const body = callee ? child(callee, "body") : undefined;
    if (!body) {
      const name = unwrapCallOptions(child(e, "expression")).callee;
      return name?.nodeType === "Identifier" && str(name, "name") === "owner";
    }
    const rets = findAll(body, "Return");
    return rets.length > 0 && rets.every((r) => child(r, "expression") !== undefined && isAdminAddress(program, child(r, "expression")!, contract, reaching, depth + 1));
  }
  return false;
}

const stateChangingReach = new WeakMap<Program, Set<AstNode>>();

/**
 * The functions and modifiers that some state-changing function (not a constructor: it runs before anyone can grow
 * anything) runs, in any contract of the compilation: through internal calls resolved against each contract's
 * linearization, `this.f()` and calls of functions of contracts whose code is known, and modifiers.
 */
export function runByStateChangingCode(program: Program): Set<AstNode> {
  const cached = stateChangingReach.get(program);
  if (cached) return cached;
  const out = new Set<AstNode>();
  const callsIn = new Map<AstNode, AstNode[]>();
  const calls = (callable: AstNode): AstNode[] => {
    let cs = callsIn.get(callable);
    if (!cs) {
      cs = child(callable, "body") ? findAll(child(callable, "body")!, "FunctionCall") : [];
      callsIn.set(callable, cs);
    }
    return cs;
  };
  for (const file of program.files) {
    for (const contract of list(file.ast, "nodes")) {
      if (contract.nodeType !== "ContractDefinition" || str(contract, "contractKind") === "interface") continue;
      const seen = new Set<AstNode>();
      const stack = program.linearized(contract).flatMap(functionsOf).filter((f) => !isReadOnly(f) && functionKind(f) !== "constructor");
      for (const f of stack) seen.add(f);
      while (stack.length > 0) {
        const callable = stack.pop()!;
        out.add(callable);
        const next: AstNode[] = [];
        for (const inv of list(callable, "modifiers")) {
          const mod = modifierOf(program, inv, contract);
          if (mod?.nodeType === "ModifierDefinition") next.push(mod);
        }
        for (const call of calls(callable)) {
          const callee = internalCallee(program, call, contract) ?? program.declOf(unwrapCallOptions(child(call, "expression")).callee);
          if (callee?.nodeType === "FunctionDefinition" && child(callee, "body")) next.push(callee);
        }
        for (const n of next) {
          if (seen.has(n)) continue;
          seen.add(n);
          stack.push(n);
        }
      }
    }
  }
  stateChangingReach.set(program, out);
  return out;
}

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
  // the caller must be a party a per-id record names (`loan.borrower`): anyone can be that party, so it is no privilege
  // (Predict.fun's repay: `_assertAuthorizedCaller(loan.borrower)`)
  const party = (n: AstNode | undefined): boolean => n !== undefined && recordField(program, n, contract) !== undefined;
  const partyCheck = (cond: AstNode): boolean => {
    const c = stripParens(cond);
    if (c?.nodeType !== "BinaryOperation" || !["==", "!="].includes(str(c, "operator") ?? "")) return false;
    const [l, r] = [child(c, "leftExpression"), child(c, "rightExpression")];
    return (isSender(l) && party(r)) || (isSender(r) && party(l));
  };
  for (const g of guardConditions(program, body)) {
    const stops = g.node.nodeType === "IfStatement" && stopsExecution(program, child(g.node, "trueBody"));
    if (partyCheck(g.cond)) continue;
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
    // a helper handed a party of a record to compare with the caller (`_assertAuthorizedCaller(loan.borrower)`)
    if (list(e, "arguments").some((a) => party(a))) continue;
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
