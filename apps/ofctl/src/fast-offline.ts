/**
 * `parse-flow` and `parse-flows` in text without oclif: loading oclif and its command graph was
 * a large part of a short run, and these commands need nothing of it. Only plain invocations
 * take this path (a known command, its one argument, -O/-F/--format text/--rundir); anything
 * else, help and errors in the options included, goes through oclif as before.
 * This module imports nothing at load: main.ts loads it on every run.
 */

export interface OfflineInvocation {
  command: 'parse-flow' | 'parse-flows';
  arg: string;
  protocols?: string;
  'flow-format'?: string;
}

const VALUE_OPTIONS: Record<string, 'protocols' | 'flow-format' | 'format' | 'rundir'> = {
  '-O': 'protocols',
  '--protocols': 'protocols',
  '-F': 'flow-format',
  '--flow-format': 'flow-format',
  '--format': 'format',
  '--rundir': 'rundir',
};

/** The invocation when argv is one the fast path runs exactly as oclif would, else undefined. */
export function offlineInvocation(argv: readonly string[]): OfflineInvocation | undefined {
  const words: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-' || !a.startsWith('-')) {
      words.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const key = VALUE_OPTIONS[name];
    if (!key || key in options) return undefined;
    const value = name !== a ? a.slice(eq + 1) : argv[++i];
    // A missing, empty or option-like value is for oclif to judge.
    if (!value || value.startsWith('-')) return undefined;
    options[key] = value;
  }
  if (words.length !== 2 || (words[0] !== 'parse-flow' && words[0] !== 'parse-flows')) return undefined;
  if (options.format !== undefined && options.format !== 'text') return undefined;
  return { command: words[0], arg: words[1], protocols: options.protocols, 'flow-format': options['flow-format'] };
}

/** Runs it as the oclif command would: output on stdout; an error is one line on stderr, status 1. */
export async function runOffline(inv: OfflineInvocation): Promise<void> {
  // As oclif does: a reader that goes away early (`| head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const [of, flowFile] = await Promise.all([import('@softswitch/openflow'), import('./parse-flows-file.js')]);
  const write = (s: string | Uint8Array) => {
    process.stdout.write(s);
  };
  try {
    const allowed = flowFile.allowedProtocols(of, inv);
    if (inv.command === 'parse-flow') flowFile.printFlow(of, inv.arg, allowed, write);
    else flowFile.printFlowFile(of, inv.arg, flowFile.readFlowFile(inv.arg), allowed, write);
  } catch (e) {
    process.stderr.write(`ofctl: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
