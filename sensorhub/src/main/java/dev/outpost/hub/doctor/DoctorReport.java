package dev.outpost.hub.doctor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Everything the doctor found on one machine, in the order it checked. {@link #toText()} is what
 * {@code outpost connector doctor} and {@code outpost hub doctor} print, {@link #toJson()} what they
 * print with {@code --json}; both fit a diagnostic bundle as they are.
 */
public record DoctorReport(List<Check> checks) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public DoctorReport {
    checks = List.copyOf(checks);
  }

  /** Whether any check failed. */
  public boolean failed() {
    return checks.stream().anyMatch(c -> c.status() == Check.Status.FAIL);
  }

  /** 0 when nothing failed, 1 otherwise: the commands' exit code. */
  public int exitCode() {
    return failed() ? 1 : 0;
  }

  /** One line per check ({@link Check#toText()}), each ending with a newline. */
  public String toText() {
    return checks.stream().map(c -> c.toText() + "\n").collect(Collectors.joining());
  }

  /**
   * A JSON array of {@code {"name", "status", "detail", "hint"}} in the order of the checks
   * ({@code hint} is null on OK).
   */
  public String toJson() {
    try {
      return JSON.writeValueAsString(checks) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the doctor's report as JSON", e);
    }
  }
}
