"""Numbered schema migrations, applied in order and recorded in ``_migrations``.

Add a migration by appending a function decorated with ``@migration(N)``; never edit one
that has shipped. All pending migrations run in one ``BEGIN IMMEDIATE`` transaction, so two
processes opening a new database at once cannot both apply them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: dict[int, Migration] = {}


def migration(number: int) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        if number in MIGRATIONS:
            raise RuntimeError(f"migration {number} registered twice")
        MIGRATIONS[number] = fn
        return fn

    return register


@migration(1)
def create_core_tables(db: sqlite_utils.Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE projects (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            coding_type TEXT NOT NULL DEFAULT 'qualitative',
            status TEXT NOT NULL DEFAULT 'pending',
            country TEXT,
            category TEXT,
            source TEXT NOT NULL DEFAULT 'app',
            org_id TEXT NOT NULL DEFAULT 'default',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            text TEXT NOT NULL DEFAULT '',
            coding_type TEXT NOT NULL DEFAULT 'qualitative',
            language TEXT NOT NULL DEFAULT 'en',
            status TEXT NOT NULL DEFAULT 'pending',
            coding_guidance TEXT,
            codebook_version INTEGER NOT NULL DEFAULT 0,
            credits_used INTEGER NOT NULL DEFAULT 0,
            engine TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_questions_project ON questions(project_id);
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            respondent_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            clean_text TEXT NOT NULL DEFAULT '',
            dedup_of INTEGER REFERENCES responses(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            truncated INTEGER NOT NULL DEFAULT 0,
            attributes TEXT,
            needs_review INTEGER NOT NULL DEFAULT 0,
            review_reason TEXT,
            review_note TEXT,
            candidates TEXT,
            reviewed INTEGER NOT NULL DEFAULT 0,
            reviewed_by TEXT,
            reviewed_at TEXT,
            charged INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 0,
            UNIQUE (question_id, respondent_id)
        );
        CREATE INDEX idx_responses_question ON responses(question_id, position);
        CREATE INDEX idx_responses_status ON responses(question_id, status);
        CREATE TABLE categories (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE codes (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            category_id TEXT NOT NULL REFERENCES categories(id),
            name TEXT NOT NULL,
            definition TEXT,
            sentiment TEXT NOT NULL DEFAULT 'Neutral',
            code_number INTEGER NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            examples TEXT,
            keywords TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_codes_question ON codes(question_id);
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            sentiment TEXT NOT NULL DEFAULT 'Neutral',
            confidence TEXT,
            score REAL,
            mention INTEGER NOT NULL DEFAULT 1,
            source TEXT NOT NULL,
            codebook_version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            UNIQUE (response_id, code_id)
        );
        CREATE INDEX idx_assignments_code ON assignments(code_id);
        CREATE TABLE engine_assignments (
            response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL,
            PRIMARY KEY (response_id, code_id)
        );
        CREATE TABLE codebook_versions (
            question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            snapshot TEXT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (question_id, version)
        );
        CREATE TABLE suggestions (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            confidence REAL NOT NULL DEFAULT 0.5,
            name TEXT,
            definition TEXT,
            sentiment TEXT,
            category_id TEXT,
            target_code_id TEXT,
            source_code_id TEXT,
            affected_response_ids TEXT NOT NULL DEFAULT '[]',
            example_responses TEXT NOT NULL DEFAULT '[]',
            rationale TEXT,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT,
            resolution_action TEXT,
            dismiss_reason TEXT,
            undo_event_id INTEGER
        );
        CREATE INDEX idx_suggestions_question ON suggestions(question_id, status);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            project_id TEXT,
            question_id TEXT,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}',
            undo TEXT,
            undone_by INTEGER,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_events_question ON events(question_id, id);
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            stage TEXT,
            project_id TEXT,
            question_id TEXT,
            api_key_id TEXT,
            org_id TEXT NOT NULL DEFAULT 'default',
            request TEXT,
            processed INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            heartbeat_at TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_jobs_status ON jobs(status, created_at);
        CREATE INDEX idx_jobs_question ON jobs(question_id, status);
        CREATE TABLE organizations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            plan TEXT NOT NULL DEFAULT 'enterprise',
            unlimited INTEGER NOT NULL DEFAULT 1,
            is_trial INTEGER NOT NULL DEFAULT 0,
            credits_monthly INTEGER NOT NULL DEFAULT 0,
            rpm INTEGER NOT NULL DEFAULT 60,
            concurrent_jobs INTEGER NOT NULL DEFAULT 3,
            created_at TEXT NOT NULL
        );
        INSERT INTO organizations (id, name, plan, unlimited, created_at)
            VALUES ('default', 'Self-hosted', 'enterprise', 1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
        CREATE TABLE credit_ledger (
            id INTEGER PRIMARY KEY,
            org_id TEXT NOT NULL,
            delta INTEGER NOT NULL,
            reason TEXT NOT NULL,
            job_id TEXT,
            question_id TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_ledger_org ON credit_ledger(org_id);
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL DEFAULT 'default',
            name TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            scopes TEXT NOT NULL DEFAULT 'read,write',
            created_at TEXT NOT NULL,
            expires_at TEXT,
            revoked_at TEXT,
            last_used_at TEXT
        );
        CREATE TABLE idempotency (
            api_key_id TEXT NOT NULL,
            key TEXT NOT NULL,
            body_hash TEXT NOT NULL,
            status_code INTEGER,
            body TEXT,
            headers TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (api_key_id, key)
        );
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, text_hash)
        );
        CREATE TABLE webhooks (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL DEFAULT 'default',
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            secret TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY,
            webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
            event TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'pending',
            next_attempt_at TEXT,
            last_status INTEGER,
            created_at TEXT NOT NULL
        );
        """
    )


@migration(2)
def add_project_objective(db: sqlite_utils.Database) -> None:
    # What the study wants to learn (POST /v2/projects "objective"); shown with the project.
    db.conn.execute("ALTER TABLE projects ADD COLUMN objective TEXT")


@migration(3)
def add_job_owner(db: sqlite_utils.Database) -> None:
    # The host and process id of the worker holding a processing job: a worker on the same host
    # takes over at once a job whose owner process is gone, instead of waiting out the stale timeout.
    db.conn.execute("ALTER TABLE jobs ADD COLUMN worker_host TEXT")
    db.conn.execute("ALTER TABLE jobs ADD COLUMN worker_pid INTEGER")


@migration(4)
def add_rate_limits(db: sqlite_utils.Database) -> None:
    # Requests per (bucket, one-minute window), shared by every API process on the database.
    run_script(
        db,
        """
        CREATE TABLE rate_limits (
            bucket TEXT NOT NULL,
            window_id INTEGER NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (bucket, window_id)
        );
        CREATE INDEX idx_rate_limits_window ON rate_limits(window_id)
        """,
    )


@migration(5)
def add_no_code_examples(db: sqlite_utils.Database) -> None:
    # Answers a human coded with none of the question's codes (an imported coded wave's blank rows, a
    # codebook's `no_code_examples`): JSON list of texts, the learner's negatives for every code.
    db.conn.execute("ALTER TABLE questions ADD COLUMN no_code_examples TEXT")


@migration(6)
def add_settings(db: sqlite_utils.Database) -> None:
    # This database's engine settings (engine, LLM base URL, model, key): the Settings page writes them, and
    # every engine built for the database reads them; an unset one falls back to its SURVEYCODER_* variable.
    db.conn.execute(
        "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " updated_by TEXT)"
    )


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run DDL statement by statement: ``executescript`` would COMMIT the open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.conn.execute(statement)


def apply_migrations(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration not yet recorded; returns the numbers applied."""
    conn = db.conn
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (number INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT number FROM _migrations")}
    if all(n in done for n in MIGRATIONS):
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        done = {row[0] for row in conn.execute("SELECT number FROM _migrations")}
        applied = []
        for number in sorted(MIGRATIONS):
            if number in done:
                continue
            MIGRATIONS[number](db)
            conn.execute(
                "INSERT INTO _migrations (number, applied_at) VALUES (?, datetime('now'))", (number,)
            )
            applied.append(number)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return applied
