package dev.outpost.cloud;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of the cloud collector; bound by Jackson (durations as ISO-8601, {@code "PT120S"}),
 * validated here, nulls replaced by the defaults.
 *
 * @param dataDir      where the database ({@code cloud/}), the TLS files ({@code identity.key},
 *                     {@code identity.pem}, {@code ca.pem}) and {@code first-login.txt} live
 * @param host         interface to listen on
 * @param port         HTTPS port, {@value #DEFAULT_PORT} when left out; 0 picks a free one
 * @param bootstrap    what the first start creates; ignored once the database holds an organisation
 * @param limits       request size limits and the login rate limit
 * @param onlineWindow a machine is online when it was last seen within this window
 * @param tlsNames     DNS names and IP addresses of the cloud's TLS certificate, when the cloud
 *                     issues it itself from the first organisation's CA (no {@code identity.pem}
 *                     in the data folder)
 * @param certificates how long machine certificates are valid and when they are renewed
 * @param clock        how far a machine's clock may be off before the cloud corrects its measurement times
 * @param files        the blob store, the lifetime of signed file URLs and the largest file (see {@code docs/files.md})
 */
public record CloudConfig(Path dataDir, String host, Integer port, Bootstrap bootstrap, Limits limits, Duration onlineWindow,
                          List<String> tlsNames, Certificates certificates, Clock clock, Files files) {
  public static final int DEFAULT_PORT = 443;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final Duration DEFAULT_ONLINE_WINDOW = Duration.ofSeconds(120);
  /** Names and addresses in the cloud's own TLS certificate when the cloud issues it itself. */
  public static final List<String> DEFAULT_TLS_NAMES = List.of("localhost", "127.0.0.1", "::1");

  public CloudConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required");
    }
    host = host == null || host.isBlank() ? DEFAULT_HOST : host;
    port = port == null ? DEFAULT_PORT : port;
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    bootstrap = bootstrap == null ? Bootstrap.DEFAULT : bootstrap;
    limits = limits == null ? Limits.DEFAULT : limits;
    onlineWindow = onlineWindow == null ? DEFAULT_ONLINE_WINDOW : onlineWindow;
    if (onlineWindow.isNegative() || onlineWindow.isZero()) {
      throw new IllegalArgumentException("onlineWindow must be positive, was " + onlineWindow);
    }
    tlsNames = tlsNames == null || tlsNames.isEmpty() ? DEFAULT_TLS_NAMES : List.copyOf(tlsNames);
    certificates = certificates == null ? Certificates.DEFAULT : certificates;
    clock = clock == null ? Clock.DEFAULT : clock;
    files = files == null ? Files.DEFAULT : files;
  }

  public CloudConfig(Path dataDir, String host, int port, Bootstrap bootstrap, Limits limits, Duration onlineWindow,
                     List<String> tlsNames, Certificates certificates, Clock clock) {
    this(dataDir, host, port, bootstrap, limits, onlineWindow, tlsNames, certificates, clock, null);
  }

  public CloudConfig(Path dataDir, String host, int port, Bootstrap bootstrap, Limits limits, Duration onlineWindow) {
    this(dataDir, host, port, bootstrap, limits, onlineWindow, null, null, null);
  }

  public CloudConfig(Path dataDir, String host, int port, Bootstrap bootstrap, Limits limits, Duration onlineWindow,
                     List<String> tlsNames, Certificates certificates) {
    this(dataDir, host, port, bootstrap, limits, onlineWindow, tlsNames, certificates, null);
  }

  /** Defaults for everything but the data folder. */
  public static CloudConfig inFolder(Path dataDir) {
    return new CloudConfig(dataDir, null, DEFAULT_PORT, null, null, null, null, null, null, null);
  }

  /** The same configuration on another port (0: a free one). */
  public CloudConfig withPort(int newPort) {
    return new CloudConfig(dataDir, host, newPort, bootstrap, limits, onlineWindow, tlsNames, certificates, clock, files);
  }

  /** The blob store's folder: {@code files.folder}, or {@code DATA/blobs}. */
  public Path blobFolder() {
    return files.folder() != null ? files.folder() : dataDir.resolve(Files.DEFAULT_FOLDER_NAME);
  }

  /**
   * Files moved between the cloud and machines (seed 004): kept in a blob store, reached by URLs
   * signed per file and per right (read or write) with a secret of the cloud ({@code DATA/files.key},
   * 0600, made at the first start).
   *
   * @param folder      the blob store's folder; null: {@code DATA/blobs}
   * @param urlValidity how long a signed URL is valid, 1 minute to 365 days; default 30 days
   * @param maxBytes    the largest file (an upload or a machine's bundle), 1 KiB to 16 MiB (what a
   *                    machine's dialer reads in one answer); larger uploads are answered 413
   */
  public record Files(Path folder, Duration urlValidity, long maxBytes) {
    public static final String DEFAULT_FOLDER_NAME = "blobs";
    public static final Duration DEFAULT_URL_VALIDITY = Duration.ofDays(30);
    public static final long DEFAULT_MAX_BYTES = 16L << 20;
    public static final long MAX_MAX_BYTES = 16L << 20;
    static final Files DEFAULT = new Files(null, null, 0);

    public Files {
      urlValidity = urlValidity == null ? DEFAULT_URL_VALIDITY : urlValidity;
      maxBytes = maxBytes == 0 ? DEFAULT_MAX_BYTES : maxBytes;
      if (urlValidity.compareTo(Duration.ofMinutes(1)) < 0 || urlValidity.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException("files.urlValidity must be 1 minute to 365 days (ISO-8601, like \"P30D\"), was " + urlValidity);
      }
      if (maxBytes < 1024 || maxBytes > MAX_MAX_BYTES) {
        throw new IllegalArgumentException("files.maxBytes must be 1 KiB to 16 MiB, was " + maxBytes);
      }
    }
  }

  /**
   * Clocks of machines. Every upload tells the cloud the uploader's clock ({@code sentAt}), a
   * connector's upload also how far each of its hubs' clocks is off against its own; from these
   * the cloud estimates each machine's offset against its own clock. A machine whose offset is
   * larger than {@code maxSkew} (either way) is shown as skewed, counted in
   * {@code outpost_machines_clock_skewed}, and the times of its measurements are shifted into the
   * cloud's clock before they are stored; within {@code maxSkew} they are stored as sent.
   *
   * @param maxSkew the largest offset that is left alone, 100 ms to 1 day; default 2 s
   */
  public record Clock(Duration maxSkew) {
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofSeconds(2);
    /** Below this, the transit time of uploads (which the estimate cannot see) would flag every machine. */
    public static final Duration MIN_MAX_SKEW = Duration.ofMillis(100);
    public static final Duration MAX_MAX_SKEW = Duration.ofDays(1);
    static final Clock DEFAULT = new Clock(null);

    public Clock {
      maxSkew = maxSkew == null ? DEFAULT_MAX_SKEW : maxSkew;
      if (maxSkew.compareTo(MIN_MAX_SKEW) < 0 || maxSkew.compareTo(MAX_MAX_SKEW) > 0) {
        throw new IllegalArgumentException("clock.maxSkew must be 100 ms to 1 day (ISO-8601, like \"PT2S\"), was " + maxSkew);
      }
    }
  }

  /**
   * What the first start creates: the organisation with its certificate authority, and its admin
   * user (stored as an Argon2id hash). A null password is generated and written once to
   * {@code DATA/first-login.txt} (mode 0600); secrets are never logged.
   */
  public record Bootstrap(String organisation, String user, String password) {
    public static final String DEFAULT_ORGANISATION = "outpost";
    public static final String DEFAULT_USER = "admin";
    public static final int MIN_SECRET_LENGTH = 12;
    static final Bootstrap DEFAULT = new Bootstrap(null, null, null);

    public Bootstrap {
      organisation = organisation == null || organisation.isBlank() ? DEFAULT_ORGANISATION : organisation.strip();
      user = user == null || user.isBlank() ? DEFAULT_USER : user.strip();
      requireName(organisation, "bootstrap.organisation");
      requireName(user, "bootstrap.user");
      if (password != null && password.length() < MIN_SECRET_LENGTH) {
        throw new IllegalArgumentException("bootstrap.password must have at least " + MIN_SECRET_LENGTH + " characters");
      }
    }

    private static void requireName(String name, String what) {
      if (name.length() > 100) {
        throw new IllegalArgumentException(what + " must be at most 100 characters");
      }
    }

    /** Hides the secrets, so that logging a configuration never leaks them. */
    @Override
    public String toString() {
      return "Bootstrap[organisation=" + organisation + ", user=" + user
          + ", password=" + (password == null ? "generated" : "***") + "]";
    }
  }

  /**
   * Machine certificates: issued at enrolment for {@code validity}, and issued anew by the cloud
   * (same key) once less than {@code renewBefore} is left; the cloud looks every {@code checkEvery}
   * and pushes renewed certificates over the command channels, where machines install them without
   * a restart.
   */
  public record Certificates(Duration validity, Duration renewBefore, Duration checkEvery) {
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
    public static final Duration DEFAULT_CHECK_EVERY = Duration.ofHours(1);
    static final Certificates DEFAULT = new Certificates(null, null, null);

    public Certificates {
      validity = validity == null ? DEFAULT_VALIDITY : validity;
      renewBefore = renewBefore == null ? validity.dividedBy(3) : renewBefore;
      checkEvery = checkEvery == null ? DEFAULT_CHECK_EVERY : checkEvery;
      if (validity.compareTo(Duration.ofHours(1)) < 0 || validity.compareTo(Duration.ofDays(3650)) > 0) {
        throw new IllegalArgumentException("certificates.validity must be 1 hour to 10 years, was " + validity);
      }
      if (renewBefore.isNegative() || renewBefore.isZero() || renewBefore.compareTo(validity) >= 0) {
        throw new IllegalArgumentException("certificates.renewBefore must be positive and less than the validity");
      }
      if (checkEvery.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("certificates.checkEvery must be at least 1 s");
      }
    }
  }

  /**
   * Limits on what clients may send.
   *
   * @param maxUploadBytes         largest device upload ({@code POST /device/v1/batches}); larger is 413
   * @param maxApiBodyBytes        largest user API request body; larger is 413
   * @param loginFailuresPerMinute failed logins per user and address per minute before 429
   * @param sessionLifetime        how long a login token is valid
   * @param maxQueuedMeasurements  received measurements waiting for the database beyond which
   *                               uploads are answered 429 with {@code Retry-After} (senders keep
   *                               their data and come back)
   */
  public record Limits(long maxUploadBytes, long maxApiBodyBytes, int loginFailuresPerMinute, Duration sessionLifetime,
                       long maxQueuedMeasurements) {
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 16L << 20;
    public static final long DEFAULT_MAX_API_BODY_BYTES = 1L << 20;
    public static final int DEFAULT_LOGIN_FAILURES_PER_MINUTE = 5;
    public static final Duration DEFAULT_SESSION_LIFETIME = Duration.ofHours(12);
    public static final long DEFAULT_MAX_QUEUED_MEASUREMENTS = 1_000_000;
    static final Limits DEFAULT = new Limits(0, 0, 0, null, 0);

    public Limits(long maxUploadBytes, long maxApiBodyBytes, int loginFailuresPerMinute, Duration sessionLifetime) {
      this(maxUploadBytes, maxApiBodyBytes, loginFailuresPerMinute, sessionLifetime, 0);
    }

    public Limits {
      maxUploadBytes = maxUploadBytes == 0 ? DEFAULT_MAX_UPLOAD_BYTES : maxUploadBytes;
      maxApiBodyBytes = maxApiBodyBytes == 0 ? DEFAULT_MAX_API_BODY_BYTES : maxApiBodyBytes;
      loginFailuresPerMinute = loginFailuresPerMinute == 0 ? DEFAULT_LOGIN_FAILURES_PER_MINUTE : loginFailuresPerMinute;
      sessionLifetime = sessionLifetime == null ? DEFAULT_SESSION_LIFETIME : sessionLifetime;
      maxQueuedMeasurements = maxQueuedMeasurements == 0 ? DEFAULT_MAX_QUEUED_MEASUREMENTS : maxQueuedMeasurements;
      if (maxQueuedMeasurements < 1) {
        throw new IllegalArgumentException("limits.maxQueuedMeasurements must be positive");
      }
      if (maxUploadBytes < 1024 || maxUploadBytes > 1L << 30) {
        throw new IllegalArgumentException("limits.maxUploadBytes must be 1 KiB to 1 GiB");
      }
      if (maxApiBodyBytes < 1024 || maxApiBodyBytes > 64L << 20) {
        throw new IllegalArgumentException("limits.maxApiBodyBytes must be 1 KiB to 64 MiB");
      }
      if (loginFailuresPerMinute < 1) {
        throw new IllegalArgumentException("limits.loginFailuresPerMinute must be at least 1");
      }
      if (sessionLifetime.isNegative() || sessionLifetime.isZero()) {
        throw new IllegalArgumentException("limits.sessionLifetime must be positive");
      }
    }
  }
}
