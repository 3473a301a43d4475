import { createHash } from "node:crypto";

/** The key a gossip message is deduplicated by: a hash of its type and its serialised payload. */
export function gossipKey(type: string, payloadJson: string): string {
  return createHash("sha256").update(type).update("\n").update(payloadJson).digest("base64");
}

/**
 * A bounded set with least-recently-used eviction (a Map keeps insertion order; a hit is re-inserted at the end).
 */
export class SeenCache {
  private readonly keys = new Map<string, true>();

  constructor(public readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("SeenCache capacity must be a positive integer");
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds `key`; returns false when it was already there (and marks it as recently used). */
  add(key: string): boolean {
    if (this.keys.has(key)) {
      this.keys.delete(key);
      this.keys.set(key, true);
      return false;
    }
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    return true;
  }

  clear(): void {
    this.keys.clear();
  }
}
