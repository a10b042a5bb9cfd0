package dev.outpost.cloud.impl.store;

/** A stored measurement block that {@link BlockDecoder} cannot read: damaged, or of an unknown format. */
final class CorruptBlockException extends RuntimeException {
  CorruptBlockException(String message) {
    super(message);
  }
}
