import { Args } from '@oclif/core';
import { protocolFlags } from '../protocol-flags.js';

export const switchArg = Args.string({
  required: true,
  description: 'bridge name, unix:PATH or tcp:HOST[:PORT]',
});

export const onlineFlags = { ...protocolFlags };
