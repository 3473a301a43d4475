/** Entry: load /console-config.json once, then render the app under the router. */
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { ConfigContext, loadConsoleConfig, type ConsoleConfig } from "./config";
import { ErrorBox, Loading } from "./components/States";
import "./styles.css";

function Root() {
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setError(undefined);
    loadConsoleConfig(ctrl.signal).then(setConfig, (e: unknown) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [attempt]);
  if (error !== undefined) {
    return (
      <div className="boot">
        <ErrorBox title="The console cannot start" error={error} retry={() => setAttempt((a) => a + 1)} />
      </div>
    );
  }
  if (config === null) {
    return (
      <div className="boot">
        <Loading what="the console" />
      </div>
    );
  }
  return (
    <ConfigContext.Provider value={config}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </ConfigContext.Provider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
