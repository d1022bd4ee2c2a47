import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ofproto } from '@softswitch/ofproto';
import { decodeMessage, encodeMessage, Framer, type OpenFlowMessage, parseFlow } from '@softswitch/openflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenFlowBridge, PortInfo } from '../apps/switchd/src/openflow/bridge-api.js';
import { startOpenFlowListener } from '../apps/switchd/src/openflow/index.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

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

function fakeBridge(): OpenFlowBridge & { packetOuts: { packet: Uint8Array; inPort: number; actions: unknown[] }[] } {
  const ofproto = new Ofproto({
    name: 'br0',
    ports: [
      { ofport: 1, name: 'p1', dpPort: 1 },
      { ofport: 2, name: 'p2', dpPort: 2 },
      { ofport: 0xfffe, name: 'br0', dpPort: 0 },
    ],
  });
  const ports: PortInfo[] = [
    { ofport: 1, name: 'p1', mac: Uint8Array.of(0xaa, 0, 0, 0, 0, 1), up: true, mtu: 1500, stats: zeroStats() },
    { ofport: 2, name: 'p2', mac: Uint8Array.of(0xaa, 0, 0, 0, 0, 2), up: true, mtu: 1500, stats: zeroStats() },
    {
      ofport: 0xfffe,
      name: 'br0',
      mac: Uint8Array.of(0xaa, 0, 0, 0, 0, 0xfe),
      up: false,
      mtu: 1500,
      stats: zeroStats(),
    },
  ];
  const packetOuts: { packet: Uint8Array; inPort: number; actions: unknown[] }[] = [];
  return {
    name: 'br0',
    ofproto,
    datapathId: () => 0xaa00000000fen,
    ports: () => ports,
    flowsChanged: () => {},
    packetOut: (packet, inPort, actions) => packetOuts.push({ packet, inPort, actions }),
    packetOuts,
  };
}

/** Deterministic, varied flows that OpenFlow 1.0 and 1.3 can both express. */
function flows(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const pri = 100 + (i % 7);
    const out1 = 1 + (i % 2);
    switch (i % 5) {
      case 0:
        out.push(`priority=${pri},ip,nw_src=10.${i >> 8}.${i & 255}.0/24,actions=output:${out1}`);
        break;
      case 1:
        out.push(
          `priority=${pri},tcp,nw_dst=192.168.${i >> 8}.${i & 255},tp_dst=${i},actions=mod_nw_tos:8,output:${out1}`,
        );
        break;
      case 2:
        out.push(`cookie=0x${i.toString(16)},priority=${pri},udp,tp_src=${i},actions=drop`);
        break;
      case 3:
        out.push(`priority=${pri},in_port=${out1},dl_vlan=${i % 4095},actions=strip_vlan,output:${3 - out1}`);
        break;
      default:
        out.push(
          `priority=${pri},dl_src=00:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')},actions=NORMAL`,
        );
    }
  }
  return out;
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function ofctlAsync(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('ovs-ofctl', args, { env, maxBuffer: 1 << 28, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      resolve({ status: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

/** Durations and ages differ run to run; OVS's flow order within a priority is unspecified. */
function normalizeFlows(s: string): string {
  return s
    .replace(/duration=[\d.]+s/g, 'duration=X')
    .replace(/idle_age=\d+, /g, '')
    .replace(/hard_age=\d+, /g, '')
    .replace(/\(xid=0x[0-9a-f]+\)/g, '(xid=X)')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .sort()
    .join('\n');
}

/** A raw OpenFlow client: sends bytes, collects decoded messages, waits for one with a deadline. */
function rawClient(path: string) {
  const s = connect(path);
  const framer = new Framer();
  const got: OpenFlowMessage[] = [];
  let wake = () => {};
  s.on('data', (d) => {
    for (const f of framer.push(new Uint8Array(d))) got.push(decodeMessage(f));
    wake();
  });
  return {
    got,
    send: (hex: string) => s.write(Buffer.from(hex.replace(/\s/g, ''), 'hex')),
    async waitFor(pred: (m: OpenFlowMessage) => boolean, ms = 5000): Promise<OpenFlowMessage> {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = got.find(pred);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`timed out; got ${got.map((g) => g.type).join(',')}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => s.destroy(),
  };
}

describeNeeding(
  { binaries: ['ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server'] },
  'openflow switch vs real ovs-vswitchd',
  () => {
    let dir: string;
    let sock: string;
    let bridge: ReturnType<typeof fakeBridge>;
    let listener: Awaited<ReturnType<typeof startOpenFlowListener>>;
    let ovs: OvsSandbox;
    const ours = (...args: string[]) =>
      ofctlAsync(
        process.env,
        args.map((a) => (a === 'BR' ? `unix:${sock}` : a)),
      );
    const theirs = (...args: string[]) =>
      ofctlAsync(
        ovs.env,
        args.map((a) => (a === 'BR' ? 'br0' : a)),
      );
    const both = async (...args: string[]) => {
      const [a, b] = [await ours(...args), await theirs(...args)];
      return { ours: a, theirs: b };
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'of-switch-'));
      sock = join(dir, 'br0.mgmt');
      bridge = fakeBridge();
      listener = await startOpenFlowListener({ path: sock, bridge });
      ovs = startOvsSandbox();
      ovs.vsctl(
        'add-br',
        'br0',
        '--',
        'add-port',
        'br0',
        'p1',
        '--',
        'set',
        'interface',
        'p1',
        'type=dummy',
        'ofport_request=1',
        '--',
        'add-port',
        'br0',
        'p2',
        '--',
        'set',
        'interface',
        'p2',
        'type=dummy',
        'ofport_request=2',
        '--',
        'set-fail-mode',
        'br0',
        'secure',
      );
      ovs.ofctl('del-flows', 'br0');
    }, 30_000);

    afterAll(async () => {
      await listener?.close();
      ovs?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const proto of ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']) {
      it(`${proto}: add-flows of 10,000 flows, then dump-flows matches OVS`, async () => {
        const file = join(dir, `flows-${proto}.txt`);
        writeFileSync(file, `${flows(10_000).join('\n')}\n`);
        const add = await both('-O', proto, 'add-flows', 'BR', file);
        expect(add.ours.stderr).toBe('');
        expect(add.theirs.stderr).toBe('');
        const dump = await both('-O', proto, 'dump-flows', 'BR');
        expect(dump.ours.status).toBe(0);
        expect(normalizeFlows(dump.ours.stdout)).toBe(normalizeFlows(dump.theirs.stdout));
        expect(dump.ours.stdout.split('\n').length).toBeGreaterThan(9_000); // a few generated flows coincide
        const agg = await both('-O', proto, 'dump-aggregate', 'BR');
        expect(agg.ours.stdout.replace(/xid=0x[0-9a-f]+/, '')).toBe(agg.theirs.stdout.replace(/xid=0x[0-9a-f]+/, ''));
        if (proto === 'OpenFlow10') {
          // Plain OpenFlow 1.0 stats (no NXM), as `-F openflow10` asks for them.
          const std = await both('-F', 'openflow10', 'dump-flows', 'BR');
          expect(std.ours.stderr).toBe('');
          expect(normalizeFlows(std.ours.stdout)).toBe(normalizeFlows(std.theirs.stdout));
        }
        const filtered = await both('-O', proto, 'dump-flows', 'BR', 'tcp');
        expect(normalizeFlows(filtered.ours.stdout)).toBe(normalizeFlows(filtered.theirs.stdout));
      }, 30_000);

      it(`${proto}: mod-flows, del-flows (--strict and not), add-flow: same tables as OVS`, async () => {
        const steps: string[][] = [
          ['mod-flows', 'BR', 'udp,actions=output:2'],
          ['--strict', 'del-flows', 'BR', 'priority=100,ip,nw_src=10.0.0.0/24'],
          ['del-flows', 'BR', 'in_port=1'],
          ['--strict', 'mod-flows', 'BR', 'priority=101,tcp,nw_dst=192.168.0.1,tp_dst=1,actions=output:1'],
          ['add-flow', 'BR', 'priority=5,arp,actions=FLOOD'],
          ['del-flows', 'BR', 'cookie=0x7/-1'],
        ];
        for (const step of steps) {
          const r = await both('-O', proto, ...step);
          expect(r.ours.stderr, step.join(' ')).toBe(r.theirs.stderr);
        }
        const dump = await both('-O', proto, 'dump-flows', 'BR');
        expect(normalizeFlows(dump.ours.stdout)).toBe(normalizeFlows(dump.theirs.stdout));
      }, 30_000);

      it(`${proto}: replace-flows and diff-flows`, async () => {
        const file = join(dir, `replace-${proto}.txt`);
        writeFileSync(file, `${flows(300).slice(100).join('\n')}\npriority=9,icmp,actions=drop\n`);
        const rep = await both('-O', proto, 'replace-flows', 'BR', file);
        expect(rep.ours.stderr).toBe(rep.theirs.stderr);
        const dump = await both('-O', proto, 'dump-flows', 'BR');
        expect(normalizeFlows(dump.ours.stdout)).toBe(normalizeFlows(dump.theirs.stdout));
        writeFileSync(file, `${flows(300).slice(150).join('\n')}\n`);
        const diff = await both('-O', proto, 'diff-flows', 'BR', file);
        expect(diff.ours.status).toBe(diff.theirs.status);
        expect(diff.ours.stdout.split('\n').sort()).toEqual(diff.theirs.stdout.split('\n').sort());
        await both('-O', proto, 'del-flows', 'BR');
      }, 30_000);

      it(`${proto}: check_overlap conflict gives the same error as OVS`, async () => {
        await both('-O', proto, 'add-flow', 'BR', 'priority=7,ip,actions=drop');
        const r = await both(
          '-O',
          proto,
          '--strict',
          'add-flow',
          'BR',
          'check_overlap,priority=7,ip,nw_src=1.2.3.4,actions=drop',
        );
        expect(r.ours.status).not.toBe(0);
        expect(r.ours.stderr.replace(/xid=0x[0-9a-f]+/g, '')).toBe(r.theirs.stderr.replace(/xid=0x[0-9a-f]+/g, ''));
        await both('-O', proto, 'del-flows', 'BR');
      });

      it(`${proto}: show, dump-desc, dump-tables, dump-ports, dump-ports-desc work`, async () => {
        const show = await ours('-O', proto, 'show', 'BR');
        expect(show.stderr).toBe('');
        expect(show.stdout).toMatch(/dpid:0000aa00000000fe/);
        expect(show.stdout).toMatch(/n_tables:254, n_buffers:0/);
        expect(show.stdout).toMatch(/ 1\(p1\): addr:aa:00:00:00:00:01/);
        expect(show.stdout).toMatch(/LOCAL\(br0\): addr:aa:00:00:00:00:fe/);
        const real = await theirs('-O', proto, 'show', 'BR');
        // Port names/MACs differ by design.
        const shape = (s: string) =>
          s
            .split('\n')
            .map((l) => l.replace(/dpid:\w+/, 'dpid'))
            .filter((l) => /^(OFPT|n_tables|capabilities|actions)/.test(l))
            .join('\n');
        expect(shape(show.stdout)).toBe(shape(real.stdout));
        const descr = await ours('-O', proto, 'dump-desc', 'BR');
        expect(descr.stdout).toMatch(/Manufacturer: softswitch/);
        const tables = await both('-O', proto, 'dump-tables', 'BR');
        expect(tables.ours.stderr).toBe('');
        expect(tables.ours.stdout.split('\n').length).toBeGreaterThan(5);
        const ports = await ours('-O', proto, 'dump-ports', 'BR');
        expect(ports.stdout).toMatch(/port {2}1: rx pkts=0/);
        const pdesc = await ours('-O', proto, 'dump-ports-desc', 'BR');
        expect(pdesc.stdout).toMatch(/2\(p2\)/);
      });

      it(`${proto}: packet-out reaches the bridge`, async () => {
        const before = bridge.packetOuts.length;
        const hex = 'ffffffffffffaa000000000108060001080006040001aa0000000001c0a80001000000000000c0a80002';
        const r = await ours('-O', proto, 'packet-out', 'BR', `in_port=1 packet=${hex} actions=output:2`);
        expect(r.stderr).toBe('');
        expect(bridge.packetOuts.length).toBe(before + 1);
        const po = bridge.packetOuts[before];
        expect(po.inPort).toBe(1);
        expect(Buffer.from(po.packet).toString('hex')).toBe(hex);
        expect(po.actions).toMatchObject([{ type: 'output', port: 2 }]);
      });
    }

    it('a malformed message gets an error reply and other clients keep working', async () => {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const s = connect(sock);
        const chunks: Buffer[] = [];
        s.on('data', (d) => {
          chunks.push(d);
          const all = Buffer.concat(chunks);
          // our hello (16 bytes) then the error for the bad features request
          if (all.length >= 16 + 12) {
            s.destroy();
            resolve(all);
          }
        });
        s.on('error', reject);
        s.write(Buffer.from('0400001000000001000100080000001', 'hex').subarray(0, 0));
        s.write(Buffer.from('04000010000000010001000800000010', 'hex')); // hello, bitmap {1.3}
        s.write(Buffer.from('040500100000002a0000000000000000', 'hex')); // features_request with a body: BAD_LEN
      });
      const err = reply.subarray(16);
      expect(err[0]).toBe(4);
      expect(err[1]).toBe(1); // OFPT_ERROR
      expect(err.readUInt32BE(4)).toBe(0x2a);
      expect(err.readUInt16BE(8)).toBe(1); // OFPET_BAD_REQUEST
      expect(err.readUInt16BE(10)).toBe(6); // OFPBRC_BAD_LEN
      const r = await ours('-O', 'OpenFlow13', 'dump-desc', 'BR');
      expect(r.stdout).toMatch(/softswitch/);
    });

    it('OpenFlow13: add-group, mod-group, dump-groups, del-groups as OVS', async () => {
      const steps: string[][] = [
        ['add-group', 'BR', 'group_id=1,type=all,bucket=output:1,bucket=output:2'],
        ['add-group', 'BR', 'group_id=2,type=select,bucket=weight:10,output:1,bucket=weight:20,output:2'],
        ['add-group', 'BR', 'group_id=3,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2'],
        ['add-group', 'BR', 'group_id=1,type=all,bucket=output:2'],
        ['mod-group', 'BR', 'group_id=1,type=indirect,bucket=output:2'],
        ['mod-group', 'BR', 'group_id=9,type=all,bucket=output:2'],
      ];
      for (const step of steps) {
        const r = await both('-O', 'OpenFlow13', ...step);
        expect(r.ours.stderr.replace(/xid=0x[0-9a-f]+/g, ''), step.join(' ')).toBe(
          r.theirs.stderr.replace(/xid=0x[0-9a-f]+/g, ''),
        );
      }
      const dump = await both('-O', 'OpenFlow13', 'dump-groups', 'BR');
      expect(normalizeFlows(dump.ours.stdout)).toBe(normalizeFlows(dump.theirs.stdout));
      const del = await both('-O', 'OpenFlow13', 'del-groups', 'BR');
      expect(del.ours.stderr).toBe('');
      const empty = await both('-O', 'OpenFlow13', 'dump-groups', 'BR');
      expect(normalizeFlows(empty.ours.stdout)).toBe(normalizeFlows(empty.theirs.stdout));
    });

    it('OpenFlow10: del-flows without a table empties every table, as OVS', async () => {
      await both('-O', 'OpenFlow13', 'add-flow', 'BR', 'table=3,priority=9,actions=drop');
      await both('-O', 'OpenFlow13', 'add-flow', 'BR', 'table=0,priority=9,actions=drop');
      const del = await both('-O', 'OpenFlow10', 'del-flows', 'BR');
      expect(del.ours.stderr).toBe(del.theirs.stderr);
      const dump = await both('-O', 'OpenFlow13', 'dump-flows', 'BR', '--no-stats');
      expect(dump.ours.stdout).toBe(dump.theirs.stdout);
      expect(dump.ours.stdout).not.toContain('priority=9');
    });

    it('OpenFlow10: the hidden table 254 is refused as OVS refuses it', async () => {
      const r = await both('-O', 'OpenFlow10', 'add-flow', 'BR', 'table=254,priority=1,actions=drop');
      expect(r.ours.stderr.replace(/xid=0x[0-9a-f]+/g, '')).toBe(r.theirs.stderr.replace(/xid=0x[0-9a-f]+/g, ''));
    });

    it('OpenFlow10: an error 1.0 has no number for goes out as the Nicira vendor error ovs-ofctl decodes', async () => {
      const c = rawClient(sock);
      c.send('01000008 00000001'); // hello 1.0
      // NXT_FLOW_MOD whose match is NXM_OF_TCP_DST=80 alone: no ip/tcp prerequisite, OFPBMC_BAD_PREREQ.
      c.send(
        '01040038 00000077 00002320 0000000d' +
          '0000000000000000 0000 0000 0000 8000 ffffffff ffff 0000 0006 000000000000' +
          '00001402 0050 0000',
      );
      const err = await c.waitFor((m) => m.type === 'error');
      c.close();
      expect(err.xid).toBe(0x77);
      const hex = Buffer.from(encodeMessage(err)).toString('hex');
      const printed = await ofctlAsync(process.env, ['ofp-print', hex]);
      expect(printed.stdout.split('\n')[0]).toBe('OFPT_ERROR (xid=0x77): OFPBMC_BAD_PREREQ');
    });

    /** A raw client with its hello, miss_send_len and one barrier round trip done (so the switch knows its version). */
    async function readyClient(hello: string, barrier: string) {
      const c = rawClient(sock);
      c.send(hello);
      // A service connection gets asynchronous messages only once it sets a miss_send_len (as OVS).
      c.send(`${hello.slice(0, 2)}09000c000000030000ffff`);
      c.send(barrier);
      await c.waitFor((m) => m.type === 'barrier_reply');
      return c;
    }

    for (const [version, hello, barrier] of [
      [1, '0100000800000001', '0112000800000002'],
      [4, '04000010000000010001000800000010', '0414000800000002'],
      [6, '06000010000000010001000800000040', '0614000800000002'],
    ] as const) {
      it(`port-status (wire version ${version}) decodes in ovs-ofctl as OVS prints it`, async () => {
        const c = await readyClient(hello, barrier);
        listener.portStatus('add', bridge.ports()[1]);
        const ps = await c.waitFor((m) => m.type !== 'hello' && m.type !== 'barrier_reply');
        c.close();
        const printed = await ofctlAsync(process.env, ['ofp-print', Buffer.from(encodeMessage(ps)).toString('hex')]);
        expect(printed.stdout).toMatch(/OFPT_PORT_STATUS.*ADD: 2\(p2\): addr:aa:00:00:00:00:02/);
      });
    }

    it('flows the bridge removes itself (timeouts) reach clients through flowsRemoved()', async () => {
      const c = await readyClient('04000010000000010001000800000010', '0414000800000002');
      const { fm } = parseFlow('send_flow_rem,priority=55,udp,actions=drop');
      bridge.ofproto.flowMod(fm, 4);
      const removed = bridge.ofproto.flowMod(parseFlow('priority=55,udp', 4).fm, 4); // DELETE_STRICT
      expect(removed).toHaveLength(1);
      listener.flowsRemoved(removed.map((r) => ({ ...r, reason: 1 }))); // as a hard timeout
      const fr = await c.waitFor((m) => m.type === 'flow_removed');
      expect(fr).toMatchObject({ priority: 55, reason: 1 });
      c.close();
    });

    for (const proto of ['OpenFlow10', 'OpenFlow13', 'OpenFlow15']) {
      it(`${proto}: ovs-ofctl monitor shows the bridge's packet-ins`, async () => {
        // stdbuf: monitor's stdout is a pipe here; line buffering lets the test see each message.
        const mon = spawn('stdbuf', ['-oL', 'ovs-ofctl', '-O', proto, 'monitor', `unix:${sock}`, '65534'], {
          env: ovs.env,
        });
        let out = '';
        mon.stdout.on('data', (d) => {
          out += d;
        });
        mon.stderr.on('data', (d) => {
          out += d;
        });
        try {
          const deadline = Date.now() + 5000;
          const frame = Buffer.from(
            'ffffffffffffaa000000000108060001080006040001aa0000000001c0a80001000000000000c0a80002',
            'hex',
          );
          while (!/(OFPT|NXT)_PACKET_IN/.test(out) && Date.now() < deadline) {
            // Clients that did not set miss_send_len (other tests' ovs-ofctl runs) get none.
            listener.packetIn({ packet: frame, inPort: 1, reason: 1, tableId: 0, cookie: 0n, maxLen: 65535 });
            await new Promise((r) => setTimeout(r, 50));
          }
          // ovs-ofctl asks for NXT_PACKET_IN2 first; softswitch speaks it, as OVS does.
          expect(out).toMatch(/NXT_PACKET_IN2.*total_len=42 in_port=1 \(via action\) data_len=42/);
          expect(out).toMatch(/arp,vlan_tci=0x0000,dl_src=aa:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff/);
          expect(out).not.toMatch(/OFPT_ERROR|ovs-ofctl:/);
        } finally {
          mon.kill();
        }
      });
    }

    it('replies come in request order; barrier follows the flow-mods before it; unknown types get BAD_TYPE', async () => {
      const c = rawClient(sock);
      c.send('04000010 00000001 00010008 00000010'); // hello {1.3}
      // echo(xid 5), unknown type 99 (xid 6), barrier (xid 7) in one write
      c.send('0402000c00000005 abcdabcd' + '0463000800000006' + '0414000800000007');
      const barrier = await c.waitFor((m) => m.type === 'barrier_reply');
      expect(barrier.xid).toBe(7);
      const order = c.got.filter((m) => m.type !== 'hello').map((m) => [m.type, m.xid]);
      expect(order).toEqual([
        ['echo_reply', 5],
        ['error', 6],
        ['barrier_reply', 7],
      ]);
      const err = c.got.find((m) => m.type === 'error');
      expect(err).toMatchObject({ errType: 1, code: 1 }); // OFPBRC_BAD_TYPE
      c.close();
    });

    it('flow-removed reaches a listening client when a send_flow_rem flow is deleted', async () => {
      const c = rawClient(sock);
      c.send('04000010 00000001 00010008 00000010');
      c.send('0409000c 00000008 0000ffff'); // miss_send_len: service connections get async messages only then (as OVS)
      c.send('0414000800000009');
      await c.waitFor((m) => m.type === 'barrier_reply');
      expect(
        (await ours('-O', 'OpenFlow13', 'add-flow', 'BR', 'send_flow_rem,priority=77,cookie=0x42,ip,actions=drop'))
          .stderr,
      ).toBe('');
      expect((await ours('-O', 'OpenFlow13', 'del-flows', 'BR', 'ip')).stderr).toBe('');
      const fr = await c.waitFor((m) => m.type === 'flow_removed');
      expect(fr).toMatchObject({ priority: 77, cookie: 0x42n, reason: 2, tableId: 0 });
      c.close();
    });

    it('role request gets a role reply; ovs-ofctl probe and ping get echo replies', async () => {
      const c = rawClient(sock);
      c.send('04000010 00000001 00010008 00000010');
      c.send('0418001800000011 00000002 00000000 0000000000000007'); // ROLE_REQUEST master, generation 7
      const role = await c.waitFor((m) => m.type === 'role_reply');
      expect(role).toMatchObject({ xid: 0x11, role: 2, generationId: 7n });
      c.close();
      expect((await ours('-O', 'OpenFlow13', 'probe', 'BR')).status).toBe(0);
      const ping = await ours('-O', 'OpenFlow13', 'ping', 'BR', '64');
      expect(ping.status).toBe(0);
      expect(ping.stdout).toMatch(/64 bytes from unix:/);
    });

    it('a stream that cannot be framed is answered and closed; the listener keeps serving', async () => {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const s = connect(sock);
        const chunks: Buffer[] = [];
        s.on('data', (d) => chunks.push(d));
        s.on('close', () => resolve(Buffer.concat(chunks)));
        s.on('error', reject);
        s.write(Buffer.from('04000010000000010001000800000010', 'hex'));
        s.write(Buffer.from('0402000400000003', 'hex')); // length 4 < header: unframeable
      });
      const err = reply.subarray(16);
      expect(err[1]).toBe(1);
      expect(err.readUInt16BE(8)).toBe(1); // OFPET_BAD_REQUEST
      expect(err.readUInt16BE(10)).toBe(6); // OFPBRC_BAD_LEN
      expect((await ours('-O', 'OpenFlow10', 'dump-desc', 'BR')).stdout).toMatch(/softswitch/);
    });

    it('ptcp: the same switch over TCP; closed clients leave connections()', async () => {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const p = (probe.address() as { port: number }).port;
          probe.close(() => resolve(p));
        });
      });
      const tcpDir = mkdtempSync(join(tmpdir(), 'of-switch-tcp-'));
      const l = await startOpenFlowListener({
        path: join(tcpDir, 'br0.mgmt'),
        bridge,
        ptcp: { port, host: '127.0.0.1' },
      });
      try {
        const r = await ofctlAsync(process.env, ['-O', 'OpenFlow13', 'dump-desc', `tcp:127.0.0.1:${port}`]);
        expect(r.stdout).toMatch(/Manufacturer: softswitch/);
        const deadline = Date.now() + 5000;
        while (l.connections() > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
        expect(l.connections()).toBe(0);
      } finally {
        await l.close();
        rmSync(tcpDir, { recursive: true, force: true });
      }
    });

    it('no common version: OFPET_HELLO_FAILED and the socket is closed', async () => {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const s = connect(sock);
        const chunks: Buffer[] = [];
        s.on('data', (d) => chunks.push(d));
        s.on('close', () => resolve(Buffer.concat(chunks)));
        s.on('error', reject);
        s.write(Buffer.from('07000010000000010001000800000080', 'hex')); // hello offering only 0x07
      });
      const err = reply.subarray(16);
      expect(err[1]).toBe(1);
      expect(err.readUInt16BE(8)).toBe(0); // OFPET_HELLO_FAILED
      expect(listener.connections()).toBeGreaterThanOrEqual(0);
    });
  },
);
