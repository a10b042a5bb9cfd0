package dev.outpost.hub.files;

import dev.outpost.hub.AtomicWrite;
import dev.outpost.hub.HubAddresses;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.FileTask;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Wire;
import dev.outpost.protocol.WireFormatException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the cloud's file tasks for this machine ({@link HubAddresses#FILE_TASK}) and reports
 * each outcome ({@link HubAddresses#FILE_DONE}), which goes back the way the task came:
 * <ul>
 *   <li>{@code fetch}: downloads the signed URL, checks its SHA-256 against the task's, and only
 *       then writes it to {@code DATA/files/NAME} in one step ({@link AtomicWrite}); a file whose
 *       hash differs is reported as failed and nothing is written;</li>
 *   <li>{@code bundle}: builds the {@link DiagnosticBundle} and uploads it to the write URL.</li>
 * </ul>
 * Tasks for another machine are ignored (a connector passes those on to its hubs).
 */
public final class FileTasks extends VerticleBase {
  /** Where fetched files are kept, in the data folder. */
  public static final String FOLDER = "files";
  private static final Logger log = LoggerFactory.getLogger(FileTasks.class);

  private final MachineRef machine;
  private final Path dataDir;
  private final Supplier<FileRoute> route;
  private final Object config;
  private final List<BundleSection> sections;

  /**
   * @param route    how to reach the cloud's file URLs now (asked anew for each task)
   * @param config   the machine's own configuration record, for the bundle (written without secrets)
   * @param sections extra parts of the bundle
   */
  public FileTasks(MachineRef machine, Path dataDir, Supplier<FileRoute> route, Object config, List<BundleSection> sections) {
    this.machine = machine;
    this.dataDir = dataDir;
    this.route = route;
    this.config = config;
    this.sections = List.copyOf(sections);
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<String>consumer(HubAddresses.FILE_TASK, message -> {
      FileTask task;
      try {
        task = Wire.fromJson(message.body(), FileTask.class);
      } catch (WireFormatException e) {
        log.warn("a bad file task ({}); ignored", e.getMessage());
        return;
      }
      if (task.machine().equals(machine.uid())) {
        run(task);
      }
    });
    return Future.succeededFuture();
  }

  private void run(FileTask task) {
    log.info("file task {} {} ({})", task.action(), task.name(), task.file());
    vertx.executeBlocking(() -> {
      if (FileTask.FETCH.equals(task.action())) {
        fetch(task);
      } else {
        bundle(task);
      }
      return null;
    }, false).onComplete(done -> {
      var outcome = done.succeeded() ? new FileOutcome(task.file(), machine.uid(), true, null)
          : new FileOutcome(task.file(), machine.uid(), false, withoutSignature(task, String.valueOf(done.cause().getMessage())));
      if (done.failed()) {
        log.warn("file task {} {} failed: {}", task.action(), task.name(), outcome.reason());
      } else {
        log.info("file task {} {} done", task.action(), task.name());
      }
      vertx.eventBus().publish(HubAddresses.FILE_DONE, Wire.toJsonString(outcome));
    });
  }

  /** The text with the task's signed URL cut down to its path: a reason is logged and kept by the cloud. */
  private static String withoutSignature(FileTask task, String text) {
    return text.replace(task.url(), task.url().substring(0, task.url().indexOf('?')));
  }

  private FileRoute currentRoute() {
    FileRoute now = route.get();
    if (now == null) {
      throw new IllegalStateException("no way to the cloud's files right now (no connector link, not direct)");
    }
    return now;
  }

  private void fetch(FileTask task) throws Exception {
    var answer = currentRoute().send("GET", task.url(), null);
    if (answer.status() != 200) {
      throw new IllegalStateException("the download was answered " + answer.status());
    }
    String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(answer.body()));
    if (!actual.equals(task.sha256())) {
      throw new IllegalStateException("SHA-256 mismatch: got " + actual + ", the task says " + task.sha256() + "; nothing written");
    }
    Path folder = dataDir.resolve(FOLDER);
    Path target = folder.resolve(task.name()).normalize();
    if (!folder.equals(target.getParent())) {
      throw new IllegalStateException("the name " + task.name() + " leaves the files folder");
    }
    Files.createDirectories(folder);
    AtomicWrite.write(target, answer.body());
  }

  private void bundle(FileTask task) throws Exception {
    byte[] zip = DiagnosticBundle.build(dataDir, machine, config, sections);
    var answer = currentRoute().send("PUT", task.url(), zip);
    if (answer.status() != 201 && answer.status() != 200) {
      throw new IllegalStateException("the upload of the bundle (" + zip.length + " bytes) was answered " + answer.status());
    }
  }
}
