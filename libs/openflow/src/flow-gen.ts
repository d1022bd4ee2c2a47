/**
 * A seeded generator of flows in ovs-ofctl syntax, for differential tests against the real
 * ovs-ofctl and for benchmarks. Same seed, same flows.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateFlows(count: number, seed = 1): string[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => rnd() < p;
  const hex = (bits: number) => {
    let v = 0n;
    for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(int(65536));
    return `0x${(v & ((1n << BigInt(bits)) - 1n)).toString(16)}`;
  };
  const mac = () => Array.from({ length: 6 }, () => int(256).toString(16).padStart(2, '0')).join(':');
  const macMask = () =>
    pick(['ff:ff:ff:ff:ff:ff', 'ff:ff:ff:00:00:00', '01:00:00:00:00:00', 'fe:ff:ff:ff:ff:ff', mac()]);
  const ip = () => `${int(256)}.${int(256)}.${int(256)}.${int(256)}`;
  const ipMasked = () => (chance(0.5) ? ip() : chance(0.7) ? `${ip()}/${int(33)}` : `${ip()}/${ip()}`);
  const ip6 = () =>
    pick([
      '::1',
      '::',
      'fe80::1',
      `2001:db8::${int(65536).toString(16)}`,
      `${int(65536).toString(16)}:${int(65536).toString(16)}::${int(65536).toString(16)}:0:${int(16)}`,
      '::ffff:1.2.3.4',
    ]);
  const ip6Masked = () => (chance(0.5) ? ip6() : chance(0.7) ? `${ip6()}/${int(129)}` : `${ip6()}/ffff:ffff::`);
  const port16 = () => (chance(0.6) ? String(int(65536)) : `${hex(16)}/${hex(16)}`);
  const reg = () => (chance(0.6) ? hex(32) : `${hex(32)}/${hex(32)}`);

  const protos = ['', '', 'ip', 'tcp', 'udp', 'icmp', 'arp', 'ipv6', 'tcp6', 'udp6', 'icmp6', 'sctp', 'mpls', 'rarp'];
  const outputs = () =>
    pick([
      `output:${1 + int(200)}`,
      `${1 + int(60)}`,
      'NORMAL',
      'FLOOD',
      'ALL',
      'LOCAL',
      'IN_PORT',
      'CONTROLLER',
      `controller:${int(65536)}`,
      `controller(reason=${pick(['no_match', 'invalid_ttl', 'action'])},max_len=${int(65536)},id=${int(100)})`,
      `enqueue:${1 + int(100)}:${int(10)}`,
      `output:NXM_NX_REG${int(16)}[${int(16)}..${16 + int(16)}]`,
    ]);
  const actionFor = (proto: string): string => {
    const isIp = ['ip', 'tcp', 'udp', 'icmp', 'sctp'].includes(proto);
    const isIp6 = ['ipv6', 'tcp6', 'udp6', 'icmp6'].includes(proto);
    const choices: (() => string)[] = [
      outputs,
      outputs,
      () => `resubmit(,${int(255)})`,
      () => `resubmit:${1 + int(100)}`,
      () => `resubmit(${1 + int(100)},${int(255)})`,
      () => `set_queue:${int(100)}`,
      () => 'pop_queue',
      () => `load:${int(256)}->NXM_NX_REG${int(16)}[${int(8)}..${8 + int(24)}]`,
      () => `load:${hex(32)}->NXM_NX_REG${int(16)}[]`,
      () => `load:${hex(64)}->NXM_NX_TUN_ID[]`,
      () => `load:${hex(32)}->NXM_NX_PKT_MARK[]`,
      () => `move:NXM_NX_REG${int(16)}[0..7]->NXM_NX_REG${int(16)}[8..15]`,
      () => `move:NXM_NX_REG${int(16)}[]->NXM_NX_REG${int(16)}[]`,
      () => `set_field:${hex(32)}->reg${int(16)}`,
      () => `set_field:${mac()}->eth_src`,
      () => `set_field:${mac()}->eth_dst`,
      () => `set_field:${hex(64)}->tun_id`,
      () => `set_field:${hex(32)}->pkt_mark`,
      () => `mod_dl_src:${mac()}`,
      () => `mod_dl_dst:${mac()}`,
      () => `note:${Array.from({ length: int(12) }, () => int(256).toString(16).padStart(2, '0')).join('.')}`,
      () => 'exit',
      () => `group:${int(1000)}`,
      () => `conjunction(${int(1000)},${1 + int(2)}/${2 + int(3)})`,
      () => `set_tunnel:${hex(32)}`,
      () => `set_tunnel64:${hex(64)}`,
      () => `push_mpls:0x${pick(['8847', '8848'])}`,
      () => `mod_vlan_vid:${int(4096)}`,
      () => `mod_vlan_pcp:${int(8)}`,
      () => `dec_ttl(${int(10)},${int(10)})`,
      () => `ct(commit,zone=${int(100)})`,
      () => 'ct(commit)',
      () => 'ct',
      () => `ct(table=${int(255)})`,
      () => `output(port=${1 + int(100)},max_len=${int(100000)})`,
      () => `set_field:${int(4096)}->vlan_vid`,
      () => `set_field:${int(8)}->vlan_pcp`,
      () => `load:${int(4096)}->NXM_OF_VLAN_TCI[0..11]`,
      () => 'strip_vlan',
      () => 'pop_vlan',
      () => `push_vlan:0x${pick(['8100', '88a8'])}`,
      () => `meter:${1 + int(100)}`,
      () => 'clear_actions',
      () => `write_actions(${outputs()})`,
      () => `write_actions(set_queue:${int(10)},${outputs()})`,
      () => `move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]`,
      () => `move:NXM_NX_TUN_ID[0..31]->NXM_NX_REG${int(16)}[]`,
      () => `load:${hex(48)}->NXM_OF_ETH_DST[]`,
      () => `load:${int(2)}->OXM_OF_METADATA[${int(64)}]`,
      () => `set_field:${hex(64)}->metadata`,
      () => `controller(max_len=${int(65536)})`,
      () => `controller(id=${int(65536)})`,
      () => `output:NXM_NX_REG${int(16)}[]`,
      () =>
        `multipath(${pick(['eth_src', 'symmetric_l4', 'symmetric_l3l4', 'symmetric_l3l4+udp', 'nw_src', 'nw_dst', 'symmetric_l3'])},${int(65536)},${pick(['modulo_n', 'hash_threshold', 'hrw', 'iter_hash'])},${1 + int(16)},${int(100)},NXM_NX_REG${int(16)}[${int(8)}..${8 + int(20)}])`,
      () =>
        `bundle(${pick(['eth_src', 'symmetric_l4', 'nw_src'])},${int(65536)},${pick(['active_backup', 'hrw'])},ofport,members:${Array.from({ length: 1 + int(5) }, () => 1 + int(100)).join(',')})`,
      () => {
        const specs = [
          'NXM_OF_VLAN_TCI[0..11]',
          'NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]',
          `load:NXM_OF_IN_PORT[]->NXM_NX_REG${int(16)}[0..15]`,
          `reg${int(16)}=${int(1000)}`,
          `NXM_NX_REG${int(16)}[0..7]=0x${int(256).toString(16)}`,
          `load:0x${int(65536).toString(16)}->NXM_NX_REG${int(16)}[]`,
          'output:NXM_OF_IN_PORT[]',
          'eth_type=0x800',
          `in_port=${1 + int(100)}`,
        ];
        const opts = [
          `table=${int(255)}`,
          `idle_timeout=${int(65536)}`,
          `hard_timeout=${int(65536)}`,
          `priority=${int(65536)}`,
          `cookie=${hex(64)}`,
          `fin_idle_timeout=${int(100)}`,
          `fin_hard_timeout=${int(100)}`,
          'send_flow_rem',
          'delete_learned',
        ];
        const parts = [...opts.filter(() => chance(0.3)), ...specs.filter(() => chance(0.35))];
        return `learn(${parts.join(',')})`;
      },
      () =>
        `bundle_load(${pick(['eth_src', 'symmetric_l3l4'])},${int(65536)},hrw,ofport,NXM_NX_REG${int(16)}[],members:${Array.from({ length: 1 + int(4) }, () => 1 + int(100)).join(',')})`,
    ];
    if (isIp) {
      choices.push(
        () => `mod_nw_src:${ip()}`,
        () => `mod_nw_dst:${ip()}`,
        () => `mod_nw_tos:${int(64) * 4}`,
        () => `mod_nw_ttl:${int(256)}`,
        () => `mod_nw_ecn:${int(4)}`,
        () => 'dec_ttl',
        () => `set_field:${ip()}->ip_src`,
        () => `set_field:${ip()}->ip_dst`,
        () => `set_field:${int(64)}->ip_dscp`,
        () => `set_field:${int(4)}->nw_ecn`,
        () => `load:${hex(32)}->NXM_OF_IP_SRC[]`,
        () => `move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[]`,
        () => `move:NXM_OF_IP_DST[0..7]->NXM_NX_REG${int(16)}[0..7]`,
      );
    }
    if (isIp6)
      choices.push(
        () => 'dec_ttl',
        () => `mod_nw_ttl:${int(256)}`,
      );
    if (proto === 'tcp' || proto === 'udp')
      choices.push(
        () => `mod_tp_src:${int(65536)}`,
        () => `mod_tp_dst:${int(65536)}`,
      );
    if (proto === 'mpls') {
      choices.push(
        () => `pop_mpls:0x${pick(['0800', '86dd'])}`,
        () => 'dec_mpls_ttl',
        () => `set_mpls_label(${int(1 << 20)})`,
        () => `set_mpls_tc(${int(8)})`,
        () => `set_mpls_ttl(${int(256)})`,
      );
    }
    return pick(choices)();
  };

  // tun_metadataN words come from a second stream, so that every other word of a seed's flows
  // stays what it was before they were added (benchmarks compare across versions).
  const tunMd = tunMetadataWords(prng(seed ^ 0x5eed7d));
  const tunMdAction = tunMetadataActions(prng(seed ^ 0xac7d));

  const flows: string[] = [];
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    const proto = pick(protos);
    if (chance(0.2)) parts.push(`table=${int(255)}`);
    if (chance(0.3)) parts.push(`priority=${int(65536)}`);
    if (chance(0.2)) parts.push(`cookie=${hex(64)}`);
    if (chance(0.15)) parts.push(`idle_timeout=${int(65536)}`);
    if (chance(0.15)) parts.push(`hard_timeout=${int(65536)}`);
    if (chance(0.05)) parts.push('send_flow_rem');
    if (chance(0.05)) parts.push('check_overlap');
    if (chance(0.03)) parts.push('reset_counts');
    if (chance(0.03)) parts.push('no_packet_counts');
    if (chance(0.03)) parts.push('no_byte_counts');
    if (chance(0.03)) parts.push(`importance=${int(65536)}`);
    if (proto) parts.push(proto);
    const fields: (() => string)[] = [
      () => `in_port=${pick([String(1 + int(1000)), 'LOCAL', 'CONTROLLER'])}`,
      () => `dl_src=${mac()}${chance(0.3) ? `/${macMask()}` : ''}`,
      () => `dl_dst=${mac()}${chance(0.3) ? `/${macMask()}` : ''}`,
      () => `dl_vlan=${int(4096)}`,
      () => `dl_vlan_pcp=${int(8)}`,
      () => `vlan_tci=${hex(16)}${chance(0.5) ? `/${hex(16)}` : ''}`,
      () => `reg${int(16)}=${reg()}`,
      () => `metadata=${hex(64)}${chance(0.5) ? `/${hex(64)}` : ''}`,
      () => `tun_id=${hex(64)}${chance(0.5) ? `/${hex(64)}` : ''}`,
      () => `pkt_mark=${reg()}`,
      () => `ct_state=${pick(['+trk', '-new+trk', '+est+trk', '-trk', '+rpl-inv'])}`,
      () => `ct_mark=${reg()}`,
      () => `ct_zone=${int(65536)}`,
      () => `conj_id=${int(100000)}`,
      () => `vlan_vid=${int(4096)}`,
      () => `vlan_vid=0x${(0x1000 | int(4096)).toString(16)}/0x1fff`,
      () => `vlan_pcp=${int(8)}`,
      () => `tun_src=${ipMasked()}`,
      () => `tun_dst=${ip()}`,
      () => `dp_hash=${reg()}`,
      () => `recirc_id=${int(1000)}`,
      () => `in_port=${int(65280)}`,
      () => `xreg${int(8)}=${hex(64)}${chance(0.5) ? `/${hex(64)}` : ''}`,
    ];
    if (!proto) fields.push(() => `dl_type=0x${pick(['0800', '0806', '86dd', '8847', '88cc', '1234'])}`);
    if (['ip', 'tcp', 'udp', 'icmp', 'sctp'].includes(proto)) {
      fields.push(
        () => `nw_src=${ipMasked()}`,
        () => `nw_dst=${ipMasked()}`,
        () => `nw_tos=${int(64) * 4}`,
        () => `nw_ecn=${int(4)}`,
        () => `nw_ttl=${int(256)}`,
        () => `ip_frag=${pick(['no', 'yes', 'first', 'later', 'not_later'])}`,
      );
      if (proto === 'ip') fields.push(() => `nw_proto=${int(256)}`);
      fields.push(() => `ip_dscp=${int(64)}`);
    }
    if (['ipv6', 'tcp6', 'udp6', 'icmp6'].includes(proto)) {
      fields.push(
        () => `ipv6_src=${ip6Masked()}`,
        () => `ipv6_dst=${ip6Masked()}`,
        () => `ipv6_label=${hex(16)}`,
        () => `nw_ttl=${int(256)}`,
      );
    }
    if (proto === 'tcp' || proto === 'udp' || proto === 'sctp' || proto === 'tcp6' || proto === 'udp6') {
      fields.push(
        () => `tp_src=${port16()}`,
        () => `tp_dst=${port16()}`,
      );
    }
    if (proto === 'tcp' || proto === 'tcp6')
      fields.push(() => `tcp_flags=${pick(['+syn', '+syn-ack', '-rst', '+fin+psh', '0x2/0x7'])}`);
    if (proto === 'icmp' || proto === 'icmp6')
      fields.push(
        () => `icmp_type=${int(256)}`,
        () => `icmp_code=${int(256)}`,
      );
    if (proto === 'arp' || proto === 'rarp') {
      fields.push(
        () => `arp_op=${int(256)}`,
        () => `arp_spa=${ipMasked()}`,
        () => `arp_tpa=${ipMasked()}`,
        () => `arp_sha=${mac()}`,
        () => `arp_tha=${mac()}`,
      );
    }
    if (proto === 'mpls')
      fields.push(
        () => `mpls_label=${int(1 << 20)}`,
        () => `mpls_tc=${int(8)}`,
        () => `mpls_bos=${int(2)}`,
      );
    const nFields = int(4);
    const used = new Set<number>();
    for (let i = 0; i < nFields; i++) {
      const k = int(fields.length);
      if (used.has(k)) continue;
      used.add(k);
      parts.push(fields[k]());
    }
    parts.push(...tunMd());
    const nActions = int(4);
    const acts: string[] = [];
    for (let i = 0; i < nActions; i++) acts.push(actionFor(proto));
    acts.unshift(...tunMdAction());
    if (chance(0.1)) acts.push(`write_metadata:${hex(64)}/${hex(64)}`);
    if (chance(0.1)) acts.push(`goto_table:${1 + int(254)}`);
    parts.push(`actions=${acts.length ? acts.join(',') : 'drop'}`);
    flows.push(parts.join(','));
  }
  return flows;
}

/**
 * A generator of the tun_metadataN words of one flow (none for most flows): values of 0 to 124
 * bytes in hex or decimal, masked or bare, on distinct fields.
 */
function tunMetadataWords(rnd: () => number): () => string[] {
  const int = (n: number) => Math.floor(rnd() * n);
  /** `n` random bytes in hex; the first one not zero when `full` (exactly `n` significant bytes). */
  const hexBytes = (n: number, full = false) => {
    let s = '';
    for (let i = 0; i < n; i++) s += (full && i === 0 ? 1 + int(255) : int(256)).toString(16).padStart(2, '0');
    return `0x${s || '0'}`;
  };
  const len = () => (rnd() < 0.85 ? int(9) : int(125));
  return () => {
    if (rnd() >= 0.06) return [];
    const words: string[] = [];
    const used = new Set<number>();
    for (let n = 1 + int(2); n > 0; n--) {
      const i = rnd() < 0.5 ? int(4) : int(64);
      if (used.has(i)) continue;
      used.add(i);
      const r = rnd();
      if (r < 0.1) words.push(`tun_metadata${i}`);
      else if (r < 0.2) words.push(`tun_metadata${i}=${int(1_000_000)}`);
      else if (r < 0.55) {
        // A value no longer than its mask: the length parsing gives is then the one decoding
        // gives back (OVS's too), so that flows round-trip through the wire unchanged.
        const maskLen = len();
        words.push(`tun_metadata${i}=${hexBytes(int(maskLen + 1))}/${hexBytes(maskLen, true)}`);
      } else words.push(`tun_metadata${i}=${hexBytes(len())}`);
    }
    return words;
  };
}

/** A generator of set_field/load/move actions on tun_metadataN (none for most flows). */
function tunMetadataActions(rnd: () => number): () => string[] {
  const int = (n: number) => Math.floor(rnd() * n);
  const hex = (bytes: number) =>
    `0x${Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, '0')).join('') || '0'}`;
  const md = () => `tun_metadata${rnd() < 0.5 ? int(4) : int(64)}`;
  const choices = [
    () => `set_field:${hex(int(9))}->${md()}`,
    () => `set_field:${hex(1 + int(8))}/${hex(1 + int(8))}->${md()}`,
    () => `load:${hex(1 + int(4))}->${md()}[${int(32)}..${32 + int(32)}]`,
    () => `load:${hex(1 + int(8))}->${md()}[]`,
    () => `move:${md()}[0..31]->NXM_NX_REG${int(16)}[]`,
    () => {
      const at = int(900);
      return `move:NXM_NX_REG${int(16)}[0..15]->NXM_NX_TUN_METADATA${int(64)}[${at}..${at + 15}]`;
    },
    () => `move:${md()}[]->${md()}[]`,
  ];
  return () => (rnd() < 0.05 ? [choices[int(choices.length)]()] : []);
}
