-- Connections a relay refused (issue 6): a wrong, reused or foreign session token, garbage or no
-- TLS handshake, an end whose partner never came. The relay reports each (at a bounded rate, with
-- how many it left out); the session's own record stays in session_audit.
CREATE TABLE relay_refusal (
  id              BIGINT AUTO_INCREMENT PRIMARY KEY,
  organisation_id INT NOT NULL REFERENCES organisation (id),
  relay           VARCHAR(64) NOT NULL,
  session_id      VARCHAR(64),
  address         VARCHAR(64),
  reason          VARCHAR(300) NOT NULL,
  suppressed      INT DEFAULT 0 NOT NULL,
  at_ms           BIGINT NOT NULL
);
CREATE INDEX relay_refusal_organisation ON relay_refusal (organisation_id, at_ms);

-- Streams the device end refused inside a running session (a target outside the site policy, a
-- target that does not answer): how many, and the last one with why.
ALTER TABLE session_audit ADD COLUMN streams_refused INT DEFAULT 0 NOT NULL;
ALTER TABLE session_audit ADD COLUMN last_stream_refused VARCHAR(300);
