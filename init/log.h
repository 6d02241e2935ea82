/*
 * Console messages. Every line starts with "cocoboot: [SECONDS]" (time since
 * boot, so the console shows a timeline); failures use the stable form
 * "cocoboot: error <code>: <detail>". Nothing secret is ever passed here.
 */
#ifndef COCOBOOT_LOG_H
#define COCOBOOT_LOG_H

#include "errors.h"

void cb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The one-line failure report. */
void cb_log_error(const struct cb_err *err);
/* Milliseconds on the monotonic clock, for deadlines. */
unsigned long long cb_now_ms(void);

#endif
