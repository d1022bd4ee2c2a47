/** One clause of a conjunctive match: `conjunction(id, clause/nClauses)` (clause is 1-based). */
export interface Conjunction {
  readonly id: number;
  readonly clause: number;
  readonly nClauses: number;
}

/** A flow key plus a mask of the same shape: the rule matches keys k with `k & mask === value`. */
export interface Match {
  readonly value: Uint32Array;
  readonly mask: Uint32Array;
}

/**
 * The largest version: a rule that is never removed is visible up to (not including) it. Kept in
 * V8's small-integer range (2^30 - 1) so version fields stay unboxed in every rule.
 */
export const VERSION_MAX = 0x3fffffff;

/** Shared conjunction list of ordinary (non-conjunctive) rules. */
export const NO_CONJUNCTIONS: readonly Conjunction[] = Object.freeze([]);

/**
 * A rule in a classifier. `value` is stored already masked. A rule with conjunctions is a "soft"
 * rule: matching it only contributes clauses to conjunctive matches (OVS semantics), it is never
 * the result of a lookup by itself.
 */
export class Rule<T = unknown> implements Match {
  readonly value: Uint32Array;
  readonly mask: Uint32Array;
  readonly priority: number;
  readonly conjunctions: readonly Conjunction[];
  /** Opaque payload (actions, cookies, counters); the classifier never reads it. */
  data: T;
  /** Visible in versions [addVersion, removeVersion). */
  addVersion: number;
  removeVersion = VERSION_MAX;
  /** Next rule with the same masked key in the same subtable, lower or equal priority. */
  next: Rule<T> | null = null;
  /** Internal: previous rule in the bucket (higher or equal priority). */
  prev: Rule<T> | null = null;
  /** Internal: bucket id in its subtable, -1 when not in a classifier. */
  bucket = -1;
  /** Internal: owning subtable (opaque to users). */
  subtable: unknown = null;
  /**
   * Internal: true if the rule's mask is its subtable's mask. A rule merged into a coarser
   * subtable (false) is checked word by word when its bucket is reached.
   */
  exact = true;
  /** Internal: its record slot in its subtable (see `Subtable.records`), -1 when not in a classifier. */
  slot = -1;

  /**
   * `storage` (optional, used by the classifier to save memory): a mask array equal to
   * `match.mask` to share with other rules of the same mask (never written), and a zeroed
   * `value` view of the right length (e.g. a piece of a shared slab).
   */
  constructor(
    match: Match,
    priority: number,
    data: T,
    conjunctions: readonly Conjunction[],
    addVersion: number,
    storage?: { readonly mask: Uint32Array; readonly value: Uint32Array },
  ) {
    const n = match.mask.length;
    if (match.value.length !== n) throw new Error(`rule value has ${match.value.length} words, mask has ${n}`);
    this.mask = storage?.mask ?? Uint32Array.from(match.mask);
    this.value = storage?.value ?? new Uint32Array(n);
    for (let i = 0; i < n; i++) this.value[i] = match.value[i] & match.mask[i];
    this.priority = priority;
    this.data = data;
    this.conjunctions = conjunctions;
    this.addVersion = addVersion;
  }

  get isSoft(): boolean {
    return this.conjunctions.length > 0;
  }

  /** True if the rule is visible to lookups in `version`. */
  visibleIn(version: number): boolean {
    return this.addVersion <= version && version < this.removeVersion;
  }

  /** True if `key` matches this rule (ignoring visibility). */
  matches(key: Uint32Array): boolean {
    for (let i = 0; i < this.mask.length; i++) if (((key[i] ^ this.value[i]) & this.mask[i]) !== 0) return false;
    return true;
  }

  /** True if the rule's match equals `m` exactly (same mask, same masked value). */
  sameMatch(m: Match): boolean {
    for (let i = 0; i < this.mask.length; i++) {
      if (this.mask[i] !== m.mask[i] >>> 0 || this.value[i] !== (m.value[i] & m.mask[i]) >>> 0) return false;
    }
    return true;
  }
}
