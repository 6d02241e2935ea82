/*
 * cocobroker serve configuration (JSON, see broker/cocobroker.example.json).
 * Unknown keys are errors, like in policies: a typo must not silently turn
 * a protection off.
 */
#ifndef COCOBOOT_BROKER_CONFIG_H
#define COCOBOOT_BROKER_CONFIG_H

#include <stddef.h>

struct broker_config {
	char *listen;              /* "ADDR:PORT", TLS */
	char *metrics_listen;      /* "ADDR:PORT", plain HTTP, loopback only; NULL: off */
	char *cert;                /* PEM, the broker's certificate (chain) */
	char *key;                 /* PEM, its ECDSA key */
	char *database;            /* SQLite file or postgresql:// URL (store.h) */
	char *master_key;          /* master key file (created 0600 on first start) */
	char *vendor_dir;          /* pinned vendor roots; NULL: compiled-in default */
	char *snp_cert_dir;        /* cached VCEK/VLEK/ASK certificates; optional */
	char *collateral_dir;      /* TDX collateral; optional */
	struct collateral_fetch_config *collateral_fetch; /* optional (broker/collateral/fetch_config.h) */
	/* TEST ONLY: roots of the simulated provider; any set means a loud warning */
	char *test_snp_ark, *test_snp_ask, *test_tdx_root;
	int processes;             /* serving processes (default: online CPUs) */
	int max_handshakes;        /* TLS handshakes in progress per process; the rest wait in the backlog */
	int workers;               /* verification threads per process */
	int queue_depth;           /* requests waiting for a worker before 503 */
	int max_connections;
	int handshake_timeout_ms;  /* accept -> handshake complete */
	int idle_timeout_ms;       /* handshake complete -> request read, and answer written */
	int shutdown_timeout_ms;   /* SIGTERM: how long in-flight requests may take */
	int retry_after_s;         /* Retry-After of 503 answers */
};

/* 0, or -1 with a one-line reason in err. */
int config_load(struct broker_config *c, const char *path, char *err, size_t errlen);
void config_free(struct broker_config *c);
/* The limits and timeouts SIGHUP changes (the rest needs a restart; the
 * certificate, trust store and directories are the generation's). */
void config_take_reloadable(struct broker_config *dst, const struct broker_config *src);

/* "ADDR:PORT" -> sockaddr; IPv4 or [IPv6]. 0 or -1. */
struct sockaddr_storage;
int config_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned *len);

#endif
