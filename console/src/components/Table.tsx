/** The one table of the console: typed columns, numeric columns right-aligned, an empty state, stable test ids. */
import type { ReactNode } from "react";
import { Empty } from "./States";

export interface Column<T> {
  /** Header text. */
  header: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  className?: string;
}

export interface TableProps<T> {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => string;
  /** data-testid of the table. */
  testId?: string;
  /** data-testid of each row. */
  rowTestId?: string;
  empty?: ReactNode;
  caption?: ReactNode;
}

export function Table<T>({ columns, rows, rowKey, testId, rowTestId, empty = "Nothing here yet.", caption }: TableProps<T>) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} className={[c.numeric ? "num" : "", c.className ?? ""].join(" ").trim() || undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, ri) => (
            <tr key={rowKey(r, ri)} data-testid={rowTestId}>
              {columns.map((c, ci) => (
                <td key={ci} className={[c.numeric ? "num" : "", c.className ?? ""].join(" ").trim() || undefined}>
                  {c.cell(r, ri)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A two-column list of label → value (detail pages). */
export function DetailList({ items, testId }: { items: [ReactNode, ReactNode, string?][]; testId?: string }) {
  return (
    <dl className="details" data-testid={testId}>
      {items.map(([label, value, id], i) => (
        <div key={i} className="detail-row">
          <dt>{label}</dt>
          <dd data-testid={id}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
