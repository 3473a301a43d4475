/**
 * Starting and stopping a service's HTTP server the same way everywhere: listen on host:port (0: any free port), a
 * clear error for a port in use, and a `close()` that also ends idle keep-alive connections.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens; `fail` turns a listen error (EADDRINUSE named by its message) into the service's own error. */
export function listenHttp(server: http.Server, host: string, port: number, fail: (message: string) => Error): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(fail(e.code === "EADDRINUSE" ? `port ${port} on ${host} is in use; choose another listen.port` : e.message)));
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
