// SPDX-License-Identifier: GPL-2.0
/*
 * softib device: the ib_device_ops table, device attributes and
 * registration with the RDMA core.
 */
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "softib.h"
#include "rnetdev.h"

static int sib_query_device(struct ib_device *ibdev,
			    struct ib_device_attr *attr,
			    struct ib_udata *udata)
{
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;
	memset(attr, 0, sizeof(*attr));
	attr->fw_ver = 1;
	attr->sys_image_guid = ibdev->node_guid;
	attr->max_mr_size = U64_MAX;
	attr->page_size_cap = PAGE_SIZE;
	attr->vendor_id = 0;
	attr->vendor_part_id = 0x5349;
	attr->max_qp = 65536;
	attr->max_qp_wr = SIB_MAX_WR;
	attr->device_cap_flags = IB_DEVICE_RC_RNR_NAK_GEN |
				 IB_DEVICE_PORT_ACTIVE_EVENT |
				 IB_DEVICE_SYS_IMAGE_GUID;
	if (sib_params.ud_csum)
		attr->device_cap_flags |= IB_DEVICE_UD_IP_CSUM;
	attr->kernel_cap_flags = IBK_BLOCK_MULTICAST_LOOPBACK;
	if (sib_params.ud_tso)
		attr->kernel_cap_flags |= IBK_UD_TSO;
	attr->max_send_sge = sib_params.max_send_sge;
	attr->max_recv_sge = to_sdev(ibdev)->max_recv_sge;
	attr->max_sge_rd = 1;
	attr->max_cq = 65536;
	attr->max_cqe = SIB_MAX_CQE - 1;
	attr->max_mr = 65536;
	attr->max_pd = 65536;
	attr->max_qp_rd_atom = 16;
	attr->max_qp_init_rd_atom = 16;
	attr->max_res_rd_atom = 65536;
	attr->atomic_cap = IB_ATOMIC_NONE;
	attr->max_mcast_grp = 8192;
	attr->max_mcast_qp_attach = 1024;
	attr->max_total_mcast_qp_attach = 65536;
	attr->max_ah = 65536;
	if (sib_params.srq) {
		attr->max_srq = 4096;
		attr->max_srq_wr = SIB_MAX_WR;
		attr->max_srq_sge = to_sdev(ibdev)->max_recv_sge;
	}
	attr->max_pkeys = SIB_PKEY_TBL_LEN;
	attr->local_ca_ack_delay = 15;
	return 0;
}

static void sib_get_dev_fw_str(struct ib_device *ibdev, char *str)
{
	snprintf(str, IB_FW_VERSION_NAME_MAX, "softib 1.0");
}

static const struct ib_device_ops sib_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = 1,

	.alloc_pd = sib_alloc_pd,
	.attach_mcast = sib_attach_mcast,
	.create_ah = sib_create_ah,
	.create_cq = sib_create_cq,
	.create_qp = sib_create_qp,
	.dealloc_pd = sib_dealloc_pd,
	.dereg_mr = sib_dereg_mr,
	.destroy_ah = sib_destroy_ah,
	.destroy_cq = sib_destroy_cq,
	.destroy_qp = sib_destroy_qp,
	.detach_mcast = sib_detach_mcast,
	.get_dev_fw_str = sib_get_dev_fw_str,
	.get_dma_mr = sib_get_dma_mr,
	.get_link_layer = sib_get_link_layer,
	.get_port_immutable = sib_get_port_immutable,
	.modify_cq = sib_modify_cq,
	.modify_port = sib_modify_port,
	.modify_qp = sib_modify_qp,
	.poll_cq = sib_poll_cq,
	.post_recv = sib_post_recv,
	.post_send = sib_post_send,
	.query_ah = sib_query_ah,
	.query_device = sib_query_device,
	.query_gid = sib_query_gid,
	.query_pkey = sib_query_pkey,
	.query_port = sib_query_port,
	.query_qp = sib_query_qp,
	.reg_user_mr = sib_reg_user_mr,
	.req_notify_cq = sib_req_notify_cq,

	INIT_RDMA_OBJ_SIZE(ib_ah, sib_ah, ibah),
	INIT_RDMA_OBJ_SIZE(ib_cq, sib_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_pd, sib_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, sib_qp, ibqp),
};

/* sm=external: the ports' SMA (smp.c) */
static const struct ib_device_ops sib_sma_ops = {
	.process_mad = sib_process_mad,
};

static const struct ib_device_ops sib_srq_ops = {
	.create_srq = sib_create_srq,
	.destroy_srq = sib_destroy_srq,
	.modify_srq = sib_modify_srq,
	.post_srq_recv = sib_post_srq_recv,
	.query_srq = sib_query_srq,

	INIT_RDMA_OBJ_SIZE(ib_srq, sib_srq, ibsrq),
};

/* num_vfs > 0 only: without them ib_core answers -EOPNOTSUPP */
static const struct ib_device_ops sib_vf_ops = {
	.get_vf_config = sib_get_vf_config,
	.get_vf_guid = sib_get_vf_guid,
	.get_vf_stats = sib_get_vf_stats,
	.set_vf_guid = sib_set_vf_guid,
	.set_vf_link_state = sib_set_vf_link_state,
};

static void sib_dev_setup(struct sib_dev *sdev, unsigned int index)
{
	struct ib_device *ibdev = &sdev->ibdev;

	sdev->index = index;
	sdev->nports = sib_params.ports;
	sdev->next_qpn = 16;
	sdev->max_recv_sge = READ_ONCE(sib_params.max_recv_sge);
	sdev->enhanced = READ_ONCE(sib_params.enhanced);
	xa_init_flags(&sdev->qps, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);
	spin_lock_init(&sdev->cq_lock);
	INIT_LIST_HEAD(&sdev->cqs);
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = sdev->nports;
	ibdev->num_comp_vectors = 1;
	ibdev->node_guid = cpu_to_be64(SIB_GUID_BASE | ((u64)index << 8));
	ibdev->dev.parent = &sdev->pdev->dev;
	snprintf(ibdev->node_desc, sizeof(ibdev->node_desc),
		 "softib HCA %u", index);
	ib_set_device_ops(ibdev, &sib_dev_ops);
	if (sib_params.srq)
		ib_set_device_ops(ibdev, &sib_srq_ops);
	if (sib_params.sm == SIB_SM_EXTERNAL)
		ib_set_device_ops(ibdev, &sib_sma_ops);
	if (sib_params.num_vfs)
		ib_set_device_ops(ibdev, &sib_vf_ops);
	ib_set_device_ops(ibdev, &sib_rn_dev_ops);
}

static void sib_dev_del_ports(struct sib_dev *sdev, unsigned int n)
{
	while (n--)
		sib_fabric_del_port(&sdev->ports[n]);
}

/*
 * Link the ports into the fabric, with the GUIDs, link speeds and LIDs of
 * @st when given (else the defaults and any LID).
 */
static int sib_dev_add_ports(struct sib_dev *sdev,
			     const struct sib_dev_state *st)
{
	unsigned int i;
	int err;

	for (i = 0; i < sdev->nports; i++) {
		sib_port_init(sdev, &sdev->ports[i], i + 1);
		if (st) {
			sdev->ports[i].guid = st->guids[i];
			sdev->ports[i].width = st->widths[i];
			sdev->ports[i].speed = st->speeds[i];
		}
		err = sib_fabric_add_port(&sdev->ports[i],
					  st ? st->lids[i] : 0);
		if (err) {
			sib_dev_del_ports(sdev, i);
			return err;
		}
	}
	return 0;
}

static int sib_dev_register(struct sib_dev *sdev)
{
	char name[IB_DEVICE_NAME_MAX];
	int err;

	sib_debugfs_add_dev(sdev);
	snprintf(name, sizeof(name), "softib%u", sdev->index);
	err = ib_register_device(&sdev->ibdev, name, NULL);
	if (err) {
		sib_debugfs_del_dev(sdev);
		return err;
	}
	WRITE_ONCE(sdev->registered, true);
	return 0;
}

/* An HCA on @pdev; @st carries what a replaced one left (or NULL). */
static struct sib_dev *sib_dev_build(struct platform_device *pdev,
				     unsigned int index,
				     const struct sib_dev_state *st)
{
	struct sib_dev *sdev;
	unsigned int i;
	int err;

	sdev = ib_alloc_device(sib_dev, ibdev);
	if (!sdev)
		return ERR_PTR(-ENOMEM);
	sdev->pdev = pdev;
	sib_dev_setup(sdev, index);
	if (st)
		sdev->next_qpn = st->next_qpn;
	err = sib_dev_add_ports(sdev, st);
	if (err)
		goto err_dealloc;
	for (i = 0; st && i < sdev->nports; i++)
		sib_port_set_pkeys(&sdev->ports[i], st->pkeys[i]);
	err = sib_dev_register(sdev);
	if (err)
		goto err_ports;
	return sdev;

err_ports:
	sib_dev_del_ports(sdev, sdev->nports);
err_dealloc:
	xa_destroy(&sdev->qps);
	ib_dealloc_device(&sdev->ibdev);
	return ERR_PTR(err);
}

/**
 * sib_dev_create - create, link and register one HCA
 * @index: device number (softib<index>, GUIDs, parent device id)
 *
 * Ports start DOWN; the caller raises them once every device exists.
 * Return: the device or an ERR_PTR.
 */
struct sib_dev *sib_dev_create(unsigned int index)
{
	struct platform_device *pdev;
	struct sib_dev *sdev;

	pdev = platform_device_register_simple("softib", index, NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);
	sdev = sib_dev_build(pdev, index, NULL);
	if (IS_ERR(sdev))
		platform_device_unregister(pdev);
	return sdev;
}

/* No more events for @sdev (they are dispatched asynchronously). */
static void sib_dev_unregister(struct sib_dev *sdev)
{
	mutex_lock(&sib_fab->cfg_lock);
	WRITE_ONCE(sdev->registered, false);
	mutex_unlock(&sib_fab->cfg_lock);
	ib_unregister_device(&sdev->ibdev);
}

/* Unlink and free an unregistered HCA, keeping its platform device. */
static void sib_dev_release(struct sib_dev *sdev)
{
	sib_debugfs_del_dev(sdev);
	sib_dev_del_ports(sdev, sdev->nports);
	xa_destroy(&sdev->qps);
	ib_dealloc_device(&sdev->ibdev);
}

void sib_dev_destroy(struct sib_dev *sdev)
{
	struct platform_device *pdev = sdev->pdev;

	sib_dev_unregister(sdev);
	sib_dev_release(sdev);
	platform_device_unregister(pdev);
}

/* What a replacement inherits; @sdev is unregistered (no QP is left). */
static void sib_dev_save(struct sib_dev *sdev, struct sib_dev_state *st)
{
	unsigned int i;
	u16 j;

	st->next_qpn = sdev->next_qpn;
	for (i = 0; i < sdev->nports; i++) {
		st->lids[i] = READ_ONCE(sdev->ports[i].lid);
		st->guids[i] = READ_ONCE(sdev->ports[i].guid);
		st->widths[i] = READ_ONCE(sdev->ports[i].width);
		st->speeds[i] = READ_ONCE(sdev->ports[i].speed);
		for (j = 0; j < SIB_PKEY_TBL_LEN; j++)
			sib_port_pkey_at(&sdev->ports[i], j, &st->pkeys[i][j]);
	}
}

/**
 * sib_dev_replace - unplug an HCA and plug an identical one back in
 * @old: the registered device; freed
 *
 * IB clients see the device removed and a new one added under the same
 * name, with the same GUIDs, link speeds, LIDs and P_Key tables, its
 * links coming up as on load.  QP numbers continue from the old device's, so none is
 * handed out again.
 * Context: process; the caller serialises this with module unload.
 * Return: the new device, or an ERR_PTR with the old one gone.
 */
struct sib_dev *sib_dev_replace(struct sib_dev *old)
{
	struct platform_device *pdev = old->pdev;
	unsigned int index = old->index, i;
	struct sib_dev_state *st;
	struct sib_dev *sdev;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return ERR_PTR(-ENOMEM);
	sib_dev_unregister(old);
	sib_dev_save(old, st);
	sib_dev_release(old);
	sdev = sib_dev_build(pdev, index, st);
	kfree(st);
	if (IS_ERR(sdev)) {
		platform_device_unregister(pdev);
		return sdev;
	}
	for (i = 0; i < sdev->nports; i++)
		sib_port_set_link(&sdev->ports[i], true);
	return sdev;
}
