import { Flags } from '@oclif/core';

/** `-O OpenFlow10,OpenFlow13` and `-F nxm,openflow10`, as ovs-ofctl accepts them. */
export const protocolFlags = {
  protocols: Flags.string({ char: 'O', description: 'OpenFlow versions to allow (e.g. OpenFlow13)' }),
  'flow-format': Flags.string({ char: 'F', description: 'flow formats to allow (e.g. nxm, openflow10, OXM)' }),
};

export interface ProtocolOptions {
  protocols?: string;
  'flow-format'?: string;
}
