/* The refresher thread of `serve` (see refresher.h). */
#include "refresher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "broker/server/config.h"
#include "broker/server/log.h"
#include "expiry.h"
#include "fetch.h"

#define TICK_SECONDS 60
#define RETRY_SECONDS 3600        /* after a run with failures, at most this long to the next */
#define EXPIRY_LOG_SECONDS 86400  /* an expiring item is logged again at most daily */

static struct {
	pthread_t thread;
	int running;
	atomic_int stop;           /* also cancels a fetch in progress (http_opts.cancel) */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct broker_config cfg;
	cb_trust *trust;
	int fetcher;               /* this process fetches and logs; the others only export the expiry */
} rf = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void report(void *arg, enum fetch_result res, const char *item, const char *detail)
{
	(void)arg;
	if (res == FETCH_STORED)
		log_event("info", "collateral-stored", "item", item, "file", detail, NULL);
	else if (res == FETCH_FAILED)
		log_event("error", "collateral-fetch-failed", "item", item, "detail", detail, NULL);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_fetch(void)
{
	struct fetch_run r = { .fc = rf.cfg.collateral_fetch, .trust = rf.trust, .snp_dir = rf.cfg.snp_cert_dir,
			       .tdx_dir = rf.cfg.collateral_dir, .at = time(NULL), .report = report,
			       .http = { .ca_file = rf.cfg.collateral_fetch->ca_file,
					 .timeout_s = rf.cfg.collateral_fetch->timeout_seconds, .cancel = &rf.stop } };
	char counts[160];
	double t0 = mono();
	int rc;

	fetch_plan_from_disk(rf.cfg.collateral_fetch, r.snp_dir, r.tdx_dir);
	rc = fetch_all(&r);
	snprintf(counts, sizeof counts, "%u stored, %u unchanged, %u failed; %zu bytes in %.0f ms", r.stored, r.unchanged,
		 r.failed, r.bytes, (mono() - t0) * 1e3);
	log_event(rc ? "warning" : "info", "collateral-fetched", "result", counts, NULL);
	return rc;
}

static void check_expiry(int warn_days, time_t *last_logged)
{
	struct expiry_entry e[EXPIRY_MAX];
	size_t n = expiry_scan(rf.cfg.collateral_dir, rf.cfg.snp_cert_dir, e, EXPIRY_MAX);
	time_t now = time(NULL);
	char line[256];

	expiry_metrics_set(e, n);
	if (!rf.fetcher)
		return;
	if (*last_logged && now - *last_logged < EXPIRY_LOG_SECONDS)
		return;
	int logged = 0;
	for (size_t i = 0; i < n; i++) {
		enum expiry_state st = expiry_judge(&e[i], now, warn_days, line, sizeof line);
		if (st == EXPIRY_EXPIRED)
			log_event("error", "collateral-expired", "detail", line, NULL);
		else if (st == EXPIRY_SOON)
			log_event("warning", "collateral-expiring", "detail", line, NULL);
		logged |= st != EXPIRY_OK;
	}
	/* nothing to say: look again at the next tick */
	*last_logged = logged ? now : 0;
}

static void *refresher_main(void *arg)
{
	(void)arg;
	const struct collateral_fetch_config *fc = rf.cfg.collateral_fetch;
	int warn_days = fc ? fc->expiry_warning_days : 7;
	double next_fetch = 0;
	time_t last_logged = 0;

	pthread_mutex_lock(&rf.lock);
	while (!atomic_load(&rf.stop)) {
		pthread_mutex_unlock(&rf.lock);
		if (fc && rf.trust && mono() >= next_fetch) {
			int rc = run_fetch();
			next_fetch = mono() + (rc && fc->refresh_seconds > RETRY_SECONDS ? RETRY_SECONDS : fc->refresh_seconds);
			last_logged = 0; /* a fetch is followed by the state it left */
		}
		if (!atomic_load(&rf.stop))
			check_expiry(warn_days, &last_logged);
		pthread_mutex_lock(&rf.lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += TICK_SECONDS;
		if (!atomic_load(&rf.stop))
			pthread_cond_timedwait(&rf.wake, &rf.lock, &until);
	}
	pthread_mutex_unlock(&rf.lock);
	return NULL;
}

int collateral_refresher_start(const char *config_path, int fetcher)
{
	char err[512];
	cb_refusal why;

	if (config_load(&rf.cfg, config_path, err, sizeof err)) {
		log_event("error", "collateral-refresher", "detail", err, NULL);
		return -1;
	}
	if (!rf.cfg.collateral_fetch && !rf.cfg.collateral_dir && !rf.cfg.snp_cert_dir) {
		config_free(&rf.cfg);
		return 0;
	}
	rf.fetcher = fetcher;
	if (rf.cfg.collateral_fetch && fetcher) {
		if (http_init()) {
			log_event("error", "collateral-refresher", "detail", "libcurl does not initialise", NULL);
			config_free(&rf.cfg);
			return -1;
		}
		if (cb_trust_new(&rf.trust, rf.cfg.vendor_dir, &why)) {
			log_event("error", "collateral-refresher", "detail", why.detail, NULL);
			config_free(&rf.cfg);
			return -1;
		}
	}
	atomic_store(&rf.stop, 0);
	if (pthread_create(&rf.thread, NULL, refresher_main, NULL)) {
		log_event("error", "collateral-refresher", "detail", "cannot start its thread", NULL);
		cb_trust_free(rf.trust);
		rf.trust = NULL;
		config_free(&rf.cfg);
		return -1;
	}
	rf.running = 1;
	return 0;
}

void collateral_refresher_stop(void)
{
	if (!rf.running)
		return;
	pthread_mutex_lock(&rf.lock);
	atomic_store(&rf.stop, 1);
	pthread_cond_signal(&rf.wake);
	pthread_mutex_unlock(&rf.lock);
	pthread_join(rf.thread, NULL);
	rf.running = 0;
	cb_trust_free(rf.trust);
	rf.trust = NULL;
	config_free(&rf.cfg);
}
