/**
 * `ovs-appctl dpctl/...` over a Datapath: pure methods that take the command's arguments and
 * return the text Open vSwitch prints (or throw DpctlError with Open vSwitch's error text).
 * switchd exposes them on its control socket.
 */
import { createNetdev } from '@softswitch/netdev';
import { formatActions, parseActions } from './actions.js';
import { type Datapath, type DpFlow, flowUfid } from './datapath.js';
import { DROP_REASON_NAMES, DROP_REASONS } from './drop-reasons.js';
import { formatOdpFlow, parseOdpFlow } from './odp-flow.js';
import { OdpSyntaxError } from './odp-key.js';

export class DpctlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DpctlError';
  }
}

/** TCP flag letters in Open vSwitch's order (packet_format_tcp_flags); bits 9-11 print as [200].... */
const TCP_FLAG_CHARS: readonly [number, string][] = [
  [0x002, 'S'],
  [0x001, 'F'],
  [0x008, 'P'],
  [0x004, 'R'],
  [0x020, 'U'],
  [0x010, '.'],
  [0x040, 'E'],
  [0x080, 'C'],
  [0x100, 'N'],
  [0x200, '[200]'],
  [0x400, '[400]'],
  [0x800, '[800]'],
];

export function formatTcpFlags(flags: number): string {
  let s = '';
  for (const [bit, c] of TCP_FLAG_CHARS) if (flags & bit) s += c;
  return s;
}

export interface DumpFlowsOptions {
  /** `-m`: ufid, wildcarded fields, `dp:ovs` and which cache holds the flow. */
  verbose?: boolean;
  /** `--names`: port names instead of numbers (default with `-m`). */
  names?: boolean;
  /** `filter=FLOW`: only flows whose match agrees with FLOW on FLOW's fields. */
  filter?: string;
  /**
   * `type=` (a comma-separated list, as Open vSwitch takes it): `all`; `ovs` (flows only software
   * holds), `offloaded`, `non-offloaded`, a provider layer (`tc`, `sim`); our own `emc` (flows an
   * EMC entry points to) and `megaflow` (the others).
   */
  type?: string;
}

export interface ShowOptions {
  /** `-s`: per-port statistics. */
  statistics?: boolean;
  /** Also print the `masks:` line (Open vSwitch's userspace datapath does not report masks). */
  masks?: boolean;
}

/** Flows an EMC slot currently points to. */
function emcFlows(dp: Datapath): Set<DpFlow> {
  // The EMC keeps its slots private; read them for reporting only (see README: wants an accessor).
  const slots = (dp.cache.emc as unknown as { flows?: (DpFlow | null)[] }).flows ?? [];
  const out = new Set<DpFlow>();
  for (const f of slots) if (f && !f.dead) out.add(f);
  return out;
}

export class Dpctl {
  constructor(readonly dp: Datapath) {}

  private parseFlow(text: string) {
    try {
      return parseOdpFlow(text, this.dp.portNumber);
    } catch (e) {
      if (e instanceof OdpSyntaxError) throw new DpctlError(`parsing flow key (${e.message})`);
      throw e;
    }
  }

  private parseActs(text: string) {
    try {
      return parseActions(text, this.dp.portNumber);
    } catch (e) {
      if (e instanceof OdpSyntaxError) throw new DpctlError(`parsing actions (${e.message})`);
      throw e;
    }
  }

  /**
   * Every drop reason with its count (non-zero ones, or all with `all`), for
   * `appctl dpif/show-drops` and `coverage/show`: `  NAME: N` lines under a header.
   */
  showDrops(all = false): string {
    let out = `${this.dp.name}: datapath drops:\n`;
    for (const reason of DROP_REASON_NAMES) {
      const n = this.dp.drops.get(reason);
      if (n > 0 || all) out += `  ${DROP_REASONS[reason]}: ${n}\n`;
    }
    return out;
  }

  dumpDps(): string {
    return `${this.dp.name}\n`;
  }

  show(options: ShowOptions = {}): string {
    const s = this.dp.stats;
    let out = `${this.dp.name}:\n`;
    out += `  lookups: hit:${s.hit} missed:${s.missed} lost:${s.lost}\n`;
    out += `  flows: ${s.flows}\n`;
    if (options.masks) {
      const perPkt = s.hit === 0 ? 0 : s.masksHitPerPacket;
      // Subtables probed by megaflow lookups: hits through the SMC probed none.
      out += `  masks: hit:${Math.round(perPkt * (s.megaflowHits - s.smcHits))} total:${s.masks} hit/pkt:${perPkt.toFixed(2)}\n`;
    }
    for (const p of this.dp.portList) {
      out += `  port ${p.portNo}: ${p.netdev.name} (${p.typeLabel})\n`;
      if (options.statistics) {
        const st = p.netdev.stats;
        out += `    RX packets:${st.rx_packets} errors:${st.rx_errors} dropped:${st.rx_dropped} overruns:? frame:?\n`;
        out += `    TX packets:${st.tx_packets} errors:${st.tx_errors} dropped:${st.tx_dropped} aborted:? carrier:?\n`;
        out += '    collisions:?\n';
        out += `    RX bytes:${st.rx_bytes}  TX bytes:${st.tx_bytes}\n`;
      }
    }
    return out;
  }

  /** One dump-flows line. */
  formatFlow(flow: DpFlow, options: DumpFlowsOptions = {}, emc?: Set<DpFlow>): string {
    const names = options.names ?? options.verbose === true;
    const portName = names ? this.dp.portName : undefined;
    const match = formatOdpFlow(
      { key: flow.actions.printKey, mask: flow.mask, packetType: flow.actions.packetType },
      { portName, verbose: options.verbose },
    );
    const used = flow.packets === 0 ? 'never' : `${(Math.max(0, this.dp.now() - flow.used) / 1000).toFixed(3)}s`;
    const flags = flow.tcpFlags ? `, flags:${formatTcpFlags(flow.tcpFlags)}` : '';
    const actions = formatActions(flow.actions.compiled.actions, { portName });
    const stats = `packets:${flow.packets}, bytes:${flow.bytes}, used:${used}${flags}`;
    if (!options.verbose) return `${match}, ${stats}, actions:${actions}`;
    // As Open vSwitch's format_dpif_flow: a flow a provider holds prints `offloaded:yes, dp:LAYER`
    // and, like its tc flows, no dp-extra-info.
    const layer = this.dp.offload?.layerOf(flow);
    if (layer !== undefined)
      return `ufid:${flowUfid(flow.actions)}, ${match}, ${stats}, offloaded:yes, dp:${layer}, actions:${actions}`;
    const cache = (emc ?? emcFlows(this.dp)).has(flow) ? 'emc' : 'megaflow';
    return `ufid:${flowUfid(flow.actions)}, ${match}, ${stats}, dp:ovs, actions:${actions}, dp-extra-info:cache(${cache})`;
  }

  /** Which dump types a flow passes (Open vSwitch's flow_passes_type_filter, plus emc/megaflow). */
  private passesType(flow: DpFlow, types: readonly string[], emc: Set<DpFlow>): boolean {
    const layer = this.dp.offload?.layerOf(flow);
    for (const t of types) {
      if (t === 'all') return true;
      if (t === 'ovs' && layer === undefined) return true;
      if (t === 'offloaded' && layer !== undefined) return true;
      if (t === 'non-offloaded' && layer === undefined) return true;
      if (layer !== undefined && t === layer) return true;
      if (t === 'emc' && layer === undefined && emc.has(flow)) return true;
      if (t === 'megaflow' && layer === undefined && !emc.has(flow)) return true;
    }
    return false;
  }

  /**
   * `dpctl/offload-stats-show`: Open vSwitch's `HW Offload stats:` block, one `Total NAME: N`
   * line per counter of the offload layer (none without one).
   */
  offloadStatsShow(): string {
    let out = 'HW Offload stats:\n';
    for (const c of this.dp.offload?.counters() ?? [])
      out += `     Total${c.name.padStart(34)}:${String(c.value).padStart(8)}\n`;
    return out;
  }

  /** `dpctl/dump-flows [-m] [--names] [filter=FLOW] [type=TYPE]`. */
  dumpFlows(options: DumpFlowsOptions = {}): string {
    const emc = emcFlows(this.dp);
    let flows = this.dp.flows();
    const types = (options.type ?? 'all').split(',');
    if (!types.includes('all')) flows = flows.filter((f) => this.passesType(f, types, emc));
    if (options.filter !== undefined) {
      const filter = this.parseFlow(options.filter);
      flows = flows.filter((f) => {
        for (let i = 0; i < f.key.length; i++)
          if (((f.key[i] ^ filter.key[i]) & filter.mask[i] & f.mask[i]) !== 0) return false;
        return true;
      });
    }
    if (flows.length === 0) return '';
    return `flow-dump from the main thread:\n${flows.map((f) => `${this.formatFlow(f, options, emc)}\n`).join('')}`;
  }

  /** Parses the `dpctl/dump-flows` argument words (`-m`, `--names`, `filter=...`, `type=...`). */
  dumpFlowsArgs(args: readonly string[]): string {
    const options: DumpFlowsOptions = {};
    for (const a of args) {
      if (a === '-m' || a === '--more') options.verbose = true;
      else if (a === '--names') options.names = true;
      else if (a === '--no-names') options.names = false;
      else if (a.startsWith('filter=')) options.filter = a.slice(7);
      else if (a.startsWith('type=')) options.type = a.slice(5);
      else if (a === this.dp.name) continue;
      else throw new DpctlError(`unknown argument "${a}"`);
    }
    return this.dumpFlows(options);
  }

  private flowByUfid(ufid: string): DpFlow | undefined {
    return this.dp.flows().find((f) => flowUfid(f.actions) === ufid);
  }

  /** `dpctl/get-flow ufid:UFID`. */
  getFlow(arg: string): string {
    if (!arg.startsWith('ufid:')) throw new DpctlError('parsing flow ufid');
    const f = this.flowByUfid(arg.slice(5));
    if (!f) throw new DpctlError('getting flow (No such file or directory)');
    return `${this.formatFlow(f, { verbose: true })}\n`;
  }

  /** `dpctl/add-flow FLOW ACTIONS`. */
  addFlow(flowText: string, actionsText: string): string {
    const flow = this.parseFlow(flowText);
    const actions = this.parseActs(actionsText);
    if (this.dp.findFlow(flow.key, flow.mask)) throw new DpctlError('updating flow table (File exists)');
    if (!this.dp.installFlow(flow.key, flow.mask, actions, flow.packetType))
      throw new DpctlError('updating flow table (File too large)');
    return '';
  }

  /** `dpctl/mod-flow [--clear] [--may-create] FLOW ACTIONS`. */
  modFlow(flowText: string, actionsText: string, options: { clear?: boolean; mayCreate?: boolean } = {}): string {
    const flow = this.parseFlow(flowText);
    const actions = this.parseActs(actionsText);
    const existing = this.dp.findFlow(flow.key, flow.mask);
    if (!existing) {
      if (options.mayCreate) return this.addFlow(flowText, actionsText);
      throw new DpctlError('updating flow table (No such file or directory)');
    }
    this.dp.setFlowActions(existing, actions);
    if (options.clear) {
      existing.packets = 0;
      existing.bytes = 0;
      existing.tcpFlags = 0;
    }
    return '';
  }

  /** `dpctl/del-flow FLOW` or `dpctl/del-flow ufid:UFID`. */
  delFlow(arg: string): string {
    const f = arg.startsWith('ufid:')
      ? this.flowByUfid(arg.slice(5))
      : (() => {
          const flow = this.parseFlow(arg);
          return this.dp.findFlow(flow.key, flow.mask);
        })();
    if (!f) throw new DpctlError('deleting flow (No such file or directory)\nPerhaps you need to specify a UFID?');
    this.dp.removeFlow(f);
    return '';
  }

  delFlows(): string {
    this.dp.flush();
    return '';
  }

  /**
   * `dpctl/add-if DP NETDEV[,type=TYPE][,port_no=N][,KEY=VALUE...]`: creates and opens the device
   * (KEY=VALUE become its options) and attaches it.
   */
  async addIf(spec: string): Promise<string> {
    const [name, ...opts] = spec.split(',');
    let type = 'dummy';
    let portNo: number | undefined;
    const options: Record<string, string> = {};
    for (const o of opts) {
      const eq = o.indexOf('=');
      if (eq < 0) throw new DpctlError(`${name}: bad option "${o}"`);
      const k = o.slice(0, eq);
      const v = o.slice(eq + 1);
      if (k === 'type') type = v;
      else if (k === 'port_no') portNo = Number(v);
      else options[k] = v;
    }
    let dev: ReturnType<typeof createNetdev>;
    try {
      dev = createNetdev(type, name, options);
    } catch (e) {
      throw new DpctlError(`${name}: ${(e as Error).message}`);
    }
    const err = await dev.open();
    if (err !== undefined) throw new DpctlError(`${name}: ${err}`);
    try {
      this.dp.addPort(dev, portNo);
    } catch (e) {
      await dev.close();
      throw new DpctlError((e as Error).message);
    }
    return '';
  }

  /** `dpctl/del-if DP NETDEV`: detaches and closes the device. */
  async delIf(name: string): Promise<string> {
    const p = this.dp.portByName(name);
    if (!p) throw new DpctlError(`${name}: no port named ${name}`);
    this.dp.removePort(p.portNo);
    await p.netdev.close();
    return '';
  }

  /**
   * Runs `dpctl/COMMAND ARGS...` as `ovs-appctl` passes them (an optional leading datapath name
   * is accepted), for switchd's control socket. Throws DpctlError with Open vSwitch's text.
   */
  async command(name: string, args: readonly string[]): Promise<string> {
    const flags = args.filter((a) => a.startsWith('-'));
    let rest = args.filter((a) => !a.startsWith('-'));
    if (rest[0] === this.dp.name) rest = rest.slice(1);
    const need = (n: number) => {
      if (rest.length < n) throw new DpctlError(`"${name}" command requires at least ${n} arguments`);
    };
    switch (name) {
      case 'dump-dps':
        return this.dumpDps();
      case 'show':
        return this.show({ statistics: flags.includes('-s') || flags.includes('--statistics') });
      case 'dump-flows':
        return this.dumpFlowsArgs([...flags, ...rest]);
      case 'get-flow':
        need(1);
        return this.getFlow(rest[0]);
      case 'add-flow':
        need(2);
        return this.addFlow(rest[0], rest[1]);
      case 'mod-flow':
        need(2);
        return this.modFlow(rest[0], rest[1], {
          clear: flags.includes('--clear'),
          mayCreate: flags.includes('--may-create'),
        });
      case 'del-flow':
        need(1);
        return this.delFlow(rest[0]);
      case 'del-flows':
        return this.delFlows();
      case 'offload-stats-show':
        return this.offloadStatsShow();
      case 'add-if':
        need(1);
        for (const spec of rest) await this.addIf(spec);
        return '';
      case 'del-if':
        need(1);
        for (const n of rest) await this.delIf(n);
        return '';
      default:
        throw new DpctlError(`unknown command "dpctl/${name}"`);
    }
  }
}
