import { describe, expect, it } from 'vitest';
import { parseAppctlArgv, parseTopArgs } from '../src/options.js';

describe('appctl dpif/top arguments', () => {
  it('defaults to one-second samples and ten megaflows', () => {
    expect(parseTopArgs([])).toEqual({ intervalMs: 1000, topFlows: 10 });
  });

  it('takes --interval and --flows, spaced or with =', () => {
    expect(parseTopArgs(['--interval', '0.25', '--flows=3'])).toEqual({ intervalMs: 250, topFlows: 3 });
    expect(parseTopArgs(['-i=2', '-n', '0'])).toEqual({ intervalMs: 2000, topFlows: 0 });
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => parseTopArgs(['--interval', '0'])).toThrow('--interval "0" is not seconds > 0');
    expect(() => parseTopArgs(['--flows', 'x'])).toThrow('--flows "x" is not a count');
    expect(() => parseTopArgs(['--bogus'])).toThrow('unknown argument "--bogus"');
    expect(() => parseTopArgs(['--interval'])).toThrow('--interval needs a value');
  });

  it('reaches dpif/top with appctl options before the command word', () => {
    const opts = parseAppctlArgv(['-t', 'switchd', '--format', 'json', 'dpif/top', '--interval', '0.5']);
    expect(opts).toMatchObject({ command: 'dpif/top', args: ['--interval', '0.5'], format: 'json' });
  });
});
