package dev.outpost.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a role's JSON config file into its config record. Unknown fields are refused here (a typo
 * in a config file should not pass silently); durations are ISO-8601 ({@code "PT30S"}). The keys of
 * the process around the role ({@link #SERVICE_KEYS}) are read by {@link #service}, not by the role.
 */
final class ConfigFiles {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private ConfigFiles() {
  }

  /** Keys of {@link ServiceSettings} in every role's config file. */
  static final List<String> SERVICE_KEYS = List.of("metrics", "logs");

  static <T> T read(Path file, Class<T> type) {
    var tree = tree(file);
    SERVICE_KEYS.forEach(tree::remove);
    return bind(file, tree, type);
  }

  /** A config record from JSON text, as {@link #read} makes it from a file (the configuration reference uses it). */
  static <T> T parse(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(type.getSimpleName() + " from " + json + ": " + e.getOriginalMessage(), e);
    }
  }

  /** The settings of the process around the role in this file (defaults where it says nothing). */
  static ServiceSettings service(Path file) {
    var tree = tree(file);
    var service = MAPPER.createObjectNode();
    SERVICE_KEYS.stream().filter(tree::has).forEach(key -> service.set(key, tree.get(key)));
    return bind(file, service, ServiceSettings.class);
  }

  private static ObjectNode tree(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("config file " + file + " does not exist");
    }
    try {
      if (MAPPER.readTree(file.toFile()) instanceof ObjectNode object) {
        return object;
      }
      throw new UserError("config file " + file + " is not a JSON object");
    } catch (JsonProcessingException e) {
      throw new UserError("config file " + file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UserError("config file " + file + " cannot be read: " + e.getMessage());
    }
  }

  private static <T> T bind(Path file, ObjectNode tree, Class<T> type) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new UserError("config file " + file + ": " + e.getPathReference() + ": " + cause.getMessage());
    } catch (JsonProcessingException e) {
      throw new UserError("config file " + file + ": " + e.getOriginalMessage());
    }
  }
}
