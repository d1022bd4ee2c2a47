import { errorNames, errorTriplet } from './error-table.js';

/** Standard (not vendor) error names by `type,code` as `version` numbers them, from OVS's table. */
function standardErrorNames(version: number): Record<string, string> {
  const names: Record<string, string> = {};
  for (const name of errorNames()) {
    const t = errorTriplet(name, version);
    const key = t && !t.vendor && `${t.type},${t.code}`;
    if (key && !(key in names)) names[key] = name;
  }
  return names;
}

/**
 * OpenFlow error (type, code) names as Open vSwitch prints them, for OpenFlow 1.0 (whose type
 * numbering differs) and 1.1+ (OpenFlow 1.3 numbering, plus 1.5's bucket-command errors, which
 * switchd raises by their 1.5 numbers). Codes not listed are not errors a switch may send:
 * ovs-ofctl cannot decode such an error message.
 */
export const ERROR_NAMES_10: Record<string, string> = standardErrorNames(1);
export const ERROR_NAMES_11: Record<string, string> = standardErrorNames(4);
for (const name of ['OFPGMFC_UNKNOWN_BUCKET', 'OFPGMFC_BUCKET_EXISTS']) {
  const t = errorTriplet(name, 6);
  if (t) ERROR_NAMES_11[`${t.type},${t.code}`] = name;
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
