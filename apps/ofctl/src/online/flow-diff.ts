import { statSync } from 'node:fs';
import { UserError } from '@softswitch/cli-kit';
import type { Action, FlowMod, Match } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { collectFlows } from './dump.js';
import { readInputFile } from './input-file.js';
import { encodeNxStatsRequest, NXST_FLOW } from './nx-stats.js';
import { nameLookupXids } from './port-names.js';
import { allowedProtocolsFor, dumpPreference, openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string; bundle?: boolean; names?: boolean };

/** One version of a flow table entry (OVS's fte_version): what replace/diff-flows compare. */
interface FteVersion {
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  /** Only send_flow_rem (flags cannot be read back from a switch). */
  flags: number;
  actions: Action[];
  tableId: number;
}

/** A flow table entry: the rule (table, priority, match) and its version from each side. */
interface Fte {
  tableId: number;
  priority: number;
  match: Match;
  ruleText: string;
  versions: [FteVersion | undefined, FteVersion | undefined];
}

class FteTable {
  readonly entries = new Map<string, Fte>();

  insert(of: Of, match: Match, priority: number, version: FteVersion, index: 0 | 1): void {
    const ruleText = of.formatMatch(match, priority);
    const key = `${version.tableId} ${ruleText}`;
    let fte = this.entries.get(key);
    if (!fte) {
      fte = { tableId: version.tableId, priority, match, ruleText, versions: [undefined, undefined] };
      this.entries.set(key, fte);
    }
    fte.versions[index] = version;
  }

  /** By table, then priority (highest first), then rule text: a stable order for output and mods. */
  sorted(): Fte[] {
    return [...this.entries.values()].sort(
      (a, b) => a.tableId - b.tableId || b.priority - a.priority || (a.ruleText < b.ruleText ? -1 : 1),
    );
  }
}

function versionsEqual(of: Of, a: FteVersion, b: FteVersion): boolean {
  return (
    a.cookie === b.cookie &&
    a.idleTimeout === b.idleTimeout &&
    a.hardTimeout === b.hardTimeout &&
    a.importance === b.importance &&
    a.tableId === b.tableId &&
    of.formatActions(a.actions) === of.formatActions(b.actions)
  );
}

/** Reads FILE's flows into `table` as version `index`; returns the protocols able to carry them. */
function readFlowsFromFile(of: Of, name: string, table: FteTable, index: 0 | 1): number {
  const text = readInputFile(name);
  let usable = of.P_ANY;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (!line) continue;
    let parsed: { fm: FlowMod; usable: number };
    try {
      parsed = of.parseFlow(line, 0);
    } catch (e) {
      throw new UserError(`${name}:${i + 1}: ${(e as Error).message}`);
    }
    usable &= parsed.usable;
    const fm = parsed.fm;
    table.insert(
      of,
      fm.match,
      fm.priority,
      {
        cookie: fm.newCookie,
        idleTimeout: fm.idleTimeout,
        hardTimeout: fm.hardTimeout,
        importance: fm.importance,
        flags: fm.flags & of.FlowModFlag.SEND_FLOW_REM,
        actions: fm.actions,
        tableId: fm.tableId !== 0xff ? fm.tableId : 0,
      },
      index,
    );
  }
  return usable;
}

/**
 * ovs-ofctl's set_protocol_for_flow_dump: the first dump protocol (newest first) that `usable`
 * and the allowed ones share, switching an OpenFlow 1.0 connection to NXM when needed.
 */
async function protocolForDump(of: Of, conn: OfConnection, usable: number, flags: Flags): Promise<number> {
  const allowed = allowedProtocolsFor(of, flags);
  for (const p of dumpPreference(of)) {
    if (!(p & usable & allowed & of.protocolsForVersion(conn.version))) continue;
    if (conn.version === 1 && p & of.P_OF10_NXM_ANY) {
      await conn.transactNoReply(
        of.encodeMessage({ type: 'nx_set_flow_format', version: 1, xid: conn.takeXid(), format: 2 }),
      );
    }
    return p;
  }
  const usableText = of.protocolsToString(usable);
  if (usable & allowed) throw new UserError(`switch does not support any of the usable flow formats (${usableText})`);
  throw new UserError(
    `none of the usable flow formats (${usableText}) is among the allowed flow formats (${of.protocolsToString(allowed)})`,
  );
}

/** Every flow of the switch (all tables) into `table` as version `index`. */
async function readFlowsFromSwitch(
  of: Of,
  conn: OfConnection,
  protocol: number,
  table: FteTable,
  index: 0 | 1,
): Promise<void> {
  const request = {
    tableId: 0xff,
    outPort: 0xffff,
    outGroup: 0xffffffff,
    cookie: 0n,
    cookieMask: 0n,
    match: new of.Match(),
  };
  const xid = conn.takeXid();
  const bytes =
    protocol & of.P_OF10_NXM_ANY
      ? encodeNxStatsRequest(of, NXST_FLOW, request, xid)
      : of.encodeMessage({
          type: 'multipart_request',
          version: conn.version,
          xid,
          flags: 0,
          body: { mp: 'flow', request },
        });
  for (const f of collectFlows(of, await conn.transact(bytes))) {
    table.insert(
      of,
      f.match,
      f.priority,
      {
        cookie: f.cookie,
        idleTimeout: f.idleTimeout,
        hardTimeout: f.hardTimeout,
        importance: 0,
        flags: 0,
        actions: f.actions,
        tableId: f.tableId,
      },
      index,
    );
  }
}

function flowModFor(of: Of, fte: Fte, v: FteVersion, command: number): FlowMod {
  const fm = of.newFlowMod();
  fm.command = command;
  fm.priority = fte.priority;
  fm.newCookie = v.cookie;
  fm.tableId = v.tableId;
  fm.idleTimeout = v.idleTimeout;
  fm.hardTimeout = v.hardTimeout;
  fm.importance = v.importance;
  fm.flags = v.flags;
  fm.match = fte.match;
  if (command === 0) fm.actions = v.actions;
  return fm;
}

/**
 * ovs-ofctl's transact_multiple_noreply: every request, then one barrier; the first error reply
 * is printed as ovs-ofctl prints it (exit status 1).
 */
async function transactMultipleNoReply(of: Of, conn: OfConnection, requests: Uint8Array[]): Promise<void> {
  const { OpenFlowErrorReply } = await import('./connection.js');
  for (const r of requests) conn.sendRaw(r);
  const barrierXid = conn.takeXid();
  conn.sendMessage({ type: 'barrier_request', version: conn.version, xid: barrierXid });
  for (;;) {
    const r = await conn.receive();
    if (r[1] === 1) throw new OpenFlowErrorReply(of.ofpPrint(r));
    if (new DataView(r.buffer, r.byteOffset, r.byteLength).getUint32(4) === barrierXid) return;
  }
}

/** replace-flows SWITCH FILE: deletes what only the switch has, adds what is new or changed. */
export async function replaceFlows(
  of: Of,
  spec: string,
  file: string,
  flags: Flags,
  track: (c: OfConnection) => OfConnection,
): Promise<void> {
  const table = new FteTable();
  // ovs-ofctl looks up port and table names on two short connections first (4 xids).
  const usable = readFlowsFromFile(of, file, table, 0);
  const conn = track(await openSwitch(of, spec, flags, nameLookupXids(flags)));
  const protocol = await protocolForDump(of, conn, usable, flags);
  await readFlowsFromSwitch(of, conn, protocol, table, 1);
  const requests: Uint8Array[] = [];
  const entries = table.sorted();
  for (const fte of entries) {
    const [fileVer, swVer] = fte.versions;
    if (swVer && !fileVer) requests.push(of.encodeFlowMod(flowModFor(of, fte, swVer, 4), protocol, conn.takeXid()));
  }
  for (const fte of entries) {
    const [fileVer, swVer] = fte.versions;
    if (fileVer && (!swVer || !versionsEqual(of, swVer, fileVer)))
      requests.push(of.encodeFlowMod(flowModFor(of, fte, fileVer, 0), protocol, conn.takeXid()));
  }
  if (flags.bundle) await (await import('./bundle.js')).bundleTransact(of, conn, requests);
  else await transactMultipleNoReply(of, conn, requests);
}

/** A diff-flows source names a file when it looks like a path or exists without a ':'. */
function isFile(source: string): boolean {
  if (source.startsWith('/') || source.startsWith('.')) return true;
  if (source.includes(':')) return false;
  try {
    statSync(source);
    return true;
  } catch {
    return false;
  }
}

function formatVersion(of: Of, fte: Fte, v: FteVersion): string {
  let s = v.tableId ? `table=${v.tableId} ` : '';
  s += fte.ruleText;
  if (v.cookie) s += ` cookie=0x${v.cookie.toString(16)}`;
  if (v.idleTimeout) s += ` idle_timeout=${v.idleTimeout}`;
  if (v.hardTimeout) s += ` hard_timeout=${v.hardTimeout}`;
  if (v.importance) s += ` importance=${v.importance}`;
  return `${s} actions=${of.formatActions(v.actions)}\n`;
}

/** diff-flows SOURCE1 SOURCE2: "-" lines for SOURCE1's version, "+" for SOURCE2's; exit 2 if any. */
export async function diffFlows(
  of: Of,
  sources: [string, string],
  flags: Flags,
  track: (c: OfConnection) => OfConnection,
): Promise<boolean> {
  const table = new FteTable();
  for (const index of [0, 1] as const) {
    const source = sources[index];
    if (isFile(source)) readFlowsFromFile(of, source, table, index);
    else {
      const conn = track(await openSwitch(of, source, flags));
      const protocol = await protocolForDump(of, conn, of.P_ANY, flags);
      await readFlowsFromSwitch(of, conn, protocol, table, index);
      conn.close();
    }
  }
  let out = '';
  for (const fte of table.sorted()) {
    const [a, b] = fte.versions;
    if (a && b && versionsEqual(of, a, b)) continue;
    if (a) out += `-${formatVersion(of, fte, a)}`;
    if (b) out += `+${formatVersion(of, fte, b)}`;
  }
  process.stdout.write(out);
  return out.length > 0;
}
