import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFlowMod,
  decodeMessage,
  encodeFlowMod,
  encodeMessage,
  Framer,
  generateFlows,
  OpenFlowDecodeError,
  type OpenFlowMessage,
  ofpPrint,
  Protocol,
  parseFlow,
  tryDecodeMessage,
} from '../src/index.js';

const versions = [1, 4, 6];

const arbMessage: fc.Arbitrary<OpenFlowMessage> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    version: fc.constantFrom(...versions),
    xid: fc.nat(),
    bitmap: fc.integer({ min: 1, max: 0x7e }),
  }),
  fc.record({
    type: fc.constantFrom('echo_request' as const, 'echo_reply' as const),
    version: fc.constantFrom(...versions),
    xid: fc.nat(),
    data: fc.uint8Array({ maxLength: 64 }),
  }),
  fc.record({
    type: fc.constantFrom(
      'features_request' as const,
      'get_config_request' as const,
      'barrier_request' as const,
      'barrier_reply' as const,
    ),
    version: fc.constantFrom(...versions),
    xid: fc.nat(),
  }),
  fc.record({
    type: fc.constantFrom('get_config_reply' as const, 'set_config' as const),
    version: fc.constantFrom(...versions),
    xid: fc.nat(),
    flags: fc.integer({ min: 0, max: 3 }),
    missSendLen: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({
    type: fc.constant('error' as const),
    version: fc.constantFrom(...versions),
    xid: fc.nat(),
    errType: fc.integer({ min: 0, max: 13 }),
    code: fc.integer({ min: 0, max: 15 }),
    data: fc.uint8Array({ maxLength: 64 }),
  }),
);

describe('message codec', () => {
  it('round-trips every simple message type (decode(encode(m)) = m)', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips generated flow_mods in every protocol (decode(encode(decode(bytes))) = decode(bytes))', () => {
    const protocols = [Protocol.OF10_STD_TID, Protocol.OF10_NXM_TID, Protocol.OF13_OXM, Protocol.OF15_OXM];
    let checked = 0;
    for (const flow of generateFlows(400, 9)) {
      let fm: ReturnType<typeof parseFlow>['fm'];
      let usable: number;
      try {
        ({ fm, usable } = parseFlow(flow));
      } catch {
        continue;
      }
      for (const p of protocols) {
        if (!(usable & p)) continue;
        const bytes = encodeFlowMod(fm, p, 7);
        const r = tryDecodeMessage(bytes);
        if (r instanceof OpenFlowDecodeError) continue; // OVS rejects these too (see the diff test)
        const again = encodeFlowMod(decodeFlowMod(bytes), p, 7);
        expect(ofpPrint(again)).toBe(ofpPrint(bytes));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('round-trips fin_timeout actions and ct_label matches (fast-check) in every protocol that can carry them', () => {
    const protocols = [Protocol.OF10_STD_TID, Protocol.OF10_NXM_TID, Protocol.OF13_OXM, Protocol.OF15_OXM];
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    fc.assert(
      fc.property(u16, u16, u128, u128, fc.boolean(), (idle, hard, label, mask, tcp) => {
        const flow = `${tcp ? 'tcp,' : ''}ct_label=0x${label.toString(16)}/0x${mask.toString(16)},actions=fin_timeout(idle_timeout=${idle},hard_timeout=${hard})`;
        const { fm, usable } = parseFlow(flow);
        expect(fm.actions).toEqual([{ type: 'fin_timeout', idleTimeout: idle, hardTimeout: hard }]);
        for (const p of protocols) {
          if (!(usable & p)) continue;
          const decoded = decodeFlowMod(encodeFlowMod(fm, p, 1));
          expect(decoded.actions).toEqual(fm.actions);
          expect(decoded.match.get('ct_label')).toEqual(fm.match.get('ct_label'));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Framer', () => {
  const stream = Buffer.concat(
    [
      encodeMessage({ type: 'hello', version: 4, xid: 1, bitmap: 0x12 }),
      encodeMessage({ type: 'echo_request', version: 4, xid: 2, data: new Uint8Array([1, 2, 3]) }),
      encodeFlowMod(parseFlow('tcp,tp_dst=80,actions=output:1').fm, Protocol.OF13_OXM, 3),
      encodeMessage({ type: 'barrier_request', version: 4, xid: 4 }),
    ].map((b) => Buffer.from(b)),
  );

  it('yields the same messages however the stream is split (every byte boundary, twice)', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 7) {
        const f = new Framer();
        const got = [...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i, j)), ...f.push(stream.subarray(j))];
        expect(got.map((m) => decodeMessage(m).xid)).toEqual([1, 2, 3, 4]);
        expect(f.buffered).toBe(0);
      }
    }
  });

  it('rejects a header whose length is below 8', () => {
    expect(() => new Framer().push(new Uint8Array([4, 0, 0, 4]))).toThrow(OpenFlowDecodeError);
  });
});

describe('decoder errors', () => {
  it('reports short messages as OFPBRC_BAD_LEN at offset 0', () => {
    const r = tryDecodeMessage(new Uint8Array([1, 0, 0]));
    expect(r).toBeInstanceOf(OpenFlowDecodeError);
    expect(r).toMatchObject({ type: 1, code: 6, offset: 0 });
  });

  it('reports an action whose length overruns the list as OFPBAC_BAD_LEN', () => {
    const bytes = encodeFlowMod(parseFlow('actions=output:1').fm, Protocol.OF10_STD, 1);
    const v = new DataView(bytes.buffer);
    v.setUint16(72 + 2, 64); // the output action claims 64 bytes
    expect(tryDecodeMessage(bytes)).toMatchObject({ type: 2, code: 1 });
  });

  it('reports nested lengths that lie: action inside write_actions, and the instruction itself', () => {
    const fm = encodeFlowMod(parseFlow('ip,actions=write_actions(output:1)').fm, Protocol.OF13_OXM, 1);
    const instr = fm.length - 24;
    const inner = fm.slice();
    new DataView(inner.buffer).setUint16(instr + 8 + 2, 64);
    expect(tryDecodeMessage(inner)).toMatchObject({ type: 2, code: 1, offset: instr + 8 });
    const outer = fm.slice();
    new DataView(outer.buffer).setUint16(instr + 2, 4096);
    expect(tryDecodeMessage(outer)).toMatchObject({ type: 3, code: 7, offset: instr });
  });

  it('reports a flow stats entry longer than its reply as OFPBRC_BAD_LEN', () => {
    const reply = encodeMessage({
      type: 'multipart_reply',
      version: 4,
      xid: 1,
      flags: 0,
      body: {
        mp: 'flow',
        flows: [
          {
            tableId: 0,
            durationSec: 1,
            durationNsec: 0,
            priority: 1,
            idleTimeout: 0,
            hardTimeout: 0,
            flags: 0,
            cookie: 0n,
            packetCount: 0n,
            byteCount: 0n,
            match: parseFlow('ip,actions=drop').fm.match,
            actions: [],
          },
        ],
      },
    });
    new DataView(reply.buffer).setUint16(16, 0x400);
    expect(tryDecodeMessage(reply)).toMatchObject({ type: 1, code: 6, offset: 16 });
  });

  it('reports an OXM entry overrunning the match as OFPBMC_BAD_LEN', () => {
    const bytes = encodeFlowMod(parseFlow('ip,nw_src=1.2.3.4,actions=drop').fm, Protocol.OF13_OXM, 1);
    bytes[52 + 3] = 0x40; // first OXM entry claims 64 bytes
    expect(tryDecodeMessage(bytes)).toMatchObject({ type: 4, code: 1 });
  });
});
