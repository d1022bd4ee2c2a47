import { spawn } from 'node:child_process';
import { encodeMessage, ofpPrint } from '@softswitch/openflow';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  arbAsyncConfig,
  arbGroupMeterRequest,
  arbMessage,
  arbMeterConfig,
  arbMeterFeatures,
  arbMeterStats,
  arbQueueGetConfig,
} from '../libs/openflow/test/arbitraries.js';
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

  /** Our print of each hex string against ovs-ofctl's; returns the differences. */
  async function printDiffs(hexes: string[]): Promise<string[]> {
    const diffs: string[] = [];
    for (let i = 0; i < hexes.length; i += 16) {
      const batch = hexes.slice(i, i + 16);
      const theirs = await Promise.all(batch.map(ovsPrint));
      batch.forEach((hex, k) => {
        const ours = `${ofpPrint(Buffer.from(hex, 'hex'))}\n`;
        if (ours !== theirs[k]) diffs.push(`${hex}\n--ours\n${ours}--theirs\n${theirs[k]}`);
      });
    }
    return diffs;
  }

  it('prints set-async and get-async-reply of OpenFlow 1.3, 1.4 and 1.5 identically', async () => {
    const hexes: string[] = [];
    for (const version of [4, 5, 6]) {
      const configs = fc.sample(arbAsyncConfig(version), { numRuns: 40, seed: 77 + version });
      configs.forEach((config, i) => {
        const type = i % 2 ? ('set_async' as const) : ('get_async_reply' as const);
        hexes.push(Buffer.from(encodeMessage({ type, version, xid: i, config })).toString('hex'));
      });
    }
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints the Nicira vendor errors OpenFlow 1.0 carries 1.1+ errors in', async () => {
    // (type, code) pairs as `ovs-ofctl print-error NAME` gives them for OpenFlow 1.0, plus ones
    // OVS does not define (printed as a decode error) and a vendor error too short for its ids.
    const pairs = [
      [1, 258],
      [1, 259],
      [1, 260],
      [0, 263],
      [1, 261],
      [1, 262],
      [1, 512],
      [1, 513],
      [1, 514],
      [1, 521],
      [1, 522],
      [1, 523],
      [1, 524],
      [1, 525],
      [2, 9],
      [2, 257],
      [3, 258],
      [6, 0],
      [6, 5],
      [9, 9],
    ];
    const hexes: string[] = [];
    for (const v of [1])
      for (const [t, c] of pairs) {
        const body = `b0c2000000002320${t.toString(16).padStart(4, '0')}${c.toString(16).padStart(4, '0')}0${v}02000800000007`;
        hexes.push(`0${v}01${(8 + body.length / 2).toString(16).padStart(4, '0')}0000000b${body}`);
      }
    hexes.push('0101000f0000000bb0c20000000023');
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints malformed async configs with the same decode errors', async () => {
    const prop = (t: number, mask: number) =>
      t.toString(16).padStart(4, '0') + '0008' + mask.toString(16).padStart(8, '0');
    const msg = (v: number, t: number, body: string) =>
      `0${v}${t.toString(16)}${(8 + body.length / 2).toString(16).padStart(4, '0')}00000001${body}`;
    const hexes = [
      msg(4, 0x1b, 'ff'.repeat(24)), // unknown reasons in the fixed form are dropped
      msg(4, 0x1c, '00'.repeat(20)), // wrong length
      msg(5, 0x1c, ''),
      msg(5, 0x1c, prop(1, 0x40)), // a reason OpenFlow 1.4 lacks: OFPACFC_INVALID
      msg(5, 0x1b, prop(1, 0xffffffff) + prop(4, 0xffffffff)), // a reply keeps them
      msg(5, 0x1c, prop(0x20, 1)), // unknown property: OFPACFC_UNSUPPORTED
      msg(5, 0x1c, '000100040000003f'), // property too short for its mask
      msg(5, 0x1c, '000100090000003f'), // property overruns the message
      msg(5, 0x1c, `0001000c0000003f${'00'.repeat(8)}`),
      msg(5, 0x1c, 'fffe000800000000'), // experimenter property without room for its ids
      msg(5, 0x1c, `fffe001000002320${'00'.repeat(8)}`), // unknown experimenter property
      msg(5, 0x1c, prop(1, 1) + prop(1, 2)), // the later duplicate wins
      msg(5, 0x1c, '0001000800000001000100'), // not a multiple of 8 bytes
      msg(6, 0x1c, prop(11, 2) + prop(10, 1)),
    ];
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints group and meter multipart requests and meter-features replies of OpenFlow 1.1-1.5 identically', async () => {
    const hexes: string[] = [];
    for (const version of [4, 5, 6]) {
      for (const [i, body] of fc.sample(arbGroupMeterRequest(version), { numRuns: 40, seed: version }).entries()) {
        const m = { type: 'multipart_request' as const, version, xid: i, flags: 0, body };
        hexes.push(Buffer.from(encodeMessage(m)).toString('hex'));
      }
      for (const [i, features] of fc.sample(arbMeterFeatures, { numRuns: 20, seed: version }).entries()) {
        const m = {
          type: 'multipart_reply' as const,
          version,
          xid: i,
          flags: 0,
          body: { mp: 'meter_features' as const, features },
        };
        hexes.push(Buffer.from(encodeMessage(m)).toString('hex'));
      }
    }
    // Hand-built: each type in each version (some too old for it), bodies of the wrong length.
    const mp = (version: number, reply: boolean, code: number, body: string) => {
      const t = (version === 1 ? 16 : 18) + (reply ? 1 : 0);
      const len = 16 + body.length / 2;
      return `0${version}${t.toString(16)}${len.toString(16).padStart(4, '0')}00000001${code.toString(16).padStart(4, '0')}000000000000${body}`;
    };
    for (const version of [2, 3, 4, 5, 6]) {
      for (const [code, body] of [
        [6, '0000000100000000'],
        [6, 'ffffff0100000000'],
        [6, ''],
        [7, ''],
        [7, '0000000500000000'],
        [8, ''],
        [8, '00000000'],
        [9, 'fffffff000000000'],
        [10, 'ffffffff00000000'],
        [11, ''],
        [11, '0000000000000000'],
      ] as const) {
        hexes.push(mp(version, false, code, body));
      }
      for (const body of ['000000ff000000030000000f10080000', '000000ff00000006', `${'00'.repeat(16)}00000000`]) {
        hexes.push(mp(version, true, 11, body));
      }
    }
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints meter-config replies identically, malformed entries and bands included', async () => {
    const hexes: string[] = [];
    for (const version of [4, 5, 6]) {
      const samples = fc.sample(fc.array(arbMeterConfig, { maxLength: 3 }), { numRuns: 30, seed: 31 + version });
      for (const [i, configs] of samples.entries()) {
        const m = {
          type: 'multipart_reply' as const,
          version,
          xid: i,
          flags: 0,
          body: { mp: 'meter_config' as const, configs },
        };
        hexes.push(Buffer.from(encodeMessage(m)).toString('hex'));
      }
    }
    const reply = (body: string) =>
      `0413${(16 + body.length / 2).toString(16).padStart(4, '0')}00000001000a000000000000${body}`;
    const band = (type: number, len = 16) =>
      `${type.toString(16).padStart(4, '0')}${len.toString(16).padStart(4, '0')}000000010000000100000000`;
    hexes.push(
      reply(`0018000000000001${band(3)}`), // unknown band type
      reply('0004000000000001'), // entry shorter than its header
      reply(`0020000000000001${band(1)}`), // entry overruns the reply
      reply(`0018000000000001${band(1, 8)}`), // band length is not 16
      reply(`0018000000000001${band(1, 12)}`),
    );
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints meter stats replies identically, with the good entries before a bad one', async () => {
    const hexes: string[] = [];
    for (const version of [4, 5, 6]) {
      const samples = fc.sample(fc.array(arbMeterStats, { maxLength: 3 }), { numRuns: 30, seed: 61 + version });
      for (const [i, stats] of samples.entries()) {
        const m = {
          type: 'multipart_reply' as const,
          version,
          xid: i,
          flags: 0,
          body: { mp: 'meter' as const, stats },
        };
        hexes.push(Buffer.from(encodeMessage(m)).toString('hex'));
      }
    }
    const entry = '00000001002800000000000000000003000000000000000500000000000000060000000700000008';
    const reply = (body: string) =>
      `0413${(16 + body.length / 2).toString(16).padStart(4, '0')}000000010009000000000000${body}`;
    hexes.push(
      reply(`${entry}0000000200280000`), // 8 leftover bytes after a good entry
      reply(`${entry}${entry.replace('0028', '0024')}`), // an entry length below the fixed part
      reply(entry.replace('0028', '0030')), // an entry length that is not 40 + 16n
      reply(entry.slice(0, 48)), // too short for any entry
    );
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('names truncated messages as ovs-ofctl does (header and multipart type only)', async () => {
    const hexes: string[] = [];
    for (const version of ['01', '04', '06']) {
      for (const type of ['06', '0a', '0b', '0c', '0d', '0e', '10', '11', '12', '13', '1b', '1c']) {
        for (const mp of ['0001', '000d', '0006', '0009', '000a']) {
          hexes.push(`${version}${type}004000000001${mp}000000000000000000000000`);
        }
      }
    }
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);

  it('prints queue-config requests and replies of OpenFlow 1.0-1.2 identically, bad ports and lengths included', async () => {
    const hexes: string[] = [];
    for (const version of [1, 2, 3, 4]) {
      const samples = fc.sample(fc.oneof(...arbQueueGetConfig(version)), { numRuns: 30, seed: 11 + version });
      for (const m of samples) hexes.push(Buffer.from(encodeMessage(m)).toString('hex'));
    }
    const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
    const msg = (v: number, t: number, body: string) =>
      `${hex(v, 1)}${hex(t, 1)}${hex(8 + body.length / 2, 2)}00000001${body}`;
    const rate = (type: number, len: number) => `${hex(type, 2)}${hex(len, 2)}00000000${'00'.repeat(len - 8)}`;
    for (const port of [0xfeff, 0xff00, 0xfffe, 0xffff]) hexes.push(msg(1, 0x14, `${hex(port, 2)}0000`));
    for (const port of [0xff00, 0xfffffff8, 0xfffffffe, 0xffffffff])
      hexes.push(msg(4, 0x16, `${hex(port, 4)}00000000`));
    hexes.push(
      msg(1, 0x15, `0001${'00'.repeat(6)}`), // no queues: no port either
      msg(1, 0x15, `0001${'00'.repeat(6)}000000050028000000010010000000000005000000000000`), // queue overruns
      msg(1, 0x15, `0001${'00'.repeat(6)}00000005002800000001001000000000000500000000000000`), // not 8-aligned
      msg(1, 0x15, `0001${'00'.repeat(6)}000000050010000000010008${'00'.repeat(4)}`), // rate property too short
      msg(1, 0x15, `0001${'00'.repeat(6)}000000050020000000010018${'00'.repeat(20)}`), // rate property too long
      msg(1, 0x15, `0001${'00'.repeat(6)}000000050018000000000010${'00'.repeat(12)}`), // unknown property skipped
      msg(4, 0x17, `00000001${'00'.repeat(4)}00000005000000010020${'00'.repeat(6)}${rate(3, 16)}`),
    );
    expect(await printDiffs(hexes)).toEqual([]);
  }, 60_000);
});
