#!/usr/bin/env node
// `npm run demo`: the main job end to end in a private run directory — switchd with its embedded
// config DB, bridges configured with vsctl, the control socket, OpenFlow flow syntax, and flow
// extraction over a fixture capture — then everything is stopped and removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rundir = mkdtempSync(join(tmpdir(), 'softswitch-demo-'));
const db = `--db=unix:${join(rundir, 'db.sock')}`;

function step(title, tool, args) {
  console.log(`\n$ ${tool} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', tool), ...args], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) throw new Error(`demo: ${title} failed (exit ${r.status})`);
}

try {
  console.log(`softswitch demo — run directory ${rundir}`);
  step('start switchd', 'switchd', [
    '--rundir',
    rundir,
    '--db-file',
    join(rundir, 'conf.db'),
    '--detach',
    '--log-file',
    join(rundir, 'switchd.log'),
  ]);
  step('add a bridge', 'vsctl', [
    db,
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
  ]);
  step('show', 'vsctl', [db, 'show']);
  step('OpenFlow port numbers', 'vsctl', [db, '--columns=name,ofport', 'list', 'interface']);
  step('control socket', 'appctl', ['--rundir', rundir, 'list-commands']);
  if (existsSync(join(root, 'apps', 'ofctl', 'dist', 'commands', 'parse-flow.js'))) {
    step('flow syntax', 'ofctl', [
      'parse-flow',
      'tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=mod_nw_dst:192.168.0.1,output:2',
    ]);
  }

  console.log('\n# flow extraction over fixtures/pcap/mix-small.pcap (first 6 packets)');
  const packet = await import(pathToFileURL(join(root, 'libs', 'packet', 'dist', 'index.js')).href);
  const pcap = await import(pathToFileURL(join(root, 'libs', 'pcap', 'dist', 'index.js')).href);
  const packets = await pcap.readCaptureFile(join(root, 'fixtures', 'pcap', 'mix-small.pcap'));
  const key = packet.createFlowKey();
  for (const p of packets.slice(0, 6)) {
    packet.extractFlow(p.data, 1, key);
    console.log(`Flow: ${packet.formatFlow(key)}`);
  }
  console.log(`(${packets.length} packets in the capture)`);
  step('stop switchd', 'appctl', ['--rundir', rundir, 'exit']);
} finally {
  rmSync(rundir, { recursive: true, force: true });
}
