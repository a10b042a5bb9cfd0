package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  @TempDir
  Path dir;

  @Test
  void privateKeyFileIsOwnerOnlyAndReadsBack() throws Exception {
    Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
        "file system has no POSIX permissions");
    var keys = MachineKeys.generate();
    var file = dir.resolve("sub/identity.key");

    Pem.writePrivateKey(file, keys.getPrivate());

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertArrayEquals(keys.getPrivate().getEncoded(), Pem.readPrivateKey(file).getEncoded());
    assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    try (var left = Files.list(file.getParent())) {
      assertEquals(List.of(file), left.toList(), "no temporary file is left behind");
    }
  }

  @Test
  void overwritingAKeyKeepsItOwnerOnly() throws Exception {
    Assumptions.assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
        "file system has no POSIX permissions");
    var file = dir.resolve("identity.key");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    var key = MachineKeys.generate().getPrivate();

    Pem.writePrivateKey(file, key);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertArrayEquals(key.getEncoded(), Pem.readPrivateKey(file).getEncoded());
  }

  @Test
  void certificateChainRoundTripsInOrder() {
    var ca = CertificateAuthority.create("Example Ltd");
    var keys = MachineKeys.generate();
    var leaf = ca.issue(keys.getPublic(), "hub", "hub", List.of(), List.of(), Duration.ofDays(1));
    var file = dir.resolve("identity.pem");

    Pem.writeCertificates(file, leaf, ca.certificate());

    assertEquals(List.of(leaf, ca.certificate()), Pem.readCertificates(file));
  }

  @Test
  void truncatedCertificateFileGivesAClearError() throws Exception {
    var pem = Pem.encode(CertificateAuthority.create("Example Ltd").certificate());
    var file = dir.resolve("ca.pem");
    Files.writeString(file, pem.substring(0, pem.length() / 2));

    var e = assertThrows(CryptoException.class, () -> Pem.readCertificates(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("END CERTIFICATE"), e.getMessage());
  }

  @Test
  void truncatedKeyFileGivesAClearError() throws Exception {
    var pem = Pem.encode(MachineKeys.generate().getPrivate());
    var file = dir.resolve("identity.key");
    Files.writeString(file, pem.substring(0, pem.length() - 30));

    var e = assertThrows(CryptoException.class, () -> Pem.readPrivateKey(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("private key"), e.getMessage());
  }

  @Test
  void corruptedBase64GivesAClearError() throws Exception {
    var pem = Pem.encode(CertificateAuthority.create("Example Ltd").certificate());
    var file = dir.resolve("ca.pem");
    var lines = pem.split("\n");
    lines[3] = lines[3].substring(0, 10);   // a line cut short inside the body
    Files.writeString(file, String.join("\n", lines) + "\n");

    var e = assertThrows(CryptoException.class, () -> Pem.readCertificates(file));

    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
  }

  @Test
  void wrongKindOfBlockAndMissingFileAreNamed() throws Exception {
    var keyFile = dir.resolve("identity.key");
    Pem.writePrivateKey(keyFile, MachineKeys.generate().getPrivate());

    var wrong = assertThrows(CryptoException.class, () -> Pem.readCertificates(keyFile));
    assertTrue(wrong.getMessage().contains("expected a CERTIFICATE"), wrong.getMessage());

    var missing = assertThrows(CryptoException.class, () -> Pem.readPrivateKey(dir.resolve("nope.key")));
    assertTrue(missing.getMessage().contains("nope.key") && missing.getMessage().contains("does not exist"),
        missing.getMessage());

    Files.writeString(dir.resolve("empty.pem"), "");
    var empty = assertThrows(CryptoException.class, () -> Pem.readCertificates(dir.resolve("empty.pem")));
    assertTrue(empty.getMessage().contains("no PEM certificate"), empty.getMessage());
  }

  @Test
  void tlsFilesWithoutIdentityStillTrust() {
    var files = TlsFiles.inFolder(dir);
    assertFalse(files.hasIdentity());
    Pem.writeCertificates(files.ca(), CertificateAuthority.create("Example Ltd").certificate());
    assertEquals(1, files.trustManager().getAcceptedIssuers().length);
    files.sslContext();
  }
}
