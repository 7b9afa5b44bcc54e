/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib SA internals shared by sa.c (dispatch, ClassPortInfo, PathRecord)
 * and sa_mcm.c (multicast groups, MCMemberRecord).  Not for the fabric.
 */
#ifndef _SOFTIB_SA_PRIV_H
#define _SOFTIB_SA_PRIV_H

#include <linux/atomic.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_sa.h>

#include "sa.h"

/* SA-specific status codes, carried in bits 8..14 of the MAD status. */
enum sa_err {
	SA_ERR_NO_RESOURCES = 1,
	SA_ERR_REQ_INVALID = 2,
	SA_ERR_NO_RECORDS = 3,
	SA_ERR_TOO_MANY_RECORDS = 4,
	SA_ERR_REQ_INVALID_GID = 5,
	SA_ERR_REQ_INSUFFICIENT_COMPONENTS = 6,
};

#define SA_STATUS(err)		((u16)((err) << 8))

#define SA_PKT_LIFE		0x10	/* 4.096 us * 2^16, about 268 ms */
#define SA_SEL_SHIFT		6
#define SA_VAL_MASK		0x3f

enum sa_counter {
	SA_CNT_CPI,
	SA_CNT_PATH,
	SA_CNT_MCM,
	SA_CNT_OTHER,
	SA_CNT_DROPPED,
	SA_CNT_NUM,
};

#define SA_BCAST_MTU_MAX	16

/* A partition's broadcast group MTU set through fabric/bcast_mtu. */
struct sa_bcast_mtu {
	u16 pkey;		/* with the full-member bit; 0 = unused */
	u8 code;		/* raw MTU code, 0..15 */
};

/* The fabric ops are never called with @lock held. */
struct sib_sa {
	struct mutex lock;	/* groups and their members, sm_lid, bcast_mtu */
	struct sa_bcast_mtu bcast_mtu[SA_BCAST_MTU_MAX];
	struct list_head groups;
	struct ida mlids;
	const struct sib_sa_fabric_ops *ops;
	void *ctx;
	enum ib_mtu mtu;
	enum ib_rate rate;
	u16 sm_lid;
	atomic_long_t count[SA_CNT_NUM];
};

/* One request being answered. */
struct sa_req {
	struct sib_sa *sa;
	const struct sib_sa_port *src;
	const struct ib_sa_mad *in;
	struct ib_sa_mad *out;
	ib_sa_comp_mask comp;
};

static inline bool has(const struct sa_req *r, ib_sa_comp_mask bits)
{
	return (r->comp & bits) == bits;
}

/* Does a value compare (@cmp = value - requested) satisfy selector @sel? */
static inline bool sel_ok(int cmp, u8 sel)
{
	switch (sel) {
	case IB_SA_GT:
		return cmp > 0;
	case IB_SA_LT:
		return cmp < 0;
	case IB_SA_EQ:
		return cmp == 0;
	default:
		return true;
	}
}

static inline u8 sel_val(u8 sel, u8 val)
{
	return sel << SA_SEL_SHIFT | (val & SA_VAL_MASK);
}

/* enum ib_rate is not ordered by speed: compare in Mb/s. */
static inline int rate_cmp(u8 a, u8 b)
{
	return ib_rate_to_mbps(a) - ib_rate_to_mbps(b);
}

static inline u8 rate_min(u8 a, u8 b)
{
	return rate_cmp(a, b) < 0 ? a : b;
}

static inline int resp_status(struct sa_req *r, u16 status)
{
	r->out->mad_hdr.status = cpu_to_be16(status);
	return 1;
}

static inline int resp_sa_err(struct sa_req *r, enum sa_err err)
{
	return resp_status(r, SA_STATUS(err));
}

/* sa.c */
u8 sib_sa_mtu_pick(u8 limit, u8 wire);
u8 sib_sa_rate_pick(u8 limit, u8 wire);
u16 sib_sa_port_pkey(const struct sib_sa_port *port, u16 pkey);
int sib_sa_port_find_gid(struct sib_sa *sa, const struct sib_sa_port *src,
			 const u8 *raw, struct sib_sa_port *out);
void *sib_sa_resp_rec(struct sa_req *r, unsigned int idx, size_t size);
unsigned int sib_sa_table_max(size_t size);
int sib_sa_resp_table(struct sa_req *r, unsigned int nrec, size_t size);

/* sa_mcm.c */
int sib_sa_mcm_rec(struct sa_req *r);
void sib_sa_groups_free(struct sib_sa *sa);

#endif /* _SOFTIB_SA_PRIV_H */
