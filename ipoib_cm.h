/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connected mode (RFC 4755): unicast IPoIB over RC connections set up
 * through the IB CM.
 *
 * Every interface listens for connections on the service ID
 * IPIB_CM_SERVICE_PREFIX | its UD QPN while it is open, whatever its mode
 * (the RC-capable flag in its hardware address promises that); in
 * connected mode it also opens one connection of its own toward every
 * unicast neighbour whose address carries the flag, and sends its unicast
 * IP traffic there.  Each peer pair therefore uses two connections, each
 * carrying one direction.
 *
 * Objects and owners:
 *  - struct ipib_cm (dev->cm) is the connected-mode state of one
 *    interface: the SRQ and its buffers, the listener, the lists of
 *    connections and the work that sets them up and reaps them.
 *  - struct ipib_cm_tx is an active (sending) connection.  The neighbour
 *    it serves points at it (neigh->cm, RCU); dev->cm.tx_list owns it.
 *    Detaching it from its neighbour marks it dead; the CM work then
 *    destroys its CM ID and QP after an RCU grace period (no transmit can
 *    still use it) and after every send posted on it has completed.
 *  - struct ipib_cm_rx is a passive (receiving) connection, owned by
 *    dev->cm.rx_list.  It dies in steps: QP to ERR, then (SRQ) the Last
 *    WQE Reached event and a drain WR whose flush completion proves that
 *    no completion of the QP is left in the CQ, or (own ring) the return
 *    of its last buffer; the CM work then destroys it.
 *
 * Completions share the UD CQs: receives, and the passive QPs' drain WR,
 * go to the receive CQ (RX NAPI), sends of active QPs to the send CQ (TX
 * NAPI).  IPIB_WR_CM in the WR id tells them apart, the QP's context the
 * connection.
 */
#ifndef _IPIB_IPOIB_CM_H
#define _IPIB_IPOIB_CM_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_sa.h>

struct ipib_dev;
struct ipib_neigh;
struct ipib_send_ring;
struct page_pool;
struct seq_file;
struct sk_buff;
struct ib_cm_id;
struct ib_cm_event;

#define IPIB_CM_SERVICE_PREFIX	0x1000000000000000ULL
#define IPIB_FLAG_RC		0x80	/* hardware address byte 0 */
#define IPIB_CM_BUF_SIZE	65524	/* 65520-byte MTU + 4-byte header */
#define IPIB_CM_MAX_FRAGS	DIV_ROUND_UP(IPIB_CM_BUF_SIZE, PAGE_SIZE)
#define IPIB_WR_CM		BIT_ULL(31)
#define IPIB_CM_DRAIN_WRID	(IPIB_WR_CM | 0x7fffffff)

/* Private data of the REQ and the REP (RFC 4755): UD QPN, receive size. */
struct ipib_cm_data {
	__be32 qpn;
	__be32 mtu;
};

/* One receive buffer: pages[0..nfrags-1], each mapped for the device. */
struct ipib_cm_rx_buf {
	struct page *pages[IPIB_CM_MAX_FRAGS];
	u64 mapping[IPIB_CM_MAX_FRAGS];
};

/*
 * struct ipib_cm_rx_ring - the SRQ's buffers, or one connection's own
 * @bufs: @size buffers; the WR id is the index (with IPIB_WR_CM)
 * @size: number of buffers
 * @posted: buffers posted and not completed yet
 *
 * Filled before the QP (or SRQ) can receive, then owned by the RX NAPI
 * until the QP is gone.
 */
struct ipib_cm_rx_ring {
	struct ipib_cm_rx_buf *bufs;
	unsigned int size;
	unsigned int posted;
};

enum ipib_cm_rx_state {
	IPIB_CM_RX_LIVE,
	IPIB_CM_RX_ERROR,	/* QP moved to ERR, waiting for its flush */
	IPIB_CM_RX_FLUSHED,	/* SRQ: Last WQE Reached, drain not posted */
	IPIB_CM_RX_DRAINING,	/* SRQ: the drain WR is posted */
	IPIB_CM_RX_DEAD,	/* nothing of it left in the CQ: reap */
};

/**
 * struct ipib_cm_rx - a passive connection
 * @node: in dev->cm.rx_list
 * @dev: the interface
 * @id: its CM ID
 * @qp: its RC QP (context: this connection)
 * @ring: its own buffers when the interface has no SRQ
 * @state: where it is in its teardown (dev->cm.lock)
 * @remote_qpn: the peer's QPN
 * @peer_qpn: the peer's UD QPN (REQ private data): with @peer_gid, which
 *	interface connected
 * @replaced: the same peer interface connected again; this one is stale
 *	(dev->cm.lock)
 * @peer_gid: the peer's GID
 * @created: jiffies when it was accepted
 * @last_rx: jiffies of its last receive (RX NAPI, READ_ONCE elsewhere)
 */
struct ipib_cm_rx {
	struct list_head node;
	struct ipib_dev *dev;
	struct ib_cm_id *id;
	struct ib_qp *qp;
	struct ipib_cm_rx_ring ring;
	enum ipib_cm_rx_state state;
	u32 remote_qpn;
	u32 peer_qpn;
	bool replaced;
	union ib_gid peer_gid;
	unsigned long created;
	unsigned long last_rx;
};

enum ipib_cm_tx_state {
	IPIB_CM_TX_START,	/* waits for the CM work to send the REQ */
	IPIB_CM_TX_PENDING,	/* REQ sent (or being sent) */
	IPIB_CM_TX_UP,		/* REP received, QP in RTS */
	IPIB_CM_TX_DEAD,	/* detached from its neighbour: reap */
};

/**
 * struct ipib_cm_tx - an active connection toward one neighbour
 * @node: in dev->cm.tx_list
 * @dev: the interface
 * @neigh: the neighbour it serves, NULL once detached (dev->lock)
 * @id: its CM ID (the CM work; constant once the REQ is sent)
 * @qp: its RC QP (likewise; context: this connection)
 * @ring: posted sends (see struct ipib_send_ring: the producer is the
 *	transmit path while @up, the consumer the TX NAPI)
 * @path: the PathRecord the REQ uses (copied at creation)
 * @addr: the neighbour's hardware address
 * @state: dev->cm.lock; written under dev->lock too when it dies
 * @up: the QP is in RTS and @mtu is known (release/acquire)
 * @mtu: the largest IPoIB payload the peer takes (its receive size - 4)
 * @remote_qpn: the peer's RC QPN (from the REP)
 * @created: jiffies at creation
 * @rcu: freed after a grace period, for the TX NAPI's last look
 */
struct ipib_cm_tx {
	struct list_head node;
	struct ipib_dev *dev;
	struct ipib_neigh *neigh;
	struct ib_cm_id *id;
	struct ib_qp *qp;
	struct ipib_send_ring *ring;
	struct sa_path_rec path;
	u8 addr[20];
	enum ipib_cm_tx_state state;
	bool up;
	unsigned int mtu;
	u32 remote_qpn;
	unsigned long created;
	struct rcu_head rcu;
};

/**
 * struct ipib_cm_stats - connected-mode events, for debugfs
 * @tx_created: active connections started
 * @tx_up: active connections that got a REP
 * @tx_failed: active connections that failed (REJ, timeout, send error)
 * @rx_accepted: passive connections accepted
 * @rx_rejected: REQs refused (no resources, interface stopping)
 * @too_big: packets answered with "fragmentation needed"/"too big"
 */
struct ipib_cm_stats {
	atomic64_t tx_created;
	atomic64_t tx_up;
	atomic64_t tx_failed;
	atomic64_t rx_accepted;
	atomic64_t rx_rejected;
	atomic64_t too_big;
};

/**
 * struct ipib_cm - connected-mode state of one interface
 * @capable: the interface can take part (RC flag published); constant
 *	after ndo_init
 * @use_srq: receives go through an SRQ (the device has them); constant
 *	after ndo_init
 * @nfrags: receive SGEs per buffer; constant after ndo_init
 * @max_nonsrq: passive connections allowed without an SRQ (the parameter,
 *	limited by the receive CQ); constant after ndo_init
 * @rx_size: bytes of one receive buffer, advertised in REQ and REP;
 *	constant after ndo_init
 * @srq: the SRQ while the interface is open (RTNL)
 * @srq_ring: its buffers (RX NAPI while open); posted with the first
 *	connection, under @srq_mutex
 * @srq_mutex: serialises that filling
 * @srq_filled: every SRQ buffer is posted (@srq_mutex)
 * @pool: where the RX NAPI takes the pages that replace the ones a
 *	packet leaves with; the stack gives them back when it frees the
 *	packet.  Created by ipib_cm_rx_open() (RTNL), destroyed by
 *	ipib_cm_rx_close() once no passive QP is left; only the RX NAPI
 *	allocates from it, so allocations never run concurrently.  NULL:
 *	fresh pages from the page allocator.
 * @listen_id: the listener while open (RTNL)
 * @lock: protects @running, @rx_list, @tx_list, @nonsrq_count,
 *	@req_busy, @reaping, @drain_posted and the state of every connection; BH, inside
 *	dev->lock
 * @running: connections may be accepted and started (open to stop)
 * @rx_list: passive connections
 * @tx_list: active connections
 * @nonsrq_count: passive connections with their own ring
 * @req_busy: REQs being accepted (their QP exists, not yet listed)
 * @reaping: batches of connections taken off their list, being destroyed
 * @drain_posted: a drain WR is in flight (one at a time: the receive CQ
 *	has room for one)
 * @tx_inflight: sends posted on all active connections, not completed
 * @work: starts, and reaps, connections (dev->wq)
 * @stale_work: moves idle passive connections to ERR (dev->wq)
 * @stats: counters
 */
struct ipib_cm {
	bool capable;
	bool use_srq;
	unsigned int nfrags;
	unsigned int max_nonsrq;
	unsigned int rx_size;
	struct ib_srq *srq;
	struct ipib_cm_rx_ring srq_ring;
	struct mutex srq_mutex;	/* see above */
	bool srq_filled;
	struct page_pool *pool;
	struct ib_cm_id *listen_id;
	spinlock_t lock;	/* see above */
	bool running;
	struct list_head rx_list;
	struct list_head tx_list;
	unsigned int nonsrq_count;
	unsigned int req_busy;
	unsigned int reaping;
	bool drain_posted;
	atomic_t tx_inflight;
	struct work_struct work;
	struct delayed_work stale_work;
	struct ipib_cm_stats stats;
};

#ifdef CONFIG_INFINIBAND_IPOIB_CM
extern int ipib_max_nonsrq;

/* ipoib_cm.c */
void ipib_cm_params_fix(void);
void ipib_cm_dev_init(struct ipib_dev *dev);
unsigned int ipib_cm_send_cqes(struct ipib_dev *dev);
unsigned int ipib_cm_recv_cqes(struct ipib_dev *dev);
void ipib_cm_open(struct ipib_dev *dev);
void ipib_cm_stop(struct ipib_dev *dev);
void ipib_cm_uninit(struct ipib_dev *dev);
void ipib_cm_dump(struct ipib_dev *dev, struct seq_file *m);
void ipib_cm_worker(struct work_struct *work);
void ipib_cm_reap_done(struct ipib_dev *dev);

/* ipoib_cm_rx.c */
int ipib_cm_rx_open(struct ipib_dev *dev);
void ipib_cm_rx_stop(struct ipib_dev *dev);
void ipib_cm_rx_close(struct ipib_dev *dev);
bool ipib_cm_rx_idle(struct ipib_dev *dev);
void ipib_cm_rx_reap(struct ipib_dev *dev, bool force);
void ipib_cm_rx_wc(struct ipib_dev *dev, struct ib_wc *wc);
void ipib_cm_stale_worker(struct work_struct *work);
void ipib_cm_rx_dump(struct ipib_dev *dev, struct seq_file *m);

/* ipoib_cm_tx.c */
bool ipib_cm_wanted(struct ipib_dev *dev, const u8 *daddr,
		    const struct sk_buff *skb);
struct ipib_cm_tx *ipib_cm_tx_get_locked(struct ipib_dev *dev,
					 struct ipib_neigh *neigh, bool *ud);
void ipib_cm_send(struct ipib_dev *dev, struct ipib_cm_tx *tx,
		  struct sk_buff *skb);
int ipib_cm_tx_handler(struct ib_cm_id *id, const struct ib_cm_event *ev);
void ipib_cm_tx_complete(struct ipib_dev *dev, struct ib_wc *wc, int budget);
void ipib_cm_neigh_detach_locked(struct ipib_dev *dev,
				 struct ipib_neigh *neigh);
void ipib_cm_tx_start(struct ipib_dev *dev);
void ipib_cm_tx_reap(struct ipib_dev *dev, bool force);
bool ipib_cm_tx_idle(struct ipib_dev *dev);
void ipib_cm_tx_kill_all(struct ipib_dev *dev);
void ipib_cm_tx_dump(struct ipib_dev *dev, struct seq_file *m);

#endif /* CONFIG_INFINIBAND_IPOIB_CM */

#endif /* _IPIB_IPOIB_CM_H */
