import { describe, expect, it } from 'vitest';
import { hoistLeadingOptions } from '../src/argv.js';

describe('hoistLeadingOptions', () => {
  const withValue = new Set(['-O', '--protocols']);
  it('moves options before the command behind it', () => {
    expect(hoistLeadingOptions(['-O', 'OpenFlow13', 'dump-flows', 'br0'], withValue)).toEqual([
      'dump-flows',
      '-O',
      'OpenFlow13',
      'br0',
    ]);
  });
  it('keeps value-less options and --opt=value forms', () => {
    expect(hoistLeadingOptions(['--strict', '--protocols=OpenFlow10', 'del-flows', 'br0'], withValue)).toEqual([
      'del-flows',
      '--strict',
      '--protocols=OpenFlow10',
      'br0',
    ]);
  });
  it('leaves argv alone when the command comes first or after --', () => {
    expect(hoistLeadingOptions(['show', 'br0'], withValue)).toEqual(['show', 'br0']);
    expect(hoistLeadingOptions(['--', 'x'], withValue)).toEqual(['--', 'x']);
    expect(hoistLeadingOptions(['--version'], withValue)).toEqual(['--version']);
  });
});
