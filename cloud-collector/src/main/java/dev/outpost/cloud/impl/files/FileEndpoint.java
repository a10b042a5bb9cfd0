package dev.outpost.cloud.impl.files;

import dev.outpost.cloud.impl.ClientError;
import dev.outpost.crypto.FileSignatures;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.NoSuchFileException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed file URLs, outside {@code /api}: {@code GET /files/v1/ID?right=read&expires=T&sig=S} answers
 * the file's bytes, {@code PUT} (or {@code POST}) with a write URL stores the body as the file. The
 * signature is the only authorisation: no login, no client certificate. Everything that is not
 * exactly such a URL with a valid, unexpired signature for the right the method needs is refused
 * with 403 before a byte of the body is read: an expired, forged or altered URL, a read URL used to
 * write, any other path (dots, encoded slashes, an id of another form, extra segments) or query.
 */
public final class FileEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(FileEndpoint.class);
  /** The whole raw path and query of a signed URL; nothing else is accepted. */
  private static final Pattern SIGNED = Pattern.compile(
      "/files/v1/([0-9a-f]{32})\\?right=(read|write)&expires=([0-9]{1,12})&sig=([A-Za-z0-9_-]{43})");

  private final FileStore files;

  public FileEndpoint(FileStore files) {
    this.files = files;
  }

  public void mount(Router router) {
    // by the raw path: "/files/v1/%2e%2e/x" would be normalised out of the prefix, and must be refused here
    router.route().handler(ctx -> {
      if (ctx.request().path().startsWith("/files/")) {
        handle(ctx);
      } else {
        ctx.next();
      }
    });
  }

  private record Signed(String id, FileSignatures.Right right) {
  }

  private void handle(RoutingContext ctx) {
    ctx.request().pause();
    HttpMethod method = ctx.request().method();
    FileSignatures.Right needed;
    if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
      needed = FileSignatures.Right.READ;
    } else if (method == HttpMethod.PUT || method == HttpMethod.POST) {
      needed = FileSignatures.Right.WRITE;
    } else {
      throw new ClientError(405, "signed file URLs take GET, PUT or POST");
    }
    Signed signed = signed(ctx.request().uri());
    if (signed.right() != needed) {
      refuse("a " + signed.right().wireName() + " URL does not allow " + method.name());
    }
    files.records().file(signed.id())
        .compose(file -> file == null ? Future.failedFuture(forbidden("no such file")) : Future.succeededFuture(file))
        .onSuccess(file -> {
          if (needed == FileSignatures.Right.READ) {
            send(ctx, file);
          } else {
            store(ctx, file);
          }
        })
        .onFailure(ctx::fail);
  }

  /** The file id and right of a valid, unexpired signed URL; 403 for anything else. */
  private Signed signed(String uri) {
    var matcher = SIGNED.matcher(uri);
    if (!matcher.matches()) {
      refuse("not a signed file URL");
    }
    String id = matcher.group(1);
    var right = FileSignatures.Right.of(matcher.group(2));
    long expires = Long.parseLong(matcher.group(3));
    if (!files.signed(id, right, expires, matcher.group(4))) {
      refuse("the signature does not match the URL");
    }
    if (expires <= java.time.Instant.now().getEpochSecond()) {
      refuse("the URL expired");
    }
    return new Signed(id, right);
  }

  private void send(RoutingContext ctx, StoredFile file) {
    if (!file.stored()) {
      ctx.fail(ClientError.notFound("file " + file.id() + " has no content yet"));
      return;
    }
    files.blobs().read(file.id()).onSuccess(stream -> {
      ctx.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
          .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(file.size()))
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .putHeader("X-Content-SHA256", file.sha256());
      if (ctx.request().method() == HttpMethod.HEAD) {
        ctx.response().end();
        return;
      }
      stream.pipeTo(ctx.response()).onFailure(e -> LOG.warn("sending file {} failed: {}", file.id(), e.getMessage()));
    }).onFailure(e -> ctx.fail(e instanceof NoSuchFileException
        ? ClientError.notFound("file " + file.id() + " has no content")
        : e));
  }

  private void store(RoutingContext ctx, StoredFile file) {
    files.fill(ctx.request(), file)
        .compose(stored -> (stored.machine() == null ? Future.<Void>succeededFuture()
            : files.records().transfer(stored.id(), stored.machine(), FileRecords.UPLOADED, null)).map(stored))
        .onSuccess(stored -> {
          LOG.info("file {} ({}, {} bytes) written through its signed URL", stored.id(), stored.name(), stored.size());
          ctx.response().setStatusCode(201).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
              .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
              .end(new io.vertx.core.json.JsonObject().put("id", stored.id()).put("size", stored.size())
                  .put("sha256", stored.sha256()).encode());
        })
        .onFailure(e -> {
          if (e instanceof ClientError error && error.status() == 413) {
            // the rest of the body is not read: the connection ends with the answer
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ctx.response().endHandler(v -> ctx.request().connection().close());
          }
          ctx.fail(e);
        });
  }

  private static ClientError forbidden(String why) {
    return ClientError.forbidden(why);
  }

  private static void refuse(String why) {
    throw forbidden(why);
  }
}
