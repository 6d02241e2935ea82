#include "workers.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "broker/store/store.h"
#include "generation.h"
#include "log.h"

#define WORKER_STACK (1024 * 1024)

struct worker {
	struct workers *pool;
	pthread_t thread;
	struct store *store;
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, *tail;       /* queued */
	struct job *done;              /* finished, newest first */
	int pending, limit, nworkers, stopping;
	int done_fd;
	struct worker *w;
};

static void *worker_main(void *arg)
{
	struct worker *self = arg;
	struct workers *pool = self->pool;

	for (;;) {
		struct job *job;
		struct unlock_env env;
		uint64_t one = 1;

		pthread_mutex_lock(&pool->lock);
		while (!pool->head && !pool->stopping)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (!pool->head) {
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		job = pool->head;
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->lock);

		env.store = self->store;
		env.trust = job->gen->trust;
		env.snp_cert_dir = job->gen->snp_cert_dir;
		env.collateral_dir = job->gen->collateral_dir;
		unlock_handle(&env, &job->in, &job->out);

		pthread_mutex_lock(&pool->lock);
		job->next = pool->done;
		pool->done = job;
		pool->pending--;
		pthread_mutex_unlock(&pool->lock);
		(void)!write(pool->done_fd, &one, sizeof(one));
	}
}

int workers_start(struct workers **out, int n, int queue_depth, const char *db_path,
		  const uint8_t *master_key, char *err, size_t errlen)
{
	struct workers *pool = calloc(1, sizeof(*pool));
	sigset_t all, old;
	pthread_attr_t attr;

	*out = NULL;
	if (!pool || !(pool->w = calloc((size_t)n, sizeof(*pool->w)))) {
		broker_fail(err, errlen, "out of memory");
		free(pool);
		return -1;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pool->limit = n + queue_depth;
	pool->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (int i = 0; i < n; i++) {
		pool->w[i].pool = pool;
		if (store_open(&pool->w[i].store, db_path, master_key, err, errlen) != STORE_OK)
			goto fail;
	}
	/* signals belong to the event loop's signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* with mlockall every stack page is resident: do not take the 8 MiB default */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (int i = 0; i < n; i++) {
		if (pthread_create(&pool->w[i].thread, &attr, worker_main, &pool->w[i])) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			pthread_attr_destroy(&attr);
			broker_fail(err, errlen, "cannot start worker threads");
			pool->nworkers = i;
			workers_stop(pool);
			return -1;
		}
		pool->nworkers = i + 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	*out = pool;
	return 0;
fail:
	for (int i = 0; i < n; i++)
		store_close(pool->w[i].store);
	close(pool->done_fd);
	free(pool->w);
	free(pool);
	return -1;
}

void workers_set_queue_depth(struct workers *pool, int queue_depth)
{
	pthread_mutex_lock(&pool->lock);
	pool->limit = pool->nworkers + queue_depth;
	pthread_mutex_unlock(&pool->lock);
}

int workers_submit(struct workers *pool, struct job *job)
{
	pthread_mutex_lock(&pool->lock);
	if (pool->pending >= pool->limit || pool->stopping) {
		pthread_mutex_unlock(&pool->lock);
		return -1;
	}
	job->next = NULL;
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pool->pending++;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

int workers_done_fd(const struct workers *pool)
{
	return pool->done_fd;
}

struct job *workers_take_done(struct workers *pool)
{
	struct job *list;
	uint64_t n;

	(void)!read(pool->done_fd, &n, sizeof(n));
	pthread_mutex_lock(&pool->lock);
	list = pool->done;
	pool->done = NULL;
	pthread_mutex_unlock(&pool->lock);
	return list;
}

int workers_pending(struct workers *pool)
{
	int n;

	pthread_mutex_lock(&pool->lock);
	n = pool->pending;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

void workers_stop(struct workers *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nworkers; i++)
		pthread_join(pool->w[i].thread, NULL);
	for (int i = 0; i < pool->nworkers; i++)
		store_close(pool->w[i].store);
	close(pool->done_fd);
	free(pool->w);
	free(pool);
}
