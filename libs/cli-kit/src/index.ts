export { hoistLeadingOptions } from './argv.js';
export { BaseCommand } from './base-command.js';
export { ExitCode, UnreachableError, UserError } from './errors.js';
export { OUTPUT_FORMATS, type OutputFormat, renderJson, renderTable } from './format.js';
export { runCli } from './main.js';
export { ensurePrivateDir, resolveDbFile, resolveRunDir } from './rundir.js';
