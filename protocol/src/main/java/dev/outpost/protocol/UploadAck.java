package dev.outpost.protocol;

/**
 * The cloud's answer to an {@link Upload}, sent after its database commit.
 *
 * @param stored     measurements stored for the first time
 * @param duplicates measurements already stored before (repeats after a retry), discarded
 * @param refused    measurements of sources that may not send (not enrolled, revoked), discarded
 */
public record UploadAck(long stored, long duplicates, long refused) {
  public UploadAck(long stored, long duplicates) {
    this(stored, duplicates, 0);
  }
}
