/**
 * oclif only accepts flags after the command name, but Open vSwitch users write
 * `ovs-ofctl -O OpenFlow13 dump-flows br0`. This moves leading options (and their values)
 * behind the first word that names a command, leaving everything after `--` untouched.
 */
export function hoistLeadingOptions(argv: string[], optionsWithValue: ReadonlySet<string>): string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '--') {
    const arg = argv[i];
    leading.push(arg);
    i++;
    if (!arg.includes('=') && optionsWithValue.has(arg) && i < argv.length) leading.push(argv[i++]);
  }
  if (leading.length === 0 || i >= argv.length) return argv;
  return [argv[i], ...leading, ...argv.slice(i + 1)];
}
