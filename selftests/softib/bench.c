// SPDX-License-Identifier: GPL-2.0
/*
 * softib raw benchmark (debugfs fabric/bench): two kernel QPs on the first
 * two ports of the fabric exchange messages through the verbs API for a
 * fixed time per case; the result is messages/s and bytes/s per case.
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>

#include "softib.h"

#define SIB_BENCH_DEPTH		256
#define SIB_BENCH_WINDOW	128
#define SIB_BENCH_MS		400
#define SIB_BENCH_DRAIN_MS	1000
#define SIB_BENCH_QKEY		0x1234
#define SIB_BENCH_OUT		2048

struct bench_end {
	struct sib_port *port;
	struct ib_pd *pd;
	struct ib_cq *scq;
	struct ib_cq *rcq;
	struct ib_qp *qp;
	struct ib_ah *ah;
	u8 *rbuf;
	u8 *sbuf;
	u32 slot;		/* receive slot size */
};

struct bench_case {
	enum ib_qp_type type;
	u32 size;
	u64 msgs;
	u64 lost;
	s64 ns;
};

/* one benchmark at a time; device replacement (main.c) takes it too */
DEFINE_MUTEX(sib_bench_lock);

static int post_recv(struct bench_end *e, u32 i)
{
	struct ib_sge sge = {
		.addr = (uintptr_t)(e->rbuf + (size_t)i * e->slot),
		.length = e->slot,
		.lkey = e->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };

	return ib_post_recv(e->qp, &wr, NULL);
}

static int post_send(struct bench_end *e, struct bench_end *peer, u32 size)
{
	struct ib_sge sge = {
		.addr = (uintptr_t)e->sbuf,
		.length = size,
		.lkey = e->pd->local_dma_lkey,
	};
	struct ib_ud_wr wr = {
		.wr = {
			.sg_list = &sge,
			.num_sge = 1,
			.opcode = IB_WR_SEND,
			.send_flags = IB_SEND_SIGNALED,
		},
		.ah = e->ah,
		.remote_qpn = peer->qp->qp_num,
		.remote_qkey = SIB_BENCH_QKEY,
	};

	return ib_post_send(e->qp, &wr.wr, NULL);
}

static int to_rts(struct bench_end *e, struct bench_end *peer)
{
	struct ib_qp_attr a = {};
	bool rc = e->qp->qp_type == IB_QPT_RC;
	int err;

	a.qp_state = IB_QPS_INIT;
	a.port_num = e->port->num;
	a.pkey_index = 0;
	a.qkey = SIB_BENCH_QKEY;
	a.qp_access_flags = IB_ACCESS_LOCAL_WRITE;
	err = ib_modify_qp(e->qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX |
			   IB_QP_PORT | (rc ? IB_QP_ACCESS_FLAGS : IB_QP_QKEY));
	if (err)
		return err;
	a.qp_state = IB_QPS_RTR;
	a.path_mtu = sib_params.mtu;
	a.dest_qp_num = peer->qp->qp_num;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;
	a.ah_attr.type = RDMA_AH_ATTR_TYPE_IB;
	rdma_ah_set_dlid(&a.ah_attr, READ_ONCE(peer->port->lid));
	rdma_ah_set_port_num(&a.ah_attr, e->port->num);
	err = ib_modify_qp(e->qp, &a, IB_QP_STATE | (rc ? IB_QP_AV |
			   IB_QP_PATH_MTU | IB_QP_DEST_QPN | IB_QP_RQ_PSN |
			   IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER : 0));
	if (err)
		return err;
	a.qp_state = IB_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ib_modify_qp(e->qp, &a, IB_QP_STATE | IB_QP_SQ_PSN |
			    (rc ? IB_QP_TIMEOUT | IB_QP_RETRY_CNT |
			     IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC : 0));
}

static void end_destroy(struct bench_end *e)
{
	if (!IS_ERR_OR_NULL(e->ah))
		rdma_destroy_ah(e->ah, 0);
	if (!IS_ERR_OR_NULL(e->qp))
		ib_destroy_qp(e->qp);
	if (!IS_ERR_OR_NULL(e->scq))
		ib_destroy_cq(e->scq);
	if (!IS_ERR_OR_NULL(e->rcq))
		ib_destroy_cq(e->rcq);
	if (!IS_ERR_OR_NULL(e->pd))
		ib_dealloc_pd(e->pd);
	kvfree(e->rbuf);
	kvfree(e->sbuf);
	memset(e, 0, sizeof(*e));
}

static int end_create(struct bench_end *e, struct sib_port *port,
		      enum ib_qp_type type, u32 size)
{
	struct ib_device *dev = &port->sdev->ibdev;
	struct ib_cq_init_attr ca = { .cqe = SIB_BENCH_DEPTH * 2 };
	struct ib_qp_init_attr qa = {
		.qp_type = type,
		.sq_sig_type = IB_SIGNAL_ALL_WR,
		.cap = { .max_send_wr = SIB_BENCH_DEPTH,
			 .max_recv_wr = SIB_BENCH_DEPTH,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};

	e->port = port;
	e->slot = size + sizeof(struct ib_grh);
	e->rbuf = kvmalloc_array(SIB_BENCH_DEPTH, e->slot, GFP_KERNEL);
	e->sbuf = kvzalloc(size, GFP_KERNEL);
	if (!e->rbuf || !e->sbuf)
		return -ENOMEM;
	e->pd = ib_alloc_pd(dev, 0);
	if (IS_ERR(e->pd))
		return PTR_ERR(e->pd);
	e->scq = ib_create_cq(dev, NULL, NULL, NULL, &ca);
	if (IS_ERR(e->scq))
		return PTR_ERR(e->scq);
	e->rcq = ib_create_cq(dev, NULL, NULL, NULL, &ca);
	if (IS_ERR(e->rcq))
		return PTR_ERR(e->rcq);
	qa.send_cq = e->scq;
	qa.recv_cq = e->rcq;
	e->qp = ib_create_qp(e->pd, &qa);
	return PTR_ERR_OR_ZERO(e->qp);
}

static int make_ah(struct bench_end *e, struct bench_end *peer)
{
	struct rdma_ah_attr a = { .type = RDMA_AH_ATTR_TYPE_IB };

	rdma_ah_set_dlid(&a, READ_ONCE(peer->port->lid));
	rdma_ah_set_port_num(&a, e->port->num);
	e->ah = rdma_create_ah(e->pd, &a, 0);
	return PTR_ERR_OR_ZERO(e->ah);
}

static int setup_pair(struct bench_end *a, struct bench_end *b,
		      struct bench_case *c)
{
	struct sib_port *pa, *pb = NULL;
	u32 i;
	int err;

	mutex_lock(&sib_fab->cfg_lock);
	pa = list_first_entry_or_null(&sib_fab->ports, struct sib_port, node);
	if (pa)
		pb = list_is_last(&pa->node, &sib_fab->ports) ? pa :
		     list_next_entry(pa, node);
	mutex_unlock(&sib_fab->cfg_lock);
	if (!pa)
		return -ENODEV;
	err = end_create(a, pa, c->type, c->size) ?:
	      end_create(b, pb, c->type, c->size) ?:
	      to_rts(a, b) ?: to_rts(b, a);
	if (err)
		return err;
	if (c->type == IB_QPT_UD) {
		err = make_ah(a, b);
		if (err)
			return err;
	}
	for (i = 0; i < SIB_BENCH_DEPTH && !err; i++)
		err = post_recv(b, i);
	return err;
}

/* Poll both CQs; returns received messages or a negative error. */
static int reap(struct bench_end *a, struct bench_end *b, u64 *done,
		u64 *sent_ok)
{
	struct ib_wc wc[4];
	int n, i, err = 0;

	n = ib_poll_cq(a->scq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n; i++) {
		if (wc[i].status != IB_WC_SUCCESS)
			return -EIO;
		(*sent_ok)++;
	}
	n = ib_poll_cq(b->rcq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n && !err; i++) {
		if (wc[i].status != IB_WC_SUCCESS)
			return -EIO;
		(*done)++;
		err = post_recv(b, wc[i].wr_id);
	}
	return err;
}

/* Both ends live on the heap: with KASAN the pair is too big for a frame. */
static int run_case(struct bench_case *c)
{
	struct bench_end *ends, *a, *b;
	u64 sent = 0, sent_ok = 0, done = 0;
	ktime_t start, end;
	int err;

	ends = kcalloc(2, sizeof(*ends), GFP_KERNEL);
	if (!ends)
		return -ENOMEM;
	a = &ends[0];
	b = &ends[1];
	err = setup_pair(a, b, c);
	if (err)
		goto out;
	start = ktime_get();
	end = ktime_add_ms(start, SIB_BENCH_MS);
	while (!err && ktime_before(ktime_get(), end)) {
		while (!err && sent - done < SIB_BENCH_WINDOW &&
		       sent - sent_ok < SIB_BENCH_WINDOW) {
			err = post_send(a, b, c->size);
			sent += !err;
		}
		err = err ?: reap(a, b, &done, &sent_ok);
		cond_resched();
	}
	end = ktime_add_ms(ktime_get(), SIB_BENCH_DRAIN_MS);
	while (!err && (done < sent || sent_ok < sent) &&
	       ktime_before(ktime_get(), end)) {
		err = reap(a, b, &done, &sent_ok);
		cond_resched();
	}
	c->ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	c->msgs = done;
	c->lost = sent - done;
out:
	end_destroy(a);
	end_destroy(b);
	kfree(ends);
	return err;
}

static void report(char *out, size_t *len, const struct bench_case *c)
{
	u64 ns = max_t(s64, c->ns, 1);

	*len += scnprintf(out + *len, SIB_BENCH_OUT - *len,
			  "%s size %u msgs %llu lost %llu msgs/s %llu bytes/s %llu\n",
			  c->type == IB_QPT_UD ? "ud" : "rc", c->size, c->msgs,
			  c->lost, div64_u64(c->msgs * NSEC_PER_SEC, ns),
			  div64_u64(c->msgs * c->size * NSEC_PER_SEC, ns));
}

/**
 * sib_bench_run - run every benchmark case
 * @out: set to a kmalloc'ed text report, one line per case
 *
 * Return: 0 or a negative errno (first failing case).
 */
int sib_bench_run(char **out)
{
	static const u32 ud_sizes[] = { 64, 1024, 2048, 4096 };
	static const u32 rc_sizes[] = { 64, 4096, 65536 };
	struct bench_case c;
	size_t len = 0;
	unsigned int i;
	char *buf;
	int err = 0;

	buf = kzalloc(SIB_BENCH_OUT, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&sib_bench_lock);
	for (i = 0; i < ARRAY_SIZE(ud_sizes) && !err; i++) {
		c = (struct bench_case){ .type = IB_QPT_UD, .size = ud_sizes[i] };
		if (c.size > ib_mtu_enum_to_int(sib_params.mtu))
			continue;
		err = run_case(&c);
		if (!err)
			report(buf, &len, &c);
	}
	for (i = 0; i < ARRAY_SIZE(rc_sizes) && !err; i++) {
		c = (struct bench_case){ .type = IB_QPT_RC, .size = rc_sizes[i] };
		err = run_case(&c);
		if (!err)
			report(buf, &len, &c);
	}
	mutex_unlock(&sib_bench_lock);
	if (err) {
		kfree(buf);
		return err;
	}
	*out = buf;
	return 0;
}
