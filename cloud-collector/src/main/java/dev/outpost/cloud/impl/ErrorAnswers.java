package dev.outpost.cloud.impl;

import dev.outpost.protocol.WireFormatException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns failures into HTTP answers ({@code {"error": "...", "status": N}}) and
 * log lines: client errors at debug level, server errors at error level with their stack trace.
 */
public final class ErrorAnswers {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorAnswers.class);

  private ErrorAnswers() {
  }

  /** Failure handler for a router. */
  public static void handle(RoutingContext ctx) {
    var failure = ctx.failure();
    var error = classify(failure, ctx.statusCode());
    if (error instanceof Unavailable) {
      LOG.warn("{} {} answered {}: {}", ctx.request().method(), ctx.request().path(), error.status(), error.getMessage());
    } else if (error.status() >= 500) {
      LOG.error("{} {} failed: {}", ctx.request().method(), ctx.request().path(), error.getMessage(),
          failure == null ? error : failure);
    } else {
      LOG.debug("{} {} answered {}: {}", ctx.request().method(), ctx.request().path(), error.status(), error.getMessage());
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    long retryAfter = error instanceof ClientError client ? client.retryAfterSeconds()
        : error instanceof Unavailable unavailable ? unavailable.retryAfterSeconds() : 0;
    if (retryAfter > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(retryAfter));
    }
    boolean shown = error.status() < 500 || error instanceof Unavailable;
    send(ctx, error.status(), shown ? error.getMessage() : "internal error, see the server log");
  }

  /** Sends an error answer. */
  public static void send(RoutingContext ctx, int status, String message) {
    var body = new JsonObject().put("error", message).put("status", status).encode();
    var response = ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (status == 401 && ctx.request().path().startsWith("/api/")) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.end(body);
  }

  /** The failure as a {@link CloudException}. */
  public static CloudException classify(Throwable failure, int statusCode) {
    if (failure instanceof CloudException e) {
      return e;
    }
    if (failure instanceof WireFormatException e) {
      return ClientError.badRequest(e.getMessage());
    }
    if (failure instanceof HttpException e) {
      return fromStatus(e.getStatusCode(), e.getPayload());
    }
    if (failure == null) {
      return fromStatus(statusCode, null);
    }
    return new ServerError(failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage(), failure);
  }

  private static CloudException fromStatus(int status, String payload) {
    if (status >= 400 && status < 500) {
      return new ClientError(status, payload != null && !payload.isBlank() ? payload : describe(status));
    }
    return new ServerError(payload != null ? payload : "status " + status, null);
  }

  private static String describe(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "authentication required";
      case 403 -> "forbidden";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      case 415 -> "unsupported content type";
      default -> "request failed with status " + status;
    };
  }
}
