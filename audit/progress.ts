import type { AuditProgress } from "./scan";

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

/**
 * A progress bar on a terminal (redrawn in place), or a status line every 25 % when output is a log
 * (CI). Small scans (under 5 files) print nothing.
 */
export function progressBar(stream: ProgressStream = process.stderr): { update(p: AuditProgress): void; done(): void } {
  let lastPct = -1;
  let drawn = false;
  const label: Record<AuditProgress["phase"], string> = { compile: "compiling", analyse: "analysing", slither: "slither" };
  return {
    update(p) {
      if (p.total < 5) return;
      const pct = Math.floor((100 * p.done) / p.total);
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round((width * p.done) / p.total);
        const name = (p.file ?? "").slice(-Math.max(10, (stream.columns ?? 80) - 50));
        stream.write(`\r\x1b[K${label[p.phase].padEnd(9)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} ${name}`);
        drawn = true;
      } else if (p.phase !== "slither" && (pct >= lastPct + 25 || p.done === p.total) && pct !== lastPct) {
        lastPct = p.done === p.total ? -1 : pct;
        stream.write(`audit: ${label[p.phase]} ${p.done}/${p.total} files\n`);
      }
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}
