// SPDX-License-Identifier: GPL-2.0
/*
 * UD data path: the receive ring and its NAPI poller, and the open/stop
 * (drain) sequence of the UD QP.  The send ring is in ipoib_tx.c, address
 * handles in ipoib_ah.c.
 *
 * A receive buffer is one page (of the order that holds the GRH and an
 * IB MTU) from the ring's page pool.  A small packet is copied out of it;
 * a larger one goes up in it, as the fragment of an skb with a small slab
 * head, and a page from the pool takes its place.  The stack gives the
 * page back to the pool when it frees the packet, so at a steady rate no
 * buffer is allocated, zeroed or freed per packet.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/delay.h>
#include <rdma/ib_verbs.h>
#include <net/page_pool/helpers.h>

#include "ipoib.h"

#define IPIB_DRAIN_TIMEOUT	(5 * HZ)

/* ------------------------------------------------------------------ */
/* Receive ring                                                        */

static int rx_post(struct ipib_dev *dev, unsigned int idx)
{
	struct ipib_rx_buf *buf = &dev->ud.rx.slots[idx];
	struct ib_sge sge = {
		.addr = buf->mapping,
		.length = dev->ud.rx_buf_size,
		.lkey = dev->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_id = idx,
		.sg_list = &sge,
		.num_sge = 1,
	};
	int rc;

	rc = ib_post_recv(dev->qp, &wr, NULL);
	if (unlikely(rc))
		ipib_warn(dev, "receive post failed: %d\n", rc);
	else
		dev->ud.rx.posted++;
	return rc;
}

/* A mapped page for a receive buffer, from the ring's pool. */
static struct page *rx_page_get(struct ipib_dev *dev, u64 *mapping,
				gfp_t gfp)
{
	struct page_pool *pool = dev->ud.rx.pool;
	struct page *page;
	u64 addr;

	page = page_pool_alloc_pages(pool, gfp | __GFP_NOWARN);
	if (unlikely(!page))
		return NULL;
	addr = ib_dma_map_page(dev->ca, page, 0, dev->ud.rx_buf_size,
			       DMA_FROM_DEVICE);
	if (unlikely(ib_dma_mapping_error(dev->ca, addr))) {
		page_pool_put_full_page(pool, page, false);
		return NULL;
	}
	*mapping = addr;
	return page;
}

static void rx_free(struct ipib_dev *dev, struct ipib_rx_buf *buf)
{
	if (!buf->page)
		return;
	ib_dma_unmap_page(dev->ca, buf->mapping, dev->ud.rx_buf_size,
			  DMA_FROM_DEVICE);
	page_pool_put_full_page(dev->ud.rx.pool, buf->page, false);
	buf->page = NULL;
}

/*
 * The pool keeps what the stack gave back until the RX NAPI needs it, up
 * to twice the ring (what a busy socket can hold on to at once).  No DMA
 * mapping of its own: the pages are mapped through the IB device, which
 * a software device does without a struct device.
 */
static int rx_pool_create(struct ipib_dev *dev)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	struct page_pool_params pp = {
		.order = get_order(dev->ud.rx_buf_size),
		.pool_size = 2 * ring->size,
		.nid = NUMA_NO_NODE,
		.netdev = dev->ndev,
	};
	struct page_pool *pool;

	pool = page_pool_create(&pp);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	ring->pool = pool;
	ring->truesize = PAGE_SIZE << pp.order;
	return 0;
}

static int rx_ring_fill(struct ipib_dev *dev)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int i;
	int rc;

	rc = rx_pool_create(dev);
	if (rc)
		return rc;
	for (i = 0; i < ring->size; i++) {
		struct ipib_rx_buf *buf = &ring->slots[i];

		buf->page = rx_page_get(dev, &buf->mapping, GFP_KERNEL);
		if (!buf->page)
			return -ENOMEM;
		if (rx_post(dev, i))
			return -EIO;
	}
	return 0;
}

/* Pages the stack still holds keep the pool alive until they come back. */
static void rx_ring_free(struct ipib_dev *dev)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int i;

	for (i = 0; i < ring->size; i++)
		rx_free(dev, &ring->slots[i]);
	ring->posted = 0;
	page_pool_destroy(ring->pool);
	ring->pool = NULL;
}

/* @qpn is the QPN of one of our send queues. */
static bool rx_from_our_qp(struct ipib_ud *ud, u32 qpn)
{
	unsigned int q;

	for (q = 0; q < ud->num_txq; q++)
		if (ud->send_qpns[q] == qpn)
			return true;
	return false;
}

/*
 * Our own multicast sends come back to our QP, from whichever send queue
 * sent them; drop them unless a GRH shows they came from another port
 * with the same LID.
 */
static bool rx_is_own_loopback(struct ipib_dev *dev, struct ib_wc *wc,
			       const struct ib_grh *grh)
{
	if (wc->slid != dev->local_lid || !rx_from_our_qp(&dev->ud, wc->src_qp))
		return false;
	if (grh && grh->sgid.global.interface_id !=
		   dev->local_gid.global.interface_id)
		return false;
	return true;
}

static u8 rx_pkt_type(struct ipib_dev *dev, const struct ib_grh *grh)
{
	if (!grh || grh->dgid.raw[0] != 0xff)
		return PACKET_HOST;
	if (!memcmp(grh->dgid.raw, dev->ndev->broadcast + 4, sizeof(grh->dgid)))
		return PACKET_BROADCAST;
	return PACKET_MULTICAST;
}

/**
 * ipib_rx_small_skb - an skb for a small received packet to be copied into
 * @len: bytes of packet data
 *
 * RX NAPI context.  The head comes from the slab, with the NAPI cache's
 * sk_buff: napi_alloc_skb() would cut small heads from a page of its own,
 * a fresh page every four packets, never reused; a slab head is recycled
 * as soon as the packet before it is freed.
 *
 * Return: the skb with @len bytes of room (and NET_SKB_PAD, NET_IP_ALIGN
 * of headroom), or NULL.
 */
struct sk_buff *ipib_rx_small_skb(unsigned int len)
{
	unsigned int pad = NET_SKB_PAD + NET_IP_ALIGN;
	struct sk_buff *skb;

	skb = __alloc_skb(len + pad, GFP_ATOMIC | __GFP_NOWARN,
			  SKB_ALLOC_RX | SKB_ALLOC_NAPI, NUMA_NO_NODE);
	if (likely(skb))
		skb_reserve(skb, pad);
	return skb;
}

/*
 * Put the sender into the pseudo header (struct ipib_rx_source) in front
 * of the IPoIB header, where header_ops->parse finds it, set the skb up
 * for the stack and count it.  RX NAPI context.
 */
static void rx_prepare(struct ipib_dev *dev, struct sk_buff *skb, u8 type,
		       u16 slid, const u8 *guid)
{
	struct ipib_ring_stats *st = &dev->ud.rx.stats;
	struct ipib_header *hdr = (struct ipib_header *)skb->data;
	struct ipib_rx_source src = { .slid = cpu_to_be16(slid) };

	skb->protocol = hdr->proto;
	/* @guid may point into the headroom about to be overwritten */
	if (guid)
		memcpy(src.guid, guid, sizeof(src.guid));
	memcpy(skb_push(skb, sizeof(src)), &src, sizeof(src));
	skb_reset_mac_header(skb);
	skb_pull(skb, IPIB_HARD_LEN);
	skb->pkt_type = type;
	skb->dev = dev->ndev;

	u64_stats_update_begin(&st->syncp);
	st->packets++;
	st->bytes += skb->len;
	if (type != PACKET_HOST)
		st->multicast++;
	u64_stats_update_end(&st->syncp);
}

/**
 * ipib_rx_deliver - hand a received packet to the stack, through GRO
 * @dev: the interface
 * @skb: the packet, at its IPoIB header, headroom for the pseudo header
 * @type: PACKET_HOST, PACKET_BROADCAST or PACKET_MULTICAST
 * @slid: the sender's LID
 * @guid: the sender's port GUID (8 bytes) when the packet had a GRH, or NULL
 *
 * RX NAPI context; counts the packet.
 */
void ipib_rx_deliver(struct ipib_dev *dev, struct sk_buff *skb, u8 type,
		     u16 slid, const u8 *guid)
{
	rx_prepare(dev, skb, type, slid, guid);
	napi_gro_receive(&dev->ud.napi_rx, skb);
}

/**
 * ipib_rx_deliver_rc - hand a packet of a connection to the stack
 * @dev: the interface
 * @skb: the packet, at its IPoIB header, headroom for the pseudo header
 * @slid: the sender's LID
 *
 * RX NAPI context; counts the packet.  GRO only merges packets that fit
 * in gro_max_size together: with an MTU above half of it (connected
 * mode's 65520) it never can, and the packet goes straight up, without
 * GRO's protocol walk and the batched list delivery.
 */
void ipib_rx_deliver_rc(struct ipib_dev *dev, struct sk_buff *skb, u16 slid)
{
	struct net_device *ndev = dev->ndev;

	rx_prepare(dev, skb, PACKET_HOST, slid, NULL);
	if (2 * READ_ONCE(ndev->mtu) > READ_ONCE(ndev->gro_max_size))
		netif_receive_skb(skb);
	else
		napi_gro_receive(&dev->ud.napi_rx, skb);
}

static void rx_deliver(struct ipib_dev *dev, struct ib_wc *wc,
		       struct sk_buff *skb, const struct ib_grh *grh)
{
	u8 type = rx_pkt_type(dev, grh);

	if ((dev->ndev->features & NETIF_F_RXCSUM) &&
	    (wc->wc_flags & IB_WC_IP_CSUM_OK))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	ipib_rx_deliver(dev, skb, type, wc->slid,
			grh ? grh->sgid.raw + 8 : NULL);
}

/*
 * A small packet is copied into an skb of its own size and the receive
 * buffer goes straight back to the ring: no buffer of MTU size allocated
 * and mapped per packet, and a truesize that matches the packet (ACKs,
 * ARP, small datagrams).  False: the caller passes the buffer up instead.
 */
static bool rx_copybreak(struct ipib_dev *dev, struct ib_wc *wc,
			 struct ipib_rx_buf *buf, const struct ib_grh *grh)
{
	unsigned int len = wc->byte_len - IPIB_GRH_LEN;
	struct sk_buff *skb;

	if (len > IPIB_RX_COPYBREAK)
		return false;
	skb = ipib_rx_small_skb(len);
	if (unlikely(!skb))
		return false;
	ib_dma_sync_single_for_cpu(dev->ca, buf->mapping + IPIB_GRH_LEN, len,
				   DMA_FROM_DEVICE);
	skb_put_data(skb, page_address(buf->page) + IPIB_GRH_LEN, len);
	ib_dma_sync_single_for_device(dev->ca, buf->mapping + IPIB_GRH_LEN,
				      len, DMA_FROM_DEVICE);
	if ((dev->ndev->features & NETIF_F_RXCSUM) &&
	    (wc->wc_flags & IB_WC_IP_CSUM_OK))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	/* reads the GRH in the buffer: before the buffer is posted again */
	ipib_rx_deliver(dev, skb, rx_pkt_type(dev, grh), wc->slid,
			grh ? grh->sgid.raw + 8 : NULL);
	return true;
}

static void rx_handle_error(struct ipib_dev *dev, struct ib_wc *wc,
			    unsigned int idx)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR || !READ_ONCE(dev->qp_ready)) {
		rx_free(dev, &dev->ud.rx.slots[idx]);
		return;
	}
	/* keep the ring full: the buffer goes straight back */
	ipib_warn(dev, "receive completion error %d (vendor %#x)\n",
		  wc->status, wc->vendor_err);
	atomic64_inc(&dev->ud.rx.errors);
	rx_post(dev, idx);
}

/*
 * A packet above the copybreak goes up in the page it arrived in, behind
 * a slab head; a page from the pool takes its place in @buf first, so a
 * failure (NULL) loses nothing.
 */
static struct sk_buff *rx_page_skb(struct ipib_dev *dev, struct ib_wc *wc,
				   struct ipib_rx_buf *buf)
{
	unsigned int len = wc->byte_len - IPIB_GRH_LEN;
	struct page *page = buf->page;
	u64 map = buf->mapping;
	struct sk_buff *skb;

	skb = ipib_rx_small_skb(IPIB_RX_HEAD);
	if (unlikely(!skb))
		return NULL;
	buf->page = rx_page_get(dev, &buf->mapping, GFP_ATOMIC);
	if (unlikely(!buf->page)) {
		buf->page = page;
		buf->mapping = map;
		dev_kfree_skb_any(skb);
		return NULL;
	}
	ib_dma_unmap_page(dev->ca, map, dev->ud.rx_buf_size, DMA_FROM_DEVICE);
	skb_add_rx_frag(skb, 0, page, IPIB_GRH_LEN, len, dev->ud.rx.truesize);
	/* the page goes back to the pool when the stack frees the skb */
	skb_mark_for_recycle(skb);
	if (unlikely(!pskb_may_pull(skb, min(len, IPIB_RX_HEAD)))) {
		dev_kfree_skb_any(skb);
		return NULL;
	}
	return skb;
}

static void rx_handle_wc(struct ipib_dev *dev, struct ib_wc *wc)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int idx = wc->wr_id;
	const struct ib_grh *grh = NULL;
	struct ipib_rx_buf *buf;
	struct sk_buff *skb;

	if (unlikely(idx >= ring->size))
		return;
	buf = &ring->slots[idx];
	ring->posted--;
	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		rx_handle_error(dev, wc, idx);
		return;
	}

	ib_dma_sync_single_for_cpu(dev->ca, buf->mapping, IPIB_GRH_LEN,
				   DMA_FROM_DEVICE);
	/* the GRH stays readable in the page, which the skb holds */
	if (wc->wc_flags & IB_WC_GRH)
		grh = page_address(buf->page);
	if (unlikely(wc->byte_len < IPIB_GRH_LEN + IPIB_ENCAP_LEN)) {
		ipib_count_drop(dev, IPIB_DROP_RX_LENGTH);
		dev_core_stats_rx_dropped_inc(dev->ndev);
		goto repost;
	}
	if (unlikely(rx_is_own_loopback(dev, wc, grh)) ||
	    rx_copybreak(dev, wc, buf, grh))
		goto repost;

	skb = rx_page_skb(dev, wc, buf);
	if (unlikely(!skb)) {
		ipib_count_drop(dev, IPIB_DROP_RX_NOMEM);
		dev_core_stats_rx_dropped_inc(dev->ndev);
		goto repost;
	}
	rx_post(dev, idx);
	rx_deliver(dev, wc, skb, grh);
	return;

repost:
	ib_dma_sync_single_for_device(dev->ca, buf->mapping, IPIB_GRH_LEN,
				      DMA_FROM_DEVICE);
	rx_post(dev, idx);
}

static int rx_poll(struct napi_struct *napi, int budget)
{
	struct ipib_dev *dev = container_of(napi, struct ipib_dev, ud.napi_rx);
	struct ipib_recv_ring *ring = &dev->ud.rx;
	int done = 0;

	while (done < budget) {
		int n, i;

		n = ib_poll_cq(dev->ud.recv_cq,
			       min(budget - done, IPIB_WC_BATCH), ring->wc);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (ring->wc[i].wr_id & IPIB_WR_CM)
				ipib_cm_rx_wc(dev, &ring->wc[i]);
			else
				rx_handle_wc(dev, &ring->wc[i]);
		}
		done += n;
	}

	if (done < budget && napi_complete_done(napi, done) &&
	    ib_req_notify_cq(dev->ud.recv_cq, IB_CQ_NEXT_COMP |
			     IB_CQ_REPORT_MISSED_EVENTS) > 0)
		napi_schedule(napi);
	return done;
}

void ipib_recv_comp(struct ib_cq *cq, void *ctx)
{
	struct ipib_dev *dev = ctx;

	napi_schedule(&dev->ud.napi_rx);
}

/* ------------------------------------------------------------------ */
/* Open and stop                                                       */

static void qp_drain(struct ipib_dev *dev);

/*
 * Enable the RX NAPI and every send queue's, and poll each CQ once.  The
 * receive CQ is armed here; a send CQ only by its NAPI, while sends are in
 * flight (see struct ipib_txq).
 */
static void napis_start(struct ipib_dev *dev)
{
	struct ipib_ud *ud = &dev->ud;
	unsigned int q;

	napi_enable(&ud->napi_rx);
	for (q = 0; q < ud->num_txq; q++) {
		ud->txq[q].cq_armed = false;
		napi_enable(&ud->txq[q].napi);
	}
	ud->napi_on = true;
	ib_req_notify_cq(ud->recv_cq, IB_CQ_NEXT_COMP);
	local_bh_disable();
	napi_schedule(&ud->napi_rx);
	for (q = 0; q < ud->num_txq; q++)
		napi_schedule(&ud->txq[q].napi);
	local_bh_enable();
}

/**
 * ipib_ib_open - bring the UD QP to RTS with a full receive ring
 * @dev: the interface
 *
 * On the vendor path, the vendor's ndo_open instead.
 *
 * Return: 0 or a negative errno (everything undone).
 */
int ipib_ib_open(struct ipib_dev *dev)
{
	int rc;

	ASSERT_RTNL();
	if (ipib_is_vendor(dev))
		return ipib_rn_open(dev);
	if (dev->qp_ready)
		return 0;

	rc = ipib_qp_to_rts(dev);
	if (rc)
		goto err_out;
	rc = rx_ring_fill(dev);
	if (rc)
		goto err_reset_qp;

	WRITE_ONCE(dev->qp_ready, true);
	ipib_cm_open(dev);
	napis_start(dev);
	return 0;

err_reset_qp:
	/* some receives may be posted: flush them out like a stop does */
	qp_drain(dev);
err_out:
	return rc;
}

static void drain_cqs(struct ipib_dev *dev)
{
	struct ipib_recv_ring *rx = &dev->ud.rx;
	struct ib_wc *wc = rx->wc;
	unsigned int q;
	int n, i;

	/* connected mode stopped first: its completions are all taken */
	while ((n = ib_poll_cq(dev->ud.recv_cq, IPIB_WC_BATCH, wc)) > 0)
		for (i = 0; i < n; i++) {
			if (wc[i].wr_id & IPIB_WR_CM)
				continue;
			if (wc[i].wr_id < rx->size)
				rx_free(dev, &rx->slots[wc[i].wr_id]);
			rx->posted--;
		}
	for (q = 0; q < dev->ud.num_txq; q++) {
		struct ipib_txq *txq = &dev->ud.txq[q];

		wc = txq->ring.wc;
		while ((n = ib_poll_cq(txq->cq, IPIB_WC_BATCH, wc)) > 0)
			for (i = 0; i < n; i++)
				if (!(wc[i].wr_id & IPIB_WR_CM))
					ipib_tx_complete(txq, &wc[i], 0);
	}
}

/* Sends posted on the send queues and not completed yet. */
static unsigned int sends_in_flight(struct ipib_dev *dev)
{
	unsigned int q, n = 0;

	for (q = 0; q < dev->ud.num_txq; q++)
		n += ipib_send_ring_used(&dev->ud.txq[q].ring);
	return n;
}

/*
 * Take the send ring away from the data path.  Order matters: with
 * qp_ready clear and the TX NAPI disabled nothing can wake the queue any
 * more, so once netif_tx_disable() has waited for a transmit in progress
 * (it takes the TX lock) the caller owns the ring alone.
 */
static void tx_quiesce(struct ipib_dev *dev)
{
	unsigned int q;

	WRITE_ONCE(dev->qp_ready, false);
	if (dev->ud.napi_on) {
		napi_disable(&dev->ud.napi_rx);
		for (q = 0; q < dev->ud.num_txq; q++)
			napi_disable(&dev->ud.txq[q].napi);
		dev->ud.napi_on = false;
	}
	netif_tx_disable(dev->ndev);
}

/*
 * Move the QPs to ERR, poll until every work request has flushed (at most
 * 5 s), reset them and free the rings.  The caller owns the rings.
 */
static void qp_drain(struct ipib_dev *dev)
{
	unsigned long deadline = jiffies + IPIB_DRAIN_TIMEOUT;
	struct ipib_recv_ring *rx = &dev->ud.rx;
	unsigned int q;

	if (ipib_qp_modify_state(dev, IB_QPS_ERR))
		ipib_warn(dev, "could not move the QPs to ERR\n");

	for (;;) {
		drain_cqs(dev);
		if (!rx->posted && !sends_in_flight(dev))
			break;
		if (time_after(jiffies, deadline)) {
			ipib_warn(dev, "drain timed out: %u receives, %u sends left\n",
				  rx->posted, sends_in_flight(dev));
			break;
		}
		usleep_range(1000, 2000);
	}

	ipib_qp_modify_state(dev, IB_QPS_RESET);
	drain_cqs(dev);
	rx_ring_free(dev);
	for (q = 0; q < dev->ud.num_txq; q++)
		ipib_send_ring_force_free(dev, &dev->ud.txq[q].ring);
}

/* Wait for and cancel the SQE recovery of every send queue. */
static void recover_cancel(struct ipib_dev *dev)
{
	unsigned int q;

	for (q = 0; q < dev->ud.max_txq; q++)
		cancel_work_sync(&dev->ud.txq[q].recover_work);
}

/**
 * ipib_ib_stop - stop the UD QP and take back every posted buffer
 * @dev: the interface
 *
 * Stops the transmit queue (the caller wakes it after a new open).  On
 * the vendor path, the vendor's ndo_stop instead.
 */
void ipib_ib_stop(struct ipib_dev *dev)
{
	ASSERT_RTNL();
	if (ipib_is_vendor(dev)) {
		ipib_rn_stop(dev);
		return;
	}
	if (!dev->qp_ready)
		return;
	/* while the NAPIs still take the connections' flushes */
	ipib_cm_stop(dev);
	tx_quiesce(dev);
	recover_cancel(dev);
	qp_drain(dev);
}

/* Give send queue @q (not queue 0) its ring slots, CQ and QP. */
static int txq_start(struct ipib_dev *dev, unsigned int q)
{
	struct ipib_txq *txq = &dev->ud.txq[q];
	struct ipib_send_ring *ring = &txq->ring;
	unsigned int size = dev->ud.txq[0].ring.size;
	int rc;

	/* the sequence numbers go on: dead AHs compare with them */
	ring->slots = kvcalloc(size, sizeof(*ring->slots), GFP_KERNEL);
	if (!ring->slots)
		return -ENOMEM;
	ring->size = size;
	ring->mask = size - 1;
	rc = ipib_verbs_txq_create(dev, txq, size);
	if (rc)
		ipib_send_ring_uninit(ring);
	return rc;
}

/* Undo txq_start(); the queue is drained (its ring empty). */
static void txq_end(struct ipib_dev *dev, unsigned int q)
{
	struct ipib_txq *txq = &dev->ud.txq[q];

	ipib_verbs_txq_destroy(txq);
	ipib_send_ring_uninit(&txq->ring);
}

/*
 * Bring the number of send queues in use to @n (1 to max_txq), the path
 * stopped: creates the missing queues or destroys the extra ones.
 */
static int txqs_change(struct ipib_dev *dev, unsigned int n)
{
	struct ipib_ud *ud = &dev->ud;
	unsigned int old = ud->num_txq, q;
	int rc = 0;

	for (q = old; q < n; q++) {
		rc = txq_start(dev, q);
		if (rc)
			break;
	}
	if (rc) {
		while (q-- > old)
			txq_end(dev, q);
		return rc;
	}
	for (q = n; q < old; q++)
		txq_end(dev, q);
	for (q = 0; q < n; q++)
		ud->send_qpns[q] = ud->txq[q].qp->qp_num;
	ud->num_txq = n;
	return 0;
}

/**
 * ipib_ud_set_txqs - change the number of UD send queues
 * @dev: the interface (RTNL; the UD path stopped)
 * @n: 1 to dev->ud.max_txq
 *
 * Queue 0 (the receiving QP) stays; the others get new QPs, CQs and ring
 * slots of queue 0's size, their counters going on.  The net_device gets
 * as many real TX queues.
 *
 * Return: 0 or a negative errno (nothing changed then).
 */
int ipib_ud_set_txqs(struct ipib_dev *dev, unsigned int n)
{
	unsigned int old = dev->ud.num_txq;
	int rc;

	ASSERT_RTNL();
	if (WARN_ON_ONCE(dev->qp_ready || !n || n > dev->ud.max_txq))
		return -EINVAL;
	if (n == old)
		return 0;
	rc = txqs_change(dev, n);
	if (rc)
		return rc;
	/*
	 * Only growing can fail (the new queues' sysfs objects); going back
	 * is then a shrink, which allocates nothing and cannot fail.
	 */
	rc = netif_set_real_num_tx_queues(dev->ndev, n);
	if (rc)
		txqs_change(dev, old);
	return rc;
}

static int recv_ring_init(struct ipib_recv_ring *ring, unsigned int size)
{
	ring->slots = kvcalloc(size, sizeof(*ring->slots), GFP_KERNEL);
	if (!ring->slots)
		return -ENOMEM;
	ring->size = size;
	ring->posted = 0;
	u64_stats_init(&ring->stats.syncp);
	return 0;
}

static void recv_ring_uninit(struct ipib_recv_ring *ring)
{
	kvfree(ring->slots);
	ring->slots = NULL;
}

/* Queue 0's ring slots, its QP and the CQs, the other queues dropped. */
static int resize_queue0(struct ipib_dev *dev, unsigned int sendq,
			 unsigned int recvq)
{
	struct ipib_send_ring *tx = &dev->ud.txq[0].ring;
	struct ipib_recv_ring *rx = &dev->ud.rx;
	struct ipib_tx_buf *tslots;
	struct ipib_rx_buf *rslots;
	int rc = -ENOMEM;

	tslots = kvcalloc(sendq, sizeof(*tslots), GFP_KERNEL);
	rslots = kvcalloc(recvq, sizeof(*rslots), GFP_KERNEL);
	if (!tslots || !rslots)
		goto out_free;
	rc = ipib_verbs_resize(dev, sendq, recvq);
	if (rc)
		goto out_free;
	swap(tx->slots, tslots);
	tx->size = sendq;
	tx->mask = sendq - 1;
	swap(rx->slots, rslots);
	rx->size = recvq;
out_free:
	kvfree(tslots);
	kvfree(rslots);
	return rc;
}

/**
 * ipib_ud_resize - give the UD rings, the QPs and the CQs new sizes
 * @dev: the interface (RTNL; the QP stopped)
 * @sendq: send ring size (a power of two), of every send queue
 * @recvq: receive ring size
 *
 * The rings keep their counters and sequence numbers (all are empty);
 * only their slots change.  The other send queues are made again with the
 * new size.  Connected mode keeps the module parameters' sizes for its
 * own rings.
 *
 * Return: 0 or a negative errno (nothing changed then, unless the other
 * send queues could not be made again: one queue is left then).
 */
int ipib_ud_resize(struct ipib_dev *dev, unsigned int sendq,
		   unsigned int recvq)
{
	unsigned int n = dev->ud.num_txq;
	int rc, rc2;

	ASSERT_RTNL();
	if (WARN_ON_ONCE(dev->qp_ready || dev->ud.rx.posted ||
			 sends_in_flight(dev)))
		return -EBUSY;
	txqs_change(dev, 1);
	rc = resize_queue0(dev, sendq, recvq);
	rc2 = txqs_change(dev, n);
	if (rc2) {
		netdev_warn(dev->ndev, "could not make %u send queues again: %d\n",
			    n, rc2);
		netif_set_real_num_tx_queues(dev->ndev, 1);
	}
	return rc ?: rc2;
}

/**
 * ipib_ib_init - allocate the rings and set up NAPI and the AH reaper
 * @dev: the interface (net_device not yet registered)
 *
 * One send queue is in use; the array has room for as many as
 * ipib_verbs_max_txq() allows, each with its NAPI and recovery work.
 *
 * Return: 0 or -ENOMEM.
 */
int ipib_ib_init(struct ipib_dev *dev)
{
	struct ipib_ud *ud = &dev->ud;
	unsigned int q;

	ipib_cm_dev_init(dev);
	ud->max_txq = ipib_verbs_max_txq(dev);
	ud->txq = kvcalloc(ud->max_txq, sizeof(*ud->txq), GFP_KERNEL);
	if (!ud->txq)
		goto err_out;
	if (recv_ring_init(&ud->rx, ipib_recvq_size))
		goto err_free_txq;
	if (ipib_send_ring_init(&ud->txq[0].ring, ipib_sendq_size))
		goto err_free_rx;
	ud->num_txq = 1;

	ipib_ah_init(dev);
	netif_napi_add_weight(dev->ndev, &ud->napi_rx, rx_poll,
			      IPIB_RX_WEIGHT);
	for (q = 0; q < ud->max_txq; q++) {
		struct ipib_txq *txq = &ud->txq[q];

		txq->dev = dev;
		txq->index = q;
		u64_stats_init(&txq->ring.stats.syncp);
		INIT_WORK(&txq->recover_work, ipib_qp_recover_worker);
		netif_napi_add_tx(dev->ndev, &txq->napi, ipib_tx_poll);
	}
	return 0;

err_free_rx:
	recv_ring_uninit(&ud->rx);
err_free_txq:
	kvfree(ud->txq);
	ud->txq = NULL;
err_out:
	return -ENOMEM;
}

/**
 * ipib_ib_uninit - final teardown of the data path
 * @dev: the interface (stopped; no AH holder left)
 *
 * Destroys the send queues other than queue 0 (whose QP and CQ go with
 * ipib_verbs_uninit(), after this).
 */
void ipib_ib_uninit(struct ipib_dev *dev)
{
	struct ipib_ud *ud = &dev->ud;
	unsigned int q;

	ipib_cm_uninit(dev);
	recover_cancel(dev);
	ipib_ah_uninit(dev);
	txqs_change(dev, 1);
	netif_napi_del(&ud->napi_rx);
	for (q = 0; q < ud->max_txq; q++)
		netif_napi_del(&ud->txq[q].napi);
	ipib_send_ring_uninit(&ud->txq[0].ring);
	recv_ring_uninit(&ud->rx);
}

/**
 * ipib_ib_free - free the send queue array
 * @dev: the interface, after ipib_ib_uninit() and ipib_verbs_uninit()
 *	(queue 0's CQ, in the array, is destroyed by the latter)
 */
void ipib_ib_free(struct ipib_dev *dev)
{
	kvfree(dev->ud.txq);
	dev->ud.txq = NULL;
	dev->ud.max_txq = 0;
	dev->ud.num_txq = 0;
}
