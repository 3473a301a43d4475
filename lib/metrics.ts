import http from "node:http";
import type { AddressInfo } from "node:net";
import { LuniverseError } from "./errors";

/** Label values of one series. */
export type Labels = Record<string, string | number>;

type Kind = "counter" | "gauge" | "histogram";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A metric or label name Prometheus would reject, or a counter decreased. */
export class MetricsError extends LuniverseError<"LUNIVERSE_METRICS"> {
  override name = "MetricsError";
  constructor(message: string) {
    super("LUNIVERSE_METRICS", message);
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function seriesKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  for (const k of keys) if (!LABEL.test(k) || k.startsWith("__")) throw new MetricsError(`invalid label name "${k}"`);
  return keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(",");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** A family of series of one name (one per label set). */
abstract class Metric {
  protected readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
  ) {
    if (!NAME.test(name)) throw new MetricsError(`invalid metric name "${name}"`);
  }
  /** Current value of a series (0 when never set). */
  get(labels: Labels = {}): number {
    return this.series.get(seriesKey(labels)) ?? 0;
  }
  /** Prometheus text exposition of this family. */
  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${this.name} ${this.kind}`];
    for (const [key, value] of this.series) lines.push(`${this.name}${key ? `{${key}}` : ""} ${formatValue(value)}`);
    return lines.join("\n");
  }
}

/** A monotonically increasing count. */
export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new MetricsError(`counter ${this.name} cannot decrease (inc by ${by})`);
    const k = seriesKey(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: number): void {
    this.series.set(seriesKey(labels), value);
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = seriesKey(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }
}

/**
 * A histogram with fixed upper bounds (seconds, say): cumulative `_bucket{le=…}` series, `_sum` and `_count`, as
 * Prometheus' `histogram_quantile` expects.
 */
export class Histogram extends Metric {
  private readonly bounds: readonly number[];
  private readonly buckets = new Map<string, { counts: number[]; sum: number; count: number; labels: string }>();
  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, "histogram");
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) throw new MetricsError(`histogram ${name}: bounds must be finite and increasing`);
    this.bounds = [...bounds];
  }
  observe(labels: Labels, value: number): void {
    const k = seriesKey(labels);
    let b = this.buckets.get(k);
    if (b === undefined) {
      b = { counts: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0, labels: k };
      this.buckets.set(k, b);
    }
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.bounds.length) b.counts[i]!++;
    b.sum += value;
    b.count++;
  }
  /** Observations of a series so far. */
  override get(labels: Labels = {}): number {
    return this.buckets.get(seriesKey(labels))?.count ?? 0;
  }
  override expose(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${this.name} histogram`];
    for (const b of this.buckets.values()) {
      const sep = b.labels ? "," : "";
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += b.counts[i]!;
        lines.push(`${this.name}_bucket{${b.labels}${sep}le="${formatValue(bound)}"} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{${b.labels}${sep}le="+Inf"} ${b.count}`);
      const braces = b.labels ? `{${b.labels}}` : "";
      lines.push(`${this.name}_sum${braces} ${formatValue(b.sum)}`, `${this.name}_count${braces} ${b.count}`);
    }
    return lines.join("\n");
  }
}

/** A registry of counters and gauges with constant labels (e.g. `{ signer: "3" }`) and a text exposition. */
export class Registry {
  private readonly metrics = new Map<string, Metric>();
  constructor(private readonly constLabels: Labels = {}) {
    seriesKey(constLabels);
  }

  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help), "counter") as Counter;
  }

  gauge(name: string, help: string): Gauge {
    return this.register(name, () => new Gauge(name, help), "gauge") as Gauge;
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, bounds), "histogram") as Histogram;
  }

  private register(name: string, make: () => Metric, kind: Kind): Metric {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new MetricsError(`metric ${name} is already registered as a ${existing.kind}`);
      return existing;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  /** The Prometheus text format (version 0.0.4) of every metric, constant labels included. */
  expose(): string {
    const constKey = seriesKey(this.constLabels);
    const parts: string[] = [];
    for (const m of this.metrics.values()) {
      let text = m.expose();
      if (constKey) {
        text = text
          .split("\n")
          .map((line) => {
            if (line.startsWith("#")) return line;
            const brace = line.indexOf("{");
            const space = line.lastIndexOf(" ");
            if (brace !== -1 && brace < space) return `${line.slice(0, brace + 1)}${constKey},${line.slice(brace + 1)}`;
            return `${line.slice(0, space)}{${constKey}}${line.slice(space)}`;
          })
          .join("\n");
      }
      parts.push(text);
    }
    return `${parts.join("\n")}\n`;
  }
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The port it listens on (useful when started on port 0). */
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (the registry's exposition) and `GET /healthz` on `host:port` (port 0: any free port). */
export function serveMetrics(registry: Registry, port: number, host = "127.0.0.1"): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(registry.expose());
    } else if (req.method === "GET" && url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: GET /metrics\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new MetricsError(e.code === "EADDRINUSE" ? `metrics port ${port} on ${host} is in use; choose another --metrics-port` : e.message)),
    );
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
