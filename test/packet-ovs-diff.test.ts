import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  composePacket,
  createFlowKey,
  extractFlow,
  formatFlow,
  mutateFrames,
  parseFlowString,
  SAMPLE_FLOWS,
  samplePackets,
  setVlanLimit,
} from '@softswitch/packet';
import { readCaptureFile } from '@softswitch/pcap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mapLimited } from './support/concurrent.js';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

const run = promisify(execFile);
const ETHERNET_LINKTYPE = 1;
const PCAP_DIR = join(import.meta.dirname, '..', 'fixtures', 'pcap');

const toHex = (p: Uint8Array) => Buffer.from(p.buffer, p.byteOffset, p.length).toString('hex');

interface Case {
  name: string;
  data: Uint8Array;
}

describeNeeding(
  { binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl'] },
  'packet: flow extraction agrees with Open vSwitch',
  () => {
    let ovs: OvsSandbox;
    const key = createFlowKey();

    beforeAll(() => {
      ovs = startOvsSandbox();
      ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy');
      ovs.vsctl('add-port', 'br0', 'p1', '--', 'set', 'interface', 'p1', 'type=dummy', 'ofport_request=1');
    });
    afterAll(() => ovs?.stop());

    /** OVS's `Flow:` line for a frame, or undefined when OVS refuses it (shorter than Ethernet). */
    async function ovsFlow(...args: string[]): Promise<string | undefined> {
      try {
        const { stdout } = await run('ovs-appctl', ['ofproto/trace', 'br0', ...args], { env: ovs.env });
        const line = stdout.split('\n').find((l) => l.startsWith('Flow: '));
        return line?.slice('Flow: '.length);
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? err);
        if (/too short for Ethernet/.test(stderr)) return undefined;
        throw err;
      }
    }

    async function compare(cases: readonly Case[]): Promise<{ compared: number; mismatches: string[] }> {
      const lines = await mapLimited(cases, 4, (c) => ovsFlow('in_port=1', toHex(c.data)));
      const mismatches: string[] = [];
      let compared = 0;
      cases.forEach((c, i) => {
        const theirs = lines[i];
        if (theirs === undefined) {
          expect(c.data.length, `${c.name}: OVS refused a frame of ${c.data.length} bytes`).toBeLessThan(14);
          return;
        }
        compared++;
        extractFlow(c.data, 1, key);
        const ours = formatFlow(key);
        if (ours !== theirs) mismatches.push(`${c.name} (${toHex(c.data)})\n  ours: ${ours}\n  ovs:  ${theirs}`);
      });
      return { compared, mismatches };
    }

    it('on every sample packet (every protocol, CVE inputs, malformed frames)', async () => {
      const cases = samplePackets();
      const { compared, mismatches } = await compare(cases);
      expect(mismatches).toEqual([]);
      expect(compared).toBe(cases.length);
    });

    it("on the inputs behind OVS's parser CVEs", async () => {
      // IPv4 IHL < 5 and total length below the header, truncated IPv6 extension chains, MPLS
      // stacks without bottom of stack, padding past the IP total length, IP protocol 0, ND
      // options of length 0 or overrunning the packet.
      const cve =
        /ihl=[014]\b|tot_len=(0|19)\b|ext chain truncated|labels no bos|padded|proto 0|nd option (length 0|overrun)/;
      const cases = samplePackets().filter((s) => cve.test(s.name));
      expect(cases.length).toBeGreaterThanOrEqual(25);
      const { compared, mismatches } = await compare(cases);
      expect(mismatches).toEqual([]);
      expect(compared).toBe(cases.length);
    });

    it('on every packet of every fixtures/pcap/*.pcap', async () => {
      const files = readdirSync(PCAP_DIR).filter((f) => /\.(pcap|pcapng)$/.test(f));
      expect(files.length).toBeGreaterThan(0);
      const cases: Case[] = [];
      for (const file of files) {
        for (const pkt of await readCaptureFile(join(PCAP_DIR, file))) {
          // Only Ethernet captures describe what a dummy port receives.
          if (pkt.linkType === ETHERNET_LINKTYPE) cases.push({ name: `${file}#${pkt.index}`, data: pkt.data });
        }
      }
      const { compared, mismatches } = await compare(cases);
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(compared).toBeGreaterThan(0);
    });

    it('on a few hundred mutated frames', async () => {
      const base = samplePackets().map((s) => s.data);
      const cases = mutateFrames(base, 400, 0x5eed).map((data, i) => ({ name: `mutant ${i}`, data }));
      const { mismatches } = await compare(cases);
      expect(mismatches.slice(0, 20)).toEqual([]);
    });

    it('with other_config:vlan-limit=2, on QinQ and VLAN frames', async () => {
      ovs.vsctl('set', 'Open_vSwitch', '.', 'other_config:vlan-limit=2');
      setVlanLimit(2);
      try {
        const tagged = samplePackets().filter((s) => /vlan|qinq|tag/.test(s.name));
        const cases = [
          ...tagged,
          ...mutateFrames(
            tagged.map((s) => s.data),
            100,
            7,
          ).map((data, i) => ({ name: `tagged mutant ${i}`, data })),
        ];
        expect(tagged.length).toBeGreaterThan(5);
        const { mismatches } = await compare(cases);
        expect(mismatches).toEqual([]);
      } finally {
        setVlanLimit(1);
        ovs.vsctl('remove', 'Open_vSwitch', '.', 'other_config', 'vlan-limit');
      }
    });

    it('formats metadata fields (regs, metadata, pkt_mark, tunnel) as OVS does', async () => {
      const flows = [
        'in_port=1,reg0=5,reg3=0x10,reg15=0xffffffff,pkt_mark=3,metadata=0x7,tcp',
        'in_port=1,tun_id=0x9,udp,udp_src=1,udp_dst=2',
        'in_port=1,tun_src=1.1.1.1,tun_dst=2.2.2.2,udp',
        'in_port=LOCAL,arp,arp_op=1',
        'in_port=2,ct_state=0x21,ct_zone=5,ct_mark=0x10,ct_label=0x3,ip',
        'in_port=2,ct_state=0xff,ct_label=0x1000000000000000000000000000000f,tcp6',
        'in_port=7,metadata=0xfedcba9876543210,ipv6,ipv6_src=::ffff:1.2.3.4,ipv6_dst=1:0:0:1::1',
      ];
      for (const flow of flows) {
        const theirs = await ovsFlow(flow);
        expect(formatFlow(parseFlowString(flow)), flow).toBe(theirs);
      }
    });

    it('composes the same bytes as ovs-ofctl compose-packet', async () => {
      // OVS 3.1 cannot compose IPv6 fragments (it drops nw_frag), which we can.
      const flows = SAMPLE_FLOWS.filter((f) => !(/^(tcp6|udp6|sctp6|icmp6|ipv6),/.test(f) && /nw_frag/.test(f)));
      const dumps = await mapLimited(flows, 4, async (flow) => {
        // OVS re-extracts what it composed and exits 1 when its own round trip differs (it does
        // for ND: nd_options_type), after printing the packet; the packet is what we compare.
        const stdout = await run('ovs-ofctl', ['compose-packet', flow], { env: ovs.env }).then(
          (r) => r.stdout,
          (err: { stdout?: string }) => err.stdout ?? '',
        );
        return stdout
          .split('\n')
          .map((l) => l.slice(10, 58).replace(/[ -]/g, ''))
          .join('');
      });
      // A few sample flows are ones OVS refuses to compose (nd_sll in an advertisement, ND with a
      // non-zero code): those have no dump to compare with.
      const composable = flows.filter((_, i) => dumps[i] !== '');
      expect(composable.length).toBeGreaterThan(flows.length - 4);
      const differing = flows.filter((flow, i) => dumps[i] !== '' && toHex(composePacket(flow)) !== dumps[i]);
      expect(differing).toEqual([]);
    });
  },
);
