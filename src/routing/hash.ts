// Integer hashes behind the planner's seed (seed.ts) and the strategies' seeded choices
// (strategies.ts). A file of their own because seed.ts also builds a plan's environment from
// the planner's types while the planner imports the strategies: a strategy reaching its hash
// through seed.ts closed a circle.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32 over UTF-16 code units: fast, no allocation, not cryptographic. */
export function fnv1a32(text: string, hash = FNV_OFFSET): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * A well-mixed 32-bit value from the seed and a salt (murmur3's finaliser): sequential seeds
 * and salts give independent-looking outputs. Integer ops only, so exact on every platform.
 */
export function mix32(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
