/**
 * The schema and value model alone, without the server, storage or IDL (and their Node
 * modules): the entry for short-lived clients such as vsctl, whose start-up time counts.
 */
export {
  atomToJson,
  compareDatums,
  type Datum,
  datumEquals,
  datumToJson,
  defaultDatum,
  isUuid,
  parseAtom,
  parseDatum,
  parseDatumLoose,
} from './datum.js';
export { OvsdbError } from './errors.js';
export {
  type Atom,
  type BaseType,
  type ColumnSchema,
  type ColumnType,
  compareAtoms,
  type DatabaseSchema,
  parseSchema,
  schemaToJson,
  type TableSchema,
} from './schema.js';
