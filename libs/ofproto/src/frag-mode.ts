import { NW_FRAG_ANY, NW_FRAG_LATER } from '@softswitch/packet';

/**
 * How a bridge treats IP fragments (OFPC_FRAG_* of OFPT_SET_CONFIG, `ovs-ofctl set-frags`), as
 * OVS's enum ofputil_frag_handling. REASM (2) exists on the wire but, as in OVS, no bridge takes it.
 */
export const FragMode = {
  /** Fragments are looked up with tp_src = tp_dst = 0 (the first one too). */
  NORMAL: 0,
  /** Fragments are dropped before any flow is looked at. */
  DROP: 1,
  REASM: 2,
  /** nw_frag is matchable; later fragments have ports 0 (flow extraction sees no L4 header). */
  NX_MATCH: 3,
} as const;
export type FragMode = (typeof FragMode)[keyof typeof FragMode];

/** What a table lookup does with a packet (OVS's rule_dpif_lookup_from_table). */
export const FragLookup = {
  /** Look the flow up as it is. */
  AS_IS: 0,
  /** Look it up with both transport ports 0 (restored afterwards). */
  ZERO_PORTS: 1,
  /** Match no flow: the packet is dropped (OVS's drop_frags_rule). */
  DROP: 2,
} as const;
export type FragLookup = (typeof FragLookup)[keyof typeof FragLookup];

/**
 * The lookup an IP packet with `nw_frag` bits `frag` gets under `mode`. nw_frag is always in the
 * megaflow for IP, so every decision here is sound. A later fragment's ports are 0 for every real
 * packet (extraction stops before L4); looking it up with ports 0 in every mode keeps that true for
 * any key inside its megaflow, whose transport ports translation leaves wildcarded (as OVS's
 * xlate_wc_finish).
 */
export function fragLookup(mode: FragMode, frag: number): FragLookup {
  if (!(frag & NW_FRAG_ANY)) return FragLookup.AS_IS;
  if (mode === FragMode.DROP) return FragLookup.DROP;
  if (mode === FragMode.NORMAL || frag & NW_FRAG_LATER) return FragLookup.ZERO_PORTS;
  return FragLookup.AS_IS;
}

/** The text of the table line a dropped fragment's trace shows instead of a flow (OVS's wording). */
export const FRAG_DROP_TRACE = 'Packets are IP fragments and the fragment handling mode is "drop".';
