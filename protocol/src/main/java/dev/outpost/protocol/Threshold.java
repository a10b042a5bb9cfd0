package dev.outpost.protocol;

/**
 * Bounds for one named value of a sensor; any bound may be null (not checked). A value above
 * {@code errorAbove} or below {@code errorBelow} is ERROR, else above {@code warningAbove} or below
 * {@code warningBelow} is WARNING.
 */
public record Threshold(Double warningAbove, Double errorAbove, Double warningBelow, Double errorBelow) {

  /** The state this threshold gives a value. */
  public State classify(double value) {
    if ((errorAbove != null && value > errorAbove) || (errorBelow != null && value < errorBelow)) {
      return State.ERROR;
    }
    if ((warningAbove != null && value > warningAbove) || (warningBelow != null && value < warningBelow)) {
      return State.WARNING;
    }
    return State.OK;
  }
}
