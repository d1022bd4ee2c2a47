import { UserError } from '@softswitch/cli-kit';
import type { OfConnection } from './connection.js';

type Of = typeof import('@softswitch/openflow');

const xidOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4);
const isError = (b: Uint8Array) => b[1] === 1;

/**
 * ovs-ofctl's bundle_transact (vconn_bundle_transact): open, every request as a bundle add
 * (same xid as the request), a barrier, then commit if no error came back, else discard.
 * Errors are printed as ovs-ofctl prints them ("Error NAME for: " and the failing request);
 * any failure ends with "talking to SWITCH (Protocol error)", exit status 1.
 */
export async function bundleTransact(of: Of, conn: OfConnection, requests: Uint8Array[]): Promise<void> {
  const version = conn.version;
  const onf = version < 5;
  const flags = of.OFPBF.ATOMIC | of.OFPBF.ORDERED;
  const errors: Uint8Array[] = [];

  /** vconn_recv_xid__: the reply for `xid`; error replies for other xids are kept. */
  const replyFor = async (xid: number): Promise<Uint8Array> => {
    for (;;) {
      const r = await conn.receive();
      if (xidOf(r) === xid) return r;
      if (isError(r)) errors.push(r);
    }
  };
  const control = async (ctrlType: number): Promise<boolean> => {
    const xid = conn.takeXid();
    conn.sendRaw(of.encodeBundleControl({ version, xid, onf, bundleId: 0, ctrlType, flags }));
    const r = await replyFor(xid);
    if (isError(r)) {
      errors.push(r);
      return false;
    }
    const kind = of.bundleKind(r);
    if (kind !== 'control') return false;
    const m = of.decodeBundleMessage(r);
    return m.kind === 'control' && m.bundleId === 0 && m.ctrlType === ctrlType + 1;
  };

  let ok = await control(of.OFPBCT.OPEN_REQUEST);
  if (ok) {
    for (const request of requests) {
      conn.sendRaw(of.encodeBundleAdd({ version, xid: xidOf(request), onf, bundleId: 0, flags, message: request }));
    }
    // A failed add leaves the bundle open without it: sync before deciding to commit.
    const barrierXid = conn.takeXid();
    conn.sendMessage({ type: 'barrier_request', version, xid: barrierXid });
    await replyFor(barrierXid);
    ok = errors.length === 0;
    if (ok) ok = await control(of.OFPBCT.COMMIT_REQUEST);
    else await control(of.OFPBCT.DISCARD_REQUEST);
  }
  printBundleErrors(of, errors, requests);
  if (!ok) throw new UserError(`talking to ${conn.target.name} (Protocol error)`);
}

/** ovs-ofctl's bundle_print_errors: each error with the request it names (searched in order). */
function printBundleErrors(of: Of, errors: Uint8Array[], requests: Uint8Array[]): void {
  let cursor = 0;
  let out = '';
  for (const e of errors) {
    const m = of.tryDecodeMessage(e);
    if (m instanceof of.OpenFlowDecodeError || m.type !== 'error') {
      out += '***decode error***';
      continue;
    }
    const name = errorName(of, m.version, m.errType, m.code, m.data);
    if (!name) {
      out += '***decode error***';
      continue;
    }
    let payload = m.errType === 0xffff ? m.data.subarray(4) : m.data;
    const xid = xidOf(e);
    let found = false;
    for (let i = cursor; i < requests.length; i++) {
      if (xidOf(requests[i]) === xid) {
        payload = requests[i];
        cursor = i + 1;
        found = true;
        break;
      }
    }
    if (!found) cursor = 0;
    out += `Error ${name} for: ${printMessage(of, payload)}`;
  }
  process.stderr.write(out);
}

const BFC_NAMES = (of: Of) => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(of.OFPBFC)) names[v] = `OFPBFC_${k}`;
  return names;
};

function errorName(of: Of, version: number, type: number, code: number, data: Uint8Array): string | undefined {
  if (version >= 5 && type === of.OFPET_BUNDLE_FAILED) return BFC_NAMES(of)[code];
  if (
    type === 0xffff &&
    data.length >= 4 &&
    new DataView(data.buffer, data.byteOffset, 4).getUint32(0) === of.ONF_VENDOR_ID &&
    code >= of.ONFERR_ET_BUNDLE_BASE
  )
    return BFC_NAMES(of)[code - of.ONFERR_ET_BUNDLE_BASE];
  return (version === 1 ? of.ERROR_NAMES_10 : of.ERROR_NAMES_11)[`${type},${code}`];
}

/** A request as ofp_print shows it one level above default verbosity, bundle messages included. */
function printMessage(of: Of, b: Uint8Array): string {
  if (b.length >= 8 && of.bundleKind(b)) {
    try {
      const m = of.decodeBundleMessage(b);
      const { name, body } = of.formatBundle(m);
      return `${name} (OF1.${b[0] - 1}) (xid=0x${xidOf(b).toString(16)}):${body}\n`;
    } catch {
      // fall through to the generic printer
    }
  }
  return `${of.ofpPrint(b, 1)}\n`;
}
