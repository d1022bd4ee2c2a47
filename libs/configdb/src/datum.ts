import { OvsdbError, syntaxError } from './errors.js';
import { type Atom, type BaseType, type ColumnType, compareAtoms } from './schema.js';

/**
 * A column value (RFC 7047 "datum"): sorted, duplicate-free keys and, for maps, the values that
 * go with them. UUID atoms are kept as their 36-character text.
 */
export interface Datum {
  keys: Atom[];
  values?: Atom[];
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_RE.test(s);
}

/** Resolves `["named-uuid", NAME]` while parsing a transaction. */
export type NamedUuidResolver = (name: string) => string;

export function defaultAtom(base: BaseType): Atom {
  switch (base.type) {
    case 'integer':
    case 'real':
      return 0;
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000';
  }
}

export function defaultDatum(type: ColumnType): Datum {
  if (type.min === 0) return type.value ? { keys: [], values: [] } : { keys: [] };
  return type.value
    ? { keys: [defaultAtom(type.key)], values: [defaultAtom(type.value)] }
    : { keys: [defaultAtom(type.key)] };
}

const sharedDefaults = new WeakMap<ColumnType, Datum>();

/**
 * The default value of a column type, shared and frozen: data are never changed in place (every
 * operation builds a new datum), so new rows can all point at one default per column.
 */
export function sharedDefaultDatum(type: ColumnType): Datum {
  let d = sharedDefaults.get(type);
  if (!d) {
    d = defaultDatum(type);
    Object.freeze(d.keys);
    if (d.values) Object.freeze(d.values);
    Object.freeze(d);
    sharedDefaults.set(type, d);
  }
  return d;
}

/** True if `d` is its column type's default (the value OVS leaves out of log records and inserts). */
export function isDefaultDatum(d: Datum, type: ColumnType): boolean {
  const def = sharedDefaultDatum(type);
  return d === def || datumEquals(d, def);
}

function typeName(b: BaseType): string {
  return b.type;
}

export function parseAtom(json: unknown, base: BaseType, named?: NamedUuidResolver): Atom {
  switch (base.type) {
    case 'integer':
      if (typeof json === 'number' && Number.isInteger(json)) return json;
      break;
    case 'real':
      if (typeof json === 'number') return json;
      break;
    case 'boolean':
      if (typeof json === 'boolean') return json;
      break;
    case 'string':
      if (typeof json === 'string') return json;
      break;
    case 'uuid':
      if (Array.isArray(json) && json.length === 2 && typeof json[1] === 'string') {
        if (json[0] === 'uuid' && isUuid(json[1])) return json[1].toLowerCase();
        if (json[0] === 'named-uuid' && named) return named(json[1]);
        if (json[0] === 'named-uuid') throw syntaxError(json, `named-uuid "${json[1]}" is not allowed here`);
      }
      break;
  }
  throw syntaxError(json, `expected ${typeName(base)}`);
}

export function atomToJson(a: Atom, base: BaseType): unknown {
  return base.type === 'uuid' ? ['uuid', a] : a;
}

/** An atom as OVS prints it in messages: strings bare when they look like identifiers. */
export function atomText(a: Atom): string {
  if (typeof a !== 'string') return String(a);
  const bare = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(a) && a !== 'true' && a !== 'false' && !isUuid(a);
  return bare ? a : JSON.stringify(a);
}

/** Checks enum, range and length constraints; throws RFC 7047 "constraint violation". */
export function checkAtomConstraints(a: Atom, base: BaseType): void {
  if (base.enum) {
    if (!base.enum.some((e) => compareAtoms(e, a) === 0)) {
      const list = base.enum.map(atomText).join(', ');
      throw new OvsdbError('constraint violation', `${atomText(a)} is not one of the allowed values ([${list}])`);
    }
    return;
  }
  if (base.type === 'integer' || base.type === 'real') {
    const lo = base.type === 'integer' ? base.minInteger : base.minReal;
    const hi = base.type === 'integer' ? base.maxInteger : base.maxReal;
    const n = a as number;
    if ((lo !== undefined && n < lo) || (hi !== undefined && n > hi)) {
      let range: string;
      if (lo !== undefined && hi !== undefined) range = `in the valid range ${lo} to ${hi} (inclusive)`;
      else if (lo !== undefined) range = `greater than or equal to ${lo}`;
      else range = `less than or equal to ${hi}`;
      throw new OvsdbError('constraint violation', `${n} is not ${range}`);
    }
  } else if (base.type === 'string' && (base.minLength !== undefined || base.maxLength !== undefined)) {
    const len = [...(a as string)].length;
    if (base.minLength !== undefined && len < base.minLength) {
      throw new OvsdbError(
        'constraint violation',
        `"${a}" length ${len} is less than minimum allowed length ${base.minLength}`,
      );
    }
    if (base.maxLength !== undefined && len > base.maxLength) {
      throw new OvsdbError(
        'constraint violation',
        `"${a}" length ${len} is greater than maximum allowed length ${base.maxLength}`,
      );
    }
  }
}

/**
 * Sorts pairs by key and rejects duplicates (RFC 7047: sets and maps have unique keys). With
 * `strings` (string and UUID keys) keys are compared directly, as compareAtoms would.
 */
function normalize(keys: Atom[], values: Atom[] | undefined, json: unknown, strings: boolean): Datum {
  // Most values are scalars: nothing to sort. Clients usually send sets already sorted.
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) {
    sorted = strings ? keys[i - 1] < keys[i] : compareAtoms(keys[i - 1], keys[i]) < 0;
  }
  if (sorted) return values ? { keys, values } : { keys };
  // Insertion sort, in place (the arrays are the parser's own): sets arrive nearly sorted (a
  // client's sorted set plus a new member named by "named-uuid"), where it is linear.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    const v = values?.[i];
    let j = i - 1;
    for (; j >= 0 && (strings ? keys[j] > k : compareAtoms(keys[j], k) > 0); j--) {
      keys[j + 1] = keys[j];
      if (values) values[j + 1] = values[j];
    }
    keys[j + 1] = k;
    if (values) values[j + 1] = v as Atom;
  }
  for (let i = 1; i < keys.length; i++) {
    if (strings ? keys[i - 1] === keys[i] : compareAtoms(keys[i - 1], keys[i]) === 0) {
      throw syntaxError(json, values ? 'map contains duplicate key' : 'set contains duplicate value');
    }
  }
  return values ? { keys, values } : { keys };
}

/** Whether atoms of `base` can break a constraint (a UUID, unless enumerated, cannot). */
function constrained(base: BaseType): boolean {
  return base.type !== 'uuid' || base.enum !== undefined;
}

/** Parses a datum without count checks (mutations build partial sets). */
export function parseDatumLoose(json: unknown, type: ColumnType, named?: NamedUuidResolver, keyOnly = false): Datum {
  const isMap = type.value !== undefined && !keyOnly;
  if (isMap) {
    if (!Array.isArray(json) || json.length !== 2 || json[0] !== 'map' || !Array.isArray(json[1])) {
      throw syntaxError(json, 'expected map');
    }
    const keys: Atom[] = [];
    const values: Atom[] = [];
    for (const pair of json[1] as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw syntaxError(pair, 'expected [key, value] pair');
      const k = parseAtom(pair[0], type.key, named);
      const v = parseAtom(pair[1], type.value as BaseType, named);
      checkAtomConstraints(k, type.key);
      checkAtomConstraints(v, type.value as BaseType);
      keys.push(k);
      values.push(v);
    }
    return normalize(keys, values, json, isStringType(type.key));
  }
  let items: unknown[];
  if (Array.isArray(json) && json[0] === 'set') {
    if (json.length !== 2 || !Array.isArray(json[1])) throw syntaxError(json, 'expected ["set", [...]]');
    items = json[1];
  } else items = [json];
  const keys: Atom[] = [];
  const check = constrained(type.key);
  for (let i = 0; i < items.length; i++) {
    const a = parseAtom(items[i], type.key, named);
    if (check) checkAtomConstraints(a, type.key);
    keys.push(a);
  }
  return normalize(keys, undefined, json, isStringType(type.key));
}

function isStringType(base: BaseType): boolean {
  return base.type === 'string' || base.type === 'uuid';
}

export function checkCount(d: Datum, type: ColumnType, what: string): void {
  const n = d.keys.length;
  if (n < type.min || n > type.max) {
    const bound = n < type.min ? `min ${type.min}` : `max ${type.max}`;
    throw new OvsdbError(
      'constraint violation',
      `${what} has ${n} element${n === 1 ? '' : 's'} but the column allows ${bound}`,
    );
  }
}

export function parseDatum(json: unknown, type: ColumnType, named?: NamedUuidResolver): Datum {
  if (type.max === 1 && type.value === undefined && !Array.isArray(json)) {
    // A bare atom for a scalar or optional column (most values): no set to build or sort.
    const a = parseAtom(json, type.key, named);
    checkAtomConstraints(a, type.key);
    return { keys: [a] };
  }
  const d = parseDatumLoose(json, type, named);
  const n = d.keys.length;
  if (n < type.min || n > type.max) {
    // OVS prints "unlimited" as UINT_MAX.
    const max = type.max === Number.POSITIVE_INFINITY ? 4294967295 : type.max;
    throw syntaxError(
      json,
      `${type.value ? 'map' : 'set'} must have ${type.min} to ${max} members but ${n} are present`,
    );
  }
  return d;
}

export function datumToJson(d: Datum, type: ColumnType): unknown {
  if (type.value) {
    const v = type.value;
    return ['map', d.keys.map((k, i) => [atomToJson(k, type.key), atomToJson((d.values as Atom[])[i], v)])];
  }
  if (d.keys.length === 1) return atomToJson(d.keys[0], type.key);
  return ['set', d.keys.map((k) => atomToJson(k, type.key))];
}

function atomJsonText(a: Atom, base: BaseType): string {
  switch (base.type) {
    case 'uuid':
      return `["uuid","${a}"]`;
    case 'string':
      return JSON.stringify(a);
    default:
      // Numbers and booleans print as JSON.stringify prints them.
      return String(a);
  }
}

/** JSON.stringify(datumToJson(d, type)), without the intermediate arrays (the commit path). */
export function datumJsonText(d: Datum, type: ColumnType): string {
  const { key, value } = type;
  if (value) {
    const values = d.values as Atom[];
    let text = '["map",[';
    for (let i = 0; i < d.keys.length; i++) {
      text += `${i ? ',' : ''}[${atomJsonText(d.keys[i], key)},${atomJsonText(values[i], value)}]`;
    }
    return `${text}]]`;
  }
  if (d.keys.length === 1) return atomJsonText(d.keys[0], key);
  let text = '["set",[';
  for (let i = 0; i < d.keys.length; i++) text += (i ? ',' : '') + atomJsonText(d.keys[i], key);
  return `${text}]]`;
}

/** Whether `json` is `a` exactly as datumToJson writes it (a UUID in its stored lowercase form). */
function atomMatchesJson(a: Atom, json: unknown, base: BaseType): boolean {
  if (base.type !== 'uuid') return json === a;
  return Array.isArray(json) && json.length === 2 && json[0] === 'uuid' && json[1] === a;
}

/**
 * Whether `json` is exactly the JSON form of `d` that datumToJson gives (same atoms, same
 * order), checked without parsing it. A match proves the JSON valid and equal to `d`; anything
 * else (another spelling, a named-uuid, a real difference) says nothing and needs parseDatum.
 * This lets a "wait" that restates a row's current value (every ovs-vsctl verify) skip parsing.
 */
export function datumMatchesJson(d: Datum, json: unknown, type: ColumnType): boolean {
  const { keys } = d;
  if (type.value) {
    if (!Array.isArray(json) || json.length !== 2 || json[0] !== 'map') return false;
    const pairs = json[1];
    if (!Array.isArray(pairs) || pairs.length !== keys.length) return false;
    const values = d.values as Atom[];
    for (let i = 0; i < keys.length; i++) {
      const p = pairs[i];
      if (!Array.isArray(p) || p.length !== 2) return false;
      if (!atomMatchesJson(keys[i], p[0], type.key) || !atomMatchesJson(values[i], p[1], type.value)) return false;
    }
    return true;
  }
  if (keys.length === 1) return atomMatchesJson(keys[0], json, type.key);
  if (!Array.isArray(json) || json.length !== 2 || json[0] !== 'set') return false;
  const items = json[1];
  if (!Array.isArray(items) || items.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (!atomMatchesJson(keys[i], items[i], type.key)) return false;
  return true;
}

export function compareDatums(a: Datum, b: Datum): number {
  const n = Math.min(a.keys.length, b.keys.length);
  for (let i = 0; i < n; i++) {
    const c = compareAtoms(a.keys[i], b.keys[i]);
    if (c) return c;
    if (a.values && b.values) {
      const v = compareAtoms(a.values[i], b.values[i]);
      if (v) return v;
    }
  }
  return a.keys.length - b.keys.length;
}

export function datumEquals(a: Datum, b: Datum): boolean {
  return a.keys.length === b.keys.length && compareDatums(a, b) === 0;
}

/** Index of `key` in the sorted keys, or -(insertion point) - 1. */
export function findKey(d: Datum, key: Atom): number {
  let lo = 0;
  let hi = d.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareAtoms(d.keys[mid], key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Union: keys of `b` not already in `a` are added (for maps, existing keys keep their value). */
export function datumUnion(a: Datum, b: Datum): Datum {
  const keys = [...a.keys];
  const values = a.values ? [...a.values] : undefined;
  for (let i = 0; i < b.keys.length; i++) {
    const pos = findKey({ keys }, b.keys[i]);
    if (pos >= 0) continue;
    const at = -pos - 1;
    keys.splice(at, 0, b.keys[i]);
    if (values && b.values) values.splice(at, 0, b.values[i]);
  }
  return values ? { keys, values } : { keys };
}

/** Removes from `a` the keys in `b`; for a map `b` given as pairs, only pairs that match exactly. */
export function datumSubtract(a: Datum, b: Datum, pairsOnly: boolean): Datum {
  const keys: Atom[] = [];
  const values: Atom[] | undefined = a.values ? [] : undefined;
  for (let i = 0; i < a.keys.length; i++) {
    const pos = findKey(b, a.keys[i]);
    let remove = pos >= 0;
    if (remove && pairsOnly && a.values && b.values) remove = compareAtoms(a.values[i], b.values[pos]) === 0;
    if (remove) continue;
    keys.push(a.keys[i]);
    if (values) values.push((a.values as Atom[])[i]);
  }
  return values ? { keys, values } : { keys };
}

export function cloneDatum(d: Datum): Datum {
  return d.values ? { keys: [...d.keys], values: [...d.values] } : { keys: [...d.keys] };
}

/**
 * The update2 / `_is_diff` form of a change: for sets the symmetric difference, for maps the
 * pairs added, removed or changed (carrying the new value), for a column of at most one value
 * (a scalar, or an optional one: OVS's "not composite") the new value itself, empty or not.
 */
export function datumDiff(oldD: Datum, newD: Datum, type: ColumnType): Datum {
  if (type.max <= 1) return newD;
  const keys: Atom[] = [];
  const values: Atom[] | undefined = type.value ? [] : undefined;
  let i = 0;
  let j = 0;
  while (i < oldD.keys.length || j < newD.keys.length) {
    const c = i >= oldD.keys.length ? 1 : j >= newD.keys.length ? -1 : compareAtoms(oldD.keys[i], newD.keys[j]);
    if (c < 0) {
      keys.push(oldD.keys[i]);
      values?.push((oldD.values as Atom[])[i]);
      i++;
    } else if (c > 0) {
      keys.push(newD.keys[j]);
      values?.push((newD.values as Atom[])[j]);
      j++;
    } else {
      if (values && compareAtoms((oldD.values as Atom[])[i], (newD.values as Atom[])[j]) !== 0) {
        keys.push(newD.keys[j]);
        values.push((newD.values as Atom[])[j]);
      }
      i++;
      j++;
    }
  }
  return values ? { keys, values } : { keys };
}

/** Applies a diff made by datumDiff (reading `_is_diff` log records and update2 messages). */
export function applyDatumDiff(oldD: Datum, diff: Datum, type: ColumnType): Datum {
  if (type.max <= 1) return diff;
  const keys = [...oldD.keys];
  const values = oldD.values ? [...oldD.values] : undefined;
  for (let n = 0; n < diff.keys.length; n++) {
    const pos = findKey({ keys }, diff.keys[n]);
    if (pos < 0) {
      const at = -pos - 1;
      keys.splice(at, 0, diff.keys[n]);
      if (values) values.splice(at, 0, (diff.values as Atom[])[n]);
    } else if (values && compareAtoms(values[pos], (diff.values as Atom[])[n]) !== 0) {
      values[pos] = (diff.values as Atom[])[n];
    } else {
      keys.splice(pos, 1);
      values?.splice(pos, 1);
    }
  }
  return values ? { keys, values } : { keys };
}
