// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes in /sys/class/net/<if>/: mode, umcast and pkey on every
 * interface; create_child and delete_child on parents; parent on children
 * (of both kinds: a child made through rtnetlink has the same files as one
 * made through create_child).
 *
 * A store that needs RTNL only tries it and restarts the system call when
 * it is busy: unregistration removes these files while holding RTNL and
 * waits for the stores in progress.
 */
#include <linux/capability.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <net/net_namespace.h>

#include "ipoib.h"

static struct ipib_dev *to_ipib(struct device *d)
{
	return ipib_priv(to_net_dev(d));
}

static ssize_t mode_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct ipib_dev *dev = to_ipib(d);

	return sysfs_emit(buf, "%s\n", READ_ONCE(dev->mode) ==
			  IPIB_MODE_CONNECTED ? "connected" : "datagram");
}

static ssize_t mode_store(struct device *d, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct ipib_dev *dev = to_ipib(d);
	enum ipib_mode mode;
	int rc;

	if (!strcmp(buf, "datagram\n"))
		mode = IPIB_MODE_DATAGRAM;
	else if (!strcmp(buf, "connected\n"))
		mode = IPIB_MODE_CONNECTED;
	else
		return -EINVAL;

	if (!rtnl_trylock())
		return restart_syscall();
	if (dev->ndev->reg_state != NETREG_REGISTERED) {
		rc = -EPERM;
		goto out_unlock;
	}
	rc = ipib_cm_set_mode(dev, mode);
out_unlock:
	rtnl_unlock();
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(mode);

static ssize_t umcast_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_ipib(d)->umcast));
}

static ssize_t umcast_store(struct device *d, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct ipib_dev *dev = to_ipib(d);
	unsigned long val;
	int rc;

	rc = kstrtoul(buf, 0, &val);
	if (rc)
		return rc;
	if (val)
		netdev_warn(dev->ndev,
			    "ignoring multicast groups joined directly by userspace\n");
	WRITE_ONCE(dev->umcast, !!val);
	return count;
}
static DEVICE_ATTR_RW(umcast);

static ssize_t pkey_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%04x\n", READ_ONCE(to_ipib(d)->pkey) | 0x8000);
}
static DEVICE_ATTR_RO(pkey);

/* A P_Key as written: decimal, 0x-hex or 0-octal, one optional newline. */
static int parse_pkey(const char *buf, int min, int *pkey)
{
	int rc = kstrtoint(buf, 0, pkey);

	if (rc)
		return -EINVAL;
	return *pkey < min || *pkey > 0xffff ? -EINVAL : 0;
}

/* The checks create_child and delete_child share, then the change. */
static ssize_t child_store(struct device *d, const char *buf, size_t count,
			   bool add)
{
	struct ipib_dev *dev = to_ipib(d);
	int pkey, rc;

	rc = parse_pkey(buf, add ? 1 : 0, &pkey);
	if (rc)
		return rc;
	if (add && pkey == 0x8000)
		return -EINVAL;
	if (!ns_capable(dev_net(dev->ndev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!rtnl_trylock())
		return restart_syscall();
	if (dev->ndev->reg_state != NETREG_REGISTERED)
		rc = -EPERM;
	else if (add)
		rc = ipib_child_add_sysfs(dev, pkey);
	else
		rc = ipib_child_del_sysfs(dev, pkey);
	rtnl_unlock();
	return rc ? rc : count;
}

static ssize_t create_child_store(struct device *d,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	return child_store(d, buf, count, true);
}
static DEVICE_ATTR_WO(create_child);

static ssize_t delete_child_store(struct device *d,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	return child_store(d, buf, count, false);
}
static DEVICE_ATTR_WO(delete_child);

/* The parent's name; the parent cannot go while the child exists. */
static ssize_t parent_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct ipib_dev *parent = to_ipib(d)->family.parent;

	return sysfs_emit(buf, "%s\n", parent->ndev->name);
}
static DEVICE_ATTR_RO(parent);

static struct attribute *ipib_parent_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_umcast.attr,
	&dev_attr_pkey.attr,
	&dev_attr_create_child.attr,
	&dev_attr_delete_child.attr,
	NULL,
};

const struct attribute_group ipib_parent_attr_group = {
	.attrs = ipib_parent_attrs,
};

static struct attribute *ipib_child_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_umcast.attr,
	&dev_attr_pkey.attr,
	&dev_attr_parent.attr,
	NULL,
};

const struct attribute_group ipib_child_attr_group = {
	.attrs = ipib_child_attrs,
};
