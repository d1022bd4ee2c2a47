import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, connectRemote } from '@softswitch/jsonrpc';
import { afterAll, expect, it } from 'vitest';
import { startOurServer } from './configdb-support.js';
import { describeNeeding } from './support/requirements.js';

const CLIENTS = 8;
const MIN_KILLS = 20;
const MIN_TXNS = 1000;

/** One transaction inserts two rows in two tables carrying the same tag: both or neither may exist. */
function txn(tag: string): unknown[] {
  return [
    'Open_vSwitch',
    { op: 'insert', table: 'Queue', row: { external_ids: ['map', [['tag', tag]]] } },
    { op: 'insert', table: 'QoS', row: { type: 'linux-htb', external_ids: ['map', [['tag', tag]]] } },
  ];
}

describeNeeding({}, 'durability under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'configdb-kill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged transaction and no partial one across ${MIN_KILLS}+ kills`, async () => {
    const acked = new Set<string>();
    let sent = 0;
    let kills = 0;
    let round = 0;
    while (kills < MIN_KILLS || sent < MIN_TXNS) {
      round++;
      const server = await startOurServer({ dir });
      const conns: Connection[] = [];
      for (let i = 0; i < CLIENTS; i++) conns.push(await connectRemote(`unix:${server.socket}`));
      let stop = false;
      const loops = conns.map(async (c, i) => {
        for (let seq = 0; !stop; seq++) {
          const tag = `r${round}c${i}s${seq}`;
          sent++;
          try {
            const r = (await c.request('transact', txn(tag))) as { error?: string }[];
            if (r.some((x) => x?.error)) throw new Error(JSON.stringify(r));
            acked.add(tag);
          } catch (err) {
            if (!stop && !c.isClosed) throw err;
            return;
          }
        }
      });
      // Kill at a random point once transactions are flowing.
      const target = sent + 20 + Math.floor(Math.random() * 60);
      while (sent < target && server.child.exitCode === null) await new Promise((r) => setImmediate(r));
      server.child.kill('SIGKILL');
      kills++;
      await server.exited;
      stop = true;
      await Promise.all(loops);
      for (const c of conns) c.close();
    }

    const server = await startOurServer({ dir });
    const c = await connectRemote(`unix:${server.socket}`);
    const [queues, qos] = (await c.request('transact', [
      'Open_vSwitch',
      { op: 'select', table: 'Queue', where: [], columns: ['external_ids'] },
      { op: 'select', table: 'QoS', where: [], columns: ['external_ids'] },
    ])) as { rows: { external_ids: ['map', [string, string][]] }[] }[];
    c.close();
    await server.stop();
    const tags = (rows: { external_ids: ['map', [string, string][]] }[]) =>
      new Set(rows.map((r) => r.external_ids[1][0][1]));
    const inQueue = tags(queues.rows);
    const inQos = tags(qos.rows);
    const lost = [...acked].filter((t) => !inQueue.has(t) || !inQos.has(t));
    const partial = [...inQueue].filter((t) => !inQos.has(t)).concat([...inQos].filter((t) => !inQueue.has(t)));
    expect({ kills, lost, partial }).toEqual({ kills, lost: [], partial: [] });
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(sent).toBeGreaterThanOrEqual(MIN_TXNS);
    expect(acked.size).toBeGreaterThan(MIN_TXNS / 2);
  }, 60_000);
});
