/*
 * cocobroker serve: one event loop thread (epoll, non-blocking sockets and
 * non-blocking mbedTLS) does all network I/O, TLS and HTTP framing for every
 * connection; a bounded pool of worker threads does the verification and the
 * store access. TLS stays on one thread because mbedTLS's PSA key slots are
 * not thread-safe without MBEDTLS_THREADING_C, which the host build leaves off.
 */
#ifndef COCOBOOT_BROKER_SERVER_H
#define COCOBOOT_BROKER_SERVER_H

/* Runs until SIGTERM/SIGINT; SIGHUP reloads config_path. Returns an exit code. */
int server_run(const char *config_path);

#endif
