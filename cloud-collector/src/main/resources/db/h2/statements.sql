-- Named statements of the cloud collector for H2, read by SqlStatements. Each starts with a
-- "-- name: NAME" line and runs to the next one.

-- name: select-1
SELECT 1

-- name: count-organisations
SELECT COUNT(*) FROM organisation

-- name: insert-organisation
INSERT INTO organisation (name, created_at) VALUES (?, CURRENT_TIMESTAMP)

-- name: insert-user
INSERT INTO app_user (organisation_id, name, password_hash, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)


-- name: select-user
SELECT u.id, u.organisation_id, u.password_hash
FROM app_user u JOIN organisation o ON o.id = u.organisation_id
WHERE o.name = ? AND u.name = ?

-- name: select-machines
SELECT id, uid, organisation_id, name, role, via, last_seen_ms, config_version FROM machine

-- name: select-sensors
SELECT machine_id, id, type, settings, interval_seconds, timeout_seconds, thresholds, secrets FROM sensor ORDER BY machine_id, id

-- name: select-latest
SELECT machine_id, sensor, time_ms, state, vals, units, message FROM latest_measurement

-- name: select-progress
SELECT machine_id, max_seq, stored, duplicates FROM source_progress

-- name: insert-machine
INSERT INTO machine (uid, organisation_id, name, role, via, last_seen_ms, config_version) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: update-machine
UPDATE machine SET name = ?, role = ?, via = ? WHERE id = ?

-- name: update-config-version
UPDATE machine SET config_version = ? WHERE id = ?

-- name: update-last-seen
UPDATE machine SET last_seen_ms = ? WHERE id = ?

-- name: merge-sensor
MERGE INTO sensor (machine_id, id, type, settings, interval_seconds, timeout_seconds, thresholds, secrets)
KEY (machine_id, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: delete-sensor
DELETE FROM sensor WHERE machine_id = ? AND id = ?

-- name: insert-block
INSERT INTO measurement_block (block_key, machine_id, first_seq, last_seq, min_time, max_time, sensors, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- The stored block that holds or precedes a sequence number: block keys from machine * 2^40 to
-- machine * 2^40 + seq.
-- name: select-block-before
SELECT first_seq, last_seq FROM measurement_block WHERE block_key BETWEEN ? AND ?
ORDER BY block_key DESC
LIMIT 1

-- name: select-blocks-starting-between
SELECT first_seq, last_seq FROM measurement_block WHERE block_key BETWEEN ? AND ?
ORDER BY block_key

-- name: merge-progress
MERGE INTO source_progress (machine_id, max_seq, stored, duplicates) KEY (machine_id) VALUES (?, ?, ?, ?)

-- name: merge-latest
MERGE INTO latest_measurement (machine_id, sensor, time_ms, state, vals, units, message)
KEY (machine_id, sensor) VALUES (?, ?, ?, ?, ?, ?, ?)

-- Blocks that may hold measurements of a machine within a time range, by their earliest time:
-- parameters machine, range start minus the longest block span, range end, range start.
-- name: select-blocks
SELECT min_time, first_seq, last_seq, data FROM measurement_block
WHERE machine_id = ? AND min_time BETWEEN ? AND ? AND max_time >= ?
ORDER BY machine_id, min_time

-- The same for one sensor; the last parameter is ",SENSOR,".
-- name: select-blocks-of-sensor
SELECT min_time, first_seq, last_seq, data FROM measurement_block
WHERE machine_id = ? AND min_time BETWEEN ? AND ? AND max_time >= ?
AND (sensors IS NULL OR LOCATE(?, sensors) > 0)
ORDER BY machine_id, min_time

-- Frozen statements of migration V3 (MeasurementRowsToBlocks): the schema as it was then.
-- name: v3-select-measurement-rows
SELECT source_seq, sensor, time_ms, state, vals, message FROM measurement
WHERE source_seq > ?
ORDER BY source_seq
LIMIT ?

-- name: v3-insert-block
INSERT INTO measurement_block (block_key, machine_id, first_seq, last_seq, min_time, max_time, sensors, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)

-- name: v3-drop-measurement
DROP TABLE measurement

-- Identity and enrolment (Registry).
-- name: select-organisations
SELECT id, name FROM organisation

-- name: select-sites
SELECT id, organisation_id, name FROM site

-- name: insert-site
INSERT INTO site (organisation_id, name, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)

-- name: select-tokens
SELECT sha256, organisation_id, site_id, role, reusable, expires_ms, used_ms FROM enrolment_token

-- name: insert-token
INSERT INTO enrolment_token (sha256, organisation_id, site_id, role, reusable, expires_ms) VALUES (?, ?, ?, ?, ?, ?)

-- name: use-token
UPDATE enrolment_token SET used_ms = ? WHERE sha256 = ?

-- name: select-identities
SELECT uid, organisation_id, site_id, name, role, state, fingerprint, csr, certificate, not_after_ms, via, address,
       requested_ms, changed_ms
FROM machine_identity

-- name: insert-identity
INSERT INTO machine_identity (uid, organisation_id, site_id, name, role, state, fingerprint, csr, certificate,
                              not_after_ms, via, address, requested_ms, changed_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: update-identity
UPDATE machine_identity SET site_id = ?, name = ?, role = ?, state = ?, fingerprint = ?, csr = ?, certificate = ?,
       not_after_ms = ?, via = ?, address = ?, requested_ms = ?, changed_ms = ?
WHERE uid = ?

-- name: select-user-rights
SELECT u.admin, u.support, r.site_id, r.machine_uid
FROM app_user u LEFT JOIN user_right r ON r.user_id = u.id
WHERE u.id = ?

-- name: select-user-id
SELECT id FROM app_user WHERE organisation_id = ? AND name = ?

-- name: insert-user-with-flags
INSERT INTO app_user (organisation_id, name, password_hash, admin, support, created_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)

-- name: delete-user-rights
DELETE FROM user_right WHERE user_id = ?

-- name: insert-user-right
INSERT INTO user_right (user_id, site_id, machine_uid) VALUES (?, ?, ?)

-- name: delete-user
DELETE FROM app_user WHERE id = ?

-- name: insert-session-audit
INSERT INTO session_audit (id, organisation_id, user_name, support, machine_uid, device, target, requested_ms, outcome, reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: update-session-started
UPDATE session_audit SET relay = ?, started_ms = ?, outcome = 'open' WHERE id = ?

-- name: update-session-refused
UPDATE session_audit SET outcome = 'refused', reason = ?, ended_ms = ? WHERE id = ?

-- name: update-session-ended
UPDATE session_audit SET outcome = 'ended', ended_ms = ?, bytes_to_device = GREATEST(bytes_to_device, ?),
  bytes_from_device = GREATEST(bytes_from_device, ?), reason = COALESCE(reason, ?) WHERE id = ?

-- name: update-session-stream-refused
UPDATE session_audit SET streams_refused = streams_refused + 1, last_stream_refused = ? WHERE id = ? AND machine_uid = ?

-- name: select-session-audit
SELECT id, user_name, support, machine_uid, device, target, relay, requested_ms, started_ms, ended_ms,
  bytes_to_device, bytes_from_device, outcome, reason, streams_refused, last_stream_refused
FROM session_audit WHERE organisation_id = ? ORDER BY requested_ms DESC LIMIT ?

-- Files (V7): metadata of the blobs and each machine's transfers.
-- name: insert-file
INSERT INTO stored_file (id, organisation_id, name, kind, machine_uid, state, size_bytes, sha256, created_ms, stored_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- Only a waiting file is stored once: a second upload to the same write URL changes nothing.
-- name: update-file-stored
UPDATE stored_file SET state = 'stored', size_bytes = ?, sha256 = ?, stored_ms = ? WHERE id = ? AND state = 'waiting'

-- name: select-file
SELECT id, organisation_id, name, kind, machine_uid, state, size_bytes, sha256, created_ms, stored_ms
FROM stored_file WHERE id = ?

-- name: select-files
SELECT id, organisation_id, name, kind, machine_uid, state, size_bytes, sha256, created_ms, stored_ms
FROM stored_file WHERE organisation_id = ? ORDER BY created_ms DESC, id LIMIT ?

-- name: merge-transfer
MERGE INTO file_transfer (file_id, machine_uid, state, reason, updated_ms) KEY (file_id, machine_uid) VALUES (?, ?, ?, ?, ?)

-- name: select-transfers
SELECT machine_uid, state, reason, updated_ms FROM file_transfer WHERE file_id = ? ORDER BY machine_uid

-- Relay refusals (V8).
-- name: insert-relay-refusal
INSERT INTO relay_refusal (organisation_id, relay, session_id, address, reason, suppressed, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: select-relay-refusals
SELECT relay, session_id, address, reason, suppressed, at_ms FROM relay_refusal WHERE organisation_id = ?
ORDER BY at_ms DESC, id DESC LIMIT ?

-- Kept for a bounded time: older refusals are deleted as new ones come.
-- name: delete-old-relay-refusals
DELETE FROM relay_refusal WHERE at_ms < ?
