package dev.outpost.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The rotating log file of a role, {@code DATA/logs/ROLE.log}, beside the log on stderr: rolled
 * over each day (UTC) and when it reaches {@code logs.maxFileSize}, rolled files gzipped as
 * {@code ROLE.YYYY-MM-DD.N.log.gz} and deleted after {@code logs.maxHistory} days or beyond
 * {@code logs.totalSizeCap}. The folder is the service user's only (0700).
 */
final class LogFiles {
  static final String FOLDER = "logs";
  static final String APPENDER = "file";
  private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX, UTC} [%thread] %level %logger{0} - %msg%n";

  private LogFiles() {
  }

  /** Starts writing {@code DATA/logs/ROLE.log}; the file, or empty when logging is not logback's (some tests). */
  static Optional<Path> start(Path dataDir, String role, ServiceSettings.Logs settings) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return Optional.empty();
    }
    Path folder = dataDir.resolve(FOLDER);
    try {
      Files.createDirectories(folder);
      if (Files.getFileAttributeView(folder, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new UserError("cannot create the log folder " + folder + ": " + e.getMessage());
    }
    Path file = folder.resolve(role + ".log");

    var encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();

    var appender = new RollingFileAppender<ILoggingEvent>();
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setFile(file.toString());

    var policy = new SizeAndTimeBasedRollingPolicy<ILoggingEvent>();
    policy.setContext(context);
    policy.setParent(appender);
    policy.setFileNamePattern(folder.resolve(role + ".%d{yyyy-MM-dd, UTC}.%i.log.gz").toString());
    policy.setMaxFileSize(FileSize.valueOf(settings.maxFileSize()));
    policy.setMaxHistory(settings.maxHistory());
    policy.setTotalSizeCap(FileSize.valueOf(settings.totalSizeCap()));
    policy.start();

    appender.setRollingPolicy(policy);
    appender.setEncoder(encoder);
    appender.start();

    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(APPENDER);
    root.addAppender(appender);
    root.setLevel(Level.toLevel(settings.level(), Level.INFO));
    return Optional.of(file);
  }

  /** Stops writing the file (flushes and closes it). */
  static void stop() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      var appender = root.getAppender(APPENDER);
      if (appender != null) {
        root.detachAppender(appender);
        appender.stop();
      }
    }
  }
}
