-- Jobs carry the organization they work for, so workers are shared fairly between tenants: a
-- claim prefers organizations with fewer running jobs and skips those at their cap
-- (LABELSYNC_MAX_RUNNING_JOBS_PER_ORG). Null: work of no organization (none today). A deleted
-- organization's jobs go with it, as its storages do.
alter table jobs add column organization_id integer references organizations (id) on delete cascade;

-- Jobs queued before this migration: every job kind so far names its storage.
update jobs set organization_id = (
    select p.organization_id from storages s join projects p on p.id = s.project_id
    where s.id = json_extract(jobs.payload, '$.storage_id')
) where json_extract(payload, '$.storage_id') is not null;

-- The claim takes each organization's oldest due job (one short index scan per organization)
-- and counts its live leases (an index-only scan over the running jobs).
create index jobs_org_queue_idx on jobs (organization_id, state, run_at, id);
create index jobs_org_running_idx on jobs (state, organization_id, locked_until);
