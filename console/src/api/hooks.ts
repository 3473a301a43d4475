/** Data fetching for pages: `useAsync` (loading / error / data, aborted on unmount or when the inputs change), polling. */
import { useCallback, useEffect, useRef, useState } from "react";

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and every `pollMs` when given, keeping the last data while it reloads); the
 * previous request is aborted.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], pollMs?: number): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (first: boolean): void => {
      loadRef
        .current(ctrl.signal)
        .then((data) => {
          if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false });
        })
        .catch((error: unknown) => {
          if (!ctrl.signal.aborted) setState((s) => ({ data: first ? undefined : s.data, error, loading: false }));
        })
        .finally(() => {
          if (!ctrl.signal.aborted && pollMs !== undefined) timer = setTimeout(() => run(false), pollMs);
        });
    };
    setState({ data: undefined, error: undefined, loading: true });
    run(true);
    return () => {
      ctrl.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, pollMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
