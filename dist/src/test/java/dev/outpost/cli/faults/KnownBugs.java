package dev.outpost.cli.faults;

/**
 * Fault tests that show a product bug are skipped unless {@code -Doutpost.faults.knownBugs=true}
 * is given; each says why in its {@code disabledReason}. Remove the annotation once the bug is fixed.
 */
final class KnownBugs {
  /** The system property that runs the tests of known bugs too. */
  static final String PROPERTY = "outpost.faults.knownBugs";

  static final String CLOUD_COMMIT_NOT_DURABLE = "known product bug: the cloud acknowledges uploads after an H2 commit"
      + " that is not yet written to its file (H2's write delay), so kill -9 of the cloud loses acknowledged measurements"
      + " (seen: 66 to 282 lost, in 4 runs of 4); run with -D" + PROPERTY + "=true";

  static final String DROPS_OVERCOUNTED = "known product bug: a full hub outbox drops (and counts) entries it has sent"
      + " in frames not yet acknowledged, which the connector stores anyway, so dropped exceeds what is lost"
      + " (seen: dropped=5395, lost=4936); run with -D" + PROPERTY + "=true";

  static final String CLOUD_DISK_FULL = "known product bug: on a full disk the cloud acknowledges uploads that H2 then fails"
      + " to write, closes its database and does not recover when space is freed (seen: 3040 acknowledged measurements"
      + " lost, a restart needed); run with -D" + PROPERTY + "=true";

  private KnownBugs() {
  }
}
