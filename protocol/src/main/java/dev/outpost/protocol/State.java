package dev.outpost.protocol;

/** The state of one measurement, worst last so that states can be compared by severity. */
public enum State {
  OK, WARNING, ERROR;

  /** The more severe of the two. */
  public State worst(State other) {
    return other.ordinal() > ordinal() ? other : this;
  }
}
