/*
 * store.h for both backends: picks SQLite or PostgreSQL by the form of the
 * store's name, dispatches, and does everything that does not depend on the
 * database once: sealing keys with their policies, the audit row MACs and the
 * chain walk (store_backend.h).
 */
#include "store_backend.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

#define KEY_CHECK_PLAIN   "cocoboot master key check"
#define KEY_CHECK_CONTEXT "key-check"

int store_is_pg_url(const char *path)
{
	return !strncasecmp(path, "postgresql://", 13) || !strncasecmp(path, "postgres://", 11);
}

/* "scheme://" at the start of name (letters, digits, + - .): a URL, not a file */
static int has_scheme(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return n > 0 && !strncmp(name + n, "://", 3);
}

int store_check_name(const char *name, char *err, size_t errlen)
{
	if (store_is_pg_url(name))
		return store_pg_check_url(name, err, errlen);
	if (has_scheme(name)) {
		snprintf(err, errlen, "store \"%.*s\": unsupported URL scheme (a SQLite file path, or postgresql://)",
			 (int)strcspn(name, ":"), name);
		return -1;
	}
	return 0;
}

static struct store *store_new(const uint8_t master[MASTER_KEY_LEN], char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s || secret_alloc(&s->keys_mem, sizeof(*s->keys))) {
		snprintf(err, errlen, "cannot allocate locked memory for the store keys");
		free(s);
		return NULL;
	}
	s->keys = (struct store_keys *)s->keys_mem.data;
	memcpy(s->keys->master, master, MASTER_KEY_LEN);
	if (seal_audit_key(s->keys->master, s->keys->audit)) {
		snprintf(err, errlen, "cannot derive the audit key");
		secret_free(&s->keys_mem);
		free(s);
		return NULL;
	}
	store_set_operator(s, NULL);
	return s;
}

static int open_common(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN], int readonly,
		       char *err, size_t errlen)
{
	struct store *s = store_new(master, err, errlen);
	int ret;

	*out = NULL;
	if (store_check_name(path, err, errlen)) {
		store_close(s);
		return STORE_ERROR;
	}
	if (!s)
		return STORE_ERROR;
	s->readonly = readonly;
	if (store_is_pg_url(path)) {
		s->ops = &store_pg_ops;
		ret = readonly ? store_pg_open_readonly(s, path) : store_pg_open(s, path);
	} else {
		s->ops = &store_sqlite_ops;
		ret = readonly ? store_sqlite_open_readonly(s, path) : store_sqlite_open(s, path);
	}
	if (ret != STORE_OK) {
		snprintf(err, errlen, "%s", s->err);
		store_close(s);
		return ret;
	}
	*out = s;
	return STORE_OK;
}

int store_open(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN], char *err, size_t errlen)
{
	return open_common(out, path, master, 0, err, errlen);
}

int store_open_readonly(struct store **out, const char *path, const uint8_t master[MASTER_KEY_LEN],
			char *err, size_t errlen)
{
	return open_common(out, path, master, 1, err, errlen);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->ops)
		s->ops->close(s);
	free(s->url);
	secret_free(&s->keys_mem);
	free(s);
}

const char *store_last_error(const struct store *s)
{
	return s->err;
}

const char *store_notice(const struct store *s)
{
	return s->notice;
}

void store_set_operator(struct store *s, const char *name)
{
	snprintf(s->operator_name, sizeof(s->operator_name), "%s", name && name[0] ? name : "unknown");
}

int store_volume_add(struct store *s, const char *uuid, const char *policy_json, const uint8_t key[VOLUME_KEY_LEN])
{
	return s->ops->volume_add(s, uuid, policy_json, key);
}

int store_volume_confirm(struct store *s, const char *uuid, store_key_check_fn check, void *ctx, const char *how,
			 int *was_active)
{
	*was_active = 0;
	return s->ops->volume_confirm(s, uuid, check, ctx, how, was_active);
}

int store_volume_set_policy(struct store *s, const char *uuid, const char *policy_json)
{
	return s->ops->volume_set_policy(s, uuid, policy_json);
}

int store_volume_remove(struct store *s, const char *uuid)
{
	return s->ops->volume_remove(s, uuid);
}

int store_volume_state(struct store *s, const char *uuid, int *pending, char created[32])
{
	return s->ops->volume_state(s, uuid, pending, created);
}

int store_volume_policy(struct store *s, const char *uuid, char **policy_json)
{
	int rc;

	*policy_json = NULL;
	rc = s->ops->volume_policy(s, uuid, policy_json);
	if (rc == STORE_OK && (rc = store_policy_resolve(s, uuid, policy_json)) != STORE_OK) {
		free(*policy_json);
		*policy_json = NULL;
	}
	return rc;
}

/*
 * A volume that refers to a named policy has its key sealed with the
 * reference: it opens under the reference once the named policy, resolved
 * again now, is still the text the caller evaluated.
 */
int store_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN])
{
	char *stored = NULL, *now = NULL;
	int rc;

	if ((rc = s->ops->volume_policy(s, uuid, &stored)) != STORE_OK || stored[0] != '@') {
		free(stored);
		return s->ops->volume_key(s, uuid, policy_json, key);
	}
	now = strdup(stored);
	rc = now ? store_policy_resolve(s, uuid, &now) : STORE_ERROR;
	if (rc == STORE_OK && strcmp(now, policy_json)) {
		snprintf(s->err, sizeof(s->err), "the named policy of volume %s changed while the request was decided",
			 uuid);
		rc = STORE_TAMPERED;
	}
	if (rc == STORE_OK)
		rc = s->ops->volume_key(s, uuid, stored, key);
	else
		mbedtls_platform_zeroize(key, VOLUME_KEY_LEN);
	free(stored);
	free(now);
	return rc;
}

int store_volume_list(struct store *s, store_list_fn fn, void *ctx)
{
	return s->ops->volume_list(s, fn, ctx);
}

int store_audit_append(struct store *s, const struct audit_record *r)
{
	return s->ops->audit_append(s, r);
}

int store_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac, struct audit_verify_result *r)
{
	memset(r, 0, sizeof(*r));
	return s->ops->audit_verify(s, anchor_id, anchor_mac, r);
}

int store_backup(struct store *s, const char *path)
{
	if (!s->ops->backup) {
		snprintf(s->err, sizeof(s->err), "a PostgreSQL store is backed up with PostgreSQL's own tools "
			 "(pg_dump, base backups); cocobroker backup copies SQLite stores");
		return STORE_ERROR;
	}
	return s->ops->backup(s, path);
}

int store_note_admin(struct store *s, const char *action, const char *volume, const char *detail)
{
	if (!s->ops->note_admin) {
		snprintf(s->err, sizeof(s->err), "not for a PostgreSQL store");
		return STORE_ERROR;
	}
	return s->ops->note_admin(s, action, volume, detail);
}

/* ---- shared helpers ---- */

int store_rotate_master(struct store *s, const uint8_t new_master[MASTER_KEY_LEN], struct store_rotate_result *r)
{
	struct secret mem = { 0 };
	struct store_keys *nk;
	int rc;

	memset(r, 0, sizeof(*r));
	if (secret_alloc(&mem, sizeof(*nk))) {
		snprintf(s->err, sizeof(s->err), "cannot allocate locked memory for the new key");
		return STORE_ERROR;
	}
	nk = (struct store_keys *)mem.data;
	memcpy(nk->master, new_master, MASTER_KEY_LEN);
	if (seal_audit_key(nk->master, nk->audit)) {
		snprintf(s->err, sizeof(s->err), "cannot derive the new audit key");
		rc = STORE_ERROR;
	} else {
		rc = s->ops->rotate(s, nk, r);
	}
	secret_free(&mem);
	return rc;
}

int store_key_check_seal(struct store *s, uint8_t out[STORE_KEY_CHECK_LEN])
{
	if (wrap_seal(s->keys->master, KEY_CHECK_CONTEXT, (const uint8_t *)KEY_CHECK_PLAIN, sizeof(KEY_CHECK_PLAIN),
		      out)) {
		snprintf(s->err, sizeof(s->err), "cannot seal the key check value");
		return STORE_ERROR;
	}
	return STORE_OK;
}

int store_key_check_open(struct store *s, const uint8_t *sealed, size_t len)
{
	uint8_t plain[sizeof(KEY_CHECK_PLAIN)];
	size_t plain_len;

	if (sealed && len == STORE_KEY_CHECK_LEN &&
	    wrap_open(s->keys->master, KEY_CHECK_CONTEXT, sealed, len, plain, sizeof(plain), &plain_len) == 0 &&
	    plain_len == sizeof(KEY_CHECK_PLAIN) && !memcmp(plain, KEY_CHECK_PLAIN, plain_len))
		return STORE_OK;
	snprintf(s->err, sizeof(s->err), "the master key does not match this database (wrong or replaced key file)");
	return STORE_BAD_KEY;
}

int store_seal_key(struct store *s, const char *uuid, const char *policy, const uint8_t key[VOLUME_KEY_LEN],
		   uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD])
{
	char ctx[SEAL_CONTEXT_LEN];

	if (seal_volume_context(ctx, uuid, policy, strlen(policy)) ||
	    wrap_seal(s->keys->master, ctx, key, VOLUME_KEY_LEN, wrapped)) {
		snprintf(s->err, sizeof(s->err), "cannot wrap the volume key");
		return STORE_ERROR;
	}
	return STORE_OK;
}

int store_open_key(struct store *s, const char *uuid, const char *policy, const void *wrapped, size_t n,
		   uint8_t key[VOLUME_KEY_LEN])
{
	char ctx[SEAL_CONTEXT_LEN];
	size_t len = 0;

	if (wrapped && n > 0 && seal_volume_context(ctx, uuid, policy, strlen(policy)) == 0 &&
	    wrap_open(s->keys->master, ctx, wrapped, n, key, VOLUME_KEY_LEN, &len) == 0 && len == VOLUME_KEY_LEN)
		return STORE_OK;
	mbedtls_platform_zeroize(key, VOLUME_KEY_LEN);
	snprintf(s->err, sizeof(s->err), "the sealed record of volume %s does not open: its policy or wrapped key "
		 "was changed outside cocobroker", uuid);
	return STORE_TAMPERED;
}

void store_policy_detail(char out[96], const char *policy)
{
	char ctx[SEAL_CONTEXT_LEN];
	const char *hash;

	out[0] = '\0';
	if (seal_volume_context(ctx, "", policy, strlen(policy)) == 0 && (hash = strchr(ctx, '=')))
		snprintf(out, 96, "policy-sha256:%s", hash + 1);
}

int store_pending_error(struct store *s, const char *uuid, const char *created)
{
	snprintf(s->err, sizeof(s->err), "volume %s is pending (added %s, never confirmed): its key is not released "
		 "until `cocobroker volume confirm` proves the volume was formatted with it", uuid, created);
	return STORE_PENDING;
}

int store_exists_error(struct store *s, const char *uuid, int pending, const char *created)
{
	snprintf(s->err, sizeof(s->err), pending
		 ? "volume %s already exists and is pending (added %s): confirm it, or remove it "
		   "(volume remove --uuid %s --yes) before adding it again"
		 : "volume %s already exists (active since %s); remove it first to enrol it again",
		 uuid, created, uuid);
	return STORE_EXISTS;
}

int store_not_found_error(struct store *s, const char *uuid)
{
	snprintf(s->err, sizeof(s->err), "no volume %s", uuid);
	return STORE_NOT_FOUND;
}

void store_audit_fields(const struct audit_record *r, char when[32], const char *f[AUDIT_FIELDS],
			size_t len[AUDIT_FIELDS])
{
	struct tm tm;

	gmtime_r(&r->time, &tm);
	strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	f[0] = when;
	f[1] = r->volume ? r->volume : "";
	f[2] = r->client_key ? r->client_key : "";
	f[3] = r->provider ? r->provider : "";
	f[4] = r->measurement ? r->measurement : "";
	f[5] = r->decision ? r->decision : "";
	f[6] = r->reason ? r->reason : "";
	for (int i = 0; i < AUDIT_FIELDS; i++)
		len[i] = strlen(f[i]);
}

void store_audit_admin_record(const struct store *s, struct audit_record *r, char who[96], const char *action,
			      const char *volume, const char *detail)
{
	/* "serve:..." for what the broker does itself (a fleet first boot); a local user name has no ':' */
	snprintf(who, 96, strchr(s->operator_name, ':') ? "%s" : "local-user:%s",
		 s->operator_name[0] ? s->operator_name : "unknown");
	*r = (struct audit_record){
		.time = time(NULL), .volume = volume, .client_key = who, .provider = "admin",
		.measurement = detail ? detail : "", .decision = "admin", .reason = action,
	};
}

int store_audit_head_open(struct store *s, const void *sealed, size_t len, int found, int64_t *id,
			  uint8_t mac[AUDIT_MAC_LEN])
{
	if (!found) {
		snprintf(s->err, sizeof(s->err), "the sealed audit chain head (meta row audit_head) is missing: "
			 "it was removed outside cocobroker");
		return STORE_TAMPERED;
	}
	if (seal_audit_head_open(s->keys->audit, sealed, len, id, mac) == 0)
		return STORE_OK;
	snprintf(s->err, sizeof(s->err), "the sealed audit chain head (meta row audit_head) does not "
		 "verify: it was edited outside cocobroker");
	return STORE_TAMPERED;
}

/* ---- the chain walk ---- */

static int broken(struct audit_verify_result *r, int64_t id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int broken(struct audit_verify_result *r, int64_t id, const char *fmt, ...)
{
	va_list ap;

	r->broken_id = id;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof(r->what), fmt, ap);
	va_end(ap);
	return STORE_TAMPERED;
}

/* "row 7 is" or "rows 7..9 are" */
static const char *rows_missing(char *buf, size_t len, int64_t first, int64_t last)
{
	if (first == last)
		snprintf(buf, len, "row %" PRId64 " is", first);
	else
		snprintf(buf, len, "rows %" PRId64 "..%" PRId64 " are", first, last);
	return buf;
}

void audit_walk_start(struct audit_walk *w, struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
		      struct audit_verify_result *r, int64_t head_id, const uint8_t head_mac[AUDIT_MAC_LEN])
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->anchor_id = anchor_id;
	w->anchor_mac = anchor_mac;
	w->r = r;
	w->head_id = head_id;
	memcpy(w->head_mac, head_mac, AUDIT_MAC_LEN);
}

int audit_walk_row(struct audit_walk *w, int64_t id, const char *f[AUDIT_FIELDS], const size_t len[AUDIT_FIELDS],
		   const void *mac, size_t mac_len)
{
	struct audit_verify_result *r = w->r;
	uint8_t want[AUDIT_MAC_LEN];
	char gap[64];

	if (!mac || mac_len != AUDIT_MAC_LEN)
		return broken(r, id, "no MAC (written outside cocobroker, or by a cocobroker without audit chaining)");
	if (seal_audit_row(w->s->keys->audit, w->prev, id, f, len, want)) {
		snprintf(w->s->err, sizeof(w->s->err), "cannot compute the audit MAC");
		return STORE_ERROR;
	}
	if (mbedtls_ct_memcmp(want, mac, AUDIT_MAC_LEN)) {
		if (id > w->prev_id + 1 && w->prev_id == 0)
			return broken(r, id, "the first row, but it does not start the chain: %s missing (deleted)",
				      rows_missing(gap, sizeof(gap), 1, id - 1));
		if (id > w->prev_id + 1)
			return broken(r, id, "does not follow row %" PRId64 ": %s missing (deleted)", w->prev_id,
				      rows_missing(gap, sizeof(gap), w->prev_id + 1, id - 1));
		if (id > w->head_id)
			return broken(r, id, "after the sealed head (row %" PRId64 ") and its MAC does not verify: "
				      "added outside cocobroker", w->head_id);
		return broken(r, id, "its MAC does not match its contents (the row, or its MAC, was changed)");
	}
	if (w->anchor_mac && id == w->anchor_id && mbedtls_ct_memcmp(w->anchor_mac, mac, AUDIT_MAC_LEN))
		return broken(r, id, "its MAC is not the one the anchor recorded: the audit was rolled back or "
			      "rewritten from here on");
	memcpy(w->prev, mac, AUDIT_MAC_LEN);
	w->prev_id = id;
	r->rows++;
	r->last_id = id;
	return STORE_OK;
}

int audit_walk_end(struct audit_walk *w)
{
	struct audit_verify_result *r = w->r;
	char gap[64];

	/* every row verified: now the end of the table must be the sealed head */
	if (w->prev_id < w->head_id)
		return broken(r, w->prev_id + 1, "the sealed head records row %" PRId64 " as the last, the table ends "
			      "at row %" PRId64 ": %s missing (truncated)", w->head_id, w->prev_id,
			      rows_missing(gap, sizeof(gap), w->prev_id + 1, w->head_id));
	if (w->prev_id > w->head_id)
		return broken(r, w->head_id + 1, "the table goes on to row %" PRId64 " but the sealed head records row "
			      "%" PRId64 ": the head was restored from an older copy", w->prev_id, w->head_id);
	if (mbedtls_ct_memcmp(w->prev, w->head_mac, AUDIT_MAC_LEN))
		return broken(r, w->prev_id, "not the row the sealed head records");
	if (w->anchor_mac && w->anchor_id > w->prev_id)
		return broken(r, w->anchor_id, "the anchor's row is not in the table (it ends at row %" PRId64 "): the "
			      "store was rolled back to an older copy", w->prev_id);
	memcpy(r->head, w->prev, AUDIT_MAC_LEN);
	return STORE_OK;
}
