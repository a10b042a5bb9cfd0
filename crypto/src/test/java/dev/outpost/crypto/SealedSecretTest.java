package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.outpost.crypto.impl.Hpke;
import dev.outpost.crypto.impl.P256Keys;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SealedSecretTest {
  private static final byte[] SECRET = "sensor password: hunter2".getBytes(StandardCharsets.UTF_8);
  private static final byte[] INFO = info("m-1", "boiler-3", "password");

  private final java.security.KeyPair machine = MachineKeys.generate();

  @Test
  void sealedSecretOpensWithTheMachineKeyAndTheSameInfo() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);

    assertTrue(sealed.startsWith("hpke1."), sealed);
    var parts = sealed.split("\\.");
    assertEquals(3, parts.length, sealed);
    assertEquals(65, Base64.getUrlDecoder().decode(parts[1]).length, "enc is one uncompressed P-256 point");
    assertEquals(SECRET.length + 16, Base64.getUrlDecoder().decode(parts[2]).length, "ciphertext is plaintext + tag");
    assertArrayEquals(SECRET, SealedSecret.open(machine.getPrivate(), sealed, INFO));
  }

  @Test
  void sealingTwiceGivesDifferentTextsThatBothOpen() {
    var first = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    var second = SealedSecret.seal(machine.getPublic(), SECRET, INFO);

    assertNotEquals(first, second);
    assertArrayEquals(SECRET, SealedSecret.open(machine.getPrivate(), first, INFO));
    assertArrayEquals(SECRET, SealedSecret.open(machine.getPrivate(), second, INFO));
  }

  @Test
  void emptySecretRoundTrips() {
    var sealed = SealedSecret.seal(machine.getPublic(), new byte[0], INFO);
    assertArrayEquals(new byte[0], SealedSecret.open(machine.getPrivate(), sealed, INFO));
  }

  @Test
  void keyReadBackFromItsPemFileOpensTheSecret(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    Pem.writePrivateKey(dir.resolve("identity.key"), machine.getPrivate());

    var key = Pem.readPrivateKey(dir.resolve("identity.key"));

    assertArrayEquals(SECRET, SealedSecret.open(key, sealed, INFO));
  }

  @Test
  void flippedByteInTheEncapsulatedKeyIsRefused() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    for (int index : new int[] {0, 1, 20, 32, 33, 50, 64}) {
      var tampered = alter(sealed, 1, index);

      var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), tampered, INFO),
          "enc byte " + index);
      assertTrue(e.getMessage().startsWith("cannot open sealed secret: "), e.getMessage());
    }
  }

  @Test
  void flippedByteInTheCiphertextIsRefusedAsAuthenticationFailure() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    int length = SECRET.length + 16;
    for (int index : new int[] {0, SECRET.length / 2, SECRET.length - 1, SECRET.length, length - 1}) {
      var tampered = alter(sealed, 2, index);

      var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), tampered, INFO),
          "ciphertext byte " + index);
      assertTrue(e.getMessage().contains("cannot open sealed secret: authentication failed"), e.getMessage());
    }
  }

  @Test
  void everyTruncationOfTheTextIsRefused() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    for (int length = 0; length < sealed.length(); length++) {
      var truncated = sealed.substring(0, length);

      var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), truncated, INFO),
          "truncated to " + length + " characters");
      assertTrue(e.getMessage().startsWith("cannot open sealed secret: "), e.getMessage());
    }
  }

  @Test
  void anotherMachinesKeyCannotOpenIt() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    var other = MachineKeys.generate();

    var e = assertThrows(CryptoException.class, () -> SealedSecret.open(other.getPrivate(), sealed, INFO));
    assertEquals("cannot open sealed secret: authentication failed (wrong key, wrong context info, or altered"
        + " ciphertext)", e.getMessage());
  }

  @Test
  void secretMovedToAnotherSensorSettingOrMachineDoesNotOpen() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    for (var other : new byte[][] {info("m-1", "boiler-4", "password"), info("m-1", "boiler-3", "username"),
        info("m-2", "boiler-3", "password"), new byte[0]}) {
      var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), sealed, other));
      assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
    }
  }

  @Test
  void anotherVersionPrefixIsRefusedByName() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);

    var e = assertThrows(CryptoException.class,
        () -> SealedSecret.open(machine.getPrivate(), "hpke2" + sealed.substring(5), INFO));
    assertEquals("cannot open sealed secret: version 'hpke2' is not supported (this build reads hpke1)", e.getMessage());
  }

  @Test
  void textNotOfTheSealedFormIsRefused() {
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    for (var bad : new String[] {"", "hello", "hpke1.", "hpke1..", sealed + "=", sealed + ".x", " " + sealed,
        sealed.replace('.', ':'), sealed + "\n"}) {
      var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), bad, INFO), bad);
      assertTrue(e.getMessage().startsWith("cannot open sealed secret: "), e.getMessage());
    }
  }

  @Test
  void nonCanonicalBase64IsRefusedSoEachCiphertextHasOneText() {
    var secret = "1234".getBytes(StandardCharsets.US_ASCII); // 20-byte ciphertext: its last character has 2 spare bits
    var sealed = SealedSecret.seal(machine.getPublic(), secret, INFO);
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    var last = sealed.charAt(sealed.length() - 1);
    var sibling = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    var altered = sealed.substring(0, sealed.length() - 1) + sibling;

    var e = assertThrows(CryptoException.class, () -> SealedSecret.open(machine.getPrivate(), altered, INFO));
    assertTrue(e.getMessage().contains("not canonical base64url"), e.getMessage());
  }

  @Test
  void keysOnOtherCurvesOrAlgorithmsAreRefusedWithTheReason() throws Exception {
    var p384 = KeyPairGenerator.getInstance("EC");
    p384.initialize(new ECGenParameterSpec("secp384r1"));
    var rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);

    var e = assertThrows(CryptoException.class, () -> SealedSecret.seal(p384.generateKeyPair().getPublic(), SECRET, INFO));
    assertEquals("expected an EC P-256 public key, got an EC key on another curve", e.getMessage());
    var sealed = SealedSecret.seal(machine.getPublic(), SECRET, INFO);
    e = assertThrows(CryptoException.class, () -> SealedSecret.open(rsa.generateKeyPair().getPrivate(), sealed, INFO));
    assertEquals("expected an EC P-256 private key, got a key of algorithm RSA", e.getMessage());
  }

  @Test
  void secretsLargerThanTheLimitAreRefused() {
    var e = assertThrows(CryptoException.class,
        () -> SealedSecret.seal(machine.getPublic(), new byte[SealedSecret.MAX_PLAINTEXT_BYTES + 1], INFO));
    assertTrue(e.getMessage().contains("at most 65536"), e.getMessage());
    var largest = new byte[SealedSecret.MAX_PLAINTEXT_BYTES];
    var sealed = SealedSecret.seal(machine.getPublic(), largest, INFO);
    assertArrayEquals(largest, SealedSecret.open(machine.getPrivate(), sealed, INFO));
  }

  /** RFC 9180 appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, Base mode, sequence 0. */
  @Test
  void opensTheRfc9180TestVectorForThisSuite() throws Exception {
    var hex = HexFormat.of();
    var skRm = hex.parseHex("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2");
    var pkRm = hex.parseHex("04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a82"
        + "6a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0");
    var enc = hex.parseHex("04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac9"
        + "8536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4");
    var info = hex.parseHex("4f6465206f6e2061204772656369616e2055726e"); // "Ode on a Grecian Urn"
    var aad = hex.parseHex("436f756e742d30"); // "Count-0"
    var pt = hex.parseHex("4265617574792069732074727574682c20747275746820626561757479");
    var ct = hex.parseHex("5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f"
        + "9076ac232e3ab2523f39513434");
    var params = AlgorithmParameters.getInstance("EC");
    params.init(new ECGenParameterSpec("secp256r1"));
    var spec = params.getParameterSpec(ECParameterSpec.class);
    var factory = KeyFactory.getInstance("EC");
    var privateKey = factory.generatePrivate(new ECPrivateKeySpec(new BigInteger(1, skRm), spec));
    var publicKey = factory.generatePublic(new ECPublicKeySpec(new ECPoint(
        new BigInteger(1, Arrays.copyOfRange(pkRm, 1, 33)), new BigInteger(1, Arrays.copyOfRange(pkRm, 33, 65))), spec));

    assertArrayEquals(pkRm, P256Keys.uncompressedPoint(publicKey));
    assertArrayEquals(skRm, P256Keys.scalar(privateKey));
    assertArrayEquals(pt, Hpke.open(privateKey, enc, ct, info, aad));
    var sealed = Hpke.seal(publicKey, pt, info, aad);
    assertArrayEquals(pt, Hpke.open(privateKey, sealed.enc(), sealed.ciphertext(), info, aad));
  }

  private static byte[] info(String machineUid, String sensorId, String setting) {
    return ("outpost sensor credential|" + machineUid + "|" + sensorId + "|" + setting).getBytes(StandardCharsets.UTF_8);
  }

  /** The sealed text with one bit flipped in byte {@code index} of part {@code part} (1 = enc, 2 = ciphertext). */
  private static String alter(String sealed, int part, int index) {
    var parts = sealed.split("\\.");
    var bytes = Base64.getUrlDecoder().decode(parts[part]);
    bytes[index] ^= 0x01;
    parts[part] = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return String.join(".", parts);
  }
}
