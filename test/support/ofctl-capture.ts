import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import {
  chooseProtocol,
  encodeFlowMod,
  Protocol,
  parseFlow,
  parseVersions,
  protocolsForVersionBitmap,
} from '@softswitch/openflow';
import { expect } from 'vitest';

/**
 * What real `ovs-ofctl add-flows` sends: a switch on a Unix socket that answers its handshake
 * and records every message, for byte-for-byte comparison with our encoder.
 */
export async function fakeSwitch(path: string): Promise<{ messages: Buffer[]; close(): Promise<void> }> {
  rmSync(path, { force: true });
  const messages: Buffer[] = [];
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const m = Buffer.from(buf.subarray(0, buf.readUInt16BE(2)));
        buf = buf.subarray(m.length);
        messages.push(m);
        const [version, type] = m;
        const reply = (t: number, body: Buffer = Buffer.alloc(0)) => {
          const h = Buffer.from([version, t, 0, 0, 0, 0, 0, 0]);
          h.writeUInt16BE(8 + body.length, 2);
          h.writeUInt32BE(m.readUInt32BE(4), 4);
          sock.write(Buffer.concat([h, body]));
        };
        if (type === 0) reply(0, Buffer.from('000100080000007e', 'hex'));
        else if (type === 2) reply(3, m.subarray(8));
        else if ((version === 1 && type === 18) || (version > 1 && type === 20)) reply(type + 1);
        else if (version > 1 && type === 18) reply(19, Buffer.from([0, m[9], 0, 0, 0, 0, 0, 0]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Runs ovs-ofctl to its end without blocking the event loop (the fake switch runs in it). */
export function runOvsOfctl(args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('ovs-ofctl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (status) => resolve({ status: status ?? -1, stderr }));
  });
}

/** An OFPT_FLOW_MOD, or OpenFlow 1.0's NXT_FLOW_MOD. */
export const isFlowMod = (m: Buffer): boolean =>
  m[1] === 14 || (m[0] === 1 && m[1] === 4 && m.length >= 16 && m.readUInt32BE(12) === 13);

/** parse-flows output split into the two header lines and one chunk per printed message. */
export function splitMessages(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (out.length < 2 || /^(OFPT|NXT)_/.test(line)) out.push(line);
    else out[out.length - 1] += `\n${line}`;
  }
  return out;
}

/**
 * `flows` grouped by the protocol parse-flows would choose for them under `version` (what one
 * ovs-ofctl run per group is given), and those no protocol of `version` carries or that do not parse.
 */
export function groupByProtocol(
  version: string,
  flows: string[],
): { groups: Map<number, string[]>; rejected: string[] } {
  const allowed = protocolsForVersionBitmap(parseVersions(version));
  const groups = new Map<number, string[]>();
  const rejected: string[] = [];
  for (const flow of flows) {
    let p = 0;
    try {
      p = chooseProtocol(parseFlow(flow).usable & allowed);
    } catch {
      // No protocol: the caller compares the error, if it wants to.
    }
    if (!p) rejected.push(flow);
    else if (groups.has(p)) groups.get(p)?.push(flow);
    else groups.set(p, [flow]);
  }
  return { groups, rejected };
}

/** One flow as real ovs-ofctl sent it and as our encoder writes it (same protocol and xid). */
export interface FlowModPair {
  flow: string;
  theirs: Buffer;
  ours: Buffer;
}

/**
 * Each group's flows (keyed by the protocol parse-flows chose) through `ovs-ofctl add-flows` into
 * a fake switch, paired with our encoding under the protocol ovs-ofctl used (OpenFlow 1.0's
 * flavour, NXM or not, with or without table ids, read from what it sent).
 */
export async function addFlowsBothWays(
  version: string,
  groups: Map<number, string[]>,
  dir: string,
): Promise<FlowModPair[]> {
  const pairs: FlowModPair[] = [];
  for (const [p, flows] of groups) {
    const sock = join(dir, `${version}-${p}.sock`);
    const sw = await fakeSwitch(sock);
    const file = join(dir, `wire-${version}-${p}.flows`);
    writeFileSync(file, `${flows.join('\n')}\n`);
    const r = await runOvsOfctl(['--no-names', '-O', version, 'add-flows', `unix:${sock}`, file]);
    await sw.close();
    expect(r.status).toBe(0);
    const captured = sw.messages.filter(isFlowMod);
    expect(captured.length).toBe(flows.length);
    const tid = sw.messages.some((m) => m[0] === 1 && m[1] === 4 && m.readUInt32BE(12) === 15 && m[16] === 1);
    for (let k = 0; k < captured.length; k++) {
      const m = captured[k];
      let proto = p;
      if (m[0] === 1) {
        if (m[1] === 4) proto = tid ? Protocol.OF10_NXM_TID : Protocol.OF10_NXM;
        else proto = tid ? Protocol.OF10_STD_TID : Protocol.OF10_STD;
      }
      const ours = Buffer.from(encodeFlowMod(parseFlow(flows[k]).fm, proto, m.readUInt32BE(4)));
      pairs.push({ flow: flows[k], theirs: m, ours });
    }
  }
  return pairs;
}
