import { describe, expect, it } from 'vitest';
import { followReplay, type ReplayStatus } from '../src/live/replay-job.js';

const status = (state: ReplayStatus['state'], packets: number): ReplayStatus => ({
  job: 7,
  state,
  bridge: 'br0',
  inPort: 'p1',
  packets,
  total: 100,
  elapsedMs: packets,
  packetsPerSecond: 1000,
});

describe('followReplay', () => {
  it('polls the job until it ends and reports every status', async () => {
    const replies = [status('running', 10), status('running', 60), status('done', 100)];
    const calls: string[] = [];
    const seen: number[] = [];
    const final = await followReplay(
      async (command, args) => {
        calls.push(`${command} ${args.join(' ')}`);
        return JSON.stringify(replies.shift());
      },
      7,
      (s) => seen.push(s.packets),
      new Promise(() => undefined),
      1,
    );
    expect(final.state).toBe('done');
    expect(seen).toEqual([10, 60, 100]);
    expect(calls).toEqual(Array(3).fill('dpctl/replay-status 7'));
  });

  it('asks switchd to cancel once on an interrupt and still waits for the final counts', async () => {
    let cancelled = 0;
    let interrupt!: () => void;
    const interrupted = new Promise<void>((r) => {
      interrupt = r;
    });
    let polls = 0;
    const final = await followReplay(
      async (command) => {
        if (command === 'dpctl/replay-cancel') {
          cancelled++;
          return '';
        }
        polls++;
        if (polls === 2) interrupt();
        return JSON.stringify(cancelled > 0 ? status('cancelled', 40) : status('running', polls * 10));
      },
      7,
      () => undefined,
      interrupted,
      1,
    );
    expect(cancelled).toBe(1);
    expect(final).toMatchObject({ state: 'cancelled', packets: 40 });
  });
});
