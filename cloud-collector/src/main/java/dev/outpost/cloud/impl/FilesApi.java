package dev.outpost.cloud.impl;

import dev.outpost.cloud.impl.access.AccessServer;
import dev.outpost.cloud.impl.files.FileRecords;
import dev.outpost.cloud.impl.files.FileStore;
import dev.outpost.cloud.impl.files.StoredFile;
import dev.outpost.cloud.impl.identity.Identity;
import dev.outpost.cloud.impl.identity.Registry;
import dev.outpost.crypto.FileSignatures;
import dev.outpost.protocol.ChannelMessage;
import dev.outpost.protocol.Enrolment;
import dev.outpost.protocol.FileOutcome;
import dev.outpost.protocol.FileTask;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.Wire;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files in the user API (admins only): list, upload (streamed, not buffered), download, a file
 * with each machine's transfer, distribution to machines and a machine's diagnostic bundle. The
 * machines get their tasks over the command channel with a URL signed for the one file and right;
 * their outcomes come back the same way ({@link #outcome}).
 */
final class FilesApi {
  static final String FILES = UserApi.PREFIX + "/files";
  static final int MAX_LIST = 1_000;
  static final int MAX_MACHINES = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(FilesApi.class);
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final FileStore files;
  private final Registry registry;
  private final AccessServer access;
  private final DeviceApi devices;

  FilesApi(FileStore files, Registry registry, AccessServer access, DeviceApi devices) {
    this.files = files;
    this.registry = registry;
    this.access = access;
    this.devices = devices;
    devices.fileOutcomes(this::outcome);
  }

  /** Whether the request is an upload, whose body {@link #upload} streams itself (no body handler). */
  static boolean streams(HttpServerRequest request) {
    return request.method() == HttpMethod.POST && FILES.equals(request.path());
  }

  void mount(Router router) {
    router.get(FILES).handler(this::list);
    router.post(FILES).handler(this::upload);
    router.get(FILES + "/:id").handler(this::get);
    router.get(FILES + "/:id/content").handler(this::download);
    router.post(FILES + "/:id/distribute").handler(this::distribute);
    router.post(UserApi.PREFIX + "/machines/:uid/bundle").handler(this::bundle);
  }

  /** What {@code POST /api/v1/files/{id}/distribute} takes. */
  record DistributeRequest(List<String> machines) {
    DistributeRequest {
      Wire.require(machines != null && !machines.isEmpty() && machines.size() <= MAX_MACHINES,
          "machines: 1 to " + MAX_MACHINES + " uids");
      machines.forEach(uid -> Wire.requireUid(uid, "each machine"));
    }
  }

  private static Accounts.Session user(RoutingContext ctx) {
    return ctx.get(UserApi.SESSION);
  }

  private Future<Void> admin(RoutingContext ctx) {
    return access.rights().of(user(ctx).userId()).compose(rights -> rights.admin() ? Future.succeededFuture()
        : Future.failedFuture(ClientError.forbidden("only an admin of the organisation may do this")));
  }

  private void list(RoutingContext ctx) {
    admin(ctx).compose(v -> files.records().files(user(ctx).organisationId(), MAX_LIST))
        .onSuccess(list -> UserApi.json(ctx, 200, new JsonArray(list.stream().map(StoredFile::json).toList())))
        .onFailure(ctx::fail);
  }

  private void upload(RoutingContext ctx) {
    ctx.request().pause();
    String name = ctx.queryParams().get("name");
    if (!FileTask.isFileName(name)) {
      throw ClientError.badRequest("name: 1 to 100 characters of A-Z a-z 0-9 . _ -, not starting with a dot");
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/octet-stream")) {
      throw new ClientError(415, "the body must be application/octet-stream (the file's bytes)");
    }
    admin(ctx).compose(v -> files.upload(ctx.request(), user(ctx).organisationId(), name))
        .onSuccess(file -> {
          LOG.info("user {} uploaded file {} ({}, {} bytes)", user(ctx).user(), file.id(), file.name(), file.size());
          UserApi.json(ctx, 201, file.json());
        })
        .onFailure(e -> {
          if (e instanceof ClientError error && error.status() == 413) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ctx.response().endHandler(v -> ctx.request().connection().close());
          }
          ctx.fail(e);
        });
  }

  /** The file if it is one of the user's organisation; 404 otherwise (like an unknown one). */
  private Future<StoredFile> file(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!FileTask.isFileId(id)) {
      return Future.failedFuture(ClientError.notFound("no file " + id));
    }
    return admin(ctx).compose(v -> files.records().file(id)).compose(file ->
        file == null || file.organisationId() != user(ctx).organisationId()
            ? Future.failedFuture(ClientError.notFound("no file " + id))
            : Future.succeededFuture(file));
  }

  private void get(RoutingContext ctx) {
    file(ctx).compose(file -> files.records().transfers(file.id()).map(transfers -> file.json().put("transfers", transfers)))
        .onSuccess(json -> UserApi.json(ctx, 200, json))
        .onFailure(ctx::fail);
  }

  private void download(RoutingContext ctx) {
    file(ctx).compose(file -> file.stored() ? files.blobs().read(file.id()).map(stream -> {
          ctx.response()
              .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
              .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(file.size()))
              .putHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + file.name() + "\"")
              .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
              .putHeader("X-Content-SHA256", file.sha256());
          return stream;
        }) : Future.failedFuture(new ClientError(409, "file " + file.id() + " has no content yet")))
        .onSuccess(stream -> stream.pipeTo(ctx.response()))
        .onFailure(ctx::fail);
  }

  /** The approved connector or hub of the user's organisation; 404 for any other uid. */
  private Identity machine(RoutingContext ctx, String uid) {
    Identity identity = registry.identity(uid);
    if (identity == null || identity.organisationId() != user(ctx).organisationId()
        || (identity.role() != Role.CONNECTOR && identity.role() != Role.HUB)) {
      throw ClientError.notFound("no machine " + uid);
    }
    if (identity.state() != Enrolment.State.APPROVED) {
      throw new ClientError(409, "machine " + uid + " is " + identity.state().wireName());
    }
    return identity;
  }

  private void distribute(RoutingContext ctx) {
    var request = Wire.fromJsonStrict(UserApi.body(ctx), DistributeRequest.class);
    file(ctx).compose(file -> {
      if (!file.stored()) {
        return Future.failedFuture(new ClientError(409, "file " + file.id() + " has no content yet"));
      }
      var machines = new LinkedHashSet<>(request.machines());
      machines.forEach(uid -> machine(ctx, uid));
      var transfers = new ArrayList<Future<JsonObject>>();
      for (String uid : machines) {
        var task = new FileTask(file.id(), uid, FileTask.FETCH, file.name(), files.url(file.id(), FileSignatures.Right.READ),
            file.sha256(), file.size());
        boolean sent = devices.sendToMachine(uid, new ChannelMessage.File(task));
        String state = sent ? FileRecords.SENT : FileRecords.FAILED;
        String reason = sent ? null : "not reachable: its connector has no command channel open";
        transfers.add(files.records().transfer(file.id(), uid, state, reason)
            .map(v -> new JsonObject().put("machine", uid).put("state", state).put("reason", reason)));
      }
      return Future.all(transfers).map(all -> file.json().put("transfers", new JsonArray(all.list())));
    }).onSuccess(json -> UserApi.json(ctx, 202, json)).onFailure(ctx::fail);
  }

  private void bundle(RoutingContext ctx) {
    String uid = ctx.pathParam("uid");
    admin(ctx).compose(v -> {
      Identity machine = machine(ctx, uid);
      if (!devices.reachable(uid)) {
        return Future.failedFuture(new ClientError(409, "machine " + uid + " is not reachable: its connector has no command channel open"));
      }
      String name = "bundle-" + uid + "-" + STAMP.format(java.time.Instant.now()) + ".zip";
      return files.expect(machine.organisationId(), name, uid).compose(file -> {
        var task = new FileTask(file.id(), uid, FileTask.BUNDLE, name, files.url(file.id(), FileSignatures.Right.WRITE), null, 0);
        boolean sent = devices.sendToMachine(uid, new ChannelMessage.File(task));
        String state = sent ? FileRecords.SENT : FileRecords.FAILED;
        String reason = sent ? null : "not reachable: its connector has no command channel open";
        return files.records().transfer(file.id(), uid, state, reason)
            .map(x -> file.json().put("transfers", new JsonArray().add(new JsonObject().put("machine", uid).put("state", state)
                .put("reason", reason))));
      });
    }).onSuccess(json -> {
      LOG.info("user {} asked machine {} for its diagnostic bundle", user(ctx).user(), uid);
      UserApi.json(ctx, 202, json);
    }).onFailure(ctx::fail);
  }

  /**
   * A machine's outcome, as its connector reports it (the connector itself, or a hub it serves, of
   * its organisation): the transfer becomes verified (a fetch), uploaded (a bundle) or failed.
   */
  void outcome(long organisationId, FileOutcome outcome) {
    files.records().file(outcome.file()).compose(file -> {
      if (file == null || file.organisationId() != organisationId) {
        LOG.warn("an outcome for file {} that is not of the machine's organisation; ignored", outcome.file());
        return Future.<Void>succeededFuture();
      }
      String state = !outcome.ok() ? FileRecords.FAILED
          : StoredFile.BUNDLE.equals(file.kind()) ? FileRecords.UPLOADED : FileRecords.VERIFIED;
      if (!outcome.ok()) {
        LOG.warn("machine {} failed file {} ({}): {}", outcome.machine(), file.id(), file.name(), outcome.reason());
      }
      return files.records().transfer(file.id(), outcome.machine(), state, outcome.reason());
    }).onFailure(e -> LOG.error("cannot record the outcome of file {} on {}: {}", outcome.file(), outcome.machine(), e.getMessage()));
  }
}
