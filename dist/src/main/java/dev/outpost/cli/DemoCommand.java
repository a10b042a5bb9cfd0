package dev.outpost.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost demo}: a cloud, one connector, two hubs and a relay on this machine, loopback only. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Starts a cloud, one connector, two hubs and a relay on this machine, loopback only.",
        "The hubs find the connector by UPnP on the loopback interface and enrol through it.",
        "Prints the dashboard's address and the demo login; measurements show within 30 seconds;",
        "and an outpost session open line that tunnels a local port to the connector through the relay.",
        "Ctrl-C stops everything cleanly; the data stays in the data folder for the next run."})
final class DemoCommand implements Callable<Integer> {
  static final int DEFAULT_PORT = 8443;

  @Option(names = "--data", defaultValue = "demo-data", paramLabel = "DIR",
      description = "Folder for every machine's data (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, paramLabel = "PORT",
      description = "The dashboard's HTTPS port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() {
    if (port < 1 || port > 65_535) {
      throw new UserError("--port must be 1 to 65535, not " + port);
    }
    requireFree(port);
    var site = LocalSite.start(data, port, 2, 1, null, true);
    site.startRelay("demo-relay", null);
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("Stopping…");
      site.stop();
      stopped.countDown();
    }, "demo-shutdown"));
    System.out.println("Dashboard: " + site.dashboard());
    System.out.println("Login: " + LocalSite.ORGANISATION + " / " + LocalSite.ADMIN + " / " + site.password());
    System.out.println("CA certificate (to trust the dashboard): " + data.resolve("cloud").resolve("ca.pem").toAbsolutePath());
    System.out.println("Remote session (the dashboard itself, through the relay, to https://127.0.0.1:9443/):");
    System.out.println("  OUTPOST_PASSWORD=" + site.password() + " ./outpost session open --cloud " + site.dashboard()
        + " --ca " + data.resolve("cloud").resolve("ca.pem") + " --organisation " + LocalSite.ORGANISATION + " --user "
        + LocalSite.ADMIN + " --device connector --target " + LocalSite.LOOPBACK + ":" + port + " --listen 9443");
    System.out.println("Press Ctrl-C to stop.");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** Refuses a port that another program holds, before anything starts. */
  static void requireFree(int port) {
    try (var socket = new ServerSocket(port, 1, InetAddress.getByName(LocalSite.LOOPBACK))) {
      socket.setReuseAddress(true);
    } catch (IOException e) {
      throw new UserError("port " + port + " on " + LocalSite.LOOPBACK + " is already taken; choose another with --port");
    }
  }
}
