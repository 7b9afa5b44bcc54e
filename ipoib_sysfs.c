// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes in /sys/class/net/<if>/: mode, umcast and pkey.
 * create_child/delete_child come with the P_Key child issue.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>

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

static struct attribute *ipib_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_umcast.attr,
	&dev_attr_pkey.attr,
	NULL,
};

const struct attribute_group ipib_attr_group = {
	.attrs = ipib_attrs,
};
