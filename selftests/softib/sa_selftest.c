// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel self-test of the softib SA (sa.c, sa_mcm.c).
 *
 * Requests are built the way ib_sa builds them (same methods and component
 * masks) and every byte is placed and read through offsets written out here
 * from the IBA tables, independently of the SA's wire structs, so a layout
 * mistake in either place shows up as a failed check.
 */
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_sa.h>

#include "sa.h"

/* MAD, RMPP and SA header offsets. */
#define T_CLASS_VER	2
#define T_METHOD	3
#define T_STATUS	4
#define T_TID		8
#define T_ATTR		16
#define T_RMPP_TYPE	25
#define T_RMPP_FLAGS	26
#define T_RMPP_SEG	28
#define T_RMPP_LEN	32
#define T_ATTR_OFFSET	44
#define T_COMP		48
#define T_DATA		56

/* PathRecord, relative to T_DATA. */
#define T_PR_DGID	8
#define T_PR_SGID	24
#define T_PR_DLID	40
#define T_PR_SLID	42
#define T_PR_HOP	47
#define T_PR_TCLASS	48
#define T_PR_NUMB	49
#define T_PR_PKEY	50
#define T_PR_SL		53
#define T_PR_MTU	54
#define T_PR_RATE	55

/* MCMemberRecord, relative to T_DATA. */
#define T_MC_MGID	0
#define T_MC_PGID	16
#define T_MC_QKEY	32
#define T_MC_MLID	36
#define T_MC_MTU	38
#define T_MC_TCLASS	39
#define T_MC_PKEY	40
#define T_MC_RATE	42
#define T_MC_SFH	44
#define T_MC_JOIN	48

/* ClassPortInfo, relative to T_DATA. */
#define T_CPI_CAP	2
#define T_CPI_CAP2_RT	4
#define T_CPI_TRAP_LID	60

#define T_MCM_JOIN_COMPS (IB_SA_MCMEMBER_REC_MGID | \
			  IB_SA_MCMEMBER_REC_PORT_GID | \
			  IB_SA_MCMEMBER_REC_PKEY | \
			  IB_SA_MCMEMBER_REC_JOIN_STATE)

#define T_MCM_CREATE_COMPS (T_MCM_JOIN_COMPS | \
			    IB_SA_MCMEMBER_REC_QKEY | \
			    IB_SA_MCMEMBER_REC_MTU_SELECTOR | \
			    IB_SA_MCMEMBER_REC_MTU | \
			    IB_SA_MCMEMBER_REC_TRAFFIC_CLASS | \
			    IB_SA_MCMEMBER_REC_RATE_SELECTOR | \
			    IB_SA_MCMEMBER_REC_RATE | \
			    IB_SA_MCMEMBER_REC_SL | \
			    IB_SA_MCMEMBER_REC_FLOW_LABEL | \
			    IB_SA_MCMEMBER_REC_HOP_LIMIT)

#define T_MCM_LEAVE_COMPS (IB_SA_MCMEMBER_REC_MGID | \
			   IB_SA_MCMEMBER_REC_PORT_GID | \
			   IB_SA_MCMEMBER_REC_JOIN_STATE)

#define T_PATH_COMPS (IB_SA_PATH_REC_DGID | IB_SA_PATH_REC_SGID | \
		      IB_SA_PATH_REC_NUMB_PATH | \
		      IB_SA_PATH_REC_TRAFFIC_CLASS | IB_SA_PATH_REC_PKEY)

enum { T_A, T_B, T_C, T_D, T_NPORTS };

struct st {
	struct sib_sa *sa;
	struct sib_sa_port port[T_NPORTS];
	u8 req[SIB_MAD_SIZE];
	u8 resp[SIB_MAD_SIZE];
	u64 tid;
	const char *step;
	unsigned int checks;
	unsigned int failures;
};

static const u8 t_bcast[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
				0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
static const u8 t_bcast8001[16] = { 0xff, 0x12, 0x40, 0x1b, 0x80, 0x01, 0, 0,
				    0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
static const u8 t_v6grp[16] = { 0xff, 0x12, 0x60, 0x1b, 0xff, 0xff, 0, 0,
				0, 0, 0, 0x01, 0xff, 0, 0, 0x01 };
static const u8 t_v4grp[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
				0, 0, 0, 0, 0x0f, 0x01, 0x01, 0x01 };
static const u8 t_other[16] = { 0xff, 0x15, 0x60, 0x1b, 0xff, 0xff, 0, 0,
				0, 0, 0, 0, 0, 0, 0, 0x42 };

static void st_eq(struct st *t, u64 got, u64 want, const char *what, int line)
{
	t->checks++;
	if (got == want)
		return;
	t->failures++;
	pr_err("softib sa selftest: %s: line %d: %s is 0x%llx, expected 0x%llx\n",
	       t->step, line, what, got, want);
}

#define ST_EQ(t, got, want) st_eq(t, (u64)(got), (u64)(want), #got, __LINE__)

static int st_by_gid(void *ctx, const union ib_gid *gid,
		     struct sib_sa_port *out)
{
	struct st *t = ctx;
	int i;

	for (i = 0; i < T_NPORTS; i++) {
		if (!memcmp(t->port[i].gid.raw, gid->raw, 16)) {
			*out = t->port[i];
			return 0;
		}
	}
	return -ENOENT;
}

static int st_by_lid(void *ctx, u16 lid, struct sib_sa_port *out)
{
	struct st *t = ctx;
	int i;

	for (i = 0; i < T_NPORTS; i++) {
		if (t->port[i].lid == lid) {
			*out = t->port[i];
			return 0;
		}
	}
	return -ENOENT;
}

static const struct sib_sa_fabric_ops st_ops = {
	.port_by_gid = st_by_gid,
	.port_by_lid = st_by_lid,
};

static void st_port_init(struct sib_sa_port *p, unsigned int i, bool p8001)
{
	p->port_guid = 0x0002c90300000001ULL + i;
	p->gid.global.subnet_prefix = cpu_to_be64(0xfe80000000000000ULL);
	p->gid.global.interface_id = cpu_to_be64(p->port_guid);
	p->lid = i + 1;
	p->mtu = IB_MTU_4096;
	p->rate = IB_RATE_200_GBPS;
	p->active = i != T_D;
	p->pkeys[0] = 0xffff;
	p->pkeys[1] = p8001 ? 0x8001 : 0;
	p->npkeys = p8001 ? 2 : 1;
}

static u8 *st_rec(u8 *mad)
{
	return mad + T_DATA;
}

static void st_req(struct st *t, u8 method, u16 attr, ib_sa_comp_mask comp)
{
	memset(t->req, 0, SIB_MAD_SIZE);
	t->req[0] = IB_MGMT_BASE_VERSION;
	t->req[1] = IB_MGMT_CLASS_SUBN_ADM;
	t->req[T_CLASS_VER] = IB_SA_CLASS_VERSION;
	t->req[T_METHOD] = method;
	put_unaligned_be64(++t->tid, t->req + T_TID);
	put_unaligned_be16(attr, t->req + T_ATTR);
	memcpy(t->req + T_COMP, &comp, sizeof(comp));
}

/* Send the request from @src; check the answer's method, TID and status. */
static void st_call(struct st *t, int src, u8 method, u16 status)
{
	int ret;

	memset(t->resp, 0xa5, sizeof(t->resp));
	ret = sib_sa_process(t->sa, &t->port[src], t->req, t->resp);
	ST_EQ(t, ret, 1);
	ST_EQ(t, t->resp[T_METHOD], method);
	ST_EQ(t, get_unaligned_be64(t->resp + T_TID), t->tid);
	ST_EQ(t, get_unaligned_be16(t->resp + T_STATUS), status);
}

static void st_cpi(struct st *t)
{
	u8 *d = st_rec(t->resp);

	t->step = "ClassPortInfo";
	sib_sa_set_sm_lid(t->sa, 7);
	st_req(t, IB_MGMT_METHOD_GET, IB_SA_ATTR_CLASS_PORTINFO, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, d[0], 1);
	ST_EQ(t, d[1], 2);
	ST_EQ(t, get_unaligned_be16(d + T_CPI_CAP) & BIT(9), BIT(9));
	ST_EQ(t, (get_unaligned_be32(d + T_CPI_CAP2_RT) >> 5) &
	      IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT,
	      IB_SA_CAP_MASK2_SENDONLY_FULL_MEM_SUPPORT);
	ST_EQ(t, get_unaligned_be32(d + T_CPI_CAP2_RT) & 0x1f, 18);
	ST_EQ(t, get_unaligned_be16(d + T_CPI_TRAP_LID), 7);

	st_req(t, IB_MGMT_METHOD_SET, IB_SA_ATTR_CLASS_PORTINFO, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x000c);
}

static void st_bad(struct st *t)
{
	t->step = "unsupported";
	st_req(t, IB_MGMT_METHOD_GET, 0x0099, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x000c);
	st_req(t, IB_MGMT_METHOD_SEND, IB_SA_ATTR_PATH_REC, 0);
	st_call(t, T_A, IB_MGMT_METHOD_SEND | 0x80, 0x0008);
	st_req(t, IB_MGMT_METHOD_GET, IB_SA_ATTR_PATH_REC, 0);
	t->req[T_CLASS_VER] = 1;
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0004);

	/* Responses (e.g. RMPP ACKs) get no answer; other classes are dropped. */
	st_req(t, IB_SA_METHOD_GET_TABLE_RESP, IB_SA_ATTR_PATH_REC, 0);
	ST_EQ(t, sib_sa_process(t->sa, &t->port[T_A], t->req, t->resp), 0);
	st_req(t, IB_MGMT_METHOD_GET, IB_SA_ATTR_PATH_REC, 0);
	t->req[1] = IB_MGMT_CLASS_SUBN_LID_ROUTED;
	ST_EQ(t, sib_sa_process(t->sa, &t->port[T_A], t->req, t->resp) < 0, 1);
}

static void st_path_req(struct st *t, u8 method, int from, int to, u16 pkey)
{
	u8 *r = st_rec(t->req);

	st_req(t, method, IB_SA_ATTR_PATH_REC, T_PATH_COMPS);
	memcpy(r + T_PR_DGID, t->port[to].gid.raw, 16);
	memcpy(r + T_PR_SGID, t->port[from].gid.raw, 16);
	r[T_PR_NUMB] = 0x80 | 1;
	put_unaligned_be16(pkey, r + T_PR_PKEY);
}

static void st_path(struct st *t)
{
	u8 *d = st_rec(t->resp);

	t->step = "PathRecord GET";
	st_path_req(t, IB_MGMT_METHOD_GET, T_A, T_B, 0xffff);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, memcmp(d + T_PR_DGID, t->port[T_B].gid.raw, 16), 0);
	ST_EQ(t, memcmp(d + T_PR_SGID, t->port[T_A].gid.raw, 16), 0);
	ST_EQ(t, get_unaligned_be16(d + T_PR_DLID), 2);
	ST_EQ(t, get_unaligned_be16(d + T_PR_SLID), 1);
	ST_EQ(t, get_unaligned_be16(d + T_PR_PKEY), 0xffff);
	ST_EQ(t, d[T_PR_NUMB] & 0x80, 0x80);
	ST_EQ(t, d[T_PR_SL] & 0xf, 0);
	ST_EQ(t, d[T_PR_HOP], 0);
	ST_EQ(t, d[T_PR_TCLASS], 0);
	ST_EQ(t, d[T_PR_MTU], 0x80 | IB_MTU_4096);
	ST_EQ(t, d[T_PR_RATE], 0x80 | IB_RATE_200_GBPS);
	ST_EQ(t, get_unaligned_be16(t->resp + T_ATTR_OFFSET), 8);

	t->step = "PathRecord no match";
	st_path_req(t, IB_MGMT_METHOD_GET, T_A, T_C, 0x8001);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);
	st_path_req(t, IB_MGMT_METHOD_GET, T_A, T_D, 0xffff);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);
	st_path_req(t, IB_MGMT_METHOD_GET, T_A, T_B, 0xffff);
	st_rec(t->req)[T_PR_DGID + 15] ^= 0x80;
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0500);

	t->step = "PathRecord GetTable";
	st_path_req(t, IB_SA_METHOD_GET_TABLE, T_A, T_B, 0x8001);
	st_call(t, T_A, IB_SA_METHOD_GET_TABLE_RESP, 0);
	ST_EQ(t, t->resp[T_RMPP_TYPE], IB_MGMT_RMPP_TYPE_DATA);
	ST_EQ(t, t->resp[T_RMPP_FLAGS] & 7, 7);
	ST_EQ(t, get_unaligned_be32(t->resp + T_RMPP_SEG), 1);
	ST_EQ(t, get_unaligned_be32(t->resp + T_RMPP_LEN), 20 + 64);
	ST_EQ(t, get_unaligned_be16(d + T_PR_DLID), 2);
	ST_EQ(t, get_unaligned_be16(d + T_PR_PKEY), 0x8001);
	st_path_req(t, IB_SA_METHOD_GET_TABLE, T_A, T_C, 0x8001);
	st_call(t, T_A, IB_SA_METHOD_GET_TABLE_RESP, 0);
	ST_EQ(t, get_unaligned_be32(t->resp + T_RMPP_LEN), 20);
}

/* An MCMemberRecord request as ib_sa/IPoIB sends it. */
static void st_mcm_req(struct st *t, u8 method, ib_sa_comp_mask comp,
		       const u8 *mgid, int port, u16 pkey, u8 join)
{
	u8 *r = st_rec(t->req);

	st_req(t, method, IB_SA_ATTR_MC_MEMBER_REC, comp);
	memcpy(r + T_MC_MGID, mgid, 16);
	memcpy(r + T_MC_PGID, t->port[port].gid.raw, 16);
	put_unaligned_be16(pkey, r + T_MC_PKEY);
	r[T_MC_JOIN] = join;
	/* Values IPoIB copies from the broadcast group (RFC 4391). */
	put_unaligned_be32(SIB_SA_IPOIB_QKEY, r + T_MC_QKEY);
	r[T_MC_MTU] = 0x80 | IB_MTU_4096;
	r[T_MC_RATE] = 0x80 | IB_RATE_200_GBPS;
}

/* Check the group record IPoIB reads from a join answer; returns its MLID. */
static u16 st_mcm_check(struct st *t, const u8 *mgid, int port, u16 pkey,
			u8 join)
{
	u8 *d = st_rec(t->resp);

	ST_EQ(t, memcmp(d + T_MC_MGID, mgid, 16), 0);
	ST_EQ(t, memcmp(d + T_MC_PGID, t->port[port].gid.raw, 16), 0);
	ST_EQ(t, get_unaligned_be32(d + T_MC_QKEY), SIB_SA_IPOIB_QKEY);
	ST_EQ(t, d[T_MC_MTU], 0x80 | IB_MTU_4096);
	ST_EQ(t, d[T_MC_RATE], 0x80 | IB_RATE_200_GBPS);
	ST_EQ(t, d[T_MC_TCLASS], 0);
	ST_EQ(t, get_unaligned_be16(d + T_MC_PKEY), pkey);
	ST_EQ(t, get_unaligned_be32(d + T_MC_SFH), 0);
	ST_EQ(t, d[T_MC_JOIN], (mgid[1] & 0xf) << 4 | join);
	ST_EQ(t, get_unaligned_be16(t->resp + T_ATTR_OFFSET), 7);
	return get_unaligned_be16(d + T_MC_MLID);
}

static void st_join(struct st *t)
{
	u16 mlid;

	t->step = "broadcast join";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_bcast, T_A, 0xffff, 1), SIB_SA_DEFAULT_MLID);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast, T_B, 0xffff, 1);
	st_call(t, T_B, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_bcast, T_B, 0xffff, 1), SIB_SA_DEFAULT_MLID);

	t->step = "partition 0x8001 join";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast8001, T_A, 0x8001, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	mlid = st_mcm_check(t, t_bcast8001, T_A, 0x8001, 1);
	ST_EQ(t, mlid > SIB_SA_DEFAULT_MLID && mlid < 0xffff, 1);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast8001, T_C, 0x8001, 1);
	st_call(t, T_C, IB_MGMT_METHOD_GET_RESP, 0x0200);

	t->step = "join mismatch";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS | IB_SA_MCMEMBER_REC_QKEY,
		   t_bcast, T_A, 0xffff, 1);
	put_unaligned_be32(0x1234, st_rec(t->req) + T_MC_QKEY);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0200);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS & ~IB_SA_MCMEMBER_REC_PORT_GID,
		   t_bcast, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0600);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast, T_A, 0xffff, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0200);
}

static void st_create(struct st *t)
{
	u16 mlid;

	t->step = "create full member group";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS, t_v6grp, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	mlid = st_mcm_check(t, t_v6grp, T_A, 0xffff, 1);
	ST_EQ(t, mlid > SIB_SA_DEFAULT_MLID && mlid < 0xffff, 1);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS, t_v6grp, T_B, 0xffff, 1);
	st_call(t, T_B, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_v6grp, T_B, 0xffff, 1), mlid);

	t->step = "create without components";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_other, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0600);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_other, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);

	t->step = "send-only full member";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS, t_v4grp, T_A, 0xffff, 8);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_v4grp, T_A, 0xffff, 8) != mlid, 1);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS, t_v4grp, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	st_mcm_check(t, t_v4grp, T_A, 0xffff, 9);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_v4grp, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	st_mcm_check(t, t_v4grp, T_A, 0xffff, 9);
}

static void st_leave(struct st *t)
{
	t->step = "leave";
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_v6grp, T_A, 0, 1);
	st_call(t, T_A, IB_SA_METHOD_DELETE_RESP, 0);
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_v6grp, T_B, 0, 1);
	st_call(t, T_B, IB_SA_METHOD_DELETE_RESP, 0);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_v6grp, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_v6grp, T_A, 0, 1);
	st_call(t, T_A, IB_SA_METHOD_DELETE_RESP, 0x0200);

	t->step = "broadcast group persists";
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_bcast, T_A, 0, 1);
	st_call(t, T_A, IB_SA_METHOD_DELETE_RESP, 0);
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_bcast, T_B, 0, 1);
	st_call(t, T_B, IB_SA_METHOD_DELETE_RESP, 0);
	st_mcm_req(t, IB_SA_METHOD_GET_TABLE, IB_SA_MCMEMBER_REC_MGID, t_bcast, T_A, 0, 0);
	st_call(t, T_A, IB_SA_METHOD_GET_TABLE_RESP, 0);
	ST_EQ(t, get_unaligned_be32(t->resp + T_RMPP_LEN), 20 + 56);
	ST_EQ(t, st_mcm_check(t, t_bcast, T_A, 0xffff, 0), SIB_SA_DEFAULT_MLID);
}

static void st_events(struct st *t)
{
	u16 mlid;

	t->step = "SM restart";
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_bcast8001, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	mlid = st_mcm_check(t, t_bcast8001, T_A, 0x8001, 1);
	sib_sa_restart(t->sa);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_bcast8001, T_A, 0x8001, 0), mlid);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_v4grp, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);

	t->step = "port down";
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS, t_v6grp, T_B, 0xffff, 1);
	st_call(t, T_B, IB_MGMT_METHOD_GET_RESP, 0);
	sib_sa_port_down(t->sa, &t->port[T_B].gid);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_v6grp, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);

	t->step = "partitions";
	ST_EQ(t, sib_sa_partition_add(t->sa, 0x8001), 0);
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, t_bcast8001, T_A, 0, 0);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_mcm_check(t, t_bcast8001, T_A, 0x8001, 0), mlid);
	sib_sa_partition_del(t->sa, 0x8001);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0300);
	ST_EQ(t, sib_sa_partition_add(t->sa, 0), -EINVAL);
}

static const u8 t_bcast15[16] = { 0xff, 0x15, 0x40, 0x1b, 0xff, 0xff, 0, 0,
				  0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };

/* The MTU byte of group @mgid as port @port reads it. */
static u8 st_group_mtu(struct st *t, const u8 *mgid, int port)
{
	st_mcm_req(t, IB_MGMT_METHOD_GET, IB_SA_MCMEMBER_REC_MGID, mgid, port, 0, 0);
	st_call(t, port, IB_MGMT_METHOD_GET_RESP, 0);
	return st_rec(t->resp)[T_MC_MTU];
}

/* fabric/bcast_mtu: sib_sa_set_bcast_mtu() and the groups it shapes. */
static void st_bcast_mtu(struct st *t)
{
	ib_sa_comp_mask mtu = IB_SA_MCMEMBER_REC_MTU_SELECTOR | IB_SA_MCMEMBER_REC_MTU;

	t->step = "bcast_mtu 2048";
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0x7fff, IB_MTU_2048), 0);
	ST_EQ(t, st_group_mtu(t, t_bcast, T_A), 0x80 | IB_MTU_2048);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS | mtu, t_bcast, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0x0200);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast, T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_rec(t->resp)[T_MC_MTU], 0x80 | IB_MTU_2048);

	t->step = "bcast_mtu kept by a group with members";
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0xffff, -1), 0);
	ST_EQ(t, st_group_mtu(t, t_bcast, T_A), 0x80 | IB_MTU_2048);
	sib_sa_restart(t->sa);
	ST_EQ(t, st_group_mtu(t, t_bcast, T_A), 0x80 | IB_MTU_4096);

	t->step = "bcast_mtu code 7";
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0xffff, 7), 0);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_JOIN_COMPS, t_bcast, T_B, 0xffff, 1);
	st_call(t, T_B, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_rec(t->resp)[T_MC_MTU], 0x80 | 7);
	st_mcm_req(t, IB_MGMT_METHOD_SET, T_MCM_CREATE_COMPS & ~mtu, t_bcast15,
		   T_A, 0xffff, 1);
	st_call(t, T_A, IB_MGMT_METHOD_GET_RESP, 0);
	ST_EQ(t, st_rec(t->resp)[T_MC_MTU], 0x80 | 7);
	st_mcm_req(t, IB_SA_METHOD_DELETE, T_MCM_LEAVE_COMPS, t_bcast15, T_A, 0, 1);
	st_call(t, T_A, IB_SA_METHOD_DELETE_RESP, 0);

	t->step = "bcast_mtu bad arguments";
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0x8000, IB_MTU_2048), -EINVAL);
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0xffff, 16), -EINVAL);
	ST_EQ(t, sib_sa_set_bcast_mtu(t->sa, 0xffff, -1), 0);
	sib_sa_restart(t->sa);
	ST_EQ(t, st_group_mtu(t, t_bcast, T_A), 0x80 | IB_MTU_4096);
}

/**
 * sib_sa_selftest() - exercise the SA with the requests ib_sa sends
 *
 * Context: process context (allocates, takes the test SA's mutex).
 * Return: 0 when every check passed, -EINVAL (details in the log) or
 * -ENOMEM.
 */
int sib_sa_selftest(void)
{
	struct st *t;
	int i, err;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < T_NPORTS; i++)
		st_port_init(&t->port[i], i, i != T_C);
	t->sa = sib_sa_create(&st_ops, t, IB_MTU_4096, IB_RATE_200_GBPS);
	err = -ENOMEM;
	if (!t->sa)
		goto err_free;
	err = sib_sa_partition_add(t->sa, 0x8001);
	if (err)
		goto err_destroy;

	st_cpi(t);
	st_bad(t);
	st_path(t);
	st_join(t);
	st_create(t);
	st_leave(t);
	st_events(t);
	st_bcast_mtu(t);

	err = t->failures ? -EINVAL : 0;
	if (err)
		pr_err("softib sa selftest: %u of %u checks failed\n",
		       t->failures, t->checks);
	else
		pr_info("softib sa selftest: pass (%u checks)\n", t->checks);
err_destroy:
	sib_sa_destroy(t->sa);
err_free:
	kfree(t);
	return err;
}
