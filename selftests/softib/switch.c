// SPDX-License-Identifier: GPL-2.0
/*
 * The modelled switch of sm=external: one switch whose port k (1..N, N =
 * devices * ports) links to HCA port k (sib_switch_port_of()) and whose
 * port 0 is its management port, where its SMA lives.  It forwards
 * directed-route SMPs by their paths and answers NodeInfo, NodeDescription,
 * SwitchInfo, PortInfo, P_KeyTable, GUIDInfo, LinearForwardingTable,
 * MulticastForwardingTable, SLtoVLMappingTable and VLArbitrationTable.
 * Unicast data between two HCA ports goes through the switch, so it is
 * delivered only when the LinearForwardingTable sends its DLID out of the
 * destination's switch port (sib_switch_routes()); the fabric still finds
 * the destination by its LID table (fabric.c).  Multicast reaches an
 * attached QP of another port only when the MulticastForwardingTable
 * entry of its MLID has that port's bit (sib_switch_mroutes()).  SMPs to
 * the switch pass the M_Key check of its port 0 (IBA 14.2.4).  A link
 * that changes state makes the switch send Trap 128 to its SM LID, again
 * every subnet timeout until the SM represses it.
 */
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <rdma/ib_mad.h>

#include "softib.h"

#define SIB_SW_GUID		(SIB_GUID_BASE | 0x535700000000ULL)
#define SIB_SW_LIFE		18
#define SIB_SW_LFT_BLOCK	64
#define SIB_SW_MFT_BLOCK	32
#define SIB_SW_TRAP_TRIES	8	/* sends of one trap without a repress */
#define SIB_TRAP_LINK_STATE	128	/* Trap 128: link state changed */

/*
 * The switch; every field under lock except trap_work (its own rules).
 * Delivery reads lin_top, lft and mft entries without it
 * (sib_switch_routes(), sib_switch_mroutes(): single u16 and u8 loads).
 */
struct sib_switch {
	struct delayed_work trap_work;	/* sends the pending trap */
	spinlock_t lock;		/* everything below */
	bool trap_pending;		/* a Trap 128 not yet repressed */
	u8 trap_sent;			/* times it was sent */
	__be64 trap_tid;		/* its TransactionID */
	u64 trap_seq;			/* TIDs */
	u8 nports;
	u16 lid;			/* port 0's */
	u16 lin_top;			/* LinearFDBTop */
	u16 mcast_top;			/* MulticastFDBTop */
	u8 life;			/* LifeTimeValue */
	bool psc;			/* PortStateChange */
	struct sib_sma_port ports[SIB_SW_MAX_PORTS + 1];
	u16 pkeys[SIB_SW_MAX_PORTS + 1][SIB_PKEY_TBL_LEN];
	u8 lft[SIB_SW_LFT_CAP];
	u16 mft[SIB_SW_MFT_CAP][SIB_SW_MFT_POS];
};

static struct sib_switch *sib_sw;

static void sw_trap_work(struct work_struct *work);

int sib_switch_create(void)
{
	struct sib_switch *sw;
	unsigned int i;

	sw = kvzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return -ENOMEM;
	spin_lock_init(&sw->lock);
	INIT_DELAYED_WORK(&sw->trap_work, sw_trap_work);
	sw->nports = sib_params.devices * sib_params.ports;
	sw->life = SIB_SW_LIFE;
	for (i = 0; i <= sw->nports; i++) {
		sib_sma_port_init(&sw->ports[i]);
		sw->pkeys[i][0] = 0xffff;
	}
	/* the management port is always up */
	sw->ports[0].phys_up = true;
	sw->ports[0].state = IB_PORT_INIT;
	memset(sw->lft, 0xff, sizeof(sw->lft));
	sib_sw = sw;
	return 0;
}

/* After every port is gone: nothing raises a trap any more. */
void sib_switch_destroy(void)
{
	if (sib_sw)
		cancel_delayed_work_sync(&sib_sw->trap_work);
	kvfree(sib_sw);
	sib_sw = NULL;
}

/* The switch port that links to @port: 1..N. */
u8 sib_switch_port_of(const struct sib_port *port)
{
	return port->sdev->index * sib_params.ports + port->num;
}

/*
 * Trap 128 (IBA 14.2.5.1, Notice): generic, urgent, produced by a switch,
 * the switch's LID as issuer and in the details (LIDADDR, where traps
 * 129-131 carry theirs).
 */
static void sw_trap_fill(struct sib_switch *sw, struct ib_smp *smp)
{
	struct ib_mad_notice_attr *n = (void *)smp->data;

	lockdep_assert_held(&sw->lock);
	smp->base_version = IB_MGMT_BASE_VERSION;
	smp->mgmt_class = IB_MGMT_CLASS_SUBN_LID_ROUTED;
	smp->class_version = 1;
	smp->method = IB_MGMT_METHOD_TRAP;
	smp->tid = sw->trap_tid;
	smp->attr_id = IB_SMP_ATTR_NOTICE;
	smp->mkey = cpu_to_be64(sw->ports[0].mkey);
	n->generic_type = IB_NOTICE_TYPE_URGENT;
	n->prod_type_lsb = IB_NOTICE_PROD_SWITCH;
	n->trap_num = cpu_to_be16(SIB_TRAP_LINK_STATE);
	n->issuer_lid = cpu_to_be16(sw->lid);
	n->details.ntc_129_131.lid = n->issuer_lid;
}

/* How long to wait for a repress: the subnet timeout, 100 ms to 8 s. */
static unsigned long sw_trap_interval(struct sib_switch *sw)
{
	u64 ns = 4096ULL << min_t(u8, sw->ports[0].subnet_timeout, 31);

	lockdep_assert_held(&sw->lock);
	return msecs_to_jiffies(clamp_t(u64, div_u64(ns, NSEC_PER_MSEC),
					100, 8000));
}

/*
 * Send the pending trap to the SM LID (none known: the SM finds the
 * change by PortStateChange in its next sweep) and send it again after a
 * subnet timeout until it is repressed or sent SIB_SW_TRAP_TRIES times.
 */
static void sw_trap_work(struct work_struct *work)
{
	struct sib_switch *sw = container_of(to_delayed_work(work),
					     struct sib_switch, trap_work);
	struct ib_smp *smp;
	u16 slid, dlid;

	smp = kzalloc(sizeof(*smp), GFP_KERNEL);
	if (!smp)
		return;
	spin_lock_irq(&sw->lock);
	slid = sw->lid;
	dlid = sw->ports[0].sm_lid;
	if (!sw->trap_pending || !slid || !dlid ||
	    sw->trap_sent >= SIB_SW_TRAP_TRIES) {
		sw->trap_pending = false;
		spin_unlock_irq(&sw->lock);
		kfree(smp);
		return;
	}
	sw->trap_sent++;
	sw_trap_fill(sw, smp);
	schedule_delayed_work(&sw->trap_work, sw_trap_interval(sw));
	spin_unlock_irq(&sw->lock);
	sib_smp_to_lid(smp, slid, dlid);
	kfree(smp);
}

/**
 * sib_switch_repress - a TrapRepress arrived at the switch's management port
 * @smp: it; it stops the pending trap with its TransactionID if it passes
 *	the M_Key check
 */
void sib_switch_repress(const struct ib_smp *smp)
{
	struct sib_switch *sw = sib_sw;
	unsigned long flags;

	if (!sw)
		return;
	spin_lock_irqsave(&sw->lock, flags);
	if (sib_smp_mkey_check(&sw->ports[0], smp) != SIB_MKEY_DROP &&
	    sw->trap_pending && smp->tid == sw->trap_tid)
		sw->trap_pending = false;
	spin_unlock_irqrestore(&sw->lock, flags);
}

/*
 * @port's link trained or went down: the switch end follows, sets
 * PortStateChange and raises Trap 128 (a new one replaces one pending).
 */
void sib_switch_link(const struct sib_port *port, bool up)
{
	struct sib_switch *sw = sib_sw;
	u8 k = sib_switch_port_of(port);
	unsigned long flags;

	if (!sw || k > sw->nports)
		return;
	spin_lock_irqsave(&sw->lock, flags);
	if (sw->ports[k].phys_up != up) {
		sw->ports[k].phys_up = up;
		sw->ports[k].state = up ? IB_PORT_INIT : IB_PORT_DOWN;
		sw->psc = true;
		sw->trap_pending = true;
		sw->trap_sent = 0;
		sw->trap_tid = cpu_to_be64(++sw->trap_seq);
		mod_delayed_work(system_wq, &sw->trap_work, 0);
	}
	spin_unlock_irqrestore(&sw->lock, flags);
}

u16 sib_switch_lid(void)
{
	struct sib_switch *sw = sib_sw;
	unsigned long flags;
	u16 lid;

	if (!sw)
		return 0;
	spin_lock_irqsave(&sw->lock, flags);
	lid = sw->lid;
	spin_unlock_irqrestore(&sw->lock, flags);
	return lid;
}

static void sw_node_info(struct sib_switch *sw, struct ib_smp *smp, u8 in)
{
	struct ib_node_info *ni = (void *)smp->data;

	ni->base_version = IB_MGMT_BASE_VERSION;
	ni->class_version = 1;
	ni->node_type = RDMA_NODE_IB_SWITCH;
	ni->num_ports = sw->nports;
	ni->sys_guid = cpu_to_be64(SIB_SW_GUID);
	ni->node_guid = cpu_to_be64(SIB_SW_GUID);
	ni->port_guid = cpu_to_be64(SIB_SW_GUID);
	ni->partition_cap = cpu_to_be16(SIB_PKEY_TBL_LEN);
	ni->device_id = cpu_to_be16(0x5357);
	ni->revision = cpu_to_be32(1);
	ni->local_port_num = in;
}

/* SwitchInfo, in the layout of IBA 14.2.5.4 */
struct sib_sw_info {
	__be16 lin_cap;
	__be16 rand_cap;
	__be16 mcast_cap;
	__be16 lin_top;
	u8 def_port;
	u8 def_mcast_pri;
	u8 def_mcast_not_pri;
	u8 life_psc;			/* LifeTimeValue:5 PortStateChange:1 */
	__be16 lids_per_port;
	__be16 enforce_cap;
	u8 flags;
	u8 resv;
	__be16 mcast_top;
} __packed;

static u16 sw_info(struct sib_switch *sw, struct ib_smp *smp)
{
	struct sib_sw_info *si = (void *)smp->data;

	lockdep_assert_held(&sw->lock);
	if (smp->method == IB_MGMT_METHOD_SET) {
		if (be16_to_cpu(si->lin_top) >= SIB_SW_LFT_CAP)
			return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
		WRITE_ONCE(sw->lin_top, be16_to_cpu(si->lin_top));
		sw->mcast_top = be16_to_cpu(si->mcast_top);
		sw->life = si->life_psc >> 3;
		if (si->life_psc & 0x04)
			sw->psc = false;
	}
	memset(smp->data, 0, sizeof(smp->data));
	si->lin_cap = cpu_to_be16(SIB_SW_LFT_CAP);
	si->mcast_cap = cpu_to_be16(SIB_SW_MFT_CAP);
	si->lin_top = cpu_to_be16(sw->lin_top);
	si->life_psc = (sw->life << 3) | (sw->psc ? 0x04 : 0);
	si->mcast_top = cpu_to_be16(sw->mcast_top);
	return 0;
}

static u16 sw_port_info(struct sib_switch *sw, struct ib_smp *smp, u8 in)
{
	u32 k = be32_to_cpu(smp->attr_mod);
	const struct ib_port_info *pi = (const void *)smp->data;
	struct sib_pi_view v = { .local_port = in, .width = IB_WIDTH_4X };
	struct sib_sma_port now;
	u16 status = 0;

	lockdep_assert_held(&sw->lock);
	if (k > sw->nports)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	if (smp->method == IB_MGMT_METHOD_SET) {
		now = sw->ports[k];
		if (sib_smp_set_pi(&now, pi) ||
		    (!k && be16_to_cpu(pi->lid) >= SIB_MCAST_LID_MIN)) {
			status = IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
		} else {
			sw->ports[k] = now;
			if (!k)
				sw->lid = be16_to_cpu(pi->lid);
		}
	}
	/* LID and SM LID live in port 0; the others report port 0's */
	v.lid = sw->lid;
	v.cap = k ? 0 : IB_PORT_SWITCH_PORT_STATE_TABLE_SUP;
	v.guid_cap = k ? 0 : 1;
	now = sw->ports[k];
	now.sm_lid = sw->ports[0].sm_lid;
	sib_smp_fill_pi((void *)smp->data, &now, &v);
	return status;
}

static u16 sw_pkeys(struct sib_switch *sw, struct ib_smp *smp)
{
	u32 mod = be32_to_cpu(smp->attr_mod);
	__be16 *tbl = (__be16 *)smp->data;
	u32 k = mod >> 16;
	int i;

	lockdep_assert_held(&sw->lock);
	if (k > sw->nports || (mod & 0xffff))
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	if (smp->method == IB_MGMT_METHOD_SET)
		for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
			sw->pkeys[k][i] = be16_to_cpu(tbl[i]);
	memset(smp->data, 0, sizeof(smp->data));
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
		tbl[i] = cpu_to_be16(sw->pkeys[k][i]);
	return 0;
}

/* LinearForwardingTable: attribute modifier = block of 64 LIDs. */
static u16 sw_lft(struct sib_switch *sw, struct ib_smp *smp)
{
	u32 block = be32_to_cpu(smp->attr_mod);
	unsigned int i;
	u8 *ent;

	lockdep_assert_held(&sw->lock);
	if (block >= SIB_SW_LFT_CAP / SIB_SW_LFT_BLOCK)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	ent = &sw->lft[block * SIB_SW_LFT_BLOCK];
	for (i = 0; i < SIB_SW_LFT_BLOCK; i++) {
		if (smp->method == IB_MGMT_METHOD_SET)
			WRITE_ONCE(ent[i], smp->data[i]);
		smp->data[i] = ent[i];
	}
	return 0;
}

/*
 * MulticastForwardingTable: attribute modifier bits 31..28 the position
 * (which 16 ports), 8..0 the block of 32 MLIDs.
 */
static u16 sw_mft(struct sib_switch *sw, struct ib_smp *smp)
{
	u32 mod = be32_to_cpu(smp->attr_mod);
	__be16 *tbl = (__be16 *)smp->data;
	u32 pos = mod >> 28, block = mod & 0x1ff;
	u32 i, base = block * SIB_SW_MFT_BLOCK;

	lockdep_assert_held(&sw->lock);
	if (pos >= SIB_SW_MFT_POS || base >= SIB_SW_MFT_CAP)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	for (i = 0; i < SIB_SW_MFT_BLOCK; i++) {
		if (smp->method == IB_MGMT_METHOD_SET)
			WRITE_ONCE(sw->mft[base + i][pos], be16_to_cpu(tbl[i]));
		tbl[i] = cpu_to_be16(sw->mft[base + i][pos]);
	}
	return 0;
}

static u16 sw_attr(struct sib_switch *sw, struct ib_smp *smp, u8 in)
{
	bool set = smp->method == IB_MGMT_METHOD_SET;

	switch (smp->attr_id) {
	case IB_SMP_ATTR_NODE_DESC:
		if (set)
			break;
		memset(smp->data, 0, sizeof(smp->data));
		strscpy(smp->data, "softib switch", sizeof(smp->data));
		return 0;
	case IB_SMP_ATTR_NODE_INFO:
		if (set)
			break;
		memset(smp->data, 0, sizeof(smp->data));
		sw_node_info(sw, smp, in);
		return 0;
	case IB_SMP_ATTR_SWITCH_INFO:
		return sw_info(sw, smp);
	case IB_SMP_ATTR_PORT_INFO:
		return sw_port_info(sw, smp, in);
	case IB_SMP_ATTR_PKEY_TABLE:
		return sw_pkeys(sw, smp);
	case IB_SMP_ATTR_GUID_INFO:
		memset(smp->data, 0, sizeof(smp->data));
		*(__be64 *)smp->data = cpu_to_be64(SIB_SW_GUID);
		return 0;
	case IB_SMP_ATTR_LINEAR_FORWARD_TABLE:
		return sw_lft(sw, smp);
	case IB_SMP_ATTR_MCAST_FORWARD_TABLE:
		return sw_mft(sw, smp);
	case IB_SMP_ATTR_SL_TO_VL_TABLE:
	case IB_SMP_ATTR_VL_ARB_TABLE:
		return sib_smp_vl_tables(smp);
	default:
		break;
	}
	return IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
}

/**
 * sib_switch_answer - the switch's SMA answers an SMP in place
 * @smp: the SMP, made the response
 * @in: the switch port it arrived on
 *
 * Return: 1 when @smp is the answer, 0 when it is no request for an SMA
 * (nothing to send back), -EACCES when it failed the M_Key check of the
 * switch (port 0's M_Key) and is dropped.
 */
int sib_switch_answer(struct ib_smp *smp, u8 in)
{
	struct sib_switch *sw = sib_sw;
	enum sib_mkey_result mk;
	unsigned long flags;
	u16 status = 0;

	if (!sw || !sib_smp_is_request(smp))
		return 0;
	spin_lock_irqsave(&sw->lock, flags);
	mk = sib_smp_mkey_check(&sw->ports[0], smp);
	if (mk != SIB_MKEY_DROP)
		status = sw_attr(sw, smp, in);
	spin_unlock_irqrestore(&sw->lock, flags);
	if (mk == SIB_MKEY_DROP)
		return -EACCES;
	sib_smp_reply(smp, status);
	sib_smp_hide_mkey(smp, mk);
	return 1;
}

/**
 * sib_switch_dr - a directed-route SMP arrives at the switch
 * @smp: the SMP; its hop pointer and return path are updated as the
 *	switch's SMI does (IBA 14.2.2.2), and it is answered in place when
 *	the switch is the end of its path
 * @in: the switch port it came in on
 *
 * Return: the switch port to send it out of, -EACCES when the switch's
 * SMA dropped it for its M_Key, or -EINVAL to drop it.
 */
int sib_switch_dr(struct ib_smp *smp, u8 in)
{
	u8 hc = smp->hop_cnt, hp = smp->hop_ptr;
	int res;

	if (!hc || hc >= IB_SMP_MAX_PATH_HOPS)
		return -EINVAL;
	if (!(smp->status & IB_SMP_DIRECTION)) {
		if (!hp || hp > hc)
			return -EINVAL;
		smp->return_path[hp] = in;
		smp->hop_ptr = ++hp;
		if (hp <= hc)
			return smp->initial_path[hp];
		/* the end of the path: for the switch's SMA */
		if (smp->dr_dlid != IB_LID_PERMISSIVE)
			return -EINVAL;
		res = sib_switch_answer(smp, in);
		if (res <= 0)
			return res ? res : -EINVAL;
	} else if (hp < 2 || hp > hc) {
		return -EINVAL;
	}
	smp->hop_ptr = --hp;
	return smp->return_path[hp];
}

/**
 * sib_switch_routes - does the switch forward unicast from @sport to @dport?
 * @sport: the sending HCA port
 * @dport: the HCA port that has @dlid
 * @dlid: the destination LID
 *
 * With sm=external a packet between two ports crosses the switch, which
 * sends it out of the port its LinearForwardingTable names for @dlid (none
 * above LinearFDBTop); it reaches @dport only if that is @dport's switch
 * port.  A port's packets to itself loop back in the HCA.  Any context.
 */
bool sib_switch_routes(const struct sib_port *sport,
		       const struct sib_port *dport, u16 dlid)
{
	struct sib_switch *sw = sib_sw;

	if (!sw || sport == dport)
		return true;
	if (dlid >= SIB_SW_LFT_CAP || dlid > READ_ONCE(sw->lin_top))
		return false;
	return READ_ONCE(sw->lft[dlid]) == sib_switch_port_of(dport);
}

/**
 * sib_switch_lft_set - set one LinearForwardingTable entry (debugfs)
 * @lid: a unicast LID
 * @port: the switch port for it, 255 for none
 *
 * Return: 0, -EOPNOTSUPP without the switch (sm=embedded), -EINVAL for a
 * LID outside the table or a port the switch does not have.
 */
int sib_switch_lft_set(u16 lid, u8 port)
{
	struct sib_switch *sw = sib_sw;
	unsigned long flags;

	if (!sw)
		return -EOPNOTSUPP;
	if (!lid || lid >= SIB_SW_LFT_CAP ||
	    (port != 0xff && port > sw->nports))
		return -EINVAL;
	spin_lock_irqsave(&sw->lock, flags);
	WRITE_ONCE(sw->lft[lid], port);
	spin_unlock_irqrestore(&sw->lock, flags);
	return 0;
}

/* The routed entries up to LinearFDBTop, "<lid> <port>" per line. */
void sib_switch_lft_show(struct seq_file *m)
{
	struct sib_switch *sw = sib_sw;
	unsigned long flags;
	unsigned int lid, top;
	u8 *lft;

	if (!sw)
		return;
	lft = kmalloc(SIB_SW_LFT_CAP, GFP_KERNEL);
	if (!lft)
		return;
	spin_lock_irqsave(&sw->lock, flags);
	top = min_t(unsigned int, sw->lin_top, SIB_SW_LFT_CAP - 1);
	memcpy(lft, sw->lft, top + 1);
	spin_unlock_irqrestore(&sw->lock, flags);
	for (lid = 1; lid <= top; lid++)
		if (lft[lid] != 0xff)
			seq_printf(m, "%u %u\n", lid, lft[lid]);
	kfree(lft);
}

/**
 * sib_switch_mroutes - does the switch forward multicast from @sport to @dport?
 * @sport: the sending HCA port
 * @dport: an HCA port with a QP attached to @mlid
 * @mlid: the multicast LID
 *
 * The switch sends a multicast packet out of the ports whose bits its
 * MulticastForwardingTable entry for @mlid sets (never back out of the
 * port it came in on: a port's own QPs get their copies from the HCA).
 * Any context.
 */
bool sib_switch_mroutes(const struct sib_port *sport,
			const struct sib_port *dport, u16 mlid)
{
	struct sib_switch *sw = sib_sw;
	u32 idx = mlid - SIB_MCAST_LID_MIN;
	u8 k;

	if (!sw || sport == dport)
		return true;
	k = sib_switch_port_of(dport);
	if (mlid < SIB_MCAST_LID_MIN || idx >= SIB_SW_MFT_CAP ||
	    k / 16 >= SIB_SW_MFT_POS)
		return false;
	return READ_ONCE(sw->mft[idx][k / 16]) & BIT(k % 16);
}

/**
 * sib_switch_mft_set - set one MulticastForwardingTable entry (debugfs)
 * @mlid: a multicast LID the table holds
 * @ports: "<port> <port> ...": the switch ports it goes out of (none: an
 *	empty string)
 *
 * Return: 0, -EOPNOTSUPP without the switch (sm=embedded), -EINVAL for an
 * MLID outside the table or a port the switch does not have.
 */
int sib_switch_mft_set(u16 mlid, char *ports)
{
	u16 masks[SIB_SW_MFT_POS] = {};
	struct sib_switch *sw = sib_sw;
	u32 idx = mlid - SIB_MCAST_LID_MIN;
	unsigned long flags;
	char *tok;
	u8 k;
	int i;

	if (!sw)
		return -EOPNOTSUPP;
	if (mlid < SIB_MCAST_LID_MIN || idx >= SIB_SW_MFT_CAP)
		return -EINVAL;
	while ((tok = strsep(&ports, " \t")) != NULL) {
		if (!*tok)
			continue;
		if (kstrtou8(tok, 0, &k) || k > sw->nports)
			return -EINVAL;
		masks[k / 16] |= BIT(k % 16);
	}
	spin_lock_irqsave(&sw->lock, flags);
	for (i = 0; i < SIB_SW_MFT_POS; i++)
		WRITE_ONCE(sw->mft[idx][i], masks[i]);
	spin_unlock_irqrestore(&sw->lock, flags);
	return 0;
}

/* The entries that send somewhere: "0x<mlid> <port> <port> ..." per line. */
void sib_switch_mft_show(struct seq_file *m)
{
	struct sib_switch *sw = sib_sw;
	u16 (*mft)[SIB_SW_MFT_POS];
	unsigned long flags;
	unsigned int i, k;

	if (!sw)
		return;
	mft = kmalloc(sizeof(sw->mft), GFP_KERNEL);
	if (!mft)
		return;
	spin_lock_irqsave(&sw->lock, flags);
	memcpy(mft, sw->mft, sizeof(sw->mft));
	spin_unlock_irqrestore(&sw->lock, flags);
	for (i = 0; i < SIB_SW_MFT_CAP; i++) {
		if (!memchr_inv(mft[i], 0, sizeof(mft[i])))
			continue;
		seq_printf(m, "0x%04x", SIB_MCAST_LID_MIN + i);
		for (k = 0; k < SIB_SW_MFT_POS * 16; k++)
			if (mft[i][k / 16] & BIT(k % 16))
				seq_printf(m, " %u", k);
		seq_putc(m, '\n');
	}
	kfree(mft);
}
