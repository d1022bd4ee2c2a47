import { UserError } from '@softswitch/cli-kit';

type Of = typeof import('@softswitch/openflow');

/** A port number or keyword (LOCAL, IN_PORT, ANY...) as ovs-ofctl parses a PORT argument. */
export function parsePortArg(of: Of, text: string): number {
  const named = of.parsePortName(text);
  if (named !== undefined) return named;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 0xffff) return n;
  }
  throw new UserError(`${text}: port not found`);
}
