package dev.outpost.hub.doctor;

import java.util.Objects;

/**
 * One finding of the doctor: what was checked, how it came out, what was found, and on WARN or FAIL
 * what to do about it.
 *
 * @param name   what was checked ({@code gateway}, {@code dns}, {@code endpoint}, …; see {@code docs/doctor.md})
 * @param status how it came out
 * @param detail what was found, in one line
 * @param hint   what to do; null on OK
 */
public record Check(String name, Status status, String detail, String hint) {
  /** How a check came out. */
  public enum Status {
    /** Works. */
    OK,
    /** Works, but something deserves a look (or could not be checked). */
    WARN,
    /** Does not work: the machine cannot do its job this way. */
    FAIL
  }

  public Check {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
    hint = status == Status.OK ? null : hint;
  }

  public static Check ok(String name, String detail) {
    return new Check(name, Status.OK, detail, null);
  }

  public static Check warn(String name, String detail, String hint) {
    return new Check(name, Status.WARN, detail, hint);
  }

  public static Check fail(String name, String detail, String hint) {
    return new Check(name, Status.FAIL, detail, hint);
  }

  /** The same finding under another name ({@code fallback.endpoint} for the hub's own way to the cloud). */
  Check named(String newName) {
    return new Check(newName, status, detail, hint);
  }

  /** The same finding, a FAIL softened to a WARN: for paths the machine does not need. */
  Check atMostWarn() {
    return status == Status.FAIL ? new Check(name, Status.WARN, detail, hint) : this;
  }

  /** {@code STATUS  name  detail — hint}, the hint only on WARN and FAIL. */
  public String toText() {
    return String.format("%-4s  %-10s  %s%s", status, name, detail, hint == null ? "" : " — " + hint);
  }
}
