// SPDX-License-Identifier: GPL-2.0
/*
 * softib SA multicast: the partitions' IPoIB broadcast groups, groups that
 * members create, memberships, MCMemberRecord SET/DELETE/GET/GetTable and
 * the SM events that drop memberships.
 *
 * MCMemberRecord layout: IBA 15.2.5.17, 52 bytes, big endian.
 */
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/unaligned.h>

#include "sa_priv.h"

#define SA_MLID_FIRST		(SIB_SA_DEFAULT_MLID + 1)
#define SA_MLID_LAST		0xfffe

#define JOIN_FULL		0x1
#define JOIN_SENDONLY_FULL	0x8
#define JOIN_ALL		0xf

/* MCMemberRecord on the wire. */
struct mcm_wire {
	u8 mgid[16];
	u8 port_gid[16];
	__be32 qkey;
	__be16 mlid;
	u8 mtu;			/* selector:2 mtu:6 */
	u8 tclass;
	__be16 pkey;
	u8 rate;		/* selector:2 rate:6 */
	u8 pkt_life;		/* selector:2 life:6 */
	__be32 sl_flow_hop;	/* sl:4 flow_label:20 hop_limit:8 */
	u8 scope_join;		/* scope:4 join_state:4 */
	u8 proxy;		/* proxy_join:1 reserved:7 */
	u8 reserved[2];
} __packed;

static_assert(sizeof(struct mcm_wire) == 52);

struct sa_member {
	struct list_head node;
	union ib_gid gid;
	u8 join_state;
};

struct sa_group {
	struct list_head node;
	struct list_head members;
	union ib_gid mgid;
	u32 qkey;
	u32 flow_label;
	u16 mlid;
	u16 pkey;
	u8 mtu;
	u8 rate;
	u8 tclass;
	u8 sl;
	u8 hop_limit;
	u8 pkt_life;
	bool bcast;		/* a defined partition's broadcast group */
	bool mtu_forced;	/* MTU from fabric/bcast_mtu */
};

/* ---- multicast groups ---------------------------------------------------- */

static struct sa_group *group_find(struct sib_sa *sa, const u8 *mgid)
{
	struct sa_group *g;

	lockdep_assert_held(&sa->lock);
	list_for_each_entry(g, &sa->groups, node)
		if (!memcmp(g->mgid.raw, mgid, sizeof(g->mgid.raw)))
			return g;
	return NULL;
}

static struct sa_member *member_find(struct sa_group *g, const u8 *gid)
{
	struct sa_member *m;

	list_for_each_entry(m, &g->members, node)
		if (!memcmp(m->gid.raw, gid, sizeof(m->gid.raw)))
			return m;
	return NULL;
}

static void group_clear(struct sa_group *g)
{
	struct sa_member *m, *tmp;

	list_for_each_entry_safe(m, tmp, &g->members, node) {
		list_del(&m->node);
		kfree(m);
	}
}

static void group_free(struct sib_sa *sa, struct sa_group *g)
{
	lockdep_assert_held(&sa->lock);
	group_clear(g);
	list_del(&g->node);
	ida_free(&sa->mlids, g->mlid);
	kfree(g);
}

/* New group with an MLID, linked into sa->groups; NULL when out of MLIDs. */
static struct sa_group *group_new(struct sib_sa *sa, const u8 *mgid, u16 pkey)
{
	struct sa_group *g;
	int mlid = -ENOSPC;

	lockdep_assert_held(&sa->lock);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	if ((pkey | 0x8000) == 0xffff)
		mlid = ida_alloc_range(&sa->mlids, SIB_SA_DEFAULT_MLID,
				       SIB_SA_DEFAULT_MLID, GFP_KERNEL);
	if (mlid < 0)
		mlid = ida_alloc_range(&sa->mlids, SA_MLID_FIRST, SA_MLID_LAST,
				       GFP_KERNEL);
	if (mlid < 0) {
		kfree(g);
		return NULL;
	}
	INIT_LIST_HEAD(&g->members);
	memcpy(g->mgid.raw, mgid, sizeof(g->mgid.raw));
	g->mlid = mlid;
	g->pkey = pkey;
	g->mtu = sa->mtu;
	g->rate = sa->rate;
	g->pkt_life = SA_PKT_LIFE;
	list_add_tail(&g->node, &sa->groups);
	return g;
}

static void group_to_wire(const struct sa_group *g, const u8 *port_gid,
			  u8 join_state, struct mcm_wire *w)
{
	u8 gid[16];

	/* @port_gid may point into @w. */
	memcpy(gid, port_gid, sizeof(gid));
	memset(w, 0, sizeof(*w));
	memcpy(w->mgid, g->mgid.raw, sizeof(w->mgid));
	memcpy(w->port_gid, gid, sizeof(w->port_gid));
	w->qkey = cpu_to_be32(g->qkey);
	w->mlid = cpu_to_be16(g->mlid);
	w->mtu = sel_val(IB_SA_EQ, g->mtu);
	w->tclass = g->tclass;
	w->pkey = cpu_to_be16(g->pkey);
	w->rate = sel_val(IB_SA_EQ, g->rate);
	w->pkt_life = sel_val(IB_SA_EQ, g->pkt_life);
	w->sl_flow_hop = cpu_to_be32((g->sl & 0xf) << 28 |
				     (g->flow_label & 0xfffff) << 8 | g->hop_limit);
	w->scope_join = (g->mgid.raw[1] & 0xf) << 4 | (join_state & 0xf);
}

/* Is @mgid an IPoIB broadcast MGID ff1<scope>:401b:<pkey>::ffff:ffff? */
static bool is_bcast_mgid(const u8 *mgid, u16 *pkey)
{
	static const u8 zero[6];

	if (mgid[0] != 0xff || (mgid[1] & 0xf0) != 0x10 ||
	    mgid[2] != 0x40 || mgid[3] != 0x1b ||
	    memcmp(mgid + 6, zero, sizeof(zero)) ||
	    get_unaligned_be32(mgid + 12) != 0xffffffff)
		return false;
	*pkey = get_unaligned_be16(mgid + 4);
	return true;
}

static struct sa_bcast_mtu *bcast_mtu_find(struct sib_sa *sa, u16 pkey)
{
	int i;

	lockdep_assert_held(&sa->lock);
	for (i = 0; i < SA_BCAST_MTU_MAX; i++)
		if (sa->bcast_mtu[i].pkey &&
		    !((sa->bcast_mtu[i].pkey ^ pkey) & 0x7fff))
			return &sa->bcast_mtu[i];
	return NULL;
}

/* The MTU code fabric/bcast_mtu sets for group @mgid, or -1. */
static int bcast_mtu_of(struct sib_sa *sa, const u8 *mgid)
{
	struct sa_bcast_mtu *e;
	u16 pkey;

	if (!is_bcast_mgid(mgid, &pkey))
		return -1;
	e = bcast_mtu_find(sa, pkey);
	return e ? e->code : -1;
}

/* (Re)set the MTU of a group without members from fabric/bcast_mtu. */
static void group_reset_mtu(struct sib_sa *sa, struct sa_group *g)
{
	int code = bcast_mtu_of(sa, g->mgid.raw);

	g->mtu_forced = code >= 0;
	g->mtu = code >= 0 ? code : sa->mtu;
}

static void bcast_mgid(u16 pkey, u8 *mgid)
{
	static const u8 tmpl[16] = { 0xff, 0x12, 0x40, 0x1b, 0, 0, 0, 0,
				     0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

	memcpy(mgid, tmpl, sizeof(tmpl));
	put_unaligned_be16(pkey | 0x8000, mgid + 4);
}

/* ---- MCMemberRecord ------------------------------------------------------ */

/* May @port join existing group @g with the components asked in @w? */
static u16 mcm_check_join(struct sa_req *r, const struct sa_group *g,
			  const struct mcm_wire *w, const struct sib_sa_port *port)
{
	u8 sel;

	if (has(r, IB_SA_MCMEMBER_REC_QKEY) && be32_to_cpu(w->qkey) != g->qkey)
		return SA_STATUS(SA_ERR_REQ_INVALID);
	if (has(r, IB_SA_MCMEMBER_REC_PKEY) &&
	    (be16_to_cpu(w->pkey) & 0x7fff) != (g->pkey & 0x7fff))
		return SA_STATUS(SA_ERR_REQ_INVALID);
	sel = has(r, IB_SA_MCMEMBER_REC_MTU_SELECTOR) ?
	      w->mtu >> SA_SEL_SHIFT : IB_SA_EQ;
	if (has(r, IB_SA_MCMEMBER_REC_MTU) &&
	    !sel_ok(g->mtu - (w->mtu & SA_VAL_MASK), sel))
		return SA_STATUS(SA_ERR_REQ_INVALID);
	sel = has(r, IB_SA_MCMEMBER_REC_RATE_SELECTOR) ?
	      w->rate >> SA_SEL_SHIFT : IB_SA_EQ;
	if (has(r, IB_SA_MCMEMBER_REC_RATE) &&
	    !sel_ok(rate_cmp(g->rate, w->rate & SA_VAL_MASK), sel))
		return SA_STATUS(SA_ERR_REQ_INVALID);
	if (!sib_sa_port_pkey(port, g->pkey) ||
	    (port->mtu < g->mtu && !g->mtu_forced) ||
	    rate_cmp(port->rate, g->rate) < 0)
		return SA_STATUS(SA_ERR_REQ_INVALID);
	return 0;
}

#define MCM_CREATE_COMPS (IB_SA_MCMEMBER_REC_QKEY | \
			  IB_SA_MCMEMBER_REC_TRAFFIC_CLASS | \
			  IB_SA_MCMEMBER_REC_PKEY | \
			  IB_SA_MCMEMBER_REC_FLOW_LABEL | \
			  IB_SA_MCMEMBER_REC_SL)

/*
 * MTU of a group @w creates: an MTU fabric/bcast_mtu forces (checked
 * against the request's MTU component only) or the best one the request
 * and the port allow.  -1 when none fits.
 */
static int mcm_create_mtu(struct sa_req *r, const struct mcm_wire *w,
			  const struct sib_sa_port *port)
{
	u8 wire = has(r, IB_SA_MCMEMBER_REC_MTU_SELECTOR) ? w->mtu :
		  sel_val(IB_SA_EQ, w->mtu);
	int forced = bcast_mtu_of(r->sa, w->mgid);
	u8 mtu;

	if (forced >= 0) {
		if (has(r, IB_SA_MCMEMBER_REC_MTU) &&
		    !sel_ok(forced - (wire & SA_VAL_MASK), wire >> SA_SEL_SHIFT))
			return -1;
		return forced;
	}
	mtu = min_t(u8, r->sa->mtu, port->mtu);
	if (has(r, IB_SA_MCMEMBER_REC_MTU))
		mtu = sib_sa_mtu_pick(mtu, wire);
	return mtu ? mtu : -1;
}

/* Create the group @w asks for; returns it in @out or an SA status. */
static u16 mcm_create(struct sa_req *r, const struct mcm_wire *w,
		      const struct sib_sa_port *port, struct sa_group **out)
{
	u16 pkey = be16_to_cpu(w->pkey);
	u8 mgid[16], rate;
	struct sa_group *g;
	int mtu;
	u32 sfh;

	if (!has(r, MCM_CREATE_COMPS))
		return SA_STATUS(SA_ERR_REQ_INSUFFICIENT_COMPONENTS);
	if (!(w->scope_join & (JOIN_FULL | JOIN_SENDONLY_FULL)) ||
	    !sib_sa_port_pkey(port, pkey))
		return SA_STATUS(SA_ERR_REQ_INVALID);
	mtu = mcm_create_mtu(r, w, port);
	rate = rate_min(r->sa->rate, port->rate);
	if (has(r, IB_SA_MCMEMBER_REC_RATE))
		rate = sib_sa_rate_pick(rate, has(r, IB_SA_MCMEMBER_REC_RATE_SELECTOR) ?
				 w->rate : sel_val(IB_SA_EQ, w->rate));
	if (mtu < 0 || !rate)
		return SA_STATUS(SA_ERR_REQ_INVALID);

	memcpy(mgid, w->mgid, sizeof(mgid));
	if (mgid[0] != 0xff)
		return SA_STATUS(SA_ERR_REQ_INVALID);
	g = group_new(r->sa, mgid, pkey);
	if (!g)
		return SA_STATUS(SA_ERR_NO_RESOURCES);
	sfh = be32_to_cpu(w->sl_flow_hop);
	g->qkey = be32_to_cpu(w->qkey);
	g->mtu = mtu;
	g->mtu_forced = bcast_mtu_of(r->sa, mgid) >= 0;
	g->rate = rate;
	g->tclass = w->tclass;
	g->sl = sfh >> 28;
	g->flow_label = (sfh >> 8) & 0xfffff;
	if (has(r, IB_SA_MCMEMBER_REC_HOP_LIMIT))
		g->hop_limit = sfh & 0xff;
	*out = g;
	return 0;
}

/* A zero MGID asks the SA to assign one: ff1<scope>:a01b:<pkey>::<mlid>. */
static bool mcm_assign_mgid(struct sa_req *r, struct mcm_wire *w)
{
	u16 pkey = be16_to_cpu(w->pkey);
	u8 scope = w->scope_join >> 4;

	if (has(r, IB_SA_MCMEMBER_REC_MGID) &&
	    memchr_inv(w->mgid, 0, sizeof(w->mgid)))
		return false;
	memset(w->mgid, 0, sizeof(w->mgid));
	w->mgid[0] = 0xff;
	w->mgid[1] = 0x10 | (scope ? scope : 2);
	w->mgid[2] = 0xa0;
	w->mgid[3] = 0x1b;
	put_unaligned_be16(pkey, w->mgid + 4);
	return true;
}

static u16 mcm_join_locked(struct sa_req *r, struct mcm_wire *w,
			   const struct sib_sa_port *port)
{
	struct sib_sa *sa = r->sa;
	struct sa_group *g = NULL;
	struct sa_member *m;
	bool assigned;
	u16 status;

	lockdep_assert_held(&sa->lock);
	assigned = mcm_assign_mgid(r, w);
	if (!assigned)
		g = group_find(sa, w->mgid);
	status = g ? mcm_check_join(r, g, w, port) : mcm_create(r, w, port, &g);
	if (status)
		return status;
	if (assigned)
		put_unaligned_be16(g->mlid, g->mgid.raw + 14);

	m = member_find(g, w->port_gid);
	if (!m) {
		m = kzalloc(sizeof(*m), GFP_KERNEL);
		if (!m)
			goto err_no_member;
		memcpy(m->gid.raw, w->port_gid, sizeof(m->gid.raw));
		list_add_tail(&m->node, &g->members);
	}
	m->join_state |= w->scope_join & JOIN_ALL;
	group_to_wire(g, w->port_gid, m->join_state, w);
	return 0;

err_no_member:
	if (list_empty(&g->members) && !g->bcast)
		group_free(sa, g);
	return SA_STATUS(SA_ERR_NO_RESOURCES);
}

static int mcm_join(struct sa_req *r, struct mcm_wire *w)
{
	struct sib_sa_port port;
	u16 status;

	if (!has(r, IB_SA_MCMEMBER_REC_PORT_GID | IB_SA_MCMEMBER_REC_JOIN_STATE))
		return resp_sa_err(r, SA_ERR_REQ_INSUFFICIENT_COMPONENTS);
	if (!(w->scope_join & JOIN_ALL))
		return resp_sa_err(r, SA_ERR_REQ_INVALID);
	if (sib_sa_port_find_gid(r->sa, r->src, w->port_gid, &port))
		return resp_sa_err(r, SA_ERR_REQ_INVALID_GID);

	mutex_lock(&r->sa->lock);
	status = mcm_join_locked(r, w, &port);
	mutex_unlock(&r->sa->lock);
	if (status)
		return resp_status(r, status);
	memcpy(sib_sa_resp_rec(r, 0, sizeof(*w)), w, sizeof(*w));
	return 1;
}

static u16 mcm_leave_locked(struct sa_req *r, struct mcm_wire *w)
{
	u8 leave = has(r, IB_SA_MCMEMBER_REC_JOIN_STATE) ?
		   w->scope_join & JOIN_ALL : JOIN_ALL;
	struct sib_sa *sa = r->sa;
	struct sa_member *m;
	struct sa_group *g;

	lockdep_assert_held(&sa->lock);
	g = group_find(sa, w->mgid);
	m = g ? member_find(g, w->port_gid) : NULL;
	if (!m)
		return SA_STATUS(SA_ERR_REQ_INVALID);
	m->join_state &= ~leave;
	group_to_wire(g, w->port_gid, m->join_state, w);
	if (m->join_state)
		return 0;
	list_del(&m->node);
	kfree(m);
	if (list_empty(&g->members) && !g->bcast)
		group_free(sa, g);
	return 0;
}

static int mcm_leave(struct sa_req *r, struct mcm_wire *w)
{
	u16 status;

	if (!has(r, IB_SA_MCMEMBER_REC_MGID | IB_SA_MCMEMBER_REC_PORT_GID))
		return resp_sa_err(r, SA_ERR_REQ_INSUFFICIENT_COMPONENTS);
	mutex_lock(&r->sa->lock);
	status = mcm_leave_locked(r, w);
	mutex_unlock(&r->sa->lock);
	if (status)
		return resp_status(r, status);
	memcpy(sib_sa_resp_rec(r, 0, sizeof(*w)), w, sizeof(*w));
	return 1;
}

static bool mcm_match(struct sa_req *r, const struct sa_group *g,
		      const struct mcm_wire *w)
{
	if (has(r, IB_SA_MCMEMBER_REC_MGID) &&
	    memcmp(g->mgid.raw, w->mgid, sizeof(w->mgid)))
		return false;
	if (has(r, IB_SA_MCMEMBER_REC_MLID) && be16_to_cpu(w->mlid) != g->mlid)
		return false;
	return !has(r, IB_SA_MCMEMBER_REC_PKEY) ||
	       (be16_to_cpu(w->pkey) & 0x7fff) == (g->pkey & 0x7fff);
}

/*
 * GET and GetTable: one record per matching group, seen from the
 * requester (its PortGID and its own JoinState, 0 when not a member).
 * A GetTable that does not fit one MAD is truncated.
 */
static int mcm_query(struct sa_req *r, const struct mcm_wire *w)
{
	bool table = r->in->mad_hdr.method == IB_SA_METHOD_GET_TABLE;
	unsigned int n = 0, max = table ? sib_sa_table_max(sizeof(*w)) : 1;
	const u8 *me = r->src->gid.raw;
	struct sa_member *m;
	struct sa_group *g;

	mutex_lock(&r->sa->lock);
	list_for_each_entry(g, &r->sa->groups, node) {
		if (!mcm_match(r, g, w) || n == max)
			continue;
		m = member_find(g, me);
		group_to_wire(g, me, m ? m->join_state : 0,
			      sib_sa_resp_rec(r, n++, sizeof(*w)));
	}
	mutex_unlock(&r->sa->lock);
	if (table)
		return sib_sa_resp_table(r, n, sizeof(*w));
	return n ? 1 : resp_sa_err(r, SA_ERR_NO_RECORDS);
}

int sib_sa_mcm_rec(struct sa_req *r)
{
	struct mcm_wire w;

	memcpy(&w, r->in->data, sizeof(w));
	switch (r->in->mad_hdr.method) {
	case IB_MGMT_METHOD_SET:
		return mcm_join(r, &w);
	case IB_SA_METHOD_DELETE:
		return mcm_leave(r, &w);
	case IB_MGMT_METHOD_GET:
	case IB_SA_METHOD_GET_TABLE:
		return mcm_query(r, &w);
	default:
		return resp_status(r, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	}
}

/**
 * sib_sa_partition_add() - define a partition and its IPoIB broadcast group
 * @sa: the SA
 * @pkey: the P_Key (the membership bit is ignored)
 *
 * The broadcast group ff12:401b:<pkey|0x8000>::ffff:ffff gets Q_Key 0x0b1b
 * and the SA's MTU and rate; it persists without members.  Idempotent.
 * Return: 0, -EINVAL for an invalid P_Key, -ENOMEM.
 */
int sib_sa_partition_add(struct sib_sa *sa, u16 pkey)
{
	struct sa_group *g;
	u8 mgid[16];
	int err = 0;

	if (!(pkey & 0x7fff))
		return -EINVAL;
	pkey |= 0x8000;
	bcast_mgid(pkey, mgid);
	mutex_lock(&sa->lock);
	g = group_find(sa, mgid);
	if (!g) {
		g = group_new(sa, mgid, pkey);
		if (g) {
			g->qkey = SIB_SA_IPOIB_QKEY;
			group_reset_mtu(sa, g);
		}
	}
	if (g)
		g->bcast = true;
	else
		err = -ENOMEM;
	mutex_unlock(&sa->lock);
	return err;
}

/**
 * sib_sa_partition_del() - forget a partition and its broadcast group
 * @sa: the SA
 * @pkey: the P_Key given to sib_sa_partition_add()
 */
void sib_sa_partition_del(struct sib_sa *sa, u16 pkey)
{
	struct sa_group *g;
	u8 mgid[16];

	bcast_mgid(pkey, mgid);
	mutex_lock(&sa->lock);
	g = group_find(sa, mgid);
	if (g)
		group_free(sa, g);
	mutex_unlock(&sa->lock);
}

/**
 * sib_sa_restart() - SM restart: forget every group and membership
 * @sa: the SA
 *
 * Only the (now empty) broadcast groups of defined partitions survive, with
 * their MLIDs; members must join again after the client reregister.
 */
void sib_sa_restart(struct sib_sa *sa)
{
	struct sa_group *g, *tmp;

	mutex_lock(&sa->lock);
	list_for_each_entry_safe(g, tmp, &sa->groups, node) {
		if (g->bcast) {
			group_clear(g);
			group_reset_mtu(sa, g);
		} else {
			group_free(sa, g);
		}
	}
	mutex_unlock(&sa->lock);
}

/* Store @code (-1: none) for @pkey's partition; -ENOSPC when full. */
static int bcast_mtu_store(struct sib_sa *sa, u16 pkey, int code)
{
	struct sa_bcast_mtu *e = bcast_mtu_find(sa, pkey);
	int i;

	if (code < 0) {
		if (e)
			e->pkey = 0;
		return 0;
	}
	for (i = 0; !e && i < SA_BCAST_MTU_MAX; i++)
		if (!sa->bcast_mtu[i].pkey)
			e = &sa->bcast_mtu[i];
	if (!e)
		return -ENOSPC;
	e->pkey = pkey | 0x8000;
	e->code = code;
	return 0;
}

/**
 * sib_sa_set_bcast_mtu() - set the MTU of a partition's broadcast groups
 * @sa: the SA
 * @pkey: the partition (the full-member bit is ignored)
 * @code: a raw MTU code 0..15, or -1 for the SA's default
 *
 * Groups ff1<scope>:401b:<pkey>::ffff:ffff created from now on get @code
 * and accept joins that do not ask for an MTU, whatever the port's MTU.
 * A broadcast group that exists without members (a defined partition's)
 * takes the new MTU at once; one with members keeps its MTU until
 * sib_sa_restart() or until it is deleted.
 * Return: 0, -EINVAL for a bad P_Key or code, -ENOSPC when too many
 * partitions have an MTU set.
 */
int sib_sa_set_bcast_mtu(struct sib_sa *sa, u16 pkey, int code)
{
	struct sa_group *g;
	int err;

	if (!(pkey & 0x7fff) || code > 15)
		return -EINVAL;
	mutex_lock(&sa->lock);
	err = bcast_mtu_store(sa, pkey, code);
	list_for_each_entry(g, &sa->groups, node) {
		if (!err && g->bcast && list_empty(&g->members))
			group_reset_mtu(sa, g);
	}
	mutex_unlock(&sa->lock);
	return err;
}

/**
 * sib_sa_dump_bcast_mtu() - one line per partition with a set MTU
 * @sa: the SA
 * @m: the seq_file
 *
 * "0xffff 2048" for a valid MTU, "0xffff code=7" otherwise.
 */
void sib_sa_dump_bcast_mtu(struct sib_sa *sa, struct seq_file *m)
{
	const struct sa_bcast_mtu *e;
	int bytes;

	mutex_lock(&sa->lock);
	for (e = sa->bcast_mtu; e < sa->bcast_mtu + SA_BCAST_MTU_MAX; e++) {
		if (!e->pkey)
			continue;
		bytes = ib_mtu_enum_to_int(e->code);
		if (bytes > 0)
			seq_printf(m, "0x%04x %d\n", e->pkey, bytes);
		else
			seq_printf(m, "0x%04x code=%u\n", e->pkey, e->code);
	}
	mutex_unlock(&sa->lock);
}

/**
 * sib_sa_port_down() - drop every membership of a port whose link went down
 * @sa: the SA
 * @gid: the port's GID
 */
void sib_sa_port_down(struct sib_sa *sa, const union ib_gid *gid)
{
	struct sa_group *g, *tmp;
	struct sa_member *m;

	mutex_lock(&sa->lock);
	list_for_each_entry_safe(g, tmp, &sa->groups, node) {
		m = member_find(g, gid->raw);
		if (!m)
			continue;
		list_del(&m->node);
		kfree(m);
		if (list_empty(&g->members) && !g->bcast)
			group_free(sa, g);
	}
	mutex_unlock(&sa->lock);
}

/**
 * sib_sa_dump_groups() - one line per multicast group, then the counters
 * @sa: the SA
 * @m: the seq_file
 *
 * Group line: "<mgid> mlid 0x.. qkey 0x.. pkey 0x.. mtu N rate N
 * bcast|created members N[: <gid>/<joinstate> ...]".
 */
void sib_sa_dump_groups(struct sib_sa *sa, struct seq_file *m)
{
	struct sa_member *mb;
	struct sa_group *g;
	unsigned int n;

	mutex_lock(&sa->lock);
	list_for_each_entry(g, &sa->groups, node) {
		n = list_count_nodes(&g->members);
		seq_printf(m, "%pI6 mlid 0x%04x qkey 0x%08x pkey 0x%04x mtu %u rate %u %s members %u%s",
			   g->mgid.raw, g->mlid, g->qkey, g->pkey, g->mtu,
			   g->rate, g->bcast ? "bcast" : "created", n,
			   n ? ":" : "");
		list_for_each_entry(mb, &g->members, node)
			seq_printf(m, " %pI6/%x", mb->gid.raw, mb->join_state);
		seq_putc(m, '\n');
	}
	mutex_unlock(&sa->lock);
	seq_printf(m, "# requests: classportinfo %ld path %ld mcmember %ld other %ld dropped %ld\n",
		   atomic_long_read(&sa->count[SA_CNT_CPI]),
		   atomic_long_read(&sa->count[SA_CNT_PATH]),
		   atomic_long_read(&sa->count[SA_CNT_MCM]),
		   atomic_long_read(&sa->count[SA_CNT_OTHER]),
		   atomic_long_read(&sa->count[SA_CNT_DROPPED]));
}

/* Free every group; the SA is going away. */
void sib_sa_groups_free(struct sib_sa *sa)
{
	struct sa_group *g, *tmp;

	mutex_lock(&sa->lock);
	list_for_each_entry_safe(g, tmp, &sa->groups, node)
		group_free(sa, g);
	mutex_unlock(&sa->lock);
}
