import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OvsSandbox, startOvsSandbox } from './support/ovs.js';
import { describeNeeding } from './support/requirements.js';

describeNeeding({ binaries: ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl'] }, 'real Open vSwitch sandbox', () => {
  let ovs: OvsSandbox;
  beforeAll(() => {
    ovs = startOvsSandbox();
  });
  afterAll(() => ovs?.stop());

  it('runs a dummy-datapath bridge that ofproto/trace can use', () => {
    ovs.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy');
    ovs.vsctl('add-port', 'br0', 'p1', '--', 'set', 'interface', 'p1', 'type=dummy', 'ofport_request=1');
    expect(ovs.vsctl('list-br').trim()).toBe('br0');
    const trace = ovs.appctl('ofproto/trace', 'br0', 'in_port=1');
    expect(trace).toMatch(/^Flow: in_port=1,/m);
    expect(trace).toMatch(/^Datapath actions: /m);
  });
});
