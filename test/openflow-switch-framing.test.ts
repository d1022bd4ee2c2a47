import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFlowMod, Framer, Protocol, parseFlow } from '@softswitch/openflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOpenFlowListener } from '../apps/switchd/src/openflow/index.js';
import { fakeBridge } from './support/openflow-fake-bridge.js';

/**
 * The connection frames messages itself (views into each read, one corked write per read):
 * a stream cut at every byte boundary must give the same replies, in order, and the same flows.
 */
let dir: string;
let sock: string;
let bridge: ReturnType<typeof fakeBridge>;
let listener: Awaited<ReturnType<typeof startOpenFlowListener>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'of-framing-'));
  sock = join(dir, 'br0.mgmt');
  bridge = fakeBridge();
  listener = await startOpenFlowListener({ path: sock, bridge });
});
afterAll(async () => {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const hello = '04000010000000010001000800000010';
const stream = Buffer.from(
  hello +
    '0402000c00000005abcdabcd' + // echo request
    hex(encodeFlowMod(parseFlow('priority=5,ip,actions=output:1').fm, Protocol.OF13_OXM, 6)) +
    '0414000800000007' + // barrier
    hex(encodeFlowMod(parseFlow('priority=6,tcp,actions=output:2').fm, Protocol.OF13_OXM, 8)) +
    '0414000800000009', // barrier
  'hex',
);

/** Sends `parts` as separate writes (waiting for each to drain) and returns the replies' types and xids. */
async function exchange(parts: Buffer[]): Promise<string[]> {
  const s = connect(sock);
  const framer = new Framer();
  const got: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (d) => {
      for (const f of framer.push(new Uint8Array(d))) {
        got.push(`${f[1]}:${Buffer.from(f.subarray(4, 8)).readUInt32BE()}`);
        if (f[1] === 21 && Buffer.from(f.subarray(4, 8)).readUInt32BE() === 9) resolve();
      }
    });
  });
  for (const p of parts) await new Promise<void>((resolve) => s.write(p, () => resolve()));
  await done;
  s.destroy();
  return got;
}

it('a stream cut at every byte boundary gets the same replies, in order', async () => {
  const whole = await exchange([stream]);
  expect(whole).toEqual(['0:0', '3:5', '21:7', '21:9']); // hello, echo reply, two barrier replies
  for (let cut = 1; cut < stream.length; cut++) {
    bridge.ofproto.tables.apply(parseFlow('', 3).fm, 4); // delete all
    expect(await exchange([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    expect(bridge.ofproto.tables.size).toBe(2);
  }
});

it('one byte per write: still the same replies', async () => {
  const parts = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
  expect(await exchange(parts)).toEqual(['0:0', '3:5', '21:7', '21:9']);
});

it('flow changes in one read reach the bridge once', async () => {
  bridge.changes = 0;
  await exchange([stream]);
  expect(bridge.changes).toBe(1);
});
