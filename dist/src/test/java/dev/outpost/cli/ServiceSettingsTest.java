package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.hub.HubConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The "metrics" and "logs" keys of a role's config file: defaults, values, refusals. */
class ServiceSettingsTest {
  @TempDir
  Path dir;

  @Test
  void withoutTheKeysEachRoleGetsItsLoopbackMetricsPortAndDefaultLogs() throws IOException {
    Path file = write("{\"dataDir\": \"" + dir + "\", \"connector\": \"127.0.0.1\"}");
    var service = ConfigFiles.service(file);
    assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", ServiceSettings.HUB_METRICS_PORT)),
        service.metricsAddress("hub"));
    assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", ServiceSettings.CONNECTOR_METRICS_PORT)),
        service.metricsAddress("connector"));
    assertEquals(Optional.empty(), service.metricsAddress("cloud"), "the cloud serves /metrics on its API port");
    assertEquals(ServiceSettings.Logs.DEFAULTS, service.logs());
    // the role itself does not see them
    assertEquals("127.0.0.1", ConfigFiles.read(file, HubConfig.class).connector());
  }

  @Test
  void theKeysSetTheAddressTurnMetricsOffAndTuneTheLogs() throws IOException {
    Path file = write("{\"dataDir\": \"" + dir + "\", \"metrics\": \"127.0.0.1:0\","
        + " \"logs\": {\"level\": \"DEBUG\", \"maxFileSize\": \"5mb\"}}");
    var service = ConfigFiles.service(file);
    assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", 0)), service.metricsAddress("hub"));
    assertEquals(new ServiceSettings.Logs("debug", "5MB", 14, "200MB"), service.logs());
    assertEquals(Optional.empty(), ConfigFiles.service(write("{\"metrics\": \"off\"}")).metricsAddress("relay"));
  }

  @Test
  void badValuesAreRefusedWithTheKeyInTheMessage() throws IOException {
    assertRefused("{\"metrics\": \"127.0.0.1\"}", "metrics must be host:port");
    assertRefused("{\"metrics\": \"127.0.0.1:99999\"}", "metrics port must be 0 to 65535");
    assertRefused("{\"logs\": {\"level\": \"loud\"}}", "logs.level must be");
    assertRefused("{\"logs\": {\"maxFileSize\": \"ten\"}}", "logs.maxFileSize must be a size");
    assertRefused("{\"logs\": {\"maxHistory\": -1}}", "logs.maxHistory must be at least 1");
    assertRefused("{\"logs\": {\"rotate\": true}}", "rotate");
    assertRefused("[1, 2]", "is not a JSON object");
    assertRefused("{\"metrics\": ", "is not valid JSON");
  }

  private void assertRefused(String json, String expected) throws IOException {
    Path file = write(json);
    var error = assertThrows(UserError.class, () -> ConfigFiles.service(file));
    assertTrue(error.getMessage().contains(expected), error.getMessage());
    assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
  }

  private Path write(String json) throws IOException {
    Path file = Files.createTempFile(dir, "config", ".json");
    Files.writeString(file, json);
    return file;
  }
}
