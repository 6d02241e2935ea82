/*
 * Start and stop of `cocobroker serve` (see server_state.h): the process
 * made undumpable and its memory locked; before the serving processes start,
 * the store probed with the master key and the listening sockets opened; in
 * each serving process the master key (only long enough to start the
 * workers), the TLS generation, the signal descriptor and the sockets in its
 * epoll set.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <psa/crypto.h>

#include "common/secret.h"
#include "broker/store/master_key.h"
#include "broker/store/store.h"
#include "generation.h"
#include "log.h"
#include "server_state.h"
#include "workers.h"

/*
 * mlockall(MCL_FUTURE) under a finite RLIMIT_MEMLOCK would make allocations
 * fail once the limit is reached, i.e. under load: lock everything only when
 * the limit allows it (root or LimitMEMLOCK=infinity), else only the key
 * buffers (common/secret) are locked.
 */
void lock_all_memory(void)
{
	struct rlimit rl;

#ifdef __SANITIZE_ADDRESS__
	return;
#endif
	if (geteuid() != 0 && (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur != RLIM_INFINITY)) {
		log_event("warning", "mlockall", "detail",
			  "RLIMIT_MEMLOCK is finite: only key buffers are locked (set LimitMEMLOCK=infinity)", NULL);
		return;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		log_event("warning", "mlockall", "detail", strerror(errno), NULL);
}

/*
 * Volume keys pass through ordinary stack and heap buffers on their way out
 * (the base64 answer, TLS records): a core dump of a crash could carry them,
 * whatever the service manager's LimitCORE says. Nothing but a debugger needs
 * a broker core, so the process makes itself undumpable, as cocoboot does.
 */
int forbid_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &none))
		return -1;
	return 0;
}

/* The master key, in locked memory only while it is used: the probe (parent)
 * or the workers' store connections (each serving process). */
static int with_master_key(struct server *s, int probe, char *err, size_t errlen)
{
	struct secret master;
	int created = 0, ret;
	struct store *st;

	char note[512];

	/* a rotation killed half way is finished or undone before the key is read (master_key.h) */
	if (master_key_settle(s->cfg.master_key, s->cfg.database, note, sizeof(note), err, errlen))
		return -1;
	if (note[0])
		log_event("warning", "master-key-settled", "detail", note, NULL);
	if (secret_alloc(&master, MASTER_KEY_LEN))
		return broker_fail(err, errlen, "cannot lock memory for the master key: %s", strerror(errno));
	if (master_key_load(s->cfg.master_key, probe, master.data, &created, err, errlen)) {
		secret_free(&master);
		return -1;
	}
	if (created)
		log_event("info", "master-key-created", "path", s->cfg.master_key, NULL);
	if (probe) {
		/* a wrong master key stops the broker here, before it listens; the
		 * schema is created or upgraded once, before the processes start */
		ret = store_open(&st, s->cfg.database, master.data, err, errlen);
		if (ret == STORE_OK) {
			if (store_notice(st)[0])
				log_event("info", "store-migrated", "detail", store_notice(st), NULL);
			store_close(st);
		}
	} else {
		ret = workers_start(&s->workers, s->cfg.workers, s->cfg.queue_depth, s->cfg.database,
				    master.data, err, errlen);
	}
	secret_free(&master);
	return ret ? -1 : 0;
}

int server_prepare(struct server *s, char *err, size_t errlen)
{
	s->listen_fd = s->metrics_fd = -1;
	if (with_master_key(s, 1, err, errlen) || (s->listen_fd = listener_open(s->cfg.listen, err, errlen)) < 0)
		return -1;
	if (s->cfg.metrics_listen && (s->metrics_fd = listener_open(s->cfg.metrics_listen, err, errlen)) < 0)
		return -1;
	return 0;
}

static void poll_fd(struct server *s, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Signals through a descriptor, the listeners and the workers' done signal into epoll. */
static int open_descriptors(struct server *s, char *err, size_t errlen)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sig_fd < 0 || s->epfd < 0)
		return broker_fail(err, errlen, "epoll/signalfd: %s", strerror(errno));
	listen_resume(s);
	if (s->metrics_fd >= 0)
		poll_fd(s, s->metrics_fd, TAG_METRICS);
	poll_fd(s, s->sig_fd, TAG_SIGNAL);
	poll_fd(s, workers_done_fd(s->workers), TAG_DONE);
	return 0;
}

int server_start(struct server *s, char *err, size_t errlen)
{
	psa_status_t ps;

	/* mbedTLS still parses the vendor roots and the evidence's certificates */
	if ((ps = psa_crypto_init()) != PSA_SUCCESS)
		return broker_fail(err, errlen, "psa_crypto_init failed (%d)", (int)ps);
	if (with_master_key(s, 0, err, errlen) || generation_new(&s->gen, &s->cfg, err, errlen))
		return -1;
	return open_descriptors(s, err, errlen);
}

void server_stop(struct server *s)
{
	if (s->workers)
		workers_stop(s->workers);
	while (s->conns) {
		s->conns->state = ST_CLOSING;
		s->conns->job = NULL;
		conn_free(s, s->conns);
	}
	generation_unref(s->gen);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->metrics_fd >= 0)
		close(s->metrics_fd);
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	if (s->epfd >= 0)
		close(s->epfd);
}
