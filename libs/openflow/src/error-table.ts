import type { Writer } from './bytes.js';

/**
 * Open vSwitch 3.1's error table (its ofp-errors.h): every error name and, per OpenFlow version
 * (wire version 1 = OpenFlow 1.0 ... 6 = 1.5), the vendor, type and code it goes on the wire as.
 * Taken from `ovs-ofctl print-error NAME` of OVS 3.1 for each name. Entries read
 * `VERSIONS=[VENDOR:]TYPE,CODE ...`: VERSIONS one version or a range, VENDOR `nx` (Nicira,
 * 0x2320) or hex (0x4f4e4600 is ONF), absent for a standard error. A version not listed has no
 * encoding for the error.
 */
const TABLE: Record<string, string> = {
  NXBAC_BAD_CONJUNCTION: '1-2=nx:2,526 3-6=nx:15,0',
  NXBAC_BAD_ED_PROP: '4-6=nx:41,0',
  NXBAC_BAD_HEADER_TYPE: '4-6=nx:39,0',
  NXBAC_CT_DATAPATH_SUPPORT: '1-2=nx:1,265 3-6=nx:42,0',
  NXBAC_MUST_BE_ZERO: '1-2=nx:2,256 3-6=nx:11,0',
  NXBAC_UNKNOWN_ED_PROP: '4-6=nx:40,0',
  NXBMC_CT_DATAPATH_SUPPORT: '1-2=nx:1,264 3-6=nx:43,0',
  NXBRC_BAD_REASON: '1-2=nx:1,516 3-6=nx:5,0',
  NXBRC_FM_BAD_EVENT: '1-2=nx:1,520 3-6=nx:9,0',
  NXBRC_MUST_BE_ZERO: '1-2=nx:1,515 3-6=nx:4,0',
  NXBRC_NXM_BAD_TYPE: '1-2=nx:1,257 3-6=nx:3,0',
  NXBRC_NXM_INVALID: '1-2=nx:1,256 3-6=nx:2,0',
  NXBRC_UNENCODABLE_ERROR: '1-2=nx:1,521 3-6=nx:10,0',
  NXFMFC_BAD_TABLE_ID: '1-2=nx:5,257 3-6=nx:13,0',
  NXFMFC_HARDWARE: '1-2=nx:5,256 3-6=nx:12,0',
  NXFMFC_INVALID_TLV_FIELD: '1-2=nx:1,536 3-6=nx:37,0',
  NXQOFC_QUEUE_ERROR: '5-6=nx:23,0',
  NXR_NOT_SUPPORTED: '1-2=nx:1,533 3-6=nx:34,0',
  NXR_STALE: '1-2=nx:1,534 3-6=nx:35,0',
  NXST_NOT_CONFIGURED: '1-2=nx:1,535 3-6=nx:36,0',
  NXTFFC_DUP_TABLE: '4-6=nx:44,0',
  NXTTMFC_ALREADY_MAPPED: '1-2=nx:1,531 3-6=nx:20,0',
  NXTTMFC_BAD_COMMAND: '1-2=nx:1,527 3-6=nx:16,0',
  NXTTMFC_BAD_FIELD_IDX: '1-2=nx:1,529 3-6=nx:18,0',
  NXTTMFC_BAD_OPT_LEN: '1-2=nx:1,528 3-6=nx:17,0',
  NXTTMFC_DUP_ENTRY: '1-2=nx:1,532 3-6=nx:21,0',
  NXTTMFC_INVALID_TLV_DEL: '1-2=nx:1,537 3-6=nx:38,0',
  NXTTMFC_TABLE_FULL: '1-2=nx:1,530 3-6=nx:19,0',
  OFPACFC_EPERM: '4=4f4e4600:2372,0 5-6=15,2',
  OFPACFC_INVALID: '4=4f4e4600:2370,0 5-6=15,0',
  OFPACFC_UNSUPPORTED: '4=4f4e4600:2371,0 5-6=15,1',
  OFPBAC_BAD_ARGUMENT: '1-6=2,5',
  OFPBAC_BAD_LEN: '1-6=2,1',
  OFPBAC_BAD_METER: '6=2,17',
  OFPBAC_BAD_OUT_GROUP: '1=nx:2,9 2-6=2,9',
  OFPBAC_BAD_OUT_PORT: '1-6=2,4',
  OFPBAC_BAD_QUEUE: '1-6=2,8',
  OFPBAC_BAD_SET_ARGUMENT: '1-2=nx:1,525 3-6=2,15',
  OFPBAC_BAD_SET_LEN: '1-2=nx:1,524 3-6=2,14',
  OFPBAC_BAD_SET_MASK: '4-5=4f4e4600:4250,0 6=2,16',
  OFPBAC_BAD_SET_TYPE: '1-2=nx:1,523 3-6=2,13',
  OFPBAC_BAD_TAG: '2-6=2,12',
  OFPBAC_BAD_TYPE: '1-6=2,0',
  OFPBAC_BAD_VENDOR: '1-6=2,2',
  OFPBAC_BAD_VENDOR_TYPE: '1-6=2,3',
  OFPBAC_EPERM: '1-6=2,6',
  OFPBAC_MATCH_INCONSISTENT: '1=nx:1,522 2-6=2,10',
  OFPBAC_TOO_MANY: '1-6=2,7',
  OFPBAC_UNSUPPORTED_ORDER: '2-6=2,11',
  OFPBFC_BAD_FLAGS: '4=4f4e4600:2307,0 5-6=17,7',
  OFPBFC_BAD_ID: '4=4f4e4600:2302,0 5-6=17,2',
  OFPBFC_BAD_TYPE: '4=4f4e4600:2306,0 5-6=17,6',
  OFPBFC_BAD_VERSION: '5-6=nx:22,0',
  OFPBFC_BUNDLE_CLOSED: '4=4f4e4600:2304,0 5-6=17,4',
  OFPBFC_BUNDLE_EXIST: '4=4f4e4600:2303,0 5-6=17,3',
  OFPBFC_BUNDLE_IN_PROGRESS: '4=4f4e4600:2315,0 5-6=17,15',
  OFPBFC_EPERM: '4=4f4e4600:2301,0 5-6=17,1',
  OFPBFC_MSG_BAD_LEN: '4=4f4e4600:2308,0 5-6=17,8',
  OFPBFC_MSG_BAD_XID: '4=4f4e4600:2309,0 5-6=17,9',
  OFPBFC_MSG_CONFLICT: '4=4f4e4600:2311,0 5-6=17,11',
  OFPBFC_MSG_FAILED: '4=4f4e4600:2313,0 5-6=17,13',
  OFPBFC_MSG_TOO_MANY: '4=4f4e4600:2312,0 5-6=17,12',
  OFPBFC_MSG_UNSUP: '4=4f4e4600:2310,0 5-6=17,10',
  OFPBFC_OUT_OF_BUNDLES: '4=4f4e4600:2305,0 5-6=17,5',
  OFPBFC_SCHED_FUTURE: '6=17,17',
  OFPBFC_SCHED_NOT_SUPPORTED: '6=17,16',
  OFPBFC_SCHED_PAST: '6=17,18',
  OFPBFC_TIMEOUT: '4=4f4e4600:2314,0 5-6=17,14',
  OFPBFC_UNKNOWN: '4=4f4e4600:2300,0 5-6=17,0',
  OFPBIC_BAD_EXPERIMENTER: '2-6=3,5',
  OFPBIC_BAD_EXP_TYPE: '2=3,5 3-6=3,6',
  OFPBIC_BAD_LEN: '3-6=3,7',
  OFPBIC_BAD_TABLE_ID: '2-6=3,2',
  OFPBIC_DUP_INST: '2=nx:3,256 3-4=4f4e4600:2600,0 5-6=3,9',
  OFPBIC_EPERM: '3-6=3,8',
  OFPBIC_UNKNOWN_INST: '2-6=3,0',
  OFPBIC_UNSUP_INST: '1=nx:2,257 2-6=3,1',
  OFPBIC_UNSUP_METADATA: '2-6=3,3',
  OFPBIC_UNSUP_METADATA_MASK: '2-6=3,4',
  OFPBMC_BAD_DL_ADDR_MASK: '2-6=4,3',
  OFPBMC_BAD_FIELD: '1=nx:0,263 2-6=4,6',
  OFPBMC_BAD_LEN: '2-6=4,1',
  OFPBMC_BAD_MASK: '1-2=nx:1,259 3-6=4,8',
  OFPBMC_BAD_NW_ADDR_MASK: '2-6=4,4',
  OFPBMC_BAD_PREREQ: '1-2=nx:1,260 3-6=4,9',
  OFPBMC_BAD_TAG: '2-6=4,2',
  OFPBMC_BAD_TYPE: '2-6=4,0',
  OFPBMC_BAD_VALUE: '1=nx:1,258 2-6=4,7',
  OFPBMC_BAD_WILDCARDS: '1=nx:1,262 2-6=4,5',
  OFPBMC_DUP_FIELD: '1-2=nx:1,261 3-6=4,10',
  OFPBMC_EPERM: '3-6=4,11',
  OFPBPC_BAD_EXPERIMENTER: '1-2=nx:14,5 3=nx:30,0 4=4f4e4600:4445,0 5-6=14,5',
  OFPBPC_BAD_EXP_TYPE: '1-2=nx:14,6 3=nx:31,0 4=4f4e4600:4446,0 5-6=14,6',
  OFPBPC_BAD_EXP_VALUE: '1-2=nx:14,7 3=nx:32,0 4=4f4e4600:4447,0 5-6=14,7',
  OFPBPC_BAD_LEN: '1-2=nx:13,3 3=nx:26,0 4=13,3 5-6=14,1',
  OFPBPC_BAD_TYPE: '1-2=nx:13,2 3=nx:25,0 4=13,2 5-6=14,0',
  OFPBPC_BAD_VALUE: '1-2=nx:13,4 3=nx:27,0 4=13,4 5-6=14,2',
  OFPBPC_DUP_TYPE: '1-2=nx:14,4 3=nx:29,0 4=4f4e4600:4444,0 5-6=14,4',
  OFPBPC_EPERM: '1-2=nx:14,8 3=nx:33,0 4=4f4e4600:4448,0 5-6=14,8',
  OFPBPC_TOO_MANY: '1-2=nx:14,3 3=nx:28,0 4=4f4e4600:4443,0 5-6=14,3',
  OFPBRC_BAD_LEN: '1-6=1,6',
  OFPBRC_BAD_PACKET: '3-6=1,12',
  OFPBRC_BAD_PORT: '1-2=nx:1,514 3-6=1,11',
  OFPBRC_BAD_STAT: '1-6=1,2',
  OFPBRC_BAD_SUBTYPE: '1-6=1,4',
  OFPBRC_BAD_TABLE_ID: '1=nx:1,512 2-6=1,9',
  OFPBRC_BAD_TYPE: '1-6=1,1',
  OFPBRC_BAD_VENDOR: '1-6=1,3',
  OFPBRC_BAD_VERSION: '1-6=1,0',
  OFPBRC_BUFFER_EMPTY: '1-6=1,7',
  OFPBRC_BUFFER_UNKNOWN: '1-6=1,8',
  OFPBRC_EPERM: '1-6=1,5',
  OFPBRC_IS_SECONDARY: '1-2=1,5 3-6=1,10',
  OFPBRC_MULTIPART_BAD_SCHED: '6=1,16',
  OFPBRC_MULTIPART_BUFFER_OVERFLOW: '4-6=1,13',
  OFPBRC_MULTIPART_REPLY_TIMEOUT: '4=4f4e4600:2641,0 5-6=1,15',
  OFPBRC_MULTIPART_REQUEST_TIMEOUT: '4=4f4e4600:2640,0 5-6=1,14',
  OFPBRC_PIPELINE_FIELDS_ONLY: '6=1,17',
  OFPBRC_UNKNOWN: '6=1,18',
  OFPFMFC_BAD_COMMAND: '1=3,4 2-6=5,6',
  OFPFMFC_BAD_EMERG_TIMEOUT: '1=3,3',
  OFPFMFC_BAD_FLAGS: '1=nx:3,258 2=nx:5,258 3-6=5,7',
  OFPFMFC_BAD_PRIORITY: '4=4f4e4600:2360,0 5-6=5,9',
  OFPFMFC_BAD_TABLE_ID: '2-6=5,2',
  OFPFMFC_BAD_TIMEOUT: '2-6=5,5',
  OFPFMFC_CANT_SYNC: '5-6=5,8',
  OFPFMFC_EPERM: '1=3,2 2-6=5,4',
  OFPFMFC_IS_SYNC: '5-6=5,10',
  OFPFMFC_OVERLAP: '1=3,1 2-6=5,3',
  OFPFMFC_TABLE_FULL: '1=3,0 2-6=5,1',
  OFPFMFC_UNKNOWN: '2-6=5,0',
  OFPFMFC_UNSUPPORTED: '1=3,5',
  OFPGMFC_BAD_BUCKET: '1=nx:6,12 3-6=6,12',
  OFPGMFC_BAD_COMMAND: '1=nx:6,11 3-6=6,11',
  OFPGMFC_BAD_TYPE: '1=nx:6,10 3-6=6,10',
  OFPGMFC_BAD_WATCH: '1=nx:6,13 3-6=6,13',
  OFPGMFC_BUCKET_EXISTS: '1=nx:6,16 6=6,16',
  OFPGMFC_CHAINED_GROUP: '1=nx:6,9 3-6=6,9',
  OFPGMFC_CHAINING_UNSUPPORTED: '1=nx:6,5 2-6=6,5',
  OFPGMFC_EPERM: '1=nx:6,14 3-6=6,14',
  OFPGMFC_GROUP_EXISTS: '1=nx:6,0 2-6=6,0',
  OFPGMFC_INVALID_GROUP: '1=nx:6,1 2-6=6,1',
  OFPGMFC_LOOP: '1=nx:6,7 2-6=6,7',
  OFPGMFC_OUT_OF_BUCKETS: '1=nx:6,4 2-6=6,4',
  OFPGMFC_OUT_OF_GROUPS: '1=nx:6,3 2-6=6,3',
  OFPGMFC_UNKNOWN_BUCKET: '1=nx:6,15 6=6,15',
  OFPGMFC_UNKNOWN_GROUP: '1=nx:6,8 2-6=6,8',
  OFPGMFC_WATCH_UNSUPPORTED: '1=nx:6,6 2-6=6,6',
  OFPGMFC_WEIGHT_UNSUPPORTED: '1=nx:6,2 2-6=6,2',
  OFPHFC_EPERM: '1-6=0,1',
  OFPHFC_INCOMPATIBLE: '1-6=0,0',
  OFPMMFC_BAD_BAND: '4-6=12,8',
  OFPMMFC_BAD_BAND_VALUE: '4-6=12,9',
  OFPMMFC_BAD_BURST: '4-6=12,7',
  OFPMMFC_BAD_COMMAND: '4-6=12,4',
  OFPMMFC_BAD_FLAGS: '4-6=12,5',
  OFPMMFC_BAD_RATE: '4-6=12,6',
  OFPMMFC_INVALID_METER: '4-6=12,2',
  OFPMMFC_METER_EXISTS: '4-6=12,1',
  OFPMMFC_OUT_OF_BANDS: '4-6=12,11',
  OFPMMFC_OUT_OF_METERS: '4-6=12,10',
  OFPMMFC_UNKNOWN: '4-6=12,0',
  OFPMMFC_UNKNOWN_METER: '4-6=12,3',
  OFPMOFC_BAD_COMMAND: '5-6=16,4',
  OFPMOFC_BAD_FLAGS: '1-2=nx:1,518 3-4=nx:7,0 5-6=16,5',
  OFPMOFC_BAD_OUT: '5-6=16,7',
  OFPMOFC_BAD_TABLE_ID: '5-6=16,6',
  OFPMOFC_INVALID_MONITOR: '5-6=16,2',
  OFPMOFC_MONITOR_EXISTS: '1-2=nx:1,517 3-4=nx:6,0 5-6=16,1',
  OFPMOFC_UNKNOWN: '5-6=16,0',
  OFPMOFC_UNKNOWN_MONITOR: '1-2=nx:1,519 3-4=nx:8,0 5-6=16,3',
  OFPPMFC_BAD_ADVERTISE: '2-6=7,3',
  OFPPMFC_BAD_CONFIG: '2-6=7,2',
  OFPPMFC_BAD_HW_ADDR: '1=4,1 2-6=7,1',
  OFPPMFC_BAD_PORT: '1=4,0 2-6=7,0',
  OFPPMFC_EPERM: '3-6=7,4',
  OFPQOFC_BAD_PORT: '1=5,0 2-6=9,0',
  OFPQOFC_BAD_QUEUE: '1=5,1 2-6=9,1',
  OFPQOFC_EPERM: '1=5,2 2-6=9,2',
  OFPRRFC_BAD_ROLE: '1-2=nx:1,513 3-6=11,2',
  OFPRRFC_ID_IN_USE: '6=11,4',
  OFPRRFC_ID_UNSUP: '6=11,3',
  OFPRRFC_STALE: '3-6=11,0',
  OFPRRFC_UNSUP: '3-6=11,1',
  OFPSCFC_BAD_FLAGS: '2-6=10,0',
  OFPSCFC_BAD_LEN: '2-6=10,1',
  OFPSCFC_EPERM: '3-6=10,2',
  OFPTFFC_BAD_CAPA: '6=13,6',
  OFPTFFC_BAD_COMMAND: '6=13,9',
  OFPTFFC_BAD_FEATURES: '6=13,8',
  OFPTFFC_BAD_MAX_ENT: '6=13,7',
  OFPTFFC_BAD_METADATA: '4-6=13,1',
  OFPTFFC_BAD_TABLE: '4-6=13,0',
  OFPTFFC_EPERM: '4-6=13,5',
  OFPTFFC_TOO_MANY: '6=13,10',
  OFPTMFC_BAD_CONFIG: '2-6=8,1',
  OFPTMFC_BAD_TABLE: '2-6=8,0',
  OFPTMFC_EPERM: '3-6=8,2',
};

/** Nicira's vendor id, and 1.0/1.1's OFPT_ERROR type for a vendor error (then vendor, type, code). */
export const NX_VENDOR_ID = 0x2320;
export const NXET_VENDOR = 0xb0c2;

/** How an error goes on the wire in one version; vendor 0 is a standard error. */
export interface ErrorTriplet {
  vendor: number;
  type: number;
  code: number;
}

let parsed: Map<string, (ErrorTriplet | undefined)[]> | undefined;

function table(): Map<string, (ErrorTriplet | undefined)[]> {
  if (parsed) return parsed;
  parsed = new Map();
  for (const [name, text] of Object.entries(TABLE)) {
    const byVersion: (ErrorTriplet | undefined)[] = [];
    for (const run of text.split(' ')) {
      const [versions, value] = run.split('=');
      const [from, to = from] = versions.split('-').map(Number);
      const colon = value.indexOf(':');
      const vendorText = colon < 0 ? '' : value.slice(0, colon);
      const vendor = vendorText === 'nx' ? NX_VENDOR_ID : vendorText ? Number.parseInt(vendorText, 16) : 0;
      const [type, code] = value
        .slice(colon + 1)
        .split(',')
        .map(Number);
      for (let v = from; v <= to; v++) byVersion[v] = { vendor, type, code };
    }
    parsed.set(name, byVersion);
  }
  return parsed;
}

/** Every error name OVS 3.1 knows. */
export function errorNames(): string[] {
  return [...table().keys()];
}

/** Whether `name` is one of OVS's error names. */
export function isErrorName(name: string): boolean {
  return table().has(name);
}

/** The wire form of error `name` in `version`, or undefined where the version has none. */
export function errorTriplet(name: string, version: number): ErrorTriplet | undefined {
  return table().get(name)?.[version];
}

const OFPET12_EXPERIMENTER = 0xffff;

/**
 * An OFPT_ERROR carrying error `name` as OVS's ofperr_encode_msg__ writes it for `version`
 * (`wireVersion`, the header's, may differ when the request's version had no errors of its
 * own): standard errors as type/code; vendor errors as 1.0/1.1's NXET_VENDOR (vendor, type,
 * code) or 1.2+'s experimenter form (exp_type, vendor). Undefined if the version cannot say it.
 */
export function encodeErrorByName(
  w: Writer,
  name: string,
  version: number,
  xid: number,
  data: Uint8Array,
  wireVersion = version,
): boolean {
  const t = errorTriplet(name, wireVersion);
  if (!t) return false;
  const start = w.length;
  w.u8(wireVersion).u8(1).u16(0).u32(xid);
  if (!t.vendor) w.u16(t.type).u16(t.code);
  else if (version <= 2) w.u16(NXET_VENDOR).u16(0).u32(t.vendor).u16(t.type).u16(t.code);
  else w.u16(OFPET12_EXPERIMENTER).u16(t.type).u32(t.vendor);
  // OVS 3.1 echoes the whole request, as far as the 16-bit length allows.
  w.bytes(data.subarray(0, 0xffff - (w.length - start)));
  w.setU16(start + 2, w.length - start);
  return true;
}
