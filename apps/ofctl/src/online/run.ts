import { OfConnection, OpenFlowErrorReply } from './connection.js';

/**
 * Runs an online command body: an error reply from the switch is printed as ovs-ofctl prints it
 * (the decoded OFPT_ERROR and the request it quotes, no "ofctl:" prefix) with exit status 1;
 * other errors go to BaseCommand (user error 1, unreachable 2). The connection is always closed.
 */
export async function runOnline(body: (track: (c: OfConnection) => OfConnection) => Promise<void>): Promise<void> {
  const open: OfConnection[] = [];
  try {
    await body((c) => {
      open.push(c);
      return c;
    });
  } catch (e) {
    if (e instanceof OpenFlowErrorReply) {
      process.stderr.write(`${e.text}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  } finally {
    for (const c of open) c.close();
  }
}

export { OfConnection };
