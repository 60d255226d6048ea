-- Import links without row-level foreign keys (PostgreSQL only; SQLite's checks are cheap).
--
-- A sync writes its links a thousand at a time, for tasks the same transaction has just created and
-- for the storage it syncs, which `insert_import_links` locks once per batch (`for key share`, the
-- lock a foreign-key check takes). The per-row checks of `storage_id` and `task_id` re-proved that
-- for every link: with the check of `tasks.project_id` they were half of PostgreSQL's CPU in a blob
-- sync (perf), each about 8 µs per row. The cascades they gave are kept as statement-level triggers,
-- one delete per deleting statement, so a project, a storage or a bulk task delete still takes its
-- links with it.
alter table import_links drop constraint import_links_storage_id_fkey;
alter table import_links drop constraint import_links_task_id_fkey;

create function import_links_delete_for_tasks() returns trigger language plpgsql as $$
begin
    delete from import_links l using deleted_tasks d where l.task_id = d.id;
    return null;
end
$$;
create trigger tasks_delete_import_links after delete on tasks
    referencing old table as deleted_tasks
    for each statement execute function import_links_delete_for_tasks();

create function import_links_delete_for_storages() returns trigger language plpgsql as $$
begin
    delete from import_links l using deleted_storages d where l.storage_id = d.id;
    return null;
end
$$;
create trigger storages_delete_import_links after delete on storages
    referencing old table as deleted_storages
    for each statement execute function import_links_delete_for_storages();
