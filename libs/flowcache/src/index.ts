export { ExactMatchCache, type ExactMatchCacheOptions } from './emc.js';
export {
  FlowCache,
  type FlowCacheOptions,
  type FlowCacheStats,
  type Retranslation,
  type RevalidationResult,
} from './flow-cache.js';
export { MegaflowCache, type MegaflowCacheOptions } from './megaflow-cache.js';
export { MegaflowEntry } from './megaflow-entry.js';
export { SignatureMatchCache, type SignatureMatchCacheOptions } from './smc.js';
