/**
 * `--format json` for decoded OpenFlow data: bigints as decimal strings, byte arrays as hex,
 * matches as {slot: "value/mask"}, field definitions by name.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
      if (v && typeof v === 'object' && 'slots' in v && v.slots instanceof Map) {
        const out: Record<string, string> = {};
        for (const [slot, sv] of v.slots as Map<string, { value: bigint; mask: bigint }>) {
          out[slot] = `0x${sv.value.toString(16)}/0x${sv.mask.toString(16)}`;
        }
        return out;
      }
      if (v && typeof v === 'object' && 'usable' in v && 'slot' in v && 'name' in v)
        return (v as { name: string }).name;
      return v;
    },
    2,
  );
}
