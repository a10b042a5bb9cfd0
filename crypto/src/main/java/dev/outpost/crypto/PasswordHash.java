package dev.outpost.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Slow salted password hashes: Argon2id (RFC 9106) with 64 MiB of memory, 2 passes, 1 lane, a
 * random 16-byte salt per hash and a 32-byte output, stored as a PHC string
 * {@code $argon2id$v=19$m=65536,t=2,p=1$SALT$HASH} (unpadded base64), the format of the reference
 * implementation and libsodium. {@link #verify} reads the parameters from the string, so stronger
 * settings later still verify old hashes.
 */
public final class PasswordHash {
  public static final int MEMORY_KIB = 65536;
  public static final int ITERATIONS = 2;
  public static final int PARALLELISM = 1;
  public static final int SALT_BYTES = 16;
  public static final int HASH_BYTES = 32;

  /** Limits on parameters read back, so a stored string cannot make one check take unbounded memory or time. */
  private static final int MAX_MEMORY_KIB = 1 << 20;
  private static final int MAX_ITERATIONS = 16;
  private static final int MAX_PARALLELISM = 16;

  private static final Pattern PHC = Pattern.compile(
      "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{16,})");
  private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getDecoder();
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHash() {}

  /** A new hash of the password with a fresh random salt (takes most of a second on purpose). */
  public static String hash(char[] password) {
    var salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    var hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
        + ENCODER.encodeToString(salt) + "$" + ENCODER.encodeToString(hash);
  }

  /**
   * Whether the password matches the encoded hash (constant-time comparison).
   *
   * @throws CryptoException if {@code encoded} is not an Argon2id PHC string this class can check
   */
  public static boolean verify(char[] password, String encoded) {
    var m = PHC.matcher(encoded == null ? "" : encoded);
    if (!m.matches()) {
      throw new CryptoException("not an Argon2id PHC hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash): "
          + abbreviate(encoded));
    }
    int memory = Integer.parseInt(m.group(1));
    int iterations = Integer.parseInt(m.group(2));
    int parallelism = Integer.parseInt(m.group(3));
    if (memory < 8 * parallelism || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS
        || parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new CryptoException("Argon2id parameters out of range: m=" + memory + ",t=" + iterations
          + ",p=" + parallelism);
    }
    byte[] salt;
    byte[] expected;
    try {
      salt = DECODER.decode(m.group(4));
      expected = DECODER.decode(m.group(5));
    } catch (IllegalArgumentException e) {
      throw new CryptoException("Argon2id hash has bad base64: " + e.getMessage(), e);
    }
    var actual = argon2(password, salt, memory, iterations, parallelism, expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] argon2(char[] password, byte[] salt, int memory, int iterations, int parallelism,
      int length) {
    var parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memory)
        .withIterations(iterations)
        .withParallelism(parallelism)
        .withSalt(salt)
        .build();
    var generator = new Argon2BytesGenerator();
    generator.init(parameters);
    var out = new byte[length];
    var bytes = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
    var passwordBytes = new byte[bytes.remaining()];
    bytes.get(passwordBytes);
    try {
      generator.generateBytes(passwordBytes, out);
    } finally {
      Arrays.fill(passwordBytes, (byte) 0);
      if (bytes.hasArray()) {
        Arrays.fill(bytes.array(), (byte) 0);
      }
    }
    return out;
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 20 ? s : s.substring(0, 20) + "…";
  }
}
