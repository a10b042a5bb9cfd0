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

-- name: insert-site-key
INSERT INTO site_key (sha256, organisation_id, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)

-- name: select-site-keys
SELECT sha256, organisation_id FROM site_key

-- name: select-user
SELECT u.id, u.organisation_id, u.password_hash
FROM app_user u JOIN organisation o ON o.id = u.organisation_id
WHERE o.name = ? AND u.name = ?

-- name: select-machines
SELECT id, uid, organisation_id, name, role, via, last_seen_ms, config_version FROM machine

-- name: select-sensors
SELECT machine_id, id, type, settings, interval_seconds, timeout_seconds, thresholds FROM sensor ORDER BY machine_id, id

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
MERGE INTO sensor (machine_id, id, type, settings, interval_seconds, timeout_seconds, thresholds)
KEY (machine_id, id) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: delete-sensor
DELETE FROM sensor WHERE machine_id = ? AND id = ?

-- name: insert-measurement
INSERT INTO measurement (source_seq, machine_id, sensor, time_ms, state, vals, message) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: select-stored-seqs
SELECT source_seq FROM measurement WHERE source_seq BETWEEN ? AND ?

-- name: merge-progress
MERGE INTO source_progress (machine_id, max_seq, stored, duplicates) KEY (machine_id) VALUES (?, ?, ?, ?)

-- name: merge-latest
MERGE INTO latest_measurement (machine_id, sensor, time_ms, state, vals, units, message)
KEY (machine_id, sensor) VALUES (?, ?, ?, ?, ?, ?, ?)

-- name: select-measurements-of-sensor
SELECT sensor, time_ms, state, vals, message FROM measurement
WHERE machine_id = ? AND sensor = ? AND time_ms BETWEEN ? AND ?
ORDER BY time_ms, source_seq
LIMIT ?

-- name: select-measurements
SELECT sensor, time_ms, state, vals, message FROM measurement
WHERE machine_id = ? AND time_ms BETWEEN ? AND ?
ORDER BY time_ms, source_seq
LIMIT ?
