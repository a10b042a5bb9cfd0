package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real cloud collector for tests, on 127.0.0.1 with its own CA, and machines enrolled the way
 * real ones are: a site, a token from the API, a signing request to {@code POST /device/v1/enrol},
 * and from then on their certificate on every device call.
 */
public final class TestCloud implements AutoCloseable {
  public static final String ORGANISATION = "acme";
  public static final String USER = "admin";
  public static final String PASSWORD = "correct horse battery";

  public final Vertx vertx;
  public final Path dir;
  public final CloudCollector cloud;
  /** A client for users: trusts the cloud's CA, presents no certificate. */
  public final WebClient client;
  public final String token;
  public final int siteId;

  private TestCloud(Vertx vertx, Path dir, CloudCollector cloud, WebClient client, String token, int siteId) {
    this.vertx = vertx;
    this.dir = dir;
    this.cloud = cloud;
    this.client = client;
    this.token = token;
    this.siteId = siteId;
  }

  public static TestCloud start(Path dir, CloudConfig.Limits limits) throws Exception {
    return start(new CloudConfig(dir, "127.0.0.1", 0, new CloudConfig.Bootstrap(ORGANISATION, USER, PASSWORD), limits, null));
  }

  /**
   * A cloud with this configuration (its bootstrap must be {@link #ORGANISATION}, {@link #USER},
   * {@link #PASSWORD}), logged in, with the site {@code main}; started again on the same data
   * folder it finds what it had.
   */
  public static TestCloud start(CloudConfig config) throws Exception {
    Path dir = config.dataDir();
    var vertx = Vertx.vertx();
    var cloud = await(CloudCollector.start(vertx, config));
    var client = WebClient.create(vertx, new WebClientOptions()
        .setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(dir.resolve(TlsFiles.CA_FILE).toString()))
        .setDefaultHost("127.0.0.1").setDefaultPort(cloud.port()));
    var login = await(client.post("/api/v1/login").sendJsonObject(new JsonObject()
        .put("organisation", ORGANISATION).put("user", USER).put("password", PASSWORD)));
    assertEquals(200, login.statusCode(), login.bodyAsString());
    String token = login.bodyAsJsonObject().getString("token");
    var sites = await(client.get("/api/v1/sites").bearerTokenAuthentication(token).send()).bodyAsJsonArray();
    for (int i = 0; i < sites.size(); i++) {
      if ("main".equals(sites.getJsonObject(i).getString("name"))) {
        return new TestCloud(vertx, dir, cloud, client, token, sites.getJsonObject(i).getInteger("id"));
      }
    }
    var site = await(client.post("/api/v1/sites").bearerTokenAuthentication(token)
        .sendJsonObject(new JsonObject().put("name", "main")));
    assertEquals(201, site.statusCode(), site.bodyAsString());
    return new TestCloud(vertx, dir, cloud, client, token, site.bodyAsJsonObject().getInteger("id"));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.await(60, TimeUnit.SECONDS);
  }

  public HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(path).bearerTokenAuthentication(token).send());
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    return await(client.post(path).bearerTokenAuthentication(token).sendJsonObject(body));
  }

  /** A new enrolment token of the site. */
  public String enrolmentToken(Role role) throws Exception {
    var answer = post("/api/v1/sites/" + siteId + "/tokens", new JsonObject().put("role", role.wireName()));
    assertEquals(201, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject().getString("token");
  }

  /** Asks the cloud to enrol a machine with this uid and keys; the raw answer. */
  public HttpResponse<Buffer> enrol(String uid, KeyPair keys, Role role, String enrolmentToken) throws Exception {
    var request = new Enrolment.Request(Wire.VERSION, enrolmentToken, SigningRequest.create(keys, uid), uid + " name", role);
    return await(client.post("/device/v1/enrol").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(Wire.toJson(request))));
  }

  /** A connector enrolled with a fresh token; its TLS files in {@code folder}. */
  public Device connector(String uid, Path folder) throws Exception {
    return enrolled(uid, Role.CONNECTOR, folder);
  }

  /**
   * A hub enrolled with a fresh hub token, with its own certificate (what it uploads with in
   * fallback); its TLS files in {@code folder}.
   */
  public Device hub(String uid, Path folder) throws Exception {
    return enrolled(uid, Role.HUB, folder);
  }

  /** A relay enrolled with a relay token of the site; its TLS files in {@code folder}. */
  public Device relay(String uid, Path folder) throws Exception {
    return enrolled(uid, Role.RELAY, folder);
  }

  private Device enrolled(String uid, Role role, Path folder) throws Exception {
    var keys = MachineKeys.generate();
    var answer = enrol(uid, keys, role, enrolmentToken(role));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    var enrolled = Wire.fromJson(answer.body().getBytes(), Enrolment.Answer.class);
    Files.createDirectories(folder);
    TlsFiles.write(folder, keys, Pem.decodeCertificates(enrolled.certificate(), "answer"),
        Pem.decodeCertificates(enrolled.ca(), "answer").get(0));
    return new Device(uid, folder, deviceClient(folder));
  }

  /** A client that presents the machine certificate in the folder. */
  public WebClient deviceClient(Path folder) {
    var files = TlsFiles.inFolder(folder);
    return WebClient.create(vertx, new WebClientOptions()
        .setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(files.ca().toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(files.key().toString()).setCertPath(files.certificate().toString()))
        .setDefaultHost("127.0.0.1").setDefaultPort(cloud.port()));
  }

  /** Opens the command channel of an enrolled connector with its certificate; its frames go to {@code frames}. */
  public WebSocket channel(Device connector, Consumer<String> frames) throws Exception {
    return webSocket(connector, "/device/v1/channel", frames);
  }

  /** Opens a WebSocket to {@code path} with the machine's certificate; its frames go to {@code frames}. */
  public WebSocket webSocket(Device machine, String path, Consumer<String> frames) throws Exception {
    var files = TlsFiles.inFolder(machine.folder());
    var webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(files.ca().toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(files.key().toString()).setCertPath(files.certificate().toString())));
    var channel = await(webSockets.connect(new WebSocketConnectOptions().setSsl(true)
        .setHost("127.0.0.1").setPort(cloud.port()).setURI(path)));
    channel.textMessageHandler(frames::accept);
    return channel;
  }

  /** An enrolled machine and its client. */
  public record Device(String uid, Path folder, WebClient client) {
    public HttpResponse<Buffer> upload(byte[] body) throws Exception {
      return await(client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR).sendBuffer(Buffer.buffer(body)));
    }
  }

  @Override
  public void close() throws Exception {
    await(cloud.stop());
    await(vertx.close());
  }
}
