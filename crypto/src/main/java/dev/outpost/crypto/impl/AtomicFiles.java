package dev.outpost.crypto.impl;

import dev.outpost.crypto.CryptoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces a file in one step: the content goes to a temporary file beside it, created with its
 * final permissions, is synced, then renamed over the target. Readers see the old file or the new
 * one, never a half-written one, and a secret is never readable by others, not even briefly.
 */
public final class AtomicFiles {
  public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  public static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

  private AtomicFiles() {}

  public static void write(Path file, byte[] content, Set<PosixFilePermission> permissions) {
    var target = file.toAbsolutePath();
    var dir = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      var posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
      var prefix = "." + target.getFileName() + ".";
      tmp = posix
          ? Files.createTempFile(dir, prefix, ".tmp", PosixFilePermissions.asFileAttribute(permissions))
          : Files.createTempFile(dir, prefix, ".tmp");
      if (posix) {
        // the umask may have taken bits away at creation; set exactly what was asked
        Files.setPosixFilePermissions(tmp, permissions);
      }
      try (var channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        var buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw new CryptoException("cannot write " + target + ": " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file only ever held what the caller tried to write; nothing else to do
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every platform can sync a directory; the rename itself is still atomic
    }
  }
}
