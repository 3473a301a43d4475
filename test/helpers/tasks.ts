import { expect } from "chai";
import hre from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
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

/** Passes a proposal through the tasks: three validators vote, then queue and execute after the delay. */
export async function passWithTasks(id: string): Promise<void> {
  await mine(1);
  for (const from of ["1", "2", "3"]) await runTask("gov:vote", { id, support: "for", reason: "", from });
  await mine(10);
  await runTask("gov:execute", { id, from: "0" });
  await time.increase(61);
  await runTask("gov:execute", { id, from: "0" });
}
