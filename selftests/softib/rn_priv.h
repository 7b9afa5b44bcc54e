/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softib rdma_netdev internals, shared by rnetdev.c (contract, netdev ops,
 * lifetime), rn_data.c (send, receive, NAPI) and rn_ethtool.c.
 *
 * Model.  Every IPoIB net_device on an enhanced HCA port owns an underlay
 * UD QP of softib (an ordinary sib_qp: it has a QPN, is found by the
 * fabric's QPN lookup and attaches to multicast groups), marked with
 * sib_qp.rn so that the fabric hands its datagrams to sib_rn_rx() instead
 * of consuming posted receives.  The first net_device of a port is the
 * parent: it owns the receive channels (one NAPI and one packet queue
 * each).  P_Key children own an underlay QP but share the parent's
 * receive channels: a flow hash picks the channel, the destination QPN the
 * net_device.  Sending is synchronous: send() copies (and segments) the
 * skb into the fabric before it returns, so it never needs the AH again.
 */
#ifndef _SOFTIB_RN_PRIV_H
#define _SOFTIB_RN_PRIV_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <rdma/ib_verbs.h>

#include "softib.h"

#define SIB_RN_MAX_CH		4	/* channels (TX = RX queues) */
#define SIB_RN_RING_DEF		512
#define SIB_RN_RING_MIN		64
#define SIB_RN_RING_MAX		8192
#define SIB_RN_QKEY		0x0b1b	/* until IPoIB sets the group's */
#define SIB_RN_PSEUDO_LEN	20	/* IPoIB's pseudo header */
#define SIB_RN_ENCAP_LEN	4	/* IPoIB header on the wire */

/* Per channel counters of one net_device; written by one context each. */
struct sib_rn_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
};

/*
 * One receive channel of a parent.  q.lock guards q and up; napi runs only
 * while enabled (RTNL: open, stop, set_channels).
 */
struct sib_rn_chan {
	struct napi_struct napi;
	struct sk_buff_head q;		/* skbs waiting for the NAPI poll */
	bool up;			/* accepting packets (under q.lock) */
	bool enabled;			/* napi enabled (RTNL) */
	unsigned int ix;
};

/* One transmit channel: txlock guards buf (the wire image of a packet). */
struct sib_rn_txch {
	spinlock_t txlock;		/* buf, this channel's tx stats */
	u8 *buf;			/* one MTU-sized datagram */
};

/*
 * The net_device private area; struct rdma_netdev must come first (the
 * rdma_netdev contract).  Fields written at init/uninit and under RTNL
 * (parent, qp, open, nch, rings, nchildren) are read locklessly on the
 * data path with READ_ONCE; qkey and pkey_index are written by IPoIB's
 * attach and set_id calls (RTNL or IPoIB's work queue) and read with
 * READ_ONCE.  The stats of each channel have a single writer: the TX
 * channel's txlock holder (tx) or the parent's NAPI poll of that channel
 * (rx); the drop counters are atomic.
 */
struct sib_rn {
	struct rdma_netdev rn;
	struct net_device *ndev;
	struct sib_dev *sdev;
	struct sib_port *port;
	struct sib_rn *parent;		/* self for the parent */
	unsigned int nchildren;		/* parent: children alive */
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *qp;		/* the underlay UD QP */
	u32 qkey;
	u16 pkey_index;
	bool open;
	unsigned int nch;		/* channels in use */
	u32 rx_ring;			/* packets queued per RX channel */
	u32 tx_ring;			/* reported only: TX is synchronous */
	struct sib_rn_chan ch[SIB_RN_MAX_CH];	/* parent only */
	struct sib_rn_txch txch[SIB_RN_MAX_CH];
	struct sib_rn_stats rx[SIB_RN_MAX_CH];
	struct sib_rn_stats tx[SIB_RN_MAX_CH];
	atomic64_t rx_dropped;		/* queue full, channel down, no memory */
	atomic64_t tx_dropped;		/* too long, malformed LSO, down */
};

static inline struct sib_rn *sib_rn(struct net_device *ndev)
{
	return netdev_priv(ndev);
}

static inline void sib_rn_stat_add(struct sib_rn_stats *s, u64 bytes)
{
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, bytes);
	u64_stats_update_end(&s->syncp);
}

/* rn_data.c */
int sib_rn_send(struct net_device *ndev, struct sk_buff *skb,
		struct ib_ah *ah, u32 dqpn);
int sib_rn_poll(struct napi_struct *napi, int budget);
void sib_rn_purge(struct sib_rn *parent, struct net_device *only);

/* rnetdev.c */
void sib_rn_stats_read(struct sib_rn_stats *s, u64 *packets, u64 *bytes);
int sib_rn_set_channels(struct sib_rn *srn, unsigned int nch);

/* rn_ethtool.c */
extern const struct ethtool_ops sib_rn_ethtool_ops;

#endif /* _SOFTIB_RN_PRIV_H */
