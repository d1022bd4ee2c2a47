import { actionsUseMeter, type Ofproto } from '@softswitch/ofproto';
import type { GroupMeterRequestBody, MultipartReplyBody } from '@softswitch/openflow';

const OFPM_ALL = 0xffffffff;

/**
 * Meter multipart replies (meter stats, meter config, meter features) for a bridge, as
 * ovs-vswitchd answers them over the userspace datapath: stats count what the datapath meter
 * saw and, per band, what it dropped; features are dpif-netdev's.
 */
export function meterReplies(ofproto: Ofproto, body: GroupMeterRequestBody): MultipartReplyBody[] {
  if (body.mp === 'meter_features') {
    return [
      {
        mp: 'meter_features',
        features: { maxMeter: 65536, bandTypes: 1 << 1, capabilities: 0xf, maxBands: 8, maxColor: 0 },
      },
    ];
  }
  if (!('meterId' in body)) return [];
  const meterId = body.meterId;
  const meters = [...ofproto.meters.meters.values()].filter((m) => meterId === OFPM_ALL || m.meterId === meterId); // creation order
  if (body.mp === 'meter_config') {
    return [
      { mp: 'meter_config', configs: meters.map((m) => ({ meterId: m.meterId, flags: m.flags, bands: m.bands })) },
    ];
  }
  const now = Date.now();
  const entries = ofproto.tables.entries();
  return [
    {
      mp: 'meter',
      stats: meters.map((m) => {
        const s = ofproto.meters.stats(m.meterId);
        const ms = Math.max(0, now - m.created);
        return {
          meterId: m.meterId,
          flowCount: entries.filter((e) => actionsUseMeter(e.actions, m.meterId)).length,
          packetInCount: BigInt(s?.packets ?? 0),
          byteInCount: BigInt(s?.bytes ?? 0),
          durationSec: Math.floor(ms / 1000),
          durationNsec: (ms % 1000) * 1_000_000,
          bands: m.bands.map((_, i) => ({
            packetCount: BigInt(s?.bands[i]?.packets ?? 0),
            byteCount: BigInt(s?.bands[i]?.bytes ?? 0),
          })),
        };
      }),
    },
  ];
}
