// SPDX-License-Identifier: GPL-2.0
/*
 * softib subnet management agent (sm=external).
 *
 * An HCA port's SMA answers through ib_device_ops.process_mad: the ib_mad
 * core calls it for SMPs that arrive on the port's QP0 and for directed-
 * route SMPs its own SM addresses to the local port (hop count 0).  SMPs
 * that leave a port are routed here: directed-route ones hop through the
 * modelled switch (switch.c), which answers those addressed to it and
 * forwards the others out of the port their path names; LID-routed ones
 * go to the port that has the LID, or to the switch's management port.
 */
#include <linux/slab.h>
#include <rdma/ib_mad.h>

#include "softib.h"

#define SIB_SMP_SPEEDS		7	/* SDR | DDR | QDR */
#define SIB_SMP_SPEED_ACTIVE	4	/* QDR: 4x is 40 Gb/s */
#define SIB_SMP_WIDTHS		0x0f	/* 1x, 4x, 8x, 12x */
#define SIB_SMP_VL_ARB_CAP	8
#define SIB_SMP_PHYS_POLLING	2

void sib_sma_port_init(struct sib_sma_port *s)
{
	memset(s, 0, sizeof(*s));
	s->state = IB_PORT_DOWN;
	s->neighbor_mtu = sib_params.mtu;
	s->op_vls = 1;
	s->lwe = SIB_SMP_WIDTHS;
	s->lse = SIB_SMP_SPEEDS;
}

/* Fill a PortInfo attribute from @s and @v. */
void sib_smp_fill_pi(struct ib_port_info *pi, const struct sib_sma_port *s,
		     const struct sib_pi_view *v)
{
	u8 state = s->phys_up ? s->state : IB_PORT_DOWN;
	u8 phys = s->phys_up ? IB_PORT_PHYS_STATE_LINK_UP :
			       SIB_SMP_PHYS_POLLING;

	memset(pi, 0, sizeof(*pi));
	pi->mkey = cpu_to_be64(s->mkey);
	pi->gid_prefix = cpu_to_be64(0xfe80000000000000ULL);
	pi->lid = cpu_to_be16(v->lid);
	pi->sm_lid = cpu_to_be16(s->sm_lid);
	pi->cap_mask = cpu_to_be32(v->cap);
	pi->mkey_lease_period = cpu_to_be16(s->mkey_lease);
	pi->mkeyprot_resv_lmc = s->mkey_prot << 6;
	pi->mkey_violations = cpu_to_be16(s->mkey_violations);
	pi->local_port_num = v->local_port;
	pi->link_width_enabled = s->lwe;
	pi->link_width_supported = SIB_SMP_WIDTHS;
	pi->link_width_active = s->phys_up ? v->width : 0;
	pi->linkspeed_portstate = (SIB_SMP_SPEEDS << 4) | state;
	pi->portphysstate_linkdown = (phys << 4) | SIB_SMP_PHYS_POLLING;
	pi->linkspeedactive_enabled = (SIB_SMP_SPEED_ACTIVE << 4) | s->lse;
	pi->neighbormtu_mastersmsl = (s->neighbor_mtu << 4) | s->sm_sl;
	pi->vlcap_inittype = 1 << 4;	/* VL0 only */
	pi->vl_high_limit = s->vl_high_limit;
	pi->vl_arb_high_cap = SIB_SMP_VL_ARB_CAP;
	pi->vl_arb_low_cap = SIB_SMP_VL_ARB_CAP;
	pi->inittypereply_mtucap = sib_params.mtu;
	pi->operationalvl_pei_peo_fpi_fpo = s->op_vls << 4;
	pi->guid_cap = v->guid_cap;
	pi->clientrereg_resv_subnetto = s->subnet_timeout & 0x1f;
}

/* The logical state a PortInfo Set asks for: 0 keeps it. */
static int pi_next_state(const struct sib_sma_port *s, u8 req, u8 *next)
{
	*next = s->state;
	if (!req)
		return 0;
	if (!s->phys_up)
		return -EINVAL;
	switch (req) {
	case IB_PORT_DOWN:
		/* the link goes down and trains again */
		*next = IB_PORT_INIT;
		return 0;
	case IB_PORT_ARMED:
		if (s->state != IB_PORT_INIT && s->state != IB_PORT_ARMED)
			return -EINVAL;
		break;
	case IB_PORT_ACTIVE:
		if (s->state != IB_PORT_ARMED && s->state != IB_PORT_ACTIVE)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	*next = req;
	return 0;
}

/**
 * sib_smp_set_pi - apply the settable fields of a PortInfo Set
 * @s: the port's SMA state (its lock held)
 * @pi: the attribute the SM sent
 *
 * Checks the state transition, NeighborMTU and OperationalVLs first and
 * changes nothing when one is invalid.  The LID is the caller's.
 * Return: 0, or -EINVAL (status InvalidAttributeValue).
 */
int sib_smp_set_pi(struct sib_sma_port *s, const struct ib_port_info *pi)
{
	u8 mtu = pi->neighbormtu_mastersmsl >> 4;
	u8 vls = pi->operationalvl_pei_peo_fpi_fpo >> 4;
	u8 state;

	if (pi_next_state(s, pi->linkspeed_portstate & 0xf, &state) ||
	    (mtu && (mtu < IB_MTU_256 || mtu > sib_params.mtu)) || vls > 1)
		return -EINVAL;
	s->state = state;
	if (mtu)
		s->neighbor_mtu = mtu;
	if (vls)
		s->op_vls = vls;
	s->mkey = be64_to_cpu(pi->mkey);
	s->mkey_lease = be16_to_cpu(pi->mkey_lease_period);
	s->mkey_prot = pi->mkeyprot_resv_lmc >> 6;
	s->sm_lid = be16_to_cpu(pi->sm_lid);
	s->sm_sl = pi->neighbormtu_mastersmsl & 0xf;
	s->subnet_timeout = pi->clientrereg_resv_subnetto & 0x1f;
	s->vl_high_limit = pi->vl_high_limit;
	if (pi->link_width_enabled)
		s->lwe = pi->link_width_enabled == 0xff ? SIB_SMP_WIDTHS :
			 pi->link_width_enabled & SIB_SMP_WIDTHS;
	if (pi->linkspeedactive_enabled & 0xf)
		s->lse = (pi->linkspeedactive_enabled & 0xf) == 0xf ?
			 SIB_SMP_SPEEDS :
			 pi->linkspeedactive_enabled & SIB_SMP_SPEEDS;
	return 0;
}

/**
 * sib_smp_mkey_check - the M_Key check of IBA 14.2.4 for an SMP to a port
 * @s: the port's SMA state (for a switch, port 0's), its lock held
 * @smp: a Get, Set or TrapRepress for the port
 *
 * An SMP passes when the port's M_Key is 0 or the SMP carries it.  One
 * that does not is still processed when it is a Get and the protection
 * bits are below 2 (at 1 the answer shows M_Key 0); anything else is a
 * violation: dropped unanswered, counted in M_KeyViolations, and it starts
 * the lease timer (M_KeyLeasePeriod seconds, 0 never ends) unless that
 * runs already.  A lease that ran out clears the protection bits; an SMP
 * with the right M_Key stops the timer.
 *
 * Return: what to do with the SMP.
 */
enum sib_mkey_result sib_smp_mkey_check(struct sib_sma_port *s,
					const struct ib_smp *smp)
{
	if (s->lease_end && time_after_eq(jiffies, s->lease_end)) {
		s->lease_end = 0;
		s->mkey_prot = 0;
	}
	if (!s->mkey || be64_to_cpu(smp->mkey) == s->mkey) {
		s->lease_end = 0;
		return SIB_MKEY_OK;
	}
	if (smp->method == IB_MGMT_METHOD_GET && s->mkey_prot < 2)
		return s->mkey_prot ? SIB_MKEY_HIDE : SIB_MKEY_OK;
	if (s->mkey_violations < U16_MAX)
		s->mkey_violations++;
	if (!s->lease_end && s->mkey_lease)
		s->lease_end = (jiffies + s->mkey_lease * HZ) | 1;
	return SIB_MKEY_DROP;
}

/* A Get that passed with the wrong M_Key at protection 1 shows M_Key 0. */
void sib_smp_hide_mkey(struct ib_smp *smp, enum sib_mkey_result res)
{
	struct ib_port_info *pi = (void *)smp->data;

	if (res == SIB_MKEY_HIDE && smp->attr_id == IB_SMP_ATTR_PORT_INFO)
		pi->mkey = 0;
}

/* Turn a request into its response with @status. */
void sib_smp_reply(struct ib_smp *smp, u16 status)
{
	smp->method = IB_MGMT_METHOD_GET_RESP;
	smp->status = cpu_to_be16(status);
	if (smp->mgmt_class == IB_MGMT_CLASS_SUBN_DIRECTED_ROUTE)
		smp->status |= IB_SMP_DIRECTION;
}

/* A Get or Set for an SMA (not a response, trap or SM-to-SM SMInfo)? */
bool sib_smp_is_request(const struct ib_smp *smp)
{
	return smp->base_version == IB_MGMT_BASE_VERSION &&
	       (smp->mgmt_class == IB_MGMT_CLASS_SUBN_LID_ROUTED ||
		smp->mgmt_class == IB_MGMT_CLASS_SUBN_DIRECTED_ROUTE) &&
	       (smp->method == IB_MGMT_METHOD_GET ||
		smp->method == IB_MGMT_METHOD_SET) &&
	       smp->attr_id != IB_SMP_ATTR_SM_INFO;
}

/*
 * SLtoVLMappingTable and VLArbitrationTable: one data VL, so every SL maps
 * to VL0 and arbitration has nothing to choose; a Set is accepted and
 * echoed, a Get reads zeros.
 */
u16 sib_smp_vl_tables(struct ib_smp *smp)
{
	if (smp->method == IB_MGMT_METHOD_GET)
		memset(smp->data, 0, sizeof(smp->data));
	return 0;
}

static void hca_node_info(struct sib_port *port, struct ib_smp *smp)
{
	struct ib_node_info *ni = (void *)smp->data;
	struct ib_device *ibdev = &port->sdev->ibdev;

	ni->base_version = IB_MGMT_BASE_VERSION;
	ni->class_version = 1;
	ni->node_type = RDMA_NODE_IB_CA;
	ni->num_ports = port->sdev->nports;
	ni->sys_guid = ibdev->node_guid;
	ni->node_guid = ibdev->node_guid;
	ni->port_guid = cpu_to_be64(READ_ONCE(port->guid));
	ni->partition_cap = cpu_to_be16(SIB_PKEY_TBL_LEN);
	ni->device_id = cpu_to_be16(0x5342);
	ni->revision = cpu_to_be32(1);
	ni->local_port_num = port->num;
}

/* Move @port to @lid in the fabric's LID table (atomic context). */
static int hca_set_lid(struct sib_port *port, u16 lid)
{
	struct xarray *lids = &sib_fab->lids;
	u16 old = READ_ONCE(port->lid);
	unsigned long flags;
	int err;

	if (lid == old)
		return 0;
	if (lid < SIB_FIRST_LID || lid >= SIB_MCAST_LID_MIN)
		return -EINVAL;
	xa_lock_irqsave(lids, flags);
	err = __xa_insert(lids, lid, port, GFP_ATOMIC);
	if (!err) {
		WRITE_ONCE(port->lid, lid);
		if (old)
			__xa_cmpxchg(lids, old, port, NULL, GFP_ATOMIC);
	}
	xa_unlock_irqrestore(lids, flags);
	return err ? -EINVAL : 1;
}

/* Raise what a real HCA raises after a PortInfo Set changed @old to @now. */
static void hca_pi_events(struct sib_port *port, const struct sib_sma_port *old,
			  const struct sib_sma_port *now, bool lid_changed,
			  bool rereg)
{
	bool was = old->state == IB_PORT_ACTIVE;
	bool is = now->state == IB_PORT_ACTIVE;

	if (lid_changed)
		sib_port_event(port, IB_EVENT_LID_CHANGE);
	if (old->sm_lid != now->sm_lid || old->sm_sl != now->sm_sl)
		sib_port_event(port, IB_EVENT_SM_CHANGE);
	if (is != was)
		sib_port_event(port, is ? IB_EVENT_PORT_ACTIVE :
				      IB_EVENT_PORT_ERR);
	if (rereg)
		sib_port_event(port, IB_EVENT_CLIENT_REREGISTER);
}

static u16 hca_pi_set(struct sib_port *port, const struct ib_port_info *pi)
{
	struct sib_sma_port old, now;
	unsigned long flags;
	int lid_changed;

	spin_lock_irqsave(&port->lock, flags);
	old = port->sma;
	now = old;
	if (sib_smp_set_pi(&now, pi)) {
		spin_unlock_irqrestore(&port->lock, flags);
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	}
	spin_unlock_irqrestore(&port->lock, flags);
	/* only the SM (one at a time, through QP0) sets these */
	lid_changed = hca_set_lid(port, be16_to_cpu(pi->lid));
	if (lid_changed < 0)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	spin_lock_irqsave(&port->lock, flags);
	port->sma = now;
	WRITE_ONCE(port->link_up, now.state == IB_PORT_ACTIVE);
	spin_unlock_irqrestore(&port->lock, flags);
	hca_pi_events(port, &old, &now, lid_changed,
		      pi->clientrereg_resv_subnetto & 0x80);
	return 0;
}

static u16 hca_port_info(struct sib_port *port, struct ib_smp *smp)
{
	u32 mod = be32_to_cpu(smp->attr_mod);
	struct sib_pi_view v = { .guid_cap = SIB_GID_TBL_LEN };
	struct sib_sma_port s;
	unsigned long flags;
	u16 status = 0;

	if (mod) {
		port = sib_port_get(port->sdev, mod);
		if (!port)
			return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	}
	if (smp->method == IB_MGMT_METHOD_SET)
		status = hca_pi_set(port, (const void *)smp->data);
	spin_lock_irqsave(&port->lock, flags);
	s = port->sma;
	v.cap = port->cap_flags | IB_PORT_CLIENT_REG_SUP;
	spin_unlock_irqrestore(&port->lock, flags);
	v.lid = READ_ONCE(port->lid);
	v.local_port = port->num;
	v.width = READ_ONCE(port->width);
	sib_smp_fill_pi((void *)smp->data, &s, &v);
	return status;
}

/* P_KeyTable: one block of 32 holds all SIB_PKEY_TBL_LEN entries. */
static u16 hca_pkeys(struct sib_port *port, struct ib_smp *smp)
{
	__be16 *tbl = (__be16 *)smp->data;
	u16 pkeys[SIB_PKEY_TBL_LEN];
	bool changed = false;
	unsigned long flags;
	int i;

	if (be32_to_cpu(smp->attr_mod) & 0xffff)
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
		pkeys[i] = be16_to_cpu(tbl[i]);
	spin_lock_irqsave(&port->lock, flags);
	if (smp->method == IB_MGMT_METHOD_SET &&
	    memcmp(pkeys, port->pkeys, sizeof(pkeys))) {
		memcpy(port->pkeys, pkeys, sizeof(pkeys));
		changed = true;
	}
	memcpy(pkeys, port->pkeys, sizeof(pkeys));
	spin_unlock_irqrestore(&port->lock, flags);
	memset(smp->data, 0, sizeof(smp->data));
	for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
		tbl[i] = cpu_to_be16(pkeys[i]);
	if (changed)
		sib_port_event(port, IB_EVENT_PKEY_CHANGE);
	return 0;
}

/* GUIDInfo block 0: the port GUID and the alias (a Set changes nothing). */
static u16 hca_guids(struct sib_port *port, struct ib_smp *smp)
{
	__be64 *tbl = (__be64 *)smp->data;

	if (be32_to_cpu(smp->attr_mod))
		return IB_MGMT_MAD_STATUS_INVALID_ATTRIB_VALUE;
	memset(smp->data, 0, sizeof(smp->data));
	tbl[0] = cpu_to_be64(READ_ONCE(port->guid));
	tbl[1] = cpu_to_be64(READ_ONCE(port->alias_guid));
	return 0;
}

static u16 hca_attr(struct sib_port *port, struct ib_smp *smp)
{
	bool set = smp->method == IB_MGMT_METHOD_SET;

	if (!set && smp->attr_id != IB_SMP_ATTR_PKEY_TABLE)
		memset(smp->data, 0, sizeof(smp->data));
	switch (smp->attr_id) {
	case IB_SMP_ATTR_NODE_DESC:
		if (set)
			break;
		memcpy(smp->data, port->sdev->ibdev.node_desc,
		       IB_DEVICE_NODE_DESC_MAX);
		return 0;
	case IB_SMP_ATTR_NODE_INFO:
		if (set)
			break;
		hca_node_info(port, smp);
		return 0;
	case IB_SMP_ATTR_PORT_INFO:
		return hca_port_info(port, smp);
	case IB_SMP_ATTR_PKEY_TABLE:
		return hca_pkeys(port, smp);
	case IB_SMP_ATTR_GUID_INFO:
		return hca_guids(port, smp);
	case IB_SMP_ATTR_SL_TO_VL_TABLE:
	case IB_SMP_ATTR_VL_ARB_TABLE:
		return sib_smp_vl_tables(smp);
	default:
		break;
	}
	return IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB;
}

/**
 * sib_process_mad - ib_device_ops.process_mad: the HCA ports' SMA
 * @ibdev: the HCA
 * @flags: IB_MAD_IGNORE_MKEY skips the M_Key check (no B_Key is enforced)
 * @port_num: the port the MAD arrived on (or is local to)
 * @in_wc: its work completion (unused)
 * @in_grh: its GRH (unused)
 * @in: the MAD
 * @out: the response
 * @out_size: in: room in @out; out: the response's size
 * @out_pkey_index: unused (IB, not OPA)
 *
 * Answers SMP Gets and Sets addressed to the port that pass its M_Key
 * check and drops the others; everything else (other classes, responses,
 * traps, SMInfo for an SM) goes on to the MAD agents.  May be called in
 * atomic context (a local directed-route SMP).
 * Return: IB_MAD_RESULT_SUCCESS, with IB_MAD_RESULT_REPLY when @out is
 * the answer or IB_MAD_RESULT_CONSUMED when the SMP was dropped.
 */
int sib_process_mad(struct ib_device *ibdev, int flags, u32 port_num,
		    const struct ib_wc *in_wc, const struct ib_grh *in_grh,
		    const struct ib_mad *in, struct ib_mad *out,
		    size_t *out_size, u16 *out_pkey_index)
{
	struct sib_port *port = sib_port_get(to_sdev(ibdev), port_num);
	struct ib_smp *smp = (struct ib_smp *)out;
	enum sib_mkey_result mk = SIB_MKEY_OK;
	unsigned long irqf;

	if (!port || !in || !out || *out_size < sizeof(*smp) ||
	    !sib_smp_is_request((const struct ib_smp *)in))
		return IB_MAD_RESULT_SUCCESS;
	if (!(flags & IB_MAD_IGNORE_MKEY)) {
		spin_lock_irqsave(&port->lock, irqf);
		mk = sib_smp_mkey_check(&port->sma, (const struct ib_smp *)in);
		spin_unlock_irqrestore(&port->lock, irqf);
	}
	if (mk == SIB_MKEY_DROP) {
		sib_count(port, SIB_CNT_DROP_MKEY, 1);
		return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_CONSUMED;
	}
	memcpy(smp, in, sizeof(*smp));
	*out_size = sizeof(*smp);
	sib_smp_reply(smp, hca_attr(port, smp));
	sib_smp_hide_mkey(smp, mk);
	return IB_MAD_RESULT_SUCCESS | IB_MAD_RESULT_REPLY;
}

/* Hand an SMP to @dport's QP0 as if it had come over @dport's link. */
static void smp_deliver(struct sib_port *dport, const struct sib_pkt *pkt,
			struct ib_smp *smp, u16 slid, u16 dlid)
{
	struct sib_pkt out = {
		.sport = pkt->sport,
		.slid = slid,
		.dlid = dlid,
		.pkey = pkt->pkey,
		.type = IB_QPT_SMI,
		.data = (u8 *)smp,
		.len = SIB_MAD_SIZE,
	};
	struct sib_qp *qp;
	bool up;

	spin_lock_irq(&dport->lock);
	up = dport->sma.phys_up;
	spin_unlock_irq(&dport->lock);
	if (!up) {
		sib_count(dport, SIB_CNT_DROP_LINK_DOWN, 1);
		return;
	}
	qp = sib_qp_lookup(dport, 0);
	if (!qp) {
		sib_count(dport, SIB_CNT_DROP_NO_QP, 1);
		return;
	}
	sib_wire_deliver_ud(qp, &out);
	sib_qp_put(qp);
}

/* The HCA port behind switch port @k, under rcu_read_lock(). */
static struct sib_port *smp_port_at(u8 k)
{
	struct sib_port *port;

	list_for_each_entry_rcu(port, &sib_fab->ports, node)
		if (sib_switch_port_of(port) == k)
			return port;
	return NULL;
}

static void smp_dr_send(struct sib_pkt *pkt, struct ib_smp *smp)
{
	struct sib_port *dport;
	int out;

	out = sib_switch_dr(smp, sib_switch_port_of(pkt->sport));
	if (out == -EACCES) {
		sib_count(pkt->sport, SIB_CNT_DROP_MKEY, 1);
		return;
	}
	rcu_read_lock();
	dport = out > 0 ? smp_port_at(out) : NULL;
	if (dport)
		smp_deliver(dport, pkt, smp, SIB_PERMISSIVE_LID,
			    SIB_PERMISSIVE_LID);
	else
		sib_count(pkt->sport, SIB_CNT_DROP_NO_PORT, 1);
	rcu_read_unlock();
}

static void smp_lid_send(struct sib_pkt *pkt, struct ib_smp *smp)
{
	u16 swlid = sib_switch_lid();
	struct sib_port *dport;

	int res;

	rcu_read_lock();
	if (pkt->dlid == SIB_PERMISSIVE_LID || (swlid && pkt->dlid == swlid)) {
		if (smp->method == IB_MGMT_METHOD_TRAP_REPRESS)
			sib_switch_repress(smp);
		res = sib_switch_answer(smp, sib_switch_port_of(pkt->sport));
		if (res > 0)
			smp_deliver(pkt->sport, pkt, smp, swlid, pkt->slid);
		else if (res < 0)
			sib_count(pkt->sport, SIB_CNT_DROP_MKEY, 1);
		goto out;
	}
	dport = sib_fabric_port_by_lid(pkt->dlid);
	if (dport)
		smp_deliver(dport, pkt, smp, pkt->slid, pkt->dlid);
	else
		sib_count(pkt->sport, SIB_CNT_DROP_NO_PORT, 1);
out:
	rcu_read_unlock();
}

/**
 * sib_smp_to_lid - the switch's management port sends a LID-routed SMP
 * @smp: the SMP (a trap)
 * @slid: the switch's LID
 * @dlid: the port to send it to (the SM's)
 *
 * The switch's port 0 reaches every HCA port through its own ports, so
 * the SMP arrives at the QP0 of the port with @dlid.  Process context.
 */
void sib_smp_to_lid(struct ib_smp *smp, u16 slid, u16 dlid)
{
	struct sib_pkt pkt = { .pkey = 0xffff };
	struct sib_port *dport;

	rcu_read_lock();
	dport = sib_fabric_port_by_lid(dlid);
	if (dport) {
		pkt.sport = dport;
		smp_deliver(dport, &pkt, smp, slid, dlid);
	}
	rcu_read_unlock();
}

/**
 * sib_smp_send - route an SMP that QP0 of pkt->sport sends (sm=external)
 * @pkt: the SMP; the ib_mad core has taken the directed-route step out
 *	of the sending port already
 *
 * Process context (the QP's send worker).
 */
void sib_smp_send(struct sib_pkt *pkt)
{
	struct ib_smp *smp;
	bool up;

	spin_lock_irq(&pkt->sport->lock);
	up = pkt->sport->sma.phys_up;
	spin_unlock_irq(&pkt->sport->lock);
	if (!up || pkt->len != SIB_MAD_SIZE) {
		sib_count(pkt->sport, SIB_CNT_DROP_LINK_DOWN, 1);
		return;
	}
	smp = kmemdup(pkt->data, SIB_MAD_SIZE, GFP_KERNEL);
	if (!smp)
		return;
	if (smp->mgmt_class == IB_MGMT_CLASS_SUBN_DIRECTED_ROUTE)
		smp_dr_send(pkt, smp);
	else if (smp->mgmt_class == IB_MGMT_CLASS_SUBN_LID_ROUTED)
		smp_lid_send(pkt, smp);
	kfree(smp);
}
