package dev.outpost.protocol;

import java.util.List;

/**
 * What a connector (or, as fallback, a hub) posts to the cloud's ingest endpoint
 * ({@code POST /device/v1/batches}, CBOR). The cloud answers with an {@link UploadAck} only after
 * its database commit.
 *
 * @param v       wire format version, {@link Wire#VERSION}
 * @param via     the uid of the machine that uploads
 * @param batches batches of any sources, in the order they were received
 */
public record Upload(int v, String via, List<Batch> batches) {
  public Upload {
    Wire.require(v == Wire.VERSION, "unsupported wire version " + v + ", this side speaks " + Wire.VERSION);
    Wire.requireUid(via, "via");
    Wire.require(batches != null && !batches.isEmpty(), "an upload holds at least one batch");
    batches = List.copyOf(batches);
  }

  public Upload(String via, List<Batch> batches) {
    this(Wire.VERSION, via, batches);
  }
}
