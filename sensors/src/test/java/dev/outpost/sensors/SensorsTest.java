package dev.outpost.sensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.protocol.DefaultSensors;
import dev.outpost.protocol.SensorConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SensorsTest {
  private final Sensors sensors = Sensors.builtIn();

  private static SensorConfig config(String type, Map<String, String> settings) {
    return new SensorConfig("s1", type, settings, 60, 10, Map.of());
  }

  /** For every built-in type, settings that are valid. */
  static Stream<Arguments> validSettings() {
    return Stream.of(
        Arguments.of("cpu", Map.of()),
        Arguments.of("memory", Map.of()),
        Arguments.of("disk", Map.of("path", "/")),
        Arguments.of("uptime", Map.of()),
        Arguments.of("process", Map.of("name", "sshd")),
        Arguments.of("tcp-port", Map.of("host", "127.0.0.1", "port", "22")),
        Arguments.of("http", Map.of("url", "http://127.0.0.1:8080/")),
        Arguments.of("ping", Map.of("host", "127.0.0.1")),
        Arguments.of("file", Map.of("path", "/var/log")));
  }

  @Test
  void theBuiltInCatalogueHasEveryTypeTheDocsList() {
    assertEquals(List.of("cpu", "memory", "disk", "uptime", "process", "tcp-port", "http", "ping", "file"),
        List.copyOf(sensors.types()));
    assertEquals(sensors.types().size(), validSettings().count(), "every type is in the contract tests");
  }

  @Test
  void theSensorsEveryNewMachineGetsCanBeCreated() {
    for (var config : DefaultSensors.forNewMachine()) {
      assertNotNull(sensors.create(config));
    }
  }

  @ParameterizedTest
  @MethodSource("validSettings")
  void everyTypeAcceptsItsDocumentedSettings(String type, Map<String, String> settings) {
    assertNotNull(sensors.create(config(type, settings)));
  }

  @ParameterizedTest
  @MethodSource("validSettings")
  void everyTypeRefusesAnUnknownSettingByName(String type, Map<String, String> settings) {
    var withTypo = new HashMap<>(settings);
    withTypo.put("contians", "x");
    var e = assertThrows(SensorConfigException.class, () -> sensors.create(config(type, withTypo)));
    var expected = "sensor s1 (" + type + "): unknown setting contians ("
        + (settings.isEmpty() ? "this type has no settings)" : "known: ");
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @Test
  void anUnknownTypeIsRefusedWithTheKnownOnes() {
    var e = assertThrows(SensorConfigException.class, () -> sensors.create(config("snmp", Map.of())));
    assertEquals("sensor s1: unknown type snmp (known: cpu, memory, disk, uptime, process, tcp-port, http, ping, file)",
        e.getMessage());
  }

  @Test
  void badSettingsAreRefusedWithAMessageNamingTheSetting() {
    assertEquals("sensor s1 (tcp-port): setting port is required",
        message("tcp-port", Map.of("host", "127.0.0.1")));
    assertEquals("sensor s1 (tcp-port): setting port must be a whole number from 1 to 65535, not '70000'",
        message("tcp-port", Map.of("host", "127.0.0.1", "port", "70000")));
    assertEquals("sensor s1 (http): setting url must be an http:// or https:// address with a host, not 'ftp://x/'",
        message("http", Map.of("url", "ftp://x/")));
    assertEquals("sensor s1 (http): setting expectStatus must be statuses such as 200, 2xx or 200-299 separated by commas, not 'ok'",
        message("http", Map.of("url", "http://x/", "expectStatus", "ok")));
    assertEquals("sensor s1 (http): setting password needs a username",
        message("http", Map.of("url", "http://x/", "password", "secret")));
    assertEquals("sensor s1 (http): setting contains needs a body, which a HEAD request does not get",
        message("http", Map.of("url", "http://x/", "method", "head", "contains", "ok")));
    assertEquals("sensor s1 (disk): setting path must be an absolute path, not 'data'",
        message("disk", Map.of("path", "data")));
    assertEquals("sensor s1 (file): setting path is required", message("file", Map.of()));
    assertEquals("sensor s1 (process): setting name is required", message("process", Map.of("name", " ")));
  }

  @Test
  void aCatalogueCanTakeMoreTypes() {
    var withCustom = sensors.with(SensorType.of("constant", config -> context -> Reading.of("42").with("answer", 42)));
    assertEquals(10, withCustom.types().size());
    assertNotNull(withCustom.create(config("constant", Map.of())));
    assertEquals(9, sensors.types().size(), "the catalogue is immutable");

    var plainIllegalArgument = sensors.with(SensorType.of("picky", config -> {
      throw new IllegalArgumentException("setting x is wrong");
    }));
    assertEquals("sensor s1 (picky): setting x is wrong", assertThrows(SensorConfigException.class,
        () -> plainIllegalArgument.create(config("picky", Map.of()))).getMessage());
  }

  private String message(String type, Map<String, String> settings) {
    return assertThrows(SensorConfigException.class, () -> sensors.create(config(type, settings))).getMessage();
  }
}
