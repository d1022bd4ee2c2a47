import { spawnSync } from 'node:child_process';
import { composePacket } from '@softswitch/packet';
import { expect } from 'vitest';
import { binPath } from './support/switchd.js';

/** Shared by the dpctl tests: flows, a packet, running the CLIs, waiting out switchd's revalidation. */

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const FLOW = 'in_port(1),eth(src=00:00:00:00:00:09),eth_type(0x0800),ipv4(src=10.0.0.9,frag=no)';
export const FLOW_TEXT =
  'recirc_id(0),in_port(1),eth(src=00:00:00:00:00:09),eth_type(0x0800),ipv4(src=10.0.0.9,frag=no)';
export const FLOW_UDP =
  'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1000,dst=53)';
export const PACKET =
  'udp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,tp_src=1000,tp_dst=53';
export const PACKET_HEX = Buffer.from(composePacket(PACKET)).toString('hex');

/** Times differ between runs and implementations; everything else must not. */
export const normalise = (text: string) => text.replace(/used:[0-9.]+s/g, 'used:X');

/**
 * Idle flows expire within seconds (and dpctl's flows, never hit, are idle): keep them for the
 * test's lifetime, as `revalidator/pause` does for Open vSwitch.
 */
export const KEEP_IDLE_FLOWS = ['--', 'set', 'Open_vSwitch', '.', 'other_config:max-idle=600000'];

/**
 * One packet on p2 (a datapath miss the tests count on), then an empty flow table. switchd no
 * longer revalidates on its own statistics writes, so nothing has to wait for one.
 */
export function missOnP2ThenClear(env: NodeJS.ProcessEnv): void {
  const tool = (name: string, ...args: string[]) => run(process.execPath, [binPath(name), ...args], env);
  expect(tool('appctl', 'netdev-dummy/receive', 'p2', PACKET_HEX).status).toBe(0);
  tool('appctl', 'revalidator/wait');
  tool('dpctl', 'del-flows');
}
