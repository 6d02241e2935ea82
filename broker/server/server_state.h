/*
 * What the parts of `cocobroker serve` share: the server and its
 * connections, and the functions each part offers the others.
 *   loop.c        the epoll loop: events, timeouts, signals, reload, drain
 *   startup.c     start and stop: memory locking, keys, store probe, sockets
 *   listener.c    listening sockets: open, pause/resume, accept
 *   connection.c  one connection: TLS handshake, reading, writing, lingering
 *   dispatch.c    a complete request: to the workers, and their result back
 *   answer.c      queueing an answer (head from proto/http_server.h), and
 *                 freeing it: a key answer lives in secret memory
 *   supervisor.c  one such process per core, started and watched by the first
 * Everything here runs on the event loop thread of one serving process.
 */
#ifndef COCOBOOT_BROKER_SERVER_STATE_H
#define COCOBOOT_BROKER_SERVER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "common/secret.h"
#include "proto/http_server.h"
#include "config.h"
#include "unlock.h"

/* ST_LINGER: answer sent, write side shut; unread request bytes are drained
 * so that closing does not reset the connection before the client reads the
 * answer (e.g. a 413 while it is still sending). */
enum conn_state { ST_HANDSHAKE, ST_READ, ST_WORKING, ST_WRITE, ST_LINGER, ST_CLOSING };

struct conn {
	int fd;
	int is_metrics;          /* plain HTTP /metrics listener */
	enum conn_state state;
	int in_handshake;        /* counted in server.handshaking */
	uint32_t events;         /* current epoll interest */
	double deadline;
	SSL *ssl;
	struct generation *gen;
	struct coco_http_request req;
	struct job *job;         /* between submit and completion */
	char *out;               /* answer being written: the heap, or out_secret's data when it holds a key */
	size_t out_len, out_off, out_cap;
	struct secret out_secret; /* a key answer (conn_answer_key); wiped once sent */
	struct unlock_input in;
	struct conn *prev, *next;
};

struct server {
	struct broker_config cfg;
	const char *config_path;
	int epfd, listen_fd, metrics_fd, sig_fd;
	int status_fd;           /* to the supervisor: STATUS_* bytes */
	int listening;           /* listen_fd in the epoll set */
	int handshaking;         /* connections in ST_HANDSHAKE: admission (max_handshakes) */
	struct generation *gen;
	struct workers *workers;
	struct conn *conns;
	int nconns, draining;
	double drain_deadline;
};

/* What a serving process reports to the supervisor, one byte each. */
enum { STATUS_READY = 'R', STATUS_RELOADED = 'H', STATUS_RELOAD_FAILED = 'F' };

/* epoll user data: small integers for the fixed descriptors, pointers for connections */
enum { TAG_LISTEN = 1, TAG_METRICS, TAG_SIGNAL, TAG_DONE };

/* Seconds on the monotonic clock. */
double now_s(void);

/* loop.c */
/* A serving process: start, serve until drained, stop. Returns its exit code. */
int serve_process(struct server *s, int status_fd);

/* supervisor.c */
/* Start cfg.processes serving processes, replace those that die, forward
 * SIGHUP and SIGTERM, notify systemd. Returns the exit code of serve. */
int supervise(struct server *s);

/* startup.c */
/* Before the serving processes: the store probed (master key, schema) and
 * the listening sockets opened. 0, or -1 with the reason in err. */
int server_prepare(struct server *s, char *err, size_t errlen);
/* 0 when the process is undumpable (no core can carry a key). */
int forbid_core_dumps(void);
/* mlockall when RLIMIT_MEMLOCK allows it; else only key buffers are locked. */
void lock_all_memory(void);
/* 0, or -1 with the reason in err. */
int server_start(struct server *s, char *err, size_t errlen);
/* Closes everything server_start opened (also after it failed midway). */
void server_stop(struct server *s);

/* listener.c */
/* The listening sockets are opened once, before the serving processes start,
 * and shared by all of them: one kernel queue, served first come first served. */
int listener_open(const char *addr, char *err, size_t errlen);
void listen_pause(struct server *s);
/* Accept again when below the limits; called as connections close and by the sweep. */
void listen_resume(struct server *s);
void accept_all(struct server *s, int lfd, int is_metrics);

/* connection.c */
/* events 0 takes the descriptor out of the epoll set. */
void conn_set_interest(struct server *s, struct conn *c, uint32_t events);
/* Drive a connection as far as it goes, and release it once it is done. */
void conn_step(struct server *s, struct conn *c);
void conn_free(struct server *s, struct conn *c);

/* dispatch.c */
/* A complete request: answer it at once or hand it to a worker. */
void dispatch(struct server *s, struct conn *c);
/* A worker's result: answer it. */
void job_finished(struct server *s, struct job *job);

/* answer.c */
/* Queue an answer and switch to writing it. body may hold a key: the caller wipes its copy. */
void conn_answer(struct server *s, struct conn *c, int status, const char *ctype,
		 const char *body, size_t body_len, int retry_after);
/* The 200 answer of a release: written from a secret buffer of its own (the caller frees answer). */
void conn_answer_key(struct server *s, struct conn *c, const struct secret *answer);
/* Wipe and free the queued answer (once sent, and when the connection goes). */
void conn_answer_free(struct conn *c);
/* {"error": code} with status (reasons.h). */
void conn_error(struct server *s, struct conn *c, int status, const char *code, int retry_after);

#endif
