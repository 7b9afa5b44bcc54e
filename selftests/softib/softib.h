/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib: a software InfiniBand HCA with an in-memory fabric and an embedded
 * subnet manager, for testing IPoIB.  Test-only: it has no wire.
 *
 * Locking, outermost first:
 *   sib_fabric.cfg_lock (mutex)   debugfs knobs, SM state, port LID/P_Key
 *                                 changes; never taken on the data path
 *   sib_fabric.lock (spinlock)    LID table, port list, multicast attachments;
 *                                 readers on the data path use RCU instead
 *   sib_qp.lock, sib_srq.lock     work queues and QP state
 *   sib_cq.lock                   completion ring (innermost)
 * sib_port.vf_lock (mutex) guards the SR-IOV VF settings (vf.c); it is a
 * leaf, taken with no other softib lock held.
 * All spinlocks are taken with interrupts disabled because verbs may be
 * called from any context.
 */
#ifndef _SOFTIB_H
#define _SOFTIB_H

#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>

#include "sa.h"
#include "smp.h"

#define SIB_PKEY_TBL_LEN	16
#define SIB_GID_TBL_LEN		2	/* GID 0, and an alias at index 1 */
#define SIB_MAX_PORTS		4
#define SIB_MAX_DEVICES		16
#define SIB_MAX_SGE		32
#define SIB_MAX_WR		16384
#define SIB_MAX_CQE		65536
#define SIB_MAX_MSG		0x100000
#define SIB_FIRST_LID		1
#define SIB_GSI_QKEY		0x80010000U
#define SIB_MCAST_LID_MIN	0xc000
#define SIB_MCAST_LID_MAX	0xfffe
#define SIB_PERMISSIVE_LID	0xffff
#define SIB_QPN_MAX		0xffffff
#define SIB_GUID_BASE		0x5349420000000000ULL	/* "SIB" */
#define SIB_MAX_VFS		8	/* num_vfs limit */

/* ---- module parameters (main.c) ---- */
struct sib_params {
	unsigned int devices;
	unsigned int ports;
	enum ib_mtu mtu;
	bool srq;
	bool ud_csum;
	bool ud_tso;
	unsigned int max_send_sge;
	unsigned int max_recv_sge;	/* for HCAs created from now on */
	unsigned int num_vfs;		/* VFs per port, 0..SIB_MAX_VFS */
	enum sib_sm_mode sm;		/* who manages the subnet */
	bool enhanced;			/* rdma_netdev, for HCAs created from now on */
};

extern struct sib_params sib_params;

/* ---- per-port counters ---- */
enum sib_counter {
	SIB_CNT_XMIT_PKTS,
	SIB_CNT_XMIT_BYTES,
	SIB_CNT_RCV_PKTS,
	SIB_CNT_RCV_BYTES,
	SIB_CNT_MCAST_RCV_PKTS,
	SIB_CNT_MAD_XMIT,
	SIB_CNT_MAD_RCV,
	SIB_CNT_SA_REQS,
	SIB_CNT_DROP_NO_RECV,
	SIB_CNT_DROP_NO_QP,
	SIB_CNT_DROP_NO_PORT,
	SIB_CNT_DROP_QKEY,
	SIB_CNT_DROP_PKEY,
	SIB_CNT_DROP_LINK_DOWN,
	SIB_CNT_DROP_QP_STATE,
	SIB_CNT_DROP_TOO_LONG,
	SIB_CNT_DROP_FAULT,
	SIB_CNT_FAULT_DUP,
	SIB_CNT_FAULT_CORRUPT,
	SIB_CNT_FAULT_DELAY,
	SIB_CNT_RC_RNR,
	SIB_CNT_RC_RETRY,
	SIB_CNT_DROP_NO_SM,
	SIB_CNT_XMIT_LSO,
	SIB_CNT_XMIT_LSO_SEGS,
	SIB_CNT_XMIT_CSUM,
	SIB_CNT_DROP_NO_ROUTE,
	SIB_CNT_DROP_NO_MROUTE,
	SIB_CNT_DROP_MKEY,
	SIB_CNT_MAX,
};

/* ---- objects ---- */
struct sib_dev;
struct sib_rn;

/* One SR-IOV VF's settings on one port (vf.c); all under sib_port.vf_lock */
struct sib_vf {
	int link_state;			/* IFLA_VF_LINK_STATE_* */
	u64 node_guid;
	u64 port_guid;
	u64 sets;			/* successful set_vf_* calls */
};

struct sib_port {
	struct sib_dev *sdev;
	u32 num;
	/*
	 * guid, alias_guid, lid, link_up, width, speed: under cfg_lock,
	 * read locklessly.  With sm=external the SMA (smp.c, atomic
	 * context) writes lid (the SM is its only writer) and link_up
	 * (under lock, with sma) instead.
	 */
	u64 guid;
	u64 alias_guid;			/* GID index 1; 0 = empty */
	struct list_head node;		/* sib_fabric.ports */
	u16 lid;
	bool link_up;
	u8 width;			/* enum ib_port_width */
	u16 speed;			/* enum ib_port_speed */
	u16 pkeys[SIB_PKEY_TBL_LEN];	/* under lock; 0 = empty slot */
	spinlock_t lock;		/* pkeys, cap_flags, sma */
	u32 cap_flags;
	struct sib_sma_port sma;	/* PortInfo state (sm=external) */
	struct sib_qp __rcu *special[2];	/* QP0, QP1 */
	atomic64_t cnt[SIB_CNT_MAX];
	struct dentry *dbg;
	struct mutex vf_lock;		/* vfs */
	struct sib_vf vfs[SIB_MAX_VFS];	/* the first sib_params.num_vfs */
	struct sib_rn *rn_parent;	/* rnetdev.c: RTNL */
};

struct sib_dev {
	struct ib_device ibdev;
	unsigned int index;
	struct platform_device *pdev;
	unsigned int nports;
	struct sib_port ports[SIB_MAX_PORTS];
	struct xarray qps;		/* QPN -> sib_qp, RCU readers */
	u32 next_qpn;			/* under the qps lock (cyclic QPNs) */
	spinlock_t cq_lock;		/* cqs, next_cq_id */
	struct list_head cqs;		/* sib_cq.dev_node, for debugfs */
	u32 next_cq_id;
	u32 max_recv_sge;		/* receive/SRQ SGEs, fixed at creation */
	bool enhanced;			/* offers rdma_netdev, fixed at creation */
	bool registered;		/* written under sib_fabric.cfg_lock */
	struct dentry *dbg;		/* softib<index>, kept across replace */
	struct dentry *dbg_cqs;		/* softib<index>/cqs */
};

struct sib_pd {
	struct ib_pd ibpd;
};

struct sib_mr {
	struct ib_mr ibmr;
};

struct sib_ah {
	struct ib_ah ibah;
	struct rdma_ah_attr attr;	/* sgid_attr cleared */
};

struct sib_cq {
	struct ib_cq ibcq;
	spinlock_t lock;		/* ring ... mod_first */
	struct ib_wc *ring;
	u32 size;			/* entries in ring */
	u32 head;			/* producer */
	u32 tail;			/* consumer */
	enum ib_cq_notify_flags armed;	/* 0 = not armed */
	bool dead;
	/* moderation (ib_modify_cq): 0/0 = an event for every arming */
	u16 mod_count;			/* completions */
	u16 mod_period;			/* usecs */
	bool mod_owed;			/* an event is deferred */
	u32 mod_first;			/* head when it was deferred */
	struct hrtimer mod_timer;
	struct irq_work notify_irq;	/* the completion "interrupt" */
	struct work_struct err_work;
	/* debugfs <ibdev>/cqs */
	u32 id;
	struct list_head dev_node;	/* sib_dev.cqs, under its cq_lock */
	atomic64_t completions;		/* pushed */
	atomic64_t events;		/* comp_handler calls */
};

/* A ring of fixed-size work queue entries. */
struct sib_ring {
	void *buf;
	u32 stride;
	u32 size;			/* power of two */
	u32 max;			/* requested depth */
	u32 head;			/* producer */
	u32 tail;			/* consumer */
};

struct sib_rwqe {
	u64 wr_id;
	u32 num_sge;
	struct ib_sge sg[];
};

struct sib_swqe {
	u64 wr_id;
	enum ib_wr_opcode opcode;
	int send_flags;
	__be32 imm;
	/* UD */
	struct rdma_ah_attr av;
	u32 remote_qpn;
	u32 remote_qkey;
	u16 pkey_index;
	void *lso_hdr;
	u16 lso_hlen;
	u16 lso_mss;
	u32 num_sge;
	struct ib_sge sg[];
};

struct sib_srq {
	struct ib_srq ibsrq;
	spinlock_t lock;		/* rq, limit */
	struct sib_ring rq;
	u32 limit;
	struct work_struct limit_work;
};

/*
 * Who executes a QP's send queue, one at a time so that WQEs leave in
 * order and the owner's buffers (cur, bounce, lso_seg) have one user: the
 * poster itself, from sib_post_send() (inline), or the send worker, which
 * takes over what the poster cannot do in its context (a retry after a
 * delay, a buffer to grow, more than one budget of WQEs).
 */
enum sib_sq_owner {
	SIB_SQ_NONE,
	SIB_SQ_INLINE,
	SIB_SQ_WORKER,
};

struct sib_qp {
	struct ib_qp ibqp;
	refcount_t ref;			/* data-path lookups */
	struct completion released;
	spinlock_t lock;		/* state, attributes, sq, rq, wedged, sq_owner */
	enum ib_qp_state state;
	enum sib_sq_owner sq_owner;	/* who executes the send queue */
	bool wedged;			/* sends stuck until ERR/RESET; counted locklessly */
	u32 sq_gen;			/* bumped on RESET */
	struct sib_ring sq;
	struct sib_ring rq;
	struct sib_port *port;
	bool sig_all;
	bool block_mc_loop;
	bool lso;
	/* attributes */
	u32 qkey;
	u16 pkey_index;
	u32 dest_qpn;
	u16 dlid;
	u8 sl;
	u8 timeout;
	u8 retry_cnt;
	u8 rnr_retry;
	u8 min_rnr_timer;
	enum ib_mtu path_mtu;
	u32 sq_psn;
	u32 rq_psn;
	int access;
	/* sender progress: only the send queue's owner (sq_owner) */
	u32 tries;
	void *bounce;
	u32 bounce_len;
	struct sib_swqe *cur;		/* the WQE being executed */
	u8 *lso_seg;			/* one LSO segment (LSO QPs) */
	struct sib_cq *scq;
	struct sib_cq *rcq;
	struct sib_srq *srq;
	struct delayed_work send_work;
	struct work_struct event_work;
	bool last_wqe_pending;
	/*
	 * An rdma_netdev's underlay QP: the fabric hands its datagrams to
	 * sib_rn_rx().  Set after creation, cleared before destruction
	 * (WRITE_ONCE; deliveries hold a reference).
	 */
	struct sib_rn *rn;
};

/*
 * One message on the fabric, built by the sender.  Its payload is either
 * @data (gathered into the sender's bounce buffer, or a delayed copy) or,
 * with @data NULL, the sender's own scatter list @src_sg, copied straight
 * into the receiver's buffers.
 */
struct sib_pkt {
	struct sib_port *sport;
	u16 slid;
	u16 dlid;
	u8 sl;
	u16 pkey;
	u32 qkey;
	u32 src_qpn;
	u32 dst_qpn;
	enum ib_qp_type type;
	bool has_grh;
	struct ib_grh grh;
	bool has_imm;
	__be32 imm;
	bool solicited;
	bool fault_ok;			/* subject to fault injection */
	u8 *data;
	const struct ib_sge *src_sg;
	u32 src_nsge;
	u32 len;
	bool sa_resp;			/* a delayed SA answer (fabric/sa) */
	struct list_head node;		/* delayed delivery */
	unsigned long due;
};

struct sib_faults {
	u32 drop;			/* ppm */
	u32 delay_us;
	u32 duplicate;			/* ppm */
	u32 corrupt;			/* ppm */
	bool mads;
};

/* fabric/sa: what the SA does with joins and PathRecord queries */
enum sib_sa_mode {
	SIB_SA_OK,
	SIB_SA_REJECT,
	SIB_SA_DROP,
};

struct sib_sa_policy {
	u32 delay_ms;			/* every SA answer, 0..10000 */
	enum sib_sa_mode join;		/* MCMemberRecord Set */
	enum sib_sa_mode path;		/* PathRecord Get/GetTable */
};

enum sib_sa_counter {
	/* per kind: requests, rejected, dropped (mad.c relies on it) */
	SIB_SA_JOIN_REQS,
	SIB_SA_JOIN_REJECTED,
	SIB_SA_JOIN_DROPPED,
	SIB_SA_PATH_REQS,
	SIB_SA_PATH_REJECTED,
	SIB_SA_PATH_DROPPED,
	SIB_SA_NO_SM_DROPPED,
	SIB_SA_CNT_MAX,
};

struct sib_mc_attach {
	struct list_head node;		/* sib_fabric.mcast, RCU */
	union ib_gid mgid;
	u16 mlid;
	struct sib_qp *qp;
	struct rcu_head rcu;
};

struct sib_bench_result;

struct sib_fabric {
	struct mutex cfg_lock;		/* see the top of this file */
	spinlock_t lock;		/* ports, lids, mcast, faults */
	struct list_head ports;
	struct xarray lids;		/* LID -> sib_port, RCU readers */
	struct list_head mcast;
	/* sm_lid, sm_stopped: written under cfg_lock, read locklessly */
	u16 sm_lid;			/* kept while the SM is stopped */
	bool sm_stopped;		/* fabric/sm stop: no SM, no SA */
	struct sib_sa *sa;
	struct workqueue_struct *wq;
	struct sib_faults faults;
	struct sib_sa_policy sa_policy;	/* under lock */
	atomic64_t sa_cnt[SIB_SA_CNT_MAX];
	spinlock_t delay_lock;		/* delayed, delay_armed, delay_next */
	struct list_head delayed;
	struct delayed_work delay_work;
	bool delay_armed;		/* delay_work queued for delay_next */
	unsigned long delay_next;
	bool dying;
	struct dentry *dbg;
	char *bench_out;
};

extern struct sib_fabric *sib_fab;

static inline struct sib_dev *to_sdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct sib_dev, ibdev);
}

static inline struct sib_qp *to_sqp(struct ib_qp *ibqp)
{
	return container_of(ibqp, struct sib_qp, ibqp);
}

static inline struct sib_cq *to_scq(struct ib_cq *ibcq)
{
	return ibcq ? container_of(ibcq, struct sib_cq, ibcq) : NULL;
}

static inline struct sib_srq *to_ssrq(struct ib_srq *ibsrq)
{
	return ibsrq ? container_of(ibsrq, struct sib_srq, ibsrq) : NULL;
}

static inline struct sib_ah *to_sah(struct ib_ah *ibah)
{
	return container_of(ibah, struct sib_ah, ibah);
}

static inline struct sib_port *sib_port_get(struct sib_dev *sdev, u32 num)
{
	if (num < 1 || num > sdev->nports)
		return NULL;
	return &sdev->ports[num - 1];
}

static inline void sib_count(struct sib_port *port, enum sib_counter c,
			     u64 n)
{
	atomic64_add(n, &port->cnt[c]);
}

/* ---- fabric.c ---- */
int sib_fabric_create(void);
void sib_fabric_destroy(void);
int sib_fabric_add_port(struct sib_port *port, u16 lid);
void sib_fabric_del_port(struct sib_port *port);
struct sib_port *sib_fabric_port_by_lid(u16 lid);
void sib_fabric_sa_port(struct sib_port *port, struct sib_sa_port *out);
int sib_fabric_set_lid(struct sib_port *port, u16 lid);
void sib_fabric_sm_event(enum ib_event_type type);
int sib_fabric_sm_handover(void);
int sib_fabric_sm_reregister(bool restart);
void sib_fabric_sm_stop(void);
void sib_fabric_sm_start(void);
u16 sib_fabric_sm_lid(void);
void sib_fabric_sa_policy(struct sib_sa_policy *out);
void sib_fabric_set_sa_policy(const struct sib_sa_policy *pol);

/* ---- dev.c ---- */
/* What a replaced HCA hands to its successor (sib_dev_replace()). */
struct sib_dev_state {
	u32 next_qpn;
	u64 guids[SIB_MAX_PORTS];
	u8 widths[SIB_MAX_PORTS];
	u16 speeds[SIB_MAX_PORTS];
	u16 lids[SIB_MAX_PORTS];
	u16 pkeys[SIB_MAX_PORTS][SIB_PKEY_TBL_LEN];
};

struct sib_dev *sib_dev_create(unsigned int index);
void sib_dev_destroy(struct sib_dev *sdev);
struct sib_dev *sib_dev_replace(struct sib_dev *old);

/* ---- main.c ---- */
int sib_replace_device(unsigned int index);

/* ---- port.c ---- */
void sib_port_init(struct sib_dev *sdev, struct sib_port *port, u32 num);
void sib_port_event(struct sib_port *port, enum ib_event_type type);
void sib_port_set_link(struct sib_port *port, bool up);
void sib_port_set_pkeys(struct sib_port *port, const u16 *pkeys);
int sib_port_pkey_add(struct sib_port *port, u16 pkey);
int sib_port_pkey_del(struct sib_port *port, u16 pkey);
bool sib_port_pkey_at(struct sib_port *port, u16 index, u16 *pkey);
int sib_port_pkey_find(struct sib_port *port, u16 pkey);
void sib_port_gid(struct sib_port *port, union ib_gid *gid);
void sib_port_gid_at(struct sib_port *port, int index, union ib_gid *gid);
int sib_port_set_alias(struct sib_port *port, u64 guid);
int sib_port_set_guid(struct sib_port *port, u64 guid);
void sib_port_set_speed(struct sib_port *port, u8 width, u16 speed);
int sib_query_port(struct ib_device *ibdev, u32 port_num,
		   struct ib_port_attr *attr);
int sib_modify_port(struct ib_device *ibdev, u32 port_num, int mask,
		    struct ib_port_modify *props);
int sib_get_port_immutable(struct ib_device *ibdev, u32 port_num,
			   struct ib_port_immutable *immutable);
enum rdma_link_layer sib_get_link_layer(struct ib_device *ibdev,
					u32 port_num);
int sib_query_pkey(struct ib_device *ibdev, u32 port_num, u16 index,
		   u16 *pkey);
int sib_query_gid(struct ib_device *ibdev, u32 port_num, int index,
		  union ib_gid *gid);

/* ---- vf.c: SR-IOV VF settings ---- */
void sib_vf_port_init(struct sib_port *port);
int sib_set_vf_link_state(struct ib_device *ibdev, int vf, u32 port_num,
			  int state);
int sib_get_vf_config(struct ib_device *ibdev, int vf, u32 port_num,
		      struct ifla_vf_info *ivf);
int sib_get_vf_stats(struct ib_device *ibdev, int vf, u32 port_num,
		     struct ifla_vf_stats *stats);
int sib_get_vf_guid(struct ib_device *ibdev, int vf, u32 port_num,
		    struct ifla_vf_guid *node_guid,
		    struct ifla_vf_guid *port_guid);
int sib_set_vf_guid(struct ib_device *ibdev, int vf, u32 port_num, u64 guid,
		    int type);
void sib_vf_dump(struct sib_port *port, struct seq_file *m);

/* ---- obj.c: PD, MR, AH ---- */
int sib_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
int sib_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata);
struct ib_mr *sib_get_dma_mr(struct ib_pd *ibpd, int access);
struct ib_mr *sib_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 virt, int access, struct ib_udata *udata);
int sib_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
int sib_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		  struct ib_udata *udata);
int sib_query_ah(struct ib_ah *ibah, struct rdma_ah_attr *attr);
int sib_destroy_ah(struct ib_ah *ibah, u32 flags);

/* ---- cq.c ---- */
int sib_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct uverbs_attr_bundle *attrs);
int sib_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int sib_poll_cq(struct ib_cq *ibcq, int num, struct ib_wc *wc);
int sib_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags);
int sib_modify_cq(struct ib_cq *ibcq, u16 count, u16 period);
void sib_cq_push(struct sib_cq *cq, const struct ib_wc *wc, bool solicited);
void sib_cq_dump(struct sib_dev *sdev, struct seq_file *m);
void sib_port_qps_dump(struct sib_port *port, struct seq_file *m);

/* ---- ring.c ---- */
int sib_ring_init(struct sib_ring *r, u32 max, u32 stride);
void sib_ring_free(struct sib_ring *r);
static inline u32 sib_ring_count(const struct sib_ring *r)
{
	return r->head - r->tail;
}

static inline void *sib_ring_slot(const struct sib_ring *r, u32 idx)
{
	return r->buf + (size_t)(idx & (r->size - 1)) * r->stride;
}

/* ---- srq.c ---- */
int sib_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata);
int sib_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata);
int sib_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr);
int sib_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata);
int sib_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad);
bool sib_srq_pop(struct sib_srq *srq, struct sib_rwqe *out);

/* ---- qp.c ---- */
int sib_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		  struct ib_udata *udata);
int sib_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata);
int sib_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init);
int sib_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
struct sib_qp *sib_qp_lookup(struct sib_port *port, u32 qpn);
void sib_qp_put(struct sib_qp *qp);
void sib_qp_flush_rq(struct sib_qp *qp);
void sib_qp_to_err(struct sib_qp *qp);
void sib_qp_kick(struct sib_qp *qp, unsigned long delay);
u16 sib_qp_lid(struct sib_qp *qp);
void sib_port_wedge(struct sib_port *port, bool on);
unsigned int sib_port_wedged(struct sib_port *port);

/* ---- post.c ---- */
int sib_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad);
int sib_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad);
bool sib_qp_pop_recv(struct sib_qp *qp, struct sib_rwqe *out);
void sib_send_worker(struct work_struct *work);
void sib_send_complete(struct sib_qp *qp, const struct sib_swqe *wqe,
		       enum ib_wc_status status);
void sib_fill_ud_grh(struct sib_port *port, struct sib_pkt *pkt,
		     const struct rdma_ah_attr *av);

/* ---- wire.c ---- */
enum sib_rx_result {
	SIB_RX_OK,
	SIB_RX_DROPPED,			/* lost: a reliable sender retries */
	SIB_RX_RNR,			/* no receive posted */
	SIB_RX_REMOTE_ERR,		/* receiver rejected the message */
};

void sib_wire_ud(struct sib_pkt *pkt);
bool sib_wire_faults_on(void);
void sib_wire_ud_later(struct sib_pkt *pkt, unsigned long due);
enum sib_rx_result sib_wire_rc(struct sib_pkt *pkt);
void sib_wire_deliver_ud(struct sib_qp *qp, struct sib_pkt *pkt);
void sib_wire_delay_worker(struct work_struct *work);
void sib_wire_flush_delayed(struct sib_port *port);

/* ---- mcast.c ---- */
int sib_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid);
int sib_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid);
void sib_mcast_detach_all(struct sib_qp *qp);
void sib_mcast_deliver(struct sib_pkt *pkt);

/* ---- mad.c ---- */
void sib_mad_send(struct sib_qp *qp, struct sib_pkt *pkt);

/* ---- offload.c ---- */
void sib_csum_fill(u8 *data, u32 len);
bool sib_csum_verify(const u8 *data, u32 len);
int sib_lso_send(struct sib_qp *qp, const struct sib_swqe *wqe,
		 struct sib_pkt *tmpl, u32 len);
void sib_lso_fix_segment(u8 *seg, u32 hlen, u32 plen, u32 off, u32 i,
			 bool last);

/* ---- debugfs.c ---- */
void sib_debugfs_init(void);
void sib_debugfs_uninit(void);
void sib_debugfs_add_dev(struct sib_dev *sdev);
void sib_debugfs_del_dev(struct sib_dev *sdev);

/* ---- bench.c ---- */
extern struct mutex sib_bench_lock;	/* the benchmark, device replacement */
int sib_bench_run(char **out);

#endif /* _SOFTIB_H */
