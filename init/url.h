/* Broker URLs: https only, host (name, IPv4 or [IPv6]), optional port and base path. */
#ifndef COCOBOOT_URL_H
#define COCOBOOT_URL_H

#define CB_URL_HOST_MAX 253
#define CB_URL_PATH_MAX 200

struct cb_url {
	char host[CB_URL_HOST_MAX + 1]; /* without brackets; used for SNI and name checks */
	char port[6];                   /* decimal, default "443" */
	char base_path[CB_URL_PATH_MAX + 1]; /* "" or "/prefix" without trailing slash */
};

/* Parse TEXT into *URL. On error returns -1 and writes a reason to WHY. */
int cb_url_parse(const char *text, struct cb_url *url, char *why, unsigned why_len);

#endif
