/** A node's Prometheus text (`GET /metrics/<chainId>` on the console server), parsed into samples. */
import { ApiRequestError } from "./http";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format 0.0.4 (comments skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, "$1");
    const value = Number(m[4]);
    if (Number.isFinite(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export async function fetchNodeMetrics(chainId: number, signal?: AbortSignal): Promise<Sample[]> {
  const url = `/metrics/${chainId}`;
  const res = await fetch(url, { ...(signal ? { signal } : {}) });
  const text = await res.text();
  if (!res.ok) {
    let message = `${url} answered HTTP ${res.status}`;
    try {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      if (e?.message) message = e.message;
    } catch {
      // not JSON
    }
    throw new ApiRequestError("CONSOLE_NODE_METRICS", res.status, message, url);
  }
  return parsePrometheus(text);
}

/** Σ of the samples named `name`, grouped by `label`. */
export function sumBy(samples: Sample[], name: string, label: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples) if (s.name === name) m.set(s.labels[label] ?? "", (m.get(s.labels[label] ?? "") ?? 0) + s.value);
  return m;
}

export function total(samples: Sample[], name: string): number | null {
  const hits = samples.filter((s) => s.name === name);
  return hits.length === 0 ? null : hits.reduce((a, s) => a + s.value, 0);
}
