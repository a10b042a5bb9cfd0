package dev.outpost.hub.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.hub.HubConfig;
import dev.outpost.protocol.MachineConfig;
import dev.outpost.protocol.MachineRef;
import dev.outpost.protocol.Role;
import dev.outpost.protocol.SensorConfig;
import dev.outpost.protocol.Wire;
import dev.outpost.transport.DialerConfig;
import dev.outpost.transport.ProxyConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diagnostic bundle holds what support needs and no secret: no key, token, password or sealed secret. */
class DiagnosticBundleTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final MachineRef HUB = new MachineRef("hub-b", "Hub B", Role.HUB);
  static final String KEY_MATERIAL = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETKEYMATERIAL";
  static final String TOKEN = "otk1.TOKEN-SECRET-123";
  static final String PROXY_PASSWORD = "PROXY-PASS-456";
  static final String SEALED = "hpke1.SEALED-SECRET-789";
  static final String PLAIN_API_KEY = "PLAIN-API-KEY-000";

  @TempDir
  Path data;

  @Test
  void theBundleHoldsIdentityConfigurationLogsAndSectionsButNoSecret() throws Exception {
    Files.writeString(data.resolve("identity.key"), "-----BEGIN PRIVATE KEY-----\n" + KEY_MATERIAL + "\n-----END PRIVATE KEY-----\n");
    Files.writeString(data.resolve("hub.log"), "INFO started\nWARN no connector\n");
    Files.createDirectories(data.resolve("logs"));
    Files.writeString(data.resolve("logs").resolve("hub.log.1"), "INFO yesterday\n");
    Files.writeString(data.resolve("outbox.db"), "not a log");
    var sensor = new SensorConfig("db", "tcp", Map.of("host", "db.local", "apiKey", PLAIN_API_KEY), 60, 0, Map.of())
        .withSecrets(Map.of("password", SEALED));
    Files.write(data.resolve("config.json"), Wire.toJson(new MachineConfig(HUB.uid(), 3, List.of(sensor))));
    var proxy = new ProxyConfig("proxy.local", 3128, "proxyuser", PROXY_PASSWORD);
    var fallback = new HubConfig.Fallback(true, null, new DialerConfig(List.of("cloud.example.net"), null, proxy, null, null, null, null), null);
    var config = new HubConfig(data, "Hub B", "127.0.0.1:4443", null, null, TOKEN, null, fallback);

    byte[] zip = DiagnosticBundle.build(data, HUB, config, List.of(
        BundleSection.of("doctor.txt", "OK dns\nFAIL port 443".getBytes(StandardCharsets.UTF_8)),
        BundleSection.of("../escape", "x".getBytes(StandardCharsets.UTF_8))));

    var entries = entries(zip);
    assertEquals(List.of("config.json", "identity.json", "logs/hub.log", "logs/logs/hub.log.1", "sections/doctor.txt",
        "sections/invalid-name.txt", "sensors.json"), List.copyOf(entries.keySet()));
    JsonNode identity = JSON.readTree(entries.get("identity.json"));
    assertEquals("hub-b", identity.get("uid").asText());
    assertEquals("hub", identity.get("role").asText());
    assertFalse(identity.get("enrolled").asBoolean(), "no certificate in this data folder");
    JsonNode written = JSON.readTree(entries.get("config.json"));
    assertEquals(DiagnosticBundle.REDACTED, written.get("token").asText());
    JsonNode proxyJson = written.at("/fallback/cloud/proxy");
    assertEquals("proxyuser", proxyJson.get("user").asText(), "what is not secret stays: " + written);
    assertEquals("proxy.local", proxyJson.get("host").asText());
    assertEquals(DiagnosticBundle.REDACTED, proxyJson.get("password").asText());
    JsonNode sensors = JSON.readTree(entries.get("sensors.json"));
    assertEquals("db.local", sensors.at("/sensors/0/settings/host").asText());
    assertEquals(DiagnosticBundle.REDACTED, sensors.at("/sensors/0/secrets").asText());
    assertEquals(DiagnosticBundle.REDACTED, sensors.at("/sensors/0/settings/apiKey").asText());
    assertTrue(new String(entries.get("logs/hub.log"), StandardCharsets.UTF_8).contains("WARN no connector"));
    assertEquals("OK dns\nFAIL port 443", new String(entries.get("sections/doctor.txt"), StandardCharsets.UTF_8));

    for (var entry : entries.entrySet()) {
      String text = new String(entry.getValue(), StandardCharsets.UTF_8);
      for (String secret : List.of(KEY_MATERIAL, "PRIVATE KEY", TOKEN, PROXY_PASSWORD, SEALED, PLAIN_API_KEY)) {
        assertFalse(text.contains(secret), entry.getKey() + " holds " + secret);
      }
    }
  }

  static Map<String, byte[]> entries(byte[] zip) throws Exception {
    var entries = new TreeMap<String, byte[]>();
    try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        entries.put(entry.getName(), in.readAllBytes());
      }
    }
    return entries;
  }
}
