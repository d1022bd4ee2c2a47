import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, OpenFlowDecodeError, tryDecodeMessage } from '../src/index.js';
import { arbMessage } from './arbitraries.js';

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

  it('decodes what it encodes for every type without loss of the header', () => {
    const m = decodeMessage(encodeMessage({ type: 'barrier_request', version: 6, xid: 9 }));
    expect(m).toEqual({ type: 'barrier_request', version: 6, xid: 9 });
  });
});
