import { readFileSync } from 'node:fs';
import { UserError } from '@softswitch/cli-kit';

/** FILE's text ("-" is stdin); an error names the file as ovs-ofctl does. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: open failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
