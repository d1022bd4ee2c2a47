import fc from 'fast-check';
import {
  type Action,
  type AsyncConfig,
  type AsyncMasks,
  ERROR_NAMES_10,
  ERROR_NAMES_11,
  encodeMessage,
  type FlowStats,
  type GroupMeterRequestBody,
  generateFlows,
  Match,
  type MeterConfig,
  type MeterFeatures,
  type MeterStats,
  type OpenFlowMessage,
  type PortDesc,
  parseFlow,
} from '../src/index.js';

/** fast-check generators for every message type the codec implements, in canonical form. */

const u8 = fc.integer({ min: 0, max: 255 });

/** Group and meter multipart requests of OpenFlow 1.3+ (`version` is the wire version). */
export function arbGroupMeterRequest(version: number): fc.Arbitrary<GroupMeterRequestBody> {
  const groupId = fc.oneof(fc.integer({ min: 0, max: 0xffffff00 }), fc.constantFrom(0xfffffffc, 0xffffffff));
  const meterId = fc.oneof(
    fc.integer({ min: 0, max: 0xffff0000 }),
    fc.constantFrom(0xfffffffd, 0xfffffffe, 0xffffffff),
  );
  return fc.oneof(
    fc.record({ mp: fc.constant('group' as const), groupId }),
    // Before OpenFlow 1.5 a group-desc request has no body: it asks for all groups.
    fc.record({ mp: fc.constant('group_desc' as const), groupId: version >= 6 ? groupId : fc.constant(0xfffffffc) }),
    fc.record({ mp: fc.constantFrom('meter' as const, 'meter_config' as const), meterId }),
    fc.record({ mp: fc.constantFrom('group_features' as const, 'meter_features' as const) }),
  );
}

const anyU32 = fc.integer({ min: 0, max: 0xffffffff });

const anyU64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** A meter stats reply entry. */
export const arbMeterStats: fc.Arbitrary<MeterStats> = fc.record({
  meterId: anyU32,
  flowCount: anyU32,
  packetInCount: anyU64,
  byteInCount: anyU64,
  durationSec: anyU32,
  durationNsec: fc.integer({ min: 0, max: 999_999_999 }),
  bands: fc.array(fc.record({ packetCount: anyU64, byteCount: anyU64 }), { maxLength: 3 }),
});

/** Queue-config request and reply of OpenFlow 1.0-1.3 (1.0 asks about physical ports only). */
export function arbQueueGetConfig(version: number): fc.Arbitrary<OpenFlowMessage>[] {
  const base = { version: fc.constant(version), xid: anyU32 };
  const requestPort =
    version === 1
      ? fc.integer({ min: 0, max: 0xfeff })
      : fc.oneof(fc.integer({ min: 0, max: 0xfeff }), fc.constant(0xffff));
  const rate = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(0xffff), fc.integer({ min: 1001, max: 0xfffe }));
  const queue = fc.record({ queueId: anyU32, port: fc.integer({ min: 0, max: 0xfeff }), minRate: rate, maxRate: rate });
  return [
    fc.record({ type: fc.constant('queue_get_config_request' as const), ...base, port: requestPort }),
    fc
      .record({
        type: fc.constant('queue_get_config_reply' as const),
        ...base,
        port: requestPort,
        queues: fc.array(queue, { maxLength: 3 }),
      })
      // OpenFlow 1.0 and 1.1 queues carry no port of their own: they take the reply's.
      .map((m) => (version <= 2 ? { ...m, queues: m.queues.map((q) => ({ ...q, port: m.port })) } : m)),
  ];
}

/** A meter-config reply entry: drop bands carry no precedence level. */
export const arbMeterConfig: fc.Arbitrary<MeterConfig> = fc.record({
  meterId: fc.oneof(fc.integer({ min: 0, max: 0xffff0000 }), anyU32),
  flags: fc.integer({ min: 0, max: 15 }),
  bands: fc.array(
    fc
      .record({
        type: fc.constantFrom(1, 2),
        rate: anyU32,
        burstSize: anyU32,
        precLevel: fc.integer({ min: 0, max: 255 }),
      })
      .map((b) => (b.type === 1 ? { ...b, precLevel: 0 } : b)),
    { maxLength: 3 },
  ),
});
export const arbMeterFeatures: fc.Arbitrary<MeterFeatures> = fc.record({
  maxMeter: anyU32,
  bandTypes: fc.oneof(fc.constantFrom(0, 2, 4, 6), anyU32),
  capabilities: fc.oneof(fc.integer({ min: 0, max: 15 }), anyU32),
  maxBands: u8,
  maxColor: u8,
});

/**
 * Async config masks a version can carry: OpenFlow 1.3's fixed form has three masks of the
 * reasons it defines; 1.4+ properties carry all six with the bits OVS accepts in a set-async.
 */
export function arbAsyncConfig(version: number): fc.Arbitrary<AsyncConfig> {
  const bits = (mask: number) => fc.integer({ min: 0, max: mask }).map((x) => x & mask);
  const masks: fc.Arbitrary<AsyncMasks> =
    version <= 4
      ? fc.record({
          packetIn: bits(0x7),
          portStatus: bits(0x7),
          flowRemoved: bits(0x3f),
          roleStatus: fc.constant(0),
          tableStatus: fc.constant(0),
          requestForward: fc.constant(0),
        })
      : fc.record({
          packetIn: bits(0x3f),
          portStatus: bits(0x7),
          flowRemoved: bits(0x3f),
          roleStatus: bits(0x7),
          tableStatus: bits(0x18),
          requestForward: bits(0x3),
        });
  return fc.record({ primary: masks, secondary: masks });
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const portNo = fc.oneof(fc.integer({ min: 1, max: 0xfeff }), fc.constant(0xfffe));
const name = fc.stringMatching(/^[a-z][a-z0-9]{0,14}$/);

const subset = (bits: number[]) => fc.subarray(bits).map((xs) => xs.reduce((a, b) => a | b, 0));

export function arbPort(version: number): fc.Arbitrary<PortDesc> {
  const featureBits = version === 1 ? [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15] : [...Array(16).keys()];
  const features = subset(featureBits.map((b) => 1 << b));
  return fc.record({
    portNo,
    hwAddr: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
    name,
    config: subset(version === 1 ? [1, 2, 4, 8, 16, 32, 64] : [1, 4, 32, 64]),
    state:
      version === 1
        ? fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 3 })).map(([d, stp]) => d | (stp << 8))
        : subset([1, 2, 4]),
    curr: features,
    advertised: features,
    supported: features,
    peer: features,
    currSpeed: version === 1 ? fc.constant(0) : u32,
    maxSpeed: version === 1 ? fc.constant(0) : u32,
  });
}

/** Matches and action lists taken from generated flows (so they are realistic and decodable). */
const flowParts: { match: Match; actions: Action[]; usable: number }[] = [];
for (const f of generateFlows(300, 31)) {
  try {
    const p = parseFlow(f);
    flowParts.push({ match: p.fm.match, actions: p.fm.actions, usable: p.usable });
  } catch {
    // skip flows our parser rejects
  }
}
const OF10_STD = 3;
const OF13 = 1 << 6;

function arbFlowPart(version: number) {
  const usable = flowParts.filter((p) => p.usable & (version === 1 ? OF10_STD : OF13));
  return fc.constantFrom(...usable);
}

function arbFlowStats(version: number): fc.Arbitrary<FlowStats> {
  return fc
    .record({
      part: arbFlowPart(version),
      tableId: fc.integer({ min: 0, max: 254 }),
      durationSec: u32,
      durationNsec: fc.integer({ min: 0, max: 999_999_999 }),
      priority: u16,
      idleTimeout: u16,
      hardTimeout: u16,
      flags: version === 1 ? fc.constant(0) : subset([1, 2, 4, 8, 16]),
      cookie: u64,
      packetCount: u64,
      byteCount: u64,
    })
    .map(({ part, ...rest }) => ({ ...rest, match: part.match, actions: part.actions }));
}

export function arbMessage(version: number): fc.Arbitrary<OpenFlowMessage> {
  const xid = u32;
  const base = { version: fc.constant(version), xid };
  const mpFlags = fc.constant(0);
  const flowReq = fc
    .record({
      part: arbFlowPart(version),
      tableId: fc.oneof(fc.constant(0xff), fc.integer({ min: 0, max: 254 })),
      outPort: fc.oneof(fc.constant(0xffff), portNo),
    })
    .map(({ part, tableId, outPort }) => ({
      tableId,
      outPort,
      outGroup: 0xffffffff,
      cookie: 0n,
      cookieMask: 0n,
      match: part.match,
    }));
  const arbs: fc.Arbitrary<OpenFlowMessage>[] = [
    fc.record({
      type: fc.constant('hello' as const),
      ...base,
      bitmap: fc.integer({ min: 1, max: 0x7e }).map((b) => b << 1),
    }),
    fc.record({
      type: fc.constantFrom('echo_request' as const, 'echo_reply' as const),
      ...base,
      data: fc.uint8Array({ maxLength: 32 }),
    }),
    fc.record({
      type: fc.constantFrom(
        'features_request' as const,
        'get_config_request' as const,
        'barrier_request' as const,
        'barrier_reply' as const,
      ),
      ...base,
    }),
    fc.record({
      type: fc.constantFrom('get_config_reply' as const, 'set_config' as const),
      ...base,
      flags: fc.integer({ min: 0, max: 2 }),
      missSendLen: u16,
    }),
    fc.record({
      type: fc.constant('features_reply' as const),
      ...base,
      datapathId: u64,
      nBuffers: u32,
      nTables: fc.integer({ min: 1, max: 255 }),
      auxiliaryId: fc.constant(0),
      capabilities: version === 1 ? subset([1, 2, 4, 8, 32, 64, 128]) : subset([1, 2, 4, 8, 32, 64, 256]),
      actions: version === 1 ? subset([...Array(12).keys()].map((b) => 1 << b)) : fc.constant(0),
      ports: version === 1 ? fc.array(arbPort(1), { maxLength: 3 }) : fc.constant<PortDesc[]>([]),
    }),
    fc.record({
      type: fc.constant('port_status' as const),
      ...base,
      reason: fc.integer({ min: 0, max: 2 }),
      port: arbPort(version),
    }),
    fc
      .record({
        type: fc.constant('flow_removed' as const),
        ...base,
        part: arbFlowPart(version),
        cookie: u64,
        priority: u16,
        reason: fc.integer({ min: 0, max: 2 }),
        tableId: version === 1 ? fc.constant(255) : fc.integer({ min: 0, max: 254 }),
        durationSec: u32,
        durationNsec: fc.integer({ min: 0, max: 999_999_999 }),
        idleTimeout: u16,
        hardTimeout: version === 1 ? fc.constant(0) : u16,
        packetCount: u64,
        byteCount: u64,
      })
      .map(({ part, ...m }) => ({ ...m, match: part.match })),
    fc.record({
      type: fc.constant('packet_out' as const),
      ...base,
      bufferId: fc.constant(0xffffffff),
      inPort: fc.oneof(portNo, fc.constant(0xfffd)),
      actions: fc.constant<Action[]>([{ type: 'output', port: 1, maxLen: 0 }]),
      data: fc.constant(new Uint8Array(0)),
    }),
    fc.record({
      type: fc.constant('multipart_request' as const),
      ...base,
      flags: mpFlags,
      body: fc.oneof(
        fc.constant({ mp: 'desc' as const }),
        fc.constant({ mp: 'table' as const }),
        fc.record({ mp: fc.constantFrom('flow' as const, 'aggregate' as const), request: flowReq }),
        fc.record({ mp: fc.constant('port' as const), portNo: fc.oneof(fc.constant(0xffff), portNo) }),
        ...(version === 1 ? [] : [fc.constant({ mp: 'port_desc' as const, portNo: 0xffff })]),
        ...(version >= 4 ? [arbGroupMeterRequest(version)] : []),
      ),
    }),
    fc.record({
      type: fc.constant('multipart_reply' as const),
      ...base,
      flags: mpFlags,
      body: fc.oneof(
        fc.record({
          mp: fc.constant('desc' as const),
          desc: fc.record({ mfr: name, hw: name, sw: name, serial: name, dp: name }),
        }),
        fc.record({ mp: fc.constant('aggregate' as const), packetCount: u64, byteCount: u64, flowCount: u32 }),
        ...(version >= 4
          ? [fc.record({ mp: fc.constant('meter_features' as const), features: arbMeterFeatures })]
          : []),
        fc.record({ mp: fc.constant('flow' as const), flows: fc.array(arbFlowStats(version), { maxLength: 3 }) }),
        fc.record({
          mp: fc.constant('table' as const),
          tables: fc.array(
            fc.record({
              tableId: fc.integer({ min: 0, max: 254 }),
              activeCount: u32,
              lookupCount: u64,
              matchedCount: u64,
            }),
            { maxLength: 3 },
          ),
        }),
        fc.record({
          mp: fc.constant('port' as const),
          ports: fc.array(
            fc.record({
              portNo,
              counters: fc.array(u64, { minLength: 12, maxLength: 12 }),
              durationSec: version === 1 ? fc.constant(0) : u32,
              durationNsec: version === 1 ? fc.constant(0) : fc.integer({ min: 0, max: 999_999_999 }),
            }),
            { maxLength: 3 },
          ),
        }),
        ...(version === 1
          ? []
          : [
              fc.record({ mp: fc.constant('port_desc' as const), ports: fc.array(arbPort(version), { maxLength: 3 }) }),
            ]),
      ),
    }),
  ];
  const bareActions = fc.array(
    fc.oneof(
      portNo.map((port): Action => ({ type: 'output', port, maxLen: 0 })),
      fc.integer({ min: 0, max: 1000 }).map((queue): Action => ({ type: 'set_queue', queue })),
      fc.integer({ min: 0, max: 1000 }).map((groupId): Action => ({ type: 'group', groupId })),
    ),
    { maxLength: 3 },
  );
  arbs.push(
    fc.record({
      type: fc.constant('port_mod' as const),
      ...base,
      portMod: fc
        .record({
          portNo,
          hwAddr: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
          config: subset(version === 1 ? [1, 2, 4, 8, 16, 32, 64] : [1, 4, 32, 64]),
          mask: subset(version === 1 ? [1, 2, 4, 8, 16, 32, 64] : [1, 4, 32, 64]),
          advertise: subset(
            (version === 1 ? [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15] : [...Array(16).keys()]).map((b) => 1 << b),
          ),
        })
        .map((pm) => ({ ...pm, config: pm.config & pm.mask })),
    }),
  );
  arbs.push(
    fc
      .record({
        type: fc.constant('packet_in' as const),
        ...base,
        bufferId: fc.oneof(fc.constant(0xffffffff), u32),
        totalLen: fc.oneof(fc.constant(0), u16),
        reason: fc.integer({ min: 0, max: 2 }),
        tableId: version === 1 ? fc.constant(0) : fc.integer({ min: 0, max: 254 }),
        cookie: version === 1 ? fc.constant(0xffffffffffffffffn) : fc.oneof(fc.constant(0xffffffffffffffffn), u64),
        inPort: portNo,
        tunId: version === 1 ? fc.constant(0n) : fc.oneof(fc.constant(0n), u64),
        reg: version === 1 ? fc.constant(0n) : fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 0xffffffffn })),
      })
      .map(({ inPort, tunId, reg, ...m }) => {
        const match = new Match();
        match.setSlot('in_port', BigInt(inPort), 0xffffn);
        if (tunId) match.setSlot('tun_id', tunId, 0xffffffffffffffffn);
        if (reg) match.setSlot('reg3', reg, 0xffffffffn);
        return { ...m, match, data: new Uint8Array(0) };
      }),
  );
  const codes = Object.keys(version === 1 ? ERROR_NAMES_10 : ERROR_NAMES_11).map((k) => k.split(',').map(Number));
  const embedded = fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ minLength: 1, maxLength: 7 }),
    fc
      .record({ xid: u32, data: fc.uint8Array({ maxLength: 8 }) })
      .map(({ xid, data }) => encodeMessage({ type: 'echo_request', version, xid, data })),
    fc
      .integer({ min: 8, max: 40 })
      .map((n) => encodeMessage({ type: 'hello', version, xid: 7, bitmap: 0x12 }).subarray(0, Math.min(n, 16))),
  );
  arbs.push(
    fc
      .record({
        type: fc.constant('error' as const),
        ...base,
        tc: fc.oneof(
          fc.constantFrom(...codes),
          fc.tuple(fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 20 })),
        ),
        data: embedded,
        text: fc.stringMatching(/^[ -~]{0,12}$/),
      })
      .map(({ tc, text, ...m }) => ({
        ...m,
        errType: tc[0],
        code: tc[1],
        data: tc[0] === 0 ? new TextEncoder().encode(text) : m.data,
      })),
  );
  if (version <= 4) arbs.push(...arbQueueGetConfig(version));
  if (version >= 4) {
    arbs.push(
      fc.record({
        type: fc.constantFrom('role_request' as const, 'role_reply' as const),
        ...base,
        role: fc.integer({ min: 0, max: 3 }),
        generationId: u64,
      }),
      fc.record({
        type: fc.constant('table_mod' as const),
        ...base,
        tableId: fc.oneof(fc.constant(255), fc.integer({ min: 0, max: 254 })),
        config: fc.constantFrom(0, 3),
      }),
      fc.record({ type: fc.constant('get_async_request' as const), ...base }),
      fc.record({
        type: fc.constantFrom('set_async' as const, 'get_async_reply' as const),
        ...base,
        config: arbAsyncConfig(version),
      }),
      fc.record({
        type: fc.constant('meter_mod' as const),
        ...base,
        meterMod: fc
          .record({
            command: fc.integer({ min: 0, max: 2 }),
            flags: subset([1, 2, 4, 8]).map((f) => ((f & 3) === 3 ? f & ~2 : f)),
            meterId: fc.oneof(
              fc.integer({ min: 1, max: 0xffff0000 }),
              fc.constantFrom(0xffffffff, 0xfffffffe, 0xfffffffd),
            ),
            bands: fc.array(
              fc
                .record({
                  type: fc.constantFrom(1, 2),
                  rate: u32,
                  burstSize: u32,
                  precLevel: fc.integer({ min: 0, max: 63 }),
                })
                .map((b) => (b.type === 1 ? { ...b, precLevel: 0 } : b)),
              { maxLength: 3 },
            ),
          })
          .map((mm) => (mm.command === 2 ? { ...mm, flags: 0, bands: [] } : mm)),
      }),
      fc.record({
        type: fc.constant('group_mod' as const),
        ...base,
        // Valid groups only: deletes carry no buckets, weights only for select, liveness (watch)
        // required for fast_failover and absent for all/indirect, indirect has one bucket.
        groupMod: fc
          .record({
            command: fc.integer({ min: 0, max: 2 }),
            groupType: fc.integer({ min: 0, max: 3 }),
            groupId: fc.integer({ min: 0, max: 0xffffff00 }),
            buckets: fc.array(
              fc.record({
                weight: fc.integer({ min: 1, max: 0xffff }),
                watchPort: portNo,
                watchGroup: fc.oneof(fc.constant(0xffffffff), fc.integer({ min: 0, max: 0xffffff00 })),
                actions: bareActions,
              }),
              { minLength: 1, maxLength: 3 },
            ),
          })
          .map((g) => {
            if (g.command === 2) return { ...g, buckets: [] };
            const buckets = (g.groupType === 2 ? g.buckets.slice(0, 1) : g.buckets).map((bk) => ({
              ...bk,
              weight: g.groupType === 1 ? bk.weight : 0,
              watchPort: g.groupType === 3 ? bk.watchPort : 0xffff,
              watchGroup: g.groupType === 3 ? bk.watchGroup : 0xffffffff,
            }));
            return { ...g, buckets };
          }),
      }),
    );
  }
  return fc.oneof(...arbs);
}
