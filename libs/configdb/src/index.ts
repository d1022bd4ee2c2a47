export {
  type ClusterMemory,
  connectSuitable,
  NoSuitableServerError,
  parseServerDbRow,
  readServerDbState,
  type ServerDbState,
  type SuitableConnection,
  splitRemotes,
  unsuitableReason,
  watchServerDbState,
} from './cluster.js';
export { type Clause, evalConditions, parseConditions } from './condition.js';
export { type ChangeSet, type Commit, Database, type RowChange } from './database.js';
export { applyDatumDiff, datumDiff } from './datum.js';
export * from './eager-tiering.js';
export { datumToJs, Idl, type IdlChange, type IdlOptions, type JsValue } from './idl.js';
export { encodeRecord, LogWriter, parseLog, readLogFile } from './log.js';
export { Monitor } from './monitor.js';
export { type Row, rowToJson } from './row.js';
export { type ConfigDbServerHandle, type ConfigDbServerOptions, OvsdbServer, startConfigDbServer } from './server.js';
export { FileStorage, loadSchemaFile, type OpenReport } from './storage.js';
export { executeTransaction, type TxnOutcome } from './transaction.js';
// The schema and value model, also served alone to short-lived clients (`./values`).
export * from './values.js';
export { loadVswitchSchema, VSWITCH_SCHEMA_PATH } from './vswitch-schema.js';
