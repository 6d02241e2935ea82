/*
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram of NEWLINE-separated assignments to $NOTIFY_SOCKET, when set
 * (Type=notify in the unit). Nothing happens outside systemd.
 */
#ifndef COCOBOOT_BROKER_SD_NOTIFY_H
#define COCOBOOT_BROKER_SD_NOTIFY_H

/* e.g. "READY=1\nSTATUS=listening"; errors are ignored (the service runs on). */
void sd_notify_send(const char *state);

#endif
