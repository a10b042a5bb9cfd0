package dev.outpost.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
  @Test
  void verifiesTheRightPasswordOnlyAndSaltsDiffer() {
    var first = PasswordHash.hash("correct horse".toCharArray());
    var second = PasswordHash.hash("correct horse".toCharArray());

    assertTrue(first.startsWith("$argon2id$v=19$m=65536,t=2,p=1$"), first);
    assertNotEquals(salt(first), salt(second));
    assertNotEquals(first, second);
    assertTrue(PasswordHash.verify("correct horse".toCharArray(), first));
    assertFalse(PasswordHash.verify("correct horsf".toCharArray(), first));
  }

  @Test
  void verifiesAKnownReferenceHash() {
    // from the reference implementation: echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32 -e
    var reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assertTrue(PasswordHash.verify("password".toCharArray(), reference));
  }

  @Test
  void malformedHashIsAClearError() {
    var e = assertThrows(CryptoException.class, () -> PasswordHash.verify("x".toCharArray(), "$2a$10$bcrypt"));
    assertTrue(e.getMessage().contains("not an Argon2id PHC hash"), e.getMessage());
    assertThrows(CryptoException.class, () -> PasswordHash.verify("x".toCharArray(),
        "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
  }

  private static String salt(String encoded) {
    return encoded.split("\\$")[4];
  }
}
