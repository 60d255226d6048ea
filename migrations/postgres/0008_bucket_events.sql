-- Bucket event notifications: the SHA-256 (hex) of the import storage's events secret, which a
-- cloud's notification sends with each event (`POST /api/storages/{kind}/{id}/events`). The
-- secret itself is shown once, when it is created, and never stored. Null: events are off.
alter table storages add column events_secret_sha256 text;
