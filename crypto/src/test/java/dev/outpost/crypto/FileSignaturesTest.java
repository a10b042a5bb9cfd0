package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.FileSignatures.Right;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A signature grants one right on one file until one expiry, under one secret. */
class FileSignaturesTest {
  static final String FILE = "0123456789abcdef0123456789abcdef";
  static final String OTHER = "fedcba9876543210fedcba9876543210";

  @TempDir
  Path dir;

  @Test
  void aSignatureVerifiesOnlyForItsFileRightAndExpiry() {
    var signer = FileSignatures.loadOrCreate(dir.resolve("files.key"));
    String sig = signer.sign(FILE, Right.READ, 1_900_000_000L);
    assertEquals(43, sig.length(), "base64url of 32 bytes, no padding");
    assertTrue(signer.verify(FILE, Right.READ, 1_900_000_000L, sig));
    assertFalse(signer.verify(OTHER, Right.READ, 1_900_000_000L, sig), "another file");
    assertFalse(signer.verify(FILE, Right.WRITE, 1_900_000_000L, sig), "another right");
    assertFalse(signer.verify(FILE, Right.READ, 1_900_000_001L, sig), "another expiry");
    assertFalse(signer.verify(FILE, Right.READ, 1_900_000_000L, sig.substring(1)), "a shortened signature");
    assertFalse(signer.verify(FILE, Right.READ, 1_900_000_000L, "not base64!"), "garbage");
    assertFalse(signer.verify(FILE, Right.READ, 1_900_000_000L, null));
  }

  @Test
  void theSecretIsMadeOnceOwnerOnlyAndAnotherSecretSignsDifferently() throws Exception {
    Path key = dir.resolve("files.key");
    var first = FileSignatures.loadOrCreate(key);
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(key));
    byte[] stored = Files.readAllBytes(key);
    var again = FileSignatures.loadOrCreate(key);
    assertEquals(first.sign(FILE, Right.WRITE, 5), again.sign(FILE, Right.WRITE, 5), "the same secret after a restart");
    assertEquals(new String(stored), new String(Files.readAllBytes(key)));
    var other = FileSignatures.loadOrCreate(dir.resolve("other.key"));
    assertNotEquals(first.sign(FILE, Right.WRITE, 5), other.sign(FILE, Right.WRITE, 5));
    assertFalse(first.toString().contains(new String(stored).strip()), "toString shows no secret");
  }

  @Test
  void aDamagedSecretFileIsRefused() throws Exception {
    Path key = dir.resolve("files.key");
    Files.writeString(key, "c2hvcnQ=");
    var e = assertThrows(CryptoException.class, () -> FileSignatures.loadOrCreate(key));
    assertTrue(e.getMessage().contains("32-byte"), e.getMessage());
  }
}
