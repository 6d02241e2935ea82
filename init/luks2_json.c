/*
 * The allowlist applied to the LUKS2 JSON metadata. Everything not named here
 * is refused: cryptsetup would honour it, and a host-controlled disk decides
 * what it contains.
 */
#include <ctype.h>
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

	return parse_u64_string(key, &v) == 0 && v < 32;
}

static int check_segments(const struct json_doc *doc, const struct json_node *segs, struct luks2_info *info,
			  struct cb_err *err)
{
	static const char *const allowed[] = { "type", "offset", "size", "iv_tweak", "encryption",
					       "sector_size", "flags", NULL };
	const struct json_node *seg, *sector, *flags;
	const char *type, *enc, *size;
	uint64_t offset, iv_tweak, bytes;

	if (segs->count != 1)
		return cb_fail(err, CB_ERR_LUKS2_FORBIDDEN, "%u data segments, exactly one is allowed", segs->count);
	seg = json_first(doc, segs);
	if (strcmp(seg->key, "0") || seg->type != JSON_OBJECT)
		return forbidden(err, "the data segment must be segment \"0\"%s", NULL);
	if (only_members(doc, seg, allowed, "segment 0", err) < 0)
		return -1;
	type = json_get_string(doc, seg, "type");
	if (!type || strcmp(type, "crypt"))
		return forbidden(err, "segment 0 type '%s', only 'crypt' is allowed", type ? type : "(missing)");
	enc = json_get_string(doc, seg, "encryption");
	if (!enc || strcmp(enc, expected_cipher))
		return forbidden(err, "segment 0 encryption '%s', only aes-xts-plain64 is allowed",
				 enc ? enc : "(missing)");
	sector = json_get(doc, seg, "sector_size");
	if (!sector || sector->type != JSON_NUMBER ||
	    (sector->num != 512 && sector->num != 1024 && sector->num != 2048 && sector->num != 4096))
		return forbidden(err, "segment 0 sector_size must be 512, 1024, 2048 or 4096%s", NULL);
	if (parse_u64_string(json_get_string(doc, seg, "offset"), &offset) < 0 || offset % 4096 ||
	    offset < 2 * info->hdr_size)
		return forbidden(err, "segment 0 offset is not a 4096-aligned offset past both headers%s", NULL);
	if (parse_u64_string(json_get_string(doc, seg, "iv_tweak"), &iv_tweak) < 0)
		return forbidden(err, "segment 0 iv_tweak is not a decimal string%s", NULL);
	size = json_get_string(doc, seg, "size");
	if (!size || (strcmp(size, "dynamic") &&
		      (parse_u64_string(size, &bytes) < 0 || bytes == 0 || bytes % (uint64_t)sector->num)))
		return forbidden(err, "segment 0 size must be \"dynamic\" or a multiple of the sector size%s", NULL);
	flags = json_get(doc, seg, "flags");
	if (flags && (flags->type != JSON_ARRAY || flags->count != 0))
		return forbidden(err, "segment 0 has flags (reencryption or backup segment)%s", NULL);
	info->data_offset = offset;
	info->sector_size = (unsigned)sector->num;
	return 0;
}

static int check_keyslots(const struct json_doc *doc, const struct json_node *slots, struct luks2_info *info,
			  struct cb_err *err)
{
	if (slots->count == 0)
		return forbidden(err, "no keyslot: the volume key size cannot be checked%s", NULL);
	for (const struct json_node *ks = json_first(doc, slots); ks; ks = json_next(doc, ks)) {
		const struct json_node *key_size, *area;
		const char *type, *area_enc;

		if (!is_index_key(ks->key) || ks->type != JSON_OBJECT)
			return forbidden(err, "keyslot '%s' is not a numbered object", ks->key);
		type = json_get_string(doc, ks, "type");
		if (!type || strcmp(type, "luks2"))
			return forbidden(err, "keyslot type '%s', only 'luks2' is allowed (no reencryption in progress)",
					 type ? type : "(missing)");
		key_size = json_get(doc, ks, "key_size");
		if (!key_size || key_size->type != JSON_NUMBER || key_size->num != LUKS2_KEY_BYTES)
			return forbidden(err, "keyslot %s key_size is not 64 bytes (512-bit aes-xts)", ks->key);
		area = json_get(doc, ks, "area");
		area_enc = json_get_string(doc, area, "encryption");
		if (!area_enc || strcmp(area_enc, expected_cipher))
			return forbidden(err, "keyslot %s area encryption is not aes-xts-plain64", ks->key);
	}
	info->key_bytes = LUKS2_KEY_BYTES;
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

static int check_digests(const struct json_doc *doc, const struct json_node *digests, struct cb_err *err)
{
	int covers_segment = 0;

	for (const struct json_node *d = json_first(doc, digests); d; d = json_next(doc, d)) {
		const char *type;

		if (!is_index_key(d->key) || d->type != JSON_OBJECT)
			return forbidden(err, "digest '%s' is not a numbered object", d->key);
		type = json_get_string(doc, d, "type");
		if (!type || strcmp(type, "pbkdf2"))
			return forbidden(err, "digest type '%s', only pbkdf2 is allowed", type ? type : "(missing)");
		if (array_has_string(doc, json_get(doc, d, "segments"), "0"))
			covers_segment = 1;
	}
	if (!covers_segment)
		return forbidden(err, "no digest covers segment 0: the volume key could not be verified%s", NULL);
	return 0;
}

static int check_config(const struct json_doc *doc, const struct json_node *config, uint64_t hdr_size,
			struct cb_err *err)
{
	static const char *const allowed[] = { "json_size", "keyslots_size", "flags", "requirements", NULL };
	static const char *const allowed_flags[] = { "allow-discards", "same-cpu-crypt", "submit-from-crypt-cpus",
						     "no-read-workqueue", "no-write-workqueue", NULL };
	const struct json_node *req, *flags;
	uint64_t json_size, keyslots_size;

	if (only_members(doc, config, allowed, "config", err) < 0)
		return -1;
	if (parse_u64_string(json_get_string(doc, config, "json_size"), &json_size) < 0 ||
	    json_size != hdr_size - LUKS2_BIN_HDR_SIZE)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.json_size does not match the header size");
	if (parse_u64_string(json_get_string(doc, config, "keyslots_size"), &keyslots_size) < 0)
		return cb_fail(err, CB_ERR_LUKS2_INVALID, "config.keyslots_size is not a decimal string");
	req = json_get(doc, config, "requirements");
	if (req) {
		const struct json_node *mandatory = json_get(doc, req, "mandatory");

		if (req->type != JSON_OBJECT || req->count > 1 || (req->count == 1 && !mandatory) ||
		    (mandatory && (mandatory->type != JSON_ARRAY || mandatory->count != 0)))
			return forbidden(err, "config.requirements present (e.g. reencryption in progress)%s", NULL);
	}
	flags = json_get(doc, config, "flags");
	if (flags) {
		if (flags->type != JSON_ARRAY)
			return forbidden(err, "config.flags is not an array%s", NULL);
		for (const struct json_node *f = json_first(doc, flags); f; f = json_next(doc, f)) {
			int ok = 0;

			if (f->type != JSON_STRING)
				return forbidden(err, "config.flags holds a non-string%s", NULL);
			for (const char *const *a = allowed_flags; *a; a++)
				if (!strcmp(f->str, *a))
					ok = 1;
			if (!ok)
				return forbidden(err, "config flag '%s' not allowed", f->str);
		}
	}
	return 0;
}

int luks2_check_json(char *json, size_t len, uint64_t hdr_size, struct luks2_info *info, struct cb_err *err)
{
	static const char *const top[] = { "keyslots", "tokens", "segments", "digests", "config", NULL };
	static const char *const sections[] = { "keyslots", "tokens", "segments", "digests", "config" };
	struct json_node *nodes = calloc(MAX_NODES, sizeof(*nodes));
	struct json_doc doc = { .nodes = nodes, .cap = MAX_NODES };
	const struct json_node *root;
	int rc = -1;

	if (!nodes)
		return cb_fail(err, CB_ERR_SETUP, "out of memory parsing the LUKS2 metadata");
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
	info->hdr_size = hdr_size;
	if (scan_for_null_cipher(&doc, err) < 0 ||
	    check_config(&doc, json_get(&doc, root, "config"), hdr_size, err) < 0 ||
	    check_segments(&doc, json_get(&doc, root, "segments"), info, err) < 0 ||
	    check_keyslots(&doc, json_get(&doc, root, "keyslots"), info, err) < 0 ||
	    check_digests(&doc, json_get(&doc, root, "digests"), err) < 0)
		goto out;
	rc = 0;
out:
	free(nodes);
	return rc;
}
