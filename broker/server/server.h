/*
 * cocobroker serve: a supervisor (supervisor.c) starts one serving process
 * per core on listening sockets they share. In each, one event loop thread
 * (epoll, non-blocking sockets, OpenSSL) does the network I/O, TLS and HTTP
 * framing of its connections, taking at most max_handshakes into their
 * handshake at once; a bounded pool of worker threads does the verification
 * and the store access.
 */
#ifndef COCOBOOT_BROKER_SERVER_H
#define COCOBOOT_BROKER_SERVER_H

/* Runs until SIGTERM/SIGINT; SIGHUP reloads config_path. Returns an exit code. */
int server_run(const char *config_path);

#endif
