// SPDX-License-Identifier: GPL-2.0
/*
 * softib embedded subnet administrator: object, dispatch, ClassPortInfo
 * and PathRecord.  Multicast groups live in sa_mcm.c.
 *
 * Pure logic: one request MAD in, at most one response MAD out.  Endpoints
 * (ports) are owned by the fabric and looked up through sib_sa_fabric_ops,
 * always outside sa->lock.
 *
 * PathRecord layout: IBA 15.2.5.16, 64 bytes, big endian, in the 200-byte
 * SA data area.
 */
#include <linux/slab.h>

#include "sa_priv.h"

#define SA_RESP_TIME		18
#define SA_CAP_UD_MCAST		BIT(9)

/* PathRecord on the wire. */
struct path_wire {
	__be64 service_id;
	u8 dgid[16];
	u8 sgid[16];
	__be16 dlid;
	__be16 slid;
	__be32 raw_flow_hop;	/* raw:1 reserved:3 flow_label:20 hop_limit:8 */
	u8 tclass;
	u8 rev_numb;		/* reversible:1 numb_path:7 */
	__be16 pkey;
	__be16 qos_sl;		/* qos_class:12 sl:4 */
	u8 mtu;
	u8 rate;
	u8 pkt_life;
	u8 preference;
	u8 reserved[6];
} __packed;

static_assert(sizeof(struct path_wire) == 64);
static_assert(sizeof(struct ib_sa_mad) == SIB_MAD_SIZE);

/* ---- selectors, MTU and rate ---------------------------------------- */

/* Best MTU not above @limit that satisfies "sel req"; 0 when none does. */
u8 sib_sa_mtu_pick(u8 limit, u8 wire)
{
	u8 sel = wire >> SA_SEL_SHIFT, req = wire & SA_VAL_MASK;

	switch (sel) {
	case IB_SA_EQ:
		return req && req <= limit ? req : 0;
	case IB_SA_GT:
		return limit > req ? limit : 0;
	case IB_SA_LT:
		return req > IB_MTU_256 ? min_t(u8, limit, req - 1) : 0;
	default:
		return limit;
	}
}

/* Rate satisfying "sel req" given the slowest link @limit; 0 when none. */
u8 sib_sa_rate_pick(u8 limit, u8 wire)
{
	u8 sel = wire >> SA_SEL_SHIFT, req = wire & SA_VAL_MASK;

	switch (sel) {
	case IB_SA_EQ:
		return ib_rate_to_mbps(req) > 0 && rate_cmp(req, limit) <= 0 ?
		       req : 0;
	case IB_SA_GT:
	case IB_SA_LT:
		return sel_ok(rate_cmp(limit, req), sel) ? limit : 0;
	default:
		return limit;
	}
}

/* ---- ports and P_Keys ----------------------------------------------- */

/* The port's table entry for @pkey's partition, full membership first. */
u16 sib_sa_port_pkey(const struct sib_sa_port *port, u16 pkey)
{
	u16 found = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(port->pkeys); i++) {
		u16 k = port->pkeys[i];

		if (!(k & 0x7fff) || (k & 0x7fff) != (pkey & 0x7fff))
			continue;
		if (k & 0x8000)
			return k;
		found = k;
	}
	return found;
}

static bool port_ready(const struct sib_sa_port *port)
{
	return port->active && port->lid;
}

int sib_sa_port_find_gid(struct sib_sa *sa, const struct sib_sa_port *src,
			 const u8 *raw, struct sib_sa_port *out)
{
	union ib_gid gid;

	memcpy(gid.raw, raw, sizeof(gid.raw));
	if (!memcmp(gid.raw, src->gid.raw, sizeof(gid.raw))) {
		*out = *src;
		return 0;
	}
	return sa->ops->port_by_gid(sa->ctx, &gid, out);
}

/* ---- responses -------------------------------------------------------- */

static u8 resp_method(u8 method)
{
	return method == IB_MGMT_METHOD_SET ? IB_MGMT_METHOD_GET_RESP :
	       method | IB_MGMT_METHOD_RESP;
}

void *sib_sa_resp_rec(struct sa_req *r, unsigned int idx, size_t size)
{
	unsigned int words = DIV_ROUND_UP(size, 8);

	r->out->sa_hdr.attr_offset = cpu_to_be16(words);
	return r->out->data + idx * words * 8;
}

unsigned int sib_sa_table_max(size_t size)
{
	return IB_MGMT_SA_DATA / (DIV_ROUND_UP(size, 8) * 8);
}

/* A GetTable answer: one RMPP segment, first and last. */
int sib_sa_resp_table(struct sa_req *r, unsigned int nrec, size_t size)
{
	struct ib_rmpp_hdr *rmpp = &r->out->rmpp_hdr;
	u32 len = IB_MGMT_SA_HDR - IB_MGMT_RMPP_HDR;

	r->out->sa_hdr.attr_offset = cpu_to_be16(DIV_ROUND_UP(size, 8));
	rmpp->rmpp_version = IB_MGMT_RMPP_VERSION;
	rmpp->rmpp_type = IB_MGMT_RMPP_TYPE_DATA;
	ib_set_rmpp_flags(rmpp, IB_MGMT_RMPP_FLAG_ACTIVE |
			  IB_MGMT_RMPP_FLAG_FIRST | IB_MGMT_RMPP_FLAG_LAST);
	ib_set_rmpp_resptime(rmpp, IB_MGMT_RMPP_NO_RESPTIME);
	rmpp->seg_num = cpu_to_be32(1);
	rmpp->paylen_newwin = cpu_to_be32(len + nrec * DIV_ROUND_UP(size, 8) * 8);
	return 1;
}

/* ---- ClassPortInfo ------------------------------------------------------ */

static int cpi_get(struct sa_req *r)
{
	struct ib_class_port_info *cpi = (void *)r->out->data;

	if (r->in->mad_hdr.method != IB_MGMT_METHOD_GET)
		return resp_status(r, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	cpi->base_version = IB_MGMT_BASE_VERSION;
	cpi->class_version = IB_SA_CLASS_VERSION;
	cpi->capability_mask = cpu_to_be16(SA_CAP_UD_MCAST);
	ib_set_cpi_capmask2(cpi, IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT);
	ib_set_cpi_resp_time(cpi, SA_RESP_TIME);
	mutex_lock(&r->sa->lock);
	cpi->trap_lid = cpu_to_be16(r->sa->sm_lid);
	mutex_unlock(&r->sa->lock);
	cpi->trap_pkey = cpu_to_be16(0xffff);
	cpi->trap_hlqp = cpu_to_be32(1);
	cpi->trap_qkey = cpu_to_be32(IB_QP1_QKEY);
	return 1;
}

/* ---- PathRecord --------------------------------------------------------- */

/* Resolve one end of a path from its GID and/or LID component. */
static u16 path_end(struct sa_req *r, const u8 *gid, __be16 lid, bool dst,
		    struct sib_sa_port *out)
{
	ib_sa_comp_mask gbit = dst ? IB_SA_PATH_REC_DGID : IB_SA_PATH_REC_SGID;
	ib_sa_comp_mask lbit = dst ? IB_SA_PATH_REC_DLID : IB_SA_PATH_REC_SLID;
	struct sib_sa *sa = r->sa;
	u16 l = be16_to_cpu(lid);

	if (!has(r, gbit) && !has(r, lbit)) {
		if (dst)
			return SA_STATUS(SA_ERR_REQ_INSUFFICIENT_COMPONENTS);
		*out = *r->src;
	} else if (has(r, gbit)) {
		if (sib_sa_port_find_gid(sa, r->src, gid, out))
			return SA_STATUS(SA_ERR_REQ_INVALID_GID);
	} else if (sa->ops->port_by_lid(sa->ctx, l, out)) {
		return SA_STATUS(SA_ERR_NO_RECORDS);
	}
	if (has(r, lbit) && (l < out->lid || l >= out->lid + (1 << out->lmc)))
		return SA_STATUS(SA_ERR_NO_RECORDS);
	return port_ready(out) ? 0 : SA_STATUS(SA_ERR_NO_RECORDS);
}

/* A partition both ends share, with at least one full member; 0 if none. */
static u16 path_pkey(const struct sib_sa_port *s, const struct sib_sa_port *d,
		     u16 want)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(s->pkeys); i++) {
		u16 ks = want ? sib_sa_port_pkey(s, want) : s->pkeys[i];
		u16 kd = sib_sa_port_pkey(d, ks);

		if ((ks & 0x7fff) && kd && ((ks | kd) & 0x8000))
			return ks;
		if (want)
			break;
	}
	return 0;
}

/* Fill @p (already a copy of the request) with the path from @s to @d. */
static u16 path_fill(struct sa_req *r, const struct sib_sa_port *s,
		     const struct sib_sa_port *d, struct path_wire *p)
{
	u8 mtu = min_t(u8, s->mtu, d->mtu), rate = rate_min(s->rate, d->rate);
	u16 pkey = path_pkey(s, d, has(r, IB_SA_PATH_REC_PKEY) ?
			     be16_to_cpu(p->pkey) : 0);
	u8 life_sel = IB_SA_EQ;

	if (has(r, IB_SA_PATH_REC_MTU))
		mtu = sib_sa_mtu_pick(mtu, has(r, IB_SA_PATH_REC_MTU_SELECTOR) ? p->mtu :
			       sel_val(IB_SA_EQ, p->mtu));
	if (has(r, IB_SA_PATH_REC_RATE))
		rate = sib_sa_rate_pick(rate, has(r, IB_SA_PATH_REC_RATE_SELECTOR) ? p->rate :
				 sel_val(IB_SA_EQ, p->rate));
	if (has(r, IB_SA_PATH_REC_PACKET_LIFE_TIME_SELECTOR))
		life_sel = p->pkt_life >> SA_SEL_SHIFT;
	if (!pkey || !mtu || !rate ||
	    (has(r, IB_SA_PATH_REC_SL) && (be16_to_cpu(p->qos_sl) & 0xf) != s->sl) ||
	    (has(r, IB_SA_PATH_REC_PACKET_LIFE_TIME) &&
	     !sel_ok(SA_PKT_LIFE - (p->pkt_life & SA_VAL_MASK), life_sel)))
		return SA_STATUS(SA_ERR_NO_RECORDS);

	memcpy(p->dgid, d->gid.raw, sizeof(p->dgid));
	memcpy(p->sgid, s->gid.raw, sizeof(p->sgid));
	p->dlid = cpu_to_be16(d->lid);
	p->slid = cpu_to_be16(s->lid);
	/* Same subnet: no GRH needed, hop limit 0; flow label as asked. */
	p->raw_flow_hop = has(r, IB_SA_PATH_REC_FLOW_LABEL) ?
			  p->raw_flow_hop & cpu_to_be32(0x0fffff00) : 0;
	if (!has(r, IB_SA_PATH_REC_TRAFFIC_CLASS))
		p->tclass = 0;
	p->rev_numb = 0x80 | 1;
	p->pkey = cpu_to_be16(pkey);
	p->qos_sl = cpu_to_be16(s->sl & 0xf);
	p->mtu = sel_val(IB_SA_EQ, mtu);
	p->rate = sel_val(IB_SA_EQ, rate);
	p->pkt_life = sel_val(IB_SA_EQ, SA_PKT_LIFE);
	p->preference = 0;
	memset(p->reserved, 0, sizeof(p->reserved));
	return 0;
}

static int path_rec(struct sa_req *r)
{
	u8 method = r->in->mad_hdr.method;
	struct sib_sa_port s, d;
	struct path_wire p;
	u16 status;

	if (method != IB_MGMT_METHOD_GET && method != IB_SA_METHOD_GET_TABLE)
		return resp_status(r, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	memcpy(&p, r->in->data, sizeof(p));
	status = path_end(r, p.sgid, p.slid, false, &s);
	if (!status)
		status = path_end(r, p.dgid, p.dlid, true, &d);
	if (!status)
		status = path_fill(r, &s, &d, &p);

	if (method == IB_MGMT_METHOD_GET) {
		if (status)
			return resp_status(r, status);
		memcpy(sib_sa_resp_rec(r, 0, sizeof(p)), &p, sizeof(p));
		return 1;
	}
	/* GetTable: an unmatched query is an empty table, not an error. */
	if (status && status != SA_STATUS(SA_ERR_NO_RECORDS))
		return resp_status(r, status);
	if (!status)
		memcpy(sib_sa_resp_rec(r, 0, sizeof(p)), &p, sizeof(p));
	return sib_sa_resp_table(r, status ? 0 : 1, sizeof(p));
}

/* ---- dispatch ------------------------------------------------------------ */

static bool method_known(u8 method)
{
	switch (method) {
	case IB_MGMT_METHOD_GET:
	case IB_MGMT_METHOD_SET:
	case IB_SA_METHOD_GET_TABLE:
	case IB_SA_METHOD_DELETE:
		return true;
	default:
		return false;
	}
}

static int sa_dispatch(struct sa_req *r)
{
	const struct ib_mad_hdr *h = &r->in->mad_hdr;
	struct sib_sa *sa = r->sa;

	if (h->base_version != IB_MGMT_BASE_VERSION ||
	    h->class_version != IB_SA_CLASS_VERSION)
		return resp_status(r, IB_MGMT_MAD_STATUS_BAD_VERSION);
	if (!method_known(h->method))
		return resp_status(r, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD);

	switch (be16_to_cpu(h->attr_id)) {
	case IB_SA_ATTR_CLASS_PORTINFO:
		atomic_long_inc(&sa->count[SA_CNT_CPI]);
		return cpi_get(r);
	case IB_SA_ATTR_PATH_REC:
		atomic_long_inc(&sa->count[SA_CNT_PATH]);
		return path_rec(r);
	case IB_SA_ATTR_MC_MEMBER_REC:
		atomic_long_inc(&sa->count[SA_CNT_MCM]);
		return sib_sa_mcm_rec(r);
	default:
		atomic_long_inc(&sa->count[SA_CNT_OTHER]);
		return resp_status(r, IB_MGMT_MAD_STATUS_UNSUPPORTED_METHOD_ATTRIB);
	}
}

/**
 * sib_sa_process() - answer one MAD sent to the SA
 * @sa: the SA
 * @src: the sending port (its GID, LID and P_Key table)
 * @req: the SIB_MAD_SIZE-byte request
 * @resp: SIB_MAD_SIZE bytes for the answer
 *
 * Context: process context; takes sa->lock and calls the fabric ops.
 * Return: 1 with @resp filled, 0 when no answer is due (responses, RMPP
 * ACKs and trap represses sent to the SA), -EINVAL for a MAD of another
 * class.  A GetTable answer is a single RMPP segment.
 */
int sib_sa_process(struct sib_sa *sa, const struct sib_sa_port *src,
		   const void *req, void *resp)
{
	const struct ib_sa_mad *in = req;
	struct sa_req r = {
		.sa = sa,
		.src = src,
		.in = in,
		.out = resp,
		.comp = in->sa_hdr.comp_mask,
	};
	u8 method = in->mad_hdr.method;

	if (in->mad_hdr.mgmt_class != IB_MGMT_CLASS_SUBN_ADM) {
		atomic_long_inc(&sa->count[SA_CNT_DROPPED]);
		return -EINVAL;
	}
	if ((method & IB_MGMT_METHOD_RESP) ||
	    method == IB_MGMT_METHOD_TRAP_REPRESS)
		return 0;

	memset(resp, 0, SIB_MAD_SIZE);
	r.out->mad_hdr = in->mad_hdr;
	r.out->mad_hdr.method = resp_method(method);
	r.out->mad_hdr.status = 0;
	r.out->sa_hdr.comp_mask = in->sa_hdr.comp_mask;
	return sa_dispatch(&r);
}

/**
 * sib_sa_reject() - answer a request with an error status, changing nothing
 * @req: the SIB_MAD_SIZE-byte request (a Get, Set or GetTable)
 * @resp: SIB_MAD_SIZE bytes for the answer
 * @status: the MAD status, e.g. SIB_SA_STATUS_NO_RESOURCES
 *
 * Return: 1 (@resp filled).
 */
int sib_sa_reject(const void *req, void *resp, u16 status)
{
	const struct ib_sa_mad *in = req;
	struct ib_sa_mad *out = resp;

	memset(resp, 0, SIB_MAD_SIZE);
	out->mad_hdr = in->mad_hdr;
	out->mad_hdr.method = resp_method(in->mad_hdr.method);
	out->mad_hdr.status = cpu_to_be16(status);
	out->sa_hdr.comp_mask = in->sa_hdr.comp_mask;
	return 1;
}

/* ---- object and SM events --------------------------------------------------- */

/**
 * sib_sa_set_sm_lid() - record the SM's LID (reported in ClassPortInfo)
 * @sa: the SA
 * @sm_lid: the LID
 */
void sib_sa_set_sm_lid(struct sib_sa *sa, u16 sm_lid)
{
	mutex_lock(&sa->lock);
	sa->sm_lid = sm_lid;
	mutex_unlock(&sa->lock);
}

/**
 * sib_sa_create() - create an SA with the default partition 0xffff
 * @ops: endpoint lookups (called outside the SA's lock)
 * @ctx: passed to @ops
 * @mtu: MTU of the broadcast groups (the fabric's MTU)
 * @rate: rate of the broadcast groups
 *
 * Return: the SA or NULL when out of memory.
 */
struct sib_sa *sib_sa_create(const struct sib_sa_fabric_ops *ops, void *ctx,
			     enum ib_mtu mtu, enum ib_rate rate)
{
	struct sib_sa *sa;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return NULL;
	mutex_init(&sa->lock);
	INIT_LIST_HEAD(&sa->groups);
	ida_init(&sa->mlids);
	sa->ops = ops;
	sa->ctx = ctx;
	sa->mtu = mtu;
	sa->rate = rate;
	if (sib_sa_partition_add(sa, 0xffff))
		goto err_destroy;
	return sa;

err_destroy:
	sib_sa_destroy(sa);
	return NULL;
}

/**
 * sib_sa_destroy() - free the SA with all its groups
 * @sa: the SA, or NULL
 */
void sib_sa_destroy(struct sib_sa *sa)
{
	if (!sa)
		return;
	sib_sa_groups_free(sa);
	ida_destroy(&sa->mlids);
	mutex_destroy(&sa->lock);
	kfree(sa);
}
