/**
 * Reading Solidity sources: the version pragma, the import directives, and where an import lives
 * (relative to the importing file, in node_modules, or under the project root).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { applyRemappings, isProjectRoot, type Remapping } from "./project";

/** Replaces comments with spaces (line breaks kept), so offsets and line numbers stay the same. */
export function blankComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) =>
    m.startsWith("/") ? m.replace(/[^\n]/g, " ") : m,
  );
}

export interface Pragma {
  /** The version expression, e.g. "^0.4.24". */
  range: string;
  /** Byte-agnostic character offsets of the whole directive (for relaxing it). */
  start: number;
  end: number;
}

export function versionPragmas(text: string): Pragma[] {
  const out: Pragma[] = [];
  const re = /pragma\s+solidity\s+([^;]+);/g;
  const clean = blankComments(text);
  for (let m = re.exec(clean); m; m = re.exec(clean)) out.push({ range: m[1]!.trim(), start: m.index, end: m.index + m[0].length });
  return out;
}

/** The combined version range a file asks for ("" when it has no version pragma). */
export function versionRange(text: string): string {
  return versionPragmas(text)
    .map((p) => p.range)
    .join(" ");
}

/** Blanks out the version pragmas (same length, so every offset and line stays put). */
export function relaxPragmas(text: string): string {
  let out = text;
  for (const p of versionPragmas(text)) out = out.slice(0, p.start) + " ".repeat(p.end - p.start) + out.slice(p.end);
  return out;
}

export function importPaths(text: string): string[] {
  const out: string[] = [];
  const re = /\bimport\s+[^;]*?["']([^"']+)["'][^;]*;/g;
  const clean = blankComments(text);
  for (let m = re.exec(clean); m; m = re.exec(clean)) out.push(m[1]!);
  return out;
}

/** The compiler's name for an import seen from `importer` (relative imports are joined, others kept). */
export function importUnitName(importer: string, importPath: string): string {
  if (importPath.startsWith("./") || importPath.startsWith("../")) {
    return path.posix.normalize(path.posix.join(path.posix.dirname(importer), importPath));
  }
  return importPath;
}

/** Finds the file for a unit name: absolute paths as they are, others in node_modules or under a root. */
export function locateUnit(unitName: string, roots: string[]): string | undefined {
  if (path.posix.isAbsolute(unitName)) return isFile(unitName) ? unitName : undefined;
  for (const root of roots) {
    let dir = path.resolve(root);
    for (;;) {
      const candidate = path.join(dir, "node_modules", unitName);
      if (isFile(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    const direct = path.join(root, unitName);
    if (isFile(direct)) return direct;
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}

export function toUnitName(absPath: string): string {
  return path.resolve(absPath).split(path.sep).join("/");
}

export interface Closure {
  /** unit name → text */
  units: Map<string, { absPath: string; text: string }>;
  /** Imports that could not be found: "X.sol (imported by Y.sol)". */
  missing: string[];
}

/**
 * Finds the file of an import's unit name seen from the file at `importerFile`: the project's remappings first (for a
 * non-absolute name), then `locateUnit` (node_modules walked up, then the roots).
 */
export function locateImport(unitName: string, importerFile: string, roots: string[], remappings: Remapping[] = []): string | undefined {
  if (remappings.length > 0 && !path.posix.isAbsolute(unitName)) {
    const mapped = applyRemappings(remappings, importerFile, unitName);
    if (mapped !== undefined && isFile(mapped)) return mapped;
  }
  return locateUnit(unitName, roots);
}

/**
 * The target and everything it imports, transitively, each file under its absolute path as unit name, with every
 * import pointed at that name (same line, so line numbers stay): no remapping needs to be given to the compiler.
 */
export function importClosure(target: string, roots: string[], read: (p: string) => string = (p) => readFileSync(p, "utf8"), remappings: Remapping[] = []): Closure {
  const units = new Map<string, { absPath: string; text: string }>();
  const missing: string[] = [];
  const start = toUnitName(target);
  const queue: { unit: string; absPath: string }[] = [{ unit: start, absPath: target }];
  // Every file is one unit named by its absolute path, whatever import reaches it (`../lib/oz/…/IERC721.sol` from one
  // importer, `@openzeppelin/…/IERC721.sol` through a remapping from another, `src/A.sol` beside `./A.sol`): two
  // names would be two units declaring the same contracts. solc applies the remappings itself and sees one file;
  // here each import is pointed at the file's absolute name, the same in every target's closure, so the closures of
  // a whole project can be compiled together.
  const rootsOf = new Map<string, string | undefined>();
  const queued = new Set<string>([start]);
  while (queue.length > 0) {
    const { unit, absPath } = queue.shift()!;
    if (units.has(unit)) continue;
    let text = read(absPath);
    for (const imp of importPaths(text)) {
      const name = importUnitName(unit, imp);
      // A dependency that imports from its own root (`src/Kernel.sol` inside lib/olympus-v3/src/…), as forge resolves
      // it: under the nearest project enclosing the importer — first when the importer belongs to another project than
      // the scanned one, else when nothing else holds it.
      const bare = !imp.startsWith(".") && !path.posix.isAbsolute(imp);
      const mapped = bare ? applyRemappings(remappings, absPath, name) : undefined;
      const foreign = bare && !(mapped !== undefined && isFile(mapped)) && roots[0] !== undefined && !sameDir(projectRootOf(absPath, rootsOf), roots[0]);
      const file =
        (foreign ? fromOwnProject(absPath, imp, rootsOf) : undefined) ??
        locateImport(name, absPath, [path.dirname(absPath), ...roots], remappings) ??
        (bare ? fromOwnProject(absPath, imp, rootsOf) : undefined);
      if (!file) {
        missing.push(`${imp} (imported by ${path.basename(absPath)})`);
        continue;
      }
      const fileName = toUnitName(file);
      if (fileName !== imp) text = redirectImport(text, imp, fileName);
      if (queued.has(fileName)) continue;
      queued.add(fileName);
      queue.push({ unit: fileName, absPath: file });
    }
    units.set(unit, { absPath, text });
  }
  return { units, missing };
}

/** The nearest folder above `file` that is a project root (foundry.toml, a Hardhat config); `memo` by folder. */
function projectRootOf(file: string, memo: Map<string, string | undefined>): string | undefined {
  const dir = path.dirname(file);
  if (memo.has(dir)) return memo.get(dir);
  const parent = path.dirname(dir);
  const found = isProjectRoot(dir) ? dir : parent === dir ? undefined : projectRootOf(dir, memo);
  memo.set(dir, found);
  return found;
}

function sameDir(a: string | undefined, b: string): boolean {
  return a !== undefined && path.resolve(a) === path.resolve(b);
}

/** `importPath` under the project enclosing `importerFile`, when that file exists. */
function fromOwnProject(importerFile: string, importPath: string, memo: Map<string, string | undefined>): string | undefined {
  const root = projectRootOf(importerFile, memo);
  const candidate = root ? path.join(root, importPath) : undefined;
  return candidate && isFile(candidate) ? candidate : undefined;
}

/** The source with one import's path replaced (same line, so every line number stays): `import "./A.sol"` → `import "<name>"`. */
function redirectImport(text: string, importPath: string, unitName: string): string {
  const escaped = importPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`(\\bimport\\b[^;]*?["'])${escaped}(["'])`, "g"), (_m, a: string, b: string) => `${a}${unitName}${b}`);
}
