-- Sync lifecycle (reconciliation, checkpoints, error ledger, dry-run diffs). Same schema as
-- migrations/postgres/0005_sync_lifecycle.sql.

-- What identified an imported object's content (ETag, generation, size and mtime, value hash):
-- a re-sync compares it with the listing to find changed objects. Null for links written before
-- this migration: their next listing records it.
alter table import_links add column version text;
-- The storage's sync generation that last listed the object: after a complete listing, links
-- of an older generation are objects that vanished (`object_exists` is then false).
alter table import_links add column seen_generation bigint not null default 0;

-- A fresh (not resumed) import sync takes the next generation; a resumed one keeps it.
alter table storages add column sync_generation bigint not null default 0;
-- Where the running sync's listing has been committed up to (the backend's resume position),
-- null when it has not committed any batch yet or the sync ended.
alter table storages add column sync_checkpoint text;

-- The objects the latest sync of a storage could not import, and why: the first
-- LABELSYNC_MAX_SYNC_ERRORS of a sync (the count in `meta.objects_failed` is exact).
create table sync_errors (
    id          integer primary key autoincrement,
    storage_id  integer not null references storages (id) on delete cascade,
    key         text not null,
    reason      text not null,
    at          text not null
);
create index sync_errors_storage_idx on sync_errors (storage_id, id);

-- Dry runs of an import sync: what the next sync would create, update and delete.
create table storage_diffs (
    id            integer primary key autoincrement,
    storage_id    integer not null references storages (id) on delete cascade,
    status        text not null check (status in ('queued', 'in_progress', 'completed', 'failed')),
    result        text,
    error         text,
    created_at    text not null,
    completed_at  text
);
create index storage_diffs_storage_idx on storage_diffs (storage_id, id);
