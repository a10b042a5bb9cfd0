package dev.outpost.cloud.impl;

import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.PasswordHash;
import java.sql.Connection;
import java.sql.SQLException;

/** Creating an organisation and its first user, inside a caller's transaction. */
public final class Organisations {
  private Organisations() {
  }

  /** The new organisation's id. The password is stored as an Argon2id hash only. */
  public static long create(Database db, Connection c, String organisation, String user, String password) throws SQLException {
    long organisationId;
    try (var ps = c.prepareStatement(db.sql("insert-organisation"), java.sql.Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, organisation);
      ps.executeUpdate();
      try (var keys = ps.getGeneratedKeys()) {
        keys.next();
        organisationId = keys.getLong(1);
      }
    }
    try (var ps = c.prepareStatement(db.sql("insert-user"))) {
      ps.setLong(1, organisationId);
      ps.setString(2, user);
      ps.setString(3, PasswordHash.hash(password.toCharArray()));
      ps.executeUpdate();
    }
    return organisationId;
  }
}
