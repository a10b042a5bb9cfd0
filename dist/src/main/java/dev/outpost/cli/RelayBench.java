package dev.outpost.cli;

import dev.outpost.crypto.TlsFiles;
import dev.outpost.transport.session.OperatorTunnel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost bench relay}: moves data operator → relay → connector → target on loopback with
 * every real part (the access server chooses the relay; both ends join it over TLS, then run the
 * end-to-end TLS 1.3 through it), and in the same run through a plain loopback TCP copy (one
 * process copying between two sockets, what a relay without any encryption would do): after a
 * warm-up of each path, the two in turns. Then round trips of one byte both ways, and many
 * sessions at once.
 */
@Command(name = "relay", mixinStandardHelpOptions = true,
    description = "Remote-session tunnel: MB/s through the relay vs a plain TCP copy, added latency, concurrent sessions.")
final class RelayBench implements Callable<Integer> {
  /** Turns of tunnel and plain copy the measured bytes are split into. */
  private static final int ROUNDS = 4;
  private static final Duration WARM_UP_TUNNEL = Duration.ofSeconds(4);
  private static final Duration WARM_UP_COPY = Duration.ofSeconds(1);

  @Option(names = "--megabytes", defaultValue = "1024", description = "Bytes moved one way per run, in MB (default: ${DEFAULT-VALUE}).")
  int megabytes;

  @Option(names = "--round-trips", defaultValue = "2000", description = "One-byte round trips per path (default: ${DEFAULT-VALUE}).")
  int roundTrips;

  @Option(names = "--sessions", defaultValue = "100", description = "Sessions open at once (default: ${DEFAULT-VALUE}).")
  int sessions;

  @Override
  public Integer call() throws Exception {
    if (megabytes < 1 || megabytes > 10_000 || roundTrips < 10 || sessions < 1 || sessions > 1_000) {
      throw new UserError("--megabytes 1–10000, --round-trips ≥ 10, --sessions 1–1000");
    }
    Path root = Files.createTempDirectory("outpost-bench-relay-");
    var quiet = new PrintStream(OutputStream.nullOutputStream());
    try (var sink = new Sink(); var echo = new Echo(); var copy = new PlainCopy()) {
      var site = LocalSite.start(root, 0, 0);
      try {
        // unlimited bandwidth here: the bench measures the tunnel, not the relay's limits
        site.startRelay("bench", null, c -> c.withLimits(sessions * 2, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4));
        var login = login(site, root);
        double tunnel;
        double direct;
        long[] tunnelRtt;
        long[] directRtt;
        try (var sinkTunnel = OperatorTunnel.open(login.get(), "connector", "127.0.0.1:" + sink.port(), null, null,
            new InetSocketAddress("127.0.0.1", 0), quiet);
             var echoTunnel = OperatorTunnel.open(login.get(), "connector", "127.0.0.1:" + echo.port(), null, null,
                 new InetSocketAddress("127.0.0.1", 0), quiet)) {
          long bytes = (long) megabytes << 20;
          // warm-up until the JIT has compiled both paths (a fixed share of a short run measured the compiler)
          warmUp(sinkTunnel.port(), bytes / 8, WARM_UP_TUNNEL);
          warmUp(copy.to(sink.port()), bytes / 8, WARM_UP_COPY);
          // then the two paths in turns, so that both see the same moments of a shared machine
          long tunnelNanos = 0;
          long directNanos = 0;
          long tunnelCpu = 0;
          long directCpu = 0;
          for (int round = 0; round < ROUNDS; round++) {
            long share = bytes / ROUNDS + (round == 0 ? bytes % ROUNDS : 0);
            long cpu = cpuNanos();
            tunnelNanos += send(sinkTunnel.port(), share);
            tunnelCpu += cpuNanos() - cpu;
            cpu = cpuNanos();
            directNanos += send(copy.to(sink.port()), share);
            directCpu += cpuNanos() - cpu;
          }
          tunnel = bytes / 1e6 / (tunnelNanos / 1e9);
          direct = bytes / 1e6 / (directNanos / 1e9);
          System.out.printf("throughput: tunnel %.0f MB/s, plain copy %.0f MB/s (%d MB each)%n", tunnel, direct, megabytes);
          // CPU time is what the tunnel costs even when other programs share the cores
          System.out.printf("cpu: tunnel %.2f s per GB, plain copy %.2f s per GB (this process, all threads)%n",
              tunnelCpu / 1e9 / (bytes / 1e9), directCpu / 1e9 / (bytes / 1e9));
          pingPong(echoTunnel.port(), roundTrips / 4);
          pingPong(copy.to(echo.port()), roundTrips / 4);
          tunnelRtt = pingPong(echoTunnel.port(), roundTrips);
          directRtt = pingPong(copy.to(echo.port()), roundTrips);
        }
        int errors = concurrent(login, echo.port(), quiet);
        System.out.printf("sessions: %d at once, each echoing 64 KB through its own tunnel, errors=%d%n", sessions, errors);
        double addedMedian = (percentile(tunnelRtt, 50) - percentile(directRtt, 50)) / 1e6;
        double addedP99 = (percentile(tunnelRtt, 99) - percentile(directRtt, 99)) / 1e6;
        System.out.printf("relay: %.0f MB/s tunnel, %.0f MB/s direct, ratio %.2f, added latency median %.3f ms, p99 %.3f ms%n",
            tunnel, direct, tunnel / direct, addedMedian, addedP99);
        return errors == 0 ? 0 : 1;
      } finally {
        site.stop();
      }
    } finally {
      try (var files = Files.walk(root)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static java.util.function.Supplier<OperatorTunnel.Login> login(LocalSite site, Path root) {
    return () -> new OperatorTunnel.Login(URI.create(site.dashboard()), TlsFiles.inFolder(root.resolve("cloud")).trustManager(),
        LocalSite.ORGANISATION, LocalSite.ADMIN, site.password().toCharArray());
  }

  /** CPU time of this process so far, all threads (ns). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Sends at least {@code bytes}, and goes on until {@code atLeast} has passed. */
  private static void warmUp(int port, long bytes, Duration atLeast) throws IOException {
    long until = System.nanoTime() + atLeast.toNanos();
    do {
      send(port, bytes);
    } while (System.nanoTime() < until);
  }

  /** Sends {@code bytes} to the port and waits for the sink's 8-byte count: the time it took (ns). */
  private static long send(int port, long bytes) throws IOException {
    try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setTcpNoDelay(true);
      byte[] buffer = new byte[64 * 1024];
      long start = System.nanoTime();
      OutputStream out = socket.getOutputStream();
      for (long sent = 0; sent < bytes; sent += buffer.length) {
        out.write(buffer, 0, (int) Math.min(buffer.length, bytes - sent));
      }
      socket.shutdownOutput();
      long counted = new java.io.DataInputStream(socket.getInputStream()).readLong();
      long nanos = System.nanoTime() - start;
      if (counted != bytes) {
        throw new IOException("the sink counted " + counted + " of " + bytes + " bytes");
      }
      return nanos;
    }
  }

  /** One-byte round trips; their times in ns. */
  private static long[] pingPong(int port, int count) throws IOException {
    try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setTcpNoDelay(true);
      var in = socket.getInputStream();
      var out = socket.getOutputStream();
      long[] times = new long[count];
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        out.write(i & 0x7f);
        out.flush();
        if (in.read() != (i & 0x7f)) {
          throw new IOException("the echo answered the wrong byte");
        }
        times[i] = System.nanoTime() - start;
      }
      return times;
    }
  }

  /** {@link #sessions} sessions open at once, each echoing 64 KB; the number that failed. */
  private int concurrent(java.util.function.Supplier<OperatorTunnel.Login> login, int echoPort, PrintStream quiet) throws Exception {
    var tunnels = new ArrayList<OperatorTunnel>();
    var errors = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      var opened = new ArrayList<Future<OperatorTunnel>>();
      for (int i = 0; i < sessions; i++) {
        opened.add(pool.submit(() -> OperatorTunnel.open(login.get(), "connector", "127.0.0.1:" + echoPort, null, null,
            new InetSocketAddress("127.0.0.1", 0), quiet)));
      }
      for (var future : opened) {
        try {
          tunnels.add(future.get());
        } catch (java.util.concurrent.ExecutionException e) {
          errors.incrementAndGet();
          System.out.println("a session did not open: " + e.getCause().getMessage());
        }
      }
      var echoed = new ArrayList<Future<?>>();
      for (var tunnel : tunnels) {
        echoed.add(pool.submit(() -> {
          try (var socket = new Socket(InetAddress.getLoopbackAddress(), tunnel.port())) {
            byte[] data = new byte[64 * 1024];
            new java.util.Random(tunnel.port()).nextBytes(data);
            socket.getOutputStream().write(data);
            socket.shutdownOutput();
            byte[] back = socket.getInputStream().readAllBytes();
            if (!Arrays.equals(data, back)) {
              errors.incrementAndGet();
              System.out.println("a session echoed " + back.length + " bytes, not the 65536 sent");
            }
          } catch (IOException e) {
            errors.incrementAndGet();
            System.out.println("a session failed: " + e);
          }
          return null;
        }));
      }
      for (var future : echoed) {
        future.get();
      }
      return errors.get();
    } finally {
      tunnels.forEach(OperatorTunnel::close);
      pool.shutdownNow();
    }
  }

  private static long percentile(long[] values, int percent) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * percent / 100.0) - 1)];
  }

  /** A TCP server that runs {@code serve} for every connection on its own thread. */
  private abstract static class Server implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());

    Server(String name) throws IOException {
      var thread = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket socket = server.accept();
            var worker = new Thread(() -> {
              try (socket) {
                socket.setTcpNoDelay(true);
                serve(socket);
              } catch (IOException ignored) {
                // the client left
              }
            }, name + "-conn");
            worker.setDaemon(true);
            worker.start();
          } catch (IOException e) {
            return;
          }
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    abstract void serve(Socket socket) throws IOException;

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /** Counts what arrives until the sender closes, then answers the count. */
  private static final class Sink extends Server {
    Sink() throws IOException {
      super("bench-sink");
    }

    @Override
    void serve(Socket socket) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      InputStream in = socket.getInputStream();
      int n;
      while ((n = in.read(buffer)) > 0) {
        total += n;
      }
      new java.io.DataOutputStream(socket.getOutputStream()).writeLong(total);
    }
  }

  /** Sends back what arrives. */
  private static final class Echo extends Server {
    Echo() throws IOException {
      super("bench-echo");
    }

    @Override
    void serve(Socket socket) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int n;
      while ((n = in.read(buffer)) > 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
      socket.shutdownOutput();
    }
  }

  /** The baseline: a process that copies between two plain TCP sockets, one listener per target. */
  private static final class PlainCopy implements AutoCloseable {
    private final List<ServerSocket> listeners = new ArrayList<>();
    private final java.util.Map<Integer, Integer> ports = new java.util.HashMap<>();

    synchronized int to(int target) throws IOException {
      Integer known = ports.get(target);
      if (known != null) {
        return known;
      }
      var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      listeners.add(server);
      ports.put(target, server.getLocalPort());
      var thread = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket from = server.accept();
            Socket to = new Socket(InetAddress.getLoopbackAddress(), target);
            from.setTcpNoDelay(true);
            to.setTcpNoDelay(true);
            pump(from, to);
            pump(to, from);
          } catch (IOException e) {
            return;
          }
        }
      }, "bench-copy");
      thread.setDaemon(true);
      thread.start();
      return server.getLocalPort();
    }

    private static void pump(Socket from, Socket to) {
      var thread = new Thread(() -> {
        byte[] buffer = new byte[64 * 1024];
        try {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          int n;
          while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
          }
          to.shutdownOutput();
        } catch (IOException ignored) {
          // one side closed
        }
      }, "bench-copy-pump");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws IOException {
      for (var listener : listeners) {
        listener.close();
      }
    }
  }
}
