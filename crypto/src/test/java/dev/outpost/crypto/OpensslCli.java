package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The {@code openssl} command from the PATH, for interoperability tests; skips the test with a reason if absent. */
final class OpensslCli {
  record Result(int exit, String output) {}

  private OpensslCli() {}

  static Path require() {
    var found = find();
    Assumptions.assumeTrue(found.isPresent(), "openssl is not on the PATH (" + System.getenv("PATH")
        + "); interoperability check skipped");
    return found.get();
  }

  static Result run(Path openssl, Path workDir, String... args) throws Exception {
    var command = new ArrayList<String>();
    command.add(openssl.toString());
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(20, TimeUnit.SECONDS), "openssl did not finish");
    return new Result(process.exitValue(), String.join(" ", command) + "\n" + output);
  }

  private static Optional<Path> find() {
    var path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (var dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      var candidate = Path.of(dir, "openssl");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
