/**
 * keccak-256 with the `keccak` package's native sponge used directly: its stream API (`createKeccakHash`) costs ~3x the
 * hash of a short input. One sponge, re-initialized per hash (synchronous, so never shared mid-hash); where the addon
 * does not load, the package's own API hashes. Used by the node (every transaction, trie node and block hash) and by
 * the gateway (the signing hash of a raw transaction).
 */
import { createRequire } from "node:module";
import path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createKeccakHash: (alg: "keccak256") => { update(b: Uint8Array): { digest(): Buffer } } = require("keccak");

/** The native sponge under the `keccak` package's stream API. */
interface KeccakSponge {
  initialize(rate: number, capacity: number): void;
  absorb(data: Buffer): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Buffer;
}

const sponge: KeccakSponge | null = (() => {
  try {
    const dir = path.dirname(require.resolve("keccak/package.json"));
    const State: unknown = createRequire(path.join(dir, "package.json"))("node-gyp-build")(dir);
    return typeof State === "function" ? new (State as new () => KeccakSponge)() : null;
  } catch {
    return null;
  }
})();

/** Whether `keccak256` hashes with the native sponge directly (false: through the `keccak` package's API). */
export const nativeKeccakSponge = sponge !== null;

/** keccak-256 of `data`. */
export function keccak256(data: Uint8Array): Uint8Array {
  const input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let out: Buffer;
  if (sponge === null) out = createKeccakHash("keccak256").update(input).digest();
  else {
    sponge.initialize(1088, 512); // keccak-256: rate 1088 bits, capacity 512
    sponge.absorb(input);
    sponge.absorbLastFewBits(0x01); // keccak's padding suffix (SHA3-256 would be 0x06)
    out = sponge.squeeze(32);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
