import { expect, it } from 'vitest';
import { type ClusterMemory, parseServerDbRow, remember, splitRemotes, unsuitableReason } from '../src/cluster.js';

const CID = '8a1b1c2d-0000-4000-8000-000000000001';

// Rows exactly as a clustered ovsdb-server 3.1 member sends them (ovsdb-client query _Server).
const follower = parseServerDbRow({
  cid: ['uuid', CID],
  connected: true,
  index: 5,
  leader: false,
  model: 'clustered',
  name: 'Open_vSwitch',
});
const leader = { ...follower, leader: true };

it('parses _Server rows, optional columns empty or not', () => {
  expect(follower).toEqual({ model: 'clustered', connected: true, leader: false, cid: CID, index: 5 });
  expect(
    parseServerDbRow({ cid: ['set', []], connected: true, index: ['set', []], leader: true, model: 'standalone' }),
  ).toEqual({ model: 'standalone', connected: true, leader: true, cid: undefined, index: undefined });
});

it('judges servers as ovsdb-cs does: leader, connected, same cluster, not older', () => {
  const memory: ClusterMemory = { minIndex: 0 };
  expect(unsuitableReason(follower, memory, true)).toBe('clustered database server is not cluster leader');
  expect(unsuitableReason(follower, memory, false)).toBeUndefined();
  expect(unsuitableReason(leader, memory, true)).toBeUndefined();
  expect(unsuitableReason({ ...leader, connected: false }, memory, true)).toMatch(/disconnected from cluster/);
  expect(unsuitableReason({ model: 'standalone', connected: true, leader: true }, memory, true)).toBeUndefined();
  remember(memory, { ...leader, index: 9 });
  expect(memory).toEqual({ cid: CID, minIndex: 9 });
  expect(unsuitableReason(leader, memory, true)).toBe('clustered database server has stale data');
  expect(unsuitableReason({ ...leader, index: 9, cid: CID.replace('1', '2') }, memory, true)).toMatch(/wrong cluster/);
  // A standalone server's row never moves the memory.
  remember(memory, { model: 'standalone', connected: true, leader: true });
  expect(memory.minIndex).toBe(9);
});

it('splits REMOTE[,REMOTE...]', () => {
  expect(splitRemotes('unix:/a, tcp:127.0.0.1:6641,,unix:/c')).toEqual(['unix:/a', 'tcp:127.0.0.1:6641', 'unix:/c']);
});
