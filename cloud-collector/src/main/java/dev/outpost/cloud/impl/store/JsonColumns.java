package dev.outpost.cloud.impl.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.protocol.Threshold;
import dev.outpost.protocol.Wire;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON text columns: measurement values (written fast, by hand), units, settings and thresholds. */
final class JsonColumns {
  private static final ObjectMapper MAPPER = Wire.json();
  private static final TypeReference<LinkedHashMap<String, Double>> VALUES = new TypeReference<>() { };
  private static final TypeReference<LinkedHashMap<String, String>> STRINGS = new TypeReference<>() { };
  private static final TypeReference<LinkedHashMap<String, Threshold>> THRESHOLDS = new TypeReference<>() { };
  private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

  private JsonColumns() {
  }

  /** {@code {"name":1.5,...}}; the values are finite (checked by {@code Measurement}). */
  static String values(Map<String, Double> values) {
    if (values.isEmpty()) {
      return "{}";
    }
    var sb = new StringBuilder(16 + values.size() * 24).append('{');
    for (var e : values.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"');
      QUOTE.quoteAsString(e.getKey(), sb);
      sb.append("\":").append(e.getValue().doubleValue());
    }
    return sb.append('}').toString();
  }

  static Map<String, Double> readValues(String json) {
    return read(json, VALUES);
  }

  static String strings(Map<String, String> map) {
    return write(map);
  }

  static Map<String, String> readStrings(String json) {
    return read(json, STRINGS);
  }

  static String thresholds(Map<String, Threshold> thresholds) {
    return write(thresholds);
  }

  static Map<String, Threshold> readThresholds(String json) {
    return read(json, THRESHOLDS);
  }

  private static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON column", e);
    }
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bad JSON in the database: " + e.getOriginalMessage(), e);
    }
  }
}
