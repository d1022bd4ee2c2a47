import { spawn } from 'node:child_process';
import { encodeMessage, ofpPrint } from '@softswitch/openflow';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { arbMessage } from '../libs/openflow/test/arbitraries.js';
import { describeNeeding } from './support/requirements.js';

/**
 * `ofpPrint` against `ovs-ofctl ofp-print` for hand-built messages of every implemented type,
 * multipart requests and replies included (generated with fast-check, fixed seed).
 */
function ovsPrint(hex: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ovs-ofctl', ['ofp-print', hex]);
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('close', () => resolve(out));
  });
}

describeNeeding({ binaries: ['ovs-ofctl'] }, 'openflow ofp-print vs ovs-ofctl', () => {
  for (const version of [1, 4]) {
    it(`prints 500 generated OpenFlow ${version === 1 ? '1.0' : '1.3'} messages identically`, async () => {
      const messages = fc.sample(arbMessage(version), { numRuns: 500, seed: 4242 + version });
      const diffs: string[] = [];
      for (let i = 0; i < messages.length; i += 16) {
        const batch = messages.slice(i, i + 16).map((m) => Buffer.from(encodeMessage(m)).toString('hex'));
        const theirs = await Promise.all(batch.map(ovsPrint));
        batch.forEach((hex, k) => {
          const ours = `${ofpPrint(Buffer.from(hex, 'hex'))}\n`;
          if (ours !== theirs[k]) diffs.push(`${hex}\n--ours\n${ours}--theirs\n${theirs[k]}`);
        });
      }
      expect(diffs.slice(0, 3)).toEqual([]);
    }, 60_000);
  }
});
