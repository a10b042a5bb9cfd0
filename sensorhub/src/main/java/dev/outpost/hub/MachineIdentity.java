package dev.outpost.hub;

import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A machine's UID, made once on first start and kept in {@code machine.json} of its data folder
 * for the machine's whole life.
 */
public final class MachineIdentity {
  public static final String FILE = "machine.json";

  private MachineIdentity() {
  }

  /** The machine as stored in the data folder; made and stored now if there is none. */
  public static MachineRef loadOrCreate(Path dataDir, String name, Role role) {
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        var stored = Wire.fromJson(Files.readAllBytes(file), Stored.class);
        return new MachineRef(stored.uid(), name, role);
      }
      Files.createDirectories(dataDir);
      var stored = new Stored(UUID.randomUUID().toString());
      AtomicWrite.write(file, Wire.toJson(stored));
      return new MachineRef(stored.uid(), name, role);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write " + file, e);
    }
  }

  private record Stored(String uid) {
    Stored {
      Wire.requireUid(uid, "uid in " + FILE);
    }
  }
}
