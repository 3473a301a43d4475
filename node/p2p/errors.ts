import { LuniverseError } from "../../lib/errors";

/** Errors of the peer layer: each has a stable `code` and a message that says what to do next. */
export type P2pErrorCode =
  | "P2P_INVALID_OPTIONS"
  | "P2P_NOT_STARTED"
  | "P2P_LISTEN_FAILED"
  | "P2P_RESERVED_TYPE"
  | "P2P_INVALID_PAYLOAD"
  | "P2P_MESSAGE_TOO_LARGE"
  | "P2P_PEER_UNKNOWN"
  | "P2P_PEER_DISCONNECTED"
  | "P2P_REQUEST_TIMEOUT"
  | "P2P_REMOTE_ERROR"
  | "P2P_NETWORK_STOPPED";

export class P2pError extends LuniverseError<P2pErrorCode> {
  override name = "P2pError";
  constructor(code: P2pErrorCode, message: string) {
    super(code, message);
  }
}
