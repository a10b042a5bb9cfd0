package dev.outpost.protocol;

import java.util.regex.Pattern;

/**
 * What the cloud asks one machine to do with a file, sent over the connector's command channel (and
 * on to a hub over its LAN link). The URL is signed for this one file and one right by the cloud;
 * it is the only authorisation the transfer needs.
 *
 * @param file    the file's id: 32 lowercase hex characters
 * @param machine the uid of the machine that is to do it (the connector itself, or one of its hubs)
 * @param action  {@code fetch}: download the URL (a read URL), check the SHA-256, and keep it as
 *                {@code DATA/files/NAME}; {@code bundle}: build the diagnostic bundle and upload it
 *                to the URL (a write URL)
 * @param name    the file's name: 1 to 100 characters of {@code [A-Za-z0-9._-]}, not starting with a dot
 * @param url     the path and query of the signed URL ({@code /files/v1/ID?right=…&expires=…&sig=…}),
 *                relative to whichever cloud endpoint the machine reaches
 * @param sha256  for {@code fetch}: the file's SHA-256 (64 lowercase hex characters); null for {@code bundle}
 * @param size    for {@code fetch}: the file's size in bytes; 0 for {@code bundle}
 */
public record FileTask(String file, String machine, String action, String name, String url, String sha256, long size) {
  public static final String FETCH = "fetch";
  public static final String BUNDLE = "bundle";
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public FileTask {
    Wire.require(isFileId(file), "file must be 32 lowercase hex characters");
    Wire.requireUid(machine, "machine");
    Wire.require(FETCH.equals(action) || BUNDLE.equals(action), "action must be fetch or bundle");
    Wire.require(isFileName(name), "name must be 1 to 100 characters of A-Z a-z 0-9 . _ -, not starting with a dot");
    Wire.require(url != null && url.startsWith("/files/v1/" + file + "?") && url.length() <= 500, "url must be the file's signed path");
    Wire.require(!FETCH.equals(action) || (sha256 != null && SHA256.matcher(sha256).matches()), "a fetch needs the file's sha256");
    Wire.require(size >= 0, "size must not be negative");
  }

  /** Whether the text is a file id: 32 lowercase hex characters. */
  public static boolean isFileId(String text) {
    return text != null && ID.matcher(text).matches();
  }

  /** Whether the text is an acceptable file name (no path, no leading dot). */
  public static boolean isFileName(String text) {
    return text != null && NAME.matcher(text).matches() && !text.equals("..");
  }
}
