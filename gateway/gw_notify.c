/*
 * gw_notify.c - systemd readiness and watchdog notifications.
 *
 * sd_notify() is a no-op when NOTIFY_SOCKET is unset, so the daemon runs
 * the same under systemd, in a terminal and in tests.
 */
#include <systemd/sd-daemon.h>

#include "gateway.h"

void
gw_notify_ready(void)
{
	sd_notify(0, "READY=1\nSTATUS=running");
}

void
gw_notify_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading configuration");
}

void
gw_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
gw_notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

void
gw_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}
