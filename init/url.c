/*
 * Broker URL parsing. Deliberately narrow: the URL comes from the measured
 * kernel command line, so anything surprising (userinfo, query, fragment,
 * percent escapes, plain http) is an operator mistake worth refusing loudly.
 */
#include <stdio.h>
#include <string.h>

#include "url.h"

static int reject(char *why, unsigned why_len, const char *reason)
{
	snprintf(why, why_len, "%s", reason);
	return -1;
}

static int is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.';
}

static int is_ipv6_char(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '.';
}

static int is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

int cb_url_parse(const char *text, struct cb_url *url, char *why, unsigned why_len)
{
	static const char scheme[] = "https://";
	const char *p, *host_end, *host_start;
	size_t host_len;

	memset(url, 0, sizeof(*url));
	if (strncmp(text, scheme, sizeof(scheme) - 1) != 0)
		return reject(why, why_len, "must start with https://");
	p = text + sizeof(scheme) - 1;

	if (*p == '[') {
		host_start = p + 1;
		host_end = strchr(host_start, ']');
		if (!host_end)
			return reject(why, why_len, "unterminated [IPv6] host");
		for (const char *c = host_start; c < host_end; c++)
			if (!is_ipv6_char(*c))
				return reject(why, why_len, "bad character in [IPv6] host");
		p = host_end + 1;
	} else {
		host_start = p;
		while (*p && is_host_char(*p))
			p++;
		host_end = p;
	}
	host_len = (size_t)(host_end - host_start);
	if (host_len == 0)
		return reject(why, why_len, "empty host");
	if (host_len > CB_URL_HOST_MAX)
		return reject(why, why_len, "host too long");
	memcpy(url->host, host_start, host_len);

	strcpy(url->port, "443");
	if (*p == ':') {
		unsigned long port = 0;
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			port = port * 10 + (unsigned long)(*p - '0');
			if (port > 65535)
				return reject(why, why_len, "port out of range");
		}
		if (digits == 0 || port == 0)
			return reject(why, why_len, "bad port");
		snprintf(url->port, sizeof(url->port), "%lu", port);
	}

	if (*p && *p != '/')
		return reject(why, why_len, "unexpected character after host (userinfo, query or fragment are not allowed)");
	for (const char *c = p; *c; c++)
		if (!is_path_char(*c))
			return reject(why, why_len, "unsupported character in path");
	{
		size_t len = strlen(p);

		while (len > 0 && p[len - 1] == '/')
			len--;
		if (len > CB_URL_PATH_MAX)
			return reject(why, why_len, "path too long");
		/* Protocol v1 has one fixed endpoint, /v1/unlock, at the root. */
		if (len > 0)
			return reject(why, why_len, "a path prefix is not supported (protocol v1 posts to /v1/unlock)");
		memcpy(url->base_path, p, len);
		url->base_path[len] = '\0';
	}
	return 0;
}
