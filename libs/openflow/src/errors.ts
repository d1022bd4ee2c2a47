/**
 * OpenFlow error (type, code) pairs, numbered as OpenFlow 1.3 numbers them; a decoder failure
 * names the one a switch must reply with and the byte offset where decoding stopped.
 */
export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

export const OFPBRC = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_EXP_TYPE: 4,
  EPERM: 5,
  BAD_LEN: 6,
} as const;
export const OFPBAC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_EXPERIMENTER: 2,
  BAD_EXP_TYPE: 3,
  BAD_OUT_PORT: 4,
  BAD_ARGUMENT: 5,
  BAD_SET_TYPE: 13,
  BAD_SET_LEN: 14,
  BAD_SET_ARGUMENT: 15,
} as const;
/**
 * Nicira action errors of OpenFlow 1.2+ (encap/decap), carried in a decode error as type
 * OFPET.EXPERIMENTER with the Nicira experimenter type as the code (vendor NX_VENDOR_ID).
 */
export const NXBAC = { BAD_HEADER_TYPE: 39, UNKNOWN_ED_PROP: 40, BAD_ED_PROP: 41 } as const;
export const OFPBIC = { UNKNOWN_INST: 0, UNSUP_INST: 1, BAD_TABLE_ID: 2, BAD_LEN: 7, DUP_INST: 9 } as const;
export const OFPBMC = {
  BAD_TYPE: 0,
  BAD_LEN: 1,
  BAD_WILDCARDS: 5,
  BAD_FIELD: 6,
  BAD_VALUE: 7,
  BAD_MASK: 8,
  BAD_PREREQ: 9,
  DUP_FIELD: 10,
} as const;
export const OFPFMFC = { UNKNOWN: 0, BAD_TABLE_ID: 2, BAD_COMMAND: 6, BAD_FLAGS: 7 } as const;
export const OFPTMFC = { BAD_TABLE: 0, BAD_CONFIG: 1, EPERM: 2 } as const;

export class OpenFlowDecodeError extends Error {
  /**
   * Set when the message was recognized and the error lies in its entries (ovs-ofctl then names
   * the message before the error, even for OFPBRC errors).
   */
  inBody?: boolean;

  constructor(
    readonly type: number,
    readonly code: number,
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'OpenFlowDecodeError';
  }
}

export function decodeError(type: number, code: number, offset: number, message: string): OpenFlowDecodeError {
  // Decode errors are expected results on hostile input: skip the costly stack capture.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new OpenFlowDecodeError(type, code, offset, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A decodeError in the entries of a recognized message (`inBody`: ovs-ofctl names the message first). */
export function bodyDecodeError(type: number, code: number, offset: number, message: string): OpenFlowDecodeError {
  const e = decodeError(type, code, offset, message);
  e.inBody = true;
  return e;
}
