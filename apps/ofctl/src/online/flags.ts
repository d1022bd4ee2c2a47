import { Args, Flags } from '@oclif/core';
import { protocolFlags } from '../protocol-flags.js';

export const switchArg = Args.string({
  required: true,
  description: 'bridge name, unix:PATH or tcp:HOST[:PORT]',
});

export const onlineFlags = {
  ...protocolFlags,
  names: Flags.boolean({
    description: 'print ports by name (--no-names: by number; default: names on a terminal)',
    allowNo: true,
  }),
};

/** `--bundle`: flow mods as one atomic, ordered OpenFlow bundle (OpenFlow 1.3+). */
export const bundleFlags = {
  bundle: Flags.boolean({ description: 'send the flow mods as one atomic, ordered bundle (implies OpenFlow 1.4)' }),
};
