// tap and system netdevs against the real kernel: a namespace with a veth pair (system) or with
// our tap moved into it. The namespace's own stack is the peer: it answers ARP and ICMP echo, and
// sends UDP (with a partial checksum, veth offload being on) that we must complete.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { type Netdev, SystemNetdev, TapNetdev } from '@softswitch/netdev';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding } from './support/requirements.js';

const id = randomBytes(3).toString('hex');
const ns = `ssnd${id}`;
const vethHost = `sv${id}h`;
const vethNs = `sv${id}n`;
const tapName = `st${id}`;
const octet = 100 + (randomBytes(1)[0] % 100);
const vethNet = `10.${octet}.1`;
const tapNet = `10.${octet}.2`;

function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function macOf(nsName: string, dev: string): Uint8Array {
  const text = sh(`ip -n ${nsName} -br link show ${dev}`).trim().split(/\s+/)[2];
  return Uint8Array.from(text.split(':'), (x) => Number.parseInt(x, 16));
}

function ip4(text: string): number[] {
  return text.split('.').map(Number);
}

function sum16(b: Uint8Array, from: number, to: number, s = 0): number {
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function ipv4Frame(
  dst: Uint8Array,
  src: Uint8Array,
  srcIp: string,
  dstIp: string,
  proto: number,
  l4: number[],
): Uint8Array {
  const f = new Uint8Array(14 + 20 + l4.length);
  f.set(dst, 0);
  f.set(src, 6);
  f.set([0x08, 0x00], 12);
  const total = 20 + l4.length;
  f.set([0x45, 0, total >> 8, total & 255, 0x12, 0x34, 0x40, 0, 64, proto, 0, 0, ...ip4(srcIp), ...ip4(dstIp)], 14);
  const c = ~sum16(f, 14, 34) & 0xffff;
  f[24] = c >> 8;
  f[25] = c & 255;
  f.set(l4, 34);
  return f;
}

function icmpEcho(dst: Uint8Array, src: Uint8Array, srcIp: string, dstIp: string, seq: number): Uint8Array {
  const icmp = [8, 0, 0, 0, 0x42, 0x42, seq >> 8, seq & 255, ...Buffer.from('softswitch-ping')];
  const f = ipv4Frame(dst, src, srcIp, dstIp, 1, icmp);
  const c = ~sum16(f, 34, f.length) & 0xffff;
  f[36] = c >> 8;
  f[37] = c & 255;
  return f;
}

function isIcmpReply(f: Uint8Array, seq: number): boolean {
  return (
    f.length >= 42 &&
    f[12] === 0x08 &&
    f[13] === 0 &&
    f[23] === 1 &&
    f[34] === 0 &&
    f[40] === seq >> 8 &&
    f[41] === (seq & 255)
  );
}

function isArpRequestFor(f: Uint8Array, ip: string): boolean {
  const t = ip4(ip);
  return f.length >= 42 && f[12] === 0x08 && f[13] === 0x06 && f[21] === 1 && t.every((b, i) => f[38 + i] === b);
}

function arpReply(to: Uint8Array, toIp: number[], mac: Uint8Array, ip: string): Uint8Array {
  const f = new Uint8Array(42);
  f.set(to, 0);
  f.set(mac, 6);
  f.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2], 12);
  f.set(mac, 22);
  f.set(ip4(ip), 28);
  f.set(to, 32);
  f.set(toIp, 38);
  return f;
}

/** UDP to `port` carrying `text`, with a correct checksum (verified over the pseudo-header). */
function udpPayloadIfValid(f: Uint8Array, port: number): string | undefined {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0 || f[23] !== 17) return undefined;
  const l4 = 14 + (f[14] & 15) * 4;
  if (((f[l4 + 2] << 8) | f[l4 + 3]) !== port) return undefined;
  const udpLen = (f[l4 + 4] << 8) | f[l4 + 5];
  const pseudo = sum16(f, 26, 34, 17 + udpLen);
  const check = sum16(f, l4, l4 + udpLen, pseudo);
  if (check !== 0xffff) return `bad checksum ${check.toString(16)}`;
  return Buffer.from(f.subarray(l4 + 8, l4 + udpLen)).toString();
}

/** Sends one UDP datagram from inside the namespace (Node's dgram, run by `ip netns exec`). */
function sendUdpFromNamespace(dstIp: string, port: number, text: string): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');s.send(${JSON.stringify(text)},${port},'${dstIp}',(e)=>{if(e)process.exit(1);setTimeout(()=>process.exit(0),300)})`;
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`udp sender exited ${code}`))));
  });
}

/** Sends 4 MiB over TCP from `clientNs` to a server in `serverNs`; checks the server got every byte. */
async function tcpTransfer(clientNs: string, serverNs: string, serverIp: string): Promise<void> {
  const bytes = 4 * 1024 * 1024;
  const server = `const c=require('crypto').createHash('sha256');let n=0;const s=require('net').createServer((k)=>{k.on('data',(d)=>{n+=d.length;c.update(d)});k.on('end',()=>{console.log(n+' '+c.digest('hex'));process.exit(0)})});s.listen(5201,'${serverIp}',()=>console.log('ready'))`;
  const client = `const d=Buffer.alloc(${bytes});for(let i=0;i<d.length;i++)d[i]=(i*7)&255;const k=require('net').connect(5201,'${serverIp}',()=>k.end(d));k.on('close',()=>process.exit(0));k.on('error',(e)=>{console.error(e.message);process.exit(1)})`;
  const srv = spawn('ip', ['netns', 'exec', serverNs, process.execPath, '-e', server]);
  let out = '';
  srv.stdout.on('data', (d) => {
    out += d;
  });
  let cli: ReturnType<typeof spawn> | undefined;
  try {
    await waitFor('TCP server ready', () => (out.includes('ready') ? true : undefined));
    cli = spawn('ip', ['netns', 'exec', clientNs, process.execPath, '-e', client], { stdio: 'ignore' });
    const done = await waitFor('transfer done', () => (/\d+ [0-9a-f]{64}/.test(out) ? out : undefined), 20_000);
    const expected = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) expected[i] = (i * 7) & 255;
    expect(done.trim().split('\n').pop()).toBe(`${bytes} ${createHash('sha256').update(expected).digest('hex')}`);
  } finally {
    cli?.kill();
    srv.kill();
  }
}

class Collector {
  frames: Uint8Array[] = [];
  attach(dev: Netdev): this {
    dev.onReceive((b) => {
      for (let i = 0; i < b.count; i++) this.frames.push(b.frames[i].slice());
    });
    return this;
  }
  find(pred: (f: Uint8Array) => boolean): Uint8Array | undefined {
    return this.frames.find(pred);
  }
}

function rxPackets(dev: string): number {
  const json = JSON.parse(sh(`ip -n ${ns} -s -j link show ${dev}`));
  return json[0].stats64.rx.packets as number;
}

describeNeeding({ root: true }, 'netdev: tap and system devices in a namespace', () => {
  beforeAll(() => {
    sh(`ip netns add ${ns}`);
    sh(`ip link add ${vethHost} type veth peer name ${vethNs}`);
    sh(`ip link set ${vethNs} netns ${ns}`);
    sh(`ip -n ${ns} link set lo up`);
    sh(`ip -n ${ns} addr add ${vethNet}.2/24 dev ${vethNs}`);
    sh(`ip -n ${ns} link set ${vethNs} up`);
  });
  afterAll(() => {
    sh(`ip netns del ${ns} 2>/dev/null || true`);
    sh(`ip link del ${vethHost} 2>/dev/null || true`);
    sh(`ip link del ${tapName} 2>/dev/null || true`);
  });

  it('system: reports the device, answers ARP, receives UDP with its partial checksum completed', async () => {
    const dev = new SystemNetdev(vethHost);
    const rx = new Collector().attach(dev);
    try {
      expect(await dev.open()).toBeUndefined();
      expect(dev.mtu).toBe(1500);
      expect(sh(`cat /sys/class/net/${vethHost}/address`).trim()).toBe(
        Array.from(dev.mac, (b) => b.toString(16).padStart(2, '0')).join(':'),
      );
      await waitFor('link up', () => (dev.linkState === 'up' ? true : undefined));
      const peer = macOf(ns, vethNs);
      const sending = sendUdpFromNamespace(`${vethNet}.1`, 4789, 'hello from the namespace');
      const arp = await waitFor('ARP request from the namespace', () =>
        rx.find((f) => isArpRequestFor(f, `${vethNet}.1`)),
      );
      expect(arp.subarray(6, 12)).toEqual(peer);
      expect(dev.send(arpReply(peer, ip4(`${vethNet}.2`), dev.mac, `${vethNet}.1`))).toBe(true);
      const text = await waitFor('UDP datagram', () => {
        for (const f of rx.frames) {
          const t = udpPayloadIfValid(f, 4789);
          if (t !== undefined) return t;
        }
        return undefined;
      });
      expect(text).toBe('hello from the namespace');
      // veth has TX checksum offload on: the datagram came with a partial checksum, completed here.
      expect(dev.offloadCounters.checksumsCompleted).toBeGreaterThanOrEqual(1);
      await sending;
      expect(dev.stats.rx_packets).toBeGreaterThanOrEqual(2);
      expect(dev.stats.tx_packets).toBe(1);
    } finally {
      await dev.close();
    }
  });

  it('system: a crafted ICMP echo request is answered by the namespace (ping)', async () => {
    const dev = new SystemNetdev(vethHost);
    const rx = new Collector().attach(dev);
    try {
      expect(await dev.open()).toBeUndefined();
      const peer = macOf(ns, vethNs);
      sh(
        `ip -n ${ns} neigh replace ${vethNet}.1 lladdr ${Array.from(dev.mac, (b) => b.toString(16).padStart(2, '0')).join(':')} dev ${vethNs}`,
      );
      const before = rxPackets(vethNs);
      const frames = [1, 2, 3].map((seq) => icmpEcho(peer, dev.mac, `${vethNet}.1`, `${vethNet}.2`, seq));
      expect(dev.sendBatch(frames)).toBe(3);
      for (const seq of [1, 2, 3]) {
        const reply = await waitFor(`echo reply ${seq}`, () => rx.find((f) => isIcmpReply(f, seq)));
        expect(reply.subarray(0, 6)).toEqual(dev.mac);
        expect(Buffer.from(reply.subarray(42)).toString()).toBe('softswitch-ping');
      }
      expect(rxPackets(vethNs) - before).toBeGreaterThanOrEqual(3);
      // Our own transmissions are not read back.
      expect(rx.frames.some((f) => f[34] === 8 && f[23] === 1)).toBe(false);
      expect(dev.stats.tx_packets).toBe(3);
    } finally {
      await dev.close();
    }
  });

  it('system: setConfig with a new rx_offload reopens the device and keeps receiving', async () => {
    const dev = new SystemNetdev(vethHost);
    const rx = new Collector().attach(dev);
    try {
      expect(await dev.open()).toBeUndefined();
      expect(await dev.setConfig({ rx_offload: 'keep', rx_ring_slots: '64' })).toBeUndefined();
      const peer = macOf(ns, vethNs);
      sh(
        `ip -n ${ns} neigh replace ${vethNet}.1 lladdr ${Array.from(dev.mac, (b) => b.toString(16).padStart(2, '0')).join(':')} dev ${vethNs}`,
      );
      expect(dev.send(icmpEcho(peer, dev.mac, `${vethNet}.1`, `${vethNet}.2`, 77))).toBe(true);
      await waitFor('echo reply after reopen', () => rx.find((f) => isIcmpReply(f, 77)));
      expect(await dev.setConfig({ rx_ring_slots: '3' })).toMatch(/ring slots 3 must be a power of two/);
      expect(dev.linkState).toBe('down');
    } finally {
      await dev.close();
    }
  });

  it('system: a missing interface is reported in error, not thrown', async () => {
    const dev = new SystemNetdev(`nx${id}`);
    expect(await dev.open()).toMatch(/could not open network device nx[0-9a-f]+ \(No such device\)/);
    expect(dev.error).toBeDefined();
    expect(dev.linkState).toBe('down');
    await dev.close();
  });

  for (const mode of ['segment', 'keep'] as const) {
    it(`system: two veth ends patched by our devices carry TCP (TSO super-frames: ${mode === 'keep' ? 'passed through whole' : 'cut on receipt'})`, async () => {
      const nsB = `${ns}b`;
      const hostB = `sv${id}g`;
      const nsEndB = `sv${id}m`;
      // A second namespace on the same subnet, wired to the first only through our two devices.
      sh(`ip netns add ${nsB}`);
      const options = mode === 'keep' ? { rx_offload: 'keep' } : {};
      const a = new SystemNetdev(vethHost, options);
      const b = new SystemNetdev(hostB, options);
      try {
        sh(`ip link add ${hostB} type veth peer name ${nsEndB}`);
        sh(`ip link set ${nsEndB} netns ${nsB}`);
        sh(`ip -n ${nsB} addr add ${vethNet}.3/24 dev ${nsEndB}`);
        sh(`ip -n ${nsB} link set ${nsEndB} up`);
        sh(`ip -n ${ns} neigh flush dev ${vethNs}`);
        a.onReceive((batch) => b.sendBatch(batch.frames, batch.count, batch.offloads));
        b.onReceive((batch) => a.sendBatch(batch.frames, batch.count, batch.offloads));
        expect(await a.open()).toBeUndefined();
        expect(await b.open()).toBeUndefined();
        await tcpTransfer(ns, nsB, `${vethNet}.3`);
        const o = a.offloadCounters;
        if (mode === 'keep') {
          expect(o.superFramesKept).toBeGreaterThan(0);
          expect(o.segments + o.checksumsCompleted).toBe(0);
        } else {
          expect(o.checksumsCompleted + o.segments).toBeGreaterThan(0);
          expect(o.superFramesKept).toBe(0);
        }
        console.log(`netdev TCP through two system ports (${mode}): ${JSON.stringify(o)}`);
      } finally {
        await a.close();
        await b.close();
        sh(`ip netns del ${nsB} 2>/dev/null || true`);
        sh(`ip link del ${hostB} 2>/dev/null || true`);
      }
    });
  }

  it('system with rx_offload=keep feeding a plain tap: super-frames are cut in software on the way out', async () => {
    const nsT = `${ns}p`;
    const tapP = `st${id}p`;
    sh(`ip netns add ${nsT}`);
    const tap = new TapNetdev(tapP);
    const sys = new SystemNetdev(vethHost, { rx_offload: 'keep' });
    try {
      expect(await tap.open()).toBeUndefined();
      sh(`ip link set ${tapP} netns ${nsT}`);
      sh(`ip -n ${nsT} addr add ${vethNet}.5/24 dev ${tapP}`);
      sh(`ip -n ${nsT} link set ${tapP} up`);
      tap.onReceive((batch) => sys.sendBatch(batch.frames, batch.count, batch.offloads));
      sys.onReceive((batch) => tap.sendBatch(batch.frames, batch.count, batch.offloads));
      expect(await sys.open()).toBeUndefined();
      sh(`ip -n ${ns} neigh flush dev ${vethNs}`);
      // Data flows from the veth side (TSO on) into the tap (no offload negotiated).
      await tcpTransfer(ns, nsT, `${vethNet}.5`);
      expect(sys.offloadCounters.superFramesKept).toBeGreaterThan(0);
      expect(tap.stats.tx_errors).toBe(0);
    } finally {
      await tap.close();
      await sys.close();
      sh(`ip netns del ${nsT} 2>/dev/null || true`);
    }
  });

  it('system: 802.1Q-tagged frames cross a veth with their tag (put back from PACKET_AUXDATA)', async () => {
    const x = `sv${id}x`;
    const y = `sv${id}y`;
    sh(`ip link add ${x} type veth peer name ${y}`);
    const devX = new SystemNetdev(x);
    const devY = new SystemNetdev(y);
    const rx = new Collector().attach(devY);
    try {
      sh(`sysctl -qw net.ipv6.conf.${x}.disable_ipv6=1 net.ipv6.conf.${y}.disable_ipv6=1 || true`);
      expect(await devX.open()).toBeUndefined();
      expect(await devY.open()).toBeUndefined();
      await waitFor('carrier', () => (devX.linkState === 'up' && devY.linkState === 'up' ? true : undefined));
      const tagged = (vid: number, tpid: number, len: number) => {
        const f = new Uint8Array(len);
        f.set([
          0x02,
          0,
          0,
          0,
          0,
          0x0b,
          0x02,
          0,
          0,
          0,
          0,
          0x0a,
          tpid >> 8,
          tpid & 255,
          0x20 | (vid >> 8),
          vid & 255,
          0x88,
          0xb5,
        ]);
        for (let i = 18; i < len; i++) f[i] = i & 255;
        return f;
      };
      const frames = [tagged(10, 0x8100, 64), tagged(4000, 0x8100, 1518), tagged(20, 0x88a8, 80)];
      expect(devX.sendBatch(frames)).toBe(3);
      await waitFor('tagged frames', () =>
        rx.frames.filter((f) => f[16] === 0x88 || f[20] === 0x88).length >= 3 ? true : undefined,
      );
      const got = rx.frames.filter((f) => f[6] === 0x02 && f[11] === 0x0a);
      expect(got).toEqual(frames);
      // veth lifts 802.1Q tags into metadata (rx-vlan-offload); 802.1ad ones may stay in the frame.
      expect(devY.offloadCounters.vlanTagsRestored).toBeGreaterThanOrEqual(2);
    } finally {
      await devX.close();
      await devY.close();
      sh(`ip link del ${x} 2>/dev/null || true`);
    }
  });

  it('system: carrier changes are reported as link events', async () => {
    const dev = new SystemNetdev(vethHost);
    const events: string[] = [];
    dev.onEvent((e) => {
      if (e.kind === 'link') events.push(e.state);
    });
    try {
      expect(await dev.open()).toBeUndefined();
      expect(dev.linkState).toBe('up');
      sh(`ip -n ${ns} link set ${vethNs} down`);
      await waitFor('link down', () => (events.includes('down') ? true : undefined));
      expect(dev.linkState).toBe('down');
      sh(`ip -n ${ns} link set ${vethNs} up`);
      await waitFor('link up', () => (events.at(-1) === 'up' ? true : undefined));
      sh(`ip link set ${vethHost} mtu 1400`);
      await waitFor('MTU change seen', () => (dev.mtu === 1400 ? true : undefined));
      expect(dev.send(new Uint8Array(1400 + 14 + 1))).toBe(false);
      dev.setMtu(1500);
      expect(sh(`cat /sys/class/net/${vethHost}/mtu`).trim()).toBe('1500');
      dev.setMac(Uint8Array.of(0x02, 0x5e, 0, 0, 0x12, 0x34));
      expect(sh(`cat /sys/class/net/${vethHost}/address`).trim()).toBe('02:5e:00:00:12:34');
      dev.setAdminState('down');
      expect(Number(sh(`cat /sys/class/net/${vethHost}/flags`).trim()) & 1).toBe(0);
      dev.setAdminState('up');
      expect(Number(sh(`cat /sys/class/net/${vethHost}/flags`).trim()) & 1).toBe(1);
    } finally {
      await dev.close();
      sh(`ip link set ${vethHost} mtu 1500`);
    }
  });

  for (const mode of ['segment', 'keep'] as const) {
    it(`tap with offload=true (IFF_VNET_HDR) patched to a system device carries TCP both ways (${mode})`, async () => {
      const nsT = `${ns}t`;
      const tapT = `st${id}o`;
      sh(`ip netns add ${nsT}`);
      const rxMode: Record<string, string> = mode === 'keep' ? { rx_offload: 'keep' } : {};
      const tap = new TapNetdev(tapT, { offload: 'true', ...rxMode });
      const sys = new SystemNetdev(vethHost, rxMode);
      try {
        expect(await tap.open()).toBeUndefined();
        expect(sh(`cat /sys/class/net/${tapT}/tun_flags`).trim()).toBe('0x5002');
        sh(`ip link set ${tapT} netns ${nsT}`);
        sh(`ip -n ${nsT} addr add ${vethNet}.4/24 dev ${tapT}`);
        sh(`ip -n ${nsT} link set ${tapT} up`);
        tap.onReceive((batch) => sys.sendBatch(batch.frames, batch.count, batch.offloads));
        sys.onReceive((batch) => tap.sendBatch(batch.frames, batch.count, batch.offloads));
        expect(await sys.open()).toBeUndefined();
        sh(`ip -n ${ns} neigh flush dev ${vethNs}`);
        await tcpTransfer(nsT, ns, `${vethNet}.2`);
        await tcpTransfer(ns, nsT, `${vethNet}.4`);
        const o = tap.offloadCounters;
        if (mode === 'keep') expect(o.superFramesKept + sys.offloadCounters.superFramesKept).toBeGreaterThan(0);
        else expect(o.checksumsCompleted + o.segments).toBeGreaterThan(0);
        console.log(`netdev TCP tap(offload, ${mode}) <-> system: ${JSON.stringify(o)}`);
      } finally {
        await tap.close();
        await sys.close();
        sh(`ip netns del ${nsT} 2>/dev/null || true`);
      }
    });
  }

  it('tap: created, moved into the namespace, exchanges ARP, UDP and ICMP with it', async () => {
    const dev = new TapNetdev(tapName);
    const rx = new Collector().attach(dev);
    try {
      expect(await dev.open()).toBeUndefined();
      expect(sh(`cat /sys/class/net/${tapName}/tun_flags`).trim()).toBe('0x1002');
      const mac = Uint8Array.from(dev.mac);
      sh(`ip link set ${tapName} netns ${ns}`);
      sh(`ip -n ${ns} addr add ${tapNet}.2/24 dev ${tapName}`);
      sh(`ip -n ${ns} link set ${tapName} up`);
      const tapMac = macOf(ns, tapName);
      expect(tapMac).toEqual(mac);
      // Our side of the cable: any address; the namespace asks for it by ARP.
      const ours = Uint8Array.of(0x02, 0x00, 0x5e, 0x10, 0x00, 0x01);
      const sending = sendUdpFromNamespace(`${tapNet}.1`, 5555, 'over the tap');
      const arp = await waitFor('ARP request over the tap', () => rx.find((f) => isArpRequestFor(f, `${tapNet}.1`)));
      expect(arp.subarray(6, 12)).toEqual(tapMac);
      expect(dev.send(arpReply(tapMac, ip4(`${tapNet}.2`), ours, `${tapNet}.1`))).toBe(true);
      const text = await waitFor('UDP over the tap', () => {
        for (const f of rx.frames) {
          const t = udpPayloadIfValid(f, 5555);
          if (t !== undefined) return t;
        }
        return undefined;
      });
      expect(text).toBe('over the tap');
      await sending;
      expect(dev.send(icmpEcho(tapMac, ours, `${tapNet}.1`, `${tapNet}.2`, 7))).toBe(true);
      const reply = await waitFor('echo reply over the tap', () => rx.find((f) => isIcmpReply(f, 7)));
      expect(reply.subarray(0, 6)).toEqual(ours);
      expect(dev.stats.tx_packets).toBe(2);
      expect(dev.linkState).toBe('up');
    } finally {
      await dev.close();
    }
    // Closing the fd removes the (non-persistent) tap.
    await waitFor('tap gone', () => (sh(`ip -n ${ns} -br link`).includes(tapName) ? undefined : true));
  });
});
