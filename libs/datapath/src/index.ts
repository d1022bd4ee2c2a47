export * from './actions.js';
export * from './datapath.js';
export * from './dpctl.js';
export type { DpifStatsSnapshot } from './dpif-stats.js';
export * from './drop-reasons.js';
export { type CompiledActions, compileActions, type ExecContext, runActions } from './execute.js';
export * from './meters.js';
export * from './odp-flow.js';
export {
  type AttrField,
  formatAttrFields,
  KEY_ATTRS,
  type KeyAttrName,
  OdpSyntaxError,
  parseAttrFields,
  splitTopLevel,
} from './odp-key.js';
export * from './offload-hook.js';
export { type PmdPlan, PmdPool, type PmdPoolOptions, type PmdPoolStats, rssHash } from './pmd-pool.js';
export type { ReplayStatus, ReplaySummary } from './replay-report.js';
