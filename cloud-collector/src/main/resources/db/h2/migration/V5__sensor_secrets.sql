-- Secret settings of sensors (passwords), each sealed by the cloud to the machine's public key
-- (HPKE; JSON object of name -> "hpke1.…"). The plaintext is never stored.
ALTER TABLE sensor ADD COLUMN secrets VARCHAR(1000000) DEFAULT '{}' NOT NULL;
