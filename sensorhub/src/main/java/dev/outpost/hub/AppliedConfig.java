package dev.outpost.hub;

import dev.outpost.protocol.DefaultSensors;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration a machine runs, kept in {@code config.json} of its data folder so that it
 * survives restarts and outages. Before the cloud has sent one, a machine runs the default sensors
 * as version 0.
 */
public final class AppliedConfig {
  public static final String FILE = "config.json";
  private static final Logger log = LoggerFactory.getLogger(AppliedConfig.class);

  private AppliedConfig() {
  }

  public static MachineConfig load(Path dataDir, String machineUid) {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      try {
        var config = Wire.fromJson(Files.readAllBytes(file), MachineConfig.class);
        if (config.machine().equals(machineUid)) {
          return config;
        }
        log.warn("{} belongs to machine {}, not {}; using the defaults", file, config.machine(), machineUid);
      } catch (IOException | WireFormatException e) {
        log.warn("cannot read {} ({}); using the defaults until the cloud sends a configuration", file, e.getMessage());
      }
    }
    return new MachineConfig(machineUid, 0, DefaultSensors.forNewMachine());
  }

  public static void save(Path dataDir, MachineConfig config) {
    try {
      AtomicWrite.write(dataDir.resolve(FILE), Wire.toJson(config));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE), e);
    }
  }
}
