// Live ports through datapath threads (`other_config:n-dp-threads`): two namespaces on veth pairs
// attached as `system` ports, switchd running their packets through 2 worker threads. Real
// traffic passes (ping, TCP), a UDP burst over several flows arrives in order per flow, the
// counters switchd shows add up over the threads, a flow change reaches the threads' caches at
// once, and the setting changes at runtime.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';
import { inNamespace, must, sh } from './support/shell.js';
import { type RunningSwitchd, startSwitchd, waitFor } from './support/switchd.js';

const tag = `${process.pid % 100000}`;
const ns = (host: string) => `ssdt${tag}${host}`;
const vethPort = (host: string) => `ssdt${tag}${host}`;
const vethPeer = (host: string) => `ssdt${tag}${host}n`;
const HOSTS = ['a', 'b'] as const;
const ip4 = (host: string) => `10.79.0.${host.charCodeAt(0) - 96}`;
const UDP_PORT = 9000;
const FLOWS = 8;
const UDP_MATCH = `tp_dst=${UDP_PORT}`;

const inNs = (host: string, cmd: string, args: string[], timeout?: number) => inNamespace(ns(host), cmd, args, timeout);

function pings(from: string, to: string): boolean {
  return inNs(from, 'ping', ['-c', '3', '-i', '0.1', '-w', '5', '-n', '-q', ip4(to)]).status === 0;
}

/**
 * In b: counts datagrams of [flow, seq] (uint32 each) on UDP_PORT, and how many arrived after a
 * later one of their flow. Prints "ready" once bound; each "report" line prints the counts so far
 * as JSON and starts afresh.
 */
const RECEIVER = `
const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
const [addr, port] = process.argv.slice(1);
let last = new Map(), received = 0, reordered = 0;
s.on('message', (m) => {
  const flow = m.readUInt32BE(0), seq = m.readUInt32BE(4);
  if (seq <= (last.get(flow) ?? -1)) reordered++; else last.set(flow, seq);
  received++;
});
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  console.log(JSON.stringify({ received, reordered }));
  last = new Map(); received = 0; reordered = 0;
});
s.bind(Number(port), addr, () => console.log('ready'));
`;

/**
 * In a: each line "N" sends N datagrams [flow, seq] round-robin from FLOWS sockets (distinct
 * source ports, sequence numbers going on from the previous burst), then prints "sent".
 */
const SENDER = `
const dgram = require('node:dgram');
const [addr, port, flows] = process.argv.slice(1).map((v, i) => i === 0 ? v : Number(v));
const socks = Array.from({ length: flows }, () => dgram.createSocket('udp4'));
const seqs = new Array(flows).fill(0);
console.log('ready');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const count = Number(line);
  let sent = 0;
  const burst = () => {
    for (let k = 0; k < 16 && sent < count; k++, sent++) {
      const f = sent % flows; const b = Buffer.alloc(64);
      b.writeUInt32BE(f, 0); b.writeUInt32BE(seqs[f]++, 4);
      socks[f].send(b, port, addr);
    }
    if (sent < count) setTimeout(burst, 1); else console.log('sent');
  };
  burst();
});
`;

/** A helper process in a namespace spoken to by lines: ask() writes one and awaits the reply. */
class LineChild {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private buffered = '';

  constructor(namespace: string, script: string, args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout?.on('data', (d) => {
      this.buffered += d;
      const parts = this.buffered.split('\n');
      this.buffered = parts.pop() ?? '';
      this.lines.push(...parts);
    });
  }

  async next(): Promise<string> {
    await waitFor('a line from the helper', () => {
      if (this.child.exitCode !== null) throw new Error(`helper exited (${this.child.exitCode})`);
      return this.lines.length > 0;
    });
    return this.lines.shift() as string;
  }

  ask(line: string): Promise<string> {
    this.child.stdin?.write(`${line}\n`);
    return this.next();
  }

  stop(): void {
    this.child.kill();
  }
}

describeNeeding(
  { root: true, binaries: ['ip', 'ping', 'iperf3', 'ss', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl'] },
  'switchd: live ports through datapath threads (n-dp-threads)',
  () => {
    let sw: RunningSwitchd;
    const vsctl = (...args: string[]) =>
      must('ovs-vsctl', ['--timeout=20', `--db=unix:${join(sw.rundir, 'db.sock')}`, ...args]);
    const ofctl = (cmd: string, ...args: string[]) =>
      must('ovs-ofctl', [cmd, `unix:${join(sw.rundir, 'br0.mgmt')}`, ...args]);
    const appctl = (...args: string[]) => must('ovs-appctl', ['-t', join(sw.rundir, 'switchd.ctl'), ...args]);

    let receiver: LineChild;
    let sender: LineChild;

    /**
     * Sends `count` datagrams a → b through the UDP rule; what b received. Done when the rule
     * counted every one: the switch has dealt with them (the threads hand their outputs back
     * before their counters).
     */
    async function udpBurst(count: number): Promise<{ received: number; reordered: number }> {
      const before = ruleCount(UDP_MATCH);
      expect(await sender.ask(`${count}`)).toBe('sent');
      await waitFor('the burst through the switch', () => ruleCount(UDP_MATCH) >= before + count);
      return JSON.parse(await receiver.ask('report'));
    }

    /** n_packets of the rule whose match contains `match`. */
    const ruleCount = (match: string) => {
      const line = ofctl('dump-flows')
        .split('\n')
        .find((l) => l.includes(match));
      return Number(/n_packets=(\d+)/.exec(line ?? '')?.[1] ?? Number.NaN);
    };

    /** Megaflow packets for UDP in dpctl dump-flows, summed over every flow. */
    const udpMegaflowPackets = () => {
      let n = 0;
      for (const line of appctl('dpctl/dump-flows').split('\n'))
        if (/proto=17/.test(line)) n += Number(/packets:(\d+)/.exec(line)?.[1] ?? 0);
      return n;
    };

    const threadsLine = (n: number) => (n >= 2 ? `through ${n} datapath threads` : 'live ports in the main thread');
    const setThreads = async (n: number) => {
      const before = sw.output().split(threadsLine(n)).length;
      vsctl('set', 'Open_vSwitch', '.', `other_config:n-dp-threads=${n}`);
      await waitFor(`switchd: ${threadsLine(n)}`, () => sw.output().split(threadsLine(n)).length > before);
    };

    beforeAll(async () => {
      cleanUp();
      for (const h of HOSTS) {
        must('ip', ['netns', 'add', ns(h)]);
        must('ip', ['link', 'add', vethPort(h), 'type', 'veth', 'peer', 'name', vethPeer(h)]);
        must('ip', ['link', 'set', vethPeer(h), 'netns', ns(h)]);
        must('ip', ['-n', ns(h), 'link', 'set', 'lo', 'up']);
        must('ip', ['-n', ns(h), 'addr', 'add', `${ip4(h)}/24`, 'dev', vethPeer(h)]);
        must('ip', ['-n', ns(h), 'link', 'set', vethPeer(h), 'up']);
      }
      sw = await startSwitchd();
      const args = ['add-br', 'br0'];
      HOSTS.forEach((h, i) => {
        args.push('--', 'add-port', 'br0', vethPort(h), '--', 'set', 'interface', vethPort(h), 'type=system');
        args.push(`ofport_request=${i + 1}`);
      });
      vsctl(...args);
      await waitFor('br0.mgmt', () => existsSync(join(sw.rundir, 'br0.mgmt')));
      await setThreads(2);
      receiver = new LineChild(ns('b'), RECEIVER, [ip4('b'), `${UDP_PORT}`]);
      sender = new LineChild(ns('a'), SENDER, [ip4('b'), `${UDP_PORT}`, `${FLOWS}`]);
      expect(await receiver.next()).toBe('ready');
      expect(await sender.next()).toBe('ready');
    }, 30_000);

    afterAll(async () => {
      receiver?.stop();
      sender?.stop();
      await sw?.stop();
      cleanUp();
    });

    function cleanUp(): void {
      for (const h of HOSTS) {
        sh('ip', ['netns', 'del', ns(h)]);
        if (existsSync(`/sys/class/net/${vethPort(h)}`)) sh('ip', ['link', 'del', vethPort(h)]);
      }
    }

    it('ping (ARP, ICMP through NORMAL) and TCP (iperf3) pass through 2 threads', async () => {
      expect(pings('a', 'b')).toBe(true);
      const srv = spawn('ip', ['netns', 'exec', ns('b'), 'iperf3', '-s', '-1', '-B', ip4('b'), '-p', '5211'], {
        stdio: 'ignore',
      });
      try {
        await waitFor('iperf3 server', () => inNs('b', 'ss', ['-Hltn', 'sport = :5211']).stdout.includes(':5211'));
        const r = inNs('a', 'iperf3', ['-c', ip4('b'), '-p', '5211', '-t', '1', '-J'], 20_000);
        expect(r.status).toBe(0);
        expect(JSON.parse(r.stdout).end.sum_received.bytes).toBeGreaterThan(1_000_000);
      } finally {
        srv.kill();
      }
    });

    it('a UDP burst over 8 flows arrives in order per flow, and the counters add up', async () => {
      ofctl('add-flow', `priority=10,udp,in_port=1,tp_dst=${UDP_PORT},actions=output:2`);
      const sent = 2000;
      const r = await udpBurst(sent);
      expect(r.reordered).toBe(0);
      expect(r.received).toBeGreaterThan(sent * 0.8);
      // The rule counted every datagram once (udpBurst waited for it to reach `sent`, no more);
      // every one but the upcalls that installed the megaflows (one per thread at most) is a
      // megaflow's, merged from both threads.
      const rule = ruleCount(UDP_MATCH);
      expect(rule).toBe(sent);
      const cached = udpMegaflowPackets();
      expect(rule - cached).toBeGreaterThanOrEqual(0);
      expect(rule - cached).toBeLessThanOrEqual(2);
      const show = appctl('dpctl/show');
      const hit = Number(/hit:(\d+)/.exec(show)?.[1]);
      expect(hit).toBeGreaterThanOrEqual(cached);
    });

    it('a flow change reaches the threads at once: no stale forwarding', async () => {
      ofctl('mod-flows', `udp,in_port=1,tp_dst=${UDP_PORT},actions=drop`);
      expect((await udpBurst(500)).received).toBe(0);
      ofctl('mod-flows', `udp,in_port=1,tp_dst=${UDP_PORT},actions=output:2`);
      expect((await udpBurst(500)).received).toBeGreaterThan(400);
    });

    it('changes at runtime: back to the main thread and to 2 threads again', async () => {
      await setThreads(0);
      expect(pings('b', 'a')).toBe(true);
      await setThreads(2);
      expect(pings('a', 'b')).toBe(true);
      const r = await udpBurst(500);
      expect(r.reordered).toBe(0);
      expect(r.received).toBeGreaterThan(400);
    });
  },
);
