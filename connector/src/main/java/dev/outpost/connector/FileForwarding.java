package dev.outpost.connector;

import dev.outpost.transport.Dialer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LAN gateway's one forwarding endpoint: a linked hub's signed file request
 * ({@code GET|PUT|POST /files/v1/ID?…}) goes on to the cloud through the connector's dialer,
 * unchanged — the signature is its authorisation, the connector adds nothing (no certificate of its
 * own is needed by the cloud for it) — and the cloud's answer comes back. Only enrolled hubs of the
 * organisation (certificate checked like on the link, not revoked) may use it, only for paths of
 * exactly that form, and bodies up to {@link #MAX_BYTES}; anything else is refused here. Bodies are
 * held in memory on their way, so at most {@link #AT_ONCE} requests pass at a time; more are
 * answered 503 with {@code Retry-After}.
 */
final class FileForwarding {
  static final String PREFIX = "/files/";
  /** As much as the dialer reads in one answer, and as much as the cloud takes by default. */
  static final long MAX_BYTES = 16L << 20;
  /** Requests passed on at the same time. */
  static final int AT_ONCE = 4;
  private static final Pattern SIGNED = Pattern.compile("/files/v1/[0-9a-f]{32}\\?[A-Za-z0-9=&_.%-]{1,400}");
  private static final Logger log = LoggerFactory.getLogger(FileForwarding.class);

  private final Dialer dialer;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicInteger passing = new AtomicInteger();

  FileForwarding(Dialer dialer) {
    this.dialer = dialer;
  }

  /**
   * Forwards the request, or refuses it.
   *
   * @param hub the uid of the enrolled hub that sent it, or null for anyone else
   */
  void forward(Vertx vertx, HttpServerRequest request, String hub) {
    var method = request.method();
    if (hub == null) {
      answer(request, 403, "only enrolled hubs may fetch files through this connector");
      return;
    }
    if (method != HttpMethod.GET && method != HttpMethod.PUT && method != HttpMethod.POST) {
      answer(request, 405, "signed file URLs take GET, PUT or POST");
      return;
    }
    if (!SIGNED.matcher(request.uri()).matches()) {
      answer(request, 403, "not a signed file URL");
      return;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19 && Long.parseLong(length) > MAX_BYTES) {
      answer(request, 413, "files are at most " + MAX_BYTES + " bytes");
      return;
    }
    if (passing.incrementAndGet() > AT_ONCE) {
      passing.decrementAndGet();
      request.response().putHeader("Retry-After", "5");
      answer(request, 503, "the connector passes " + AT_ONCE + " file requests at a time; try again shortly");
      return;
    }
    var released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        passing.decrementAndGet();
      }
    };
    request.response().endHandler(v -> release.run());
    request.response().closeHandler(v -> release.run());
    var body = Buffer.buffer();
    request.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BYTES) {
        request.pause();
        answer(request, 413, "files are at most " + MAX_BYTES + " bytes");
        request.connection().close();
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> {
      if (request.response().ended()) {
        return;
      }
      byte[] bytes = method == HttpMethod.GET ? null : body.getBytes();
      String type = bytes == null ? null : "application/octet-stream";
      vertx.executeBlocking(() -> dialer.send(method.name(), request.uri(), type, bytes, Map.of()), false)
          .onSuccess(answer -> {
            forwarded.incrementAndGet();
            log.debug("hub {}: {} {} answered {}", hub, method, request.path(), answer.status());
            var response = request.response().setStatusCode(answer.status());
            String contentType = answer.headers().get("Content-Type");
            if (contentType != null) {
              response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
            }
            response.end(Buffer.buffer(answer.body()));
          })
          .onFailure(e -> {
            // the dialer's message names the request: without its query, which holds the signature
            String why = String.valueOf(e.getMessage()).replace(request.uri(), request.path());
            log.warn("hub {}: the cloud did not answer a file request: {}", hub, why);
            answer(request, 502, "the cloud did not answer: " + why);
          });
    });
  }

  /** Requests passed on to the cloud (and answered by it) since start. */
  long forwarded() {
    return forwarded.get();
  }

  private static void answer(HttpServerRequest request, int status, String message) {
    if (!request.response().ended()) {
      request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("error", message).put("status", status).encode());
    }
  }
}
