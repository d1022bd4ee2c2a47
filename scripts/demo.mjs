#!/usr/bin/env node
// `npm run demo`: the main job end to end in a private run directory — switchd with its embedded
// config DB, a bridge of dummy ports configured with vsctl, packets injected and forwarded by
// NORMAL (MAC learning), the datapath's megaflows, ofproto/trace, OpenFlow flow syntax, and what
// each port transmitted — then everything is stopped and removed.
import { spawn, spawnSync } from 'node:child_process';
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
  if (namespaceDemoMissing() === undefined) await namespaceDemo();
  else console.log(`\n# (namespace demo skipped: ${namespaceDemoMissing()})`);
} finally {
  rmSync(rundir, { recursive: true, force: true });
}

/** Why the namespace demo cannot run here (it needs root, iproute2, ping and iperf3), or undefined. */
function namespaceDemoMissing() {
  if (process.getuid?.() !== 0) return 'needs root';
  const missing = ['ip', 'ping', 'iperf3'].filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  return missing.length ? `needs ${missing.join(', ')}` : undefined;
}

/** Runs a system command, echoing it; throws on failure unless `mayFail`. */
function sys(cmd, args, { quiet = false, mayFail = false } = {}) {
  if (!quiet) console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (!quiet) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
  }
  if (r.status !== 0 && !mayFail)
    throw new Error(`demo: ${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout ?? '';
}

/**
 * Two network namespaces whose only link is a softswitch bridge: each host's veth end sits in its
 * namespace, the other end is a `system` port of the bridge (AF_PACKET). The hosts' own kernel
 * stacks ping (ARP first) and stream TCP with iperf3 through switchd. Everything is removed after.
 */
async function namespaceDemo() {
  const tag = process.pid % 100000;
  const hosts = ['a', 'b'].map((h, i) => ({
    ns: `ssdemo${tag}${h}`,
    port: `ssdv${tag}${h}`,
    peer: `ssdv${tag}${h}n`,
    ip: `10.99.0.${i + 1}`,
  }));
  const nsRun = join(rundir, 'ns');
  const nsDb = `--db=unix:${join(nsRun, 'db.sock')}`;
  let started = false;
  console.log('\n# ---- real hosts: two network namespaces joined by softswitch (system ports on veths) ----');
  try {
    for (const h of hosts) {
      sys('ip', ['netns', 'add', h.ns]);
      sys('ip', ['link', 'add', h.port, 'type', 'veth', 'peer', 'name', h.peer]);
      sys('ip', ['link', 'set', h.peer, 'netns', h.ns]);
      sys('ip', ['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', h.peer]);
      sys('ip', ['-n', h.ns, 'link', 'set', h.peer, 'up']);
      sys('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up'], { quiet: true });
    }
    step(
      'switchd',
      ['--rundir', nsRun, '--db-file', join(nsRun, 'conf.db'), '--detach', '--log-file', join(nsRun, 'switchd.log')],
      'a second switchd for the namespaces',
    );
    started = true;
    const ports = hosts.flatMap((h) => [
      '--',
      'add-port',
      'br1',
      h.port,
      '--',
      'set',
      'interface',
      h.port,
      'type=system',
    ]);
    step('vsctl', [nsDb, 'add-br', 'br1', ...ports], "the veths' outer ends become system ports of br1");
    console.log(`\n# host a pings host b (ARP, then ICMP, both through switchd)`);
    sys('ip', ['netns', 'exec', hosts[0].ns, 'ping', '-c', '3', '-i', '0.2', '-w', '5', hosts[1].ip]);
    console.log('\n# TCP: iperf3 for 2 seconds from host a to host b');
    const server = spawn('ip', ['netns', 'exec', hosts[1].ns, 'iperf3', '-s', '-1', '-B', hosts[1].ip], {
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 10_000;
      while (
        !sys('ip', ['netns', 'exec', hosts[1].ns, 'ss', '-Hltn'], { quiet: true, mayFail: true }).includes(
          `${hosts[1].ip}:5201`,
        )
      ) {
        if (Date.now() > deadline) throw new Error('demo: iperf3 server did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const out = sys('ip', ['netns', 'exec', hosts[0].ns, 'iperf3', '-c', hosts[1].ip, '-t', '2'], { quiet: true });
      console.log(`$ ip netns exec ${hosts[0].ns} iperf3 -c ${hosts[1].ip} -t 2`);
      process.stdout.write(
        `${out
          .split('\n')
          .filter((l) => /sender|receiver/.test(l))
          .join('\n')}\n`,
      );
    } finally {
      server.kill();
    }
    step('appctl', ['--rundir', nsRun, 'fdb/show', 'br1'], 'NORMAL learned both hosts');
    step('appctl', ['--rundir', nsRun, 'dpctl/show'], 'the datapath: lookups, hits and the ports with their counters');
  } finally {
    if (started)
      spawnSync(process.execPath, [join(root, 'bin', 'appctl'), '--rundir', nsRun, 'exit'], { stdio: 'ignore' });
    for (const h of hosts) {
      sys('ip', ['netns', 'del', h.ns], { quiet: true, mayFail: true });
      if (existsSync(`/sys/class/net/${h.port}`)) sys('ip', ['link', 'del', h.port], { quiet: true, mayFail: true });
    }
  }
}
