-- Webhooks (Label Studio's `webhook` and `webhook_action`, the actions kept as a JSON list on
-- the row) and their deliveries. Same schema as migrations/postgres/0007_webhooks.sql.

-- A webhook of an organization, or of one of its projects (`project_id` set). `secret` is the
-- signing key, sealed at rest like storage secrets (bound to the row).
create table webhooks (
    id                    integer primary key autoincrement,
    organization_id       integer not null references organizations (id) on delete cascade,
    project_id            integer references projects (id) on delete cascade,
    url                   text not null,
    send_payload          boolean not null default 1,
    send_for_all_actions  boolean not null default 1,
    headers               text not null,
    is_active             boolean not null default 1,
    actions               text not null,
    secret                text,
    created_at            text not null,
    updated_at            text not null
);
create index webhooks_org_idx on webhooks (organization_id, id);

-- One event sent (or being sent) to one webhook: the exact body signed and sent, and what the
-- last attempt got. `status`: `pending` (waiting or retrying), `delivered`, `failed` (gave up).
create table webhook_deliveries (
    id               integer primary key autoincrement,
    webhook_id       integer not null references webhooks (id) on delete cascade,
    action           text not null,
    body             text not null,
    status           text not null check (status in ('pending', 'delivered', 'failed')),
    status_code      integer,
    attempts         integer not null default 0,
    last_error       text,
    created_at       text not null,
    last_attempt_at  text,
    delivered_at     text
);
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, id);
