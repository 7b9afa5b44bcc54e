// SPDX-License-Identifier: GPL-2.0
/*
 * rdmacm_echo: an in-kernel rdma_cm echo server and client for the IPoIB
 * selftests (selftests/rdma_cm.sh).
 *
 * <debugfs>/rdmacm_echo/ctl takes one command per write:
 *   listen PID ADDR PORT       listen on ADDR:PORT (IPv4 or IPv6) in the
 *                              network namespace of process PID (0: the
 *                              initial one); every message received on an
 *                              accepted RC connection is sent back
 *   connect PID ADDR PORT MSG  from PID's namespace, connect to ADDR:PORT,
 *                              send MSG and wait for it to come back; the
 *                              write returns 0 or the error of the failing
 *                              step, which is also logged
 *   stop                       close every listener and connection
 * Reading ctl gives the listeners, the messages echoed and the result of
 * the last connect.  debugfs is not visible inside `ip netns exec`, so the
 * namespace is named by a process living in it.
 */
#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <rdma/rdma_cm.h>

#define ECHO_MAX	256
#define ECHO_TIMEOUT	(5 * HZ)
#define ECHO_RESOLVE_MS	3000

struct echo_conn {
	struct rdma_cm_id *id;
	struct ib_pd *pd;
	struct ib_cq *cq;
	u8 *buf;
	u64 dma;
	size_t len;
	bool server;
	struct ib_cqe recv_cqe;
	struct ib_cqe send_cqe;
	struct completion ev;		/* client: the cm event it waits for */
	enum rdma_cm_event_type ev_type;
	int ev_status;
	struct completion done;		/* client: the echo came back */
	int status;
	struct list_head node;		/* echo_conns (server side) */
};

struct echo_listener {
	struct rdma_cm_id *id;
	struct list_head node;
};

static DEFINE_MUTEX(echo_lock);		/* the lists and echo_last */
static LIST_HEAD(echo_listeners);
static LIST_HEAD(echo_conns);
static atomic_t echo_count = ATOMIC_INIT(0);
static char echo_last[128] = "none";
static struct dentry *echo_dir;

static int post_recv(struct echo_conn *c)
{
	struct ib_sge sge = {
		.addr = c->dma, .length = ECHO_MAX, .lkey = c->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_cqe = &c->recv_cqe, .sg_list = &sge, .num_sge = 1,
	};

	return ib_post_recv(c->id->qp, &wr, NULL);
}

static int post_send(struct echo_conn *c)
{
	struct ib_sge sge = {
		.addr = c->dma, .length = c->len, .lkey = c->pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &c->send_cqe, .sg_list = &sge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};

	ib_dma_sync_single_for_device(c->id->device, c->dma, ECHO_MAX,
				      DMA_BIDIRECTIONAL);
	return ib_post_send(c->id->qp, &wr, NULL);
}

static void recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct echo_conn *c = cq->cq_context;

	if (wc->status != IB_WC_SUCCESS) {
		if (!c->server) {
			c->status = -EIO;
			complete(&c->done);
		}
		return;
	}
	ib_dma_sync_single_for_cpu(c->id->device, c->dma, ECHO_MAX,
				   DMA_BIDIRECTIONAL);
	if (!c->server) {
		c->status = wc->byte_len == c->len ? 0 : -EBADMSG;
		complete(&c->done);
		return;
	}
	c->len = wc->byte_len;
	if (post_send(c))
		pr_warn("rdmacm_echo: echo not sent\n");
}

static void send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct echo_conn *c = cq->cq_context;

	if (!c->server || wc->status != IB_WC_SUCCESS)
		return;
	atomic_inc(&echo_count);
	if (post_recv(c))
		pr_warn("rdmacm_echo: receive not reposted\n");
}

/* PD, CQ, RC QP and buffer on @c->id (device known), one receive posted. */
static int conn_setup(struct echo_conn *c)
{
	struct ib_device *ca = c->id->device;
	struct ib_qp_init_attr qa = {};
	int rc;

	c->pd = ib_alloc_pd(ca, 0);
	if (IS_ERR(c->pd))
		return PTR_ERR(c->pd);
	c->cq = ib_alloc_cq(ca, c, 8, 0, IB_POLL_WORKQUEUE);
	if (IS_ERR(c->cq))
		return PTR_ERR(c->cq);
	c->dma = ib_dma_map_single(ca, c->buf, ECHO_MAX, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(ca, c->dma)) {
		c->dma = 0;
		return -ENOMEM;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IB_QPT_RC;
	qa.sq_sig_type = IB_SIGNAL_ALL_WR;
	qa.cap.max_send_wr = 4;
	qa.cap.max_recv_wr = 4;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	rc = rdma_create_qp(c->id, c->pd, &qa);
	if (rc)
		return rc;
	return post_recv(c);
}

static struct echo_conn *conn_alloc(bool server)
{
	struct echo_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	c->buf = kzalloc(ECHO_MAX, GFP_KERNEL);
	if (!c->buf) {
		kfree(c);
		return NULL;
	}
	c->server = server;
	c->recv_cqe.done = recv_done;
	c->send_cqe.done = send_done;
	init_completion(&c->ev);
	init_completion(&c->done);
	INIT_LIST_HEAD(&c->node);
	return c;
}

/*
 * Everything but the cm id, which the caller (or rdma_cm) destroys.  When
 * the caller destroys it first (so that no handler can run on @c any more),
 * it clears c->id; the buffer is then unmapped through the PD's device.
 */
static void conn_free_res(struct echo_conn *c)
{
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	if (!IS_ERR_OR_NULL(c->cq))
		ib_free_cq(c->cq);
	if (c->dma)
		ib_dma_unmap_single(c->pd->device, c->dma, ECHO_MAX,
				    DMA_BIDIRECTIONAL);
	if (!IS_ERR_OR_NULL(c->pd))
		ib_dealloc_pd(c->pd);
	kfree(c->buf);
	kfree(c);
}

/*
 * conn_destroy - tear down a connection whose cm id this module owns: the
 * QP, then the id (rdma_destroy_id() waits for a running event handler and
 * no handler runs on @c after it), then what the connection allocated.
 */
static void conn_destroy(struct echo_conn *c)
{
	struct rdma_cm_id *id = c->id;

	if (id->qp)
		rdma_destroy_qp(id);
	rdma_destroy_id(id);
	c->id = NULL;
	conn_free_res(c);
}

static const struct rdma_conn_param echo_param = {
	.responder_resources = 1,
	.initiator_depth = 1,
	.retry_count = 3,
	.rnr_retry_count = 7,
};

/* A connection request on a listener: accept it on a fresh QP. */
static int server_accept(struct rdma_cm_id *id)
{
	struct echo_conn *c = conn_alloc(true);
	int rc;

	if (!c)
		return -ENOMEM;
	c->id = id;
	rc = conn_setup(c);
	if (!rc)
		rc = rdma_accept(id, (struct rdma_conn_param *)&echo_param);
	if (rc) {
		pr_info("rdmacm_echo: accept failed: %d\n", rc);
		conn_free_res(c);
		return rc;	/* non-zero: rdma_cm destroys the new id */
	}
	id->context = c;
	mutex_lock(&echo_lock);
	list_add_tail(&c->node, &echo_conns);
	mutex_unlock(&echo_lock);
	return 0;
}

static int server_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return server_accept(id);
	return 0;
}

static int client_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct echo_conn *c = id->context;

	c->ev_type = ev->event;
	c->ev_status = ev->status;
	complete(&c->ev);
	return 0;
}

/* Wait for event @want on a client id; the error of whatever came. */
static int wait_ev(struct echo_conn *c, enum rdma_cm_event_type want)
{
	if (!wait_for_completion_timeout(&c->ev, ECHO_TIMEOUT))
		return -ETIMEDOUT;
	reinit_completion(&c->ev);
	if (c->ev_type == want)
		return 0;
	pr_info("rdmacm_echo: got %s (%d) waiting for %s\n",
		rdma_event_msg(c->ev_type), c->ev_status, rdma_event_msg(want));
	switch (c->ev_type) {
	case RDMA_CM_EVENT_REJECTED:
		return -ECONNREFUSED;
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
		return -EHOSTUNREACH;
	default:
		return c->ev_status ? c->ev_status : -EPROTO;
	}
}

static int client_run(struct echo_conn *c, struct sockaddr *dst,
		      const char *msg, const char **step)
{
	int rc;

	*step = "resolve_addr";
	rc = rdma_resolve_addr(c->id, NULL, dst, ECHO_RESOLVE_MS);
	if (!rc)
		rc = wait_ev(c, RDMA_CM_EVENT_ADDR_RESOLVED);
	if (rc)
		return rc;
	*step = "resolve_route";
	rc = rdma_resolve_route(c->id, ECHO_RESOLVE_MS);
	if (!rc)
		rc = wait_ev(c, RDMA_CM_EVENT_ROUTE_RESOLVED);
	if (rc)
		return rc;
	*step = "setup";
	rc = conn_setup(c);
	if (rc)
		return rc;
	*step = "connect";
	rc = rdma_connect(c->id, (struct rdma_conn_param *)&echo_param);
	if (!rc)
		rc = wait_ev(c, RDMA_CM_EVENT_ESTABLISHED);
	if (rc)
		return rc;
	*step = "echo";
	c->len = strscpy(c->buf, msg, ECHO_MAX);
	rc = post_send(c);
	if (rc)
		return rc;
	if (!wait_for_completion_timeout(&c->done, ECHO_TIMEOUT))
		return -ETIMEDOUT;
	if (!c->status && memcmp(c->buf, msg, c->len))
		c->status = -EBADMSG;
	rdma_disconnect(c->id);
	return c->status;
}

static struct net *net_of_pid(int pid)
{
	return pid ? get_net_ns_by_pid(pid) : get_net(&init_net);
}

static int do_connect(int pid, const char *addr, const char *port,
		      const char *msg)
{
	const char *step = "address";
	struct sockaddr_storage ss;
	struct echo_conn *c;
	struct net *net;
	int rc;

	net = net_of_pid(pid);
	if (IS_ERR(net))
		return PTR_ERR(net);
	rc = inet_pton_with_scope(net, AF_UNSPEC, addr, port, &ss);
	c = rc ? NULL : conn_alloc(false);
	if (!rc && !c)
		rc = -ENOMEM;
	if (c) {
		c->id = rdma_create_id(net, client_handler, c, RDMA_PS_TCP,
				       IB_QPT_RC);
		rc = IS_ERR(c->id) ? PTR_ERR(c->id) : 0;
		if (!rc) {
			rc = client_run(c, (struct sockaddr *)&ss, msg, &step);
			conn_destroy(c);
		} else {
			c->id = NULL;
			conn_free_res(c);
		}
	}
	put_net(net);
	mutex_lock(&echo_lock);
	if (rc)
		snprintf(echo_last, sizeof(echo_last), "%s:%s failed %d at %s",
			 addr, port, rc, step);
	else
		snprintf(echo_last, sizeof(echo_last), "%s:%s ok", addr, port);
	pr_info("rdmacm_echo: connect %s\n", echo_last);
	mutex_unlock(&echo_lock);
	return rc;
}

static int do_listen(int pid, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	struct echo_listener *l;
	struct net *net;
	int rc;

	net = net_of_pid(pid);
	if (IS_ERR(net))
		return PTR_ERR(net);
	rc = inet_pton_with_scope(net, AF_UNSPEC, addr, port, &ss);
	l = rc ? NULL : kzalloc(sizeof(*l), GFP_KERNEL);
	if (!rc && !l)
		rc = -ENOMEM;
	if (l) {
		l->id = rdma_create_id(net, server_handler, NULL, RDMA_PS_TCP,
				       IB_QPT_RC);
		rc = IS_ERR(l->id) ? PTR_ERR(l->id) : 0;
		if (!rc)
			rc = rdma_bind_addr(l->id, (struct sockaddr *)&ss);
		if (!rc)
			rc = rdma_listen(l->id, 4);
		if (rc && !IS_ERR(l->id))
			rdma_destroy_id(l->id);
	}
	put_net(net);
	if (rc) {
		kfree(l);
		return rc;
	}
	mutex_lock(&echo_lock);
	list_add_tail(&l->node, &echo_listeners);
	mutex_unlock(&echo_lock);
	return 0;
}

/* Listeners first, so that no connection is added while the rest go. */
static void do_stop(void)
{
	struct echo_listener *l, *ln;
	struct echo_conn *c, *cn;
	LIST_HEAD(listeners);
	LIST_HEAD(conns);

	mutex_lock(&echo_lock);
	list_splice_init(&echo_listeners, &listeners);
	mutex_unlock(&echo_lock);
	list_for_each_entry_safe(l, ln, &listeners, node) {
		rdma_destroy_id(l->id);
		kfree(l);
	}
	mutex_lock(&echo_lock);
	list_splice_init(&echo_conns, &conns);
	mutex_unlock(&echo_lock);
	list_for_each_entry_safe(c, cn, &conns, node) {
		rdma_disconnect(c->id);
		conn_destroy(c);
	}
}

static int echo_exec(char *cmd)
{
	char *argv[5], *s = strim(cmd);
	int argc = 0, pid;

	while (argc < 4 && s && *s)
		argv[argc++] = strsep(&s, " ");
	if (s && *s)
		argv[argc++] = s;	/* the message may hold spaces */
	if (argc == 1 && !strcmp(argv[0], "stop")) {
		do_stop();
		return 0;
	}
	if (argc < 4 || kstrtoint(argv[1], 10, &pid) || pid < 0)
		return -EINVAL;
	if (argc == 4 && !strcmp(argv[0], "listen"))
		return do_listen(pid, argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[0], "connect"))
		return do_connect(pid, argv[2], argv[3], argv[4]);
	return -EINVAL;
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char *cmd;
	int rc;

	if (len >= ECHO_MAX)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, len);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	rc = echo_exec(cmd);
	kfree(cmd);
	return rc ? rc : len;
}

static int ctl_show(struct seq_file *m, void *v)
{
	struct echo_listener *l;
	unsigned int n = 0;

	mutex_lock(&echo_lock);
	list_for_each_entry(l, &echo_listeners, node)
		n++;
	seq_printf(m, "listeners %u\nechoed %d\nlast_connect %s\n", n,
		   atomic_read(&echo_count), echo_last);
	mutex_unlock(&echo_lock);
	return 0;
}

static int ctl_open(struct inode *inode, struct file *file)
{
	return single_open(file, ctl_show, NULL);
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.open = ctl_open,
	.read = seq_read,
	.write = ctl_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init echo_init(void)
{
	echo_dir = debugfs_create_dir("rdmacm_echo", NULL);
	debugfs_create_file("ctl", 0600, echo_dir, NULL, &ctl_fops);
	return 0;
}

static void __exit echo_exit(void)
{
	debugfs_remove_recursive(echo_dir);
	do_stop();
}

module_init(echo_init);
module_exit(echo_exit);
MODULE_DESCRIPTION("rdma_cm echo server and client for the IPoIB selftests");
MODULE_LICENSE("GPL");
