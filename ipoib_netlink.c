// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink link kind "ipoib" arrives with the P_Key child issue; the hooks
 * exist so module init does not change then.
 */
#include "ipoib.h"

int ipib_netlink_init(void)
{
	return 0;
}

void ipib_netlink_uninit(void)
{
}
