// SPDX-License-Identifier: GPL-2.0
/*
 * softib ports: attributes, P_Key and GID tables, link state and the
 * asynchronous events that announce their changes.
 */
#include <rdma/ib_mad.h>

#include "softib.h"

void sib_port_init(struct sib_dev *sdev, struct sib_port *port, u32 num)
{
	port->sdev = sdev;
	port->num = num;
	port->guid = SIB_GUID_BASE | ((u64)sdev->index << 8) | num;
	spin_lock_init(&port->lock);
	port->pkeys[0] = 0xffff;
	port->link_up = false;
	port->width = IB_WIDTH_4X;
	port->speed = IB_SPEED_HDR;
	sib_sma_port_init(&port->sma);
	INIT_LIST_HEAD(&port->node);
	sib_vf_port_init(port);
}

void sib_port_gid(struct sib_port *port, union ib_gid *gid)
{
	gid->global.subnet_prefix = cpu_to_be64(0xfe80000000000000ULL);
	gid->global.interface_id = cpu_to_be64(READ_ONCE(port->guid));
}

/* GID table entry @index: 0 from the port GUID, 1 the alias (zero if none). */
void sib_port_gid_at(struct sib_port *port, int index, union ib_gid *gid)
{
	u64 alias = READ_ONCE(port->alias_guid);

	if (index != 1) {
		sib_port_gid(port, gid);
		return;
	}
	memset(gid, 0, sizeof(*gid));
	if (!alias)
		return;
	gid->global.subnet_prefix = cpu_to_be64(0xfe80000000000000ULL);
	gid->global.interface_id = cpu_to_be64(alias);
}

/* Is @guid a port GUID or an alias of any port?  Under cfg_lock. */
static bool guid_in_use(u64 guid)
{
	struct sib_port *p;

	list_for_each_entry(p, &sib_fab->ports, node)
		if (p->guid == guid || p->alias_guid == guid)
			return true;
	return false;
}

/**
 * sib_port_set_alias - put a second GID (index 1) in a port's GID table
 * @port: the port
 * @guid: its interface ID (fe80::/64 prefix), or 0 to empty the entry
 *
 * The SA answers PathRecords and multicast joins for the alias as for
 * GID 0, and UD packets sent with source GID index 1 carry it in their
 * GRH.  The SA forgets the old alias's memberships; IB_EVENT_GID_CHANGE
 * follows, on which ib_core reads the table again.
 * Return: 0, or -EINVAL for a GUID that is all ones or already in use.
 */
int sib_port_set_alias(struct sib_port *port, u64 guid)
{
	union ib_gid old;

	if (guid == U64_MAX)
		return -EINVAL;
	mutex_lock(&sib_fab->cfg_lock);
	if (port->alias_guid == guid) {
		mutex_unlock(&sib_fab->cfg_lock);
		return 0;
	}
	if (guid && guid_in_use(guid)) {
		mutex_unlock(&sib_fab->cfg_lock);
		return -EINVAL;
	}
	sib_port_gid_at(port, 1, &old);
	WRITE_ONCE(port->alias_guid, guid);
	mutex_unlock(&sib_fab->cfg_lock);
	if (old.global.interface_id)
		sib_sa_port_down(sib_fab->sa, &old);
	sib_port_event(port, IB_EVENT_GID_CHANGE);
	return 0;
}

/**
 * sib_port_set_guid - give a port a new port GUID (GID index 0)
 * @port: the port
 * @guid: the new interface ID: not 0, not all ones, no other port's
 *
 * The SA forgets the old GID's multicast memberships; the fabric routes by
 * LID and answers PathRecords for the new GID only.  IB_EVENT_GID_CHANGE
 * follows (ib_core updates its GID cache but, for an IB port, does not
 * pass the event on to its clients), then, as from an SM that saw the
 * port's memberships go, IB_EVENT_CLIENT_REREGISTER, on which clients
 * read the new GID and join again.
 * Return: 0, or -EINVAL for a GUID that cannot be used.
 */
int sib_port_set_guid(struct sib_port *port, u64 guid)
{
	struct sib_port *p;
	union ib_gid old;

	if (!guid || guid == U64_MAX)
		return -EINVAL;
	mutex_lock(&sib_fab->cfg_lock);
	if (port->guid == guid) {
		mutex_unlock(&sib_fab->cfg_lock);
		return 0;
	}
	list_for_each_entry(p, &sib_fab->ports, node) {
		if (p->guid == guid || p->alias_guid == guid) {
			mutex_unlock(&sib_fab->cfg_lock);
			return -EINVAL;
		}
	}
	sib_port_gid(port, &old);
	WRITE_ONCE(port->guid, guid);
	mutex_unlock(&sib_fab->cfg_lock);
	sib_sa_port_down(sib_fab->sa, &old);
	sib_port_event(port, IB_EVENT_GID_CHANGE);
	sib_port_event(port, IB_EVENT_CLIENT_REREGISTER);
	return 0;
}

/**
 * sib_port_set_speed - retrain a port's link to a new width and lane speed
 * @port: the port
 * @width: enum ib_port_width
 * @speed: enum ib_port_speed
 *
 * An active link goes down (IB_EVENT_PORT_ERR) and comes back up at the new
 * rate (IB_EVENT_PORT_ACTIVE); a down link just takes the new rate.
 */
void sib_port_set_speed(struct sib_port *port, u8 width, u16 speed)
{
	bool up;

	mutex_lock(&sib_fab->cfg_lock);
	up = port->link_up;
	if (port->width == width && port->speed == speed) {
		mutex_unlock(&sib_fab->cfg_lock);
		return;
	}
	mutex_unlock(&sib_fab->cfg_lock);
	if (up)
		sib_port_set_link(port, false);
	mutex_lock(&sib_fab->cfg_lock);
	WRITE_ONCE(port->width, width);
	WRITE_ONCE(port->speed, speed);
	mutex_unlock(&sib_fab->cfg_lock);
	if (up)
		sib_port_set_link(port, true);
}

void sib_port_event(struct sib_port *port, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = &port->sdev->ibdev,
		.event = type,
		.element.port_num = port->num,
	};

	if (READ_ONCE(port->sdev->registered))
		ib_dispatch_event(&ev);
}

/*
 * sm=external: a link that trains waits in INIT for the SM (no event); one
 * that goes down is DOWN, and PORT_ERR tells the clients if it was ACTIVE.
 * The switch's end of the link follows; its PortStateChange bit tells
 * the SM's next light sweep.
 */
static void ext_set_link(struct sib_port *port, bool up)
{
	bool was_active;

	mutex_lock(&sib_fab->cfg_lock);
	spin_lock_irq(&port->lock);
	if (port->sma.phys_up == up) {
		spin_unlock_irq(&port->lock);
		mutex_unlock(&sib_fab->cfg_lock);
		return;
	}
	was_active = port->sma.state == IB_PORT_ACTIVE;
	port->sma.phys_up = up;
	port->sma.state = up ? IB_PORT_INIT : IB_PORT_DOWN;
	WRITE_ONCE(port->link_up, false);
	spin_unlock_irq(&port->lock);
	sib_switch_link(port, up);
	mutex_unlock(&sib_fab->cfg_lock);
	if (was_active)
		sib_port_event(port, IB_EVENT_PORT_ERR);
}

/**
 * sib_port_set_link - take a port's link up or down
 * @port: the port
 * @up: new state
 *
 * Down: the port stops sending and receiving and the SA forgets its
 * multicast memberships, like a real SM after a trap.
 */
void sib_port_set_link(struct sib_port *port, bool up)
{
	union ib_gid gid;

	if (sib_params.sm == SIB_SM_EXTERNAL) {
		ext_set_link(port, up);
		return;
	}

	mutex_lock(&sib_fab->cfg_lock);
	if (port->link_up == up) {
		mutex_unlock(&sib_fab->cfg_lock);
		return;
	}
	WRITE_ONCE(port->link_up, up);
	mutex_unlock(&sib_fab->cfg_lock);
	if (!up) {
		synchronize_rcu();
		sib_port_gid(port, &gid);
		sib_sa_port_down(sib_fab->sa, &gid);
		sib_port_gid_at(port, 1, &gid);
		if (gid.global.interface_id)
			sib_sa_port_down(sib_fab->sa, &gid);
	}
	sib_port_event(port, up ? IB_EVENT_PORT_ACTIVE : IB_EVENT_PORT_ERR);
}

/* Load a whole P_Key table (a replaced HCA's), before registration. */
void sib_port_set_pkeys(struct sib_port *port, const u16 *pkeys)
{
	spin_lock_irq(&port->lock);
	memcpy(port->pkeys, pkeys, sizeof(port->pkeys));
	spin_unlock_irq(&port->lock);
}

bool sib_port_pkey_at(struct sib_port *port, u16 index, u16 *pkey)
{
	unsigned long flags;
	u16 val = 0;

	if (index < SIB_PKEY_TBL_LEN) {
		spin_lock_irqsave(&port->lock, flags);
		val = port->pkeys[index];
		spin_unlock_irqrestore(&port->lock, flags);
	}
	*pkey = val;
	return val != 0;
}

static bool pkey_match(u16 a, u16 b)
{
	/* same partition, and not two limited members */
	return (a & 0x7fff) && (a & 0x7fff) == (b & 0x7fff) &&
	       ((a | b) & 0x8000);
}

/* Index of a P_Key matching @pkey for reception, or -1. */
int sib_port_pkey_find(struct sib_port *port, u16 pkey)
{
	unsigned long flags;
	int i, found = -1;

	spin_lock_irqsave(&port->lock, flags);
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++) {
		if (pkey_match(port->pkeys[i], pkey)) {
			found = i;
			break;
		}
	}
	spin_unlock_irqrestore(&port->lock, flags);
	return found;
}

static int pkey_slot(struct sib_port *port, u16 pkey)
{
	int i;

	lockdep_assert_held(&port->lock);
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
		if (port->pkeys[i] == pkey)
			return i;
	return -1;
}

int sib_port_pkey_add(struct sib_port *port, u16 pkey)
{
	int slot, err = 0;

	if (!(pkey & 0x7fff))
		return -EINVAL;
	err = sib_sa_partition_add(sib_fab->sa, pkey);
	if (err)
		return err;
	spin_lock_irq(&port->lock);
	if (pkey_slot(port, pkey) >= 0) {
		spin_unlock_irq(&port->lock);
		return 0;
	}
	slot = pkey_slot(port, 0);
	if (slot >= 0)
		port->pkeys[slot] = pkey;
	else
		err = -ENOSPC;
	spin_unlock_irq(&port->lock);
	if (!err)
		sib_port_event(port, IB_EVENT_PKEY_CHANGE);
	return err;
}

int sib_port_pkey_del(struct sib_port *port, u16 pkey)
{
	int slot;

	spin_lock_irq(&port->lock);
	slot = pkey_slot(port, pkey);
	if (slot >= 0 && pkey)
		port->pkeys[slot] = 0;
	spin_unlock_irq(&port->lock);
	if (slot < 0 || !pkey)
		return -EINVAL;
	sib_port_event(port, IB_EVENT_PKEY_CHANGE);
	return 0;
}

/* sm=external: the state, SM LID and timeout the SM set. */
static void query_port_sma(struct sib_port *port, struct ib_port_attr *attr)
{
	struct sib_sma_port s;
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	s = port->sma;
	spin_unlock_irqrestore(&port->lock, flags);
	attr->state = s.phys_up ? s.state : IB_PORT_DOWN;
	attr->phys_state = s.phys_up ? IB_PORT_PHYS_STATE_LINK_UP :
				       IB_PORT_PHYS_STATE_POLLING;
	attr->sm_lid = s.sm_lid;
	attr->sm_sl = s.sm_sl;
	attr->subnet_timeout = s.subnet_timeout;
}

int sib_query_port(struct ib_device *ibdev, u32 port_num,
		   struct ib_port_attr *attr)
{
	struct sib_port *port = sib_port_get(to_sdev(ibdev), port_num);
	bool up;

	if (!port)
		return -EINVAL;
	up = READ_ONCE(port->link_up);
	memset(attr, 0, sizeof(*attr));
	attr->state = up ? IB_PORT_ACTIVE : IB_PORT_DOWN;
	attr->phys_state = up ? IB_PORT_PHYS_STATE_LINK_UP :
				IB_PORT_PHYS_STATE_POLLING;
	attr->sm_lid = sib_fabric_sm_lid();
	attr->subnet_timeout = 18;
	if (sib_params.sm == SIB_SM_EXTERNAL)
		query_port_sma(port, attr);
	attr->max_mtu = sib_params.mtu;
	attr->active_mtu = sib_params.mtu;
	attr->gid_tbl_len = SIB_GID_TBL_LEN;
	attr->pkey_tbl_len = SIB_PKEY_TBL_LEN;
	attr->port_cap_flags = READ_ONCE(port->cap_flags);
	attr->max_msg_sz = SIB_MAX_MSG;
	attr->lid = READ_ONCE(port->lid);
	attr->lmc = 0;
	attr->max_vl_num = 1;
	attr->active_width = READ_ONCE(port->width);
	attr->active_speed = READ_ONCE(port->speed);
	return 0;
}

int sib_modify_port(struct ib_device *ibdev, u32 port_num, int mask,
		    struct ib_port_modify *props)
{
	struct sib_port *port = sib_port_get(to_sdev(ibdev), port_num);
	u32 flags;

	if (!port)
		return -EINVAL;
	if (mask & ~(IB_PORT_SHUTDOWN | IB_PORT_INIT_TYPE |
		     IB_PORT_RESET_QKEY_CNTR | IB_PORT_OPA_MASK_CHG))
		return -EOPNOTSUPP;
	if (mask & IB_PORT_SHUTDOWN)
		return -EOPNOTSUPP;
	spin_lock_irq(&port->lock);
	flags = port->cap_flags;
	flags |= props->set_port_cap_mask;
	flags &= ~props->clr_port_cap_mask;
	WRITE_ONCE(port->cap_flags, flags);
	spin_unlock_irq(&port->lock);
	return 0;
}

int sib_get_port_immutable(struct ib_device *ibdev, u32 port_num,
			   struct ib_port_immutable *immutable)
{
	if (!sib_port_get(to_sdev(ibdev), port_num))
		return -EINVAL;
	immutable->pkey_tbl_len = SIB_PKEY_TBL_LEN;
	immutable->gid_tbl_len = SIB_GID_TBL_LEN;
	immutable->core_cap_flags = RDMA_CORE_PORT_IBA_IB;
	immutable->max_mad_size = IB_MGMT_MAD_SIZE;
	return 0;
}

enum rdma_link_layer sib_get_link_layer(struct ib_device *ibdev,
					u32 port_num)
{
	return IB_LINK_LAYER_INFINIBAND;
}

int sib_query_pkey(struct ib_device *ibdev, u32 port_num, u16 index,
		   u16 *pkey)
{
	struct sib_port *port = sib_port_get(to_sdev(ibdev), port_num);

	if (!port || index >= SIB_PKEY_TBL_LEN)
		return -EINVAL;
	sib_port_pkey_at(port, index, pkey);
	return 0;
}

int sib_query_gid(struct ib_device *ibdev, u32 port_num, int index,
		  union ib_gid *gid)
{
	struct sib_port *port = sib_port_get(to_sdev(ibdev), port_num);

	if (!port || index < 0 || index >= SIB_GID_TBL_LEN)
		return -EINVAL;
	sib_port_gid_at(port, index, gid);
	return 0;
}
