import { hashAdd, hashFinish } from './hash.js';
import { PrefixTrie, prefixLength, TrieWalk } from './prefix-trie.js';
import { type Conjunction, type Match, NO_CONJUNCTIONS, Rule, VERSION_MAX } from './rule.js';
import {
  filterBit,
  HEAD_FLAGS,
  HEAD_PRIORITY,
  HEAD_SLOT,
  type LookupOracle,
  REC_EXTRA,
  REC_FLAGS,
  REC_MERGED,
  REC_NEXT,
  REC_PRIORITY,
  REC_SOFT,
  REC_VALUE,
  Subtable,
  type SubtableLayout,
} from './subtable.js';

/** A field the classifier keeps a prefix trie for (e.g. nw_src: 1 word; ipv6_dst: 4 words). */
export interface PrefixField {
  readonly name?: string;
  readonly word: number;
  readonly words: number;
}

export interface ClassifierOptions {
  /** Key width in 32-bit words. */
  readonly words: number;
  /**
   * Ascending exclusive word indices where each lookup stage ends (e.g. metadata, L2, L3, L4);
   * the last must equal `words`. Default: one stage.
   */
  readonly stages?: readonly number[];
  /** Fields with prefix tries (the word ranges must be contiguous, most significant word first). */
  readonly prefixFields?: readonly PrefixField[];
  /**
   * Words (e.g. the L4 ports) for which each subtable keeps a trie of its buckets' masked values,
   * like OVS's ports trie: when a subtable misses, if no bucket has the key's value in one of these
   * words, only the leading bits of that word that decide it are un-wildcarded, instead of every
   * stage examined. Default: none.
   */
  readonly portWords?: readonly number[];
  /** Word matched exactly by most rules (OpenFlow metadata): subtables are partitioned by its value. */
  readonly partitionWord?: number;
  /** Pseudo-field word that holds `conj_id` (zero in every packet key); required for conjunctive rules. */
  readonly conjIdWord?: number;
  /** Disable staging / tries / partitioning (baseline measurements). Default: all enabled. */
  readonly staging?: boolean;
  readonly tries?: boolean;
  readonly partitioning?: boolean;
  /**
   * Tuple merging (after TupleMerge, Daly et al.): a rule may live in an existing subtable whose
   * mask is a subset of its own, and new subtables get a relaxed mask (first the rule's prefix
   * fields rounded down to 16, else 8 bits, with its other fields but the ports at byte units; else
   * the byte-, else nibble-granular units it matches in full), so far fewer subtables exist and are
   * probed. A bucket holds at most `collisionLimit` such merged rules;
   * past that a rule gets a subtable of its exact mask. Default: on, limit 32.
   */
  readonly merge?: boolean;
  readonly collisionLimit?: number;
  /**
   * Bucket fill up to which a rule joins an existing compatible subtable before a new relaxed
   * subtable is made for it; past it (when no new relaxed subtable can be made) the least crowded
   * compatible bucket under `collisionLimit` still takes it. Default 32 (= `collisionLimit`): with
   * prefix-only relaxations, fuller buckets cost few merged-rule checks and save subtables.
   */
  readonly softCollisionLimit?: number;
  /**
   * Try the prefix-fields-only relaxations first (see `merge`). Default true; false (with
   * `softCollisionLimit: 16`) is the earlier placement, kept for baseline measurements.
   */
  readonly relaxToPrefixes?: boolean;
  /**
   * Trie skips (prefix and port tries) and merged-rule mismatches un-wildcard the leading bits
   * they examined rounded up to a multiple of this (never past the field's mask). 1 gives the widest megaflows; larger values give fewer
   * distinct megaflow masks, which the megaflow cache probes one by one. Default 1.
   */
  readonly trieBitsGranularity?: number;
  /**
   * Subtables with at most this many buckets are probed by comparing the key with each bucket's
   * words, and their misses justified from those words too, instead of hashing and walking a
   * port trie (the long tail of small subtables). Default 8; 0 always hashes (tests compare both).
   */
  readonly linearBuckets?: number;
}

/** Subtables that can hold rules with one particular mask (their mask is a subset of it). */
interface MaskHomes<T> {
  readonly mask: Uint32Array;
  exact: Subtable<T> | null;
  /** Compatible subtables, most specific (most mask bits) first. */
  readonly tables: Subtable<T>[];
  /** Rules with this mask in the classifier; the entry is dropped at zero. */
  rules: number;
}

export interface InsertOptions {
  /** Conjunctive clauses: the rule becomes a `conjunction(id, k/n)` flow. */
  readonly conjunctions?: readonly Conjunction[];
  /** First version in which the rule is visible (default: the classifier's current version). */
  readonly version?: number;
}

/** Lookup counters (cumulative; reset with `resetStats`). */
export interface ClassifierStats {
  lookups: number;
  /** Subtables whose `find` ran (trie or partition skips included). */
  subtablesVisited: number;
  /**
   * Of those, tagged subtables passed over in one step with the rest of their run (see README,
   * "Prefix tries"): the lookup loop ran `subtablesVisited - subtablesPassedOver` iterations.
   */
  subtablesPassedOver: number;
  /** Subtables where a hash table was actually probed (not skipped by a trie, the partition or a first-word filter). */
  subtablesHashed: number;
  /** Merged rules checked word by word. */
  rulesChecked: number;
}

/**
 * An OpenFlow-style classifier over generic keys (`Uint32Array` of `words` words): tuple space
 * search with tuple merging, staged lookup, prefix and port tries, metadata partitioning,
 * conjunctive matches and versioned rules, whose lookup reports the bits it examined (the megaflow
 * mask). See README.md.
 */
export class Classifier<T = unknown> implements LookupOracle {
  readonly words: number;
  /** Version that lookups use when none is given. */
  version = 0;
  /** Internal (LookupOracle): partition tags of the key being looked up. */
  partitionTags = 0;
  readonly stats: ClassifierStats = {
    lookups: 0,
    subtablesVisited: 0,
    subtablesPassedOver: 0,
    subtablesHashed: 0,
    rulesChecked: 0,
  };

  private readonly layout: SubtableLayout;
  private readonly tries: PrefixTrie[];
  private readonly trieFields: readonly PrefixField[];
  private readonly trieWalks: TrieWalk[];
  /** Per trie, the most leading bits a trie skip of the current search needs un-wildcarded. */
  private readonly trieSkipMax: Int32Array;
  private readonly conjIdWord: number;
  private readonly partitionWord: number;
  private readonly partitions = new Map<number, { tags: number; counts: Int32Array }>();
  private partitionedSubtables = 0;

  private readonly byMask = new Map<number, Subtable<T>[]>();
  private readonly homes = new Map<number, MaskHomes<T>[]>();
  private readonly merge: boolean;
  private readonly collisionLimit: number;
  private readonly softCollisionLimit: number;
  private readonly relaxSteps: readonly number[];
  private readonly trieBitsGranularity: number;
  /** Subtables by descending max priority. */
  private readonly ordered: Subtable<T>[] = [];
  private nextSubtableId = 0;
  private nRules = 0;
  private readonly soft: Rule<T>[] = [];
  private nSoft = 0;
  private readonly scratch: Uint32Array;
  /** `findExact`'s masked value. */
  private readonly exactScratch: Uint32Array;
  /** Slab that new rules' values are carved from (never reused: a removed rule keeps its value). */
  private slab = new Uint32Array(0);
  private slabNext = 0;
  /**
   * Highest addVersion of any rule inserted, and rules made invisible (removeVersion set): a
   * lookup in a version at least the former while the latter is 0 sees every rule, and skips the
   * per-rule version checks.
   */
  private maxAddVersion = 0;
  /**
   * What a lookup reads before touching a subtable, flat in priority order and rebuilt after
   * changes: max priority, and per trie the prefix length to check (0: none).
   */
  private orderDirty = true;
  private orderMaxPri = new Float64Array(0);
  private orderPlens = new Int32Array(0);
  /** Per ordered subtable, its trie tag as a bit in one of two words (both 0: untagged). */
  private orderTagLo = new Int32Array(0);
  private orderTagHi = new Int32Array(0);
  /**
   * Runs of tagged subtables (consecutive in priority order): per ordered tagged subtable, the end
   * of its run (the next untagged position) and the tags of the run from it on, so a lookup passes
   * over the subtables up to the run's next candidate (see `tagPositions`) in one step.
   */
  private orderRunEnd = new Int32Array(0);
  private orderRunLo = new Int32Array(0);
  private orderRunHi = new Int32Array(0);
  /**
   * Per ordered subtable, its first-word filter (see `Subtable.filterWord`): the key word (-1:
   * none), its mask and the filter bits. A key whose bit is clear misses at the first stage, so
   * the subtable is passed over with that word un-wildcarded, as its probe would do.
   */
  private orderFilterWord = new Int32Array(0);
  private orderFilterMask = new Int32Array(0);
  private orderFilterBits = new Int32Array(0);
  /** Per trie tag, the ordered position of the subtable holding it. */
  private readonly tagPositions = new Int32Array(TRIE_TAGS);
  /**
   * Per trie: the tag bits of the subtables that check it (two words), and the longest prefix
   * length any subtable asks of it (how deep a lookup walks it).
   */
  private trieUsesLo = new Int32Array(0);
  private trieUsesHi = new Int32Array(0);
  private trieMaxPlen = new Int32Array(0);
  /**
   * Per trie, the distinct prefix lengths its tagged subtables check, longest first, each with the
   * tag bits of the subtables that check it: `trieSkipWildcards` wants only the longest prefix
   * length among the subtables it charges to a trie, and there are far fewer lengths than tags.
   * Trie t's groups are `plenGroupStart[t]..plenGroupStart[t + 1] - 1`.
   */
  private plenGroupStart = new Int32Array(1);
  private plenGroupPlen = new Int32Array(0);
  private plenGroupLo = new Int32Array(0);
  private plenGroupHi = new Int32Array(0);
  /** Trie tags (0..63) not held by a subtable. */
  private readonly freeTags: number[] = Array.from({ length: TRIE_TAGS }, (_, i) => TRIE_TAGS - 1 - i);
  private nInvisible = 0;

  constructor(options: ClassifierOptions) {
    const words = options.words;
    if (!Number.isInteger(words) || words < 1)
      throw new Error(`classifier: words must be a positive integer, got ${words}`);
    this.words = words;
    const stages = options.staging === false ? [words] : [...(options.stages ?? [words])];
    if (stages[stages.length - 1] !== words) throw new Error(`classifier: last stage must end at word ${words}`);
    for (let i = 1; i < stages.length; i++) {
      if (stages[i] <= stages[i - 1]) throw new Error(`classifier: stage ends must ascend (${stages.join(',')})`);
    }
    this.trieFields = options.tries === false ? [] : [...(options.prefixFields ?? [])];
    for (const f of this.trieFields) {
      if (f.word < 0 || f.words < 1 || f.word + f.words > words) {
        throw new Error(`classifier: prefix field ${f.name ?? f.word} (words ${f.word}+${f.words}) outside the key`);
      }
    }
    for (const [name, w] of [
      ['partitionWord', options.partitionWord],
      ['conjIdWord', options.conjIdWord],
      ...(options.portWords ?? []).map((p) => ['portWords', p] as const),
    ] as const) {
      if (w !== undefined && !(Number.isInteger(w) && w >= 0 && w < words)) {
        throw new Error(`classifier: ${name} ${w} outside the ${words}-word key`);
      }
    }
    this.tries = this.trieFields.map((f) => new PrefixTrie(f.words * 32, 64, ROOT_INDEX_MIN_NODES, true));
    this.trieWalks = this.trieFields.map((f) => new TrieWalk(f.words * 32));
    this.trieSkipMax = new Int32Array(this.tries.length);
    this.partitionWord = options.partitioning === false ? -1 : (options.partitionWord ?? -1);
    this.conjIdWord = options.conjIdWord ?? -1;
    const fields = this.trieFields;
    this.layout = {
      stageEnds: stages,
      tries: fields,
      triePlens: (mask) => Int32Array.from(fields, (f) => prefixLength(mask, f.word, f.words)),
      partitionWord: this.partitionWord,
      portWords: options.tries === false ? [] : [...(options.portWords ?? [])],
      trieBitsGranularity: Math.max(1, options.trieBitsGranularity ?? 1),
      merge: options.merge ?? true,
      linearBuckets: options.linearBuckets,
    };
    this.scratch = new Uint32Array(words);
    this.exactScratch = new Uint32Array(words);
    this.merge = options.merge ?? true;
    this.collisionLimit = options.collisionLimit ?? 32;
    this.softCollisionLimit = options.softCollisionLimit ?? 32;
    this.relaxSteps = options.relaxToPrefixes === false ? UNIT_RELAX_STEPS : RELAX_STEPS;
    this.trieBitsGranularity = Math.max(1, options.trieBitsGranularity ?? 1);
  }

  /** Number of rules (all versions). */
  get size(): number {
    return this.nRules;
  }

  get subtableCount(): number {
    return this.ordered.length;
  }

  resetStats(): void {
    this.stats.lookups = 0;
    this.stats.subtablesVisited = 0;
    this.stats.subtablesPassedOver = 0;
    this.stats.subtablesHashed = 0;
    this.stats.rulesChecked = 0;
  }

  /** Adds a rule; it is visible from `options.version` (default: the current version) on. */
  insert(match: Match, priority: number, data: T, options: InsertOptions = NO_OPTIONS): Rule<T> {
    return this.insertHashed(match, priority, data, options, -1);
  }

  /**
   * `findExact(match, priority)` (all versions) and, if it finds a rule, `remove` of it, then
   * `insert`: what replacing a flow does, with the mask looked up once. Returns the new rule; the
   * replaced one (or null) is in `replaced` until the next call.
   */
  replace(match: Match, priority: number, data: T, options: InsertOptions = NO_OPTIONS): Rule<T> {
    this.replaced = null;
    if (match.mask.length !== this.words) return this.insertHashed(match, priority, data, options, -1);
    const h = maskHash(match.mask);
    const homes = this.homesFor(match.mask, false, h);
    if (homes !== undefined) {
      const old = this.findIn(homes, match, priority, undefined);
      if (old !== null) {
        this.remove(old);
        this.replaced = old;
      }
    }
    return this.insertHashed(match, priority, data, options, h);
  }

  /** The rule `replace` removed (null if none). */
  replaced: Rule<T> | null = null;

  /** `insert`, with the mask's hash if known (else -1). */
  private insertHashed(match: Match, priority: number, data: T, options: InsertOptions, maskH: number): Rule<T> {
    if (match.mask.length !== this.words) {
      throw new Error(`classifier.insert: match has ${match.mask.length} words, classifier keys have ${this.words}`);
    }
    const conjunctions = options.conjunctions?.length ? [...options.conjunctions] : NO_CONJUNCTIONS;
    if (conjunctions.length > 0 && this.conjIdWord < 0) {
      throw new Error('classifier.insert: conjunctive rule needs a classifier configured with conjIdWord');
    }
    for (const c of conjunctions) {
      if (!(c.nClauses >= 2 && c.nClauses <= 64 && c.clause >= 1 && c.clause <= c.nClauses)) {
        throw new Error(`classifier.insert: bad conjunction(${c.id},${c.clause}/${c.nClauses})`);
      }
    }
    const version = options.version ?? this.version;
    checkVersion(version, 'insert');
    // Rules of one mask share its mask array, and values are views into shared slabs: two typed
    // arrays of their own would be about half of a rule's memory.
    const homes = this.homesFor(match.mask, true, maskH < 0 ? maskHash(match.mask) : maskH)!;
    const rule = new Rule(match, priority, data, conjunctions, version, { mask: homes.mask, value: this.valueView() });
    this.attach(rule, homes);
    return rule;
  }

  /** Removes `rule` at once (in every version). */
  remove(rule: Rule<T>): void {
    const st = rule.subtable as Subtable<T> | null;
    if (st === null) throw new Error('classifier.remove: rule is not in a classifier');
    const oldMax = st.maxPriority;
    this.orderDirty = true;
    if (rule.removeVersion !== VERSION_MAX) this.nInvisible--;
    st.delete(rule);
    this.nRules--;
    for (let k = 0; k < st.trieIdx.length; k++)
      this.tries[st.trieIdx[k]].remove(rule.value, this.trieFields[st.trieIdx[k]].word, st.triePlen[k], st.trieTag);
    if (st.partitionTag !== 0) this.partitionRemove(rule.value[this.partitionWord], st);
    this.releaseHome(rule.mask);
    if (st.nRules === 0) this.dropSubtable(st);
    else if (st.maxPriority !== oldMax) this.reorder(st);
  }

  /** Makes `rule` invisible from `version` on (a bundle's delete); remove it later with `remove`. */
  makeInvisible(rule: Rule<T>, version: number): void {
    checkVersion(version, 'makeInvisible');
    if (rule.subtable !== null && rule.removeVersion === VERSION_MAX) this.nInvisible++;
    rule.removeVersion = version;
  }

  /** Undoes `makeInvisible` (a bundle that was aborted). */
  restoreVisibility(rule: Rule<T>): void {
    if (rule.subtable !== null && rule.removeVersion !== VERSION_MAX) this.nInvisible--;
    rule.removeVersion = VERSION_MAX;
  }

  /**
   * Highest-priority rule matching `key` in `version`, resolving conjunctive matches, or null.
   * If `wc` is given, ORs into it every key bit the answer depended on: every key k with
   * `k & wc === key & wc` gets the same answer (the megaflow mask). `wc` never includes the
   * conj_id pseudo-field, which is zero in every packet.
   */
  lookup(key: Uint32Array, wc: Uint32Array | null = null, version = this.version): Rule<T> | null {
    this.stats.lookups++;
    this.nSoft = 0;
    const hard = this.search(key, version, wc, true);
    const result = this.nSoft === 0 ? hard : this.resolveConjunctions(key, version, wc, hard);
    if (wc !== null && this.conjIdWord >= 0) wc[this.conjIdWord] = 0;
    return result;
  }

  /** The rule with exactly this match and priority visible in `version` (all versions if omitted): `--strict`. */
  findExact(match: Match, priority: number, version?: number): Rule<T> | null {
    if (match.mask.length !== this.words) return null;
    const homes = this.homesFor(match.mask, false, maskHash(match.mask));
    return homes === undefined ? null : this.findIn(homes, match, priority, version);
  }

  private findIn(homes: MaskHomes<T>, match: Match, priority: number, version: number | undefined): Rule<T> | null {
    const value = this.exactScratch;
    const m = match.mask;
    const v = match.value;
    for (let i = 0; i < value.length; i++) value[i] = v[i] & m[i];
    for (const st of homes.tables) {
      const id = st.bucketOf(value);
      if (id < 0) continue;
      for (let r = st.heads[id]; r !== null; r = r.next) {
        if (r.priority === priority && r.sameMatch(match) && (version === undefined || r.visibleIn(version))) return r;
      }
    }
    return null;
  }

  /**
   * Rules whose match is a subset of (at least as specific as) `match`, visible in `version` (all
   * if omitted), in descending priority: the non-strict `mod-flows`/`del-flows` selection.
   */
  findLoose(match: Match, version?: number): Rule<T>[] {
    const value = maskedCopy(match);
    const out: Rule<T>[] = [];
    for (const st of this.ordered) {
      for (const r of st.rules()) {
        if (version !== undefined && !r.visibleIn(version)) continue;
        let ok = true;
        for (let i = 0; i < this.words; i++) {
          if ((match.mask[i] & ~r.mask[i]) !== 0 || ((r.value[i] ^ value[i]) & match.mask[i]) !== 0) {
            ok = false;
            break;
          }
        }
        if (ok) out.push(r);
      }
    }
    return out.sort((a, b) => b.priority - a.priority);
  }

  /** A rule of the same priority that some key could match together with `match` (`check_overlap`), or null. */
  checkOverlap(match: Match, priority: number, version = this.version): Rule<T> | null {
    for (const st of this.ordered) {
      if (!st.hasPriority(priority)) continue;
      for (const r of st.rules()) {
        if (r.priority !== priority || !r.visibleIn(version)) continue;
        let overlap = true;
        for (let i = 0; i < this.words; i++) {
          if (((r.value[i] ^ match.value[i]) & r.mask[i] & match.mask[i]) !== 0) {
            overlap = false;
            break;
          }
        }
        if (overlap) return r;
      }
    }
    return null;
  }

  /** Rules visible in `version` (all versions if omitted), by descending priority. */
  rules(version?: number): Rule<T>[] {
    const out: Rule<T>[] = [];
    for (const st of this.ordered)
      for (const r of st.rules()) if (version === undefined || r.visibleIn(version)) out.push(r);
    return out.sort((a, b) => b.priority - a.priority);
  }

  /** Approximate bytes used: typed arrays of subtables and tries plus per-rule objects. */
  memoryBytes(): number {
    let n = 0;
    for (const st of this.ordered) n += st.byteLength;
    for (const t of this.tries) n += t.byteLength;
    // Rule object (~120 bytes), its value view (~64 bytes, words in a shared slab); masks are shared.
    n += this.nRules * (120 + 64 + this.words * 4);
    return n;
  }

  /** Trie node counts, for diagnostics. */
  trieNodes(): number[] {
    return this.tries.map((t) => t.nodeCount);
  }

  /**
   * For an untagged subtable with prefix length `plen` on trie `t`: -1 if some stored `plen`-bit
   * prefix matches the key, else the leading bits of the field that show none does. The search
   * walked the trie at least that deep (or until the key left it) before.
   */
  private trieSkipBits(t: number, plen: number): number {
    const walk = this.trieWalks[t];
    if (walk.depth >= plen && ((walk.plens[plen >>> 5] >>> (plen & 31)) & 1) !== 0) return -1;
    return this.skipBitsAt(t, plen);
  }

  /**
   * The leading bits of trie `t`'s field that show that none of a subtable's `plen`-bit prefixes
   * matches the key: `plen` if the walk got that deep (or left the trie no earlier), else the
   * bits down to where the key left the trie, rounded up to `trieBitsGranularity` (never past
   * `plen`). It only grows with `plen`.
   */
  private skipBitsAt(t: number, plen: number): number {
    const walk = this.trieWalks[t];
    if (walk.depth >= plen || plen <= walk.end) return plen;
    // Round up (never past plen): fewer distinct megaflow masks for a little width.
    const g = this.trieBitsGranularity;
    if (g === 1) return walk.end;
    return Math.min(Math.ceil(walk.end / g) * g, plen);
  }

  /**
   * Folds into `trieSkipMax` what the tagged subtables skipped by this search (`lo`, `hi`: their
   * tags) need un-wildcarded: each is charged to the first trie (in order) whose walk misses its
   * prefixes, as a trie-by-trie check would, for the leading bits that showed it (`trieSkipBits`,
   * which only grows with the prefix length, so the longest prefix length skipped per trie is
   * enough).
   */
  private trieSkipWildcards(lo: number, hi: number): void {
    const nTries = this.trieFields.length;
    const walks = this.trieWalks;
    for (let t = 0; t < nTries && (lo | hi) !== 0; t++) {
      const walk = walks[t];
      const rLo = lo & this.trieUsesLo[t] & ~walk.tagsLo;
      const rHi = hi & this.trieUsesHi[t] & ~walk.tagsHi;
      if ((rLo | rHi) === 0) continue;
      lo &= ~rLo;
      hi &= ~rHi;
      let g = this.plenGroupStart[t];
      while (((this.plenGroupLo[g] & rLo) | (this.plenGroupHi[g] & rHi)) === 0) g++;
      const bits = this.skipBitsAt(t, this.plenGroupPlen[g]);
      if (bits > this.trieSkipMax[t]) this.trieSkipMax[t] = bits;
    }
  }

  private search(key: Uint32Array, version: number, wc: Uint32Array | null, allowSoft: boolean): Rule<T> | null {
    if (this.partitionedSubtables > 0) this.partitionTags = this.partitions.get(key[this.partitionWord])?.tags ?? 0;
    const ordered = this.ordered;
    const tries = this.trieFields;
    let hard: Rule<T> | null = null;
    let hardPri = Number.NEGATIVE_INFINITY;
    let visited = 0;
    let passed = 0;
    let hashed = 0;
    let checked = 0;
    if (this.orderDirty) this.flattenOrder();
    const walks = this.trieWalks;
    const skipBits = this.trieSkipMax;
    const nTries = tries.length;
    // Walk every trie once, as deep as any subtable asks: the walks' tags then say, for every
    // tagged subtable, whether all of its prefixes match the key (a candidate) or not (skipped,
    // by the first trie in order whose prefixes miss; see `trieSkipWildcards`).
    let candLo = -1;
    let candHi = -1;
    for (let t = 0; t < nTries; t++) {
      const walk = walks[t];
      walk.reset();
      skipBits[t] = 0;
      const depth = this.trieMaxPlen[t];
      if (depth > 0) this.tries[t].advance(walk, key, tries[t].word, depth);
      candLo &= walk.tagsLo | ~this.trieUsesLo[t];
      candHi &= walk.tagsHi | ~this.trieUsesHi[t];
    }
    let skippedLo = 0;
    let skippedHi = 0;
    const maxPri = this.orderMaxPri;
    const plens = this.orderPlens;
    const tagsLo = this.orderTagLo;
    const tagsHi = this.orderTagHi;
    const runEnd = this.orderRunEnd;
    const runLo = this.orderRunLo;
    const runHi = this.orderRunHi;
    const tagPos = this.tagPositions;
    const filterWord = this.orderFilterWord;
    const filterMask = this.orderFilterMask;
    const filterBits = this.orderFilterBits;
    const allVisible = version >= this.maxAddVersion && this.nInvisible === 0;
    for (let k = 0; k < ordered.length; k++) {
      if (maxPri[k] <= hardPri) break;
      visited++;
      const tagLo = tagsLo[k];
      const tagHi = tagsHi[k];
      if ((tagLo | tagHi) !== 0) {
        // A tagged subtable: one test against the walks' tags, and a skip is never read. A skip
        // passes at once over the rest of its run up to the run's next candidate (the walks'
        // tags say which), unless the priority bound stops the lookup before it.
        if (((tagLo & candLo) | (tagHi & candHi)) === 0) {
          const end = runEnd[k];
          let next = end;
          for (let c = runLo[k] & candLo; c !== 0; c &= c - 1) next = Math.min(next, tagPos[31 - Math.clz32(c & -c)]);
          for (let c = runHi[k] & candHi; c !== 0; c &= c - 1) next = Math.min(next, tagPos[63 - Math.clz32(c & -c)]);
          if (next - k > 1 && maxPri[next - 1] > hardPri) {
            // The run's tags from k on, less those from `next` on: the subtables passed over.
            skippedLo |= runLo[k] & ~(next < end ? runLo[next] : 0);
            skippedHi |= runHi[k] & ~(next < end ? runHi[next] : 0);
            visited += next - k - 1;
            passed += next - k - 1;
            k = next - 1;
            continue;
          }
          skippedLo |= tagLo;
          skippedHi |= tagHi;
          continue;
        }
      } else if (nTries > 0) {
        // Untagged (past the 64 tags): the prefix lengths alone, trie by trie.
        let skipped = false;
        for (let t = 0, at = k * nTries; t < nTries; t++, at++) {
          const plen = plens[at];
          if (plen === 0) continue;
          const bits = this.trieSkipBits(t, plen);
          if (bits < 0) continue;
          // Trie skips un-wildcard leading bits of the field: keep the longest, apply once at the end.
          if (bits > skipBits[t]) skipBits[t] = bits;
          skipped = true;
          break;
        }
        if (skipped) continue;
      }
      const fw = filterWord[k];
      if (fw >= 0) {
        const v = key[fw] & filterMask[k];
        if (((filterBits[k] >>> filterBit(v)) & 1) === 0) {
          // No bucket has the key's value in the first stage's one word: a first-stage miss.
          if (wc !== null) wc[fw] |= filterMask[k];
          continue;
        }
      }
      const st = ordered[k];
      const id = st.probe(key, wc, this);
      if (id < 0) {
        if (id === -1) hashed++;
        continue;
      }
      hashed++;
      if (!st.int32Priorities) {
        // Slow path (a priority outside int32): walk the Rule objects.
        for (let r = st.heads[id]; r !== null; r = r.next) {
          if (r.priority <= hardPri) break;
          if (r.addVersion > version || version >= r.removeVersion) continue;
          if (!r.exact) {
            checked++;
            const rat = r.slot * st.recordSize;
            if (!this.checkMerged(st.records, rat + REC_VALUE, st.records[rat + REC_EXTRA], key, wc)) continue;
          }
          if (r.conjunctions.length !== 0) {
            if (allowSoft) this.soft[this.nSoft++] = r;
            continue;
          }
          hard = r;
          hardPri = r.priority;
          break;
        }
        continue;
      }
      // The bucket's head (first slot, its priority and flags) is in the row the probe just read.
      const row = st.table.keys;
      const head = id * st.table.stride + st.table.width;
      const headPri = row[head + HEAD_PRIORITY];
      if (headPri <= hardPri) continue;
      if (allVisible && row[head + HEAD_FLAGS] === 0) {
        // An exact, ordinary rule heads the bucket: it wins here, and no record is read.
        hard = st.slotRules[row[head + HEAD_SLOT]]!;
        hardPri = headPri;
        continue;
      }
      // Walk the bucket's records (no Rule object is read until one wins).
      const recs = st.records;
      const size = st.recordSize;
      for (let slot = row[head + HEAD_SLOT]; slot >= 0; ) {
        const at = slot * size;
        const pri = recs[at + REC_PRIORITY];
        if (pri <= hardPri) break;
        const cur = slot;
        slot = recs[at + REC_NEXT];
        if (!allVisible && !st.slotRules[cur]!.visibleIn(version)) continue;
        const flags = recs[at + REC_FLAGS];
        if (flags !== 0) {
          if ((flags & REC_MERGED) !== 0) {
            // A merged rule: checked word by word. A match needs its whole mask in the megaflow;
            // a mismatch only the leading bits of one word, up to its first differing bit.
            checked++;
            if (!this.checkMerged(recs, at + REC_VALUE, recs[at + REC_EXTRA], key, wc)) continue;
          }
          if ((flags & REC_SOFT) !== 0) {
            if (allowSoft) this.soft[this.nSoft++] = st.slotRules[cur]!;
            continue;
          }
        }
        hard = st.slotRules[cur]!;
        hardPri = pri;
        break;
      }
    }
    if (wc !== null) {
      if ((skippedLo | skippedHi) !== 0) this.trieSkipWildcards(skippedLo, skippedHi);
      for (let t = 0; t < nTries; t++) {
        const f = tries[t];
        for (let i = 0, n = skipBits[t]; i < f.words && n > 0; i++, n -= 32) {
          wc[f.word + i] |= n >= 32 ? -1 : -1 << (32 - n);
        }
      }
    }
    this.stats.subtablesVisited += visited;
    this.stats.subtablesPassedOver += passed;
    this.stats.subtablesHashed += hashed;
    this.stats.rulesChecked += checked;
    return hard;
  }

  /**
   * True if the merged rule whose value words start at `vb` in `packed` (mask words follow)
   * matches `key`, given that its bucket matched: only the words in `extra` (bit i: word i; -1:
   * every word) can differ. ORs into `wc` the bits that decide it.
   */
  private checkMerged(
    packed: Int32Array,
    vb: number,
    extra: number,
    key: Uint32Array,
    wc: Uint32Array | null,
  ): boolean {
    const n = this.words;
    const mb = vb + n;
    // Words lo..hi-1 hold every bit of `extra` (-1: all words; `>>> i` keeps reading 1s past 32).
    const lo = 31 - Math.clz32(extra & -extra);
    const hi = extra === -1 ? n : 32 - Math.clz32(extra);
    // On a mismatch, the differing word whose deciding bits add the fewest new bits to `wc` (the
    // first one on ties); costs are only counted when a second word differs.
    let bestWord = -1;
    let bestBits = 0;
    let bestCost = -1;
    const g = this.trieBitsGranularity;
    for (let i = lo; i < hi; i++) {
      if (((extra >>> i) & 1) === 0) continue;
      const mi = packed[mb + i];
      const diff = (key[i] ^ packed[vb + i]) & mi;
      if (diff === 0) continue;
      if (wc === null) return false;
      // Bits of the mask down to the first differing bit: any key sharing them differs there too.
      let lead = Math.clz32(diff) + 1;
      if (g > 1) lead = Math.min(32, Math.ceil(lead / g) * g);
      const need = mi & (-1 << (32 - lead));
      const fresh = need & ~wc[i];
      if (fresh === 0) return false; // Already decided by bits in the megaflow.
      if (bestWord < 0) {
        bestWord = i;
        bestBits = need;
        continue;
      }
      if (bestCost < 0) bestCost = popcount(bestBits & ~wc[bestWord]);
      const cost = popcount(fresh);
      if (cost < bestCost) {
        bestCost = cost;
        bestWord = i;
        bestBits = need;
      }
    }
    if (bestWord >= 0) {
      wc![bestWord] |= bestBits;
      return false;
    }
    // The bucket's words are in `wc` already (the probe that found it put them there).
    if (wc !== null) for (let i = lo; i < hi; i++) wc[i] |= packed[mb + i];
    return true;
  }

  /**
   * OVS conjunctive match: among the soft rules matched above the best hard rule, at each priority
   * from the highest, a conjunction id is complete when every clause 1..n has a matching rule at
   * that priority; the first complete id (lowest id first) re-runs the lookup with conj_id = id,
   * hard rules only, and that result wins. Otherwise the best hard rule does.
   */
  private resolveConjunctions(
    key: Uint32Array,
    version: number,
    wc: Uint32Array | null,
    hard: Rule<T> | null,
  ): Rule<T> | null {
    const hardPri = hard === null ? Number.NEGATIVE_INFINITY : hard.priority;
    const soft = this.soft.slice(0, this.nSoft).filter((r) => r.priority > hardPri);
    soft.sort((a, b) => b.priority - a.priority);
    for (let i = 0; i < soft.length; ) {
      const pri = soft[i].priority;
      const clauses = new Map<number, { n: number; seen: bigint; bad: boolean }>();
      for (; i < soft.length && soft[i].priority === pri; i++) {
        for (const c of soft[i].conjunctions) {
          let e = clauses.get(c.id);
          if (e === undefined) {
            e = { n: c.nClauses, seen: 0n, bad: false };
            clauses.set(c.id, e);
          }
          if (e.n !== c.nClauses) e.bad = true;
          e.seen |= 1n << BigInt(c.clause - 1);
        }
      }
      const complete = [...clauses].filter(([, e]) => !e.bad && e.seen === (1n << BigInt(e.n)) - 1n).map(([id]) => id);
      complete.sort((a, b) => a - b);
      for (const id of complete) {
        const probe = this.scratch;
        probe.set(key);
        probe[this.conjIdWord] = id;
        this.nSoft = 0;
        const r = this.search(probe, version, wc, false);
        if (r !== null) return r;
      }
    }
    return hard;
  }

  /** A zeroed `words`-word view for a new rule's value, carved from a shared slab. */
  private valueView(): Uint32Array {
    const n = this.words;
    if (this.slabNext + n > this.slab.length) {
      this.slab = new Uint32Array(n * SLAB_RULES);
      this.slabNext = 0;
    }
    const view = this.slab.subarray(this.slabNext, this.slabNext + n);
    this.slabNext += n;
    return view;
  }

  private flattenOrder(): void {
    const ordered = this.ordered;
    const nTries = this.trieFields.length;
    if (this.orderMaxPri.length < ordered.length) {
      this.orderMaxPri = new Float64Array(ordered.length * 2);
      this.orderPlens = new Int32Array(ordered.length * 2 * nTries);
      this.orderTagLo = new Int32Array(ordered.length * 2);
      this.orderTagHi = new Int32Array(ordered.length * 2);
      this.orderRunEnd = new Int32Array(ordered.length * 2);
      this.orderRunLo = new Int32Array(ordered.length * 2);
      this.orderRunHi = new Int32Array(ordered.length * 2);
      this.orderFilterWord = new Int32Array(ordered.length * 2);
      this.orderFilterMask = new Int32Array(ordered.length * 2);
      this.orderFilterBits = new Int32Array(ordered.length * 2);
    }
    if (this.trieUsesLo.length !== nTries) {
      this.trieUsesLo = new Int32Array(nTries);
      this.trieUsesHi = new Int32Array(nTries);
      this.trieMaxPlen = new Int32Array(nTries);
      this.plenGroupStart = new Int32Array(nTries + 1);
    }
    this.orderPlens.fill(0);
    this.trieUsesLo.fill(0);
    this.trieUsesHi.fill(0);
    this.trieMaxPlen.fill(0);
    for (let k = 0; k < ordered.length; k++) {
      const st = ordered[k];
      if (st.scattered) st.compact();
      this.orderMaxPri[k] = st.maxPriority;
      this.orderFilterWord[k] = st.filterWord;
      this.orderFilterMask[k] = st.filterMask;
      this.orderFilterBits[k] = st.filterBits;
      const tag = st.trieTag;
      const lo = tag >= 0 && tag < 32 ? 1 << tag : 0;
      const hi = tag >= 32 ? 1 << (tag - 32) : 0;
      this.orderTagLo[k] = lo;
      this.orderTagHi[k] = hi;
      if (tag >= 0) this.tagPositions[tag] = k;
      for (let j = 0; j < st.trieIdx.length; j++) {
        const t = st.trieIdx[j];
        const plen = st.triePlen[j];
        this.orderPlens[k * nTries + t] = plen;
        if (plen > this.trieMaxPlen[t]) this.trieMaxPlen[t] = plen;
        this.trieUsesLo[t] |= lo;
        this.trieUsesHi[t] |= hi;
      }
    }
    // Runs of tagged subtables, from the back: each position's run end and the run's tags from it on.
    for (let k = ordered.length - 1, end = ordered.length, lo = 0, hi = 0; k >= 0; k--) {
      if ((this.orderTagLo[k] | this.orderTagHi[k]) === 0) {
        end = k;
        lo = 0;
        hi = 0;
        continue;
      }
      lo |= this.orderTagLo[k];
      hi |= this.orderTagHi[k];
      this.orderRunEnd[k] = end;
      this.orderRunLo[k] = lo;
      this.orderRunHi[k] = hi;
    }
    this.groupPrefixLengths();
    this.orderDirty = false;
  }

  /** Rebuilds the per-trie prefix-length groups of the tagged subtables (see `plenGroupStart`). */
  private groupPrefixLengths(): void {
    const nTries = this.trieFields.length;
    const groups: { plen: number; lo: number; hi: number }[][] = Array.from({ length: nTries }, () => []);
    for (const st of this.ordered) {
      const tag = st.trieTag;
      if (tag < 0) continue;
      for (let j = 0; j < st.trieIdx.length; j++) {
        const list = groups[st.trieIdx[j]];
        const plen = st.triePlen[j];
        let e = list.find((x) => x.plen === plen);
        if (e === undefined) {
          e = { plen, lo: 0, hi: 0 };
          list.push(e);
        }
        if (tag < 32) e.lo |= 1 << tag;
        else e.hi |= 1 << (tag - 32);
      }
    }
    let total = 0;
    for (const list of groups) total += list.length;
    if (this.plenGroupPlen.length < total) {
      this.plenGroupPlen = new Int32Array(total * 2);
      this.plenGroupLo = new Int32Array(total * 2);
      this.plenGroupHi = new Int32Array(total * 2);
    }
    let g = 0;
    for (let t = 0; t < nTries; t++) {
      this.plenGroupStart[t] = g;
      for (const e of groups[t].sort((a, b) => b.plen - a.plen)) {
        this.plenGroupPlen[g] = e.plen;
        this.plenGroupLo[g] = e.lo;
        this.plenGroupHi[g] = e.hi;
        g++;
      }
    }
    this.plenGroupStart[nTries] = g;
  }

  private attach(rule: Rule<T>, homes: MaskHomes<T>): void {
    this.orderDirty = true;
    const st = this.placeRule(rule, homes);
    if (rule.addVersion > this.maxAddVersion) this.maxAddVersion = rule.addVersion;
    const oldMax = st.maxPriority;
    st.add(rule);
    this.nRules++;
    for (let k = 0; k < st.trieIdx.length; k++)
      this.tries[st.trieIdx[k]].insert(rule.value, this.trieFields[st.trieIdx[k]].word, st.triePlen[k], st.trieTag);
    if (st.partitionTag !== 0) this.partitionAdd(rule.value[this.partitionWord], st);
    if (st.maxPriority !== oldMax) this.reorder(st);
  }

  /** Picks the subtable for a new rule: its exact mask, else a compatible one with room, else a new one. */
  private placeRule(rule: Rule<T>, homes: MaskHomes<T>): Subtable<T> {
    homes.rules++;
    if (homes.exact !== null) return homes.exact;
    if (this.merge) {
      // Never merge into the match-everything subtable (mask all zero): every lookup that gets
      // that far walks its one bucket rule by rule, and no trie can skip it.
      const soft = Math.min(this.softCollisionLimit, this.collisionLimit);
      for (const st of homes.tables) if (st.maskBits !== 0 && st.foreignIn(rule.value) < soft) return st;
      // Coarsest first: the address prefixes alone (rounded to 16, then 8 bits), then byte- and
      // nibble-granular relaxations of the whole mask.
      for (const step of this.relaxSteps) {
        const relaxed = step < 0 ? this.relaxToPrefixes(rule.mask, -step) : relaxMask(rule.mask, step);
        if (isZero(relaxed)) continue;
        if (this.subtableFor(relaxed) === undefined) return this.createSubtable(relaxed);
      }
      // No new relaxed subtable possible: the least crowded compatible bucket under the hard limit.
      let best: Subtable<T> | null = null;
      let bestForeign = this.collisionLimit;
      for (const st of homes.tables) {
        if (st.maskBits === 0) continue;
        const f = st.foreignIn(rule.value);
        if (f < bestForeign) {
          best = st;
          bestForeign = f;
        }
      }
      if (best !== null) return best;
    }
    return this.createSubtable(rule.mask);
  }

  /**
   * The coarsest relaxation: the prefix fields rounded down to `granularity`-bit units, the other
   * words at byte units except the port words (range pieces), which drop out entirely; all zero
   * if no prefix bit remains (a subtable no trie can skip would collect every such rule).
   * Whatever the prefix tries cannot skip is left to the per-rule checks, so far fewer subtables
   * are made; exact small fields (nw_proto) stay in the hashed key, so a lookup un-wildcards them
   * whole, as Open vSwitch does.
   */
  private relaxToPrefixes(mask: Uint32Array, granularity: number): Uint32Array {
    const out = relaxMask(mask, 8);
    for (const w of this.layout.portWords) out[w] = 0;
    const prefixes = relaxMask(mask, granularity);
    let any = 0;
    for (const f of this.trieFields) {
      for (let i = f.word; i < f.word + f.words; i++) {
        out[i] = prefixes[i];
        any |= prefixes[i];
      }
    }
    if (any === 0) out.fill(0);
    return out;
  }

  private homesFor(mask: Uint32Array, create: boolean, h: number): MaskHomes<T> | undefined {
    let list = this.homes.get(h);
    if (list !== undefined) for (const e of list) if (sameWords(e.mask, mask)) return e;
    if (!create) return undefined;
    const e: MaskHomes<T> = { mask: Uint32Array.from(mask), exact: null, tables: [], rules: 0 };
    for (const st of this.ordered) this.addHome(e, st);
    if (list === undefined) {
      list = [];
      this.homes.set(h, list);
    }
    list.push(e);
    return e;
  }

  private releaseHome(mask: Uint32Array): void {
    const h = maskHash(mask);
    const list = this.homes.get(h)!;
    const i = list.findIndex((e) => sameWords(e.mask, mask));
    if (--list[i].rules > 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.homes.delete(h);
  }

  /** Distinct rule masks tracked for placement (diagnostics: returns to 0 when the classifier empties). */
  get maskCount(): number {
    let n = 0;
    for (const list of this.homes.values()) n += list.length;
    return n;
  }

  private addHome(e: MaskHomes<T>, st: Subtable<T>): void {
    if (!st.covers(e.mask)) return;
    if (sameWords(st.mask, e.mask)) e.exact = st;
    if (!this.merge && e.exact !== st) return;
    let i = e.tables.length;
    while (i > 0 && e.tables[i - 1].maskBits < st.maskBits) i--;
    e.tables.splice(i, 0, st);
  }

  private subtableFor(mask: Uint32Array): Subtable<T> | undefined {
    const list = this.byMask.get(maskHash(mask));
    if (list === undefined) return undefined;
    for (const st of list) if (sameWords(st.mask, mask)) return st;
    return undefined;
  }

  private createSubtable(mask: Uint32Array): Subtable<T> {
    const st = new Subtable<T>(this.nextSubtableId++, mask, this.layout);
    // The first 64 subtables with a prefix field get trie tags (later ones use the prefix length alone).
    if (st.trieIdx.length > 0 && this.freeTags.length > 0) st.trieTag = this.freeTags.pop()!;
    const h = maskHash(mask);
    const list = this.byMask.get(h);
    if (list === undefined) this.byMask.set(h, [st]);
    else list.push(st);
    st.order = this.ordered.length;
    this.ordered.push(st);
    for (const list of this.homes.values()) for (const e of list) this.addHome(e, st);
    if (st.partitionTag !== 0) this.partitionedSubtables++;
    return st;
  }

  private dropSubtable(st: Subtable<T>): void {
    const h = maskHash(st.mask);
    const list = this.byMask.get(h)!;
    list.splice(list.indexOf(st), 1);
    if (list.length === 0) this.byMask.delete(h);
    this.ordered.splice(st.order, 1);
    for (let k = st.order; k < this.ordered.length; k++) this.ordered[k].order = k;
    st.order = -1;
    if (st.trieTag >= 0) {
      this.freeTags.push(st.trieTag);
      st.trieTag = -1;
    }
    for (const list of this.homes.values()) {
      for (const e of list) {
        const i = e.tables.indexOf(st);
        if (i >= 0) e.tables.splice(i, 1);
        if (e.exact === st) e.exact = null;
      }
    }
    if (st.partitionTag !== 0) this.partitionedSubtables--;
  }

  /** Moves `st` to its place in the descending-max-priority order after its max priority changed. */
  private reorder(st: Subtable<T>): void {
    const v = this.ordered;
    let i = st.order;
    while (i > 0 && v[i - 1].maxPriority < st.maxPriority) {
      v[i] = v[i - 1];
      v[i].order = i;
      i--;
    }
    while (i < v.length - 1 && v[i + 1].maxPriority > st.maxPriority) {
      v[i] = v[i + 1];
      v[i].order = i;
      i++;
    }
    v[i] = st;
    st.order = i;
  }

  private partitionAdd(value: number, st: Subtable<T>): void {
    let p = this.partitions.get(value);
    if (p === undefined) {
      p = { tags: 0, counts: new Int32Array(32) };
      this.partitions.set(value, p);
    }
    const bit = 31 - Math.clz32(st.partitionTag);
    p.counts[bit]++;
    p.tags |= st.partitionTag;
  }

  private partitionRemove(value: number, st: Subtable<T>): void {
    const p = this.partitions.get(value)!;
    const bit = 31 - Math.clz32(st.partitionTag);
    if (--p.counts[bit] === 0) {
      p.tags &= ~st.partitionTag;
      if (p.tags === 0) this.partitions.delete(value);
    }
  }
}

// Trie size from which a 32-bit prefix trie keeps a root index (see PrefixTrie).
const ROOT_INDEX_MIN_NODES = 256;

// Subtables that can be told apart by trie tags (two 32-bit words per trie node and walk).
const TRIE_TAGS = 64;

const NO_OPTIONS: InsertOptions = Object.freeze({});

// Rules per value slab: small enough that a few long-lived rules pin little memory.
const SLAB_RULES = 256;

// Relaxation granularities tried in turn for a new merged subtable (bits per kept unit).
// (negative: `relaxToPrefixes` at that granularity; positive: `relaxMask`).
const RELAX_STEPS: readonly number[] = [-16, -8, 8, 4];
const UNIT_RELAX_STEPS: readonly number[] = [16, 8, 4];

function checkVersion(version: number, what: string): void {
  if (!Number.isInteger(version) || version < 0 || version >= VERSION_MAX) {
    throw new Error(`classifier.${what}: version ${version} outside [0, ${VERSION_MAX})`);
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function maskHash(mask: Uint32Array): number {
  let h = 0;
  for (let i = 0; i < mask.length; i++) h = hashAdd(h, mask[i]);
  return hashFinish(h, mask.length * 4);
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] >>> 0) return false;
  return true;
}

function isZero(words: Uint32Array): boolean {
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}

function maskedCopy(m: Match): Uint32Array {
  const out = new Uint32Array(m.mask.length);
  for (let i = 0; i < out.length; i++) out[i] = m.value[i] & m.mask[i];
  return out;
}

/**
 * The mask a new merged subtable gets: only the `granularity`-bit units the rule matches in full,
 * so prefixes round down to a unit boundary and partial masks (port-range pieces, flag bits) drop
 * out of the subtable key and are checked per rule instead.
 */
function relaxMask(mask: Uint32Array, granularity: number): Uint32Array {
  const out = new Uint32Array(mask.length);
  const unit = granularity === 32 ? 0xffffffff : (1 << granularity) - 1;
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    let r = 0;
    for (let b = 0; b < 32; b += granularity) if (((m >>> b) & unit) === unit) r |= unit << b;
    out[i] = r >>> 0;
  }
  return out;
}
