package dev.outpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.hub.HubConfig;
import dev.outpost.transport.DialerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/configuration.md: current, complete, and naming keys that the roles really read. */
class ConfigReferenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void theCommittedReferenceIsWhatTheCommandWrites() throws IOException {
    Path committed = Path.of("..").resolve(ConfigReference.COMMITTED);
    assertTrue(Files.exists(committed), committed + " is missing: run ./outpost config-reference");
    assertEquals(ConfigReference.render(), Files.readString(committed), committed + " is stale: run ./outpost config-reference");
  }

  @Test
  void theReferenceShowsTheDefaultsTheCodeUses() {
    String reference = ConfigReference.render();
    assertTrue(reference.contains("| `lanPort` | `" + HubConfig.DEFAULT_CONNECTOR_PORT + "` |"), reference);
    assertTrue(reference.contains("| `cloud.ports` | `" + DialerConfig.DEFAULT_PORTS.toString().replace(" ", "") + "` |"), reference);
    assertTrue(reference.contains("| `logs.maxFileSize` | `\"" + ServiceSettings.Logs.DEFAULTS.maxFileSize() + "\"` |"), reference);
  }

  @Test
  void everyKeyHasAMeaningAndIsReadByItsRole() throws IOException {
    for (var role : ConfigReference.keys().entrySet()) {
      // a file that sets every key with a literal default to that default is accepted by the role
      ObjectNode file = (ObjectNode) JSON.readTree(role.getKey().minimal());
      for (var key : role.getValue()) {
        assertFalse(key.meaning().isBlank(), key.name() + " has no meaning");
        String shown = key.defaultValue();
        if (shown.startsWith("`") && shown.endsWith("`")) {
          put(file, key.name(), JSON.readTree(shown.substring(1, shown.length() - 1)));
        }
      }
      Path config = dir.resolve(role.getKey().role() + ".json");
      Files.writeString(config, file.toPrettyString());
      // unknown keys are refused, so this fails for a key the role does not read
      ConfigFiles.read(config, role.getKey().type());
      ConfigFiles.service(config);
    }
  }

  private static void put(ObjectNode file, String dotted, com.fasterxml.jackson.databind.JsonNode value) {
    String[] parts = dotted.split("\\.");
    ObjectNode node = file;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
    }
    node.set(parts[parts.length - 1], value);
  }
}
