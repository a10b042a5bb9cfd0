package dev.outpost.cli;

import dev.outpost.hub.Outbox;
import dev.outpost.hub.OutboxLimits;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost bench outbox}: the durable outbox (MapDB) on its own. Appends measurements in
 * chunks as sensors and the LAN gateway do (each append durable when its future completes), drains
 * them as a link does (peek, then remove), and finally lets another process queue {@code --queued}
 * measurements, kills it with SIGKILL right after its last append completed, reopens the file
 * and counts what is there.
 */
@Command(name = "outbox", mixinStandardHelpOptions = true,
    description = "Durable outbox: appends/s, drains/s, and a reopen after kill -9 with N queued.")
final class OutboxBench implements Callable<Integer> {
  static final MachineRef SOURCE = new MachineRef("bench-hub", "bench hub", Role.HUB);
  private static final int CHUNK = 1_000;
  private static final int IN_FLIGHT = 16;

  @Option(names = "--measurements", defaultValue = "2000000", description = "Measurements appended and drained (default: ${DEFAULT-VALUE}).")
  long measurements;

  @Option(names = "--queued", defaultValue = "1000000", description = "Measurements queued before the kill (default: ${DEFAULT-VALUE}).")
  long queued;

  @Option(names = "--data", paramLabel = "DIR", description = "Folder for the outbox files (default: a temporary folder, deleted afterwards).")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (measurements < CHUNK || queued < CHUNK || measurements > 100_000_000 || queued > 100_000_000) {
      throw new UserError("--measurements and --queued must be 1000 to 100000000");
    }
    Path root = data != null ? data : Files.createTempDirectory("outpost-bench-outbox-");
    try {
      Files.createDirectories(root);
      double appends;
      double drains;
      try (var outbox = Outbox.open(root.resolve("throughput.db"), new OutboxLimits(measurements * 2))) {
        long t0 = System.nanoTime();
        append(outbox, measurements);
        appends = measurements / ((System.nanoTime() - t0) / 1e9);
        long t1 = System.nanoTime();
        long drained = drain(outbox);
        drains = drained / ((System.nanoTime() - t1) / 1e9);
      }
      System.out.printf("appended %d, drained %d%n", measurements, measurements);

      Path killed = root.resolve("killed.db");
      long written = writeAndKill(killed, queued);
      long t2 = System.nanoTime();
      long found;
      try (var outbox = Outbox.open(killed, new OutboxLimits(queued * 2))) {
        found = outbox.depth();
      }
      double reopenSeconds = (System.nanoTime() - t2) / 1e9;
      System.out.printf("outbox: %.0f appends/s, %.0f drains/s, reopened %d of %d queued in %.1f s, lost=%d%n",
          appends, drains, found, written, reopenSeconds, Math.max(0, written - found));
      return found >= written ? 0 : 1;
    } finally {
      if (data == null) {
        try (var paths = Files.walk(root)) {
          for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /** Appends in chunks with a few appends in flight, as several sensors and hub frames would. */
  static void append(Outbox outbox, long count) {
    var inFlight = new ArrayList<CompletableFuture<Void>>();
    long now = System.currentTimeMillis();
    for (long n = 0; n < count; n += CHUNK) {
      var chunk = new ArrayList<Measurement>(CHUNK);
      for (int i = 0; i < CHUNK; i++) {
        chunk.add(new Measurement("bench-" + (i % 16), now, State.OK, Map.of("value", (double) i), Map.of(), ""));
      }
      inFlight.add(outbox.record(SOURCE, chunk));
      if (inFlight.size() >= IN_FLIGHT) {
        inFlight.remove(0).join();
      }
    }
    inFlight.forEach(CompletableFuture::join);
  }

  private static long drain(Outbox outbox) {
    long drained = 0;
    while (outbox.depth() > 0) {
      List<Outbox.Entry> entries = outbox.peek(0, 20_000).join();
      outbox.remove(entries.stream().map(Outbox.Entry::key).toList()).join();
      drained += entries.stream().mapToLong(e -> e.batch().measurements().size()).sum();
    }
    return drained;
  }

  /** Another JVM queues the measurements, says so, and is killed with SIGKILL at once. */
  private static long writeAndKill(Path file, long count) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OutboxWriter.class.getName(),
        file.toString(), Long.toString(count))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    var out = process.getInputStream();
    var line = new StringBuilder();
    for (int c; (c = out.read()) != -1 && c != '\n'; ) {
      line.append((char) c);
    }
    process.destroyForcibly();   // SIGKILL: no shutdown hook, no close
    process.waitFor(30, TimeUnit.SECONDS);
    String said = line.toString().strip();
    if (!said.startsWith("queued ")) {
      throw new IllegalStateException("the writer process failed before queueing: " + said);
    }
    return Long.parseLong(said.substring("queued ".length()));
  }

  /** The writer process: queues, prints {@code queued N} once every append is durable, then waits to be killed. */
  public static final class OutboxWriter {
    public static void main(String[] args) throws Exception {
      var outbox = Outbox.open(Path.of(args[0]), new OutboxLimits(Long.parseLong(args[1]) * 2));
      append(outbox, Long.parseLong(args[1]));
      System.out.write(("queued " + outbox.recorded() + "\n").getBytes(StandardCharsets.US_ASCII));
      System.out.flush();
      new java.util.concurrent.CountDownLatch(1).await();   // until the bench kills this process
    }
  }
}
