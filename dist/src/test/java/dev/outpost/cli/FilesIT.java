package dev.outpost.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.crypto.TlsFiles;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files end to end on a real site on loopback (cloud, connector, a hub linked to it; real TLS
 * everywhere): an admin uploads a file and distributes it to the connector and to the hub, which
 * fetches it through the connector's gateway; both check its SHA-256 and keep it in
 * {@code DATA/files}, and the API shows each verified. A blob altered on the cloud's disk is
 * refused by both, and nothing is written. A diagnostic bundle asked of the connector (and of the
 * hub) arrives as a zip with the identity, the configuration without secrets, and the logs.
 */
class FilesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String LOG_LINE = "a line only the connector's log has";

  @TempDir
  static Path root;
  static LocalSite site;
  static HttpClient http;
  static String token;
  static String connector;
  static String hub;

  @BeforeAll
  static void start() throws Exception {
    site = LocalSite.start(root, 0, 1, 1, null, false);
    connector = site.connector().machine().uid();
    hub = site.hubs().get(0).machine().uid();
    http = HttpClient.newBuilder().sslContext(TlsFiles.anonymousClientContext(TlsFiles.inFolder(root.resolve("cloud")).trustManager()))
        .connectTimeout(Duration.ofSeconds(10)).build();
    var login = JSON.createObjectNode().put("organisation", LocalSite.ORGANISATION).put("user", LocalSite.ADMIN)
        .put("password", site.password());
    token = call("POST", "/api/v1/login", "application/json", JSON.writeValueAsBytes(login), 200).get("token").asText();
    await().atMost(Duration.ofSeconds(20)).until(() -> site.connector().linkedHubs() == 1 && site.connector().channelOpen());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.stop();
    }
  }

  static HttpResponse<byte[]> send(String method, String path, String type, byte[] body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(site.dashboard()).resolve(path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      request.header("Content-Type", type);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static JsonNode call(String method, String path, String type, byte[] body, int expected) throws Exception {
    var response = send(method, path, type, body);
    assertEquals(expected, response.statusCode(), method + " " + path + ": " + new String(response.body(), StandardCharsets.UTF_8));
    return JSON.readTree(response.body());
  }

  static String upload(String name, byte[] content) throws Exception {
    return call("POST", "/api/v1/files?name=" + name, "application/octet-stream", content, 201).get("id").asText();
  }

  static void distribute(String id, String... machines) throws Exception {
    var body = JSON.createObjectNode();
    body.putArray("machines").addAll(Stream.of(machines).map(JSON.getNodeFactory()::textNode).toList());
    var answer = call("POST", "/api/v1/files/" + id + "/distribute", "application/json", JSON.writeValueAsBytes(body), 202);
    answer.get("transfers").forEach(t -> assertEquals("sent", t.get("state").asText(), answer.toString()));
  }

  /** machine uid → transfer, once every listed machine has left "sent". */
  static Map<String, JsonNode> transfers(String id, int machines) {
    var result = new HashMap<String, JsonNode>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      result.clear();
      call("GET", "/api/v1/files/" + id, null, null, 200).get("transfers").forEach(t -> result.put(t.get("machine").asText(), t));
      return result.size() == machines && result.values().stream().noneMatch(t -> t.get("state").asText().equals("sent"));
    });
    return result;
  }

  static Path dataDir(String uid) {
    return uid.equals(connector) ? root.resolve("connector") : root.resolve("hub-1");
  }

  @Test
  void aDistributedFileReachesTheConnectorAndItsHubVerified() throws Exception {
    byte[] content = "thresholds for the whole site\n".repeat(100).getBytes(StandardCharsets.UTF_8);
    String id = upload("site.conf", content);
    long forwarded = site.connector().filesForwarded();
    distribute(id, connector, hub);
    var done = transfers(id, 2);
    assertTrue(site.connector().filesForwarded() > forwarded, "the hub fetched through its connector's gateway");
    for (String uid : List.of(connector, hub)) {
      assertEquals("verified", done.get(uid).get("state").asText(), done.toString());
      assertArrayEquals(content, Files.readAllBytes(dataDir(uid).resolve("files").resolve("site.conf")), uid);
    }
  }

  @Test
  void aBlobAlteredOnTheCloudsDiskIsRefusedAndNothingIsWritten() throws Exception {
    String id = upload("tampered.conf", "the real content".getBytes(StandardCharsets.UTF_8));
    Files.write(root.resolve("cloud").resolve("blobs").resolve(id), "the altered content".getBytes(StandardCharsets.UTF_8));
    distribute(id, connector, hub);
    var done = transfers(id, 2);
    for (String uid : List.of(connector, hub)) {
      assertEquals("failed", done.get(uid).get("state").asText(), done.toString());
      assertTrue(done.get(uid).get("reason").asText().contains("SHA-256"), done.toString());
      assertFalse(done.get(uid).get("reason").asText().contains("sig="), "no signature in the reason: " + done);
      Path files = dataDir(uid).resolve("files");
      if (Files.isDirectory(files)) {
        try (var list = Files.list(files)) {
          assertTrue(list.noneMatch(f -> f.getFileName().toString().startsWith("tampered")), "nothing written on " + uid);
        }
      }
    }
  }

  @Test
  void theConnectorsBundleHasItsIdentityConfigurationAndLogsButNoSecret() throws Exception {
    Files.writeString(root.resolve("connector").resolve("connector.log"), "2026-11-30 INFO " + LOG_LINE + "\n");
    var zip = bundle(connector);
    JsonNode identity = JSON.readTree(zip.get("identity.json"));
    assertEquals(connector, identity.get("uid").asText());
    assertEquals("connector", identity.get("role").asText());
    assertTrue(identity.get("certificateExpires").asText().startsWith("20"), identity.toString());
    JsonNode config = JSON.readTree(zip.get("config.json"));
    assertEquals("(removed)", config.get("token").asText(), "the enrolment token is removed: " + config);
    assertTrue(new String(zip.get("logs/connector.log"), StandardCharsets.UTF_8).contains(LOG_LINE), zip.keySet().toString());
    // the doctor's report, run by the connector as it built the bundle
    String doctor = new String(zip.get("sections/doctor.txt"), StandardCharsets.UTF_8);
    assertTrue(doctor.lines().anyMatch(line -> line.startsWith("OK") && line.contains("127.0.0.1")), doctor);
    assertNoSecrets(zip, root.resolve("connector"));
  }

  @Test
  void aHubSendsItsBundleThroughTheConnector() throws Exception {
    var zip = bundle(hub);
    assertEquals(hub, JSON.readTree(zip.get("identity.json")).get("uid").asText());
    assertTrue(zip.containsKey("sections/doctor.txt"), zip.keySet().toString());
    assertNoSecrets(zip, root.resolve("hub-1"));
  }

  @Test
  void theGatewayPassesOnlySignedFileRequestsOfEnrolledHubs() throws Exception {
    String id = upload("gateway.conf", "x".getBytes(StandardCharsets.UTF_8));
    var signer = dev.outpost.crypto.FileSignatures.loadOrCreate(root.resolve("cloud").resolve("files.key"));
    long expires = java.time.Instant.now().plusSeconds(600).getEpochSecond();
    String url = "/files/v1/" + id + "?right=read&expires=" + expires + "&sig=" + signer.sign(id, dev.outpost.crypto.FileSignatures.Right.READ, expires);
    var vertx = io.vertx.core.Vertx.vertx();
    try {
      var trust = new io.vertx.core.net.PemTrustOptions().addCertPath(root.resolve("cloud").resolve("ca.pem").toString());
      var stranger = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setSsl(true).setVerifyHost(false).setTrustOptions(trust));
      var hubFiles = TlsFiles.inFolder(root.resolve("hub-1"));
      var enrolled = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setSsl(true).setVerifyHost(false).setTrustOptions(trust)
          .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions().setKeyPath(hubFiles.key().toString())
              .setCertPath(hubFiles.certificate().toString())));
      assertEquals(403, status(stranger, url), "no certificate, no forwarding");
      assertEquals(200, status(enrolled, url), "an enrolled hub's signed request is passed on");
      assertEquals(403, status(enrolled, "/files/v1/" + id + "/..%2F..%2Fapi%2Fv1%2Ffiles"), "not a signed URL");
      assertEquals(403, status(enrolled, url.replace("sig=", "sig=x")), "the cloud refuses an altered signature");
      assertEquals(404, status(enrolled, "/api/v1/files"), "nothing but /files/ is passed on");
    } finally {
      vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  static int status(io.vertx.core.http.HttpClient client, String uri) throws Exception {
    var options = new io.vertx.core.http.RequestOptions().setHost(LocalSite.LOOPBACK).setPort(site.connector().lanPort()).setURI(uri);
    return client.request(options).compose(request -> request.send()).map(io.vertx.core.http.HttpClientResponse::statusCode)
        .await(20, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Asks the machine for its bundle; its entries once it arrived. */
  static Map<String, byte[]> bundle(String uid) throws Exception {
    var asked = call("POST", "/api/v1/machines/" + uid + "/bundle", null, null, 202);
    String id = asked.get("id").asText();
    assertEquals("uploaded", transfers(id, 1).get(uid).get("state").asText());
    assertEquals("stored", call("GET", "/api/v1/files/" + id, null, null, 200).get("state").asText());
    var download = send("GET", "/api/v1/files/" + id + "/content", null, null);
    assertEquals(200, download.statusCode());
    var entries = new HashMap<String, byte[]>();
    try (var in = new ZipInputStream(new ByteArrayInputStream(download.body()))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        entries.put(entry.getName(), in.readAllBytes());
      }
    }
    assertTrue(entries.containsKey("identity.json") && entries.containsKey("config.json"), entries.keySet().toString());
    return entries;
  }

  /** No entry holds a private key, the machine's key file, the admin password or an enrolment token. */
  static void assertNoSecrets(Map<String, byte[]> zip, Path dataDir) throws Exception {
    String key = Files.readString(dataDir.resolve("identity.key")).strip();
    String keyBody = key.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    for (var entry : zip.entrySet()) {
      String text = new String(entry.getValue(), StandardCharsets.UTF_8);
      assertFalse(text.contains("PRIVATE KEY"), entry.getKey());
      assertFalse(text.contains(keyBody), entry.getKey() + " holds the machine's key");
      assertFalse(text.contains(site.password()), entry.getKey() + " holds the admin password");
      assertFalse(text.matches("(?s).*\"token\"\\s*:\\s*\"(?!\\(removed\\))[^\"]+\".*"), entry.getKey() + " holds a token: " + text);
    }
  }
}
