/*
 * The allowlist applied to the LUKS2 JSON metadata. Everything not named here
 * is refused: cryptsetup would honour it, and a host-controlled disk decides
 * what it contains.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "luks2.h"

#define MAX_NODES 2048

static const char expected_cipher[] = "aes-xts-plain64";

static int forbidden(struct cb_err *err, const char *fmt, const char *arg)
{
	return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, fmt, arg ? arg : "");
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

/* cipher_null anywhere (keyslot areas, tokens, names) is refused outright. */
static int scan_for_null_cipher(const struct json_doc *doc, struct cb_err *err)
{
	for (unsigned i = 0; i < doc->n; i++) {
		const struct json_node *n = &doc->nodes[i];

		if ((n->type == JSON_STRING && contains_nocase(n->str, "cipher_null")) ||
		    (n->key && contains_nocase(n->key, "cipher_null")))
			return forbidden(err, "cipher_null in the LUKS2 metadata%s", NULL);
	}
	return 0;
}

/* A LUKS2 "string-encoded uint64": decimal digits, no sign, no leading zero. */
static int parse_u64_string(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int only_members(const struct json_doc *doc, const struct json_node *obj, const char *const *allowed,
			const char *where, struct cb_err *err)
{
	for (const struct json_node *m = json_first(doc, obj); m; m = json_next(doc, m)) {
		int ok = 0;

		for (const char *const *a = allowed; *a; a++)
			if (!strcmp(m->key, *a))
				ok = 1;
		if (!ok)
			return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%s: member '%s' not allowed", where, m->key);
	}
	return 0;
}

static int is_index_key(const char *key)
{
	uint64_t v;

	return parse_u64_string(key, &v) == 0 && v < LUKS2_MAX_KEYSLOTS;
}

/* A JSON integer in [MIN, MAX] (cryptsetup's uint32 fields). */
static int int_in(const struct json_node *n, long long min, long long max)
{
	return n && n->type == JSON_NUMBER && n->num >= min && n->num <= max;
}

static int has_string(const struct json_doc *doc, const struct json_node *obj, const char *key)
{
	return json_get_string(doc, obj, key) != NULL;
}

/* What the checks learn on the way, for the cross-checks at the end. */
struct meta {
	uint64_t hdr_size;
	uint64_t keyslots_size;
	uint64_t area_off[LUKS2_MAX_KEYSLOTS];
	uint64_t area_len[LUKS2_MAX_KEYSLOTS];
	uint32_t keyslots;        /* bit per existing keyslot */
	unsigned digests_of[LUKS2_MAX_KEYSLOTS];  /* how many digests name each keyslot */
};

static int check_segments(const struct json_doc *doc, const struct json_node *segs, struct luks2_info *info,
			  struct cb_err *err)
{
	static const char *const allowed[] = { "type", "offset", "size", "iv_tweak", "encryption",
					       "sector_size", "flags", NULL };
	const struct json_node *seg, *sector, *flags;
	const char *type, *enc, *size, *tweak;
	uint64_t offset, bytes = 0;

	if (segs->count != 1)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%u data segments, exactly one is allowed", segs->count);
	seg = json_first(doc, segs);
	if (strcmp(seg->key, "0") || seg->type != JSON_OBJECT)
		return forbidden(err, "the data segment must be segment \"0\"%s", NULL);
	if (only_members(doc, seg, allowed, "segment 0", err) < 0)
		return -1;
	type = json_get_string(doc, seg, "type");
	if (!type || strcmp(type, "crypt"))
		return forbidden(err, "segment 0 type '%s', only 'crypt' is allowed", type ? type : "(missing or not a string)");
	enc = json_get_string(doc, seg, "encryption");
	if (!enc || strcmp(enc, expected_cipher))
		return forbidden(err, "segment 0 encryption '%s', only aes-xts-plain64 is allowed",
				 enc ? enc : "(missing or not a string)");
	sector = json_get(doc, seg, "sector_size");
	if (!sector || sector->type != JSON_NUMBER ||
	    (sector->num != 512 && sector->num != 1024 && sector->num != 2048 && sector->num != 4096))
		return forbidden(err, "segment 0 sector_size must be 512, 1024, 2048 or 4096%s", NULL);
	if (parse_u64_string(json_get_string(doc, seg, "offset"), &offset) < 0 || offset % 4096 ||
	    offset < 2 * info->hdr_size)
		return forbidden(err, "segment 0 offset is not a 4096-aligned offset past both headers%s", NULL);
	/*
	 * A non-zero IV offset makes dm-crypt start its sector numbering
	 * elsewhere: the host could line up two volumes' IVs (or a volume with
	 * itself at another offset). cryptsetup only ever writes "0".
	 */
	tweak = json_get_string(doc, seg, "iv_tweak");
	if (parse_u64_string(tweak, &bytes) < 0)
		return forbidden(err, "segment 0 iv_tweak is not a decimal string%s", NULL);
	if (bytes != 0)
		return forbidden(err, "segment 0 iv_tweak '%s', only \"0\" is allowed", tweak);
	bytes = 0;
	size = json_get_string(doc, seg, "size");
	if (!size || (strcmp(size, "dynamic") &&
		      (parse_u64_string(size, &bytes) < 0 || bytes == 0 || bytes % (uint64_t)sector->num)))
		return forbidden(err, "segment 0 size must be \"dynamic\" or a multiple of the sector size%s", NULL);
	if (bytes > UINT64_MAX - offset)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "segment 0 ends past 2^64 bytes");
	flags = json_get(doc, seg, "flags");
	if (flags && (flags->type != JSON_ARRAY || flags->count != 0))
		return forbidden(err, "segment 0 has flags (reencryption or backup segment)%s", NULL);
	info->data_offset = offset;
	info->data_size = bytes;
	info->sector_size = (unsigned)sector->num;
	return 0;
}

/*
 * OBJ must be an object with exactly the members SPEC names ("name:T ...",
 * T: s string, n integer 0..2^32-1, a array), each of that type: the
 * shapes cryptsetup's handlers require, and nothing they would ignore.
 */
static int check_shape(const struct json_doc *doc, const struct json_node *obj, const char *spec, const char *where,
		       struct cb_err *err)
{
	unsigned want = 0;

	if (!obj || obj->type != JSON_OBJECT)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s is not an object", where);
	for (const char *p = spec; *p; want++) {
		size_t n = strcspn(p, ":");
		char name[16], t = p[n + 1];
		const struct json_node *v;

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		v = json_get(doc, obj, name);
		if (!v || (t == 's' && v->type != JSON_STRING) || (t == 'a' && v->type != JSON_ARRAY) ||
		    (t == 'n' && !int_in(v, 0, UINT32_MAX)))
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s: '%s' missing or of the wrong type", where, name);
		p += n + 2;
		p += *p == ' ';
	}
	/* the parser refuses repeated names: one more member is one not in SPEC */
	for (const struct json_node *m = json_first(doc, obj); m && obj->count != want; m = json_next(doc, m)) {
		char key[24];  /* " name:", as it appears in " " SPEC */

		snprintf(key, sizeof(key), " %.18s:", m->key);
		if (strncmp(spec, key + 1, strlen(key + 1)) && !strstr(spec, key))
			return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%s: member '%s' not allowed", where, m->key);
	}
	/* (a name that spells part of SPEC, e.g. "salt:s hash", got past the search above) */
	if (obj->count != want)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%s: members other than %s", where, spec);
	/* (a name that spells part of SPEC, e.g. "salt:s hash", got past the search above) */
	if (obj->count != want)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%s: members other than %s", where, spec);
	return 0;
}

/* kdf: pbkdf2 or argon2, with the members cryptsetup's keyslot handler requires, exactly. */
static int check_kdf(const struct json_doc *doc, const struct json_node *kdf, const char *where, struct cb_err *err)
{
	const char *type = json_get_string(doc, kdf, "type");

	if (type && !strcmp(type, "pbkdf2"))
		return check_shape(doc, kdf, "type:s salt:s hash:s iterations:n", where, err);
	if (type && (!strcmp(type, "argon2i") || !strcmp(type, "argon2id")))
		return check_shape(doc, kdf, "type:s salt:s time:n memory:n cpus:n", where, err);
	if (!kdf || kdf->type != JSON_OBJECT)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s is not an object", where);
	return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%s type '%.32s' is not pbkdf2, argon2i or argon2id", where,
		       type ? type : "(missing)");
}

/* af: the LUKS1 anti-forensic splitter with its 4000 stripes, the only kind cryptsetup writes or reads. */
static int check_af(const struct json_doc *doc, const struct json_node *af, const char *where, struct cb_err *err)
{
	const char *type = json_get_string(doc, af, "type");

	if (check_shape(doc, af, "type:s stripes:n hash:s", where, err) < 0)
		return -1;
	if (strcmp(type, "luks1") || json_get(doc, af, "stripes")->num != 4000)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s must be type luks1 with 4000 stripes", where);
	return 0;
}

/* area: a raw area; its bounds are checked against the others later. */
static int check_area(const struct json_doc *doc, const struct json_node *area, const char *where, unsigned idx,
		      struct meta *m, struct cb_err *err)
{
	long long key_size;

	if (check_shape(doc, area, "type:s offset:s size:s encryption:s key_size:n", where, err) < 0)
		return -1;
	if (strcmp(json_get_string(doc, area, "type"), "raw"))
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s type is not 'raw'", where);
	if (parse_u64_string(json_get_string(doc, area, "offset"), &m->area_off[idx]) < 0 ||
	    parse_u64_string(json_get_string(doc, area, "size"), &m->area_len[idx]) < 0)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s offset and size must be decimal strings", where);
	/* aes-xts-plain64 with AES-128 or AES-256 */
	key_size = json_get(doc, area, "key_size")->num;
	if (strcmp(json_get_string(doc, area, "encryption"), expected_cipher) || (key_size != 32 && key_size != 64))
		return forbidden(err, "%s: only aes-xts-plain64 with a 32- or 64-byte key is allowed", where);
	return 0;
}

static int check_keyslots(const struct json_doc *doc, const struct json_node *slots, struct meta *m,
			  struct luks2_info *info, struct cb_err *err)
{
	static const char *const allowed[] = { "type", "key_size", "af", "area", "kdf", "priority", NULL };

	if (slots->count == 0)
		return forbidden(err, "no keyslot: the volume key size cannot be checked%s", NULL);
	for (const struct json_node *ks = json_first(doc, slots); ks; ks = json_next(doc, ks)) {
		const struct json_node *key_size, *prio;
		const char *type;
		char where[32];
		uint64_t idx;

		if (!is_index_key(ks->key) || ks->type != JSON_OBJECT)
			return forbidden(err, "keyslot '%s' is not a numbered object (0-31)", ks->key);
		parse_u64_string(ks->key, &idx);
		type = json_get_string(doc, ks, "type");
		if (!type || strcmp(type, "luks2"))
			return forbidden(err, "keyslot type '%s', only 'luks2' is allowed (no reencryption in progress)",
					 type ? type : "(missing)");
		key_size = json_get(doc, ks, "key_size");
		if (!key_size || key_size->type != JSON_NUMBER || key_size->num != LUKS2_KEY_BYTES)
			return forbidden(err, "keyslot %s key_size is not 64 bytes (512-bit aes-xts)", ks->key);
		prio = json_get(doc, ks, "priority");
		if (prio && !int_in(prio, 0, 2))
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot %s priority is not 0, 1 or 2", ks->key);
		snprintf(where, sizeof(where), "keyslot %s kdf", ks->key);
		if (check_kdf(doc, json_get(doc, ks, "kdf"), where, err) < 0)
			return -1;
		snprintf(where, sizeof(where), "keyslot %s af", ks->key);
		if (check_af(doc, json_get(doc, ks, "af"), where, err) < 0)
			return -1;
		snprintf(where, sizeof(where), "keyslot %s area", ks->key);
		if (check_area(doc, json_get(doc, ks, "area"), where, (unsigned)idx, m, err) < 0 ||
		    only_members(doc, ks, allowed, "keyslot", err) < 0)
			return -1;
		m->keyslots |= 1u << idx;
	}
	info->key_bytes = LUKS2_KEY_BYTES;
	info->keyslots = m->keyslots;
	return 0;
}

/*
 * Keyslot areas lie in the binary keyslots area, between the second header
 * copy and 2 x hdr_size + keyslots_size (itself before the data segment,
 * checked with the config), and do not overlap: the rules cryptsetup applies.
 */
static int check_areas(const struct meta *m, struct cb_err *err)
{
	uint64_t lo = 2 * m->hdr_size, hi = lo + m->keyslots_size;

	for (unsigned i = 0; i < LUKS2_MAX_KEYSLOTS; i++) {
		if (!(m->keyslots & 1u << i))
			continue;
		if (m->area_off[i] < lo)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot %u area at %llu is inside the headers (below %llu)",
				       i, (unsigned long long)m->area_off[i], (unsigned long long)lo);
		if (m->area_len[i] == 0)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot %u area is empty", i);
		if (m->area_off[i] > hi || m->area_len[i] > hi - m->area_off[i])
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot %u area ends past the keyslots area (%llu)", i,
				       (unsigned long long)hi);
		for (unsigned j = 0; j < i; j++)
			if ((m->keyslots & 1u << j) && m->area_off[i] < m->area_off[j] + m->area_len[j] &&
			    m->area_off[j] < m->area_off[i] + m->area_len[i])
				return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot areas %u and %u overlap", j, i);
	}
	/* cryptsetup always aligns areas to 4096 bytes; anything else was made by hand. */
	for (unsigned i = 0; i < LUKS2_MAX_KEYSLOTS; i++)
		if ((m->keyslots & 1u << i) && (m->area_off[i] % 4096 || m->area_len[i] % 4096))
			return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "keyslot %u area is not 4096-aligned", i);
	return 0;
}

/* ARR must be an array of strings each naming a member of SECTION; counts each name in COUNT. */
static int check_refs(const struct json_doc *doc, const struct json_node *arr, const struct json_node *section,
		      const char *what, const char *owner, unsigned *count, struct cb_err *err)
{
	if (!arr || arr->type != JSON_ARRAY)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s lacks its '%s' array", owner, what);
	for (const struct json_node *e = json_first(doc, arr); e; e = json_next(doc, e)) {
		uint64_t idx;

		if (e->type != JSON_STRING || !json_get(doc, section, e->str) || json_get(doc, section, e->str)->type != JSON_OBJECT)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s refers to %s '%.32s', which does not exist", owner,
				       what, e->type == JSON_STRING ? e->str : "(not a string)");
		if (count && parse_u64_string(e->str, &idx) == 0 && idx < LUKS2_MAX_KEYSLOTS)
			count[idx]++;
	}
	return 0;
}

static int array_has_string(const struct json_doc *doc, const struct json_node *arr, const char *s)
{
	if (!arr || arr->type != JSON_ARRAY)
		return 0;
	for (const struct json_node *e = json_first(doc, arr); e; e = json_next(doc, e))
		if (e->type == JSON_STRING && !strcmp(e->str, s))
			return 1;
	return 0;
}

/* Keep the segment digest's parameters (checked against the key later, luks2_digest.c). */
static void copy_digest(const struct json_doc *doc, const struct json_node *d, struct luks2_info *info)
{
	const char *hash = json_get_string(doc, d, "hash"), *salt = json_get_string(doc, d, "salt");
	const char *value = json_get_string(doc, d, "digest");

	snprintf(info->digest_hash, sizeof(info->digest_hash), "%s", strlen(hash) < sizeof(info->digest_hash) ? hash : "");
	snprintf(info->digest_salt, sizeof(info->digest_salt), "%s", strlen(salt) < sizeof(info->digest_salt) ? salt : "");
	snprintf(info->digest_value, sizeof(info->digest_value), "%s",
		 strlen(value) < sizeof(info->digest_value) ? value : "");
	info->digest_iterations = (uint32_t)json_get(doc, d, "iterations")->num;
}

static int check_digests(const struct json_doc *doc, const struct json_node *root, struct meta *m,
			 struct luks2_info *info, struct cb_err *err)
{
	const struct json_node *digests = json_get(doc, root, "digests");
	const struct json_node *keyslots = json_get(doc, root, "keyslots"), *segments = json_get(doc, root, "segments");
	unsigned covers_segment = 0;

	for (const struct json_node *d = json_first(doc, digests); d; d = json_next(doc, d)) {
		char owner[48];
		const char *type;

		if (!is_index_key(d->key) || d->type != JSON_OBJECT)
			return forbidden(err, "digest '%s' is not a numbered object", d->key);
		snprintf(owner, sizeof(owner), "digest %s", d->key);
		type = json_get_string(doc, d, "type");
		if (!type || strcmp(type, "pbkdf2"))
			return forbidden(err, "digest type '%s', only pbkdf2 is allowed", type ? type : "(missing)");
		if (check_shape(doc, d, "type:s keyslots:a segments:a hash:s iterations:n salt:s digest:s", owner, err) < 0)
			return -1;
		if (check_refs(doc, json_get(doc, d, "keyslots"), keyslots, "keyslot", owner, m->digests_of, err) < 0 ||
		    check_refs(doc, json_get(doc, d, "segments"), segments, "segment", owner, NULL, err) < 0)
			return -1;
		if (array_has_string(doc, json_get(doc, d, "segments"), "0")) {
			covers_segment++;
			copy_digest(doc, d, info);
		}
	}
	if (!covers_segment)
		return forbidden(err, "no digest covers segment 0: the volume key could not be verified%s", NULL);
	if (covers_segment > 1)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%u digests cover segment 0, one is allowed", covers_segment);
	/* cryptsetup: each keyslot is bound to exactly one digest. */
	for (unsigned i = 0; i < LUKS2_MAX_KEYSLOTS; i++)
		if ((m->keyslots & 1u << i) && m->digests_of[i] != 1)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "keyslot %u is named by %u digests, exactly one is required",
				       i, m->digests_of[i]);
	return 0;
}

/*
 * Tokens are never used (cocoboot opens with the volume key and
 * --disable-external-tokens) but must still be what cryptsetup accepts.
 */
static int check_tokens(const struct json_doc *doc, const struct json_node *root, struct cb_err *err)
{
	const struct json_node *keyslots = json_get(doc, root, "keyslots");

	for (const struct json_node *t = json_first(doc, json_get(doc, root, "tokens")); t; t = json_next(doc, t)) {
		char owner[48];

		if (!is_index_key(t->key) || t->type != JSON_OBJECT)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "token '%s' is not a numbered object", t->key);
		snprintf(owner, sizeof(owner), "token %s", t->key);
		if (!has_string(doc, t, "type"))
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "%s has no type", owner);
		if (check_refs(doc, json_get(doc, t, "keyslots"), keyslots, "keyslot", owner, NULL, err) < 0)
			return -1;
	}
	return 0;
}

static int check_config(const struct json_doc *doc, const struct json_node *config, struct meta *m, struct cb_err *err)
{
	static const char *const allowed[] = { "json_size", "keyslots_size", "flags", "requirements", NULL };
	const struct json_node *req, *flags;
	uint64_t json_size;

	if (only_members(doc, config, allowed, "config", err) < 0)
		return -1;
	if (parse_u64_string(json_get_string(doc, config, "json_size"), &json_size) < 0 ||
	    json_size != m->hdr_size - LUKS2_BIN_HDR_SIZE)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.json_size does not match the header size");
	if (parse_u64_string(json_get_string(doc, config, "keyslots_size"), &m->keyslots_size) < 0)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.keyslots_size is not a decimal string");
	if (m->keyslots_size % 4096 || m->keyslots_size > LUKS2_MAX_KEYSLOTS_SIZE)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.keyslots_size %llu is not 4096-aligned or over 128 MiB",
			       (unsigned long long)m->keyslots_size);
	req = json_get(doc, config, "requirements");
	if (req) {
		const struct json_node *mandatory = json_get(doc, req, "mandatory");

		if (req->type != JSON_OBJECT || req->count > 1 || (req->count == 1 && !mandatory) ||
		    (mandatory && (mandatory->type != JSON_ARRAY || mandatory->count != 0)))
			return forbidden(err, "config.requirements present (e.g. reencryption in progress)%s", NULL);
	}
	/*
	 * Persistent activation flags are options the header (the host) would
	 * choose for the guest's dm-crypt mapping: allow-discards passes TRIM
	 * through and shows the host which blocks are free; the CPU and
	 * workqueue flags change how and where the guest does its crypto. The
	 * guest owner sets activation options in the measured initramfs, never
	 * the disk: any flag is refused (an empty array is fine).
	 */
	flags = json_get(doc, config, "flags");
	if (flags) {
		if (flags->type != JSON_ARRAY)
			return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.flags is not an array");
		if (flags->count) {
			const struct json_node *f = json_first(doc, flags);

			return forbidden(err, "persistent activation flag '%.40s' in config.flags (none is allowed)",
					 f->type == JSON_STRING ? f->str : "(not a string)");
		}
	}
	return 0;
}

int luks2_check_json(char *json, size_t len, uint64_t hdr_size, struct luks2_info *info, struct cb_err *err)
{
	static const char *const top[] = { "keyslots", "tokens", "segments", "digests", "config", NULL };
	static const char *const sections[] = { "keyslots", "tokens", "segments", "digests", "config" };
	struct json_node *nodes;
	struct json_doc doc;
	struct meta *m;
	const struct json_node *root;
	int rc = -1;

	/* cryptsetup requires the area to open with the object itself, no whitespace first. */
	if (len == 0 || json[0] != '{')
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "LUKS2 JSON area does not start with '{'");
	nodes = calloc(MAX_NODES, sizeof(*nodes));
	m = calloc(1, sizeof(*m));
	if (!nodes || !m) {
		free(nodes);
		free(m);
		return cb_fail(err, CB_ERR_SETUP, "out of memory parsing the LUKS2 metadata");
	}
	doc = (struct json_doc){ .nodes = nodes, .cap = MAX_NODES };
	if (json_parse(json, len, &doc) < 0) {
		cb_fail(err, CB_ERR_LUKS2_INVALID, "LUKS2 JSON metadata: %s", doc.error);
		goto out;
	}
	root = json_root(&doc);
	if (root->type != JSON_OBJECT) {
		cb_fail(err, CB_ERR_LUKS2_INVALID, "LUKS2 JSON metadata is not an object");
		goto out;
	}
	if (only_members(&doc, root, top, "LUKS2 metadata", err) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const struct json_node *s = json_get(&doc, root, sections[i]);

		if (!s || s->type != JSON_OBJECT) {
			cb_fail(err, CB_ERR_LUKS2_INVALID, "LUKS2 metadata lacks the '%s' object", sections[i]);
			goto out;
		}
	}
	info->hdr_size = m->hdr_size = hdr_size;
	if (scan_for_null_cipher(&doc, err) < 0 ||
	    check_config(&doc, json_get(&doc, root, "config"), m, err) < 0 ||
	    check_segments(&doc, json_get(&doc, root, "segments"), info, err) < 0 ||
	    check_keyslots(&doc, json_get(&doc, root, "keyslots"), m, info, err) < 0)
		goto out;
	/* The keyslots area must end before the data does (cryptsetup: keyslots_size "too large"). */
	if (info->data_offset < 2 * hdr_size + m->keyslots_size) {
		cb_fail(err, CB_ERR_LUKS2_INVALID, "config.keyslots_size %llu runs into the data segment at %llu",
			(unsigned long long)m->keyslots_size, (unsigned long long)info->data_offset);
		goto out;
	}
	if (check_areas(m, err) < 0 || check_digests(&doc, root, m, info, err) < 0 || check_tokens(&doc, root, err) < 0)
		goto out;
	info->keyslots_size = m->keyslots_size;
	rc = 0;
out:
	free(m);
	free(nodes);
	return rc;
}
