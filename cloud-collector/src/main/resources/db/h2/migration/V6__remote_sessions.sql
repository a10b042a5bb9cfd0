-- Remote sessions (issue 6): who may open sessions to which machines, and the audit of every
-- session request. Users made before this are the admins of their organisation.

ALTER TABLE app_user ADD COLUMN admin BOOLEAN DEFAULT TRUE NOT NULL;
-- A vendor's support user: reaches a site only while its admin has support access on.
ALTER TABLE app_user ADD COLUMN support BOOLEAN DEFAULT FALSE NOT NULL;

-- A right of a (non-admin) user: every machine of a site, or one machine by uid.
CREATE TABLE user_right (
  user_id     INT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  site_id     INT REFERENCES site (id),
  machine_uid VARCHAR(64),
  CONSTRAINT user_right_one_target CHECK ((site_id IS NULL) <> (machine_uid IS NULL))
);
CREATE INDEX user_right_user ON user_right (user_id);

-- One row per session request. outcome: requested, refused, open, ended. Bytes as the relay
-- counted them (operator → device and back); reason: why it was refused or how it ended.
CREATE TABLE session_audit (
  id                VARCHAR(64) PRIMARY KEY,
  organisation_id   INT NOT NULL REFERENCES organisation (id),
  user_name         VARCHAR(100) NOT NULL,
  support           BOOLEAN NOT NULL,
  machine_uid       VARCHAR(64),
  device            VARCHAR(200) NOT NULL,
  target            VARCHAR(300) NOT NULL,
  relay             VARCHAR(64),
  requested_ms      BIGINT NOT NULL,
  started_ms        BIGINT,
  ended_ms          BIGINT,
  bytes_to_device   BIGINT DEFAULT 0 NOT NULL,
  bytes_from_device BIGINT DEFAULT 0 NOT NULL,
  outcome           VARCHAR(16) NOT NULL,
  reason            VARCHAR(300)
);
CREATE INDEX session_audit_organisation ON session_audit (organisation_id, requested_ms);
