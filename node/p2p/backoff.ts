/**
 * The delay before redial number `attempt` (0-based): exponential from `minMs`, capped at `maxMs`, with jitter in
 * [delay/2, delay] so that nodes restarted together do not redial in lockstep.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  const half = exp / 2;
  return Math.round(half + random() * half);
}
