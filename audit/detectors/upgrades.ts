/**
 * Upgradeable base contracts without room to grow.
 *
 * - `missing-storage-gap`: an upgradeable contract of the project (it inherits `Initializable` or has an
 *   `initializer`/`onlyInitializing` function) that declares state variables, has no storage gap (`uint256[50] private
 *   __gap`) and no ERC-7201 namespace, and is a base of another project contract that declares state variables of its
 *   own after it. A variable added to the base in an upgrade shifts every variable of the contracts deriving from it:
 *   their storage is corrupted (Midas M-1: ManageableVault and WithMidasAccessControl, bases of the vaults, mTBILL and
 *   DataFeed). Medium, low confidence: it matters only when the base is meant to change in an upgrade. Not reported
 *   when the project deploys its implementations as EIP-1167 clones and none of the heirs upgrades itself (UUPS):
 *   a clone's code never changes.
 */
import type { AstNode } from "../ast/node";
import { child, findAll, list, str, typeString } from "../ast/node";
import type { Program } from "../ast/program";
import { contractKind, isFromDependency } from "../ast/semantics";
import { contractsIn, linesIn, type Detector, type DetectorContext } from "./detector";

function storageVariables(contract: AstNode): AstNode[] {
  return list(contract, "nodes").filter((n) => n.nodeType === "VariableDeclaration" && n.constant !== true && str(n, "mutability") !== "constant" && str(n, "mutability") !== "immutable");
}

/** `uint256[50] private __gap`, `__gap_Foo`, `_storageGap`: a fixed-size array named as a gap. */
function isGap(v: AstNode): boolean {
  return /^_*(storage_?)?gap/i.test(str(v, "name") ?? "") && /\[\d+\]( storage ref)?$/.test(typeString(v) ?? "");
}

function upgradeable(program: Program, contract: AstNode): boolean {
  if (program.linearized(contract).some((b) => /^Initializable(Upgradeable)?$/.test(str(b, "name") ?? ""))) return true;
  return list(contract, "nodes").some(
    (f) => f.nodeType === "FunctionDefinition" && list(f, "modifiers").some((m) => /^(initializer|reinitializer|onlyInitializing)$/.test(str(child(m, "modifierName")!, "name") ?? "")),
  );
}

const CLONES = new WeakMap<Program, boolean>();

/** Whether the project's own code deploys EIP-1167 clones (OpenZeppelin's Clones, solady's LibClone, an ImmutableClone). */
function clonesImplementations(program: Program): boolean {
  let v = CLONES.get(program);
  if (v === undefined) {
    v = program.files.some((f) =>
      findAll(f.ast, "FunctionCall").some((c) => {
        const callee = child(c, "expression");
        return callee?.nodeType === "MemberAccess" && /^(clone|cloneDeterministic|cloneWithImmutableArgs|cloneDeterministicWithImmutableArgs)$/.test(str(callee, "memberName") ?? "") && !isFromDependency(program, c);
      }),
    );
    CLONES.set(program, v);
  }
  return v;
}

/** A UUPS implementation: it (or a base) defines `_authorizeUpgrade` or inherits UUPSUpgradeable. */
function selfUpgrading(program: Program, contract: AstNode): boolean {
  return program.linearized(contract).some((c) => /^UUPSUpgradeable$/.test(str(c, "name") ?? "") || list(c, "nodes").some((n) => n.nodeType === "FunctionDefinition" && str(n, "name") === "_authorizeUpgrade"));
}

export const missingStorageGap: Detector = {
  id: "missing-storage-gap",
  category: "other",
  title: "An upgradeable base contract with state variables and no storage gap, inherited by contracts with state of their own",
  run(ctx: DetectorContext) {
    const { program, file } = ctx;
    const all = program.files.flatMap((f) => list(f.ast, "nodes")).filter((n) => n.nodeType === "ContractDefinition" && contractKind(n) === "contract" && !isFromDependency(program, n));
    for (const base of contractsIn(ctx)) {
      if (contractKind(base) !== "contract" || isFromDependency(program, base)) continue;
      const vars = storageVariables(base);
      if (vars.length === 0 || vars.some(isGap) || !upgradeable(program, base)) continue;
      // ERC-7201: the base keeps its state in a namespace, not in declared variables
      if (/@custom:storage-location/.test(String((child(base, "documentation") as { text?: string } | undefined)?.text ?? ""))) continue;
      const heirs = all.filter((c) => c !== base && program.linearized(c).includes(base) && storageVariables(c).length > 0);
      if (heirs.length === 0) continue;
      // deployed as EIP-1167 clones (the project clones implementations) and none of the heirs can upgrade itself (UUPS):
      // a clone's code never changes, so there is no upgrade to make room for (our economy templates)
      if (clonesImplementations(program) && !heirs.some((h) => selfUpgrading(program, h))) continue;
      const name = str(base, "name") ?? "the base";
      const heirNames = heirs.map((h) => str(h, "name") ?? "?");
      ctx.report({
        detector: "missing-storage-gap",
        category: "other",
        severity: "medium",
        confidence: "low",
        lines: linesIn(program, file, [base, ...vars.slice(0, 3)]),
        contract: name,
        message:
          `${name} is an upgradeable base with ${vars.length} state variable${vars.length === 1 ? "" : "s"} and no storage gap, and ${heirNames.slice(0, 4).join(", ")}` +
          `${heirNames.length > 4 ? " and others" : ""} inherit${heirNames.length === 1 ? "s" : ""} it and declare${heirNames.length === 1 ? "s" : ""} state of ${heirNames.length === 1 ? "its" : "their"} own after it: a variable added to ${name} ` +
          "in an upgrade moves every variable of those contracts to another slot, and their storage is corrupted.",
        remediation:
          "End every upgradeable base with a storage gap, shrunk by the slots each upgrade adds (or keep the base's state in ERC-7201 namespaced storage):\n" +
          "```solidity\nabstract contract ManageableVault is Initializable {\n    address public tokensReceiver;\n    uint256[49] private __gap; // 50 slots in all\n}\n```",
      });
    }
  },
};

export const UPGRADE_DETECTORS: readonly Detector[] = [missingStorageGap];
