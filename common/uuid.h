/*
 * Volume UUIDs, one rule on both sides. A volume is named by the UUID of its
 * LUKS2 header: 36 characters, 8-4-4-4-12 hex digits. cryptsetup always writes
 * it lowercase (it parses --uuid and prints it back with libuuid), so:
 *  - what people and the wire give (rd.cocoboot.volume=UUID=..., --uuid, the
 *    request's "volume") may use either case;
 *  - the canonical form is the lowercase one: the broker keys its store by it,
 *    and names compare equal when their canonical forms do;
 *  - a LUKS2 header must hold the canonical form itself: one with capitals
 *    was not written by cryptsetup and is refused.
 */
#ifndef COCOBOOT_COMMON_UUID_H
#define COCOBOOT_COMMON_UUID_H

#define UUID_TEXT_LEN 36

/*
 * 1 when TEXT is a UUID in either case (its canonical form into CANON, when
 * not NULL: UUID_TEXT_LEN + 1 bytes), else 0 (TEXT may be NULL).
 */
int uuid_parse(const char *text, char *canon);

/* 1 when TEXT is a UUID in its canonical (lowercase) form, as in a LUKS2 header. */
int uuid_is_canonical(const char *text);

/* 1 when A and B are UUIDs that name the same volume (their canonical forms are equal). */
int uuid_same(const char *a, const char *b);

#endif
