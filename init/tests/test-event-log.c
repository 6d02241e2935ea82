/* Unit tests: the guest reads the CCEL log area and keeps only its events
 * (init/event_log.c), from files laid out as the area is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/check.h"
#include "common/cc_eventlog.h"
#include "init/event_log.h"

static uint8_t area[96 * 1024];
static size_t n;

static void put32(uint32_t v)
{
	memcpy(area + n, &v, 4); /* little-endian host, as the log */
	n += 4;
}

static void spec_id(void)
{
	n = 0;
	memset(area, 0xff, sizeof(area)); /* OVMF's filler */
	put32(0);
	put32(CC_EV_NO_ACTION);
	memset(area + n, 0, 20);
	n += 20;
	put32(33);
	memcpy(area + n, "Spec ID Event03\0\0\0\0\0\0\x02\0\x02\x01\0\0\0\x0c\0\x30\0\0", 33);
	n += 33;
}

/* One event of data_len bytes in RTMR2 (66 + data_len bytes). */
static void event(uint32_t data_len)
{
	put32(3);
	put32(CC_EV_EFI_ACTION);
	put32(1);
	memcpy(area + n, "\x0c\0", 2);
	memset(area + n + 2, 0x5a, 48);
	n += 50;
	put32(data_len);
	memset(area + n, 'a', data_len);
	n += data_len;
}

static int read_area(size_t size, uint8_t **log, size_t *len, struct cb_err *err)
{
	char path[] = "/tmp/cocoboot-ccel-XXXXXX";
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, area, size) != (ssize_t)size)
		return -2;
	close(fd);
	rc = event_log_read(path, log, len, err);
	unlink(path);
	return rc;
}

int main(void)
{
	struct cb_err err = { 0 };
	uint8_t *log = (uint8_t *)"x";
	size_t len = 0, used;

	CHECK(event_log_read("/nonexistent/CCEL", &log, &len, &err) == 1 && !log, "no CCEL table: no log, no error");

	spec_id();
	event(40);
	event(100);
	used = n;
	CHECK(read_area(64 * 1024, &log, &len, &err) == 0 && len == used && !memcmp(log, area, used),
	      "a 64 KiB area: the %zu bytes of events, without the filler (%zu)", used, len);
	free(log);
	CHECK(read_area(used, &log, &len, &err) == 0 && len == used, "an area the events fill exactly");
	free(log);

	/* events that end exactly at 40 KiB, then more */
	spec_id();
	while (n + 1066 + 66 <= CC_EVENTLOG_MAX)
		event(1000);
	event((uint32_t)(CC_EVENTLOG_MAX - n - 66));
	used = n;
	CHECK(used == CC_EVENTLOG_MAX && read_area(64 * 1024, &log, &len, &err) == 0 && len == used,
	      "events of exactly 40 KiB, filler after them: accepted (%s)", err.detail);
	free(log);
	event(10);
	CHECK(read_area(64 * 1024, &log, &len, &err) == -1 && !log && strstr(err.detail, "do not end within 40 KiB"),
	      "events past 40 KiB (ending at an event at the bound): %s", err.detail);
	spec_id();
	while (n + 1066 <= CC_EVENTLOG_MAX)
		event(1000);
	event(3000);
	CHECK(read_area(64 * 1024, &log, &len, &err) == -1 && strstr(err.detail, "first 40 KiB") &&
	      strstr(err.detail, "cut off"), "an event across the 40 KiB bound: %s", err.detail);

	memset(area, 0x42, 4096);
	CHECK(read_area(4096, &log, &len, &err) == -1 && strstr(err.detail, "Spec ID"), "not a log: %s", err.detail);
	spec_id();
	event(40);
	used = n;
	memset(area + n + 8, 0, 100); /* OVMF fills with 0xff; RAM the firmware never touched is anything */
	area[n + 100] = 0x42;
	CHECK(read_area(4096, &log, &len, &err) == 0 && len == used, "what follows the end marker is not sent (%s)",
	      err.detail);
	free(log);
	return check_done();
}
