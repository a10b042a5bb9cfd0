-- Measurements are stored in blocks: one row per source machine and run of consecutive sequence
-- numbers as an upload brings them, the measurements encoded by BlockEncoder (format in its
-- javadoc). A row per measurement capped the writer at about 40 000 measurements a second.
--
-- block_key: machine_id * 2^40 + first_seq, the one-BIGINT primary key H2 keeps rows in. The blocks
-- of one machine never share a sequence number, so ordered by key they are ordered by last_seq too.
-- max_time - min_time is never more than BlockEncoder.MAX_SPAN_MS (60 000): a time-range read
-- looks that far before its start in the (machine_id, min_time) index. sensors: ",a,b," (the
-- block's sensor ids), or null when that list would be longer than 1 000 characters.
-- V3 (MeasurementRowsToBlocks, Java) moves the rows of the old measurement table into blocks and
-- drops it.
CREATE TABLE measurement_block (
  block_key  BIGINT PRIMARY KEY,
  machine_id INT NOT NULL,
  first_seq  BIGINT NOT NULL,
  last_seq   BIGINT NOT NULL,
  min_time   BIGINT NOT NULL,
  max_time   BIGINT NOT NULL,
  sensors    VARCHAR(1000),
  data       VARBINARY NOT NULL
);
CREATE INDEX measurement_block_by_time ON measurement_block (machine_id, min_time);
