-- The local mail provider's database: the PostfixAdmin tables, so Postfix
-- (sqlite maps) and Dovecot (sqlite passdb/userdb) serve it unchanged, plus
-- mailplan's own tables for what PostfixAdmin has no place for.
-- Every statement is idempotent: this runs on every open.

CREATE TABLE IF NOT EXISTS domain (
  domain      TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  aliases     INTEGER NOT NULL DEFAULT 0,
  mailboxes   INTEGER NOT NULL DEFAULT 0,
  maxquota    INTEGER NOT NULL DEFAULT 0,
  quota       INTEGER NOT NULL DEFAULT 0,
  transport   TEXT NOT NULL DEFAULT 'virtual',
  backupmx    INTEGER NOT NULL DEFAULT 0,
  created     TEXT,
  modified    TEXT,
  active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS mailbox (
  username        TEXT PRIMARY KEY,           -- the full address
  password        TEXT NOT NULL,              -- '{SCHEME}hash' as Dovecot reads it
  name            TEXT NOT NULL DEFAULT '',
  maildir         TEXT NOT NULL,              -- 'domain/local/', relative to the mail root
  quota           INTEGER NOT NULL DEFAULT 0, -- bytes, 0 = unlimited
  local_part      TEXT NOT NULL,
  domain          TEXT NOT NULL,
  created         TEXT,
  modified        TEXT,
  active          INTEGER NOT NULL DEFAULT 1,
  phone           TEXT NOT NULL DEFAULT '',
  email_other     TEXT NOT NULL DEFAULT '',
  token           TEXT NOT NULL DEFAULT '',
  token_validity  TEXT,
  password_expiry TEXT,
  smtp_active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS alias (
  address     TEXT PRIMARY KEY,
  goto        TEXT NOT NULL,                  -- comma-separated targets
  domain      TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created     TEXT,
  modified    TEXT,
  active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS alias_domain (
  alias_domain  TEXT PRIMARY KEY,
  target_domain TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  created       TEXT,
  modified      TEXT,
  active        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS mailplan_mailbox (
  username   TEXT PRIMARY KEY,
  kind       TEXT NOT NULL DEFAULT 'person',   -- person | functional
  department TEXT
);

CREATE TABLE IF NOT EXISTS mailplan_department (
  name       TEXT PRIMARY KEY,
  org_domain TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  manager    TEXT,
  parent     TEXT
);

-- A group's members live in alias.goto, so Postfix expands the group natively.
CREATE TABLE IF NOT EXISTS mailplan_group (
  address     TEXT PRIMARY KEY,
  name        TEXT NOT NULL DEFAULT '',
  post_policy TEXT NOT NULL DEFAULT 'anyone',  -- anyone | organization | members | senders
  senders     TEXT NOT NULL DEFAULT '',        -- comma-separated addresses or @domain
  owners      TEXT NOT NULL DEFAULT ''
);

-- Where a frozen mailbox's new mail goes (its identity alias is inactive with it).
CREATE TABLE IF NOT EXISTS mailplan_forwarding (
  address TEXT PRIMARY KEY,
  goto    TEXT NOT NULL,                       -- comma-separated targets
  domain  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mailplan_autoreply (
  address TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  body    TEXT NOT NULL,
  domain  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mailplan_delegation (
  mailbox  TEXT NOT NULL,
  grantee  TEXT NOT NULL,
  may_read INTEGER NOT NULL DEFAULT 0,
  may_send INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mailbox, grantee)
);

CREATE TABLE IF NOT EXISTS mailplan_admin (
  username    TEXT PRIMARY KEY,
  level       TEXT NOT NULL,                   -- super | department
  departments TEXT NOT NULL DEFAULT ''         -- comma-separated department names
);

CREATE TABLE IF NOT EXISTS mailplan_policy (
  scope                 TEXT PRIMARY KEY,      -- the domain
  password_min_length   INTEGER NOT NULL,
  password_max_age_days INTEGER NOT NULL,
  require_2fa           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS mailplan_archive (
  scope          TEXT PRIMARY KEY,             -- the domain
  copy_to        TEXT NOT NULL,
  retention_days INTEGER NOT NULL DEFAULT 0
);

-- The day mailplan froze a mailbox (kept with the mailbox, not only in the journal): retention
-- counts from it, so a journal that lost the freeze cannot make a deletion come early.
CREATE TABLE IF NOT EXISTS mailplan_freeze (
  username  TEXT PRIMARY KEY,
  frozen_on TEXT NOT NULL
);

-- What mailplan created here: only these may ever be removed by it.
CREATE TABLE IF NOT EXISTS mailplan_managed (
  kind    TEXT NOT NULL,
  key     TEXT NOT NULL,
  created TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);

CREATE TABLE IF NOT EXISTS mailplan_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
