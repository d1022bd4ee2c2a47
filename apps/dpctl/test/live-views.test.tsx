import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { progressBar, ReplayProgress } from '../src/live/replay-progress.js';
import { computeTop, type DpifStatsSnapshot, formatTopText } from '../src/live/top-model.js';
import { TopApp, TopView } from '../src/live/top-view.js';

// ink's frames carry colour codes when a terminal would; compare the text.
const plain = (s: string | undefined) => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '');

function snapshot(time: number, scale: number): DpifStatsSnapshot {
  return {
    time,
    datapath: {
      name: 'dummy@ovs-dummy',
      hit: 900 * scale,
      missed: 100 * scale,
      lost: 0,
      emcHits: 600 * scale,
      megaflowHits: 300 * scale,
      upcalls: 100 * scale,
      flows: 3,
      masks: 2,
    },
    ports: [
      {
        bridge: 'br0',
        name: 'p1',
        ofport: 1,
        dpPort: 1,
        type: 'dummy',
        rx_packets: 1000 * scale,
        rx_bytes: 64_000 * scale,
        tx_packets: 0,
        tx_bytes: 0,
        rx_dropped: 0,
        tx_dropped: 0,
      },
      {
        bridge: 'br0',
        name: 'p2',
        ofport: 2,
        dpPort: 2,
        type: 'dummy',
        rx_packets: 0,
        rx_bytes: 0,
        tx_packets: 1000 * scale,
        tx_bytes: 64_000 * scale,
        rx_dropped: 0,
        tx_dropped: 5,
      },
    ],
    megaflows: [
      { ufid: 'a', match: 'recirc_id(0),in_port(p1),eth_type(0x0800)', actions: '2', packets: 700 * scale, bytes: 0 },
      { ufid: 'b', match: 'recirc_id(0),in_port(p1),eth_type(0x86dd)', actions: '2', packets: 300 * scale, bytes: 0 },
      ...(scale > 1
        ? [{ ufid: 'c', match: 'recirc_id(0),in_port(p1),eth_type(0x0806)', actions: 'drop', packets: 1, bytes: 0 }]
        : []),
    ],
  };
}

describe('ReplayProgress', () => {
  it('shows the bar, packets done of total, percentage, rate and elapsed time', () => {
    const { lastFrame, rerender } = render(
      <ReplayProgress
        label="replay br0:p1"
        done={1200}
        total={3000}
        packetsPerSecond={24_000}
        elapsedMs={50}
        width={10}
      />,
    );
    expect(plain(lastFrame())).toBe('replay br0:p1 ████░░░░░░ 1200/3000 packets  40% 24.0k pkt/s 0.05 s');
    rerender(<ReplayProgress done={3000} total={3000} packetsPerSecond={1_500_000} elapsedMs={2000} width={10} />);
    expect(plain(lastFrame())).toBe('██████████ 3000/3000 packets 100% 1.50M pkt/s 2.00 s');
  });

  it('bars round to the nearest cell and never overflow', () => {
    expect(progressBar(0, 100, 4)).toBe('░░░░');
    expect(progressBar(50, 100, 4)).toBe('██░░');
    expect(progressBar(150, 100, 4)).toBe('████');
    expect(progressBar(0, 0, 4)).toBe('████');
  });
});

describe('top', () => {
  const top = computeTop(snapshot(1000, 1), snapshot(1500, 2));

  it('computes rates over the interval and the cache shares of the lookups', () => {
    expect(top.intervalMs).toBe(500);
    expect(top.lookupsPerSecond).toBe(2000);
    expect(top.emcHitRate).toBeCloseTo(0.6);
    expect(top.megaflowHitRate).toBeCloseTo(0.3);
    expect(top.missRate).toBeCloseTo(0.1);
    expect(top.upcallsPerSecond).toBe(200);
    expect(top.ports[0]).toMatchObject({ name: 'p1', rxPacketsPerSecond: 2000, rxBitsPerSecond: 1_024_000 });
    expect(top.ports[1]).toMatchObject({ name: 'p2', txPacketsPerSecond: 2000, dropped: 5 });
    // Busiest first; a flow new in the interval counts all its packets.
    expect(top.megaflows.map((f) => [f.ufid, f.packetsPerSecond])).toEqual([
      ['a', 1400],
      ['b', 600],
      ['c', 2],
    ]);
    expect(computeTop(snapshot(1000, 1), snapshot(1500, 2), 1).megaflows).toHaveLength(1);
  });

  it('renders the cache line, the port table and the busiest megaflows', () => {
    const { lastFrame } = render(<TopView snapshot={top} footer="every 0.5 s — q to quit" />);
    const frame = plain(lastFrame());
    expect(frame).toContain('dummy@ovs-dummy: lookups 2.0k/s  upcalls 200/s  flows 3  masks 2\n');
    expect(frame).toContain('  emc hits 60.0%  megaflow hits 30.0%  misses 10.0%\n');
    expect(frame).toMatch(/bridge\s+port\s+rx pkt\/s\s+tx pkt\/s/);
    expect(frame).toMatch(/br0\s+p1\s+2\.0k\s+0\s+1\.02M\s+0\s+2000\s+0\s+0/);
    expect(frame).toMatch(/1\.4k\s+1400\s+recirc_id\(0\),in_port\(p1\),eth_type\(0x0800\)\s+2/);
    expect(frame).toContain('q to quit');
    // The plain-text form (non-terminal output) carries the same lines.
    for (const line of formatTopText(top).split('\n').filter(Boolean)) expect(frame).toContain(line);
  });

  it('refreshes with each snapshot and quits on q', async () => {
    let calls = 0;
    const next = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      return computeTop(snapshot(0, calls), snapshot(1000, calls + 1));
    };
    const errors: Error[] = [];
    const app = render(<TopApp next={next} onError={(e) => errors.push(e)} intervalText="1 s" />);
    expect(plain(app.lastFrame())).toContain('waiting for the first interval');
    await waitUntil(() => calls >= 3 && plain(app.lastFrame()).includes('lookups'));
    expect(plain(app.lastFrame())).toContain('every 1 s — q to quit');
    app.stdin.write('q');
    const at = calls;
    await new Promise((r) => setTimeout(r, 50));
    expect(calls - at).toBeLessThanOrEqual(1); // the fetch in flight may finish; no more start
    expect(errors).toEqual([]);
  });

  it('hands a failing snapshot to onError and stops', async () => {
    const errors: Error[] = [];
    render(
      <TopApp next={() => Promise.reject(new Error('gone'))} onError={(e) => errors.push(e)} intervalText="1 s" />,
    );
    await waitUntil(() => errors.length > 0);
    expect(errors[0].message).toBe('gone');
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
