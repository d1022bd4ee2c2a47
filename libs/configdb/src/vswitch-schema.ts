import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DatabaseSchema, parseSchema } from './schema.js';

/** Path of softswitch's own Open_vSwitch schema (same tables and types as OVS 3.1's, version 8.3.1). */
export const VSWITCH_SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'vswitch.ovsschema');

export function loadVswitchSchema(): DatabaseSchema {
  return parseSchema(JSON.parse(readFileSync(VSWITCH_SCHEMA_PATH, 'utf8')));
}
