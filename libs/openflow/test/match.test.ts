import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Match, NARROW_SLOTS, RARE_SLOTS_FROM } from '../src/index.js';

/**
 * Match keeps narrow slots only up to the highest one set (reset, copyFrom and equals stop
 * there): against a model that keeps every slot, any sequence of sets, resets, copies and clones
 * reads back the same values and masks, and equality agrees with the model's.
 */
type Op =
  | { kind: 'set'; m: number; slot: number; value: number; mask: number }
  | { kind: 'bits'; m: number; slot: number; value: number; mask: number }
  | { kind: 'clear'; m: number; slot: number }
  | { kind: 'reset'; m: number }
  | { kind: 'copy'; m: number; from: number }
  | { kind: 'clone'; m: number; from: number };

const slot = fc.oneof(
  fc.integer({ min: 0, max: NARROW_SLOTS - 1 }),
  fc.integer({ min: RARE_SLOTS_FROM, max: NARROW_SLOTS - 1 }),
);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const which = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), m: which, slot, value: u32, mask: u32 }),
  fc.record({ kind: fc.constant('bits' as const), m: which, slot, value: u32, mask: u32 }),
  fc.record({ kind: fc.constant('clear' as const), m: which, slot }),
  fc.record({ kind: fc.constant('reset' as const), m: which }),
  fc.record({ kind: fc.constant('copy' as const), m: which, from: which }),
  fc.record({ kind: fc.constant('clone' as const), m: which, from: which }),
);

describe('Match narrow slots', () => {
  it('reads, copies, resets and compares as a model that keeps every slot', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const matches = [new Match(), new Match(), new Match()];
        const model = matches.map(() => new Array<[number, number]>(NARROW_SLOTS).fill([0, 0]));
        for (const o of ops) {
          const m = matches[o.m];
          const md = model[o.m];
          switch (o.kind) {
            case 'set':
              m.setNum(o.slot, o.value, o.mask);
              md[o.slot] = [(o.value & o.mask) >>> 0, o.mask];
              break;
            case 'bits': {
              m.setBitsNum(o.slot, o.value, o.mask);
              const [v, k] = md[o.slot];
              const mask = (k | o.mask) >>> 0;
              md[o.slot] = [(((v & ~o.mask) | (o.value & o.mask)) & mask) >>> 0, mask];
              break;
            }
            case 'clear':
              m.setNum(o.slot, 0, 0);
              md[o.slot] = [0, 0];
              break;
            case 'reset':
              m.reset();
              md.fill([0, 0]);
              break;
            case 'copy':
              m.copyFrom(matches[o.from]);
              model[o.m] = [...model[o.from]];
              break;
            case 'clone':
              matches[o.m] = matches[o.from].clone();
              model[o.m] = [...model[o.from]];
              break;
          }
        }
        for (let k = 0; k < 3; k++) {
          for (let i = 0; i < NARROW_SLOTS; i++) expect([matches[k].nv(i), matches[k].nm(i)]).toEqual(model[k][i]);
          for (let j = 0; j < 3; j++) {
            const same = model[k].every(([v, m], i) => v === model[j][i][0] && m === model[j][i][1]);
            expect(matches[k].equals(matches[j])).toBe(same);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
