package dev.outpost.cloud.impl.access;

import dev.outpost.cloud.impl.ClientError;
import dev.outpost.cloud.impl.identity.Identity;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.PasswordHash;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.SQLException;
import java.sql.Types;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may open remote sessions to which machines. An admin of an organisation reaches every machine
 * of it; another user reaches the machines of the sites and the single machines granted to it. A
 * support user (the vendor's) reaches a site only while its admin has support access on — that is
 * checked by the access server, not here.
 */
public final class Rights {
  private final Vertx vertx;
  private final Database db;

  /** A user's rights as stored. */
  public record Access(boolean admin, boolean support, Set<Integer> sites, Set<String> machines) {
    /** Whether this user may reach the machine. */
    public boolean mayReach(Identity machine) {
      return admin || machines.contains(machine.uid()) || (machine.siteId() != null && sites.contains(machine.siteId()));
    }
  }

  /** A user to make: name, password, whether admin, whether a vendor's support user. */
  public record NewUser(String name, String password, boolean admin, boolean support) {
    public NewUser {
      if (name == null || !name.matches("[A-Za-z0-9._@-]{1,100}")) {
        throw ClientError.badRequest("name must be 1 to 100 characters of A-Z a-z 0-9 . _ @ -");
      }
      if (password == null || password.length() < 12 || password.length() > 200) {
        throw ClientError.badRequest("password must be 12 to 200 characters");
      }
    }
  }

  public Rights(Vertx vertx, Database db) {
    this.vertx = vertx;
    this.db = db;
  }

  /** The rights of a user by id; fails with 401 when the user is gone. */
  public Future<Access> of(int userId) {
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql("select-user-rights"))) {
        ps.setInt(1, userId);
        try (var rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw ClientError.unauthorized("this user no longer exists");
          }
          boolean admin = rs.getBoolean(1);
          boolean support = rs.getBoolean(2);
          var sites = new HashSet<Integer>();
          var machines = new HashSet<String>();
          do {
            int site = rs.getInt(3);
            if (!rs.wasNull()) {
              sites.add(site);
            }
            String machine = rs.getString(4);
            if (machine != null) {
              machines.add(machine);
            }
          } while (rs.next());
          return new Access(admin, support, Set.copyOf(sites), Set.copyOf(machines));
        }
      }
    });
  }

  /** Makes a user in the organisation (the password hashed off the event loop); 409 when the name is taken. */
  public Future<Integer> create(long organisationId, NewUser user) {
    return vertx.executeBlocking(() -> PasswordHash.hash(user.password().toCharArray()), false)
        .compose(hash -> db.write(c -> {
          if (userId(c, organisationId, user.name()) != null) {
            throw new ClientError(409, "user " + user.name() + " exists");
          }
          try (var ps = c.prepareStatement(db.sql("insert-user-with-flags"), java.sql.Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, organisationId);
            ps.setString(2, user.name());
            ps.setString(3, hash);
            ps.setBoolean(4, user.admin());
            ps.setBoolean(5, user.support());
            ps.executeUpdate();
            try (var keys = ps.getGeneratedKeys()) {
              keys.next();
              return keys.getInt(1);
            }
          }
        }));
  }

  /** Replaces a user's rights: these sites (ids) and machines (uids). 404 when there is no such user. */
  public Future<Integer> grant(long organisationId, String name, List<Integer> sites, List<String> machines) {
    return db.write(c -> {
      Integer id = userId(c, organisationId, name);
      if (id == null) {
        throw new ClientError(404, "no user " + name);
      }
      try (var ps = c.prepareStatement(db.sql("delete-user-rights"))) {
        ps.setInt(1, id);
        ps.executeUpdate();
      }
      try (var ps = c.prepareStatement(db.sql("insert-user-right"))) {
        for (Integer site : sites) {
          ps.setInt(1, id);
          ps.setInt(2, site);
          ps.setNull(3, Types.VARCHAR);
          ps.addBatch();
        }
        for (String machine : machines) {
          ps.setInt(1, id);
          ps.setNull(2, Types.INTEGER);
          ps.setString(3, machine);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return id;
    });
  }

  /** Deletes a user with its rights; the id it had. 404 when there is no such user. */
  public Future<Integer> delete(long organisationId, String name) {
    return db.write(c -> {
      Integer id = userId(c, organisationId, name);
      if (id == null) {
        throw new ClientError(404, "no user " + name);
      }
      try (var ps = c.prepareStatement(db.sql("delete-user"))) {
        ps.setInt(1, id);
        ps.executeUpdate();
      }
      return id;
    });
  }

  private Integer userId(java.sql.Connection c, long organisationId, String name) throws SQLException {
    try (var ps = c.prepareStatement(db.sql("select-user-id"))) {
      ps.setLong(1, organisationId);
      ps.setString(2, name);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : null;
      }
    }
  }
}
