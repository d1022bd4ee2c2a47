#!/usr/bin/env node
// `npm run demo`: the main job end to end in a private run directory — switchd with its embedded
// config DB, a bridge of dummy ports configured with vsctl, packets injected and forwarded by
// NORMAL (MAC learning), the datapath's megaflows, ofproto/trace, OpenFlow flow syntax, and what
// each port transmitted — then everything is stopped and removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rundir = mkdtempSync(join(tmpdir(), 'softswitch-demo-'));
const db = `--db=unix:${join(rundir, 'db.sock')}`;
const appctl = ['--rundir', rundir];

function step(tool, args, comment) {
  if (comment) console.log(`\n# ${comment}`);
  console.log(`$ ${tool} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [join(root, 'bin', tool), ...args], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (r.status !== 0) throw new Error(`demo: ${tool} ${args[0]} failed (exit ${r.status})`);
  return r.stdout;
}

const port = (name, ofport) => [
  '--',
  'add-port',
  'br0',
  name,
  '--',
  'set',
  'interface',
  name,
  'type=dummy',
  `ofport_request=${ofport}`,
  `options:tx_pcap=${join(rundir, `${name}.pcap`)}`,
];
const host = (n) => `50:54:00:00:00:0${n}`;
const frame = (from, to) =>
  `in_port(${from}),eth(src=${host(from)},dst=${host(to)}),eth_type(0x0800),ipv4(src=10.0.0.${from},dst=10.0.0.${to},proto=17,tos=0,ttl=64,frag=no),udp(src=5000,dst=6000)`;

try {
  console.log(`softswitch demo — run directory ${rundir}`);
  step(
    'switchd',
    ['--rundir', rundir, '--db-file', join(rundir, 'conf.db'), '--detach', '--log-file', join(rundir, 'switchd.log')],
    'start the daemon with its embedded config DB',
  );
  step(
    'vsctl',
    [db, 'add-br', 'br0', ...port('p1', 1), ...port('p2', 2), ...port('p3', 3)],
    'a bridge with three dummy ports (vsctl waits until switchd has applied it)',
  );
  step('vsctl', [db, 'show']);
  step(
    'appctl',
    [...appctl, 'netdev-dummy/receive', 'p1', frame(1, 2)],
    'host 1 sends to host 2: unknown yet, so NORMAL floods',
  );
  step(
    'appctl',
    [...appctl, 'netdev-dummy/receive', 'p2', frame(2, 1)],
    'host 2 answers: host 1 was learned, so this one is unicast',
  );
  step('appctl', [...appctl, 'netdev-dummy/receive', 'p1', frame(1, 2)]);
  step('appctl', [...appctl, 'fdb/show', 'br0'], 'the MAC learning table');
  step('appctl', [...appctl, 'dpctl/dump-flows'], 'megaflows the datapath now holds');
  step(
    'appctl',
    [...appctl, 'ofproto/trace', 'br0', `in_port=1,dl_src=${host(1)},dl_dst=${host(3)}`],
    'how the pipeline handles a packet to a host not yet seen',
  );
  if (existsSync(join(root, 'apps', 'ofctl', 'dist', 'commands', 'parse-flow.js'))) {
    step(
      'ofctl',
      ['parse-flow', 'tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=mod_nw_dst:192.168.0.1,output:2'],
      'OpenFlow flow syntax, encoded and printed as ovs-ofctl does',
    );
  }
  step('appctl', [...appctl, 'exit'], 'stop the daemon');

  console.log('\n# what each port transmitted (tx_pcap captures)');
  const pcap = await import(pathToFileURL(join(root, 'libs', 'pcap', 'dist', 'index.js')).href);
  const packet = await import(pathToFileURL(join(root, 'libs', 'packet', 'dist', 'index.js')).href);
  const key = packet.createFlowKey();
  for (const name of ['p1', 'p2', 'p3']) {
    const file = join(rundir, `${name}.pcap`);
    const sent = existsSync(file) ? await pcap.readCaptureFile(file) : [];
    console.log(`${name}: ${sent.length} frame(s)`);
    for (const p of sent) {
      packet.extractFlow(p.data, 0, key);
      console.log(`   ${packet.formatFlow(key)}`);
    }
  }
} finally {
  rmSync(rundir, { recursive: true, force: true });
}
