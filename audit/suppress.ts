import type { Finding } from "./types";
import type { LineIndex } from "./ast/lines";

/** One `// audit-ignore: <detector> <reason>` comment. */
export interface IgnoreComment {
  line: number;
  /** Detector id, slither check, solhint rule, category, or `*`. */
  detector: string;
  reason: string;
}

const IGNORE = /\/\/\s*audit-ignore:\s*([A-Za-z0-9_*.-]+)(?:\s+(.*))?$/;

export function ignoreComments(lines: LineIndex): IgnoreComment[] {
  const out: IgnoreComment[] = [];
  for (let i = 1; i <= lines.lineCount; i++) {
    const m = IGNORE.exec(lines.lineText(i));
    if (m) out.push({ line: i, detector: m[1]!, reason: (m[2] ?? "").trim() });
  }
  return out;
}

function matches(c: IgnoreComment, f: Finding): boolean {
  if (c.detector === "*" || c.detector === f.detector || c.detector === f.category) return true;
  return (f.alsoReportedBy ?? []).some((o) => o.detector === c.detector);
}

/**
 * Marks findings accepted by an audit-ignore comment on one of their lines, on the line just above one, or
 * on the line just above the function or contract declaration they are in.
 * A comment without a reason does not suppress anything; it is returned so the report can say so.
 */
export function applySuppressions(
  findings: Finding[],
  comments: IgnoreComment[],
  scopes: { start: number; end: number }[] = [],
): { findings: Finding[]; withoutReason: IgnoreComment[] } {
  const withoutReason = comments.filter((c) => c.reason === "");
  const usable = comments.filter((c) => c.reason !== "");
  const covers = (c: IgnoreComment, f: Finding): boolean => {
    if (f.lines.some((l) => l === c.line || l === c.line + 1)) return true;
    // A comment just above a function (or contract) covers the findings inside it.
    return scopes.some((s) => s.start === c.line + 1 && f.lines.length > 0 && f.lines[0]! >= s.start && f.lines[0]! <= s.end);
  };
  const out = findings.map((f) => {
    const c = usable.find((c) => matches(c, f) && covers(c, f));
    return c ? { ...f, suppressed: { line: c.line, reason: c.reason } } : f;
  });
  return { findings: out, withoutReason };
}
