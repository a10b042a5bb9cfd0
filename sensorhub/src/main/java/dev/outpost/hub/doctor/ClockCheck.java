package dev.outpost.hub.doctor;

import dev.outpost.transport.RouteProbe;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * This machine's clock against the cloud's, from the {@code Date} header of the cloud's answer. The
 * header has whole seconds, so the offset is known as a range: the cloud's clock read between the
 * request leaving and the answer arriving, somewhere in that second. The check judges the end of
 * the range nearest to zero: more than {@link DoctorSettings#maxClockSkew()} off is a FAIL, more
 * than half of it a WARN. {@link DoctorSettings#clockShift()} is added to this machine's clock first.
 */
public final class ClockCheck {
  static final String NAME = "clock";

  private ClockCheck() {
  }

  public static Check run(List<RouteProbe> probes, DoctorSettings settings) {
    var answer = probes.stream().filter(p -> p.outcome() == RouteProbe.Outcome.ANSWERED).findFirst().orElse(null);
    if (answer == null) {
      return Check.warn(NAME, "not checked: the cloud did not answer", "fix the endpoint checks first");
    }
    String date = answer.headers().get("Date");
    if (date == null) {
      return Check.warn(NAME, "not checked: the cloud's answer has no Date header", "update the cloud");
    }
    long cloudSecond;
    try {
      cloudSecond = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return Check.warn(NAME, "not checked: the cloud's Date header '" + date + "' does not parse", "update the cloud");
    }
    long shift = settings.clockShift().toMillis();
    // offset = this clock − the cloud's clock; positive: this machine is ahead
    long low = answer.sentAtMillis() + shift - (cloudSecond + 999);
    long high = answer.receivedAtMillis() + shift - cloudSecond;
    long nearest = low > 0 ? low : high < 0 ? high : 0;
    long estimate = (low + high) / 2;
    long spread = (high - low + 1) / 2;
    String detail = String.format("this machine is %+.1f s off the cloud's clock (±%.1f s; positive: ahead)%s",
        estimate / 1000.0, spread / 1000.0, shift == 0 ? "" : ", doctor.clockShift " + settings.clockShift() + " included");
    Duration off = Duration.ofMillis(Math.abs(nearest));
    if (off.compareTo(settings.maxClockSkew()) > 0) {
      return Check.fail(NAME, detail, "more than " + seconds(settings.maxClockSkew()) + ": set the clock right and keep it"
          + " synchronised (NTP, UDP 123 to your time servers); certificates and measurement times depend on it");
    }
    if (off.compareTo(settings.maxClockSkew().dividedBy(2)) > 0) {
      return Check.warn(NAME, detail, "drifting: check that NTP synchronises this machine's clock");
    }
    return Check.ok(NAME, detail);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
