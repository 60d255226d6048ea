-- Tasks without a row-level foreign key to their project (PostgreSQL only; SQLite's checks are cheap).
--
-- A sync inserts tasks a thousand at a time into one project, whose row the same transaction has
-- already locked (`reserve_inner_ids` updates it) and which `tasks::insert_many` locks once per
-- batch (`for key share`, the lock a foreign-key check takes). The per-row check re-proved that
-- for every task: about a quarter of PostgreSQL's time in a blob sync (1,000-task batches of tasks
-- and links, psql: 3.1–3.3 s per 100,000 with the check, 2.3–2.4 s without). The cascade is kept
-- as a statement-level trigger, one delete per deleting statement (an organization's delete
-- cascades to its projects, and so to their tasks, as before); the tasks' own cascades
-- (annotations, predictions, links, …) follow from that delete.
alter table tasks drop constraint tasks_project_id_fkey;

create function tasks_delete_for_projects() returns trigger language plpgsql as $$
begin
    delete from tasks t using deleted_projects d where t.project_id = d.id;
    return null;
end
$$;
create trigger projects_delete_tasks after delete on projects
    referencing old table as deleted_projects
    for each statement execute function tasks_delete_for_projects();
