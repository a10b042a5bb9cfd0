package dev.outpost.hub;

import dev.outpost.protocol.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The connector a hub belongs to, by uid, in {@code connector.json} of its data folder: after a
 * restart, or when the connector's address changed, discovery finds the same connector again and
 * ignores others.
 */
public final class RememberedConnector {
  static final String FILE = "connector.json";

  private RememberedConnector() {
  }

  private record Stored(String uid) {
    Stored {
      Wire.requireUid(uid, "uid in " + FILE);
    }
  }

  /** Blocking; the uid, or null when the hub has not linked to a connector yet. */
  public static String load(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return Wire.fromJson(Files.readAllBytes(file), Stored.class).uid();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Blocking; atomic. */
  static void save(Path dataDir, String uid) {
    if (uid.equals(load(dataDir))) {
      return;
    }
    try {
      AtomicWrite.write(dataDir.resolve(FILE), Wire.toJson(new Stored(uid)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE), e);
    }
  }
}
