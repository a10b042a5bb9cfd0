package dev.outpost.cloud.impl.files;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.impl.ClientError;
import dev.outpost.crypto.FileSignatures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cloud's files: bytes in a {@link BlobStore}, what is known about them in {@link FileRecords},
 * and URLs signed per file and right with {@link FileSignatures}. Every write streams into a draft
 * while counting and hashing (SHA-256); one byte over {@link CloudConfig.Files#maxBytes()} ends it
 * with 413 and the draft is deleted, so nothing of a refused upload stays on disk or in the database.
 */
public final class FileStore {
  /** The secret that signs file URLs, in the data folder. */
  public static final String SECRET_FILE = "files.key";
  public static final String URL_PREFIX = "/files/v1/";

  private final BlobStore blobs;
  private final FileRecords records;
  private final FileSignatures signatures;
  private final CloudConfig.Files config;
  private final SecureRandom random = new SecureRandom();
  /** Files being written through a write URL now: a second writer of the same file is refused. */
  private final Set<String> writing = ConcurrentHashMap.newKeySet();

  private FileStore(BlobStore blobs, FileRecords records, FileSignatures signatures, CloudConfig.Files config) {
    this.blobs = blobs;
    this.records = records;
    this.signatures = signatures;
    this.config = config;
  }

  /** Opens the blob store and loads (or, at the first start, creates) the URL secret. */
  public static Future<FileStore> open(Vertx vertx, CloudConfig config, FileRecords records) {
    return vertx.executeBlocking(() -> FileSignatures.loadOrCreate(config.dataDir().resolve(SECRET_FILE)))
        .compose(signatures -> BlobStore.inFolder(vertx, config.blobFolder())
            .map(blobs -> new FileStore(blobs, records, signatures, config.files())));
  }

  public FileRecords records() {
    return records;
  }

  public BlobStore blobs() {
    return blobs;
  }

  public long maxBytes() {
    return config.maxBytes();
  }

  /** A fresh file id: 128 random bits as 32 hex characters. */
  public String newId() {
    var bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The signed path and query of a URL for the right on the file, valid for {@code files.urlValidity} from now. */
  public String url(String id, FileSignatures.Right right) {
    long expires = Instant.now().plus(config.urlValidity()).getEpochSecond();
    return url(id, right, expires);
  }

  /** The signed path and query with this expiry (epoch seconds). */
  public String url(String id, FileSignatures.Right right, long expires) {
    return URL_PREFIX + id + "?right=" + right.wireName() + "&expires=" + expires + "&sig=" + signatures.sign(id, right, expires);
  }

  /** Whether the signature grants the right on the file at the given expiry. */
  boolean signed(String id, FileSignatures.Right right, long expires, String signature) {
    return signatures.verify(id, right, expires, signature);
  }

  /**
   * Stores an admin's upload: streams the body into the blob store and records the file as stored.
   * Fails with 413 (draft deleted, nothing recorded) above the limit.
   */
  public Future<StoredFile> upload(HttpServerRequest request, long organisationId, String name) {
    String id = newId();
    return receive(request, id).compose(received -> {
      long now = System.currentTimeMillis();
      var file = new StoredFile(id, organisationId, name, StoredFile.UPLOAD, null, StoredFile.STORED, received.size(),
          received.sha256(), now, now);
      return records.insert(file).map(file);
    });
  }

  /** Records a file that a machine is to write (its bundle), with no bytes yet. */
  public Future<StoredFile> expect(long organisationId, String name, String machine) {
    long now = System.currentTimeMillis();
    var file = new StoredFile(newId(), organisationId, name, StoredFile.BUNDLE, machine, StoredFile.WAITING, -1, null, now, 0);
    return records.insert(file).map(file);
  }

  /**
   * Writes the body of a signed write request into a waiting file. Answers 409 when the file is
   * stored already or being written by another request; nothing changes then.
   */
  Future<StoredFile> fill(HttpServerRequest request, StoredFile file) {
    if (file.stored() || !writing.add(file.id())) {
      return Future.failedFuture(new ClientError(409, "file " + file.id() + " is written already"));
    }
    return receive(request, file.id())
        .compose(received -> records.stored(file.id(), received.size(), received.sha256(), System.currentTimeMillis())
            .compose(changed -> changed ? records.file(file.id())
                : Future.failedFuture(new ClientError(409, "file " + file.id() + " is written already"))))
        .onComplete(done -> writing.remove(file.id()));
  }

  private record Received(long size, String sha256) {
  }

  /** Streams the request body into a draft committed as blob {@code id}; 413 above the limit. */
  private Future<Received> receive(HttpServerRequest request, String id) {
    String length = request.getHeader("Content-Length");
    if (length != null && tooLong(length)) {
      return Future.failedFuture(ClientError.tooLarge("files are at most " + config.maxBytes() + " bytes"));
    }
    request.pause();
    return blobs.exists(id).compose(exists -> exists
        ? Future.failedFuture(new ClientError(409, "file " + id + " is written already"))
        : blobs.draft()).compose(draft -> copy(request, draft)
        .compose(received -> draft.commit(id).map(received))
        .recover(e -> draft.abort().transform(v -> Future.failedFuture(e))));
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > config.maxBytes();
    } catch (NumberFormatException e) {
      return false;   // Vert.x refuses a malformed length itself
    }
  }

  private Future<Received> copy(ReadStream<Buffer> body, BlobStore.Draft draft) {
    Promise<Received> done = Promise.promise();
    MessageDigest sha256 = sha256();
    long[] size = {0};
    body.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      size[0] += chunk.length();
      if (size[0] > config.maxBytes()) {
        done.tryFail(ClientError.tooLarge("files are at most " + config.maxBytes() + " bytes"));
        return;
      }
      sha256.update(chunk.getBytes());
      draft.write(chunk).onFailure(done::tryFail);
      if (draft.writeQueueFull()) {
        body.pause();
        draft.drainHandler(body::resume);
      }
    });
    body.exceptionHandler(done::tryFail);
    body.endHandler(v -> done.tryComplete(new Received(size[0], HexFormat.of().formatHex(sha256.digest()))));
    body.resume();
    return done.future();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
