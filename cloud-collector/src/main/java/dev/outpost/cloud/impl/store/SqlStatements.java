package dev.outpost.cloud.impl.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Named SQL statements read from a resource file: each statement follows a {@code -- name: NAME}
 * line and runs to the next one; other comment lines are dropped.
 */
final class SqlStatements {
  private static final String NAME_PREFIX = "-- name:";
  private final String resource;
  private final Map<String, String> byName;

  private SqlStatements(String resource, Map<String, String> byName) {
    this.resource = resource;
    this.byName = Map.copyOf(byName);
  }

  static SqlStatements load(String resource) {
    try (InputStream in = SqlStatements.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      var byName = new HashMap<String, String>();
      String name = null;
      var sql = new StringBuilder();
      for (var line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith(NAME_PREFIX)) {
          put(byName, name, sql);
          name = line.substring(NAME_PREFIX.length()).strip();
          sql.setLength(0);
        } else if (!line.strip().startsWith("--") && !line.isBlank()) {
          sql.append(sql.isEmpty() ? "" : "\n").append(line.stripTrailing());
        }
      }
      put(byName, name, sql);
      return new SqlStatements(resource, byName);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static void put(Map<String, String> byName, String name, StringBuilder sql) {
    if (name != null && byName.put(name, sql.toString()) != null) {
      throw new IllegalStateException("statement " + name + " is defined twice");
    }
  }

  String get(String name) {
    var sql = byName.get(name);
    if (sql == null) {
      throw new IllegalStateException("no statement " + name + " in " + resource);
    }
    return sql;
  }
}
