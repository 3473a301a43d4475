/** Errors of the peer layer: each has a stable `code` and a message that says what to do next. */
export type P2pErrorCode =
  | "INVALID_OPTIONS"
  | "NOT_STARTED"
  | "LISTEN_FAILED"
  | "RESERVED_TYPE"
  | "INVALID_PAYLOAD"
  | "MESSAGE_TOO_LARGE"
  | "PEER_UNKNOWN"
  | "PEER_DISCONNECTED"
  | "REQUEST_TIMEOUT"
  | "REMOTE_ERROR"
  | "NETWORK_STOPPED";

export class P2pError extends Error {
  constructor(
    public readonly code: P2pErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "P2pError";
  }
}
