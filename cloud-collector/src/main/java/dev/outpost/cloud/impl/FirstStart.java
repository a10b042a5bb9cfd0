package dev.outpost.cloud.impl;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.impl.store.Database;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the first start of a cloud creates: the organisation and its admin user, from
 * {@link CloudConfig.Bootstrap} (the organisation's CA follows when the registry loads). A password
 * that was not configured is generated and written once to {@code DATA/first-login.txt} (mode
 * 0600); only its hash reaches the database and no secret reaches a log.
 */
final class FirstStart {
  static final String FIRST_LOGIN_FILE = "first-login.txt";
  private static final Logger LOG = LoggerFactory.getLogger(FirstStart.class);

  private FirstStart() {
  }

  /** Creates the organisation unless the database has one already. */
  static Future<Void> run(Database db, Path dataDir, CloudConfig.Bootstrap bootstrap) {
    return db.write(c -> {
      try (var s = c.createStatement(); var rs = s.executeQuery(db.sql("count-organisations"))) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return null;
        }
      }
      String password = bootstrap.password() != null ? bootstrap.password() : Accounts.newToken();
      Organisations.create(db, c, bootstrap.organisation(), bootstrap.user(), password);
      if (bootstrap.password() == null) {
        writeFirstLogin(dataDir.resolve(FIRST_LOGIN_FILE), bootstrap, password);
      }
      LOG.info("Created organisation {} with user {}", bootstrap.organisation(), bootstrap.user());
      return null;
    });
  }

  private static void writeFirstLogin(Path file, CloudConfig.Bootstrap bootstrap, String password) {
    String text = "# Written once by the first start of the cloud; keep it safe, then delete it.\n"
        + "organisation=" + bootstrap.organisation() + "\n"
        + "user=" + bootstrap.user() + "\n"
        + "password=" + password + "\n";
    try {
      Files.deleteIfExists(file);
      Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
          text, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
      LOG.info("The generated first login is in {}", file);
    } catch (IOException e) {
      throw new ServerError("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
