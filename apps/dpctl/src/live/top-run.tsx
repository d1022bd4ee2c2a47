import { computeTop, type DpifStatsSnapshot, formatTopText, type TopSnapshot } from './top-model.js';

export type { TopSnapshot } from './top-model.js';

export interface TopOptions {
  /** One request on switchd's control socket (`dpif/stats`), returning the reply text. */
  send: (command: string, args: string[]) => Promise<string>;
  intervalMs: number;
  format: 'text' | 'json';
  /** Refresh in place until `q` (a terminal); otherwise print one snapshot and return. */
  interactive: boolean;
  topFlows?: number;
  write?: (text: string) => void;
}

/**
 * `dpctl top` and `appctl dpif/top`: rates from `dpif/stats` snapshots an interval apart. On a
 * terminal an ink view refreshes in place; with `--format json` or when piped, one snapshot
 * (two samples an interval apart) is printed and the command ends.
 */
export async function runTop(opts: TopOptions): Promise<void> {
  const sample = async () => JSON.parse(await opts.send('dpif/stats', [])) as DpifStatsSnapshot;
  const write = opts.write ?? ((t: string) => void process.stdout.write(t));
  let prev = await sample();
  const next = async (): Promise<TopSnapshot> => {
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    const cur = await sample();
    const s = computeTop(prev, cur, opts.topFlows);
    prev = cur;
    return s;
  };
  if (!opts.interactive || opts.format === 'json') {
    const s = await next();
    write(opts.format === 'json' ? `${JSON.stringify(s, null, 2)}\n` : formatTopText(s));
    return;
  }
  const [{ render }, { TopApp }] = await Promise.all([import('ink'), import('./top-view.js')]);
  let failure: Error | undefined;
  const instance = render(
    <TopApp
      next={next}
      onError={(err) => {
        failure = err;
      }}
      intervalText={`${opts.intervalMs / 1000} s`}
    />,
    { exitOnCtrlC: true, patchConsole: false },
  );
  await instance.waitUntilExit();
  if (failure !== undefined) throw failure;
}
