import type { AuditResult } from "../scan";
import type { Finding } from "../types";
import { CATEGORIES, SEVERITIES } from "../types";

function escape(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function where(f: Finding): string {
  const fn = f.contract ? ` — ${f.contract}${f.function ? `.${f.function}()` : ""}` : "";
  return `\`${f.file}:${f.lines.join(",")}\`${fn}`;
}

/** The Markdown report for humans: summary, compile problems, findings with patch guidance, suppressed ones. */
export function toMarkdown(result: AuditResult): string {
  const s = result.summary;
  const out: string[] = [];
  out.push(`# Security scan of \`${result.scannedPath}\``, "");
  out.push(
    `${s.files} file(s) scanned in ${(result.durationMs / 1000).toFixed(1)} s on ${result.startedAt}: ${s.compiled} compiled, ` +
      `${s.parseOnly} checked from the parse tree only, ${s.failed} unreadable.` +
      (result.excluded.files > 0 ? ` ${result.excluded.files} file(s) left out by ${result.excluded.patterns.map((p) => `\`${p}\``).join(", ")}.` : ""),
    "",
  );
  out.push(`Project: ${result.project.kind} at \`${result.project.root}\` (${result.project.remappings} remapping(s)).`, "");
  out.push(`Tools: own detectors; solc ${result.tools.solc.join(", ")}; solhint: ${result.tools.solhint}; slither: ${result.tools.slither}.`, "");
  out.push("| severity | findings |", "|---|---:|");
  for (const sev of [...SEVERITIES].reverse()) out.push(`| ${sev} | ${s.bySeverity[sev]} |`);
  out.push(`| suppressed | ${s.suppressed} |`, "");
  const cats = CATEGORIES.filter((c) => s.byCategory[c] > 0);
  if (cats.length > 0) {
    out.push("| category | findings |", "|---|---:|");
    for (const c of cats) out.push(`| ${c} | ${s.byCategory[c]} |`);
    out.push("");
  }
  const problems = result.files.filter((f) => f.status !== "compiled");
  if (problems.length > 0) {
    out.push("## Files that did not compile cleanly", "");
    for (const f of problems) {
      out.push(`- \`${f.file}\` — **${f.status}**${f.compiler ? ` (solc ${f.compiler})` : ""}`);
      if (f.message) out.push("", "  ```", ...f.message.split("\n").slice(0, 8).map((l) => `  ${l}`), "  ```");
    }
    out.push("");
  }
  const active = result.findings.filter((f) => !f.suppressed);
  for (const sev of [...SEVERITIES].reverse()) {
    const fs = active.filter((f) => f.severity === sev);
    if (fs.length === 0) continue;
    out.push(`## ${sev[0]!.toUpperCase()}${sev.slice(1)} (${fs.length})`, "");
    for (const f of fs) {
      const also = f.alsoReportedBy?.length ? ` (also: ${f.alsoReportedBy.map((a) => `${a.source} ${a.detector}`).join(", ")})` : "";
      out.push(`### ${f.detector} — ${where(f)}`, "");
      out.push(`*${f.category}${f.swc.length > 0 ? ` (${f.swc.join(", ")})` : ""}, confidence ${f.confidence}, found by ${f.source}${also}; id \`${f.id}\`*`, "");
      out.push(f.message, "");
      out.push("**How to fix:** " + f.remediation, "");
    }
  }
  const suppressed = result.findings.filter((f) => f.suppressed);
  if (suppressed.length > 0) {
    out.push(`## Suppressed (${suppressed.length})`, "", "| finding | where | reason |", "|---|---|---|");
    for (const f of suppressed) out.push(`| ${f.severity} ${f.detector} | ${where(f)} | ${escape(f.suppressed!.reason)} (line ${f.suppressed!.line}) |`);
    out.push("");
  }
  if (result.notes.length > 0) {
    out.push("## Notes", "");
    for (const n of result.notes) out.push(`- ${n}`);
    out.push("");
  }
  if (active.length === 0) out.push("No open findings.", "");
  return out.join("\n");
}
