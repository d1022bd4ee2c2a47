import { UserError } from '@softswitch/cli-kit';

/** A fatal error after some output, as ovs_fatal prints it (the output so far still goes out). */
export class OfflineFatal extends Error {
  constructor(
    message: string,
    readonly partialOutput: string,
  ) {
    super(message);
  }
}

/** Writes what `produce` prints; on an OfflineFatal, the output before it, then the error line. */
export function writeUntilFatal(produce: () => string): void {
  try {
    process.stdout.write(produce());
  } catch (e) {
    if (!(e instanceof OfflineFatal)) throw e;
    process.stdout.write(e.partialOutput);
    throw new UserError(e.message);
  }
}
