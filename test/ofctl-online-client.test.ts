import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as of from '@softswitch/openflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfConnection, OpenFlowErrorReply } from '../apps/ofctl/src/online/connection.js';

/** ofctl's client connection against a scripted fake switch: negotiation, "more", echo, errors. */

type Script = (socket: Socket, msg: Uint8Array) => void;

let dir: string;
let server: Server;
let script: Script = () => {};
let serverHello = { version: 6, bitmap: (1 << 1) | (1 << 4) | (1 << 6) };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ofctl-client-'));
  server = createServer((socket) => {
    const framer = new of.Framer();
    socket.write(
      of.encodeMessage({ type: 'hello', version: serverHello.version, xid: 99, bitmap: serverHello.bitmap }),
    );
    socket.on('data', (d) => {
      for (const m of framer.push(new Uint8Array(d))) if (m[1] !== 0) script(socket, m);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'sw.mgmt'), resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const target = () => ({ kind: 'unix' as const, path: join(dir, 'sw.mgmt'), name: `unix:${join(dir, 'sw.mgmt')}` });
const xidOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(4);

describe('ofctl client connection', () => {
  it('negotiates the highest common version from the hello bitmaps', async () => {
    serverHello = { version: 6, bitmap: (1 << 1) | (1 << 4) | (1 << 6) };
    const both = await OfConnection.open(of, target(), (1 << 1) | (1 << 4));
    expect(both.version).toBe(4);
    both.close();
    const only10 = await OfConnection.open(of, target(), 1 << 1);
    expect(only10.version).toBe(1);
    only10.close();
    // A hello without a bitmap means "every version up to mine".
    serverHello = { version: 4, bitmap: 0 };
    const noBitmap = await OfConnection.open(of, target(), (1 << 1) | (1 << 4) | (1 << 5));
    expect(noBitmap.version).toBe(4);
    noBitmap.close();
  });

  it('collects multipart replies until one without "more", answering echo requests meanwhile', async () => {
    serverHello = { version: 4, bitmap: 1 << 4 };
    script = (socket, m) => {
      if (m[1] !== 18) return;
      const xid = xidOf(m);
      const reply = (flags: number) =>
        of.encodeMessage({
          type: 'multipart_reply',
          version: 4,
          xid,
          flags,
          body: { mp: 'aggregate', packetCount: 1n, byteCount: 2n, flowCount: 3 },
        });
      socket.write(reply(1));
      socket.write(of.encodeMessage({ type: 'echo_request', version: 4, xid: 7, data: new Uint8Array(0) }));
      socket.write(reply(1));
      socket.write(reply(0));
    };
    const c = await OfConnection.open(of, target(), 1 << 4);
    const request = of.encodeMessage({
      type: 'multipart_request',
      version: 4,
      xid: c.takeXid(),
      flags: 0,
      body: { mp: 'desc' },
    });
    const replies = await c.transact(request);
    expect(replies).toHaveLength(3);
    expect(replies.map((r) => of.ofpPrint(r).split('\n')[0])).toEqual([
      'OFPST_AGGREGATE reply (OF1.3) (xid=0x2): flags=[more] packet_count=1 byte_count=2 flow_count=3',
      'OFPST_AGGREGATE reply (OF1.3) (xid=0x2): flags=[more] packet_count=1 byte_count=2 flow_count=3',
      'OFPST_AGGREGATE reply (OF1.3) (xid=0x2): packet_count=1 byte_count=2 flow_count=3',
    ]);
    c.close();
  });

  it('turns an error reply to a flow mod into ovs-ofctl text, and a dropped connection into exit 2', async () => {
    serverHello = { version: 1, bitmap: 0 };
    script = (socket, m) => {
      if (m[1] === 14) {
        socket.write(
          of.encodeMessage({ type: 'error', version: 1, xid: xidOf(m), errType: 3, code: 1, data: m.slice(0, 64) }),
        );
      }
      if (m[1] === 18) socket.write(of.encodeMessage({ type: 'barrier_reply', version: 1, xid: xidOf(m) }));
    };
    const c = await OfConnection.open(of, target(), 1 << 1, 4);
    const fm = of.parseFlow('check_overlap,priority=9,ip,actions=drop').fm;
    const err = await c.transactNoReply(of.encodeFlowMod(fm, of.Protocol.OF10_STD, c.takeXid())).catch((e) => e);
    expect(err).toBeInstanceOf(OpenFlowErrorReply);
    expect((err as OpenFlowErrorReply).text).toMatch(
      /^OFPT_ERROR \(xid=0x6\): OFPFMFC_OVERLAP\nOFPT_FLOW_MOD \(xid=0x6\)/,
    );
    c.close();

    script = (socket) => socket.destroy();
    const d = await OfConnection.open(of, target(), 1 << 1);
    const lost = await d
      .transact(of.encodeMessage({ type: 'features_request', version: 1, xid: d.takeXid() }))
      .catch((e) => e);
    expect(lost).toMatchObject({ exitCode: 2 });
    d.close();
  });
});
