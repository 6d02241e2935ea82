/*
 * The collateral refresher inside `cocobroker serve`: a thread that runs
 * `collateral fetch` every refresh_seconds (when the configuration has a
 * "collateral_fetch" object) and, every minute, reads when the stored
 * collateral stops being current (expiry.h): the metric, and a warning in
 * the log expiry_warning_days ahead (an error once expired).  The verifiers
 * see what it stores at their next request (the directories are indexed by
 * their mtime, dir_index.h): no reload is needed.  Its configuration is read
 * at start; a change needs a restart.
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_REFRESHER_H
#define COCOBOOT_BROKER_COLLATERAL_REFRESHER_H

/* Start the thread when there is anything to do (0 also when there is not);
 * -1 with a log line when it cannot start. With several serving processes
 * (supervisor.c) each runs one for its own metrics; only the one with
 * fetcher set fetches and logs the expiry. */
int collateral_refresher_start(const char *config_path, int fetcher);
/* Stop and join it; a fetch in progress is cancelled (its transfer stops
 * within a second, nothing half-written: files are only renamed whole). */
void collateral_refresher_stop(void);

#endif
