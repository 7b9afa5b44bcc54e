// SPDX-License-Identifier: GPL-2.0
/*
 * softib SR-IOV virtual functions: with num_vfs > 0 every port has that
 * many VFs whose link state and node/port GUIDs can be set and read back
 * through the ib_device VF ops (ib_set_vf_link_state() and friends, which
 * IPoIB's ndo_set_vf_* forward to).  There is nothing behind them: the
 * settings are only stored, counted and shown in <ibdev>/port<N>/vfs.
 */
#include <linux/if_link.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "softib.h"

static const char * const sib_vf_link_names[] = {
	[IFLA_VF_LINK_STATE_AUTO] = "auto",
	[IFLA_VF_LINK_STATE_ENABLE] = "enable",
	[IFLA_VF_LINK_STATE_DISABLE] = "disable",
};

/* Every VF of @port back to its defaults: link auto, GUIDs 0, no sets. */
void sib_vf_port_init(struct sib_port *port)
{
	unsigned int i;

	mutex_init(&port->vf_lock);
	for (i = 0; i < SIB_MAX_VFS; i++) {
		memset(&port->vfs[i], 0, sizeof(port->vfs[i]));
		port->vfs[i].link_state = IFLA_VF_LINK_STATE_AUTO;
	}
}

/*
 * The port of @ibdev that @port_num names, if @vf is one of its VFs; the
 * caller takes the port's vf_lock to use port->vfs[@vf].
 */
static struct sib_port *sib_vf_port(struct ib_device *ibdev, int vf,
				    u32 port_num)
{
	if (vf < 0 || (unsigned int)vf >= sib_params.num_vfs)
		return NULL;
	return sib_port_get(to_sdev(ibdev), port_num);
}

/**
 * sib_set_vf_link_state - ib_device_ops.set_vf_link_state
 * @ibdev: the HCA
 * @vf: VF number, 0..num_vfs-1
 * @port_num: port, 1..ports
 * @state: IFLA_VF_LINK_STATE_AUTO, _ENABLE or _DISABLE
 *
 * Context: process (rtnetlink, under RTNL).
 * Return: 0, or -EINVAL for a bad VF, port or state.
 */
int sib_set_vf_link_state(struct ib_device *ibdev, int vf, u32 port_num,
			  int state)
{
	struct sib_port *port = sib_vf_port(ibdev, vf, port_num);

	if (!port || (unsigned int)state >= ARRAY_SIZE(sib_vf_link_names))
		return -EINVAL;
	mutex_lock(&port->vf_lock);
	port->vfs[vf].link_state = state;
	port->vfs[vf].sets++;
	mutex_unlock(&port->vf_lock);
	return 0;
}

/**
 * sib_set_vf_guid - ib_device_ops.set_vf_guid
 * @ibdev: the HCA
 * @vf: VF number, 0..num_vfs-1
 * @port_num: port, 1..ports
 * @guid: the new GUID; any value is taken, 0 included
 * @type: IFLA_VF_IB_NODE_GUID or IFLA_VF_IB_PORT_GUID
 *
 * Context: process (rtnetlink, under RTNL).
 * Return: 0, or -EINVAL for a bad VF, port or type.
 */
int sib_set_vf_guid(struct ib_device *ibdev, int vf, u32 port_num, u64 guid,
		    int type)
{
	struct sib_port *port = sib_vf_port(ibdev, vf, port_num);

	if (!port ||
	    (type != IFLA_VF_IB_NODE_GUID && type != IFLA_VF_IB_PORT_GUID))
		return -EINVAL;
	mutex_lock(&port->vf_lock);
	if (type == IFLA_VF_IB_NODE_GUID)
		port->vfs[vf].node_guid = guid;
	else
		port->vfs[vf].port_guid = guid;
	port->vfs[vf].sets++;
	mutex_unlock(&port->vf_lock);
	return 0;
}

/**
 * sib_get_vf_config - ib_device_ops.get_vf_config
 * @ibdev: the HCA
 * @vf: VF number, 0..num_vfs-1
 * @port_num: port, 1..ports
 * @ivf: filled: vf and linkstate, every other field zero
 *
 * Return: 0, or -EINVAL for a bad VF or port (@ivf untouched).
 */
int sib_get_vf_config(struct ib_device *ibdev, int vf, u32 port_num,
		      struct ifla_vf_info *ivf)
{
	struct sib_port *port = sib_vf_port(ibdev, vf, port_num);

	if (!port)
		return -EINVAL;
	memset(ivf, 0, sizeof(*ivf));
	ivf->vf = vf;
	mutex_lock(&port->vf_lock);
	ivf->linkstate = port->vfs[vf].link_state;
	mutex_unlock(&port->vf_lock);
	return 0;
}

/* ib_device_ops.get_vf_stats: a VF moves no traffic, all zero. */
int sib_get_vf_stats(struct ib_device *ibdev, int vf, u32 port_num,
		     struct ifla_vf_stats *stats)
{
	if (!sib_vf_port(ibdev, vf, port_num))
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	return 0;
}

/**
 * sib_get_vf_guid - ib_device_ops.get_vf_guid
 * @ibdev: the HCA
 * @vf: VF number, 0..num_vfs-1
 * @port_num: port, 1..ports
 * @node_guid: filled with @vf and the VF's node GUID
 * @port_guid: filled with @vf and the VF's port GUID
 *
 * Return: 0, or -EINVAL for a bad VF or port (nothing filled).
 */
int sib_get_vf_guid(struct ib_device *ibdev, int vf, u32 port_num,
		    struct ifla_vf_guid *node_guid,
		    struct ifla_vf_guid *port_guid)
{
	struct sib_port *port = sib_vf_port(ibdev, vf, port_num);

	if (!port)
		return -EINVAL;
	memset(node_guid, 0, sizeof(*node_guid));
	memset(port_guid, 0, sizeof(*port_guid));
	node_guid->vf = vf;
	port_guid->vf = vf;
	mutex_lock(&port->vf_lock);
	node_guid->guid = port->vfs[vf].node_guid;
	port_guid->guid = port->vfs[vf].port_guid;
	mutex_unlock(&port->vf_lock);
	return 0;
}

/**
 * sib_vf_dump - debugfs <ibdev>/port<N>/vfs
 * @port: the port
 * @m: where the lines go
 *
 * One line per VF: "vf <n> link_state <auto|enable|disable>
 * node_guid 0x<16 hex> port_guid 0x<16 hex> sets <n>".
 */
void sib_vf_dump(struct sib_port *port, struct seq_file *m)
{
	const struct sib_vf *v;
	unsigned int i;

	mutex_lock(&port->vf_lock);
	for (i = 0; i < sib_params.num_vfs; i++) {
		v = &port->vfs[i];
		seq_printf(m,
			   "vf %u link_state %s node_guid 0x%016llx port_guid 0x%016llx sets %llu\n",
			   i, sib_vf_link_names[v->link_state],
			   v->node_guid, v->port_guid, v->sets);
	}
	mutex_unlock(&port->vf_lock);
}
