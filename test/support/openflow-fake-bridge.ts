import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { Ofproto } from '@softswitch/ofproto';
import { Framer } from '@softswitch/openflow';
import type { OpenFlowBridge, PortInfo } from '../../apps/switchd/src/openflow/bridge-api.js';

const zeroStats = () => ({
  rxPackets: 0,
  txPackets: 0,
  rxBytes: 0,
  txBytes: 0,
  rxDropped: 0,
  txDropped: 0,
  rxErrors: 0,
  txErrors: 0,
});

/** A bridge with ports 1 (p1), 2 (p2) and LOCAL for an in-process OpenFlow listener; counts flowsChanged(). */
export function fakeBridge(): OpenFlowBridge & { changes: number; onChange?: () => void } {
  const ofproto = new Ofproto({
    name: 'br0',
    ports: [
      { ofport: 1, name: 'p1', dpPort: 1 },
      { ofport: 2, name: 'p2', dpPort: 2 },
      { ofport: 0xfffe, name: 'br0', dpPort: 0 },
    ],
  });
  const ports: PortInfo[] = [
    {
      ofport: 1,
      name: 'p1',
      mac: Uint8Array.of(0xaa, 0, 0, 0, 0, 1),
      up: true,
      config: 0,
      state: 4,
      mtu: 1500,
      stats: zeroStats(),
    },
    {
      ofport: 2,
      name: 'p2',
      mac: Uint8Array.of(0xaa, 0, 0, 0, 0, 2),
      up: true,
      config: 0,
      state: 4,
      mtu: 1500,
      stats: zeroStats(),
    },
  ];
  const bridge = {
    name: 'br0',
    ofproto,
    changes: 0,
    onChange: undefined as (() => void) | undefined,
    datapathId: () => 0xaa00000000fen,
    ports: () => ports,
    flowsChanged: () => {
      bridge.changes++;
      bridge.onChange?.();
    },
    packetOut: () => {},
  };
  return bridge;
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function ofctlAsync(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('ovs-ofctl', args, { env, maxBuffer: 1 << 28, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      resolve({ status: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

/** A raw OpenFlow session: hello for `version` first, then batches of messages each ended by a barrier. */
export interface RawSession {
  /** Sends the messages (hex) and a barrier; resolves with every message received before the barrier reply (hex). */
  exchange(messages: string[], timeoutMs?: number): Promise<string[]>;
  close(): void;
}

export function rawSession(path: string, version: number): RawSession {
  const v = version.toString(16).padStart(2, '0');
  const s = connect(path);
  const framer = new Framer();
  let got: string[] = [];
  let waiting: { xid: string; resolve: (m: string[]) => void } | undefined;
  let nextXid = 0xfffffff0;
  s.on('error', () => {});
  s.on('data', (d) => {
    for (const f of framer.push(new Uint8Array(d))) {
      const hex = Buffer.from(f).toString('hex');
      if (f[1] === 0) continue;
      if (waiting && f[1] === (version === 1 ? 19 : 21) && hex.slice(8, 16) === waiting.xid) {
        const w = waiting;
        waiting = undefined;
        const out = got;
        got = [];
        w.resolve(out);
        continue;
      }
      got.push(hex);
    }
  });
  s.write(Buffer.from(`${v}00001000000001000100080000${(1 << version).toString(16).padStart(4, '0')}`, 'hex'));
  return {
    exchange(messages, timeoutMs = 5000) {
      const xid = nextXid.toString(16).padStart(8, '0');
      nextXid = (nextXid + 1) >>> 0;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no barrier reply; got ${got.join(' ')}`)), timeoutMs);
        waiting = {
          xid,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        s.write(Buffer.from(`${messages.join('')}${v}${version === 1 ? '12' : '14'}0008${xid}`, 'hex'));
      });
    },
    close: () => s.destroy(),
  };
}

/** One session: `messages` then a barrier; returns what came back before the barrier reply (hex). */
export async function rawExchange(
  path: string,
  version: number,
  messages: string[],
  timeoutMs = 5000,
): Promise<string[]> {
  const session = rawSession(path, version);
  try {
    return await session.exchange(messages, timeoutMs);
  } finally {
    session.close();
  }
}
