package dev.outpost.hub.discovery;

/** A device announced by a {@link UpnpNode}. {@link #close()} withdraws it with an SSDP byebye. */
public interface Announcement extends AutoCloseable {
  /** What is announced. */
  DeviceInfo device();

  /** The UPnP UDN, {@code uuid:...}. */
  String udn();

  /** Where its description is served, one URL per interface address. */
  java.util.List<java.net.URI> descriptionUrls();

  /** Withdraws the device: sends byebye (synchronously) and stops answering searches. Idempotent. */
  @Override
  void close();
}
