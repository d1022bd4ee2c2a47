/**
 * Controller roles (OFPT_ROLE_REQUEST, NXT_ROLE_REQUEST) as Open vSwitch's connmgr keeps them:
 * each connection is equal, master or slave; one master per bridge (a new master demotes the
 * old one); a master/slave request with a generation id older than the newest seen fails as
 * stale. The roles are OpenFlow 1.2's numbers.
 */
export const ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;
export const ROLE_NAMES = ['nochange', 'other', 'master', 'slave'] as const;

/** OFPRRFC_*: role request failures (type OFPET_ROLE_REQUEST_FAILED, 11). */
export const OFPET_ROLE_REQUEST_FAILED = 11;
export const OFPRRFC = { STALE: 0, UNSUP: 1, BAD_ROLE: 2 } as const;
/** OFPBRC_IS_SLAVE: a slave tried to change the switch's state. */
export const OFPBRC_IS_SLAVE = 10;

export interface RoleHolder {
  role: number;
  /** Told when another connection's master request demoted this one. */
  demoted(): void;
}

/** The bridge-wide part of roles: the master election id and the one master. */
export class RoleCoordinator {
  private electionId: bigint | undefined;

  /** OVS's ofconn_set_master_election_id: false if `id` is older than the newest seen. */
  setElectionId(id: bigint): boolean {
    if (this.electionId !== undefined && BigInt.asIntN(64, id - this.electionId) < 0n) return false;
    this.electionId = id;
    return true;
  }

  /** The generation id a role reply carries (all ones until one was set). */
  replyGenerationId(): bigint {
    return this.electionId ?? 0xffffffffffffffffn;
  }

  /** `conn` takes `role`; a new master demotes every other master to slave. */
  setRole(conn: RoleHolder, role: number, all: Iterable<RoleHolder>): void {
    if (role === ROLE.MASTER) {
      for (const other of all) {
        if (other === conn || other.role !== ROLE.MASTER) continue;
        other.role = ROLE.SLAVE;
        other.demoted();
      }
    }
    conn.role = role;
  }
}

/** Nicira roles (NXT_ROLE_REQUEST, OpenFlow 1.0): other, master, slave → OpenFlow 1.2's numbers. */
export function roleFromNx(nx: number): number | undefined {
  return nx <= 2 ? nx + 1 : undefined;
}
export function roleToNx(role: number): number {
  return role - 1;
}

/**
 * Whether a message would change the switch's state, which a slave may not do (OVS's
 * reject_slave_controller callers): packet-out, flow-mod, group-mod, port-mod, table-mod,
 * meter-mod, bundles, and their Nicira forms.
 */
export function isStateChange(b: Uint8Array): boolean {
  const version = b[0];
  const type = b[1];
  if (type === 13 || type === 14) return true; // packet-out, flow-mod
  if (version === 1) {
    if (type === 15) return true; // OpenFlow 1.0 port-mod
    if (type === 4 && b.length >= 16) {
      const subtype = (b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15];
      // NXT_FLOW_MOD, NXT_PACKET_OUT2... the Nicira state changes ovs-ofctl sends over 1.0
      return subtype === 13;
    }
    return false;
  }
  if (type === 15 || type === 16 || type === 17) return true; // group-mod, port-mod, table-mod
  if (version >= 4 && type === 29) return true; // meter-mod
  if (version >= 5 && (type === 33 || type === 34)) return true; // bundles
  // OpenFlow 1.3's ONF bundle extension
  return version === 4 && type === 4 && b.length >= 16 && b[8] === 0x4f && b[9] === 0x4e && b[10] === 0x46;
}
