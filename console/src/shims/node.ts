/**
 * Node built-ins (node:fs, node:path, node:util) in the browser bundle: modules of lib/, deploy/ and ops/ import them
 * for what only a Node process does (reading a manifest or a config file, parsing a command line). The console never
 * calls those paths; if one is reached, it fails with an error that says so instead of a blank page.
 */
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser: this operation reads local files and runs only from a task (npx hardhat …), not from the console`);
}

export const existsSync = (): never => unavailable("fs.existsSync");
export const readFileSync = (): never => unavailable("fs.readFileSync");
export const writeFileSync = (): never => unavailable("fs.writeFileSync");
export const mkdirSync = (): never => unavailable("fs.mkdirSync");
export const renameSync = (): never => unavailable("fs.renameSync");
export const parseArgs = (): never => unavailable("util.parseArgs");

const path = {
  join: (): never => unavailable("path.join"),
  resolve: (): never => unavailable("path.resolve"),
  dirname: (): never => unavailable("path.dirname"),
  basename: (): never => unavailable("path.basename"),
};
export const join = path.join;
export const resolve = path.resolve;
export const dirname = path.dirname;
export const basename = path.basename;
export default path;
