import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Supervisor, SupervisorError, type ChildSpec } from "../../devnet/supervisor";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function nodeChild(name: string, script: string, extra: Partial<ChildSpec> = {}): ChildSpec {
  return { name, command: process.execPath, args: ["-e", script], readyLine: /^ready$/, readyTimeoutMs: 10_000, ...extra };
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("devnet supervisor", function () {
  this.timeout(30_000);
  let dir: string;
  let sup: Supervisor;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-supervisor-"));
    sup = new Supervisor({ logDir: path.join(dir, "logs"), stopTimeoutMs: 1_000, probeEveryMs: 50 });
  });

  afterEach(async () => {
    await sup.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("waits for the ready line and writes prefixed output to the child's log file", async () => {
    const c = await sup.start(nodeChild("echo", "console.log('hello'); console.error('oops'); console.log('ready'); setInterval(() => {}, 1000)"));
    expect(c.ready).to.equal(true);
    expect(alive(c.pid!)).to.equal(true);
    await sup.stopAll();
    const log = readFileSync(path.join(dir, "logs", "echo.log"), "utf8");
    expect(log).to.match(/\[echo\] hello/);
    expect(log).to.match(/\[echo:err\] oops/);
    expect(log).to.match(/--- exited/);
  });

  it("is ready when the probe answers", async () => {
    let calls = 0;
    const c = await sup.start({ name: "probed", command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], probe: async () => ++calls >= 3 });
    expect(c.ready).to.equal(true);
    expect(calls).to.equal(3);
  });

  it("restarts a child that dies, after a backoff, and reports it", async () => {
    const marker = path.join(dir, "died-once");
    // first run: ready, then exits 2 after 200 ms; second run (marker present): stays up
    const script = `const fs=require('fs');console.log('ready');if(!fs.existsSync(${JSON.stringify(marker)})){fs.writeFileSync(${JSON.stringify(marker)},'x');setTimeout(()=>process.exit(2),200)}else setInterval(()=>{},1000)`;
    const events: string[] = [];
    sup.on("exit", (name: string, code: number) => events.push(`exit ${name} ${code}`));
    sup.on("restart", (name: string, attempt: number) => events.push(`restart ${name} ${attempt}`));
    const c = await sup.start(nodeChild("flaky", script, { backoffMs: 100 }));
    const firstPid = c.pid;
    await waitFor("the restart", () => c.starts === 2 && c.ready);
    expect(c.pid).to.not.equal(firstPid);
    expect(alive(c.pid!)).to.equal(true);
    expect(events).to.deep.equal(["exit flaky 2", "restart flaky 2"]);
    expect(c.gaveUp).to.equal(false);
  });

  it("gives up after repeated quick deaths with a message naming the child, its log and its last output", async () => {
    const gaveUp: string[] = [];
    sup.on("gaveUp", (_name: string, message: string) => gaveUp.push(message));
    let err: unknown;
    try {
      await sup.start(nodeChild("crasher", "console.error('cannot bind port 1'); process.exit(3)", { maxQuickDeaths: 3, backoffMs: 20, quickDeathMs: 5_000 }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(SupervisorError);
    expect((err as SupervisorError).code).to.equal("DEVNET_CHILD_GAVE_UP");
    expect((err as Error).message).to.match(/crasher died 3 times in a row/);
    expect((err as Error).message).to.contain(path.join(dir, "logs", "crasher.log"));
    expect((err as Error).message).to.contain("cannot bind port 1");
    expect(gaveUp).to.have.length(1);
    expect(sup.state("crasher")!.starts).to.equal(3);
    expect(sup.state("crasher")!.gaveUp).to.equal(true);
  });

  it("fails a start that is never ready within its timeout", async () => {
    let err: unknown;
    try {
      await sup.start(nodeChild("silent", "setInterval(() => {}, 1000)", { readyTimeoutMs: 300 }));
    } catch (e) {
      err = e;
    }
    expect((err as SupervisorError).code).to.equal("DEVNET_CHILD_NOT_READY");
    expect((err as Error).message).to.match(/silent was not ready after/);
  });

  it("stopAll stops every child, its own children, and one that ignores SIGTERM (SIGKILL after the grace period)", async () => {
    const a = await sup.start(nodeChild("a", "console.log('ready'); setInterval(() => {}, 1000)"));
    const stubborn = await sup.start(nodeChild("stubborn", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"));
    // a child with a grandchild of its own: the grandchild's pid is printed
    const parent = await sup.start(
      nodeChild("parent", "const {spawn}=require('child_process');const g=spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});console.log('grandchild '+g.pid);console.log('ready');setInterval(()=>{},1000)"),
    );
    const grandchild = Number(/grandchild (\d+)/.exec(parent.tail.join("\n"))![1]);
    const pids = [a.pid!, stubborn.pid!, parent.pid!, grandchild];
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).to.equal(true);
    const exits: string[] = [];
    sup.on("exit", (name: string) => exits.push(name));
    const t0 = Date.now();
    await sup.stopAll();
    await waitFor("every process to be gone", () => pids.every((p) => !alive(p)), 5_000);
    expect(Date.now() - t0).to.be.lessThan(5_000);
    expect(exits, "a stop is not reported as a death").to.deep.equal([]);
    let err: unknown;
    try {
      await sup.start(nodeChild("late", "console.log('ready')"));
    } catch (e) {
      err = e;
    }
    expect((err as SupervisorError).code).to.equal("DEVNET_STOPPING");
  });
});
