-- Scheduled syncs: when (epoch milliseconds, as the queue's times) an import storage with a
-- `sync_interval_seconds` setting is next due. Null: due now (a schedule that was just set).
-- Workers claim a due storage by moving this forward with a compare-and-set, so exactly one
-- process enqueues each scheduled sync.
alter table storages add column next_sync_at bigint;
