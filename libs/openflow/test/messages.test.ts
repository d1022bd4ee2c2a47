import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, OpenFlowDecodeError, ofpPrint, tryDecodeMessage } from '../src/index.js';
import { arbAsyncConfig, arbMessage } from './arbitraries.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('every message type round-trips', () => {
  for (const version of [1, 4]) {
    it(`OpenFlow ${version === 1 ? '1.0' : '1.3'}: encode(decode(encode(m))) = encode(m), and decode(encode(m)) = m for plain messages`, () => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(arbMessage(version), (m) => {
          const bytes = encodeMessage(m);
          const decoded = tryDecodeMessage(bytes);
          if (decoded instanceof OpenFlowDecodeError) {
            // Only flows OVS itself rejects (match/action inconsistencies) may fail to decode.
            expect(decoded.type).toBeGreaterThan(1);
            return;
          }
          seen.add(
            decoded.type === 'multipart_reply' || decoded.type === 'multipart_request'
              ? `${decoded.type}:${decoded.body.mp}`
              : decoded.type,
          );
          expect(Buffer.from(encodeMessage(decoded)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
          if (!['flow_removed', 'multipart_reply', 'multipart_request', 'packet_out'].includes(m.type)) {
            expect(decoded).toEqual(m);
          }
        }),
        { numRuns: 4000 },
      );
      expect(seen.size).toBeGreaterThanOrEqual(version === 1 ? 22 : 30);
    });
  }

  it('set-async and get-async-reply round-trip in the OpenFlow 1.3 fixed and 1.4+ property forms', () => {
    for (const version of [4, 5, 6]) {
      fc.assert(
        fc.property(
          fc.constantFrom('set_async' as const, 'get_async_reply' as const),
          arbAsyncConfig(version),
          u32,
          (type, config, xid) => {
            const m = { type, version, xid, config };
            const bytes = encodeMessage(m);
            expect(bytes.length).toBe(version === 4 ? 32 : 8 + 12 * 8);
            expect(decodeMessage(bytes)).toEqual(m);
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('a set-async with reasons its version lacks is OFPACFC_INVALID, a reply keeps them', () => {
    const props = (mask: number) => [0x05, 0x1c, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, mask >>> 24, 0, 0, mask & 0xff];
    const bad = tryDecodeMessage(Uint8Array.from(props(0x40)));
    expect(bad).toBeInstanceOf(OpenFlowDecodeError);
    expect([(bad as OpenFlowDecodeError).type, (bad as OpenFlowDecodeError).code]).toEqual([15, 0]);
    const reply = Uint8Array.from(props(0xff000040));
    reply[1] = 0x1b;
    const m = decodeMessage(reply);
    expect(m.type === 'get_async_reply' && m.config.primary.packetIn).toBe(0xff000040);
  });

  it('role status: ONFT_ROLE_STATUS for OpenFlow 1.3, OFPT_ROLE_STATUS for 1.4+, as ovs-vswitchd sends them', () => {
    const status = { type: 'role_status' as const, xid: 0, role: 3, reason: 0, generationId: 4101n };
    const hex = (version: number) => Buffer.from(encodeMessage({ ...status, version })).toString('hex');
    expect(hex(4)).toBe('04040020000000004f4e46000000077700000003000000000000000000001005');
    expect(hex(5)).toBe('051e00180000000000000003000000000000000000001005');
    expect(() => encodeMessage({ ...status, version: 3 })).toThrow();
    for (const version of [4, 5, 6])
      expect(decodeMessage(encodeMessage({ ...status, version }))).toEqual({ ...status, version });
    expect(ofpPrint(Buffer.from(hex(4), 'hex'))).toBe(
      'ONFT_ROLE_STATUS (OF1.3) (xid=0x0): role=secondary generation_id=4101 reason=primary_request',
    );
    const noGeneration = encodeMessage({ ...status, version: 5, role: 2, reason: 7, generationId: 2n ** 64n - 1n });
    expect(ofpPrint(noGeneration)).toBe('OFPT_ROLE_STATUS (OF1.4) (xid=0x0): role=primary reason=(unknown)');
    // Properties (multiples of 8 bytes) may follow; anything else is a bad length, a role past 3 a bad role.
    const bad = (h: string) => {
      const e = tryDecodeMessage(Buffer.from(h, 'hex'));
      return e instanceof OpenFlowDecodeError ? [e.type, e.code] : e.type;
    };
    expect(bad(`${hex(4).replace(/^040400200/, '040400280')}0000000000000000`)).toBe('role_status');
    expect(bad(`${hex(4).replace(/^040400200/, '040400240')}00000000`)).toEqual([1, 6]);
    expect(bad(hex(4).replace('4f4e4600000007770000000300', '4f4e4600000007770000000500'))).toEqual([11, 2]);
    // OpenFlow 1.2 and 1.3 have no OFPT_ROLE_STATUS (type 30).
    expect(bad(hex(5).replace(/^05/, '04'))).toBe('unknown');
  });

  it('decodes what it encodes for every type without loss of the header', () => {
    const m = decodeMessage(encodeMessage({ type: 'barrier_request', version: 6, xid: 9 }));
    expect(m).toEqual({ type: 'barrier_request', version: 6, xid: 9 });
  });
});
