package dev.outpost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.crypto.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.X509TrustManager;

/**
 * The admin's side of the cloud's REST API, as the demo needs it: log in, find or create a site,
 * make enrolment tokens, list and approve machines that wait. It uses the public API only, the
 * same calls an admin makes with curl or the dashboard.
 */
final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final URI base;
  private final String token;

  private AdminClient(HttpClient http, URI base, String token) {
    this.http = http;
    this.base = base;
    this.token = token;
  }

  static AdminClient login(URI base, X509TrustManager trust, String organisation, String user, String password) {
    var http = HttpClient.newBuilder()
        .sslContext(TlsFiles.anonymousClientContext(trust))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    var body = JSON.createObjectNode().put("organisation", organisation).put("user", user).put("password", password);
    var answer = call(http, HttpRequest.newBuilder(base.resolve("/api/v1/login")), "POST", body, 200);
    return new AdminClient(http, base, answer.get("token").asText());
  }

  /** The id of the site with this name; made if there is none. */
  int site(String name) {
    for (JsonNode site : get("/api/v1/sites")) {
      if (site.get("name").asText().equals(name)) {
        return site.get("id").asInt();
      }
    }
    return post("/api/v1/sites", JSON.createObjectNode().put("name", name), 201).get("id").asInt();
  }

  /** A new enrolment token of the site for a connector (one-time) or for hubs. */
  String enrolmentToken(int site, String role) {
    return enrolmentToken(site, role, null);
  }

  String enrolmentToken(int site, String role, Integer validHours) {
    var body = JSON.createObjectNode().put("role", role);
    if (validHours != null) {
      body.put("validHours", validHours);
    }
    return post("/api/v1/sites/" + site + "/tokens", body, 201).get("token").asText();
  }

  /** Whether a machine with this uid waits for approval. */
  boolean pending(String uid) {
    for (JsonNode machine : get("/api/v1/machines?state=pending")) {
      if (machine.get("uid").asText().equals(uid)) {
        return true;
      }
    }
    return false;
  }

  void approve(String uid) {
    post("/api/v1/machines/" + uid + "/approve", JSON.createObjectNode(), 200);
  }

  void move(String hub, String connector) {
    post("/api/v1/machines/" + hub + "/move", JSON.createObjectNode().put("connector", connector), 200);
  }

  void revoke(String uid) {
    post("/api/v1/machines/" + uid + "/revoke", JSON.createObjectNode(), 200);
  }

  /** Why the machine is away ({@code shutdown} or {@code lost}), or null while it is online or unknown. */
  String offline(String uid) {
    for (JsonNode machine : get("/api/v1/machines")) {
      if (machine.get("uid").asText().equals(uid)) {
        return machine.get("offline").isNull() ? null : machine.get("offline").asText();
      }
    }
    return null;
  }

  /** The machine as {@code GET /api/v1/machines/{uid}} shows it. */
  JsonNode machine(String uid) {
    return get("/api/v1/machines/" + uid);
  }

  /** The machine's enrolment state ({@code approved}, {@code revoked}, …), or null. */
  String state(String uid) {
    for (String state : new String[] {"approved", "pending", "rejected", "revoked"}) {
      for (JsonNode machine : get("/api/v1/machines?state=" + state)) {
        if (machine.get("uid").asText().equals(uid)) {
          return state;
        }
      }
    }
    return null;
  }

  /** Makes a user of the organisation. */
  void createUser(String name, String password, boolean admin, boolean support) {
    post("/api/v1/users", JSON.createObjectNode().put("name", name).put("password", password).put("admin", admin)
        .put("support", support), 201);
  }

  /** The audit of remote sessions, newest first. */
  JsonNode sessions() {
    return get("/api/v1/sessions");
  }

  /** Connections the relays refused, newest first. */
  JsonNode relayRefusals() {
    return get("/api/v1/relays/refusals");
  }

  private JsonNode get(String path) {
    return call(http, request(path), "GET", null, 200);
  }

  private JsonNode post(String path, ObjectNode body, int expected) {
    return call(http, request(path), "POST", body, expected);
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token);
  }

  private static JsonNode call(HttpClient http, HttpRequest.Builder request, String method, ObjectNode body, int expected) {
    request.timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
    if (body != null) {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      var built = request.build();
      var response = http.send(built, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expected) {
        throw new UserError(method + " " + built.uri().getPath() + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UserError("the cloud's API at " + request.build().uri().getHost() + " is not reachable: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
