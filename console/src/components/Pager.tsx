/** Cursor paging: the cursors seen so far form a stack, so "Newer" goes back and "Older" follows `nextCursor`. */
import { useState } from "react";

export interface CursorPager {
  cursor: string | undefined;
  page: number;
  older: (next: string) => void;
  newer: () => void;
  reset: () => void;
}

export function useCursorPager(): CursorPager {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    older: (next) => setStack((s) => [...s, next]),
    newer: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({ pager, nextCursor, testId = "pager" }: { pager: CursorPager; nextCursor: string | null | undefined; testId?: string }) {
  return (
    <div className="pager" data-testid={testId}>
      <button type="button" onClick={pager.newer} disabled={pager.page <= 1} data-testid="pager-newer">
        ← Newer
      </button>
      <span className="muted">page {pager.page}</span>
      <button type="button" onClick={() => nextCursor && pager.older(nextCursor)} disabled={!nextCursor} data-testid="pager-older">
        Older →
      </button>
    </div>
  );
}
