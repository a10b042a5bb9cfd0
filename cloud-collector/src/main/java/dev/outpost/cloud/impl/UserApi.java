package dev.outpost.cloud.impl;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.MeasurementStore;
import dev.outpost.cloud.impl.identity.Identity;
import dev.outpost.cloud.impl.identity.Registry;
import dev.outpost.cloud.impl.store.Latest;
import dev.outpost.cloud.impl.store.Machine;
import dev.outpost.cloud.impl.store.MachineStore;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.SealedSecret;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.Threshold;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The user-facing REST API under {@code /api/v1} (JSON; see {@code openapi.yaml}): login, the
 * machines of the user's organisation, their sensors and measurements. Every call but login takes
 * {@code Authorization: Bearer TOKEN}; machines of other organisations answer 404 like unknown ones.
 */
final class UserApi {
  static final String PREFIX = "/api/v1";
  /** A measurements query without {@code from} covers this much before {@code to}. */
  static final Duration DEFAULT_RANGE = Duration.ofHours(1);
  static final int DEFAULT_LIMIT = 10_000;
  static final int MAX_LIMIT = 100_000;
  static final String SESSION = "outpost.session";

  private final Vertx vertx;
  private final CloudConfig config;
  private final Accounts accounts;
  private final Registry registry;
  private final Departures departures;
  private final Paths paths;
  private final Clocks clocks;
  private final MachineStore machines;
  private final MeasurementStore store;

  /** What {@code POST /api/v1/login} takes. */
  record LoginRequest(String organisation, String user, String password) {
    LoginRequest {
      Wire.require(organisation != null && !organisation.isBlank(), "organisation is required");
      Wire.require(user != null && !user.isBlank(), "user is required");
      Wire.require(password != null && !password.isEmpty(), "password is required");
      Wire.require(organisation.length() <= 100 && user.length() <= 100 && password.length() <= 1024,
          "organisation and user are at most 100 characters, password at most 1024");
    }
  }

  /**
   * What {@code PUT /api/v1/machines/{uid}/sensors/{id}} takes; the id comes from the path.
   * {@code secrets} are plaintext here, sealed at once to the machine's key; left out, the sensor
   * keeps the secrets it has.
   */
  record SensorRequest(String id, String type, Map<String, String> settings, Integer intervalSeconds,
                       Integer timeoutSeconds, Map<String, Threshold> thresholds, Map<String, String> secrets) {
    SensorRequest {
      Wire.require(secrets == null || secrets.values().stream().allMatch(v -> v != null && v.length() <= MAX_SECRET_CHARS),
          "each secret is a string of at most " + MAX_SECRET_CHARS + " characters");
    }

    SensorConfig toConfig(String pathId) {
      Wire.require(id == null || id.equals(pathId), "id in the body (" + id + ") differs from the path (" + pathId + ")");
      Wire.require(type != null, "type is required");
      return new SensorConfig(pathId, type, settings, intervalSeconds == null ? 0 : intervalSeconds,
          timeoutSeconds == null ? 0 : timeoutSeconds, thresholds);
    }

    @Override
    public String toString() {
      return "SensorRequest[id=" + id + ", type=" + type + ", secrets=" + (secrets == null ? "unchanged" : secrets.keySet()) + "]";
    }
  }

  static final int MAX_SECRET_CHARS = 4096;

  /** What {@code POST /api/v1/organisations} takes: the organisation and its first admin. */
  record OrganisationRequest(String name, String user, String password) {
    OrganisationRequest {
      Wire.require(name != null && !name.isBlank() && name.strip().length() <= 100, "name must be 1 to 100 characters");
      Wire.require(user != null && !user.isBlank() && user.strip().length() <= 100, "user must be 1 to 100 characters");
      Wire.require(password != null && password.length() >= CloudConfig.Bootstrap.MIN_SECRET_LENGTH && password.length() <= 1024,
          "password must have " + CloudConfig.Bootstrap.MIN_SECRET_LENGTH + " to 1024 characters");
      name = name.strip();
      user = user.strip();
    }

    @Override
    public String toString() {
      return "OrganisationRequest[name=" + name + ", user=" + user + ", password=***]";
    }
  }

  /** What {@code POST /api/v1/sites} takes. */
  record SiteRequest(String name) {
    SiteRequest {
      Wire.require(name != null && !name.isBlank() && name.strip().length() <= 100, "name must be 1 to 100 characters");
      name = name.strip();
    }
  }

  /** What {@code POST /api/v1/sites/{id}/tokens} takes. */
  record TokenRequest(Role role, Integer validHours) {
    TokenRequest {
      Wire.require(role != null, "role (connector or hub) is required");
      Wire.require(validHours == null || (validHours >= 1 && validHours <= Registry.MAX_TOKEN_VALIDITY.toHours()),
          "validHours must be 1 to " + Registry.MAX_TOKEN_VALIDITY.toHours());
    }
  }

  UserApi(Vertx vertx, CloudConfig config, Accounts accounts, Registry registry, MachineStore machines, MeasurementStore store,
          Departures departures, Paths paths, Clocks clocks) {
    this.departures = departures;
    this.paths = paths;
    this.clocks = clocks;
    this.vertx = vertx;
    this.config = config;
    this.accounts = accounts;
    this.registry = registry;
    this.machines = machines;
    this.store = store;
  }

  void mount(Router router) {
    var bodies = BodyHandler.create(false).setBodyLimit(config.limits().maxApiBodyBytes());
    router.post(PREFIX + "/login").handler(bodies).handler(this::login);
    // The token is checked before any body is read, so strangers cannot make the server buffer bodies.
    router.route(PREFIX + "/*").handler(this::authenticate);
    // File uploads stream their bodies into the blob store themselves (FilesApi), unbuffered.
    router.route(PREFIX + "/*").handler(ctx -> {
      if (FilesApi.streams(ctx.request())) {
        ctx.next();
      } else {
        bodies.handle(ctx);
      }
    });
    router.post(PREFIX + "/logout").handler(this::logout);
    router.post(PREFIX + "/organisations").handler(this::createOrganisation);
    router.get(PREFIX + "/sites").handler(this::listSites);
    router.post(PREFIX + "/sites").handler(this::createSite);
    router.post(PREFIX + "/sites/:id/tokens").handler(this::createToken);
    router.post(PREFIX + "/machines/:uid/approve").handler(ctx -> decide(ctx, "approve"));
    router.post(PREFIX + "/machines/:uid/reject").handler(ctx -> decide(ctx, "reject"));
    router.post(PREFIX + "/machines/:uid/revoke").handler(ctx -> decide(ctx, "revoke"));
    router.post(PREFIX + "/machines/:uid/move").handler(this::move);
    router.get(PREFIX + "/machines").handler(this::listMachines);
    router.get(PREFIX + "/machines/:uid").handler(this::getMachine);
    router.get(PREFIX + "/machines/:uid/sensors").handler(this::listSensors);
    router.get(PREFIX + "/machines/:uid/sensors/:id").handler(this::getSensor);
    router.put(PREFIX + "/machines/:uid/sensors/:id").handler(this::putSensor);
    router.delete(PREFIX + "/machines/:uid/sensors/:id").handler(this::deleteSensor);
    router.get(PREFIX + "/machines/:uid/measurements").handler(this::measurements);
  }

  private void login(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(body(ctx), LoginRequest.class);
    String address = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
    accounts.login(request.organisation(), request.user(), request.password(), address)
        .onSuccess(token -> json(ctx, 200, new JsonObject().put("token", token)
            .put("expiresIn", config.limits().sessionLifetime().toSeconds())))
        .onFailure(ctx::fail);
  }

  private void authenticate(RoutingContext ctx) {
    var session = accounts.session(DeviceApi.bearer(ctx));
    if (session == null) {
      throw ClientError.unauthorized("log in first: POST " + PREFIX + "/login, then Authorization: Bearer TOKEN");
    }
    ctx.put(SESSION, session);
    ctx.next();
  }

  private void logout(RoutingContext ctx) {
    accounts.logout(DeviceApi.bearer(ctx));
    ctx.response().setStatusCode(204).end();
  }

  private static long organisation(RoutingContext ctx) {
    Accounts.Session session = ctx.get(SESSION);
    return session.organisationId();
  }

  private void listMachines(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    if (state != null) {
      listByState(ctx, state);
      return;
    }
    machines.machines(organisation(ctx))
        .map(all -> {
          var outboxes = machines.newest(OutboxReports.SENSOR);
          return new JsonArray(all.stream().map(seen -> machineJson(seen, outboxes.get(seen.machine().uid()))).toList());
        })
        .onSuccess(array -> json(ctx, 200, array))
        .onFailure(ctx::fail);
  }

  /** Machines by enrolment state, e.g. the ones that wait for approval. */
  private void listByState(RoutingContext ctx, String state) {
    Enrolment.State wanted;
    try {
      wanted = Enrolment.State.valueOf(state.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ClientError.badRequest("state must be pending, approved, rejected or revoked");
    }
    var array = new JsonArray();
    for (Identity identity : registry.identities(organisation(ctx), wanted)) {
      array.add(identityJson(identity));
    }
    json(ctx, 200, array);
  }

  private static JsonObject identityJson(Identity i) {
    return new JsonObject()
        .put("uid", i.uid())
        .put("name", i.name())
        .put("role", i.role().wireName())
        .put("state", i.state().wireName())
        .put("address", i.address())
        .put("fingerprint", i.fingerprint())
        .put("via", i.via())
        .put("requestedAt", Instant.ofEpochMilli(i.requestedMs()).toString())
        .put("certificateExpires", i.notAfterMs() > 0 ? Instant.ofEpochMilli(i.notAfterMs()).toString() : null);
  }

  private void decide(RoutingContext ctx, String decision) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    Future<Identity> changed = switch (decision) {
      case "approve" -> registry.approve(organisation, uid);
      case "reject" -> registry.reject(organisation, uid);
      default -> registry.revoke(organisation, uid);
    };
    changed.onSuccess(identity -> {
      if (identity.state() == Enrolment.State.REVOKED) {
        vertx.eventBus().publish(dev.outpost.cloud.Addresses.MACHINE_REVOKED, identity.uid());
      } else {
        vertx.eventBus().publish(dev.outpost.cloud.Addresses.HUB_ENROLMENT_CHANGED, identity.uid());
      }
      json(ctx, 200, identityJson(identity));
    }).onFailure(ctx::fail);
  }

  /**
   * Only users of the cloud's first organisation (the operator's, made at the first start) make
   * organisations: each gets its own CA and its first admin.
   */
  private void createOrganisation(RoutingContext ctx) {
    if (organisation(ctx) != registry.firstOrganisation()) {
      throw ClientError.forbidden("only the operator's organisation may create organisations");
    }
    var request = Wire.fromJsonStrict(body(ctx), OrganisationRequest.class);
    if (registry.organisationId(request.name()) != null) {
      throw new ClientError(409, "an organisation named " + request.name() + " exists already");
    }
    registry.createOrganisation(request.name(), request.user(), request.password())
        .onSuccess(id -> json(ctx, 201, new JsonObject().put("id", id).put("name", request.name())))
        .onFailure(ctx::fail);
  }

  /** What {@code POST /api/v1/machines/{uid}/move} takes. */
  record MoveRequest(String connector) {
    MoveRequest {
      Wire.requireUid(connector, "connector");
    }
  }

  /**
   * Moves an approved hub to another approved connector of the organisation: its current connector
   * tells it, and from then on the hub links only to the new one (wherever discovery finds it).
   */
  private void move(RoutingContext ctx) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    var request = Wire.fromJsonStrict(body(ctx), MoveRequest.class);
    Identity hub = registry.identity(uid);
    if (hub == null || hub.organisationId() != organisation) {
      throw ClientError.notFound("no machine " + uid);
    }
    Identity target = registry.identity(request.connector());
    if (hub.role() != Role.HUB || hub.state() != Enrolment.State.APPROVED) {
      throw new ClientError(409, "only an approved hub can be moved; " + uid + " is a " + hub.state().wireName() + " " + hub.role().wireName());
    }
    if (target == null || target.organisationId() != organisation || target.role() != Role.CONNECTOR
        || target.state() != Enrolment.State.APPROVED) {
      throw ClientError.badRequest("connector " + request.connector() + " is not an approved connector of this organisation");
    }
    vertx.eventBus().publish(dev.outpost.cloud.Addresses.HUB_MOVED, uid + " " + request.connector());
    json(ctx, 200, new JsonObject().put("uid", uid).put("connector", request.connector()));
  }

  private void listSites(RoutingContext ctx) {
    var array = new JsonArray();
    registry.sites(organisation(ctx)).forEach(site -> array.add(new JsonObject().put("id", site.id()).put("name", site.name())));
    json(ctx, 200, array);
  }

  private void createSite(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(body(ctx), SiteRequest.class);
    registry.createSite(organisation(ctx), request.name())
        .onSuccess(site -> json(ctx, 201, new JsonObject().put("id", site.id()).put("name", site.name())))
        .onFailure(ctx::fail);
  }

  private void createToken(RoutingContext ctx) {
    int siteId;
    try {
      siteId = Integer.parseInt(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      throw ClientError.notFound("no site " + ctx.pathParam("id"));
    }
    var request = Wire.fromJsonStrict(body(ctx), TokenRequest.class);
    registry.createToken(organisation(ctx), siteId, request.role(),
            request.validHours() == null ? null : Duration.ofHours(request.validHours()))
        .onSuccess(token -> json(ctx, 201, new JsonObject()
            .put("token", token.token())
            .put("role", token.role().wireName())
            .put("site", token.siteId())
            .put("reusable", token.reusable())
            .put("expiresAt", token.expiresAt().toString())))
        .onFailure(ctx::fail);
  }

  private void getMachine(RoutingContext ctx) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    machines.machine(organisation, uid)
        .compose(seen -> machines.latest(organisation, uid).map(latest -> machineJson(seen, latest.get(OutboxReports.SENSOR))))
        .onSuccess(machine -> json(ctx, 200, machine))
        .onFailure(ctx::fail);
  }

  /**
   * A machine as the API shows it.
   *
   * @param outbox the newest {@code outbox} measurement of the machine, or null
   */
  private JsonObject machineJson(MachineStore.Seen seen, Latest outbox) {
    Machine m = seen.machine();
    long now = System.currentTimeMillis();
    boolean online = seen.lastSeenMs() > 0 && now - seen.lastSeenMs() <= config.onlineWindow().toMillis()
        && !departures.isAway(m.uid());
    return new JsonObject()
        .put("uid", m.uid())
        .put("name", m.name())
        .put("role", m.role().wireName())
        .put("online", online)
        .put("offline", online ? null : departures.offlineReason(m.uid()))
        .put("lastSeen", seen.lastSeenMs() > 0 ? Instant.ofEpochMilli(seen.lastSeenMs()).toString() : null)
        .put("via", m.via())
        .put("configVersion", m.configVersion())
        .put("sensors", m.sensors().size())
        .put("state", state(m.uid()))
        .put("path", pathJson(paths.of(m)))
        .put("outbox", OutboxReports.json(outbox))
        .put("clock", clockJson(clocks.offset(m.uid())));
  }

  private static JsonObject pathJson(Paths.HubPath path) {
    if (path == null) {
      return null;
    }
    var json = new JsonObject().put("type", path.type());
    if (path.connector() != null) {
      json.put("connector", path.connector());
    }
    return json;
  }

  private JsonObject clockJson(Clocks.Offset offset) {
    return offset == null ? null : new JsonObject()
        .put("offsetMs", offset.offsetMs())
        .put("skewed", clocks.isSkewed(offset))
        .put("measuredAt", Instant.ofEpochMilli(offset.measuredAtMs()).toString());
  }

  private String state(String uid) {
    Identity identity = registry.identity(uid);
    return identity == null ? null : identity.state().wireName();
  }

  private void listSensors(RoutingContext ctx) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    machines.machine(organisation, uid)
        .compose(seen -> machines.latest(organisation, uid).map(latest -> new JsonArray(seen.machine().sensors().stream()
            .map(s -> sensorJson(s, latest.get(s.id())))
            .toList())))
        .onSuccess(array -> json(ctx, 200, array))
        .onFailure(ctx::fail);
  }

  private void getSensor(RoutingContext ctx) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    String id = ctx.pathParam("id");
    machines.machine(organisation, uid)
        .compose(seen -> machines.latest(organisation, uid).map(latest -> seen.machine().sensor(id)
            .map(s -> sensorJson(s, latest.get(s.id())))
            .orElseThrow(() -> ClientError.notFound("machine " + uid + " has no sensor " + id))))
        .onSuccess(sensor -> json(ctx, 200, sensor))
        .onFailure(ctx::fail);
  }

  private void putSensor(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Wire.isValidId(id)) {
      throw ClientError.badRequest("a sensor id is 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    var request = Wire.fromJsonStrict(body(ctx), SensorRequest.class);
    var plain = request.toConfig(id);
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    machines.machine(organisation, uid)
        .compose(seen -> vertx.executeBlocking(() -> withSecrets(seen.machine(), plain, request.secrets()), false))
        .compose(sensor -> machines.putSensor(organisation, uid, sensor).map(machine -> Map.entry(machine, sensor)))
        .onSuccess(changed -> {
          DeviceApi.publish(vertx, changed.getKey().config());
          json(ctx, 200, sensorJson(changed.getValue(), null).put("configVersion", changed.getKey().configVersion()));
        })
        .onFailure(ctx::fail);
  }

  /**
   * Seals each plaintext secret to the machine's public key (from its certificate), bound to the
   * machine, sensor and setting; keeps the sensor's sealed secrets when the request has none.
   */
  private SensorConfig withSecrets(Machine machine, SensorConfig sensor, Map<String, String> plaintext) {
    if (plaintext == null) {
      return sensor.withSecrets(machine.sensor(sensor.id()).map(SensorConfig::secrets).orElse(Map.of()));
    }
    if (plaintext.isEmpty()) {
      return sensor;
    }
    Identity identity = registry.identity(machine.uid());
    if (identity == null || identity.certificate() == null || identity.state() != Enrolment.State.APPROVED) {
      throw new ClientError(409, "machine " + machine.uid() + " has no enrolled key to seal secrets to");
    }
    var publicKey = Pem.decodeCertificates(identity.certificate(), "the certificate of " + machine.uid()).get(0).getPublicKey();
    var sealed = new java.util.TreeMap<String, String>();
    for (var secret : plaintext.entrySet()) {
      Wire.requireId(secret.getKey(), "secret name");
      Wire.require(!sensor.settings().containsKey(secret.getKey()), "secret " + secret.getKey() + " is also a plain setting");
      sealed.put(secret.getKey(), SealedSecret.seal(publicKey, secret.getValue().getBytes(StandardCharsets.UTF_8),
          SensorConfig.secretInfo(machine.uid(), sensor.id(), secret.getKey())));
    }
    return sensor.withSecrets(sealed);
  }

  private void deleteSensor(RoutingContext ctx) {
    machines.deleteSensor(organisation(ctx), ctx.pathParam("uid"), ctx.pathParam("id"))
        .onSuccess(machine -> {
          DeviceApi.publish(vertx, machine.config());
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private static JsonObject sensorJson(SensorConfig s, Latest latest) {
    var json = new JsonObject()
        .put("id", s.id())
        .put("type", s.type())
        .put("settings", object(s.settings()))
        .put("intervalSeconds", s.intervalSeconds())
        .put("timeoutSeconds", s.timeoutSeconds())
        .put("thresholds", new JsonObject(Wire.toJsonString(s.thresholds())))
        .put("secrets", new JsonArray(new java.util.ArrayList<>(new java.util.TreeSet<>(s.secrets().keySet()))))
        .put("state", latest == null ? null : latest.state().name());
    if (latest != null) {
      json.put("latest", new JsonObject()
          .put("time", Instant.ofEpochMilli(latest.timeMs()).toString())
          .put("state", latest.state().name())
          .put("values", object(latest.values()))
          .put("units", object(latest.units()))
          .put("message", latest.message()));
    } else {
      json.putNull("latest");
    }
    return json;
  }

  private void measurements(RoutingContext ctx) {
    long organisation = organisation(ctx);
    String uid = ctx.pathParam("uid");
    String sensor = ctx.queryParams().get("sensor");
    if (sensor != null && !Wire.isValidId(sensor)) {
      throw ClientError.badRequest("sensor: a sensor id is 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    Instant to = instant(ctx, "to", Instant.now());
    Instant from = instant(ctx, "from", to.minus(DEFAULT_RANGE));
    if (from.isAfter(to)) {
      throw ClientError.badRequest("from (" + from + ") is after to (" + to + ")");
    }
    int limit = limit(ctx);
    machines.machine(organisation, uid)
        .compose(seen -> store.between(uid, sensor, from, to, limit))
        .map(rows -> new JsonArray(rows.stream().map(r -> new JsonObject()
            .put("sensor", r.sensor())
            .put("time", r.time().toString())
            .put("state", r.state().name())
            .put("values", object(r.values()))
            .put("message", r.message())).toList()))
        .onSuccess(array -> json(ctx, 200, array))
        .onFailure(ctx::fail);
  }

  private static Instant instant(RoutingContext ctx, String name, Instant fallback) {
    String text = ctx.queryParams().get(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw ClientError.badRequest(name + ": not an ISO-8601 time with offset (like 2026-01-31T12:00:00Z): " + abbreviate(text));
    }
  }

  private static int limit(RoutingContext ctx) {
    return limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
  }

  /** The {@code limit} query parameter: 1 to {@code max}, {@code fallback} when absent; else 400. */
  static int limit(RoutingContext ctx, int fallback, int max) {
    String text = ctx.queryParams().get("limit");
    if (text == null) {
      return fallback;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ClientError.badRequest("limit must be a whole number from 1 to " + max);
  }

  static byte[] body(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new ClientError(415, "the body must be application/json (Content-Type: application/json)"
          + (type == null ? "" : ", not " + abbreviate(type)));
    }
    var body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ClientError.badRequest("a JSON body is required");
    }
    return body.getBytes();
  }

  private static JsonObject object(Map<String, ?> map) {
    var json = new JsonObject();
    map.forEach(json::put);
    return json;
  }

  private static String abbreviate(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body instanceof JsonArray a ? a.toBuffer() : ((JsonObject) body).toBuffer());
  }
}
