import { readdirSync, statSync } from "node:fs";
import path from "node:path";

export interface DiscoverResult {
  /** The folder file paths in reports are relative to. */
  root: string;
  /** Absolute paths of the .sol files to scan, sorted. */
  files: string[];
  /** How many .sol files the exclude patterns left out. */
  excluded: number;
}

/** A glob relative to the scanned folder: `*` within a path segment, `**` across segments; `dir` means `dir/**`. */
export function globToRegExp(glob: string): RegExp {
  let g = glob.trim().replace(/^\.\//, "").replace(/\/$/, "");
  if (!/[*?]/.test(g) && !g.endsWith(".sol")) g = `${g}/**`;
  let re = "";
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === "*" && g[i + 1] === "*") {
      re += g[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += g[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const SKIP = new Set(["node_modules", ".git", "artifacts", "cache", "typechain-types", "coverage"]);

/**
 * The Solidity files under a folder (or the one file given), skipping node_modules, build output and the project's
 * dependency folders `skipDirs` (absolute: Foundry's `lib/`) — those are compiled as imports, never reported.
 */
export function discoverSolidity(
  target: string,
  exclude: string[] = [],
  skipDirs: string[] = [],
  /** The dependency folders of a project nested in `dir` (a Foundry or Hardhat project of a monorepo), or none. */
  nestedLibs: (dir: string) => string[] = () => [],
): DiscoverResult {
  const abs = path.resolve(target);
  const st = statSync(abs);
  if (st.isFile()) return { root: path.dirname(abs), files: [abs], excluded: 0 };
  const patterns = exclude.filter((e) => e.trim() !== "").map(globToRegExp);
  // a dependency folder given as the target itself is scanned (the user asked for it)
  const skip = new Set(skipDirs.map((d) => path.resolve(d)).filter((d) => d !== abs));
  const files: string[] = [];
  const stack = [abs];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (dir !== abs) for (const d of nestedLibs(dir)) skip.add(path.resolve(d));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || SKIP.has(entry.name)) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory() && skip.has(p)) continue;
      if (entry.isDirectory()) stack.push(p);
      else if (entry.isFile() && entry.name.endsWith(".sol")) files.push(p);
    }
  }
  files.sort();
  const kept = files.filter((f) => !patterns.some((p) => p.test(path.relative(abs, f).split(path.sep).join("/"))));
  return { root: abs, files: kept, excluded: files.length - kept.length };
}
