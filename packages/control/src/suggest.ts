/**
 * "Did you mean": the allowed name nearest to a misspelt one, by edit distance. Shared by
 * the config validator (unknown keys) and the pd CLI (unknown commands and help topics).
 */

/**
 * The allowed name nearest to `name`: a case-insensitive match, else the one at the
 * smallest edit distance when that is at most 2 (`stauts` → `status`), else null.
 */
export function closestName(name: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of allowed) {
    if (candidate.toLowerCase() === name.toLowerCase()) return candidate;
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Edit distance between `a` and `b` counting an insertion, a deletion, a substitution or a
 * swap of two neighbours as one edit (optimal string alignment), so `stauts` is 1 from
 * `status` and 2 from `start`. Returns `cap` when the lengths alone rule a closer match out.
 */
export function editDistance(a: string, b: string, cap = Infinity): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  // d[i][j]: distance between the first i characters of a and the first j of b.
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}
