import { Ofproto, type OfprotoOptions, type PortConfig } from '../src/index.js';

export const LOCAL = 0xfffe;

/** br0 as in the OVS sandbox: p1..p4 (dp 1..4), LOCAL (dp 100), p3 access VLAN 10, p4 trunk 10,20. */
export const PORTS: PortConfig[] = [
  { ofport: 1, name: 'p1', dpPort: 1 },
  { ofport: 2, name: 'p2', dpPort: 2 },
  { ofport: 3, name: 'p3', dpPort: 3, tag: 10 },
  { ofport: 4, name: 'p4', dpPort: 4, trunks: [10, 20] },
  { ofport: LOCAL, name: 'br0', dpPort: 100 },
];

export function bridge(flows: string, options: Partial<OfprotoOptions> = {}): Ofproto {
  const br = new Ofproto({
    name: 'br0',
    ports: PORTS,
    floodOrder: [1, 2, LOCAL, 4, 3],
    normalOrder: [2, LOCAL, 1, 3, 4],
    ...options,
  });
  br.addFlows(flows);
  return br;
}

export const datapathActions = (trace: string): string => /^Datapath actions: (.*)$/m.exec(trace)?.[1] ?? '';
