package dev.outpost.cloud.impl;

import dev.outpost.cloud.impl.access.AccessServer;
import dev.outpost.cloud.impl.access.RelayPool;
import dev.outpost.cloud.impl.access.Rights;
import dev.outpost.protocol.RelayInfo;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The access server's part of the user API: remote sessions (open, start, close, audit), the relay
 * pool, and users with their rights (admins only). Mounted behind {@link UserApi}'s login check.
 */
final class AccessApi {
  private static final Pattern TARGET = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]{1,253}):([0-9]{1,5})");
  private static final int MAX_AUDIT = 1_000;

  private final AccessServer access;
  private final Accounts accounts;

  AccessApi(AccessServer access, Accounts accounts) {
    this.access = access;
    this.accounts = accounts;
  }

  void mount(Router router) {
    String prefix = UserApi.PREFIX;
    router.post(prefix + "/sessions").handler(this::open);
    router.post(prefix + "/sessions/:id/start").handler(this::start);
    router.delete(prefix + "/sessions/:id").handler(this::close);
    router.get(prefix + "/sessions").handler(this::audit);
    router.get(prefix + "/relays").handler(this::relays);
    router.get(prefix + "/relays/refusals").handler(this::refusals);
    router.post(prefix + "/users").handler(this::createUser);
    router.put(prefix + "/users/:name/rights").handler(this::grant);
    router.delete(prefix + "/users/:name").handler(this::deleteUser);
  }

  record OpenRequest(String device, String target, String csr) {
  }

  record StartRequest(Map<String, Long> latencyMicros, String relay) {
  }

  record UserRequest(String name, String password, Boolean admin, Boolean support) {
  }

  record RightsRequest(List<Integer> sites, List<String> machines) {
  }

  private static Accounts.Session user(RoutingContext ctx) {
    return ctx.get(UserApi.SESSION);
  }

  private void open(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(UserApi.body(ctx), OpenRequest.class);
    if (request.device() == null || request.device().isBlank()) {
      throw ClientError.badRequest("device (name or uid of a connector) is required");
    }
    if (request.target() == null || !validTarget(request.target())) {
      throw ClientError.badRequest("target must be host:port with a port from 1 to 65535");
    }
    if (request.csr() == null || request.csr().isBlank()) {
      throw ClientError.badRequest("csr (a PEM signing request for the operator's fresh key) is required");
    }
    access.open(user(ctx), request.device().strip(), request.target(), request.csr())
        .onSuccess(offered -> UserApi.json(ctx, 201, new JsonObject()
            .put("id", offered.id())
            .put("certificate", offered.certificatePem())
            .put("ca", offered.caPem())
            .put("device", new JsonObject().put("uid", offered.device().uid()).put("name", offered.device().name()))
            .put("relays", new JsonArray(offered.relays().stream().map(AccessApi::relayJson).toList()))))
        .onFailure(ctx::fail);
  }

  private void start(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(UserApi.body(ctx), StartRequest.class);
    var micros = request.latencyMicros() == null ? Map.<String, Long>of() : request.latencyMicros();
    if (micros.size() > 1_000 || micros.values().stream().anyMatch(v -> v == null || v < 0)) {
      throw ClientError.badRequest("latencyMicros: at most 1000 relays, each a number of microseconds ≥ 0");
    }
    access.operatorLatency(user(ctx), ctx.pathParam("id"), micros, request.relay())
        .onSuccess(started -> UserApi.json(ctx, 200, new JsonObject()
            .put("relay", relayJson(started.relay()))
            .put("token", started.token())))
        .onFailure(ctx::fail);
  }

  private void close(RoutingContext ctx) {
    access.close(user(ctx), ctx.pathParam("id"))
        .onSuccess(v -> ctx.response().setStatusCode(204).end())
        .onFailure(ctx::fail);
  }

  private void audit(RoutingContext ctx) {
    int wanted = limit(ctx);
    admin(ctx).compose(v -> access.audit(user(ctx).organisationId(), wanted))
        .onSuccess(array -> UserApi.json(ctx, 200, array))
        .onFailure(ctx::fail);
  }

  /** {@code GET /relays/refusals}: connections the organisation's relays refused, newest first. */
  private void refusals(RoutingContext ctx) {
    int wanted = limit(ctx);
    admin(ctx).compose(v -> access.relayRefusals(user(ctx).organisationId(), wanted))
        .onSuccess(array -> UserApi.json(ctx, 200, array))
        .onFailure(ctx::fail);
  }

  private static int limit(RoutingContext ctx) {
    return UserApi.limit(ctx, 100, MAX_AUDIT);
  }

  private void relays(RoutingContext ctx) {
    var array = new JsonArray();
    for (RelayPool.Relay relay : access.relays().relays()) {
      array.add(relayJson(relay.info()).put("sessions", relay.sessions()).put("capacity", relay.capacity())
          .put("bytesPerSecond", relay.bytesPerSecond()));
    }
    UserApi.json(ctx, 200, array);
  }

  private void createUser(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(UserApi.body(ctx), UserRequest.class);
    var user = new Rights.NewUser(request.name(), request.password(), Boolean.TRUE.equals(request.admin()),
        Boolean.TRUE.equals(request.support()));
    admin(ctx).compose(v -> access.rights().create(user(ctx).organisationId(), user))
        .onSuccess(id -> UserApi.json(ctx, 201, new JsonObject().put("name", user.name()).put("admin", user.admin())
            .put("support", user.support())))
        .onFailure(ctx::fail);
  }

  private void grant(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(UserApi.body(ctx), RightsRequest.class);
    var sites = request.sites() == null ? List.<Integer>of() : request.sites();
    var machines = request.machines() == null ? List.<String>of() : request.machines();
    if (sites.size() + machines.size() > 10_000 || sites.contains(null) || machines.stream().anyMatch(m -> m == null || m.length() > 64)) {
      throw ClientError.badRequest("sites (ids) and machines (uids): at most 10000 in all, no nulls");
    }
    String name = ctx.pathParam("name");
    admin(ctx).compose(v -> access.rights().grant(user(ctx).organisationId(), name, sites, machines))
        .onSuccess(id -> UserApi.json(ctx, 200, new JsonObject().put("name", name)
            .put("sites", new JsonArray(sites)).put("machines", new JsonArray(machines))))
        .onFailure(ctx::fail);
  }

  /** Deletes a user: its logins and running sessions end at once. */
  private void deleteUser(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    long organisation = user(ctx).organisationId();
    if (name.equals(user(ctx).user())) {
      throw ClientError.badRequest("a user cannot delete itself");
    }
    admin(ctx).compose(v -> access.rights().delete(organisation, name))
        .onSuccess(id -> {
          accounts.logoutUser(organisation, id);
          access.userDeleted(organisation, id);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  private Future<Void> admin(RoutingContext ctx) {
    return access.rights().of(user(ctx).userId()).compose(rights -> rights.admin() ? Future.succeededFuture()
        : Future.failedFuture(ClientError.forbidden("only an admin of the organisation may do this")));
  }

  static boolean validTarget(String target) {
    var matcher = TARGET.matcher(target);
    if (!matcher.matches()) {
      return false;
    }
    int port = Integer.parseInt(matcher.group(2));
    return port >= 1 && port <= 65_535;
  }

  static JsonObject relayJson(RelayInfo relay) {
    return new JsonObject().put("name", relay.name()).put("region", relay.region())
        .put("endpoints", new JsonArray(relay.endpoints())).put("ports", new JsonArray(relay.ports()))
        .put("pin", relay.pin());
  }
}
