package dev.outpost.connector;

import dev.outpost.protocol.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The machines the cloud revoked, kept in {@code revoked.json} of the connector's data folder. */
final class Revocations {
  static final String FILE = "revoked.json";
  private final Path file;

  Revocations(Path dataDir) {
    this.file = dataDir.resolve(FILE);
  }

  /** Blocking. */
  List<String> load() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      return List.of(Wire.fromJson(Files.readAllBytes(file), String[].class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Blocking; atomic. */
  synchronized void save(Set<String> uids) {
    try {
      dev.outpost.hub.AtomicWrite.write(file, Wire.toJson(new TreeSet<>(uids)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
