/*
 * The PostgreSQL backend (store_backend.h): several brokers, on several
 * hosts, share one database. Same rows and same seals as the SQLite store;
 * what PostgreSQL adds is enforced by the database itself (docs/broker.md,
 * "Several brokers on one PostgreSQL"):
 *   - the audit is append-only for everyone: a trigger refuses UPDATE, DELETE
 *     and TRUNCATE, and the brokers' role cocobroker_serve is granted only
 *     SELECT and INSERT on it;
 *   - cocobroker_serve may update only the audit head row of meta (row-level
 *     security) and only read volumes: enrolment runs as the schema owner;
 *   - the chain has one writer at a time: every transaction that appends
 *     locks the head row (SELECT ... FOR UPDATE) first, so rows of all
 *     workers of all brokers form one chain;
 *   - nothing is cached: a policy changed by any broker is read by the next
 *     request everywhere.
 * The connection is per worker; when it is lost the operation fails
 * (STORE_UNAVAILABLE: the server answers 503 + Retry-After), and the next
 * operation reconnects. An operation that failed because the connection was
 * already gone before it started is retried once on a new connection; one
 * whose COMMIT was sent is never retried (it may have committed).
 */
#include "store_backend.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <mbedtls/platform_util.h>

#define PG(s) ((PGconn *)(s)->pg)

/* the schema this cocobroker writes; older ones are upgraded by pg_upgrades[] */
#define PG_SCHEMA_VERSION 2
/* pg_advisory_xact_lock key for schema creation and upgrades ("cocobrok") */
#define PG_SCHEMA_LOCK "7165349271839210347"

static const char pg_schema_v1[] =
	"CREATE TABLE meta (name text PRIMARY KEY, value bytea NOT NULL);"
	"CREATE TABLE volumes ("
	"  uuid text PRIMARY KEY,"
	"  policy text NOT NULL,"
	"  wrapped_key bytea NOT NULL,"
	"  created text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','active')));"
	"CREATE TABLE audit ("
	"  id bigint PRIMARY KEY,"
	"  time text NOT NULL,"
	"  volume text NOT NULL,"
	"  client_key text NOT NULL,"
	"  provider text NOT NULL,"
	"  measurement text NOT NULL,"
	"  decision text NOT NULL CHECK (decision IN ('release','refuse','admin')),"
	"  reason text NOT NULL,"
	"  mac bytea);"
	/* append-only for every role, the owner included (the owner can drop the
	 * trigger: the chain catches what it does then) */
	"CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
	"  $$BEGIN RAISE EXCEPTION 'audit is append-only'; END$$;"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
	"  FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
	"  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();"
	/* roles other than the owner: read meta, update only the audit head */
	"ALTER TABLE meta ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY meta_read ON meta FOR SELECT USING (true);"
	"CREATE POLICY meta_head ON meta FOR UPDATE USING (name = 'audit_head') WITH CHECK (name = 'audit_head');"
	"REVOKE ALL ON meta, volumes, audit FROM PUBLIC;"
	"DO $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cocobroker_serve') THEN"
	"    GRANT SELECT ON meta, volumes, audit TO cocobroker_serve;"
	"    GRANT UPDATE (value) ON meta TO cocobroker_serve;"
	"    GRANT INSERT ON audit TO cocobroker_serve;"
	"  END IF;"
	"END$$;";

/* pg_upgrades[v] takes the schema from version v to v + 1 (v = 0: creates it). */
/*
 * 1 -> 2: named policies (store.h). serve enrols fleet first boots: it may
 * add a volume (INSERT) and mark it active (UPDATE of state), never change a
 * key or a policy of one (docs/broker.md, "First boot from a golden image").
 */
static const char pg_schema_v2[] =
	"CREATE TABLE policies ("
	"  name text PRIMARY KEY,"
	"  policy text NOT NULL,"
	"  instances text NOT NULL DEFAULT '',"
	"  seal bytea NOT NULL,"
	"  created text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'));"
	"CREATE UNIQUE INDEX volumes_one_per_instance ON volumes (policy)"
	"  WHERE left(policy, 1) = '@' AND strpos(policy, ' ') > 0;"
	"REVOKE ALL ON policies FROM PUBLIC;"
	"DO $$BEGIN"
	"  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cocobroker_serve') THEN"
	"    GRANT SELECT ON policies TO cocobroker_serve;"
	"    GRANT INSERT, UPDATE (state) ON volumes TO cocobroker_serve;"
	"  END IF;"
	"END$$;";

static const char *const pg_upgrades[PG_SCHEMA_VERSION] = { pg_schema_v1, pg_schema_v2 };

/* ---- statements ---- */

static void set_pg_error(struct store *s, const char *what, const PGresult *res)
{
	const char *msg = res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
				 : s->pg ? PQerrorMessage(PG(s)) : "no connection";
	int n = snprintf(s->err, sizeof(s->err), "%s: %s", what, msg);

	/* libpq's messages end in a newline (and may have several lines): keep one line */
	for (int i = 0; i < n && i < (int)sizeof(s->err); i++)
		if (s->err[i] == '\n')
			s->err[i] = i == n - 1 || s->err[i + 1] == '\0' ? '\0' : ' ';
}

/* The connection is gone (server restarted, network cut): the caller answers "store unavailable". */
static int lost(struct store *s)
{
	return !s->pg || PQstatus(PG(s)) != CONNECTION_OK;
}

struct param {
	const char *v;
	int len, binary;
};

/*
 * Run sql with text/binary parameters, results in binary. Returns the result
 * (caller clears) when its status is want, else NULL with s->err set and *rc
 * the store_result: STORE_EXISTS for a unique violation, STORE_ERROR otherwise.
 */
static PGresult *run(struct store *s, const char *sql, int n, const struct param *p, ExecStatusType want,
		     const char *what, int *rc)
{
	const char *vals[10];
	int lens[10], fmts[10];
	PGresult *res;

	for (int i = 0; i < n && i < 10; i++) {
		vals[i] = p[i].v;
		lens[i] = p[i].len;
		fmts[i] = p[i].binary;
	}
	res = PQexecParams(PG(s), sql, n, NULL, vals, lens, fmts, 1);
	if (res && PQresultStatus(res) == want) {
		*rc = STORE_OK;
		return res;
	}
	set_pg_error(s, what, res);
	*rc = STORE_ERROR;
	if (res) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state && !strcmp(state, "23505"))
			*rc = STORE_EXISTS;
	}
	PQclear(res);
	return NULL;
}

/* sql without parameters, possibly several statements (the schema) */
static int exec_sql(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(PG(s), sql);
	int rc = STORE_OK;

	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_pg_error(s, what, res);
		rc = STORE_ERROR;
	}
	PQclear(res);
	return rc;
}

static struct param text(const char *v)
{
	return (struct param){ v, 0, 0 };
}

static struct param blob(const void *v, size_t n)
{
	return (struct param){ v, (int)n, 1 };
}

static int64_t get_int8(const PGresult *res, int row, int col)
{
	uint64_t v;

	if (PQgetlength(res, row, col) != 8)
		return -1;
	memcpy(&v, PQgetvalue(res, row, col), 8);
	return (int64_t)be64toh(v);
}

/* ---- connection ---- */

static int connect_db(struct store *s)
{
	/* defaults first, the URL after them overrides any. Over TCP a server that
	 * vanished without a reset (a partition, a dead host) must not hold a worker
	 * for ever: keepalives and a send timeout end the connection in ~10 s. */
	const char *keys[] = { "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
			       "tcp_user_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { "5", "5", "2", "3", "10000", "cocobroker", s->url, NULL };

	if (s->pg)
		PQfinish(PG(s));
	s->pg = (struct pg_conn *)PQconnectdbParams(keys, vals, 1);
	if (!s->pg) {
		snprintf(s->err, sizeof(s->err), "PostgreSQL store: out of memory");
		return STORE_ERROR;
	}
	if (PQstatus(PG(s)) != CONNECTION_OK) {
		set_pg_error(s, "PostgreSQL store: cannot connect", NULL);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* A connection that is usable now: reconnects if it was lost. */
static int ready(struct store *s)
{
	if (!lost(s) && PQtransactionStatus(PG(s)) == PQTRANS_IDLE)
		return STORE_OK;
	if (!lost(s)) {
		/* a transaction left open by a failure: roll it back */
		PQclear(PQexec(PG(s), "ROLLBACK"));
		if (!lost(s) && PQtransactionStatus(PG(s)) == PQTRANS_IDLE)
			return STORE_OK;
	}
	return connect_db(s);
}

/*
 * Run body in one transaction (or, with tx 0, on its own), committed only if
 * it succeeds. A body that fails because the connection dropped before the
 * COMMIT is retried once on a new connection (the server rolled it back).
 */
static int in_tx(struct store *s, int tx, const char *what, int (*body)(struct store *, void *), void *arg)
{
	for (int attempt = 0;; attempt++) {
		int rc, committing = 0;

		if ((rc = ready(s)))
			return rc == STORE_ERROR ? STORE_UNAVAILABLE : rc;
		if (!tx || !(rc = exec_sql(s, "BEGIN", what))) {
			rc = body(s, arg);
			if (tx && rc == STORE_OK) {
				committing = 1;
				rc = exec_sql(s, "COMMIT", what);
			}
		}
		if (rc == STORE_OK)
			return rc;
		if (tx && !lost(s))
			PQclear(PQexec(PG(s), "ROLLBACK"));
		if (!lost(s))
			return rc;
		if (committing || attempt > 0)
			return rc == STORE_ERROR ? STORE_UNAVAILABLE : rc;
	}
}

/* ---- schema ---- */

/* The schema version: 0 when there are no tables yet. */
static int schema_version(struct store *s, int64_t *version)
{
	PGresult *res;
	int rc;

	*version = 0;
	res = run(s, "SELECT to_regclass('meta') IS NOT NULL", 0, NULL, PGRES_TUPLES_OK, "read the schema", &rc);
	if (!res)
		return rc;
	if (PQgetvalue(res, 0, 0)[0] != 1) {
		PQclear(res);
		return STORE_OK;
	}
	PQclear(res);
	res = run(s, "SELECT convert_from(value, 'UTF8')::bigint FROM meta WHERE name = 'schema_version'", 0, NULL,
		  PGRES_TUPLES_OK, "read the schema version", &rc);
	if (!res)
		return rc;
	if (PQntuples(res) != 1) {
		snprintf(s->err, sizeof(s->err), "the store has a meta table but no schema_version: it was not made by "
			 "cocobroker, or was edited outside it");
		rc = STORE_TAMPERED;
	} else {
		*version = get_int8(res, 0, 0);
	}
	PQclear(res);
	return rc;
}

static int check_master_key(struct store *s)
{
	int rc;
	PGresult *res = run(s, "SELECT value FROM meta WHERE name = 'key_check'", 0, NULL, PGRES_TUPLES_OK,
			    "read the key check", &rc);

	if (!res)
		return rc;
	rc = store_key_check_open(s, PQntuples(res) == 1 ? (const uint8_t *)PQgetvalue(res, 0, 0) : NULL,
				  PQntuples(res) == 1 ? (size_t)PQgetlength(res, 0, 0) : 0);
	PQclear(res);
	return rc;
}

static int write_head(struct store *s, int64_t id, const uint8_t mac[AUDIT_MAC_LEN], int insert)
{
	uint8_t head[AUDIT_HEAD_LEN];
	struct param p;
	PGresult *res;
	int rc;

	if (seal_audit_head(s->keys->audit, id, mac, head)) {
		snprintf(s->err, sizeof(s->err), "cannot seal the audit head");
		return STORE_ERROR;
	}
	p = blob(head, sizeof(head));
	res = run(s, insert ? "INSERT INTO meta (name, value) VALUES ('audit_head', $1)"
			    : "UPDATE meta SET value = $1 WHERE name = 'audit_head'",
		  1, &p, PGRES_COMMAND_OK, "write the audit head", &rc);
	if (res && strcmp(PQcmdTuples(res), "1")) {
		snprintf(s->err, sizeof(s->err), "write the audit head: the head row is missing");
		rc = STORE_TAMPERED;
	}
	PQclear(res);
	return rc;
}

static int initialise(struct store *s)
{
	uint8_t sealed[STORE_KEY_CHECK_LEN], zero[AUDIT_MAC_LEN] = { 0 };
	struct param p;
	PGresult *res;
	int rc;

	if ((rc = store_key_check_seal(s, sealed)))
		return rc;
	p = blob(sealed, sizeof(sealed));
	if (!(res = run(s, "INSERT INTO meta (name, value) VALUES ('key_check', $1)", 1, &p, PGRES_COMMAND_OK,
			"write the key check", &rc)))
		return rc;
	PQclear(res);
	return write_head(s, 0, zero, 1);
}

static int set_version(struct store *s, int64_t v)
{
	char num[24];
	struct param p = text(num);
	PGresult *res;
	int rc;

	snprintf(num, sizeof(num), "%" PRId64, v);
	res = run(s, "INSERT INTO meta (name, value) VALUES ('schema_version', convert_to($1, 'UTF8')) "
		  "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", 1, &p, PGRES_COMMAND_OK,
		  "write the schema version", &rc);
	PQclear(res);
	return rc;
}

static int newer_error(struct store *s, int64_t version)
{
	snprintf(s->err, sizeof(s->err), "the PostgreSQL store has schema version %" PRId64 ", newer than this "
		 "cocobroker (%d): use the cocobroker that wrote it", version, PG_SCHEMA_VERSION);
	return STORE_ERROR;
}

/* Create or upgrade the schema and check the master key, under the schema lock: brokers starting together wait. */
static int prepare(struct store *s, void *arg)
{
	int64_t version;
	PGresult *res;
	int rc;

	(void)arg;
	if (!(res = run(s, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")", 0, NULL, PGRES_TUPLES_OK,
			"lock the schema", &rc)))
		return rc;
	PQclear(res);
	if ((rc = schema_version(s, &version)))
		return rc;
	if (version > PG_SCHEMA_VERSION)
		return newer_error(s, version);
	if (version < 0) {
		snprintf(s->err, sizeof(s->err), "the store's schema_version is not a valid number");
		return STORE_TAMPERED;
	}
	if (version > 0 && (rc = check_master_key(s)))
		return rc;
	for (int64_t v = version; v < PG_SCHEMA_VERSION; v++) {
		char what[96];

		snprintf(what, sizeof(what), "upgrade the PostgreSQL schema from version %" PRId64 " (as the schema "
			 "owner)", v);
		if ((rc = exec_sql(s, pg_upgrades[v], what)))
			return rc;
	}
	if (version == 0 && (rc = initialise(s)))
		return rc;
	if (version < PG_SCHEMA_VERSION) {
		if ((rc = set_version(s, PG_SCHEMA_VERSION)))
			return rc;
		snprintf(s->notice, sizeof(s->notice), version ? "upgraded the PostgreSQL schema from version %" PRId64
			 " to %d" : "created the PostgreSQL schema (version %" PRId64 " -> %d)", version,
			 PG_SCHEMA_VERSION);
	}
	return STORE_OK;
}

/* The URL's own error before any connection: libpq's parser, never the URL itself (it may hold a password). */
int store_pg_check_url(const char *url, char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &msg);

	if (!opts) {
		snprintf(err, errlen, "the store URL does not parse: %s", msg ? msg : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		PQfreemem(msg);
		return -1;
	}
	PQconninfoFree(opts);
	return 0;
}

static int parse_url(struct store *s, const char *url)
{
	if (store_pg_check_url(url, s->err, sizeof(s->err)))
		return STORE_ERROR;
	return (s->url = strdup(url)) ? STORE_OK : STORE_ERROR;
}

int store_pg_open(struct store *s, const char *url)
{
	int rc;

	if ((rc = parse_url(s, url)) || (rc = connect_db(s)))
		return rc;
	return in_tx(s, 1, "open the store", prepare, NULL);
}

static int check_readonly(struct store *s, void *arg)
{
	int64_t version;
	int rc;

	(void)arg;
	if ((rc = schema_version(s, &version)))
		return rc;
	if (version == 0) {
		snprintf(s->err, sizeof(s->err), "the PostgreSQL database has no cocobroker store (no meta table)");
		return STORE_ERROR;
	}
	if (version > PG_SCHEMA_VERSION)
		return newer_error(s, version);
	if (version < PG_SCHEMA_VERSION) {
		snprintf(s->err, sizeof(s->err), "the PostgreSQL store has schema version %" PRId64 ": any cocobroker "
			 "command run as the schema owner that opens it for writing upgrades it", version);
		return STORE_ERROR;
	}
	return check_master_key(s);
}

int store_pg_open_readonly(struct store *s, const char *url)
{
	int rc;

	if ((rc = parse_url(s, url)) || (rc = connect_db(s)) ||
	    (rc = exec_sql(s, "SET default_transaction_read_only = on", "open the store read-only")))
		return rc;
	return in_tx(s, 1, "open the store", check_readonly, NULL);
}

static void pg_close(struct store *s)
{
	if (s->pg)
		PQfinish(PG(s));
	s->pg = NULL;
}

/* ---- the audit chain ---- */

/* The head, locked until the end of the transaction: one appender at a time across all brokers. */
static int lock_head(struct store *s, int64_t *id, uint8_t mac[AUDIT_MAC_LEN])
{
	int rc;
	PGresult *res = run(s, "SELECT value FROM meta WHERE name = 'audit_head' FOR UPDATE", 0, NULL, PGRES_TUPLES_OK,
			    "lock the audit head", &rc);

	if (!res)
		return rc;
	rc = store_audit_head_open(s, PQntuples(res) ? PQgetvalue(res, 0, 0) : NULL,
				   PQntuples(res) ? (size_t)PQgetlength(res, 0, 0) : 0, PQntuples(res) == 1, id, mac);
	PQclear(res);
	return rc;
}

/* Append r inside the caller's transaction. */
static int append_locked(struct store *s, const struct audit_record *r)
{
	const char *f[AUDIT_FIELDS];
	size_t len[AUDIT_FIELDS];
	uint8_t mac[AUDIT_MAC_LEN];
	struct param p[9];
	char when[32], num[24];
	int64_t head_id, id;
	PGresult *res;
	int rc;

	store_audit_fields(r, when, f, len);
	/* chain from the sealed head, not from the last row: after a truncation the
	 * next row must not make the shorter chain look whole */
	if ((rc = lock_head(s, &head_id, mac)))
		return rc;
	if (!(res = run(s, "SELECT coalesce(max(id), 0) FROM audit", 0, NULL, PGRES_TUPLES_OK, "append audit", &rc)))
		return rc;
	id = get_int8(res, 0, 0);
	PQclear(res);
	id = (id > head_id ? id : head_id) + 1;
	if (seal_audit_row(s->keys->audit, mac, id, f, len, mac)) {
		snprintf(s->err, sizeof(s->err), "cannot compute the audit MAC");
		return STORE_ERROR;
	}
	snprintf(num, sizeof(num), "%" PRId64, id);
	p[0] = text(num);
	for (int i = 0; i < AUDIT_FIELDS; i++)
		p[i + 1] = text(f[i]);
	p[8] = blob(mac, sizeof(mac));
	res = run(s, "INSERT INTO audit (id, time, volume, client_key, provider, measurement, decision, reason, mac) "
		  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", 9, p, PGRES_COMMAND_OK, "append audit", &rc);
	if (!res)
		return rc == STORE_EXISTS ? STORE_ERROR : rc;
	PQclear(res);
	return write_head(s, id, mac, 0);
}

static int admin_row(struct store *s, const char *action, const char *volume, const char *detail)
{
	struct audit_record r;
	char who[96];

	store_audit_admin_record(s, &r, who, action, volume, detail);
	return append_locked(s, &r);
}

static int append_body(struct store *s, void *arg)
{
	return append_locked(s, arg);
}

static int pg_audit_append(struct store *s, const struct audit_record *r)
{
	return in_tx(s, 1, "append audit", append_body, (void *)r);
}

struct verify_args {
	int64_t anchor_id;
	const uint8_t *anchor_mac;
	struct audit_verify_result *r;
};

static int verify_body(struct store *s, void *arg)
{
	struct verify_args *a = arg;
	uint8_t head_mac[AUDIT_MAC_LEN];
	struct audit_walk w;
	int64_t head_id;
	PGresult *res;
	int rc, ret = STORE_OK;

	memset(a->r, 0, sizeof(*a->r));
	/* one snapshot for the head and all rows */
	if ((rc = exec_sql(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", "read audit")))
		return rc;
	if (!(res = run(s, "SELECT value FROM meta WHERE name = 'audit_head'", 0, NULL, PGRES_TUPLES_OK,
			"read the audit head", &rc)))
		return rc;
	rc = store_audit_head_open(s, PQntuples(res) ? PQgetvalue(res, 0, 0) : NULL,
				   PQntuples(res) ? (size_t)PQgetlength(res, 0, 0) : 0, PQntuples(res) == 1, &head_id,
				   head_mac);
	PQclear(res);
	if (rc == STORE_TAMPERED) {
		a->r->broken_id = -1;
		snprintf(a->r->what, sizeof(a->r->what), "%s", s->err);
	}
	if (rc)
		return rc;
	audit_walk_start(&w, s, a->anchor_id, a->anchor_mac, a->r, head_id, head_mac);
	if ((rc = exec_sql(s, "DECLARE walk NO SCROLL CURSOR FOR SELECT id, time, volume, client_key, provider, "
			   "measurement, decision, reason, mac FROM audit ORDER BY id", "read audit")))
		return rc;
	while (ret == STORE_OK) {
		int n;

		if (!(res = run(s, "FETCH 1000 FROM walk", 0, NULL, PGRES_TUPLES_OK, "read audit", &rc)))
			return rc;
		n = PQntuples(res);
		for (int row = 0; row < n && ret == STORE_OK; row++) {
			const char *f[AUDIT_FIELDS];
			size_t len[AUDIT_FIELDS];

			for (int i = 0; i < AUDIT_FIELDS; i++) {
				f[i] = PQgetvalue(res, row, i + 1);
				len[i] = (size_t)PQgetlength(res, row, i + 1);
			}
			ret = audit_walk_row(&w, get_int8(res, row, 0), f, len,
					     PQgetisnull(res, row, 8) ? NULL : PQgetvalue(res, row, 8),
					     (size_t)PQgetlength(res, row, 8));
		}
		PQclear(res);
		if (n == 0)
			break;
	}
	/* a broken chain is the answer, not a failure of the transaction: keep it */
	return ret == STORE_OK ? audit_walk_end(&w) : ret;
}

static int pg_audit_verify(struct store *s, int64_t anchor_id, const uint8_t *anchor_mac,
			   struct audit_verify_result *r)
{
	struct verify_args a = { anchor_id, anchor_mac, r };
	int rc = in_tx(s, 1, "read audit", verify_body, &a);

	return rc;
}

/* ---- volumes ---- */

struct volume_row {
	int pending;
	char created[32];
	char *policy;
};

/* One volume (FOR UPDATE inside a write transaction); with want_key the policy (malloc'd) and the key in scratch. */
static int read_row(struct store *s, const char *uuid, struct volume_row *row, int want_key, int for_update,
		    const char *what)
{
	struct param p = text(uuid);
	PGresult *res;
	int rc;

	memset(row, 0, sizeof(*row));
	if (!(res = run(s, for_update ? "SELECT policy, wrapped_key, state, created FROM volumes WHERE uuid = $1 FOR UPDATE"
				      : "SELECT policy, wrapped_key, state, created FROM volumes WHERE uuid = $1",
			1, &p, PGRES_TUPLES_OK, what, &rc)))
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return store_not_found_error(s, uuid);
	}
	row->pending = strcmp(PQgetvalue(res, 0, 2), "active") != 0;
	snprintf(row->created, sizeof(row->created), "%s", PQgetvalue(res, 0, 3));
	if (want_key) {
		row->policy = strdup(PQgetvalue(res, 0, 0));
		rc = row->policy ? store_open_key(s, uuid, row->policy, PQgetvalue(res, 0, 1),
						  (size_t)PQgetlength(res, 0, 1), s->keys->scratch)
				 : STORE_ERROR;
		if (rc) {
			free(row->policy);
			row->policy = NULL;
		}
	}
	PQclear(res);
	return rc;
}

struct add_args {
	const char *uuid, *policy;
	const uint8_t *key;
};

static int add_body(struct store *s, void *arg)
{
	const struct add_args *a = arg;
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	struct volume_row row;
	struct param p[3];
	char detail[96];
	PGresult *res;
	int rc;

	if ((rc = read_row(s, a->uuid, &row, 0, 0, "add volume")) == STORE_OK)
		return store_exists_error(s, a->uuid, row.pending, row.created);
	if (rc != STORE_NOT_FOUND)
		return rc;
	if ((rc = store_seal_key(s, a->uuid, a->policy, a->key, wrapped)))
		return rc;
	p[0] = text(a->uuid);
	p[1] = text(a->policy);
	p[2] = blob(wrapped, sizeof(wrapped));
	res = run(s, "INSERT INTO volumes (uuid, policy, wrapped_key, state) VALUES ($1, $2, $3, 'pending')", 3, p,
		  PGRES_COMMAND_OK, "add volume", &rc);
	mbedtls_platform_zeroize(wrapped, sizeof(wrapped));
	if (!res) {
		/* another broker added it between the read and the insert, or (volumes_one_per_instance)
		 * the same instance's first boot under another UUID */
		return rc == STORE_EXISTS ? store_exists_error(s, a->uuid, 1, "just now") : rc;
	}
	PQclear(res);
	store_policy_detail(detail, a->policy);
	return admin_row(s, "volume-add", a->uuid, detail);
}

static int pg_volume_add(struct store *s, const char *uuid, const char *policy_json, const uint8_t key[VOLUME_KEY_LEN])
{
	struct add_args a = { uuid, policy_json, key };

	return in_tx(s, 1, "add volume", add_body, &a);
}

struct confirm_args {
	const char *uuid, *how;
	store_key_check_fn check;
	void *ctx;
	int *was_active;
};

static int confirm_body(struct store *s, void *arg)
{
	const struct confirm_args *a = arg;
	struct param p = text(a->uuid);
	struct volume_row row;
	char why[200] = "";
	PGresult *res;
	int rc;

	if ((rc = read_row(s, a->uuid, &row, 1, 1, "confirm volume")))
		return rc;
	free(row.policy);
	*a->was_active = !row.pending;
	rc = a->check(a->ctx, s->keys->scratch, why, sizeof(why));
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc) {
		snprintf(s->err, sizeof(s->err), "%s", why[0] ? why : "the key does not match");
		return STORE_MISMATCH;
	}
	if (!row.pending)
		return STORE_OK;
	if (!(res = run(s, "UPDATE volumes SET state = 'active' WHERE uuid = $1 AND state = 'pending'", 1, &p,
			PGRES_COMMAND_OK, "confirm volume", &rc)))
		return rc;
	PQclear(res);
	return admin_row(s, "volume-confirm", a->uuid, a->how);
}

static int pg_volume_confirm(struct store *s, const char *uuid, store_key_check_fn check, void *ctx, const char *how,
			     int *was_active)
{
	struct confirm_args a = { uuid, how, check, ctx, was_active };

	return in_tx(s, 1, "confirm volume", confirm_body, &a);
}

struct policy_args {
	const char *uuid, *policy;
};

static int set_policy_body(struct store *s, void *arg)
{
	const struct policy_args *a = arg;
	uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
	struct volume_row row;
	struct param p[3];
	char detail[96];
	PGresult *res;
	int rc;

	/* the row stays locked to the end: a concurrent set-policy waits for this one */
	if ((rc = read_row(s, a->uuid, &row, 1, 1, "set policy")))
		return rc;
	free(row.policy);
	rc = store_seal_key(s, a->uuid, a->policy, s->keys->scratch, wrapped);
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc)
		return rc;
	p[0] = text(a->policy);
	p[1] = blob(wrapped, sizeof(wrapped));
	p[2] = text(a->uuid);
	if (!(res = run(s, "UPDATE volumes SET policy = $1, wrapped_key = $2 WHERE uuid = $3", 3, p, PGRES_COMMAND_OK,
			"set policy", &rc)))
		return rc;
	PQclear(res);
	store_policy_detail(detail, a->policy);
	return admin_row(s, "volume-set-policy", a->uuid, detail);
}

static int pg_volume_set_policy(struct store *s, const char *uuid, const char *policy_json)
{
	struct policy_args a = { uuid, policy_json };

	return in_tx(s, 1, "set policy", set_policy_body, &a);
}

static int remove_body(struct store *s, void *arg)
{
	const char *uuid = arg;
	struct param p = text(uuid);
	struct volume_row row;
	PGresult *res;
	int rc;

	if ((rc = read_row(s, uuid, &row, 0, 1, "remove volume")))
		return rc;
	if (!(res = run(s, "DELETE FROM volumes WHERE uuid = $1", 1, &p, PGRES_COMMAND_OK, "remove volume", &rc)))
		return rc;
	PQclear(res);
	return admin_row(s, "volume-remove", uuid, row.pending ? "was pending" : "was active");
}

static int pg_volume_remove(struct store *s, const char *uuid)
{
	return in_tx(s, 1, "remove volume", remove_body, (void *)uuid);
}

struct state_args {
	const char *uuid;
	int *pending;
	char *created;
};

static int state_body(struct store *s, void *arg)
{
	struct state_args *a = arg;
	struct volume_row row;
	int rc = read_row(s, a->uuid, &row, 0, 0, "read volume");

	if (rc == STORE_OK) {
		*a->pending = row.pending;
		memcpy(a->created, row.created, sizeof(row.created));
	}
	return rc;
}

static int pg_volume_state(struct store *s, const char *uuid, int *pending, char created[32])
{
	struct state_args a = { uuid, pending, created };

	return in_tx(s, 0, "read volume", state_body, &a);
}

struct policy_out {
	const char *uuid;
	char **policy;
};

static int policy_body(struct store *s, void *arg)
{
	struct policy_out *a = arg;
	struct volume_row row;
	int rc = read_row(s, a->uuid, &row, 1, 0, "read policy");

	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	if (rc == STORE_OK && row.pending) {
		free(row.policy);
		return store_pending_error(s, a->uuid, row.created);
	}
	if (rc == STORE_OK)
		*a->policy = row.policy;
	return rc;
}

static int pg_volume_policy(struct store *s, const char *uuid, char **policy_json)
{
	struct policy_out a = { uuid, policy_json };

	return in_tx(s, 0, "read policy", policy_body, &a);
}

struct key_args {
	const char *uuid, *policy;
	uint8_t *key;
};

static int key_body(struct store *s, void *arg)
{
	struct key_args *a = arg;
	struct param p = text(a->uuid);
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT wrapped_key, state, created FROM volumes WHERE uuid = $1", 1, &p, PGRES_TUPLES_OK,
			"read volume key", &rc)))
		return rc;
	if (PQntuples(res) != 1)
		rc = store_not_found_error(s, a->uuid);
	else if (strcmp(PQgetvalue(res, 0, 1), "active"))
		rc = store_pending_error(s, a->uuid, PQgetvalue(res, 0, 2));
	else
		rc = store_open_key(s, a->uuid, a->policy, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
				    a->key);
	PQclear(res);
	return rc;
}

static int pg_volume_key(struct store *s, const char *uuid, const char *policy_json, uint8_t key[VOLUME_KEY_LEN])
{
	struct key_args a = { uuid, policy_json, key };

	return in_tx(s, 0, "read volume key", key_body, &a);
}

struct list_args {
	store_list_fn fn;
	void *ctx;
};

static int list_body(struct store *s, void *arg)
{
	struct list_args *a = arg;
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT uuid, created, policy, wrapped_key, state FROM volumes ORDER BY uuid", 0, NULL,
			PGRES_TUPLES_OK, "list volumes", &rc)))
		return rc;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *uuid = PQgetvalue(res, i, 0), *policy = PQgetvalue(res, i, 2);
		int sealed = store_open_key(s, uuid, policy, PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3),
					    s->keys->scratch) == STORE_OK;

		mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
		a->fn(a->ctx, uuid, PQgetvalue(res, i, 1), policy, sealed, strcmp(PQgetvalue(res, i, 4), "active") != 0);
	}
	s->err[0] = '\0';   /* a broken seal is reported through sealed, not as an error */
	PQclear(res);
	return STORE_OK;
}

static int pg_volume_list(struct store *s, store_list_fn fn, void *ctx)
{
	struct list_args a = { fn, ctx };

	return in_tx(s, 0, "list volumes", list_body, &a);
}

/* ---- master-key rotation (store.h store_rotate_master), as the schema owner ---- */

struct rotate_args {
	struct store_keys *nk;
	struct store_rotate_result *r;
};

/* Walk the chain under the old key and MAC every row again under the new one. */
static int rechain(struct store *s, struct rotate_args *a, int64_t head_id, const uint8_t head_mac[AUDIT_MAC_LEN],
		   int64_t *last_id, uint8_t last[AUDIT_MAC_LEN])
{
	PGresult *res = NULL;
	struct audit_walk w;
	int rc;

	memset(last, 0, AUDIT_MAC_LEN);
	audit_walk_start(&w, s, 0, NULL, &a->r->verified, head_id, head_mac);
	if (!(res = run(s, "SELECT id, time, volume, client_key, provider, measurement, decision, reason, mac FROM audit "
			"ORDER BY id", 0, NULL, PGRES_TUPLES_OK, "rotate: read audit", &rc)))
		return rc;
	/* the owner lifts the append-only trigger inside this transaction only */
	rc = exec_sql(s, "ALTER TABLE audit DISABLE TRIGGER audit_no_change", "rotate: lift the append-only trigger");
	for (int row = 0; rc == STORE_OK && row < PQntuples(res); row++) {
		const char *f[AUDIT_FIELDS];
		size_t len[AUDIT_FIELDS];
		int64_t id = get_int8(res, row, 0);
		char num[24];
		struct param p[2];
		PGresult *u;

		for (int i = 0; i < AUDIT_FIELDS; i++) {
			f[i] = PQgetvalue(res, row, i + 1);
			len[i] = (size_t)PQgetlength(res, row, i + 1);
		}
		if ((rc = audit_walk_row(&w, id, f, len, PQgetisnull(res, row, 8) ? NULL : PQgetvalue(res, row, 8),
					 (size_t)PQgetlength(res, row, 8))))
			break;
		if (seal_audit_row(a->nk->audit, last, id, f, len, last)) {
			snprintf(s->err, sizeof(s->err), "rotate: cannot compute the audit MAC");
			rc = STORE_ERROR;
			break;
		}
		snprintf(num, sizeof(num), "%" PRId64, id);
		p[0] = blob(last, AUDIT_MAC_LEN);
		p[1] = text(num);
		if (!(u = run(s, "UPDATE audit SET mac = $1 WHERE id = $2", 2, p, PGRES_COMMAND_OK, "rotate: re-chain",
			      &rc)))
			break;
		PQclear(u);
		a->r->rows++;
		*last_id = id;
	}
	PQclear(res);
	if (rc == STORE_OK && (rc = audit_walk_end(&w)) == STORE_OK)
		rc = exec_sql(s, "ALTER TABLE audit ENABLE TRIGGER audit_no_change", "rotate: restore the trigger");
	if (rc == STORE_TAMPERED)
		snprintf(s->err, sizeof(s->err), "the audit chain does not verify (row %lld: %.150s): not rotating over it",
			 (long long)a->r->verified.broken_id, a->r->verified.what);
	return rc;
}

static int rewrap(struct store *s, struct rotate_args *a)
{
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT uuid, policy, wrapped_key FROM volumes ORDER BY uuid FOR UPDATE", 0, NULL,
			PGRES_TUPLES_OK, "rotate: read volumes", &rc)))
		return rc;
	for (int row = 0; rc == STORE_OK && row < PQntuples(res); row++) {
		uint8_t wrapped[VOLUME_KEY_LEN + WRAP_OVERHEAD];
		const char *uuid = PQgetvalue(res, row, 0), *policy = PQgetvalue(res, row, 1);
		char ctx[SEAL_CONTEXT_LEN];
		struct param p[2];
		PGresult *u;

		if ((rc = store_open_key(s, uuid, policy, PQgetvalue(res, row, 2), (size_t)PQgetlength(res, row, 2),
					 s->keys->scratch)))
			break;
		if (seal_volume_context(ctx, uuid, policy, strlen(policy)) ||
		    wrap_seal(a->nk->master, ctx, s->keys->scratch, VOLUME_KEY_LEN, wrapped)) {
			snprintf(s->err, sizeof(s->err), "rotate: cannot wrap the key of volume %s", uuid);
			rc = STORE_ERROR;
			break;
		}
		p[0] = blob(wrapped, sizeof(wrapped));
		p[1] = text(uuid);
		if (!(u = run(s, "UPDATE volumes SET wrapped_key = $1 WHERE uuid = $2", 2, p, PGRES_COMMAND_OK,
			      "rotate: rewrap", &rc)))
			break;
		PQclear(u);
		a->r->volumes++;
	}
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	PQclear(res);
	return rc;
}

static int reseal_named(struct store *s, struct rotate_args *a)
{
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT name, policy, instances, seal FROM policies ORDER BY name FOR UPDATE", 0, NULL,
			PGRES_TUPLES_OK, "rotate: read named policies", &rc)))
		return rc;
	for (int row = 0; rc == STORE_OK && row < PQntuples(res); row++) {
		uint8_t seal[STORE_POLICY_SEAL_LEN];
		struct param p[2];
		PGresult *u;

		if ((rc = store_policy_reseal(s, a->nk->master, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
					      PQgetvalue(res, row, 2), (const uint8_t *)PQgetvalue(res, row, 3),
					      (size_t)PQgetlength(res, row, 3), seal)))
			break;
		p[0] = blob(seal, sizeof(seal));
		p[1] = text(PQgetvalue(res, row, 0));
		if (!(u = run(s, "UPDATE policies SET seal = $1 WHERE name = $2", 2, p, PGRES_COMMAND_OK,
			      "rotate: named policies", &rc)))
			break;
		PQclear(u);
		a->r->policies++;
	}
	PQclear(res);
	return rc;
}

static int rotate_body(struct store *s, void *arg)
{
	struct rotate_args *a = arg;
	struct store_keys *old = s->keys;
	uint8_t head_mac[AUDIT_MAC_LEN], last[AUDIT_MAC_LEN], sealed[STORE_KEY_CHECK_LEN];
	int64_t head_id, last_id = 0;
	char detail[160];
	struct param p;
	PGresult *res;
	int rc;

	a->r->volumes = a->r->rows = a->r->policies = 0;
	memset(&a->r->verified, 0, sizeof(a->r->verified));
	/* the head locked first: no broker appends until this commits or rolls back */
	if ((rc = lock_head(s, &head_id, head_mac)) || (rc = rechain(s, a, head_id, head_mac, &last_id, last)) ||
	    (rc = rewrap(s, a)) || (rc = reseal_named(s, a)))
		return rc;
	s->keys = a->nk;
	snprintf(detail, sizeof(detail), "%lld volume key(s) rewrapped, %lld named polic%s sealed again, "
		 "%lld audit row(s) re-chained", (long long)a->r->volumes, (long long)a->r->policies,
		 a->r->policies == 1 ? "y" : "ies", (long long)a->r->rows);
	if (!(rc = store_key_check_seal(s, sealed))) {
		p = blob(sealed, sizeof(sealed));
		if ((res = run(s, "UPDATE meta SET value = $1 WHERE name = 'key_check'", 1, &p, PGRES_COMMAND_OK,
			       "rotate: write the key check", &rc)))
			PQclear(res);
	}
	if (!rc && !(rc = write_head(s, last_id, last, 0)))
		rc = admin_row(s, "master-key-rotate", "", detail);
	s->keys = old;
	return rc;
}

static int pg_rotate(struct store *s, struct store_keys *nk, struct store_rotate_result *r)
{
	struct rotate_args a = { nk, r };
	int rc = in_tx(s, 1, "rotate the master key", rotate_body, &a);

	if (rc == STORE_OK)
		memcpy(s->keys, nk, sizeof(*nk));
	return rc;
}

/* ---- named policies ---- */

#define REFERS_TO(name) \
	"(policy = '@' || " name " OR substr(policy, 1, length(" name ") + 2) = '@' || " name " || ' ')"
#define POLICY_COLUMNS "name, policy, instances, created, seal, " \
	"(SELECT count(*) FROM volumes WHERE " REFERS_TO("policies.name") ")::int8"

struct put_args {
	const char *name, *policy, *instances;
	const uint8_t *seal;
	size_t seal_len;
};

static int put_body(struct store *s, void *arg)
{
	const struct put_args *a = arg;
	struct param p[4] = { text(a->name), text(a->policy), text(a->instances), blob(a->seal, a->seal_len) };
	char detail[96];
	PGresult *res;
	int rc;

	if (!(res = run(s, "INSERT INTO policies (name, policy, instances, seal) VALUES ($1, $2, $3, $4) "
			"ON CONFLICT (name) DO UPDATE SET policy = $2, instances = $3, seal = $4", 4, p,
			PGRES_COMMAND_OK, "set named policy", &rc)))
		return rc;
	PQclear(res);
	store_policy_detail(detail, a->policy);
	return admin_row(s, a->instances[0] ? "fleet-policy-set" : "policy-set", a->name, detail);
}

static int pg_policy_put(struct store *s, const char *name, const char *policy, const char *instances,
			 const uint8_t *seal, size_t seal_len)
{
	struct put_args a = { name, policy, instances, seal, seal_len };

	return in_tx(s, 1, "set named policy", put_body, &a);
}

static void fill_policy_row(const PGresult *res, int i, struct store_policy_row *row, int copy)
{
	size_t n = (size_t)PQgetlength(res, i, 4);

	row->name = copy ? strdup(PQgetvalue(res, i, 0)) : PQgetvalue(res, i, 0);
	row->policy = copy ? strdup(PQgetvalue(res, i, 1)) : PQgetvalue(res, i, 1);
	row->instances = copy ? strdup(PQgetvalue(res, i, 2)) : PQgetvalue(res, i, 2);
	snprintf(row->created, sizeof(row->created), "%s", PQgetvalue(res, i, 3));
	row->seal_len = n <= STORE_POLICY_SEAL_LEN ? n : STORE_POLICY_SEAL_LEN + 1;
	if (n <= STORE_POLICY_SEAL_LEN)
		memcpy(row->seal, PQgetvalue(res, i, 4), n);
	row->volumes = get_int8(res, i, 5);
}

struct policy_get_args {
	const char *name;
	struct store_policy_row *row;
};

static int policy_get_body(struct store *s, void *arg)
{
	struct policy_get_args *a = arg;
	struct param p = text(a->name);
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT " POLICY_COLUMNS " FROM policies WHERE name = $1", 1, &p, PGRES_TUPLES_OK,
			"read named policy", &rc)))
		return rc;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(s->err, sizeof(s->err), "no named policy %s", a->name);
		return STORE_NOT_FOUND;
	}
	fill_policy_row(res, 0, a->row, 1);
	PQclear(res);
	return a->row->name && a->row->policy && a->row->instances ? STORE_OK : STORE_ERROR;
}

static int pg_policy_get(struct store *s, const char *name, struct store_policy_row *row)
{
	struct policy_get_args a = { name, row };

	memset(row, 0, sizeof(*row));
	return in_tx(s, 0, "read named policy", policy_get_body, &a);
}

struct policy_list_args {
	void (*fn)(void *ctx, const struct store_policy_row *row);
	void *ctx;
};

static int policy_list_body(struct store *s, void *arg)
{
	struct policy_list_args *a = arg;
	struct store_policy_row row;
	PGresult *res;
	int rc;

	if (!(res = run(s, "SELECT " POLICY_COLUMNS " FROM policies ORDER BY name", 0, NULL, PGRES_TUPLES_OK,
			"list named policies", &rc)))
		return rc;
	for (int i = 0; i < PQntuples(res); i++) {
		memset(&row, 0, sizeof(row));
		fill_policy_row(res, i, &row, 0);
		a->fn(a->ctx, &row);
	}
	PQclear(res);
	return STORE_OK;
}

static int pg_policy_list(struct store *s, void (*fn)(void *ctx, const struct store_policy_row *row), void *ctx)
{
	struct policy_list_args a = { fn, ctx };

	return in_tx(s, 0, "list named policies", policy_list_body, &a);
}

static int policy_remove_body(struct store *s, void *arg)
{
	const char *name = arg;
	struct store_policy_row row = { 0 };
	struct policy_get_args g = { name, &row };
	struct param p = text(name);
	PGresult *res;
	int rc;

	/* the row locked: no volume can be pointed at it by a concurrent transaction that reads it FOR SHARE */
	if (!(res = run(s, "SELECT 1 FROM policies WHERE name = $1 FOR UPDATE", 1, &p, PGRES_TUPLES_OK,
			"remove named policy", &rc)))
		return rc;
	PQclear(res);
	if ((rc = policy_get_body(s, &g)))
		return rc;
	store_policy_row_free(&row);
	if (row.volumes) {
		snprintf(s->err, sizeof(s->err), "named policy %s is used by %lld volume(s): point them at another "
			 "policy (volume set-policy) or remove them first", name, (long long)row.volumes);
		return STORE_EXISTS;
	}
	if (!(res = run(s, "DELETE FROM policies WHERE name = $1", 1, &p, PGRES_COMMAND_OK, "remove named policy",
			&rc)))
		return rc;
	PQclear(res);
	return admin_row(s, "policy-remove", name, "");
}

static int pg_policy_remove(struct store *s, const char *name)
{
	return in_tx(s, 1, "remove named policy", policy_remove_body, (void *)name);
}

struct read_args {
	const char *uuid;
	char **policy;
	int *pending;
	uint8_t *key;
};

static int read_body(struct store *s, void *arg)
{
	struct read_args *a = arg;
	struct volume_row row;
	int rc = read_row(s, a->uuid, &row, 1, 0, "read volume");

	if (rc == STORE_OK) {
		memcpy(a->key, s->keys->scratch, VOLUME_KEY_LEN);
		*a->policy = row.policy;
		*a->pending = row.pending;
	}
	mbedtls_platform_zeroize(s->keys->scratch, VOLUME_KEY_LEN);
	return rc;
}

static int pg_volume_read(struct store *s, const char *uuid, char **policy, int *pending, uint8_t key[VOLUME_KEY_LEN])
{
	struct read_args a = { uuid, policy, pending, key };

	return in_tx(s, 0, "read volume", read_body, &a);
}

const struct store_ops store_pg_ops = {
	.close = pg_close,
	.volume_add = pg_volume_add,
	.volume_confirm = pg_volume_confirm,
	.volume_set_policy = pg_volume_set_policy,
	.volume_remove = pg_volume_remove,
	.volume_state = pg_volume_state,
	.volume_policy = pg_volume_policy,
	.volume_key = pg_volume_key,
	.volume_list = pg_volume_list,
	.policy_put = pg_policy_put,
	.policy_get = pg_policy_get,
	.policy_list = pg_policy_list,
	.policy_remove = pg_policy_remove,
	.volume_read = pg_volume_read,
	.audit_append = pg_audit_append,
	.audit_verify = pg_audit_verify,
	.rotate = pg_rotate,
};
