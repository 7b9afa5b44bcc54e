// SPDX-License-Identifier: GPL-2.0
/*
 * Connected mode (RFC 4755) is its own issue.  Until it lands the interface
 * stays in datagram mode and asking for connected mode fails cleanly.
 */
#include "ipoib.h"

/**
 * ipib_cm_set_mode - switch between datagram and connected mode
 * @dev: the interface
 * @mode: the requested mode
 *
 * Return: 0 when @mode is the current mode, -EINVAL otherwise: connected
 * mode is not available (the hardware address has no RC-capable flag).
 */
int ipib_cm_set_mode(struct ipib_dev *dev, enum ipib_mode mode)
{
	ASSERT_RTNL();
	if (mode == dev->mode)
		return 0;
	return -EINVAL;
}
