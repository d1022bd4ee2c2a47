import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeErrorByName, errorNames, errorTriplet, ofpPrint, Writer } from '@softswitch/openflow';
import { afterAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';

/**
 * ofpPrint against ovs-ofctl for the messages added with tlv-map, ct-flush-zone, 1.4+ table-mod,
 * table-desc and OVS's full error table, in every version, malformed ones included. Messages
 * whose header length matches their size go through one `ovs-ofctl ofp-parse` of a file of all
 * of them; truncated ones (header longer than the bytes) need `ofp-print`, one process each.
 */

const hex = (n: number, bytes: number) => n.toString(16).padStart(bytes * 2, '0');
/** A message of `version` and `type` with `body` (hex) after the header; `len` overrides the length. */
const msg = (version: number, type: number, body: string, len?: number) =>
  `${hex(version, 1)}${hex(type, 1)}${hex(len ?? 8 + body.length / 2, 2)}00000001${body}`;
/** A Nicira message (OFPT_VENDOR, vendor 0x2320) of `subtype`. */
const nx = (version: number, subtype: number, body: string, len?: number) =>
  msg(version, 4, `00002320${hex(subtype, 4)}${body}`, len);
const VERSIONS = [1, 2, 3, 4, 5, 6];

/** class 0x102 type 3 len 4 -> tun_metadata1, class 0xffff type 0x80 len 124 -> tun_metadata63. */
const MAPPINGS = '0102030400010000ffff807c003f0000';

function tlvMessages(): string[] {
  const out: string[] = [];
  for (const v of VERSIONS) {
    for (const command of [0, 1, 2]) out.push(nx(v, 24, `${hex(command, 2)}000000000000${MAPPINGS}`));
    out.push(
      nx(v, 24, '0002000000000000'), // clear, no mappings
      nx(v, 24, '0003000000000000'), // NXTTMFC_BAD_COMMAND
      nx(v, 24, '0000000000000000ffff030500010000'), // NXTTMFC_BAD_OPT_LEN (not a multiple of 4)
      nx(v, 24, '0000000000000000ffff038000010000'), // NXTTMFC_BAD_OPT_LEN (above 124)
      nx(v, 24, '0000000000000000ffff030800400000'), // NXTTMFC_BAD_FIELD_IDX
      nx(v, 24, '0000000000000000ffff0308'), // not whole mappings: bad length
      nx(v, 25, ''),
      nx(v, 25, '0000000000000000'), // a request has no body
      nx(v, 26, `00000100004000000000000000000000${MAPPINGS}`),
      nx(v, 26, '00000100004000000000000000000000'),
      nx(v, 26, '000001000040000000000000000000000102030500410000'), // NXTTMFC_BAD_OPT_LEN
      nx(v, 26, ''), // too short
      nx(v, 29, `000000000000${hex(v * 1000, 2)}`),
      nx(v, 29, '0000000000000005ffff'), // ct-flush-zone is exactly 24 bytes
      nx(v, 29, '000000000000'),
      nx(v, 99, '0000000000000000'), // a subtype OVS does not know
    );
  }
  return out;
}

function tableModMessages(): string[] {
  const prop = (type: number, len: number, value: string) => `${hex(type, 2)}${hex(len, 2)}${value}`;
  const tableMod = (v: number, table: number, config: number, props = '') =>
    msg(v, 17, `${hex(table, 1)}000000${hex(config, 4)}${props}`);
  const out: string[] = [];
  for (const v of [2, 3, 4, 5, 6]) {
    for (const config of [0, 1, 2, 3, 4, 8, 12, 15]) out.push(tableMod(v, config * 17, config));
    out.push(tableMod(v, 255, 0));
  }
  for (const v of [5, 6]) {
    for (const flags of [0, 1, 2, 3, 7]) out.push(tableMod(v, 1, 4, prop(2, 8, hex(flags, 4))));
    out.push(
      tableMod(v, 1, 8, prop(3, 8, '141e0000')),
      tableMod(v, 1, 0, prop(3, 8, '141e0000')), // thresholds print only while vacancy is on
      tableMod(v, 2, 12, prop(3, 8, '0a140000') + prop(2, 8, '00000001')),
      tableMod(v, 1, 8, prop(3, 8, '15140000')), // down above up: OFPBPC_BAD_VALUE
      tableMod(v, 1, 8, prop(3, 8, '14650000')), // above 100%
      tableMod(v, 1, 8, prop(3, 8, '14140100')), // a vacancy value in a table-mod
      tableMod(v, 1, 8, prop(3, 7, '14140000')), // OFPBPC_BAD_LEN
      tableMod(v, 1, 8, prop(3, 10, '14140000')), // padded beyond the message
      tableMod(v, 1, 0, prop(2, 4, '00000000')),
      tableMod(v, 1, 0, prop(9, 8, '00000000')), // unknown property: OFPBRC_BAD_TYPE
      tableMod(v, 1, 0, prop(0xffff, 8, '00000000')), // experimenter property too short
      tableMod(v, 1, 0, prop(0xffff, 12, '0000232000000001') + '00000000'),
      msg(v, 17, '0100000000000008ffff0008'), // not 16 + 8n bytes
    );
  }
  out.push(msg(4, 17, '0100000000000000' + prop(2, 8, '00000001'))); // 1.3 has no properties
  return out;
}

function tableDescMessages(): string[] {
  const desc = (table: number, config: number, props = '') =>
    `${hex(8 + props.length / 2, 2)}${hex(table, 1)}00${hex(config, 4)}${props}`;
  const reply = (v: number, body: string, flags = 0) => msg(v, 19, `000e${hex(flags, 2)}00000000${body}`);
  const out: string[] = [];
  for (const v of [5, 6]) {
    out.push(
      msg(v, 18, '000e000000000000'),
      msg(v, 18, '000e00000000000000000000'), // a request has no body
      reply(v, desc(0, 0)),
      reply(v, desc(1, 4, '0002000800000007') + desc(2, 12, '000300080a140f00') + desc(254, 8), 1),
      reply(v, desc(1, 4, '00020008000000f9')), // unknown eviction flags
      reply(v, desc(1, 4, '0002000800000000')),
      reply(v, desc(1, 8, '000300080a650000')), // thresholds are not checked in replies
      reply(v, desc(1, 4, '0009000800000007')), // unknown properties are ignored
      reply(v, desc(1, 4, '0002000c00000007')), // OFPBPC_BAD_LEN
      reply(v, desc(1, 8, '0003000700000000')),
      reply(v, desc(1, 4, 'ffff000800000000')),
      reply(v, `${desc(1, 4)}0002000800000007`), // a good table, then a bad length
      reply(v, `${desc(1, 4)}0100000000000000`), // a length beyond the message
      reply(v, ''), // no table: bad length
      reply(v, '000801000000000400000000'), // not 8n bytes
    );
  }
  return out;
}

/** Group mods whose decode errors print after the message's name, and their length rules. */
function groupModMessages(): string[] {
  const out: string[] = [];
  for (const v of [2, 3, 4, 5]) {
    out.push(
      msg(v, 15, '0009000000000001'), // OFPGMFC_BAD_COMMAND
      msg(v, 15, '0000070000000001'), // OFPGMFC_BAD_TYPE
      msg(v, 15, '000000000000000100080000ffffffff'), // a short bucket
      msg(v, 15, '000000000000000100100000ffffffffffffffff00000000'), // a bucket watching in an "all" group
      msg(v, 15, '0000000000000001ffffffff'), // not 16 + 8n bytes
      msg(v, 15, '0003000000000001'), // insert-bucket
      msg(v, 15, '0005000000000001'), // remove-bucket
    );
  }
  const body15 = (command: number, type: number, bucketsLen: number, bucket: number) =>
    `${hex(command, 2)}${hex(type, 1)}0000000001${hex(bucketsLen, 2)}0000${hex(bucket, 4)}`;
  for (const [command, type, len, bucket] of [
    [0, 0, 0, 0xffffffff],
    [3, 0, 0, 0xffffffff], // insert-bucket at "all": OFPGMFC_BAD_BUCKET
    [3, 0, 0, 0xfffffffe],
    [5, 0, 0, 0xfffffffd],
    [5, 0, 0, 0xfffffff0],
    [9, 0, 0, 0xffffffff],
    [0, 7, 0, 0xffffffff],
    [0, 0, 16, 0xffffffff], // buckets beyond the message: OFPBRC_BAD_LEN after the name
    [0, 0, 4, 0xffffffff],
  ]) {
    out.push(msg(6, 15, body15(command, type, len, bucket)), nx(1, 31, body15(command, type, len, bucket)));
  }
  out.push(msg(6, 15, `${body15(0, 0, 0, 0xffffffff)}ffffffff`), nx(1, 31, `${body15(0, 0, 0, 0xffffffff)}ffff`));
  out.push(nx(4, 31, body15(0, 0, 0, 0xffffffff))); // NXT_GROUP_MOD is OpenFlow 1.0's only
  return out;
}

/** Every error of OVS's table in every version it has one, carrying a request, and unknown ones. */
function errorMessages(): string[] {
  const out: string[] = [];
  for (const name of errorNames()) {
    for (const v of VERSIONS) {
      if (!errorTriplet(name, v)) continue;
      const w = new Writer();
      encodeErrorByName(w, name, v, 7, Buffer.from(nx(v, 24, `0002000000000000`), 'hex'));
      out.push(Buffer.from(w.finish()).toString('hex'));
    }
  }
  for (const v of VERSIONS) {
    const request = nx(v, 29, '0000000000000005');
    out.push(
      msg(v, 1, `ffff0010${hex(0x2320, 4)}${request}`), // experimenter form
      msg(v, 1, `ffff0099${hex(0x2320, 4)}${request}`), // an experimenter type OVS lacks
      msg(v, 1, `ffff0010${hex(0x2321, 4)}${request}`), // an unknown experimenter
      msg(v, 1, `ffff0010${hex(0x2320, 4)}`), // no request
      msg(v, 1, 'ffff00100000'), // too short for the experimenter id
      msg(v, 1, `b0c20000${hex(0x2320, 4)}00010213${request}`), // vendor form (1.0 and 1.1's)
      msg(v, 1, `b0c20000${hex(0x2320, 4)}000100`), // too short for the vendor's type and code
    );
  }
  return out;
}

/** Good messages of each kind cut at every byte boundary, the header's length set to the cut. */
function cutMessages(): string[] {
  const whole = [
    nx(4, 24, `0000000000000000${MAPPINGS}`),
    nx(1, 26, `00000100004000000000000000000000${MAPPINGS}`),
    nx(6, 29, '0000000000000005'),
    msg(5, 17, '010000000000000c000300080a1400000002000800000001'),
    msg(6, 19, '000e000000000000001801000000000c0002000800000007000300080a140f000008020000000000'),
    msg(4, 1, `ffff0010${hex(0x2320, 4)}${nx(4, 29, '0000000000000005')}`),
    msg(2, 1, `b0c20000${hex(0x2320, 4)}00010213${nx(2, 25, '')}`),
  ];
  return whole.flatMap((h) => {
    const cuts: string[] = [];
    for (let n = 8; n < h.length / 2; n++) cuts.push(`${h.slice(0, 4)}${hex(n, 2)}${h.slice(8, n * 2)}`);
    return cuts;
  });
}

/** Messages whose header claims more than they hold, or less: `ofp-print` only. */
function framingMessages(): string[] {
  return [
    nx(1, 26, '0000010000400000', 28),
    nx(4, 24, '0000000000000000', 40),
    nx(1, 31, '000000000000000100000000', 40),
    msg(5, 17, '01000000000000080003', 20),
    msg(5, 19, '000e0000000000000010010000000004', 28),
    `${nx(1, 29, '0000000000000005')}00`,
    `${msg(4, 1, `ffff0010${hex(0x2320, 4)}`)}ff`,
  ];
}

/** `hexes` printed by ovs-ofctl ofp-parse from one file, one text per message. */
function ovsParse(dir: string, hexes: string[], ourTexts: string[]): string[] {
  const file = join(dir, 'messages.bin');
  writeFileSync(file, Buffer.from(hexes.join(''), 'hex'));
  const lines = execFileSync('ovs-ofctl', ['ofp-parse', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  }).split('\n');
  // Split their output by our texts' line counts: a difference shows up in the message it is in.
  let at = 0;
  const texts = ourTexts.map((t) => {
    const n = t.split('\n').length;
    at += n;
    return lines.slice(at - n, at).join('\n');
  });
  // Whatever they print past our texts' lines belongs to the last message: it must differ then.
  const rest = lines.slice(at).join('\n').trimEnd();
  if (rest && texts.length) texts[texts.length - 1] += `\n${rest}`;
  return texts;
}

function ovsPrint(h: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ovs-ofctl', ['ofp-print', h], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('close', () => resolve(out));
  });
}

describeNeeding(
  { binaries: ['ovs-ofctl'] },
  'ofp-print of tlv-map, ct-flush-zone, table-mod/desc, errors vs ovs-ofctl',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'print-new-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const groups: [string, () => string[]][] = [
      ['tlv-map and ct-flush-zone messages', tlvMessages],
      ['table-mods of OpenFlow 1.1-1.5', tableModMessages],
      ['table-desc requests and replies', tableDescMessages],
      ['group-mods with decode errors', groupModMessages],
      ['every error of OVS 3.1 in every version', errorMessages],
      ['messages cut at every byte boundary', cutMessages],
    ];
    for (const [what, make] of groups) {
      it(`prints ${what} identically`, () => {
        const hexes = make();
        const ours = hexes.map((h) => ofpPrint(Buffer.from(h, 'hex')));
        const theirs = ovsParse(dir, hexes, ours);
        const diffs = hexes.flatMap((h, i) =>
          ours[i] === theirs[i] ? [] : [`${h}\n--ours\n${ours[i]}\n--theirs\n${theirs[i]}`],
        );
        expect(diffs.slice(0, 3)).toEqual([]);
        expect(hexes.length).toBeGreaterThan(10);
      });
    }

    it('prints truncated and overlong messages identically', async () => {
      const hexes = framingMessages();
      const theirs = await Promise.all(hexes.map(ovsPrint));
      expect(hexes.map((h) => `${ofpPrint(Buffer.from(h, 'hex'))}\n`)).toEqual(theirs);
    });
  },
);
