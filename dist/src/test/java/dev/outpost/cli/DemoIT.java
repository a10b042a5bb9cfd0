package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.TlsFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a user runs it: {@code outpost demo} from the real jar, then the
 * {@code outpost session open} line it prints, pasted as it is (only its local port changed to a
 * free one), reaches the demo's dashboard through the demo's relay and connector.
 */
class DemoIT {
  private static final Path JAR = Path.of("target", "outpost.jar").toAbsolutePath();
  private static final Pattern SESSION_LINE = Pattern.compile("^\\s*OUTPOST_PASSWORD=(\\S+) \\./outpost (session open .*)$",
      Pattern.MULTILINE);

  @TempDir
  Path root;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (var process : processes) {
      process.destroy();
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private Process start(Path log, List<String> arguments, String password) throws IOException {
    var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString()));
    command.addAll(arguments);
    var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    if (password != null) {
      builder.environment().put("OUTPOST_PASSWORD", password);
    }
    var process = builder.start();
    process.getOutputStream().close();
    processes.add(process);
    return process;
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void theSessionLineTheDemoPrintsReachesTheDashboardThroughTheRelay() throws Exception {
    Path demoLog = root.resolve("demo.log");
    var demo = start(demoLog, List.of("demo", "--data", root.resolve("demo").toString(), "--port",
        String.valueOf(freePort())), null);
    await().atMost(Duration.ofSeconds(90)).failFast("the demo exited", () -> !demo.isAlive())
        .until(() -> Files.readString(demoLog).contains("Press Ctrl-C to stop."));
    String printed = Files.readString(demoLog);
    var line = SESSION_LINE.matcher(printed);
    assertTrue(line.find(), "the demo prints a session line:\n" + printed);
    int local = freePort();
    var arguments = new ArrayList<>(List.of(line.group(2).split(" ")));
    int listen = arguments.indexOf("--listen");
    assertEquals("9443", arguments.get(listen + 1), "the line listens on the port it names");
    arguments.set(listen + 1, String.valueOf(local));
    int ca = arguments.indexOf("--ca");
    Path caFile = Path.of(arguments.get(ca + 1));

    Path sessionLog = root.resolve("session.log");
    var session = start(sessionLog, arguments, line.group(1));
    await().atMost(Duration.ofSeconds(60)).failFast("the session ended", () -> !session.isAlive())
        .until(() -> Files.readString(sessionLog).contains("ready: 127.0.0.1:" + local));

    // the target is the dashboard itself: HTTPS through the tunnel, checked against the demo's CA
    var trust = TlsFiles.inFolder(caFile.getParent()).trustManager(); // the demo's ca.pem
    var client = HttpClient.newBuilder().sslContext(TlsFiles.anonymousClientContext(trust))
        .connectTimeout(Duration.ofSeconds(10)).build();
    var answer = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + local + "/"))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode());
    assertTrue(answer.body().contains("Outpost"), answer.body());
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(sessionLog).contains("stream 1: "));
  }
}
