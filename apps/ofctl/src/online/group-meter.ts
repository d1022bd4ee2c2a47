import { UserError } from '@softswitch/cli-kit';
import type { GroupMod, MeterMod } from '@softswitch/openflow';
import type { ProtocolOptions } from '../protocol-flags.js';
import { dumpTransaction } from './dump-transaction.js';
import { openForFlowMod } from './flow-mods.js';
import { readInputFile } from './input-file.js';
import { nameLookupXids, portNamesToShow } from './port-names.js';
import { openSwitch } from './session.js';

type Of = typeof import('@softswitch/openflow');
type Flags = ProtocolOptions & { rundir?: string; names?: boolean };

function parseOrFail<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** Group mods from the command line or a file ("-" is stdin); file lines may name a command. */
export function readGroupMods(
  of: Of,
  source: { text?: string; file?: string },
  command: number,
): { gms: GroupMod[]; usable: number } {
  if (source.file === undefined) {
    const { gm, usable } = parseOrFail(() => of.parseGroupMod(source.text ?? '', command));
    return { gms: [gm], usable };
  }
  const text = readInputFile(source.file);
  const gms: GroupMod[] = [];
  let usable = of.P_ANY;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const line = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (!line) continue;
    try {
      const parsed = of.parseGroupMod(line, command === of.OFPGC.ADD ? of.GROUP_FILE_COMMAND : command);
      gms.push(parsed.gm);
      usable &= parsed.usable;
    } catch (e) {
      throw new UserError(`${source.file}:${i + 1}: ${(e as Error).message}`);
    }
  }
  return { gms, usable };
}

/** add-group(s), mod-group, del-groups: each group mod confirmed by a barrier. */
export async function runGroupMods(
  spec: string,
  source: { text?: string; file?: string },
  command: number,
  flags: Flags,
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const { gms, usable } = readGroupMods(of, source, command);
  await runOnline(async (track) => {
    const { conn } = await openForFlowMod(of, spec, usable, flags, track, nameLookupXids(flags));
    for (const groupMod of gms) {
      refuseBucketCommand(of, groupMod.command, conn.version);
      await conn.transactNoReply(
        of.encodeMessage({ type: 'group_mod', version: conn.version, xid: conn.takeXid(), groupMod }),
      );
    }
  });
}

/** OpenFlow 1.1-1.4 have no bucket commands: ovs-ofctl stops at the first such group mod. */
function refuseBucketCommand(of: Of, command: number, version: number): void {
  if (version === 1 || version >= 6) return;
  const name =
    command === of.OFPGC.INSERT_BUCKET ? 'insert-bucket' : command === of.OFPGC.REMOVE_BUCKET ? 'remove-bucket' : '';
  if (name) throw new UserError(`${name} needs OpenFlow 1.5 or later ('-O OpenFlow15')`);
}

/** dump-groups [GROUP], dump-group-stats [group_id=GROUP], dump-group-features. */
export async function runGroupRequest(
  spec: string,
  kind: 'group_desc' | 'group' | 'group_features',
  arg: string | undefined,
  flags: Flags,
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  let groupId = 0xfffffffc;
  let lookups = 0;
  if (kind === 'group') {
    // The argument is a group_mod text (group_id=...), parsed with name lookups.
    groupId = parseOrFail(() => of.parseGroupMod(arg ?? '', of.OFPGC.DELETE)).gm.groupId;
    lookups = nameLookupXids(flags);
  } else if (kind === 'group_desc' && arg !== undefined) {
    const id = /^\d+$/.test(arg) ? Number(arg) : arg.toLowerCase() === 'any' ? 0xffffffff : 0xfffffffc;
    if (id <= 0xffffffff) groupId = id;
  }
  await runOnline(async (track) => {
    const conn = track(await openSwitch(of, spec, flags, lookups));
    // Over OpenFlow 1.0, ovs-ofctl asks for group descriptions with a Nicira extension.
    if (kind === 'group_desc' && conn.version === 1) {
      const names = await portNamesToShow(of, spec, flags, track);
      process.stdout.write(await dumpNxGroupDescs(of, conn, groupId, names));
      return;
    }
    const min = kind === 'group_features' ? 3 : 2;
    if (conn.version < min) {
      const name = { group_desc: 'dump-groups', group: 'dump-group-stats', group_features: 'dump-group-features' }[
        kind
      ];
      throw new UserError(`${name} needs OpenFlow 1.${min - 1} or later ('-O OpenFlow1${min - 1}')`);
    }
    const body = kind === 'group_features' ? { mp: kind } : { mp: kind, groupId };
    const request = of.encodeMessage({
      type: 'multipart_request',
      version: conn.version,
      xid: conn.takeXid(),
      flags: 0,
      body: body as import('@softswitch/openflow').MultipartRequestBody,
    });
    // Group descriptions name ports (watch_port, outputs): by name under --names.
    const names = kind === 'group_desc' ? await portNamesToShow(of, spec, flags, track) : undefined;
    process.stdout.write(await dumpTransaction(of, conn, request, names));
  });
}

/** add-meter, mod-meter, del-meter(s): one meter mod confirmed by a barrier. */
export async function runMeterMod(
  spec: string,
  text: string | undefined,
  command: number,
  flags: Flags,
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  let mm: MeterMod;
  let usable = of.P_OF13_UP;
  if (text === undefined) mm = { command, flags: 0, meterId: 0xffffffff, bands: [] };
  else ({ mm, usable } = parseOrFail(() => of.parseMeterMod(text, command)));
  await runOnline(async (track) => {
    const { conn } = await openForFlowMod(of, spec, usable, flags, track, 0);
    await conn.transactNoReply(
      of.encodeMessage({ type: 'meter_mod', version: conn.version, xid: conn.takeXid(), meterMod: mm }),
    );
  });
}

/** dump-meters [METER], meter-stats [METER], meter-features. */
export async function runMeterRequest(
  spec: string,
  kind: 'meter_config' | 'meter' | 'meter_features',
  text: string | undefined,
  flags: Flags,
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const meterId =
    text === undefined ? 0xffffffff : parseOrFail(() => of.parseMeterMod(text, of.METER_REQUEST)).mm.meterId;
  await runOnline(async (track) => {
    const { conn } = await openForFlowMod(of, spec, of.P_OF13_UP, flags, track, 0);
    const body = kind === 'meter_features' ? { mp: kind } : { mp: kind, meterId };
    const request = of.encodeMessage({
      type: 'multipart_request',
      version: conn.version,
      xid: conn.takeXid(),
      flags: 0,
      body: body as import('@softswitch/openflow').MultipartRequestBody,
    });
    process.stdout.write(await dumpTransaction(of, conn, request));
  });
}

/** NXST_GROUP_DESC: every reply (until one without "more") printed as ovs-ofctl does. */
async function dumpNxGroupDescs(
  of: typeof import('@softswitch/openflow'),
  conn: Awaited<ReturnType<typeof openSwitch>>,
  groupId: number,
  names: import('@softswitch/openflow').PortNameMap | undefined,
): Promise<string> {
  const w = new of.Writer(32);
  const xid = conn.takeXid();
  of.encodeNxGroupDescRequest(w, xid, groupId);
  conn.sendRaw(w.finish());
  let out = '';
  for (;;) {
    const r = await conn.receiveFor(xid);
    if (!of.isNxGroupDesc(r)) return `${out}${of.withPortNames(names, () => of.ofpPrint(r, 1))}\n`;
    const { groups, error } = of.decodeGroupDescs15(r, of.NX_STATS_HEADER, 1);
    out += `NXST_GROUP_DESC reply (xid=0x${xid.toString(16)}):`;
    out += of.withPortNames(names, () => of.formatGroupDescs(groups));
    if (error) out += `\n***decode error: ${of.errorName(error.type, error.code)}***`;
    out += '\n';
    if (!(r[11] & 1)) return out;
  }
}
