#!/usr/bin/env node
/**
 * A standalone config DB server: `node dist/cli.js --db-file F [--schema S] --remote punix:P ...`.
 * Prints "ready" once listening; exits cleanly on SIGTERM/SIGINT. Used by tests and benches.
 */
import { tierRequestCodeEagerly } from './eager-tiering.js';
import { startConfigDbServer } from './server.js';
import { loadSchemaFile } from './storage.js';
import { loadVswitchSchema } from './vswitch-schema.js';

const args = process.argv.slice(2);
let dbFile: string | undefined;
let schemaPath: string | undefined;
const remotes: string[] = [];
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  const value = () => inline ?? args[++i];
  if (flag === '--db-file') dbFile = value();
  else if (flag === '--schema') schemaPath = value();
  else if (flag === '--remote') remotes.push(value());
  else {
    process.stderr.write(`configdb: unknown option ${args[i]}\n`);
    process.exit(1);
  }
}
if (!dbFile) {
  process.stderr.write('configdb: --db-file is required\n');
  process.exit(1);
}
const schema = schemaPath === 'file' ? undefined : schemaPath ? loadSchemaFile(schemaPath) : loadVswitchSchema();
const handle = await startConfigDbServer({
  dbFile,
  schema,
  remotes,
  log: (m) => process.stderr.write(`configdb: ${m}\n`),
});
tierRequestCodeEagerly();
process.stdout.write(`ready ${JSON.stringify(handle.ports)}\n`);
const stop = async () => {
  await handle.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
