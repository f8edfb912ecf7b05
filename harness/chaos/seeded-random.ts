// Victim choice that repeats: the same seed and the same pods give the same victims (pure).
// Pods are ordered by creation time (then name) before picking, so a rerun whose pods have
// new random names still picks the same positions.

/** mulberry32: small, fast, and good enough to choose pods. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix the run seed with the chaos id so two actions of one run do not pick alike. */
export function actionSeed(seed: number, id: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface Candidate {
  name: string;
  /** Epoch ms. */
  createdAt: number;
}

export type Pick = 'oldest' | 'newest' | 'random';

/** How many victims: `count`, else `percent` of the candidates rounded up, else one; never more than there are. */
export function victimCount(available: number, opts: { count?: number; percent?: number }): number {
  const want = opts.count ?? (opts.percent !== undefined ? Math.ceil((opts.percent / 100) * available) : 1);
  return Math.max(0, Math.min(available, want));
}

export function pickVictims(candidates: Candidate[], n: number, pick: Pick, random: () => number): string[] {
  const ordered = [...candidates].sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (pick === 'oldest') return ordered.slice(0, n).map((c) => c.name);
  if (pick === 'newest') return ordered.reverse().slice(0, n).map((c) => c.name);
  // Partial Fisher-Yates over the ordered list.
  const pool = ordered.map((c) => c.name);
  const out: string[] = [];
  for (let i = 0; i < n && pool.length > 0; i++) {
    const j = Math.floor(random() * pool.length);
    out.push(pool.splice(j, 1)[0]!);
  }
  return out;
}
