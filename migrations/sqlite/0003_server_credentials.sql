-- Server credentials per organization (issue 11, item 3). migrations/postgres/0003_server_credentials.sql
-- is the same schema in PostgreSQL's dialect.
--
-- server_credential_grants: the operator lets an organization's storages use the server's own
-- cloud identity for one backend (`labelsync admin grant-server-credentials`).
-- organization_external_ids: the external id the server sends when it assumes a tenant's
-- role with its own identity; generated once per organization, never chosen by the tenant.

create table server_credential_grants (
    organization_id integer not null references organizations (id) on delete cascade,
    backend         text not null check (backend in ('s3', 'gcs', 'azure')),
    granted_at      text not null,
    constraint server_credential_grants_pkey primary key (organization_id, backend)
);

create table organization_external_ids (
    organization_id integer primary key references organizations (id) on delete cascade,
    external_id     text not null,
    created_at      text not null,
    constraint organization_external_ids_external_id_key unique (external_id)
);

-- An existing installation keeps working as before for its first organization (the one its
-- first start created); organizations added later have no grants until the operator gives them.
insert into server_credential_grants (organization_id, backend, granted_at)
select oldest.id, backends.backend, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
from (select min(id) as id from organizations) oldest
cross join (select 's3' as backend union all select 'gcs' union all select 'azure') backends
where oldest.id is not null;
