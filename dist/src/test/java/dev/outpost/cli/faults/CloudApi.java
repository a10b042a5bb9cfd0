package dev.outpost.cli.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.crypto.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The cloud's public HTTP surface as an admin and a monitoring system use it: readiness, the REST
 * API (login, sites, tokens, machines, sensors) and {@code /metrics}. Trusts the cloud's CA from its
 * data folder, nothing else.
 */
final class CloudApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  /** Requests in flight at once when configuring many sensors. */
  private static final int PARALLEL = 16;

  private final HttpClient http;
  private final URI base;
  private String token;

  CloudApi(Path cloudDataDir, int port) {
    this.http = HttpClient.newBuilder()
        .sslContext(TlsFiles.anonymousClientContext(TlsFiles.inFolder(cloudDataDir).trustManager()))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    this.base = URI.create("https://127.0.0.1:" + port);
  }

  /** True when {@code /health/ready} answers 200 (the database answers). */
  boolean ready() {
    try {
      return http.send(HttpRequest.newBuilder(base.resolve("/health/ready")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  void login(String organisation, String user, String password) {
    var body = JSON.createObjectNode().put("organisation", organisation).put("user", user).put("password", password);
    token = call("POST", "/api/v1/login", body, 200).get("token").asText();
  }

  /** Makes a site; its id. */
  int site(String name) {
    return call("POST", "/api/v1/sites", JSON.createObjectNode().put("name", name), 201).get("id").asInt();
  }

  /** A new enrolment token of the site ({@code connector}: one-time; {@code hub}: for many hubs). */
  String enrolmentToken(int site, String role) {
    return call("POST", "/api/v1/sites/" + site + "/tokens", JSON.createObjectNode().put("role", role), 201)
        .get("token").asText();
  }

  /** The machines of the organisation, as {@code GET /api/v1/machines} lists them. */
  JsonNode machines() {
    return call("GET", "/api/v1/machines", null, 200);
  }

  boolean knows(String uid) {
    for (JsonNode machine : machines()) {
      if (machine.get("uid").asText().equals(uid)) {
        return true;
      }
    }
    return false;
  }

  /** The ids of the machine's sensors as managed centrally. */
  List<String> sensorIds(String uid) {
    var ids = new ArrayList<String>();
    call("GET", "/api/v1/machines/" + uid + "/sensors", null, 200).forEach(s -> ids.add(s.get("id").asText()));
    return ids;
  }

  /** Sets sensors of the machine (one {@code PUT} each, a few in parallel). */
  void putSensors(String uid, List<String> ids, Function<String, ObjectNode> sensor) {
    parallel(ids, id -> request("PUT", "/api/v1/machines/" + uid + "/sensors/" + id, sensor.apply(id), 200));
  }

  /** Deletes sensors of the machine (one {@code DELETE} each, a few in parallel). */
  void deleteSensors(String uid, List<String> ids) {
    parallel(ids, id -> request("DELETE", "/api/v1/machines/" + uid + "/sensors/" + id, null, 204));
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A counter or gauge of {@code GET /metrics} (Prometheus text), or -1 when the cloud does not answer. */
  double metric(String name) {
    try {
      var response = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return -1;
      }
      for (String line : response.body().split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
      throw new IllegalStateException("no metric " + name + " in /metrics");
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void parallel(List<String> ids, Function<String, CompletableFuture<JsonNode>> call) {
    var permits = new Semaphore(PARALLEL);
    var all = new ArrayList<CompletableFuture<JsonNode>>();
    for (String id : ids) {
      permits.acquireUninterruptibly();
      all.add(call.apply(id).whenComplete((r, e) -> permits.release()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  private JsonNode call(String method, String path, ObjectNode body, int expected) {
    try {
      return request(method, path, body, expected).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private CompletableFuture<JsonNode> request(String method, String path, ObjectNode body, int expected) {
    var request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Accept", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      if (response.statusCode() != expected) {
        throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      try {
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
      } catch (IOException e) {
        throw new IllegalStateException(method + " " + path + " answered unreadable JSON: " + response.body(), e);
      }
    });
  }
}
