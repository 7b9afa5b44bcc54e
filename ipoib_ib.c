// SPDX-License-Identifier: GPL-2.0
/*
 * UD data path: the receive ring and its NAPI poller, and the open/stop
 * (drain) sequence of the UD QP.  The send ring is in ipoib_tx.c, address
 * handles in ipoib_ah.c.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/delay.h>
#include <rdma/ib_verbs.h>

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

static struct sk_buff *rx_alloc(struct ipib_dev *dev, u64 *mapping, gfp_t gfp)
{
	struct sk_buff *skb;
	u64 addr;

	skb = __netdev_alloc_skb(dev->ndev, dev->ud.rx_buf_size, gfp);
	if (unlikely(!skb))
		return NULL;

	addr = ib_dma_map_single(dev->ca, skb->data, dev->ud.rx_buf_size,
				 DMA_FROM_DEVICE);
	if (unlikely(ib_dma_mapping_error(dev->ca, addr))) {
		dev_kfree_skb_any(skb);
		return NULL;
	}
	*mapping = addr;
	return skb;
}

static void rx_free(struct ipib_dev *dev, struct ipib_rx_buf *buf)
{
	if (!buf->skb)
		return;
	ib_dma_unmap_single(dev->ca, buf->mapping, dev->ud.rx_buf_size,
			    DMA_FROM_DEVICE);
	dev_kfree_skb_any(buf->skb);
	buf->skb = NULL;
}

static int rx_ring_fill(struct ipib_dev *dev)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int i;

	for (i = 0; i < ring->size; i++) {
		struct ipib_rx_buf *buf = &ring->slots[i];

		buf->skb = rx_alloc(dev, &buf->mapping, GFP_KERNEL);
		if (!buf->skb)
			return -ENOMEM;
		if (rx_post(dev, i))
			return -EIO;
	}
	return 0;
}

static void rx_ring_free(struct ipib_dev *dev)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int i;

	for (i = 0; i < ring->size; i++)
		rx_free(dev, &ring->slots[i]);
	ring->posted = 0;
}

/*
 * Our own multicast sends come back to our QP; drop them unless a GRH
 * shows they came from another port with the same LID.
 */
static bool rx_is_own_loopback(struct ipib_dev *dev, struct ib_wc *wc,
			       const struct ib_grh *grh)
{
	if (wc->slid != dev->local_lid || wc->src_qp != dev->qp->qp_num)
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
 * ipib_rx_deliver - hand a received packet to the stack
 * @dev: the interface
 * @skb: the packet, at its IPoIB header, headroom for the pseudo header
 * @type: PACKET_HOST, PACKET_BROADCAST or PACKET_MULTICAST
 * @slid: the sender's LID
 * @guid: the sender's port GUID (8 bytes) when the packet had a GRH, or NULL
 *
 * RX NAPI context; counts the packet.  The sender goes into the pseudo
 * header (struct ipib_rx_source) in front of the IPoIB header, where
 * header_ops->parse finds it.
 */
void ipib_rx_deliver(struct ipib_dev *dev, struct sk_buff *skb, u8 type,
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

	napi_gro_receive(&dev->ud.napi_rx, skb);
}

static void rx_deliver(struct ipib_dev *dev, struct ib_wc *wc,
		       struct sk_buff *skb, const struct ib_grh *grh)
{
	u8 type = rx_pkt_type(dev, grh);

	skb_put(skb, wc->byte_len);
	skb_pull(skb, IPIB_GRH_LEN);
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
	skb = napi_alloc_skb(&dev->ud.napi_rx, len);
	if (unlikely(!skb))
		return false;
	ib_dma_sync_single_for_cpu(dev->ca, buf->mapping + IPIB_GRH_LEN, len,
				   DMA_FROM_DEVICE);
	skb_put_data(skb, buf->skb->data + IPIB_GRH_LEN, len);
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

static void rx_handle_wc(struct ipib_dev *dev, struct ib_wc *wc)
{
	struct ipib_recv_ring *ring = &dev->ud.rx;
	unsigned int idx = wc->wr_id;
	const struct ib_grh *grh = NULL;
	struct ipib_rx_buf *buf;
	struct sk_buff *skb;
	u64 old_map;

	if (unlikely(idx >= ring->size))
		return;
	buf = &ring->slots[idx];
	ring->posted--;
	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		rx_handle_error(dev, wc, idx);
		return;
	}

	skb = buf->skb;
	old_map = buf->mapping;
	ib_dma_sync_single_for_cpu(dev->ca, old_map, IPIB_GRH_LEN,
				   DMA_FROM_DEVICE);
	if (wc->wc_flags & IB_WC_GRH)
		grh = (const struct ib_grh *)skb->data;
	if (unlikely(wc->byte_len < IPIB_GRH_LEN + IPIB_ENCAP_LEN)) {
		ipib_count_drop(dev, IPIB_DROP_RX_LENGTH);
		dev_core_stats_rx_dropped_inc(dev->ndev);
		goto repost;
	}
	if (unlikely(rx_is_own_loopback(dev, wc, grh)) ||
	    rx_copybreak(dev, wc, buf, grh))
		goto repost;

	buf->skb = rx_alloc(dev, &buf->mapping, GFP_ATOMIC);
	if (unlikely(!buf->skb)) {
		ipib_count_drop(dev, IPIB_DROP_RX_NOMEM);
		dev_core_stats_rx_dropped_inc(dev->ndev);
		buf->skb = skb;
		buf->mapping = old_map;
		goto repost;
	}
	ib_dma_unmap_single(dev->ca, old_map, dev->ud.rx_buf_size,
			    DMA_FROM_DEVICE);
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
	napi_enable(&dev->ud.napi_rx);
	napi_enable(&dev->ud.napi_tx);
	dev->ud.napi_on = true;
	ib_req_notify_cq(dev->ud.recv_cq, IB_CQ_NEXT_COMP);
	ib_req_notify_cq(dev->ud.send_cq, IB_CQ_NEXT_COMP);
	local_bh_disable();
	napi_schedule(&dev->ud.napi_rx);
	napi_schedule(&dev->ud.napi_tx);
	local_bh_enable();
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
	wc = dev->ud.tx.wc;
	while ((n = ib_poll_cq(dev->ud.send_cq, IPIB_WC_BATCH, wc)) > 0)
		for (i = 0; i < n; i++)
			if (!(wc[i].wr_id & IPIB_WR_CM))
				ipib_tx_complete(dev, &wc[i], 0);
}

/*
 * Take the send ring away from the data path.  Order matters: with
 * qp_ready clear and the TX NAPI disabled nothing can wake the queue any
 * more, so once netif_tx_disable() has waited for a transmit in progress
 * (it takes the TX lock) the caller owns the ring alone.
 */
static void tx_quiesce(struct ipib_dev *dev)
{
	WRITE_ONCE(dev->qp_ready, false);
	if (dev->ud.napi_on) {
		napi_disable(&dev->ud.napi_rx);
		napi_disable(&dev->ud.napi_tx);
		dev->ud.napi_on = false;
	}
	netif_tx_disable(dev->ndev);
}

/*
 * Move the QP to ERR, poll until every work request has flushed (at most
 * 5 s), reset it and free both rings.  The caller owns the rings.
 */
static void qp_drain(struct ipib_dev *dev)
{
	unsigned long deadline = jiffies + IPIB_DRAIN_TIMEOUT;
	struct ipib_send_ring *tx = &dev->ud.tx;
	struct ipib_recv_ring *rx = &dev->ud.rx;

	if (ipib_qp_modify_state(dev, IB_QPS_ERR))
		ipib_warn(dev, "could not move the QP to ERR\n");

	for (;;) {
		drain_cqs(dev);
		if (!rx->posted && !ipib_send_ring_used(tx))
			break;
		if (time_after(jiffies, deadline)) {
			ipib_warn(dev, "drain timed out: %u receives, %u sends left\n",
				  rx->posted, ipib_send_ring_used(tx));
			break;
		}
		usleep_range(1000, 2000);
	}

	ipib_qp_modify_state(dev, IB_QPS_RESET);
	drain_cqs(dev);
	rx_ring_free(dev);
	ipib_send_ring_force_free(dev, tx);
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
	cancel_work_sync(&dev->ud.recover_work);
	qp_drain(dev);
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

/**
 * ipib_ud_resize - give the UD rings, the QP and the CQs new sizes
 * @dev: the interface (RTNL; the QP stopped)
 * @sendq: send ring size (a power of two)
 * @recvq: receive ring size
 *
 * The rings keep their counters and sequence numbers (both are empty);
 * only their slots change.  Connected mode keeps the module parameters'
 * sizes for its own rings.
 *
 * Return: 0 or a negative errno (nothing changed then).
 */
int ipib_ud_resize(struct ipib_dev *dev, unsigned int sendq,
		   unsigned int recvq)
{
	struct ipib_send_ring *tx = &dev->ud.tx;
	struct ipib_recv_ring *rx = &dev->ud.rx;
	struct ipib_tx_buf *tslots;
	struct ipib_rx_buf *rslots;
	int rc = -ENOMEM;

	ASSERT_RTNL();
	if (WARN_ON_ONCE(dev->qp_ready || rx->posted ||
			 ipib_send_ring_used(tx)))
		return -EBUSY;
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
 * ipib_ib_init - allocate the rings and set up NAPI and the AH reaper
 * @dev: the interface (net_device not yet registered)
 *
 * Return: 0 or -ENOMEM.
 */
int ipib_ib_init(struct ipib_dev *dev)
{
	struct ipib_ud *ud = &dev->ud;

	ipib_cm_dev_init(dev);
	if (recv_ring_init(&ud->rx, ipib_recvq_size))
		goto err_out;
	if (ipib_send_ring_init(&ud->tx, ipib_sendq_size))
		goto err_free_rx;

	ipib_ah_init(dev);
	INIT_WORK(&ud->recover_work, ipib_qp_recover_worker);
	netif_napi_add_weight(dev->ndev, &ud->napi_rx, rx_poll,
			      IPIB_RX_WEIGHT);
	netif_napi_add_tx(dev->ndev, &ud->napi_tx, ipib_tx_poll);
	return 0;

err_free_rx:
	recv_ring_uninit(&ud->rx);
err_out:
	return -ENOMEM;
}

/**
 * ipib_ib_uninit - final teardown of the data path
 * @dev: the interface (stopped; no AH holder left)
 */
void ipib_ib_uninit(struct ipib_dev *dev)
{
	ipib_cm_uninit(dev);
	cancel_work_sync(&dev->ud.recover_work);
	ipib_ah_uninit(dev);
	netif_napi_del(&dev->ud.napi_rx);
	netif_napi_del(&dev->ud.napi_tx);
	ipib_send_ring_uninit(&dev->ud.tx);
	recv_ring_uninit(&dev->ud.rx);
}
