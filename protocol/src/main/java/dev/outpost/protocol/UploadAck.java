package dev.outpost.protocol;

/**
 * The cloud's answer to an {@link Upload}, sent after its database commit.
 *
 * @param stored     measurements stored for the first time
 * @param duplicates measurements already stored before (repeats after a retry), discarded
 */
public record UploadAck(long stored, long duplicates) {
}
