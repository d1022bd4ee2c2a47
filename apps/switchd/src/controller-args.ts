/** What a `userspace(pid=0,controller(...))` datapath action says about its packet-in. */
export interface ControllerArgs {
  /** ofproto's reason: 0 no match, 1 action, 6 explicit miss (controller action in a table-miss flow), ... */
  reason: number;
  cookie: bigint;
  controllerId: number;
  maxLen: number;
}

const FIELD = /(\w+)=(0x[0-9a-f]+|\d+)/gi;

/**
 * Parses the arguments of a controller `userspace` action as libs/ofproto formats them
 * (`pid=0,controller(reason=1,dont_send=1,...,rule_cookie=0x5,controller_id=0,max_len=65535)`);
 * undefined for any other userspace action (sFlow, IPFIX, slow path).
 */
export function parseControllerArgs(args: string): ControllerArgs | undefined {
  const open = args.indexOf('controller(');
  if (open < 0) return undefined;
  const fields = new Map<string, string>();
  for (const m of args.slice(open + 'controller('.length).matchAll(FIELD)) fields.set(m[1], m[2]);
  const num = (name: string, dflt: number) => (fields.has(name) ? Number(fields.get(name)) : dflt);
  const cookie = fields.get('rule_cookie');
  return {
    reason: num('reason', 1),
    cookie: cookie === undefined ? 0n : BigInt(cookie),
    controllerId: num('controller_id', 0),
    maxLen: num('max_len', 65535),
  };
}
