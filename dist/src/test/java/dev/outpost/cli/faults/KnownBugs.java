package dev.outpost.cli.faults;

/**
 * Fault tests that show a product bug are skipped unless {@code -Doutpost.faults.knownBugs=true}
 * is given; each says why in its {@code disabledReason}. Remove the annotation once the bug is fixed.
 */
final class KnownBugs {
  /** The system property that runs the tests of known bugs too. */
  static final String PROPERTY = "outpost.faults.knownBugs";

  static final String DROPS_OVERCOUNTED = "known product bug: a full hub outbox drops (and counts) entries it has sent"
      + " in frames not yet acknowledged, which the connector stores anyway, so dropped exceeds what is lost"
      + " (seen: dropped=5395, lost=4936); run with -D" + PROPERTY + "=true";

  private KnownBugs() {
  }
}
