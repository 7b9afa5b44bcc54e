/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP over InfiniBand: core objects shared by the files of ib_ipoib.
 *
 * Object ownership, in short:
 *  - struct ipib_dev is the state of one IPoIB interface: a parent (one
 *    per IB port, owned by the IB client) or a P_Key child of a parent
 *    (owned by whoever created it: sysfs create_child or rtnetlink).  It
 *    is allocated separately and hangs from rdma_netdev.clnt_priv, at the
 *    start of the netdev private area (ipib_priv(); see ipoib_rn.c for
 *    the vendor offload path, where the rest of that area is the
 *    vendor's).  Each owns the PD, the path tree, the neighbour table and
 *    the multicast table and, on the built-in path, its UD QPs, their
 *    CQs and the rings.  They are created in ndo_init and destroyed in the
 *    priv_destructor, so that the core's unregistration (rtnetlink
 *    dellink, namespace exit) frees all, struct ipib_dev last.
 *    A child holds a reference on its parent's net_device; the parent
 *    unregisters its children before itself.
 *  - struct ipib_ah wraps a verbs AH.  Holders take references; the last
 *    put parks it on the device's dead list, and the reaper destroys it
 *    only after an RCU grace period (so no transmit still reads the
 *    pointer) and after every send ring has completed its last send.
 *  - struct ipib_path is one SA PathRecord for a destination GID; it owns
 *    the AH for that GID and the list of neighbours using it.
 *  - struct ipib_neigh is one 20-byte hardware address in an rhashtable
 *    (RCU lookups, grows with the number of neighbours).  It holds a
 *    reference to its path's AH and, later, a connected-mode connection.
 *
 * Locking:
 *  - RTNL serialises open/stop, the flush levels and MTU changes.
 *  - dev->lock (BH) protects the path table (struct ipib_path_table), the
 *    neighbour list and table updates, and the per-neighbour/per-path skb
 *    queues.  Nests inside the netif TX lock.
 *  - dev->ah_lock (irqsave) protects the dead-AH list only; innermost.
 *  - The UD data path (struct ipib_ud, dev->ud) has its own rules, given
 *    with struct ipib_send_ring, struct ipib_recv_ring and struct ipib_ud.
 *    In short, a send ring has one producer and one consumer at any time:
 *    while the QP is ready, the netif TX lock of its TX queue (producer,
 *    ipib_ud_send) and its TX NAPI (consumer), with head/tail published
 *    by acquire/release; while it is stopped (ipib_ib_stop: qp_ready
 *    cleared, NAPIs disabled, then the queues disabled under their TX
 *    locks, in that order), the RTNL holder alone.  Each TX queue has its
 *    own send ring, send QP, send CQ and TX NAPI (struct ipib_txq), so
 *    TX queues share no lock on the UD path.  The receive ring belongs to
 *    the RX NAPI the same way.
 */
#ifndef _IPIB_IPOIB_H
#define _IPIB_IPOIB_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <linux/rhashtable.h>
#include <linux/rbtree.h>
#include <linux/u64_stats_sync.h>
#include <linux/if_infiniband.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_sa.h>

#include "ipoib_multicast.h"
#include "ipoib_cm.h"
#include "ipoib_rn.h"

#define IPIB_ENCAP_LEN		4	/* EtherType + reserved */
#define IPIB_PSEUDO_LEN		INFINIBAND_ALEN	/* destination hw address */
#define IPIB_HARD_LEN		(IPIB_ENCAP_LEN + IPIB_PSEUDO_LEN)
#define IPIB_GRH_LEN		40
#define IPIB_QPN_MASK		0xffffff
#define IPIB_MAX_QUEUED		3	/* skbs waiting per neighbour or path */
#define IPIB_CM_MTU		65520
#define IPIB_MIN_MTU		68
#define IPIB_RX_WEIGHT		64
#define IPIB_WC_BATCH		16
/* received packets up to this size (IPoIB header on) are copied */
#define IPIB_RX_COPYBREAK	256
/* bytes of a larger received packet pulled into its skb's slab head */
#define IPIB_RX_HEAD		128
#define IPIB_MIN_SENDQ		128	/* ring size bounds (module parameters */
#define IPIB_MIN_RECVQ		2	/* and ethtool -G) */
#define IPIB_MAX_QUEUE		8192
#define IPIB_MAX_TXQ		8	/* UD send queues (ethtool -L tx) */

/* The 4-byte header on the wire (RFC 4391). */
struct ipib_header {
	__be16 proto;
	__be16 reserved;
};

/* The pseudo header header_ops->create pushes in front of the header. */
struct ipib_pseudo_header {
	u8 hwaddr[INFINIBAND_ALEN];
};

/*
 * The same 20 bytes in front of a received packet: what the completion says
 * about the sender, for header_ops->parse (packet captures, nflog).
 */
struct ipib_rx_source {
	u8 zero[4];
	__be16 slid;		/* the sender's LID */
	u8 pad[6];
	u8 guid[8];		/* its port GUID when a GRH came, else zero */
};

/* Interface modes (sysfs mode, IFLA_IPOIB_MODE). */
enum ipib_mode {
	IPIB_MODE_DATAGRAM,
	IPIB_MODE_CONNECTED,
};

enum ipib_flush_level {
	IPIB_FLUSH_LIGHT,
	IPIB_FLUSH_NORMAL,
	IPIB_FLUSH_HEAVY,
	IPIB_FLUSH_LEVELS,
};

struct ipib_dev;
struct page_pool;

/**
 * struct ipib_ah - reference-counted address handle
 * @ah: the verbs AH
 * @dev: owning interface
 * @ref: holders (paths, neighbours, multicast groups)
 * @last_send: per UD send queue, the sequence number in its ring of the
 *	last send that used it (built-in path; the vendor path's rule is in
 *	ipoib_rn.c)
 * @dead_node: on dev->dead_ahs once @ref reached zero
 * @gp_cookie: RCU grace period started when it died; no reader can see it
 *	once that period has ended
 */
struct ipib_ah {
	struct ib_ah *ah;
	struct ipib_dev *dev;
	refcount_t ref;
	unsigned int last_send[IPIB_MAX_TXQ];
	struct list_head dead_node;
	unsigned long gp_cookie;
};

/**
 * struct ipib_path - SA PathRecord for one destination GID
 * @node: in dev->paths.tree, keyed by @dgid
 * @dead_node: on a private list while being freed
 * @dev: owning interface
 * @dgid: destination GID (the key, even if the SA answers another DGID)
 * @rec: the record @ah was built from
 * @ah: AH built from the last answer (NULL until resolved)
 * @neighs: neighbours using this path (dev->lock)
 * @queue: unicast ARP skbs waiting for the answer (pseudo header pushed)
 * @query: ib_sa handle of the query in flight
 * @query_id: its id, for ib_sa_cancel_query()
 * @querying: a query is in flight (dev->lock)
 * @dead: unlinked by a flush; the answer is thrown away
 * @stale: @ah predates a light flush; it is still used for sending while a
 *	refresh query runs (dev->lock)
 * @backoff: wait before the next query after one failed or could not
 *	start, in jiffies (dev->lock)
 * @retry_at: no query before this time (jiffies, dev->lock)
 * @status: result of the last query (written by its callback)
 * @answer: record of the last query (written by its callback)
 * @query_done: completed when no query is in flight
 * @done_work: builds the AH from the answer (may sleep) on dev->wq
 */
struct ipib_path {
	struct rb_node node;
	struct list_head dead_node;
	struct ipib_dev *dev;
	union ib_gid dgid;
	struct sa_path_rec rec;
	struct ipib_ah *ah;
	struct list_head neighs;
	struct sk_buff_head queue;
	struct ib_sa_query *query;
	int query_id;
	bool querying;
	bool dead;
	bool stale;
	unsigned long backoff;
	unsigned long retry_at;
	int status;
	struct sa_path_rec answer;
	struct completion query_done;
	struct work_struct done_work;
};

/**
 * struct ipib_neigh - one unicast destination (20-byte hardware address)
 * @addr: the rhashtable key
 * @hnode: in dev->neighs
 * @node: in dev->neigh_list (GC and flush walk it)
 * @path_node: in @path->neighs
 * @dev: owning interface
 * @ah: reference on the path's AH (RCU for readers, dev->lock for writers)
 * @path: the path it waits on or uses (dev->lock)
 * @queue: skbs waiting for the path (at most IPIB_MAX_QUEUED)
 * @alive: jiffies of the last packet sent or queued through it (GC)
 * @cm: its connected-mode connection (RCU for readers, dev->lock for
 *	writers)
 * @cm_retry_at: no new connection before this time (jiffies, dev->lock)
 * @cm_refused: the peer refused the last connection for lack of
 *	resources: until the next one is up, UD it is, and packets UD cannot
 *	carry get ICMP "too big" (dev->lock)
 * @ref: the table holds one reference; freed after an RCU grace period
 * @dead: unlinked; lookups that still see it fall back to the slow path
 * @rcu: deferred free
 */
struct ipib_neigh {
	u8 addr[INFINIBAND_ALEN];
	struct rhash_head hnode;
	struct list_head node;
	struct list_head path_node;
	struct ipib_dev *dev;
	struct ipib_ah __rcu *ah;
	struct ipib_path *path;
	struct sk_buff_head queue;
	unsigned long alive;
	struct ipib_cm_tx __rcu *cm;
	unsigned long cm_retry_at;
	bool cm_refused;
	refcount_t ref;
	bool dead;
	struct rcu_head rcu;
};

struct ipib_rx_buf {
	struct page *page;
	u64 mapping;
};

struct ipib_tx_buf {
	struct sk_buff *skb;
	unsigned int nmaps;
	u64 mapping[MAX_SKB_FRAGS + 1];
};

/**
 * struct ipib_path_table - the SA PathRecord cache of one interface
 * @tree: paths keyed by DGID
 * @retry_work: starts the queries that could not start, failed with a
 *	transient error or must refresh a stale path (on dev->wq)
 * @running: queries and retries allowed (ipib_dev_up to ipib_dev_down)
 * @have_tclass: the broadcast group was joined since the interface came
 *	up: @tclass is known and unicast may be resolved
 * @tclass: traffic class of the broadcast group, used in every query
 *
 * Every field is protected by dev->lock.
 */
struct ipib_path_table {
	struct rb_root tree;
	struct delayed_work retry_work;
	bool running;
	bool have_tclass;
	u8 tclass;
};

/* Who created an interface; decides its sysfs files and how it is deleted. */
enum ipib_kind {
	IPIB_PARENT,		/* one per IB port, by the IB client */
	IPIB_CHILD_SYSFS,	/* create_child: unique P_Key, delete_child */
	IPIB_CHILD_RTNL,	/* ip link add ... type ipoib: ip link del */
};

/**
 * struct ipib_family - an interface's place among parents and children
 * @kind: parent or which kind of child (constant once registered)
 * @parent: a child's parent, NULL on a parent (constant once registered)
 * @tracker: the child's reference on @parent's net_device (dropped by the
 *	child's destructor, so a parent outlives its children)
 * @children: a parent's children
 * @node: a child's entry in its parent's @children
 *
 * @children and @node change only under RTNL (a child's ndo_init and
 * ndo_uninit, with the RCU list primitives) and are walked under RTNL:
 * flushes, open/stop, sysfs and teardown; rdma_cm's lookup
 * (ipib_get_net_dev_by_params()) walks them under RCU instead.
 */
struct ipib_family {
	enum ipib_kind kind;
	struct ipib_dev *parent;
	netdevice_tracker tracker;
	struct list_head children;
	struct list_head node;
};

/*
 * Why a packet was dropped; ethtool -S shows one counter per reason
 * (ipib_drop_names[] in ipoib_ethtool.c keeps the same order).
 */
enum ipib_drop_reason {
	IPIB_DROP_TX_NO_PATH,		/* the SA answered: no such path */
	IPIB_DROP_TX_PATH_QUERY_FAILED,	/* the path query got no answer */
	IPIB_DROP_TX_QUEUE_FULL,	/* a neighbour's or path's queue */
	IPIB_DROP_TX_MCAST_NOT_JOINED,	/* group not joined or its queue full */
	IPIB_DROP_TX_LENGTH,		/* larger than the destination takes */
	IPIB_DROP_TX_NOT_READY,		/* interface not operational */
	IPIB_DROP_TX_RING_FULL,		/* no send slot left */
	IPIB_DROP_TX_FLUSHED,		/* waited and was thrown away by a flush */
	IPIB_DROP_TX_NOMEM,		/* no memory for a neighbour/path/group */
	IPIB_DROP_TX_BAD_HEADER,	/* pseudo header or protocol not carried */
	IPIB_DROP_TX_SEND_ERROR,	/* mapping or posting the send failed */
	IPIB_DROP_RX_LENGTH,		/* shorter than the IPoIB header */
	IPIB_DROP_RX_NOMEM,		/* no replacement receive buffer */
	IPIB_DROP_REASONS,
};

/* Counters written by exactly one context each (RX NAPI, TX NAPI). */
struct ipib_ring_stats {
	u64 packets;
	u64 bytes;
	u64 multicast;
	struct u64_stats_sync syncp;
};

/**
 * struct ipib_send_ring - posted sends of one QP and their completions
 * @slots: one per send WR; a send's slot is its sequence number & @mask
 * @size: number of slots (a power of two)
 * @mask: @size - 1
 * @head: sequence number of the next send (the producer's)
 * @tail: sequence number of the next completion expected (the consumer's)
 * @stats: completed sends (the consumer's; get_stats64 reads them under
 *	their syncp).  Only the UD rings' are used: a connection's sends
 *	count in UD queue 0's ring, so that its counters outlive it.
 * @errors: sends that failed to post or completed in error (atomic; used
 *	as @stats is)
 * @wc: completion batch (the consumer's)
 *
 * @slots, @size and @mask are set when the ring is allocated and constant
 * until it is freed.  The ring has one producer and one consumer at any
 * time.  While its QP is ready the producer is the transmit path (netif TX
 * lock) and the consumer the TX NAPI poller: each writes only its own
 * index, publishing it with smp_store_release() once the slot is filled
 * (head) or emptied (tail), so the other side may read it lock-free
 * (READ_ONCE, or smp_load_acquire before touching the slot).  While the QP
 * is stopped (qp_ready cleared, NAPI disabled, then the queue disabled
 * under the TX lock, in that order) the RTNL holder alone owns every field.
 */
struct ipib_send_ring {
	struct ipib_tx_buf *slots;
	unsigned int size;
	unsigned int mask;
	unsigned int head;
	unsigned int tail;
	struct ipib_ring_stats stats;
	atomic64_t errors;
	struct ib_wc wc[IPIB_WC_BATCH];
};

/**
 * struct ipib_recv_ring - receive buffers posted on one QP
 * @slots: one per receive WR; the WR id is the slot index
 * @size: number of slots
 * @pool: the page pool of the slots' pages, and of the pages that replace
 *	those a packet leaves with; created when the ring is filled and
 *	destroyed when it is freed.  Its one allocator is the owner of
 *	the ring (below), never two contexts at once.
 * @truesize: bytes of one slot's page
 * @posted: receive WRs outstanding (the drain waits for zero)
 * @stats: delivered packets
 * @errors: receives completed in error (atomic)
 * @wc: completion batch
 *
 * @slots and @size are constant while the ring is allocated.  Everything
 * else belongs to the RX NAPI poller while the QP is ready, and to the
 * RTNL holder alone while it is stopped (RX NAPI disabled) or opening
 * (before the NAPI is enabled); @stats is also read lock-free by
 * get_stats64 under its syncp.
 */
struct ipib_recv_ring {
	struct ipib_rx_buf *slots;
	unsigned int size;
	struct page_pool *pool;
	unsigned int truesize;
	unsigned int posted;
	struct ipib_ring_stats stats;
	atomic64_t errors;
	struct ib_wc wc[IPIB_WC_BATCH];
};

/**
 * struct ipib_txq - one UD send queue: its QP, CQ, ring and poller
 * @ring: the send ring (see struct ipib_send_ring); its producer is the
 *	netif TX lock of TX queue @index, its consumer @napi
 * @qp: the QP the ring posts to.  Queue 0's is dev->qp, the QP that also
 *	receives and whose QPN is in our hardware address; every other
 *	queue has a send-only UD QP of its own (no receive posted), with the
 *	same P_Key index and Q_Key and the same state changes.  NULL while
 *	the queue is not in use.
 * @cq: completions of @qp's sends (queue 0's also takes the sends of every
 *	connected-mode connection)
 * @napi: polls @cq
 * @cq_armed: @napi's last poll left sends in flight and armed @cq, so an
 *	event will schedule @napi.  While it is clear @cq is not armed (a
 *	send that completes as it is posted would otherwise cost an
 *	interrupt) and the transmit path schedules @napi after each post
 *	(ipib_tx_kick()).  Written by @napi, read by the transmit path.
 * @recover_work: brings @qp back from SQE after a send error (dev->wq)
 * @dev: the interface
 * @index: the net_device TX queue it serves
 *
 * @dev and @index are set when the array is allocated and constant.
 * @qp, @cq and the ring's slots are created and destroyed under RTNL with
 * the UD path stopped (ipib_ud_set_txqs(), ipib_ud_resize(), teardown);
 * the ring's sequence numbers and counters outlive them, so AHs' last
 * sends and the device counters stay valid across a change of the
 * number of queues.  @napi and @recover_work live as long as the array.
 */
struct ipib_txq {
	struct ipib_send_ring ring;
	struct ib_qp *qp;
	struct ib_cq *cq;
	struct napi_struct napi;
	bool cq_armed;
	struct work_struct recover_work;
	struct ipib_dev *dev;
	unsigned int index;
};

/**
 * struct ipib_ud - the UD data path of one interface
 * @recv_cq: completions of @rx (drives @napi_rx)
 * @max_send_sge: send SGEs the QPs accept
 * @rx_buf_size: bytes of one receive buffer (GRH included)
 * @txq: the send queues, @max_txq of them; the first @num_txq are in use
 *	(see struct ipib_txq)
 * @max_txq: send queues this interface may use (ethtool -l maximum)
 * @num_txq: send queues in use, the net_device's real TX queue count
 * @send_qpns: the QPNs of the send QPs in use, for the own-copy filter of
 *	the receive path (a multicast send from any of them comes back)
 * @next_txq: the TX queue the next new socket is given (atomic, any
 *	transmit; see ipib_select_queue())
 * @rx: the receive ring (see struct ipib_recv_ring)
 * @napi_rx: polls @recv_cq
 * @napi_on: the NAPIs are enabled
 * @coal_usecs: receive CQ moderation set through ethtool
 * @coal_frames: likewise
 * @tx_coal_usecs: send CQ moderation set through ethtool (every send CQ)
 * @tx_coal_frames: likewise
 *
 * @recv_cq, @max_send_sge, @rx_buf_size, @txq and @max_txq are set before
 * the net_device is registered (ndo_init and its creator) and constant
 * after (@recv_cq is replaced by ipib_ud_resize(), with the path stopped).
 * @num_txq and @send_qpns change under RTNL with the path stopped (the RX
 * NAPI disabled), so the RX NAPI reads them without a lock.  @napi_on and
 * the four moderation settings are RTNL.  The rings follow their own
 * rules; the receiving QP is dev->qp and its state dev->qp_ready.
 */
struct ipib_ud {
	struct ib_cq *recv_cq;
	unsigned int max_send_sge;
	unsigned int rx_buf_size;
	struct ipib_txq *txq;
	unsigned int max_txq;
	unsigned int num_txq;
	u32 send_qpns[IPIB_MAX_TXQ];
	atomic_t next_txq;
	struct ipib_recv_ring rx;
	struct napi_struct napi_rx;
	bool napi_on;
	u16 coal_usecs;
	u16 coal_frames;
	u16 tx_coal_usecs;
	u16 tx_coal_frames;
};

/*
 * struct ipib_dev - one IPoIB interface (rdma_netdev.clnt_priv)
 *
 * Who may touch what, group by group:
 *  - identity (ndev, ca, port, pd, qp, wq, port_mtu, family.kind,
 *    family.parent): set before registration (by the creator and
 *    ndo_init), constant after;
 *  - family.children/family.node: RTNL (see struct ipib_family);
 *  - pkey, pkey_index, local_gid, mode, admin_up, pkey_valid, admin_mtu,
 *    mtu_base, mtu_internal: RTNL (ndo callbacks, ethtool, the flush
 *    workers);
 *  - qp_ready, oper_up: written under RTNL, read lock-free (READ_ONCE);
 *  - local_lid: written under RTNL, read anywhere (READ_ONCE);
 *  - qkey, mcast_mtu: written by the join worker under the multicast mutex,
 *    read lock-free by the data path (READ_ONCE);
 *  - umcast: WRITE_ONCE from sysfs, READ_ONCE by the list sync;
 *  - ud: the UD CQs, rings, NAPIs, send queues and QP recovery (see
 *    struct ipib_ud and struct ipib_txq);
 *  - cm: connected mode (see struct ipib_cm);
 *  - dead_ahs: ah_lock; paths, neighs, neigh_list, neigh_count and
 *    neigh_gc_on: dev->lock;
 *  - drops: atomic, incremented wherever the packet is dropped, read
 *    lock-free by ethtool -S;
 *  - dbg_*: the netdevice notifier (RTNL);
 *  - rn: the vendor's offload, set before registration, constant after
 *    (see struct ipib_rn).
 *
 * The QP and both its CQs (qp, ud.txq[0].cq, ud.recv_cq) change only when
 * ethtool -G gives the rings new sizes: under RTNL, with the data path
 * stopped (ipib_ud_resize()); the other send queues' QPs and CQs also
 * when ethtool -L changes their number (ipib_ud_set_txqs()).
 */
struct ipib_dev {
	struct net_device *ndev;
	struct ib_device *ca;
	u32 port;
	u16 pkey;		/* with the full-member bit */
	u16 pkey_index;
	struct ib_pd *pd;
	struct ib_qp *qp;
	u32 qkey;
	union ib_gid local_gid;
	u16 local_lid;
	struct workqueue_struct *wq;	/* per-interface, ordered */
	/* MTUs in bytes of IPoIB payload (the IB MTU minus the header) */
	unsigned int port_mtu;	/* the port's limit; set once at creation */
	unsigned int mcast_mtu;	/* broadcast group's; WRITE_ONCE by joins */
	unsigned int admin_mtu;	/* the administrator's choice (RTNL) */
	unsigned int mtu_base;	/* mcast_mtu the MTU was last derived from */
	bool mtu_internal;	/* RTNL: change_mtu applies the group limit */
	bool umcast;
	struct ipib_mcast_table mcast;

	/* state (RTNL) */
	enum ipib_mode mode;
	bool admin_up;		/* between ndo_open and ndo_stop */
	bool qp_ready;		/* QP in RTS with the receive ring posted */
	bool pkey_valid;	/* P_Key found in the port table */
	bool oper_up;		/* READ_ONCE from workers */

	/* the UD QP's CQs, rings and pollers */
	struct ipib_ud ud;

	/* connected mode: SRQ, listener, connections */
	struct ipib_cm cm;

	/* address handles */
	spinlock_t ah_lock;
	struct list_head dead_ahs;
	struct delayed_work reap_work;

	/* paths and neighbours (dev->lock) */
	spinlock_t lock;
	struct ipib_path_table paths;
	struct rhashtable neighs;
	struct list_head neigh_list;
	unsigned int neigh_count;
	struct delayed_work neigh_gc_work;
	bool neigh_gc_on;

	/* events (on ipib_flush_wq) and carrier (on dev->wq) */
	struct work_struct flush_work[IPIB_FLUSH_LEVELS];
	struct work_struct gid_work;
	struct work_struct sm_work;
	struct work_struct tx_timeout_work;
	struct delayed_work carrier_work;

	struct ipib_family family;

	atomic64_t drops[IPIB_DROP_REASONS];

	struct dentry *dbg_path;
	struct dentry *dbg_mcg;
	struct dentry *dbg_cm;

	struct ipib_rn rn;
};

/* The per-HCA client data: one interface per IB port. */
struct ipib_hca {
	struct ib_device *ca;
	struct ib_event_handler event_handler;
	unsigned int nports;
	struct ipib_dev *ports[] __counted_by(nports);
};

/* Completed sends of a send queue (read anywhere, under its syncp). */
static inline void ipib_txq_stats(const struct ipib_txq *txq, u64 *packets,
				  u64 *bytes)
{
	const struct ipib_ring_stats *st = &txq->ring.stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		*packets = st->packets;
		*bytes = st->bytes;
	} while (u64_stats_fetch_retry(&st->syncp, start));
}

/* The slot of send @seq. */
static inline struct ipib_tx_buf *ipib_send_slot(struct ipib_send_ring *ring,
						 unsigned int seq)
{
	return &ring->slots[seq & ring->mask];
}

/* Sends posted and not completed yet; either side of the ring may ask. */
static inline unsigned int
ipib_send_ring_used(const struct ipib_send_ring *ring)
{
	return READ_ONCE(ring->head) - READ_ONCE(ring->tail);
}

/* Slots a new send may still take. */
static inline unsigned int
ipib_send_ring_free(const struct ipib_send_ring *ring)
{
	unsigned int used = ipib_send_ring_used(ring);

	return used >= ring->size ? 0 : ring->size - used;
}

/* No slot left: a new send must be refused. */
static inline bool ipib_send_ring_full(const struct ipib_send_ring *ring)
{
	return !ipib_send_ring_free(ring);
}

/* ipoib_main.c */
extern struct ib_sa_client ipib_sa_client;
extern unsigned int ipib_sendq_size;
extern unsigned int ipib_recvq_size;
extern int ipib_debug_level;
extern int ipib_mcast_debug_level;
extern const struct net_device_ops ipib_netdev_ops;
extern struct workqueue_struct *ipib_flush_wq;
void ipib_carrier_on_queue(struct ipib_dev *dev);
int ipib_bcast_mtu_learned(struct ipib_dev *dev, enum ib_mtu mtu);
bool ipib_port_active(struct ipib_dev *dev);
void ipib_send_skb_queue(struct ipib_dev *dev, struct sk_buff_head *q);
int ipib_dev_up(struct ipib_dev *dev);
void ipib_dev_down(struct ipib_dev *dev);
void ipib_update_pkey(struct ipib_dev *dev);
int ipib_mtu_for_mode(struct ipib_dev *dev);
void ipib_setup(struct net_device *ndev);
void ipib_destructor(struct net_device *ndev);
void ipib_dev_init_fields(struct ipib_dev *dev, struct net_device *ndev);

/* ipoib_verbs.c */
int ipib_verbs_init(struct ipib_dev *dev);
void ipib_verbs_uninit(struct ipib_dev *dev);
int ipib_verbs_resize(struct ipib_dev *dev, unsigned int sendq,
		      unsigned int recvq);
int ipib_verbs_txq_create(struct ipib_dev *dev, struct ipib_txq *txq,
			  unsigned int sendq);
void ipib_verbs_txq_destroy(struct ipib_txq *txq);
unsigned int ipib_verbs_max_txq(struct ipib_dev *dev);
int ipib_set_qkey(struct ipib_dev *dev, u32 qkey);
int ipib_qp_to_rts(struct ipib_dev *dev);
int ipib_qp_modify_state(struct ipib_dev *dev, enum ib_qp_state state);

/* ipoib_ib.c */
int ipib_ib_init(struct ipib_dev *dev);
void ipib_ib_uninit(struct ipib_dev *dev);
void ipib_ib_free(struct ipib_dev *dev);
int ipib_ib_open(struct ipib_dev *dev);
void ipib_ib_stop(struct ipib_dev *dev);
int ipib_ud_resize(struct ipib_dev *dev, unsigned int sendq,
		   unsigned int recvq);
int ipib_ud_set_txqs(struct ipib_dev *dev, unsigned int n);
void ipib_recv_comp(struct ib_cq *cq, void *ctx);
struct sk_buff *ipib_rx_small_skb(unsigned int len);
void ipib_rx_deliver(struct ipib_dev *dev, struct sk_buff *skb, u8 type,
		     u16 slid, const u8 *guid);
void ipib_rx_deliver_rc(struct ipib_dev *dev, struct sk_buff *skb, u16 slid);

/* ipoib_tx.c */
void ipib_ud_send(struct ipib_dev *dev, struct sk_buff *skb,
		  struct ipib_ah *ah, u32 dqpn);
void ipib_send_comp(struct ib_cq *cq, void *ctx);
void ipib_tx_kick(struct ipib_txq *txq);
int ipib_tx_poll(struct napi_struct *napi, int budget);
void ipib_tx_complete(struct ipib_txq *txq, struct ib_wc *wc, int budget);
int ipib_send_ring_retire(struct ipib_dev *dev, struct ipib_send_ring *ring,
			  u64 slot, const struct ib_wc *wc,
			  struct ipib_send_ring *acct, int budget);
int ipib_send_ring_init(struct ipib_send_ring *ring, unsigned int size);
void ipib_send_ring_uninit(struct ipib_send_ring *ring);
int ipib_tx_map(struct ipib_dev *dev, struct ipib_tx_buf *buf,
		struct ib_sge *sge);
void ipib_tx_unmap(struct ipib_dev *dev, struct ipib_tx_buf *buf);
void ipib_tx_maybe_stop(struct ipib_dev *dev, struct ipib_txq *txq);
u16 ipib_select_queue(struct net_device *ndev, struct sk_buff *skb,
		      struct net_device *sb_dev);
void ipib_tx_too_big(struct ipib_dev *dev, struct sk_buff *skb,
		     unsigned int mtu);
void ipib_send_ring_force_free(struct ipib_dev *dev,
			       struct ipib_send_ring *ring);
void ipib_qp_recover_worker(struct work_struct *work);

/* ipoib_ah.c */
struct ipib_ah *ipib_ah_create(struct ipib_dev *dev,
			       struct rdma_ah_attr *attr);
void ipib_ah_put(struct ipib_ah *ah);
void ipib_ah_reap(struct ipib_dev *dev, bool force);
void ipib_ah_init(struct ipib_dev *dev);
void ipib_ah_uninit(struct ipib_dev *dev);

static inline void ipib_ah_get(struct ipib_ah *ah)
{
	refcount_inc(&ah->ref);
}

/* ipoib_path.c */
void ipib_paths_init(struct ipib_dev *dev);
void ipib_paths_start(struct ipib_dev *dev);
void ipib_paths_stop(struct ipib_dev *dev);
void ipib_paths_set_tclass(struct ipib_dev *dev, u8 tclass);
bool ipib_paths_ready(struct ipib_dev *dev);
void ipib_paths_flush(struct ipib_dev *dev);
void ipib_paths_refresh(struct ipib_dev *dev);
bool ipib_paths_guid_of_lid(struct ipib_dev *dev, u16 lid, u8 *guid);
int ipib_paths_watch_neighbours(void);
void ipib_paths_unwatch_neighbours(void);
void ipib_path_arp_xmit(struct ipib_dev *dev, const u8 *daddr,
			struct sk_buff *skb);
int ipib_path_attach_neigh(struct ipib_dev *dev, struct ipib_neigh *neigh);
void ipib_path_kick(struct ipib_dev *dev, struct ipib_path *path);
void ipib_paths_dump(struct ipib_dev *dev, struct seq_file *m);

/* ipoib_neigh.c */
int ipib_neigh_init(struct ipib_dev *dev);
void ipib_neigh_uninit(struct ipib_dev *dev);
void ipib_neigh_xmit(struct ipib_dev *dev, const u8 *daddr,
		     struct sk_buff *skb);
void ipib_neigh_flush(struct ipib_dev *dev);
void ipib_neigh_remove_locked(struct ipib_dev *dev, struct ipib_neigh *neigh,
			      struct sk_buff_head *drop);
void ipib_drop_queue(struct ipib_dev *dev, struct sk_buff_head *q);
void ipib_drop_queue_why(struct ipib_dev *dev, struct sk_buff_head *q,
			 enum ipib_drop_reason why);
void ipib_neigh_gc_start(struct ipib_dev *dev);
void ipib_neigh_gc_stop(struct ipib_dev *dev);

/* ipoib_event.c */
void ipib_event_handler(struct ib_event_handler *handler,
			struct ib_event *event);
void ipib_event_init(struct ipib_dev *dev);
void ipib_event_cancel(struct ipib_dev *dev);
void ipib_flush_queue(struct ipib_dev *dev, enum ipib_flush_level level);
void ipib_tx_timeout_queue(struct ipib_dev *dev);

/* ipoib_ethtool.c */
void ipib_set_ethtool_ops(struct net_device *ndev);
void ipib_set_ethtool_ops_vendor(struct net_device *ndev);

/* ipoib_sysfs.c */
extern const struct attribute_group ipib_parent_attr_group;
extern const struct attribute_group ipib_child_attr_group;

/* ipoib_fs.c */
#ifdef CONFIG_INFINIBAND_IPOIB_DEBUG
int ipib_fs_init(void);
void ipib_fs_uninit(void);
#else
static inline int ipib_fs_init(void)
{
	return 0;
}

static inline void ipib_fs_uninit(void)
{
}
#endif

/* ipoib_netlink.c */
extern struct rtnl_link_ops ipib_link_ops;
int ipib_netlink_init(void);
void ipib_netlink_uninit(void);

/* ipoib_cm*.c */
#ifdef CONFIG_INFINIBAND_IPOIB_CM
int ipib_cm_set_mode(struct ipib_dev *dev, enum ipib_mode mode);
unsigned int ipib_cm_max_mtu(struct ipib_dev *dev);

/* The connection is established: the sender may use it. */
static inline bool ipib_cm_tx_up(struct ipib_cm_tx *tx)
{
	/* pairs with the release in tx_rep(): ring, QP and MTU are set */
	return smp_load_acquire(&tx->up);
}

/* Sends posted on all connections and not yet retired. */
static inline unsigned int ipib_cm_tx_inflight(struct ipib_dev *dev)
{
	return atomic_read(&dev->cm.tx_inflight);
}

/* Sends on all connections leave room for the queue to wake. */
static inline bool ipib_cm_tx_may_wake(struct ipib_dev *dev)
{
	return atomic_read(&dev->cm.tx_inflight) <= ipib_sendq_size / 2;
}

/* One more send on a connection would exceed the shared bound. */
static inline bool ipib_cm_tx_busy(struct ipib_dev *dev)
{
	return atomic_read(&dev->cm.tx_inflight) >= ipib_sendq_size - 1;
}
#else
/* Built without connected mode: only datagram mode can be chosen. */
static inline int ipib_cm_set_mode(struct ipib_dev *dev, enum ipib_mode mode)
{
	if (mode == IPIB_MODE_DATAGRAM)
		return 0;
	netdev_info(dev->ndev,
		    "connected mode not available: built without CONFIG_INFINIBAND_IPOIB_CM\n");
	return -EOPNOTSUPP;
}

static inline unsigned int ipib_cm_max_mtu(struct ipib_dev *dev)
{
	return 0;
}

static inline unsigned int ipib_cm_tx_inflight(struct ipib_dev *dev)
{
	return 0;
}

static inline void ipib_cm_params_fix(void) {}
static inline void ipib_cm_dev_init(struct ipib_dev *dev) {}
static inline unsigned int ipib_cm_send_cqes(struct ipib_dev *dev)
{
	return 0;
}

static inline unsigned int ipib_cm_recv_cqes(struct ipib_dev *dev)
{
	return 0;
}

static inline void ipib_cm_open(struct ipib_dev *dev) {}
static inline void ipib_cm_stop(struct ipib_dev *dev) {}
static inline void ipib_cm_uninit(struct ipib_dev *dev) {}
static inline void ipib_cm_rx_wc(struct ipib_dev *dev, struct ib_wc *wc) {}
static inline void ipib_cm_tx_complete(struct ipib_dev *dev,
				       struct ib_wc *wc, int budget) {}
static inline bool ipib_cm_wanted(struct ipib_dev *dev, const u8 *daddr,
				  const struct sk_buff *skb)
{
	return false;
}

static inline bool ipib_cm_tx_up(struct ipib_cm_tx *tx)
{
	return false;
}

static inline struct ipib_cm_tx *
ipib_cm_tx_get_locked(struct ipib_dev *dev, struct ipib_neigh *neigh,
		      bool *ud)
{
	*ud = true;
	return NULL;
}

static inline void ipib_cm_send(struct ipib_dev *dev, struct ipib_cm_tx *tx,
				struct sk_buff *skb) {}
static inline void ipib_cm_neigh_detach_locked(struct ipib_dev *dev,
					       struct ipib_neigh *neigh) {}
static inline bool ipib_cm_tx_may_wake(struct ipib_dev *dev)
{
	return true;
}

static inline bool ipib_cm_tx_busy(struct ipib_dev *dev)
{
	return false;
}
#endif

/* ipoib_vlan.c */
void ipib_family_init(struct ipib_dev *dev);
int ipib_child_prepare(struct ipib_dev *child, struct ipib_dev *parent,
		       u16 pkey, enum ipib_kind kind);
int ipib_family_link(struct ipib_dev *dev);
void ipib_family_unlink(struct ipib_dev *dev);
void ipib_family_release(struct ipib_dev *dev);
int ipib_child_add_sysfs(struct ipib_dev *parent, int pkey);
int ipib_child_del_sysfs(struct ipib_dev *parent, int pkey);
void ipib_children_kill(struct ipib_dev *parent, struct list_head *kill);
void ipib_children_set_up(struct ipib_dev *parent, bool up);
bool ipib_is_ours(const struct net_device *ndev);

#define ipib_for_each_child(child, dev) \
	list_for_each_entry(child, &(dev)->family.children, family.node)

/* Drop a transmit skb that never reached the ring. */
static inline void ipib_tx_drop(struct ipib_dev *dev, struct sk_buff *skb)
{
	dev_core_stats_tx_dropped_inc(dev->ndev);
	dev_kfree_skb_any(skb);
}

static inline void ipib_count_drop(struct ipib_dev *dev,
				   enum ipib_drop_reason why)
{
	atomic64_inc(&dev->drops[why]);
}

/* Likewise, counting the reason. */
static inline void ipib_tx_drop_why(struct ipib_dev *dev, struct sk_buff *skb,
				    enum ipib_drop_reason why)
{
	ipib_count_drop(dev, why);
	ipib_tx_drop(dev, skb);
}

/* Our state of an interface, on either path (see ipoib_rn.c). */
static inline struct ipib_dev *ipib_priv(const struct net_device *ndev)
{
	return ipib_rn(ndev)->clnt_priv;
}

/* The vendor's offload carries the data path (not our UD QP). */
static inline bool ipib_is_vendor(const struct ipib_dev *dev)
{
	return dev->rn.ops;
}

/* Send on the vendor's QP or ours. */
static inline void ipib_send(struct ipib_dev *dev, struct sk_buff *skb,
			     struct ipib_ah *ah, u32 dqpn)
{
	if (ipib_is_vendor(dev))
		ipib_rn_send(dev, skb, ah, dqpn);
	else
		ipib_ud_send(dev, skb, ah, dqpn);
}

static inline u32 ipib_addr_qpn(const u8 *hwaddr)
{
	return (hwaddr[1] << 16) | (hwaddr[2] << 8) | hwaddr[3];
}

#define ipib_dbg(dev, fmt, ...)						\
	do {								\
		if (ipib_debug_level > 0)				\
			netdev_printk(KERN_DEBUG, (dev)->ndev, fmt, \
				      ##__VA_ARGS__);	\
	} while (0)

#define ipib_warn(dev, fmt, ...)					\
	net_warn_ratelimited("%s: " fmt, (dev)->ndev->name, ##__VA_ARGS__)

#endif /* _IPIB_IPOIB_H */
