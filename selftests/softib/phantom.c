// SPDX-License-Identifier: GPL-2.0
/*
 * softib phantom peers: fabric endpoints with no device behind them, so
 * that a test can give an interface hundreds of neighbours on a fabric of
 * two ports.  fabric/phantoms sets how many exist (0..SIB_PHANTOM_MAX).
 *
 * Phantom i has port GUID SIB_PHANTOM_GUID + i, GID fe80::/64 + that GUID,
 * LID SIB_PHANTOM_LID + i, the default partition as a full member and the
 * fabric's MTU.  The SA answers PathRecord queries for it as for a port.
 * A unicast UD message sent to its LID is taken and counted, whatever the
 * QPN, and the phantom is marked as reached; nothing ever comes back.
 * It has no QP0/QP1 (MADs and CM requests to it are lost, so connected
 * mode to a phantom times out) and joins no multicast group.  A real
 * port's LID wins over a phantom's.
 */
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "softib.h"
#include "phantom.h"

/*
 * lock serialises writers.  count: written under lock, read locklessly by
 * the SA and the data path; pkts, bytes, reached (phantoms that took a
 * message): atomics and atomic bit operations, zeroed under lock with each
 * write of count (a message in flight then may count after the zeroing).
 */
static struct {
	struct mutex lock;		/* writers of count */
	unsigned int count;
	atomic64_t pkts;
	atomic64_t bytes;
	DECLARE_BITMAP(reached, SIB_PHANTOM_MAX);
} sib_phantoms = {
	.lock = __MUTEX_INITIALIZER(sib_phantoms.lock),
};

static void phantom_fill(unsigned int i, struct sib_sa_port *out)
{
	u64 guid = SIB_PHANTOM_GUID + i;

	memset(out, 0, sizeof(*out));
	out->gid.global.subnet_prefix = cpu_to_be64(0xfe80000000000000ULL);
	out->gid.global.interface_id = cpu_to_be64(guid);
	out->port_guid = guid;
	out->lid = SIB_PHANTOM_LID + i;
	out->mtu = sib_params.mtu;
	out->rate = IB_RATE_200_GBPS;
	out->active = true;
	out->pkeys[0] = 0xffff;
	out->npkeys = 1;
}

/**
 * sib_phantom_by_gid - the SA's view of the phantom owning @gid
 * @gid: a GID from a query
 * @out: filled in when a phantom owns @gid
 *
 * Return: 0, or -ENOENT when no phantom has that GID.
 */
int sib_phantom_by_gid(const union ib_gid *gid, struct sib_sa_port *out)
{
	u64 id = be64_to_cpu(gid->global.interface_id);

	if (be64_to_cpu(gid->global.subnet_prefix) != 0xfe80000000000000ULL ||
	    id < SIB_PHANTOM_GUID ||
	    id - SIB_PHANTOM_GUID >= READ_ONCE(sib_phantoms.count))
		return -ENOENT;
	phantom_fill(id - SIB_PHANTOM_GUID, out);
	return 0;
}

/**
 * sib_phantom_by_lid - the SA's view of the phantom at @lid
 * @lid: a LID no port has
 * @out: filled in when a phantom has @lid
 *
 * Return: 0, or -ENOENT.
 */
int sib_phantom_by_lid(u16 lid, struct sib_sa_port *out)
{
	if (lid < SIB_PHANTOM_LID ||
	    lid - SIB_PHANTOM_LID >= READ_ONCE(sib_phantoms.count))
		return -ENOENT;
	phantom_fill(lid - SIB_PHANTOM_LID, out);
	return 0;
}

/**
 * sib_phantom_rx - take a unicast message whose DLID no port has
 * @pkt: the message
 *
 * Return: true when a phantom took (and counted) it.
 */
bool sib_phantom_rx(const struct sib_pkt *pkt)
{
	unsigned int i = pkt->dlid - SIB_PHANTOM_LID;

	if (pkt->dlid < SIB_PHANTOM_LID || i >= READ_ONCE(sib_phantoms.count))
		return false;
	/* test first: the bit's cache line is not dirtied per message */
	if (!test_bit(i, sib_phantoms.reached))
		set_bit(i, sib_phantoms.reached);
	atomic64_inc(&sib_phantoms.pkts);
	atomic64_add(pkt->len, &sib_phantoms.bytes);
	return true;
}

static int phantoms_show(struct seq_file *m, void *v)
{
	seq_printf(m, "count %u\nlid_base %#x\nguid_base %#llx\n",
		   READ_ONCE(sib_phantoms.count), SIB_PHANTOM_LID,
		   SIB_PHANTOM_GUID);
	seq_printf(m, "rcv_packets %lld\nrcv_bytes %lld\nreached %u\n",
		   atomic64_read(&sib_phantoms.pkts),
		   atomic64_read(&sib_phantoms.bytes),
		   bitmap_weight(sib_phantoms.reached, SIB_PHANTOM_MAX));
	return 0;
}

static ssize_t phantoms_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	unsigned int n;
	int err;

	err = kstrtouint_from_user(ubuf, len, 10, &n);
	if (err)
		return err;
	if (n > SIB_PHANTOM_MAX)
		return -EINVAL;
	mutex_lock(&sib_phantoms.lock);
	WRITE_ONCE(sib_phantoms.count, n);
	atomic64_set(&sib_phantoms.pkts, 0);
	atomic64_set(&sib_phantoms.bytes, 0);
	bitmap_zero(sib_phantoms.reached, SIB_PHANTOM_MAX);
	mutex_unlock(&sib_phantoms.lock);
	return len;
}

static int phantoms_open(struct inode *inode, struct file *file)
{
	return single_open(file, phantoms_show, inode->i_private);
}

static const struct file_operations phantoms_fops = {
	.owner = THIS_MODULE,
	.open = phantoms_open,
	.read = seq_read,
	.write = phantoms_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * sib_phantom_debugfs - create fabric/phantoms
 * @fabric_dir: the fabric's debugfs directory
 *
 * Reading it gives "count", "lid_base", "guid_base", "rcv_packets",
 * "rcv_bytes" and "reached" (how many phantoms took a message) lines;
 * writing a number from 0 to SIB_PHANTOM_MAX sets the count and zeroes the
 * counters (anything else: EINVAL, nothing changes).
 */
void sib_phantom_debugfs(struct dentry *fabric_dir)
{
	debugfs_create_file("phantoms", 0600, fabric_dir, NULL,
			    &phantoms_fops);
}
