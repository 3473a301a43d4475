/** Loading, error, empty and notice states, the same on every page. */
import type { ReactNode } from "react";
import { ApiRequestError } from "../api/http";
import type { AsyncState } from "../api/hooks";
import { errorMessage } from "../../../lib/errors";

export function Loading({ what = "" }: { what?: string }) {
  return (
    <div className="state loading" data-testid="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading{what ? ` ${what}` : ""}…
    </div>
  );
}

export function ErrorBox({ error, retry, title }: { error: unknown; retry?: () => void; title?: string }) {
  const notFound = error instanceof ApiRequestError && error.status === 404;
  return (
    <div className={`state error${notFound ? " not-found" : ""}`} data-testid={notFound ? "not-found" : "error"} role="alert">
      <strong>{title ?? (notFound ? "Not found" : "Something went wrong")}</strong>
      <p>{errorMessage(error)}</p>
      {retry && !notFound ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state empty" data-testid="empty">
      {children}
    </div>
  );
}

export function Notice({ children, kind = "info", testId }: { children: ReactNode; kind?: "info" | "warn"; testId?: string }) {
  return (
    <div className={`notice ${kind}`} data-testid={testId ?? "notice"}>
      {children}
    </div>
  );
}

/** Renders loading / error / `children(data)` of an {@link AsyncState}. */
export function Async<T>({ state, what, children }: { state: AsyncState<T>; what?: string; children: (data: T) => ReactNode }) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error !== undefined) return <ErrorBox error={state.error} retry={state.reload} />;
  return <Loading {...(what ? { what } : {})} />;
}
