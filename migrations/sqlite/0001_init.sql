-- labelsync schema, SQLite dialect. migrations/postgres/0001_init.sql is the same schema in
-- PostgreSQL's dialect; keep the two in step (same tables, columns, constraints and index names).
--
-- Ids use AUTOINCREMENT so that a deleted row's id is never handed out again (as in PostgreSQL).
-- Timestamps are RFC 3339 text written from Rust; JSON is text; queue times are epoch milliseconds.

create table instance_settings (
    key   text primary key,
    value text not null
);

create table organizations (
    id                        integer primary key autoincrement,
    title                     text not null,
    created_by_id             integer,
    created_at                text not null,
    legacy_api_tokens_enabled boolean not null default 1,
    api_tokens_enabled        boolean not null default 1
);

create table users (
    id                     integer primary key autoincrement,
    email                  text not null,
    username               text not null,
    first_name             text not null default '',
    last_name              text not null default '',
    active_organization_id integer references organizations (id) on delete set null,
    is_active              boolean not null default 1,
    date_joined            text not null,
    last_activity          text,
    constraint users_email_key unique (email)
);

create table memberships (
    id              integer primary key autoincrement,
    organization_id integer not null references organizations (id) on delete cascade,
    user_id         integer not null references users (id) on delete cascade,
    role            text not null check (role in ('administrator', 'manager', 'annotator')),
    created_at      text not null,
    constraint memberships_organization_user_key unique (organization_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

create table api_tokens (
    id         integer primary key autoincrement,
    user_id    integer not null references users (id) on delete cascade,
    key_hash   text not null,
    created_at text not null,
    constraint api_tokens_key_hash_key unique (key_hash)
);
create index api_tokens_user_idx on api_tokens (user_id);

create table personal_tokens (
    id             integer primary key autoincrement,
    user_id        integer not null references users (id) on delete cascade,
    jti            text not null,
    created_at     text not null,
    expires_at     text,
    blacklisted_at text,
    constraint personal_tokens_jti_key unique (jti)
);
create index personal_tokens_user_idx on personal_tokens (user_id);

create table projects (
    id                  integer primary key autoincrement,
    organization_id     integer not null references organizations (id) on delete cascade,
    title               text,
    description         text,
    label_config        text not null,
    expert_instruction  text,
    maximum_annotations integer not null default 1,
    created_by_id       integer references users (id) on delete set null,
    created_at          text not null,
    updated_at          text not null,
    settings            text not null default '{}',
    next_inner_id       integer not null default 1
);
create index projects_organization_idx on projects (organization_id, id);

create table tasks (
    id                    integer primary key autoincrement,
    project_id            integer not null references projects (id) on delete cascade,
    data                  text not null,
    meta                  text not null default '{}',
    created_at            text not null,
    updated_at            text not null,
    is_labeled            boolean not null default 0,
    overlap               integer not null default 1,
    inner_id              integer not null,
    total_annotations     integer not null default 0,
    cancelled_annotations integer not null default 0,
    total_predictions     integer not null default 0,
    allow_skip            boolean not null default 1,
    updated_by_id         integer references users (id) on delete set null
);
create index tasks_project_idx on tasks (project_id, id);

create table annotations (
    id                   integer primary key autoincrement,
    task_id              integer not null references tasks (id) on delete cascade,
    project_id           integer not null references projects (id) on delete cascade,
    completed_by_id      integer references users (id) on delete set null,
    result               text not null default '[]',
    was_cancelled        boolean not null default 0,
    ground_truth         boolean not null default 0,
    created_at           text not null,
    updated_at           text not null,
    draft_created_at     text,
    lead_time            real,
    import_id            integer,
    last_action          text,
    bulk_created         boolean not null default 0,
    updated_by_id        integer references users (id) on delete set null,
    parent_prediction_id integer,
    parent_annotation_id integer,
    last_created_by_id   integer references users (id) on delete set null,
    unique_id            text not null
);
create index annotations_task_idx on annotations (task_id, id);
create index annotations_project_idx on annotations (project_id, id);

create table predictions (
    id            integer primary key autoincrement,
    task_id       integer not null references tasks (id) on delete cascade,
    project_id    integer not null references projects (id) on delete cascade,
    result        text not null default '[]',
    score         real,
    model_version text not null default '',
    created_at    text not null,
    updated_at    text not null
);
create index predictions_task_idx on predictions (task_id, id);

create table storages (
    id              integer primary key autoincrement,
    project_id      integer not null references projects (id) on delete cascade,
    kind            text not null check (kind in ('s3', 'gcs', 'azure', 'redis', 'localfiles')),
    role            text not null check (role in ('import', 'export')),
    title           text,
    description     text,
    created_at      text not null,
    synchronizable  boolean not null default 1,
    last_sync       text,
    last_sync_count integer,
    last_sync_job   text,
    status          text not null default 'initialized',
    traceback       text,
    meta            text not null default '{}',
    settings        text not null default '{}',
    secrets         text
);
create index storages_project_idx on storages (project_id, kind, role, id);

create table import_links (
    id             integer primary key autoincrement,
    storage_id     integer not null references storages (id) on delete cascade,
    task_id        integer not null references tasks (id) on delete cascade,
    key            text not null,
    row_index      integer,
    row_group      integer,
    object_exists  boolean not null default 1,
    created_at     text not null,
    constraint import_links_task_key unique (task_id)
);
create unique index import_links_storage_key_row on import_links (storage_id, key, coalesce(row_index, -1));

create table export_links (
    id            integer primary key autoincrement,
    storage_id    integer not null references storages (id) on delete cascade,
    annotation_id integer not null references annotations (id) on delete cascade,
    object_key    text not null,
    object_exists boolean not null default 1,
    created_at    text not null,
    updated_at    text not null,
    constraint export_links_storage_annotation_key unique (storage_id, annotation_id)
);
create index export_links_annotation_idx on export_links (annotation_id);

create table jobs (
    id           integer primary key autoincrement,
    kind         text not null,
    payload      text not null,
    dedup_key    text,
    state        text not null default 'queued' check (state in ('queued', 'running', 'failed')),
    attempts     integer not null default 0,
    max_attempts integer not null,
    run_at       integer not null,
    locked_until integer,
    locked_by    text,
    last_error   text,
    created_at   integer not null
);
create index jobs_claim_idx on jobs (state, run_at);
create unique index jobs_dedup_queued on jobs (dedup_key) where state = 'queued';
create index jobs_dedup_idx on jobs (dedup_key);
