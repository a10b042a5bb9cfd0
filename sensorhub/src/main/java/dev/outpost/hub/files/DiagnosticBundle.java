package dev.outpost.hub.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.outpost.crypto.Pem;
import dev.outpost.crypto.TlsFiles;
import dev.outpost.hub.AppliedConfig;
import dev.outpost.protocol.MachineRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A machine's diagnostic bundle, a zip that support can read: {@code identity.json} (uid, name,
 * role, certificate subject and expiry), {@code config.json} (the machine's own configuration)
 * and {@code sensors.json} (the configuration the cloud sent), both with every secret replaced by
 * {@value #REDACTED}, the newest log files of the data folder ({@code logs/…}, at most
 * {@value #MAX_LOG_FILES} files, the last {@value #MAX_LOG_BYTES} bytes of each), and the extra
 * {@link BundleSection}s ({@code sections/NAME}). Private keys, tokens and passwords are never
 * read into it: only named files are, and values under secret-like keys are dropped.
 */
public final class DiagnosticBundle {
  public static final String REDACTED = "(removed)";
  static final int MAX_LOG_FILES = 10;
  static final int MAX_LOG_BYTES = 1 << 20;
  /** Keys whose values are secrets: tokens, passwords, keys, credentials, sealed secrets. */
  private static final Pattern SECRET_KEY = Pattern.compile(
      "(?i).*(token|password|passwd|secret|credential|private|passphrase|apikey|api_key).*|key|keys");
  private static final Pattern LOG_FILE = Pattern.compile("(?i).+\\.log(\\.[0-9]+)?(\\.gz)?|.+\\.log\\.[0-9-]+(\\.gz)?");
  private static final Pattern SECTION_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final ObjectMapper JSON = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private DiagnosticBundle() {
  }

  /**
   * Blocking. Builds the bundle.
   *
   * @param dataDir  the machine's data folder
   * @param machine  who the machine is
   * @param config   its own configuration record (a connector's or hub's), written without secrets
   * @param sections extra parts
   */
  public static byte[] build(Path dataDir, MachineRef machine, Object config, List<BundleSection> sections) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var zip = new ZipOutputStream(bytes)) {
      put(zip, "identity.json", identity(dataDir, machine));
      put(zip, "config.json", JSON.writeValueAsBytes(redacted(tree(config))));
      Path applied = dataDir.resolve(AppliedConfig.FILE);
      if (Files.isRegularFile(applied)) {
        put(zip, "sensors.json", JSON.writeValueAsBytes(redacted(JSON.readTree(Files.readAllBytes(applied)))));
      }
      for (Path log : logs(dataDir)) {
        put(zip, "logs/" + dataDir.relativize(log).toString().replace('\\', '/'), tail(log));
      }
      for (BundleSection section : sections) {
        String name = section.name();
        if (name == null || !SECTION_NAME.matcher(name).matches()) {
          put(zip, "sections/invalid-name.txt", ("a section with an invalid name was left out: " + abbreviate(name)).getBytes(StandardCharsets.UTF_8));
          continue;
        }
        byte[] content;
        try {
          content = section.content();
        } catch (RuntimeException e) {
          content = ("this section failed: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
        put(zip, "sections/" + name, content);
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] identity(Path dataDir, MachineRef machine) throws IOException {
    ObjectNode node = JSON.createObjectNode()
        .put("uid", machine.uid())
        .put("name", machine.name())
        .put("role", machine.role().wireName())
        .put("builtAt", Instant.now().toString());
    var tls = TlsFiles.inFolder(dataDir);
    if (Files.isRegularFile(tls.certificate())) {
      try {
        var leaf = Pem.readCertificates(tls.certificate()).get(0);
        node.put("enrolled", true)
            .put("certificateSubject", leaf.getSubjectX500Principal().getName())
            .put("certificateExpires", leaf.getNotAfter().toInstant().toString());
      } catch (RuntimeException e) {
        node.put("enrolled", false).put("certificateProblem", e.getMessage());
      }
    } else {
      node.put("enrolled", false);
    }
    return JSON.writeValueAsBytes(node);
  }

  private static JsonNode tree(Object config) {
    if (config == null) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.valueToTree(config);
    } catch (IllegalArgumentException e) {
      return JSON.createObjectNode().put("unavailable", "the configuration could not be written: " + e.getMessage());
    }
  }

  /** The tree with the value of every secret-like key, and any text that holds a private key, replaced. */
  static JsonNode redacted(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      var replaced = new ArrayList<String>();
      while (fields.hasNext()) {
        var field = fields.next();
        if (SECRET_KEY.matcher(field.getKey()).matches() && !field.getValue().isNull()) {
          replaced.add(field.getKey());
        } else {
          redacted(field.getValue());
        }
      }
      replaced.forEach(key -> object.set(key, TextNode.valueOf(REDACTED)));
      object.fields().forEachRemaining(field -> {
        if (field.getValue().isTextual() && field.getValue().asText().contains("PRIVATE KEY")) {
          field.setValue(TextNode.valueOf(REDACTED));
        }
      });
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (array.get(i).isTextual() && array.get(i).asText().contains("PRIVATE KEY")) {
          array.set(i, TextNode.valueOf(REDACTED));
        } else {
          redacted(array.get(i));
        }
      }
    }
    return node;
  }

  /** The newest log files in the data folder and its {@code logs/} folder. */
  private static List<Path> logs(Path dataDir) throws IOException {
    var found = new ArrayList<Path>();
    for (Path folder : List.of(dataDir, dataDir.resolve("logs"))) {
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (var files = Files.list(folder)) {
        files.filter(Files::isRegularFile).filter(f -> LOG_FILE.matcher(f.getFileName().toString()).matches()).forEach(found::add);
      }
    }
    found.sort(Comparator.comparing(DiagnosticBundle::modified).reversed());
    return found.subList(0, Math.min(MAX_LOG_FILES, found.size()));
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static byte[] tail(Path file) throws IOException {
    try (var in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      long from = Math.max(0, length - MAX_LOG_BYTES);
      var bytes = new byte[(int) (length - from)];
      in.seek(from);
      in.readFully(bytes);
      return bytes;
    }
  }

  private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(content);
    zip.closeEntry();
  }

  private static String abbreviate(String text) {
    return text == null ? "null" : text.length() > 64 ? text.substring(0, 64) + "…" : text;
  }
}
