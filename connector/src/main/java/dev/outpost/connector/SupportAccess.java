package dev.outpost.connector;

import dev.outpost.hub.AtomicWrite;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the site's admin lets the vendor's support users in (seed 003): off on every new install;
 * the admin turns it on (now, or "when possible": as soon as the connector reaches the cloud) and
 * off with {@code outpost connector support on|off} on the connector's machine, which writes
 * {@code support.json} in the data folder. The running connector watches that file: a change
 * reaches the cloud over the command channel within a fraction of a second, and turning support off
 * ends running support sessions at once (here and at the cloud, which ends them at the relay).
 */
public final class SupportAccess extends VerticleBase {
  public static final String FILE = "support.json";
  private static final Logger log = LoggerFactory.getLogger(SupportAccess.class);
  private static final long WATCH_MS = 200;

  /** The state in {@code support.json}: {@code on}, or waiting to turn on ({@code whenPossible}). */
  public record State(boolean on, boolean whenPossible) {
    public static final State OFF = new State(false, false);

    public ChannelMessage.SupportState message() {
      return new ChannelMessage.SupportState(on, whenPossible);
    }

    public String describe() {
      return on ? "on" : whenPossible ? "off, turns on when the cloud is reachable" : "off";
    }
  }

  private final Path dataDir;
  private State current = State.OFF;
  private long modified = -1;
  private long timer = -1;

  public SupportAccess(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Blocking: the state in the data folder; off when there is no file (a new install) or it cannot be read. */
  public static State load(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return State.OFF;
    }
    try {
      return Wire.fromJson(Files.readAllBytes(file), State.class);
    } catch (IOException | RuntimeException e) {
      log.warn("{} cannot be read ({}); support access stays off", file, e.getMessage());
      return State.OFF;
    }
  }

  /** Blocking, atomic. */
  public static void save(Path dataDir, State state) {
    try {
      AtomicWrite.write(dataDir.resolve(FILE), Wire.toJson(state));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE), e);
    }
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().consumer(ConnectorAddresses.CHANNEL_OPENED, message -> channelOpened());
    return vertx.executeBlocking(() -> {
      check();
      return null;
    }).onSuccess(v -> timer = vertx.setPeriodic(WATCH_MS, id -> vertx.executeBlocking(() -> {
      check();
      return null;
    }, false)));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** The state now (from any thread). */
  public synchronized State current() {
    return current;
  }

  /** Blocking: reads the file when it changed and publishes the new state. */
  private void check() {
    Path file = dataDir.resolve(FILE);
    long stamp;
    try {
      stamp = Files.exists(file) ? Files.getLastModifiedTime(file).toMillis() ^ Files.size(file) << 40 : 0;
    } catch (IOException e) {
      return;
    }
    State changed;
    synchronized (this) {
      if (stamp == modified) {
        return;
      }
      modified = stamp;
      State read = load(dataDir);
      if (read.equals(current)) {
        return;
      }
      current = read;
      changed = read;
    }
    log.info("support access is {}", changed.describe());
    vertx.eventBus().publish(ConnectorAddresses.SUPPORT_CHANGED, Wire.toJsonString(changed.message()));
  }

  /** "When possible": the cloud is reachable now, so support access turns on. */
  private void channelOpened() {
    State state = current();
    if (!state.on() && state.whenPossible()) {
      vertx.executeBlocking(() -> {
        save(dataDir, new State(true, false));
        check();
        return null;
      }).onFailure(e -> log.error("cannot turn support access on: {}", e.getMessage()));
    }
  }
}
