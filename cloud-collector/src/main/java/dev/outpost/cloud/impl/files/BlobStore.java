package dev.outpost.cloud.impl.files;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.nio.file.Path;

/**
 * Where the bytes of files live, by file id. A blob is written through a {@link Draft} that becomes
 * visible only when committed; a draft that is aborted (or left by a crash) leaves nothing behind.
 * The cloud keeps what it knows about a file (name, size, hash) in its database; a store only holds
 * bytes, so another store (an object store, say) can take this one's place.
 */
public interface BlobStore {
  /** The store in a folder ({@code DATA/blobs} by default); leftover drafts there are removed. */
  static Future<BlobStore> inFolder(Vertx vertx, Path folder) {
    return FolderBlobStore.open(vertx, folder);
  }

  /** A new draft to write a blob into. */
  Future<Draft> draft();

  /** The blob's bytes; fails with {@link java.nio.file.NoSuchFileException} when there is none. */
  Future<ReadStream<Buffer>> read(String id);

  /** Whether the blob exists. */
  Future<Boolean> exists(String id);

  /** A blob being written. */
  interface Draft {
    /** Appends bytes; completes when they are handed to the store. */
    Future<Void> write(Buffer bytes);

    /** Whether the caller should wait for {@link #drainHandler} before writing more. */
    boolean writeQueueFull();

    /** Called when the draft takes more bytes again. */
    void drainHandler(Runnable handler);

    /** Makes the bytes written so far the blob with this id (replacing none: ids are fresh). */
    Future<Void> commit(String id);

    /** Throws the bytes away. Safe to call more than once, and after a failed commit. */
    Future<Void> abort();
  }
}
