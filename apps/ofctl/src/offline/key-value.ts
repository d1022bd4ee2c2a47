type Of = typeof import('@softswitch/openflow');

/** ovs-ofctl parse-key-value: each argument's pairs as `key=value` (or `key`), comma-separated. */
export function keyValueLines(of: Of, args: string[]): string {
  let out = '';
  for (const arg of args) {
    out += `${of
      .parseKeyValues(arg)
      .map(({ key, value }) => (value ? `${key}=${value}` : key))
      .join(', ')}\n`;
  }
  return out;
}
