import { UserError } from '@softswitch/cli-kit';
import type { FlowStats } from '@softswitch/openflow';

type Of = typeof import('@softswitch/openflow');

/**
 * dump-flows --sort[=FIELD] / --rsort[=FIELD]: by priority, or by a field's value where flows
 * that do not match on the field go last in either order (as ovs-ofctl). Stable, so ties keep
 * the switch's order.
 */
export function sortFlows<T extends FlowStats>(of: Of, flows: T[], field: string, descending: boolean): T[] {
  const sign = descending ? -1 : 1;
  if (field === 'priority') return [...flows].sort((a, b) => sign * (a.priority - b.priority));
  const def = of.fieldByName(field);
  if (!def) throw new UserError(`${field}: unknown field`);
  const slot = def.slot;
  return [...flows].sort((a, b) => {
    const ina = a.match.mask(slot) !== 0n;
    const inb = b.match.mask(slot) !== 0n;
    if (ina !== inb) return ina ? -1 : 1;
    const va = a.match.value(slot);
    const vb = b.match.value(slot);
    return va === vb ? 0 : va < vb ? -sign : sign;
  });
}
