package dev.outpost.sensors.impl;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** Numbers as people read them in measurement messages: {@code 42.5}, {@code 3.1 GiB}, {@code 2 d 4 h}. */
public final class Quantities {
  private static final String[] BINARY = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private Quantities() {
  }

  /** A number with at most two decimals and no trailing zeros: {@code 42}, {@code 0.25}, {@code 1234.5}. */
  public static String number(double value) {
    if (!Double.isFinite(value)) {
      return String.valueOf(value);
    }
    return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  /** A number with its unit, if it has one: {@code 95.3 %}, {@code 12 ms}, {@code 3}. */
  public static String withUnit(double value, String unit) {
    if (unit == null || unit.isEmpty()) {
      return number(value);
    }
    if (unit.equals("bytes")) {
      return bytes(value);
    }
    return number(value) + " " + unit;
  }

  /** A size in binary units: {@code 512 bytes}, {@code 3.1 GiB}. */
  public static String bytes(double bytes) {
    int unit = 0;
    double value = bytes;
    while (Math.abs(value) >= 1024 && unit < BINARY.length - 1) {
      value /= 1024;
      unit++;
    }
    return (unit == 0 ? number(Math.rint(value)) : BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP)
        .stripTrailingZeros().toPlainString()) + " " + BINARY[unit];
  }

  /** A duration in its two largest units: {@code 45 s}, {@code 5 min 3 s}, {@code 2 d 4 h}. */
  public static String duration(Duration duration) {
    long s = Math.max(0, duration.toSeconds());
    long d = s / 86_400;
    long h = s % 86_400 / 3_600;
    long m = s % 3_600 / 60;
    long sec = s % 60;
    if (d > 0) {
      return d + " d " + h + " h";
    }
    if (h > 0) {
      return h + " h " + m + " min";
    }
    if (m > 0) {
      return m + " min " + sec + " s";
    }
    return sec + " s";
  }

  /** Nanoseconds as milliseconds with microsecond precision. */
  static double millis(long nanos) {
    return Math.round(nanos / 1_000.0) / 1_000.0;
  }

  /** The share {@code part / whole} in percent, two decimals; 0 when the whole is 0. */
  static double percent(double part, double whole) {
    return whole <= 0 ? 0 : Math.round(part / whole * 10_000) / 100.0;
  }
}
