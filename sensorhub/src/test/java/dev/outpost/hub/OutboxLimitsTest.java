package dev.outpost.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Defaults, validation, and binding from a config file's {@code outbox} object. */
class OutboxLimitsTest {
  /** Configured like the CLI's config file reader. */
  private static final ObjectMapper CONFIG_FILES = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  @Test
  void missingOrZeroValuesTakeTheDefaults() {
    assertEquals(new OutboxLimits(5_000_000, Duration.ofDays(7)), OutboxLimits.DEFAULTS);
    assertEquals(OutboxLimits.DEFAULTS, new OutboxLimits(0, null));
    assertEquals(OutboxLimits.DEFAULTS, new OutboxLimits(0, Duration.ZERO));
    assertEquals(new OutboxLimits(10, OutboxLimits.DEFAULT_MAX_AGE), new OutboxLimits(10));
  }

  @Test
  void badLimitsAreRefusedWithAClearMessage() {
    assertEquals("outbox maxMeasurements must be positive (0: default 5000000), not -1",
        assertThrows(IllegalArgumentException.class, () -> new OutboxLimits(-1)).getMessage());
    assertEquals("outbox maxAge must be positive (0: default 7 days), not PT-1S",
        assertThrows(IllegalArgumentException.class, () -> new OutboxLimits(10, Duration.ofSeconds(-1))).getMessage());
  }

  @Test
  void bindsFromJsonWithIsoDurations() throws Exception {
    assertEquals(new OutboxLimits(1000, Duration.ofDays(2)),
        CONFIG_FILES.readValue("{\"maxMeasurements\": 1000, \"maxAge\": \"P2D\"}", OutboxLimits.class));
    assertEquals(new OutboxLimits(0, Duration.ofHours(12)),
        CONFIG_FILES.readValue("{\"maxAge\": \"PT12H\"}", OutboxLimits.class));
    assertEquals(new OutboxLimits(1000), CONFIG_FILES.readValue("{\"maxMeasurements\": 1000}", OutboxLimits.class));
    assertEquals(OutboxLimits.DEFAULTS, CONFIG_FILES.readValue("{}", OutboxLimits.class));

    var refused = assertThrows(JsonMappingException.class,
        () -> CONFIG_FILES.readValue("{\"maxAge\": \"-PT1H\"}", OutboxLimits.class));
    assertTrue(refused.getMessage().contains("outbox maxAge must be positive"), refused.getMessage());
  }
}
