#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "broker/collateral/fetch_config.h"
#include "broker/store/store.h"
#include "log.h"

static char *read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (!f) {
		broker_fail(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > 1 << 20 || fseek(f, 0, SEEK_SET)) {
		broker_fail(err, errlen, "%s: unreadable or larger than 1 MiB", path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		broker_fail(err, errlen, "%s: read failed", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct field {
	const char *name;
	char **str;     /* string field, or */
	int *num;       /* integer field */
	int min, max;
};

int config_load(struct broker_config *c, const char *path, char *err, size_t errlen)
{
	struct field fields[] = {
		{ "listen", &c->listen, NULL, 0, 0 },
		{ "metrics_listen", &c->metrics_listen, NULL, 0, 0 },
		{ "cert", &c->cert, NULL, 0, 0 },
		{ "key", &c->key, NULL, 0, 0 },
		{ "database", &c->database, NULL, 0, 0 },
		{ "master_key", &c->master_key, NULL, 0, 0 },
		{ "vendor_dir", &c->vendor_dir, NULL, 0, 0 },
		{ "snp_cert_dir", &c->snp_cert_dir, NULL, 0, 0 },
		{ "collateral_dir", &c->collateral_dir, NULL, 0, 0 },
		{ "test_snp_ark", &c->test_snp_ark, NULL, 0, 0 },
		{ "test_snp_ask", &c->test_snp_ask, NULL, 0, 0 },
		{ "test_tdx_root", &c->test_tdx_root, NULL, 0, 0 },
		{ "processes", NULL, &c->processes, 1, 1024 },
		{ "max_handshakes", NULL, &c->max_handshakes, 1, 100000 },
		{ "workers", NULL, &c->workers, 1, 256 },
		{ "queue_depth", NULL, &c->queue_depth, 0, 1000000 },
		{ "max_connections", NULL, &c->max_connections, 1, 1000000 },
		{ "handshake_timeout_ms", NULL, &c->handshake_timeout_ms, 100, 600000 },
		{ "idle_timeout_ms", NULL, &c->idle_timeout_ms, 100, 600000 },
		{ "shutdown_timeout_ms", NULL, &c->shutdown_timeout_ms, 0, 600000 },
		{ "retry_after_s", NULL, &c->retry_after_s, 1, 3600 },
	};
	const size_t nfields = sizeof(fields) / sizeof(fields[0]);
	struct sockaddr_storage ss;
	unsigned sl;
	cJSON *root, *item;
	char *text, text_err[256];

	memset(c, 0, sizeof(*c));
	/* one serving process per online CPU (sysconf answers -1 only if it cannot tell) */
	c->processes = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (c->processes > 1024)
		c->processes = 1024;
	c->max_handshakes = 4;
	c->workers = 2;
	c->queue_depth = 256;
	c->max_connections = 10000;
	c->handshake_timeout_ms = 10000;
	c->idle_timeout_ms = 10000;
	c->shutdown_timeout_ms = 10000;
	c->retry_after_s = 1;

	if (!(text = read_text(path, err, errlen)))
		return -1;
	/* require_null_terminated: trailing data after the object is an error */
	root = cJSON_ParseWithOpts(text, NULL, 1);
	free(text);
	if (!cJSON_IsObject(root)) {
		broker_fail(err, errlen, "%s: not a JSON object", path);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(item, root) {
		size_t i;
		if (!strcmp(item->string, "collateral_fetch")) {
			fetch_config_free(c->collateral_fetch);
			c->collateral_fetch = NULL;
			if (fetch_config_parse(item, &c->collateral_fetch, text_err, sizeof(text_err))) {
				broker_fail(err, errlen, "%s: %s", path, text_err);
				goto fail;
			}
			continue;
		}
		for (i = 0; i < nfields; i++)
			if (!strcmp(item->string, fields[i].name))
				break;
		if (i == nfields) {
			broker_fail(err, errlen, "%s: unknown key \"%s\"", path, item->string);
			goto fail;
		}
		if (fields[i].str) {
			if (!cJSON_IsString(item) || !item->valuestring[0]) {
				broker_fail(err, errlen, "%s: \"%s\" must be a non-empty string", path, item->string);
				goto fail;
			}
			free(*fields[i].str);
			*fields[i].str = strdup(item->valuestring);
		} else {
			double v = item->valuedouble;
			if (!cJSON_IsNumber(item) || v != (double)(int)v || v < fields[i].min || v > fields[i].max) {
				broker_fail(err, errlen, "%s: \"%s\" must be an integer in [%d, %d]", path,
					 item->string, fields[i].min, fields[i].max);
				goto fail;
			}
			*fields[i].num = (int)v;
		}
	}
	cJSON_Delete(root);
	root = NULL;
	if (!c->listen || !c->cert || !c->key || !c->database || !c->master_key) {
		broker_fail(err, errlen, "%s: \"listen\", \"cert\", \"key\", \"database\" and \"master_key\" are required", path);
		goto fail;
	}
	if (store_check_name(c->database, text_err, sizeof(text_err))) {
		broker_fail(err, errlen, "%s: \"database\": %s", path, text_err);
		goto fail;
	}
	if (config_parse_addr(c->listen, &ss, &sl)) {
		broker_fail(err, errlen, "%s: \"listen\": expected ADDR:PORT, got \"%s\"", path, c->listen);
		goto fail;
	}
	if (c->metrics_listen) {
		int loopback;
		if (config_parse_addr(c->metrics_listen, &ss, &sl)) {
			broker_fail(err, errlen, "%s: \"metrics_listen\": expected ADDR:PORT", path);
			goto fail;
		}
		loopback = ss.ss_family == AF_INET
			? (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127
			: IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
		if (!loopback) {
			broker_fail(err, errlen, "%s: \"metrics_listen\" must be a loopback address (it is plain HTTP)", path);
			goto fail;
		}
	}
	if (!c->test_snp_ark && c->test_snp_ask) {
		broker_fail(err, errlen, "%s: \"test_snp_ask\" needs \"test_snp_ark\"", path);
		goto fail;
	}
	return 0;
fail:
	cJSON_Delete(root);
	config_free(c);
	return -1;
}

void config_free(struct broker_config *c)
{
	char **strs[] = { &c->listen, &c->metrics_listen, &c->cert, &c->key, &c->database,
			  &c->master_key, &c->vendor_dir, &c->snp_cert_dir, &c->collateral_dir,
			  &c->test_snp_ark, &c->test_snp_ask, &c->test_tdx_root };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	fetch_config_free(c->collateral_fetch);
	c->collateral_fetch = NULL;
}

int config_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port > 65535)
		return -1;
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -1;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		*len = sizeof(*a);
	}
	return 0;
}

void config_take_reloadable(struct broker_config *dst, const struct broker_config *src)
{
	dst->max_connections = src->max_connections;
	dst->max_handshakes = src->max_handshakes;
	dst->handshake_timeout_ms = src->handshake_timeout_ms;
	dst->idle_timeout_ms = src->idle_timeout_ms;
	dst->shutdown_timeout_ms = src->shutdown_timeout_ms;
	dst->retry_after_s = src->retry_after_s;
	dst->queue_depth = src->queue_depth;
}
