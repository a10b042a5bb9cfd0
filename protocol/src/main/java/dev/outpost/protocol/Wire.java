package dev.outpost.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The one place that turns wire records into bytes and back. Device links use CBOR (compact,
 * fast); the command channel and the REST API use JSON. Both are strict: unknown fields are
 * ignored for forward compatibility, but wrong types, missing required values and trailing
 * garbage are refused with a {@link WireFormatException} that says what is wrong.
 */
public final class Wire {
  /** The wire format version this build speaks. */
  public static final int VERSION = 1;
  /** Media type of CBOR bodies on device links. */
  public static final String CBOR = "application/cbor";

  private static final Pattern UID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(32).maxStringLength(1 << 20).build();

  private static final ObjectMapper CBOR_MAPPER = configure(
      CBORMapper.builder(CBORFactory.builder().streamReadConstraints(LIMITS).build()).build());
  private static final ObjectMapper JSON_MAPPER = configure(
      JsonMapper.builder(new com.fasterxml.jackson.core.JsonFactoryBuilder().streamReadConstraints(LIMITS).build()).build());

  private static final ObjectMapper STRICT_JSON_MAPPER = configure(
      JsonMapper.builder(new com.fasterxml.jackson.core.JsonFactoryBuilder().streamReadConstraints(LIMITS).build()).build())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private Wire() {
  }

  private static ObjectMapper configure(ObjectMapper mapper) {
    return mapper
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
        .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
  }

  /** The JSON mapper with the same rules, for modules that bind their own records. */
  public static ObjectMapper json() {
    return JSON_MAPPER;
  }

  public static byte[] toCbor(Object value) {
    try {
      return CBOR_MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  public static <T> T fromCbor(byte[] bytes, Class<T> type) {
    return read(CBOR_MAPPER, bytes, type);
  }

  public static byte[] toJson(Object value) {
    try {
      return JSON_MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  public static String toJsonString(Object value) {
    try {
      return JSON_MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  public static <T> T fromJson(byte[] bytes, Class<T> type) {
    return read(JSON_MAPPER, bytes, type);
  }

  /**
   * Like {@link #fromJson(byte[], Class)}, but a field the type does not have is an error too: for
   * bodies that people write (API requests), where a misspelt field should not pass silently.
   */
  public static <T> T fromJsonStrict(byte[] bytes, Class<T> type) {
    return read(STRICT_JSON_MAPPER, bytes, type);
  }

  public static <T> T fromJson(String text, Class<T> type) {
    return fromJson(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
  }

  private static <T> T read(ObjectMapper mapper, byte[] bytes, Class<T> type) {
    if (bytes == null || bytes.length == 0) {
      throw new WireFormatException("empty body, expected " + type.getSimpleName());
    }
    try {
      T value = mapper.readValue(bytes, type);
      if (value == null) {
        throw new WireFormatException("null, expected " + type.getSimpleName());
      }
      return value;
    } catch (JsonMappingException e) {
      throw new WireFormatException(describe(e), e);
    } catch (JsonProcessingException e) {
      throw new WireFormatException("malformed " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new WireFormatException("unreadable " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  private static String describe(JsonMappingException e) {
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException unknown) {
      return "unknown field " + unknown.getPropertyName() + "; known: " + unknown.getKnownPropertyIds();
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mismatch && mismatch.getTargetType() != null) {
      return pathOf(e) + "expected " + describeType(mismatch.getTargetType());
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof WireFormatException || root instanceof IllegalArgumentException) {
      return pathOf(e) + root.getMessage();
    }
    return pathOf(e) + e.getOriginalMessage();
  }

  private static String describeType(Class<?> type) {
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return "a whole number";
    }
    if (type == double.class || type == Double.class) {
      return "a number";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    return "a " + type.getSimpleName();
  }

  private static String pathOf(JsonMappingException e) {
    var sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "" : sb + ": ";
  }

  /** Throws a {@link WireFormatException} with the message unless the condition holds. */
  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new WireFormatException(message);
    }
  }

  /** Checks a machine uid: 1 to 64 characters of {@code [A-Za-z0-9._-]}. */
  public static void requireUid(String uid, String what) {
    require(uid != null && UID.matcher(uid).matches(), what + " must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }

  /** Checks an id (sensor id, sensor type): same alphabet as a uid. */
  public static void requireId(String id, String what) {
    requireUid(id, what);
  }

  /** True if the text is a valid uid or id. */
  public static boolean isValidId(String id) {
    return id != null && UID.matcher(id).matches();
  }
}
