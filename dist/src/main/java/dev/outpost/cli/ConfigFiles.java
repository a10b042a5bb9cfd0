package dev.outpost.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a role's JSON config file into its config record. Unknown fields are refused here (a typo
 * in a config file should not pass silently); durations are ISO-8601 ({@code "PT30S"}).
 */
final class ConfigFiles {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private ConfigFiles() {
  }

  static <T> T read(Path file, Class<T> type) {
    if (!Files.isRegularFile(file)) {
      throw new UserError("config file " + file + " does not exist");
    }
    try {
      return MAPPER.readValue(file.toFile(), type);
    } catch (JsonMappingException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new UserError("config file " + file + ": " + e.getPathReference() + ": " + cause.getMessage());
    } catch (IOException e) {
      throw new UserError("config file " + file + " cannot be read: " + e.getMessage());
    }
  }
}
