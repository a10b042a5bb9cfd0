package dev.outpost.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk of the cloud's database fills up during heavy flow. The cloud's data folder is a small
 * filesystem the test mounts (a tmpfs with a size; needs root, skipped otherwise), and a filler file
 * leaves only a little room, which the flow fills within seconds. While the disk is full the cloud
 * must refuse what it cannot store (the senders keep it) and stay up; once the filler is deleted it
 * must take uploads again by itself, and in the end every measurement is stored exactly once.
 */
class CloudDiskFullFaultIT {
  private static final long FLOW = 3_000;
  private static final String SIZE = "64m";
  /** Free space left by the filler: the flow fills it in a few seconds. */
  private static final long HEADROOM = 2L << 20;
  /** How long the cloud stays on its full disk once it has stopped storing. */
  private static final Duration FULL = Duration.ofSeconds(10);
  private static final Duration RECOVERY = Duration.ofSeconds(60);

  @RegisterExtension
  final ProcessSites sites = new ProcessSites();

  @TempDir
  Path root;

  @Test
  void aFullDiskAtTheCloudLosesNothingAndEverythingArrivesOnceThereIsSpaceAgain() throws Exception {
    Assumptions.assumeTrue(isRoot(), "skipped: mounting a small filesystem for the cloud's database needs root");
    Path cloudData = Files.createDirectories(root.resolve("cloud-data"));
    run("mount", "-t", "tmpfs", "-o", "size=" + SIZE + ",mode=0700", "tmpfs", cloudData.toString());
    ProcessSite site = null;
    try {
      site = sites.start(root, ProcessSite.Options.defaults().withCloudDataDir(cloudData));
      site.awaitFlow(FLOW);

      Path filler = cloudData.resolve("filler");
      fill(filler, Files.getFileStore(cloudData).getUsableSpace() - HEADROOM);
      ProcessSite.note("filled the cloud's disk up to " + Files.getFileStore(cloudData).getUsableSpace() + " free bytes");
      awaitStoringStops(site);
      ProcessSite.note("the cloud stopped storing: " + Files.getFileStore(cloudData).getUsableSpace() + " bytes free");
      var running = site;
      await("every process to keep running while the cloud's disk is full").during(FULL).atMost(FULL.plusSeconds(10))
          .until(() -> running.processes().stream().allMatch(RoleProcess::isAlive));

      Files.delete(filler);
      ProcessSite.note("deleted the filler: " + Files.getFileStore(cloudData).getUsableSpace() + " bytes free");
      boolean recoveredByItself = true;
      try {
        site.awaitFlow(FLOW, RECOVERY);
      } catch (ConditionTimeoutException e) {
        recoveredByItself = false;
        ProcessSite.note("the cloud did not take uploads again within " + RECOVERY.toSeconds() + " s; restarting it,"
            + " as an admin would, to count what was lost");
        site.cloud().stop();
        site.startCloud();
        site.awaitFlow(FLOW);
      }

      var counts = site.finish();
      System.out.println("cloud disk full: " + counts.summary());
      boolean recovered = recoveredByItself;
      assertAll(
          () -> assertTrue(recovered, "the cloud takes uploads again by itself within " + RECOVERY.toSeconds()
              + " s once its disk has room (it had to be restarted)"),
          counts::assertExactlyOnce);
    } finally {
      if (site != null) {
        site.close();
      }
      unmount(cloudData);
    }
  }

  /** Waits until the cloud's stored count has not moved for 5 s while the hub and connector run. */
  private static void awaitStoringStops(ProcessSite site) {
    var last = new AtomicLong(-2);
    var since = new AtomicLong(System.nanoTime());
    await("the cloud to stop storing on its full disk").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .failFast("a process exited", () -> site.processes().stream().anyMatch(p -> !p.isAlive()))
        .until(() -> {
          long stored = site.storedInCloud();
          if (stored != last.get()) {
            last.set(stored);
            since.set(System.nanoTime());
            return false;
          }
          return System.nanoTime() - since.get() >= Duration.ofSeconds(5).toNanos();
        });
  }

  private static void fill(Path file, long bytes) throws IOException {
    var chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = bytes; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
  }

  private static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0 && Files.isExecutable(Path.of("/bin/mount"));
  }

  private static void unmount(Path dir) throws IOException, InterruptedException {
    try {
      run("umount", dir.toString());
    } catch (AssertionError e) {
      run("umount", "-l", dir.toString());
      throw e;
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    var process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
    }
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + out);
  }
}
