-- Files (issue 7, seed 004): the blobs live in the blob store (DATA/blobs by default); here is what
-- the cloud knows about them, and each transfer to or from a machine.

-- kind: upload (an admin uploaded it) or bundle (a machine's diagnostic bundle). state: waiting
-- (a write URL was given out, nothing written yet) or stored. A bundle names its machine.
CREATE TABLE stored_file (
  id              VARCHAR(32) PRIMARY KEY,
  organisation_id INT NOT NULL REFERENCES organisation (id),
  name            VARCHAR(100) NOT NULL,
  kind            VARCHAR(16) NOT NULL,
  machine_uid     VARCHAR(64),
  state           VARCHAR(16) NOT NULL,
  size_bytes      BIGINT,
  sha256          VARCHAR(64),
  created_ms      BIGINT NOT NULL,
  stored_ms       BIGINT
);
CREATE INDEX stored_file_organisation ON stored_file (organisation_id, created_ms);

-- One machine's part in a file's distribution or bundle. state: sent, verified (fetched and the
-- SHA-256 matched), uploaded (a bundle arrived) or failed (reason says why).
CREATE TABLE file_transfer (
  file_id     VARCHAR(32) NOT NULL REFERENCES stored_file (id) ON DELETE CASCADE,
  machine_uid VARCHAR(64) NOT NULL,
  state       VARCHAR(16) NOT NULL,
  reason      VARCHAR(300),
  updated_ms  BIGINT NOT NULL,
  PRIMARY KEY (file_id, machine_uid)
);
