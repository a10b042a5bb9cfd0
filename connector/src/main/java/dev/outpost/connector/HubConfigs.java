package dev.outpost.connector;

import dev.outpost.hub.AtomicWrite;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hubs a connector knows and the latest configuration the cloud sent for each, one JSON file
 * per hub in {@code hubs/} of the data folder, so a hub gets its configuration from the connector
 * even while the cloud is out of reach. Blocking: call it from a worker.
 */
public final class HubConfigs {
  private static final Logger log = LoggerFactory.getLogger(HubConfigs.class);
  private final Path dir;

  public HubConfigs(Path dataDir) {
    this.dir = dataDir.resolve("hubs");
  }

  /** Remembers a hub that said hello. */
  public void remember(MachineRef hub) {
    write(dir.resolve(hub.uid() + ".hub.json"), Wire.toJson(hub));
  }

  /** Every hub that ever said hello to this connector. */
  public List<MachineRef> known() {
    var hubs = new ArrayList<MachineRef>();
    if (!Files.isDirectory(dir)) {
      return hubs;
    }
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".hub.json")).toList()) {
        try {
          hubs.add(Wire.fromJson(Files.readAllBytes(file), MachineRef.class));
        } catch (IOException | WireFormatException e) {
          log.warn("ignored unreadable {}: {}", file, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return hubs;
  }

  public void save(MachineConfig config) {
    write(dir.resolve(config.machine() + ".config.json"), Wire.toJson(config));
  }

  public Optional<MachineConfig> configOf(String hubUid) {
    if (!Wire.isValidId(hubUid)) {
      return Optional.empty();
    }
    Path file = dir.resolve(hubUid + ".config.json");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Wire.fromJson(Files.readAllBytes(file), MachineConfig.class));
    } catch (IOException | WireFormatException e) {
      log.warn("ignored unreadable {}: {}", file, e.getMessage());
      return Optional.empty();
    }
  }

  private void write(Path file, byte[] content) {
    try {
      Files.createDirectories(dir);
      AtomicWrite.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
