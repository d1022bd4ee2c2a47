import { Dpctl, DpctlError, DROP_REASON_NAMES, DROP_REASONS, parseOdpFlow } from '@softswitch/datapath';
import type { Netdev } from '@softswitch/netdev';
import {
  composeFromKey,
  composePacket,
  createFlowKey,
  extractFlow,
  FlowStringError,
  parseFlowString,
  W,
} from '@softswitch/packet';
import { UnixctlCommandError, type UnixctlServer } from '@softswitch/unixctl';
import type { Bridge } from './bridge.js';
import { OFPP_LOCAL } from './bridge.js';
import type { BridgeSet } from './bridge-set.js';
import { registerCaptureCommands } from './capture.js';
import { registerReplayCommand } from './replay.js';
import { registerTopCommands } from './top.js';

const DPCTL_COMMANDS = [
  'show',
  'dump-dps',
  'dump-flows',
  'get-flow',
  'add-flow',
  'mod-flow',
  'del-flow',
  'del-flows',
  'add-if',
  'del-if',
  'offload-stats-show',
] as const;

const HEX_PACKET = /^([0-9a-fA-F]{2})+$/;

/**
 * The switch's `ovs-appctl` commands, answering as Open vSwitch prints them. Each command reads
 * the live bridges and datapath; the ones that change state revalidate the datapath's flows.
 */
export function registerSwitchCommands(server: UnixctlServer, set: BridgeSet): void {
  const dp = set.datapath;
  const dpctl = new Dpctl(dp);
  const bridgeNamed = (name: string | undefined): Bridge => {
    const b = name === undefined ? undefined : set.bridges.get(name);
    if (!b) throw new UnixctlCommandError('no such bridge');
    return b;
  };
  const portName = (ofport: number) => (ofport === OFPP_LOCAL ? 'LOCAL' : String(ofport));

  server.register('ofproto/list', '', 0, 0, () =>
    [...set.bridges.keys()]
      .sort()
      .map((n) => `${n}\n`)
      .join(''),
  );

  server.register('ofproto/trace', '[dp_name]|bridge odp_flow|br_flow [packet]', 1, 3, (args) => {
    let rest = args;
    let bridge: Bridge | undefined = set.bridges.get(args[0]);
    if (bridge) rest = args.slice(1);
    else if (set.bridges.size === 1) bridge = [...set.bridges.values()][0];
    if (!bridge) throw new UnixctlCommandError('no such bridge');
    if (rest.length === 0) throw new UnixctlCommandError('"ofproto/trace" needs a flow');
    // Ports may be named, as Open vSwitch allows (`in_port=p1`, `in_port=LOCAL`).
    const target = bridge;
    const flowText = rest[0].replace(/\bin_port=([A-Za-z][\w.-]*)/, (whole, name: string) => {
      if (name === 'LOCAL') return `in_port=${OFPP_LOCAL}`;
      const iface = target.ifaces.get(name);
      return iface ? `in_port=${iface.config.ofport}` : whole;
    });
    let key: Uint32Array;
    try {
      key = parseFlowString(flowText);
    } catch (err) {
      if (err instanceof FlowStringError) throw new UnixctlCommandError(err.message);
      throw err;
    }
    if (rest[1] !== undefined) {
      // A packet: its headers make the flow; the flow argument only gives the input port.
      if (!HEX_PACKET.test(rest[1])) throw new UnixctlCommandError('Trailing garbage in packet data');
      const inPort = key[W.IN_PORT];
      key = createFlowKey();
      extractFlow(Buffer.from(rest[1], 'hex'), inPort, key);
      // As Open vSwitch: tracing a real packet has its side effects (MAC learning).
      bridge.ofproto.translate(key, { mayLearn: true });
      set.scheduleRevalidate();
    }
    return bridge.ofproto.trace(key);
  });

  server.register('fdb/show', 'bridge', 1, 1, (args) => {
    const b = bridgeNamed(args[0]);
    return b.ofproto.macs.show(portName);
  });
  server.register('fdb/flush', '[bridge]', 0, 1, (args) => {
    const targets = args[0] === undefined ? [...set.bridges.values()] : [bridgeNamed(args[0])];
    for (const b of targets) b.ofproto.macs.flush();
    set.scheduleRevalidate();
    return 'table successfully flushed\n';
  });
  server.register('fdb/stats-show', 'bridge', 1, 1, (args) => {
    const b = bridgeNamed(args[0]);
    return b.ofproto.macs.statsShow(b.name);
  });

  server.register('dpif/show', '', 0, 0, () => {
    const s = dp.stats;
    let out = `${dp.name}: hit:${s.hit} missed:${s.missed}\n`;
    for (const b of [...set.bridges.values()].sort((x, y) => (x.name < y.name ? -1 : 1))) {
      out += `  ${b.name}:\n`;
      const ifaces = [...b.ifaces.values()]
        .filter((e) => e.dpPort !== undefined)
        .sort((x, y) => (x.config.name < y.config.name ? -1 : 1));
      for (const e of ifaces) {
        const label = dp.portList.find((p) => p.portNo === e.dpPort)?.typeLabel ?? e.config.type;
        out += `    ${e.config.name} ${e.config.ofport}/${e.dpPort}: (${label})\n`;
      }
    }
    return out;
  });

  server.register('dpif/dump-flows', '[-m] [--names | --no-names] bridge', 1, 4, (args) => {
    const flags = args.filter((a) => a.startsWith('-'));
    const b = bridgeNamed(args.filter((a) => !a.startsWith('-'))[0]);
    // As Open vSwitch: the verbose form names the ports, and only this bridge's flows show.
    if (flags.includes('-m') && !flags.includes('--no-names')) flags.push('--names');
    const ports = new Set<string>();
    for (const e of b.ifaces.values()) {
      if (e.dpPort === undefined) continue;
      ports.add(String(e.dpPort));
      ports.add(e.config.name);
    }
    return dpctl
      .dumpFlowsArgs(flags)
      .split('\n')
      .filter((line) => ports.has(/in_port\(([^)]*)\)/.exec(line)?.[1] ?? ''))
      .map((line) => `${line}\n`)
      .join('');
  });

  for (const name of DPCTL_COMMANDS) {
    server.register(`dpctl/${name}`, '[dp] ...', 0, 8, async (args) => {
      try {
        return await dpctl.command(name, args);
      } catch (err) {
        if (err instanceof DpctlError) throw new UnixctlCommandError(err.message);
        throw err;
      }
    });
  }

  server.register('dpif/show-drops', '[--all]', 0, 1, (args) => dpctl.showDrops(args.includes('--all')));

  server.register('coverage/show', '', 0, 0, () => {
    const c = set.counters;
    const s = dp.stats;
    const events: [string, number][] = [
      ['dpif_flow_put', s.upcalls],
      ['upcall_handler', c.upcalls],
      ['xlate_failed', c.failed],
      ['rev_flow_table', c.revalidations],
      ['mac_learning_learned', c.macChanges],
      ['datapath_drop_upcall_lost', s.lost],
      ...DROP_REASON_NAMES.map((r): [string, number] => [DROP_REASONS[r], dp.drops.get(r)]),
    ];
    const lines = events
      .filter(([, n]) => n > 0)
      .map(
        ([name, n]) =>
          `${name.padEnd(32)} ${'0.0'.padStart(5)}/sec ${'0.000'.padStart(9)}/sec ${'0.0000'.padStart(8)}/sec   total: ${n}\n`,
      );
    const zero = events.length - lines.length;
    return `Event coverage, avg rate over last: 5 seconds, last minute, last hour,  hash=00000000:\n${lines.join('')}${zero} events never hit\n`;
  });

  server.register('memory/show', '', 0, 0, () => {
    let ports = 0;
    let rules = 0;
    for (const b of set.bridges.values()) {
      ports += b.ifaces.size;
      rules += b.ofproto.dumpFlows().split('\n').filter(Boolean).length;
    }
    return `handlers:1 ports:${ports} revalidators:1 rules:${rules} udpif keys:${dp.stats.flows}\n`;
  });

  server.register('upcall/show', '', 0, 0, () => {
    const s = dp.stats;
    return (
      `${dp.name}:\n` +
      `  flows         : (current ${s.flows}) (avg ${s.flows}) (max ${s.flows}) (limit 10000)\n` +
      '  dump duration : 1ms\n' +
      '  ufid enabled : true\n\n' +
      `  1: (keys ${s.flows})\n`
    );
  });

  server.register('revalidator/purge', '', 0, 0, () => {
    dp.flush();
    return '';
  });
  server.register('revalidator/wait', '', 0, 0, () => {
    set.pushStats();
    set.revalidateNow();
    return '';
  });

  server.register('netdev-dummy/receive', 'name packet|flow...', 2, 64, (args) => {
    const dev = findNetdev(set, args[0]);
    const receive = (dev as (Netdev & { receive?: (f: Uint8Array) => void }) | undefined)?.receive;
    if (!dev || typeof receive !== 'function') throw new UnixctlCommandError('no such dummy netdev');
    for (const spec of args.slice(1)) {
      let frame: Uint8Array;
      if (HEX_PACKET.test(spec)) frame = Buffer.from(spec, 'hex');
      else {
        try {
          // An ODP flow (`eth(...),eth_type(...),ipv4(...)`), as Open vSwitch takes, or an OpenFlow one.
          frame = spec.includes('(') ? composeFromKey(parseOdpFlow(spec).key) : composePacket(spec);
        } catch (err) {
          throw new UnixctlCommandError(`bad packet or flow syntax: ${(err as Error).message}`);
        }
      }
      receive.call(dev, frame);
      set.revalidateIfPending();
    }
    return '';
  });

  server.register('bridge/dump-flows', 'bridge', 1, 1, (args) => {
    const text = bridgeNamed(args[0]).ofproto.dumpFlows();
    return text === '' ? '' : `${text}\n`;
  });

  const levels = new Map<string, string>();
  server.register('vlog/list', '', 0, 0, () => {
    const modules = ['bridge', 'dpif_netdev', 'ofproto', 'netdev_dummy', 'unixctl', 'vswitchd'];
    let out = '                 console    syslog    file\n                 -------    ------    ------\n';
    for (const m of modules) {
      const l = levels.get(m) ?? 'INFO';
      out += `${m.padEnd(17)}${'OFF'.padEnd(11)}${'ERR'.padEnd(10)}${l}\n`;
    }
    return out;
  });
  server.register('vlog/set', '{spec | PATTERN:destination:pattern}', 0, 8, (args) => {
    for (const spec of args) {
      const parts = spec.split(':');
      const level = parts[parts.length - 1];
      if (parts.length >= 2) levels.set(parts[0], level.toUpperCase());
    }
    return '';
  });

  registerReplayCommand(server, set);
  registerCaptureCommands(server, set);
  registerTopCommands(server, set);
}

function findNetdev(set: BridgeSet, name: string): Netdev | undefined {
  for (const b of set.bridges.values()) {
    const e = b.ifaces.get(name);
    if (e?.netdev) return e.netdev;
  }
  return undefined;
}
