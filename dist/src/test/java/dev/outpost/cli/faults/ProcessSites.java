package dev.outpost.cli.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Owns the {@link ProcessSite}s of a test: when the test fails, the last lines of every process's
 * log are attached to the failure (and printed) and the whole logs are kept in
 * {@code target/fault-logs/CLASS/TEST/}; after every test, failed or not, every process is ended.
 * A JVM shutdown hook ends them too if the test JVM itself is stopped.
 */
final class ProcessSites implements TestExecutionExceptionHandler, AfterEachCallback {
  private static final int TAIL_LINES = 60;
  private final List<ProcessSite> sites = new ArrayList<>();
  private final Thread hook = new Thread(this::closeAll, "fault-test-clean-up");
  private boolean hooked;

  /** Starts a site of real processes under the root (see {@link ProcessSite#start()}). */
  ProcessSite start(Path root, ProcessSite.Options options) {
    var site = ProcessSite.create(root, options);
    sites.add(site);
    if (!hooked) {
      Runtime.getRuntime().addShutdownHook(hook);
      hooked = true;
    }
    return site.start();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    for (var site : sites) {
      String tails = site.tails(TAIL_LINES);
      System.err.println(tails);
      Path kept = keepLogs(context, site);
      failure.addSuppressed(new ProcessLogs("logs kept in " + kept + "; their ends:" + tails));
    }
    throw failure;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    closeAll();
    sites.clear();
    if (hooked) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already; the hook runs anyway
      }
      hooked = false;
    }
  }

  private void closeAll() {
    for (var site : sites) {
      site.close();
    }
  }

  private static Path keepLogs(ExtensionContext context, ProcessSite site) {
    Path dir = Path.of("target", "fault-logs", context.getRequiredTestClass().getSimpleName(),
        context.getRequiredTestMethod().getName()).toAbsolutePath();
    try {
      Files.createDirectories(dir);
      for (var process : site.processes()) {
        if (Files.exists(process.log())) {
          Files.copy(process.log(), dir.resolve(process.log().getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      return Path.of("(could not keep the logs: " + e.getMessage() + ")");
    }
    return dir;
  }

  /** The ends of the processes' logs, attached to a test's failure. */
  static final class ProcessLogs extends Exception {
    ProcessLogs(String message) {
      super(message, null, false, false);
    }
  }
}
