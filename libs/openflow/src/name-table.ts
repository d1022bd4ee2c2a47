/**
 * A string-keyed table looked up by a range of a larger string, without slicing the range out:
 * parse-flows looked up every word of a flow's match in Maps by a fresh slice, whose hash V8
 * then computed for the lookup (slice, hash and probe were about 5% of a warm run). Here the
 * hash is taken over the characters in place and a hit is confirmed by comparing them.
 */
export class NameTable<T> {
  /** Open addressing, linear probing; '' marks an empty slot (no key is empty). */
  private readonly keys: string[];
  private readonly values: (T | undefined)[];
  private readonly mask: number;

  constructor(entries: Iterable<readonly [string, T]>) {
    const list = [...entries];
    let size = 16;
    while (size < 4 * list.length) size *= 2;
    this.keys = new Array<string>(size).fill('');
    this.values = new Array<T | undefined>(size).fill(undefined);
    this.mask = size - 1;
    for (const [key, value] of list) {
      if (key === '') throw new Error('NameTable: empty key');
      let i = hashRange(key, 0, key.length) & this.mask;
      while (this.keys[i] !== '' && this.keys[i] !== key) i = (i + 1) & this.mask;
      this.keys[i] = key;
      this.values[i] = value;
    }
  }

  /** The value for `s[start, end)`, else undefined. */
  get(s: string, start: number, end: number): T | undefined {
    const n = end - start;
    let i = hashRange(s, start, end) & this.mask;
    for (;;) {
      const key = this.keys[i];
      if (key === '') return undefined;
      if (key.length === n && sameChars(key, s, start)) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }
}

function hashRange(s: string, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h ^ (h >>> 13);
}

/** Whether `s` holds all of `key` at `at` (the caller checked that it fits). */
function sameChars(key: string, s: string, at: number): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== s.charCodeAt(at + i)) return false;
  return true;
}
