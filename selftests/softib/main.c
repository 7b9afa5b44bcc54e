// SPDX-License-Identifier: GPL-2.0
/*
 * softib module entry: parameters, fabric, devices.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "softib.h"

struct sib_params sib_params = {
	.devices = 2,
	.ports = 1,
	.mtu = IB_MTU_4096,
	.srq = true,
	.max_send_sge = 18,
	.max_recv_sge = SIB_MAX_SGE,
};

static unsigned int devices = 2;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of HCAs (default 2)");

static unsigned int ports = 1;
module_param(ports, uint, 0444);
MODULE_PARM_DESC(ports, "Ports per HCA (default 1)");

static unsigned int mtu = 4096;
module_param(mtu, uint, 0444);
MODULE_PARM_DESC(mtu, "Port MTU in bytes: 4096 (default) or 2048");

static bool srq = true;
module_param(srq, bool, 0444);
MODULE_PARM_DESC(srq, "Support shared receive queues (default 1)");

static bool ud_csum;
module_param(ud_csum, bool, 0444);
MODULE_PARM_DESC(ud_csum, "Advertise UD IP checksum offload (default 0)");

static bool ud_tso;
module_param(ud_tso, bool, 0444);
MODULE_PARM_DESC(ud_tso, "Advertise UD LSO (default 0)");

static unsigned int max_send_sge = 18;
module_param(max_send_sge, uint, 0444);
MODULE_PARM_DESC(max_send_sge, "Send SGEs per WR (1..32, default 18)");

static unsigned int num_vfs;
module_param(num_vfs, uint, 0444);
MODULE_PARM_DESC(num_vfs,
		 "SR-IOV virtual functions per port whose settings can be set and read (0..8, default 0: no VF operations)");

/*
 * Refused outside 1..SIB_MAX_SGE, at load (insmod fails) and at run time.
 * A write applies to the HCAs created afterwards (<ibdev>/replace), so that
 * two HCAs of one fabric can differ.
 */
static int max_recv_sge_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > SIB_MAX_SGE)
		return -EINVAL;
	WRITE_ONCE(sib_params.max_recv_sge, n);
	return 0;
}

static const struct kernel_param_ops max_recv_sge_ops = {
	.set = max_recv_sge_set,
	.get = param_get_uint,
};

module_param_cb(max_recv_sge, &max_recv_sge_ops, &sib_params.max_recv_sge,
		0644);
MODULE_PARM_DESC(max_recv_sge,
		 "Receive and SRQ SGEs per WR (1..32, default 32; a write applies to HCAs created later)");

/*
 * enhanced=1: the HCAs offer IPoIB the vendor offload path (rdma_netdev,
 * rnetdev.c).  A write applies to the HCAs created afterwards
 * (<ibdev>/replace), so one fabric can mix both kinds.
 */
module_param_named(enhanced, sib_params.enhanced, bool, 0644);
MODULE_PARM_DESC(enhanced,
		 "Offer IPoIB the rdma_netdev offload path (default 0; a write applies to HCAs created later)");

static const char * const sib_sm_names[] = {
	[SIB_SM_EMBEDDED] = "embedded",
	[SIB_SM_EXTERNAL] = "external",
};

/* sm=embedded|external, anything else fails insmod with EINVAL */
static int sm_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(sib_sm_names, val);

	if (i < 0)
		return -EINVAL;
	sib_params.sm = i;
	return 0;
}

static int sm_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", sib_sm_names[sib_params.sm]);
}

static const struct kernel_param_ops sm_ops = {
	.set = sm_set,
	.get = sm_get,
};

module_param_cb(sm, &sm_ops, NULL, 0444);
MODULE_PARM_DESC(sm,
		 "Subnet manager: embedded (default: softib assigns LIDs and answers the SA) or external (an SM such as OpenSM configures the ports through the SMA and a modelled switch, and answers the SA)");

/* under sib_bench_lock once the module is live */
static struct sib_dev *sib_devs[SIB_MAX_DEVICES];

static int check_params(void)
{
	if (devices < 1 || devices > SIB_MAX_DEVICES ||
	    ports < 1 || ports > SIB_MAX_PORTS ||
	    (mtu != 4096 && mtu != 2048) ||
	    max_send_sge < 1 || max_send_sge > SIB_MAX_SGE ||
	    num_vfs > SIB_MAX_VFS)
		return -EINVAL;
	sib_params.devices = devices;
	sib_params.ports = ports;
	sib_params.mtu = ib_mtu_int_to_enum(mtu);
	sib_params.srq = srq;
	sib_params.ud_csum = ud_csum;
	sib_params.ud_tso = ud_tso;
	sib_params.max_send_sge = max_send_sge;
	sib_params.num_vfs = num_vfs;
	return 0;
}

static void destroy_devices(void)
{
	int i;

	for (i = SIB_MAX_DEVICES - 1; i >= 0; i--) {
		if (sib_devs[i])
			sib_dev_destroy(sib_devs[i]);
		sib_devs[i] = NULL;
	}
}

static int create_devices(void)
{
	unsigned int i;

	for (i = 0; i < sib_params.devices; i++) {
		sib_devs[i] = sib_dev_create(i);
		if (IS_ERR(sib_devs[i])) {
			int err = PTR_ERR(sib_devs[i]);

			sib_devs[i] = NULL;
			destroy_devices();
			return err;
		}
	}
	return 0;
}

/* Like a real subnet: the links train once the SM has configured them. */
static void bring_ports_up(void)
{
	unsigned int i, p;

	for (i = 0; i < sib_params.devices; i++)
		for (p = 0; p < sib_devs[i]->nports; p++)
			sib_port_set_link(&sib_devs[i]->ports[p], true);
}

/**
 * sib_replace_device - fabric knob <ibdev>/replace: unplug and replug
 * @index: the device number
 *
 * Return: 0, -ENODEV when the device is gone (a replacement failed
 * before), or the error that made the new device fail (it is gone then).
 */
int sib_replace_device(unsigned int index)
{
	struct sib_dev *sdev;
	int err = -ENODEV;

	if (index >= SIB_MAX_DEVICES)
		return -EINVAL;
	mutex_lock(&sib_bench_lock);
	if (sib_devs[index]) {
		sdev = sib_dev_replace(sib_devs[index]);
		err = PTR_ERR_OR_ZERO(sdev);
		sib_devs[index] = err ? NULL : sdev;
	}
	mutex_unlock(&sib_bench_lock);
	return err;
}

static int __init sib_init(void)
{
	int err;

	err = check_params();
	if (err)
		return err;
	err = sib_fabric_create();
	if (err)
		return err;
	if (sib_params.sm == SIB_SM_EXTERNAL) {
		err = sib_switch_create();
		if (err) {
			sib_fabric_destroy();
			return err;
		}
	}
	sib_debugfs_init();
	mutex_lock(&sib_bench_lock);
	err = create_devices();
	if (!err)
		bring_ports_up();
	mutex_unlock(&sib_bench_lock);
	if (err)
		goto err_fabric;
	pr_info("%u devices with %u port(s) each\n", sib_params.devices,
		sib_params.ports);
	return 0;

err_fabric:
	sib_debugfs_uninit();
	sib_switch_destroy();
	sib_fabric_destroy();
	return err;
}

static void __exit sib_exit(void)
{
	/* no knob (the benchmark) may run while devices go away */
	sib_debugfs_uninit();
	/* each device unlinks its ports once its QPs are gone */
	mutex_lock(&sib_bench_lock);
	destroy_devices();
	mutex_unlock(&sib_bench_lock);
	/* the switch's trap work reaches the fabric: it goes first */
	sib_switch_destroy();
	sib_fabric_destroy();
}

module_init(sib_init);
module_exit(sib_exit);
MODULE_DESCRIPTION("Software InfiniBand HCA and fabric for IPoIB testing");
MODULE_LICENSE("GPL");
