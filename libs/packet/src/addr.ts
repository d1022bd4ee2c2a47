/** Address text forms as Open vSwitch prints and parses them. */

const hex2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `hi` holds bytes 0-1 in its low 16 bits, `lo` bytes 2-5 (the key's MAC layout). */
export function formatMac(hi: number, lo: number): string {
  return `${hex2[(hi >>> 8) & 0xff]}:${hex2[hi & 0xff]}:${hex2[lo >>> 24]}:${hex2[(lo >>> 16) & 0xff]}:${hex2[(lo >>> 8) & 0xff]}:${hex2[lo & 0xff]}`;
}

export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** IPv6 in inet_ntop's form (longest zero run compressed, embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d). */
export function formatIpv6(w: Uint32Array | readonly number[], start = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) {
    const v = w[start + i] >>> 0;
    g.push(v >>> 16, v & 0xffff);
  }
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))) {
      out += formatIpv4(((g[6] << 16) | g[7]) >>> 0);
      break;
    }
    out += g[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** Parses `aa:bb:cc:dd:ee:ff` into [hi, lo], or undefined. */
export function parseMac(text: string): [number, number] | undefined {
  const m = /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})$/i.exec(
    text,
  );
  if (!m) return undefined;
  const b = m.slice(1).map((x) => Number.parseInt(x, 16));
  return [(b[0] << 8) | b[1], ((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0];
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return undefined;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** Parses an IPv6 address (with `::` and an embedded dotted quad) into 4 words, or undefined. */
export function parseIpv6(text: string): Uint32Array | undefined {
  let s = text;
  const tail: number[] = [];
  const dot = s.lastIndexOf(':');
  if (s.includes('.') && dot >= 0) {
    const v4 = parseIpv4(s.slice(dot + 1));
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    const prefix = s.slice(0, dot + 1);
    s = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  const groups: number[] = [];
  for (const g of [...head, ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
  }
  const fill = 8 - head.length - rest.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  for (const g of head) groups.push(Number.parseInt(g, 16));
  for (let i = 0; i < fill && halves.length === 2; i++) groups.push(0);
  for (const g of rest) groups.push(Number.parseInt(g, 16));
  groups.push(...tail);
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) out[i] = ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return out;
}
