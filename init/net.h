/* TCP connect with a deadline (mbedtls_net_connect has none and would use DNS). */
#ifndef COCOBOOT_NET_H
#define COCOBOOT_NET_H

/*
 * Connect to HOST:PORT (an IP literal or a name in /etc/hosts), giving up after
 * TIMEOUT_MS. Returns a blocking socket with send/receive timeouts of
 * IO_TIMEOUT_MS, or -1 with a reason in WHY.
 */
/* 1 when HOST is an IP literal or named in /etc/hosts (cocoboot does no DNS). */
int cb_host_resolvable(const char *host);

int cb_tcp_connect(const char *host, const char *port, unsigned timeout_ms, unsigned io_timeout_ms,
		   char *why, unsigned why_len);

#endif
