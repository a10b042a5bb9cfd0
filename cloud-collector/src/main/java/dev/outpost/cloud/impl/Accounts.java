package dev.outpost.cloud.impl;

import dev.outpost.cloud.CloudConfig;
import dev.outpost.cloud.impl.store.Database;
import dev.outpost.crypto.PasswordHash;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call the cloud: users log in with organisation, name and password (checked against the
 * stored Argon2id hash, off the event loop) and get a random bearer token. Only SHA-256 digests of
 * tokens are held, so a memory dump yields no usable secret. Failed logins are limited per user and
 * address. (Machines authenticate with their certificates; see {@code identity}.)
 *
 * <p>Login tokens live in memory: a restart of the cloud logs every user out.
 */
public final class Accounts {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TOKEN_BYTES = 32;

  private final Vertx vertx;
  private final Database db;
  private final CloudConfig.Limits limits;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final LoginLimiter limiter;

  /** A logged-in user. */
  public record Session(long organisationId, String organisation, int userId, String user, long expiresMs) {
  }

  private Accounts(Vertx vertx, Database db, CloudConfig.Limits limits) {
    this.vertx = vertx;
    this.db = db;
    this.limits = limits;
    this.limiter = new LoginLimiter(limits.loginFailuresPerMinute());
  }

  public static Accounts create(Vertx vertx, Database db, CloudConfig.Limits limits) {
    return new Accounts(vertx, db, limits);
  }

  /**
   * Checks the password and answers a new token. Fails with 401 for a wrong organisation, user or
   * password (the same answer for each), 429 when this user and address failed too often.
   */
  public Future<String> login(String organisation, String user, String password, String address) {
    String limitKey = organisation + "\u0000" + user + "\u0000" + address;
    long retryAfter = limiter.blockedForSeconds(limitKey);
    if (retryAfter > 0) {
      return Future.failedFuture(ClientError.tooManyRequests(
          "too many failed logins; try again in " + retryAfter + " s", retryAfter));
    }
    return db.read(c -> {
      try (var ps = c.prepareStatement(db.sql("select-user"))) {
        ps.setString(1, organisation);
        ps.setString(2, user);
        try (var rs = ps.executeQuery()) {
          return rs.next() ? new StoredUser(rs.getInt(1), rs.getLong(2), rs.getString(3)) : null;
        }
      }
    }).compose(stored -> vertx.executeBlocking(() -> {
      boolean ok = PasswordHash.verify(password.toCharArray(), stored == null ? Dummy.HASH : stored.hash());
      return ok && stored != null ? stored : null;
    }, false)).compose(stored -> {
      if (stored == null) {
        limiter.failed(limitKey);
        return Future.failedFuture(ClientError.unauthorized("wrong organisation, user or password"));
      }
      limiter.succeeded(limitKey);
      String token = newToken();
      long expires = System.currentTimeMillis() + limits.sessionLifetime().toMillis();
      sessions.put(sha256(token), new Session(stored.organisationId(), organisation, stored.id(), user, expires));
      return Future.succeededFuture(token);
    });
  }

  /** The session of a bearer token, or null if it is unknown or expired. */
  public Session session(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    String digest = sha256(token);
    var session = sessions.get(digest);
    if (session != null && session.expiresMs() < System.currentTimeMillis()) {
      sessions.remove(digest);
      return null;
    }
    return session;
  }

  /** Ends the session of a token. */
  public void logout(String token) {
    if (token != null) {
      sessions.remove(sha256(token));
    }
  }

  /** Ends every login of a user (it was deleted). */
  public void logoutUser(long organisationId, int userId) {
    sessions.values().removeIf(s -> s.organisationId() == organisationId && s.userId() == userId);
  }

  /** Forgets expired sessions and old login failures; called now and then. */
  public void sweep() {
    long now = System.currentTimeMillis();
    sessions.values().removeIf(s -> s.expiresMs() < now);
    limiter.sweep();
  }

  /** Hex SHA-256 of a secret, the form in which site keys are stored. */
  public static String sha256(String secret) {
    try {
      var digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A new random secret: 256 bits, URL-safe base64. */
  public static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Checked when the user does not exist, so that an unknown user costs as much time as a wrong password. */
  private static final class Dummy {
    static final String HASH = PasswordHash.hash("not a password".toCharArray());
  }

  private record StoredUser(int id, long organisationId, String hash) {
  }

  /** Counts failed logins per key in one-minute windows. */
  private static final class LoginLimiter {
    private static final long WINDOW_MS = 60_000;
    private final int maxFailures;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private record Window(long startMs, int failures) {
    }

    LoginLimiter(int maxFailures) {
      this.maxFailures = maxFailures;
    }

    long blockedForSeconds(String key) {
      var window = windows.get(key);
      long now = System.currentTimeMillis();
      if (window == null || now - window.startMs() >= WINDOW_MS || window.failures() < maxFailures) {
        return 0;
      }
      return Math.max(1, (window.startMs() + WINDOW_MS - now + 999) / 1000);
    }

    void failed(String key) {
      long now = System.currentTimeMillis();
      windows.compute(key, (k, w) -> w == null || now - w.startMs() >= WINDOW_MS
          ? new Window(now, 1) : new Window(w.startMs(), w.failures() + 1));
    }

    void succeeded(String key) {
      windows.remove(key);
    }

    void sweep() {
      long now = System.currentTimeMillis();
      windows.values().removeIf(w -> now - w.startMs() >= WINDOW_MS);
    }
  }
}
