package dev.outpost.protocol;

import java.util.List;
import java.util.Map;

/**
 * What a connector (or, as fallback, a hub) posts to the cloud's ingest endpoint
 * ({@code POST /device/v1/batches}, CBOR). The cloud answers with an {@link UploadAck} only after
 * its database commit.
 *
 * @param v       wire format version, {@link Wire#VERSION}
 * @param via     the uid of the machine that uploads
 * @param batches batches of any sources, in the order they were received
 * @param sentAt  the uploader's clock when it sent the upload (epoch ms), from which the cloud
 *                measures the uploader's clock offset; null from senders that do not say
 * @param clocks  for hubs behind a connector: each hub's clock offset against the connector's
 *                clock in ms (positive: the hub's clock is ahead), as the connector measured it;
 *                empty from a hub
 */
public record Upload(int v, String via, List<Batch> batches, Long sentAt, Map<String, Long> clocks) {
  public static final int MAX_CLOCKS = 10_000;

  public Upload {
    Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
    Wire.requireUid(via, "via");
    Wire.require(batches != null && !batches.isEmpty(), "an upload holds at least one batch");
    Wire.require(sentAt == null || sentAt > 0, "sentAt must be positive");
    Wire.require(clocks == null || clocks.size() <= MAX_CLOCKS, "at most " + MAX_CLOCKS + " clocks");
    batches = List.copyOf(batches);
    clocks = clocks == null ? Map.of() : Map.copyOf(clocks);
    clocks.forEach((uid, offset) -> {
      Wire.requireUid(uid, "clocks key");
      Wire.require(offset != null, "clock offset of " + uid + " is required");
    });
  }

  public Upload(String via, List<Batch> batches) {
    this(Wire.VERSION, via, batches, null, Map.of());
  }

  public Upload(String via, List<Batch> batches, long sentAt, Map<String, Long> clocks) {
    this(Wire.VERSION, via, batches, sentAt, clocks);
  }

  /** The same upload with only these batches. */
  public Upload withBatches(List<Batch> kept) {
    return new Upload(v, via, kept, sentAt, clocks);
  }
}
