package dev.outpost.hub.files;

/**
 * A named extra part of a machine's diagnostic bundle (the doctor's report, say), written as
 * {@code sections/NAME} in the zip. Called on a worker thread when a bundle is built; it must not
 * return secrets.
 */
public interface BundleSection {
  /** The entry's name: 1 to 64 characters of {@code [A-Za-z0-9._-]}. */
  String name();

  /** The entry's content. */
  byte[] content();

  /** A section whose content is made when a bundle is built (on a worker thread). */
  static BundleSection lazy(String name, java.util.function.Supplier<byte[]> content) {
    return new BundleSection() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public byte[] content() {
        return content.get();
      }
    };
  }

  /** A section with fixed content. */
  static BundleSection of(String name, byte[] content) {
    return lazy(name, content::clone);
  }
}
