// SPDX-License-Identifier: GPL-2.0
/*
 * softib test knobs under /sys/kernel/debug/softib/:
 *   <ibdev>/{replace,cqs},
 *   <ibdev>/port<N>/{link,pkeys,lid,speed,gid,counters,wedge}
 *   <ibdev>/port<N>/vfs (num_vfs > 0 only)
 *   fabric/{sm,faults,sa,bcast_mtu,groups,bench,lft,mft}, fabric/phantoms (phantom.c)
 * Malformed writes fail with -EINVAL and change nothing.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "softib.h"
#include "phantom.h"

#define SIB_KNOB_MAX 128
#define SIB_FAULT_PPM_MAX 1000000
#define SIB_FAULT_DELAY_MAX 1000000
#define SIB_SA_DELAY_MAX 10000

static struct dentry *sib_dbg_root;
/* softib<index> directories: created once, kept across replace */
static struct dentry *sib_dbg_devs[SIB_MAX_DEVICES];

static const char * const sib_counter_names[SIB_CNT_MAX] = {
	[SIB_CNT_XMIT_PKTS] = "xmit_packets",
	[SIB_CNT_XMIT_BYTES] = "xmit_bytes",
	[SIB_CNT_RCV_PKTS] = "rcv_packets",
	[SIB_CNT_RCV_BYTES] = "rcv_bytes",
	[SIB_CNT_MCAST_RCV_PKTS] = "mcast_rcv_packets",
	[SIB_CNT_MAD_XMIT] = "mad_xmit",
	[SIB_CNT_MAD_RCV] = "mad_rcv",
	[SIB_CNT_SA_REQS] = "sa_requests",
	[SIB_CNT_DROP_NO_RECV] = "drop_no_recv",
	[SIB_CNT_DROP_NO_QP] = "drop_no_qp",
	[SIB_CNT_DROP_NO_PORT] = "drop_no_port",
	[SIB_CNT_DROP_QKEY] = "drop_qkey",
	[SIB_CNT_DROP_PKEY] = "drop_pkey",
	[SIB_CNT_DROP_LINK_DOWN] = "drop_link_down",
	[SIB_CNT_DROP_QP_STATE] = "drop_qp_state",
	[SIB_CNT_DROP_TOO_LONG] = "drop_too_long",
	[SIB_CNT_DROP_FAULT] = "drop_fault",
	[SIB_CNT_FAULT_DUP] = "fault_duplicate",
	[SIB_CNT_FAULT_CORRUPT] = "fault_corrupt",
	[SIB_CNT_FAULT_DELAY] = "fault_delay",
	[SIB_CNT_RC_RNR] = "rc_rnr_naks",
	[SIB_CNT_RC_RETRY] = "rc_retries",
	[SIB_CNT_DROP_NO_SM] = "drop_no_sm",
	[SIB_CNT_XMIT_LSO] = "xmit_lso",
	[SIB_CNT_XMIT_LSO_SEGS] = "xmit_lso_segments",
	[SIB_CNT_XMIT_CSUM] = "xmit_csum",
	[SIB_CNT_DROP_NO_ROUTE] = "drop_no_route",
	[SIB_CNT_DROP_NO_MROUTE] = "drop_no_mroute",
	[SIB_CNT_DROP_MKEY] = "drop_mkey",
};

/* Copy a short user write into @buf, NUL-terminated and stripped. */
static char *knob_input(const char __user *ubuf, size_t len, char *buf)
{
	if (!len || len >= SIB_KNOB_MAX)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, len))
		return ERR_PTR(-EFAULT);
	buf[len] = '\0';
	return strim(buf);
}

/* ---- port knobs ---- */

static int link_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;

	seq_printf(m, "%s\n", READ_ONCE(port->link_up) ? "up" : "down");
	return 0;
}

static ssize_t link_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!strcmp(s, "up"))
		sib_port_set_link(port, true);
	else if (!strcmp(s, "down"))
		sib_port_set_link(port, false);
	else
		return -EINVAL;
	return len;
}

static int pkeys_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;
	unsigned int i;
	u16 pkey;

	for (i = 0; i < SIB_PKEY_TBL_LEN; i++)
		if (sib_port_pkey_at(port, i, &pkey))
			seq_printf(m, "0x%04x\n", pkey);
	return 0;
}

static ssize_t pkeys_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;
	u16 pkey;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if ((s[0] != '+' && s[0] != '-') || kstrtou16(s + 1, 0, &pkey) ||
	    !(pkey & 0x7fff))
		return -EINVAL;
	if (s[0] == '+')
		err = sib_port_pkey_add(port, pkey);
	else
		err = sib_port_pkey_del(port, pkey);
	return err ? err : len;
}

static int lid_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;

	seq_printf(m, "%u\n", READ_ONCE(port->lid));
	return 0;
}

static ssize_t lid_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;
	u16 lid;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (kstrtou16(s, 0, &lid))
		return -EINVAL;
	err = sib_fabric_set_lid(port, lid);
	return err ? err : len;
}

/* IB names of the widths and lane speeds ib_query_port reports */
static const struct {
	const char *name;
	u8 val;
} sib_widths[] = {
	{ "1x", IB_WIDTH_1X },
	{ "2x", IB_WIDTH_2X },
	{ "4x", IB_WIDTH_4X },
	{ "8x", IB_WIDTH_8X },
	{ "12x", IB_WIDTH_12X },
};

static const struct {
	const char *name;
	u16 val;
} sib_speeds[] = {
	{ "SDR", IB_SPEED_SDR },
	{ "DDR", IB_SPEED_DDR },
	{ "QDR", IB_SPEED_QDR },
	{ "FDR10", IB_SPEED_FDR10 },
	{ "FDR", IB_SPEED_FDR },
	{ "EDR", IB_SPEED_EDR },
	{ "HDR", IB_SPEED_HDR },
	{ "NDR", IB_SPEED_NDR },
};

static int speed_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;
	u16 speed = READ_ONCE(port->speed);
	u8 width = READ_ONCE(port->width);
	const char *w = "?", *sp = "?";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sib_widths); i++)
		if (sib_widths[i].val == width)
			w = sib_widths[i].name;
	for (i = 0; i < ARRAY_SIZE(sib_speeds); i++)
		if (sib_speeds[i].val == speed)
			sp = sib_speeds[i].name;
	seq_printf(m, "width=%s speed=%s\n", w, sp);
	return 0;
}

static int parse_speed_setting(char *tok, int *width, int *speed)
{
	char *val = strchr(tok, '=');
	unsigned int i;

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	if (!strcmp(tok, "width") && *width < 0) {
		for (i = 0; i < ARRAY_SIZE(sib_widths); i++)
			if (!strcmp(val, sib_widths[i].name))
				*width = sib_widths[i].val;
		return *width < 0 ? -EINVAL : 0;
	}
	if (!strcmp(tok, "speed") && *speed < 0) {
		for (i = 0; i < ARRAY_SIZE(sib_speeds); i++)
			if (!strcmp(val, sib_speeds[i].name))
				*speed = sib_speeds[i].val;
		return *speed < 0 ? -EINVAL : 0;
	}
	return -EINVAL;	/* unknown or repeated key */
}

/* "width=<W> speed=<S>", either may be left out (it stays). */
static ssize_t speed_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s, *tok;
	int width = -1, speed = -1;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	while ((tok = strsep(&s, " \t\n")) != NULL) {
		if (*tok && parse_speed_setting(tok, &width, &speed))
			return -EINVAL;
	}
	if (width < 0 && speed < 0)
		return -EINVAL;
	sib_port_set_speed(port, width < 0 ? READ_ONCE(port->width) : width,
			   speed < 0 ? READ_ONCE(port->speed) : speed);
	return len;
}

static int gid_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;
	union ib_gid gid;

	sib_port_gid(port, &gid);
	seq_printf(m, "%pI6\n", gid.raw);
	return 0;
}

/*
 * "guid=<interface ID>": a new port GUID, GID index 0 follows;
 * "alias=<interface ID>": GID index 1 (0 empties it).
 */
static ssize_t gid_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;
	u64 guid;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (str_has_prefix(s, "alias=")) {
		if (kstrtou64(s + 6, 0, &guid))
			return -EINVAL;
		err = sib_port_set_alias(port, guid);
		return err ? err : len;
	}
	if (!str_has_prefix(s, "guid=") || kstrtou64(s + 5, 0, &guid))
		return -EINVAL;
	err = sib_port_set_guid(port, guid);
	return err ? err : len;
}

/*
 * wedge: "1" wedges the send queues of the port's data QPs, "0" releases
 * them; reads the number of its QPs wedged now (a QP reset unwedges one).
 */
static int wedge_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u\n", sib_port_wedged(m->private));
	return 0;
}

static ssize_t wedge_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct sib_port *port = file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;
	bool on;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (kstrtobool(s, &on))
		return -EINVAL;
	sib_port_wedge(port, on);
	return len;
}

static int counters_show(struct seq_file *m, void *v)
{
	struct sib_port *port = m->private;
	unsigned int i;

	for (i = 0; i < SIB_CNT_MAX; i++)
		seq_printf(m, "%s %lld\n", sib_counter_names[i],
			   (long long)atomic64_read(&port->cnt[i]));
	return 0;
}

static int qps_show(struct seq_file *m, void *v)
{
	sib_port_qps_dump(m->private, m);
	return 0;
}

static int vfs_show(struct seq_file *m, void *v)
{
	sib_vf_dump(m->private, m);
	return 0;
}

/* ---- fabric knobs ---- */

static int sm_show(struct seq_file *m, void *v)
{
	seq_printf(m, "sm_lid %u\nstate %s\n", sib_fabric_sm_lid(),
		   READ_ONCE(sib_fab->sm_stopped) ? "stopped" : "running");
	return 0;
}

static ssize_t sm_write(struct file *file, const char __user *ubuf,
			size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s;
	int err = 0;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (sib_params.sm == SIB_SM_EXTERNAL)
		return -EOPNOTSUPP;	/* no embedded SM to act on */
	if (!strcmp(s, "reregister"))
		err = sib_fabric_sm_reregister(false);
	else if (!strcmp(s, "handover"))
		err = sib_fabric_sm_handover();
	else if (!strcmp(s, "restart"))
		err = sib_fabric_sm_reregister(true);
	else if (!strcmp(s, "stop"))
		sib_fabric_sm_stop();
	else if (!strcmp(s, "start"))
		sib_fabric_sm_start();
	else
		err = -EINVAL;
	return err ? err : len;
}

/* ---- fabric/sa ---- */

static const char * const sib_sa_mode_names[] = {
	[SIB_SA_OK] = "ok",
	[SIB_SA_REJECT] = "reject",
	[SIB_SA_DROP] = "drop",
};

static const char * const sib_sa_counter_names[SIB_SA_CNT_MAX] = {
	[SIB_SA_JOIN_REQS] = "join_requests",
	[SIB_SA_JOIN_REJECTED] = "join_rejected",
	[SIB_SA_JOIN_DROPPED] = "join_dropped",
	[SIB_SA_PATH_REQS] = "path_requests",
	[SIB_SA_PATH_REJECTED] = "path_rejected",
	[SIB_SA_PATH_DROPPED] = "path_dropped",
	[SIB_SA_NO_SM_DROPPED] = "no_sm_dropped",
};

static int sa_show(struct seq_file *m, void *v)
{
	s64 cnt[SIB_SA_CNT_MAX];
	struct sib_sa_policy pol;
	int i;

	/* outcomes before requests: a reader never sees more rejected */
	for (i = SIB_SA_CNT_MAX - 1; i >= 0; i--) {
		cnt[i] = atomic64_read(&sib_fab->sa_cnt[i]);
		smp_rmb();	/* pairs with sa_mode()'s barrier */
	}
	sib_fabric_sa_policy(&pol);
	seq_printf(m, "delay_ms=%u join=%s path=%s\n", pol.delay_ms,
		   sib_sa_mode_names[pol.join], sib_sa_mode_names[pol.path]);
	for (i = 0; i < SIB_SA_CNT_MAX; i++)
		seq_printf(m, "%s %lld\n", sib_sa_counter_names[i],
			   (long long)cnt[i]);
	return 0;
}

static int parse_sa_mode(const char *val, enum sib_sa_mode *mode)
{
	int i = match_string(sib_sa_mode_names, ARRAY_SIZE(sib_sa_mode_names),
			     val);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

static int parse_sa_setting(char *tok, struct sib_sa_policy *pol)
{
	char *val = strchr(tok, '=');

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	if (!strcmp(tok, "delay_ms")) {
		if (kstrtou32(val, 10, &pol->delay_ms) ||
		    pol->delay_ms > SIB_SA_DELAY_MAX)
			return -EINVAL;
		return 0;
	}
	if (!strcmp(tok, "join"))
		return parse_sa_mode(val, &pol->join);
	if (!strcmp(tok, "path"))
		return parse_sa_mode(val, &pol->path);
	return -EINVAL;
}

/* "reset" zeroes the counters; any other line is the whole setting. */
static ssize_t sa_write(struct file *file, const char __user *ubuf,
			size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *tok;
	struct sib_sa_policy pol = {};
	unsigned int i;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!strcmp(s, "reset")) {
		for (i = 0; i < SIB_SA_CNT_MAX; i++)
			atomic64_set(&sib_fab->sa_cnt[i], 0);
		return len;
	}
	while ((tok = strsep(&s, " \t\n")) != NULL) {
		if (*tok && parse_sa_setting(tok, &pol))
			return -EINVAL;
	}
	sib_fabric_set_sa_policy(&pol);
	return len;
}

/* ---- fabric/lft (sm=external) ---- */

static int lft_show(struct seq_file *m, void *v)
{
	sib_switch_lft_show(m);
	return 0;
}

/* "<lid> <port>": one LinearForwardingTable entry, port 255 for none. */
static ssize_t lft_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *key;
	u16 lid;
	u8 port;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	key = strsep(&s, " \t");
	if (!s || kstrtou16(key, 0, &lid) || kstrtou8(skip_spaces(s), 0, &port))
		return -EINVAL;
	err = sib_switch_lft_set(lid, port);
	return err ? err : len;
}

/* ---- fabric/mft (sm=external) ---- */

static int mft_show(struct seq_file *m, void *v)
{
	sib_switch_mft_show(m);
	return 0;
}

/* "<mlid> [<port> ...]": one MulticastForwardingTable entry. */
static ssize_t mft_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *key;
	u16 mlid;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	key = strsep(&s, " \t");
	if (kstrtou16(key, 0, &mlid))
		return -EINVAL;
	err = sib_switch_mft_set(mlid, s ? s : key + strlen(key));
	return err ? err : len;
}

/* ---- fabric/bcast_mtu ---- */

static int bcast_mtu_show(struct seq_file *m, void *v)
{
	sib_sa_dump_bcast_mtu(sib_fab->sa, m);
	return 0;
}

/* "<bytes>", "code=<0..15>" or "default" (-1). */
static int parse_bcast_mtu(const char *val, int *code)
{
	unsigned int n;

	if (!strcmp(val, "default")) {
		*code = -1;
		return 0;
	}
	if (str_has_prefix(val, "code=")) {
		if (kstrtouint(val + 5, 10, &n) || n > 15)
			return -EINVAL;
		*code = n;
		return 0;
	}
	if (kstrtouint(val, 10, &n))
		return -EINVAL;
	*code = ib_mtu_int_to_enum(n);
	return ib_mtu_enum_to_int(*code) == n ? 0 : -EINVAL;
}

static ssize_t bcast_mtu_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *key, *val;
	int code, err;
	u16 pkey;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	key = strsep(&s, " \t");
	val = s ? skip_spaces(s) : NULL;
	if (!val || kstrtou16(key, 0, &pkey) || !(pkey & 0x7fff) ||
	    strpbrk(val, " \t\n") || parse_bcast_mtu(val, &code))
		return -EINVAL;
	err = sib_sa_set_bcast_mtu(sib_fab->sa, pkey, code);
	return err ? err : len;
}

static int faults_show(struct seq_file *m, void *v)
{
	struct sib_faults f;

	spin_lock_irq(&sib_fab->lock);
	f = sib_fab->faults;
	spin_unlock_irq(&sib_fab->lock);
	seq_printf(m, "drop=%u delay_us=%u duplicate=%u corrupt=%u mads=%u\n",
		   f.drop, f.delay_us, f.duplicate, f.corrupt, f.mads);
	return 0;
}

static int parse_fault(char *tok, struct sib_faults *f)
{
	char *val = strchr(tok, '=');
	u32 v;

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	if (kstrtou32(val, 0, &v))
		return -EINVAL;
	if (!strcmp(tok, "delay_us") && v <= SIB_FAULT_DELAY_MAX)
		f->delay_us = v;
	else if (!strcmp(tok, "mads") && v <= 1)
		f->mads = v;
	else if (v > SIB_FAULT_PPM_MAX)
		return -EINVAL;
	else if (!strcmp(tok, "drop"))
		f->drop = v;
	else if (!strcmp(tok, "duplicate"))
		f->duplicate = v;
	else if (!strcmp(tok, "corrupt"))
		f->corrupt = v;
	else
		return -EINVAL;
	return 0;
}

/* The written line is the complete setting: absent keys become 0. */
static ssize_t faults_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *tok;
	struct sib_faults f = {};

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	while ((tok = strsep(&s, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (parse_fault(tok, &f))
			return -EINVAL;
	}
	spin_lock_irq(&sib_fab->lock);
	sib_fab->faults = f;
	spin_unlock_irq(&sib_fab->lock);
	return len;
}

static int groups_show(struct seq_file *m, void *v)
{
	sib_sa_dump_groups(sib_fab->sa, m);
	return 0;
}

/* Reading runs the SA's in-kernel self-test; details go to the kernel log. */
static int sa_selftest_show(struct seq_file *m, void *v)
{
	int err = sib_sa_selftest();

	if (err)
		seq_printf(m, "fail: %d\n", err);
	else
		seq_puts(m, "pass\n");
	return 0;
}

static int bench_show(struct seq_file *m, void *v)
{
	mutex_lock(&sib_fab->cfg_lock);
	seq_puts(m, sib_fab->bench_out ? sib_fab->bench_out :
		 "write 'run' to start the benchmark\n");
	mutex_unlock(&sib_fab->cfg_lock);
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char buf[SIB_KNOB_MAX], *s, *out = NULL;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (strcmp(s, "run"))
		return -EINVAL;
	err = sib_bench_run(&out);
	if (err)
		return err;
	mutex_lock(&sib_fab->cfg_lock);
	kfree(sib_fab->bench_out);
	sib_fab->bench_out = out;
	mutex_unlock(&sib_fab->cfg_lock);
	return len;
}

/* ---- device knobs ---- */

static int cqs_show(struct seq_file *m, void *v)
{
	sib_cq_dump(m->private, m);
	return 0;
}

static int replace_show(struct seq_file *m, void *v)
{
	seq_puts(m, "write 1 to unplug and replug this HCA\n");
	return 0;
}

static ssize_t replace_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	unsigned long index = (unsigned long)file_inode(file)->i_private;
	char buf[SIB_KNOB_MAX], *s;
	int err;

	s = knob_input(ubuf, len, buf);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (strcmp(s, "1"))
		return -EINVAL;
	err = sib_replace_device(index);
	return err ? err : len;
}

#define SIB_KNOB_FOPS(name)						\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return single_open(file, name##_show, inode->i_private);	\
}									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.write = name##_write,						\
	.llseek = seq_lseek,						\
	.release = single_release,					\
}

SIB_KNOB_FOPS(link);
SIB_KNOB_FOPS(pkeys);
SIB_KNOB_FOPS(lid);
SIB_KNOB_FOPS(speed);
SIB_KNOB_FOPS(gid);
SIB_KNOB_FOPS(wedge);
SIB_KNOB_FOPS(sm);
SIB_KNOB_FOPS(faults);
SIB_KNOB_FOPS(sa);
SIB_KNOB_FOPS(bcast_mtu);
SIB_KNOB_FOPS(lft);
SIB_KNOB_FOPS(mft);
SIB_KNOB_FOPS(bench);
SIB_KNOB_FOPS(replace);
DEFINE_SHOW_ATTRIBUTE(counters);
DEFINE_SHOW_ATTRIBUTE(qps);
DEFINE_SHOW_ATTRIBUTE(vfs);
DEFINE_SHOW_ATTRIBUTE(cqs);
DEFINE_SHOW_ATTRIBUTE(groups);
DEFINE_SHOW_ATTRIBUTE(sa_selftest);

void sib_debugfs_init(void)
{
	struct dentry *fab;

	sib_dbg_root = debugfs_create_dir("softib", NULL);
	fab = debugfs_create_dir("fabric", sib_dbg_root);
	debugfs_create_file("sm", 0600, fab, NULL, &sm_fops);
	debugfs_create_file("faults", 0600, fab, NULL, &faults_fops);
	debugfs_create_file("sa", 0600, fab, NULL, &sa_fops);
	debugfs_create_file("bcast_mtu", 0600, fab, NULL, &bcast_mtu_fops);
	debugfs_create_file("groups", 0400, fab, NULL, &groups_fops);
	debugfs_create_file("sa_selftest", 0400, fab, NULL, &sa_selftest_fops);
	debugfs_create_file("bench", 0600, fab, NULL, &bench_fops);
	debugfs_create_file("lft", 0600, fab, NULL, &lft_fops);
	debugfs_create_file("mft", 0600, fab, NULL, &mft_fops);
	sib_phantom_debugfs(fab);
}

/* Waits for knob writes in progress (a replace among them). */
void sib_debugfs_uninit(void)
{
	debugfs_remove_recursive(sib_dbg_root);
	sib_dbg_root = NULL;
	memset(sib_dbg_devs, 0, sizeof(sib_dbg_devs));
}

static struct dentry *dev_dir(unsigned int index)
{
	char name[16];

	if (!sib_dbg_devs[index]) {
		snprintf(name, sizeof(name), "softib%u", index);
		sib_dbg_devs[index] = debugfs_create_dir(name, sib_dbg_root);
		debugfs_create_file("replace", 0600, sib_dbg_devs[index],
				    (void *)(unsigned long)index,
				    &replace_fops);
	}
	return sib_dbg_devs[index];
}

void sib_debugfs_add_dev(struct sib_dev *sdev)
{
	struct sib_port *port;
	char name[16];
	unsigned int i;
	struct dentry *d;

	sdev->dbg = dev_dir(sdev->index);
	sdev->dbg_cqs = debugfs_create_file("cqs", 0400, sdev->dbg, sdev,
					    &cqs_fops);
	for (i = 0; i < sdev->nports; i++) {
		port = &sdev->ports[i];
		snprintf(name, sizeof(name), "port%u", port->num);
		d = debugfs_create_dir(name, sdev->dbg);
		port->dbg = d;
		debugfs_create_file("link", 0600, d, port, &link_fops);
		debugfs_create_file("pkeys", 0600, d, port, &pkeys_fops);
		debugfs_create_file("lid", 0600, d, port, &lid_fops);
		debugfs_create_file("speed", 0600, d, port, &speed_fops);
		debugfs_create_file("gid", 0600, d, port, &gid_fops);
		debugfs_create_file("wedge", 0600, d, port, &wedge_fops);
		debugfs_create_file("counters", 0400, d, port,
				    &counters_fops);
		debugfs_create_file("qps", 0400, d, port, &qps_fops);
		if (sib_params.num_vfs)
			debugfs_create_file("vfs", 0400, d, port, &vfs_fops);
	}
}

/* The port directories go; softib<index> stays for the next device. */
void sib_debugfs_del_dev(struct sib_dev *sdev)
{
	unsigned int i;

	/* already gone with the root at module exit */
	if (sib_dbg_root)
		debugfs_remove(sdev->dbg_cqs);
	sdev->dbg_cqs = NULL;
	for (i = 0; i < sdev->nports; i++) {
		if (sib_dbg_root)
			debugfs_remove_recursive(sdev->ports[i].dbg);
		sdev->ports[i].dbg = NULL;
	}
	sdev->dbg = NULL;
}
