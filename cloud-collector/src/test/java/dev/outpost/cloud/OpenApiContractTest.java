package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.outpost.crypto.MachineKeys;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SigningRequest;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.protocol.Batch;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Measurement;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.State;
import dev.outpost.protocol.Upload;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableResponse;
import io.vertx.openapi.validation.ValidatorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenAPI document the cloud serves ({@code GET /api/v1/openapi.yaml}, without a token) against
 * the real answers of a running cloud: every {@code /api/v1} operation with its success and error
 * answers (sites, enrolment tokens and the approval of machines included), the device enrolment,
 * ingest and command channel, metrics and health. Answers are checked with vertx-openapi's
 * {@link ResponseValidator} (status, documented headers, body schema) against a strict variant of
 * the served document, in which every object schema that lists properties admits no others: a
 * field the server adds, drops, renames or types differently fails here until the document says
 * so. Request bodies the test sends, the upload (in its JSON form; CBOR has the same fields) and
 * the command channel's frames are checked against the document's schemas too.
 */
class OpenApiContractTest {
  static final String ORG = TestCloud.ORGANISATION;
  static final String USER = TestCloud.USER;
  static final String PASSWORD = TestCloud.PASSWORD;
  static final MachineRef CONNECTOR = new MachineRef("conn-1", "Connector One", Role.CONNECTOR);
  static final MachineRef HUB = new MachineRef("hub-1", "Hub One", Role.HUB);
  static final long MAX_API_BODY_BYTES = 2048;
  static final String JSON = "application/json";
  /** Where the hubs that enrol through the connector's channel say they connected from. */
  static final String HUB_ADDRESS = "192.0.2.7";

  @TempDir
  static Path dir;
  static TestCloud test;
  static Vertx vertx;
  static CloudCollector cloud;
  /** Trusts the cloud's CA, presents no certificate: users, and machines before they enrol. */
  static WebClient client;
  static String token;
  /** conn-1, enrolled, with its client certificate. */
  static TestCloud.Device connector;
  static long firstMeasurementMs;

  /** The document as served. */
  static JsonObject document;
  /** The document with closed object schemas, what the answers are checked against. */
  static OpenAPIContract strict;
  /** The document with closed object schemas as JSON Schema, for schemas no operation refers to. */
  static SchemaRepository components;
  static final String DOCUMENT_URI = "app:///openapi.json";
  static WebSocketClient webSockets;
  static WebSocket channel;
  static final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
  /** "operationId status" of every answer checked. */
  static final Set<String> checked = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() throws Exception {
    var limits = new CloudConfig.Limits(4096, MAX_API_BODY_BYTES, 2, null);
    test = TestCloud.start(dir, limits);
    vertx = test.vertx;
    cloud = test.cloud;
    client = test.client;
    token = test.token;
    assertTrue(Files.exists(dir.resolve(TlsFiles.CA_FILE)), "the cloud issued its own TLS certificate and wrote its CA");

    // the document first, so that the enrolments and uploads below are checked against it
    var served = await(client.get("/api/v1/openapi.yaml").send());
    assertEquals(200, served.statusCode(), "the document is served without a token: " + served.bodyAsString());
    assertEquals("application/yaml", mediaType(served.getHeader("Content-Type")));
    document = yaml(served.bodyAsString());
    strict = await(OpenAPIContract.from(vertx, closed(loadable(document.copy()))));
    components = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
        .setBaseUri("app:///").setOutputFormat(OutputFormat.Basic));
    components.dereference(DOCUMENT_URI, JsonSchema.of(closed(document.copy())));

    // conn-1 enrols with a connector token, hub-1 with a hub token (as it would through conn-1)
    connector = test.connector(CONNECTOR.uid(), dir.resolve(CONNECTOR.uid()));
    var hubRequest = enrolmentJson(HUB.uid(), MachineKeys.generate(), Role.HUB, test.enrolmentToken(Role.HUB));
    assertRequestConforms("enrol", hubRequest, true);
    var enrolled = conforms("enrol", enrol(hubRequest));
    assertEquals(200, enrolled.statusCode(), enrolled.bodyAsString());
    assertEquals("approved", enrolled.bodyAsJsonObject().getString("state"), enrolled.bodyAsString());

    firstMeasurementMs = Instant.now().minusSeconds(600).toEpochMilli();
    var batches = uploadOf(HUB, 1, 5, firstMeasurementMs).batches();
    var first = new Upload(CONNECTOR.uid(), batches, System.currentTimeMillis(), Map.of(HUB.uid(), 0L));
    var ack = conforms("uploadBatches", upload(connector, Wire.CBOR, Wire.toCbor(first)));
    assertEquals(new JsonObject().put("stored", 5).put("duplicates", 0).put("refused", 0), ack.bodyAsJsonObject());

    // the CBOR upload has the fields of the Upload schema (CBOR and JSON encodings share them)
    assertComponent("Upload", new JsonObject(Wire.toJsonString(first)), true);
    assertComponent("Upload", new JsonObject(Wire.toJsonString(new Upload(CONNECTOR.uid(), batches))), true);
    assertComponent("Upload", new JsonObject(Wire.toJsonString(first)).put("v", 2), false);
    assertComponent("Upload", new JsonObject(Wire.toJsonString(first)).put("sentAt", 0), false);
    assertComponent("Upload", new JsonObject(Wire.toJsonString(first)).put("clocks", new JsonObject().put("hub-1", "ahead")), false);

    // the connector opens its command channel with its certificate: its hello is answered
    var files = TlsFiles.inFolder(connector.folder());
    webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(files.ca().toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(files.key().toString()).setCertPath(files.certificate().toString())));
    channel = await(webSockets.connect(new WebSocketConnectOptions().setSsl(true)
        .setHost("127.0.0.1").setPort(cloud.port()).setURI("/device/v1/channel")));
    channel.textMessageHandler(frames::add);
    var hello = new JsonObject(Wire.toJsonString(new ChannelMessage.Hello(Wire.VERSION, CONNECTOR, List.of(HUB))));
    assertComponent("ChannelMessage", hello, true);
    assertComponent("ChannelMessage", hello.copy().put("type", "helo"), false);
    channel.writeTextMessage(hello.encode());
    var configured = new TreeSet<String>();
    while (configured.size() < 2) {
      var message = frame(m -> "configure".equals(m.getString("type")));
      configured.add(message.getJsonObject("config").getString("machine"));
    }
    assertEquals(new TreeSet<>(List.of("conn-1", "hub-1")), configured);
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      await(channel.close());
    }
    if (test != null) {
      test.close();
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.await(30, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------
  // the document itself

  @Test
  void theDocumentDescribesExactlyTheImplementedRoutes() {
    var described = new TreeSet<String>();
    for (Operation op : strict.operations()) {
      described.add(op.getHttpMethod() + " " + op.getOpenAPIPath());
    }
    var implemented = new TreeSet<>(List.of(
        "GET /api/v1/openapi.yaml",
        "POST /api/v1/login",
        "POST /api/v1/logout",
        "GET /api/v1/sites",
        "POST /api/v1/organisations",
        "POST /api/v1/sites",
        "POST /api/v1/sites/{id}/tokens",
        "GET /api/v1/machines",
        "GET /api/v1/machines/{uid}",
        "POST /api/v1/machines/{uid}/approve",
        "POST /api/v1/machines/{uid}/reject",
        "POST /api/v1/machines/{uid}/revoke",
        "POST /api/v1/machines/{uid}/move",
        "GET /api/v1/machines/{uid}/sensors",
        "GET /api/v1/machines/{uid}/sensors/{id}",
        "PUT /api/v1/machines/{uid}/sensors/{id}",
        "DELETE /api/v1/machines/{uid}/sensors/{id}",
        "GET /api/v1/machines/{uid}/measurements",
        "GET /api/v1/sessions",
        "POST /api/v1/sessions",
        "POST /api/v1/sessions/{id}/start",
        "DELETE /api/v1/sessions/{id}",
        "GET /api/v1/relays",
        "GET /api/v1/relays/refusals",
        "POST /api/v1/users",
        "PUT /api/v1/users/{name}/rights",
        "DELETE /api/v1/users/{name}",
        "GET /api/v1/files",
        "POST /api/v1/files",
        "GET /api/v1/files/{id}",
        "GET /api/v1/files/{id}/content",
        "POST /api/v1/files/{id}/distribute",
        "POST /api/v1/machines/{uid}/bundle",
        "GET /files/v1/{id}",
        "PUT /files/v1/{id}",
        "POST /files/v1/{id}",
        "POST /device/v1/enrol",
        "POST /device/v1/batches",
        "GET /device/v1/channel",
        "GET /metrics",
        "GET /health/live",
        "GET /health/ready"));
    assertEquals(implemented, described);
    assertEquals("3.1.0", document.getString("openapi"));

    // enrolment needs no credentials; every other device call takes the machine's certificate
    JsonObject schemes = document.getJsonObject("components").getJsonObject("securitySchemes");
    assertEquals(Set.of("userToken", "clientCertificate"), schemes.fieldNames());
    assertEquals("mutualTLS", schemes.getJsonObject("clientCertificate").getString("type"));
    var device = new JsonArray().add(new JsonObject().put("clientCertificate", new JsonArray()));
    assertEquals(device, operation("/device/v1/batches", "post").getJsonArray("security"));
    assertEquals(device, operation("/device/v1/channel", "get").getJsonArray("security"));
    assertEquals(new JsonArray(), operation("/device/v1/enrol", "post").getJsonArray("security"));
    assertEquals(new JsonArray().add(new JsonObject().put("userToken", new JsonArray())), document.getJsonArray("security"));
  }

  @Test
  void everyClientErrorAnswerIsTheErrorSchema() {
    JsonObject paths = document.getJsonObject("paths");
    int seen = 0;
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (method.equals("parameters")) {
          continue;
        }
        JsonObject responses = item.getJsonObject(method).getJsonObject("responses");
        for (String status : responses.fieldNames()) {
          if (!status.startsWith("4") || path.equals("/device/v1/channel") && status.equals("400")) {
            continue;  // the WebSocket handshake refusal comes from Vert.x itself, without a JSON body
          }
          JsonObject response = resolve(responses.getJsonObject(status));
          JsonObject content = response.getJsonObject("content");
          assertNotNull(content, method + " " + path + " " + status + " has a body");
          assertEquals(Set.of(JSON), content.fieldNames(), method + " " + path + " " + status);
          JsonObject schema = content.getJsonObject(JSON).getJsonObject("schema");
          assertTrue("#/components/schemas/Error".equals(schema.getString("$ref"))
                  || schema.equals(document.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error")),
              method + " " + path + " " + status + " answers the Error schema: " + schema.encode());
          seen++;
        }
      }
    }
    assertTrue(seen > 20, "4xx answers seen: " + seen);
  }

  // ---------------------------------------------------------------------------------------------
  // /api/v1 against the running server

  @Test
  void everyUserOperationAnswersAsDocumented() throws Exception {
    // login: 200, 401, 400, 415, 429 (another user, so that the admin is not locked out)
    var loginBody = loginJson(USER, PASSWORD);
    assertRequestConforms("login", loginBody, true);
    conforms("login", await(client.post("/api/v1/login").sendJsonObject(loginBody)));
    var wrong = conforms("login", login(USER, "wrong password!"));
    assertError(wrong, 401, "wrong");
    assertEquals("Bearer", wrong.getHeader("WWW-Authenticate"));
    var noUser = new JsonObject().put("organisation", ORG).put("password", PASSWORD);
    assertRequestConforms("login", noUser, false);
    assertError(conforms("login", await(client.post("/api/v1/login").sendJsonObject(noUser))), 400, "user");
    assertError(conforms("login", await(client.post("/api/v1/login").putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer(loginBody.encode())))), 415, "application/json");
    assertError(conforms("login", login("someone", "wrong")), 401, "wrong");
    assertError(conforms("login", login("someone", "wrong")), 401, "wrong");
    assertError(conforms("login", login("someone", "wrong")), 429, "too many");

    // no token, a made-up token
    var none = conforms("listMachines", await(client.get("/api/v1/machines").send()));
    assertError(none, 401, "log in");
    assertError(conforms("listMachines", await(client.get("/api/v1/machines").bearerTokenAuthentication("made-up").send())), 401, "log in");

    // a hub in fallback uploads its own outbox report, saying when it sent it
    var hub8 = new MachineRef("hub-8", "Hub Eight", Role.HUB);
    var hub8Device = enrolled(hub8.uid(), Role.HUB, dir.resolve(hub8.uid()));
    var outbox = new Measurement("outbox", System.currentTimeMillis(), State.OK,
        Map.of("queued", 12.0, "dropped", 0.0), Map.of(), "12 waiting");
    assertEquals(200, conforms("uploadBatches", upload(hub8Device, Wire.CBOR, Wire.toCbor(new Upload(hub8.uid(),
        List.of(new Batch(hub8, 1, List.of(outbox))), System.currentTimeMillis(), Map.of())))).statusCode());

    // machines
    JsonArray machines = conforms("listMachines", get("/api/v1/machines")).bodyAsJsonArray();
    assertTrue(uids(machines).containsAll(List.of("conn-1", "hub-1", "hub-8")), machines.encode());
    JsonObject hub = conforms("getMachine", get("/api/v1/machines/hub-1")).bodyAsJsonObject();
    assertEquals("conn-1", hub.getString("via"));
    assertEquals("approved", hub.getString("state"));
    assertEquals(new JsonObject().put("type", "connector").put("connector", "conn-1"), hub.getJsonObject("path"));
    assertFalse(hub.getJsonObject("clock").getBoolean("skewed"), hub.encode());
    assertTrue(hub.containsKey("outbox") && hub.getValue("outbox") == null, hub.encode());
    JsonObject conn = conforms("getMachine", get("/api/v1/machines/conn-1")).bodyAsJsonObject();
    assertTrue(conn.containsKey("via") && conn.getValue("via") == null, conn.encode());
    assertEquals("approved", conn.getString("state"));
    assertTrue(conn.containsKey("path") && conn.getValue("path") == null, "no path for a connector: " + conn.encode());
    assertNotNull(conn.getJsonObject("clock"), conn.encode());
    JsonObject direct = conforms("getMachine", get("/api/v1/machines/hub-8")).bodyAsJsonObject();
    assertEquals(new JsonObject().put("type", "direct"), direct.getJsonObject("path"));
    assertEquals(12, direct.getJsonObject("outbox").getInteger("queued"), direct.encode());
    assertEquals(0, direct.getJsonObject("outbox").getInteger("expired"), direct.encode());
    assertNotNull(direct.getJsonObject("clock"), direct.encode());
    assertError(conforms("getMachine", get("/api/v1/machines/nobody")), 404, "nobody");
    long version = hub.getLong("configVersion");

    // sensors
    JsonArray sensors = conforms("listSensors", get("/api/v1/machines/hub-1/sensors")).bodyAsJsonArray();
    assertFalse(sensors.isEmpty());
    assertError(conforms("listSensors", get("/api/v1/machines/nobody/sensors")), 404, "nobody");
    JsonObject memory = conforms("getSensor", get("/api/v1/machines/hub-1/sensors/memory")).bodyAsJsonObject();
    assertEquals("WARNING", memory.getString("state"));
    assertNotNull(memory.getJsonObject("latest"));
    assertError(conforms("getSensor", get("/api/v1/machines/hub-1/sensors/nothing")), 404, "nothing");

    String web = "{\"type\": \"http\", \"settings\": {\"url\": \"https://example.invalid/\"}, \"intervalSeconds\": 30,"
        + " \"thresholds\": {\"latencyMs\": {\"warningAbove\": 500}}}";
    assertRequestConforms("putSensor", new JsonObject(web), true);
    JsonObject put = conforms("putSensor", put("/api/v1/machines/hub-1/sensors/web", web)).bodyAsJsonObject();
    assertEquals(version + 1, put.getLong("configVersion"));
    JsonObject stored = conforms("getSensor", get("/api/v1/machines/hub-1/sensors/web")).bodyAsJsonObject();
    assertTrue(stored.getValue("state") == null && stored.getValue("latest") == null, stored.encode());
    assertEquals(30, stored.getInteger("intervalSeconds"));

    String colour = "{\"type\": \"http\", \"colour\": \"red\"}";
    assertRequestConforms("putSensor", new JsonObject(colour), false);
    assertError(conforms("putSensor", put("/api/v1/machines/hub-1/sensors/web", colour)), 400, "unknown field colour");
    String tooLong = "{\"type\": \"http\", \"intervalSeconds\": 100000}";
    assertRequestConforms("putSensor", new JsonObject(tooLong), false);
    assertError(conforms("putSensor", put("/api/v1/machines/hub-1/sensors/web", tooLong)), 400, "intervalSeconds");
    assertError(conforms("putSensor", put("/api/v1/machines/hub-1/sensors/a%20b", "{\"type\": \"http\"}")), 400, "sensor id");
    assertError(conforms("putSensor", put("/api/v1/machines/nobody/sensors/web", "{\"type\": \"http\"}")), 404, "nobody");
    assertError(conforms("putSensor", put("/api/v1/machines/hub-1/sensors/web",
        "{\"type\": \"http\", \"settings\": {\"url\": \"" + "x".repeat((int) MAX_API_BODY_BYTES) + "\"}}")), 413, "");
    assertError(conforms("putSensor", await(client.put("/api/v1/machines/hub-1/sensors/web").bearerTokenAuthentication(token)
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("{\"type\": \"http\"}")))), 415, "text/plain");
    // replacing a sensor that has measurements
    conforms("putSensor", put("/api/v1/machines/hub-1/sensors/memory", "{\"type\": \"memory\", \"intervalSeconds\": 15}"));

    var deleted = conforms("deleteSensor", await(client.delete("/api/v1/machines/hub-1/sensors/web").bearerTokenAuthentication(token).send()));
    assertEquals(204, deleted.statusCode());
    assertEquals(0, deleted.body() == null ? 0 : deleted.body().length(), "204 has no body");
    assertError(conforms("deleteSensor", await(client.delete("/api/v1/machines/hub-1/sensors/web").bearerTokenAuthentication(token).send())), 404, "web");

    // measurements
    String range = "from=" + Instant.ofEpochMilli(firstMeasurementMs).minusSeconds(1) + "&to=" + Instant.now();
    JsonArray rows = conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?sensor=memory&" + range)).bodyAsJsonArray();
    assertEquals(5, rows.size(), rows.encode());
    // without from: the hour before now, so a measurement of two hours ago is left out
    var old = new Measurement("memory", Instant.now().minus(Duration.ofHours(2)).toEpochMilli(), State.OK, Map.of(), Map.of(), "old");
    assertEquals(200, upload(connector, Wire.CBOR, Wire.toCbor(new Upload(CONNECTOR.uid(), List.of(new Batch(HUB, 6, List.of(old)))))).statusCode());
    assertEquals(5, conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements")).bodyAsJsonArray().size());
    assertEquals(6, conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?from="
        + Instant.now().minus(Duration.ofHours(3)))).bodyAsJsonArray().size());
    JsonObject limit = parameter("/api/v1/machines/{uid}/measurements", "get", "limit").getJsonObject("schema");
    int max = limit.getInteger("maximum");
    assertEquals(2, conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?limit=2&" + range)).bodyAsJsonArray().size());
    assertEquals(5, conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?limit=" + max + "&" + range)).bodyAsJsonArray().size());
    assertError(conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?limit=" + (max + 1))), 400, "limit");
    assertError(conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?limit=" + (limit.getInteger("minimum") - 1))), 400, "limit");
    assertError(conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?from=yesterday")), 400, "from");
    assertError(conforms("listMeasurements", get("/api/v1/machines/hub-1/measurements?sensor=a%20b")), 400, "sensor");
    assertError(conforms("listMeasurements", get("/api/v1/machines/nobody/measurements")), 404, "nobody");

    sitesAndTokens();
    remoteSessions();
    files();
    approvals();
    revocation();

    // logout with a second session; its token is dead afterwards
    String second = login(USER, PASSWORD).bodyAsJsonObject().getString("token");
    var out = conforms("logout", await(client.post("/api/v1/logout").bearerTokenAuthentication(second).send()));
    assertEquals(204, out.statusCode());
    assertError(conforms("listMachines", await(client.get("/api/v1/machines").bearerTokenAuthentication(second).send())), 401, "log in");
    assertError(conforms("logout", await(client.post("/api/v1/logout").send())), 401, "log in");

    // every /api/v1 operation of the document was checked against a real success answer
    for (Operation op : strict.operations()) {
      if (op.getOpenAPIPath().startsWith("/api/v1/") && !op.getOperationId().equals("getOpenApiDocument")) {
        assertTrue(checked.contains(op.getOperationId() + " 200") || checked.contains(op.getOperationId() + " 201")
                || checked.contains(op.getOperationId() + " 202") || checked.contains(op.getOperationId() + " 204"),
            op.getOperationId() + " was checked with a success answer: " + new TreeSet<>(checked));
      }
    }
  }

  /** Sites and enrolment tokens. */
  static void sitesAndTokens() throws Exception {
    JsonArray sites = conforms("listSites", get("/api/v1/sites")).bodyAsJsonArray();
    assertTrue(sites.stream().map(JsonObject.class::cast).anyMatch(site -> site.getInteger("id") == test.siteId
        && "main".equals(site.getString("name"))), sites.encode());

    var siteBody = new JsonObject().put("name", "  Second site ");
    assertRequestConforms("createSite", siteBody, true);
    var organisation = conforms("createOrganisation", post("/api/v1/organisations",
        new JsonObject().put("name", "globex").put("user", "hank").put("password", "globex password 1")));
    assertEquals(201, organisation.statusCode(), organisation.bodyAsString());
    assertError(conforms("createOrganisation", post("/api/v1/organisations",
        new JsonObject().put("name", "globex").put("user", "x").put("password", "another password"))), 409, "globex");
    assertError(conforms("createOrganisation", post("/api/v1/organisations",
        new JsonObject().put("name", "initech").put("user", "x").put("password", "short"))), 400, "password");
    var created = conforms("createSite", post("/api/v1/sites", siteBody));
    assertEquals(201, created.statusCode(), created.bodyAsString());
    JsonObject second = created.bodyAsJsonObject();
    assertEquals("Second site", second.getString("name"));
    assertTrue(conforms("listSites", get("/api/v1/sites")).bodyAsJsonArray().contains(second));
    var colour = new JsonObject().put("name", "Third").put("colour", "red");
    assertRequestConforms("createSite", colour, false);
    assertError(conforms("createSite", post("/api/v1/sites", colour)), 400, "unknown field colour");
    assertError(conforms("createSite", post("/api/v1/sites", new JsonObject().put("name", " "))), 400, "name");
    assertRequestConforms("createSite", new JsonObject(), false);
    assertError(conforms("createSite", post("/api/v1/sites", new JsonObject())), 400, "name");
    assertError(conforms("createSite", post("/api/v1/sites", new JsonObject().put("name", "main"))), 409, "main");
    assertError(conforms("createSite", await(client.post("/api/v1/sites").bearerTokenAuthentication(token)
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("{\"name\": \"x\"}")))), 415, "text/plain");
    assertError(conforms("createSite", await(client.post("/api/v1/sites").sendJsonObject(siteBody))), 401, "log in");

    // a hub token serves many hubs for validHours; a connector token one connector, 24 hours by default
    var hubBody = new JsonObject().put("role", "hub").put("validHours", 2);
    assertRequestConforms("createToken", hubBody, true);
    var hubToken = conforms("createToken", post("/api/v1/sites/" + second.getInteger("id") + "/tokens", hubBody));
    assertEquals(201, hubToken.statusCode(), hubToken.bodyAsString());
    JsonObject issued = hubToken.bodyAsJsonObject();
    assertEquals("hub", issued.getString("role"));
    assertEquals(second.getInteger("id"), issued.getInteger("site"));
    assertTrue(issued.getBoolean("reusable"));
    assertAbout(Duration.ofHours(2), Instant.parse(issued.getString("expiresAt")));
    var connectorToken = conforms("createToken", post("/api/v1/sites/" + test.siteId + "/tokens",
        new JsonObject().put("role", "connector"))).bodyAsJsonObject();
    assertFalse(connectorToken.getBoolean("reusable"));
    assertAbout(Duration.ofHours(24), Instant.parse(connectorToken.getString("expiresAt")));
    assertFalse(connectorToken.getString("token").equals(issued.getString("token")));

    var gateway = new JsonObject().put("role", "gateway");
    assertRequestConforms("createToken", gateway, false);
    assertError(conforms("createToken", post("/api/v1/sites/" + test.siteId + "/tokens", gateway)), 400, "role");
    assertRequestConforms("createToken", new JsonObject(), false);
    assertError(conforms("createToken", post("/api/v1/sites/" + test.siteId + "/tokens", new JsonObject())), 400, "role");
    var forever = new JsonObject().put("role", "hub").put("validHours", 100_000);
    assertRequestConforms("createToken", forever, false);
    assertError(conforms("createToken", post("/api/v1/sites/" + test.siteId + "/tokens", forever)), 400, "validHours");
    assertError(conforms("createToken", post("/api/v1/sites/9999/tokens", hubBody)), 404, "9999");
    assertError(conforms("createToken", post("/api/v1/sites/main/tokens", hubBody)), 404, "main");
  }

  /** The access server: a relay registers, a session is offered, started, closed and audited; users and rights. */
  static void remoteSessions() throws Exception {
    var relayDevice = test.relay("relay-1", dir.resolve("relay-1"));
    var relayLink = new java.util.concurrent.atomic.AtomicReference<io.vertx.core.http.WebSocket>();
    var relay = test.webSocket(relayDevice, "/relay/v1/channel", text -> {
      // as a relay does: confirms each ticket it is sent
      if (Wire.fromJson(text, dev.outpost.protocol.RelayMessage.class) instanceof dev.outpost.protocol.RelayMessage.Expect expect) {
        relayLink.get().writeTextMessage(Wire.toJsonString(new dev.outpost.protocol.RelayMessage.Expected(expect.sessionId(), null)));
      }
    });
    relayLink.set(relay);
    relay.writeTextMessage(Wire.toJsonString(new dev.outpost.protocol.RelayMessage.Register(Wire.VERSION, "eu-1", "eu-central",
        List.of("127.0.0.1:4444"), List.of(443), 10, dev.outpost.protocol.RelayWire.VERSION)));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> conforms("listRelays", get("/api/v1/relays")).bodyAsJsonArray().size() == 1);
    // a connection the relay refused goes into the audit of relay refusals
    relay.writeTextMessage(Wire.toJsonString(new dev.outpost.protocol.RelayMessage.Refused(null, "127.0.0.9",
        "ERR unknown token", System.currentTimeMillis(), 2)));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> conforms("listRelayRefusals", get("/api/v1/relays/refusals")).bodyAsJsonArray().size() == 1);
    var refusal = get("/api/v1/relays/refusals?limit=1").bodyAsJsonArray().getJsonObject(0);
    assertEquals("eu-1", refusal.getString("relay"));
    assertEquals("ERR unknown token", refusal.getString("reason"));
    assertEquals(2, refusal.getInteger("suppressed"));
    assertError(conforms("listRelayRefusals", get("/api/v1/relays/refusals?limit=0")), 400, "limit");

    var open = new JsonObject().put("device", CONNECTOR.uid()).put("target", "127.0.0.1:22")
        .put("csr", SigningRequest.create(MachineKeys.generate(), "operator"));
    assertRequestConforms("openSession", open, true);
    assertRequestConforms("openSession", open.copy().put("relay", "eu-1"), false);
    var offered = conforms("openSession", post("/api/v1/sessions", open));
    assertEquals(201, offered.statusCode(), offered.bodyAsString());
    String id = offered.bodyAsJsonObject().getString("id");
    assertEquals(id, frame(m -> "session-offer".equals(m.getString("type"))).getString("id"));
    var latency = new JsonObject(Wire.toJsonString(new ChannelMessage.SessionLatency(id, Map.of("eu-1", 800L), null)));
    assertComponent("ChannelMessage", latency, true);
    assertComponent("ChannelMessage", new JsonObject(Wire.toJsonString(
        new ChannelMessage.SessionStreamRefused(id, "10.0.0.9:22", "outside the site policy"))), true);
    channel.writeTextMessage(latency.encode());
    var start = new JsonObject().put("latencyMicros", new JsonObject().put("eu-1", 900));
    assertRequestConforms("startSession", start, true);
    var started = conforms("startSession", post("/api/v1/sessions/" + id + "/start", start));
    assertEquals(200, started.statusCode(), started.bodyAsString());
    assertEquals(started.bodyAsJsonObject().getString("token"), frame(m -> "session-start".equals(m.getString("type"))).getString("token"));
    assertError(conforms("startSession", post("/api/v1/sessions/" + id + "/start", start)), 409, "reported already");
    assertEquals(204, conforms("closeSession", await(client.delete("/api/v1/sessions/" + id).bearerTokenAuthentication(token).send()))
        .statusCode());
    assertEquals(id, frame(m -> "session-end".equals(m.getString("type"))).getString("id"));
    assertError(conforms("closeSession", await(client.delete("/api/v1/sessions/" + id).bearerTokenAuthentication(token).send())),
        404, id);
    assertError(conforms("openSession", post("/api/v1/sessions", open.copy().put("target", "no port"))), 400, "target");
    assertError(conforms("openSession", post("/api/v1/sessions", open.copy().put("device", "nobody"))), 403, "nobody");
    assertError(conforms("startSession", post("/api/v1/sessions/nothing/start", start)), 404, "nothing");
    var audit = conforms("listSessions", get("/api/v1/sessions?limit=10")).bodyAsJsonArray();
    assertEquals("ended", audit.stream().map(JsonObject.class::cast).filter(r -> r.getString("id").equals(id)).findFirst()
        .orElseThrow().getString("outcome"));
    assertError(conforms("listSessions", get("/api/v1/sessions?limit=0")), 400, "limit");

    var user = new JsonObject().put("name", "tech").put("password", "a long enough password");
    assertRequestConforms("createUser", user, true);
    assertEquals(201, conforms("createUser", post("/api/v1/users", user)).statusCode());
    assertError(conforms("createUser", post("/api/v1/users", user)), 409, "exists");
    assertError(conforms("createUser", post("/api/v1/users", user.copy().put("password", "short"))), 400, "password");
    var rights = new JsonObject().put("sites", new JsonArray().add(test.siteId)).put("machines", new JsonArray().add(CONNECTOR.uid()));
    assertRequestConforms("grantRights", rights, true);
    assertEquals(200, conforms("grantRights", put("/api/v1/users/tech/rights", rights.encode())).statusCode());
    assertError(conforms("grantRights", put("/api/v1/users/nobody/rights", rights.encode())), 404, "nobody");
    assertEquals(204, conforms("deleteUser", await(client.delete("/api/v1/users/tech").bearerTokenAuthentication(token).send()))
        .statusCode());
    assertError(conforms("deleteUser", await(client.delete("/api/v1/users/tech").bearerTokenAuthentication(token).send())), 404, "tech");
    await(relay.close());
  }

  /** Files: upload, list, get, download, distribution and bundle over the channel, and the signed URLs. */
  static void files() throws Exception {
    byte[] content = "a file for the contract\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    var uploaded = conforms("uploadFile", uploadFile("contract.txt", "application/octet-stream", content));
    assertEquals(201, uploaded.statusCode(), uploaded.bodyAsString());
    String id = uploaded.bodyAsJsonObject().getString("id");
    assertError(conforms("uploadFile", uploadFile("../contract.txt", "application/octet-stream", content)), 400, "name");
    assertError(conforms("uploadFile", uploadFile("contract.txt", "text/plain", content)), 415, "octet-stream");
    assertError(conforms("uploadFile", await(client.post("/api/v1/files?name=x").putHeader("Content-Type", "application/octet-stream")
        .sendBuffer(Buffer.buffer(content)))), 401, "log in");
    assertTrue(conforms("listFiles", get("/api/v1/files")).bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .anyMatch(f -> f.getString("id").equals(id)));
    assertEquals("stored", conforms("getFile", get("/api/v1/files/" + id)).bodyAsJsonObject().getString("state"));
    assertError(conforms("getFile", get("/api/v1/files/" + "0".repeat(32))), 404, "no file");
    var download = conforms("downloadFile", get("/api/v1/files/" + id + "/content"));
    assertEquals(200, download.statusCode());
    assertEquals(Buffer.buffer(content), download.body());
    assertError(conforms("downloadFile", get("/api/v1/files/nothing/content")), 404, "no file");

    var machines = new JsonObject().put("machines", new JsonArray().add(CONNECTOR.uid()));
    assertRequestConforms("distributeFile", machines, true);
    assertRequestConforms("distributeFile", new JsonObject().put("machines", new JsonArray()), false);
    var distributed = conforms("distributeFile", post("/api/v1/files/" + id + "/distribute", machines));
    assertEquals(202, distributed.statusCode(), distributed.bodyAsString());
    JsonObject task = frame(m -> "file".equals(m.getString("type"))).getJsonObject("task");
    assertEquals("fetch", task.getString("action"));
    var done = new JsonObject(Wire.toJsonString(new ChannelMessage.FileDone(
        new dev.outpost.protocol.FileOutcome(id, CONNECTOR.uid(), true, null))));
    assertComponent("ChannelMessage", done, true);
    assertComponent("ChannelMessage", done.copy().put("outcome", new JsonObject().put("file", id)), false);
    channel.writeTextMessage(done.encode());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "verified".equals(
        conforms("getFile", get("/api/v1/files/" + id)).bodyAsJsonObject().getJsonArray("transfers").getJsonObject(0).getString("state")));
    assertError(conforms("distributeFile", post("/api/v1/files/" + id + "/distribute", new JsonObject().put("machines", new JsonArray()))),
        400, "machines");
    assertError(conforms("distributeFile", post("/api/v1/files/" + id + "/distribute",
        new JsonObject().put("machines", new JsonArray().add("nobody")))), 404, "nobody");

    String read = task.getString("url");
    var fetched = conforms("readSignedFile", await(client.get(read).send()));
    assertEquals(Buffer.buffer(content), fetched.body());
    assertError(conforms("readSignedFile", await(client.get(read.replace("expires=", "expires=1")).send())), 403, "signature");

    for (String operation : List.of("writeSignedFile", "postSignedFile")) {
      var asked = conforms("requestBundle", post("/api/v1/machines/" + CONNECTOR.uid() + "/bundle", null));
      assertEquals(202, asked.statusCode(), asked.bodyAsString());
      assertEquals("waiting", asked.bodyAsJsonObject().getString("state"));
      String write = frame(m -> "file".equals(m.getString("type"))).getJsonObject("task").getString("url");
      HttpMethod method = operation.equals("writeSignedFile") ? HttpMethod.PUT : HttpMethod.POST;
      assertError(conforms(operation, await(client.request(method, read).putHeader("Content-Type", "application/octet-stream")
          .sendBuffer(Buffer.buffer("x")))), 403, "read URL");
      var written = conforms(operation, await(client.request(method, write).putHeader("Content-Type", "application/octet-stream")
          .sendBuffer(Buffer.buffer("zip"))));
      assertEquals(201, written.statusCode(), written.bodyAsString());
      assertError(conforms(operation, await(client.request(method, write).putHeader("Content-Type", "application/octet-stream")
          .sendBuffer(Buffer.buffer("zip")))), 409, "written already");
    }
    assertError(conforms("requestBundle", post("/api/v1/machines/nobody/bundle", null)), 404, "nobody");
  }

  static HttpResponse<Buffer> uploadFile(String name, String type, byte[] content) throws Exception {
    return await(client.post("/api/v1/files").addQueryParam("name", name).bearerTokenAuthentication(token)
        .putHeader("Content-Type", type).sendBuffer(Buffer.buffer(content)));
  }

  static void approvals() throws Exception {
    assertEquals(new JsonArray(), conforms("listMachines", get("/api/v1/machines?state=pending")).bodyAsJsonArray());
    for (String uid : List.of("hub-5", "hub-6")) {
      var request = new Enrolment.Request(Wire.VERSION, null, SigningRequest.create(MachineKeys.generate(), uid),
          uid + " name", Role.HUB);
      var enrolHub = new JsonObject(Wire.toJsonString(new ChannelMessage.EnrolHub(request, HUB_ADDRESS)));
      assertComponent("ChannelMessage", enrolHub, true);
      channel.writeTextMessage(enrolHub.encode());
      var answer = hubEnrolment(uid).getJsonObject("answer");
      assertEquals("pending", answer.getString("state"), answer.encode());
      assertTrue(answer.getValue("certificate") == null && answer.getValue("ca") == null, answer.encode());
    }

    JsonArray pending = conforms("listMachines", get("/api/v1/machines?state=pending")).bodyAsJsonArray();
    assertEquals(List.of("hub-5", "hub-6"), uids(pending));
    JsonObject waiting = pending.getJsonObject(0);
    assertEquals("hub", waiting.getString("role"));
    assertEquals("pending", waiting.getString("state"));
    assertEquals("hub-5 name", waiting.getString("name"));
    assertEquals("conn-1", waiting.getString("via"));
    assertEquals(HUB_ADDRESS, waiting.getString("address"));
    assertTrue(waiting.getString("fingerprint").startsWith("SHA256:"), waiting.encode());
    assertTrue(waiting.containsKey("certificateExpires") && waiting.getValue("certificateExpires") == null, waiting.encode());
    assertError(conforms("getMachine", get("/api/v1/machines/hub-5")), 404, "hub-5");
    assertError(conforms("listMachines", get("/api/v1/machines?state=lost")), 400, "state");

    // approve: the certificate is issued and goes to the connector; the hub is a machine now
    var approved = conforms("approveMachine", post("/api/v1/machines/hub-5/approve", null));
    assertEquals(200, approved.statusCode(), approved.bodyAsString());
    assertEquals("approved", approved.bodyAsJsonObject().getString("state"));
    assertAbout(CloudConfig.Certificates.DEFAULT_VALIDITY, Instant.parse(approved.bodyAsJsonObject().getString("certificateExpires")));
    var answer = hubEnrolment("hub-5").getJsonObject("answer");
    assertEquals("approved", answer.getString("state"));
    assertTrue(answer.getString("certificate").startsWith("-----BEGIN CERTIFICATE-----"), answer.encode());
    assertTrue(answer.getString("ca").startsWith("-----BEGIN CERTIFICATE-----"), answer.encode());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> get("/api/v1/machines/hub-5").statusCode() == 200);
    JsonObject hub5 = conforms("getMachine", get("/api/v1/machines/hub-5")).bodyAsJsonObject();
    assertEquals("conn-1", hub5.getString("via"));
    assertEquals("approved", hub5.getString("state"));
    assertEquals(200, conforms("approveMachine", post("/api/v1/machines/hub-5/approve", null)).statusCode(), "again: no change");

    // reject: told to the connector; no certificate
    var rejected = conforms("rejectMachine", post("/api/v1/machines/hub-6/reject", null));
    assertEquals(200, rejected.statusCode(), rejected.bodyAsString());
    assertEquals("rejected", rejected.bodyAsJsonObject().getString("state"));
    assertEquals("rejected", hubEnrolment("hub-6").getJsonObject("answer").getString("state"));
    assertEquals(200, conforms("rejectMachine", post("/api/v1/machines/hub-6/reject", null)).statusCode(), "again: no change");

    assertError(conforms("approveMachine", post("/api/v1/machines/hub-6/approve", null)), 409, "rejected");
    assertError(conforms("rejectMachine", post("/api/v1/machines/hub-5/reject", null)), 409, "approved");
    assertError(conforms("approveMachine", post("/api/v1/machines/nobody/approve", null)), 404, "nobody");
    assertError(conforms("rejectMachine", post("/api/v1/machines/nobody/reject", null)), 404, "nobody");
    assertError(conforms("approveMachine", await(client.post("/api/v1/machines/hub-6/approve").send())), 401, "log in");

    assertEquals(new JsonArray(), conforms("listMachines", get("/api/v1/machines?state=pending")).bodyAsJsonArray());
    assertEquals(List.of("hub-6"), uids(conforms("listMachines", get("/api/v1/machines?state=REJECTED")).bodyAsJsonArray()));
    assertTrue(uids(conforms("listMachines", get("/api/v1/machines?state=approved")).bodyAsJsonArray())
        .containsAll(List.of("conn-1", "hub-1", "hub-5")));
  }

  /** A revoked hub's measurements are refused; the connector is told. */
  static void revocation() throws Exception {
    var hub7 = new MachineRef("hub-7", "Hub Seven", Role.HUB);
    var enrolled = conforms("enrol", enrol(enrolmentJson(hub7.uid(), MachineKeys.generate(), Role.HUB, test.enrolmentToken(Role.HUB))));
    assertEquals(200, enrolled.statusCode(), enrolled.bodyAsString());
    long now = System.currentTimeMillis();
    assertEquals(new JsonObject().put("stored", 2).put("duplicates", 0).put("refused", 0),
        conforms("uploadBatches", upload(connector, Wire.CBOR, Wire.toCbor(uploadOf(hub7, 1, 2, now)))).bodyAsJsonObject());

    var moved = conforms("moveHub", post("/api/v1/machines/hub-7/move", new JsonObject().put("connector", "conn-1")));
    assertEquals(new JsonObject().put("uid", "hub-7").put("connector", "conn-1"), moved.bodyAsJsonObject());
    assertError(conforms("moveHub", post("/api/v1/machines/hub-7/move", new JsonObject().put("connector", "hub-7"))), 400, "connector");
    assertError(conforms("moveHub", post("/api/v1/machines/nobody/move", new JsonObject().put("connector", "conn-1"))), 404, "nobody");
    var revoked = conforms("revokeMachine", post("/api/v1/machines/hub-7/revoke", null));
    assertEquals(200, revoked.statusCode(), revoked.bodyAsString());
    assertEquals("revoked", revoked.bodyAsJsonObject().getString("state"));
    frame(m -> "revoked".equals(m.getString("type")) && "hub-7".equals(m.getString("uid")));
    assertEquals(new JsonObject().put("stored", 0).put("duplicates", 0).put("refused", 3),
        conforms("uploadBatches", upload(connector, Wire.CBOR, Wire.toCbor(uploadOf(hub7, 3, 3, now + 5000)))).bodyAsJsonObject());
    assertEquals("revoked", conforms("getMachine", get("/api/v1/machines/hub-7")).bodyAsJsonObject().getString("state"));
    assertEquals(200, conforms("revokeMachine", post("/api/v1/machines/hub-7/revoke", null)).statusCode(), "again: no change");
    assertError(conforms("approveMachine", post("/api/v1/machines/hub-7/approve", null)), 409, "revoked");
    assertError(conforms("moveHub", post("/api/v1/machines/hub-7/move", new JsonObject().put("connector", "conn-1"))), 409, "revoked");
    assertError(conforms("revokeMachine", post("/api/v1/machines/nobody/revoke", null)), 404, "nobody");
    assertTrue(uids(conforms("listMachines", get("/api/v1/machines?state=revoked")).bodyAsJsonArray()).contains("hub-7"));
  }

  // ---------------------------------------------------------------------------------------------
  // device, monitoring

  @Test
  void enrolmentAnswersAsDocumented() throws Exception {
    // a connector with a connector token: its certificate and the CA
    var keys = MachineKeys.generate();
    String connectorToken = test.enrolmentToken(Role.CONNECTOR);
    var request = enrolmentJson("conn-2", keys, Role.CONNECTOR, connectorToken);
    assertRequestConforms("enrol", request, true);
    assertRequestConforms("enrol", request.copy().put("colour", "red"), false);
    assertRequestConforms("enrol", request.copy().put("v", 2), false);
    var enrolled = conforms("enrol", enrol(request));
    assertEquals(200, enrolled.statusCode(), enrolled.bodyAsString());
    var answer = Wire.fromJson(enrolled.body().getBytes(), Enrolment.Answer.class);
    assertEquals("conn-2", answer.uid());
    assertEquals(Enrolment.State.APPROVED, answer.state());
    var chain = Pem.decodeCertificates(answer.certificate(), "answer");
    assertEquals(keys.getPublic(), chain.get(0).getPublicKey());
    assertEquals(Pem.readCertificates(dir.resolve(TlsFiles.CA_FILE)).get(0), Pem.decodeCertificates(answer.ca(), "answer").get(0),
        "the CA of the answer is the one the cloud's own certificate comes from");

    // the connector token is used up; unknown, malformed, missing and wrong-role tokens are refused
    assertError(conforms("enrol", enrol(enrolmentJson("conn-3", MachineKeys.generate(), Role.CONNECTOR, connectorToken))), 403, "used");
    String unknown = "A".repeat(43) + connectorToken.substring(connectorToken.indexOf('.'));
    assertError(conforms("enrol", enrol(enrolmentJson("conn-3", MachineKeys.generate(), Role.CONNECTOR, unknown))), 403, "unknown");
    assertError(conforms("enrol", enrol(enrolmentJson("conn-3", MachineKeys.generate(), Role.CONNECTOR, "not-a-token"))), 400, "token");
    assertError(conforms("enrol", enrol(enrolmentJson("conn-3", MachineKeys.generate(), Role.CONNECTOR, null))), 401, "token");
    assertError(conforms("enrol", enrol(enrolmentJson("conn-3", MachineKeys.generate(), Role.CONNECTOR,
        test.enrolmentToken(Role.HUB)))), 403, "hub");
    // another key for a known UID
    assertError(conforms("enrol", enrol(enrolmentJson("conn-2", MachineKeys.generate(), Role.CONNECTOR,
        test.enrolmentToken(Role.CONNECTOR)))), 409, "another key");

    // bad signing requests and bodies
    var badCsr = request.copy().put("token", test.enrolmentToken(Role.CONNECTOR))
        .put("csr", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
    assertRequestConforms("enrol", badCsr, true);
    assertError(conforms("enrol", enrol(badCsr)), 400, "csr");
    var badUid = enrolmentJson("conn 4", MachineKeys.generate(), Role.CONNECTOR, test.enrolmentToken(Role.CONNECTOR));
    assertError(conforms("enrol", enrol(badUid)), 400, "common name");
    assertError(conforms("enrol", enrol(request.copy().put("colour", "red"))), 400, "colour");
    assertError(conforms("enrol", enrol(request.copy().put("v", 2))), 400, "version");
    assertError(conforms("enrol", enrolRaw(Buffer.buffer("{\"v\": 1, "))), 400, "");
    assertError(conforms("enrol", enrolRaw(Buffer.buffer(" ".repeat(70_000)))), 413, "");
  }

  @Test
  void deviceAndMonitoringEndpointsAnswerAsDocumented() throws Exception {
    var hub9 = new MachineRef("hub-9", "Hub Nine", Role.HUB);
    var hubDevice = enrolled(hub9.uid(), Role.HUB, dir.resolve(hub9.uid()));
    var good = Wire.toCbor(uploadOf(hub9, 1, 2, System.currentTimeMillis()));
    var ack = conforms("uploadBatches", upload(connector, Wire.CBOR, good)).bodyAsJsonObject();
    assertEquals(new JsonObject().put("stored", 2).put("duplicates", 0).put("refused", 0), ack);
    assertEquals(new JsonObject().put("stored", 0).put("duplicates", 2).put("refused", 0),
        conforms("uploadBatches", upload(connector, Wire.CBOR, good)).bodyAsJsonObject());
    // a source that never enrolled: refused and counted, nothing stored
    var stranger = Wire.toCbor(uploadOf(new MachineRef("hub-10", "Hub Ten", Role.HUB), 1, 3, System.currentTimeMillis()));
    assertEquals(new JsonObject().put("stored", 0).put("duplicates", 0).put("refused", 3),
        conforms("uploadBatches", upload(connector, Wire.CBOR, stranger)).bodyAsJsonObject());
    // a hub in fallback uploads its own measurements itself, but not as another machine
    var own = Wire.toCbor(uploadOf(hub9.uid(), hub9, 3, 1, System.currentTimeMillis()));
    assertEquals(new JsonObject().put("stored", 1).put("duplicates", 0).put("refused", 0),
        conforms("uploadBatches", upload(hubDevice, Wire.CBOR, own)).bodyAsJsonObject());
    assertError(conforms("uploadBatches", upload(hubDevice, Wire.CBOR, good)), 403, "via");

    assertError(conforms("uploadBatches", await(client.post("/device/v1/batches").putHeader("Content-Type", Wire.CBOR)
        .sendBuffer(Buffer.buffer(good)))), 401, "client certificate");
    assertError(conforms("uploadBatches", upload(connector, JSON, good)), 415, "cbor");
    assertError(conforms("uploadBatches", upload(connector, Wire.CBOR, new byte[] {(byte) 0xbf, 0x01, 0x02})), 400, "Upload");
    assertError(conforms("uploadBatches", upload(connector, Wire.CBOR, new byte[8192])), 413, "");

    assertError(conforms("commandChannel", await(client.get("/device/v1/channel").send())), 401, "client certificate");
    assertError(conforms("commandChannel", await(connector.client().get("/device/v1/channel").send())), 400, "WebSocket");
    assertError(conforms("commandChannel", await(hubDevice.client().get("/device/v1/channel").send())), 403, "hub");

    var metrics = conforms("getMetrics", await(client.get("/metrics").send()));
    assertTrue(metrics.bodyAsString().contains("outpost_measurements_stored_total"));
    conforms("getLiveness", await(client.get("/health/live").send()));
    conforms("getReadiness", await(client.get("/health/ready").send()));
  }

  // ---------------------------------------------------------------------------------------------
  // the check can fail

  @Test
  void aDocumentThatDisagreesWithTheServerIsCaught() throws Exception {
    var machines = get("/api/v1/machines");
    var unknown = get("/api/v1/machines/nobody");
    validate(strict, "listMachines", machines);
    validate(strict, "getMachine", unknown);

    assertDisagrees("listMachines", machines, doc -> schema(doc, "Machine").getJsonObject("properties")
        .getJsonObject("online").put("type", "string"));
    assertDisagrees("listMachines", machines, doc -> schema(doc, "Machine").getJsonObject("properties").remove("via"));
    assertDisagrees("listMachines", machines, doc -> schema(doc, "Machine").getJsonObject("properties").remove("clock"));
    assertDisagrees("getMachine", unknown, doc -> schema(doc, "Error").getJsonArray("required").add("code"));
    assertDisagrees("getMachine", unknown, doc -> doc.getJsonObject("paths").getJsonObject("/api/v1/machines/{uid}")
        .getJsonObject("get").getJsonObject("responses").remove("404"));
  }

  static void assertDisagrees(String operationId, HttpResponse<Buffer> response, Consumer<JsonObject> change) throws Exception {
    var broken = document.copy();
    change.accept(broken);
    var contract = await(OpenAPIContract.from(vertx, closed(loadable(broken))));
    assertThrows(ValidatorException.class, () -> validate(contract, operationId, response),
        "a changed document no longer matches " + operationId + " " + response.statusCode());
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** Checks the answer against the strict document; returns it for further checks. */
  static HttpResponse<Buffer> conforms(String operationId, HttpResponse<Buffer> response) {
    try {
      validate(strict, operationId, response);
    } catch (Exception e) {
      String details = e instanceof SchemaValidationException s && s.getOutputUnit() != null
          ? "\n" + s.getOutputUnit().toJson().encodePrettily() : "";
      fail(operationId + " answered " + response.statusCode() + " " + response.headers() + "\n"
          + response.bodyAsString() + "\nwhich the document does not describe: " + e + details, e);
    }
    if (response.statusCode() == 204) {
      assertEquals(0, response.body() == null ? 0 : response.body().length(), operationId + " 204 has no body");
    }
    checked.add(operationId + " " + response.statusCode());
    return response;
  }

  static void validate(OpenAPIContract contract, String operationId, HttpResponse<Buffer> response) throws Exception {
    Map<String, String> headers = new HashMap<>();
    response.headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
    Buffer body = response.body();
    // an answer without Content-Type (the WebSocket handshake's refusal) is checked for status and headers only
    ValidatableResponse validatable = body == null || body.length() == 0 || response.getHeader("Content-Type") == null
        ? ValidatableResponse.create(response.statusCode(), headers)
        : ValidatableResponse.create(response.statusCode(), headers, body, mediaType(response.getHeader("Content-Type")));
    await(ResponseValidator.create(vertx, contract).validate(validatable, operationId));
  }

  /** Checks a request body against the operation's request schema in the strict document. */
  static void assertRequestConforms(String operationId, JsonObject body, boolean expected) {
    var schema = strict.operation(operationId).getRequestBody().getContent().get(JSON).getSchema();
    OutputUnit result = strict.getSchemaRepository().validator(schema).validate(body);
    assertEquals(expected, Boolean.TRUE.equals(result.getValid()),
        "the document " + (expected ? "accepts" : "refuses") + " the " + operationId + " body " + body.encode()
            + ": " + result.toJson().encode());
  }

  /** Checks a value against a schema of components/schemas in the strict document. */
  static void assertComponent(String name, Object value, boolean expected) {
    OutputUnit result = components.validator(JsonSchema.of(new JsonObject()
        .put("$ref", DOCUMENT_URI + "#/components/schemas/" + name))).validate(value);
    assertEquals(expected, Boolean.TRUE.equals(result.getValid()),
        "the document " + (expected ? "accepts" : "refuses") + " this " + name + ": " + value + "\n" + result.toJson().encode());
  }

  /** The media type without parameters, lower case. */
  static String mediaType(String contentType) {
    return contentType == null ? null : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
  }

  /** The served YAML as JSON (snakeyaml comes with vertx-openapi, which reads YAML with it too). */
  static JsonObject yaml(String text) {
    Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    assertTrue(parsed instanceof Map, "the document is a YAML mapping");
    return (JsonObject) json(parsed);
  }

  private static Object json(Object yaml) {
    if (yaml instanceof Map<?, ?> map) {
      var object = new JsonObject();
      map.forEach((k, v) -> {
        assertTrue(k instanceof String, "keys are strings (quote status codes): " + k);
        object.put((String) k, json(v));
      });
      return object;
    }
    if (yaml instanceof List<?> list) {
      var array = new JsonArray();
      list.forEach(item -> array.add(json(item)));
      return array;
    }
    assertTrue(yaml == null || yaml instanceof String || yaml instanceof Number || yaml instanceof Boolean,
        "only JSON values in the document, not " + yaml.getClass().getSimpleName() + " " + yaml);
    return yaml;
  }

  /**
   * vertx-openapi 5.0.10 refuses a document with bodies of media types it cannot validate (here
   * application/cbor uploads and the application/yaml document itself), and cannot apply a schema
   * to a text/plain body (it hands the schema validator a Buffer); such bodies become unvalidated
   * binary strings for loading: application/octet-stream, text/plain stays text/plain. Every JSON
   * body stays as it is.
   */
  static JsonObject loadable(JsonObject json) {
    for (String key : new ArrayList<>(json.fieldNames())) {
      Object value = json.getValue(key);
      if (key.equals("content") && value instanceof JsonObject content) {
        for (String type : new ArrayList<>(content.fieldNames())) {
          if (!type.startsWith(JSON)) {
            content.remove(type);
            content.put(MediaType.isMediaTypeSupported(type) ? type : "application/octet-stream", new JsonObject()
                .put("schema", new JsonObject().put("type", "string").put("format", "binary")));
          }
        }
      }
      if (value instanceof JsonObject o) {
        loadable(o);
      } else if (value instanceof JsonArray a) {
        a.forEach(item -> {
          if (item instanceof JsonObject o) {
            loadable(o);
          }
        });
      }
    }
    return json;
  }

  /** Closes every object schema that lists its properties: no others allowed. */
  static JsonObject closed(JsonObject json) {
    if (json.getValue("properties") instanceof JsonObject && !json.containsKey("additionalProperties")
        && (json.getValue("type") == null || "object".equals(json.getValue("type")))) {
      json.put("additionalProperties", false);
    }
    for (String key : new ArrayList<>(json.fieldNames())) {
      Object value = json.getValue(key);
      if (value instanceof JsonObject o) {
        closed(o);
      } else if (value instanceof JsonArray a) {
        a.forEach(item -> {
          if (item instanceof JsonObject o) {
            closed(o);
          }
        });
      }
    }
    return json;
  }

  static JsonObject schema(JsonObject doc, String name) {
    return doc.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
  }

  /** A response object, following a $ref to components/responses. */
  static JsonObject resolve(JsonObject response) {
    String ref = response.getString("$ref");
    if (ref == null) {
      return response;
    }
    assertTrue(ref.startsWith("#/components/responses/"), ref);
    return document.getJsonObject("components").getJsonObject("responses").getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
  }

  /** A parameter of an operation in the document as served. */
  static JsonObject parameter(String path, String method, String name) {
    return document.getJsonObject("paths").getJsonObject(path).getJsonObject(method).getJsonArray("parameters").stream()
        .map(JsonObject.class::cast).filter(p -> name.equals(p.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError(method + " " + path + " has no parameter " + name));
  }

  static JsonObject loginJson(String user, String password) {
    return new JsonObject().put("organisation", ORG).put("user", user).put("password", password);
  }

  static HttpResponse<Buffer> login(String user, String password) throws Exception {
    return await(client.post("/api/v1/login").sendJsonObject(loginJson(user, password)));
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(path).bearerTokenAuthentication(token).send());
  }

  /** POST with a JSON body, or none when null. */
  static HttpResponse<Buffer> post(String path, JsonObject body) throws Exception {
    var request = client.post(path).bearerTokenAuthentication(token);
    return await(body == null ? request.send() : request.sendJsonObject(body));
  }

  static HttpResponse<Buffer> put(String path, String body) throws Exception {
    HttpRequest<Buffer> request = client.request(HttpMethod.PUT, path).bearerTokenAuthentication(token)
        .putHeader("Content-Type", JSON);
    return await(request.sendBuffer(Buffer.buffer(body)));
  }

  static HttpResponse<Buffer> upload(TestCloud.Device device, String contentType, byte[] body) throws Exception {
    return await(device.client().post("/device/v1/batches").putHeader("Content-Type", contentType).sendBuffer(Buffer.buffer(body)));
  }

  static Upload uploadOf(MachineRef source, long firstSeq, int count, long startMs) {
    return uploadOf(CONNECTOR.uid(), source, firstSeq, count, startMs);
  }

  static Upload uploadOf(String via, MachineRef source, long firstSeq, int count, long startMs) {
    var measurements = new ArrayList<Measurement>();
    for (int i = 0; i < count; i++) {
      measurements.add(new Measurement("memory", startMs + i * 1000L, i == count - 1 ? State.WARNING : State.OK,
          Map.of("usedPercent", 40.0 + i), Map.of("usedPercent", "%"), "used " + (40 + i) + " %"));
    }
    return new Upload(via, List.of(new Batch(source, firstSeq, measurements)));
  }

  /** An enrolment request as a machine sends it. */
  static JsonObject enrolmentJson(String uid, KeyPair keys, Role role, String enrolmentToken) {
    return new JsonObject(Wire.toJsonString(new Enrolment.Request(Wire.VERSION, enrolmentToken,
        SigningRequest.create(keys, uid), uid + " name", role)));
  }

  static HttpResponse<Buffer> enrol(JsonObject request) throws Exception {
    return enrolRaw(request.toBuffer());
  }

  static HttpResponse<Buffer> enrolRaw(Buffer body) throws Exception {
    return await(client.post("/device/v1/enrol").putHeader("Content-Type", JSON).sendBuffer(body));
  }

  /** A machine enrolled with a fresh token of its role, its TLS files in the folder, and its client. */
  static TestCloud.Device enrolled(String uid, Role role, Path folder) throws Exception {
    var keys = MachineKeys.generate();
    var answer = conforms("enrol", enrol(enrolmentJson(uid, keys, role, test.enrolmentToken(role))));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    var enrolled = Wire.fromJson(answer.body().getBytes(), Enrolment.Answer.class);
    Files.createDirectories(folder);
    TlsFiles.write(folder, keys, Pem.decodeCertificates(enrolled.certificate(), "answer"),
        Pem.decodeCertificates(enrolled.ca(), "answer").get(0));
    return new TestCloud.Device(uid, folder, test.deviceClient(folder));
  }

  /** The next command channel frame that matches, checking every frame on the way against the document. */
  static JsonObject frame(Predicate<JsonObject> wanted) throws InterruptedException {
    var seen = new ArrayList<String>();
    while (true) {
      String text = frames.poll(10, TimeUnit.SECONDS);
      assertNotNull(text, "no such frame on the command channel; seen " + seen);
      var message = new JsonObject(text);
      assertComponent("ChannelMessage", message, true);
      if (wanted.test(message)) {
        return message;
      }
      seen.add(message.getString("type"));
    }
  }

  /** The next hub-enrolment frame of the hub, with an answer (not a refusal). */
  static JsonObject hubEnrolment(String uid) throws InterruptedException {
    var message = frame(m -> "hub-enrolment".equals(m.getString("type")) && uid.equals(m.getString("uid")));
    assertNull(message.getValue("refused"), message.encode());
    return message;
  }

  static List<String> uids(JsonArray machines) {
    return machines.stream().map(m -> ((JsonObject) m).getString("uid")).toList();
  }

  /** The time is about this long from now (within five minutes). */
  static void assertAbout(Duration fromNow, Instant time) {
    var expected = Instant.now().plus(fromNow);
    assertTrue(Duration.between(expected, time).abs().compareTo(Duration.ofMinutes(5)) < 0, time + " is about " + expected);
  }

  /** An operation object of the document as served. */
  static JsonObject operation(String path, String method) {
    return document.getJsonObject("paths").getJsonObject(path).getJsonObject(method);
  }

  static void assertError(HttpResponse<Buffer> response, int status, String mentions) {
    assertEquals(status, response.statusCode(), response.bodyAsString());
    JsonObject error = response.bodyAsJsonObject();
    assertEquals(status, error.getInteger("status"));
    assertTrue(error.getString("error").contains(mentions), "error mentions " + mentions + ": " + error.getString("error"));
  }
}
