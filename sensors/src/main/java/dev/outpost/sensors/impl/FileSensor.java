package dev.outpost.sensors.impl;

import dev.outpost.protocol.State;
import dev.outpost.sensors.Reading;
import dev.outpost.sensors.Sensor;
import dev.outpost.sensors.SensorContext;
import dev.outpost.sensors.SensorType;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.EnumSet;

/**
 * {@code file}: a file or a directory. For a file: its size and age. For a directory: the regular
 * files in it down to {@code maxDepth} levels that match {@code pattern}: how many, their total
 * size, the age of the newest and of the oldest. A missing path is ERROR.
 */
final class FileSensor implements Sensor {
  static final SensorType TYPE = SensorType.of("file", config -> {
    var settings = new Settings(config, "path", "pattern", "maxDepth");
    var pattern = settings.optional("pattern").orElse(null);
    PathMatcher matcher = null;
    if (pattern != null) {
      try {
        matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      } catch (IllegalArgumentException e) {
        throw settings.problem("setting pattern is not a valid glob: " + e.getMessage());
      }
    }
    return new FileSensor(settings.path("path", null), pattern, matcher, settings.integer("maxDepth", 1, 1, 64));
  });

  private final Path path;
  private final String pattern;
  private final PathMatcher matcher;
  private final int maxDepth;

  FileSensor(Path path, String pattern, PathMatcher matcher, int maxDepth) {
    this.path = path;
    this.pattern = pattern;
    this.matcher = matcher;
    this.maxDepth = maxDepth;
  }

  @Override
  public Reading measure(SensorContext context) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return Reading.of("no such file or directory: " + path).with("exists", 0).withState(State.ERROR);
    }
    long now = context.clock().millis();
    if (!attributes.isDirectory()) {
      double age = ageSeconds(now, attributes.lastModifiedTime());
      return Reading.of(path + ": " + Quantities.bytes(attributes.size()) + ", modified "
              + Quantities.duration(Duration.ofSeconds((long) age)) + " ago")
          .with("exists", 1)
          .with("sizeBytes", attributes.size(), "bytes")
          .with("count", 1)
          .with("ageSeconds", age, "s");
    }
    var found = new Found();
    Files.walkFileTree(path, EnumSet.noneOf(java.nio.file.FileVisitOption.class), maxDepth, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("interrupted while counting files in " + path);
        }
        if (attrs.isRegularFile() && (matcher == null || matcher.matches(relevantPart(file)))) {
          found.add(attrs);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        found.unreadable++;
        return FileVisitResult.CONTINUE;
      }
    });
    var what = found.count + (found.count == 1 ? " file" : " files") + (pattern == null ? "" : " matching " + pattern);
    var reading = Reading.of("").with("exists", 1).with("sizeBytes", found.bytes, "bytes").with("count", found.count);
    String message;
    if (found.count == 0) {
      double age = ageSeconds(now, attributes.lastModifiedTime());
      reading = reading.with("ageSeconds", age, "s");
      message = path + ": no files" + (pattern == null ? "" : " matching " + pattern) + ", directory modified "
          + Quantities.duration(Duration.ofSeconds((long) age)) + " ago";
    } else {
      double newest = ageSeconds(now, found.newest);
      double oldest = ageSeconds(now, found.oldest);
      reading = reading.with("ageSeconds", newest, "s").with("oldestAgeSeconds", oldest, "s");
      message = path + ": " + what + ", " + Quantities.bytes(found.bytes) + ", newest "
          + Quantities.duration(Duration.ofSeconds((long) newest)) + " old";
    }
    if (found.unreadable > 0) {
      message += " (" + found.unreadable + " unreadable, not counted)";
    }
    return reading.withMessage(message);
  }

  /** A pattern with a slash matches the path below the directory, one without matches the file name. */
  private Path relevantPart(Path file) {
    return pattern.indexOf('/') >= 0 ? path.relativize(file) : file.getFileName();
  }

  private static double ageSeconds(long now, FileTime modified) {
    return Math.max(0, (now - modified.toMillis()) / 1000L);
  }

  private static final class Found {
    int count;
    long bytes;
    int unreadable;
    FileTime newest;
    FileTime oldest;

    void add(BasicFileAttributes attrs) {
      count++;
      bytes += attrs.size();
      var modified = attrs.lastModifiedTime();
      if (newest == null || modified.compareTo(newest) > 0) {
        newest = modified;
      }
      if (oldest == null || modified.compareTo(oldest) < 0) {
        oldest = modified;
      }
    }
  }
}
