import { errorNames, errorTriplet } from './error-table.js';

/**
 * OpenFlow error (type, code) names as Open vSwitch prints them, for OpenFlow 1.0 (whose type
 * numbering differs) and 1.1+ (OpenFlow 1.3 numbering). Codes not listed are not errors a
 * switch may send: ovs-ofctl cannot decode such an error message.
 */
export const ERROR_NAMES_10: Record<string, string> = {
  '0,0': 'OFPHFC_INCOMPATIBLE',
  '0,1': 'OFPHFC_EPERM',
  '1,0': 'OFPBRC_BAD_VERSION',
  '1,1': 'OFPBRC_BAD_TYPE',
  '1,2': 'OFPBRC_BAD_STAT',
  '1,3': 'OFPBRC_BAD_VENDOR',
  '1,4': 'OFPBRC_BAD_SUBTYPE',
  '1,5': 'OFPBRC_EPERM',
  '1,6': 'OFPBRC_BAD_LEN',
  '1,7': 'OFPBRC_BUFFER_EMPTY',
  '1,8': 'OFPBRC_BUFFER_UNKNOWN',
  '2,0': 'OFPBAC_BAD_TYPE',
  '2,1': 'OFPBAC_BAD_LEN',
  '2,2': 'OFPBAC_BAD_VENDOR',
  '2,3': 'OFPBAC_BAD_VENDOR_TYPE',
  '2,4': 'OFPBAC_BAD_OUT_PORT',
  '2,5': 'OFPBAC_BAD_ARGUMENT',
  '2,6': 'OFPBAC_EPERM',
  '2,7': 'OFPBAC_TOO_MANY',
  '2,8': 'OFPBAC_BAD_QUEUE',
  '3,0': 'OFPFMFC_TABLE_FULL',
  '3,1': 'OFPFMFC_OVERLAP',
  '3,2': 'OFPFMFC_EPERM',
  '3,3': 'OFPFMFC_BAD_EMERG_TIMEOUT',
  '3,4': 'OFPFMFC_BAD_COMMAND',
  '3,5': 'OFPFMFC_UNSUPPORTED',
  '4,0': 'OFPPMFC_BAD_PORT',
  '4,1': 'OFPPMFC_BAD_HW_ADDR',
  '5,0': 'OFPQOFC_BAD_PORT',
  '5,1': 'OFPQOFC_BAD_QUEUE',
  '5,2': 'OFPQOFC_EPERM',
};

export const ERROR_NAMES_11: Record<string, string> = {
  '0,0': 'OFPHFC_INCOMPATIBLE',
  '0,1': 'OFPHFC_EPERM',
  '1,0': 'OFPBRC_BAD_VERSION',
  '1,1': 'OFPBRC_BAD_TYPE',
  '1,2': 'OFPBRC_BAD_STAT',
  '1,3': 'OFPBRC_BAD_VENDOR',
  '1,4': 'OFPBRC_BAD_SUBTYPE',
  '1,5': 'OFPBRC_EPERM',
  '1,6': 'OFPBRC_BAD_LEN',
  '1,7': 'OFPBRC_BUFFER_EMPTY',
  '1,8': 'OFPBRC_BUFFER_UNKNOWN',
  '1,9': 'OFPBRC_BAD_TABLE_ID',
  '1,10': 'OFPBRC_IS_SECONDARY',
  '1,11': 'OFPBRC_BAD_PORT',
  '1,12': 'OFPBRC_BAD_PACKET',
  '1,13': 'OFPBRC_MULTIPART_BUFFER_OVERFLOW',
  '2,0': 'OFPBAC_BAD_TYPE',
  '2,1': 'OFPBAC_BAD_LEN',
  '2,2': 'OFPBAC_BAD_VENDOR',
  '2,3': 'OFPBAC_BAD_VENDOR_TYPE',
  '2,4': 'OFPBAC_BAD_OUT_PORT',
  '2,5': 'OFPBAC_BAD_ARGUMENT',
  '2,6': 'OFPBAC_EPERM',
  '2,7': 'OFPBAC_TOO_MANY',
  '2,8': 'OFPBAC_BAD_QUEUE',
  '2,9': 'OFPBAC_BAD_OUT_GROUP',
  '2,10': 'OFPBAC_MATCH_INCONSISTENT',
  '2,11': 'OFPBAC_UNSUPPORTED_ORDER',
  '2,12': 'OFPBAC_BAD_TAG',
  '2,13': 'OFPBAC_BAD_SET_TYPE',
  '2,14': 'OFPBAC_BAD_SET_LEN',
  '2,15': 'OFPBAC_BAD_SET_ARGUMENT',
  '3,0': 'OFPBIC_UNKNOWN_INST',
  '3,1': 'OFPBIC_UNSUP_INST',
  '3,2': 'OFPBIC_BAD_TABLE_ID',
  '3,3': 'OFPBIC_UNSUP_METADATA',
  '3,4': 'OFPBIC_UNSUP_METADATA_MASK',
  '3,5': 'OFPBIC_BAD_EXPERIMENTER',
  '3,6': 'OFPBIC_BAD_EXP_TYPE',
  '3,7': 'OFPBIC_BAD_LEN',
  '3,8': 'OFPBIC_EPERM',
  '4,0': 'OFPBMC_BAD_TYPE',
  '4,1': 'OFPBMC_BAD_LEN',
  '4,2': 'OFPBMC_BAD_TAG',
  '4,3': 'OFPBMC_BAD_DL_ADDR_MASK',
  '4,4': 'OFPBMC_BAD_NW_ADDR_MASK',
  '4,5': 'OFPBMC_BAD_WILDCARDS',
  '4,6': 'OFPBMC_BAD_FIELD',
  '4,7': 'OFPBMC_BAD_VALUE',
  '4,8': 'OFPBMC_BAD_MASK',
  '4,9': 'OFPBMC_BAD_PREREQ',
  '4,10': 'OFPBMC_DUP_FIELD',
  '4,11': 'OFPBMC_EPERM',
  '5,0': 'OFPFMFC_UNKNOWN',
  '5,1': 'OFPFMFC_TABLE_FULL',
  '5,2': 'OFPFMFC_BAD_TABLE_ID',
  '5,3': 'OFPFMFC_OVERLAP',
  '5,4': 'OFPFMFC_EPERM',
  '5,5': 'OFPFMFC_BAD_TIMEOUT',
  '5,6': 'OFPFMFC_BAD_COMMAND',
  '5,7': 'OFPFMFC_BAD_FLAGS',
  '6,0': 'OFPGMFC_GROUP_EXISTS',
  '6,1': 'OFPGMFC_INVALID_GROUP',
  '6,2': 'OFPGMFC_WEIGHT_UNSUPPORTED',
  '6,3': 'OFPGMFC_OUT_OF_GROUPS',
  '6,4': 'OFPGMFC_OUT_OF_BUCKETS',
  '6,5': 'OFPGMFC_CHAINING_UNSUPPORTED',
  '6,6': 'OFPGMFC_WATCH_UNSUPPORTED',
  '6,7': 'OFPGMFC_LOOP',
  '6,8': 'OFPGMFC_UNKNOWN_GROUP',
  '6,9': 'OFPGMFC_CHAINED_GROUP',
  '6,10': 'OFPGMFC_BAD_TYPE',
  '6,11': 'OFPGMFC_BAD_COMMAND',
  '6,12': 'OFPGMFC_BAD_BUCKET',
  '6,13': 'OFPGMFC_BAD_WATCH',
  '6,14': 'OFPGMFC_EPERM',
  // OpenFlow 1.5's bucket commands (and OVS's NXT_GROUP_MOD for 1.0).
  '6,15': 'OFPGMFC_UNKNOWN_BUCKET',
  '6,16': 'OFPGMFC_BUCKET_EXISTS',
  '7,0': 'OFPPMFC_BAD_PORT',
  '7,1': 'OFPPMFC_BAD_HW_ADDR',
  '7,2': 'OFPPMFC_BAD_CONFIG',
  '7,3': 'OFPPMFC_BAD_ADVERTISE',
  '7,4': 'OFPPMFC_EPERM',
  '8,0': 'OFPTMFC_BAD_TABLE',
  '8,1': 'OFPTMFC_BAD_CONFIG',
  '8,2': 'OFPTMFC_EPERM',
  '9,0': 'OFPQOFC_BAD_PORT',
  '9,1': 'OFPQOFC_BAD_QUEUE',
  '9,2': 'OFPQOFC_EPERM',
  '10,0': 'OFPSCFC_BAD_FLAGS',
  '10,1': 'OFPSCFC_BAD_LEN',
  '10,2': 'OFPSCFC_EPERM',
  '11,0': 'OFPRRFC_STALE',
  '11,1': 'OFPRRFC_UNSUP',
  '11,2': 'OFPRRFC_BAD_ROLE',
  '12,0': 'OFPMMFC_UNKNOWN',
  '12,1': 'OFPMMFC_METER_EXISTS',
  '12,2': 'OFPMMFC_INVALID_METER',
  '12,3': 'OFPMMFC_UNKNOWN_METER',
  '12,4': 'OFPMMFC_BAD_COMMAND',
  '12,5': 'OFPMMFC_BAD_FLAGS',
  '12,6': 'OFPMMFC_BAD_RATE',
  '12,7': 'OFPMMFC_BAD_BURST',
  '12,8': 'OFPMMFC_BAD_BAND',
  '12,9': 'OFPMMFC_BAD_BAND_VALUE',
  '12,10': 'OFPMMFC_OUT_OF_METERS',
  '12,11': 'OFPMMFC_OUT_OF_BANDS',
  '13,0': 'OFPTFFC_BAD_TABLE',
  '13,1': 'OFPTFFC_BAD_METADATA',
  '13,2': 'OFPBPC_BAD_TYPE',
  '13,3': 'OFPBPC_BAD_LEN',
  '13,4': 'OFPBPC_BAD_VALUE',
  '13,5': 'OFPTFFC_EPERM',
};

/**
 * OpenFlow 1.0 has no numbers for many 1.1+ errors; OVS sends those as a Nicira vendor error
 * (OFPT_ERROR type NXET_VENDOR, code 0, then vendor NX_VENDOR_ID and the Nicira type/code).
 * The pairs are what `ovs-ofctl print-error NAME` gives for OpenFlow 1.0.
 */
export const NXET_VENDOR = 0xb0c2;
export const NX_VENDOR_ID = 0x2320;
export const NX_VENDOR_ERRORS_10: Record<string, [number, number]> = {
  OFPBMC_BAD_VALUE: [1, 258],
  OFPBMC_BAD_MASK: [1, 259],
  OFPBMC_BAD_PREREQ: [1, 260],
  OFPBMC_BAD_FIELD: [0, 263],
  OFPBMC_DUP_FIELD: [1, 261],
  OFPBMC_BAD_WILDCARDS: [1, 262],
  OFPBRC_BAD_TABLE_ID: [1, 512],
  OFPRRFC_BAD_ROLE: [1, 513],
  OFPBRC_BAD_PORT: [1, 514],
  OFPBAC_MATCH_INCONSISTENT: [1, 522],
  OFPBAC_BAD_SET_TYPE: [1, 523],
  OFPBAC_BAD_SET_LEN: [1, 524],
  OFPBAC_BAD_SET_ARGUMENT: [1, 525],
  OFPBAC_BAD_OUT_GROUP: [2, 9],
  OFPBIC_UNSUP_INST: [2, 257],
  OFPFMFC_BAD_FLAGS: [3, 258],
};
/** For an error OpenFlow 1.0 cannot express at all. */
export const NXBRC_UNENCODABLE_ERROR: [number, number] = [1, 521];

/** Names of Nicira vendor errors by `type,code` (group errors keep their OpenFlow 1.1 numbers). */
export function nxVendorErrorName(type: number, code: number): string | undefined {
  if (type === NXBRC_UNENCODABLE_ERROR[0] && code === NXBRC_UNENCODABLE_ERROR[1]) return 'NXBRC_UNENCODABLE_ERROR';
  for (const [name, [t, c]] of Object.entries(NX_VENDOR_ERRORS_10)) if (t === type && c === code) return name;
  if (type === 6) return ERROR_NAMES_11[`6,${code}`];
  // Any other Nicira error of OVS's table (NXBRC_*, NXTTMFC_*, ...), by its OpenFlow 1.0 numbers.
  return errorNames().find((name) => {
    const t = errorTriplet(name, 1);
    return t?.vendor === NX_VENDOR_ID && t.type === type && t.code === code;
  });
}

let namesOnWire: Map<string, string> | undefined;

/**
 * OVS's ofperr_decode: the name of the error that `version` sends as (vendor, type, code),
 * vendor 0 for a standard error; undefined when OVS 3.1 has none there.
 */
export function errorNameOnWire(version: number, vendor: number, type: number, code: number): string | undefined {
  if (!namesOnWire) {
    namesOnWire = new Map();
    for (const name of errorNames()) {
      for (let v = 1; v <= 6; v++) {
        const t = errorTriplet(name, v);
        const key = t && `${v},${t.vendor},${t.type},${t.code}`;
        if (key && !namesOnWire.has(key)) namesOnWire.set(key, name);
      }
    }
  }
  return namesOnWire.get(`${version},${vendor},${type},${code}`);
}
