/*
 * TCP connect with a deadline. Broker hosts are IP literals or names from the
 * initramfs's own /etc/hosts: DNS early in a confidential guest would be
 * answered by the host, and leaving the resolver out keeps the binary small.
 * (TLS still authenticates the broker by name or address either way.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net.h"

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

static int parse_address(const char *text, unsigned port, union sockaddr_any *a, socklen_t *len)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &a->in4.sin_addr) == 1) {
		a->in4.sin_family = AF_INET;
		a->in4.sin_port = htons((uint16_t)port);
		*len = sizeof(a->in4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons((uint16_t)port);
		*len = sizeof(a->in6);
		return 0;
	}
	return -1;
}

/* First address for NAME in /etc/hosts ("ADDRESS NAME [ALIASES...]" lines). */
static int lookup_hosts(const char *name, unsigned port, union sockaddr_any *a, socklen_t *len)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[512];
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr, *tok;

		line[strcspn(line, "#\n")] = '\0';
		addr = strtok_r(line, " \t", &save);
		if (!addr)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save)))
			if (!strcasecmp(tok, name) && parse_address(addr, port, a, len) == 0) {
				found = 0;
				break;
			}
	}
	fclose(f);
	return found;
}

int cb_host_resolvable(const char *host)
{
	union sockaddr_any addr;
	socklen_t len;

	return parse_address(host, 0, &addr, &len) == 0 || lookup_hosts(host, 0, &addr, &len) == 0;
}

int cb_tcp_connect(const char *host, const char *port, unsigned timeout_ms, unsigned io_timeout_ms,
		   char *why, unsigned why_len)
{
	struct timeval tv = { .tv_sec = io_timeout_ms / 1000, .tv_usec = (io_timeout_ms % 1000) * 1000 };
	union sockaddr_any addr;
	socklen_t addr_len;
	struct pollfd pfd;
	socklen_t err_len = sizeof(int);
	int fd, err = 0;

	if (parse_address(host, (unsigned)atoi(port), &addr, &addr_len) < 0 &&
	    lookup_hosts(host, (unsigned)atoi(port), &addr, &addr_len) < 0) {
		snprintf(why, why_len, "%s is neither an IP address nor in /etc/hosts (cocoboot does no DNS)", host);
		return -1;
	}
	fd = socket(addr.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, why_len, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, &addr.sa, addr_len) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, (int)timeout_ms) <= 0)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0)
				err = errno;
		}
	}
	if (err) {
		snprintf(why, why_len, "connect %s:%s: %s", host, port, strerror(err));
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(why, why_len, "socket options: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
