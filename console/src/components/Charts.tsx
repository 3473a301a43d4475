/** recharts wrappers with the console's colours: a time series (lines or areas) and a share chart (pie). */
import { Area, AreaChart, CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty } from "./States";

export const PALETTE = ["#3558d4", "#16a085", "#e67e22", "#c0392b", "#8e44ad", "#2c3e50", "#7f8c8d", "#d4ac0d", "#1abc9c", "#e84393"];

export interface SeriesSpec {
  key: string;
  label: string;
  color?: string;
  /** Drawn against a second Y axis on the right (a figure of another scale, e.g. volume beside counts). */
  right?: boolean;
}

export function TimeSeriesChart<T extends object>({
  data,
  x,
  series,
  formatX,
  formatY,
  area = false,
  height = 240,
  testId,
}: {
  data: T[];
  x: keyof T & string;
  series: SeriesSpec[];
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
  area?: boolean;
  height?: number;
  testId?: string;
}) {
  if (data.length === 0) return <Empty>No data in this window.</Empty>;
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
      <XAxis dataKey={x as string} tickFormatter={formatX} minTickGap={24} fontSize={12} />
      <YAxis yAxisId="left" tickFormatter={formatY} fontSize={12} width={64} />
      {series.some((s) => s.right) ? <YAxis yAxisId="right" orientation="right" fontSize={12} width={72} /> : null}
      <Tooltip labelFormatter={(v) => (formatX ? formatX(Number(v)) : String(v))} formatter={(v) => (formatY && typeof v === "number" ? formatY(v) : String(v))} />
      {series.length > 1 ? <Legend /> : null}
    </>
  );
  return (
    <div className="chart" data-testid={testId} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        {area ? (
          <AreaChart data={data}>
            {common}
            {series.map((s, i) => (
              <Area key={s.key} yAxisId={s.right ? "right" : "left"} type="monotone" dataKey={s.key} name={s.label} stroke={s.color ?? PALETTE[i % PALETTE.length]} fill={s.color ?? PALETTE[i % PALETTE.length]} fillOpacity={0.15} isAnimationActive={false} />
            ))}
          </AreaChart>
        ) : (
          <LineChart data={data}>
            {common}
            {series.map((s, i) => (
              <Line key={s.key} yAxisId={s.right ? "right" : "left"} type="monotone" dataKey={s.key} name={s.label} stroke={s.color ?? PALETTE[i % PALETTE.length]} dot={false} isAnimationActive={false} connectNulls />
            ))}
          </LineChart>
        )}
      </ResponsiveContainer>
    </div>
  );
}

/** Shares of a whole (e.g. top holders + "others"), in percent. */
export function ShareChart({ data, height = 260, testId }: { data: { name: string; value: number }[]; height?: number; testId?: string }) {
  const shown = data.filter((d) => d.value > 0);
  if (shown.length === 0) return <Empty>Nothing to share out yet.</Empty>;
  return (
    <div className="chart" data-testid={testId} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie data={shown} dataKey="value" nameKey="name" innerRadius="45%" outerRadius="80%" isAnimationActive={false}>
            {shown.map((d, i) => (
              <Cell key={d.name} fill={PALETTE[i % PALETTE.length]} />
            ))}
          </Pie>
          <Tooltip formatter={(v) => `${typeof v === "number" ? v.toFixed(2) : String(v)} %`} />
          <Legend />
        </PieChart>
      </ResponsiveContainer>
    </div>
  );
}
