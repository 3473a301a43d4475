import { expect } from "chai";
import hre from "hardhat";
import { isTaskError } from "../../tasks/lib/errors";

/** Runs a Hardhat task in-process with console output captured; returns its result and what it printed. */
export async function runTask(name: string, args: Record<string, unknown> = {}): Promise<{ result: unknown; out: string }> {
  const lines: string[] = [];
  const original = { log: console.log, table: console.table };
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
  // tables are captured as JSON lines (bigints as decimal strings) so tests can assert on them
  console.table = (rows: unknown) =>
    void lines.push(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  try {
    const result = await hre.run(name, args);
    return { result, out: lines.join("\n") };
  } finally {
    console.log = original.log;
    console.table = original.table;
  }
}

/** Asserts that `p` rejects with a TaskError whose message matches `pattern`. */
export async function expectTaskError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isTaskError(e), String(e)).to.equal(true);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a TaskError matching ${pattern}`);
}
