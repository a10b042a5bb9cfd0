package dev.outpost.hub;

import dev.outpost.protocol.LanMessage;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the hub's connector reaches the cloud, as the connector last told it, in
 * {@code cloud-route.json} of the hub's data folder: the fallback dials it when the connector is
 * gone, also after a restart of the hub.
 */
final class RememberedCloudRoute {
  static final String FILE = "cloud-route.json";

  private RememberedCloudRoute() {
  }

  /** Blocking; the route, or null when no connector told one yet (or the file is unreadable: logged by the caller). */
  static LanMessage.CloudRoute load(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return Wire.fromJson(Files.readAllBytes(file), LanMessage.CloudRoute.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (WireFormatException e) {
      throw new IllegalStateException(file + " is not a cloud route: " + e.getMessage(), e);
    }
  }

  /** Blocking; atomic; only writes when the route changed. */
  static void save(Path dataDir, LanMessage.CloudRoute route) {
    try {
      if (route.equals(load(dataDir))) {
        return;
      }
    } catch (RuntimeException unreadable) {
      // replaced below
    }
    try {
      AtomicWrite.write(dataDir.resolve(FILE), Wire.toJson(route));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE), e);
    }
  }
}
