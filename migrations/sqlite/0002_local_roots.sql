-- Local roots: directories under LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT that the operator granted
-- to an organization (`labelsync admin grant-local-root`). A local-files storage must lie under one
-- of its organization's roots. Same table in migrations/postgres/0002_local_roots.sql.
create table local_roots (
    id              integer primary key autoincrement,
    organization_id integer not null references organizations (id) on delete cascade,
    -- Normalized absolute path (no trailing slash, no `.`/`..`).
    path            text not null,
    created_at      text not null,
    constraint local_roots_organization_path_key unique (organization_id, path)
);

-- A database from before roots keeps its behaviour: its first organization is granted `/`, which
-- together with the document-root rule means "the whole document root" (whatever it is set to).
-- The time is the database's own here, once, because no Rust code runs in a migration.
insert into local_roots (organization_id, path, created_at)
select (select min(id) from organizations), '/', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
where exists (select 1 from organizations);
