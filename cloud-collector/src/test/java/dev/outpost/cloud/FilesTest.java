package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.FileSignatures;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.FileTask;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files against a real cloud: uploads and downloads through the API, a distribution and a bundle
 * request over a connector's command channel, and the signed URL endpoint, which refuses
 * everything but exactly the signed right on the signed file before it is expired (403), and any
 * upload above the limit (413), leaving nothing on disk or in the database.
 */
class FilesTest {
  static final MachineRef CONNECTOR = new MachineRef("conn-f", "Connector F", Role.CONNECTOR);
  static final long MAX_BYTES = 4096;

  @TempDir
  static Path dir;
  static TestCloud test;
  static TestCloud.Device connector;
  static WebSocket channel;
  static final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  /** A raw client: sends paths exactly as given, trusts the cloud, presents no certificate. */
  static HttpClient raw;

  @BeforeAll
  static void start() throws Exception {
    test = TestCloud.start(new CloudConfig(dir, "127.0.0.1", 0,
        new CloudConfig.Bootstrap(TestCloud.ORGANISATION, TestCloud.USER, TestCloud.PASSWORD), null, null, null, null, null,
        new CloudConfig.Files(null, null, MAX_BYTES)));
    connector = test.connector(CONNECTOR.uid(), dir.resolve("machines").resolve(CONNECTOR.uid()));
    channel = test.channel(connector, text -> frames.add(new JsonObject(text)));
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION, CONNECTOR, List.of())));
    frame("configure");
    raw = test.vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve("ca.pem").toString())));
  }

  @AfterAll
  static void stop() throws Exception {
    if (test != null) {
      test.close();
    }
  }

  static JsonObject frame(String type) throws InterruptedException {
    while (true) {
      JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
      assertNotNull(frame, "no " + type + " frame on the command channel");
      if (type.equals(frame.getString("type"))) {
        return frame;
      }
    }
  }

  record Answer(int status, Buffer body) {
  }

  static Answer send(HttpMethod method, String uri, Buffer body) throws Exception {
    var options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(test.cloud.port()).setURI(uri);
    return TestCloud.await(raw.request(options).compose(request -> (body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(b -> new Answer(response.statusCode(), b)))));
  }

  static JsonObject upload(String name, byte[] content) throws Exception {
    var answer = TestCloud.await(test.client.post("/api/v1/files").addQueryParam("name", name).bearerTokenAuthentication(test.token)
        .putHeader("Content-Type", "application/octet-stream").sendBuffer(Buffer.buffer(content)));
    assertEquals(201, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Every blob and draft on disk. */
  static Set<String> onDisk() throws Exception {
    try (var files = Files.walk(dir.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).map(p -> dir.resolve("blobs").relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  static JsonObject file(String id) throws Exception {
    var answer = test.get("/api/v1/files/" + id);
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject();
  }

  @Test
  void anUploadedFileIsListedDownloadedAndDistributedWithItsHash() throws Exception {
    byte[] content = "settings for every machine\n".repeat(20).getBytes();
    JsonObject uploaded = upload("site.conf", content);
    assertEquals(sha256(content), uploaded.getString("sha256"));
    assertEquals(content.length, uploaded.getLong("size"));
    assertEquals("stored", uploaded.getString("state"));
    String id = uploaded.getString("id");
    assertTrue(FileTask.isFileId(id), id);
    assertTrue(onDisk().contains(id), "the blob is in the folder store: " + onDisk());

    var listed = test.get("/api/v1/files").bodyAsJsonArray();
    assertTrue(listed.stream().map(JsonObject.class::cast).anyMatch(f -> f.getString("id").equals(id)), listed.encode());
    var download = TestCloud.await(test.client.get("/api/v1/files/" + id + "/content").bearerTokenAuthentication(test.token).send());
    assertEquals(200, download.statusCode());
    assertArrayEquals(content, download.body().getBytes());
    assertEquals(401, TestCloud.await(test.client.get("/api/v1/files/" + id + "/content").send()).statusCode());

    // distribution: the connector gets a task with a read URL and the hash; a machine it cannot reach fails at once
    var distributed = test.post("/api/v1/files/" + id + "/distribute", new JsonObject().put("machines", List.of(CONNECTOR.uid())));
    assertEquals(202, distributed.statusCode(), distributed.bodyAsString());
    var task = Wire.fromJson(frame("file").encode(), ChannelMessage.File.class).task();
    assertEquals(FileTask.FETCH, task.action());
    assertEquals(sha256(content), task.sha256());
    assertEquals("site.conf", task.name());
    assertEquals("sent", file(id).getJsonArray("transfers").getJsonObject(0).getString("state"));
    var fetched = send(HttpMethod.GET, task.url(), null);
    assertEquals(200, fetched.status());
    assertArrayEquals(content, fetched.body().getBytes());
    long expires = Long.parseLong(task.url().replaceAll(".*expires=([0-9]+).*", "$1"));
    assertTrue(Math.abs(expires - Instant.now().plus(Duration.ofDays(30)).getEpochSecond()) < 60, "valid 30 days by default");

    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.FileDone(new FileOutcome(id, CONNECTOR.uid(), true, null))));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
        "verified".equals(file(id).getJsonArray("transfers").getJsonObject(0).getString("state")));
    // an outcome for a machine the connector does not serve changes nothing
    channel.writeTextMessage(Wire.toJsonString(new ChannelMessage.FileDone(new FileOutcome(id, "someone-else", false, "x"))));
    assertEquals(1, file(id).getJsonArray("transfers").size());

    var nobody = test.post("/api/v1/files/" + id + "/distribute", new JsonObject().put("machines", List.of("nobody")));
    assertEquals(404, nobody.statusCode(), nobody.bodyAsString());
    assertEquals(404, test.get("/api/v1/files/" + "0".repeat(32)).statusCode());
  }

  @Test
  void aBundleIsWrittenOnceThroughItsWriteUrl() throws Exception {
    var asked = test.post("/api/v1/machines/" + CONNECTOR.uid() + "/bundle", new JsonObject());
    assertEquals(202, asked.statusCode(), asked.bodyAsString());
    String id = asked.bodyAsJsonObject().getString("id");
    assertEquals("waiting", asked.bodyAsJsonObject().getString("state"));
    var task = Wire.fromJson(frame("file").encode(), ChannelMessage.File.class).task();
    assertEquals(FileTask.BUNDLE, task.action());
    assertEquals(id, task.file());
    assertTrue(task.url().contains("right=write"), task.url());

    assertEquals(403, send(HttpMethod.GET, task.url(), null).status(), "a write URL does not read");
    byte[] zip = "PK fake bundle".getBytes();
    var written = send(HttpMethod.PUT, task.url(), Buffer.buffer(zip));
    assertEquals(201, written.status(), written.body().toString());
    JsonObject stored = file(id);
    assertEquals("stored", stored.getString("state"));
    assertEquals(sha256(zip), stored.getString("sha256"));
    assertEquals("uploaded", stored.getJsonArray("transfers").getJsonObject(0).getString("state"));
    var again = send(HttpMethod.PUT, task.url(), Buffer.buffer("replaced".getBytes()));
    assertEquals(409, again.status(), again.body().toString());
    var download = TestCloud.await(test.client.get("/api/v1/files/" + id + "/content").bearerTokenAuthentication(test.token).send());
    assertArrayEquals(zip, download.body().getBytes(), "the first upload stays");

    assertEquals(404, test.post("/api/v1/machines/nobody/bundle", new JsonObject()).statusCode());
  }

  @Test
  void everyBadUrlIsRefusedAndNothingIsWritten() throws Exception {
    JsonObject uploaded = upload("target.bin", "original".getBytes());
    String readable = uploaded.getString("id");
    var asked = test.post("/api/v1/machines/" + CONNECTOR.uid() + "/bundle", new JsonObject());
    assertEquals(202, asked.statusCode(), asked.bodyAsString());
    var task = Wire.fromJson(frame("file").encode(), ChannelMessage.File.class).task();
    String waiting = task.file();
    String write = task.url();
    var signer = FileSignatures.loadOrCreate(dir.resolve("files.key"));
    long future = Instant.now().plusSeconds(3600).getEpochSecond();
    String read = "/files/v1/" + readable + "?right=read&expires=" + future + "&sig=" + signer.sign(readable, FileSignatures.Right.READ, future);
    assertEquals(200, send(HttpMethod.GET, read, null).status(), "the read URL itself works");
    Set<String> before = onDisk();
    Buffer body = Buffer.buffer("evil".getBytes());

    long past = Instant.now().minusSeconds(1).getEpochSecond();
    String expiredWrite = "/files/v1/" + waiting + "?right=write&expires=" + past + "&sig=" + signer.sign(waiting, FileSignatures.Right.WRITE, past);
    String expiredRead = "/files/v1/" + readable + "?right=read&expires=" + past + "&sig=" + signer.sign(readable, FileSignatures.Right.READ, past);
    var forger = FileSignatures.loadOrCreate(dir.resolve("other.key"));
    String forged = "/files/v1/" + waiting + "?right=write&expires=" + future + "&sig=" + forger.sign(waiting, FileSignatures.Right.WRITE, future);
    String sig = write.substring(write.indexOf("&sig=") + 5);
    long expires = Long.parseLong(write.replaceAll(".*expires=([0-9]+).*", "$1"));

    var refusedWrites = List.of(
        expiredWrite,
        forged,
        write.replace("expires=" + expires, "expires=" + (expires + 1)),                    // altered expiry
        write.replace(waiting, readable),                                                  // altered file
        write.substring(0, write.length() - 2) + (write.endsWith("AA") ? "AB" : "AA"),     // altered signature
        read,                                                                              // read URL used to write
        read.replace("right=read", "right=write"),                                         // right changed
        write.replace("/files/v1/" + waiting, "/files/v1/" + waiting + "/..%2F" + readable),
        write.replace("/files/v1/" + waiting, "/files/v1/..%2Fcloud%2Foutpost.mv.db"),
        write.replace("/files/v1/" + waiting, "/files/v1/%2e%2e/" + waiting),
        write.replace("/files/v1/" + waiting, "/files/v1/" + waiting + "%2F"),
        write.replace("/files/v1/" + waiting, "/files/v1/" + waiting.toUpperCase()),
        write.replace("/files/v1/" + waiting, "/files/v1/tmp/" + waiting),
        write + "&right=read",
        write.replace("?", "/?"),
        "/files/v1/" + waiting);
    for (String uri : refusedWrites) {
      for (HttpMethod method : List.of(HttpMethod.PUT, HttpMethod.POST)) {
        var answer = send(method, uri, body);
        assertEquals(403, answer.status(), method + " " + uri + ": " + answer.body());
        assertFalse(answer.body().toString().contains(sig), "the answer does not echo the signature");
      }
    }
    for (String uri : List.of(expiredRead, read.replace("sig=", "sig=A").substring(0, read.length()),
        read.replace("expires=" + future, "expires=" + (future + 10)), write, "/files/v1/" + readable,
        read.replace("/files/v1/" + readable, "/files/v1/..%2F" + readable))) {
      assertEquals(403, send(HttpMethod.GET, uri, null).status(), "GET " + uri);
    }

    // over the limit: with a length, and chunked without one
    var tooLarge = send(HttpMethod.PUT, write, Buffer.buffer(new byte[(int) MAX_BYTES + 1]));
    assertEquals(413, tooLarge.status(), tooLarge.body().toString());
    var options = new RequestOptions().setMethod(HttpMethod.PUT).setHost("127.0.0.1").setPort(test.cloud.port()).setURI(write);
    int chunked = TestCloud.await(raw.request(options).compose(request -> {
      request.setChunked(true);
      for (int i = 0; i < 8; i++) {
        request.write(Buffer.buffer(new byte[1024]));
      }
      return request.end().compose(v -> request.response()).map(r -> r.statusCode());
    }).recover(e -> io.vertx.core.Future.succeededFuture(-1)));
    assertTrue(chunked == 413 || chunked == -1, "a chunked upload over the limit is cut off: " + chunked);
    var apiTooLarge = TestCloud.await(test.client.post("/api/v1/files").addQueryParam("name", "big.bin")
        .bearerTokenAuthentication(test.token).putHeader("Content-Type", "application/octet-stream")
        .sendBuffer(Buffer.buffer(new byte[(int) MAX_BYTES + 1])));
    assertEquals(413, apiTooLarge.statusCode(), apiTooLarge.bodyAsString());
    var badName = TestCloud.await(test.client.post("/api/v1/files").addQueryParam("name", "../x")
        .bearerTokenAuthentication(test.token).putHeader("Content-Type", "application/octet-stream").sendBuffer(body));
    assertEquals(400, badName.statusCode(), badName.bodyAsString());

    Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(before, onDisk(), "no blob and no draft left"));
    assertEquals("waiting", file(waiting).getString("state"), "the waiting file is still waiting");
    assertTrue(test.get("/api/v1/files").bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .noneMatch(f -> f.getString("name").equals("big.bin")), "a refused upload is not listed");
    assertArrayEquals("original".getBytes(), send(HttpMethod.GET, read, null).body().getBytes(), "the file is unchanged");

    // the write URL itself still works afterwards
    assertEquals(201, send(HttpMethod.PUT, write, Buffer.buffer("the bundle".getBytes())).status());
  }

  @Test
  void theUrlSecretIsOwnerOnly() throws Exception {
    var mode = Files.getPosixFilePermissions(dir.resolve("files.key"));
    assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), mode);
  }
}
