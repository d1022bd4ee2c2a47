export {
  CLASSBENCH_LAYOUT,
  type ClassBenchRule,
  type ClassBenchShape,
  expandRule,
  generateRuleSet,
  generateTrace,
  parseRuleSet,
  parseTrace,
  SeededRng,
} from './classbench.js';
export {
  Classifier,
  type ClassifierOptions,
  type ClassifierStats,
  type InsertOptions,
  type PrefixField,
} from './classifier.js';
export { hashAdd, hashFinish, hashMasked, hashWords } from './hash.js';
export { HashCountSet } from './hash-set.js';
export { PrefixTrie, prefixLength, TrieWalk } from './prefix-trie.js';
export { expandRange, type MaskedValue } from './range.js';
export { type Conjunction, type Match, Rule, VERSION_MAX } from './rule.js';
export { WordTable } from './word-table.js';
