/**
 * The Linux kernel as the offload target (`type=tc`): a megaflow received on a `system` or `tap`
 * port whose actions are outputs to other such ports becomes a `cls_u32` filter on the port's
 * ingress qdisc with `act_mirred` actions (mirror to every output but the last, redirect to the
 * last), so the kernel forwards matching packets without switchd. Counters are read back with
 * `tc -s -j filter show`.
 *
 * Our filters live at two preferences of the ingress hook, so they are recognisable and removed
 * as a whole on start and stop: PRIO_GUARD holds one `cls_bpf` filter that matches VLAN-tagged
 * packets and does nothing (they go on to software: u32 cannot see a lifted tag), PRIO_FLOWS the
 * u32 filters, handle `800::N` per entry.
 *
 * switchd's AF_PACKET socket sees every received packet before tc runs (a packet tap), so it
 * also sees the packets the kernel forwards: `classify` runs the same u32 keys over the frame and
 * tells the datapath to drop its copy. An entry counts as active only once `tc` confirmed it and
 * stops before `tc` is asked to remove it, so a change of state can duplicate a packet (both
 * forward it) but never lose one.
 */
import { execFile } from 'node:child_process';
import type { DpPort } from '@softswitch/datapath';
import { type HwFlowStats, type OffloadFlow, type OffloadProvider, OK, type OpResult } from './provider.js';
import { matchFrame, megaflowToU32, type U32Match, u32Args } from './tc-u32.js';

export const TC_PRIO_GUARD = 0xc0d0;
export const TC_PRIO_FLOWS = 0xc0d1;
/** Classic BPF: match (return -1) when the packet carries a VLAN tag (SKF_AD_VLAN_TAG_PRESENT). */
const VLAN_GUARD_BYTECODE = '4,32 0 0 4294963248,21 1 0 0,6 0 0 4294967295,6 0 0 0';
const MAX_HANDLE = 0xfff;

export type TcRunner = (args: readonly string[]) => Promise<string>;

/** Runs `tc ARGS...`; rejects with tc's message. */
export const runTc: TcRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('tc', args as string[], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tc ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });

export interface TcOptions {
  /** Most entries over all ports (default 4096). */
  readonly capacity?: number;
  readonly run?: TcRunner;
  /** The datapath's clock, for `used` (default performance.now). */
  readonly clock?: () => number;
  readonly log?: (message: string) => void;
}

interface TcEntry {
  readonly id: number;
  readonly dev: string;
  readonly inPort: number;
  readonly handle: number;
  readonly match: U32Match;
  /** Forwarding in the kernel and recognised in software. */
  active: boolean;
  stats: HwFlowStats;
}

interface TcDevice {
  readonly name: string;
  /** Operations on the device run one after the other. */
  chain: Promise<unknown>;
  ready: Promise<void>;
  readonly handles: Set<number>;
}

export class TcProvider implements OffloadProvider {
  readonly type = 'tc';
  readonly forwardsItself = true;
  /** Every new flow the kernel can take goes there (each `tc` run costs a process: a bound). */
  readonly coldOffersPerRound = 16;
  readonly capacity: number;
  private readonly run: TcRunner;
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  private readonly devices = new Map<string, TcDevice>();
  private readonly entries = new Map<number, TcEntry>();
  /** Active entries per datapath input port (what `classify` scans). */
  private byPort: TcEntry[][] = [];
  private portFor: (no: number) => DpPort | undefined = () => undefined;

  constructor(options: TcOptions = {}) {
    this.capacity = options.capacity ?? 4096;
    this.run = options.run ?? runTc;
    this.clock = options.clock ?? (() => performance.now());
    this.log = options.log ?? (() => undefined);
  }

  get used(): number {
    return this.entries.size;
  }

  /** Linux devices only; the first sight of one clears what an earlier run left there. */
  serves(port: DpPort): boolean {
    const t = port.netdev.type;
    if (t !== 'system' && t !== 'tap') return false;
    this.device(port.netdev.name);
    return true;
  }

  check(flow: OffloadFlow, port: (no: number) => DpPort | undefined): OpResult {
    this.portFor = port;
    const actions = flow.actions.actions;
    if (actions.length === 0) return { ok: false, reason: 'unsupported-action', detail: 'drop (no act_gact)' };
    for (const a of actions) {
      if (a.type !== 'output') return { ok: false, reason: 'unsupported-action', detail: a.type };
      const out = port(a.port);
      if (out === undefined || (out.netdev.type !== 'system' && out.netdev.type !== 'tap'))
        return { ok: false, reason: 'unsupported-action', detail: `output to non-Linux port ${a.port}` };
    }
    const m = megaflowToU32(flow.key, flow.mask);
    if (!m.ok) return { ok: false, reason: 'unsupported-match', detail: m.detail };
    return OK;
  }

  private device(name: string): TcDevice {
    let d = this.devices.get(name);
    if (d !== undefined) return d;
    const dev: TcDevice = { name, chain: Promise.resolve(), ready: Promise.resolve(), handles: new Set() };
    dev.ready = this.prepare(name);
    dev.chain = dev.ready.catch(() => undefined);
    this.devices.set(name, dev);
    d = dev;
    return d;
  }

  /** Ingress qdisc, no filter of ours left from before, the VLAN guard. */
  private async prepare(dev: string): Promise<void> {
    await this.run(['qdisc', 'add', 'dev', dev, 'ingress']).catch(() => undefined); // exists already: fine
    await this.clear(dev);
    await this.run([
      'filter',
      'add',
      'dev',
      dev,
      'ingress',
      'prio',
      String(TC_PRIO_GUARD),
      'protocol',
      'all',
      'bpf',
      'bytecode',
      VLAN_GUARD_BYTECODE,
    ]);
  }

  private async clear(dev: string): Promise<void> {
    for (const prio of [TC_PRIO_FLOWS, TC_PRIO_GUARD])
      await this.run(['filter', 'del', 'dev', dev, 'ingress', 'prio', String(prio)]).catch(() => undefined);
  }

  /** Queues `op` after everything already asked of `dev`. */
  private queue<T>(dev: TcDevice, op: () => Promise<T>): Promise<T> {
    const next = dev.chain.then(op);
    dev.chain = next.catch(() => undefined);
    return next;
  }

  private filterArgs(verb: string, e: TcEntry, flow: OffloadFlow): string[] {
    const args = [
      'filter',
      verb,
      'dev',
      e.dev,
      'ingress',
      'prio',
      String(TC_PRIO_FLOWS),
      'handle',
      `800::${e.handle.toString(16)}`,
      'protocol',
      'all',
      'u32',
      ...u32Args(e.match),
    ];
    const outs = flow.actions.actions.map((a) => (a.type === 'output' ? this.portFor(a.port)?.netdev.name : undefined));
    outs.forEach((name, i) => {
      args.push('action', 'mirred', 'egress', i === outs.length - 1 ? 'redirect' : 'mirror', 'dev', String(name));
    });
    return args;
  }

  async install(id: number, flow: OffloadFlow): Promise<OpResult> {
    const checked = this.check(flow, this.portFor);
    if (!checked.ok) return checked;
    if (this.entries.size >= this.capacity) return { ok: false, reason: 'no-capacity' };
    const inPort = flow.key[0];
    const port = this.portFor(inPort);
    if (port === undefined) return { ok: false, reason: 'failure', detail: `no port ${inPort}` };
    const dev = this.device(port.netdev.name);
    let handle = 1;
    while (dev.handles.has(handle) && handle <= MAX_HANDLE) handle++;
    if (handle > MAX_HANDLE) return { ok: false, reason: 'no-capacity', detail: `${dev.name}: u32 handles` };
    dev.handles.add(handle);
    const m = megaflowToU32(flow.key, flow.mask);
    if (!m.ok) return { ok: false, reason: 'unsupported-match', detail: m.detail };
    const e: TcEntry = {
      id,
      dev: dev.name,
      inPort,
      handle,
      match: m.match,
      active: false,
      stats: { packets: 0, bytes: 0, used: 0, tcpFlags: 0 },
    };
    this.entries.set(id, e);
    const args = this.filterArgs('add', e, flow);
    try {
      await this.queue(dev, async () => {
        await dev.ready; // no u32 filter without the VLAN guard in front of it
        return this.run(args);
      });
    } catch (err) {
      this.entries.delete(id);
      dev.handles.delete(handle);
      return { ok: false, reason: 'failure', detail: (err as Error).message };
    }
    if (this.entries.get(id) !== e) return OK; // removed while being added: the removal is queued behind
    this.activate(e);
    return OK;
  }

  async modify(id: number, flow: OffloadFlow): Promise<OpResult> {
    const e = this.entries.get(id);
    if (e === undefined) return { ok: false, reason: 'failure', detail: `no entry ${id}` };
    const checked = this.check(flow, this.portFor);
    if (!checked.ok) return checked;
    // Software forwards the flow's packets while the kernel switches actions (duplicates, no loss).
    this.deactivate(e);
    try {
      await this.queue(this.device(e.dev), () => this.run(this.filterArgs('replace', e, flow)));
    } catch (err) {
      return { ok: false, reason: 'failure', detail: (err as Error).message };
    }
    if (this.entries.get(id) === e) {
      this.activate(e);
    }
    return OK;
  }

  async remove(id: number): Promise<OpResult> {
    const e = this.entries.get(id);
    if (e === undefined) return OK;
    this.deactivate(e);
    this.entries.delete(id);
    const dev = this.device(e.dev);
    try {
      await this.queue(dev, () =>
        this.run([
          'filter',
          'del',
          'dev',
          e.dev,
          'ingress',
          'prio',
          String(TC_PRIO_FLOWS),
          'handle',
          `800::${e.handle.toString(16)}`,
          'u32',
        ]),
      );
    } catch (err) {
      const message = (err as Error).message;
      // Already gone (the device went away, or the add never happened): nothing is left behind.
      if (!/No such|Cannot find|not found|Invalid handle/i.test(message)) {
        this.entries.set(id, e);
        return { ok: false, reason: 'failure', detail: message };
      }
    }
    dev.handles.delete(e.handle);
    return OK;
  }

  private activate(e: TcEntry): void {
    e.active = true;
    let list = this.byPort[e.inPort];
    if (list === undefined) {
      list = [];
      this.byPort[e.inPort] = list;
    }
    list.push(e);
  }

  private deactivate(e: TcEntry): void {
    e.active = false;
    const list = this.byPort[e.inPort];
    if (list === undefined) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
  }

  classify(inPort: number, frame: Uint8Array): number {
    const list = this.byPort[inPort];
    if (list === undefined) return -1;
    for (let i = 0; i < list.length; i++) if (matchFrame(list[i].match, frame)) return list[i].id;
    return -1;
  }

  account(): void {
    // The kernel counts.
  }

  stats(id: number): HwFlowStats | undefined {
    return this.entries.get(id)?.stats;
  }

  ids(): number[] {
    return [...this.entries.keys()];
  }

  /** Reads every device's filter counters (`tc -s -j filter show`). */
  async refresh(): Promise<void> {
    for (const dev of this.devices.values()) {
      if (dev.handles.size === 0) continue;
      let text: string;
      try {
        text = await this.run([
          '-s',
          '-j',
          'filter',
          'show',
          'dev',
          dev.name,
          'ingress',
          'prio',
          String(TC_PRIO_FLOWS),
        ]);
      } catch (err) {
        this.log((err as Error).message);
        continue;
      }
      const now = this.clock();
      const byHandle = new Map<number, TcEntry>();
      for (const e of this.entries.values()) if (e.dev === dev.name) byHandle.set(e.handle, e);
      for (const f of parseFilterStats(text)) {
        const e = byHandle.get(f.handle);
        if (e === undefined || f.packets < e.stats.packets) continue;
        if (f.packets > e.stats.packets) e.stats.used = now - f.lastUsedMs;
        e.stats.packets = f.packets;
        e.stats.bytes = f.bytes;
      }
    }
  }

  /** Every filter of ours in the kernel, per device (tests and `close`). */
  async listFilters(dev: string): Promise<number[]> {
    const text = await this.run(['-j', 'filter', 'show', 'dev', dev, 'ingress', 'prio', String(TC_PRIO_FLOWS)]);
    return parseFilterStats(text).map((f) => f.handle);
  }

  /** Removes every filter of ours from every device it touched (switchd stop). */
  async close(): Promise<void> {
    for (const e of this.entries.values()) this.deactivate(e);
    this.entries.clear();
    for (const dev of this.devices.values()) {
      await dev.chain;
      await this.clear(dev.name);
    }
    this.devices.clear();
  }
}

/** Removes our filters from `devs` (what a switchd that died left behind). */
export async function clearTcFilters(devs: readonly string[], run: TcRunner = runTc): Promise<void> {
  for (const dev of devs)
    for (const prio of [TC_PRIO_FLOWS, TC_PRIO_GUARD])
      await run(['filter', 'del', 'dev', dev, 'ingress', 'prio', String(prio)]).catch(() => undefined);
}

interface FilterStats {
  handle: number;
  packets: number;
  bytes: number;
  lastUsedMs: number;
}

/** The u32 filters (`fh 800::N`) of a `tc -s -j filter show` answer with their first action's counters. */
export function parseFilterStats(json: string): FilterStats[] {
  const out: FilterStats[] = [];
  let list: unknown;
  try {
    list = JSON.parse(json || '[]');
  } catch {
    return out;
  }
  if (!Array.isArray(list)) return out;
  for (const f of list as { kind?: string; options?: Record<string, unknown> }[]) {
    const fh = f.options?.fh;
    if (f.kind !== 'u32' || typeof fh !== 'string') continue;
    const m = /^800::([0-9a-f]+)$/.exec(fh);
    if (!m) continue;
    const actions = f.options?.actions as
      | { stats?: { packets?: number; bytes?: number }; last_used?: number }[]
      | undefined;
    const a = actions?.[0];
    out.push({
      handle: Number.parseInt(m[1], 16),
      packets: a?.stats?.packets ?? 0,
      bytes: a?.stats?.bytes ?? 0,
      lastUsedMs: (a?.last_used ?? 0) * 1000,
    });
  }
  return out;
}
