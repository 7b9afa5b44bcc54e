// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: <debugfs>/ipoib/<ifname>_mcg and <ifname>_path for every IPoIB
 * interface (and <ifname>_cm, its connections, with connected mode), kept
 * in step with the interface name by a netdevice notifier.
 */
#include <linux/debugfs.h>
#include <linux/netdevice.h>
#include <linux/seq_file.h>

#include "ipoib.h"

static struct dentry *ipib_root;

static int mcg_show(struct seq_file *m, void *unused)
{
	ipib_mcast_dump(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mcg);

static int path_show(struct seq_file *m, void *unused)
{
	ipib_paths_dump(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(path);

#ifdef CONFIG_INFINIBAND_IPOIB_CM
static int cm_show(struct seq_file *m, void *unused)
{
	ipib_cm_dump(m->private, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cm);

static struct dentry *cm_create(struct ipib_dev *dev, const char *name)
{
	return debugfs_create_file(name, 0444, ipib_root, dev, &cm_fops);
}
#else
static struct dentry *cm_create(struct ipib_dev *dev, const char *name)
{
	return NULL;
}
#endif

static void fs_remove(struct ipib_dev *dev)
{
	debugfs_remove(dev->dbg_mcg);
	debugfs_remove(dev->dbg_path);
	debugfs_remove(dev->dbg_cm);
	dev->dbg_mcg = NULL;
	dev->dbg_path = NULL;
	dev->dbg_cm = NULL;
}

static void fs_create(struct ipib_dev *dev)
{
	char name[IFNAMSIZ + 8];

	fs_remove(dev);
	snprintf(name, sizeof(name), "%s_mcg", dev->ndev->name);
	dev->dbg_mcg = debugfs_create_file(name, 0444, ipib_root, dev,
					   &mcg_fops);
	snprintf(name, sizeof(name), "%s_path", dev->ndev->name);
	dev->dbg_path = debugfs_create_file(name, 0444, ipib_root, dev,
					    &path_fops);
	snprintf(name, sizeof(name), "%s_cm", dev->ndev->name);
	dev->dbg_cm = cm_create(dev, name);
}

static int fs_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *ndev = netdev_notifier_info_to_dev(ptr);

	if (ndev->netdev_ops != &ipib_netdev_ops)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_CHANGENAME:
		fs_create(ipib_priv(ndev));
		break;
	case NETDEV_UNREGISTER:
		fs_remove(ipib_priv(ndev));
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ipib_fs_nb = {
	.notifier_call = fs_netdev_event,
};

int ipib_fs_init(void)
{
	int rc;

	ipib_root = debugfs_create_dir("ipoib", NULL);
	rc = register_netdevice_notifier(&ipib_fs_nb);
	if (rc)
		debugfs_remove_recursive(ipib_root);
	return rc;
}

void ipib_fs_uninit(void)
{
	unregister_netdevice_notifier(&ipib_fs_nb);
	debugfs_remove_recursive(ipib_root);
}
