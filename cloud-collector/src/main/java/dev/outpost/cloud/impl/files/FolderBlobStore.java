package dev.outpost.cloud.impl.files;

import dev.outpost.protocol.FileTask;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlobStore} in a folder: each blob is one file named by its id (ids are 32 hex characters,
 * so no name can point elsewhere); drafts are written in {@code tmp/} beside them (mode 0600) and
 * renamed into place when committed.
 */
final class FolderBlobStore implements BlobStore {
  private static final Logger LOG = LoggerFactory.getLogger(FolderBlobStore.class);
  static final String DRAFTS = "tmp";

  private final Vertx vertx;
  private final Path folder;
  private final Path drafts;

  private FolderBlobStore(Vertx vertx, Path folder) {
    this.vertx = vertx;
    this.folder = folder.toAbsolutePath();
    this.drafts = this.folder.resolve(DRAFTS);
  }

  static Future<BlobStore> open(Vertx vertx, Path folder) {
    var store = new FolderBlobStore(vertx, folder);
    return vertx.executeBlocking(() -> {
      Files.createDirectories(store.drafts);
      try (var left = Files.list(store.drafts)) {
        for (Path draft : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(draft);
        }
      }
      return store;
    });
  }

  private Path blob(String id) throws NoSuchFileException {
    if (!FileTask.isFileId(id)) {
      throw new NoSuchFileException("no blob " + id);
    }
    return folder.resolve(id);
  }

  @Override
  public Future<Draft> draft() {
    return vertx.executeBlocking(() -> Files.createTempFile(drafts, "draft-", ".part",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))
        .compose(path -> vertx.fileSystem().open(path.toString(), new OpenOptions().setWrite(true).setCreate(false))
            .map(file -> (Draft) new FolderDraft(path, file))
            .onFailure(e -> deleteQuietly(path)));
  }

  @Override
  public Future<ReadStream<Buffer>> read(String id) {
    Path path;
    try {
      path = blob(id);
    } catch (NoSuchFileException e) {
      return Future.failedFuture(e);
    }
    return vertx.fileSystem().exists(path.toString()).compose(exists -> exists
        ? vertx.fileSystem().open(path.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
            .map(file -> (ReadStream<Buffer>) file)
        : Future.failedFuture(new NoSuchFileException("no blob " + id)));
  }

  @Override
  public Future<Boolean> exists(String id) {
    if (!FileTask.isFileId(id)) {
      return Future.succeededFuture(false);
    }
    return vertx.fileSystem().exists(folder.resolve(id).toString());
  }

  private void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (java.io.IOException e) {
      LOG.warn("cannot delete the draft {}: {}", path.getFileName(), e.getMessage());
    }
  }

  private final class FolderDraft implements Draft {
    private final Path path;
    private final AsyncFile file;
    private final AtomicBoolean done = new AtomicBoolean();

    FolderDraft(Path path, AsyncFile file) {
      this.path = path;
      this.file = file;
    }

    @Override
    public Future<Void> write(Buffer bytes) {
      return file.write(bytes);
    }

    @Override
    public boolean writeQueueFull() {
      return file.writeQueueFull();
    }

    @Override
    public void drainHandler(Runnable handler) {
      file.drainHandler(v -> handler.run());
    }

    @Override
    public Future<Void> commit(String id) {
      if (!done.compareAndSet(false, true)) {
        return Future.failedFuture(new IllegalStateException("the draft is finished already"));
      }
      return file.flush().compose(v -> file.close()).compose(v -> vertx.<Void>executeBlocking(() -> {
        Files.move(path, blob(id), StandardCopyOption.ATOMIC_MOVE);
        return null;
      })).onFailure(e -> vertx.executeBlocking(() -> {
        deleteQuietly(path);
        return null;
      }));
    }

    @Override
    public Future<Void> abort() {
      if (!done.compareAndSet(false, true)) {
        return vertx.executeBlocking(() -> {
          deleteQuietly(path);
          return null;
        });
      }
      return file.close().recover(e -> Future.succeededFuture()).compose(v -> vertx.executeBlocking(() -> {
        deleteQuietly(path);
        return null;
      }));
    }
  }
}
