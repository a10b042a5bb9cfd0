package dev.outpost.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cloud's configuration as a config file gives it (bound by Jackson like the launcher does). */
class CloudConfigTest {
  static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  static CloudConfig read(String json) throws Exception {
    return MAPPER.readValue(json, CloudConfig.class);
  }

  @Test
  void theClockLimitIsTwoSecondsUnlessConfigured() throws Exception {
    assertEquals(Duration.ofSeconds(2), read("{\"dataDir\": \"/tmp/cloud\"}").clock().maxSkew());
    assertEquals(Duration.ofSeconds(2), read("{\"dataDir\": \"/tmp/cloud\", \"clock\": {}}").clock().maxSkew());
    assertEquals(Duration.ofMillis(500), read("{\"dataDir\": \"/tmp/cloud\", \"clock\": {\"maxSkew\": \"PT0.5S\"}}").clock().maxSkew());
    assertEquals(CloudConfig.Clock.DEFAULT_MAX_SKEW, CloudConfig.inFolder(java.nio.file.Path.of("/tmp/cloud")).clock().maxSkew());
  }

  @Test
  void aBadClockLimitIsRefusedWithItsName() {
    for (String bad : new String[] {"PT0S", "-PT2S", "PT0.05S", "P2D"}) {
      var e = assertThrows(ValueInstantiationException.class,
          () -> read("{\"dataDir\": \"/tmp/cloud\", \"clock\": {\"maxSkew\": \"" + bad + "\"}}"), bad);
      assertTrue(e.getMessage().contains("clock.maxSkew must be 100 ms to 1 day"), e.getMessage());
    }
    assertThrows(Exception.class, () -> read("{\"dataDir\": \"/tmp/cloud\", \"clock\": {\"maxSkew\": \"2 seconds\"}}"));
    assertThrows(Exception.class, () -> read("{\"dataDir\": \"/tmp/cloud\", \"clock\": {\"skew\": \"PT2S\"}}"));
  }

  @Test
  void fileUrlsAreValidThirtyDaysAndFilesAtMostSixteenMibUnlessConfigured() throws Exception {
    var defaults = read("{\"dataDir\": \"/tmp/cloud\"}");
    assertEquals(Duration.ofDays(30), defaults.files().urlValidity());
    assertEquals(16L << 20, defaults.files().maxBytes());
    assertEquals(java.nio.file.Path.of("/tmp/cloud/blobs"), defaults.blobFolder());
    var set = read("{\"dataDir\": \"/tmp/cloud\", \"files\": {\"folder\": \"/srv/blobs\", \"urlValidity\": \"P7D\", \"maxBytes\": 4096}}");
    assertEquals(Duration.ofDays(7), set.files().urlValidity());
    assertEquals(4096, set.files().maxBytes());
    assertEquals(java.nio.file.Path.of("/srv/blobs"), set.blobFolder());
    for (String bad : new String[] {"{\"urlValidity\": \"PT10S\"}", "{\"urlValidity\": \"P400D\"}", "{\"maxBytes\": 100}",
        "{\"maxBytes\": 1073741824}"}) {
      var e = assertThrows(ValueInstantiationException.class, () -> read("{\"dataDir\": \"/tmp/cloud\", \"files\": " + bad + "}"), bad);
      assertTrue(e.getMessage().contains("files."), e.getMessage());
    }
  }
}
