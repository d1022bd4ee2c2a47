/**
 * Datapath port numbers as Open vSwitch's dummy datapath chooses them (dpif-netdev's
 * `choose_port`), so `Datapath actions:` lines read the same as real ovs-vswitchd's in tests:
 * the first number in the name (plus 100 for a name starting with "br") when free, else the
 * lowest free number from 1.
 */
export function chooseDpPort(name: string, taken: (no: number) => boolean): number {
  const digits = /\d+/.exec(name);
  if (digits) {
    const no = (name.startsWith('br') ? 100 : 0) + Number.parseInt(digits[0], 10);
    if (no > 0 && no <= 0xffff && !taken(no)) return no;
  }
  let no = 1;
  while (taken(no)) no++;
  return no;
}
