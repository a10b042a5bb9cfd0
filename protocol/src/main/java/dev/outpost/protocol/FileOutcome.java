package dev.outpost.protocol;

/**
 * How a {@link FileTask} ended on the machine, sent back the way the task came.
 *
 * @param file    the file's id
 * @param machine the machine's uid
 * @param ok      true when the file was fetched and its SHA-256 matched (and it is kept), or the
 *                bundle was uploaded
 * @param reason  why it failed, or null
 */
public record FileOutcome(String file, String machine, boolean ok, String reason) {
  public FileOutcome {
    Wire.require(FileTask.isFileId(file), "file must be 32 lowercase hex characters");
    Wire.requireUid(machine, "machine");
    Wire.require(ok == (reason == null), "a reason exactly when it failed");
    reason = reason == null || reason.length() <= 300 ? reason : reason.substring(0, 300);
  }
}
