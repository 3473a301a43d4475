/**
 * A real, throwaway PostgreSQL 15 server for tests: Debian's binaries (`apt-get install postgresql`), a fresh data
 * folder in a temporary directory, trust authentication, listening on 127.0.0.1 at a free port, fsync off. Each call
 * starts its own server; `stop()` stops it and deletes its folder (a server left running when the process exits is
 * stopped then too).
 *
 * PostgreSQL refuses to run as root: when the tests run as root, initdb and pg_ctl run as the `postgres` system user.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort, waitFor } from "./net";

const run = promisify(execFile);

/** Where Debian installs PostgreSQL 15's server programs. */
export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  url: string;
  port: number;
  /** The server's folder (data in `data/`, log in `server.log`). */
  dir: string;
  stop(): Promise<void>;
}

const running = new Set<{ dataDir: string; dir: string }>();
let exitHookInstalled = false;

/** The command line running `program` as the postgres user when we are root. */
function asPostgres(program: string, args: string[]): [string, string[]] {
  const bin = path.join(POSTGRES_BIN, program);
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", bin, ...args]];
  return [bin, args];
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const s of running) {
      try {
        const [cmd, args] = asPostgres("pg_ctl", ["-D", s.dataDir, "-m", "immediate", "-w", "stop"]);
        execFileSync(cmd, args, { stdio: "ignore" });
      } catch {
        // already gone
      }
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });
}

/** Starts a fresh PostgreSQL 15 server; throws when it is not installed. */
export async function startPostgres(): Promise<PostgresServer> {
  if (!fs.existsSync(path.join(POSTGRES_BIN, "postgres"))) throw new Error("PostgreSQL 15 not installed: apt-get install postgresql");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "luniverse-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  if (process.getuid?.() === 0) {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  try {
    const [initCmd, initArgs] = asPostgres("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
    await run(initCmd, initArgs);
    let lastError: unknown;
    // freePort releases the port before the server binds it: another process may take it meanwhile, so try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const serverOptions = `-F -h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c shared_buffers=32MB`;
      const [cmd, args] = asPostgres("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", serverOptions, "-w", "-t", "60", "start"]);
      try {
        await run(cmd, args);
      } catch (e) {
        lastError = e;
        continue;
      }
      const entry = { dataDir, dir };
      running.add(entry);
      installExitHook();
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const stopServer = async (): Promise<void> => {
        const [stopCmd, stopArgs] = asPostgres("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
        try {
          await run(stopCmd, stopArgs);
        } finally {
          running.delete(entry);
          fs.rmSync(dir, { recursive: true, force: true });
        }
      };
      await waitFor(
        `PostgreSQL on 127.0.0.1:${port}`,
        async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.end();
          return true;
        },
        30_000,
        100,
      ).catch(async (e: unknown) => {
        await stopServer().catch(() => undefined);
        throw e;
      });
      let stopped = false;
      return {
        url,
        port,
        dir,
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopServer();
        },
      };
    }
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-2_000) : "";
    throw new Error(`PostgreSQL did not start: ${(lastError as Error).message}\n${log}`);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
