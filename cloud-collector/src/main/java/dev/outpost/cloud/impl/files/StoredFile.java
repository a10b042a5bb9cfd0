package dev.outpost.cloud.impl.files;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * What the cloud knows about one file.
 *
 * @param kind    {@code upload} or {@code bundle}
 * @param machine the machine whose bundle it is, or null
 * @param state   {@code waiting} (a write URL is out, nothing written yet) or {@code stored}
 * @param size    bytes, or -1 while waiting
 * @param sha256  hex, or null while waiting
 */
public record StoredFile(String id, long organisationId, String name, String kind, String machine, String state, long size,
                         String sha256, long createdMs, long storedMs) {
  public static final String UPLOAD = "upload";
  public static final String BUNDLE = "bundle";
  public static final String WAITING = "waiting";
  public static final String STORED = "stored";

  public boolean stored() {
    return STORED.equals(state);
  }

  /** The file as the API shows it. */
  public JsonObject json() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("kind", kind)
        .put("machine", machine)
        .put("state", state)
        .put("size", stored() ? size : null)
        .put("sha256", sha256)
        .put("createdAt", Instant.ofEpochMilli(createdMs).toString())
        .put("storedAt", stored() ? Instant.ofEpochMilli(storedMs).toString() : null);
  }
}
